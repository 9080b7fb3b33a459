/*
 * common.h - small definitions every libslab source file shares.
 */
#ifndef SLAB_COMMON_H
#define SLAB_COMMON_H

/* Functions of the public API are defined with SLAB_API; everything else in
 * the library is hidden (-fvisibility=hidden). */
#define SLAB_API __attribute__((visibility("default")))

#define LIKELY(x)   __builtin_expect(!!(x), 1)
#define UNLIKELY(x) __builtin_expect(!!(x), 0)
#define NOINLINE    __attribute__((noinline))
#define COLD        __attribute__((cold, noinline))
#define ALWAYS_INLINE inline __attribute__((always_inline))

#define CACHE_LINE 64

/* Under AddressSanitizer, free objects are poisoned (all but the link word
 * the allocator keeps in them), so a program's use after free is caught. */
#if defined(__SANITIZE_ADDRESS__)
#define SLAB_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SLAB_ASAN 1
#endif
#endif
#ifdef SLAB_ASAN
#include <sanitizer/asan_interface.h>
#define SLAB_POISON(p, n)   ASAN_POISON_MEMORY_REGION((p), (n))
#define SLAB_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define SLAB_POISON(p, n)   ((void)(p), (void)(n))
#define SLAB_UNPOISON(p, n) ((void)(p), (void)(n))
#endif
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#include <stdint.h>
#include <time.h>

/* A cheap clock for decay times and grace periods, in ns (the coarse
 * clock: a few ms of resolution, no system call). */
static inline uint64_t slab_coarse_ns(void)
{
    struct timespec ts;
#ifdef CLOCK_MONOTONIC_COARSE
    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
#else
    clock_gettime(CLOCK_MONOTONIC, &ts);
#endif
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

#endif /* SLAB_COMMON_H */
