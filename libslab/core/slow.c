/*
 * slow.c - everything the fast path (fast.c) falls back to: refilling the
 * thread's current slab (from its own slabs, the bin's partial list, the
 * class pool or fresh memory), repairing the zombies it meets on the way,
 * and freeing into a slab the calling thread does not own.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>

#include "core.h"
#include "sampler.h"
#include "slab_stats.h"

#ifdef ENABLE_SLOWPATH_SAMPLING
/* The sampler's REPAIR_REASON_* bit of each reason. */
static const unsigned reason_bit[3] = {
    REPAIR_REASON_FULL_BITMAP, REPAIR_REASON_LIST_MISMATCH, REPAIR_REASON_OTHER
};
#endif

/* What partial_take() found wrong with a slab, to finish and record once
 * the bin lock is dropped. */
typedef struct repair {
    int reason;                 /* index into reason_bit[], or -1 */
    slab *settle;               /* slab to reconcile or to free the ballast of */
    uint32_t inc;               /* its incarnation when met */
#ifdef ENABLE_SLOWPATH_SAMPLING
    slab_sample_clock t0;
#endif
} repair;

static void repair_start(repair *rep, int reason, slab *settle, uint64_t st)
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
 * repair and tries again.  bin lock held. */
static slab *partial_take(bin *b, heap *h, unsigned cls, uint64_t era, repair *rep)
{
    slab *s = b->partial;
    if (s == NULL)
        return NULL;
    /* Acquire pairs with the release CASes of pushers and of the detach:
     * the remote chain, the local list and the used count are visible. */
    uint64_t st = atomic_load_explicit(&s->state, memory_order_acquire);
    bool mismatch = s->list != LIST_PARTIAL;
    if (mismatch)
        repair_start(rep, 1, NULL, st); /* records another list than its own */
    slab_list_remove(b, s);
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
    slab_chain_splice(s, ST_HEAD(st), ST_COUNT(st));
    s->used = ST_USED(st) - ST_COUNT(st);
    atomic_store_explicit(&s->owner, h->id, memory_order_relaxed);
    return s;
}

/* Finish a repair partial_take() started, outside the bin lock. */
static void repair_finish(SlabAllocator *a, unsigned cls, repair *rep)
{
    slab *s = rep->settle;
    if (s != NULL) {
        if (s->ballast)
            debug_ballast_free(a, s);
        else
            slab_reconcile(a, s, rep->inc);
    }
    counter_add(&a->counters[cls].repairs[rep->reason], 1);
#ifdef ENABLE_SLOWPATH_SAMPLING
    slab_sampler_repair(reason_bit[rep->reason], &rep->t0);
#endif
}

/* The end of every successful slow_alloc(): every bin of the thread's
 * heap agrees with the ring as of changes (swept, or refilled after the
 * word was read), so the fast path may skip the epoch check until
 * epoch_changes moves on (heap_fast()).  Stored last, so that nothing the
 * slow path called in between found the fast path open. */
static ALWAYS_INLINE void *refilled(uint64_t changes, slab *s, SlabHandle *out)
{
    slab_hot.cache.key = changes;
    return slot_pop(s, s->local_head, out);
}

/* Everything that is not a pop from the current slab. */
NOINLINE void *slow_alloc(SlabAllocator *a, uint32_t size, EpochId epoch,
                                 SlabHandle *out)
{
    if (a == NULL || size == 0 || size > SLAB_MAX_SIZE || epoch >= SLAB_EPOCH_COUNT) {
        errno = EINVAL;
        return NULL;
    }
    heap *h = heap_cached(a);
    if (h == NULL && (h = heap_get(a)) == NULL) {
        errno = ENOMEM;
        return NULL;
    }
    unsigned cls = slab_class_of[size - 1];
    slab **cur = &h->cur[cls][epoch];
    uint32_t *epoch_word = &h->epoch_word[cls][epoch];
    counter_bump(&h->counters[cls].allocs_slow);
    slab_sampler_note_path(SLAB_PATH_REFILL);

    uint64_t changes = atomic_load_explicit(&a->epoch_changes, memory_order_acquire);
    if (UNLIKELY(h->seen_changes != changes)) {
        h->seen_changes = changes;
        heap_sweep(a, h);
    }
    uint32_t word = atomic_load_explicit(&a->epochs[epoch].word, memory_order_acquire);
    if (*epoch_word != word && heap_bin_holds_slabs(h, epoch, cls))
        heap_bin_release_all(a, h, epoch, cls);     /* the epoch closed or moved on */
    if (!EPOCH_OPEN(word)) {
        errno = EPERM;
        return NULL;
    }

    heap_lists *l = &h->lists[epoch][cls];
    slab *s = *cur;
    if (s != &heap_empty_slab) {
        if (s->local_head != 0 || heap_collect_remote(s))
            return refilled(changes, s, out);
        heap_ring_push(&l->full, s, LIST_FULL);
        *cur = &heap_empty_slab;
    }
    s = heap_owned_take(l);
    if (s != NULL) {
        *cur = s;
        *epoch_word = word;
        return refilled(changes, s, out);
    }

    bin *b = &a->bins[epoch][cls];
    slab_sampler_note_path(SLAB_PATH_PARTIAL);
    for (;;) {
        repair rep = { .reason = -1 };
        pthread_mutex_lock(&b->lock);
        test_point(SLAB_TEST_BIN_LOCKED, a);
        s = partial_take(b, h, cls, EPOCH_ERA(word), &rep);
        pthread_mutex_unlock(&b->lock);
        if (rep.reason >= 0)
            repair_finish(a, cls, &rep);
        if (s != NULL && s->local_head == 0) {
            /* Its remote frees were all of retired slots: ours, but full. */
            heap_ring_push(&l->full, s, LIST_FULL);
            continue;
        }
        if (s != NULL || rep.reason < 0)
            break;
    }
    if (s == NULL) {
        slab_sampler_note_path(SLAB_PATH_NEW_SLAB);
        s = slab_get(a, cls, epoch, EPOCH_ERA(word), h->id);
        if (s == NULL)
            return NULL;
        test_point(SLAB_TEST_GOT_SLAB, a);
    }
    /* The epoch may have closed while we looked: then the slab is given
     * back at once, and its era check sends the next call here again. */
    *cur = s;
    *epoch_word = word;
    return refilled(changes, s, out);
}

/* Free a slot of a slab the calling thread does not own: claim the slot by
 * moving its generation on, then push it onto the slab's remote stack (a
 * slot the free retires too: whoever collects the stack leaves it out). */
NOINLINE bool slow_free_remote(SlabAllocator *a, slab *s, uint32_t slot, uint32_t gen)
{
    /* Relaxed: the CAS only decides which of two frees of one handle wins
     * (the owner's free is a CAS on the same word).  It pairs with
     * nothing: the allocation's store of the generation is relaxed, and
     * the handle reached us by the program's own synchronisation.  What
     * orders our use of the object before its reuse is the push's release
     * below. */
    heap *h = heap_cached(a);
    if (h == NULL) {
        /* The thread's first call: the heap it gets may be a dead one
         * that owns s (heap.c, "Dead heaps"), and then this is an owner's
         * free. */
        h = heap_get(a);
        if (h != NULL && atomic_load_explicit(&s->owner, memory_order_relaxed) == h->id)
            return slab_free_owned(a, s, slot, gen);
    }
    if (!atomic_compare_exchange_strong_explicit(&s->gen[slot], &gen, gen + 1,
                                                 memory_order_relaxed,
                                                 memory_order_relaxed)) {
        errno = EINVAL;
        return false;
    }
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
         * in heap_collect_remote(), partial_take(), slab_reconcile() and
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
COLD bool slow_refuse(void)
{
    errno = EINVAL;
    return false;
}

/* The owner's free of a slot whose generation reaches its end: the slot
 * leaves the slab's free lists for good. */
COLD bool slow_retire(slab *s, uint32_t slot)
{
    slot_poison(slot_addr(s, slot), s->objsize);
    s->used--;
    return true;
}
