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
 * The aligned calls (aligned.c) serve alignments up to 512 from the slab
 * classes whose slots have it, the rest from __libc_memalign().
 *
 * Sampling
 * --------
 * Every allocating call (malloc, calloc, realloc, the aligned calls) counts
 * once toward the sampler's 1-in-N draw, whichever path serves it, and a
 * sample times the whole call: the slab path is called through
 * slab_addr_alloc(), which does not sample by itself.  free() is not
 * sampled, as in the rest of libslab.
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
 * the OS.  A thread that exits gives back its empty slabs; its heap, with
 * the slabs that still hold objects, waits for the next new thread to take
 * it over (thread churn then maps and faults in nothing), and is given
 * back by the first trim of any thread once TRIM_DECAY_NS passed.
 *
 * Set-up, the start-up grace and fork are in startup.c; the state the
 * files share is in dropin_internal.h.
 */
#include "config.h"
#include "dropin.h"
#include "dropin_internal.h"

#include <dlfcn.h>
#include <gnu/lib-names.h>
#include <malloc.h>
#include <stdalign.h>
#include <string.h>

#define TRIM_DECAY_NS   (20u * 1000000u)        /* 20 ms */

/* ------------------------------------------------------------ state */

/* The allocator, in static storage: nothing of it comes from malloc. */
alignas(CACHE_LINE) unsigned char dropin_alloc_storage[sizeof(SlabAllocator)];

atomic_int dropin_init_state;

/* Start of the arena once the allocator exists.  Until then it is the
 * value that puts the arena at the top 16 GiB of the address space, where
 * no user pointer lies, so that dropin_owns() needs no separate test. */
_Atomic uintptr_t dropin_arena_lo = (uintptr_t)0 - ARENA_BYTES;

__thread unsigned dropin_depth __attribute__((tls_model("initial-exec")));
static __thread uint64_t tls_trim_ns __attribute__((tls_model("initial-exec")));

#ifndef SLAB_DROPIN_TEST
static size_t (*libc_usable_size)(void *);
#endif

/* ------------------------------------------------------------ paths */

NOINLINE void *dropin_large_malloc(size_t size)
{
    if (size == 0) {
        void *p = dropin_slab_alloc(1);
        if (p != NULL)
            return p;
    }
    slab_sampler_note_path(SLAB_PATH_LARGE);
    slab_sampler_count_large_alloc();
    return sys_malloc(size);
}

static void *do_calloc(size_t n, size_t size)
{
    size_t total;
    if (UNLIKELY(__builtin_mul_overflow(n, size, &total))) {
        errno = ENOMEM;
        return NULL;
    }
    void *p;
    if (total - 1 < SLAB_MAX_SIZE && (p = dropin_slab_alloc(total)) != NULL)
        return memset(p, 0, total);
    if (total == 0 && (p = dropin_slab_alloc(1)) != NULL)
        return memset(p, 0, 1);
    /* glibc knows which of its blocks are fresh from the kernel. */
    slab_sampler_note_path(SLAB_PATH_LARGE);
    slab_sampler_count_large_alloc();
    return sys_calloc(n, size);
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
    uint64_t now = slab_coarse_ns();
    if (now - tls_trim_ns < TRIM_DECAY_NS)
        return;
    tls_trim_ns = now;
    depth_up();
    slab_addr_trim(ALLOC, EPOCH);
    slab_addr_trim_dead(ALLOC, now, TRIM_DECAY_NS);
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
    dropin_depth++;
    bool ok = slab_addr_free(ALLOC, p);
    dropin_depth--;
    if (UNLIKELY(!ok))
        bad_free(saved);
}

/* Every TRIM_FREES frees: give back the thread's empty slabs if it has
 * not done so for TRIM_DECAY_NS. */
static COLD void trim_tick(void)
{
    slab_hot.trim_countdown = TRIM_FREES;
    if (dropin_depth == 0)
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
    if (--slab_hot.trim_countdown < 0)
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
    if (UNLIKELY(--slab_hot.trim_countdown < 0))
        trim_tick();
}

static ALWAYS_INLINE uintptr_t arena_offset(const void *p)
{
    return (uintptr_t)p - atomic_load_explicit(&dropin_arena_lo, memory_order_relaxed);
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
        return dropin_do_malloc(size);
    if (size == 0) {
        /* As glibc: free and return NULL. */
        DROPIN_ENTRY(free)(p);
        return NULL;
    }
    uintptr_t off = arena_offset(p);
    if (off >= ARENA_BYTES) {
        slab_sampler_count_large_alloc();
        return sys_realloc(p, size);
    }
    size_t old = slab_addr_size_fast(ALLOC, off);
    if (UNLIKELY(old == 0)) {
        errno = EINVAL;             /* not a live block of ours */
        return NULL;
    }
    /* Stay in place while the size still belongs to the block's class
     * (or, from an aligned class, fits and is at least half of it). */
    if (size <= old && size > old / 2)
        return p;
    void *q = dropin_do_malloc(size);
    if (q == NULL)
        return NULL;                /* p is untouched, errno ENOMEM */
    memcpy(q, p, size < old ? size : old);
    release_at(p, off);
    return q;
}

/* A pointer the slabs did not hand out (the large path's, or from before
 * the preload took over): the system allocator's. */
static NOINLINE void free_foreign(void *p)
{
    if (p != NULL)
        slab_sampler_count_large_free();
    sys_free(p);
}

/* ------------------------------------------------------------ the API */

#ifdef ENABLE_SLOWPATH_SAMPLING
static NOINLINE void *malloc_ticked(size_t size)
{
    TICKED(dropin_do_malloc(size));
}

static NOINLINE void *calloc_ticked(size_t n, size_t size)
{
    TICKED(do_calloc(n, size));
}
#endif

/* A size the slabs do not serve goes straight to the large path, without
 * trying the inline pop a second time. */
static NOINLINE void *malloc_slow(size_t size)
{
#ifndef ENABLE_SLOWPATH_SAMPLING
    startup_publish_check();
#endif
    if (size - 1 >= SLAB_MAX_SIZE)
        return dropin_large_malloc(size);
    return dropin_do_malloc(size);
}

static NOINLINE void *calloc_slow(size_t n, size_t size)
{
#ifndef ENABLE_SLOWPATH_SAMPLING
    startup_publish_check();
#endif
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
    free_foreign(p);
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

/* A slab block's usable size is its slab's slot size, one load
 * (slab_addr_slot_size()): like glibc's, the answer for a pointer that is
 * not a live block's is undefined.  Programs that count their memory call
 * this on every malloc and free (redis-server: 476,000 calls in bench/'s
 * redis run).  The checked lookup it replaces (a call to slab_addr_size(),
 * a division by multiplication, the generation's cache line) cost 34
 * instructions a call, glibc's 13, this 11 (callgrind).  NULL is one of
 * the foreign pointers, so it costs the common case nothing. */
SLAB_API size_t DROPIN_ENTRY(malloc_usable_size)(void *p)
{
    uintptr_t off = arena_offset(p);
    if (LIKELY(off < ARENA_BYTES))
        return slab_addr_slot_size(ALLOC, off);
    if (p == NULL)
        return 0;
    return foreign_usable_size(p);
}

/* ------------------------------------------------------------ for tests */

bool slab_dropin_owns(const void *p)
{
    return dropin_owns(p) && slab_addr_size(ALLOC, p) != 0;
}

void slab_dropin_trim(void)
{
    if (atomic_load_explicit(&dropin_init_state, memory_order_acquire) != INIT_DONE)
        return;
    depth_up();
    slab_addr_trim(ALLOC, EPOCH);
    slab_addr_trim_dead(ALLOC, UINT64_MAX, 0);     /* every dead heap */
    depth_down();
}

struct SlabAllocator *slab_dropin_allocator(void)
{
    return atomic_load_explicit(&dropin_init_state, memory_order_acquire) == INIT_DONE ? ALLOC : NULL;
}
