/*
 * slab.c - slabs: carving them from the arena, formatting their free
 * lists, the class pools, the bins' partial lists, and settling a slab
 * nobody owns when a free changes it (slab_reconcile()).
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <sys/mman.h>

#include "core.h"

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

const uint32_t slab_class_bytes[SLAB_CORE_CLASSES] = { SLAB_CORE_CLASS_SIZES };

/* The reported row of each class: the smallest row size (SLAB_CLASS_SIZES)
 * at least the class's own. */
const uint8_t slab_class_row[SLAB_CORE_CLASSES] = {
    0, 0, 0, 0,     /*  16  32  48  64 -> 64 */
    1, 1,           /*  80  96 -> 96 */
    2, 2,           /* 112 128 -> 128 */
    3, 3,           /* 160 192 -> 192 */
    4, 4,           /* 224 256 -> 256 */
    5, 5,           /* 320 384 -> 384 */
    6, 6,           /* 448 512 -> 512 */
    7, 7,           /* 640 768 -> 768 */
};

/* Class of a size 1..768, indexed by size - 1: the fast path has that
 * value from its range check, and a byte per size rather than one per 16
 * bytes saves the shift. */
#define R4(c) c, c, c, c
#define R16(c) R4(c), R4(c), R4(c), R4(c)
#define R32(c) R16(c), R16(c)
#define R64(c) R32(c), R32(c)
#define R128(c) R64(c), R64(c)
const uint8_t slab_class_of[] = {
    R16(0), R16(1), R16(2), R16(3),             /*   1 ..  16 .. 32 .. 48 .. 64 */
    R16(4), R16(5), R16(6), R16(7),             /*  65 ..  80 .. 96 .. 112 .. 128 */
    R32(8), R32(9), R32(10), R32(11),           /* 129 .. 160 .. 192 .. 224 .. 256 */
    R64(12), R64(13), R64(14), R64(15),         /* 257 .. 320 .. 384 .. 448 .. 512 */
    R128(16), R128(17),                         /* 513 .. 640 .. 768 */
};
_Static_assert(sizeof(slab_class_of) == SLAB_MAX_SIZE, "a class for every size");
#undef R128
#undef R64
#undef R32
#undef R16
#undef R4

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
static void format_slots(slab *s)
{
    /* The slab's fields in locals: the links are stored through char
     * pointers, which could alias them, and a 16-byte slab has 4096 slots
     * (about 6 instructions each this way, 10 with the reloads). */
    uint32_t n = atomic_load_explicit(&s->nslots, memory_order_relaxed);
    uint32_t size = s->objsize;
    _Atomic uint32_t *gen = s->gen;
    char *p = s->base + (size_t)n * size;
    uint32_t head = 0;
    SLAB_UNPOISON(s->base, SLAB_BYTES);
    for (uint32_t i = n; i-- > 0;) {
        p -= size;
        if (atomic_load_explicit(&gen[i], memory_order_relaxed) != GEN_RETIRED) {
            *(uint32_t *)p = head;
            head = i + 1;
        }
        slot_poison(p, size);
    }
    s->local_head = head;
    s->used = 0;
}

/* Put the count slots of a remote chain starting at head (slot + 1) on the
 * local free list of s, leaving out the slots their last free retired.
 * The caller has taken the chain off the state word with acquire. */
void slab_chain_splice(slab *s, uint32_t head, uint32_t count)
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

/* Carve a new slab of class cls.  a->lock held.  NULL when out of slabs,
 * generation words or memory. */
static slab *carve(SlabAllocator *a, unsigned cls)
{
    uint32_t size = slab_class_bytes[cls];
    uint32_t nslots = SLAB_BYTES / size;
    if (a->nslabs == MAX_SLABS || a->gens_used + nslots > GEN_TABLE_WORDS)
        return NULL;
    slab *s = &a->slabs[a->nslabs];
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
    s->index = (uint32_t)(s - a->slabs);
    s->handle_base = (uint64_t)s->index << HANDLE_SLOT_BITS;
    s->gen = a->gens + a->gens_used;
    a->gens_used += nslots;
    s->cls = (uint8_t)cls;
    s->objsize = size;
    s->slot_recip = (uint32_t)(((UINT64_C(1) << 32) + size - 1) / size);
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
slab *slab_get(SlabAllocator *a, unsigned cls, unsigned epoch, uint64_t era,
                      uint64_t owner)
{
    class_counters *cc = &a->counters[cls];
    for (;;) {
        pthread_mutex_lock(&a->lock);
        slab *s = a->pool[cls];
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
        } else if ((s = carve(a, cls)) == NULL) {
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
            format_slots(s);     /* a warm slab's free list is whole */
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
void slab_release(SlabAllocator *a, slab *s)
{
    test_point(SLAB_TEST_RELEASE, a);
    class_counters *cc = &a->counters[s->cls];
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
        slab_chain_splice(s, ST_HEAD(st), ST_COUNT(st));
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
    /* Warm slabs first, so that slab_get() takes one while there is one:
     * a cold slab pushed in front of them would be faulted in and
     * formatted again while they sat unused (at most POOL_WARM to pass). */
    slab **at = &a->pool[s->cls];
    if (!warm)
        while (*at != NULL && (*at)->warm)
            at = &(*at)->next;
    s->next = *at;
    *at = s;
    pthread_mutex_unlock(&a->lock);
}

/* ------------------------------------------------------------------------
 * Partial lists (bin lock held)
 */

void slab_list_push(bin *b, slab *s)
{
    s->prev = NULL;
    s->next = b->partial;
    if (b->partial)
        b->partial->prev = s;
    b->partial = s;
    s->list = LIST_PARTIAL;
}

void slab_list_remove(bin *b, slab *s)
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

/* Claim the release of an empty DETACHED slab whose state word was st:
 * the one transition DETACHED -> POOLED, made by exactly one thread.  The
 * claimer then calls slab_release(); a loser leaves the slab alone.  bin
 * lock held. */
bool slab_claim(slab *s, uint64_t st)
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
bin *slab_bin_lock(SlabAllocator *a, slab *s, unsigned *epoch)
{
    for (;;) {
        unsigned e = atomic_load_explicit(&s->epoch, memory_order_relaxed);
        bin *b = &a->bins[e][s->cls];
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
void slab_reconcile(SlabAllocator *a, slab *s, uint32_t inc)
{
    unsigned epoch;
    bin *b = slab_bin_lock(a, s, &epoch);
    bool release = false;
    /* Acquire pairs with the release CAS of the detach and of every push,
     * and with slab_get()'s store: the used count, the pushed slots' links,
     * and this incarnation's epoch and era are visible. */
    uint64_t st = atomic_load_explicit(&s->state, memory_order_acquire);
    if (ST_MODE(st) == MODE_DETACHED && ST_INC(st) == (inc & ST_INC_MASK) &&
        atomic_load_explicit(&s->epoch, memory_order_relaxed) == epoch) {
        bool has_free = s->local_head != 0 || ST_COUNT(st) != 0;
        bool empty = slab_detached_empty(s, st);
        bool live = era_live(a, epoch, s->era);
        if (empty && live && (s->parked || b->parked < BIN_PARKED)) {
            if (s->list != LIST_PARTIAL)
                slab_list_push(b, s);
            if (!s->parked) {
                s->parked = 1;
                b->parked++;
            }
        } else if (empty) {
            if (s->list == LIST_PARTIAL)
                slab_list_remove(b, s);
            release = slab_claim(s, st);
        } else if (s->list != LIST_PARTIAL && has_free && live) {
            slab_list_push(b, s);
        }
    }
    pthread_mutex_unlock(&b->lock);
    if (release)
        slab_release(a, s);
}
