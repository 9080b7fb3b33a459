/*
 * thread_hot.c - the fast paths' thread-local words (thread_hot.h).
 */
#include "config.h"
#include "thread_hot.h"

const char slab_no_allocator;

/* Every member starts at zero but the heap cache's allocator: the first
 * allocation then finds no heap, the sampler's countdown sends it to the
 * cold path, and the drop-in's first free checks for memory to trim. */
__thread slab_thread_hot slab_hot __attribute__((tls_model("initial-exec"))) = {
    .cache = { .alloc = (struct SlabAllocator *)(uintptr_t)&slab_no_allocator },
};
