/*
 * slab_addr.h - the allocator's objects named by their address alone.
 *
 * For a caller that keeps neither the handle nor a header (a malloc
 * replacement): the slabs of an allocator lie in one reserved, aligned
 * arena, so whether an address is the allocator's is one subtraction and
 * one comparison (slab_addr_owns()), and its slab is the next shift.
 *
 *     p = slab_addr_alloc(a, n, e);        // 1..SLAB_MAX_SIZE, not sampled
 *     if (slab_addr_owns(a, q))
 *         slab_addr_free(a, q);            // else q is someone else's
 *
 * Every function may be called from any thread, like the rest of the
 * allocator.  None of them samples: the caller times whatever it
 * considers one call.
 */
#ifndef SLAB_ADDR_H
#define SLAB_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "slab_internal.h"

/* Whether ptr lies in a's arena: true for every object a handed out, false
 * for every address a never reserved (NULL included). */
static inline bool slab_addr_owns(const SlabAllocator *a, const void *ptr)
{
    return (uintptr_t)ptr - (uintptr_t)a->arena < ARENA_BYTES;
}

/* alloc_obj_epoch() without a handle and without the sampler's tick. */
void *slab_addr_alloc(SlabAllocator *a, uint32_t size, EpochId epoch);

/* Free the live object that starts at ptr.  Returns false (errno EINVAL),
 * changing nothing, when ptr is not the start of a live object of a: an
 * address outside the arena, inside an object, or of a freed slot. */
bool slab_addr_free(SlabAllocator *a, void *ptr);

/* The size of the slot of the live object at ptr, or 0 (as for
 * slab_addr_free()'s refusals). */
size_t slab_addr_size(SlabAllocator *a, const void *ptr);

/* Give back the calling thread's slabs of epoch that hold no object: they
 * go to the shared partial list (a few, kept resident) or back to the
 * operating system, as when an epoch closes.  A program that never closes
 * an epoch calls this to let other threads reuse, and the OS reclaim, what
 * it freed. */
void slab_addr_trim(SlabAllocator *a, EpochId epoch);

/* Let new threads take over the heaps of exited threads whole, with the
 * slabs that still hold objects (heap.c, "Dead heaps").  Call once, right
 * after creating a, before any thread allocates from it.  The caller then
 * gives dead heaps back with slab_addr_trim_dead() (and any epoch close or
 * advance gives back all of them). */
void slab_addr_reuse_heaps(SlabAllocator *a);

/* Give back the dead heaps left at least age_ns before now_ns
 * (CLOCK_MONOTONIC_COARSE), with the slabs they still hold: empty ones go
 * to the bins and pools or to the OS, the others are detached. */
void slab_addr_trim_dead(SlabAllocator *a, uint64_t now_ns, uint64_t age_ns);

#endif /* SLAB_ADDR_H */
