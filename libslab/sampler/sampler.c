/*
 * sampler.c - per-thread wall/CPU sampling of allocations and zombie
 * repairs, the sampler's cost budget, and the thread's publication cadence.
 *
 * The fast path (sampler.h) only decrements slab_hot.sampler_countdown.
 * When it runs out, slab_sampler_begin() runs on the cold path and does
 * everything else:
 *
 *   - the first time in a thread, it creates the thread's state (settings,
 *     a pthread key whose destructor publishes the final figures);
 *   - it counts allocations without touching the fast path: the thread's
 *     allocation number is "sum of armed intervals - countdown";
 *   - at publication ticks it reads the coarse monotonic clock, adapts the
 *     tick interval so that ticks come every few milliseconds of allocating,
 *     flushes the statistics to the publisher every FLUSH_NS, and reads the
 *     scheduler signals every SIGNAL_NS;
 *   - at samples it reads both clocks and returns true; slab_sampler_end()
 *     reads them again, records the sample, runs the cost budget and draws
 *     the next interval;
 *   - it re-arms the countdown to whichever comes first, the next sample or
 *     the next tick.
 *
 * The cost budget.  A sample costs c ns of the thread's time: four clock
 * reads (the thread CPU clock is a system call), two reads of the thread's
 * scheduler statistics (sample.c) and the bookkeeping; c is
 * measured at start-up by timing complete dummy samples.  The thread's CPU
 * time between two samples, divided by the allocations between them, gives
 * the CPU cost of one allocation's share of the work, w (smoothed over the
 * last few samples).  To keep c / (interval * w) under the budget B, the
 * mean interval is at least c / (B * w); the effective interval is the
 * larger of that and the configured rate, and is published as
 * slab_thread_stats.interval.
 *
 * All state is the calling thread's own, reached through one TLS pointer;
 * the only shared data are the settings (one atomic word, settings.c) and
 * the measurements made once at start-up (behind pthread_once).
 */
#include "config.h"
#include "sampler.h"
#include "sample.h"
#include "settings.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "slab_stats.h"
#include "options.h"
#include "common.h"
#include "draw.h"

/* ------------------------------------------------------------ sink */

#ifdef ENABLE_SLOWPATH_SAMPLING
static _Atomic(const slab_sampler_sink *) sink;

void slab_sampler_set_sink(const slab_sampler_sink *k)
{
    /* Pairs with the acquire load in current_sink(). */
    atomic_store_explicit(&sink, k, memory_order_release);
}

static const slab_sampler_sink *current_sink(void)
{
    /* Pairs with the release store in slab_sampler_set_sink(). */
    return atomic_load_explicit(&sink, memory_order_acquire);
}
#else
void slab_sampler_set_sink(const slab_sampler_sink *k)
{
    (void)k;    /* nothing is ever flushed */
}
#endif

#ifdef ENABLE_SLOWPATH_SAMPLING

/* ------------------------------------------------------------ constants */

#define NS_PER_MS           UINT64_C(1000000)
#define FLUSH_NS            (50 * NS_PER_MS)    /* publish at least this often */
#define SIGNAL_NS           (250 * NS_PER_MS)   /* scheduler signals, 4 per second */
#define TICK_TARGET_NS      (4 * NS_PER_MS)     /* aim for a tick every ~4 ms */
#define TICK_FAST_NS        (2 * NS_PER_MS)     /* closer than this: grow */
#define TICK_MAX            (UINT64_C(1) << 20) /* allocations between ticks */
#define TICK_FIRST          UINT64_C(64)
#define INTERVAL_MAX        (UINT64_C(1) << 40) /* the budget never stretches further */

#ifdef CLOCK_MONOTONIC_COARSE
#define COARSE_CLOCK CLOCK_MONOTONIC_COARSE
#else
#define COARSE_CLOCK CLOCK_MONOTONIC
#endif

/* ------------------------------------------------------------ thread state */

/* The countdown in allocations, and arming it for k of them (0, as a
 * thread starts, sends its first allocation to the cold path). */
static inline int64_t countdown_left(void)
{
    return slab_hot.sampler_countdown + 1;
}

static inline void countdown_arm(int64_t k)
{
    slab_hot.sampler_countdown = k - 1;
}

/* The drop-in's large-path counts (sampler.h). */
__thread uint64_t slab_sampler_large_allocs __attribute__((tls_model("initial-exec")));
__thread uint64_t slab_sampler_large_frees __attribute__((tls_model("initial-exec")));

struct thread_state {
    slab_thread_stats st;       /* what gets published; allocs/mono_ns at flush */
    uint64_t armed_total;       /* allocation number = armed_total - countdown */
    uint64_t next_sample_at;    /* allocation number of the next sample */
    uint64_t next_tick_at;
    uint64_t tick_interval;
    uint64_t last_tick_ns;      /* coarse clock */
    uint64_t last_flush_ns;     /* coarse clock */
    uint64_t last_signal_ns;    /* coarse clock */
    uint64_t config;            /* packed settings in force (settings.h) */
    uint64_t mean;              /* mean interval of the draw, 0: no sampling */
    double geo_log;             /* ln(1 - 1/mean), for the geometric draw */
    uint64_t rng;
    /* cost budget */
    uint64_t ctl_cpu_ns;        /* thread CPU clock at the previous sample */
    uint64_t ctl_at;            /* allocation number of the previous sample */
    double ctl_cpu_sum;         /* decaying sums of CPU and allocations */
    double ctl_alloc_sum;
    slab_sched_file sched;      /* /proc/thread-self/schedstat */
    bool in_sample;
    bool repaired;              /* the sampled call repaired a zombie */
    uint64_t next_null_at;      /* allocation number of the next empty region */
    uint64_t large_allocs_base; /* the large-path counts when counting began */
    uint64_t large_frees_base;
};

static __thread struct thread_state *self;

static inline uint64_t clock_ns(clockid_t id)
{
    return slab_sample_clock_ns(id);
}

static inline uint64_t delta(uint64_t end, uint64_t start)
{
    return end > start ? end - start : 0;
}

/* ------------------------------------------------------------ calibration */

static pthread_once_t calib_once = PTHREAD_ONCE_INIT;
static pthread_key_t exit_key;
static bool exit_key_ok;

static void thread_exit(void *arg);
static void process_exit(void);

static void calibrate(void)
{
    slab_sample_calibrate();
    exit_key_ok = pthread_key_create(&exit_key, thread_exit) == 0;
    if (!exit_key_ok)
        slab_log(SLAB_LOG_WARNING, "sampler: no pthread key; exiting threads will not "
                 "publish their final figures");
}

static void calibrate_once(void)
{
    pthread_once(&calib_once, calibrate);
}

/* Registered at the first allocation rather than at calibration (which the
 * publisher may trigger while creating its segment): atexit handlers run in
 * reverse order, so this one runs before the publisher removes the segment. */
static pthread_once_t atexit_once = PTHREAD_ONCE_INIT;

static void fork_child(void);

static void register_atexit(void)
{
    if (atexit(process_exit) != 0)
        slab_log(SLAB_LOG_WARNING, "sampler: atexit failed; the thread calling exit() "
                 "will not publish its final figures");
    if (pthread_atfork(NULL, NULL, fork_child) != 0)
        slab_log(SLAB_LOG_WARNING, "sampler: pthread_atfork failed; a forked child "
                 "will start with its parent's thread statistics");
}

SLAB_API slab_clock_floor slab_sample_floor(void)
{
    calibrate_once();
    return *slab_sample_floor_ref();
}

SLAB_API int slab_sample_timing_get(slab_sample_timing *out)
{
    if (out == NULL) {
        errno = EINVAL;
        return -1;
    }
    calibrate_once();
    *out = *slab_sample_timing_ref();
    return 0;
}

/* ------------------------------------------------------------ random draws */

static void set_mean(struct thread_state *ts, uint64_t mean)
{
    if (mean == ts->mean)
        return;
    ts->mean = mean;
    ts->geo_log = mean > 1 ? slab_ln(1.0 - 1.0 / (double)mean) : 0.0;
}

/* Allocations from one sample to the next: 1 + a geometric variable, i.e.
 * every allocation is sampled independently with probability 1/mean. */
static uint64_t draw(struct thread_state *ts, unsigned mode)
{
    if (ts->mean <= 1)
        return 1;
    if (mode == SLAB_SAMPLE_FIXED)
        return ts->mean;
    /* u in (0, 1]: 53 random bits, plus one so that ln(u) is finite. */
    double u = (double)((slab_rng_next(&ts->rng) >> 11) + 1) * (1.0 / 9007199254740992.0);
    double n = slab_ln(u) / ts->geo_log;
    if (n >= (double)INTERVAL_MAX)
        return INTERVAL_MAX;
    return 1 + (uint64_t)n;
}

/* ------------------------------------------------------------ budget */

/* The mean interval that keeps sampling under the budget, given the
 * thread's CPU time per allocation. */
static uint64_t effective_interval(const struct thread_state *ts, uint64_t w)
{
    uint32_t rate = slab_settings_rate(w), budget = slab_settings_budget(w);
    if (rate == 0)
        return 0;
    if (budget == 0 || ts->ctl_alloc_sum <= 0.0 || ts->ctl_cpu_sum <= 0.0)
        return rate;
    double per_alloc = ts->ctl_cpu_sum / ts->ctl_alloc_sum;
    double need = (double)slab_sample_cost_ns() * 1e6 / ((double)budget * per_alloc);
    if (need <= (double)rate)
        return rate;
    if (need >= (double)INTERVAL_MAX)
        return INTERVAL_MAX;
    return (uint64_t)need + 1;
}

/* Feed the controller at a sample: CPU time and allocations since the
 * previous one, in sums that decay by 3/4 per sample. */
static void budget_update(struct thread_state *ts, uint64_t cpu_ns, uint64_t at)
{
    uint64_t dcpu = delta(cpu_ns, ts->ctl_cpu_ns);
    uint64_t dn = at - ts->ctl_at;
    ts->ctl_cpu_sum = ts->ctl_cpu_sum * 0.75 + (double)dcpu;
    ts->ctl_alloc_sum = ts->ctl_alloc_sum * 0.75 + (double)dn;
    ts->ctl_cpu_ns = cpu_ns;
    ts->ctl_at = at;
}

/* ------------------------------------------------------------ signals */

/* Timed on the thread CPU clock, so that a preemption while reading does
 * not count as the sampler's cost. */
static void read_signals(struct thread_state *ts)
{
    struct rusage ru;
    slab_sample_clock now;
    uint64_t start = clock_ns(CLOCK_THREAD_CPUTIME_ID);

    ts->st.thread_cpu_ns = start;
    slab_sample_stop(&now, ts->sched.fd);
    if (now.sched)
        ts->st.runq_wait_ns = now.wait_ns;
    if (getrusage(RUSAGE_THREAD, &ru) == 0) {
        ts->st.nvcsw = (uint64_t)ru.ru_nvcsw;
        ts->st.nivcsw = (uint64_t)ru.ru_nivcsw;
    }
    ts->st.sample_cost_ns += delta(clock_ns(CLOCK_THREAD_CPUTIME_ID), start);
}

/* ------------------------------------------------------------ ticks */

static inline uint64_t position(const struct thread_state *ts)
{
    return ts->armed_total - (uint64_t)countdown_left();
}

static void rearm(struct thread_state *ts, uint64_t at)
{
    uint64_t next = ts->next_tick_at < ts->next_sample_at ? ts->next_tick_at
                                                          : ts->next_sample_at;
    if (ts->next_null_at < next)
        next = ts->next_null_at;
    uint64_t k = next > at ? next - at : 1;
    ts->armed_total = at + k;
    countdown_arm((int64_t)k);
}

/* Count the large paths from now on (allocation number 0). */
static void large_base(struct thread_state *ts)
{
    ts->large_allocs_base = slab_sampler_large_allocs;
    ts->large_frees_base = slab_sampler_large_frees;
}

static void snapshot(struct thread_state *ts, uint64_t at)
{
    ts->st.allocs = at;
    ts->st.allocs_large = slab_sampler_large_allocs - ts->large_allocs_base;
    ts->st.frees_large = slab_sampler_large_frees - ts->large_frees_base;
    ts->st.interval = ts->mean;
    ts->st.mono_ns = clock_ns(CLOCK_MONOTONIC);
}

static void flush(struct thread_state *ts, uint64_t at, uint64_t now)
{
    if (now - ts->last_signal_ns >= SIGNAL_NS) {
        read_signals(ts);
        ts->last_signal_ns = now;
    }
    snapshot(ts, at);
    const slab_sampler_sink *k = current_sink();
    if (k)
        k->flush(&ts->st);
    ts->last_flush_ns = now;
}

/* A publication tick: adapt the tick interval to the time since the last
 * tick, so that ticks stay a few milliseconds apart whatever the thread's
 * allocation rate, from one tick per allocation up to TICK_MAX. */
static void tick(struct thread_state *ts, uint64_t at, uint64_t now)
{
    uint64_t gap = now - ts->last_tick_ns;
    uint64_t t = ts->tick_interval;

    if (gap < TICK_FAST_NS) {
        t = t * 2 <= TICK_MAX ? t * 2 : TICK_MAX;
    } else if (gap > TICK_TARGET_NS) {
        uint64_t scaled = (uint64_t)((double)t * (double)TICK_TARGET_NS / (double)gap);
        t = scaled >= 1 ? scaled : 1;
    }
    ts->tick_interval = t;
    ts->last_tick_ns = now;
    ts->next_tick_at = at + t;
}

/* The next empty region: SLAB_NULL_EVERY random intervals on (always
 * random, so that it never falls in step with fixed-mode samples). */
static void next_null(struct thread_state *ts, uint64_t at)
{
    if (ts->mean == 0) {
        ts->next_null_at = UINT64_MAX;
        return;
    }
    uint64_t n = 0;
    for (unsigned k = 0; k < SLAB_NULL_EVERY; k++)
        n += draw(ts, SLAB_SAMPLE_RANDOM);
    ts->next_null_at = at + n;
}

/* Bring the thread's sampling in line with the settings in force. */
static void apply_settings(struct thread_state *ts, uint64_t w, uint64_t at)
{
    ts->config = w;
    set_mean(ts, effective_interval(ts, w));
    ts->next_sample_at = ts->mean ? at + draw(ts, slab_settings_mode(w)) : UINT64_MAX;
    next_null(ts, at);
}

static struct thread_state *thread_init(void)
{
    calibrate_once();
    pthread_once(&atexit_once, register_atexit);
    struct thread_state *ts = calloc(1, sizeof(*ts));
    if (ts == NULL) {
        /* No sampling for this thread; try again in a while. */
        countdown_arm(1 << 20);
        return NULL;
    }
    if (exit_key_ok)
        pthread_setspecific(exit_key, ts);

    uint64_t now = clock_ns(COARSE_CLOCK);
    ts->rng = clock_ns(CLOCK_MONOTONIC) ^ ((uint64_t)(uintptr_t)ts * UINT64_C(0x9e3779b97f4a7c15));
    if (ts->rng == 0)
        ts->rng = 1;
    ts->last_tick_ns = ts->last_flush_ns = now;
    ts->last_signal_ns = now - SIGNAL_NS;
    ts->tick_interval = TICK_FIRST;
    ts->ctl_cpu_ns = clock_ns(CLOCK_THREAD_CPUTIME_ID);
    slab_sample_sched_open(&ts->sched);

    /* This call is allocation number 1: whatever the countdown holds now
     * (countdown_left() is 0 after the first decrement) stands for it. */
    ts->armed_total = 1 + (uint64_t)countdown_left();
    ts->ctl_at = 0;
    ts->next_tick_at = 1 + TICK_FIRST;
    large_base(ts);
    apply_settings(ts, slab_settings_word(), 0);
    self = ts;
    return ts;
}

bool slab_sampler_begin(slab_sample_clock *t0)
{
    struct thread_state *ts = self;
    if (UNLIKELY(ts == NULL)) {
        ts = thread_init();
        if (ts == NULL)
            return false;
    }
    uint64_t at = position(ts);
    uint64_t w = slab_settings_word();
    uint64_t now = clock_ns(COARSE_CLOCK);

    ts->in_sample = false;
    if (at >= ts->next_tick_at)
        tick(ts, at, now);
    if (now - ts->last_flush_ns >= FLUSH_NS)
        flush(ts, at, now);
    if (UNLIKELY(w != ts->config))
        apply_settings(ts, w, at);

    if (at >= ts->next_null_at) {
        /* An empty region, timed as cold as the samples are: the floor as
         * they pay it (slab_stats.h).  On its own random schedule, about
         * one per SLAB_NULL_EVERY samples; a sample due at the same call
         * goes first and the region waits for its next turn. */
        if (at < ts->next_sample_at) {
            slab_sample_clock n0, n1;
            slab_sample_start(&n0, ts->sched.fd);
            slab_sample_stop(&n1, ts->sched.fd);
            slab_sample_record_null(&ts->st, &n0, &n1);
            ts->st.sample_cost_ns += slab_sample_cost_ns();
        }
        next_null(ts, at);
    }
    if (at >= ts->next_sample_at) {
        /* Re-armed by slab_sampler_end(), once the next interval is known;
         * until then the countdown keeps this call's number. */
        ts->in_sample = true;
        ts->repaired = false;
        slab_sampler_path = SLAB_PATH_FAST;
        slab_sample_start(t0, ts->sched.fd);
        return true;
    }
    rearm(ts, at);
    return false;
}

void slab_sampler_end(const slab_sample_clock *t0)
{
    slab_sample_clock t1;
    struct thread_state *ts = self;
    slab_sample_stop(&t1, ts ? ts->sched.fd : -1);

    if (ts == NULL || !ts->in_sample)
        return;
    ts->in_sample = false;

    uint64_t at = position(ts);
    slab_sample_record(&ts->st, t0, &t1, ts->repaired ? SLAB_PATH_REPAIR : slab_sampler_path);
    ts->st.sample_cost_ns += slab_sample_cost_ns();

    budget_update(ts, t1.cpu_ns, at);
    set_mean(ts, effective_interval(ts, ts->config));
    ts->next_sample_at = ts->mean ? at + draw(ts, slab_settings_mode(ts->config)) : UINT64_MAX;
    rearm(ts, at);
}

void slab_sampler_repair(unsigned reason, const slab_sample_clock *t0)
{
    slab_sample_clock t1;
    slab_sample_stop(&t1, -1);

    struct thread_state *ts = self;
    if (ts == NULL)
        return;
    if (ts->in_sample)
        ts->repaired = true;
    uint64_t wall = delta(t1.wall_ns, t0->wall_ns), cpu = delta(t1.cpu_ns, t0->cpu_ns);
    ThreadStats *s = &ts->st.seed;
    s->repair_count++;
    s->repair_wall_ns_sum += wall;
    s->repair_cpu_ns_sum += cpu;
    if (wall > s->repair_wall_ns_max)
        s->repair_wall_ns_max = wall;
    if (cpu > s->repair_cpu_ns_max)
        s->repair_cpu_ns_max = cpu;
    unsigned bucket = slab_hist_bucket(wall);
    ts->st.repair_hist[bucket]++;
    ts->st.repair_wall_ns[bucket >> 3] += wall;
    ts->st.repair_cpu_ns[bucket >> 3] += cpu;
    if (reason == REPAIR_REASON_FULL_BITMAP)
        s->repair_reason_full_bitmap++;
    else if (reason == REPAIR_REASON_LIST_MISMATCH)
        s->repair_reason_list_mismatch++;
    else
        s->repair_reason_other++;
}

/* ------------------------------------------------------------ thread exit */

static void final_flush(struct thread_state *ts)
{
    read_signals(ts);
    snapshot(ts, position(ts));
    const slab_sampler_sink *k = current_sink();
    if (k)
        k->thread_exit(&ts->st);
}

static void thread_exit(void *arg)
{
    struct thread_state *ts = arg;
    if (ts == NULL || ts != self)
        return;
    final_flush(ts);
    self = NULL;
    slab_sample_sched_close(&ts->sched);
    /* A later allocation in this thread (another key's destructor) starts
     * afresh and is published again. */
    countdown_arm(1);
    free(ts);
}

/* In a forked child the forking thread is a new thread of a new process:
 * its statistics start from zero, so that the parent's are not counted
 * twice, and its allocation numbers restart at 0. */
static void fork_child(void)
{
    struct thread_state *ts = self;
    if (ts == NULL)
        return;
    uint64_t at = position(ts);
    memset(&ts->st, 0, sizeof(ts->st));
    ts->armed_total -= at;
    if (ts->next_sample_at != UINT64_MAX)
        ts->next_sample_at -= at;
    if (ts->next_null_at != UINT64_MAX)
        ts->next_null_at -= at;
    ts->next_tick_at -= at;
    ts->ctl_at = 0;
    ts->ctl_cpu_ns = clock_ns(CLOCK_THREAD_CPUTIME_ID);
    ts->ctl_cpu_sum = ts->ctl_alloc_sum = 0.0;
    large_base(ts);
    ts->last_signal_ns = clock_ns(COARSE_CLOCK) - SIGNAL_NS;
    /* The descriptor names the parent's thread. */
    slab_sample_sched_close(&ts->sched);
    slab_sample_sched_open(&ts->sched);
}

/* exit() runs no key destructors for the thread calling it (usually the
 * main thread): publish its final figures here.  Other threads' states are
 * left to the publisher's process-wide teardown. */
static void process_exit(void)
{
    struct thread_state *ts = self;
    if (ts == NULL)
        return;
    if (exit_key_ok)
        pthread_setspecific(exit_key, NULL);
    thread_exit(ts);
    /* Nothing more to publish after exit(): sample no further. */
    countdown_arm(INT64_MAX);
}

/* ------------------------------------------------------------ readers */

SLAB_API int slab_stats_thread_ext(slab_thread_stats *out)
{
    if (out == NULL) {
        errno = EINVAL;
        return -1;
    }
    struct thread_state *ts = self;
    if (ts == NULL) {
        memset(out, 0, sizeof(*out));
        uint64_t w = slab_settings_word();
        out->interval = slab_settings_rate(w);
        out->mono_ns = clock_ns(CLOCK_MONOTONIC);
        return 0;
    }
    read_signals(ts);
    ts->last_signal_ns = clock_ns(COARSE_CLOCK);
    snapshot(ts, position(ts));
    memcpy(out, &ts->st, sizeof(*out));
    return 0;
}

SLAB_API ThreadStats slab_stats_thread(void)
{
    ThreadStats s;
    struct thread_state *ts = self;
    if (ts == NULL)
        memset(&s, 0, sizeof(s));
    else
        s = ts->st.seed;
    return s;
}

#else /* !ENABLE_SLOWPATH_SAMPLING */

/* Sampling is compiled out: the API links and reports zeros (settings.c
 * refuses to be configured). */

SLAB_API ThreadStats slab_stats_thread(void)
{
    ThreadStats s;
    memset(&s, 0, sizeof(s));
    return s;
}

SLAB_API int slab_stats_thread_ext(slab_thread_stats *out)
{
    if (out != NULL)
        memset(out, 0, sizeof(*out));
    errno = ENOTSUP;
    return -1;
}

SLAB_API slab_clock_floor slab_sample_floor(void)
{
    slab_clock_floor f = { 0, 0 };
    return f;
}

SLAB_API int slab_sample_timing_get(slab_sample_timing *out)
{
    if (out != NULL)
        memset(out, 0, sizeof(*out));
    errno = ENOTSUP;
    return -1;
}

#endif /* ENABLE_SLOWPATH_SAMPLING */
