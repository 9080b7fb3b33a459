/*
 * model.h - what slabtop shows, computed from snapshots; no curses here.
 *
 * A snapshot (st_snapshot) is a plain copy of one moment of a segment: the
 * process header, the totals of threads that have exited, the per-class
 * counters and one st_thread per live thread record.  The model keeps the
 * previous snapshot and turns the pair into the figures of the interval
 * between them (st_view): rates over the writer's own clock, percentiles of
 * the histogram difference, the library's verdict on the difference.  The
 * first snapshot after attaching is compared with the process's start, so
 * it shows the whole life of the process.
 *
 * Cumulative counters never go backwards in one owner's life; a counter that
 * does (a thread record reused by a new thread, a new owner under the same
 * name) is treated as restarted from zero.
 */
#ifndef SLABTOP_MODEL_H
#define SLABTOP_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "slab_stats.h"
#include "slabtop.h"
#include "classcol.h"
#include "context.h"

typedef enum st_proc_state {
    ST_PROC_ALIVE = 0,
    ST_PROC_EXITED,             /* owner unpublished at exit: final numbers */
    ST_PROC_STALE,              /* owner died without cleaning up */
    ST_PROC_STARTING,           /* header not ready yet */
    ST_PROC_UNKNOWN             /* owner in another pid namespace: its
                                   liveness cannot be told from here */
} st_proc_state;

const char *st_proc_state_name(st_proc_state s);

typedef enum st_thread_state {
    ST_THREAD_LIVE = 0,
    ST_THREAD_BUSY,             /* record being written; values are older */
    ST_THREAD_OVERFLOW,         /* shared record of threads beyond the table */
    ST_THREAD_FINAL             /* the owner has gone: its last values */
} st_thread_state;

const char *st_thread_state_name(st_thread_state s);

typedef struct st_thread {
    uint64_t key;               /* identifies one thread's record over time */
    uint64_t tid;
    char name[32];
    st_thread_state state;
    slab_thread_stats stats;
} st_thread;

typedef struct st_class {
    uint32_t size;              /* object size of the class, bytes */
    PerfCounters c;
} st_class;

typedef struct st_snapshot {
    char name[ST_NAME_MAX];     /* segment NAME */
    char command[ST_NAME_MAX];
    char label[ST_NAME_MAX];    /* set by the program, may be empty */
    int64_t pid;
    st_proc_state state;
    uint32_t abi_major, abi_minor;
    uint64_t mono_ns;           /* writer's CLOCK_MONOTONIC at its heartbeat */
    uint64_t uptime_ns;         /* writer's time since it started */
    uint32_t sample_mode;       /* SLAB_SAMPLE_RANDOM or SLAB_SAMPLE_FIXED */
    uint64_t sample_rate;       /* configured mean interval, 0 = off */
    uint32_t sample_budget_ppm; /* cost budget, 0 = none */
    uint64_t floor_wall_ns;     /* measurement floor per sample */
    uint64_t floor_cpu_ns;
    slab_sample_timing timing;  /* the overhead's distribution (format 1.1) */
    st_host host;               /* the machine, read beside the snapshot */
    slab_thread_stats exited;   /* totals of threads that have exited */
    st_class classes[SLAB_NUM_CLASSES];
    uint64_t mapped_bytes;
    uint64_t resident_bytes;
    size_t nthreads;
    st_thread *threads;         /* nthreads entries, owned by the snapshot */
} st_snapshot;

void st_snapshot_init(st_snapshot *s);
void st_snapshot_free(st_snapshot *s);
/* Deep copy; returns 0 or -1 (ENOMEM). */
int st_snapshot_copy(st_snapshot *dst, const st_snapshot *src);
/* Sum of exited totals and every thread record. */
void st_snapshot_total(const st_snapshot *s, slab_thread_stats *out);

/* Figures of one interval, for the process or for one thread. */
typedef struct st_figures {
    double elapsed_s;           /* writer's clock; 0 = no rates */
    uint64_t allocs, samples, preempted, nivcsw;
    uint64_t repairs, full_bitmap, list_mismatch, other;
    double allocs_per_s, samples_per_s, repairs_per_s, nivcsw_per_s;
    double wall_mean_ns, cpu_mean_ns;   /* floor-corrected */
    uint64_t wall_p50, wall_p99, wall_p999; /* floor-corrected */
    uint64_t cpu_p50, cpu_p99, cpu_p999;
    uint64_t wall_max_ns, cpu_max_ns;   /* floor-corrected */
    double ratio;               /* floor-corrected wall/CPU, 0 = unknown */
    slab_verdict verdict;
    double preempted_share;     /* of samples, 0..1 */
    double cpu_share;           /* thread CPU time / elapsed (per thread) */
    double runq_share;          /* run-queue wait / elapsed */
    /* Tail attribution: the samples above p99 (tail) and p99.9 (tail999),
     * what their time was made of, and the cause (slab_diagnose()). */
    uint64_t tail_p99_raw, tail_p999_raw;   /* the cuts, raw ns */
    slab_tail tail, tail999;
    slab_diagnosis dx, dx999;
    uint64_t resolution_ns;     /* figures below it read "<resolution" */
    uint64_t floor_wall_ns;     /* the floor taken off (in situ when known) */
    uint64_t floor_cpu_ns;
    bool floor_in_situ;         /* from the interval's empty regions */
} st_figures;

/* Empty regions needed before an interval's own floor is used. */
#define ST_FLOOR_MIN_RUNS 16u
/* Empty regions an interval needs for its own shape of them in the tail. */
#define ST_TAIL_NULL_MIN 4096u

/* Compute the figures of the interval from *prev to *cur (prev NULL: from
 * zero).  elapsed_ns is the writer's length of the interval. */
void st_figures_compute(st_figures *f, const slab_thread_stats *prev,
                        const slab_thread_stats *cur, uint64_t elapsed_ns,
                        uint64_t floor_wall_ns, uint64_t floor_cpu_ns);
/* The same, with the machine's context of the interval (NULL: none) and
 * the timing resolution (0: unknown). */
void st_figures_compute_ctx(st_figures *f, const slab_thread_stats *prev,
                            const slab_thread_stats *cur, uint64_t elapsed_ns,
                            uint64_t floor_wall_ns, uint64_t floor_cpu_ns,
                            const slab_context *ctx, uint64_t resolution_ns);

/* One part of a process's interval: a thread's statistics before (NULL:
 * from zero) and after.  The parts add up to the process's. */
typedef struct st_part {
    const slab_thread_stats *prev, *cur;
} st_part;

/* st_figures_compute_ctx() for a process, whose tail is added up part by
 * part: each thread's samples stand for that thread's own calls (the
 * threads' sampling intervals differ, the budget stretching a busy
 * thread's), where the process's totals would give every sample the
 * same weight. */
void st_figures_compute_parts(st_figures *f, const slab_thread_stats *prev,
                              const slab_thread_stats *cur, uint64_t elapsed_ns,
                              uint64_t floor_wall_ns, uint64_t floor_cpu_ns,
                              const slab_context *ctx, uint64_t resolution_ns,
                              const st_part *parts, size_t nparts);

/* The figures of a process from two of its snapshots (prev NULL: since it
 * started) and their totals (st_snapshot_total()): its threads, and the
 * threads that exited, are the parts.  The watch screen, the overview and
 * the exporter all compute a process's figures this way. */
void st_figures_process(st_figures *f, const st_snapshot *prev,
                        const slab_thread_stats *prev_total, const st_snapshot *cur,
                        const slab_thread_stats *total, uint64_t elapsed_ns,
                        const slab_context *ctx);

/* Counter difference that treats a decrease as a restart from zero. */
static inline uint64_t st_delta(uint64_t prev, uint64_t cur)
{
    return cur >= prev ? cur - prev : cur;
}

typedef struct st_row {
    uint64_t key;
    uint64_t tid;
    char name[32];
    st_thread_state state;
    uint64_t samples_total;
    uint64_t repairs_total;
    st_figures f;
} st_row;

typedef struct st_class_row {
    uint32_t size;
    PerfCounters total;
    /* Each counter's change per second over the interval (meaningless for
     * the levels, which the columns show as they are). */
    double per_s[ST_CC_COUNT];
} st_class_row;

typedef enum st_sort {
    ST_SORT_TID = 0, ST_SORT_NAME, ST_SORT_ALLOCS, ST_SORT_SAMPLES,
    ST_SORT_RATIO, ST_SORT_WALL, ST_SORT_CPU, ST_SORT_REPAIRS,
    ST_SORT_STATE, ST_SORT_COUNT
} st_sort;

const char *st_sort_name(st_sort key);
int st_sort_from_name(const char *name);    /* key, or -1 */

/* One refresh in the history the sparklines draw. */
typedef struct st_point {
    double allocs_per_s, samples_per_s;
    uint64_t wall_p99;          /* floor-corrected */
    double ratio;               /* 0 = unknown */
    double offcpu_share;        /* of the sampled allocations' wall time */
    slab_verdict verdict;
    unsigned dist_lo, dist_hi;  /* histogram buckets in use; lo > hi: none */
} st_point;

/* Refreshes whose histograms the distribution panel's axis spans, so that
 * a shape moves along a still axis when the latencies change (half a
 * minute at the default refresh: longer than a --demo round). */
#define ST_DIST_KEEP 30

#define ST_HISTORY_MAX 1024     /* refreshes kept: wider than any screen */

/* The last refreshes, oldest first: st_history_at(h, 0) is the oldest. */
typedef struct st_history {
    st_point p[ST_HISTORY_MAX];
    size_t head;                /* next slot written */
    size_t count;
} st_history;

void st_history_push(st_history *h, const st_point *p);
const st_point *st_history_at(const st_history *h, size_t i);

/* Floor-corrected share of the sampled allocations' wall time spent off the
 * CPU (1 - CPU/wall), 0..1. */
double st_figures_offcpu(const st_figures *f);

typedef struct st_view {
    const st_snapshot *snap;    /* the current snapshot (owned by the model) */
    slab_thread_stats total;    /* cumulative, whole process */
    st_figures summary;         /* the last interval, whole process */
    bool since_start;           /* the interval is the process's whole life */
    uint64_t repairs_total;
    bool repair_seen;           /* a repair has been seen since attaching */
    uint64_t repair_age_ns;     /* writer's time since the last one seen */
    uint64_t effective_interval;/* largest effective sampling interval */
    size_t live_threads;
    size_t nrows;
    st_row *rows;
    st_class_row classes[SLAB_NUM_CLASSES];
    /* The interval's latency histograms (raw, floor not subtracted), for
     * the distribution panel. */
    uint64_t dist_wall[SLAB_HIST_BUCKETS];
    uint64_t dist_cpu[SLAB_HIST_BUCKETS];
    /* The buckets the last ST_DIST_KEEP refreshes used (lo > hi: none):
     * the panel's axis spans them. */
    unsigned dist_lo, dist_hi;
    const st_history *history;  /* one point per update, owned by the model */
    slab_context ctx;           /* the machine over the interval */
} st_view;

typedef struct st_model {
    st_snapshot prev;
    bool have_prev;
    bool repair_seen;
    uint64_t repair_mono_ns;    /* writer's time of the last repair seen */
    st_history history;
    st_view view;
} st_model;

void st_model_init(st_model *m);
void st_model_free(st_model *m);
/* Forget the previous snapshot (a new owner). */
void st_model_reset(st_model *m);
/* Take a new snapshot (copied); the view then describes the interval since
 * the previous one.  Returns 0 or -1 (ENOMEM). */
int st_model_update(st_model *m, const st_snapshot *cur);
/* Order the thread rows. */
void st_view_sort(st_view *v, st_sort key, bool reverse);

#endif /* SLABTOP_MODEL_H */
