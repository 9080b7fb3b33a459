/*
 * test_shm_fold.c - threads come and go while a reader sums the segment:
 * the sum of live records, overflow and exited totals never goes backwards,
 * never exceeds the work done, and equals it exactly at the end.
 *
 * Drives the publisher's thread calls (publish.h) directly with known
 * statistics, so it needs neither the allocator nor the sampler.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "options.h"
#include "publish.h"
#include "slab_shm.h"
#include "tap.h"

#define RECORDS 8u
#define STEPS 20u              /* flushes per thread */

static atomic_uint_fast64_t done_work;  /* allocs of threads joined */
static atomic_int stop_reader;
static char name[64];

struct reader_result {
    uint64_t snapshots, backwards, too_many, busy, busy_sections, errors, max_seen;
    uint64_t saw_overflow, saw_exited;
};

static void stats_for(slab_thread_stats *s, uint64_t step)
{
    memset(s, 0, sizeof(*s));
    s->allocs = step * 3;               /* 3 per step */
    s->seed.alloc_samples = step;
    s->wall_hist[step % SLAB_HIST_BUCKETS] = 1;
    s->nivcsw = step;
}

static void *worker(void *arg)
{
    slab_thread_stats s;
    slab_pub_thread *t = slab_pub_thread_get();
    uint64_t step;

    (void)arg;
    for (step = 1; step <= STEPS; step++) {
        stats_for(&s, step);
        slab_pub_thread_flush(t, &s);
    }
    stats_for(&s, STEPS + 1);           /* work after the last flush */
    slab_pub_thread_exit(t, &s);
    return NULL;
}

/* Holds its thread alive until released, so that overflow is used. */
static pthread_barrier_t hold;

static void *long_worker(void *arg)
{
    slab_thread_stats s;
    slab_pub_thread *t = slab_pub_thread_get();

    (void)arg;
    stats_for(&s, 1);
    slab_pub_thread_flush(t, &s);
    pthread_barrier_wait(&hold);        /* all attached */
    pthread_barrier_wait(&hold);        /* main has checked */
    for (uint64_t step = 2; step <= STEPS; step++) {
        stats_for(&s, step);
        slab_pub_thread_flush(t, &s);
    }
    stats_for(&s, STEPS + 1);
    slab_pub_thread_exit(t, &s);
    return NULL;
}

static void *reader(void *arg)
{
    struct reader_result *res = arg;
    slab_shm_reader *r = NULL;
    slab_shm_snapshot *s = NULL;
    slab_shm_errinfo e;
    uint64_t last = 0;

    if (slab_shm_attach(name, &r, &e) != SLAB_SHM_OK) {
        res->errors++;
        return NULL;
    }
    while (!atomic_load(&stop_reader)) {
        /* Work already finished before the snapshot is a lower bound only
         * at the end; during the run check monotonicity and the bound. */
        slab_shm_error rc = slab_shm_snapshot_take(r, &s, &e);
        if (rc == SLAB_SHM_ERR_BUSY) {
            /* A writer preempted mid-write: the documented "try again". */
            res->busy_sections++;
            continue;
        }
        if (rc != SLAB_SHM_OK) {
            if (res->errors++ < 3)
                diag("snapshot: %s", e.message);
            continue;
        }
        res->snapshots++;
        if (s->busy_threads) {
            res->busy++;
            continue;
        }
        uint64_t total = s->total.allocs;
        if (total < last)
            res->backwards++;
        if (total > res->max_seen)
            res->max_seen = total;
        last = total;
        if (s->overflow_threads)
            res->saw_overflow++;
        if (s->exited_threads)
            res->saw_exited++;
    }
    slab_shm_snapshot_free(s);
    slab_shm_detach(r);
    return NULL;
}

static uint64_t final_total(slab_shm_snapshot **s, slab_shm_reader *r)
{
    slab_shm_errinfo e;
    if (slab_shm_snapshot_take(r, s, &e) != SLAB_SHM_OK) {
        diag("snapshot: %s", e.message);
        return 0;
    }
    return (*s)->total.allocs;
}

int main(void)
{
    const char *tag = getenv("SLAB_TEST_TAG");
    const unsigned nthreads = TAP_SCALE(1000);
    const uint64_t per_thread = (STEPS + 1) * 3;
    struct reader_result res;
    pthread_t rd, th[2 * RECORDS];
    slab_shm_reader *r = NULL;
    slab_shm_snapshot *s = NULL;
    slab_shm_errinfo e;

    plan(12);
    snprintf(name, sizeof(name), "fold.%s.%d", tag ? tag : "x", (int)getpid());
    setenv("SLAB_SHM_THREADS", "8", 1);
    slab_options_reload();
    if (slab_shm_publish(name) != 0)
        bail_out("cannot publish");
    if (slab_shm_attach(name, &r, &e) != SLAB_SHM_OK)
        bail_out(e.message);

    /* Part 1: many short-lived threads, a few at a time, with a reader. */
    memset(&res, 0, sizeof(res));
    pthread_create(&rd, NULL, reader, &res);
    for (unsigned i = 0; i < nthreads; i += 4) {
        pthread_t batch[4];
        unsigned k, n = nthreads - i < 4 ? nthreads - i : 4;
        for (k = 0; k < n; k++)
            pthread_create(&batch[k], NULL, worker, NULL);
        for (k = 0; k < n; k++)
            pthread_join(batch[k], NULL);
        atomic_fetch_add(&done_work, n * per_thread);
    }
    atomic_store(&stop_reader, 1);
    pthread_join(rd, NULL);

    uint64_t want = (uint64_t)nthreads * per_thread;
    is_u64(final_total(&s, r), want, "%u short-lived threads: total allocs exact", nthreads);
    is_u64(s->exited_threads, nthreads, "all folded into the exited totals");
    is_u64(s->thread_count, 0, "no record left in use");
    is_u64(s->total.seed.alloc_samples, (uint64_t)nthreads * (STEPS + 1), "samples exact");
    ok(res.snapshots > 0 && res.errors == 0 && res.busy_sections < res.snapshots,
       "reader took %llu snapshots concurrently, %llu errors (%llu busy: try again)",
       (unsigned long long)res.snapshots, (unsigned long long)res.errors,
       (unsigned long long)res.busy_sections);
    is_u64(res.backwards, 0, "totals never went backwards");
    ok(res.max_seen <= want, "totals never exceeded the work (max %llu of %llu)",
       (unsigned long long)res.max_seen, (unsigned long long)want);

    /* Part 2: twice as many live threads as records. */
    uint64_t before = s->total.allocs;
    pthread_barrier_init(&hold, NULL, 2 * RECORDS + 1);
    for (unsigned i = 0; i < 2 * RECORDS; i++)
        pthread_create(&th[i], NULL, long_worker, NULL);
    pthread_barrier_wait(&hold);
    final_total(&s, r);
    ok(s->thread_count == RECORDS && s->overflow_live_threads == RECORDS,
       "%u records in use, %llu threads in overflow", s->thread_count,
       (unsigned long long)s->overflow_live_threads);
    is_u64(s->total.allocs - before, 2 * RECORDS * 3, "live totals exact with overflow");
    pthread_barrier_wait(&hold);
    for (unsigned i = 0; i < 2 * RECORDS; i++)
        pthread_join(th[i], NULL);
    final_total(&s, r);
    is_u64(s->total.allocs - before, 2 * RECORDS * per_thread,
           "totals exact after they exit");
    is_u64(s->overflow_live_threads, 0, "overflow has no live thread");
    is_u64(s->overflow.allocs, RECORDS * per_thread, "overflow keeps its threads' work");

    slab_shm_snapshot_free(s);
    slab_shm_detach(r);
    slab_shm_unpublish();
    return tap_exit();
}
