/*
 * installed_prog.c - a program written as a user would write it, against the
 * installed library:
 *
 *     cc installed_prog.c $(pkg-config --cflags --libs libslab)
 *
 * It allocates and frees in epochs, checks that double, stale and forged
 * frees are refused, and that resident memory falls after epoch_close().
 * Exits 0 when all of that holds.
 */
#include <slab_alloc.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static long resident_kib(void)
{
    long pages = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f == NULL || fscanf(f, "%ld %ld", &pages, &resident) != 2)
        resident = -1;
    if (f)
        fclose(f);
    return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

/* The address and thread sanitizers map shadow memory (and ASan keeps freed
 * memory in quarantine), so resident memory says nothing about
 * epoch_close() under them. */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define RSS_MEANINGFUL 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define RSS_MEANINGFUL 0
#endif
#endif
#ifndef RSS_MEANINGFUL
#define RSS_MEANINGFUL 1
#endif

#define CHECK(cond, what) do {                                  \
        bool held_ = (cond);                                    \
        printf("%s: %s\n", held_ ? "ok" : "FAILED", what);      \
        failures += !held_;                                     \
    } while (0)

int main(void)
{
    int failures = 0;
    SlabAllocator *a = slab_allocator_create();
    if (a == NULL) {
        perror("slab_allocator_create");
        return 1;
    }

    EpochId e = epoch_advance(a);
    enum { N = 100000, SIZE = 200 };
    SlabHandle *h = calloc(N, sizeof(*h));
    long before = resident_kib();
    for (int i = 0; i < N; i++) {
        char *p = alloc_obj_epoch(a, SIZE, e, &h[i]);
        if (p == NULL) {
            perror("alloc_obj_epoch");
            return 1;
        }
        memset(p, i, SIZE);
    }
    long peak = resident_kib();

    SlabHandle stale = h[0];
    CHECK(free_obj(a, h[0]), "free");
    CHECK(!free_obj(a, h[0]), "double free refused");
    SlabHandle again;
    alloc_obj_epoch(a, SIZE, e, &again);
    CHECK(!free_obj(a, stale), "stale handle refused after its slot was reused");
    CHECK(!free_obj(a, 0x123456789abcdefull) && !free_obj(a, 0), "forged handles refused");
    h[0] = again;

    for (int i = 0; i < N; i++)
        free_obj(a, h[i]);
    CHECK(epoch_close(a, e) == 0, "epoch_close");
    CHECK(alloc_obj_epoch(a, SIZE, e, NULL) == NULL, "no allocation in a closed epoch");
    long after = resident_kib();
    printf("resident KiB: before %ld, peak %ld, after close %ld\n", before, peak, after);
    if (RSS_MEANINGFUL)
        CHECK(peak - after >= (peak - before) * 9 / 10, "resident memory fell by 90% of the growth");
    else
        printf("skipped: resident memory under a sanitizer\n");

    free(h);
    slab_allocator_free(a);
    return failures ? 1 : 0;
}
