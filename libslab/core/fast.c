/*
 * fast.c - the fast path: handle and malloc-style allocation and free.
 *
 * A thread allocates from and frees into the current slab of its own heap;
 * anything else (no heap yet, an empty current slab, an epoch that closed
 * or moved on, a slab another thread owns) leaves through one unlikely
 * branch to slow.c.  The four entry points share the inline helpers below,
 * so that slab_malloc() and slab_free() reach them without a call through
 * an exported symbol (no PLT), and slab_malloc() reads the epoch domain
 * stack only when the thread has entered a domain.
 *
 * Budget: at most 105 instructions per handle alloc+free pair and 131 per
 * malloc-style pair (x86-64, gcc -O2, sampling compiled in; 128-byte
 * objects; callgrind, `make bench BENCH_ARGS=--only=callgrind`, harness
 * subtracted; measured 104 and 130).  What each branch pays for:
 *   alloc  sampler countdown     the 1-in-N timing sample (one decrement
 *                                and one branch: it shares the heap
 *                                cache's TLS object, thread_hot.h)
 *          heap_fast()           the thread's heap for this allocator, and
 *                                no epoch closed or moved on since its bins
 *                                were last checked (one key for both)
 *          size/epoch range      argument checks (one compare each)
 *          local_head == 0       refill (slow_alloc())
 *   free   even generation       zero and most forged handles
 *          nslots, generation    forged, foreign, stale, double frees
 *          owner != this heap    a free from another thread (slow)
 *          generation CAS        two threads freeing one handle at once:
 *                                exactly one wins (a locked instruction)
 *          last generation       the slot retires (slow)
 *          head == 0             the slab leaves the heap's full list
 *   slab_free adds the header read and the arena range check (never read a
 *   header outside the allocator's slabs); slab_malloc the header write.
 */
#include "config.h"
#include "slab_alloc.h"

#include <errno.h>
#include <string.h>

#include "core.h"
#include "epoch_internal.h"
#include "sampler.h"
#include "slab_addr.h"

static ALWAYS_INLINE void *alloc_inner(SlabAllocator *a, uint32_t size, EpochId epoch,
                                       SlabHandle *out)
{
    heap *h = heap_fast(a);
    if (UNLIKELY(h == NULL || size - 1 >= SLAB_MAX_SIZE || epoch >= SLAB_EPOCH_COUNT))
        return slow_alloc(a, size, epoch, out);
    slab *s = h->cur[slab_class_of[size - 1]][epoch];
    uint32_t head = s->local_head;
    if (UNLIKELY(head == 0))
        return slow_alloc(a, size, epoch, out);
    return slot_pop(s, head, out);
}

#ifdef ENABLE_SLOWPATH_SAMPLING
/* The sampler's countdown ran out: time this call if it is a sample. */
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

/* alloc_obj_epoch() itself, for the malloc-style entry points too. */
static ALWAYS_INLINE void *alloc_entry(SlabAllocator *a, uint32_t size, EpochId epoch,
                                       SlabHandle *out)
{
#ifdef ENABLE_SLOWPATH_SAMPLING
    if (slab_sampler_tick())
        return alloc_sampled(a, size, epoch, out);
#endif
    return alloc_inner(a, size, epoch, out);
}

/* The slab and slot a handle names, if it names a live object of a.  The
 * slab table covers every index a handle can hold (uncarved slabs read as
 * zero: no slots), and a slot's generation is odd only while it is
 * allocated, so one comparison settles forged, foreign, stale and
 * double-freed handles alike. */
static ALWAYS_INLINE bool handle_check(SlabAllocator *a, SlabHandle handle,
                                       slab **slab_out, uint32_t *slot_out)
{
    if (UNLIKELY(!(handle & (1ull << 32))))
        return false;                   /* an even generation: never live */
    slab *s = &a->slabs[(handle >> HANDLE_SLOT_BITS) & HANDLE_SLAB_MASK];
    uint32_t slot = (uint32_t)handle & HANDLE_SLOT_MASK;
    if (UNLIKELY(slot >= atomic_load_explicit(&s->nslots, memory_order_acquire) ||
                 atomic_load_explicit(&s->gen[slot], memory_order_relaxed) !=
                     (uint32_t)(handle >> 32)))
        return false;
    *slab_out = s;
    *slot_out = slot;
    return true;
}

/* Free slot of s, named by a handle with generation gen that has passed
 * handle_check(). */
static ALWAYS_INLINE bool slot_free(SlabAllocator *alloc, slab *s, uint32_t slot, uint32_t gen)
{
    if (UNLIKELY(atomic_load_explicit(&s->owner, memory_order_relaxed) != slab_hot.cache.heap_id))
        return slow_free_remote(alloc, s, slot, gen);
    /* A CAS even here, so that another thread freeing the same handle at
     * the same moment cannot also win (see slow_free_remote()).  Relaxed:
     * only this thread pops the slot again. */
    if (UNLIKELY(!atomic_compare_exchange_strong_explicit(&s->gen[slot], &gen, gen + 1,
                                                          memory_order_relaxed,
                                                          memory_order_relaxed)))
        return slow_refuse();
    if (UNLIKELY(gen + 1 == GEN_RETIRED))
        return slow_retire(s, slot);
    char *p = slot_addr(s, slot);
    uint32_t head = s->local_head;
    *(uint32_t *)p = head;
    slot_poison(p, s->objsize);
    s->local_head = slot + 1;
    s->used--;
    if (UNLIKELY(head == 0))
        heap_owned_refilled(s);
    return true;
}

/* slot_free() out of line, for slow_free_remote() when the calling thread
 * turns out to own s after all (its first call took over a dead heap). */
NOINLINE bool slab_free_owned(SlabAllocator *alloc, slab *s, uint32_t slot, uint32_t gen)
{
    return slot_free(alloc, s, slot, gen);
}

/* ------------------------------------------------------------------------
 * Handles
 */

SLAB_API void *alloc_obj_epoch(SlabAllocator *alloc, uint32_t size, EpochId epoch,
                               SlabHandle *out_handle)
{
    return alloc_entry(alloc, size, epoch, out_handle);
}

SLAB_API bool free_obj(SlabAllocator *alloc, SlabHandle handle)
{
    uint32_t slot;
    slab *s;
    if (UNLIKELY(alloc == NULL || !handle_check(alloc, handle, &s, &slot)))
        return slow_refuse();
    return slot_free(alloc, s, slot, (uint32_t)(handle >> 32));
}

/* ------------------------------------------------------------------------
 * malloc style: the handle sits in a 16-byte header before the object.
 */

static ALWAYS_INLINE void *malloc_entry(SlabAllocator *alloc, size_t size, EpochId epoch)
{
    if (UNLIKELY(size - 1 >= SLAB_MALLOC_MAX)) {
        errno = EINVAL;
        return NULL;
    }
    SlabHandle h;
    char *p = alloc_entry(alloc, (uint32_t)size + SLAB_MALLOC_HEADER, epoch, &h);
    if (UNLIKELY(p == NULL))
        return NULL;
    memcpy(p, &h, sizeof(h));
    return p + SLAB_MALLOC_HEADER;
}

SLAB_API void *slab_malloc_epoch(SlabAllocator *alloc, size_t size, EpochId epoch)
{
    return malloc_entry(alloc, size, epoch);
}

SLAB_API void *slab_malloc(SlabAllocator *alloc, size_t size)
{
    if (UNLIKELY(alloc == NULL)) {
        errno = EINVAL;
        return NULL;
    }
    /* The domain stack is walked only by a thread inside a domain.
     * Acquire pairs with the release store of current in epoch_advance(),
     * as in epoch_current(). */
    EpochId e = LIKELY(epoch_domain_depth == 0)
                    ? atomic_load_explicit(&alloc->current, memory_order_acquire)
                    : epoch_domain_thread_epoch(alloc);
    return malloc_entry(alloc, size, e);
}

SLAB_API bool slab_free(SlabAllocator *alloc, void *ptr)
{
    if (ptr == NULL)
        return true;
    if (UNLIKELY(alloc == NULL || ((uintptr_t)ptr & (SLAB_ALIGNMENT - 1)) != 0))
        return slow_refuse();
    /* Read no header outside the allocator's carved slabs: a small
     * integer, another allocator's or malloc()'s memory, or a pointer whose
     * header page is unmapped is refused before it is touched (and before
     * any pointer arithmetic on it).  The acquire pairs with the release
     * store of nslots in carve(): the slab's memory is mapped once nslots
     * is set. */
    uintptr_t off = (uintptr_t)ptr - SLAB_MALLOC_HEADER - (uintptr_t)alloc->arena;
    if (UNLIKELY(off >= ARENA_BYTES ||
                 atomic_load_explicit(&alloc->slabs[off >> SLAB_SHIFT].nslots,
                                      memory_order_acquire) == 0))
        return slow_refuse();
    char *p = alloc->arena + off;
    SlabHandle h;
    memcpy(&h, p, sizeof(h));
    /* The header must name a live object, and exactly this one. */
    uint32_t slot;
    slab *s;
    if (UNLIKELY(!handle_check(alloc, h, &s, &slot) || slot_addr(s, slot) != p))
        return slow_refuse();
    return slot_free(alloc, s, slot, (uint32_t)(h >> 32));
}

/* ------------------------------------------------------------------------
 * The rest: lookups, and objects named by address (slab_addr.h)
 */

SLAB_API void *slab_handle_ptr(SlabAllocator *alloc, SlabHandle handle)
{
    uint32_t slot;
    slab *s;
    if (alloc == NULL || !handle_check(alloc, handle, &s, &slot)) {
        errno = EINVAL;
        return NULL;
    }
    return slot_addr(s, slot);
}

/* The reported row (SLAB_CLASS_SIZES) whose counters a size's class
 * feeds: the smallest row size at least size, since every row size is a
 * class size too. */
SLAB_API int slab_size_class(uint32_t size)
{
    if (size == 0 || size > SLAB_MAX_SIZE)
        return -1;
    return slab_class_row[slab_class_of[size - 1]];
}

/* The slab, slot and generation of the live object that starts at ptr.
 * An address outside the arena is refused by the first comparison; one in
 * an uncarved slab reads nslots 0 (and slot_recip 0); one in the middle of
 * a slot, or of a free slot, fails the last two checks. */
static ALWAYS_INLINE bool addr_check(SlabAllocator *a, const void *ptr, slab **slab_out,
                                     uint32_t *slot_out, uint32_t *gen_out)
{
    uintptr_t off = (uintptr_t)ptr - (uintptr_t)a->arena;
    if (UNLIKELY(off >= ARENA_BYTES))
        return false;
    slab *s = &a->slabs[off >> SLAB_SHIFT];
    uint32_t in = (uint32_t)off & (SLAB_BYTES - 1);
    /* Acquire pairs with the release store of nslots in carve():
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

void *slab_addr_alloc(SlabAllocator *a, uint32_t size, EpochId epoch)
{
    return alloc_inner(a, size, epoch, NULL);
}

bool slab_addr_free(SlabAllocator *a, void *ptr)
{
    slab *s;
    uint32_t slot, gen;
    if (UNLIKELY(!addr_check(a, ptr, &s, &slot, &gen)))
        return slow_refuse();
    return slot_free(a, s, slot, gen);
}

size_t slab_addr_size(SlabAllocator *a, const void *ptr)
{
    slab *s;
    uint32_t slot, gen;
    if (!addr_check(a, ptr, &s, &slot, &gen))
        return 0;
    return s->objsize;
}
