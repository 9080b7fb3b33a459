/*
 * size_class.c - the size of each class, for the allocator and for readers
 * of a segment alike (a monitor links no allocator).
 */
#include "config.h"
#include "slab_alloc.h"

#include "common.h"

static const uint32_t class_size[SLAB_NUM_CLASSES] = { SLAB_CLASS_SIZES };

SLAB_API uint32_t slab_class_size(unsigned class_index)
{
    return class_index < SLAB_NUM_CLASSES ? class_size[class_index] : 0;
}
