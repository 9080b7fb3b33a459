/*
 * test_sampler_alloc.c - the sampler inside the real allocator: every return
 * path of alloc_obj_epoch() is sampled (fast, slow, error), allocation counts
 * are exact, and zombie repairs provoked with slab_debug_plant_zombie() are
 * timed and counted by reason.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "slab_alloc.h"
#include "slab_debug.h"
#include "slab_stats.h"
#include "options.h"

#ifndef ENABLE_SLOWPATH_SAMPLING
int main(void)
{
    skip_all("sampling is compiled out (--disable-slowpath-sampling)");
}
#else

static SlabAllocator *alloc;

static void snap(slab_thread_stats *s)
{
    if (slab_stats_thread_ext(s) != 0)
        bail_out("slab_stats_thread_ext failed");
}

/* Plant a zombie of the given reason and allocate until the thread meets
 * it; returns the change of the thread's statistics. */
static void provoke(unsigned reason, slab_thread_stats *before, slab_thread_stats *after)
{
    EpochId e = epoch_current(alloc);
    snap(before);
    if (slab_debug_plant_zombie(alloc, 64, e, reason) != 0)
        bail_out("slab_debug_plant_zombie failed");
    SlabHandle h[4];
    for (int i = 0; i < 4; i++)
        if (alloc_obj_epoch(alloc, 64, e, &h[i]) == NULL)
            bail_out("allocation failed after planting a zombie");
    snap(after);
    for (int i = 0; i < 4; i++)
        free_obj(alloc, h[i]);
}

static void *other_thread(void *arg)
{
    slab_thread_stats *s = arg;
    SlabHandle h;
    for (int i = 0; i < 1000; i++)
        if (alloc_obj_epoch(alloc, 128, epoch_current(alloc), &h))
            free_obj(alloc, h);
    snap(s);
    return NULL;
}

int main(void)
{
    static slab_thread_stats a, b;
    slab_sample_config every = { 1, SLAB_SAMPLE_FIXED, 0 };
    plan(16);

    /* This test is about sampling, not the segment: publish nothing.  The
     * library may have read the environment before main(), so read it again. */
    setenv("SLAB_SHM", "0", 1);
    slab_options_reload();

    alloc = slab_allocator_create();
    if (alloc == NULL)
        bail_out("slab_allocator_create failed");
    if (slab_sample_set_config(&every) != 0)
        bail_out("slab_sample_set_config failed");

    /* The main thread picks the setting up at its first allocation. */
    SlabHandle h;
    if (alloc_obj_epoch(alloc, 64, epoch_current(alloc), &h))
        free_obj(alloc, h);

    /* Every call sampled, on every return path. */
    snap(&a);
    unsigned n = (unsigned)TAP_SCALE(10000), good = 0;
    for (unsigned i = 0; i < n; i++) {
        void *p = alloc_obj_epoch(alloc, 64 + (i % 700), epoch_current(alloc), &h);
        if (p) {
            good++;
            free_obj(alloc, h);
        }
    }
    errno = 0;
    void *bad1 = alloc_obj_epoch(alloc, 0, 0, &h);
    int err1 = errno;
    void *bad2 = alloc_obj_epoch(NULL, 64, 0, &h);
    int err2 = errno;
    snap(&b);
    is_int(good, n, "all %u allocations succeed", n);
    ok(bad1 == NULL && err1 == EINVAL && bad2 == NULL && err2 == EINVAL,
       "error returns keep their errno under sampling");
    is_u64(b.allocs - a.allocs, n + 2, "every call is counted, errors included");
    is_u64(b.seed.alloc_samples - a.seed.alloc_samples, n + 2,
           "at rate 1 every call is sampled, errors included");
    ok(b.seed.alloc_wall_ns_sum - a.seed.alloc_wall_ns_sum + (n + 2) * UINT64_C(1000) >=
       b.seed.alloc_cpu_ns_sum - a.seed.alloc_cpu_ns_sum,
       "wall sum >= CPU sum, within 1 us per sample");

    /* Another thread's work is its own. */
    static slab_thread_stats t;
    pthread_t th;
    pthread_create(&th, NULL, other_thread, &t);
    pthread_join(th, NULL);
    is_u64(t.allocs, 1000, "another thread counts its own 1000 allocations");
    is_u64(t.seed.alloc_samples, 1000, "and its own samples");
    snap(&a);
    is_u64(a.allocs, b.allocs, "which do not show in this thread");

    /* Repairs, one reason at a time. */
    static const struct { unsigned reason; const char *name; } why[3] = {
        { REPAIR_REASON_FULL_BITMAP, "full_bitmap" },
        { REPAIR_REASON_LIST_MISMATCH, "list_mismatch" },
        { REPAIR_REASON_OTHER, "other" },
    };
    for (int i = 0; i < 3; i++) {
        provoke(why[i].reason, &a, &b);
        uint64_t d[3] = {
            b.seed.repair_reason_full_bitmap - a.seed.repair_reason_full_bitmap,
            b.seed.repair_reason_list_mismatch - a.seed.repair_reason_list_mismatch,
            b.seed.repair_reason_other - a.seed.repair_reason_other,
        };
        ok(b.seed.repair_count - a.seed.repair_count == 1 && d[i] == 1 &&
           d[0] + d[1] + d[2] == 1,
           "a planted %s zombie is repaired once and counted under its reason", why[i].name);
        if (b.seed.repair_count - a.seed.repair_count != 1)
            diag("repairs %llu -> %llu", (unsigned long long)a.seed.repair_count,
                 (unsigned long long)b.seed.repair_count);
        ok(b.seed.repair_wall_ns_sum > a.seed.repair_wall_ns_sum &&
           b.seed.repair_cpu_ns_sum > a.seed.repair_cpu_ns_sum,
           "the %s repair is timed on both clocks", why[i].name);
    }
    ok(b.seed.repair_wall_ns_max >= b.seed.repair_cpu_ns_max / 2 && b.seed.repair_wall_ns_max > 0,
       "repair maxima are kept");

    /* The allocator counts the same repairs. */
    PerfCounters pc;
    get_perf_counters(alloc, 0, &pc);
    ok(pc.repair_full_bitmap >= 1 && pc.repair_list_mismatch >= 1 && pc.repair_other >= 1,
       "the allocator's counters agree");

    slab_allocator_free(alloc);
    return tap_exit();
}
#endif
