/* slab_free() of pointers that are not the allocator's must return false
 * with errno EINVAL, never crash: a small integer, a pointer whose header
 * would lie on an unmapped page, memory from malloc(), an object of
 * another allocator, and a pointer into the allocator's reserved but not
 * yet used address space. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "slab_alloc.h"
#include "tap.h"

static bool refused(SlabAllocator *a, void *p)
{
    errno = 0;
    return !slab_free(a, p) && errno == EINVAL;
}

int main(void)
{
    plan(7);
    SlabAllocator *a = slab_allocator_create(), *b = slab_allocator_create();
    if (a == NULL || b == NULL)
        bail_out("cannot create allocators");
    void *mine = slab_malloc(a, 100);

    ok(refused(a, (void *)16), "slab_free((void *)16) is refused");
    ok(refused(a, (void *)(uintptr_t)4096), "a pointer into page 1 is refused");

    /* Two pages; the first unmapped: a pointer at the start of the second
     * has its header on the unmapped one. */
    long pg = sysconf(_SC_PAGESIZE);
    char *two = mmap(NULL, 2 * (size_t)pg, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (two == MAP_FAILED)
        bail_out("mmap failed");
    munmap(two, (size_t)pg);
    ok(refused(a, two + pg), "a pointer whose header page is unmapped is refused");
    munmap(two + pg, (size_t)pg);

    char *m = aligned_alloc(16, 256);
    memset(m, 0xff, 256);
    ok(refused(a, m + 16), "memory from malloc() is refused");
    free(m);

    void *theirs = slab_malloc(b, 100);
    ok(theirs != NULL && refused(a, theirs), "another allocator's object is refused");
    ok(mine != NULL && refused(a, (char *)mine + 65536 * 64), "an address past the used slabs is refused");
    ok(slab_free(a, mine) && slab_free(b, theirs), "the allocators' own objects are freed");
    slab_allocator_free(a);
    slab_allocator_free(b);
    return tap_exit();
}
