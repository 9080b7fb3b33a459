/*
 * allocator.c - creating and destroying allocators: the address space of
 * their tables and slabs, their locks, their salt.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <time.h>

#include "core.h"
#include "core_hooks.h"
#include "meta.h"

/* Reserve address space for a table, touched only where written. */
static void *reserve(size_t bytes)
{
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

/* The slabs' address space: ARENA_BYTES aligned to SLAB_BYTES, reserved
 * inaccessible (it costs no memory and no commit charge) and made
 * writable a chunk at a time as slabs are carved. */
static char *reserve_arena(void)
{
    size_t len = ARENA_BYTES + SLAB_BYTES;
    char *p = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                   -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    uintptr_t start = ((uintptr_t)p + SLAB_BYTES - 1) & ~(uintptr_t)(SLAB_BYTES - 1);
    size_t head = start - (uintptr_t)p;
    if (head)
        munmap(p, head);
    munmap((char *)start + ARENA_BYTES, SLAB_BYTES - head);
    return (char *)start;
}

#define GEN_TABLE_BYTES (GEN_TABLE_WORDS * sizeof(uint32_t) + 4096)

/* The generation table starts this far into its first page.  The slab
 * table and the slabs themselves start on page boundaries, so without it the
 * first slots' generations, the first slabs' descriptors and the first
 * objects would share their offsets within a page: a load that follows a
 * store to the same page offset waits for the store (4K aliasing), and a
 * small working set would hit that on every operation. */
#define GEN_TABLE_SKEW 3072u
#define SLAB_TABLE_BYTES ((size_t)(HANDLE_SLAB_MASK + 1) * sizeof(slab))

static uint32_t random_salt(uint64_t serial)
{
    uint32_t r = 0;
    if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != (ssize_t)sizeof(r)) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        r = (uint32_t)(ts.tv_nsec ^ (serial * 0x9e3779b97f4a7c15ull >> 32));
    }
    return r & ~1u;     /* even: a fresh slot is free */
}

/* Initialise an allocator's locks: at creation, and in a fork child, which
 * initialises them afresh instead of unlocking them (their owner, as far
 * as the mutexes know, is a thread of the parent). */
void allocator_locks_init(SlabAllocator *a)
{
    pthread_mutex_init(&a->lock, NULL);
    pthread_mutex_init(&a->epoch_lock, NULL);
    for (unsigned e = 0; e < SLAB_EPOCH_COUNT; e++)
        for (unsigned c = 0; c < SLAB_CORE_CLASSES; c++)
            pthread_mutex_init(&a->bins[e][c].lock, NULL);
}

/* Take every lock of a, in the core's order (epoch lock, bin locks, the
 * allocator lock), and give them back: around fork(). */
void allocator_lock_all(SlabAllocator *a)
{
    pthread_mutex_lock(&a->epoch_lock);
    for (unsigned e = 0; e < SLAB_EPOCH_COUNT; e++)
        for (unsigned c = 0; c < SLAB_CORE_CLASSES; c++)
            pthread_mutex_lock(&a->bins[e][c].lock);
    pthread_mutex_lock(&a->lock);
}

void allocator_unlock_all(SlabAllocator *a)
{
    pthread_mutex_unlock(&a->lock);
    for (unsigned e = 0; e < SLAB_EPOCH_COUNT; e++)
        for (unsigned c = 0; c < SLAB_CORE_CLASSES; c++)
            pthread_mutex_unlock(&a->bins[e][c].lock);
    pthread_mutex_unlock(&a->epoch_lock);
}

SLAB_API size_t slab_allocator_size(void)
{
    return sizeof(SlabAllocator);
}

SLAB_API SlabAllocator *slab_allocator_init(void *storage, size_t size)
{
    if (storage == NULL || size < sizeof(SlabAllocator) ||
        ((uintptr_t)storage & (CACHE_LINE - 1)) != 0) {
        errno = EINVAL;
        return NULL;
    }
    SlabAllocator *a = storage;
    memset(a, 0, sizeof(*a));
    a->caller_storage = true;
    a->slabs = reserve(SLAB_TABLE_BYTES);
    a->gens = reserve(GEN_TABLE_BYTES);
    a->arena = reserve_arena();
    if (a->gens != NULL)
        a->gens += GEN_TABLE_SKEW / sizeof(uint32_t);
    if (a->slabs == NULL || a->gens == NULL || a->arena == NULL) {
        if (a->arena)
            munmap(a->arena, ARENA_BYTES);
        if (a->slabs)
            munmap(a->slabs, SLAB_TABLE_BYTES);
        if (a->gens)
            munmap((void *)(a->gens - GEN_TABLE_SKEW / sizeof(uint32_t)), GEN_TABLE_BYTES);
        errno = ENOMEM;
        return NULL;
    }
    allocator_locks_init(a);
    /* Every slot starts open in era 1, so any epoch id is usable. */
    for (unsigned e = 0; e < SLAB_EPOCH_COUNT; e++)
        atomic_init(&a->epochs[e].word, (1u << 1) | 1u);
    registry_add(a);
    a->salt = random_salt(a->serial);
    /* Unique to this allocator (heap_fast()): no thread's cached key can
     * match it before one of its heaps was checked against the ring. */
    atomic_init(&a->epoch_changes, a->serial << 32);
    slab_core_notify_created();
    return a;
}

SLAB_API SlabAllocator *slab_allocator_create(void)
{
    void *mem = meta_alloc(sizeof(SlabAllocator));     /* page aligned */
    if (mem == NULL) {
        errno = ENOMEM;
        return NULL;
    }
    SlabAllocator *a = slab_allocator_init(mem, sizeof(SlabAllocator));
    if (a == NULL) {
        meta_free(mem, sizeof(SlabAllocator));
        return NULL;
    }
    a->caller_storage = false;
    return a;
}

SLAB_API void slab_allocator_destroy(SlabAllocator *a)
{
    if (a == NULL)
        return;
    registry_remove(a);

    if (slab_hot.cache.alloc == a)
        slab_hot.cache = (thread_cache){ NO_ALLOCATOR, 0, NULL, 0, 0 };
    for (heap *h = a->heaps, *next; h; h = next) {
        next = h->next;
        meta_free(h, sizeof(*h));
    }
    /* Under AddressSanitizer, free slots are poisoned; the shadow outlives
     * munmap(), and the next mapping placed here would inherit it. */
    SLAB_UNPOISON(a->arena, (size_t)(a->nslabs + CHUNK_SLABS - 1) / CHUNK_SLABS * CHUNK_BYTES);
    munmap(a->arena, ARENA_BYTES);
    munmap(a->slabs, SLAB_TABLE_BYTES);
    munmap((void *)(a->gens - GEN_TABLE_SKEW / sizeof(uint32_t)), GEN_TABLE_BYTES);
    for (unsigned e = 0; e < SLAB_EPOCH_COUNT; e++)
        for (unsigned c = 0; c < SLAB_CORE_CLASSES; c++)
            pthread_mutex_destroy(&a->bins[e][c].lock);
    pthread_mutex_destroy(&a->lock);
    pthread_mutex_destroy(&a->epoch_lock);
    a->serial = 0;
}

SLAB_API void slab_allocator_free(SlabAllocator *alloc)
{
    if (alloc == NULL)
        return;
    bool mine = !alloc->caller_storage;
    slab_allocator_destroy(alloc);
    if (mine)
        meta_free(alloc, sizeof(*alloc));
}
