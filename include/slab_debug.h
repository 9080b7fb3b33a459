/*
 * slab_debug.h - hooks for testing libslab itself.
 *
 * These calls break the allocator's invariants on purpose so that the code
 * which detects and repairs them can be exercised: tests use them, and so
 * does `slabload --scenario repair`.  A program has no other reason to call
 * them.  This header is not installed and not part of the stable API: its
 * calls may change or go in any release.  Each call is safe: the damage it does is exactly what the slow path
 * repairs, and no object is lost or handed out twice.
 */
#ifndef SLAB_DEBUG_H
#define SLAB_DEBUG_H

#include <stdint.h>
#include "slab_alloc.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Plant a zombie in the size class serving size, epoch epoch, of which the
 * next slow-path allocation there will trip over:
 *   REPAIR_REASON_FULL_BITMAP   - a full slab is put on the partial list;
 *   REPAIR_REASON_LIST_MISMATCH - a partial slab records the wrong list;
 *   REPAIR_REASON_OTHER         - a partial slab records an impossible state.
 * The calling thread's cached slab for that class and epoch is handed back,
 * so its next allocation there takes the slow path and meets the zombie.
 * Returns 0, or -1 with errno EINVAL (bad argument) or ENOMEM.
 */
int slab_debug_plant_zombie(SlabAllocator *alloc, uint32_t size, EpochId epoch,
                            unsigned reason);

/*
 * Sleep usec microseconds (at most 1 s; 0 turns it off) every time a
 * slow-path allocation takes a size class's shared lock, still holding it:
 * the thread blocks inside the allocator and so does every thread that
 * waits for that lock (`slabload --scenario lock`).  Set it while no other
 * thread uses the library.  Returns 0, or -1 with errno EINVAL.
 */
int slab_debug_set_lock_hold(unsigned usec);

/*
 * Check the allocator's invariants (bitmaps against free counts, list
 * membership against recorded lists, slab ownership).  Call it only while no
 * other thread uses alloc.  Returns 0 when consistent, otherwise -1 and a
 * description of the first problem in buf.
 */
int slab_debug_check(SlabAllocator *alloc, char *buf, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* SLAB_DEBUG_H */
