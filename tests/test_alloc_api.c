/* Every allocator entry point, its boundaries and its error returns. */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "slab_alloc.h"
#include "slab_debug.h"
#include "common.h"
#include "tap.h"

static void sizes(SlabAllocator *a)
{
    static const uint32_t good[] = { 1, 15, 16, 17, 63, 64, 65, 96, 97, 128, 129,
                                     192, 193, 256, 257, 384, 385, 512, 513, 767, 768 };
    bool all_ok = true, all_aligned = true, classes_ok = true;
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        SlabHandle h = 0;
        char *p = alloc_obj_epoch(a, good[i], 0, &h);
        all_ok &= p != NULL && h != 0;
        if (p == NULL)
            continue;
        all_aligned &= ((uintptr_t)p & 15) == 0;
        memset(p, 0x5a, good[i]);
        int c = slab_size_class(good[i]);
        classes_ok &= c >= 0 && slab_class_size((unsigned)c) >= good[i] &&
                      (c == 0 || slab_class_size((unsigned)c - 1) < good[i]);
        all_ok &= slab_handle_ptr(a, h) == p;
        all_ok &= free_obj(a, h);
    }
    ok(all_ok, "sizes 1..768 allocate, map back from their handles and free");
    ok(all_aligned, "every object is 16-byte aligned");
    ok(classes_ok, "each size lands in the smallest class that holds it");

    SlabHandle h = 42;
    errno = 0;
    ok(alloc_obj_epoch(a, 0, 0, &h) == NULL && errno == EINVAL, "size 0 fails with EINVAL");
    errno = 0;
    ok(alloc_obj_epoch(a, 769, 0, &h) == NULL && errno == EINVAL, "size 769 fails with EINVAL");
    errno = 0;
    ok(alloc_obj_epoch(a, UINT32_MAX, 0, &h) == NULL && errno == EINVAL,
       "size UINT32_MAX fails with EINVAL");
    errno = 0;
    ok(alloc_obj_epoch(a, 64, SLAB_EPOCH_COUNT, &h) == NULL && errno == EINVAL,
       "epoch 16 fails with EINVAL");
    errno = 0;
    ok(alloc_obj_epoch(NULL, 64, 0, &h) == NULL && errno == EINVAL, "NULL allocator fails");
    ok(h == 42, "a failed allocation leaves the handle alone");

    void *p = alloc_obj_epoch(a, 64, 0, NULL);
    ok(p != NULL, "the handle pointer may be NULL");

    is_int(slab_size_class(0), -1, "slab_size_class(0) is -1");
    is_int(slab_size_class(769), -1, "slab_size_class(769) is -1");
    is_int(slab_class_size(SLAB_NUM_CLASSES), 0, "slab_class_size(8) is 0");
    is_int(slab_class_size(0), 64, "class 0 is 64 bytes");
    is_int(slab_class_size(7), 768, "class 7 is 768 bytes");
}

static void malloc_style(SlabAllocator *a)
{
    char *p = slab_malloc_epoch(a, SLAB_MALLOC_MAX, 0);
    ok(p != NULL && ((uintptr_t)p & 15) == 0, "slab_malloc_epoch of the largest size, aligned");
    if (p)
        memset(p, 1, SLAB_MALLOC_MAX);
    errno = 0;
    ok(slab_malloc_epoch(a, SLAB_MALLOC_MAX + 1, 0) == NULL && errno == EINVAL,
       "one byte more fails with EINVAL");
    errno = 0;
    ok(slab_malloc_epoch(a, 0, 0) == NULL && errno == EINVAL, "size 0 fails");
    ok(slab_free(a, p), "slab_free takes it back");
    ok(!slab_free(a, p), "a second slab_free of it fails");
    ok(slab_free(a, NULL), "slab_free(NULL) is a no-op");
    ok(slab_free(NULL, NULL), "slab_free(NULL, NULL) is a no-op");

    char *q = slab_malloc(a, 100);
    ok(q != NULL, "slab_malloc uses the current epoch");
    /* A pointer into the middle of an object is not one we handed out. */
    ok(!slab_free(a, q + 16), "an interior pointer is refused");
    ok(!slab_free(a, q + 1), "a misaligned pointer is refused");
    ok(slab_free(a, q), "the object itself is freed");
}

static void counters(SlabAllocator *a)
{
    PerfCounters pc;
    ok(get_perf_counters(a, 0, &pc) && pc.new_slabs >= 1 && pc.allocs_slow >= 1,
       "class 0 counted a new slab and a slow-path allocation");
    errno = 0;
    ok(!get_perf_counters(a, SLAB_NUM_CLASSES, &pc) && errno == EINVAL, "class 8 is refused");
    ok(!get_perf_counters(NULL, 0, &pc), "NULL allocator is refused");
    ok(!get_perf_counters(a, 0, NULL), "NULL output is refused");
}

static void storage(void)
{
    size_t n = slab_allocator_size();
    void *mem = NULL;
    ok(n > 0 && posix_memalign(&mem, 64, n) == 0, "slab_allocator_size() says how much");
    errno = 0;
    ok(slab_allocator_init(mem, n - 1) == NULL && errno == EINVAL, "too little storage is refused");
    errno = 0;
    ok(slab_allocator_init((char *)mem + 8, n - 8) == NULL && errno == EINVAL,
       "misaligned storage is refused");
    SlabAllocator *a = slab_allocator_init(mem, n);
    ok(a == mem, "an allocator in caller storage");
    SlabHandle h;
    void *p = alloc_obj_epoch(a, 200, 0, &h);
    ok(p != NULL && free_obj(a, h), "it allocates and frees");
    slab_allocator_destroy(a);
    free(mem);
    slab_allocator_destroy(NULL);
    slab_allocator_free(NULL);
    ok(1, "destroying and freeing NULL are no-ops");
}

/* Under AddressSanitizer a freed object is poisoned: a program that writes
 * to it is stopped with a report. */
static void use_after_free(SlabAllocator *a)
{
#ifdef SLAB_ASAN
    SlabHandle h;
    volatile char *p = alloc_obj_epoch(a, 128, 0, &h);
    free_obj(a, h);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        close(2);               /* the report is expected; keep the log quiet */
        p[64] = 1;
        _exit(0);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    ok(!(WIFEXITED(status) && WEXITSTATUS(status) == 0),
       "AddressSanitizer stops a write to a freed object");
#else
    (void)a;
    skip(1, "not built with AddressSanitizer");
#endif
}

int main(void)
{
    plan(38);
    SlabAllocator *a = slab_allocator_create();
    if (a == NULL)
        bail_out("slab_allocator_create failed");
    sizes(a);
    malloc_style(a);
    counters(a);
    use_after_free(a);
    char why[256];
    ok(slab_debug_check(a, why, sizeof(why)) == 0, "allocator consistent (%s)", why);
    slab_allocator_free(a);
    storage();
    return tap_exit();
}
