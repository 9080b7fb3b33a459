/*
 * meta.h - memory for the allocator core's own metadata.
 *
 * The core never calls malloc() for itself: a drop-in malloc built on the
 * core would call back into it.  Its few, long-lived metadata blocks
 * (allocators, heaps, thread tables, epoch domains) come straight from
 * mmap(), zeroed, whole pages each.
 */
#ifndef SLAB_META_H
#define SLAB_META_H

#include <stddef.h>
#include <sys/mman.h>

/* Zeroed memory for size bytes, page aligned; NULL (errno ENOMEM) when the
 * system has none. */
static inline void *meta_alloc(size_t size)
{
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

/* Give back what meta_alloc(size) returned.  NULL is a no-op. */
static inline void meta_free(void *p, size_t size)
{
    if (p != NULL)
        munmap(p, size);
}

#endif /* SLAB_META_H */
