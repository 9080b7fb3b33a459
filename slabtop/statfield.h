/*
 * statfield.h - every counter of a thread's record, for the metrics
 * outputs (--openmetrics and the --listen exporter), made from the
 * format's tables (include/slab_shm_format.h): a counter added to
 * SLAB_SHM_SEED_FIELDS, _THREAD_FIELDS, _SAMPLE_FIELDS or _LARGE_FIELDS is
 * exported as slab_stat_FIELD with no other change.
 */
#ifndef SLABTOP_STATFIELD_H
#define SLABTOP_STATFIELD_H

#include <stdbool.h>
#include <stddef.h>
#include "slab_stats.h"

typedef struct st_stat_field {
    const char *field;          /* the format's name */
    const char *help;           /* the format's help */
    bool counter;               /* SUM: only grows; else a gauge (MAX, LAST) */
    size_t offset;              /* in slab_thread_stats */
} st_stat_field;

extern const st_stat_field st_stat_fields[];
extern const size_t st_stat_field_count;

/* The metric's name: slab_stat_FIELD, with "_ns" taken out of a time
 * and "_seconds" put at its end (alloc_wall_ns_sum ->
 * slab_stat_alloc_wall_sum_seconds), as Prometheus wants base units. */
void st_stat_metric(const st_stat_field *f, char *buf, size_t size);
/* Its help line: the format's, capitalised, with where it comes from. */
void st_stat_help(const st_stat_field *f, char *buf, size_t size);
/* Its value in t, in the metric's unit. */
double st_stat_value(const st_stat_field *f, const slab_thread_stats *t);

#endif
