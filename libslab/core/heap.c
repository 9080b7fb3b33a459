/*
 * heap.c - heaps: each thread's slabs per size class and epoch (its
 * current slab, and its lists of slabs with and without free slots), their
 * giving back when an epoch closes, and the thread's exit.
 */
#include "config.h"

#include <pthread.h>
#include <string.h>
#include <time.h>

#include "core.h"
#include "meta.h"
#include "slab_addr.h"

slab heap_empty_slab;

/* Entries of a thread's heap table kept in its TLS: a thread of a
 * program with one allocator (the drop-in) maps no page for the table. */
#define THREAD_HEAPS_INLINE 4u

/* Every heap the thread has, for its exit.  Owned by the thread. */
typedef struct thread_heaps {
    size_t n, cap;
    thread_cache *v;            /* inline, or meta_alloc()ed beyond it */
    thread_cache inline_v[THREAD_HEAPS_INLINE];
} thread_heaps;

static __thread thread_heaps tls_heaps;
static pthread_key_t heap_key;
static pthread_once_t heap_key_once = PTHREAD_ONCE_INIT;

static void thread_exit(void *arg);

static void make_heap_key(void)
{
    /* If this fails, heaps are simply not released at thread exit; their
     * slabs stay owned and are reclaimed when the allocator is freed. */
    (void)pthread_key_create(&heap_key, thread_exit);
}

static heap *new_heap(SlabAllocator *a)
{
    static _Atomic uint64_t next_id = 1;
    heap *h = meta_alloc(sizeof(*h));
    if (h == NULL)
        return NULL;
    h->alloc = a;
    h->id = atomic_fetch_add_explicit(&next_id, 1, memory_order_relaxed);
    for (unsigned e = 0; e < SLAB_EPOCH_COUNT; e++)
        for (unsigned c = 0; c < SLAB_CORE_CLASSES; c++)
            h->cur[c][e] = &heap_empty_slab;
    pthread_mutex_lock(&a->lock);
    h->next = a->heaps;
    a->heaps = h;
    pthread_mutex_unlock(&a->lock);
    return h;
}

/* ------------------------------------------------------------------------
 * Dead heaps
 *
 * A thread that exits leaves its heap, with the slabs that still hold
 * objects, on the allocator's list of dead heaps (when reuse_heaps is
 * set), and the next new thread takes it over whole: its current slabs,
 * already resident and formatted, and its identity, so that the frees of
 * the objects the dead thread left are owner frees, not remote ones.  The
 * exiting thread gives back the empty slabs at once, as it did when it
 * released everything (they go to the bins and pools, where any thread
 * reuses them while they are resident).  Thread churn without this (2
 * threads a generation, 2000 objects each, half left to the next): every
 * thread mapped and faulted in a new heap and thread table (4 pages), and
 * each of its predecessor's objects was a remote free (a CAS, and a
 * reconcile under the bin lock when its slab emptied).
 *
 * A dead heap is given back (heap_release()) when more than DEAD_HEAPS
 * wait, when an epoch closes or moves on (so that no slab of a closed
 * epoch waits for a thread that may never come), and when the owner of
 * the allocator trims dead heaps older than its decay time
 * (slab_addr_trim_dead()): the slabs that became empty while it waited
 * (frees of other threads, pushed onto them) are given back then.
 */

/* The oldest dead heap of a, now the caller's, or NULL.  The oldest: of
 * threads started together and exiting in about the order they started,
 * the first new thread takes over the heap of the first to have started,
 * which in a program whose thread i hands its objects to the next thread
 * i, makes that thread's frees owner frees (test_malloc_churn's two
 * threads a generation: of 600,000 such frees, 360,000 to 496,000 were
 * remote when the newest was taken, 76,000 to 176,000 now).  The lock
 * orders everything the dead thread did with the heap and its slabs
 * before the caller's use. */
static heap *dead_take(SlabAllocator *a)
{
    pthread_mutex_lock(&a->lock);
    heap **p = &a->dead;
    while (*p != NULL && (*p)->next_dead != NULL)
        p = &(*p)->next_dead;
    heap *h = *p;
    if (h != NULL) {
        *p = NULL;
        a->ndead--;
    }
    pthread_mutex_unlock(&a->lock);
    return h;
}

/* Release the dead heaps of a left before before_ns (UINT64_MAX: all).
 * Called without locks but the caller's, which may be the epoch lock. */
void heap_dead_release(SlabAllocator *a, uint64_t before_ns)
{
    pthread_mutex_lock(&a->lock);
    heap **p = &a->dead;
    while (*p != NULL && (*p)->dead_ns >= before_ns)
        p = &(*p)->next_dead;       /* newest first: keep the young ones */
    heap *old = *p;
    *p = NULL;
    for (heap *h = old; h != NULL; h = h->next_dead)
        a->ndead--;
    pthread_mutex_unlock(&a->lock);
    for (heap *h = old, *next; h != NULL; h = next) {
        next = h->next_dead;
        heap_release(h);
    }
}

/* Thread exit with reuse_heaps: give back the heap's empty slabs and leave
 * the rest, with the heap, for the next thread. */
static void heap_die(heap *h)
{
    SlabAllocator *a = h->alloc;
    for (unsigned e = 0; e < SLAB_EPOCH_COUNT; e++)
        for (unsigned c = 0; c < SLAB_CORE_CLASSES; c++)
            if (heap_bin_holds_slabs(h, e, c))
                heap_bin_release_empty(a, h, e, c);
    h->dead_ns = slab_coarse_ns();
    heap *oldest = NULL;
    pthread_mutex_lock(&a->lock);
    h->next_dead = a->dead;
    a->dead = h;
    if (++a->ndead > DEAD_HEAPS) {
        heap **p = &a->dead;
        while ((*p)->next_dead != NULL)
            p = &(*p)->next_dead;
        oldest = *p;
        *p = NULL;
        a->ndead--;
    }
    pthread_mutex_unlock(&a->lock);
    if (oldest != NULL)
        heap_release(oldest);
}

void slab_addr_reuse_heaps(SlabAllocator *a)
{
    a->reuse_heaps = true;
}

void slab_addr_trim_dead(SlabAllocator *a, uint64_t now_ns, uint64_t age_ns)
{
    if (now_ns >= age_ns)
        heap_dead_release(a, now_ns - age_ns);
}

/* The calling thread's heap for a, created on first use; NULL when out of
 * memory.  Slow path of every call. */
NOINLINE heap *heap_get(SlabAllocator *a)
{
    thread_heaps *th = &tls_heaps;
    for (size_t i = 0; i < th->n; i++) {
        if (th->v[i].alloc == a && th->v[i].serial == a->serial) {
            slab_hot.cache = th->v[i];
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
            for (SlabAllocator *r = registry_list; r; r = r->reg_next)
                live |= r == th->v[i].alloc && r->serial == th->v[i].serial;
            if (live)
                th->v[k++] = th->v[i];
        }
        pthread_mutex_unlock(&registry_lock);
        th->n = k;
        if (th->n == th->cap && th->cap == 0) {
            th->v = th->inline_v;
            th->cap = THREAD_HEAPS_INLINE;
        } else if (th->n == th->cap) {
            size_t cap = th->cap * 2;
            thread_cache *v = meta_alloc(cap * sizeof(*v));
            if (v == NULL)
                return NULL;
            memcpy(v, th->v, th->n * sizeof(*v));
            if (th->v != th->inline_v)
                meta_free(th->v, th->cap * sizeof(*v));
            th->v = v;
            th->cap = cap;
        }
    }
    heap *h = a->reuse_heaps ? dead_take(a) : NULL;
    if (h == NULL)
        h = new_heap(a);
    if (h == NULL)
        return NULL;
    th->v[th->n++] = (thread_cache){ a, a->serial, h, h->id, 0 };
    slab_hot.cache = th->v[th->n - 1];
    (void)pthread_setspecific(heap_key, th);
    return h;
}

/* Circular lists of a heap's own slabs. */
void heap_ring_push(slab **head, slab *s, uint8_t list)
{
    slab *h = *head;
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

static void ring_remove(slab **head, slab *s)
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
static void disown(SlabAllocator *a, slab *s)
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
void heap_bin_release_all(SlabAllocator *a, heap *h, unsigned epoch, unsigned cls)
{
    slab **cur = &h->cur[cls][epoch];
    heap_lists *l = &h->lists[epoch][cls];
    slab *s = *cur;
    *cur = &heap_empty_slab;
    if (s != &heap_empty_slab)
        disown(a, s);
    while ((s = l->avail) != NULL) {
        ring_remove(&l->avail, s);
        disown(a, s);
    }
    while ((s = l->full) != NULL) {
        ring_remove(&l->full, s);
        disown(a, s);
    }
}

/* Whether an owned slab has every slot free, on either list. */
static bool owned_empty(const slab *s)
{
    return s->used == ST_COUNT(atomic_load_explicit(&s->state, memory_order_relaxed));
}

/* Give up the slabs a heap bin owns that hold no object. */
void heap_bin_release_empty(SlabAllocator *a, heap *h, unsigned epoch, unsigned cls)
{
    slab **cur = &h->cur[cls][epoch];
    heap_lists *l = &h->lists[epoch][cls];
    slab *s = *cur;
    if (s != &heap_empty_slab && owned_empty(s)) {
        *cur = &heap_empty_slab;
        disown(a, s);
    }
    slab **rings[2] = { &l->avail, &l->full };
    for (unsigned r = 0; r < 2; r++) {
        slab *first = *rings[r];
        if (first == NULL)
            continue;
        /* Walk the ring once, from its head to its tail. */
        slab *tail = first->prev;
        for (slab *next = first;;) {
            s = next;
            next = s->next;
            bool last = s == tail;
            if (owned_empty(s)) {
                ring_remove(rings[r], s);
                disown(a, s);
            }
            if (last)
                break;
        }
    }
}

/* An epoch closed or moved on somewhere: give back what this heap holds in
 * epochs whose word is no longer the one its bins were filled under.  An
 * epoch whose word is still the one of the last sweep is skipped whole: a
 * bin takes slabs only under the epoch's word of the moment (slow_alloc()),
 * and words never repeat, so every bin of it agrees already.  One close
 * changes one epoch's word and one advance another, so a sweep looks at
 * the bins of two epochs, not at all SLAB_EPOCH_COUNT x SLAB_CORE_CLASSES. */
void heap_sweep(SlabAllocator *a, heap *h)
{
    for (unsigned e = 0; e < SLAB_EPOCH_COUNT; e++) {
        uint32_t w = atomic_load_explicit(&a->epochs[e].word, memory_order_acquire);
        if (h->swept[e] == w)
            continue;
        for (unsigned c = 0; c < SLAB_CORE_CLASSES; c++)
            if (heap_bin_holds_slabs(h, e, c) && h->epoch_word[c][e] != w)
                heap_bin_release_all(a, h, e, c);
        h->swept[e] = w;
    }
}

/* Move the frees other threads pushed onto an owned slab to its local
 * list.  Returns whether the slab has a free slot now. */
bool heap_collect_remote(slab *s)
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
    slab_chain_splice(s, ST_HEAD(st), ST_COUNT(st));
    s->used -= ST_COUNT(st);
    return s->local_head != 0;
}

/* Another owned slab to allocate from: one with local frees, or a full one
 * other threads have freed into since. */
slab *heap_owned_take(heap_lists *l)
{
    slab *s;
    while ((s = l->avail) != NULL) {
        ring_remove(&l->avail, s);
        if (s->local_head != 0 || heap_collect_remote(s))
            return s;
        heap_ring_push(&l->full, s, LIST_FULL);
    }
    for (unsigned i = 0; i < FULL_SCAN && (s = l->full) != NULL; i++) {
        l->full = s->next;          /* look at the next one next time */
        if (ST_COUNT(atomic_load_explicit(&s->state, memory_order_relaxed)) != 0 &&
            heap_collect_remote(s)) {
            ring_remove(&l->full, s);
            return s;
        }
    }
    return NULL;
}

/* A local free gave a slab of the heap's full list a free slot again. */
NOINLINE void heap_owned_refilled(slab *s)
{
    if (s->list != LIST_FULL)
        return;                     /* the current slab */
    heap_lists *l = &slab_hot.cache.heap->lists[atomic_load_explicit(&s->epoch, memory_order_relaxed)]
                                         [s->cls];
    ring_remove(&l->full, s);
    heap_ring_push(&l->avail, s, LIST_AVAIL);
}

/* Fold a heap's counters into the allocator, detach its slabs, free it.
 * Called with the allocator alive, by the heap's thread or at destruction. */
void heap_release(heap *h)
{
    SlabAllocator *a = h->alloc;
    for (unsigned e = 0; e < SLAB_EPOCH_COUNT; e++)
        for (unsigned c = 0; c < SLAB_CORE_CLASSES; c++)
            heap_bin_release_all(a, h, e, c);
    /* Fold and unlink in one critical section: class_collect(), which
     * walks the heaps under the same lock, counts the heap exactly once. */
    pthread_mutex_lock(&a->lock);
    for (unsigned c = 0; c < SLAB_CORE_CLASSES; c++) {
        counter_add(&a->counters[c].allocs_slow, counter_get(&h->counters[c].allocs_slow));
        counter_add(&a->counters[c].remote_frees, counter_get(&h->counters[c].remote_frees));
        counter_add(&a->counters[c].cas_retries, counter_get(&h->counters[c].cas_retries));
    }
    for (heap **p = &a->heaps; *p; p = &(*p)->next) {
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
    thread_heaps *th = arg;
    pthread_mutex_lock(&registry_lock);
    for (size_t i = 0; i < th->n; i++) {
        for (SlabAllocator *r = registry_list; r; r = r->reg_next) {
            if (r == th->v[i].alloc && r->serial == th->v[i].serial) {
                if (r->reuse_heaps)
                    heap_die(th->v[i].heap);
                else
                    heap_release(th->v[i].heap);
                break;
            }
        }
    }
    pthread_mutex_unlock(&registry_lock);
    if (th->v != th->inline_v)
        meta_free(th->v, th->cap * sizeof(*th->v));
    th->v = NULL;
    th->n = th->cap = 0;
    slab_hot.cache = (thread_cache){ NO_ALLOCATOR, 0, NULL, 0, 0 };
}

void slab_addr_trim(SlabAllocator *a, EpochId epoch)
{
    heap *h = heap_cached(a);
    if (h == NULL || epoch >= SLAB_EPOCH_COUNT)
        return;
    for (unsigned c = 0; c < SLAB_CORE_CLASSES; c++)
        if (heap_bin_holds_slabs(h, epoch, c))
            heap_bin_release_empty(a, h, epoch, c);
}
