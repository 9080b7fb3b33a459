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
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif /* SLAB_COMMON_H */
