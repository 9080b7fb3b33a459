/*
 * registry.h - the process-wide view of all live allocators, for the
 * publisher.
 */
#ifndef SLAB_REGISTRY_H
#define SLAB_REGISTRY_H

#include <stdint.h>
#include "slab_alloc.h"
/* The epoch ring slots are described once, by the segment format: the
 * registry fills that struct (plain fixed-width fields, no segment code). */
#include "slab_shm_format.h"

_Static_assert(SLAB_EPOCH_COUNT == SLAB_SHM_EPOCH_COUNT, "one epoch ring size");

typedef struct slab_process_info {
    uint64_t allocators;             /* live allocators */
    uint64_t allocators_created;     /* ever */
    uint64_t mapped_bytes;           /* address space reserved for slabs */
    uint64_t resident_bytes;         /* slab memory not returned to the OS */
    uint64_t epoch_advances;
    uint64_t epoch_closes;
} slab_process_info;

/* Sum the counters of every live allocator, plus those of allocators already
 * freed, into classes[], one row per SLAB_CLASS_SIZES size: each of the
 * core's finer classes goes to the row of the smallest row size at least
 * its own (slab_internal.h); the epochs of the most recently created live
 * allocator into epochs[]; and the process totals into *info.  Takes the
 * registry lock and then each allocator's lock, so it must be called with
 * no allocator lock held.  Only the publisher calls it, when it refreshes
 * the process section (from a thread's flush, or from its own refresh
 * thread when sampling is compiled out); the allocator never does. */
void slab_registry_collect(PerfCounters classes[SLAB_NUM_CLASSES],
                           slab_shm_seg_epoch epochs[SLAB_EPOCH_COUNT],
                           slab_process_info *info);

#endif /* SLAB_REGISTRY_H */
