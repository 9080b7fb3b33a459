/*
 * exporter.h - slabtop --listen [ADDR:]PORT: a Prometheus exporter.
 *
 * Serves GET /metrics with every segment the user may read on the host
 * (output_prom.h), in the Prometheus text format, or in OpenMetrics when
 * the scraper's Accept header asks for application/openmetrics-text.  The
 * segments are listed afresh at every scrape, so processes may come and
 * go.  HTTP is libmicrohttpd's (one internal thread, a few connections,
 * short timeouts); slabtop only answers requests.
 */
#ifndef SLABTOP_EXPORTER_H
#define SLABTOP_EXPORTER_H

#include <signal.h>

/* Serve until *stop becomes nonzero (SIGTERM, SIGINT).  spec is
 * "[ADDR:]PORT" ("9464", "127.0.0.1:9464", "[::1]:9464"): ADDR a numeric
 * address, 127.0.0.1 when not given (give 0.0.0.0 or [::] to serve other
 * machines); PORT 0 picks a free port.  Prints
 * "serving http://ADDR:PORT/metrics" on stderr once listening.  Returns an
 * exit status (slabtop.h). */
int st_exporter_run(const char *spec, volatile sig_atomic_t *stop);

#endif /* SLABTOP_EXPORTER_H */
