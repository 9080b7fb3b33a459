/* Releases of a detached slab racing each other and racing the slab's
 * recycling, with the race windows held open by the pause hook so that the
 * interleavings happen on every run:
 *
 *  1. two remote frees empty a detached slab of a closed epoch; the first
 *     pauses before it settles the slab, the second decides to release it
 *     and pauses before it hands it to the pool; then the first settles.
 *     The slab must reach the pool once (two later slab refills must get
 *     two different slabs, and the live-slab gauge must not go below 0).
 *  2. the first free's settle is held back until the slab has been
 *     released, recycled and is about to become another thread's current
 *     slab; the late settle must leave it alone (not list or release a slab
 *     that another thread owns). */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <string.h>

#include "slab_alloc.h"
#include "slab_debug.h"
#include "slab_test.h"
#include "tap.h"

#define SIZE 100u                 /* class 128 */
#define ROLES 5
#define SLAB_OF(h) ((unsigned)((h) >> 12) & 0xfffffu)    /* handle layout */

/* A thread's role picks the one point at which it pauses, once. */
static __thread int role;
static const enum slab_test_point pause_at[ROLES] = {
    [1] = SLAB_TEST_REMOTE_PUSHED,
    [2] = SLAB_TEST_RELEASE,
    [3] = SLAB_TEST_GOT_SLAB,
};
static __thread bool paused;
static sem_t arrived[ROLES], go[ROLES], done[ROLES];

static void pause_hook(enum slab_test_point point, SlabAllocator *alloc)
{
    (void)alloc;
    if (role == 0 || paused || pause_at[role] != point)
        return;
    paused = true;
    sem_post(&arrived[role]);
    sem_wait(&go[role]);
}

typedef struct Job {
    SlabAllocator *a;
    int role;
    EpochId epoch;
    SlabHandle h;               /* to free, or the one allocated */
    void *p;                    /* what was allocated */
    bool ok;
    bool hold;                  /* wait for done[role] before exiting */
} Job;

/* Allocate two objects in job->epoch and exit: the slab is detached with
 * two objects in it. */
static void *two_objects(void *arg)
{
    Job *j = arg;
    SlabHandle *h = j->p;
    j->ok = alloc_obj_epoch(j->a, SIZE, j->epoch, &h[0]) != NULL &&
            alloc_obj_epoch(j->a, SIZE, j->epoch, &h[1]) != NULL;
    return NULL;
}

static void *free_one(void *arg)
{
    Job *j = arg;
    role = j->role;
    j->ok = free_obj(j->a, j->h);
    return NULL;
}

static void *alloc_one(void *arg)
{
    Job *j = arg;
    role = j->role;
    j->p = alloc_obj_epoch(j->a, SIZE, j->epoch, &j->h);
    j->ok = j->p != NULL;
    if (j->hold) {
        sem_post(&done[j->role]);
        sem_wait(&go[0]);
    }
    return NULL;
}

/* A slab of class SIZE in a closed epoch, detached, holding h[0] and h[1]. */
static EpochId detached_pair(SlabAllocator *a, SlabHandle h[2])
{
    EpochId e = epoch_current(a);
    Job j = { .a = a, .epoch = e, .p = h };
    pthread_t t;
    pthread_create(&t, NULL, two_objects, &j);
    pthread_join(t, NULL);
    if (!j.ok)
        bail_out("cannot allocate");
    epoch_close(a, e);
    return e;
}

static uint64_t live_slabs(SlabAllocator *a)
{
    PerfCounters pc;
    get_perf_counters(a, (unsigned)slab_size_class(SIZE), &pc);
    return pc.live_slabs;
}

static uint64_t repairs(SlabAllocator *a)
{
    PerfCounters pc;
    get_perf_counters(a, (unsigned)slab_size_class(SIZE), &pc);
    return pc.repairs;
}

static void double_release(void)
{
    SlabAllocator *a = slab_allocator_create();
    SlabHandle h[2];
    detached_pair(a, h);

    Job j1 = { .a = a, .role = 1, .h = h[0] };
    Job j2 = { .a = a, .role = 2, .h = h[1] };
    pthread_t t1, t2;
    pthread_create(&t1, NULL, free_one, &j1);
    sem_wait(&arrived[1]);          /* pushed, not yet settled */
    pthread_create(&t2, NULL, free_one, &j2);
    sem_wait(&arrived[2]);          /* emptied it, decided to release */
    sem_post(&go[1]);               /* the first free settles now */
    pthread_join(t1, NULL);
    sem_post(&go[2]);
    pthread_join(t2, NULL);
    ok(j1.ok && j2.ok, "both frees succeed");
    is_u64(live_slabs(a), 0, "release race: the live-slab gauge is 0, not below");

    /* Two refills in an open epoch: two different slabs. */
    EpochId f = epoch_advance(a);
    Job r1 = { .a = a, .epoch = f, .role = 0, .hold = true };
    Job r2 = { .a = a, .epoch = f, .role = 0, .hold = true };
    pthread_t t3, t4;
    pthread_create(&t3, NULL, alloc_one, &r1);
    sem_wait(&done[0]);
    pthread_create(&t4, NULL, alloc_one, &r2);
    sem_wait(&done[0]);
    bool distinct = r1.ok && r2.ok && SLAB_OF(r1.h) != SLAB_OF(r2.h);
    ok(distinct, "release race: two refills get two slabs (%u, %u)", SLAB_OF(r1.h),
       SLAB_OF(r2.h));
    char why[200];
    int chk = slab_debug_check(a, why, sizeof(why));
    ok(chk == 0, "release race: allocator consistent%s%s", chk ? ": " : "", chk ? why : "");
    sem_post(&go[0]);
    sem_post(&go[0]);
    pthread_join(t3, NULL);
    pthread_join(t4, NULL);
    /* A corrupted allocator cannot be torn down safely. */
    if (distinct && chk == 0)
        slab_allocator_free(a);
}

static void late_settle(void)
{
    SlabAllocator *a = slab_allocator_create();
    SlabHandle h[2];
    detached_pair(a, h);

    Job j1 = { .a = a, .role = 1, .h = h[0] };
    Job j2 = { .a = a, .role = 0, .h = h[1] };
    pthread_t t1, t2, t3;
    pthread_create(&t1, NULL, free_one, &j1);
    sem_wait(&arrived[1]);          /* pushed, not yet settled */
    pthread_create(&t2, NULL, free_one, &j2);
    pthread_join(t2, NULL);         /* emptied and released it */
    EpochId f = epoch_advance(a);
    Job r = { .a = a, .epoch = f, .role = 3, .hold = true };
    pthread_create(&t3, NULL, alloc_one, &r);
    sem_wait(&arrived[3]);          /* recycled it, not yet its current slab */
    sem_post(&go[1]);               /* the late settle */
    pthread_join(t1, NULL);
    sem_post(&go[3]);
    sem_wait(&done[3]);             /* allocated from it, holds it */
    ok(j1.ok && j2.ok && r.ok, "late settle: frees and refill succeed");

    char why[200];
    int chk = slab_debug_check(a, why, sizeof(why));
    ok(chk == 0, "late settle: allocator consistent%s%s", chk ? ": " : "", chk ? why : "");
    /* Another thread's refill in the same epoch must not meet the slab
     * the first one owns. */
    Job r2 = { .a = a, .epoch = f, .role = 0 };
    pthread_t t4;
    pthread_create(&t4, NULL, alloc_one, &r2);
    pthread_join(t4, NULL);
    is_u64(repairs(a), 0, "late settle: no slab offered that another thread owns");
    ok(r2.ok && r2.p != r.p, "late settle: the second refill gets its own slot");
    sem_post(&go[0]);
    pthread_join(t3, NULL);
    if (chk == 0)
        slab_allocator_free(a);
}

int main(void)
{
    plan(8);
    for (int i = 0; i < ROLES; i++) {
        sem_init(&arrived[i], 0, 0);
        sem_init(&go[i], 0, 0);
        sem_init(&done[i], 0, 0);
    }
    slab_test_set_pause(pause_hook);
    double_release();
    late_settle();
    slab_test_set_pause(NULL);
    return tap_exit();
}
