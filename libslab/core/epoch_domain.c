/*
 * epoch_domain.c - scoped, nestable, per-thread epochs.
 *
 * Each thread keeps a stack of the domains it has entered.  A domain may be
 * entered by several threads at once (each pushes it on its own stack); it
 * counts its entries so that it is never destroyed while entered.
 */
#include "config.h"
#include "epoch_domain.h"

#include <errno.h>
#include <stdatomic.h>

#include "common.h"
#include "epoch_internal.h"
#include "meta.h"

struct EpochDomain {
    SlabAllocator *alloc;
    EpochId epoch;
    bool auto_close;
    _Atomic unsigned entered;   /* entries on all threads' stacks */
};

static __thread EpochDomain *stack[EPOCH_DOMAIN_MAX_DEPTH];
__thread unsigned epoch_domain_depth __attribute__((tls_model("initial-exec")));

SLAB_API EpochDomain *epoch_domain_wrap(SlabAllocator *alloc, EpochId epoch, bool auto_close)
{
    if (alloc == NULL || epoch >= SLAB_EPOCH_COUNT) {
        errno = EINVAL;
        return NULL;
    }
    EpochDomain *d = meta_alloc(sizeof(*d));
    if (d == NULL) {
        errno = ENOMEM;
        return NULL;
    }
    d->alloc = alloc;
    d->epoch = epoch;
    d->auto_close = auto_close;
    atomic_init(&d->entered, 0);
    return d;
}

SLAB_API EpochDomain *epoch_domain_create(SlabAllocator *alloc)
{
    if (alloc == NULL) {
        errno = EINVAL;
        return NULL;
    }
    return epoch_domain_wrap(alloc, epoch_advance(alloc), true);
}

SLAB_API int epoch_domain_destroy(EpochDomain *d)
{
    if (d == NULL) {
        errno = EINVAL;
        return -1;
    }
    if (atomic_load_explicit(&d->entered, memory_order_acquire) != 0) {
        errno = EBUSY;
        return -1;
    }
    if (d->auto_close)
        epoch_close(d->alloc, d->epoch);
    meta_free(d, sizeof(*d));
    return 0;
}

SLAB_API int epoch_domain_enter(EpochDomain *d)
{
    if (d == NULL) {
        errno = EINVAL;
        return -1;
    }
    if (epoch_domain_depth == EPOCH_DOMAIN_MAX_DEPTH) {
        errno = ELOOP;
        return -1;
    }
    stack[epoch_domain_depth++] = d;
    atomic_fetch_add_explicit(&d->entered, 1, memory_order_relaxed);
    return 0;
}

SLAB_API int epoch_domain_exit(EpochDomain *d)
{
    if (d == NULL) {
        errno = EINVAL;
        return -1;
    }
    if (epoch_domain_depth == 0 || stack[epoch_domain_depth - 1] != d) {
        errno = EPERM;
        return -1;
    }
    stack[--epoch_domain_depth] = NULL;
    /* Release pairs with the acquire in epoch_domain_destroy(): this
     * thread's use of the domain happens before its destruction. */
    atomic_fetch_sub_explicit(&d->entered, 1, memory_order_release);
    return 0;
}

SLAB_API EpochId epoch_domain_epoch(const EpochDomain *d)
{
    return d ? d->epoch : 0;
}

SLAB_API EpochDomain *epoch_domain_current(SlabAllocator *alloc)
{
    for (unsigned i = epoch_domain_depth; i-- > 0;)
        if (stack[i]->alloc == alloc)
            return stack[i];
    return NULL;
}

EpochId epoch_domain_thread_epoch(SlabAllocator *alloc)
{
    EpochDomain *d = epoch_domain_current(alloc);
    return d ? d->epoch : epoch_current(alloc);
}
