/*
 * slab_test.h - hooks the allocator's own tests use to reach states that
 * are otherwise a matter of luck: a pause at a named point of a race
 * window, and a slot's generation moved near its end.
 *
 * These functions are hidden (not exported from libslab.so) and are not
 * installed: tests link the library's objects statically to reach them.
 * They are no API and may change with any release.
 */
#ifndef SLAB_TEST_H
#define SLAB_TEST_H

#include <stdint.h>
#include "slab_alloc.h"

/* The points of the slow paths at which the pause hook is called. */
enum slab_test_point {
    /* slow_free_remote(): the free is on the slab's remote stack; the slab is
     * about to be settled (its reconcile not yet begun). */
    SLAB_TEST_REMOTE_PUSHED = 0,
    /* slab_release(): the thread has decided to release an empty slab
     * and is about to give it to its class pool. */
    SLAB_TEST_RELEASE = 1,
    /* slow_alloc(): a slab came from slab_get() (fresh or recycled) and
     * is about to become the calling heap's current slab. */
    SLAB_TEST_GOT_SLAB = 2,
    /* slow_alloc(): the thread has just taken a size class's bin lock (to
     * look at its shared partial list). */
    SLAB_TEST_BIN_LOCKED = 3
};

/* Install fn (NULL to remove): it is called, on the calling thread, at each
 * point above, with the point and the allocator.  It may block.  Install
 * and remove it while no other thread uses the library. */
typedef void slab_test_pause_fn(enum slab_test_point point, SlabAllocator *alloc);
void slab_test_set_pause(slab_test_pause_fn *fn);

/* Set the generation of the free slot a handle named (a handle already
 * freed) to gen, which must be even (free).  Returns 0, or -1 with errno
 * EINVAL when the handle names no slot or the slot is allocated.  Keeping
 * the allocator's rule that a slot's generation only grows is the
 * caller's business.  Call it only while no other thread uses alloc. */
int slab_test_set_generation(SlabAllocator *alloc, SlabHandle freed, uint32_t gen);

#endif /* SLAB_TEST_H */
