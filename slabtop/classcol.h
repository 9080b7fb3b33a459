/*
 * classcol.h - the columns of the size-class table, for the screen and the
 * text output alike.
 *
 * There is one column per counter of SLAB_SHM_CLASS_FIELDS
 * (include/slab_shm_format.h), made from that table: a counter added there
 * appears here, headed by its name in upper case, with no other change.
 * Levels (GAUGE) come first, then the counters in the table's order.
 */
#ifndef SLABTOP_CLASSCOL_H
#define SLABTOP_CLASSCOL_H

#include <stdbool.h>
#include <stddef.h>
#include "slab_alloc.h"
#include "slab_shm_format.h"
#include "fmt.h"

/* One index per counter, in the format table's order. */
typedef enum st_ccol_id {
#define X(f, kind, help) ST_CC_##f,
    SLAB_SHM_CLASS_FIELDS(X)
#undef X
    ST_CC_COUNT
} st_ccol_id;

#define ST_CCOL_HEADING_MAX 24

/* The counter of each display column, in display order. */
extern const st_ccol_id st_class_cols[ST_CC_COUNT];

/* The counter's name, as in JSON. */
const char *st_ccol_name(st_ccol_id id);
/* Its heading (at most ST_CCOL_HEADING_MAX bytes) and width in columns
 * (the heading's, at least 8). */
const char *st_ccol_heading(st_ccol_id id, char buf[ST_CCOL_HEADING_MAX + 1]);
int st_ccol_width(st_ccol_id id);

/* The counter's value in p. */
uint64_t st_ccol_total(const PerfCounters *p, st_ccol_id id);

/* The cell: the rate per_s[id] for the counters shown as a rate, bytes for
 * the *_bytes counters, else the plain count. */
const char *st_ccol_cell(char buf[ST_FMT_LEN], st_ccol_id id, const PerfCounters *total,
                         const double per_s[ST_CC_COUNT]);

#endif /* SLABTOP_CLASSCOL_H */
