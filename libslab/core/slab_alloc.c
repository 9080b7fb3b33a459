/*
 * slab_alloc.c - the allocator: size classes, heaps, slabs, epochs, handles.
 *
 * The fast paths are alloc_inner() and free_obj(): a thread allocates from
 * and frees into the current slab of its own heap with plain loads and
 * stores; everything else (refilling, frees from other threads, epoch
 * changes, repairs) is in cold functions below them.  slab_internal.h says
 * which thread may touch which field.
 */
#include "config.h"
#include "slab_alloc.h"

#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "slab_debug.h"
#include "slab_stats.h"
#include "slab_internal.h"
#include "meta.h"
#include "slab_test.h"
#include "epoch_internal.h"
#include "core_hooks.h"
#include "registry.h"
#include "sampler.h"
#include "slab_addr.h"

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

/* ------------------------------------------------------------------------
 * Size classes
 */

static const uint32_t class_size[SLAB_NUM_CLASSES] = { SLAB_CLASS_SIZES };

/* Class of a size 1..768, indexed by (size - 1) >> 4. */
static const uint8_t class_of[SLAB_MAX_SIZE / 16] = {
    0, 0, 0, 0,                     /*   1 ..  64 */
    1, 1,                           /*  65 ..  96 */
    2, 2,                           /*  97 .. 128 */
    3, 3, 3, 3,                     /* 129 .. 192 */
    4, 4, 4, 4,                     /* 193 .. 256 */
    5, 5, 5, 5, 5, 5, 5, 5,         /* 257 .. 384 */
    6, 6, 6, 6, 6, 6, 6, 6,         /* 385 .. 512 */
    7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7,   /* 513 .. 768 */
};

SLAB_API int slab_size_class(uint32_t size)
{
    if (size == 0 || size > SLAB_MAX_SIZE)
        return -1;
    return class_of[(size - 1) >> 4];
}

/* ------------------------------------------------------------------------
 * The process-wide registry of allocators, and each thread's heaps
 */

static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static SlabAllocator *registry;
static uint64_t registry_serial;
static ClassCounters registry_retired[SLAB_NUM_CLASSES];
static uint64_t registry_created;

/* The allocator and heap a thread used last: the fast path's only lookup.
 * serial tells a live allocator from a freed one at the same address. */
typedef struct ThreadCache {
    SlabAllocator *alloc;
    uint64_t serial;
    Heap *heap;
    uint64_t heap_id;
} ThreadCache;

/* A thread that has no heap yet caches this address, which is never an
 * allocator, so that the fast path needs no NULL test. */
static const char no_allocator;
#define NO_ALLOCATOR ((SlabAllocator *)(uintptr_t)&no_allocator)

static __thread ThreadCache tls_cache __attribute__((tls_model("initial-exec"))) = {
    NO_ALLOCATOR, 0, NULL, 0
};

/* Every heap the thread has, for its exit.  Owned by the thread. */
typedef struct ThreadHeaps {
    size_t n, cap;
    ThreadCache *v;
} ThreadHeaps;

static __thread ThreadHeaps tls_heaps;
static pthread_key_t heap_key;
static pthread_once_t heap_key_once = PTHREAD_ONCE_INIT;

/* The empty slab every unused heap bin points at: it has no free slot, so
 * the fast path falls through to the slow path without a NULL check. */
static Slab empty_slab;

static void heap_release(Heap *h);
static void thread_exit(void *arg);

static void make_heap_key(void)
{
    /* If this fails, heaps are simply not released at thread exit; their
     * slabs stay owned and are reclaimed when the allocator is freed. */
    (void)pthread_key_create(&heap_key, thread_exit);
}

static inline uint64_t counter_get(_Atomic uint64_t *c)
{
    return atomic_load_explicit(c, memory_order_relaxed);
}

static inline void counter_add(_Atomic uint64_t *c, uint64_t n)
{
    atomic_fetch_add_explicit(c, n, memory_order_relaxed);
}

/* Single-writer increment: a load and a store, no locked instruction. */
static inline void counter_bump(_Atomic uint64_t *c)
{
    atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + 1,
                          memory_order_relaxed);
}

static inline void counter_sub(_Atomic uint64_t *c, uint64_t n)
{
    atomic_fetch_sub_explicit(c, n, memory_order_relaxed);
}

/* Tests' pause hook (slab_test.h).  Installed while no other thread runs,
 * so relaxed suffices: thread creation orders it before every use. */
static _Atomic(slab_test_pause_fn *) test_pause;

static inline void test_point(enum slab_test_point point, SlabAllocator *a)
{
    slab_test_pause_fn *fn = atomic_load_explicit(&test_pause, memory_order_relaxed);
    if (UNLIKELY(fn != NULL))
        fn(point, a);
}

/* ------------------------------------------------------------------------
 * Slabs
 */

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

#define GEN_TABLE_BYTES ((size_t)MAX_SLABS * SLAB_MAX_SLOTS * sizeof(uint32_t) + 4096)

/* The generation table starts this far into its first page.  The slab
 * table and the slabs themselves start on page boundaries, so without it the
 * first slots' generations, the first slabs' descriptors and the first
 * objects would share their offsets within a page: a load that follows a
 * store to the same page offset waits for the store (4K aliasing), and a
 * small working set would hit that on every operation. */
#define GEN_TABLE_SKEW 3072u
#define SLAB_TABLE_BYTES ((size_t)(HANDLE_SLAB_MASK + 1) * sizeof(Slab))

/* A free slot keeps its free-list link in its first 8 bytes; the rest is
 * poisoned under AddressSanitizer. */
#define LINK_BYTES 8u

static inline void slot_poison(char *p, uint32_t objsize)
{
    SLAB_POISON(p + LINK_BYTES, objsize - LINK_BYTES);
}

/* A slot's first generation: even, below 2^31 (so that it has at least
 * 2^30 lives before it retires, see GEN_RETIRED), never GEN_RETIRED, and
 * unrelated to its neighbours'. */
static uint32_t first_generation(uint32_t salt, uint32_t index, uint32_t slot)
{
    uint64_t x = ((uint64_t)index << HANDLE_SLOT_BITS | slot) ^ ((uint64_t)salt << 32);
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ull;
    x ^= x >> 33;
    uint32_t g = (uint32_t)x & 0x7ffffffeu;
    return g != GEN_RETIRED ? g : 2u;
}

static inline char *slot_addr(const Slab *s, uint32_t slot)
{
    return s->base + (size_t)slot * s->objsize;
}

static inline bool slot_retired(const Slab *s, uint32_t slot)
{
    return atomic_load_explicit(&s->gen[slot], memory_order_relaxed) == GEN_RETIRED;
}

/* Fault a slab's pages in now, in one system call, rather than one fault per
 * page in the middle of later allocations. */
static void prefault(char *base)
{
    SLAB_UNPOISON(base, SLAB_BYTES);
    if (madvise(base, SLAB_BYTES, MADV_POPULATE_WRITE) != 0) {
        for (size_t off = 0; off < SLAB_BYTES; off += 4096)
            ((volatile char *)base)[off] = 0;
    }
}

/* Thread the free list through every slot of an empty slab but the retired
 * ones. */
static void slab_format(Slab *s)
{
    uint32_t n = atomic_load_explicit(&s->nslots, memory_order_relaxed);
    uint32_t head = 0;
    SLAB_UNPOISON(s->base, SLAB_BYTES);
    for (uint32_t i = n; i-- > 0;) {
        char *p = slot_addr(s, i);
        if (!slot_retired(s, i)) {
            *(uint32_t *)p = head;
            head = i + 1;
        }
        slot_poison(p, s->objsize);
    }
    s->local_head = head;
    s->used = 0;
}

/* Put the count slots of a remote chain starting at head (slot + 1) on the
 * local free list of s, leaving out the slots their last free retired.
 * The caller has taken the chain off the state word with acquire. */
static void chain_splice(Slab *s, uint32_t head, uint32_t count)
{
    uint32_t local = s->local_head;
    for (uint32_t k = head, n = 0; n < count; n++) {
        uint32_t *link = (uint32_t *)slot_addr(s, k - 1);
        uint32_t next = *link;
        if (!slot_retired(s, k - 1)) {
            *link = local;
            local = k;
        }
        k = next;
    }
    s->local_head = local;
}

/* Carve a new slab of class cls.  a->lock held.  NULL when out of slabs or
 * memory. */
static Slab *slab_carve(SlabAllocator *a, unsigned cls)
{
    if (a->nslabs == MAX_SLABS)
        return NULL;
    Slab *s = &a->slabs[a->nslabs];
    if (a->nslabs % CHUNK_SLABS == 0) {
        /* Chunks are carved in order from the arena reserved at creation,
         * so that slab i always starts at arena + i * 64 KiB and an
         * address finds its slab with a subtraction and a shift
         * (slab_addr.h). */
        char *mem = a->arena + (size_t)a->nslabs * SLAB_BYTES;
        if (mprotect(mem, CHUNK_BYTES, PROT_READ | PROT_WRITE) != 0)
            return NULL;
        for (uint32_t i = 0; i < CHUNK_SLABS; i++)
            s[i].base = mem + (size_t)i * SLAB_BYTES;
        counter_add(&a->mapped_bytes, CHUNK_BYTES);
    }
    a->nslabs++;
    uint32_t nslots = SLAB_BYTES / class_size[cls];
    s->index = (uint32_t)(s - a->slabs);
    s->handle_base = (uint64_t)s->index << HANDLE_SLOT_BITS;
    s->gen = a->gens + a->gens_used;
    a->gens_used += nslots;
    s->cls = (uint8_t)cls;
    s->objsize = class_size[cls];
    s->slot_recip = (uint32_t)(((UINT64_C(1) << 32) + class_size[cls] - 1) / class_size[cls]);
    /* Every slot starts at its own even generation, derived from the
     * allocator's salt and the slot's place, so that a handle with a bit
     * changed or from another allocator names no live object.  Handles
     * reach a slot only after a thread allocated it, which happens after
     * this under the locks. */
    for (uint32_t i = 0; i < nslots; i++)
        atomic_store_explicit(&s->gen[i], first_generation(a->salt, s->index, i),
                              memory_order_relaxed);
    /* Release pairs with the acquire in handle_check(): a thread that sees
     * nslots sees the generations and the rest of the slab. */
    atomic_store_explicit(&s->nslots, nslots, memory_order_release);
    counter_add(&a->counters[cls].new_slabs, 1);
    return s;
}

/* An empty slab of class cls for (epoch, era), owned by the heap owner:
 * from the class pool, or carved.  It becomes OWNED, in a new incarnation,
 * under a->lock, so that no thread settling its previous life can take it
 * for a detached slab.  Takes a->lock. */
static Slab *slab_get(SlabAllocator *a, unsigned cls, unsigned epoch, uint64_t era,
                      uint64_t owner)
{
    ClassCounters *cc = &a->counters[cls];
    for (;;) {
        pthread_mutex_lock(&a->lock);
        Slab *s = a->pool[cls];
        bool warm = false;
        uint32_t inc = 0;
        if (s != NULL) {
            a->pool[cls] = s->next;
            warm = s->warm;
            if (warm)
                a->warm[cls]--;
            s->warm = 0;
            inc = ST_INC(atomic_load_explicit(&s->state, memory_order_relaxed)) + 1;
            counter_add(&cc->recycled_slabs, 1);
        } else if ((s = slab_carve(a, cls)) == NULL) {
            pthread_mutex_unlock(&a->lock);
            errno = ENOMEM;
            return NULL;
        }
        counter_add(&cc->live_slabs, 1);
        /* Under the lock: slab_registry_collect() counts slabs per epoch. */
        atomic_store_explicit(&s->epoch, (uint8_t)epoch, memory_order_relaxed);
        s->era = era;
        s->list = LIST_NONE;
        s->ballast = 0;
        s->parked = 0;
        s->prev = s->next = NULL;
        atomic_store_explicit(&s->owner, owner, memory_order_relaxed);
        /* Release pairs with the acquire load of state in slab_reconcile():
         * a thread that sees this incarnation sees its epoch and era. */
        atomic_store_explicit(&s->state, ST_MAKE(0, 0, 0, MODE_OWNED, inc),
                              memory_order_release);
        pthread_mutex_unlock(&a->lock);

        if (!warm) {
            prefault(s->base);
            slab_format(s);     /* a warm slab's free list is whole */
        }
        if (LIKELY(s->local_head != 0))
            return s;
        /* Every slot of it has retired: the slab is done for good.  It
         * stays out of every list, its memory given back. */
        atomic_store_explicit(&s->owner, NO_HEAP_ID, memory_order_relaxed);
        atomic_store_explicit(&s->state, ST_MAKE(0, 0, 0, MODE_POOLED, inc),
                              memory_order_relaxed);
        if (madvise(s->base, SLAB_BYTES, MADV_DONTNEED) == 0)
            counter_add(&cc->madvised_bytes, SLAB_BYTES);
        counter_sub(&cc->live_slabs, 1);
    }
}

/* Put an empty slab whose release this thread claimed (its state word
 * moved to POOLED, see slab_claim()) in its class pool, returning its
 * memory to the OS unless the pool is short of warm slabs.  No slot is
 * allocated and the slab is on no list, so no other thread can reach it. */
static void slab_release(SlabAllocator *a, Slab *s)
{
    test_point(SLAB_TEST_RELEASE, a);
    ClassCounters *cc = &a->counters[s->cls];
    /* Acquire pairs with the pushers' release CAS: their links are
     * visible. */
    uint64_t st = atomic_load_explicit(&s->state, memory_order_acquire);
    atomic_store_explicit(&s->state, ST_MAKE(0, 0, 0, MODE_POOLED, ST_INC(st)),
                          memory_order_relaxed);
    pthread_mutex_lock(&a->lock);
    bool warm = a->warm[s->cls] < POOL_WARM;
    if (warm)
        a->warm[s->cls]++;
    pthread_mutex_unlock(&a->lock);
    if (warm) {
        /* Every slot is on one of the two free lists: join them, and the
         * slab is ready for its next use as it is. */
        chain_splice(s, ST_HEAD(st), ST_COUNT(st));
        s->used -= ST_COUNT(st);
    } else {
        s->local_head = 0;
        if (madvise(s->base, SLAB_BYTES, MADV_DONTNEED) == 0)
            counter_add(&cc->madvised_bytes, SLAB_BYTES);
        counter_add(&cc->released_slabs, 1);
    }
    counter_sub(&cc->live_slabs, 1);
    pthread_mutex_lock(&a->lock);
    s->warm = warm;
    s->list = LIST_POOL;
    s->next = a->pool[s->cls];
    a->pool[s->cls] = s;
    pthread_mutex_unlock(&a->lock);
}

/* ------------------------------------------------------------------------
 * Partial lists (bin lock held)
 */

static void list_push(Bin *b, Slab *s)
{
    s->prev = NULL;
    s->next = b->partial;
    if (b->partial)
        b->partial->prev = s;
    b->partial = s;
    s->list = LIST_PARTIAL;
}

static void list_remove(Bin *b, Slab *s)
{
    if (s->parked) {
        s->parked = 0;
        b->parked--;
    }
    if (s->prev)
        s->prev->next = s->next;
    else
        b->partial = s->next;
    if (s->next)
        s->next->prev = s->prev;
    s->prev = s->next = NULL;
    s->list = LIST_NONE;
}

static inline bool era_live(SlabAllocator *a, unsigned epoch, uint64_t era)
{
    /* Acquire pairs with the release stores of the word in epoch_shut()
     * and epoch_advance(). */
    uint32_t w = atomic_load_explicit(&a->epochs[epoch].word, memory_order_acquire);
    return EPOCH_OPEN(w) && EPOCH_ERA(w) == era;
}

/* Whether a DETACHED slab's state word says that it holds no object. */
static inline bool detached_empty(const Slab *s, uint64_t st)
{
    return ST_COUNT(st) == ST_USED(st) && s->ballast == 0;
}

/* Claim the release of an empty DETACHED slab whose state word was st:
 * the one transition DETACHED -> POOLED, made by exactly one thread.  The
 * claimer then calls slab_release(); a loser leaves the slab alone.  Bin
 * lock held. */
static bool slab_claim(Slab *s, uint64_t st)
{
    /* Relaxed: the bin lock orders the claim against every other settle;
     * slab_release() acquires the word again for the pushed links. */
    return atomic_compare_exchange_strong_explicit(
        &s->state, &st, ST_MAKE(ST_HEAD(st), ST_COUNT(st), ST_USED(st), MODE_POOLED, ST_INC(st)),
        memory_order_relaxed, memory_order_relaxed);
}

/* Lock the bin of s's epoch and class, and store the epoch in *epoch.
 * The epoch changes only while the slab is being recycled; then the caller
 * finds that the incarnation moved on. */
static Bin *bin_lock_of(SlabAllocator *a, Slab *s, unsigned *epoch)
{
    for (;;) {
        unsigned e = atomic_load_explicit(&s->epoch, memory_order_relaxed);
        Bin *b = &a->bins[e][s->cls];
        pthread_mutex_lock(&b->lock);
        if (atomic_load_explicit(&s->epoch, memory_order_relaxed) == e) {
            *epoch = e;
            return b;
        }
        pthread_mutex_unlock(&b->lock);
    }
}

/* Settle a DETACHED slab whose free state changed, seen in incarnation
 * inc: release it when empty, list it when it has free slots and its epoch
 * still takes allocations.  Does nothing when the slab is no longer that
 * detached slab (taken by a thread, released, or recycled since).  Called
 * without locks; takes the bin lock. */
static void slab_reconcile(SlabAllocator *a, Slab *s, uint32_t inc)
{
    unsigned epoch;
    Bin *b = bin_lock_of(a, s, &epoch);
    bool release = false;
    /* Acquire pairs with the release CAS of the detach and of every push,
     * and with slab_get()'s store: the used count, the pushed slots' links,
     * and this incarnation's epoch and era are visible. */
    uint64_t st = atomic_load_explicit(&s->state, memory_order_acquire);
    if (ST_MODE(st) == MODE_DETACHED && ST_INC(st) == (inc & ST_INC_MASK) &&
        atomic_load_explicit(&s->epoch, memory_order_relaxed) == epoch) {
        bool has_free = s->local_head != 0 || ST_COUNT(st) != 0;
        bool empty = detached_empty(s, st);
        bool live = era_live(a, epoch, s->era);
        if (empty && live && (s->parked || b->parked < BIN_PARKED)) {
            if (s->list != LIST_PARTIAL)
                list_push(b, s);
            if (!s->parked) {
                s->parked = 1;
                b->parked++;
            }
        } else if (empty) {
            if (s->list == LIST_PARTIAL)
                list_remove(b, s);
            release = slab_claim(s, st);
        } else if (s->list != LIST_PARTIAL && has_free && live) {
            list_push(b, s);
        }
    }
    pthread_mutex_unlock(&b->lock);
    if (release)
        slab_release(a, s);
}

/* ------------------------------------------------------------------------
 * Heaps
 */

static Heap *heap_create(SlabAllocator *a)
{
    static _Atomic uint64_t next_id = 1;
    Heap *h = meta_alloc(sizeof(*h));
    if (h == NULL)
        return NULL;
    h->alloc = a;
    h->id = atomic_fetch_add_explicit(&next_id, 1, memory_order_relaxed);
    for (unsigned e = 0; e < SLAB_EPOCH_COUNT; e++)
        for (unsigned c = 0; c < SLAB_NUM_CLASSES; c++)
            h->bins[e][c].cur = &empty_slab;
    pthread_mutex_lock(&a->lock);
    h->next = a->heaps;
    a->heaps = h;
    pthread_mutex_unlock(&a->lock);
    return h;
}

/* The calling thread's heap for a, created on first use; NULL when out of
 * memory.  Slow path of every call. */
static NOINLINE Heap *heap_get(SlabAllocator *a)
{
    ThreadHeaps *th = &tls_heaps;
    for (size_t i = 0; i < th->n; i++) {
        if (th->v[i].alloc == a && th->v[i].serial == a->serial) {
            tls_cache = th->v[i];
            return th->v[i].heap;
        }
    }
    pthread_once(&heap_key_once, make_heap_key);
    if (th->n == th->cap) {
        /* Drop entries of allocators that are gone before growing. */
        size_t k = 0;
        pthread_mutex_lock(&registry_lock);
        for (size_t i = 0; i < th->n; i++) {
            bool live = false;
            for (SlabAllocator *r = registry; r; r = r->reg_next)
                live |= r == th->v[i].alloc && r->serial == th->v[i].serial;
            if (live)
                th->v[k++] = th->v[i];
        }
        pthread_mutex_unlock(&registry_lock);
        th->n = k;
        if (th->n == th->cap) {
            size_t cap = th->cap ? th->cap * 2 : 4;
            ThreadCache *v = meta_alloc(cap * sizeof(*v));
            if (v == NULL)
                return NULL;
            if (th->n)
                memcpy(v, th->v, th->n * sizeof(*v));
            meta_free(th->v, th->cap * sizeof(*v));
            th->v = v;
            th->cap = cap;
        }
    }
    Heap *h = heap_create(a);
    if (h == NULL)
        return NULL;
    th->v[th->n++] = (ThreadCache){ a, a->serial, h, h->id };
    tls_cache = th->v[th->n - 1];
    (void)pthread_setspecific(heap_key, th);
    return h;
}

/* The calling thread's heap for a when it is the one cached, else NULL.
 * a may be NULL.  A cache entry always names a heap (see heap_get()). */
static inline Heap *heap_cached(SlabAllocator *a)
{
    ThreadCache *tc = &tls_cache;
    if (LIKELY(tc->alloc == a && tc->serial == a->serial)) {
        if (tc->heap == NULL)
            __builtin_unreachable();
        return tc->heap;
    }
    return NULL;
}

/* Circular lists of a heap's own slabs. */
static void ring_push(Slab **head, Slab *s, uint8_t list)
{
    Slab *h = *head;
    if (h == NULL) {
        s->next = s->prev = s;
        *head = s;
    } else {
        s->next = h;
        s->prev = h->prev;
        h->prev->next = s;
        h->prev = s;
    }
    s->list = list;
}

static void ring_remove(Slab **head, Slab *s)
{
    if (s->next == s) {
        *head = NULL;
    } else {
        s->prev->next = s->next;
        s->next->prev = s->prev;
        if (*head == s)
            *head = s->next;
    }
    s->next = s->prev = NULL;
    s->list = LIST_NONE;
}

/* Give up a slab the calling thread owns (taken off the heap's lists). */
static void slab_disown(SlabAllocator *a, Slab *s)
{
    atomic_store_explicit(&s->owner, NO_HEAP_ID, memory_order_relaxed);
    /* Used, counting the remote stack's slots as still used: the state
     * word's convention (empty when the stack holds them all). */
    uint64_t old = atomic_load_explicit(&s->state, memory_order_relaxed);
    uint64_t want;
    do {
        want = ST_MAKE(ST_HEAD(old), ST_COUNT(old), s->used, MODE_DETACHED, ST_INC(old));
        /* Release: the next owner, and any thread reconciling the slab,
         * sees this thread's local list (pairs with their acquire loads
         * and CASes of state). */
    } while (!atomic_compare_exchange_weak_explicit(&s->state, &old, want,
                                                    memory_order_release,
                                                    memory_order_relaxed));
    slab_reconcile(a, s, ST_INC(want));
}

/* Give up every slab a heap bin owns. */
static void bin_release_all(SlabAllocator *a, Heap *h, unsigned epoch, unsigned cls)
{
    HeapBin *hb = &h->bins[epoch][cls];
    HeapLists *l = &h->lists[epoch][cls];
    Slab *s = hb->cur;
    hb->cur = &empty_slab;
    if (s != &empty_slab)
        slab_disown(a, s);
    while ((s = l->avail) != NULL) {
        ring_remove(&l->avail, s);
        slab_disown(a, s);
    }
    while ((s = l->full) != NULL) {
        ring_remove(&l->full, s);
        slab_disown(a, s);
    }
}

/* Whether an owned slab has every slot free, on either list. */
static bool owned_empty(const Slab *s)
{
    return s->used == ST_COUNT(atomic_load_explicit(&s->state, memory_order_relaxed));
}

/* Give up the slabs a heap bin owns that hold no object. */
static void bin_release_empty(SlabAllocator *a, Heap *h, unsigned epoch, unsigned cls)
{
    HeapBin *hb = &h->bins[epoch][cls];
    HeapLists *l = &h->lists[epoch][cls];
    Slab *s = hb->cur;
    if (s != &empty_slab && owned_empty(s)) {
        hb->cur = &empty_slab;
        slab_disown(a, s);
    }
    Slab **rings[2] = { &l->avail, &l->full };
    for (unsigned r = 0; r < 2; r++) {
        Slab *first = *rings[r];
        if (first == NULL)
            continue;
        /* Walk the ring once, from its head to its tail. */
        Slab *tail = first->prev;
        for (Slab *next = first;;) {
            s = next;
            next = s->next;
            bool last = s == tail;
            if (owned_empty(s)) {
                ring_remove(rings[r], s);
                slab_disown(a, s);
            }
            if (last)
                break;
        }
    }
}

static inline bool bin_holds_slabs(const Heap *h, unsigned epoch, unsigned cls)
{
    return h->bins[epoch][cls].cur != &empty_slab || h->lists[epoch][cls].avail != NULL ||
           h->lists[epoch][cls].full != NULL;
}

/* An epoch closed or moved on somewhere: give back what this heap holds in
 * epochs whose word is no longer the one its bins were filled under. */
static void heap_sweep(SlabAllocator *a, Heap *h)
{
    for (unsigned e = 0; e < SLAB_EPOCH_COUNT; e++) {
        uint32_t w = atomic_load_explicit(&a->epochs[e].word, memory_order_acquire);
        for (unsigned c = 0; c < SLAB_NUM_CLASSES; c++)
            if (bin_holds_slabs(h, e, c) && h->bins[e][c].epoch_word != w)
                bin_release_all(a, h, e, c);
    }
}

/* Move the frees other threads pushed onto an owned slab to its local
 * list.  Returns whether the slab has a free slot now. */
static bool collect_remote(Slab *s)
{
    uint64_t st = atomic_load_explicit(&s->state, memory_order_relaxed);
    do {
        if (ST_COUNT(st) == 0)
            return s->local_head != 0;
        /* Acquire pairs with the pushers' release CAS: the chained slots'
         * links are visible. */
    } while (!atomic_compare_exchange_weak_explicit(&s->state, &st,
                                                    ST_MAKE(0, 0, 0, MODE_OWNED, ST_INC(st)),
                                                    memory_order_acquire,
                                                    memory_order_relaxed));
    chain_splice(s, ST_HEAD(st), ST_COUNT(st));
    s->used -= ST_COUNT(st);
    return s->local_head != 0;
}

/* Another owned slab to allocate from: one with local frees, or a full one
 * other threads have freed into since. */
static Slab *owned_take(HeapLists *l)
{
    Slab *s;
    while ((s = l->avail) != NULL) {
        ring_remove(&l->avail, s);
        if (s->local_head != 0 || collect_remote(s))
            return s;
        ring_push(&l->full, s, LIST_FULL);
    }
    for (unsigned i = 0; i < FULL_SCAN && (s = l->full) != NULL; i++) {
        l->full = s->next;          /* look at the next one next time */
        if (ST_COUNT(atomic_load_explicit(&s->state, memory_order_relaxed)) != 0 &&
            collect_remote(s)) {
            ring_remove(&l->full, s);
            return s;
        }
    }
    return NULL;
}

/* A local free gave a slab of the heap's full list a free slot again. */
static NOINLINE void owned_refilled(Slab *s)
{
    if (s->list != LIST_FULL)
        return;                     /* the current slab */
    HeapLists *l = &tls_cache.heap->lists[atomic_load_explicit(&s->epoch, memory_order_relaxed)]
                                         [s->cls];
    ring_remove(&l->full, s);
    ring_push(&l->avail, s, LIST_AVAIL);
}

/* Fold a heap's counters into the allocator, detach its slabs, free it.
 * Called with the allocator alive, by the heap's thread or at destruction. */
static void heap_release(Heap *h)
{
    SlabAllocator *a = h->alloc;
    for (unsigned e = 0; e < SLAB_EPOCH_COUNT; e++)
        for (unsigned c = 0; c < SLAB_NUM_CLASSES; c++)
            bin_release_all(a, h, e, c);
    /* Fold and unlink in one critical section: class_collect(), which
     * walks the heaps under the same lock, counts the heap exactly once. */
    pthread_mutex_lock(&a->lock);
    for (unsigned c = 0; c < SLAB_NUM_CLASSES; c++) {
        counter_add(&a->counters[c].allocs_slow, counter_get(&h->counters[c].allocs_slow));
        counter_add(&a->counters[c].remote_frees, counter_get(&h->counters[c].remote_frees));
        counter_add(&a->counters[c].cas_retries, counter_get(&h->counters[c].cas_retries));
    }
    for (Heap **p = &a->heaps; *p; p = &(*p)->next) {
        if (*p == h) {
            *p = h->next;
            break;
        }
    }
    pthread_mutex_unlock(&a->lock);
    meta_free(h, sizeof(*h));
}

/* Thread exit: release the thread's heaps in allocators still alive.  The
 * registry lock keeps each allocator alive while its heap is released. */
static void thread_exit(void *arg)
{
    ThreadHeaps *th = arg;
    pthread_mutex_lock(&registry_lock);
    for (size_t i = 0; i < th->n; i++) {
        for (SlabAllocator *r = registry; r; r = r->reg_next) {
            if (r == th->v[i].alloc && r->serial == th->v[i].serial) {
                heap_release(th->v[i].heap);
                break;
            }
        }
    }
    pthread_mutex_unlock(&registry_lock);
    meta_free(th->v, th->cap * sizeof(*th->v));
    th->v = NULL;
    th->n = th->cap = 0;
    tls_cache = (ThreadCache){ NO_ALLOCATOR, 0, NULL, 0 };
}

/* ------------------------------------------------------------------------
 * Zombie repair
 */

static const unsigned reason_bit[3] = {
    REPAIR_REASON_FULL_BITMAP, REPAIR_REASON_LIST_MISMATCH, REPAIR_REASON_OTHER
};

/* What partial_take() found wrong with a slab, to finish and record once
 * the bin lock is dropped. */
typedef struct Repair {
    int reason;                 /* index into reason_bit[], or -1 */
    Slab *settle;               /* slab to reconcile or to free the ballast of */
    uint32_t inc;               /* its incarnation when met */
#ifdef ENABLE_SLOWPATH_SAMPLING
    slab_sample_clock t0;
#endif
} Repair;

static void repair_start(Repair *rep, int reason, Slab *settle, uint64_t st)
{
    rep->reason = reason;
    rep->settle = settle;
    rep->inc = ST_INC(st);
#ifdef ENABLE_SLOWPATH_SAMPLING
    slab_sampler_clock(&rep->t0);
#endif
}

/* Take a slab to allocate from off bin b's partial list and make h its
 * owner.  Returns NULL when the list is empty, or when it met a zombie: then
 * *rep says which, the zombie is off the list, and the caller finishes the
 * repair and tries again.  Bin lock held. */
static Slab *partial_take(Bin *b, Heap *h, unsigned cls, uint64_t era, Repair *rep)
{
    Slab *s = b->partial;
    if (s == NULL)
        return NULL;
    /* Acquire pairs with the release CASes of pushers and of the detach:
     * the remote chain, the local list and the used count are visible. */
    uint64_t st = atomic_load_explicit(&s->state, memory_order_acquire);
    bool mismatch = s->list != LIST_PARTIAL;
    if (mismatch)
        repair_start(rep, 1, NULL, st); /* records another list than its own */
    list_remove(b, s);
    if (s->era != era || s->cls != cls || ST_MODE(st) != MODE_DETACHED) {
        /* Not a slab this bin may hand out (another era, class or owner):
         * off the list it stays, released when its last object goes. */
        repair_start(rep, 2, s, st);
        return NULL;
    }
    if (s->local_head == 0 && ST_COUNT(st) == 0) {
        /* Offered for allocation, but full: it belongs on no list.  A free
         * racing with us makes the push count 1 and lists it again. */
        repair_start(rep, 0, s, st);
        return NULL;
    }
    /* The incarnation cannot move while the slab is DETACHED and we hold
     * its bin lock; pushers may change the stack under us. */
    while (!atomic_compare_exchange_weak_explicit(&s->state, &st,
                                                  ST_MAKE(0, 0, 0, MODE_OWNED, ST_INC(st)),
                                                  memory_order_acquire,
                                                  memory_order_acquire))
        ;
    chain_splice(s, ST_HEAD(st), ST_COUNT(st));
    s->used = ST_USED(st) - ST_COUNT(st);
    atomic_store_explicit(&s->owner, h->id, memory_order_relaxed);
    return s;
}

static void ballast_free(SlabAllocator *a, Slab *s);

/* Finish a repair partial_take() started, outside the bin lock. */
static void repair_finish(SlabAllocator *a, unsigned cls, Repair *rep)
{
    Slab *s = rep->settle;
    if (s != NULL) {
        if (s->ballast)
            ballast_free(a, s);
        else
            slab_reconcile(a, s, rep->inc);
    }
    counter_add(&a->counters[cls].repairs[rep->reason], 1);
#ifdef ENABLE_SLOWPATH_SAMPLING
    slab_sampler_repair(reason_bit[rep->reason], &rep->t0);
#endif
}


/* ------------------------------------------------------------------------
 * Allocation
 */

static inline SlabHandle make_handle(uint32_t gen, uint64_t handle_base, uint32_t slot)
{
    return (uint64_t)gen << 32 | handle_base | slot;
}

/* Pop the slot head - 1 (s->local_head, non-zero) from s, which the
 * calling thread owns. */
static ALWAYS_INLINE void *slot_pop(Slab *s, uint32_t head, SlabHandle *out)
{
    uint32_t slot = head - 1;
    char *p = s->base + (size_t)slot * s->objsize;
    s->local_head = *(uint32_t *)p;
    s->used++;
    SLAB_UNPOISON(p, s->objsize);
    _Atomic uint32_t *g = &s->gen[slot];
    uint32_t gen = atomic_load_explicit(g, memory_order_relaxed) + 1;
    atomic_store_explicit(g, gen, memory_order_relaxed);
    if (out)
        *out = make_handle(gen, s->handle_base, slot);
    return p;
}

/* Everything that is not a pop from the current slab. */
static NOINLINE void *alloc_slow(SlabAllocator *a, uint32_t size, EpochId epoch,
                                 SlabHandle *out)
{
    if (a == NULL || size == 0 || size > SLAB_MAX_SIZE || epoch >= SLAB_EPOCH_COUNT) {
        errno = EINVAL;
        return NULL;
    }
    Heap *h = heap_cached(a);
    if (h == NULL && (h = heap_get(a)) == NULL) {
        errno = ENOMEM;
        return NULL;
    }
    unsigned cls = class_of[(size - 1) >> 4];
    HeapBin *hb = &h->bins[epoch][cls];
    counter_bump(&h->counters[cls].allocs_slow);

    uint64_t changes = atomic_load_explicit(&a->epoch_changes, memory_order_acquire);
    if (UNLIKELY(h->seen_changes != changes)) {
        h->seen_changes = changes;
        heap_sweep(a, h);
    }
    uint32_t word = atomic_load_explicit(&a->epochs[epoch].word, memory_order_acquire);
    if (hb->epoch_word != word && bin_holds_slabs(h, epoch, cls))
        bin_release_all(a, h, epoch, cls);     /* the epoch closed or moved on */
    if (!EPOCH_OPEN(word)) {
        errno = EPERM;
        return NULL;
    }

    HeapLists *l = &h->lists[epoch][cls];
    Slab *s = hb->cur;
    if (s != &empty_slab) {
        if (s->local_head != 0 || collect_remote(s))
            return slot_pop(s, s->local_head, out);
        ring_push(&l->full, s, LIST_FULL);
        hb->cur = &empty_slab;
    }
    s = owned_take(l);
    if (s != NULL) {
        hb->cur = s;
        hb->epoch_word = word;
        return slot_pop(s, s->local_head, out);
    }

    Bin *b = &a->bins[epoch][cls];
    for (;;) {
        Repair rep = { .reason = -1 };
        pthread_mutex_lock(&b->lock);
        s = partial_take(b, h, cls, EPOCH_ERA(word), &rep);
        pthread_mutex_unlock(&b->lock);
        if (rep.reason >= 0)
            repair_finish(a, cls, &rep);
        if (s != NULL && s->local_head == 0) {
            /* Its remote frees were all of retired slots: ours, but full. */
            ring_push(&l->full, s, LIST_FULL);
            continue;
        }
        if (s != NULL || rep.reason < 0)
            break;
    }
    if (s == NULL) {
        s = slab_get(a, cls, epoch, EPOCH_ERA(word), h->id);
        if (s == NULL)
            return NULL;
        test_point(SLAB_TEST_GOT_SLAB, a);
    }
    /* The epoch may have closed while we looked: then the slab is given
     * back at once, and its era check sends the next call here again. */
    hb->cur = s;
    hb->epoch_word = word;
    return slot_pop(s, s->local_head, out);
}

static ALWAYS_INLINE void *alloc_inner(SlabAllocator *a, uint32_t size, EpochId epoch,
                                       SlabHandle *out)
{
    Heap *h = heap_cached(a);
    if (UNLIKELY(h == NULL || size - 1 >= SLAB_MAX_SIZE || epoch >= SLAB_EPOCH_COUNT))
        return alloc_slow(a, size, epoch, out);
    HeapBin *hb = &h->bins[epoch][class_of[(size - 1) >> 4]];
    Slab *s = hb->cur;
    uint32_t head = s->local_head;
    if (UNLIKELY(head == 0 ||
                 hb->epoch_word != atomic_load_explicit(&a->epochs[epoch].word,
                                                        memory_order_relaxed)))
        return alloc_slow(a, size, epoch, out);
    return slot_pop(s, head, out);
}

#ifdef ENABLE_SLOWPATH_SAMPLING
static NOINLINE void *alloc_sampled(SlabAllocator *a, uint32_t size, EpochId epoch,
                                    SlabHandle *out)
{
    slab_sample_clock t0;
    if (!slab_sampler_begin(&t0))
        return alloc_inner(a, size, epoch, out);
    int saved = errno;
    errno = 0;
    void *p = alloc_inner(a, size, epoch, out);
    int err = errno;
    slab_sampler_end(&t0);
    errno = p == NULL ? err : saved;
    return p;
}
#endif

SLAB_API void *alloc_obj_epoch(SlabAllocator *alloc, uint32_t size, EpochId epoch,
                               SlabHandle *out_handle)
{
#ifdef ENABLE_SLOWPATH_SAMPLING
    if (slab_sampler_tick())
        return alloc_sampled(alloc, size, epoch, out_handle);
#endif
    return alloc_inner(alloc, size, epoch, out_handle);
}

/* ------------------------------------------------------------------------
 * Free
 */

/* The slab and slot a handle names, if it names a live object of a.  The
 * slab table covers every index a handle can hold (uncarved slabs read as
 * zero: no slots), and a slot's generation is odd only while it is
 * allocated, so one comparison settles forged, foreign, stale and
 * double-freed handles alike. */
static ALWAYS_INLINE bool handle_check(SlabAllocator *a, SlabHandle handle,
                                       Slab **slab_out, uint32_t *slot_out)
{
    if (UNLIKELY(!(handle & (1ull << 32))))
        return false;                   /* an even generation: never live */
    Slab *s = &a->slabs[(handle >> HANDLE_SLOT_BITS) & HANDLE_SLAB_MASK];
    uint32_t slot = (uint32_t)handle & HANDLE_SLOT_MASK;
    if (UNLIKELY(slot >= atomic_load_explicit(&s->nslots, memory_order_acquire) ||
                 atomic_load_explicit(&s->gen[slot], memory_order_relaxed) !=
                     (uint32_t)(handle >> 32)))
        return false;
    *slab_out = s;
    *slot_out = slot;
    return true;
}

/* Free a slot of a slab the calling thread does not own: claim the slot by
 * moving its generation on, then push it onto the slab's remote stack (a
 * slot the free retires too: whoever collects the stack leaves it out). */
static NOINLINE bool free_remote(SlabAllocator *a, Slab *s, uint32_t slot, uint32_t gen)
{
    /* Relaxed: the CAS only decides which of two frees of one handle wins
     * (the owner's free is a CAS on the same word).  It pairs with
     * nothing: the allocation's store of the generation is relaxed, and
     * the handle reached us by the program's own synchronisation.  What
     * orders our use of the object before its reuse is the push's release
     * below. */
    if (!atomic_compare_exchange_strong_explicit(&s->gen[slot], &gen, gen + 1,
                                                 memory_order_relaxed,
                                                 memory_order_relaxed)) {
        errno = EINVAL;
        return false;
    }
    Heap *h = heap_cached(a);
    if (h == NULL)
        h = heap_get(a);
    char *p = s->base + (size_t)slot * s->objsize;
    slot_poison(p, s->objsize);
    uint64_t old = atomic_load_explicit(&s->state, memory_order_relaxed);
    uint64_t want;
    uint64_t retries = 0;
    for (;;) {
        *(uint32_t *)p = ST_HEAD(old);
        want = ST_MAKE(slot + 1, ST_COUNT(old) + 1, ST_USED(old), ST_MODE(old), ST_INC(old));
        /* Release: the link just written, and our last use of the object,
         * are visible to whoever collects the chain (pairs with the acquire
         * in collect_remote(), partial_take(), slab_reconcile() and
         * slab_release()).  The used count and mode we decide on below are
         * in the word itself. */
        if (atomic_compare_exchange_weak_explicit(&s->state, &old, want,
                                                  memory_order_release,
                                                  memory_order_relaxed))
            break;
        retries++;
    }
    test_point(SLAB_TEST_REMOTE_PUSHED, a);
    if (h != NULL) {
        counter_bump(&h->counters[s->cls].remote_frees);
        if (retries)
            atomic_store_explicit(&h->counters[s->cls].cas_retries,
                                  counter_get(&h->counters[s->cls].cas_retries) + retries,
                                  memory_order_relaxed);
    }
    if (ST_MODE(want) == MODE_DETACHED &&
        (ST_COUNT(want) == 1 || ST_COUNT(want) == ST_USED(want)))
        slab_reconcile(a, s, ST_INC(want));
    return true;
}

/* Kept out of line so that free_obj() itself needs no stack frame. */
static COLD bool refuse_handle(void)
{
    errno = EINVAL;
    return false;
}

/* The owner's free of a slot whose generation reaches its end: the slot
 * leaves the slab's free lists for good. */
static COLD bool slot_retire(Slab *s, uint32_t slot)
{
    slot_poison(slot_addr(s, slot), s->objsize);
    s->used--;
    return true;
}

/* Free slot of s, named by a handle with generation gen that has passed
 * handle_check(). */
static ALWAYS_INLINE bool slot_free(SlabAllocator *alloc, Slab *s, uint32_t slot, uint32_t gen)
{
    if (UNLIKELY(atomic_load_explicit(&s->owner, memory_order_relaxed) != tls_cache.heap_id))
        return free_remote(alloc, s, slot, gen);
    /* A CAS even here, so that another thread freeing the same handle at
     * the same moment cannot also win (see free_remote()).  Relaxed: only
     * this thread pops the slot again. */
    if (UNLIKELY(!atomic_compare_exchange_strong_explicit(&s->gen[slot], &gen, gen + 1,
                                                          memory_order_relaxed,
                                                          memory_order_relaxed)))
        return refuse_handle();
    if (UNLIKELY(gen + 1 == GEN_RETIRED))
        return slot_retire(s, slot);
    char *p = slot_addr(s, slot);
    uint32_t head = s->local_head;
    *(uint32_t *)p = head;
    slot_poison(p, s->objsize);
    s->local_head = slot + 1;
    s->used--;
    if (UNLIKELY(head == 0))
        owned_refilled(s);
    return true;
}

SLAB_API bool free_obj(SlabAllocator *alloc, SlabHandle handle)
{
    uint32_t slot;
    Slab *s;
    if (UNLIKELY(alloc == NULL || !handle_check(alloc, handle, &s, &slot)))
        return refuse_handle();
    return slot_free(alloc, s, slot, (uint32_t)(handle >> 32));
}

SLAB_API void *slab_handle_ptr(SlabAllocator *alloc, SlabHandle handle)
{
    uint32_t slot;
    Slab *s;
    if (alloc == NULL || !handle_check(alloc, handle, &s, &slot)) {
        errno = EINVAL;
        return NULL;
    }
    return s->base + (size_t)slot * s->objsize;
}

/* ------------------------------------------------------------------------
 * malloc-style API: the handle sits in a 16-byte header before the object.
 */

SLAB_API void *slab_malloc_epoch(SlabAllocator *alloc, size_t size, EpochId epoch)
{
    if (size == 0 || size > SLAB_MALLOC_MAX) {
        errno = EINVAL;
        return NULL;
    }
    SlabHandle h;
    char *p = alloc_obj_epoch(alloc, (uint32_t)size + SLAB_MALLOC_HEADER, epoch, &h);
    if (p == NULL)
        return NULL;
    memcpy(p, &h, sizeof(h));
    return p + SLAB_MALLOC_HEADER;
}

SLAB_API void *slab_malloc(SlabAllocator *alloc, size_t size)
{
    if (alloc == NULL) {
        errno = EINVAL;
        return NULL;
    }
    return slab_malloc_epoch(alloc, size, epoch_domain_thread_epoch(alloc));
}

SLAB_API bool slab_free(SlabAllocator *alloc, void *ptr)
{
    if (ptr == NULL)
        return true;
    if (alloc == NULL || ((uintptr_t)ptr & (SLAB_ALIGNMENT - 1)) != 0) {
        errno = EINVAL;
        return false;
    }
    char *p = (char *)ptr - SLAB_MALLOC_HEADER;
    /* Read no header outside the allocator's carved slabs: a small
     * integer, another allocator's or malloc()'s memory, or a pointer whose
     * header page is unmapped is refused before it is touched.  The
     * acquire pairs with the release store of nslots in slab_carve(): the
     * slab's memory is mapped once nslots is set. */
    uintptr_t off = (uintptr_t)p - (uintptr_t)alloc->arena;
    if (UNLIKELY(off >= ARENA_BYTES ||
                 atomic_load_explicit(&alloc->slabs[off >> SLAB_SHIFT].nslots,
                                      memory_order_acquire) == 0))
        return refuse_handle();
    SlabHandle h;
    memcpy(&h, p, sizeof(h));
    /* The header must name a live object, and exactly this one. */
    uint32_t slot;
    Slab *s;
    if (UNLIKELY(!handle_check(alloc, h, &s, &slot) ||
                 s->base + (size_t)slot * s->objsize != p))
        return refuse_handle();
    return slot_free(alloc, s, slot, (uint32_t)(h >> 32));
}

/* ------------------------------------------------------------------------
 * Address-level entry points (slab_addr.h): objects named by their address
 * alone, for callers that keep neither a handle nor a header.
 */

void *slab_addr_alloc(SlabAllocator *a, uint32_t size, EpochId epoch)
{
    return alloc_inner(a, size, epoch, NULL);
}

/* The slab, slot and generation of the live object that starts at ptr.
 * An address outside the arena is refused by the first comparison; one in
 * an uncarved slab reads nslots 0 (and slot_recip 0); one in the middle of
 * a slot, or of a free slot, fails the last two checks. */
static ALWAYS_INLINE bool addr_check(SlabAllocator *a, const void *ptr, Slab **slab_out,
                                     uint32_t *slot_out, uint32_t *gen_out)
{
    uintptr_t off = (uintptr_t)ptr - (uintptr_t)a->arena;
    if (UNLIKELY(off >= ARENA_BYTES))
        return false;
    Slab *s = &a->slabs[off >> SLAB_SHIFT];
    uint32_t in = (uint32_t)off & (SLAB_BYTES - 1);
    /* Acquire pairs with the release store of nslots in slab_get():
     * objsize and slot_recip are set.  slot_recip makes the division
     * exact for every offset below 2^16 (the error of the rounded-up
     * reciprocal stays under 1/objsize). */
    uint32_t n = atomic_load_explicit(&s->nslots, memory_order_acquire);
    uint32_t slot = (uint32_t)(((uint64_t)in * s->slot_recip) >> 32);
    if (UNLIKELY(slot >= n || slot * s->objsize != in))
        return false;
    uint32_t gen = atomic_load_explicit(&s->gen[slot], memory_order_relaxed);
    if (UNLIKELY(!(gen & 1)))
        return false;
    *slab_out = s;
    *slot_out = slot;
    *gen_out = gen;
    return true;
}

bool slab_addr_free(SlabAllocator *a, void *ptr)
{
    Slab *s;
    uint32_t slot, gen;
    if (UNLIKELY(!addr_check(a, ptr, &s, &slot, &gen)))
        return refuse_handle();
    return slot_free(a, s, slot, gen);
}

size_t slab_addr_size(SlabAllocator *a, const void *ptr)
{
    Slab *s;
    uint32_t slot, gen;
    if (!addr_check(a, ptr, &s, &slot, &gen))
        return 0;
    return s->objsize;
}

void slab_addr_trim(SlabAllocator *a, EpochId epoch)
{
    Heap *h = heap_cached(a);
    if (h == NULL || epoch >= SLAB_EPOCH_COUNT)
        return;
    for (unsigned c = 0; c < SLAB_NUM_CLASSES; c++)
        if (bin_holds_slabs(h, epoch, c))
            bin_release_empty(a, h, epoch, c);
}

/* ------------------------------------------------------------------------
 * Epochs
 */

SLAB_API EpochId epoch_current(SlabAllocator *alloc)
{
    if (alloc == NULL)
        return 0;
    return atomic_load_explicit(&alloc->current, memory_order_acquire);
}

SLAB_API bool epoch_is_open(SlabAllocator *alloc, EpochId epoch)
{
    if (alloc == NULL || epoch >= SLAB_EPOCH_COUNT)
        return false;
    return EPOCH_OPEN(atomic_load_explicit(&alloc->epochs[epoch].word,
                                           memory_order_acquire));
}

/* Stop allocation in the epoch slot's current era and give back the memory
 * of its empty slabs.  Caller holds a->epoch_lock. */
static void epoch_shut(SlabAllocator *a, EpochId epoch)
{
    uint32_t w = atomic_load_explicit(&a->epochs[epoch].word, memory_order_relaxed);
    if (!EPOCH_OPEN(w))
        return;
    /* Release pairs with the acquire loads in alloc_slow() and era_live():
     * from here no slab of this era is listed or handed out again. */
    atomic_store_explicit(&a->epochs[epoch].word, w & ~1u, memory_order_release);
    counter_add(&a->epoch_closes, 1);

    /* Heaps give back their slabs of this epoch at their next slow path
     * (heap_sweep()).  The calling thread's empty ones go back at once; it
     * keeps the others until then, so that the frees that usually follow a
     * close stay on the owner's path. */
    atomic_fetch_add_explicit(&a->epoch_changes, 1, memory_order_release);
    Heap *h = heap_cached(a);
    for (unsigned c = 0; c < SLAB_NUM_CLASSES; c++) {
        if (h)
            bin_release_empty(a, h, epoch, c);
        Bin *b = &a->bins[epoch][c];
        Slab *empties = NULL;
        pthread_mutex_lock(&b->lock);
        for (Slab *s = b->partial, *next; s; s = next) {
            next = s->next;
            list_remove(b, s);
            /* Acquire pairs with the release CASes of the detach and of
             * the pushes, as in slab_reconcile(). */
            uint64_t st = atomic_load_explicit(&s->state, memory_order_acquire);
            if (ST_MODE(st) == MODE_DETACHED && detached_empty(s, st) && slab_claim(s, st)) {
                s->next = empties;
                empties = s;
            }
        }
        pthread_mutex_unlock(&b->lock);
        for (Slab *s = empties, *next; s; s = next) {
            next = s->next;
            slab_release(a, s);
        }
    }
}

SLAB_API int epoch_close(SlabAllocator *alloc, EpochId epoch)
{
    if (alloc == NULL || epoch >= SLAB_EPOCH_COUNT) {
        errno = EINVAL;
        return -1;
    }
    pthread_mutex_lock(&alloc->epoch_lock);
    epoch_shut(alloc, epoch);
    pthread_mutex_unlock(&alloc->epoch_lock);
    return 0;
}

SLAB_API EpochId epoch_advance(SlabAllocator *alloc)
{
    if (alloc == NULL) {
        errno = EINVAL;
        return 0;
    }
    pthread_mutex_lock(&alloc->epoch_lock);
    EpochId next = (atomic_load_explicit(&alloc->current, memory_order_relaxed) + 1)
                   % SLAB_EPOCH_COUNT;
    epoch_shut(alloc, next);
    uint32_t w = atomic_load_explicit(&alloc->epochs[next].word, memory_order_relaxed);
    /* A new era: bins that cached the old word go to the slow path, and
     * slabs of the old era are never listed for it.  Release pairs with
     * the acquire loads of the word. */
    atomic_store_explicit(&alloc->epochs[next].word, ((EPOCH_ERA(w) + 1) << 1) | 1u,
                          memory_order_release);
    atomic_store_explicit(&alloc->current, next, memory_order_release);
    atomic_fetch_add_explicit(&alloc->epoch_changes, 1, memory_order_release);
    counter_add(&alloc->epoch_advances, 1);
    pthread_mutex_unlock(&alloc->epoch_lock);
    return next;
}

/* ------------------------------------------------------------------------
 * Creation and destruction
 */

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

/* fork(): a thread other than the forking one may hold any allocator lock
 * at that moment, and it does not exist in the child.  Every lock is
 * taken before the fork and released on both sides after, so that the
 * child starts with all of them free and every structure consistent.
 * The order is the core's lock order: the registry, then per allocator
 * its epoch lock, its bin locks (never nested with each other) and its
 * own lock, a leaf.  Heaps of threads that do not exist in the child stay
 * as they are: their objects remain valid and free remotely. */
static void fork_prepare(void)
{
    pthread_mutex_lock(&registry_lock);
    for (SlabAllocator *a = registry; a; a = a->reg_next) {
        pthread_mutex_lock(&a->epoch_lock);
        for (unsigned e = 0; e < SLAB_EPOCH_COUNT; e++)
            for (unsigned c = 0; c < SLAB_NUM_CLASSES; c++)
                pthread_mutex_lock(&a->bins[e][c].lock);
        pthread_mutex_lock(&a->lock);
    }
}

static void fork_parent(void)
{
    for (SlabAllocator *a = registry; a; a = a->reg_next) {
        pthread_mutex_unlock(&a->lock);
        for (unsigned e = 0; e < SLAB_EPOCH_COUNT; e++)
            for (unsigned c = 0; c < SLAB_NUM_CLASSES; c++)
                pthread_mutex_unlock(&a->bins[e][c].lock);
        pthread_mutex_unlock(&a->epoch_lock);
    }
    pthread_mutex_unlock(&registry_lock);
}

/* The child initialises the locks afresh instead of unlocking them: their
 * owner, as far as the mutexes know, is a thread of the parent. */
static void allocator_locks_init(SlabAllocator *a)
{
    pthread_mutex_init(&a->lock, NULL);
    pthread_mutex_init(&a->epoch_lock, NULL);
    for (unsigned e = 0; e < SLAB_EPOCH_COUNT; e++)
        for (unsigned c = 0; c < SLAB_NUM_CLASSES; c++)
            pthread_mutex_init(&a->bins[e][c].lock, NULL);
}

static void fork_child(void)
{
    for (SlabAllocator *a = registry; a; a = a->reg_next)
        allocator_locks_init(a);
    pthread_mutex_init(&registry_lock, NULL);
}

static pthread_once_t fork_once = PTHREAD_ONCE_INIT;

static void install_fork_handlers(void)
{
    /* Without the handlers (ENOMEM), a fork may leave a child's locks
     * held, as it did before they existed; nothing else changes. */
    (void)pthread_atfork(fork_prepare, fork_parent, fork_child);
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
    pthread_once(&fork_once, install_fork_handlers);
    allocator_locks_init(a);
    /* Every slot starts open in era 1, so any epoch id is usable. */
    for (unsigned e = 0; e < SLAB_EPOCH_COUNT; e++)
        atomic_init(&a->epochs[e].word, (1u << 1) | 1u);
    pthread_mutex_lock(&registry_lock);
    a->serial = ++registry_serial;
    a->reg_next = registry;
    registry = a;
    registry_created++;
    pthread_mutex_unlock(&registry_lock);
    a->salt = random_salt(a->serial);
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
    pthread_mutex_lock(&registry_lock);
    for (SlabAllocator **p = &registry; *p; p = &(*p)->reg_next) {
        if (*p == a) {
            *p = a->reg_next;
            break;
        }
    }
    for (unsigned c = 0; c < SLAB_NUM_CLASSES; c++) {
        ClassCounters *from = &a->counters[c], *to = &registry_retired[c];
        for (Heap *h = a->heaps; h; h = h->next) {
            counter_add(&to->allocs_slow, counter_get(&h->counters[c].allocs_slow));
            counter_add(&to->remote_frees, counter_get(&h->counters[c].remote_frees));
            counter_add(&to->cas_retries, counter_get(&h->counters[c].cas_retries));
        }
        counter_add(&to->allocs_slow, counter_get(&from->allocs_slow));
        counter_add(&to->remote_frees, counter_get(&from->remote_frees));
        counter_add(&to->cas_retries, counter_get(&from->cas_retries));
        counter_add(&to->new_slabs, counter_get(&from->new_slabs));
        counter_add(&to->recycled_slabs, counter_get(&from->recycled_slabs));
        counter_add(&to->released_slabs, counter_get(&from->released_slabs));
        counter_add(&to->madvised_bytes, counter_get(&from->madvised_bytes));
        for (unsigned r = 0; r < 3; r++)
            counter_add(&to->repairs[r], counter_get(&from->repairs[r]));
    }
    pthread_mutex_unlock(&registry_lock);

    if (tls_cache.alloc == a)
        tls_cache = (ThreadCache){ NO_ALLOCATOR, 0, NULL, 0 };
    for (Heap *h = a->heaps, *next; h; h = next) {
        next = h->next;
        meta_free(h, sizeof(*h));
    }
    munmap(a->arena, ARENA_BYTES);
    munmap(a->slabs, SLAB_TABLE_BYTES);
    munmap((void *)(a->gens - GEN_TABLE_SKEW / sizeof(uint32_t)), GEN_TABLE_BYTES);
    for (unsigned e = 0; e < SLAB_EPOCH_COUNT; e++)
        for (unsigned c = 0; c < SLAB_NUM_CLASSES; c++)
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

/* ------------------------------------------------------------------------
 * Counters
 */

static void class_collect(SlabAllocator *a, unsigned c, PerfCounters *out)
{
    ClassCounters *cc = &a->counters[c];
    out->allocs_slow += counter_get(&cc->allocs_slow);
    out->remote_frees += counter_get(&cc->remote_frees);
    out->cas_retries += counter_get(&cc->cas_retries);
    for (Heap *h = a->heaps; h; h = h->next) {
        out->allocs_slow += counter_get(&h->counters[c].allocs_slow);
        out->remote_frees += counter_get(&h->counters[c].remote_frees);
        out->cas_retries += counter_get(&h->counters[c].cas_retries);
    }
    out->new_slabs += counter_get(&cc->new_slabs);
    out->recycled_slabs += counter_get(&cc->recycled_slabs);
    out->released_slabs += counter_get(&cc->released_slabs);
    out->madvised_bytes += counter_get(&cc->madvised_bytes);
    out->repair_full_bitmap += counter_get(&cc->repairs[0]);
    out->repair_list_mismatch += counter_get(&cc->repairs[1]);
    out->repair_other += counter_get(&cc->repairs[2]);
    out->repairs = out->repair_full_bitmap + out->repair_list_mismatch + out->repair_other;
    uint64_t live = counter_get(&cc->live_slabs);
    out->live_slabs += live;
    out->resident_bytes += (live + a->warm[c]) * SLAB_BYTES;
}

SLAB_API bool get_perf_counters(SlabAllocator *alloc, unsigned class_index, PerfCounters *out)
{
    if (alloc == NULL || out == NULL || class_index >= SLAB_NUM_CLASSES) {
        errno = EINVAL;
        return false;
    }
    memset(out, 0, sizeof(*out));
    pthread_mutex_lock(&alloc->lock);      /* keeps the heap list still */
    class_collect(alloc, class_index, out);
    pthread_mutex_unlock(&alloc->lock);
    return true;
}

void slab_registry_collect(PerfCounters classes[SLAB_NUM_CLASSES],
                           slab_epoch_info epochs[SLAB_EPOCH_COUNT],
                           slab_process_info *info)
{
    memset(classes, 0, sizeof(PerfCounters) * SLAB_NUM_CLASSES);
    memset(epochs, 0, sizeof(slab_epoch_info) * SLAB_EPOCH_COUNT);
    memset(info, 0, sizeof(*info));
    pthread_mutex_lock(&registry_lock);
    for (unsigned c = 0; c < SLAB_NUM_CLASSES; c++) {
        ClassCounters *r = &registry_retired[c];
        classes[c].allocs_slow = counter_get(&r->allocs_slow);
        classes[c].remote_frees = counter_get(&r->remote_frees);
        classes[c].cas_retries = counter_get(&r->cas_retries);
        classes[c].new_slabs = counter_get(&r->new_slabs);
        classes[c].recycled_slabs = counter_get(&r->recycled_slabs);
        classes[c].released_slabs = counter_get(&r->released_slabs);
        classes[c].madvised_bytes = counter_get(&r->madvised_bytes);
        classes[c].repair_full_bitmap = counter_get(&r->repairs[0]);
        classes[c].repair_list_mismatch = counter_get(&r->repairs[1]);
        classes[c].repair_other = counter_get(&r->repairs[2]);
    }
    info->allocators_created = registry_created;
    for (SlabAllocator *a = registry; a; a = a->reg_next) {
        info->allocators++;
        pthread_mutex_lock(&a->lock);
        for (unsigned c = 0; c < SLAB_NUM_CLASSES; c++)
            class_collect(a, c, &classes[c]);
        pthread_mutex_unlock(&a->lock);
        info->mapped_bytes += counter_get(&a->mapped_bytes);
        info->epoch_advances += counter_get(&a->epoch_advances);
        info->epoch_closes += counter_get(&a->epoch_closes);
    }
    /* The registry is newest first: its head's epochs are published. */
    if (registry != NULL) {
        SlabAllocator *a = registry;
        EpochId cur = atomic_load_explicit(&a->current, memory_order_acquire);
        for (unsigned e = 0; e < SLAB_EPOCH_COUNT; e++) {
            uint32_t w = atomic_load_explicit(&a->epochs[e].word, memory_order_acquire);
            epochs[e].state = EPOCH_OPEN(w) ? SLAB_EPOCH_OPEN : SLAB_EPOCH_CLOSED;
            epochs[e].current = e == cur;
            epochs[e].era = EPOCH_ERA(w);
        }
        pthread_mutex_lock(&a->lock);
        for (uint32_t i = 0; i < a->nslabs; i++) {
            uint64_t st = atomic_load_explicit(&a->slabs[i].state, memory_order_relaxed);
            if (ST_MODE(st) != MODE_POOLED)
                epochs[atomic_load_explicit(&a->slabs[i].epoch, memory_order_relaxed)]
                    .live_slabs++;
        }
        pthread_mutex_unlock(&a->lock);
    }
    for (unsigned c = 0; c < SLAB_NUM_CLASSES; c++) {
        classes[c].repairs = classes[c].repair_full_bitmap +
                             classes[c].repair_list_mismatch + classes[c].repair_other;
        info->resident_bytes += classes[c].resident_bytes;
    }
    pthread_mutex_unlock(&registry_lock);
}

/* ------------------------------------------------------------------------
 * Debug hooks (slab_debug.h)
 */

/* Free the slots slab_debug_plant_zombie() held in a full slab. */
static void ballast_free(SlabAllocator *a, Slab *s)
{
    uint32_t n = atomic_load_explicit(&s->nslots, memory_order_relaxed);
    unsigned epoch;
    Bin *b = bin_lock_of(a, s, &epoch);
    s->ballast = 0;
    pthread_mutex_unlock(&b->lock);
    for (uint32_t i = 0; i < n; i++) {
        uint32_t g = atomic_load_explicit(&s->gen[i], memory_order_relaxed);
        if (g & 1)
            free_remote(a, s, i, g);
    }
}

SLAB_API int slab_debug_plant_zombie(SlabAllocator *alloc, uint32_t size, EpochId epoch,
                                     unsigned reason)
{
    int cls = slab_size_class(size);
    if (alloc == NULL || cls < 0 || epoch >= SLAB_EPOCH_COUNT ||
        (reason != REPAIR_REASON_FULL_BITMAP && reason != REPAIR_REASON_LIST_MISMATCH &&
         reason != REPAIR_REASON_OTHER)) {
        errno = EINVAL;
        return -1;
    }
    uint32_t word = atomic_load_explicit(&alloc->epochs[epoch].word, memory_order_acquire);
    if (!EPOCH_OPEN(word)) {
        errno = EINVAL;
        return -1;
    }
    Heap *h = heap_cached(alloc);
    if (h == NULL && (h = heap_get(alloc)) == NULL) {
        errno = ENOMEM;
        return -1;
    }
    bin_release_all(alloc, h, epoch, (unsigned)cls);

    uint64_t era = EPOCH_ERA(word);
    Slab *s = slab_get(alloc, (unsigned)cls, epoch,
                       reason == REPAIR_REASON_OTHER ? era - 1 : era, h->id);
    if (s == NULL)
        return -1;
    uint32_t used = 0;
    if (reason == REPAIR_REASON_FULL_BITMAP) {
        /* Hold every slot, as if allocated: full, yet on the partial list. */
        uint32_t n = atomic_load_explicit(&s->nslots, memory_order_relaxed);
        for (uint32_t i = 0; i < n; i++) {
            uint32_t g = atomic_load_explicit(&s->gen[i], memory_order_relaxed);
            if (g != GEN_RETIRED) {
                atomic_store_explicit(&s->gen[i], g + 1, memory_order_relaxed);
                used++;
            }
        }
        s->local_head = 0;
        s->ballast = 1;
    }
    s->used = used;
    Bin *b = &alloc->bins[epoch][cls];
    pthread_mutex_lock(&b->lock);
    /* Detach it (it came OWNED from slab_get()).  Release pairs with the
     * acquire loads of state by whoever takes or settles it. */
    atomic_store_explicit(&s->owner, NO_HEAP_ID, memory_order_relaxed);
    uint64_t st = atomic_load_explicit(&s->state, memory_order_relaxed);
    atomic_store_explicit(&s->state, ST_MAKE(0, 0, used, MODE_DETACHED, ST_INC(st)),
                          memory_order_release);
    list_push(b, s);
    if (reason == REPAIR_REASON_LIST_MISMATCH)
        s->list = LIST_NONE;        /* records no list, sits on the partial one */
    pthread_mutex_unlock(&b->lock);
    return 0;
}

SLAB_API int slab_debug_check(SlabAllocator *alloc, char *buf, size_t len)
{
#define FAIL(...) do { if (buf && len) snprintf(buf, len, __VA_ARGS__); \
                       pthread_mutex_unlock(&alloc->lock); return -1; } while (0)
    if (alloc == NULL) {
        errno = EINVAL;
        return -1;
    }
    pthread_mutex_lock(&alloc->lock);
    for (uint32_t i = 0; i < alloc->nslabs; i++) {
        {
            Slab *s = &alloc->slabs[i];
            uint32_t ns = atomic_load_explicit(&s->nslots, memory_order_relaxed);
            uint64_t st = atomic_load_explicit(&s->state, memory_order_relaxed);
            uint32_t allocated = 0, retired = 0;
            for (uint32_t k = 0; k < ns; k++) {
                uint32_t g = atomic_load_explicit(&s->gen[k], memory_order_relaxed);
                allocated += g & 1;
                retired += g == GEN_RETIRED;
            }
            if (ST_MODE(st) == MODE_POOLED) {
                if (allocated || (s->list != LIST_POOL && retired != ns))
                    FAIL("slab %u: pooled with %u allocated slots, list %u",
                         s->index, allocated, s->list);
                continue;
            }
            /* Every free slot is on exactly one of the two lists. */
            uint32_t free_local = 0, free_remote_n = 0;
            for (uint32_t k = s->local_head; k; k = *(uint32_t *)(s->base + (size_t)(k - 1) * s->objsize)) {
                if (k > ns || free_local > ns)
                    FAIL("slab %u: local free list broken", s->index);
                if (atomic_load_explicit(&s->gen[k - 1], memory_order_relaxed) & 1)
                    FAIL("slab %u: allocated slot %u on the free list", s->index, k - 1);
                if (slot_retired(s, k - 1))
                    FAIL("slab %u: retired slot %u on the free list", s->index, k - 1);
                free_local++;
            }
            for (uint32_t k = ST_HEAD(st), m = 0; m < ST_COUNT(st); m++) {
                if (k == 0 || k > ns)
                    FAIL("slab %u: remote free list broken", s->index);
                if (atomic_load_explicit(&s->gen[k - 1], memory_order_relaxed) & 1)
                    FAIL("slab %u: allocated slot %u on the remote list", s->index, k - 1);
                if (slot_retired(s, k - 1))
                    retired--;          /* counted below as on the stack */
                free_remote_n++;
                k = *(uint32_t *)(s->base + (size_t)(k - 1) * s->objsize);
            }
            if (allocated + free_local + free_remote_n + retired != ns)
                FAIL("slab %u: %u allocated + %u + %u free + %u retired != %u slots",
                     s->index, allocated, free_local, free_remote_n, retired, ns);
            if (ST_MODE(st) == MODE_OWNED && s->used - ST_COUNT(st) != allocated)
                FAIL("slab %u: owner's used count %u but %u slots allocated", s->index,
                     s->used - ST_COUNT(st), allocated);
            if (ST_MODE(st) == MODE_DETACHED && ST_USED(st) - ST_COUNT(st) != allocated)
                FAIL("slab %u: used count %u but %u slots allocated", s->index,
                     ST_USED(st) - ST_COUNT(st), allocated);
        }
    }
    for (unsigned e = 0; e < SLAB_EPOCH_COUNT; e++) {
        for (unsigned cl = 0; cl < SLAB_NUM_CLASSES; cl++) {
            uint32_t n = 0;
            for (Slab *s = alloc->bins[e][cl].partial; s; s = s->next) {
                if (++n > alloc->nslabs)
                    FAIL("partial list of epoch %u class %u has a cycle", e, cl);
                if (s->list != LIST_PARTIAL)
                    FAIL("slab %u: on a partial list but records list %u", s->index, s->list);
                if (atomic_load_explicit(&s->epoch, memory_order_relaxed) != e || s->cls != cl)
                    FAIL("slab %u: on the wrong bin", s->index);
                if (ST_MODE(atomic_load_explicit(&s->state, memory_order_relaxed)) !=
                    MODE_DETACHED)
                    FAIL("slab %u: on a partial list but not detached", s->index);
            }
        }
    }
    for (unsigned cl = 0; cl < SLAB_NUM_CLASSES; cl++) {
        uint32_t n = 0;
        for (Slab *s = alloc->pool[cl]; s; s = s->next) {
            if (++n > alloc->nslabs)
                FAIL("pool of class %u has a cycle", cl);
            if (s->list != LIST_POOL ||
                ST_MODE(atomic_load_explicit(&s->state, memory_order_relaxed)) != MODE_POOLED)
                FAIL("slab %u: in a pool but not pooled", s->index);
        }
    }
    pthread_mutex_unlock(&alloc->lock);
    if (buf && len)
        buf[0] = '\0';
    return 0;
#undef FAIL
}

void slab_test_set_pause(slab_test_pause_fn *fn)
{
    atomic_store_explicit(&test_pause, fn, memory_order_relaxed);
}

int slab_test_set_generation(SlabAllocator *alloc, SlabHandle freed, uint32_t gen)
{
    if (alloc == NULL || (gen & 1) != 0) {
        errno = EINVAL;
        return -1;
    }
    Slab *s = &alloc->slabs[(freed >> HANDLE_SLOT_BITS) & HANDLE_SLAB_MASK];
    uint32_t slot = (uint32_t)freed & HANDLE_SLOT_MASK;
    if (slot >= atomic_load_explicit(&s->nslots, memory_order_acquire) ||
        (atomic_load_explicit(&s->gen[slot], memory_order_relaxed) & 1) != 0) {
        errno = EINVAL;
        return -1;
    }
    atomic_store_explicit(&s->gen[slot], gen, memory_order_relaxed);
    return 0;
}
