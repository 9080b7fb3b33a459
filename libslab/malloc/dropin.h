/*
 * dropin.h - the drop-in malloc's entry points, and how tests reach them.
 *
 * libslab-malloc.so defines malloc, free, calloc, realloc, reallocarray,
 * posix_memalign, aligned_alloc, memalign, valloc, pvalloc and
 * malloc_usable_size under their own names, to be interposed with
 * LD_PRELOAD.  Built with SLAB_DROPIN_TEST the same code defines them as
 * slab_dropin_malloc() and so on instead, so that a test program can call
 * them directly beside the system's (or a sanitizer's) malloc: that is how
 * the drop-in is tested under ThreadSanitizer and UndefinedBehaviorSanitizer
 * (AddressSanitizer replaces malloc itself, so a preload cannot be tested
 * under it).
 */
#ifndef SLAB_DROPIN_H
#define SLAB_DROPIN_H

#include <stdbool.h>
#include <stddef.h>

#ifdef SLAB_DROPIN_TEST
#define DROPIN_ENTRY(name) slab_dropin_##name
#else
#define DROPIN_ENTRY(name) name
#endif

void *DROPIN_ENTRY(malloc)(size_t size);
void DROPIN_ENTRY(free)(void *ptr);
void *DROPIN_ENTRY(calloc)(size_t n, size_t size);
void *DROPIN_ENTRY(realloc)(void *ptr, size_t size);
void *DROPIN_ENTRY(reallocarray)(void *ptr, size_t n, size_t size);
int DROPIN_ENTRY(posix_memalign)(void **out, size_t alignment, size_t size);
void *DROPIN_ENTRY(aligned_alloc)(size_t alignment, size_t size);
void *DROPIN_ENTRY(memalign)(size_t alignment, size_t size);
void *DROPIN_ENTRY(valloc)(size_t size);
void *DROPIN_ENTRY(pvalloc)(size_t size);
size_t DROPIN_ENTRY(malloc_usable_size)(void *ptr);

/* For tests (not exported by the preload library): whether p is a live
 * slab-served block, and a trim of the calling thread's empty slabs (and of
 * every dead heap, see slab_addr_trim_dead()) now. */
bool slab_dropin_owns(const void *p);
void slab_dropin_trim(void);
struct SlabAllocator *slab_dropin_allocator(void);  /* NULL before the first call */

#endif /* SLAB_DROPIN_H */
