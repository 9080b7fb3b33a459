/* Placeholder until the allocator core lands. */
#include "config.h"
#include "slab_alloc.h"
#include <errno.h>
#include <string.h>
#include "common.h"
#include "registry.h"

void slab_registry_collect(PerfCounters classes[SLAB_NUM_CLASSES],
                           slab_epoch_info epochs[SLAB_EPOCH_COUNT],
                           slab_process_info *info)
{
    memset(classes, 0, sizeof(PerfCounters) * SLAB_NUM_CLASSES);
    memset(epochs, 0, sizeof(slab_epoch_info) * SLAB_EPOCH_COUNT);
    memset(info, 0, sizeof(*info));
}
SLAB_API SlabAllocator *slab_allocator_create(void) { errno = ENOMEM; return NULL; }
SLAB_API void slab_allocator_free(SlabAllocator *a) { (void)a; }
