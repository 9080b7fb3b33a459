/*
 * debug.c - the debug hooks of slab_debug.h (zombies planted on purpose,
 * the invariant check) and the test hooks of slab_test.h.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <time.h>

#include "core.h"
#include "slab_debug.h"
#include "slab_stats.h"

_Atomic(slab_test_pause_fn *) debug_pause;

/* Free the slots slab_debug_plant_zombie() held in a full slab. */
void debug_ballast_free(SlabAllocator *a, slab *s)
{
    uint32_t n = atomic_load_explicit(&s->nslots, memory_order_relaxed);
    unsigned epoch;
    bin *b = slab_bin_lock(a, s, &epoch);
    s->ballast = 0;
    pthread_mutex_unlock(&b->lock);
    for (uint32_t i = 0; i < n; i++) {
        uint32_t g = atomic_load_explicit(&s->gen[i], memory_order_relaxed);
        if (g & 1)
            slow_free_remote(a, s, i, g);
    }
}

SLAB_API int slab_debug_plant_zombie(SlabAllocator *alloc, uint32_t size, EpochId epoch,
                                     unsigned reason)
{
    int cls = size - 1 < SLAB_MAX_SIZE ? slab_class_of[size - 1] : -1;
    if (alloc == NULL || cls < 0 || epoch >= SLAB_EPOCH_COUNT ||
        (reason != REPAIR_REASON_FULL_BITMAP && reason != REPAIR_REASON_LIST_MISMATCH &&
         reason != REPAIR_REASON_OTHER)) {
        errno = EINVAL;
        return -1;
    }
    uint32_t word = atomic_load_explicit(&alloc->epochs[epoch].word, memory_order_acquire);
    if (!EPOCH_OPEN(word)) {
        errno = EINVAL;
        return -1;
    }
    heap *h = heap_cached(alloc);
    if (h == NULL && (h = heap_get(alloc)) == NULL) {
        errno = ENOMEM;
        return -1;
    }
    heap_bin_release_all(alloc, h, epoch, (unsigned)cls);

    uint64_t era = EPOCH_ERA(word);
    slab *s = slab_get(alloc, (unsigned)cls, epoch,
                       reason == REPAIR_REASON_OTHER ? era - 1 : era, h->id);
    if (s == NULL)
        return -1;
    uint32_t used = 0;
    if (reason == REPAIR_REASON_FULL_BITMAP) {
        /* Hold every slot, as if allocated: full, yet on the partial list. */
        uint32_t n = atomic_load_explicit(&s->nslots, memory_order_relaxed);
        for (uint32_t i = 0; i < n; i++) {
            uint32_t g = atomic_load_explicit(&s->gen[i], memory_order_relaxed);
            if (g != GEN_RETIRED) {
                atomic_store_explicit(&s->gen[i], g + 1, memory_order_relaxed);
                used++;
            }
        }
        s->local_head = 0;
        s->ballast = 1;
    }
    s->used = used;
    bin *b = &alloc->bins[epoch][cls];
    pthread_mutex_lock(&b->lock);
    /* Detach it (it came OWNED from slab_get()).  Release pairs with the
     * acquire loads of state by whoever takes or settles it. */
    atomic_store_explicit(&s->owner, NO_HEAP_ID, memory_order_relaxed);
    uint64_t st = atomic_load_explicit(&s->state, memory_order_relaxed);
    atomic_store_explicit(&s->state, ST_MAKE(0, 0, used, MODE_DETACHED, ST_INC(st)),
                          memory_order_release);
    slab_list_push(b, s);
    if (reason == REPAIR_REASON_LIST_MISMATCH)
        s->list = LIST_NONE;        /* records no list, sits on the partial one */
    pthread_mutex_unlock(&b->lock);
    return 0;
}

SLAB_API int slab_debug_check(SlabAllocator *alloc, char *buf, size_t len)
{
#define FAIL(...) do { if (buf && len) snprintf(buf, len, __VA_ARGS__); \
                       pthread_mutex_unlock(&alloc->lock); return -1; } while (0)
    if (alloc == NULL) {
        errno = EINVAL;
        return -1;
    }
    pthread_mutex_lock(&alloc->lock);
    for (uint32_t i = 0; i < alloc->nslabs; i++) {
        {
            slab *s = &alloc->slabs[i];
            uint32_t ns = atomic_load_explicit(&s->nslots, memory_order_relaxed);
            uint64_t st = atomic_load_explicit(&s->state, memory_order_relaxed);
            uint32_t allocated = 0, retired = 0;
            for (uint32_t k = 0; k < ns; k++) {
                uint32_t g = atomic_load_explicit(&s->gen[k], memory_order_relaxed);
                allocated += g & 1;
                retired += g == GEN_RETIRED;
            }
            if (ST_MODE(st) == MODE_POOLED) {
                if (allocated || (s->list != LIST_POOL && retired != ns))
                    FAIL("slab %u: pooled with %u allocated slots, list %u",
                         s->index, allocated, s->list);
                continue;
            }
            /* Every free slot is on exactly one of the two lists. */
            uint32_t free_local = 0, free_remote_n = 0;
            for (uint32_t k = s->local_head; k; k = *(uint32_t *)(s->base + (size_t)(k - 1) * s->objsize)) {
                if (k > ns || free_local > ns)
                    FAIL("slab %u: local free list broken", s->index);
                if (atomic_load_explicit(&s->gen[k - 1], memory_order_relaxed) & 1)
                    FAIL("slab %u: allocated slot %u on the free list", s->index, k - 1);
                if (slot_retired(s, k - 1))
                    FAIL("slab %u: retired slot %u on the free list", s->index, k - 1);
                free_local++;
            }
            for (uint32_t k = ST_HEAD(st), m = 0; m < ST_COUNT(st); m++) {
                if (k == 0 || k > ns)
                    FAIL("slab %u: remote free list broken", s->index);
                if (atomic_load_explicit(&s->gen[k - 1], memory_order_relaxed) & 1)
                    FAIL("slab %u: allocated slot %u on the remote list", s->index, k - 1);
                if (slot_retired(s, k - 1))
                    retired--;          /* counted below as on the stack */
                free_remote_n++;
                k = *(uint32_t *)(s->base + (size_t)(k - 1) * s->objsize);
            }
            if (allocated + free_local + free_remote_n + retired != ns)
                FAIL("slab %u: %u allocated + %u + %u free + %u retired != %u slots",
                     s->index, allocated, free_local, free_remote_n, retired, ns);
            if (ST_MODE(st) == MODE_OWNED && s->used - ST_COUNT(st) != allocated)
                FAIL("slab %u: owner's used count %u but %u slots allocated", s->index,
                     s->used - ST_COUNT(st), allocated);
            if (ST_MODE(st) == MODE_DETACHED && ST_USED(st) - ST_COUNT(st) != allocated)
                FAIL("slab %u: used count %u but %u slots allocated", s->index,
                     ST_USED(st) - ST_COUNT(st), allocated);
        }
    }
    for (unsigned e = 0; e < SLAB_EPOCH_COUNT; e++) {
        for (unsigned cl = 0; cl < SLAB_CORE_CLASSES; cl++) {
            uint32_t n = 0;
            for (slab *s = alloc->bins[e][cl].partial; s; s = s->next) {
                if (++n > alloc->nslabs)
                    FAIL("partial list of epoch %u class %u has a cycle", e, cl);
                if (s->list != LIST_PARTIAL)
                    FAIL("slab %u: on a partial list but records list %u", s->index, s->list);
                if (atomic_load_explicit(&s->epoch, memory_order_relaxed) != e || s->cls != cl)
                    FAIL("slab %u: on the wrong bin", s->index);
                if (ST_MODE(atomic_load_explicit(&s->state, memory_order_relaxed)) !=
                    MODE_DETACHED)
                    FAIL("slab %u: on a partial list but not detached", s->index);
            }
        }
    }
    for (unsigned cl = 0; cl < SLAB_CORE_CLASSES; cl++) {
        uint32_t n = 0;
        for (slab *s = alloc->pool[cl]; s; s = s->next) {
            if (++n > alloc->nslabs)
                FAIL("pool of class %u has a cycle", cl);
            if (s->list != LIST_POOL ||
                ST_MODE(atomic_load_explicit(&s->state, memory_order_relaxed)) != MODE_POOLED)
                FAIL("slab %u: in a pool but not pooled", s->index);
        }
    }
    pthread_mutex_unlock(&alloc->lock);
    if (buf && len)
        buf[0] = '\0';
    return 0;
#undef FAIL
}

/* slab_debug_set_lock_hold(): the pause hook that sleeps while holding a
 * bin lock. */
static _Atomic unsigned lock_hold_us;

static void hold_lock(enum slab_test_point point, SlabAllocator *alloc)
{
    (void)alloc;
    unsigned us = atomic_load_explicit(&lock_hold_us, memory_order_relaxed);
    if (point == SLAB_TEST_BIN_LOCKED && us > 0) {
        struct timespec ts = { (time_t)(us / 1000000u), (long)(us % 1000000u) * 1000L };
        while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
            ;
    }
}

int slab_debug_set_lock_hold(unsigned usec)
{
    if (usec > 1000000u) {
        errno = EINVAL;
        return -1;
    }
    atomic_store_explicit(&lock_hold_us, usec, memory_order_relaxed);
    slab_test_set_pause(usec ? hold_lock : NULL);
    return 0;
}

void slab_test_set_pause(slab_test_pause_fn *fn)
{
    atomic_store_explicit(&debug_pause, fn, memory_order_relaxed);
}

int slab_test_set_generation(SlabAllocator *alloc, SlabHandle freed, uint32_t gen)
{
    if (alloc == NULL || (gen & 1) != 0) {
        errno = EINVAL;
        return -1;
    }
    slab *s = &alloc->slabs[(freed >> HANDLE_SLOT_BITS) & HANDLE_SLAB_MASK];
    uint32_t slot = (uint32_t)freed & HANDLE_SLOT_MASK;
    if (slot >= atomic_load_explicit(&s->nslots, memory_order_acquire) ||
        (atomic_load_explicit(&s->gen[slot], memory_order_relaxed) & 1) != 0) {
        errno = EINVAL;
        return -1;
    }
    atomic_store_explicit(&s->gen[slot], gen, memory_order_relaxed);
    return 0;
}
