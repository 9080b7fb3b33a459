/* Epochs: advance, close, wrap, and memory returned to the OS. */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "slab_alloc.h"
#include "slab_debug.h"
#include "tap.h"

#define SLAB_SPAN 65536u        /* objects of one slab share addr / SLAB_SPAN */

static long resident_bytes(void)
{
    long size = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f == NULL)
        return -1;
    if (fscanf(f, "%ld %ld", &size, &resident) != 2)
        resident = -1;
    fclose(f);
    return resident * sysconf(_SC_PAGESIZE);
}

static void advance_and_close(SlabAllocator *a)
{
    is_int(epoch_current(a), 0, "a new allocator starts in epoch 0");
    is_int(epoch_advance(a), 1, "advance moves to epoch 1");
    is_int(epoch_current(a), 1, "and it is current");
    ok(epoch_is_open(a, 0) && epoch_is_open(a, 1), "both are open");

    SlabHandle h;
    void *p = alloc_obj_epoch(a, 100, 0, &h);
    ok(p != NULL, "epoch 0 still takes allocations");
    is_int(epoch_close(a, 0), 0, "epoch 0 closes");
    ok(!epoch_is_open(a, 0), "and reports closed");
    errno = 0;
    ok(alloc_obj_epoch(a, 100, 0, NULL) == NULL && errno == EPERM,
       "allocating in a closed epoch fails with EPERM");
    ok(slab_malloc_epoch(a, 10, 0) == NULL, "for the malloc-style call too");
    ok(free_obj(a, h), "an object of a closed epoch can still be freed");
    is_int(epoch_close(a, 0), 0, "closing it again is a no-op");
    errno = 0;
    ok(epoch_close(a, SLAB_EPOCH_COUNT) == -1 && errno == EINVAL, "closing epoch 16 is refused");
    ok(epoch_close(NULL, 0) == -1, "closing on NULL is refused");
}

/* Wrapping the ring re-opens a slot in a new era: its new objects never share
 * a slab with objects the old era left alive. */
static void wrap(SlabAllocator *a)
{
    EpochId e = epoch_current(a);
    enum { OLD = 300 };
    static SlabHandle old_h[OLD];
    static uintptr_t old_slab[OLD];
    for (int i = 0; i < OLD; i++) {
        char *p = alloc_obj_epoch(a, 64, e, &old_h[i]);
        old_slab[i] = (uintptr_t)p / SLAB_SPAN;
    }
    /* Free every other object so the old era's slabs are partial. */
    for (int i = 0; i < OLD; i += 2)
        free_obj(a, old_h[i]);
    for (unsigned k = 0; k < SLAB_EPOCH_COUNT; k++)
        epoch_advance(a);
    is_int(epoch_current(a), e, "16 advances come back to the same epoch id");
    ok(epoch_is_open(a, e), "re-opened");

    bool mixed = false;
    enum { NEW = 2000 };
    static SlabHandle new_h[NEW];
    for (int i = 0; i < NEW; i++) {
        char *p = alloc_obj_epoch(a, 64, e, &new_h[i]);
        for (int j = 1; j < OLD; j += 2)
            mixed |= (uintptr_t)p / SLAB_SPAN == old_slab[j];
    }
    ok(!mixed, "no new object lands in a slab holding the old era's objects");
    int freed = 0;
    for (int j = 1; j < OLD; j += 2)
        freed += free_obj(a, old_h[j]);
    is_int(freed, OLD / 2, "the old era's survivors still free");
    for (int i = 0; i < NEW; i++)
        free_obj(a, new_h[i]);
}

static void rss_return(SlabAllocator *a)
{
    EpochId e = epoch_advance(a);
    enum { BYTES = 16 << 20, SIZE = 256, N = BYTES / SIZE };
    SlabHandle *h = malloc(N * sizeof(*h));
    if (h == NULL)
        bail_out("out of memory");
    memset(h, 0, N * sizeof(*h));      /* resident before we measure */
    long before = resident_bytes();
    for (int i = 0; i < N; i++) {
        char *p = alloc_obj_epoch(a, SIZE, e, &h[i]);
        if (p == NULL)
            bail_out("allocation failed");
        memset(p, 0x77, SIZE);
    }
    long peak = resident_bytes();
    for (int i = 0; i < N; i++)
        free_obj(a, h[i]);
    epoch_close(a, e);
    long after = resident_bytes();
    diag("resident: before %ld KiB, peak %ld KiB, after close %ld KiB",
         before >> 10, peak >> 10, after >> 10);
#ifdef SLAB_SANITIZED
    /* Sanitizer shadow memory grows with every page touched and is not
     * given back by madvise(): resident memory says nothing here. */
    skip(2, "resident memory is not measurable under sanitizers");
#else
    ok(peak - before >= BYTES, "allocating 16 MiB raised resident memory by at least that");
    ok(peak - after >= (peak - before) * 9 / 10,
       "closing the epoch gave back at least 90%% of it (%ld of %ld KiB)",
       (peak - after) >> 10, (peak - before) >> 10);
#endif
    PerfCounters pc;
    get_perf_counters(a, (unsigned)slab_size_class(SIZE), &pc);
    ok(pc.madvised_bytes >= (uint64_t)BYTES * 9 / 10, "the class counted the bytes it madvised");
    free(h);
}

int main(void)
{
    plan(21);
    SlabAllocator *a = slab_allocator_create();
    if (a == NULL)
        bail_out("slab_allocator_create failed");
    advance_and_close(a);
    wrap(a);
    rss_return(a);
    char why[256];
    ok(slab_debug_check(a, why, sizeof(why)) == 0, "allocator consistent (%s)", why);
    slab_allocator_free(a);
    return tap_exit();
}
