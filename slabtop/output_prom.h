/*
 * output_prom.h - the exporter's exposition: every segment of the host in
 * one scrape, in the Prometheus text format (0.0.4) or OpenMetrics 1.0.
 *
 * What Prometheus can aggregate is exported as it is: cumulative counters
 * (allocations, samples, preempted samples, CPU and run-queue time, context
 * switches, repairs by reason) and the wall and CPU latency histograms as
 * real histograms (cumulative _bucket{le}, _sum, _count), so rates, ratios
 * and percentiles over any window come from PromQL.  The only per-interval
 * figures (ratio, verdict) are computed between two snapshots the exporter
 * itself took, at its previous scrape and at this one, and say so.
 *
 * Every series is labelled name (the segment NAME), pid and command.
 */
#ifndef SLABTOP_OUTPUT_PROM_H
#define SLABTOP_OUTPUT_PROM_H

#include <stdbool.h>
#include <stdio.h>
#include "scan.h"

#define ST_PROM_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"
#define ST_OM_CONTENT_TYPE "application/openmetrics-text; version=1.0.0; charset=utf-8"

/* Write one scrape of the scanned segments. */
void st_output_prom(FILE *out, const st_scan_entry *segs, size_t n, bool openmetrics);

#endif /* SLABTOP_OUTPUT_PROM_H */
