/*
 * slab_stats.h - the slow-path sampler: per-thread wall and CPU timing of a
 * random sample of allocations, and of every zombie repair.
 *
 * Each thread counts its own allocations down to the next sample.  A sampled
 * alloc_obj_epoch() call is bracketed by CLOCK_MONOTONIC (wall) and
 * CLOCK_THREAD_CPUTIME_ID (CPU): wall much larger than CPU means the thread
 * was preempted inside the call, wall close to CPU means the allocator itself
 * did the work.  Every zombie repair is timed the same way and counted by
 * reason.
 *
 * Sampling costs the allocation fast path one thread-local decrement and one
 * predictable branch.  The interval between samples is random (geometric,
 * every allocation sampled with probability 1/rate) by default, or exactly
 * every rate-th allocation in fixed mode.  A cost budget stretches it when
 * needed: a sample costs about a microsecond (four clock reads, the thread
 * CPU clock being a system call), so the sampler measures that cost at
 * start-up and keeps the share of each thread's CPU time spent sampling
 * under SLAB_SAMPLE_BUDGET (0.25 % by default); the interval in force is
 * slab_thread_stats.interval.  SLAB_SAMPLE_RATE=1024 SLAB_SAMPLE_MODE=fixed
 * SLAB_SAMPLE_BUDGET=off behaves exactly like the seed's 1/1024 mask.
 *
 * Without ENABLE_SLOWPATH_SAMPLING (./configure --disable-slowpath-sampling)
 * nothing is sampled, the functions below still link, and the statistics
 * they return are zero (slab_stats_thread_ext() and slab_sample_set_config()
 * fail with ENOTSUP).
 */
#ifndef SLAB_STATS_H
#define SLAB_STATS_H

#include <stdint.h>
#include <stdio.h>      /* the seed's programs print with stdio alone */
#include "slab_alloc.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The seed's per-thread statistics; every field keeps its name and meaning. */
typedef struct {
    /* Allocation samples */
    uint64_t alloc_samples;
    uint64_t alloc_wall_ns_sum;
    uint64_t alloc_cpu_ns_sum;
    uint64_t alloc_wall_ns_max;
    uint64_t alloc_cpu_ns_max;

    /* Zombie repair tracking */
    uint64_t repair_count;
    uint64_t repair_wall_ns_sum;
    uint64_t repair_cpu_ns_sum;
    uint64_t repair_wall_ns_max;
    uint64_t repair_cpu_ns_max;

    /* Repair reason attribution */
    uint64_t repair_reason_full_bitmap;    /* offered for allocation, no free slot */
    uint64_t repair_reason_list_mismatch;  /* recorded list != list it sits on */
    uint64_t repair_reason_other;
} ThreadStats;

/* The calling thread's statistics since it started (zeros before its first
 * allocation).  Sums and maxima are raw: they include the measurement floor
 * (slab_sample_floor()). */
ThreadStats slab_stats_thread(void);

/* The seed's sampling mask: the default interval is SAMPLE_RATE_MASK + 1. */
#define SAMPLE_RATE_MASK 1023u

#define REPAIR_REASON_FULL_BITMAP    (1u << 0)
#define REPAIR_REASON_LIST_MISMATCH  (1u << 1)
#define REPAIR_REASON_OTHER          (1u << 2)

/*
 * Log-scale histogram of nanoseconds.  Values 0..7 have a bucket each; above
 * that every power of two is split into 8 equal buckets, so a bucket's width
 * is at most 1/8 of its lower bound.  256 buckets reach 2^34 ns (17 s); larger
 * values land in the last bucket.  The sampler fills them with raw figures,
 * like the sums; subtract the floor from a quantile to correct it.
 * Percentiles of an interval come from the bucket-wise difference of two
 * snapshots.
 */
#define SLAB_HIST_SUB_BITS 3u
#define SLAB_HIST_BUCKETS  256u

unsigned slab_hist_bucket(uint64_t ns);
uint64_t slab_hist_bucket_low(unsigned bucket);   /* smallest value in it */
uint64_t slab_hist_bucket_high(unsigned bucket);  /* largest value in it */
/* The value at quantile q (0..1) of counts[0..SLAB_HIST_BUCKETS-1], or 0 when
 * empty; reported as the midpoint of the bucket holding it. */
uint64_t slab_hist_quantile(const uint64_t *counts, double q);

/* Everything the sampler knows about one thread.  Fixed-width fields only:
 * the shared-memory segment publishes this structure as it is.
 *
 * A sample is counted as preempted when its floor-corrected wall time is at
 * least twice its floor-corrected CPU time plus 5 us:
 *     wall - floor.wall_ns >= 2 * (cpu - floor.cpu_ns) + 5000
 * (each difference clamped at 0): the call spent more time off the CPU than
 * on it, and more than a clock's jitter.
 *
 * The scheduler signals (thread_cpu_ns, runq_wait_ns, nvcsw, nivcsw) are read
 * when the thread publishes, at most four times a second, all at the same
 * moment, and never per allocation.  sample_cost_ns counts the time the
 * thread spent on samples (the cost of a whole sample, measured at start-up,
 * once per sample) and on reading these signals (timed as they are read). */
typedef struct slab_thread_stats {
    ThreadStats seed;
    uint64_t allocs;            /* alloc_obj_epoch() calls by the thread */
    uint64_t preempted;         /* samples classified as preempted */
    uint64_t interval;          /* effective mean sampling interval now */
    uint64_t sample_cost_ns;    /* time spent reading clocks for samples */
    uint64_t thread_cpu_ns;     /* thread CPU time, read at publication */
    uint64_t runq_wait_ns;      /* run-queue wait (schedstat), at publication */
    uint64_t nvcsw;             /* voluntary context switches */
    uint64_t nivcsw;            /* involuntary context switches */
    uint64_t mono_ns;           /* CLOCK_MONOTONIC when this was taken */
    uint64_t wall_hist[SLAB_HIST_BUCKETS];
    uint64_t cpu_hist[SLAB_HIST_BUCKETS];
} slab_thread_stats;

/* The calling thread's full statistics, with the allocation count and the
 * scheduler signals read now.  0, or -1 and errno (EINVAL for NULL; ENOTSUP
 * when sampling is compiled out). */
int slab_stats_thread_ext(slab_thread_stats *out);

/* Sampling settings.  Read once from the environment (SLAB_SAMPLE_RATE,
 * SLAB_SAMPLE_MODE, SLAB_SAMPLE_BUDGET) and changeable at run time: each
 * thread applies a change at its next publication tick (a few milliseconds
 * of allocating).  slab_sample_set_config() fails with EINVAL for a rate
 * above 2^30, a budget above 1000000 ppm or an unknown mode. */
typedef enum slab_sample_mode {
    SLAB_SAMPLE_RANDOM = 0,     /* geometric intervals with the given mean */
    SLAB_SAMPLE_FIXED = 1       /* exactly every rate-th allocation */
} slab_sample_mode;

typedef struct slab_sample_config {
    uint32_t rate;              /* mean interval; 0 turns sampling off */
    slab_sample_mode mode;
    uint32_t budget_ppm;        /* share of thread time for sampling; 0 = no cap */
} slab_sample_config;

void slab_sample_get_config(slab_sample_config *out);
int slab_sample_set_config(const slab_sample_config *config);  /* 0, or -1 EINVAL */

/* The measurement floor: what an empty timed region costs on each clock,
 * measured once at start-up (the median of 63 empty regions timed exactly
 * like a sample).  A sample reads the clocks staggered (wall then CPU at the
 * start, wall then CPU at the end), so each region holds one read of the
 * other clock and the two floors are close: an unpreempted call reads
 * wall ~= CPU even uncorrected.  The price: a sample's CPU figure may
 * exceed its wall figure by up to about one clock read (plus interrupt
 * time the kernel charges to the thread), where nested reads would
 * guarantee wall >= CPU but read a ratio near 2 for every short call.  A sampled figure x
 * is corrected as max(0, x - floor); averages over n samples subtract
 * n * floor from the sum.  Zero when sampling is compiled out. */
typedef struct slab_clock_floor {
    uint64_t wall_ns;
    uint64_t cpu_ns;
} slab_clock_floor;

slab_clock_floor slab_sample_floor(void);

/*
 * The verdict on an interval, from the difference of two snapshots of one
 * thread (or of sums over threads).  The rule:
 *
 * 1. Sampled ratio r, with at least SLAB_VERDICT_MIN_SAMPLES samples: the
 *    floor-corrected sums, each given a granularity g = (floor_wall_ns +
 *    floor_cpu_ns) / 4 (at least 1 ns) per sample so that calls far shorter
 *    than a clock read are not a ratio of noise:
 *      r = (max(0, wall_ns_sum - n*floor_wall_ns) + n*g)
 *        / (max(0, cpu_ns_sum - n*floor_cpu_ns) + n*g)
 * 2. Scheduler ratio s, when thread_cpu_ns >= SLAB_VERDICT_MIN_CPU_NS: the
 *    wall/CPU ratio of the threads' whole runnable time,
 *      s = (thread_cpu_ns + runq_wait_ns) / thread_cpu_ns
 *    This catches preemption that rarely lands inside a sampled call.
 * 3. ratio = max(r, s) over those available, and the seed's table: below
 *    1.5 clean, 1.5 up to 2 moderate, 2 or more heavy.  Also heavy: s >= 1.9
 *    with at least SLAB_VERDICT_SWITCH_RATE involuntary switches per second
 *    of CPU (the thread shares its CPU with another runnable thread and
 *    gets about half of it or less).
 * 4. Neither available: insufficient.
 * elapsed_ns is not used by the rule; readers keep it for their rates.
 */
#define SLAB_VERDICT_MIN_SAMPLES  32u
#define SLAB_VERDICT_MIN_CPU_NS   20000000u       /* 20 ms */
#define SLAB_VERDICT_SWITCH_RATE  50u
typedef enum slab_verdict {
    SLAB_VERDICT_INSUFFICIENT = 0,
    SLAB_VERDICT_CLEAN = 1,
    SLAB_VERDICT_MODERATE = 2,
    SLAB_VERDICT_HEAVY = 3
} slab_verdict;

typedef struct slab_verdict_input {
    uint64_t samples;           /* samples in the interval */
    uint64_t wall_ns_sum;       /* their wall time */
    uint64_t cpu_ns_sum;        /* their CPU time */
    uint64_t floor_wall_ns;     /* measurement floor per sample */
    uint64_t floor_cpu_ns;
    uint64_t elapsed_ns;        /* length of the interval, writer's clock */
    uint64_t thread_cpu_ns;     /* CPU the threads used in it */
    uint64_t runq_wait_ns;      /* time they waited for a CPU in it */
    uint64_t nivcsw;            /* involuntary context switches in it */
} slab_verdict_input;

/* Returns the verdict and stores the ratio it is based on in *ratio (when
 * not NULL; 0 when insufficient). */
slab_verdict slab_verdict_compute(const slab_verdict_input *in, double *ratio);
const char *slab_verdict_name(slab_verdict v);

/*
 * Messages.  libslab prints nothing unless asked, and there are two ways
 * to ask.  Without a callback, messages reach stderr only when SLAB_VERBOSE
 * is at least their level; a bad SLAB_* value (SLAB_LOG_CONFIG: reported
 * once, and its default used) counts as a warning, so SLAB_VERBOSE=1 shows
 * it.  By default (SLAB_VERBOSE=0) nothing is printed.
 * With a callback, every message goes to it instead, from whichever thread
 * produced it, and nothing to stderr.  Set it before the first allocator is
 * created to receive the messages about the environment.  NULL restores the
 * default.  The message has no trailing newline.  The callback must not
 * call libslab (it may run while the library reads its settings).
 */
#define SLAB_LOG_CONFIG   0     /* a bad SLAB_* value; the default is used */
#define SLAB_LOG_WARNING  1     /* something failed and the library coped */
#define SLAB_LOG_INFO     2     /* what the library did */
#define SLAB_LOG_DEBUG    3

typedef void (*slab_log_callback)(int level, const char *message, void *arg);
void slab_set_log_callback(slab_log_callback fn, void *arg);

#ifdef __cplusplus
}
#endif

#endif /* SLAB_STATS_H */
