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

/*
 * Tail attribution.  A sample reads /proc/thread-self/schedstat (run time,
 * run-queue wait, times scheduled: one pread on a descriptor the thread
 * keeps open) before and after the call as well as the two clocks, and the
 * allocator's slow paths leave a tag saying which path served the call.
 * The call's wall time then splits into
 *     work     its CPU time, by path;
 *     runq     the run-queue wait that grew during it (waiting for a CPU:
 *              other runnable tasks, or a CPU quota that throttled it);
 *     blocked  the rest of its off-CPU time (wall - CPU - runq) when the
 *              path may sleep inside the allocator (a contended lock,
 *              fresh memory faulted in): partial, new slab, repair;
 *     other    that rest on the other paths (stopped, stolen, ...).
 * Per group of 8 wall-histogram buckets (one power of two: group g holds
 * the samples of buckets 8g..8g+7) the sums of each part are kept, so a
 * reader can take, for any interval, the samples above any percentile and
 * say what their time was made of (slab_tail_add()).  Sums are raw: work
 * includes the CPU floor and wall the wall floor.
 */
enum slab_path {
    SLAB_PATH_FAST = 0,         /* a pop from the thread's current slab */
    SLAB_PATH_REFILL = 1,       /* the thread's own slabs or remote frees */
    SLAB_PATH_PARTIAL = 2,      /* the class's shared partial list, locked */
    SLAB_PATH_NEW_SLAB = 3,     /* a slab from the class pool or fresh memory */
    SLAB_PATH_REPAIR = 4,       /* a zombie repair on the way */
    SLAB_PATH_LARGE = 5,        /* the system allocator (drop-in, large) */
    SLAB_PATH_COUNT = 6
};
const char *slab_path_name(unsigned path);  /* "fast", "refill", ... */

#define SLAB_TAIL_GROUPS 32u
typedef struct slab_tail_group {
    uint64_t wall_ns;
    uint64_t runq_ns;
    uint64_t blocked_ns;
    uint64_t other_ns;
    uint64_t work_ns[SLAB_PATH_COUNT];  /* CPU time, by path */
} slab_tail_group;

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
    /* What each sample learned about its call (segment format 1.1):
     * the thread's scheduler statistics before and after the call, and
     * the path that served it.  See "Tail attribution" below. */
    uint64_t sched_samples;     /* samples that read the scheduler stats */
    uint64_t switched;          /* samples during which it was switched out */
    uint64_t sampled_runq_ns;   /* run-queue wait inside sampled calls */
    uint64_t sampled_blocked_ns;/* other off-CPU time on paths that may sleep */
    uint64_t sampled_other_ns;  /* other off-CPU time on the other paths */
    uint64_t path_fast;         /* samples served by each path */
    uint64_t path_refill;
    uint64_t path_partial;
    uint64_t path_new_slab;
    uint64_t path_repair;
    uint64_t path_large;
    uint64_t null_samples;      /* empty regions timed in place of samples */
    slab_tail_group tail[SLAB_TAIL_GROUPS];
    uint64_t null_wall_hist[SLAB_HIST_BUCKETS];
    uint64_t null_cpu_hist[SLAB_HIST_BUCKETS];
    /* Segment format 1.2: of allocs, the calls that libslab-malloc.so
     * handed to the system allocator (its large path), and the frees it
     * handed there; 0 for a program of libslab's own API. */
    uint64_t allocs_large;
    uint64_t frees_large;
    /* Segment format 1.3: every timed repair by its wall time (the buckets
     * of wall_hist), and for each tail group the wall and CPU time of its
     * repairs, so that a reader takes the repairs beyond any cut one by
     * one, as it takes the samples (slab_tail_add()). */
    uint64_t repair_hist[SLAB_HIST_BUCKETS];
    uint64_t repair_wall_ns[SLAB_TAIL_GROUPS];
    uint64_t repair_cpu_ns[SLAB_TAIL_GROUPS];
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
 * measured once at start-up (the median of 101 empty regions timed exactly
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

/* The floor in situ.  One sample in SLAB_NULL_EVERY times an empty region
 * in place of the call (that call goes unsampled): the clocks and the
 * scheduler statistics read cold, after thousands of allocations, as the
 * real samples read them, which costs more than the same reads in the
 * start-up loop.  Their histograms (null_wall_hist, null_cpu_hist) give
 * each interval its own floor (the median) and resolution (the spread
 * between the 10th and 90th percentiles), slab_floor_in_situ(). */
#define SLAB_NULL_EVERY 8u

/* Timing resolution.  The start-up floor is the median of FLOOR_RUNS (101)
 * empty regions; the overhead is a distribution, not one number, so its
 * percentiles are kept too.  resolution_ns is the spread between the 10th
 * and 90th percentiles (the larger of the two clocks'): a floor-corrected
 * figure below it cannot be told from zero, and readers show it as
 * "<resolution" (for example "<0.3us") rather than as a precise value.
 * sample_cost_ns is what one whole sample costs the thread (both reads of
 * the clocks and of the scheduler statistics, and the recording): it is
 * what the budget counts.  sched is 1 when the thread's scheduler
 * statistics could be read (the samples then split off-CPU time).
 * Returns 0, or -1 with errno ENOTSUP when sampling is compiled out. */
typedef struct slab_sample_timing {
    uint64_t wall_p10_ns, wall_p50_ns, wall_p90_ns, wall_p99_ns;
    uint64_t cpu_p10_ns, cpu_p50_ns, cpu_p90_ns, cpu_p99_ns;
    uint64_t resolution_ns;
    uint64_t sample_cost_ns;
    uint32_t sched;
    uint32_t runs;
} slab_sample_timing;

int slab_sample_timing_get(slab_sample_timing *out);

/* The floor and resolution of an interval from its empty regions (the
 * null histograms of the interval, SLAB_HIST_BUCKETS counts each): 0 with
 * *floor and *resolution_ns set when there are at least min_runs of them,
 * else -1 and nothing changed. */
int slab_floor_in_situ(const uint64_t *null_wall_hist, const uint64_t *null_cpu_hist,
                       uint64_t min_runs, slab_clock_floor *floor, uint64_t *resolution_ns);

/*
 * The verdict on an interval, from the difference of two snapshots of one
 * thread (or of sums over threads).  The rule:
 *
 * 1. Sampled ratio r, with at least SLAB_VERDICT_MIN_SAMPLES samples: the
 *    floor-corrected means, each given a granularity g = (floor_wall_ns +
 *    floor_cpu_ns) / 4 (at least 1 ns) so that calls far shorter than a
 *    clock read are not a ratio of noise:
 *      r = (max(0, wall_mean - floor_wall_ns) + g)
 *        / (max(0, cpu_mean - floor_cpu_ns) + g)
 *    With the histograms, the means are trimmed: each clock's slowest
 *    tenth of the samples (at least one) is left out, so no single
 *    outlier, and no event rarer than one sample in ten, can move r; a
 *    tail that rare is the cause's business (slab_diagnose()), not the
 *    ratio's.  Without them, the means of all samples.
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
    /* Optional (NULL: the ratio of the means, as in libslab 1.0): the
     * interval's wall and CPU histograms (SLAB_HIST_BUCKETS counts), for
     * the robust sampled ratio of rule 1. */
    const uint64_t *wall_hist;
    const uint64_t *cpu_hist;
} slab_verdict_input;

/* Returns the verdict and stores the ratio it is based on in *ratio (when
 * not NULL; 0 when insufficient). */
slab_verdict slab_verdict_compute(const slab_verdict_input *in, double *ratio);
const char *slab_verdict_name(slab_verdict v);

/*
 * The tail of an interval, and its cause.
 *
 * slab_tail_cut_at() finds where the slowest share 1 - q of the samples
 * of wall_hist begins (q = 0.99 for the tail above p99): every sample of
 * the buckets above cut->bucket, and the share cut->part of that bucket's.
 * wall_hist is the interval's histogram over all the threads.
 *
 * slab_tail_add() adds one thread's interval (d: the difference of two of
 * its snapshots) to *t: its sampled calls beyond the cut, each standing
 * for d->allocs / d->seed.alloc_samples calls, and the interval's zombie
 * repairs beyond the cut, from repair_hist (every repair is timed, so each
 * stands for itself: its CPU time is repair work, the rest other off-CPU
 * time; the sampled calls that repaired then leave their repair work out,
 * so that no repair counts twice).  A writer before format 1.3 has no
 * repair_hist: then all of the repairs count when their mean wall time
 * reaches cut->threshold_ns, and none otherwise.  Within a tail group the
 * samples beyond the cut are taken to be like the group's others, and
 * t->slowest and t->top keep the slowest and largest of all the samples
 * added so far.
 *
 * The clocks' window (about a microsecond) meets what a pop (about 10 ns)
 * almost never meets.  So the CPU time of fast-path samples beyond the
 * cut is left out (an interrupt charged to the thread, not the pop's
 * work), and d->null_wall_hist is taken as the shape of the empty regions
 * (only its shape counts: the caller may pass the interval's or the
 * thread's since it started): as many samples as that shape puts beyond
 * the cut would be there whatever the call did, and their time comes off
 * the refills' work and the other off-CPU time, never off a slow path's
 * work or a wait for a CPU.  All zero: nothing more comes off.
 *
 * Times are estimates for all the calls of the tail, in ns,
 * floor-corrected (the CPU floor comes off the work).
 */
typedef struct slab_tail_cut {
    unsigned bucket;            /* the bucket the cut falls in */
    double part;                /* share of that bucket beyond the cut */
    uint64_t threshold_ns;      /* the quantile itself (bucket midpoint) */
} slab_tail_cut;

void slab_tail_cut_at(slab_tail_cut *cut, const uint64_t *wall_hist, double q);
/* The parts of one sampled call of the tail, for the calls it stands for. */
typedef struct slab_tail_call {
    double wall_ns;
    double runq_ns, blocked_ns, other_ns;
    double work_ns[SLAB_PATH_COUNT];
} slab_tail_call;

typedef struct slab_tail {
    double samples;             /* sampled calls in the tail */
    double repairs;             /* repairs counted in it */
    double calls;               /* the calls they stand for */
    double wall_ns;
    double runq_ns, blocked_ns, other_ns;
    double work_ns[SLAB_PATH_COUNT];
    double sched_samples;       /* tail samples that read schedstat */
    /* The slowest sampled call (by the time it stands for: a sample of
     * the highest tail group of its thread, as like the group's others). */
    slab_tail_call slowest;
    /* For each part, the two largest amounts of it that single sampled
     * calls brought (top[0] the largest), of which slab_diagnose() takes
     * off the run-queue wait and the other off-CPU time; for wall_ns,
     * the two slowest calls. */
    slab_tail_call top[2];
} slab_tail;

void slab_tail_add(slab_tail *t, const slab_thread_stats *d, const slab_tail_cut *cut,
                   const slab_clock_floor *floor);

/* What a reader knows of the machine over the same interval (never the
 * writer's cost).  Each have_* is 0 when the kernel does not provide it. */
typedef struct slab_context {
    int have_steal;
    double steal_share;         /* stolen / all CPU time, host-wide (/proc/stat) */
    int have_throttle;
    double throttled_ns;        /* the cgroup's throttled time (cpu.stat) */
    uint64_t throttled_periods; /* periods in which it was throttled */
    int have_pressure;
    double pressure_some;       /* /proc/pressure/cpu "some" avg10, percent */
    int cpus_allowed;           /* CPUs in the process's affinity, 0 unknown */
    int runnable;               /* tasks runnable on those CPUs, -1 unknown */
} slab_context;

/* The causes, in the order of slab_diagnosis.share[]. */
typedef enum slab_cause {
    SLAB_CAUSE_NONE = 0,        /* nothing to explain (insufficient data) */
    SLAB_CAUSE_UNDECIDED,       /* too little in the tail to decide */
    SLAB_CAUSE_RUNQ,            /* waiting for a CPU behind other tasks */
    SLAB_CAUSE_THROTTLE,        /* waiting out a CPU quota (cgroup) */
    SLAB_CAUSE_STEAL,           /* the hypervisor ran something else */
    SLAB_CAUSE_BLOCKED,         /* asleep inside the allocator (lock, fault) */
    SLAB_CAUSE_OFFCPU,          /* other off-CPU time: stopped, ... */
    SLAB_CAUSE_WORK_FAST,       /* allocator work, by path (enum slab_path) */
    SLAB_CAUSE_WORK_REFILL,
    SLAB_CAUSE_WORK_PARTIAL,
    SLAB_CAUSE_WORK_NEW_SLAB,
    SLAB_CAUSE_WORK_REPAIR,
    SLAB_CAUSE_WORK_LARGE,
    SLAB_CAUSE_COUNT
} slab_cause;

/* Short names ("run-queue", "throttling", "steal", "blocked",
 * "off-cpu", "work:new-slab", ...) and phrases for a sentence ("waiting
 * for CPU", "new-slab work", ...). */
const char *slab_cause_name(slab_cause c);
const char *slab_cause_phrase(slab_cause c);

typedef struct slab_diagnosis {
    slab_verdict verdict;       /* slab_verdict_compute() of the input */
    double ratio;
    double offcpu_share;        /* 1 - 1/ratio: the share of the time off CPU */
    slab_cause cause;
    double cause_share;         /* of the tail's time, 0..1 */
    double share[SLAB_CAUSE_COUNT];
    double tail_ns;             /* mean floor-corrected wall time of a tail call */
    /* The slowest sampled call, which rule 1 leaves out: the wall time
     * it stands for, and its largest part.  0 and SLAB_CAUSE_NONE when
     * the tail held no sampled call. */
    double left_out_ns;
    slab_cause left_out_cause;
} slab_diagnosis;

/*
 * The rule (libslab(3), "Verdict and cause"):
 * 1. The tail's time splits into its parts: run-queue wait (of which the
 *    share the cgroup spent throttled, throttled_ns / the interval's
 *    run-queue wait, is throttling), blocked, other off-CPU (of which up
 *    to steal_share of the tail's wall time is steal) and work by path.
 *    What came from outside the call, the run-queue wait and the other
 *    off-CPU time, leaves out the two largest amounts of it that single
 *    sampled calls brought (slab_tail.top): a sample stands for
 *    thousands of calls, and one preemption of a millisecond inside one
 *    of them would otherwise outweigh all of a tail's work.  What three
 *    samples or more share still counts.  A sleep inside the allocator
 *    (blocked) and its work are the call's own and stay whole.  A tail too small for that
 *    (fewer than SLAB_TAIL_MIN_SAMPLES samples and repairs, or nothing
 *    left) keeps its parts as they are, and names no cause by rule 2
 *    or 4.
 * 2. With at least SLAB_TAIL_MIN_SAMPLES samples and repairs in the tail,
 *    if its largest part is time off the CPU (run queue, throttling,
 *    steal, blocked, other), that is the cause.
 * 3. Otherwise, when the scheduler ratio s (rule 2 of the verdict) is 1.5
 *    or more, the threads waited for a CPU at least half as long as they
 *    ran: the cause is throttling if at least half of that wait was
 *    throttled time, else run-queue contention, however few samples it
 *    caught (a sampled call is short: few preemptions land in one).
 * 4. Otherwise the tail's largest part (allocator work by path) with
 *    enough samples; with fewer, undecided.
 * tail may be NULL (rule 3 then undecided), ctx may be NULL (no context).
 */
#define SLAB_TAIL_MIN_SAMPLES 3u
void slab_diagnose(const slab_verdict_input *in, const slab_tail *tail,
                   const slab_context *ctx, slab_diagnosis *out);

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
