/*
 * dropin_internal.h - what the drop-in's files share: the allocator in
 * static storage, the arena test, the recursion depth, the slab path, and
 * the sampling wrapper of an allocating call.
 *
 *   dropin.c   the paths, malloc, calloc, free, realloc, malloc_usable_size
 *              (the inline fast paths live there);
 *   aligned.c  posix_memalign, aligned_alloc, memalign, valloc, pvalloc;
 *   startup.c  creating the allocator, the start-up grace, publishing,
 *              fork, and the cold half of sampling.
 *
 * Everything here is hidden (visibility declared on each name, so that a
 * reference from another file is as direct as one to a static): the
 * preload library exports only the C allocation API.
 */
#ifndef SLAB_DROPIN_INTERNAL_H
#define SLAB_DROPIN_INTERNAL_H

#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "common.h"
#include "addr_fast.h"
#include "slab_addr.h"
#include "sampler.h"

#define DROPIN_HIDDEN __attribute__((visibility("hidden")))

#ifndef SLAB_DROPIN_TEST
/* glibc's allocator (see dropin.c). */
extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *ptr, size_t size);
extern void *__libc_memalign(size_t alignment, size_t size);
extern void __libc_free(void *ptr);
#define sys_malloc __libc_malloc
#define sys_calloc __libc_calloc
#define sys_realloc __libc_realloc
#define sys_memalign __libc_memalign
#define sys_free __libc_free
#else
/* The test build (dropin.h) runs beside the process's own malloc, which
 * under a sanitizer is the sanitizer's: the large path must be that one,
 * so that the sanitizer sees every block come and go (it intercepts some
 * __libc_* names and not others). */
#include <malloc.h>
#include <stdlib.h>
#define sys_malloc malloc
#define sys_calloc calloc
#define sys_realloc realloc
#define sys_memalign memalign
#define sys_free free
#endif

#define TRIM_FREES      4096            /* frees between trim checks */
#define EPOCH 0u

/* ------------------------------------------------------------ state */

/* The allocator, in static storage (dropin.c): nothing of it comes from
 * malloc. */
extern DROPIN_HIDDEN unsigned char dropin_alloc_storage[sizeof(SlabAllocator)];
#define ALLOC ((SlabAllocator *)(void *)dropin_alloc_storage)

enum { INIT_NONE, INIT_RUNNING, INIT_DONE, INIT_FAILED };
extern DROPIN_HIDDEN atomic_int dropin_init_state;

/* Start of the arena once the allocator exists; before, a value that
 * places it where no user pointer lies (dropin.c). */
extern DROPIN_HIDDEN _Atomic uintptr_t dropin_arena_lo;

/* The thread's recursion depth: > 0 while the library's own code runs. */
extern DROPIN_HIDDEN __thread unsigned dropin_depth
    __attribute__((tls_model("initial-exec")));
/* Frees until the thread's next trim check, slab_hot.trim_countdown
 * (thread_hot.h): it counts down, and starts at 0, so that a thread's
 * first free looks for memory to give back. */

static inline bool dropin_owns(const void *p)
{
    return (uintptr_t)p - atomic_load_explicit(&dropin_arena_lo, memory_order_relaxed) <
           ARENA_BYTES;
}

/* Raise the thread's recursion depth: the library's own code runs.  The
 * inline allocation fast path is shut too (it does not read the depth: that
 * would cost it a load and a branch), so that the library's allocations
 * reach malloc_slow(), which sends them to glibc; the next slow_alloc()
 * after the depth is back to 0 opens it again. */
static inline void depth_up(void)
{
    dropin_depth++;
    slab_addr_fast_off();
}

static inline void depth_down(void)
{
    dropin_depth--;
}

/* ------------------------------------------------------------ start-up */

/* Create the allocator if nobody has (startup.c).  False while another
 * thread is at it (the caller uses glibc meanwhile) or when it failed. */
DROPIN_HIDDEN COLD bool startup_init(void);

static inline bool dropin_ready(void)
{
    return LIKELY(atomic_load_explicit(&dropin_init_state, memory_order_acquire) ==
                  INIT_DONE) ||
           startup_init();
}

/* ------------------------------------------------------------ slab path */

/* One slab allocation: the inline fast path, else the core's slow path
 * with the library's depth raised (the core may allocate its thread's heap)
 * and the fast path shut (see depth_up()) until the slow path's refill
 * opens it again.  NULL when the size is not the slabs' or the allocator
 * cannot serve it now. */
static ALWAYS_INLINE void *dropin_slab_alloc(size_t size)
{
    void *p = slab_addr_alloc_fast(ALLOC, size);
    if (LIKELY(p != NULL))
        return p;
    if (UNLIKELY(size - 1 >= SLAB_MAX_SIZE || dropin_depth != 0 || !dropin_ready()))
        return NULL;
    dropin_depth = 1;
    slab_addr_fast_off();
    p = slab_addr_alloc(ALLOC, (uint32_t)size, EPOCH);
    dropin_depth = 0;
    return p;
}

/* What the slabs do not serve (dropin.c): the system allocator. */
DROPIN_HIDDEN NOINLINE void *dropin_large_malloc(size_t size);

/* malloc() without the sampler: the slabs, else the large path. */
static ALWAYS_INLINE void *dropin_do_malloc(size_t size)
{
    void *p = dropin_slab_alloc(size);
    if (LIKELY(p != NULL))
        return p;
    return dropin_large_malloc(size);
}

/* ------------------------------------------------------------ sampling */

#ifdef ENABLE_SLOWPATH_SAMPLING

/* The countdown ran out (startup.c).  Returns whether this call is to be
 * timed (then *t0 holds its start); until the start-up grace is over,
 * nothing is. */
DROPIN_HIDDEN NOINLINE bool startup_sample_begin(slab_sample_clock *t0);
DROPIN_HIDDEN NOINLINE void startup_sample_end(const slab_sample_clock *t0);

/* TICKED(expression): for an allocating call that has counted itself
 * toward the sample and found the countdown out (malloc() and calloc() do
 * that first, then try their inline fast path): the expression runs once,
 * timed when a sample is due.  errno is the call's own.
 * SAMPLED(expression) counts the call first: every other allocating entry
 * point is `SAMPLED(expression)`.  Both return the expression's value. */
#define TICKED(expr)                                                        \
    do {                                                                    \
        if (dropin_depth == 0) {                                            \
            slab_sample_clock t0_;                                          \
            if (startup_sample_begin(&t0_)) {                               \
                void *r_ = (expr);                                          \
                int e_ = errno;                                             \
                startup_sample_end(&t0_);                                   \
                errno = e_;                                                 \
                return r_;                                                  \
            }                                                               \
        }                                                                   \
        return (expr);                                                      \
    } while (0)

#define SAMPLED(expr)                                                       \
    do {                                                                    \
        if (UNLIKELY(slab_sampler_tick()))                                  \
            TICKED(expr);                                                   \
        return (expr);                                                      \
    } while (0)

#else

/* Start publishing when the grace time is over (startup.c): called on
 * the slow paths, since nothing else looks at the clock. */
DROPIN_HIDDEN void startup_publish_check(void);

#define SAMPLED(expr) return (expr)
#define TICKED(expr) return (expr)

#endif /* ENABLE_SLOWPATH_SAMPLING */

#endif /* SLAB_DROPIN_INTERNAL_H */
