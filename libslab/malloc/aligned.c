/*
 * aligned.c - the drop-in's aligned allocations: posix_memalign,
 * aligned_alloc, memalign, valloc and pvalloc.
 *
 * Alignments up to 16 are what every slot has; larger ones up to
 * MAX_SLAB_ALIGN are served by the smallest class whose size is a multiple
 * of the alignment (slabs start on 64 KiB boundaries, so every slot of such
 * a class is aligned), the rest by the system's memalign.  Each call counts
 * once toward the sample, like malloc().
 */
#include "config.h"
#include "dropin.h"
#include "dropin_internal.h"

#include <unistd.h>

#define MAX_SLAB_ALIGN  512u

/* The smallest of the core's classes (slab_internal.h) that holds size
 * bytes (1..SLAB_MAX_SIZE) with every slot aligned to alignment (a power
 * of two, 32..MAX_SLAB_ALIGN), or 0: for 32 one of 32, 64, 96, 128, 160,
 * ..., for 512 only 512 itself. */
static uint32_t aligned_class_size(size_t alignment, size_t size)
{
    for (unsigned c = slab_class_of[size - 1]; c < SLAB_CORE_CLASSES; c++) {
        uint32_t cs = slab_class_bytes[c];
        if (cs % alignment == 0)
            return cs;
    }
    return 0;
}

/* alignment: a power of two. */
static void *do_memalign(size_t alignment, size_t size)
{
    if (alignment <= SLAB_ALIGNMENT)
        return dropin_do_malloc(size);
    if (alignment <= MAX_SLAB_ALIGN && size <= SLAB_MAX_SIZE) {
        uint32_t cs = aligned_class_size(alignment, size ? size : 1);
        void *p = cs ? dropin_slab_alloc(cs) : NULL;
        if (p != NULL)
            return p;
    }
    slab_sampler_note_path(SLAB_PATH_LARGE);
    slab_sampler_count_large_alloc();
    return sys_memalign(alignment, size);
}

static bool power_of_two(size_t x)
{
    return x != 0 && (x & (x - 1)) == 0;
}

SLAB_API int DROPIN_ENTRY(posix_memalign)(void **out, size_t alignment, size_t size)
{
    if (!power_of_two(alignment) || alignment % sizeof(void *) != 0)
        return EINVAL;
    int saved = errno;
    void *p = DROPIN_ENTRY(memalign)(alignment, size);
    int err = errno;
    errno = saved;                  /* posix_memalign() returns its error */
    if (p == NULL)
        return err ? err : ENOMEM;
    *out = p;
    return 0;
}

SLAB_API void *DROPIN_ENTRY(aligned_alloc)(size_t alignment, size_t size)
{
    if (!power_of_two(alignment)) {
        errno = EINVAL;
        return NULL;
    }
    SAMPLED(do_memalign(alignment, size));
}

SLAB_API void *DROPIN_ENTRY(memalign)(size_t alignment, size_t size)
{
    /* glibc rounds an alignment that is not a power of two up to one. */
    if (!power_of_two(alignment)) {
        if (alignment > SIZE_MAX / 2 + 1) {
            errno = EINVAL;
            return NULL;
        }
        size_t a = 1;
        while (a < alignment)
            a <<= 1;
        alignment = a;
    }
    SAMPLED(do_memalign(alignment, size));
}

static size_t page_size(void)
{
    static _Atomic size_t cached;
    size_t p = atomic_load_explicit(&cached, memory_order_relaxed);
    if (p == 0) {
        long v = sysconf(_SC_PAGESIZE);
        p = v > 0 ? (size_t)v : 4096;
        atomic_store_explicit(&cached, p, memory_order_relaxed);
    }
    return p;
}

SLAB_API void *DROPIN_ENTRY(valloc)(size_t size)
{
    SAMPLED(do_memalign(page_size(), size));
}

SLAB_API void *DROPIN_ENTRY(pvalloc)(size_t size)
{
    size_t ps = page_size();
    size_t rounded;
    if (__builtin_add_overflow(size, ps - 1, &rounded)) {
        errno = ENOMEM;
        return NULL;
    }
    rounded &= ~(ps - 1);
    SAMPLED(do_memalign(ps, rounded ? rounded : ps));
}
