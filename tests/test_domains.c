/* Epoch domains: scoped, nestable, per thread, with error returns. */
#include "config.h"

#include <errno.h>
#include <pthread.h>

#include "epoch_domain.h"
#include "tap.h"

static SlabAllocator *a;
static EpochDomain *shared;
static EpochId seen_in_thread;
static EpochDomain *current_in_thread;

static void *other_thread(void *arg)
{
    (void)arg;
    current_in_thread = epoch_domain_current(a);
    epoch_domain_enter(shared);
    seen_in_thread = epoch_domain_epoch(epoch_domain_current(a));
    epoch_domain_exit(shared);
    return NULL;
}

int main(void)
{
    plan(20);
    a = slab_allocator_create();
    if (a == NULL)
        bail_out("slab_allocator_create failed");

    EpochDomain *outer = epoch_domain_create(a);
    ok(outer != NULL, "create a domain");
    EpochId e_outer = epoch_domain_epoch(outer);
    is_int(e_outer, epoch_current(a), "it opened a fresh epoch");
    ok(epoch_domain_current(a) == NULL, "no domain is entered yet");

    ok(epoch_domain_enter(outer) == 0, "enter it");
    ok(epoch_domain_current(a) == outer, "it is the current domain");

    EpochDomain *inner = epoch_domain_create(a);
    EpochId e_inner = epoch_domain_epoch(inner);
    ok(inner != NULL && e_inner != e_outer, "a second domain on another epoch");
    ok(epoch_domain_enter(inner) == 0, "nest it");
    ok(epoch_domain_current(a) == inner, "the inner one wins");

    errno = 0;
    ok(epoch_domain_exit(outer) == -1 && errno == EPERM, "exiting the outer one first is refused");
    errno = 0;
    ok(epoch_domain_destroy(inner) == -1 && errno == EBUSY, "destroying an entered one is refused");

    shared = outer;
    pthread_t t;
    pthread_create(&t, NULL, other_thread, NULL);
    pthread_join(t, NULL);
    ok(current_in_thread == NULL, "another thread does not see this thread's domains");
    is_int(seen_in_thread, e_outer, "but can enter the same domain itself");

    ok(epoch_domain_exit(inner) == 0, "exit the inner one");
    ok(epoch_domain_current(a) == outer, "back to the outer one");
    ok(epoch_domain_destroy(inner) == 0 && !epoch_is_open(a, e_inner),
       "destroying an auto-close domain closes its epoch");

    int depth = 0;
    while (epoch_domain_enter(outer) == 0)
        depth++;
    ok(errno == ELOOP && depth == EPOCH_DOMAIN_MAX_DEPTH - 1, "nesting stops at the limit with ELOOP");
    while (depth-- > 0)
        epoch_domain_exit(outer);
    ok(epoch_domain_exit(outer) == 0 && epoch_domain_current(a) == NULL, "unwound");

    EpochDomain *w = epoch_domain_wrap(a, 3, false);
    ok(w != NULL && epoch_domain_epoch(w) == 3 && epoch_domain_destroy(w) == 0 &&
       epoch_is_open(a, 3), "a wrapped domain without auto-close leaves its epoch open");
    errno = 0;
    ok(epoch_domain_wrap(a, SLAB_EPOCH_COUNT, false) == NULL && errno == EINVAL,
       "wrapping epoch 16 is refused");
    ok(epoch_domain_enter(NULL) == -1 && epoch_domain_exit(NULL) == -1 &&
       epoch_domain_destroy(NULL) == -1, "NULL domains are refused");
    epoch_domain_destroy(outer);
    slab_allocator_free(a);
    return tap_exit();
}
