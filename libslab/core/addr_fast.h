/*
 * addr_fast.h - the by-address fast paths (slab_addr.h), inline, for a
 * malloc replacement that wants them without a call.
 *
 * Both do only what needs no lock, no system call and no memory of the
 * library's own, and leave everything else to the out-of-line entry
 * points of slab_addr.h, which the caller wraps in whatever guards it
 * needs (the drop-in's recursion depth):
 *
 *     p = slab_addr_alloc_fast(a, n);   // NULL: call slab_addr_alloc()
 *     r = slab_addr_free_fast(a, off);  // FREE_SLOW: call slab_addr_free()
 *
 * slab_addr_fast_off() shuts the allocation fast path for the calling
 * thread until its next slow_alloc(), so that a caller can make sure that
 * the allocations its own code makes (inside a guard) do not reach the
 * slabs.
 */
#ifndef SLAB_ADDR_FAST_H
#define SLAB_ADDR_FAST_H

#include "core.h"
#include "slab_addr.h"

/* Pop an object of 1..SLAB_MAX_SIZE bytes from the calling thread's
 * current slab of epoch 0's class, or NULL (size out of range, no heap,
 * an epoch change to look at, or an empty slab).  Not sampled. */
static ALWAYS_INLINE void *slab_addr_alloc_fast(SlabAllocator *a, size_t size)
{
    heap *h = heap_fast(a);
    if (UNLIKELY(h == NULL || size - 1 >= SLAB_MAX_SIZE))
        return NULL;
    slab *s = h->cur[slab_class_of[size - 1]][0];
    uint32_t head = s->local_head;
    if (UNLIKELY(head == 0))
        return NULL;
    return slot_pop(s, head, NULL);
}

enum slab_addr_free_result {
    FREE_DONE = 1,              /* freed */
    FREE_REFILLED = 2,          /* freed into a full slab: call slab_addr_refilled() */
    FREE_SLOW = 0,              /* another thread's slab, or a race: slab_addr_free() */
    FREE_BAD = -1               /* not the start of a live object: nothing changed */
};

/* Free the object at offset off (< ARENA_BYTES) of a's arena when the
 * calling thread owns its slab.  The checks are addr_check()'s (fast.c);
 * errno is never touched.  A racing double free that loses the CAS is
 * FREE_SLOW too: slab_addr_free() then refuses it. */
static ALWAYS_INLINE enum slab_addr_free_result slab_addr_free_fast(SlabAllocator *a,
                                                                    uintptr_t off)
{
    slab *s = &a->slabs[off >> SLAB_SHIFT];
    uint32_t in = (uint32_t)off & (SLAB_BYTES - 1);
    /* Acquire pairs with the release store of nslots in carve(), as in
     * addr_check(); an uncarved slab reads 0 and fails the first test. */
    uint32_t n = atomic_load_explicit(&s->nslots, memory_order_acquire);
    uint32_t recip = s->slot_recip;
    uint64_t x = (uint64_t)in * recip;
    uint32_t slot = (uint32_t)(x >> 32);
    /* in is a multiple of objsize exactly when the fraction x leaves is
     * below recip: with recip = (2^32 + e) / objsize (0 <= e < objsize), a
     * multiple k * objsize leaves k * e < (2^16 / objsize) * objsize =
     * 2^16, any other offset at least recip >= 2^32 / 768 (and less than
     * 2^32: no wrap).  One compare instead of a multiply and a compare
     * (slot * objsize != in); tests/test_classes checks it for every class
     * and offset. */
    if (UNLIKELY(slot >= n || (uint32_t)x >= recip))
        return FREE_BAD;
    _Atomic uint32_t *g = &s->gen[slot];
    uint32_t gen = atomic_load_explicit(g, memory_order_relaxed);
    if (UNLIKELY(!(gen & 1)))
        return FREE_BAD;
    if (UNLIKELY(atomic_load_explicit(&s->owner, memory_order_relaxed) != slab_hot.cache.heap_id ||
                 gen == UINT32_MAX))
        return FREE_SLOW;           /* another thread's slab, or the slot retires */
    /* The same CAS as slot_free()'s (fast.c): of two racing frees of one
     * object exactly one wins. */
    if (UNLIKELY(!atomic_compare_exchange_strong_explicit(g, &gen, gen + 1, memory_order_relaxed,
                                                          memory_order_relaxed)))
        return FREE_SLOW;
    char *p = s->base + in;
    uint32_t head = s->local_head;
    *(uint32_t *)p = head;
    slot_poison(p, s->objsize);
    s->local_head = slot + 1;
    s->used--;
    /* The caller finishes this case, so that the fast path itself makes no
     * call and needs no stack frame. */
    if (UNLIKELY(head == 0))
        return FREE_REFILLED;
    return FREE_DONE;
}

/* The slot size of the live object at offset off (< ARENA_BYTES) of a's
 * arena, or 0: slab_addr_size() without the call, for any thread, by
 * slab_addr_free_fast()'s checks (the acquire of nslots, the one-compare
 * exact division, an odd generation). */
static ALWAYS_INLINE size_t slab_addr_size_fast(SlabAllocator *a, uintptr_t off)
{
    slab *s = &a->slabs[off >> SLAB_SHIFT];
    uint32_t in = (uint32_t)off & (SLAB_BYTES - 1);
    uint32_t n = atomic_load_explicit(&s->nslots, memory_order_acquire);
    uint64_t x = (uint64_t)in * s->slot_recip;
    uint32_t slot = (uint32_t)(x >> 32);
    if (UNLIKELY(slot >= n || (uint32_t)x >= s->slot_recip))
        return 0;
    if (UNLIKELY(!(atomic_load_explicit(&s->gen[slot], memory_order_relaxed) & 1)))
        return 0;
    return s->objsize;
}

/* The slot size of the slab that holds offset off (< ARENA_BYTES), with
 * no check that a live object starts there: for a caller that is given
 * only pointers to live objects (malloc_usable_size(), whose answer for
 * anything else is undefined, as glibc's is), one load.  A slab keeps its
 * class for life (slab_get() recycles a slab only within its class's
 * pool), and the allocation that handed the object out came after the
 * carve that set objsize, so any thread holding the pointer reads the
 * right size.  An uncarved slab reads 0. */
static ALWAYS_INLINE size_t slab_addr_slot_size(SlabAllocator *a, uintptr_t off)
{
    return a->slabs[off >> SLAB_SHIFT].objsize;
}

/* After FREE_REFILLED for the object at offset off: the slab had no free
 * slot, and leaves the heap's list of full slabs. */
static inline void slab_addr_refilled(SlabAllocator *a, uintptr_t off)
{
    heap_owned_refilled(&a->slabs[off >> SLAB_SHIFT]);
}

/* Send the calling thread's next allocation to slow_alloc(). */
static inline void slab_addr_fast_off(void)
{
    slab_hot.cache.key = 0;
}

#endif /* SLAB_ADDR_FAST_H */
