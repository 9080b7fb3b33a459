/*
 * slabload.c - a workload for libslab that slabtop can watch.
 *
 * slabload is an ordinary libslab user: it creates an allocator, which
 * publishes the process's statistics in a shared-memory segment, and runs
 * worker threads that allocate and free in one of these scenarios:
 *
 *   steady  alloc/free churn across the size classes, a fixed number of
 *           objects kept alive per worker;
 *   noisy   the same churn, plus CPU-hog threads pinned to the sl_workers' core,
 *           so the sl_workers are preempted inside their allocations
 *           (the sampler sees wall >> CPU);
 *   repair  the same churn, plus zombie slabs planted on purpose through
 *           slab_debug_plant_zombie(), one reason after the other, so that
 *           the allocator repairs them (every reason is counted);
 *   slabs   bursts that fill a fresh epoch (slabs set up: new, then
 *           recycled after release), free it all and close the epoch, so
 *           memory goes back to the OS (real allocator work: slower, but
 *           wall close to CPU);
 *   lock    bursts of the largest size while the allocator sleeps each
 *           time it holds a size class's shared lock
 *           (slab_debug_set_lock_hold()): the threads block inside the
 *           allocator, for the cause "blocked" (not in the demo);
 *   demo    steady, noisy, repair and slabs in turn, a few seconds each,
 *           round and round; the phase is shown in the segment's label.
 *
 * At exit (end of --duration, SIGINT or SIGTERM) the sl_workers hand in their
 * sampler statistics and the process prints the seed's summary block for all
 * of them together.
 *
 * Threads: main parses options, starts the sl_workers, then waits for signals
 * (blocked everywhere else) and drives the demo phases; sl_workers allocate;
 * hogs only burn CPU.  Workers and main share a few atomics (stop flag,
 * phase, global allocation count); everything else a worker owns, and main
 * reads it only after pthread_join().
 */
#include "config.h"
#include "slabload.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
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

/* ------------------------------------------------------------ scenarios */



/* The demo cycle, in order. */
static const enum scenario demo_cycle[] = { SC_STEADY, SC_NOISY, SC_REPAIR, SC_SLABS };
#define DEMO_PHASES (sizeof(demo_cycle) / sizeof(demo_cycle[0]))

static const unsigned repair_reasons[] = {
    REPAIR_REASON_FULL_BITMAP,
    REPAIR_REASON_LIST_MISMATCH,
    REPAIR_REASON_OTHER,
};

/* ------------------------------------------------------------ options */



/* ------------------------------------------------------------ shared state */

static SlabAllocator *alloc;
static atomic_bool stop_flag;
static atomic_int cur_phase;            /* enum scenario, never SC_DEMO */
static atomic_uint phase_gen;           /* bumped at every phase change */
static atomic_uint_fast64_t total_allocs;       /* for --epoch-every */
atomic_uint_fast64_t sl_epoch_turns;
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

/* xorshift64*: the sl_workers' private random numbers. */
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
    return sl_opt.hogs ? sl_opt.hogs : 2 * sl_opt.threads;
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

/* ------------------------------------------------------------ sl_workers */


struct worker *sl_workers;

/* Advance the epoch and close the previous one (--epoch-every). */
static void epoch_turn(void)
{
    EpochId old = epoch_current(alloc);
    (void)epoch_advance(alloc);
    if (epoch_close(alloc, old) == 0)
        atomic_fetch_add_explicit(&sl_epoch_turns, 1, memory_order_relaxed);
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
        unsigned slot = (unsigned)(r % sl_opt.live);
        uint32_t size = sl_opt.sizes[(r >> 32) % sl_opt.nsizes];
        replace_slot(w, slot, size);
    }
    if (sl_opt.epoch_every) {
        uint64_t before = atomic_fetch_add_explicit(&total_allocs, n,
                                                    memory_order_relaxed);
        if (before / sl_opt.epoch_every != (before + n) / sl_opt.epoch_every)
            epoch_turn();
    }
}

/* The repair scenario: plant a zombie, each reason in turn, and allocate
 * right after so this thread's slow path meets it. */
static void plant_one(struct worker *w)
{
    uint64_t n = w->planted[0] + w->planted[1] + w->planted[2] + w->plant_failures;
    unsigned k = (unsigned)(n % NREASONS);
    uint32_t size = sl_opt.sizes[(n / NREASONS) % sl_opt.nsizes];
    if (slab_debug_plant_zombie(alloc, size, w->epoch, repair_reasons[k]) != 0) {
        w->plant_failures++;
        if (errno == EPERM || errno == EINVAL)
            w->epoch = epoch_current(alloc);
        return;
    }
    w->planted[k]++;
    replace_slot(w, (unsigned)(rng_next(&w->rng) % sl_opt.live), size);
}

/* Plant at the chosen rate: every zombie due since the last batch (up to
 * PLANT_CATCH_UP at a time), so the rate reached does not depend on how
 * long a batch of churn takes; one plant per batch capped it at the batches
 * per second (about 4000 under --rate 1000000). */
#define PLANT_CATCH_UP 64u
static void plant_due(struct worker *w, uint64_t now)
{
    double per_worker = sl_opt.repair_rate / sl_opt.threads;
    if (per_worker <= 0)
        return;
    uint64_t period = (uint64_t)(1e9 / per_worker);
    if (period == 0)
        period = 1;
    if (w->next_plant_ns == 0)
        w->next_plant_ns = now + period * w->index / sl_opt.threads;
    for (unsigned i = 0; i < PLANT_CATCH_UP && now >= w->next_plant_ns; i++) {
        w->next_plant_ns += period;
        plant_one(w);
    }
    if (w->next_plant_ns < now)         /* fell behind: do not catch up */
        w->next_plant_ns = now + period;
}

/* The end of a burst: free its n objects, then close its epoch e so that
 * the memory goes back to the operating system. */
static void end_burst(struct worker *w, EpochId e, unsigned n)
{
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

/* The slabs scenario: fill a fresh epoch with objects of every size, so
 * that slabs are set up (carved new, or recycled after an earlier release),
 * then free them all and close the epoch so its memory goes back to the
 * operating system. */
static void slabs_round(struct worker *w)
{
    EpochId e = epoch_advance(alloc);
    unsigned n = 0;
    for (unsigned i = 0; i < sl_opt.burst && !stopping(); i++) {
        uint32_t size = sl_opt.sizes[i % sl_opt.nsizes];
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
    end_burst(w, e, n);
}

/* The lock scenario: bursts of the largest size, so that allocations keep
 * needing slabs from the shared lists, while every time the allocator
 * takes a bin lock it sleeps --lock-us holding it
 * (slab_debug_set_lock_hold): the threads block inside the allocator. */
static void lock_round(struct worker *w)
{
    EpochId e = epoch_advance(alloc);
    unsigned n = 0;
    for (unsigned i = 0; i < sl_opt.burst && !stopping(); i++) {
        SlabHandle h;
        void *p = alloc_obj_epoch(alloc, SLAB_MAX_SIZE, e, &h);
        if (!p) {
            w->failures++;
            break;
        }
        w->allocs++;
        *(volatile uint8_t *)p = (uint8_t)i;
        w->burst[n++] = h;
    }
    end_burst(w, e, n);
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
        if (sl_opt.rate && sl_opt.rate < 25600)
            batch = (unsigned)(sl_opt.rate / 100) + 1;

        switch (ph) {
        case SC_SLABS:
            slabs_round(w);
            break;
        case SC_LOCK:
            lock_round(w);
            break;
        case SC_REPAIR:
            churn(w, batch);
            plant_due(w, now_ns());
            break;
        default:
            churn(w, batch);
            break;
        }

        if (sl_opt.rate) {
            done += w->allocs - before;
            uint64_t due = start + (uint64_t)((double)done * 1e9 / (double)sl_opt.rate);
            uint64_t now = now_ns();
            if (due > now)
                sleep_ns(due - now > 100000000u ? 100000000u : due - now);
        }
    }

    for (unsigned i = 0; i < sl_opt.live; i++) {
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
    if (sl_opt.scenario == SC_DEMO)
        snprintf(label, sizeof(label), "demo %u/%u: %s", step + 1,
                 (unsigned)DEMO_PHASES, sl_scenario_names[ph]);
    else
        snprintf(label, sizeof(label), "%s", sl_scenario_names[ph]);
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

/* ------------------------------------------------------------ main */

static int pick_noisy_cpu(void)
{
    if (sl_opt.cpu >= 0) {
        if (!CPU_ISSET(sl_opt.cpu, &allowed_cpus)) {
            fprintf(stderr, "slabload: core %d is not available to this process\n",
                    sl_opt.cpu);
            exit(EXIT_USAGE);
        }
        return sl_opt.cpu;
    }
    int last = 0;
    for (int c = 0; c < CPU_SETSIZE; c++)
        if (CPU_ISSET(c, &allowed_cpus))
            last = c;
    return last;
}

int main(int argc, char **argv)
{
    sl_options_parse(argc, argv);

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
    if (slab_shm_publish(sl_opt.name) != 0 && errno != ECANCELED) {
        int e = errno;
        const char *n = sl_opt.name ? sl_opt.name : getenv("SLAB_SHM_NAME");
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

    sl_workers = calloc(sl_opt.threads, sizeof(*sl_workers));
    hog_threads = calloc(hog_count(), sizeof(*hog_threads));
    if (!sl_workers || !hog_threads) {
        fprintf(stderr, "slabload: out of memory\n");
        return 1;
    }
    for (unsigned i = 0; i < sl_opt.threads; i++) {
        struct worker *w = &sl_workers[i];
        w->index = i;
        w->rng = 0x9E3779B97F4A7C15ULL * (i + 1) ^ (uint64_t)getpid();
        w->live = calloc(sl_opt.live, sizeof(SlabHandle));
        w->burst = calloc(sl_opt.burst, sizeof(SlabHandle));
        if (!w->live || !w->burst) {
            fprintf(stderr, "slabload: out of memory\n");
            return 1;
        }
    }

    /* Before any worker runs (slab_debug.h). */
    if (sl_opt.scenario == SC_LOCK && slab_debug_set_lock_hold(sl_opt.lock_us) != 0) {
        fprintf(stderr, "slabload: cannot set the lock hold: %s\n", strerror(errno));
        return 1;
    }

    unsigned step = 0;
    enum scenario first = sl_opt.scenario == SC_DEMO ? demo_cycle[0] : sl_opt.scenario;
    set_phase(first, 0);

    if (!sl_opt.quiet) {
        const char *seg = slab_shm_name();
        printf("slabload: pid %ld, segment %s%s, scenario %s, %u worker%s",
               (long)getpid(), seg ? "/slab." : "", seg ? seg : "(not published)", sl_scenario_names[sl_opt.scenario], sl_opt.threads,
               sl_opt.threads == 1 ? "" : "s");
        if (sl_opt.scenario == SC_NOISY || sl_opt.scenario == SC_DEMO)
            printf(", %u hogs on core %d when noisy", hog_count(), noisy_cpu);
        printf("\n");
        if (sl_opt.scenario == SC_REPAIR || sl_opt.scenario == SC_DEMO)
            printf("slabload: the repair scenario plants zombie slabs on purpose"
                   " (slab_debug_plant_zombie), %.0f per second\n", sl_opt.repair_rate);
        fflush(stdout);
    }

    unsigned started = 0;
    for (; started < sl_opt.threads; started++) {
        int err = pthread_create(&sl_workers[started].thread, NULL, worker_main,
                                 &sl_workers[started]);
        if (err) {
            fprintf(stderr, "slabload: cannot start worker %u: %s\n", started,
                    strerror(err));
            break;
        }
    }

    uint64_t start = now_ns();
    uint64_t phase_ns = (uint64_t)(sl_opt.phase * 1e9);
    uint64_t next_phase = start + phase_ns;
    uint64_t end = sl_opt.duration > 0 ? start + (uint64_t)(sl_opt.duration * 1e9) : 0;
    int status = started == sl_opt.threads ? 0 : 1;

    while (status == 0) {
        uint64_t now = now_ns();
        if (end && now >= end)
            break;
        if (sl_opt.scenario == SC_DEMO && now >= next_phase) {
            step = (step + 1) % DEMO_PHASES;
            set_phase(demo_cycle[step], step);
            next_phase += phase_ns;
            continue;
        }
        uint64_t wait = 100000000u;     /* wake at least every 100 ms */
        if (end && end - now < wait)
            wait = end - now;
        if (sl_opt.scenario == SC_DEMO && next_phase - now < wait)
            wait = next_phase - now;
        struct timespec ts = { (time_t)(wait / 1000000000u), (long)(wait % 1000000000u) };
        int sig = sigtimedwait(&sigs, NULL, &ts);
        if (sig > 0)
            break;
    }
    uint64_t elapsed = now_ns() - start;

    atomic_store_explicit(&stop_flag, true, memory_order_relaxed);
    for (unsigned i = 0; i < started; i++)
        pthread_join(sl_workers[i].thread, NULL);
    if (hogs_running)
        hogs_stop_all();

    if (!sl_opt.quiet) {
        sl_summary_print(elapsed, started);
        fflush(stdout);
    }

    for (unsigned i = 0; i < sl_opt.threads; i++) {
        free(sl_workers[i].live);
        free(sl_workers[i].burst);
    }
    free(sl_workers);
    free(hog_threads);
    slab_allocator_free(alloc);
    return status;
}
