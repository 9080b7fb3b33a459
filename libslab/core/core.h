/*
 * core.h - what the files of the allocator core share.
 *
 * The core is split along its seams, one file each:
 *
 *   fast.c          the fast path: handle and malloc-style alloc and free,
 *                   and the by-address entry points (slab_addr.h)
 *   slow.c          what the fast path falls back to: refill, zombie
 *                   repair, frees from other threads
 *   slab.c          slabs: carving, formatting, class pools, partial
 *                   lists, settling a detached slab
 *   heap.c          heaps: a thread's slabs per class and epoch, and its exit
 *   epoch.c         closing and advancing epochs
 *   allocator.c     creating and destroying allocators
 *   registry.c      the process's allocators, fork(), counters
 *   debug.c         the debug and test hooks
 *   epoch_domain.c  epoch domains
 *
 * slab_internal.h holds the data structures and says which thread may
 * touch which field; this header the functions and helpers the files call
 * across.  Everything here is hidden from the library's users.
 */
#ifndef SLAB_CORE_H
#define SLAB_CORE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "common.h"
#include "slab_internal.h"
#include "slab_test.h"
#include "thread_hot.h"

/* ------------------------------------------------------------------------
 * The thread's cache (heap.c)
 */

/* The allocator and heap a thread used last, slab_hot.cache
 * (thread_hot.h): the fast path's only lookup.  serial tells a live
 * allocator from a freed one at the same address.  key is the allocator's
 * epoch_changes when the heap last made all its bins agree with the epoch
 * ring (slow_alloc()), or 0: see heap_fast().  A thread with no heap yet
 * caches NO_ALLOCATOR. */
#define NO_ALLOCATOR ((SlabAllocator *)(uintptr_t)&slab_no_allocator)

/* The empty slab every unused heap bin points at: it has no free slot, so
 * the fast path falls through to the slow path without a NULL check. */
extern slab heap_empty_slab;

/* The calling thread's heap for a when it is the one cached, else NULL.
 * a may be NULL.  A cache entry always names a heap (see heap_get()). */
static ALWAYS_INLINE heap *heap_cached(SlabAllocator *a)
{
    thread_cache *tc = &slab_hot.cache;
    if (LIKELY(tc->alloc == a && tc->serial == a->serial)) {
        if (tc->heap == NULL)
            __builtin_unreachable();
        return tc->heap;
    }
    return NULL;
}

/* The fast path's lookup: the calling thread's heap for a when it is the
 * one cached and no epoch closed or moved on since the heap's bins were
 * last checked against the ring, else NULL.  epoch_changes starts at the
 * allocator's serial << 32 and moves on with every close and advance, so
 * one comparison tells both a freed allocator at the same address and an
 * epoch change, and the fast path needs no per-bin check of the epoch's
 * word (4 instructions per allocation fewer).  Relaxed: a close seen late
 * is seen at the latest at the next refill, whose acquire load gives the
 * slab back (slow_alloc()); until then the bins' slabs are this thread's,
 * so allocating from them is safe. */
static ALWAYS_INLINE heap *heap_fast(SlabAllocator *a)
{
    thread_cache *tc = &slab_hot.cache;
    if (LIKELY(tc->alloc == a &&
               tc->key == atomic_load_explicit(&a->epoch_changes, memory_order_relaxed))) {
        if (tc->heap == NULL)
            __builtin_unreachable();
        return tc->heap;
    }
    return NULL;
}

heap *heap_get(SlabAllocator *a);
void heap_release(heap *h);
void heap_dead_release(SlabAllocator *a, uint64_t before_ns);
void heap_sweep(SlabAllocator *a, heap *h);
void heap_bin_release_all(SlabAllocator *a, heap *h, unsigned epoch, unsigned cls);
void heap_bin_release_empty(SlabAllocator *a, heap *h, unsigned epoch, unsigned cls);
void heap_ring_push(slab **head, slab *s, uint8_t list);
bool heap_collect_remote(slab *s);
slab *heap_owned_take(heap_lists *l);
void heap_owned_refilled(slab *s);

static inline bool heap_bin_holds_slabs(const heap *h, unsigned epoch, unsigned cls)
{
    return h->cur[cls][epoch] != &heap_empty_slab || h->lists[epoch][cls].avail != NULL ||
           h->lists[epoch][cls].full != NULL;
}

/* ------------------------------------------------------------------------
 * Slabs (slab.c)
 */

/* Class of a size 1..768, indexed by size - 1 (a byte per size: no shift
 * on the fast path); each class's object size and reported row
 * (SLAB_CORE_CLASSES in slab_internal.h). */
extern const uint8_t slab_class_of[SLAB_MAX_SIZE];
extern const uint32_t slab_class_bytes[SLAB_CORE_CLASSES];
extern const uint8_t slab_class_row[SLAB_CORE_CLASSES];

slab *slab_get(SlabAllocator *a, unsigned cls, unsigned epoch, uint64_t era, uint64_t owner);
void slab_release(SlabAllocator *a, slab *s);
bool slab_claim(slab *s, uint64_t st);
void slab_reconcile(SlabAllocator *a, slab *s, uint32_t inc);
bin *slab_bin_lock(SlabAllocator *a, slab *s, unsigned *epoch);
void slab_list_push(bin *b, slab *s);
void slab_list_remove(bin *b, slab *s);
void slab_chain_splice(slab *s, uint32_t head, uint32_t count);

/* Whether a DETACHED slab's state word says that it holds no object. */
static inline bool slab_detached_empty(const slab *s, uint64_t st)
{
    return ST_COUNT(st) == ST_USED(st) && s->ballast == 0;
}

/* A free slot keeps its free-list link in its first 8 bytes; the rest is
 * poisoned under AddressSanitizer. */
#define LINK_BYTES 8u

static inline void slot_poison(char *p, uint32_t objsize)
{
    SLAB_POISON(p + LINK_BYTES, objsize - LINK_BYTES);
}

static inline char *slot_addr(const slab *s, uint32_t slot)
{
    return s->base + (size_t)slot * s->objsize;
}

static inline bool slot_retired(const slab *s, uint32_t slot)
{
    return atomic_load_explicit(&s->gen[slot], memory_order_relaxed) == GEN_RETIRED;
}

static inline SlabHandle make_handle(uint32_t gen, uint64_t handle_base, uint32_t slot)
{
    return (uint64_t)gen << 32 | handle_base | slot;
}

/* Pop the slot head - 1 (s->local_head, non-zero) from s, which the
 * calling thread owns.  The generation store is plain: no handle names a
 * free slot, so no other thread writes it. */
static ALWAYS_INLINE void *slot_pop(slab *s, uint32_t head, SlabHandle *out)
{
    uint32_t slot = head - 1;
    char *p = slot_addr(s, slot);
    s->local_head = *(uint32_t *)p;
    s->used++;
    SLAB_UNPOISON(p, s->objsize);
    _Atomic uint32_t *g = &s->gen[slot];
    uint32_t gen = atomic_load_explicit(g, memory_order_relaxed) + 1;
    atomic_store_explicit(g, gen, memory_order_relaxed);
    if (out)
        *out = make_handle(gen, s->handle_base, slot);
    return p;
}

/* ------------------------------------------------------------------------
 * Slow paths (slow.c), debug hooks (debug.c), allocators (allocator.c)
 */

void *slow_alloc(SlabAllocator *a, uint32_t size, EpochId epoch, SlabHandle *out);
bool slow_free_remote(SlabAllocator *a, slab *s, uint32_t slot, uint32_t gen);
bool slab_free_owned(SlabAllocator *a, slab *s, uint32_t slot, uint32_t gen);
bool slow_retire(slab *s, uint32_t slot);
bool slow_refuse(void);

void debug_ballast_free(SlabAllocator *a, slab *s);

void allocator_locks_init(SlabAllocator *a);
void allocator_lock_all(SlabAllocator *a);
void allocator_unlock_all(SlabAllocator *a);

/* ------------------------------------------------------------------------
 * The registry (registry.c): every live allocator, under registry_lock,
 * which is taken before any allocator's lock.
 */

extern pthread_mutex_t registry_lock;
extern SlabAllocator *registry_list;         /* newest first */

void registry_add(SlabAllocator *a);
void registry_remove(SlabAllocator *a);

/* Whether a is alive with serial; registry_lock held. */
static inline bool registry_holds(const SlabAllocator *a, uint64_t serial)
{
    for (SlabAllocator *r = registry_list; r; r = r->reg_next)
        if (r == a && r->serial == serial)
            return true;
    return false;
}

/* ------------------------------------------------------------------------
 * Counters and the tests' pause hook
 */

static inline uint64_t counter_get(_Atomic uint64_t *c)
{
    return atomic_load_explicit(c, memory_order_relaxed);
}

static inline void counter_add(_Atomic uint64_t *c, uint64_t n)
{
    atomic_fetch_add_explicit(c, n, memory_order_relaxed);
}

/* Single-writer increment: a load and a store, no locked instruction. */
static inline void counter_bump(_Atomic uint64_t *c)
{
    atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + 1,
                          memory_order_relaxed);
}

static inline void counter_sub(_Atomic uint64_t *c, uint64_t n)
{
    atomic_fetch_sub_explicit(c, n, memory_order_relaxed);
}

/* Tests' pause hook (slab_test.h), in debug.c.  Installed while no other
 * thread runs, so relaxed suffices: thread creation orders it before every
 * use. */
extern _Atomic(slab_test_pause_fn *) debug_pause;

static inline void test_point(enum slab_test_point point, SlabAllocator *a)
{
    slab_test_pause_fn *fn = atomic_load_explicit(&debug_pause, memory_order_relaxed);
    if (UNLIKELY(fn != NULL))
        fn(point, a);
}

#endif /* SLAB_CORE_H */
