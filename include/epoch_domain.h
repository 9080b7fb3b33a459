/*
 * epoch_domain.h - scoped epochs.
 *
 * An epoch domain ties a stretch of a thread's work to an epoch.  Entering a
 * domain makes its epoch the thread's current epoch for that allocator until
 * the domain is exited; domains nest (the inner one wins until it exits) and
 * are per thread.  A domain created with auto_close closes its epoch when it
 * is destroyed.
 *
 *     EpochDomain *d = epoch_domain_create(alloc);
 *     epoch_domain_enter(d);
 *     void *p = slab_malloc(alloc, 100);   // lands in d's epoch
 *     ...
 *     epoch_domain_exit(d);
 *     epoch_domain_destroy(d);
 *
 * Misuse (exiting a domain that is not the innermost one entered by this
 * thread, destroying an entered domain, nesting deeper than
 * EPOCH_DOMAIN_MAX_DEPTH) returns -1 with errno set and changes nothing.
 */
#ifndef EPOCH_DOMAIN_H
#define EPOCH_DOMAIN_H

#include <stdbool.h>
#include "slab_alloc.h"

#ifdef __cplusplus
extern "C" {
#endif

#define EPOCH_DOMAIN_MAX_DEPTH 32

typedef struct EpochDomain EpochDomain;

/* A domain on a fresh epoch (epoch_advance()); NULL and errno on failure. */
EpochDomain *epoch_domain_create(SlabAllocator *alloc);
/* A domain on an existing epoch. */
EpochDomain *epoch_domain_wrap(SlabAllocator *alloc, EpochId epoch, bool auto_close);
/* 0, or -1 with EBUSY when still entered by some thread. */
int epoch_domain_destroy(EpochDomain *domain);

int epoch_domain_enter(EpochDomain *domain);   /* -1: ELOOP too deep, EINVAL */
int epoch_domain_exit(EpochDomain *domain);    /* -1: EPERM not innermost */

EpochId epoch_domain_epoch(const EpochDomain *domain);
/* The innermost domain this thread has entered on alloc, or NULL. */
EpochDomain *epoch_domain_current(SlabAllocator *alloc);

#ifdef __cplusplus
}
#endif

#endif /* EPOCH_DOMAIN_H */
