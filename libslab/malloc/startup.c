/*
 * startup.c - the drop-in's set-up: creating the allocator, the start-up
 * grace before sampling and publishing, fork, and the cold half of a
 * sampled call.
 *
 * Start-up
 * --------
 * A process pays nothing for the sampler and the segment until it has run
 * for START_GRACE_NS: before that the sampler's countdown is only used to
 * look at the coarse clock every GRACE_CALLS calls.  Then the first thread
 * there starts publishing (segment /slab.<pid> or SLAB_SHM_NAME, %p
 * expanded) and every thread starts sampling.  The process that
 * SLAB_SHM_NAME_PID names (slabrun's program) has no grace time.  exec of
 * a short command (a build runs thousands) thus costs three mmap()s of
 * address space.
 *
 * fork
 * ----
 * The core's locks are its own business (it takes them around fork()).
 * In the child, publishing starts afresh after its own grace time: the
 * child publishes a segment of its own (under %p, or /slab.<pid>), or
 * none when a fixed SLAB_SHM_NAME is taken by the parent, and never
 * removes the parent's.
 */
#include "config.h"
#include "dropin_internal.h"

#include <pthread.h>
#include <unistd.h>

#include "shm_writer.h"
#include "options.h"

#define START_GRACE_NS  (10u * 1000000u)        /* 10 ms */
#define GRACE_CALLS     32

/* Publishing: started once the grace time is over (again in a child). */
static _Atomic uint64_t start_after_ns;
static atomic_bool publish_started;

static void fork_child(void)
{
    /* The child is a new process: it waits its own grace time, then
     * publishes under its own name (the writer forgot the parent's). */
    atomic_store_explicit(&publish_started, false, memory_order_relaxed);
    atomic_store_explicit(&start_after_ns, slab_coarse_ns() + START_GRACE_NS,
                          memory_order_relaxed);
    slab_hot.trim_countdown = TRIM_FREES;
}

COLD bool startup_init(void)
{
    int s = INIT_NONE;
    if (!atomic_compare_exchange_strong_explicit(&dropin_init_state, &s, INIT_RUNNING,
                                                 memory_order_acquire,
                                                 memory_order_acquire))
        return s == INIT_DONE;
    depth_up();
    slab_shm_writer_defer();
    atomic_store_explicit(&start_after_ns, slab_coarse_ns() + START_GRACE_NS,
                          memory_order_relaxed);
    /* The process slabrun (or a user) named with SLAB_SHM_NAME_PID asked
     * to be watched: no grace for it. */
    if (slab_option_uint(SLAB_OPT_SHM_NAME_PID) == (uint64_t)getpid())
        atomic_store_explicit(&start_after_ns, 0, memory_order_relaxed);
    SlabAllocator *a = slab_allocator_init(dropin_alloc_storage, sizeof(dropin_alloc_storage));
    if (a != NULL) {
        slab_addr_reuse_heaps(a);
        (void)pthread_atfork(NULL, NULL, fork_child);
        atomic_store_explicit(&dropin_arena_lo, (uintptr_t)a->arena, memory_order_relaxed);
    }
    depth_down();
    /* Release pairs with the acquire loads of dropin_init_state: a thread
     * that sees INIT_DONE sees the allocator and the arena. */
    atomic_store_explicit(&dropin_init_state, a ? INIT_DONE : INIT_FAILED,
                          memory_order_release);
    return a != NULL;
}

/* Run before other constructors of this library (the publisher's among
 * them), so that the allocator, and the deferral of publishing, exist
 * before anything else: calls made even earlier initialise on demand. */
__attribute__((constructor(101))) static void dropin_constructor(void)
{
    (void)dropin_ready();
}

static COLD void start_publishing(void)
{
    atomic_store_explicit(&publish_started, true, memory_order_relaxed);
    depth_up();
    slab_shm_writer_autostart();
    depth_down();
}

static bool publish_due(void)
{
    return atomic_load_explicit(&dropin_init_state, memory_order_acquire) == INIT_DONE &&
           slab_coarse_ns() >= atomic_load_explicit(&start_after_ns, memory_order_relaxed);
}

#ifndef ENABLE_SLOWPATH_SAMPLING

/* Without the sampler the fast path never looks at the clock: the slow
 * paths (a refill, the large path) start publishing once the grace time
 * is over, at the price of one relaxed load once it is. */
void startup_publish_check(void)
{
    if (LIKELY(atomic_load_explicit(&publish_started, memory_order_relaxed)))
        return;
    if (dropin_depth == 0 && publish_due())
        start_publishing();
}

#else

static atomic_bool sampling_live;

/* Until the grace time is over nothing but the coarse clock is read, every
 * GRACE_CALLS calls; in a forked child, where sampling already runs, only
 * publishing waits. */
NOINLINE bool startup_sample_begin(slab_sample_clock *t0)
{
    if (UNLIKELY(!atomic_load_explicit(&publish_started, memory_order_relaxed))) {
        if (publish_due()) {
            atomic_store_explicit(&sampling_live, true, memory_order_relaxed);
            start_publishing();
        } else if (!atomic_load_explicit(&sampling_live, memory_order_relaxed)) {
            slab_sampler_defer(GRACE_CALLS);
            return false;
        }
    }
    depth_up();
    bool timed = slab_sampler_begin(t0);
    depth_down();
    return timed;
}

NOINLINE void startup_sample_end(const slab_sample_clock *t0)
{
    depth_up();
    slab_sampler_end(t0);
    depth_down();
}

#endif /* ENABLE_SLOWPATH_SAMPLING */
