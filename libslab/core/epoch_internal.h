/*
 * epoch_internal.h - what the allocator asks of epoch domains.
 */
#ifndef SLAB_EPOCH_INTERNAL_H
#define SLAB_EPOCH_INTERNAL_H

#include "slab_alloc.h"

/* The epoch of the innermost domain the calling thread has entered on
 * alloc, or epoch_current(alloc) when it has entered none. */
EpochId epoch_domain_thread_epoch(SlabAllocator *alloc);

#endif /* SLAB_EPOCH_INTERNAL_H */
