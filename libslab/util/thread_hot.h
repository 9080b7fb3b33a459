/*
 * thread_hot.h - the thread-local words the fast paths touch on every
 * call, in one initial-exec TLS object.
 *
 * In a shared library the offset of an initial-exec variable from the
 * thread pointer is loaded from the GOT in each function that uses it: an
 * instruction per variable per call.  In one object, the sampler's
 * countdown, the core's heap cache and the drop-in's trim countdown share
 * that load.  Each layer owns its members and touches no other's; the
 * types of the layers above are named, never used, so this header
 * depends on none of them.
 */
#ifndef SLAB_THREAD_HOT_H
#define SLAB_THREAD_HOT_H

#include <stdint.h>

struct SlabAllocator;
struct heap;

/* core/: the heap of the allocator the thread used last (core.h). */
typedef struct thread_cache {
    struct SlabAllocator *alloc;    /* slab_no_allocator when none */
    uint64_t serial;
    struct heap *heap;
    uint64_t heap_id;
    uint64_t key;
} thread_cache;

typedef struct slab_thread_hot {
    int64_t sampler_countdown;      /* sampler/: slab_sampler_tick() */
    thread_cache cache;             /* core/: heap_fast() */
    int32_t trim_countdown;         /* malloc/: frees before a trim check */
} slab_thread_hot;

extern __thread slab_thread_hot slab_hot __attribute__((tls_model("initial-exec")));

/* Never an allocator: a thread that has no heap yet caches its address,
 * so that the fast path needs no NULL test. */
extern const char slab_no_allocator;

#endif /* SLAB_THREAD_HOT_H */
