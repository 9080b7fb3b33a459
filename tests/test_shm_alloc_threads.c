/*
 * test_shm_alloc_threads.c - the allocator, the sampler and the publisher
 * together: threads doing a known number of allocations, and the published
 * totals equal to that work exactly.
 *
 *   - 1000 short-lived threads (a few at a time): after they exit, the sum
 *     of records, overflow and exited totals is their work;
 *   - twice as many live threads as records: exact while they live (each
 *     flushes before waiting) and after they exit.
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "options.h"
#include "publish.h"
#include "slab_alloc.h"
#include "slab_shm.h"
#include "slab_stats.h"
#include "tap.h"

#define RECORDS 16u
#define PER_THREAD 300u

#ifdef ENABLE_SLOWPATH_SAMPLING
static SlabAllocator *alloc;
static pthread_barrier_t hold;
static int failures;

static void work(void)
{
    SlabHandle h[PER_THREAD];
    EpochId ep = epoch_current(alloc);

    for (unsigned i = 0; i < PER_THREAD; i++)
        if (!alloc_obj_epoch(alloc, 64 + (i % 5) * 100, ep, &h[i]))
            __atomic_add_fetch(&failures, 1, __ATOMIC_RELAXED);
    for (unsigned i = 0; i < PER_THREAD; i++)
        free_obj(alloc, h[i]);
}

static void *short_lived(void *arg)
{
    (void)arg;
    work();
    return NULL;
}

static void *long_lived(void *arg)
{
    slab_thread_stats st;

    (void)arg;
    work();
    /* Publish now, as a flush point would, so the live view is exact. */
    slab_stats_thread_ext(&st);
    slab_pub_thread_flush(slab_pub_thread_get(), &st);
    pthread_barrier_wait(&hold);
    pthread_barrier_wait(&hold);
    return NULL;
}

static slab_shm_snapshot *snap(slab_shm_reader *r, slab_shm_snapshot **s)
{
    slab_shm_errinfo e;
    if (slab_shm_snapshot_take(r, s, &e) != SLAB_SHM_OK)
        bail_out(e.message);
    return *s;
}
#endif

int main(void)
{
#ifndef ENABLE_SLOWPATH_SAMPLING
    skip_all("built with --disable-slowpath-sampling: threads count nothing");
#else
    const char *tag = getenv("SLAB_TEST_TAG");
    const unsigned nthreads = TAP_SCALE(1000);
    char name[64];
    slab_shm_reader *r = NULL;
    slab_shm_snapshot *s = NULL;
    slab_shm_errinfo e;
    pthread_t th[2 * RECORDS];

    plan(9);
    snprintf(name, sizeof(name), "threads.%s.%d", tag ? tag : "x", (int)getpid());
    setenv("SLAB_SHM_THREADS", "16", 1);
    slab_options_reload();
    if (slab_shm_publish(name) != 0)
        bail_out("cannot publish");
    alloc = slab_allocator_create();
    if (!alloc)
        bail_out("no allocator");
    if (slab_shm_attach(name, &r, &e) != SLAB_SHM_OK)
        bail_out(e.message);
    uint64_t base = snap(r, &s)->total.allocs;

    for (unsigned i = 0; i < nthreads; i += 4) {
        pthread_t b[4];
        unsigned k, n = nthreads - i < 4 ? nthreads - i : 4;
        for (k = 0; k < n; k++)
            pthread_create(&b[k], NULL, short_lived, NULL);
        for (k = 0; k < n; k++)
            pthread_join(b[k], NULL);
    }
    snap(r, &s);
    is_int(failures, 0, "every allocation succeeded");
    is_u64(s->total.allocs - base, (uint64_t)nthreads * PER_THREAD,
           "%u short-lived threads x %u allocations: published total exact",
           nthreads, PER_THREAD);
    ok(s->exited_threads >= nthreads, "%llu threads folded into the exited totals",
       (unsigned long long)s->exited_threads);
    is_u64(s->thread_count, 0, "no record left in use");

    base = s->total.allocs;
    pthread_barrier_init(&hold, NULL, 2 * RECORDS + 1);
    for (unsigned i = 0; i < 2 * RECORDS; i++)
        pthread_create(&th[i], NULL, long_lived, NULL);
    pthread_barrier_wait(&hold);
    snap(r, &s);
    ok(s->thread_count == RECORDS && s->overflow_live_threads == RECORDS,
       "%u threads in records, %llu in the overflow record", s->thread_count,
       (unsigned long long)s->overflow_live_threads);
    is_u64(s->total.allocs - base, 2 * RECORDS * PER_THREAD,
           "%u live threads, %u records: total exact", 2 * RECORDS, RECORDS);
    pthread_barrier_wait(&hold);
    for (unsigned i = 0; i < 2 * RECORDS; i++)
        pthread_join(th[i], NULL);
    slab_shm_set_label("done");     /* also rewrites the process section now */
    snap(r, &s);
    is_u64(s->total.allocs - base, 2 * RECORDS * PER_THREAD, "still exact after they exit");
    is_u64(s->overflow_live_threads, 0, "overflow has no live thread left");
    ok(s->classes[0].allocs_slow + s->classes[1].allocs_slow > 0 ||
       s->memory.allocators_created > 0,
       "process section carries the allocator's counters");

    slab_shm_snapshot_free(s);
    slab_shm_detach(r);
    slab_allocator_free(alloc);
    return tap_exit();
#endif
}
