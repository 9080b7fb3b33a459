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

#endif /* SLAB_COMMON_H */
