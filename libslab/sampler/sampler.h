/*
 * sampler.h - what the allocator calls to sample itself.
 *
 * The allocation fast path pays one decrement and one well-predicted branch:
 *
 *     if (UNLIKELY(slab_sampler_tick()))
 *         return alloc_sampled(...);      // cold: times the whole call
 *
 * slab_sampler_tick() fires when the thread's countdown runs out.  The cold
 * path asks slab_sampler_begin() whether this call is a sample (it may only be
 * a publication tick); if so it times the call and hands the start to
 * slab_sampler_end().  Zombie repairs are timed with slab_sampler_clock()
 * before and slab_sampler_repair() after.
 *
 * Without ENABLE_SLOWPATH_SAMPLING none of this exists (but
 * slab_sampler_note_path() and the large-path counts compile to nothing).
 */
#ifndef SLAB_SAMPLER_H
#define SLAB_SAMPLER_H

#include <stdbool.h>
#include <stdint.h>
#include "common.h"
#include "slab_stats.h"
#include "thread_hot.h"

/* Where a thread's statistics go.  The sampler knows nothing of segments:
 * a layer above it (the publisher) registers this once, from a
 * constructor; without it, statistics stay readable in-process only.  Both
 * are called by the thread whose statistics they carry, with no allocator
 * lock held.  sink must stay valid for the life of the process. */
typedef struct slab_sampler_sink {
    void (*flush)(const slab_thread_stats *now);        /* periodic */
    void (*thread_exit)(const slab_thread_stats *final); /* last call */
} slab_sampler_sink;

/* Register (or replace) the sink; any thread, any time.  A no-op when
 * sampling is compiled out (nothing is ever flushed). */
void slab_sampler_set_sink(const slab_sampler_sink *sink);

#ifdef ENABLE_SLOWPATH_SAMPLING

typedef struct slab_sample_clock {
    uint64_t wall_ns;
    uint64_t cpu_ns;
    uint64_t wait_ns;           /* schedstat run-queue wait, when sched */
    uint64_t slices;            /* schedstat times scheduled, when sched */
    bool sched;
} slab_sample_clock;

/* The path that served the allocation being sampled (enum slab_path).
 * The sampler sets it to SLAB_PATH_FAST when a sampled call starts; each
 * slow path stores its own with slab_sampler_note_path(), one store, the
 * later (deeper) path overwriting the earlier.  The fast path never
 * touches it, and outside a sampled call nobody reads it. */
extern __thread unsigned char slab_sampler_path
    __attribute__((tls_model("initial-exec")));

#define slab_sampler_note_path(p) (slab_sampler_path = (unsigned char)(p))

/* The drop-in's calls that the system allocator served (its large path),
 * and its frees handed there: one increment each, made on those paths
 * only, never on a slab path.  The sampler publishes them as allocs_large
 * and frees_large, counted from the thread's first sampler call as allocs
 * is, so that allocs - allocs_large is what the slab classes served. */
extern __thread uint64_t slab_sampler_large_allocs
    __attribute__((tls_model("initial-exec")));
extern __thread uint64_t slab_sampler_large_frees
    __attribute__((tls_model("initial-exec")));

#define slab_sampler_count_large_alloc() ((void)slab_sampler_large_allocs++)
#define slab_sampler_count_large_free() ((void)slab_sampler_large_frees++)

/* The per-thread countdown, slab_hot.sampler_countdown: the only sampler
 * state the fast path touches.  It sits in the fast paths' one TLS object
 * (thread_hot.h), whose offset the allocator's lookup of its heap loads
 * anyway, and holds one less than the allocations left before the cold
 * path, so that running out is the sign bit: one subtract on memory and
 * one jump on its flags. */
static ALWAYS_INLINE bool slab_sampler_tick(void)
{
    return UNLIKELY(--slab_hot.sampler_countdown < 0);
}

/* Send the calling thread's next n - 1 allocations past the cold path
 * (n >= 1).  Only for a thread that has not yet entered
 * slab_sampler_begin(): an embedder uses it to hold sampling off at
 * start-up (the first begin calibrates the clocks).  The allocations it
 * skips are not counted. */
static inline void slab_sampler_defer(int64_t n)
{
    slab_hot.sampler_countdown = n - 1;
}

/* Called when the countdown ran out.  Re-arms it, publishes if due, and
 * returns true (with the start time in *t0) when this call is to be timed. */
bool slab_sampler_begin(slab_sample_clock *t0);
/* Record a timed allocation that started at *t0. */
void slab_sampler_end(const slab_sample_clock *t0);

void slab_sampler_clock(slab_sample_clock *now);
/* Record a zombie repair (REPAIR_REASON_* bit) that started at *t0. */
void slab_sampler_repair(unsigned reason, const slab_sample_clock *t0);

#else

#define slab_sampler_note_path(p) ((void)0)
#define slab_sampler_count_large_alloc() ((void)0)
#define slab_sampler_count_large_free() ((void)0)

#endif /* ENABLE_SLOWPATH_SAMPLING */

#endif /* SLAB_SAMPLER_H */
