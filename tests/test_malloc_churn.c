/*
 * test_malloc_churn.c - thread churn under the drop-in malloc: generations
 * of threads that each free what their predecessor left, allocate, free
 * half, and exit holding the other half.  A new thread must take over what
 * a dead one left (its heap, with the slabs that still hold objects), not
 * map and fault in memory afresh nor free its predecessor's objects as a
 * stranger; and the memory dead threads hold must still go back to the OS
 * once the drop-in's decay time has passed.
 *
 *   1. one thread a generation: its predecessor's objects are freed with
 *      no remote free at all (the remote_frees counter);
 *   2. two threads a generation: at most one minor page fault per thread
 *      on average (getrusage; a new heap and thread table were 4 pages a
 *      thread, glibc takes none); not under the sanitizers, whose own
 *      memory faults;
 *   3. eight threads exit holding objects that the main thread then frees:
 *      once the decay time passed, the main thread's next trim gives the
 *      emptied slabs back (released_slabs).
 *
 * Counted, not timed.  The segment is turned off (SLAB_SHM=0, the program
 * runs itself again with it): publishing a thread costs faults of its own.
 */
#include "config.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "rng.h"
#include "tap.h"
#include "slab_alloc.h"
#define SLAB_DROPIN_TEST 1
#include "dropin.h"

#define M(name) slab_dropin_##name

#define MAX_THREADS 8
#define OBJECTS 2000u               /* per thread and generation */
#define WARMUP 20u
#ifdef SLAB_SANITIZED
#define GENERATIONS 100u
#else
#define GENERATIONS 300u
#endif

static void *handoff[MAX_THREADS][OBJECTS];
static unsigned generation;
static unsigned keep = OBJECTS / 2;     /* objects a thread leaves */
static pthread_barrier_t *together;     /* all of a generation alive at once */

/* 16..511 bytes, about log-uniform: every class of that range in use. */
static size_t churn_size(uint64_t *s)
{
    unsigned shift = 4 + (unsigned)(xorshift(s) % 5);           /* 16 .. 256 */
    size_t lo = (size_t)1 << shift;
    return lo + (size_t)(xorshift(s) % lo);
}

/* Free what the predecessor left, allocate OBJECTS, free all but keep. */
static void *churn_thread(void *arg)
{
    unsigned t = (unsigned)(uintptr_t)arg;
    uint64_t s = 0x9e3779b97f4a7c15ull * (generation + 1) + t + 1;
    void **mine = handoff[t];
    static __thread void *local[OBJECTS];
    for (unsigned i = 0; i < OBJECTS; i++) {
        M(free)(mine[i]);
        mine[i] = NULL;
    }
    for (unsigned i = 0; i < OBJECTS; i++) {
        size_t n = churn_size(&s);
        local[i] = M(malloc)(n);
        if (local[i] != NULL)
            memset(local[i], 0x5a, n);
    }
    for (unsigned i = 0; i < keep; i++)
        mine[i] = local[i];
    for (unsigned i = keep; i < OBJECTS; i++)
        M(free)(local[i]);
    if (together != NULL)
        pthread_barrier_wait(together);
    return NULL;
}

static void run_generations(unsigned n, unsigned threads)
{
    for (unsigned g = 0; g < n; g++, generation++) {
        pthread_t th[MAX_THREADS];
        for (unsigned t = 0; t < threads; t++)
            if (pthread_create(&th[t], NULL, churn_thread, (void *)(uintptr_t)t) != 0)
                bail_out("pthread_create");
        for (unsigned t = 0; t < threads; t++)
            pthread_join(th[t], NULL);
    }
}

static void free_handoff(void)
{
    for (unsigned t = 0; t < MAX_THREADS; t++)
        for (unsigned i = 0; i < OBJECTS; i++) {
            M(free)(handoff[t][i]);
            handoff[t][i] = NULL;
        }
}

typedef struct totals {
    uint64_t carved, reused, released, remote, live;
} totals;

static totals counters(void)
{
    totals t = { 0, 0, 0, 0, 0 };
    SlabAllocator *a = M(allocator)();
    for (unsigned r = 0; a != NULL && r < SLAB_NUM_CLASSES; r++) {
        PerfCounters pc;
        if (get_perf_counters(a, r, &pc)) {
            t.carved += pc.new_slabs;
            t.reused += pc.recycled_slabs;
            t.released += pc.released_slabs;
            t.remote += pc.remote_frees;
            t.live += pc.live_slabs;
        }
    }
    return t;
}

static long minflt(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_minflt;
}

int main(int argc, char **argv)
{
    (void)argc;
    if (getenv("SLAB_SHM") == NULL || strcmp(getenv("SLAB_SHM"), "0") != 0) {
        setenv("SLAB_SHM", "0", 1);
        execv("/proc/self/exe", argv);
        /* Could not run again: go on with the segment (faults overcounted). */
    }
    plan(4);

    /* 1. One thread a generation: it takes over its predecessor's heap. */
    run_generations(WARMUP, 1);
    totals a0 = counters();
    run_generations(GENERATIONS, 1);
    totals a1 = counters();
    diag("1 thread x %u generations: %" PRIu64 " remote frees, %" PRIu64 " slabs carved, %"
         PRIu64 " released", GENERATIONS, a1.remote - a0.remote, a1.carved - a0.carved,
         a1.released - a0.released);
    ok(a1.remote == a0.remote,
       "a new thread frees its predecessor's objects as their owner (%" PRIu64 " remote frees)",
       a1.remote - a0.remote);
    free_handoff();

    /* 2. Two threads a generation. */
    run_generations(WARMUP, 2);
    totals b0 = counters();
    long f0 = minflt();
    run_generations(GENERATIONS, 2);
    long faults = minflt() - f0;
    totals b1 = counters();
    diag("2 threads x %u generations: %ld minor faults, %" PRIu64 " slabs carved, %" PRIu64
         " reused, %" PRIu64 " released, %" PRIu64 " remote frees", GENERATIONS, faults,
         b1.carved - b0.carved, b1.reused - b0.reused, b1.released - b0.released,
         b1.remote - b0.remote);
#ifdef SLAB_SANITIZED
    skip(1, "sanitizer build: the sanitizer's own memory faults");
#else
    ok(faults <= (long)(2 * GENERATIONS),
       "at most 1 minor fault per thread on average (%ld for %u threads)", faults,
       2 * GENERATIONS);
#endif
    ok(b1.released - b0.released <= GENERATIONS / 10,
       "at most 1 slab given back (to fault in again) per 10 generations (%" PRIu64 ")",
       b1.released - b0.released);
    free_handoff();

    /* 3. Eight threads exit at once, holding all they allocated (eight
     * dead heaps); the main thread frees it, and once the decay time
     * passed, its trim gives the dead heaps back: what stays resident is
     * what the bins keep (BIN_PARKED, 2 a class), not the dead heaps'
     * emptied slabs (about 16 each). */
    keep = OBJECTS;
    pthread_barrier_t barrier;
    pthread_barrier_init(&barrier, NULL, MAX_THREADS);
    together = &barrier;
    run_generations(1, MAX_THREADS);
    together = NULL;
    pthread_barrier_destroy(&barrier);
    totals c0 = counters();
    free_handoff();
    struct timespec pause = { 0, 60 * 1000000L };
    nanosleep(&pause, NULL);
    for (int i = 0; i < 3 * 4096; i++) {
        void *volatile p = M(malloc)(300);
        M(free)(p);
    }
    totals c1 = counters();
    diag("8 dead threads: %" PRIu64 " slabs live with their objects, %" PRIu64
         " after they were freed and the decay time passed (%" PRIu64 " released)",
         c0.live, c1.live, c1.released - c0.released);
    ok(c1.live <= 2 * 18 + 4 && c1.released > c0.released,
       "the slabs dead threads held go back after the decay time (%" PRIu64 " live, %" PRIu64
       " released)", c1.live, c1.released - c0.released);
    return tap_exit();
}
