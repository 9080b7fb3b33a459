/*
 * callcount.c - libcallcount.so, an LD_PRELOAD shim that counts the
 * malloc-family calls of a program and sorts them by the path the drop-in
 * (libslab-malloc.so) serves them on, by the rule of
 * libslab/malloc/dropin.c: requests of 0..SLAB_MAX_SIZE bytes, with an
 * alignment of at most 512 for the aligned calls, go to the slab classes,
 * the rest to glibc's allocator (the "large path").
 *
 * The drop-in's segment counts the calls of its own large path
 * (allocs_large, segment format 1.2), and slabrun prints the share the
 * slabs served for the process it runs; but a run of several processes
 * (gcc's cc1 and as, git repack's pack-objects) publishes one segment per
 * process, each gone with it.  To sum every process of a run,
 * bench/preload.sh loads this in front of the drop-in:
 *
 *   LD_PRELOAD="libcallcount.so libslab-malloc.so" CALLCOUNT_OUT=FILE PROG
 *
 * Every call is passed on unchanged (dlsym(RTLD_NEXT)); at exit each
 * process appends one line to FILE:
 *
 *   pid=123 comm=cc1 calls=N slab=N large=N frees=N
 *
 * It counts requests, not what the drop-in did with them: the few calls
 * the drop-in sends to glibc although they fit (made while it initialises,
 * or by libslab itself) count as slab here.  Built by bench/preload.sh,
 * not by make: it is a measuring tool, not part of libslab.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "slab_alloc.h"         /* SLAB_MAX_SIZE */

#define MAX_SLAB_ALIGN 512u

static atomic_ulong n_slab, n_large, n_free;

static void *(*next_malloc)(size_t);
static void *(*next_calloc)(size_t, size_t);
static void *(*next_realloc)(void *, size_t);
static void (*next_free)(void *);
static void *(*next_memalign)(size_t, size_t);
static int (*next_posix_memalign)(void **, size_t, size_t);
static void *(*next_aligned_alloc)(size_t, size_t);
static void *(*next_valloc)(size_t);
static void *(*next_pvalloc)(size_t);

/* dlsym() may itself call calloc(): those calls get this buffer. */
static char boot[4096];
static size_t boot_used;
static __thread int resolving;

static int in_boot(const void *p)
{
    return (const char *)p >= boot && (const char *)p < boot + sizeof(boot);
}

static void *boot_alloc(size_t n)
{
    n = (n + 15) & ~(size_t)15;
    if (boot_used + n > sizeof(boot))
        return NULL;
    void *p = boot + boot_used;
    boot_used += n;
    return p;
}

static void resolve(void)
{
    if (next_free != NULL || resolving)
        return;
    resolving = 1;
    next_malloc = (void *(*)(size_t))dlsym(RTLD_NEXT, "malloc");
    next_calloc = (void *(*)(size_t, size_t))dlsym(RTLD_NEXT, "calloc");
    next_realloc = (void *(*)(void *, size_t))dlsym(RTLD_NEXT, "realloc");
    next_memalign = (void *(*)(size_t, size_t))dlsym(RTLD_NEXT, "memalign");
    next_posix_memalign = (int (*)(void **, size_t, size_t))dlsym(RTLD_NEXT, "posix_memalign");
    next_aligned_alloc = (void *(*)(size_t, size_t))dlsym(RTLD_NEXT, "aligned_alloc");
    next_valloc = (void *(*)(size_t))dlsym(RTLD_NEXT, "valloc");
    next_pvalloc = (void *(*)(size_t))dlsym(RTLD_NEXT, "pvalloc");
    next_free = (void (*)(void *))dlsym(RTLD_NEXT, "free");
    resolving = 0;
}

static inline void count(size_t size, size_t align)
{
    atomic_ulong *c = size <= SLAB_MAX_SIZE && align <= MAX_SLAB_ALIGN ? &n_slab : &n_large;
    atomic_fetch_add_explicit(c, 1, memory_order_relaxed);
}

void *malloc(size_t n)
{
    resolve();
    if (next_malloc == NULL)
        return boot_alloc(n);
    count(n, 0);
    return next_malloc(n);
}

void *calloc(size_t k, size_t n)
{
    resolve();
    if (next_calloc == NULL)
        return k && n > SIZE_MAX / k ? NULL : boot_alloc(k * n);    /* zeroed */
    count(k && n > SIZE_MAX / k ? SIZE_MAX : k * n, 0);
    return next_calloc(k, n);
}

void *realloc(void *p, size_t n)
{
    resolve();
    if (n != 0 || p == NULL)
        count(n, 0);
    if (in_boot(p)) {
        void *q = next_malloc(n);
        if (q != NULL)
            memcpy(q, p, (size_t)(boot + sizeof(boot) - (char *)p) < n
                   ? (size_t)(boot + sizeof(boot) - (char *)p) : n);
        return q;
    }
    return next_realloc(p, n);
}

void *reallocarray(void *p, size_t k, size_t n)
{
    if (k && n > SIZE_MAX / k) {
        errno = ENOMEM;
        return NULL;
    }
    return realloc(p, k * n);
}

void free(void *p)
{
    if (p == NULL || in_boot(p))
        return;
    resolve();
    atomic_fetch_add_explicit(&n_free, 1, memory_order_relaxed);
    next_free(p);
}

void *memalign(size_t a, size_t n)
{
    resolve();
    count(n, a);
    return next_memalign(a, n);
}

int posix_memalign(void **out, size_t a, size_t n)
{
    resolve();
    count(n, a);
    return next_posix_memalign(out, a, n);
}

void *aligned_alloc(size_t a, size_t n)
{
    resolve();
    count(n, a);
    return next_aligned_alloc(a, n);
}

void *valloc(size_t n)
{
    resolve();
    count(n, 4096);
    return next_valloc(n);
}

void *pvalloc(size_t n)
{
    resolve();
    count(n, 4096);
    return next_pvalloc(n);
}

__attribute__((destructor)) static void report(void)
{
    const char *out = getenv("CALLCOUNT_OUT");
    if (out == NULL)
        return;
    char comm[64] = "?";
    int f = open("/proc/self/comm", O_RDONLY);
    if (f >= 0) {
        ssize_t r = read(f, comm, sizeof(comm) - 1);
        comm[r > 0 ? r : 0] = '\0';
        comm[strcspn(comm, "\n ")] = '\0';
        close(f);
    }
    unsigned long s = atomic_load(&n_slab), l = atomic_load(&n_large);
    char line[256];
    int len = snprintf(line, sizeof(line), "pid=%d comm=%s calls=%lu slab=%lu large=%lu frees=%lu\n",
                       (int)getpid(), comm, s + l, s, l, atomic_load(&n_free));
    f = open(out, O_WRONLY | O_APPEND | O_CREAT, 0644);
    if (f >= 0) {
        /* One write per line, O_APPEND: lines of processes exiting at
         * once do not mix. */
        if (write(f, line, (size_t)len) < 0)
            (void)0;
        close(f);
    }
}
