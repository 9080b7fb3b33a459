/*
 * epoch.c - the epoch ring: closing an epoch and advancing to the next.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>

#include "core.h"

SLAB_API EpochId epoch_current(SlabAllocator *alloc)
{
    if (alloc == NULL)
        return 0;
    return atomic_load_explicit(&alloc->current, memory_order_acquire);
}

SLAB_API bool epoch_is_open(SlabAllocator *alloc, EpochId epoch)
{
    if (alloc == NULL || epoch >= SLAB_EPOCH_COUNT)
        return false;
    return EPOCH_OPEN(atomic_load_explicit(&alloc->epochs[epoch].word,
                                           memory_order_acquire));
}

/* Stop allocation in the epoch slot's current era and give back the memory
 * of its empty slabs.  Caller holds a->epoch_lock. */
static void epoch_shut(SlabAllocator *a, EpochId epoch)
{
    uint32_t w = atomic_load_explicit(&a->epochs[epoch].word, memory_order_relaxed);
    if (!EPOCH_OPEN(w))
        return;
    /* Release pairs with the acquire loads in slow_alloc() and era_live():
     * from here no slab of this era is listed or handed out again. */
    atomic_store_explicit(&a->epochs[epoch].word, w & ~1u, memory_order_release);
    counter_add(&a->epoch_closes, 1);

    /* Heaps give back their slabs of this epoch at their next slow path
     * (heap_sweep()).  The calling thread's empty ones go back at once; it
     * keeps the others until then, so that the frees that usually follow a
     * close stay on the owner's path. */
    atomic_fetch_add_explicit(&a->epoch_changes, 1, memory_order_release);
    heap *h = heap_cached(a);
    for (unsigned c = 0; c < SLAB_CORE_CLASSES; c++) {
        if (h)
            heap_bin_release_empty(a, h, epoch, c);
        bin *b = &a->bins[epoch][c];
        slab *empties = NULL;
        pthread_mutex_lock(&b->lock);
        for (slab *s = b->partial, *next; s; s = next) {
            next = s->next;
            slab_list_remove(b, s);
            /* Acquire pairs with the release CASes of the detach and of
             * the pushes, as in slab_reconcile(). */
            uint64_t st = atomic_load_explicit(&s->state, memory_order_acquire);
            if (ST_MODE(st) == MODE_DETACHED && slab_detached_empty(s, st) && slab_claim(s, st)) {
                s->next = empties;
                empties = s;
            }
        }
        pthread_mutex_unlock(&b->lock);
        for (slab *s = empties, *next; s; s = next) {
            next = s->next;
            slab_release(a, s);
        }
    }
    /* No slab of the epoch waits in a dead heap for a thread to come. */
    if (a->reuse_heaps)
        heap_dead_release(a, UINT64_MAX);
}

SLAB_API int epoch_close(SlabAllocator *alloc, EpochId epoch)
{
    if (alloc == NULL || epoch >= SLAB_EPOCH_COUNT) {
        errno = EINVAL;
        return -1;
    }
    pthread_mutex_lock(&alloc->epoch_lock);
    epoch_shut(alloc, epoch);
    pthread_mutex_unlock(&alloc->epoch_lock);
    return 0;
}

SLAB_API EpochId epoch_advance(SlabAllocator *alloc)
{
    if (alloc == NULL) {
        errno = EINVAL;
        return 0;
    }
    pthread_mutex_lock(&alloc->epoch_lock);
    EpochId next = (atomic_load_explicit(&alloc->current, memory_order_relaxed) + 1)
                   % SLAB_EPOCH_COUNT;
    epoch_shut(alloc, next);
    uint32_t w = atomic_load_explicit(&alloc->epochs[next].word, memory_order_relaxed);
    /* A new era: bins that cached the old word go to the slow path, and
     * slabs of the old era are never listed for it.  Release pairs with
     * the acquire loads of the word. */
    atomic_store_explicit(&alloc->epochs[next].word, ((EPOCH_ERA(w) + 1) << 1) | 1u,
                          memory_order_release);
    atomic_store_explicit(&alloc->current, next, memory_order_release);
    atomic_fetch_add_explicit(&alloc->epoch_changes, 1, memory_order_release);
    counter_add(&alloc->epoch_advances, 1);
    pthread_mutex_unlock(&alloc->epoch_lock);
    return next;
}
