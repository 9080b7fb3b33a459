/*
 * slab_alloc.h - the libslab allocator.
 *
 * libslab hands out objects of 1..768 bytes from slabs of eighteen size
 * classes, every one a multiple of 16 bytes: 16, 32 and 48, then four per
 * doubling (64, 80, 96, 112, 128, 160, ... 640, 768), so that an object
 * takes at most 15 bytes more than asked below 64 and less than a quarter
 * more above.  Counters are reported in eight rows (SLAB_CLASS_SIZES: 64,
 * 96, 128, 192, 256, 384, 512 and 768 bytes), each summing the classes up
 * to its size that the previous row does not hold.
 *
 * Every object belongs to an epoch: a slot in a ring of SLAB_EPOCH_COUNT.
 * Closing an epoch stops new allocations in it and gives the memory of its
 * empty slabs back to the operating system; objects still alive in it stay
 * valid until freed.
 *
 * Two ways to allocate:
 *   - handles: alloc_obj_epoch() returns the object and a SlabHandle, and
 *     free_obj() takes the handle back.  free_obj() validates the handle and
 *     returns false, changing nothing, for a zero, forged, foreign,
 *     double-freed or stale handle.
 *   - malloc style: slab_malloc_epoch() keeps the handle in a 16-byte header
 *     in front of the object, and slab_free() takes the pointer.
 *
 * Every call may be made from any thread.  Functions that fail return NULL,
 * false or -1 and set errno; the library never aborts, exits or prints.
 */
#ifndef SLAB_ALLOC_H
#define SLAB_ALLOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct SlabAllocator SlabAllocator;
typedef uint64_t SlabHandle;           /* 0 is never a valid handle */
typedef uint32_t EpochId;              /* 0 .. SLAB_EPOCH_COUNT - 1 */

/* The rows counters are reported in (get_perf_counters(), the segment's
 * size-class table): row r sums the objects of sizes above row r - 1's
 * size, up to its own.  An initializer list, smallest first. */
#define SLAB_NUM_CLASSES   8u
#define SLAB_CLASS_SIZES   64, 96, 128, 192, 256, 384, 512, 768
#define SLAB_MAX_SIZE      768u         /* largest object alloc_obj_epoch() serves */
#define SLAB_MALLOC_HEADER 16u          /* bytes slab_malloc_epoch() keeps in front */
#define SLAB_MALLOC_MAX    (SLAB_MAX_SIZE - SLAB_MALLOC_HEADER)
#define SLAB_EPOCH_COUNT   16u
#define SLAB_ALIGNMENT     16u          /* every object is aligned to this */

/* Creation and destruction.  slab_allocator_free() releases all memory; any
 * handle or pointer into the allocator is invalid afterwards.  NULL is a
 * no-op. */
SlabAllocator *slab_allocator_create(void);
void slab_allocator_free(SlabAllocator *alloc);

/* The same, in storage the caller provides: at least slab_allocator_size()
 * bytes aligned to 64.  Returns alloc, or NULL with errno EINVAL when the
 * storage is too small or misaligned. */
size_t slab_allocator_size(void);
SlabAllocator *slab_allocator_init(void *storage, size_t size);
void slab_allocator_destroy(SlabAllocator *alloc);

/* Allocate an object of size bytes (1..SLAB_MAX_SIZE) in epoch.  On success
 * the object's handle is stored in *out_handle (which may be NULL if the
 * caller does not want it).  Errors: EINVAL (size 0 or too large, epoch out
 * of range, alloc NULL), EPERM (the epoch is closed), ENOMEM. */
void *alloc_obj_epoch(SlabAllocator *alloc, uint32_t size, EpochId epoch,
                      SlabHandle *out_handle);

/* Free the object a handle names.  Returns false, with errno EINVAL, and
 * changes nothing when the handle does not name a live object of alloc.
 * What is detected, exactly:
 *   - a double free, also when two threads free the same handle at the
 *     same moment: exactly one of the calls returns true;
 *   - a stale handle (its object freed, the slot reused since), however
 *     many times the slot was reused: a slot is retired for good before
 *     its 32-bit generation could come back to a value a handle held;
 *   - zero, and a handle of another allocator or with bits changed, unless
 *     it happens to match a live object's (about 1 in 2^31).
 * A handle of a live object of alloc frees it, whichever thread calls. */
bool free_obj(SlabAllocator *alloc, SlabHandle handle);

/* Translate a live handle to its object, or NULL (errno EINVAL). */
void *slab_handle_ptr(SlabAllocator *alloc, SlabHandle handle);

/* malloc-style allocation of 1..SLAB_MALLOC_MAX bytes. */
void *slab_malloc_epoch(SlabAllocator *alloc, size_t size, EpochId epoch);
void *slab_malloc(SlabAllocator *alloc, size_t size);    /* current epoch */
/* Free what slab_malloc_epoch() returned.  NULL is a no-op.  Returns false
 * (errno EINVAL) for a pointer whose header does not hold the live handle
 * of exactly that object; double frees, concurrent ones included, are
 * detected as by free_obj().  A pointer that is not in alloc's slabs (a
 * small integer, malloc()'s memory, an unmapped page) is refused without
 * reading its header. */
bool slab_free(SlabAllocator *alloc, void *ptr);

/* Epochs.  epoch_current() is the epoch new work should use; epoch_advance()
 * moves it to the next slot of the ring and returns it.  Advancing onto a slot
 * whose previous epoch is still open closes that epoch first: objects of the
 * new epoch never share a slab with objects of an older one.
 *
 * epoch_close() stops allocation in epoch and returns its empty slabs to the
 * operating system; slabs that still hold objects are returned when their
 * last object is freed.  Each thread keeps the slabs it allocates from (and
 * frees into them without atomic operations); the closing thread gives its
 * own back at once, other threads at their next allocation that refills a
 * slab, or when they exit.  No allocation ever lands in a slab that has
 * been given back.  A few empty slabs per size class (at most 2, 64 KiB
 * each) stay resident for the next epoch.  Closing a closed epoch is a
 * no-op.  Returns 0, or -1 with errno EINVAL for a bad allocator or epoch. */
EpochId epoch_current(SlabAllocator *alloc);
EpochId epoch_advance(SlabAllocator *alloc);
int epoch_close(SlabAllocator *alloc, EpochId epoch);
bool epoch_is_open(SlabAllocator *alloc, EpochId epoch);

/* Size-class rows: the row whose counters an object of size bytes feeds
 * (the smallest row size at least size), or -1; and a row's size, or 0. */
int slab_size_class(uint32_t size);             /* row index, or -1 */
uint32_t slab_class_size(unsigned class_index); /* bytes, or 0 */

/* Per-size-class counters, summed over all threads and over the classes
 * of one row.  Monotonic except the gauges (live_slabs, resident_bytes). */
typedef struct PerfCounters {
    uint64_t allocs_slow;          /* allocations that took the slow path */
    uint64_t new_slabs;            /* slabs carved from fresh memory */
    uint64_t recycled_slabs;       /* emptied slabs reused */
    uint64_t released_slabs;       /* slabs whose memory went back to the OS */
    uint64_t madvised_bytes;       /* bytes returned with madvise() */
    uint64_t cas_retries;          /* failed compare-and-swap attempts */
    uint64_t remote_frees;         /* frees from a thread not owning the slab */
    uint64_t repairs;              /* zombie repairs, all reasons */
    uint64_t repair_full_bitmap;   /* offered for allocation but full */
    uint64_t repair_list_mismatch; /* recorded list differs from actual one */
    uint64_t repair_other;
    uint64_t live_slabs;           /* gauge: slabs holding memory */
    uint64_t resident_bytes;       /* gauge: bytes of those slabs */
} PerfCounters;

/* Copy the counters of one row (0 .. SLAB_NUM_CLASSES - 1).  Returns false
 * (errno EINVAL) for a bad allocator or row index. */
bool get_perf_counters(SlabAllocator *alloc, unsigned class_index,
                       PerfCounters *out);

#ifdef __cplusplus
}
#endif

#endif /* SLAB_ALLOC_H */
