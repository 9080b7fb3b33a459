/*
 * test_shm_fork.c - fork() while the parent's threads publish.
 *
 * The parent publishes under a name of its own; two threads churn with a
 * high sampling rate (so they flush their records and refresh the process
 * section all the time), and a third starts short-lived threads (records
 * attached and folded into the exited totals) and changes the label.  The
 * main thread forks again and again.  Each child, whatever publisher lock
 * a parent's thread held at the fork, must publish a segment of its own,
 * see it read back as its own, and exit normally; its exit must remove its
 * own segment and never the parent's.  A child that hangs is killed after
 * a timeout and counted, so a deadlock fails this test, not the suite.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "options.h"
#include "slab_alloc.h"
#include "slab_shm.h"
#include "tap.h"
#include "fork_harness.h"

#define CHURNERS 2
#define CHILD_TIMEOUT_MS 10000

static SlabAllocator *a;
static _Atomic bool stop;
static _Atomic uint64_t work[CHURNERS + 1];
static char parent_name[96], child_prefix[128];

static bool exists(const char *name)
{
    char path[256];
    struct stat st;

    snprintf(path, sizeof(path), "/dev/shm/slab.%s", name);
    return stat(path, &st) == 0;
}

static void *churn(void *arg)
{
    unsigned id = (unsigned)(uintptr_t)arg;
    void *held[256];

    while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
        for (unsigned i = 0; i < 256; i++)
            held[i] = slab_malloc(a, 16 + (i * 40) % 700);
        for (unsigned i = 0; i < 256; i++)
            slab_free(a, held[i]);
        atomic_fetch_add_explicit(&work[id], 1, memory_order_relaxed);
    }
    return NULL;
}

static void *short_lived(void *arg)
{
    (void)arg;
    for (unsigned i = 0; i < 64; i++)
        slab_free(a, slab_malloc(a, 64));
    return NULL;
}

/* Threads that come and go, and label changes. */
static void *spawner(void *arg)
{
    (void)arg;
    for (uint64_t n = 0; !atomic_load_explicit(&stop, memory_order_relaxed); n++) {
        pthread_t t;
        char label[32];

        if (pthread_create(&t, NULL, short_lived, NULL) == 0)
            pthread_join(t, NULL);
        snprintf(label, sizeof(label), "round %llu", (unsigned long long)n);
        slab_shm_set_label(label);
        atomic_fetch_add_explicit(&work[CHURNERS], 1, memory_order_relaxed);
    }
    return NULL;
}

/* The child: its own segment, read back as its own, then a normal exit. */
static int child(int i)
{
    char name[192];
    slab_shm_reader *r = NULL;
    slab_shm_snapshot *s = NULL;

    snprintf(name, sizeof(name), "%s%d", child_prefix, i);
    if (slab_shm_publish(name) != 0)
        return 10;
    SlabAllocator *b = slab_allocator_create();
    if (b == NULL)
        return 11;
    for (int k = 0; k < 4096; k++)
        slab_free(b, slab_malloc(b, 128));
    slab_free(a, slab_malloc(a, 256));     /* the parent's allocator too */
    if (slab_shm_attach(name, &r, NULL) != SLAB_SHM_OK)
        return 12;
    if (slab_shm_snapshot_take(r, &s, NULL) != SLAB_SHM_OK || s->id.pid != getpid() ||
        s->state != SLAB_SHM_ALIVE)
        return 13;
    slab_shm_snapshot_free(s);
    slab_shm_detach(r);
    if (!exists(parent_name))
        return 14;
    slab_allocator_free(b);
    return 0;               /* exit(): the atexit handler unpublishes */
}

FORK_HARNESS_TSAN_OPTIONS
FORK_HARNESS_LSAN_OPTIONS

static int run_child(void *arg)
{
    return child(*(const int *)arg);
}

int main(void)
{
    const char *tag = getenv("SLAB_TEST_TAG");
    pthread_t t[CHURNERS + 1];
    int forks = TAP_SCALE(100), left = 0;
    fork_tally kids = { 0 };

    plan(6);
    snprintf(parent_name, sizeof(parent_name), "fork.%s.%d", tag ? tag : "x", (int)getpid());
    snprintf(child_prefix, sizeof(child_prefix), "%s.c", parent_name);
    setenv("SLAB_SAMPLE_RATE", "4", 1);     /* flushes all the time */
    slab_options_reload();
    if (slab_shm_publish(parent_name) != 0)
        bail_out("cannot publish");
    a = slab_allocator_create();
    if (a == NULL)
        bail_out("cannot create an allocator");
    for (unsigned i = 0; i < CHURNERS; i++)
        pthread_create(&t[i], NULL, churn, (void *)(uintptr_t)i);
    pthread_create(&t[CHURNERS], NULL, spawner, NULL);
    for (unsigned i = 0; i <= CHURNERS; i++)
        while (atomic_load(&work[i]) == 0)
            fork_nap_ms(1);

    for (int i = 0; i < forks; i++) {
        char name[192];

        /* exit(): the child's atexit handler unpublishes. */
        int st = fork_run(run_child, &i, FORK_EXIT, CHILD_TIMEOUT_MS);
        if (st == FORK_FAILED)
            bail_out("fork failed");
        fork_tally_add(&kids, st);
        snprintf(name, sizeof(name), "%s%d", child_prefix, i);
        if (exists(name)) {
            left++;
            char object[224];
            snprintf(object, sizeof(object), "/slab.%s", name);
            shm_unlink(object);
        }
    }
    uint64_t before = atomic_load(&work[0]);
    fork_nap_ms(50);
    bool still = atomic_load(&work[0]) > before;
    atomic_store(&stop, true);
    for (unsigned i = 0; i <= CHURNERS; i++)
        pthread_join(t[i], NULL);

    is_int(kids.hung, 0, "no child of %d hangs", forks);
    ok(kids.failed == 0, "every child publishes its own segment, reads it back and exits "
       "(%d failed, last status %d)", kids.failed, kids.last_status);
    is_int(left, 0, "each child's exit removed its own segment");
    ok(exists(parent_name), "and never the parent's");
    ok(still, "the parent's threads kept publishing");
    {
        slab_shm_reader *r = NULL;
        slab_shm_snapshot *s = NULL;
        bool good = slab_shm_attach(parent_name, &r, NULL) == SLAB_SHM_OK &&
                    slab_shm_snapshot_take(r, &s, NULL) == SLAB_SHM_OK &&
                    s->state == SLAB_SHM_ALIVE && s->id.pid == getpid() &&
                    s->exited_threads > 0;
        ok(good, "the parent's segment reads as its own, alive, with exited threads folded "
           "(%llu)", s ? (unsigned long long)s->exited_threads : 0ULL);
        slab_shm_snapshot_free(s);
        slab_shm_detach(r);
    }
    slab_allocator_free(a);
    slab_shm_unpublish();
    return tap_exit();
}
