/* The size classes: the table itself (every size finds the smallest class
 * that holds it, classes 12.5-25 % apart from 64 bytes up, every class in
 * its reported row), the handle layout for the 4096 slots of a 16-byte
 * slab (all allocated, freed, refused as double and stale frees, slots
 * above 1023 included), the by-address lookup's division for every class
 * and every offset of a slab, and the counters folded into the eight rows.
 * Uses the core's private tables (linked statically). */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "slab_alloc.h"
#include "slab_debug.h"
#include "addr_fast.h"
#include "tap.h"

static const uint32_t rows[SLAB_NUM_CLASSES] = { SLAB_CLASS_SIZES };

static void test_table(void)
{
    bool good = slab_class_bytes[SLAB_CORE_CLASSES - 1] == SLAB_MAX_SIZE;
    for (unsigned c = 0; c < SLAB_CORE_CLASSES; c++) {
        uint32_t sz = slab_class_bytes[c];
        good &= sz % SLAB_ALIGNMENT == 0 && sz >= SLAB_MIN_OBJECT;
        if (c > 0) {
            uint32_t prev = slab_class_bytes[c - 1];
            good &= sz > prev;
            /* 12.5 .. 25 % apart from 64 up; 16 bytes apart below. */
            if (prev >= 64)
                good &= sz * 8 >= prev * 9 && sz * 4 <= prev * 5;
            else
                good &= sz - prev == 16;
        }
    }
    ok(good, "%u classes, multiples of 16 up to %u, 12.5-25 %% apart from 64 up",
       SLAB_CORE_CLASSES, SLAB_MAX_SIZE);

    good = true;
    for (uint32_t n = 1; n <= SLAB_MAX_SIZE; n++) {
        unsigned c = slab_class_of[n - 1];
        good &= c < SLAB_CORE_CLASSES && slab_class_bytes[c] >= n &&
                (c == 0 || slab_class_bytes[c - 1] < n);
    }
    ok(good, "every size 1..%u maps to the smallest class that holds it", SLAB_MAX_SIZE);
    ok(slab_class_bytes[slab_class_of[15]] == 16 && slab_class_bytes[slab_class_of[16]] == 32 &&
           slab_class_bytes[slab_class_of[199]] == 224,
       "16 bytes take 16, 17 take 32, 200 take 224");

    good = true;
    for (unsigned c = 0; c < SLAB_CORE_CLASSES; c++) {
        unsigned r = slab_class_row[c];
        good &= r < SLAB_NUM_CLASSES && rows[r] >= slab_class_bytes[c] &&
                (r == 0 || rows[r - 1] < slab_class_bytes[c]);
    }
    for (unsigned r = 0; r < SLAB_NUM_CLASSES; r++) {
        int c = -1;
        for (unsigned k = 0; k < SLAB_CORE_CLASSES; k++)
            if (slab_class_bytes[k] == rows[r])
                c = (int)k;
        good &= c >= 0;
    }
    ok(good, "each class reports in the smallest row that holds it; every row is a class");

    good = true;
    for (uint32_t n = 1; n <= SLAB_MAX_SIZE; n++) {
        int r = slab_size_class(n);
        good &= r >= 0 && rows[r] >= n && (r == 0 || rows[r - 1] < n);
    }
    ok(good, "slab_size_class() still names the row: the smallest row size that holds n");
}

/* Every slot of the first 16-byte slab: allocated in order, one handle
 * each, freed once, refused as double and stale frees. */
static void test_small_slab(void)
{
    enum { N = SLAB_BYTES / 16 };
    static SlabHandle h[N];
    static char *p[N];
    SlabAllocator *a = slab_allocator_create();
    if (a == NULL)
        bail_out("slab_allocator_create failed");
    bool good = true;
    for (unsigned i = 0; i < N; i++) {
        p[i] = alloc_obj_epoch(a, 16, 0, &h[i]);
        if (p[i] == NULL)
            bail_out("allocation failed");
        good &= p[i] == p[0] + (size_t)i * 16 && (h[i] & HANDLE_SLOT_MASK) == i &&
                (h[i] >> HANDLE_SLOT_BITS & HANDLE_SLAB_MASK) ==
                    (h[0] >> HANDLE_SLOT_BITS & HANDLE_SLAB_MASK);
        memcpy(p[i], &h[i], sizeof(h[i]));
    }
    ok(good && ((uintptr_t)p[0] & (SLAB_BYTES - 1)) == 0,
       "a 16-byte slab serves %d slots, 16 bytes apart, slot i in handle bits 0..11", N);
    good = true;
    for (unsigned i = 0; i < N; i++)
        good &= slab_handle_ptr(a, h[i]) == p[i] && memcmp(p[i], &h[i], sizeof(h[i])) == 0;
    ok(good, "every handle maps to its object, whose contents are intact");

    /* Forged slots: a live handle with its slot moved by 1024 or 2048 (the
     * bits a 10-bit slot field did not have). */
    int accepted = 0;
    for (unsigned i = 0; i < N; i++)
        accepted += free_obj(a, h[i] ^ 1024u) + free_obj(a, h[i] ^ 2048u);
    is_int(accepted, 0, "a handle with slot bit 10 or 11 flipped is refused");

    int freed = 0;
    for (unsigned i = 0; i < N; i++)
        freed += free_obj(a, h[i]);
    is_int(freed, N, "every slot frees once");
    accepted = 0;
    errno = 0;
    for (unsigned i = 0; i < N; i++)
        accepted += free_obj(a, h[i]);
    ok(accepted == 0 && errno == EINVAL, "a second free of each is refused (%d accepted)",
       accepted);

    /* Reallocate the whole slab, still the thread's current one: its free
     * list hands the slots back, each under a new handle. */
    static SlabHandle h2[N];
    good = true;
    for (unsigned i = 0; i < N; i++) {
        char *q = alloc_obj_epoch(a, 16, 0, &h2[i]);
        good &= q != NULL && q >= p[0] && q < p[0] + SLAB_BYTES;
    }
    ok(good, "the freed slots are reused");
    accepted = 0;
    for (unsigned i = 0; i < N; i++)
        accepted += free_obj(a, h[i]);
    is_int(accepted, 0, "stale handles of all %d slots are refused", N);
    accepted = 0;
    for (unsigned i = 1024; i < N; i++)
        accepted += slab_handle_ptr(a, h[i]) != NULL;
    is_int(accepted, 0, "stale handles of slots 1024..%d map to nothing", N - 1);
    freed = 0;
    for (unsigned i = 0; i < N; i++)
        freed += free_obj(a, h2[i]);
    is_int(freed, N, "the new handles free them");
    for (unsigned i = 0; i < N; i++)
        if (alloc_obj_epoch(a, 16, 0, NULL) == NULL)
            bail_out("allocation failed");
    char *extra = alloc_obj_epoch(a, 16, 0, NULL);
    ok(extra != NULL && (extra < p[0] || extra >= p[0] + SLAB_BYTES),
       "with the slab full again, slot %d comes from another slab", N);

    char why[256];
    ok(slab_debug_check(a, why, sizeof(why)) == 0, "allocator consistent (%s)", why);
    slab_allocator_free(a);
}

/* For each class, one slab: the by-address lookup names exactly the
 * objects' first bytes, and the inline free refuses every other offset. */
static void test_addresses(void)
{
    SlabAllocator *a = slab_allocator_create();
    if (a == NULL)
        bail_out("slab_allocator_create failed");
    bool size_good = true, free_good = true;
    for (unsigned c = 0; c < SLAB_CORE_CLASSES; c++) {
        uint32_t sz = slab_class_bytes[c], n = SLAB_BYTES / sz;
        char *first = NULL;
        for (uint32_t i = 0; i < n; i++) {
            char *q = alloc_obj_epoch(a, sz, 1, NULL);
            if (q == NULL)
                bail_out("allocation failed");
            if (i == 0)
                first = q;
            size_good &= q == first + (size_t)i * sz;
        }
        uintptr_t base = (uintptr_t)first - (uintptr_t)a->arena;
        for (uint32_t off = 0; off < SLAB_BYTES; off++) {
            bool start = off % sz == 0 && off / sz < n;
            size_good &= slab_addr_size(a, first + off) == (start ? sz : 0);
            if (!start)
                free_good &= slab_addr_free_fast(a, base + off) == FREE_BAD;
        }
        for (uint32_t i = 0; i < n; i++) {
            enum slab_addr_free_result r = slab_addr_free_fast(a, base + (uintptr_t)i * sz);
            if (r == FREE_REFILLED)
                slab_addr_refilled(a, base + (uintptr_t)i * sz);
            free_good &= r == FREE_DONE || r == FREE_REFILLED;
        }
    }
    ok(size_good, "slab_addr_size() is the class size at each object's start, 0 elsewhere "
                  "(every class, every offset)");
    ok(free_good, "the inline free refuses every offset but an object's start, and frees those");
    char why[256];
    ok(slab_debug_check(a, why, sizeof(why)) == 0, "allocator consistent (%s)", why);
    slab_allocator_free(a);
}

/* Each class's slabs are counted in its row. */
static void test_rows(void)
{
    SlabAllocator *a = slab_allocator_create();
    if (a == NULL)
        bail_out("slab_allocator_create failed");
    uint64_t want[SLAB_NUM_CLASSES] = { 0 };
    for (unsigned c = 0; c < SLAB_CORE_CLASSES; c++) {
        if (alloc_obj_epoch(a, slab_class_bytes[c], 0, NULL) == NULL)
            bail_out("allocation failed");
        want[slab_class_row[c]]++;
    }
    bool good = true;
    uint64_t live = 0;
    for (unsigned r = 0; r < SLAB_NUM_CLASSES; r++) {
        PerfCounters pc;
        good &= get_perf_counters(a, r, &pc) && pc.new_slabs == want[r] &&
                pc.live_slabs == want[r] && pc.allocs_slow == want[r];
        live += pc.live_slabs;
    }
    ok(good && live == SLAB_CORE_CLASSES,
       "one slab per class: rows count 4, 2, 2, 2, 2, 2, 2, 2 new and live slabs");
    slab_allocator_free(a);
}

int main(void)
{
    plan(20);
    test_table();
    test_small_slab();
    test_addresses();
    test_rows();
    return tap_exit();
}
