/*
 * slabload.c - a workload for libslab that slabtop can watch.
 *
 * slabload is an ordinary libslab user: it creates an allocator, which
 * publishes the process's statistics in a shared-memory segment, and runs
 * worker threads that allocate and free in one of these scenarios:
 *
 *   steady  alloc/free churn across the size classes, a fixed number of
 *           objects kept alive per worker;
 *   noisy   the same churn, plus CPU-hog threads pinned to the workers' core,
 *           so the workers are preempted inside their allocations
 *           (the sampler sees wall >> CPU);
 *   repair  the same churn, plus zombie slabs planted on purpose through
 *           slab_debug_plant_zombie(), one reason after the other, so that
 *           the allocator repairs them (every reason is counted);
 *   slabs   bursts that fill a fresh epoch (slabs set up: new, then
 *           recycled after release), free it all and close the epoch, so
 *           memory goes back to the OS (real allocator work: slower, but
 *           wall close to CPU);
 *   demo    steady, noisy, repair and slabs in turn, a few seconds each,
 *           round and round; the phase is shown in the segment's label.
 *
 * At exit (end of --duration, SIGINT or SIGTERM) the workers hand in their
 * sampler statistics and the process prints the seed's summary block for all
 * of them together.
 *
 * Threads: main parses options, starts the workers, then waits for signals
 * (blocked everywhere else) and drives the demo phases; workers allocate;
 * hogs only burn CPU.  Workers and main share a few atomics (stop flag,
 * phase, global allocation count); everything else a worker owns, and main
 * reads it only after pthread_join().
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "slab_alloc.h"
#include "slab_debug.h"
#include "slab_stats.h"
#include "slab_shm.h"

#define EXIT_USAGE 2

/* ------------------------------------------------------------ scenarios */

enum scenario {
    SC_STEADY,
    SC_NOISY,
    SC_REPAIR,
    SC_SLABS,
    SC_DEMO
};

static const char *const scenario_names[] = {
    [SC_STEADY] = "steady",
    [SC_NOISY] = "noisy",
    [SC_REPAIR] = "repair",
    [SC_SLABS] = "slabs",
    [SC_DEMO] = "demo",
};

/* The demo cycle, in order. */
static const enum scenario demo_cycle[] = { SC_STEADY, SC_NOISY, SC_REPAIR, SC_SLABS };
#define DEMO_PHASES (sizeof(demo_cycle) / sizeof(demo_cycle[0]))

static const unsigned repair_reasons[] = {
    REPAIR_REASON_FULL_BITMAP,
    REPAIR_REASON_LIST_MISMATCH,
    REPAIR_REASON_OTHER,
};
#define NREASONS 3u

/* ------------------------------------------------------------ options */

#define MAX_SIZES 64

struct options {
    unsigned threads;
    double duration;            /* seconds; 0 = until interrupted */
    uint32_t sizes[MAX_SIZES];
    unsigned nsizes;
    unsigned live;              /* objects kept alive per worker */
    uint64_t epoch_every;       /* allocations between epoch turns; 0 = never */
    uint64_t rate;              /* allocations per second per worker; 0 = no cap */
    const char *name;           /* segment name, NULL = library default */
    enum scenario scenario;
    unsigned hogs;              /* CPU hogs in noisy phases; 0 = two per worker */
    int cpu;                    /* core of noisy phases; -1 = last allowed one */
    double repair_rate;         /* zombies planted per second, whole process */
    double phase;               /* seconds per demo phase */
    unsigned burst;             /* objects per slabs-scenario burst */
    bool quiet;
};

static struct options opt = {
    .threads = 2,
    .duration = 0,
    .sizes = { 64, 96, 128, 192, 256, 384, 512, 768 },
    .nsizes = 8,
    .live = 1024,
    .epoch_every = 0,
    .rate = 0,
    .name = NULL,
    .scenario = SC_STEADY,
    .hogs = 0,
    .cpu = -1,
    .repair_rate = 60,
    .phase = 6,
    .burst = 4096,
    .quiet = false,
};

/* ------------------------------------------------------------ shared state */

static SlabAllocator *alloc;
static atomic_bool stop_flag;
static atomic_int cur_phase;            /* enum scenario, never SC_DEMO */
static atomic_uint phase_gen;           /* bumped at every phase change */
static atomic_uint_fast64_t total_allocs;       /* for --epoch-every */
static atomic_uint_fast64_t epoch_turns;
static cpu_set_t allowed_cpus;          /* the process's mask at start */
static int noisy_cpu;

/* ------------------------------------------------------------ helpers */

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void sleep_ns(uint64_t ns)
{
    struct timespec ts = { (time_t)(ns / 1000000000u), (long)(ns % 1000000000u) };
    while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
        ;
}

/* xorshift64*: the workers' private random numbers. */
static uint64_t rng_next(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * 0x2545F4914F6CDD1DULL;
}

static bool stopping(void)
{
    /* Relaxed: the flag only asks the thread to finish; pthread_join() is
     * what orders its results before main reads them. */
    return atomic_load_explicit(&stop_flag, memory_order_relaxed);
}

/* Pin the calling thread to one core, or give it back the start-up mask. */
static void pin_self(int cpu)
{
    cpu_set_t set;
    if (cpu >= 0) {
        CPU_ZERO(&set);
        CPU_SET(cpu, &set);
    } else {
        set = allowed_cpus;
    }
    (void)sched_setaffinity(0, sizeof(set), &set);
}

static void name_self(const char *name)
{
#ifdef HAVE_PTHREAD_SETNAME_NP
    (void)pthread_setname_np(pthread_self(), name);
#else
    (void)name;
#endif
}

static void set_label(const char *label)
{
    (void)slab_shm_set_label(label);
}

/* ------------------------------------------------------------ hogs */

static atomic_bool hogs_stop;

static void *hog_main(void *arg)
{
    (void)arg;
    name_self("slabload-hog");
    pin_self(noisy_cpu);
    volatile uint64_t spin = 0;
    while (!atomic_load_explicit(&hogs_stop, memory_order_relaxed)) {
        for (unsigned i = 0; i < 100000; i++)
            spin++;
    }
    return NULL;
}

static pthread_t *hog_threads;
static unsigned hogs_running;

static unsigned hog_count(void)
{
    return opt.hogs ? opt.hogs : 2 * opt.threads;
}

static void hogs_start(void)
{
    unsigned n = hog_count();
    atomic_store_explicit(&hogs_stop, false, memory_order_relaxed);
    hogs_running = 0;
    for (unsigned i = 0; i < n; i++) {
        if (pthread_create(&hog_threads[i], NULL, hog_main, NULL) != 0)
            break;
        hogs_running++;
    }
}

static void hogs_stop_all(void)
{
    atomic_store_explicit(&hogs_stop, true, memory_order_relaxed);
    for (unsigned i = 0; i < hogs_running; i++)
        pthread_join(hog_threads[i], NULL);
    hogs_running = 0;
}

/* ------------------------------------------------------------ workers */

struct worker {
    pthread_t thread;
    unsigned index;
    uint64_t rng;
    SlabHandle *live;           /* opt.live slots, 0 = empty */
    SlabHandle *burst;          /* opt.burst slots for the slabs scenario */
    EpochId epoch;              /* where churn allocates */
    unsigned seen_gen;          /* phase generation this worker adapted to */

    uint64_t allocs, frees, failures, bad_frees;
    uint64_t planted[NREASONS];
    uint64_t plant_failures;
    uint64_t next_plant_ns;
    uint64_t bursts, closes;

    /* Handed in before the thread ends, read by main after the join. */
    ThreadStats seed;
    slab_thread_stats ext;
    bool ext_ok;
};

static struct worker *workers;

/* Advance the epoch and close the previous one (--epoch-every). */
static void epoch_turn(void)
{
    EpochId old = epoch_current(alloc);
    (void)epoch_advance(alloc);
    if (epoch_close(alloc, old) == 0)
        atomic_fetch_add_explicit(&epoch_turns, 1, memory_order_relaxed);
}

/* Allocate size bytes in the worker's epoch, moving to the current epoch
 * when someone closed the one it was using. */
static void *worker_alloc(struct worker *w, uint32_t size, SlabHandle *h)
{
    for (int attempt = 0; attempt < 4; attempt++) {
        void *p = alloc_obj_epoch(alloc, size, w->epoch, h);
        if (p) {
            w->allocs++;
            /* Touch the object as a program would. */
            *(volatile uint8_t *)p = (uint8_t)size;
            return p;
        }
        if (errno != EPERM)
            break;
        /* Our epoch was closed.  Move to the current one; if that is closed
         * too (a slabs burst closes the epoch it made current), open the
         * next. */
        EpochId cur = epoch_current(alloc);
        if (cur == w->epoch && !epoch_is_open(alloc, cur))
            cur = epoch_advance(alloc);
        w->epoch = cur;
    }
    w->failures++;
    return NULL;
}

static void replace_slot(struct worker *w, unsigned slot, uint32_t size)
{
    if (w->live[slot]) {
        if (free_obj(alloc, w->live[slot]))
            w->frees++;
        else
            w->bad_frees++;
        w->live[slot] = 0;
    }
    SlabHandle h;
    if (worker_alloc(w, size, &h))
        w->live[slot] = h;
}

/* One batch of churn: free a random live object, allocate a new one. */
static void churn(struct worker *w, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        uint64_t r = rng_next(&w->rng);
        unsigned slot = (unsigned)(r % opt.live);
        uint32_t size = opt.sizes[(r >> 32) % opt.nsizes];
        replace_slot(w, slot, size);
    }
    if (opt.epoch_every) {
        uint64_t before = atomic_fetch_add_explicit(&total_allocs, n,
                                                    memory_order_relaxed);
        if (before / opt.epoch_every != (before + n) / opt.epoch_every)
            epoch_turn();
    }
}

/* The repair scenario: plant zombies at the chosen rate, each reason in
 * turn, and allocate right after so this thread's slow path meets it. */
static void plant_due(struct worker *w, uint64_t now)
{
    double per_worker = opt.repair_rate / opt.threads;
    if (per_worker <= 0)
        return;
    uint64_t period = (uint64_t)(1e9 / per_worker);
    if (w->next_plant_ns == 0)
        w->next_plant_ns = now + period * w->index / opt.threads;
    if (now < w->next_plant_ns)
        return;
    w->next_plant_ns += period;
    if (w->next_plant_ns < now)         /* fell behind: do not catch up */
        w->next_plant_ns = now + period;

    uint64_t n = w->planted[0] + w->planted[1] + w->planted[2] + w->plant_failures;
    unsigned k = (unsigned)(n % NREASONS);
    uint32_t size = opt.sizes[(n / NREASONS) % opt.nsizes];
    if (slab_debug_plant_zombie(alloc, size, w->epoch, repair_reasons[k]) != 0) {
        w->plant_failures++;
        if (errno == EPERM || errno == EINVAL)
            w->epoch = epoch_current(alloc);
        return;
    }
    w->planted[k]++;
    replace_slot(w, (unsigned)(rng_next(&w->rng) % opt.live), size);
}

/* The slabs scenario: fill a fresh epoch with objects of every size, so
 * that slabs are set up (carved new, or recycled after an earlier release),
 * then free them all and close the epoch so its memory goes back to the
 * operating system. */
static void slabs_round(struct worker *w)
{
    EpochId e = epoch_advance(alloc);
    unsigned n = 0;
    for (unsigned i = 0; i < opt.burst && !stopping(); i++) {
        uint32_t size = opt.sizes[i % opt.nsizes];
        SlabHandle h;
        void *p = alloc_obj_epoch(alloc, size, e, &h);
        if (!p) {
            w->failures++;
            break;              /* EPERM: the ring wrapped onto our epoch */
        }
        w->allocs++;
        /* Write the whole object: fresh pages are faulted in here, as a
         * program filling new memory would. */
        memset(p, (int)i, size);
        w->burst[n++] = h;
    }
    for (unsigned i = 0; i < n; i++) {
        if (free_obj(alloc, w->burst[i]))
            w->frees++;
        else
            w->bad_frees++;
    }
    if (epoch_close(alloc, e) == 0)
        w->closes++;
    w->bursts++;
}

/* Follow a phase change: pin to the noisy core or unpin. */
static void adapt(struct worker *w, enum scenario ph)
{
    pin_self(ph == SC_NOISY ? noisy_cpu : -1);
    w->epoch = epoch_current(alloc);
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    uint64_t start = now_ns();
    uint64_t done = 0;          /* allocations counted against --rate */

    char tname[16];
    snprintf(tname, sizeof(tname), "slabload-w%u", w->index);
    name_self(tname);

    w->seen_gen = UINT_MAX;
    while (!stopping()) {
        /* Acquire pairs with the release in set_phase(): a worker that sees
         * the new generation also sees the new phase. */
        unsigned gen = atomic_load_explicit(&phase_gen, memory_order_acquire);
        enum scenario ph = (enum scenario)atomic_load_explicit(&cur_phase,
                                                               memory_order_relaxed);
        if (gen != w->seen_gen) {
            adapt(w, ph);
            w->seen_gen = gen;
        }

        uint64_t before = w->allocs;
        unsigned batch = 256;
        if (opt.rate && opt.rate < 25600)
            batch = (unsigned)(opt.rate / 100) + 1;

        switch (ph) {
        case SC_SLABS:
            slabs_round(w);
            break;
        case SC_REPAIR:
            churn(w, batch);
            plant_due(w, now_ns());
            break;
        default:
            churn(w, batch);
            break;
        }

        if (opt.rate) {
            done += w->allocs - before;
            uint64_t due = start + (uint64_t)((double)done * 1e9 / (double)opt.rate);
            uint64_t now = now_ns();
            if (due > now)
                sleep_ns(due - now > 100000000u ? 100000000u : due - now);
        }
    }

    for (unsigned i = 0; i < opt.live; i++) {
        if (w->live[i] && free_obj(alloc, w->live[i]))
            w->frees++;
        w->live[i] = 0;
    }
    pin_self(-1);

    /* Hand in this thread's statistics while the thread still exists. */
    w->seed = slab_stats_thread();
    w->ext_ok = slab_stats_thread_ext(&w->ext) == 0;
    return NULL;
}

/* ------------------------------------------------------------ phases */

static void set_phase(enum scenario ph, unsigned step)
{
    char label[48];
    if (opt.scenario == SC_DEMO)
        snprintf(label, sizeof(label), "demo %u/%u: %s", step + 1,
                 (unsigned)DEMO_PHASES, scenario_names[ph]);
    else
        snprintf(label, sizeof(label), "%s", scenario_names[ph]);
    if (ph == SC_REPAIR)
        strncat(label, " (provoked)", sizeof(label) - strlen(label) - 1);
    set_label(label);

    if (ph == SC_NOISY && hogs_running == 0)
        hogs_start();
    else if (ph != SC_NOISY && hogs_running)
        hogs_stop_all();

    atomic_store_explicit(&cur_phase, (int)ph, memory_order_relaxed);
    /* Release pairs with the acquire in worker_main(). */
    atomic_fetch_add_explicit(&phase_gen, 1, memory_order_release);
}

/* ------------------------------------------------------------ summary */

struct totals {
    ThreadStats s;
    uint64_t allocs, preempted, thread_cpu_ns, runq_wait_ns, nivcsw;
    uint64_t planted[NREASONS], plant_failures;
    uint64_t worker_allocs, failures, bad_frees, bursts, closes;
    uint64_t interval;
    unsigned ext_threads;
    uint64_t wall_hist[SLAB_HIST_BUCKETS], cpu_hist[SLAB_HIST_BUCKETS];
};

static uint64_t max_u64(uint64_t a, uint64_t b) { return a > b ? a : b; }
/* A floor-corrected figure, clamped at 0 as slabtop clamps it. */
static uint64_t minus_floor(uint64_t v, uint64_t floor) { return v > floor ? v - floor : 0; }

/* A floor-corrected percentile; like slabtop, never above the maximum (a
 * percentile is a bucket's midpoint). */
static uint64_t percentile(const uint64_t *hist, double q, uint64_t floor, uint64_t max)
{
    uint64_t v = minus_floor(slab_hist_quantile(hist, q), floor);
    max = minus_floor(max, floor);
    return v < max ? v : max;
}

static void add_seed(ThreadStats *t, const ThreadStats *s)
{
    t->alloc_samples += s->alloc_samples;
    t->alloc_wall_ns_sum += s->alloc_wall_ns_sum;
    t->alloc_cpu_ns_sum += s->alloc_cpu_ns_sum;
    t->alloc_wall_ns_max = max_u64(t->alloc_wall_ns_max, s->alloc_wall_ns_max);
    t->alloc_cpu_ns_max = max_u64(t->alloc_cpu_ns_max, s->alloc_cpu_ns_max);
    t->repair_count += s->repair_count;
    t->repair_wall_ns_sum += s->repair_wall_ns_sum;
    t->repair_cpu_ns_sum += s->repair_cpu_ns_sum;
    t->repair_wall_ns_max = max_u64(t->repair_wall_ns_max, s->repair_wall_ns_max);
    t->repair_cpu_ns_max = max_u64(t->repair_cpu_ns_max, s->repair_cpu_ns_max);
    t->repair_reason_full_bitmap += s->repair_reason_full_bitmap;
    t->repair_reason_list_mismatch += s->repair_reason_list_mismatch;
    t->repair_reason_other += s->repair_reason_other;
}

static void add_thread(struct totals *t, const ThreadStats *seed,
                       const slab_thread_stats *ext)
{
    /* The extended record embeds the seed's fields; prefer it when it was
     * read, so both views come from the same instant. */
    add_seed(&t->s, ext ? &ext->seed : seed);
    if (!ext)
        return;
    t->ext_threads++;
    t->allocs += ext->allocs;
    t->preempted += ext->preempted;
    t->thread_cpu_ns += ext->thread_cpu_ns;
    t->runq_wait_ns += ext->runq_wait_ns;
    t->nivcsw += ext->nivcsw;
    t->interval = max_u64(t->interval, ext->interval);
    for (unsigned b = 0; b < SLAB_HIST_BUCKETS; b++) {
        t->wall_hist[b] += ext->wall_hist[b];
        t->cpu_hist[b] += ext->cpu_hist[b];
    }
}

static void collect(struct totals *t, unsigned nworkers)
{
    memset(t, 0, sizeof(*t));
    for (unsigned i = 0; i < nworkers; i++) {
        const struct worker *w = &workers[i];
        add_thread(t, &w->seed, w->ext_ok ? &w->ext : NULL);
        for (unsigned k = 0; k < NREASONS; k++)
            t->planted[k] += w->planted[k];
        t->plant_failures += w->plant_failures;
        t->worker_allocs += w->allocs;
        t->failures += w->failures;
        t->bad_frees += w->bad_frees;
        t->bursts += w->bursts;
        t->closes += w->closes;
    }
    /* The main thread does no churn, but count whatever it did. */
    ThreadStats mine = slab_stats_thread();
    slab_thread_stats mine_ext;
    bool ok = slab_stats_thread_ext(&mine_ext) == 0;
    add_thread(t, &mine, ok ? &mine_ext : NULL);
}

static void print_summary(const struct totals *t, uint64_t elapsed_ns,
                          unsigned nworkers)
{
    const ThreadStats *s = &t->s;
    slab_sample_config cfg;
    slab_sample_get_config(&cfg);

    printf("\n=== Slowpath Sampling (1/%" PRIu32 ") ===\n", cfg.rate);
    printf("Samples: %" PRIu64 "\n", s->alloc_samples);
    if (s->alloc_samples > 0) {
        uint64_t avg_wall = s->alloc_wall_ns_sum / s->alloc_samples;
        uint64_t avg_cpu = s->alloc_cpu_ns_sum / s->alloc_samples;
        printf("Avg wall: %" PRIu64 " ns (max: %" PRIu64 " ns)\n",
               avg_wall, s->alloc_wall_ns_max);
        printf("Avg CPU:  %" PRIu64 " ns (max: %" PRIu64 " ns)\n",
               avg_cpu, s->alloc_cpu_ns_max);
        if (avg_cpu > 0)
            printf("Ratio: %.2fx\n", (double)avg_wall / (double)avg_cpu);
        else
            printf("Ratio: n/a (CPU time below the clock's resolution)\n");

        /* The verdict: the seed's table on floor-corrected figures, plus
         * the interval signals, computed by the library. */
        slab_clock_floor fl = slab_sample_floor();
        slab_verdict_input in = {
            .samples = s->alloc_samples,
            .wall_ns_sum = s->alloc_wall_ns_sum,
            .cpu_ns_sum = s->alloc_cpu_ns_sum,
            .floor_wall_ns = fl.wall_ns,
            .floor_cpu_ns = fl.cpu_ns,
            .elapsed_ns = elapsed_ns,
            .thread_cpu_ns = t->thread_cpu_ns,
            .runq_wait_ns = t->runq_wait_ns,
            .nivcsw = t->nivcsw,
        };
        double ratio = 0;
        slab_verdict v = slab_verdict_compute(&in, &ratio);
        if (v == SLAB_VERDICT_HEAVY)
            printf("⚠ wall >> cpu: Scheduler interference\n");
        /* The lines above keep the original sampler's format and are raw;
         * everything below is floor-corrected, as slabtop shows it. */
        printf("(raw: the averages, maxima and ratio above include the cost of"
               " the clocks, wall %" PRIu64 " ns and CPU %" PRIu64 " ns per sample)\n",
               fl.wall_ns, fl.cpu_ns);
        printf("Floor-corrected: avg wall %" PRIu64 " ns, avg CPU %" PRIu64 " ns\n",
               minus_floor(avg_wall, fl.wall_ns), minus_floor(avg_cpu, fl.cpu_ns));
        printf("Verdict: %s (ratio %.2fx, floor-corrected; see libslab(3))\n",
               slab_verdict_name(v), ratio);
        if (t->ext_threads) {
            printf("Floor-corrected wall p50/p99/p99.9: %" PRIu64 "/%" PRIu64 "/%" PRIu64
                   " ns; CPU p50/p99/p99.9: %" PRIu64 "/%" PRIu64 "/%" PRIu64 " ns\n",
                   percentile(t->wall_hist, 0.50, fl.wall_ns, s->alloc_wall_ns_max),
                   percentile(t->wall_hist, 0.99, fl.wall_ns, s->alloc_wall_ns_max),
                   percentile(t->wall_hist, 0.999, fl.wall_ns, s->alloc_wall_ns_max),
                   percentile(t->cpu_hist, 0.50, fl.cpu_ns, s->alloc_cpu_ns_max),
                   percentile(t->cpu_hist, 0.99, fl.cpu_ns, s->alloc_cpu_ns_max),
                   percentile(t->cpu_hist, 0.999, fl.cpu_ns, s->alloc_cpu_ns_max));
            printf("Preempted samples: %" PRIu64 "; run-queue wait %.1f ms;"
                   " involuntary switches %" PRIu64 "\n",
                   t->preempted, (double)t->runq_wait_ns / 1e6, t->nivcsw);
        }
        /* What was really sampled: the cost budget may have stretched the
         * interval well past the configured one. */
        if (t->allocs >= s->alloc_samples)
            printf("Effective rate: 1/%.0f (%" PRIu64 " samples in %" PRIu64
                   " allocations; configured 1/%" PRIu32 "%s)\n",
                   (double)t->allocs / (double)s->alloc_samples, s->alloc_samples,
                   t->allocs, cfg.rate,
                   t->interval > cfg.rate ? ", stretched to keep the sampling cost"
                                            " within its budget" : "");
    } else if (cfg.rate == 0) {
        printf("(sampling is off or compiled out)\n");
    }

    if (s->repair_count > 0) {
        printf("\n=== Zombie Repairs ===\n");
        printf("Count: %" PRIu64 "\n", s->repair_count);
        printf("Reasons:\n");
        printf("  Full bitmap:   %" PRIu64 "\n", s->repair_reason_full_bitmap);
        printf("  List mismatch: %" PRIu64 "\n", s->repair_reason_list_mismatch);
        printf("  Other:         %" PRIu64 "\n", s->repair_reason_other);
        printf("Avg repair wall: %" PRIu64 " ns (max: %" PRIu64 " ns)\n",
               s->repair_wall_ns_sum / s->repair_count, s->repair_wall_ns_max);
        printf("Avg repair CPU:  %" PRIu64 " ns (max: %" PRIu64 " ns)\n",
               s->repair_cpu_ns_sum / s->repair_count, s->repair_cpu_ns_max);
    } else {
        printf("\n✓ No zombie repairs\n");
    }
    uint64_t planted = t->planted[0] + t->planted[1] + t->planted[2];
    if (planted || t->plant_failures)
        printf("Provoked on purpose (scenario repair, slab_debug_plant_zombie):"
               " %" PRIu64 " planted (full bitmap %" PRIu64 ", list mismatch %"
               PRIu64 ", other %" PRIu64 "), %" PRIu64 " refused\n",
               planted, t->planted[0], t->planted[1], t->planted[2],
               t->plant_failures);

    double secs = (double)elapsed_ns / 1e9;
    printf("\n=== Workload ===\n");
    printf("Allocations: %" PRIu64 " by %u thread%s in %.1f s (%.0f/s)\n",
           t->worker_allocs, nworkers, nworkers == 1 ? "" : "s", secs,
           secs > 0 ? (double)t->worker_allocs / secs : 0.0);
    uint64_t closes = t->closes + atomic_load(&epoch_turns);
    if (t->bursts || closes)
        printf("Epochs closed: %" PRIu64 " (%" PRIu64 " slab bursts)\n",
               closes, t->bursts);
    if (t->failures || t->bad_frees)
        printf("Refused allocations: %" PRIu64 "; refused frees: %" PRIu64 "\n",
               t->failures, t->bad_frees);
}

/* ------------------------------------------------------------ options */

static void usage(FILE *f)
{
    fprintf(f,
"Usage: slabload [OPTIONS]\n"
"Run a libslab workload that publishes its statistics for slabtop.\n"
"\n"
"  -s, --scenario NAME    steady, noisy, repair, slabs or demo (default steady)\n"
"  -t, --threads N        worker threads (default 2)\n"
"  -d, --duration SECS    run time; 0 runs until interrupted (default 0)\n"
"  -z, --sizes LIST       comma-separated object sizes, 1..%u bytes\n"
"                         (default 64,96,128,192,256,384,512,768)\n"
"  -l, --live N           objects each worker keeps alive (default 1024)\n"
"  -e, --epoch-every N    advance the epoch and close the previous one every\n"
"                         N allocations of the whole process (default never)\n"
"  -r, --rate OPS         at most OPS allocations per second per worker\n"
"                         (default unlimited)\n"
"  -n, --name NAME        publish in the segment /slab.NAME (default: the pid)\n"
"      --hogs N           CPU hogs in the noisy scenario (default 2 per worker)\n"
"      --cpu N            core shared by workers and hogs when noisy\n"
"                         (default the last core the process may use)\n"
"      --repair-rate N    zombies planted per second in the repair scenario\n"
"                         (default 60)\n"
"      --phase SECS       length of each demo phase (default 6)\n"
"      --burst N          objects per burst in the slabs scenario (default 4096)\n"
"  -q, --quiet            print neither the banner nor the summary\n"
"  -h, --help             show this help and exit\n"
"  -V, --version          show the version and exit\n"
"\n"
"Watch it with: slabtop NAME.  SIGINT or SIGTERM stops it and prints the\n"
"sampling summary of all its threads.\n", SLAB_MAX_SIZE);
}

static void usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "slabload: ");
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry 'slabload --help' for more information.\n");
    exit(EXIT_USAGE);
}

static uint64_t parse_u64(const char *s, uint64_t min, uint64_t max, const char *what)
{
    char *end;
    errno = 0;
    unsigned long long v = 0;
    if (*s >= '0' && *s <= '9')
        v = strtoull(s, &end, 10);
    if (!(*s >= '0' && *s <= '9') || errno || *end || v < min || v > max)
        usage_error("bad %s '%s' (a whole number, %" PRIu64 "..%" PRIu64 ")",
                    what, s, min, max);
    return v;
}

static double parse_secs(const char *s, double max, const char *what)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !(v >= 0) || v > max)
        usage_error("bad %s '%s' (0..%g)", what, s, max);
    return v;
}

static void parse_sizes(const char *arg)
{
    char buf[512];
    if (strlen(arg) >= sizeof(buf) || !*arg)
        usage_error("bad size list '%s'", arg);
    strcpy(buf, arg);
    opt.nsizes = 0;
    char *save = NULL;
    for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        if (opt.nsizes == MAX_SIZES)
            usage_error("too many sizes in '%s'", arg);
        opt.sizes[opt.nsizes++] = (uint32_t)parse_u64(tok, 1, SLAB_MAX_SIZE,
            "size");
    }
    if (opt.nsizes == 0)
        usage_error("bad size list '%s'", arg);
}

/* The segment names libslab accepts (slab_shm.h): 1..63 of A-Z a-z 0-9 . _ -,
 * neither "." nor "..".  Checked here too, so that a bad one is a usage
 * error rather than a failure at start-up. */
static bool valid_name(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > SLAB_SHM_NAME_MAX || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
        return false;
    for (; *s; s++) {
        char c = *s;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
            return false;
    }
    return true;
}

enum { OPT_HOGS = 256, OPT_CPU, OPT_REPAIR_RATE, OPT_PHASE, OPT_BURST };

static void parse_options(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "scenario", required_argument, NULL, 's' },
        { "threads", required_argument, NULL, 't' },
        { "duration", required_argument, NULL, 'd' },
        { "sizes", required_argument, NULL, 'z' },
        { "live", required_argument, NULL, 'l' },
        { "epoch-every", required_argument, NULL, 'e' },
        { "rate", required_argument, NULL, 'r' },
        { "name", required_argument, NULL, 'n' },
        { "hogs", required_argument, NULL, OPT_HOGS },
        { "cpu", required_argument, NULL, OPT_CPU },
        { "repair-rate", required_argument, NULL, OPT_REPAIR_RATE },
        { "phase", required_argument, NULL, OPT_PHASE },
        { "burst", required_argument, NULL, OPT_BURST },
        { "quiet", no_argument, NULL, 'q' },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        { NULL, 0, NULL, 0 }
    };
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":s:t:d:z:l:e:r:n:qhV", longopts, NULL)) != -1) {
        switch (c) {
        case 's': {
            bool found = false;
            for (unsigned i = 0; i < sizeof(scenario_names) / sizeof(scenario_names[0]); i++)
                if (strcmp(optarg, scenario_names[i]) == 0) {
                    opt.scenario = (enum scenario)i;
                    found = true;
                }
            if (!found)
                usage_error("unknown scenario '%s' (steady, noisy, repair, slabs, demo)",
                            optarg);
            break;
        }
        case 't':
            opt.threads = (unsigned)parse_u64(optarg, 1, 256, "thread count");
            break;
        case 'd':
            opt.duration = parse_secs(optarg, 1e7, "duration in seconds");
            break;
        case 'z':
            parse_sizes(optarg);
            break;
        case 'l':
            opt.live = (unsigned)parse_u64(optarg, 1, 1u << 24, "live object count");
            break;
        case 'e':
            opt.epoch_every = parse_u64(optarg, 0, UINT64_MAX, "epoch interval");
            break;
        case 'r':
            opt.rate = parse_u64(optarg, 0, UINT64_MAX / 2, "rate");
            break;
        case 'n':
            if (!valid_name(optarg))
                usage_error("bad segment name '%s' (1..%u of A-Z a-z 0-9 . _ -)",
                            optarg, SLAB_SHM_NAME_MAX);
            opt.name = optarg;
            break;
        case OPT_HOGS:
            opt.hogs = (unsigned)parse_u64(optarg, 0, 256, "hog count");
            break;
        case OPT_CPU:
            opt.cpu = (int)parse_u64(optarg, 0, CPU_SETSIZE - 1, "core number");
            break;
        case OPT_REPAIR_RATE:
            opt.repair_rate = parse_secs(optarg, 1e6, "repair rate");
            break;
        case OPT_PHASE:
            opt.phase = parse_secs(optarg, 1e6, "phase length");
            if (opt.phase < 0.1)
                usage_error("bad phase length '%s' (at least 0.1 s)", optarg);
            break;
        case OPT_BURST:
            opt.burst = (unsigned)parse_u64(optarg, 1, 1u << 24, "burst size");
            break;
        case 'q':
            opt.quiet = true;
            break;
        case 'h':
            usage(stdout);
            exit(0);
        case 'V':
            printf("slabload (%s) %s\n", PACKAGE_NAME, PACKAGE_VERSION);
            exit(0);
        case ':':
            usage_error("option '%s' needs an argument", argv[optind - 1]);
            break;
        default:
            usage_error("unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc)
        usage_error("unexpected argument '%s'", argv[optind]);
}

/* ------------------------------------------------------------ main */

static int pick_noisy_cpu(void)
{
    if (opt.cpu >= 0) {
        if (!CPU_ISSET(opt.cpu, &allowed_cpus)) {
            fprintf(stderr, "slabload: core %d is not available to this process\n",
                    opt.cpu);
            exit(EXIT_USAGE);
        }
        return opt.cpu;
    }
    int last = 0;
    for (int c = 0; c < CPU_SETSIZE; c++)
        if (CPU_ISSET(c, &allowed_cpus))
            last = c;
    return last;
}

int main(int argc, char **argv)
{
    parse_options(argc, argv);

    if (sched_getaffinity(0, sizeof(allowed_cpus), &allowed_cpus) != 0) {
        CPU_ZERO(&allowed_cpus);
        CPU_SET(0, &allowed_cpus);
    }
    noisy_cpu = pick_noisy_cpu();

    /* Signals are taken by main alone, with sigtimedwait(); every thread
     * started from here on inherits the blocked mask. */
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);

    /* Publish before the first allocator exists, so that a name that is
     * taken is reported as such (an explicit name, or SLAB_SHM_NAME). */
    if (slab_shm_publish(opt.name) != 0 && errno != ECANCELED) {
        int e = errno;
        const char *n = opt.name ? opt.name : getenv("SLAB_SHM_NAME");
        if (e == EEXIST)
            fprintf(stderr, "slabload: the segment /slab.%s belongs to a running"
                    " process; choose another --name\n", n ? n : "?");
        else
            fprintf(stderr, "slabload: cannot publish%s%s: %s\n",
                    n ? " as /slab." : "", n ? n : "", strerror(e));
        return 1;
    }
    alloc = slab_allocator_create();
    if (!alloc) {
        fprintf(stderr, "slabload: cannot create the allocator: %s\n", strerror(errno));
        return 1;
    }

    workers = calloc(opt.threads, sizeof(*workers));
    hog_threads = calloc(hog_count(), sizeof(*hog_threads));
    if (!workers || !hog_threads) {
        fprintf(stderr, "slabload: out of memory\n");
        return 1;
    }
    for (unsigned i = 0; i < opt.threads; i++) {
        struct worker *w = &workers[i];
        w->index = i;
        w->rng = 0x9E3779B97F4A7C15ULL * (i + 1) ^ (uint64_t)getpid();
        w->live = calloc(opt.live, sizeof(SlabHandle));
        w->burst = calloc(opt.burst, sizeof(SlabHandle));
        if (!w->live || !w->burst) {
            fprintf(stderr, "slabload: out of memory\n");
            return 1;
        }
    }

    unsigned step = 0;
    enum scenario first = opt.scenario == SC_DEMO ? demo_cycle[0] : opt.scenario;
    set_phase(first, 0);

    if (!opt.quiet) {
        const char *seg = slab_shm_name();
        printf("slabload: pid %ld, segment %s%s, scenario %s, %u worker%s",
               (long)getpid(), seg ? "/slab." : "", seg ? seg : "(not published)", scenario_names[opt.scenario], opt.threads,
               opt.threads == 1 ? "" : "s");
        if (opt.scenario == SC_NOISY || opt.scenario == SC_DEMO)
            printf(", %u hogs on core %d when noisy", hog_count(), noisy_cpu);
        printf("\n");
        if (opt.scenario == SC_REPAIR || opt.scenario == SC_DEMO)
            printf("slabload: the repair scenario plants zombie slabs on purpose"
                   " (slab_debug_plant_zombie), %.0f per second\n", opt.repair_rate);
        fflush(stdout);
    }

    unsigned started = 0;
    for (; started < opt.threads; started++) {
        int err = pthread_create(&workers[started].thread, NULL, worker_main,
                                 &workers[started]);
        if (err) {
            fprintf(stderr, "slabload: cannot start worker %u: %s\n", started,
                    strerror(err));
            break;
        }
    }

    uint64_t start = now_ns();
    uint64_t phase_ns = (uint64_t)(opt.phase * 1e9);
    uint64_t next_phase = start + phase_ns;
    uint64_t end = opt.duration > 0 ? start + (uint64_t)(opt.duration * 1e9) : 0;
    int status = started == opt.threads ? 0 : 1;

    while (status == 0) {
        uint64_t now = now_ns();
        if (end && now >= end)
            break;
        if (opt.scenario == SC_DEMO && now >= next_phase) {
            step = (step + 1) % DEMO_PHASES;
            set_phase(demo_cycle[step], step);
            next_phase += phase_ns;
            continue;
        }
        uint64_t wait = 100000000u;     /* wake at least every 100 ms */
        if (end && end - now < wait)
            wait = end - now;
        if (opt.scenario == SC_DEMO && next_phase - now < wait)
            wait = next_phase - now;
        struct timespec ts = { (time_t)(wait / 1000000000u), (long)(wait % 1000000000u) };
        int sig = sigtimedwait(&sigs, NULL, &ts);
        if (sig > 0)
            break;
    }
    uint64_t elapsed = now_ns() - start;

    atomic_store_explicit(&stop_flag, true, memory_order_relaxed);
    for (unsigned i = 0; i < started; i++)
        pthread_join(workers[i].thread, NULL);
    if (hogs_running)
        hogs_stop_all();

    if (!opt.quiet) {
        struct totals t;
        collect(&t, started);
        print_summary(&t, elapsed, started);
        fflush(stdout);
    }

    for (unsigned i = 0; i < opt.threads; i++) {
        free(workers[i].live);
        free(workers[i].burst);
    }
    free(workers);
    free(hog_threads);
    slab_allocator_free(alloc);
    return status;
}
