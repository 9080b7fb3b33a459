/* The allocator core must not call malloc() and friends for its own
 * metadata, since a drop-in malloc sits on top of it.  This program
 * replaces them with counters that forward to glibc, and counts the calls
 * a thread makes inside the core: creating allocators, its first
 * allocation in each (a heap, and its thread table growing), epoch domains,
 * thread exit, destruction.  The thread warms up the layers above the core
 * (the sampler's per-thread state) on another allocator first. */
#include "config.h"

#include <pthread.h>
#include <stddef.h>

#include "epoch_domain.h"
#include "slab_alloc.h"
#include "tap.h"

#if defined(SLAB_SANITIZED)
int main(void)
{
    skip_all("the sanitizers replace malloc themselves");
}
#else

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);
extern void __libc_free(void *);

static __thread bool counting;
static __thread unsigned calls;

void *malloc(size_t n)
{
    calls += counting;
    return __libc_malloc(n);
}

void *calloc(size_t n, size_t m)
{
    calls += counting;
    return __libc_calloc(n, m);
}

void *realloc(void *p, size_t n)
{
    calls += counting;
    return __libc_realloc(p, n);
}

int posix_memalign(void **out, size_t align, size_t n)
{
    calls += counting;
    *out = __libc_memalign(align, n);
    return *out ? 0 : 12;
}

void *aligned_alloc(size_t align, size_t n)
{
    calls += counting;
    return __libc_memalign(align, n);
}

void free(void *p)
{
    calls += counting && p != NULL;
    __libc_free(p);
}

#define ALLOCATORS 6

static unsigned in_core;            /* calls counted on the worker */

static void *worker(void *arg)
{
    SlabAllocator *warm = arg;
    SlabHandle h;
    for (int i = 0; i < 2048; i++)          /* the sampler's state, a sample */
        if (alloc_obj_epoch(warm, 64, 0, &h))
            free_obj(warm, h);

    counting = true;
    SlabAllocator *a[ALLOCATORS];
    for (int i = 0; i < ALLOCATORS; i++) {
        a[i] = slab_allocator_create();
        if (a[i] && alloc_obj_epoch(a[i], 100, epoch_current(a[i]), &h))
            free_obj(a[i], h);
    }
    EpochDomain *d = epoch_domain_create(a[0]);
    epoch_domain_enter(d);
    void *p = slab_malloc(a[0], 50);
    slab_free(a[0], p);
    epoch_domain_exit(d);
    epoch_domain_destroy(d);
    for (int i = 1; i < ALLOCATORS; i++)
        slab_allocator_free(a[i]);
    counting = false;
    in_core = calls;
    /* a[0] is freed after this thread has exited: its heap goes at exit. */
    return a[0];
}

int main(void)
{
    plan(2);
    SlabAllocator *warm = slab_allocator_create();
    pthread_t t;
    pthread_create(&t, NULL, worker, warm);
    void *last;
    pthread_join(t, &last);
    is_int(in_core, 0, "no malloc/calloc/realloc/free calls from the core");
    counting = true;
    calls = 0;
    slab_allocator_free(last);
    slab_allocator_free(warm);
    counting = false;
    is_int(calls, 0, "destroying allocators calls no free()");
    return tap_exit();
}
#endif
