/*
 * epoch_internal.h - what the allocator asks of epoch domains.
 */
#ifndef SLAB_EPOCH_INTERNAL_H
#define SLAB_EPOCH_INTERNAL_H

#include "slab_alloc.h"

/* The epoch of the innermost domain the calling thread has entered on
 * alloc, or epoch_current(alloc) when it has entered none. */
EpochId epoch_domain_thread_epoch(SlabAllocator *alloc);

/* How many domains the calling thread has entered, on any allocator: 0
 * means that epoch_domain_thread_epoch() is epoch_current(). */
extern __thread unsigned epoch_domain_depth __attribute__((tls_model("initial-exec")));

#endif /* SLAB_EPOCH_INTERNAL_H */
