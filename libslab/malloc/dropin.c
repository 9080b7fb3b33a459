/*
 * dropin.c - libslab-malloc.so: the C allocation API on the slab allocator,
 * for LD_PRELOAD into unmodified programs.
 *
 * Paths
 * -----
 * Requests of 1..SLAB_MAX_SIZE bytes (malloc(0) counts as 1) come from the
 * slab classes of one process-wide allocator, epoch 0, with no header:
 * free() finds the slab from the address (slab_addr.h), so whether a
 * pointer is ours is one subtraction and one comparison against the
 * allocator's arena.  Everything else, and every pointer outside the arena,
 * goes to glibc's allocator through its __libc_* entry points:
 *
 *   - pointers we never handed out reach free() and realloc() anyway: those
 *     of the dynamic loader, of calls made while we were initialising or
 *     from inside the library (see "Recursion"), and glibc's own;
 *     __libc_free() is the one function that can take all of them back;
 *   - glibc's allocator is a good large-object allocator: it maps big
 *     blocks directly, trims its heap and returns memory, and is fork-safe
 *     on its own; a large-object path of ours would have to match that
 *     before it could win anything;
 *   - the __libc_* names are glibc's documented way for a replacement
 *     malloc to reach the original without dlsym(), which itself may
 *     allocate.
 *
 * Aligned requests: alignments up to 16 are what every slot has; larger
 * ones up to 512 are served by the smallest class whose size is a multiple
 * of the alignment (slabs start on 64 KiB boundaries, so every slot of such
 * a class is aligned), the rest by __libc_memalign().
 *
 * Sampling
 * --------
 * Every allocating call (malloc, calloc, realloc, the aligned calls) counts
 * once toward the sampler's 1-in-N draw, whichever path serves it, and a
 * sample times the whole call: the slab path is called through
 * slab_addr_alloc(), which does not sample by itself.  free() is not
 * sampled, as in the rest of libslab.
 *
 * Start-up
 * --------
 * A process pays nothing for the sampler and the segment until it has run
 * for START_GRACE_NS: before that the sampler's countdown is only used to
 * look at the coarse clock every GRACE_CALLS calls.  Then the first thread
 * there starts publishing (segment /slab.<pid> or SLAB_SHM_NAME, %p
 * expanded) and every thread starts sampling.  The process that
 * SLAB_SHM_NAME_PID names (slabrun's program) has no grace time.  exec of a short command
 * (a build runs thousands) thus costs three mmap()s of address space.
 *
 * Fast paths
 * ----------
 * malloc(), calloc() and free() of the thread's own slabs run inline
 * (addr_fast.h): the sampler's countdown, the pop from or push onto the
 * thread's current slab, and for free() the trim countdown.  No call, no
 * errno save, no depth change; anything else leaves through one unlikely
 * branch to an out-of-line function that does what the old entry points
 * did.  callgrind, malloc+free pair of 128 B minus harness: 172 -> 95.
 *
 * Recursion
 * ---------
 * The library allocates for itself (the core's per-thread heaps, the
 * sampler's and publisher's state, stdio inside logging, pthread_atfork,
 * dlsym).  Every call into the library from here runs with the thread's
 * depth counter raised, and a call that finds it raised goes straight to
 * glibc, so that the library's own memory never comes from the slabs it
 * is in the middle of managing and no lock is ever taken twice.  The
 * inline fast path does not read the counter: raising it shuts the fast
 * path instead (depth_up()), and the core's next refill opens it again.
 * Its frees find their way by address like any other.
 *
 * Memory return
 * -------------
 * A malloc program never closes an epoch, so each thread gives back its
 * empty slabs itself (slab_addr_trim()): checked every TRIM_FREES frees,
 * done when TRIM_DECAY_NS passed since the thread's last trim.  Given-back
 * slabs go to the shared partial list (a few per class, resident) or to
 * the OS; a thread that exits gives back everything it held.
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
#include "dropin.h"

#include <dlfcn.h>
#include <gnu/lib-names.h>
#include <malloc.h>
#include <errno.h>
#include <pthread.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common.h"
#include "addr_fast.h"
#include "slab_addr.h"
#include "sampler.h"
#include "shm_writer.h"
#include "options.h"

#ifndef SLAB_DROPIN_TEST
/* glibc's allocator (see the file comment). */
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
#define sys_malloc malloc
#define sys_calloc calloc
#define sys_realloc realloc
#define sys_memalign memalign
#define sys_free free
#endif

#define START_GRACE_NS  (10u * 1000000u)        /* 10 ms */
#define GRACE_CALLS     32
#define TRIM_FREES      4096
#define TRIM_DECAY_NS   (20u * 1000000u)        /* 20 ms */
#define MAX_SLAB_ALIGN  512u

#define EPOCH 0u

/* ------------------------------------------------------------ state */

/* The allocator, in static storage: nothing of it comes from malloc. */
static alignas(CACHE_LINE) unsigned char alloc_storage[sizeof(SlabAllocator)];
#define ALLOC ((SlabAllocator *)(void *)alloc_storage)

enum { INIT_NONE, INIT_RUNNING, INIT_DONE, INIT_FAILED };
static atomic_int init_state;

/* Start of the arena once the allocator exists.  Until then it is the
 * value that puts the arena at the top 16 GiB of the address space, where
 * no user pointer lies, so that owns() needs no separate test. */
static _Atomic uintptr_t arena_lo = (uintptr_t)0 - ARENA_BYTES;

/* Publishing: started once the grace time is over (again in a child). */
static _Atomic uint64_t start_after_ns;
static atomic_bool sampling_live;
static atomic_bool publish_started;

static __thread unsigned tls_depth __attribute__((tls_model("initial-exec")));
/* Frees until the next trim check: counts down, so that the check is one
 * decrement and one branch on free()'s fast path. */
static __thread int32_t tls_trim_countdown __attribute__((tls_model("initial-exec"))) = TRIM_FREES;
static __thread uint64_t tls_trim_ns __attribute__((tls_model("initial-exec")));

#ifndef SLAB_DROPIN_TEST
static size_t (*libc_usable_size)(void *);
#endif

static inline bool owns(const void *p)
{
    return (uintptr_t)p - atomic_load_explicit(&arena_lo, memory_order_relaxed) <
           ARENA_BYTES;
}

/* Raise the thread's recursion depth: the library's own code runs.  The
 * inline allocation fast path is shut too (it does not read the depth: that
 * would cost it a load and a branch), so that the library's allocations
 * reach malloc_slow(), which sends them to glibc; the next slow_alloc()
 * after the depth is back to 0 opens it again. */
static inline void depth_up(void)
{
    tls_depth++;
    slab_addr_fast_off();
}

static inline void depth_down(void)
{
    tls_depth--;
}

static uint64_t coarse_ns(void)
{
    struct timespec ts;
#ifdef CLOCK_MONOTONIC_COARSE
    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
#else
    clock_gettime(CLOCK_MONOTONIC, &ts);
#endif
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ------------------------------------------------------------ set-up */

static void fork_child(void)
{
    /* The child is a new process: it waits its own grace time, then
     * publishes under its own name (the writer forgot the parent's). */
    atomic_store_explicit(&publish_started, false, memory_order_relaxed);
    atomic_store_explicit(&start_after_ns, coarse_ns() + START_GRACE_NS,
                          memory_order_relaxed);
    tls_trim_countdown = TRIM_FREES;
}

/* Create the allocator if nobody has.  False while another thread is at
 * it (the caller uses glibc meanwhile) or when it failed. */
static COLD bool init_slow(void)
{
    int s = INIT_NONE;
    if (!atomic_compare_exchange_strong_explicit(&init_state, &s, INIT_RUNNING,
                                                 memory_order_acquire,
                                                 memory_order_acquire))
        return s == INIT_DONE;
    depth_up();
    slab_shm_writer_defer();
    atomic_store_explicit(&start_after_ns, coarse_ns() + START_GRACE_NS,
                          memory_order_relaxed);
    /* The process slabrun (or a user) named with SLAB_SHM_NAME_PID asked
     * to be watched: no grace for it. */
    if (slab_option_uint(SLAB_OPT_SHM_NAME_PID) == (uint64_t)getpid())
        atomic_store_explicit(&start_after_ns, 0, memory_order_relaxed);
    SlabAllocator *a = slab_allocator_init(alloc_storage, sizeof(alloc_storage));
    if (a != NULL) {
        (void)pthread_atfork(NULL, NULL, fork_child);
        atomic_store_explicit(&arena_lo, (uintptr_t)a->arena, memory_order_relaxed);
    }
    depth_down();
    /* Release pairs with the acquire loads of init_state: a thread that
     * sees INIT_DONE sees the allocator and the arena. */
    atomic_store_explicit(&init_state, a ? INIT_DONE : INIT_FAILED, memory_order_release);
    return a != NULL;
}

static inline bool ready(void)
{
    return LIKELY(atomic_load_explicit(&init_state, memory_order_acquire) == INIT_DONE) ||
           init_slow();
}

/* Run before other constructors of this library (the publisher's among
 * them), so that the allocator, and the deferral of publishing, exist
 * before anything else: calls made even earlier initialise on demand. */
__attribute__((constructor(101))) static void dropin_constructor(void)
{
    (void)ready();
}

/* ------------------------------------------------------------ slab path */

/* One slab allocation: the inline fast path, else the core's slow path
 * with the library's depth raised (the core may allocate its thread's heap)
 * and the fast path shut (see depth_up()) until the slow path's refill
 * opens it again.  NULL when the size is not the slabs' or the allocator
 * cannot serve it now. */
static ALWAYS_INLINE void *slab_alloc(size_t size)
{
    void *p = slab_addr_alloc_fast(ALLOC, size);
    if (LIKELY(p != NULL))
        return p;
    if (UNLIKELY(size - 1 >= SLAB_MAX_SIZE || tls_depth != 0 || !ready()))
        return NULL;
    tls_depth = 1;
    slab_addr_fast_off();
    p = slab_addr_alloc(ALLOC, (uint32_t)size, EPOCH);
    tls_depth = 0;
    return p;
}

/* ------------------------------------------------------------ sampling */

#ifdef ENABLE_SLOWPATH_SAMPLING

static COLD void start_publishing(void)
{
    atomic_store_explicit(&publish_started, true, memory_order_relaxed);
    depth_up();
    slab_shm_writer_autostart();
    depth_down();
}

/* The countdown ran out.  Returns whether this call is to be timed (then
 * *t0 holds its start).  Until the grace time is over nothing but the
 * coarse clock is read, every GRACE_CALLS calls; in a forked child, where
 * sampling already runs, only publishing waits. */
static NOINLINE bool sample_begin(slab_sample_clock *t0)
{
    if (UNLIKELY(!atomic_load_explicit(&publish_started, memory_order_relaxed))) {
        bool due = atomic_load_explicit(&init_state, memory_order_acquire) == INIT_DONE &&
                   coarse_ns() >= atomic_load_explicit(&start_after_ns,
                                                       memory_order_relaxed);
        if (due) {
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

static NOINLINE void sample_end(const slab_sample_clock *t0)
{
    depth_up();
    slab_sampler_end(t0);
    depth_down();
}

/* Every allocating entry point is `SAMPLED(expression)`: the expression
 * runs once, timed when a sample is due.  errno is the call's own.
 * TICKED(expression) is the same for a caller that has counted the call
 * already and found the countdown out (malloc() and calloc() do that
 * first, then try their inline fast path). */
#define TICKED(expr)                                                        \
    do {                                                                    \
        if (tls_depth == 0) {                                               \
            slab_sample_clock t0_;                                          \
            if (sample_begin(&t0_)) {                                       \
                void *r_ = (expr);                                          \
                int e_ = errno;                                             \
                sample_end(&t0_);                                           \
                errno = e_;                                                 \
                return r_;                                                  \
            }                                                               \
        }                                                                   \
        return (expr);                                                      \
    } while (0)

#define SAMPLED(expr)                                                       \
    do {                                                                    \
        if (UNLIKELY(slab_sampler_tick()) && tls_depth == 0) {              \
            slab_sample_clock t0_;                                          \
            if (sample_begin(&t0_)) {                                       \
                void *r_ = (expr);                                          \
                int e_ = errno;                                             \
                sample_end(&t0_);                                           \
                errno = e_;                                                 \
                return r_;                                                  \
            }                                                               \
        }                                                                   \
        return (expr);                                                      \
    } while (0)

#else

#define SAMPLED(expr) return (expr)
#define TICKED(expr) return (expr)

#endif /* ENABLE_SLOWPATH_SAMPLING */

/* ------------------------------------------------------------ paths */

static NOINLINE void *large_malloc(size_t size)
{
    if (size == 0) {
        void *p = slab_alloc(1);
        if (p != NULL)
            return p;
    }
    slab_sampler_note_path(SLAB_PATH_LARGE);
    return sys_malloc(size);
}

static ALWAYS_INLINE void *do_malloc(size_t size)
{
    void *p = slab_alloc(size);
    if (LIKELY(p != NULL))
        return p;
    return large_malloc(size);
}

static void *do_calloc(size_t n, size_t size)
{
    size_t total;
    if (UNLIKELY(__builtin_mul_overflow(n, size, &total))) {
        errno = ENOMEM;
        return NULL;
    }
    void *p = slab_alloc(total);
    if (p != NULL)
        return memset(p, 0, total);
    if (total == 0 && (p = slab_alloc(1)) != NULL)
        return memset(p, 0, 1);
    /* glibc knows which of its blocks are fresh from the kernel. */
    slab_sampler_note_path(SLAB_PATH_LARGE);
    return sys_calloc(n, size);
}

/* The smallest class that holds size bytes with every slot aligned to
 * alignment (a power of two, 32..MAX_SLAB_ALIGN), or 0. */
static uint32_t aligned_class_size(size_t alignment, size_t size)
{
    for (unsigned c = 0; c < SLAB_NUM_CLASSES; c++) {
        uint32_t cs = slab_class_size(c);
        if (cs >= size && cs % alignment == 0)
            return cs;
    }
    return 0;
}

/* alignment: a power of two. */
static void *do_memalign(size_t alignment, size_t size)
{
    if (alignment <= SLAB_ALIGNMENT)
        return do_malloc(size);
    if (alignment <= MAX_SLAB_ALIGN && size <= SLAB_MAX_SIZE) {
        uint32_t cs = aligned_class_size(alignment, size ? size : 1);
        void *p = cs ? slab_alloc(cs) : NULL;
        if (p != NULL)
            return p;
    }
    slab_sampler_note_path(SLAB_PATH_LARGE);
    return sys_memalign(alignment, size);
}

static bool power_of_two(size_t x)
{
    return x != 0 && (x & (x - 1)) == 0;
}

/* A pointer in the arena that is not the start of a live object: a double
 * or invalid free.  glibc would abort; the slabs refuse it and change
 * nothing. */
static COLD void bad_free(int saved_errno)
{
    errno = saved_errno;
}

static COLD void trim_check(void)
{
    uint64_t now = coarse_ns();
    if (now - tls_trim_ns < TRIM_DECAY_NS)
        return;
    tls_trim_ns = now;
    depth_up();
    slab_addr_trim(ALLOC, EPOCH);
    depth_down();
}

/* What the inline free leaves: another thread's slab (the remote free),
 * a slot that retires, a racing double free, an invalid pointer.  The
 * depth is raised (a first remote free may create the thread's heap),
 * but the allocation fast path stays open: what the core does here never
 * allocates while this thread's cached heap is the drop-in's (heap_get()
 * runs only when it is not, and then the fast path is shut anyway), and
 * shutting it would send the next malloc() of every thread that frees
 * across threads to the slow path. */
static NOINLINE void free_slow(void *p)
{
    int saved = errno;
    tls_depth++;
    bool ok = slab_addr_free(ALLOC, p);
    tls_depth--;
    if (UNLIKELY(!ok))
        bad_free(saved);
}

/* Every TRIM_FREES frees: give back the thread's empty slabs if it has
 * not done so for TRIM_DECAY_NS. */
static COLD void trim_tick(void)
{
    tls_trim_countdown = TRIM_FREES;
    if (tls_depth == 0)
        trim_check();
}

/* Free p, at offset off of the arena.  The owner's free is inline
 * (slab_addr_free_fast()): no call, no errno save, no depth change; the
 * trim check is one decrement.  Against the previous free(), which called
 * slab_addr_free() inside errno and depth guards and counted frees up,
 * this saves about 60 instructions per free (callgrind, pair 128 B). */
static NOINLINE void release_rest(void *p, uintptr_t off, enum slab_addr_free_result r)
{
    if (r == FREE_REFILLED)
        slab_addr_refilled(ALLOC, off);
    else
        free_slow(p);
    if (--tls_trim_countdown < 0)
        trim_tick();
}

/* Every call on this path is a tail call, so that it needs no stack frame
 * (2 instructions). */
static ALWAYS_INLINE void release_at(void *p, uintptr_t off)
{
    enum slab_addr_free_result r = slab_addr_free_fast(ALLOC, off);
    if (UNLIKELY(r != FREE_DONE)) {
        release_rest(p, off, r);
        return;
    }
    if (UNLIKELY(--tls_trim_countdown < 0))
        trim_tick();
}

static ALWAYS_INLINE uintptr_t arena_offset(const void *p)
{
    return (uintptr_t)p - atomic_load_explicit(&arena_lo, memory_order_relaxed);
}

/* The usable size of a block we did not hand out: glibc's answer, looked up
 * once (dlsym may allocate: the depth sends that to glibc).  It is looked up
 * in libc itself, not with RTLD_NEXT: a program linked with another
 * allocator (redis-server with libjemalloc) would otherwise get that
 * allocator's function, which crashes on glibc's blocks. */
static COLD size_t foreign_usable_size(void *p)
{
#ifdef SLAB_DROPIN_TEST
    return malloc_usable_size(p);
#else
    size_t (*fn)(void *) = __atomic_load_n(&libc_usable_size, __ATOMIC_ACQUIRE);
    if (fn == NULL) {
        depth_up();
        void *libc = dlopen(LIBC_SO, RTLD_LAZY | RTLD_NOLOAD);
        if (libc) {
            fn = (size_t (*)(void *))dlsym(libc, "malloc_usable_size");
            dlclose(libc);
        }
        depth_down();
        if (fn == NULL)
            return 0;
        __atomic_store_n(&libc_usable_size, fn, __ATOMIC_RELEASE);
    }
    return fn(p);
#endif
}

static void *do_realloc(void *p, size_t size)
{
    if (p == NULL)
        return do_malloc(size);
    if (size == 0) {
        /* As glibc: free and return NULL. */
        DROPIN_ENTRY(free)(p);
        return NULL;
    }
    if (!owns(p))
        return sys_realloc(p, size);
    size_t old = slab_addr_size(ALLOC, p);
    if (UNLIKELY(old == 0)) {
        errno = EINVAL;             /* not a live block of ours */
        return NULL;
    }
    /* Stay in place while the size still belongs to the block's class
     * (or, from an aligned class, fits and is at least half of it). */
    if (size <= old && size > old / 2)
        return p;
    void *q = do_malloc(size);
    if (q == NULL)
        return NULL;                /* p is untouched, errno ENOMEM */
    memcpy(q, p, size < old ? size : old);
    release_at(p, arena_offset(p));
    return q;
}

/* ------------------------------------------------------------ the API */

#ifdef ENABLE_SLOWPATH_SAMPLING
static NOINLINE void *malloc_ticked(size_t size)
{
    TICKED(do_malloc(size));
}

static NOINLINE void *calloc_ticked(size_t n, size_t size)
{
    TICKED(do_calloc(n, size));
}
#endif

static NOINLINE void *malloc_slow(size_t size)
{
    return do_malloc(size);
}

static NOINLINE void *calloc_slow(size_t n, size_t size)
{
    return do_calloc(n, size);
}

/* malloc() and calloc(): the sampler's countdown, then the inline pop from
 * the thread's current slab; everything else out of line. */
SLAB_API void *DROPIN_ENTRY(malloc)(size_t size)
{
#ifdef ENABLE_SLOWPATH_SAMPLING
    if (UNLIKELY(slab_sampler_tick()))
        return malloc_ticked(size);
#endif
    void *p = slab_addr_alloc_fast(ALLOC, size);
    if (LIKELY(p != NULL))
        return p;
    return malloc_slow(size);
}

SLAB_API void DROPIN_ENTRY(free)(void *p)
{
    uintptr_t off = arena_offset(p);
    if (LIKELY(off < ARENA_BYTES)) {
        release_at(p, off);
        return;
    }
    sys_free(p);
}

SLAB_API void *DROPIN_ENTRY(calloc)(size_t n, size_t size)
{
#ifdef ENABLE_SLOWPATH_SAMPLING
    if (UNLIKELY(slab_sampler_tick()))
        return calloc_ticked(n, size);
#endif
    size_t total;
    void *p;
    if (LIKELY(!__builtin_mul_overflow(n, size, &total)) &&
        (p = slab_addr_alloc_fast(ALLOC, total)) != NULL)
        return memset(p, 0, total);
    return calloc_slow(n, size);
}

SLAB_API void *DROPIN_ENTRY(realloc)(void *p, size_t size)
{
    SAMPLED(do_realloc(p, size));
}

SLAB_API void *DROPIN_ENTRY(reallocarray)(void *p, size_t n, size_t size)
{
    size_t total;
    if (__builtin_mul_overflow(n, size, &total)) {
        errno = ENOMEM;
        return NULL;
    }
    SAMPLED(do_realloc(p, total));
}

SLAB_API int DROPIN_ENTRY(posix_memalign)(void **out, size_t alignment, size_t size)
{
    if (!power_of_two(alignment) || alignment % sizeof(void *) != 0)
        return EINVAL;
    int saved = errno;
    void *p = DROPIN_ENTRY(memalign)(alignment, size);
    int err = errno;
    errno = saved;                  /* posix_memalign() returns its error */
    if (p == NULL)
        return err ? err : ENOMEM;
    *out = p;
    return 0;
}

SLAB_API void *DROPIN_ENTRY(aligned_alloc)(size_t alignment, size_t size)
{
    if (!power_of_two(alignment)) {
        errno = EINVAL;
        return NULL;
    }
    SAMPLED(do_memalign(alignment, size));
}

SLAB_API void *DROPIN_ENTRY(memalign)(size_t alignment, size_t size)
{
    /* glibc rounds an alignment that is not a power of two up to one. */
    if (!power_of_two(alignment)) {
        if (alignment > SIZE_MAX / 2 + 1) {
            errno = EINVAL;
            return NULL;
        }
        size_t a = 1;
        while (a < alignment)
            a <<= 1;
        alignment = a;
    }
    SAMPLED(do_memalign(alignment, size));
}

static size_t page_size(void)
{
    static _Atomic size_t cached;
    size_t p = atomic_load_explicit(&cached, memory_order_relaxed);
    if (p == 0) {
        long v = sysconf(_SC_PAGESIZE);
        p = v > 0 ? (size_t)v : 4096;
        atomic_store_explicit(&cached, p, memory_order_relaxed);
    }
    return p;
}

SLAB_API void *DROPIN_ENTRY(valloc)(size_t size)
{
    SAMPLED(do_memalign(page_size(), size));
}

SLAB_API void *DROPIN_ENTRY(pvalloc)(size_t size)
{
    size_t ps = page_size();
    size_t rounded;
    if (__builtin_add_overflow(size, ps - 1, &rounded)) {
        errno = ENOMEM;
        return NULL;
    }
    rounded &= ~(ps - 1);
    SAMPLED(do_memalign(ps, rounded ? rounded : ps));
}

SLAB_API size_t DROPIN_ENTRY(malloc_usable_size)(void *p)
{
    if (p == NULL)
        return 0;
    if (owns(p))
        return slab_addr_size(ALLOC, p);
    return foreign_usable_size(p);
}

/* ------------------------------------------------------------ for tests */

bool slab_dropin_owns(const void *p)
{
    return owns(p) && slab_addr_size(ALLOC, p) != 0;
}

void slab_dropin_trim(void)
{
    if (atomic_load_explicit(&init_state, memory_order_acquire) != INIT_DONE)
        return;
    depth_up();
    slab_addr_trim(ALLOC, EPOCH);
    depth_down();
}

struct SlabAllocator *slab_dropin_allocator(void)
{
    return atomic_load_explicit(&init_state, memory_order_acquire) == INIT_DONE ? ALLOC : NULL;
}
