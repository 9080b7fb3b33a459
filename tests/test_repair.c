/* Zombie repairs: each reason, planted on purpose, is detected on the slow
 * path, repaired, counted under its reason, and leaves the allocator whole. */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "slab_alloc.h"
#include "slab_debug.h"
#include "slab_stats.h"
#include "tap.h"

static const struct {
    unsigned reason;
    const char *name;
} reasons[] = {
    { REPAIR_REASON_FULL_BITMAP, "full_bitmap" },
    { REPAIR_REASON_LIST_MISMATCH, "list_mismatch" },
    { REPAIR_REASON_OTHER, "other" },
};

static uint64_t count_of(const PerfCounters *pc, unsigned reason)
{
    switch (reason) {
    case REPAIR_REASON_FULL_BITMAP: return pc->repair_full_bitmap;
    case REPAIR_REASON_LIST_MISMATCH: return pc->repair_list_mismatch;
    default: return pc->repair_other;
    }
}

int main(void)
{
    plan(3 * 5 + 4);
    SlabAllocator *a = slab_allocator_create();
    if (a == NULL)
        bail_out("slab_allocator_create failed");
    const uint32_t size = 200;
    unsigned cls = (unsigned)slab_size_class(size);
    char why[256];

    /* Some live objects in the class, to check nothing is lost. */
    enum { LIVE = 1000 };
    static SlabHandle live[LIVE];
    for (int i = 0; i < LIVE; i++) {
        char *p = alloc_obj_epoch(a, size, 0, &live[i]);
        memcpy(p, &live[i], sizeof(live[i]));
    }

    for (size_t r = 0; r < 3; r++) {
        PerfCounters before, after;
        get_perf_counters(a, cls, &before);
#ifdef ENABLE_SLOWPATH_SAMPLING
        ThreadStats ts0 = slab_stats_thread();
#endif
        ok(slab_debug_plant_zombie(a, size, 0, reasons[r].reason) == 0,
           "plant a %s zombie", reasons[r].name);
        SlabHandle h;
        char *p = alloc_obj_epoch(a, size, 0, &h);
        ok(p != NULL && free_obj(a, h), "the next allocation succeeds");
        get_perf_counters(a, cls, &after);
        is_u64(count_of(&after, reasons[r].reason) - count_of(&before, reasons[r].reason), 1,
               "one %s repair counted", reasons[r].name);
        is_u64(after.repairs - before.repairs, 1, "and no other");
#ifdef ENABLE_SLOWPATH_SAMPLING
        ThreadStats ts1 = slab_stats_thread();
        uint64_t by_reason[3] = {
            ts1.repair_reason_full_bitmap - ts0.repair_reason_full_bitmap,
            ts1.repair_reason_list_mismatch - ts0.repair_reason_list_mismatch,
            ts1.repair_reason_other - ts0.repair_reason_other,
        };
        ok(ts1.repair_count - ts0.repair_count == 1 && by_reason[r] == 1,
           "the sampler timed it under %s", reasons[r].name);
#else
        skip(1, "sampling compiled out");
#endif
    }

    ok(slab_debug_check(a, why, sizeof(why)) == 0, "allocator consistent (%s)", why);
    int intact = 0;
    for (int i = 0; i < LIVE; i++) {
        char *p = slab_handle_ptr(a, live[i]);
        intact += p != NULL && memcmp(p, &live[i], sizeof(live[i])) == 0 && free_obj(a, live[i]);
    }
    is_int(intact, LIVE, "every object alive before the repairs is intact and frees");
    errno = 0;
    ok(slab_debug_plant_zombie(a, size, 0, 8) == -1 && errno == EINVAL,
       "an unknown reason is refused");
    ok(slab_debug_plant_zombie(a, 0, 0, REPAIR_REASON_OTHER) == -1 &&
       slab_debug_plant_zombie(NULL, size, 0, REPAIR_REASON_OTHER) == -1,
       "a bad size or allocator is refused");
    slab_allocator_free(a);
    return tap_exit();
}
