/* fork() from a process whose threads are busy in the allocator: every
 * child must be able to allocate (from the parent's allocator and from a
 * new one), create and destroy allocators, and exit, however the fork fell
 * among the parent's locks.  Each child runs under a timeout: one that
 * hangs is killed and counted, so a deadlock fails this test rather than
 * the suite. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "slab_alloc.h"
#include "slab_shm.h"
#include "rng.h"
#include "tap.h"
#include "fork_harness.h"

#define CHURNERS 2
#define MAILBOXES 256
#define CHILD_TIMEOUT_MS 10000

static SlabAllocator *a;
static _Atomic bool stop;
static _Atomic uint64_t work[CHURNERS];
static _Atomic SlabHandle mailbox[MAILBOXES];

/* Slow paths as often as possible: refills, remote frees, epoch changes,
 * allocator creation and destruction. */
static void *churn(void *arg)
{
    unsigned id = (unsigned)(uintptr_t)arg;
    uint64_t rng = 0x9e3779b97f4a7c15ull * (id + 1);
    SlabHandle held[512];
    while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
        EpochId e = epoch_current(a);
        unsigned n = 0;
        for (unsigned i = 0; i < 512; i++) {
            uint32_t size = 1 + (uint32_t)(xorshift(&rng) % SLAB_MAX_SIZE);
            if (alloc_obj_epoch(a, size, e, &held[n]) != NULL)
                n++;
        }
        for (unsigned i = 0; i < n; i++) {
            /* Half go to the other thread through the mailboxes. */
            if (i & 1) {
                SlabHandle old = atomic_exchange(&mailbox[xorshift(&rng) % MAILBOXES], held[i]);
                if (old)
                    free_obj(a, old);
            } else {
                free_obj(a, held[i]);
            }
        }
        uint64_t w = atomic_fetch_add_explicit(&work[id], 1, memory_order_relaxed);
        if (w % 4 == 0)
            epoch_close(a, epoch_advance(a) == 0 ? SLAB_EPOCH_COUNT - 1 : epoch_current(a) - 1);
        if (w % 8 == 0) {
            SlabAllocator *b = slab_allocator_create();
            SlabHandle h;
            if (b && alloc_obj_epoch(b, 64, 0, &h))
                free_obj(b, h);
            slab_allocator_free(b);
        }
    }
    return NULL;
}

/* The child: allocate in the parent's allocator and in a new one. */
static int child(void *arg)
{
    (void)arg;
    SlabHandle h[64];
    for (int round = 0; round < 4; round++) {
        EpochId e = epoch_current(a);
        for (int i = 0; i < 64; i++)
            if (alloc_obj_epoch(a, 32 + 8 * (uint32_t)i, e, &h[i]) == NULL && errno != EPERM)
                return 1;
        for (int i = 0; i < 64; i++)
            free_obj(a, h[i]);
    }
    SlabAllocator *b = slab_allocator_create();
    if (b == NULL)
        return 2;
    for (int i = 0; i < 64; i++)
        if (alloc_obj_epoch(b, 100, epoch_current(b), &h[i]) == NULL)
            return 3;
    for (int i = 0; i < 64; i++)
        if (!free_obj(b, h[i]))
            return 4;
    EpochId old = epoch_current(b);
    epoch_advance(b);
    epoch_close(b, old);
    void *p = slab_malloc(b, 200);
    if (p == NULL || !slab_free(b, p))
        return 5;
    slab_allocator_free(b);
    /* Creating b published the child's own segment; _exit() skips the
     * atexit handler that would remove it, so remove it here, or every
     * run would leave hundreds of stale segments in /dev/shm. */
    slab_shm_unpublish();
    return 0;
}

FORK_HARNESS_TSAN_OPTIONS

int main(void)
{
    plan(4);
    a = slab_allocator_create();
    if (a == NULL)
        bail_out("cannot create an allocator");
    pthread_t t[CHURNERS];
    for (unsigned i = 0; i < CHURNERS; i++)
        pthread_create(&t[i], NULL, churn, (void *)(uintptr_t)i);
    while (atomic_load(&work[0]) == 0 || atomic_load(&work[1]) == 0)
        fork_nap_ms(1);

    int forks = TAP_SCALE(200);
    fork_tally kids = { 0 };
    for (int i = 0; i < forks; i++) {
        int st = fork_run(child, NULL, FORK_UNDERSCORE_EXIT, CHILD_TIMEOUT_MS);
        if (st == FORK_FAILED)
            bail_out("fork failed");
        fork_tally_add(&kids, st);
    }
    atomic_store(&stop, true);
    for (unsigned i = 0; i < CHURNERS; i++)
        pthread_join(t[i], NULL);

    is_int(kids.hung, 0, "no child of %d hangs in the allocator", forks);
    ok(kids.failed == 0, "every child allocates, creates an allocator and exits (%d failed, "
       "last status %d)", kids.failed, kids.last_status);
    ok(atomic_load(&work[0]) > 1 && atomic_load(&work[1]) > 1,
       "the parent's threads kept churning (%llu, %llu rounds)",
       (unsigned long long)atomic_load(&work[0]), (unsigned long long)atomic_load(&work[1]));
    for (unsigned i = 0; i < MAILBOXES; i++) {
        SlabHandle h = atomic_exchange(&mailbox[i], 0);
        if (h)
            free_obj(a, h);
    }
    SlabHandle h;
    ok(alloc_obj_epoch(a, 64, epoch_current(a), &h) != NULL && free_obj(a, h),
       "the parent still allocates after the forks");
    slab_allocator_free(a);
    return tap_exit();
}
