/*
 * fmt.h - short human-readable numbers for the screen and the text output.
 */
#ifndef SLABTOP_FMT_H
#define SLABTOP_FMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "slab_stats.h"

#define ST_FMT_LEN 24

/* Nanoseconds: "850ns", "1.25us", "3.40ms", "1.20s". */
const char *st_fmt_ns(char buf[ST_FMT_LEN], double ns);
/* A count or rate: "950", "12.3k", "4.56M", "7.89G". */
const char *st_fmt_count(char buf[ST_FMT_LEN], double v);
/* A duration: "42s", "3m07s", "2h05m", "3d04h". */
const char *st_fmt_duration(char buf[ST_FMT_LEN], double seconds);
/* Bytes: "512B", "64.0K", "12.5M", "1.20G". */
const char *st_fmt_bytes(char buf[ST_FMT_LEN], double bytes);

/* A wall/CPU ratio in at most 4 columns ("1.23", "45.6", ">99": beyond
 * 100 the off-CPU share says it better), or "-" when the verdict says
 * there were too few samples. */
const char *st_fmt_ratio(char buf[ST_FMT_LEN], double ratio, slab_verdict v);

/* Nanoseconds as st_fmt_ns(), but "<0.4us" below the timing resolution
 * (0: unknown, always the value). */
const char *st_fmt_ns_res(char buf[ST_FMT_LEN], double ns, uint64_t resolution_ns);

struct st_figures;
/* "67% off-CPU" beside the ratio, or "-". */
const char *st_fmt_offcpu(char buf[ST_FMT_LEN], const struct st_figures *f);
/* The cause's short name ("run-queue", "work:new-slab", ...). */
const char *st_fmt_cause(const struct st_figures *f);
/* The tail line: "tail p99 14.2ms: 96% waiting for CPU, 4% new-slab work"
 * (p999: the tail above p99.9). */
char *st_fmt_tail(char *buf, size_t len, const struct st_figures *f, bool p999);

/* The labels of the summary's figures: one table for the screen and the
 * text output (and slabtop(1)), so they read the same everywhere. */
typedef enum st_label {
    ST_L_ALLOCS = 0, ST_L_SAMPLES, ST_L_PREEMPTED, ST_L_INVOL, ST_L_RATIO,
    ST_L_VERDICT, ST_L_CPU_SHARE, ST_L_RUNQ, ST_L_REPAIRS, ST_L_COUNT
} st_label;

extern const char *const st_labels[ST_L_COUNT];

#endif /* SLABTOP_FMT_H */
