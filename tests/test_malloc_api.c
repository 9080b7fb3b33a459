/*
 * test_malloc_api.c - every function the drop-in malloc replaces: results,
 * edge cases, errors, alignment, malloc_usable_size, realloc across every
 * boundary.
 *
 * The test calls the drop-in's code linked in directly, under prefixed
 * names (dropin.h), so that it also runs in the sanitizer builds; the
 * preload tests run the same library under its real names.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "slab_alloc.h"
#define SLAB_DROPIN_TEST 1
#include "dropin.h"

#define M(name) slab_dropin_##name
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static size_t pagesize;

/* Under a sanitizer the large path is the sanitizer's malloc, which by
 * default aborts on a request it cannot serve; glibc returns NULL with
 * ENOMEM, and the tests below check exactly that. */
const char *__asan_default_options(void);
const char *__tsan_default_options(void);
const char *__asan_default_options(void) { return "allocator_may_return_null=1"; }
const char *__tsan_default_options(void) { return "allocator_may_return_null=1"; }

static void fill(unsigned char *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (unsigned char)(seed + i * 7);
}

static bool check(const unsigned char *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != (unsigned char)(seed + i * 7))
            return false;
    return true;
}

static void test_malloc_free(void)
{
    bool good = true, served = true;
    for (size_t n = 1; n <= 4096; n++) {
        unsigned char *p = M(malloc)(n);
        if (p == NULL || ((uintptr_t)p & 15) != 0 || M(malloc_usable_size)(p) < n) {
            good = false;
            break;
        }
        fill(p, M(malloc_usable_size)(p), (unsigned)n);
        good &= check(p, M(malloc_usable_size)(p), (unsigned)n);
        if (n <= SLAB_MAX_SIZE)
            served &= slab_dropin_owns(p);
        M(free)(p);
    }
    ok(good, "malloc 1..4096: 16-byte aligned, usable size >= request, writable to it");
    ok(served, "sizes up to %u are slab-served", SLAB_MAX_SIZE);

    void *z = M(malloc)(0), *z2 = M(malloc)(0);
    ok(z != NULL && z2 != NULL && z != z2, "malloc(0) returns distinct non-NULL pointers");
    ok(M(malloc_usable_size)(z) >= 1, "and they have a usable size");
    M(free)(z);
    M(free)(z2);
    M(free)(NULL);
    ok(1, "free(NULL) is a no-op");

    errno = 0;
    void *big = M(malloc)(SIZE_MAX - 4096);
    ok(big == NULL && errno == ENOMEM, "malloc(SIZE_MAX - 4096) fails with ENOMEM");
    errno = 0;
    big = M(malloc)(PTRDIFF_MAX);
    ok(big == NULL && errno == ENOMEM, "malloc(PTRDIFF_MAX) fails with ENOMEM");

    unsigned char *l = M(malloc)(1 << 20);
    ok(l != NULL && !slab_dropin_owns(l), "1 MiB goes to the large path");
    memset(l, 0xab, 1 << 20);
    ok(M(malloc_usable_size)(l) >= (1u << 20), "large usable size >= request");
    M(free)(l);

    errno = 1234;
    void *p = M(malloc)(40);
    M(free)(p);
    ok(errno == 1234, "malloc and free leave errno alone on success");
    errno = 1234;
    M(free)(p);
    ok(errno == 1234, "a double free is refused without touching errno");
    void *q = M(malloc)(40);
    void *r = M(malloc)(40);
    ok(q != r, "and did not put the block on the free list twice");
    M(free)(q);
    M(free)(r);

    char *in = M(malloc)(128);
    M(free)(in + 16);
    ok(M(malloc_usable_size)(in) >= 128, "an interior pointer is refused; the block stays live");
    M(free)(in);
}

static void test_calloc(void)
{
    /* Dirty some slots first, so that calloc has something to clear. */
    for (size_t n = 1; n <= 1024; n += 13) {
        unsigned char *d = M(malloc)(n);
        memset(d, 0xff, n);
        M(free)(d);
    }
    bool zero = true;
    for (size_t n = 1; n <= 1024; n += 13) {
        unsigned char *c = M(calloc)(1, n);
        for (size_t i = 0; c && i < n; i++)
            zero &= c[i] == 0;
        zero &= c != NULL;
        M(free)(c);
    }
    ok(zero, "calloc returns zeroed memory, slab and large");
    unsigned char *c = M(calloc)(1000, 1000);
    bool z = c != NULL;
    for (size_t i = 0; c && i < 1000000; i += 4093)
        z &= c[i] == 0;
    ok(z, "calloc(1000, 1000) is zeroed");
    M(free)(c);
    errno = 0;
    ok(M(calloc)(SIZE_MAX / 2, 3) == NULL && errno == ENOMEM,
       "calloc overflow fails with ENOMEM");
    errno = 0;
    ok(M(calloc)((size_t)1 << 33, (size_t)1 << 33) == NULL && errno == ENOMEM,
       "calloc(2^33, 2^33) fails with ENOMEM");
    void *c0 = M(calloc)(0, 10), *c1 = M(calloc)(10, 0);
    ok(c0 != NULL && c1 != NULL, "calloc with a zero count or size returns a block");
    M(free)(c0);
    M(free)(c1);
}

/* realloc from every size to every size around the class boundaries and
 * the slab/large boundary, checking the contents that must survive. */
static void test_realloc(void)
{
    static const size_t sizes[] = {
        1, 15, 16, 17, 63, 64, 65, 95, 96, 97, 127, 128, 129, 191, 192, 193,
        255, 256, 257, 383, 384, 385, 511, 512, 513, 767, 768, 769, 1024,
        4095, 4096, 65536, 200000, 1 << 20
    };
    bool good = true;
    for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
        for (size_t j = 0; j < ARRAY_SIZE(sizes); j++) {
            size_t a = sizes[i], b = sizes[j];
            unsigned char *p = M(malloc)(a);
            fill(p, a, (unsigned)(i * 31 + j));
            unsigned char *q = M(realloc)(p, b);
            if (q == NULL || !check(q, a < b ? a : b, (unsigned)(i * 31 + j)) ||
                M(malloc_usable_size)(q) < b || ((uintptr_t)q & 15) != 0) {
                diag("realloc %zu -> %zu failed", a, b);
                good = false;
            }
            if (q)
                memset(q, 0x5a, b);
            M(free)(q);
        }
    }
    ok(good, "realloc across every class and the slab/large boundary keeps the contents");

    unsigned char *p = M(realloc)(NULL, 100);
    ok(p != NULL && M(malloc_usable_size)(p) >= 100, "realloc(NULL, n) is malloc(n)");
    unsigned char *same = M(realloc)(p, 90);
    ok(same == p, "shrinking within the class stays in place");
    errno = 0;
    ok(M(realloc)(p, 0) == NULL, "realloc(p, 0) frees and returns NULL, as glibc");
    p = M(malloc)(200);
    fill(p, 200, 9);
    errno = 0;
    ok(M(realloc)(p, SIZE_MAX - 8192) == NULL && errno == ENOMEM,
       "a realloc that cannot be served fails with ENOMEM");
    ok(check(p, 200, 9), "and leaves the block as it was");
    M(free)(p);

    p = M(reallocarray)(NULL, 10, 30);
    ok(p != NULL && M(malloc_usable_size)(p) >= 300, "reallocarray(NULL, 10, 30)");
    fill(p, 300, 3);
    unsigned char *g = M(reallocarray)(p, 100, 30);
    ok(g != NULL && check(g, 300, 3), "reallocarray grows and keeps the contents");
    errno = 0;
    ok(M(reallocarray)(g, SIZE_MAX / 4, 8) == NULL && errno == ENOMEM,
       "reallocarray overflow fails with ENOMEM");
    ok(check(g, 300, 3), "and leaves the block alone");
    M(free)(g);
}

static void test_aligned(void)
{
    bool pm = true, aa = true, ma = true;
    for (size_t al = 16; al <= 4096; al <<= 1) {
        static const size_t sizes[] = { 1, 8, 16, 24, 100, 200, 512, 700, 768, 1000, 5000 };
        for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
            size_t n = sizes[i];
            void *p = NULL;
            int rc = M(posix_memalign)(&p, al, n);
            if (rc != 0 || p == NULL || ((uintptr_t)p & (al - 1)) != 0 ||
                M(malloc_usable_size)(p) < n)
                pm = false;
            else
                memset(p, 1, n);
            M(free)(p);
            p = M(aligned_alloc)(al, n);
            if (p == NULL || ((uintptr_t)p & (al - 1)) != 0 || M(malloc_usable_size)(p) < n)
                aa = false;
            else
                memset(p, 2, n);
            M(free)(p);
            p = M(memalign)(al, n);
            if (p == NULL || ((uintptr_t)p & (al - 1)) != 0 || M(malloc_usable_size)(p) < n)
                ma = false;
            else
                memset(p, 3, n);
            p = M(realloc)(p, n * 2);
            ma &= p != NULL;
            M(free)(p);
        }
    }
    ok(pm, "posix_memalign: alignments 16..4096, sizes 1..5000");
    ok(aa, "aligned_alloc: alignments 16..4096, sizes 1..5000");
    ok(ma, "memalign: alignments 16..4096, and realloc of the result");

    void *p = M(memalign)(64, 100);
    ok(slab_dropin_owns(p), "memalign(64, 100) is slab-served");
    M(free)(p);
    /* From the finer classes: the smallest multiple of the alignment
     * among them that holds the size. */
    void *a32 = M(memalign)(32, 20), *b32 = M(memalign)(32, 140), *c512 = M(memalign)(512, 1);
    ok(M(malloc_usable_size)(a32) == 32 && M(malloc_usable_size)(b32) == 160 &&
           M(malloc_usable_size)(c512) == 512 && ((uintptr_t)a32 & 31) == 0 &&
           ((uintptr_t)b32 & 31) == 0 && ((uintptr_t)c512 & 511) == 0,
       "memalign(32, 20) takes 32 bytes, (32, 140) 160 and (512, 1) 512");
    M(free)(a32);
    M(free)(b32);
    M(free)(c512);
    bool slabs = true;
    for (size_t al = 32; al <= 1024; al <<= 1) {
        void *q = M(memalign)(al, al / 2);
        slabs &= q != NULL && ((uintptr_t)q & (al - 1)) == 0 &&
                 slab_dropin_owns(q) == (al <= 512);
        M(free)(q);
    }
    ok(slabs, "memalign(A, A/2) is slab-served for every A of 32..512, 1024 is not");
    for (size_t al = 1; al < 16; al <<= 1) {
        p = M(memalign)(al, 10);
        ma &= p != NULL && ((uintptr_t)p % al) == 0;
        M(free)(p);
    }
    ok(ma, "memalign with alignments below 16");
    p = M(memalign)(48, 10);
    ok(p != NULL && ((uintptr_t)p & 63) == 0, "memalign rounds 48 up to 64, as glibc");
    M(free)(p);

    void *keep = (void *)0x1;
    is_int(M(posix_memalign)(&keep, 24, 10), EINVAL, "posix_memalign(24) is EINVAL");
    ok(keep == (void *)0x1, "and leaves *out alone");
    is_int(M(posix_memalign)(&keep, 4, 10), EINVAL,
           "posix_memalign(4): not a multiple of sizeof(void *), EINVAL");
    is_int(M(posix_memalign)(&keep, 0, 10), EINVAL, "posix_memalign(0) is EINVAL");
    errno = 77;
    is_int(M(posix_memalign)(&keep, 64, SIZE_MAX - 8192), ENOMEM,
           "posix_memalign of a huge size returns ENOMEM");
    ok(errno == 77, "posix_memalign does not set errno");
    errno = 0;
    ok(M(aligned_alloc)(24, 48) == NULL && errno == EINVAL,
       "aligned_alloc(24) fails with EINVAL");

    p = M(valloc)(10);
    ok(p != NULL && ((uintptr_t)p & (pagesize - 1)) == 0 && M(malloc_usable_size)(p) >= 10,
       "valloc is page-aligned");
    M(free)(p);
    p = M(pvalloc)(10);
    ok(p != NULL && ((uintptr_t)p & (pagesize - 1)) == 0 &&
       M(malloc_usable_size)(p) >= pagesize, "pvalloc rounds up to a whole page");
    M(free)(p);
    errno = 0;
    ok(M(pvalloc)(SIZE_MAX - 10) == NULL && errno == ENOMEM,
       "pvalloc overflow fails with ENOMEM");
}

static void test_usable_size(void)
{
    is_u64(M(malloc_usable_size)(NULL), 0, "malloc_usable_size(NULL) is 0");
    /* The slab classes are 16 bytes apart below 64 and 12.5-25 % apart
     * above: a block's usable size is its request rounded up to a multiple
     * of 16, by less than a quarter above 64 bytes, and never more than
     * the reported row of its size. */
    bool good = true;
    for (size_t n = 1; n <= SLAB_MAX_SIZE; n++) {
        unsigned char *p = M(malloc)(n);
        size_t u = M(malloc_usable_size)(p);
        size_t slack = n <= 64 ? 16 : n / 4 + 1;
        good &= u >= n && u % 16 == 0 && u - n < slack &&
                u <= slab_class_size((unsigned)slab_size_class((uint32_t)n));
        memset(p, 0x77, u);
        M(free)(p);
    }
    ok(good, "a slab block's usable size is its request rounded up to a fine class, "
             "and writable");
    void *s16 = M(malloc)(16), *s200 = M(malloc)(200);
    is_u64(M(malloc_usable_size)(s16) + M(malloc_usable_size)(s200), 16 + 224,
           "malloc(16) takes 16 bytes and malloc(200) 224");
    M(free)(s16);
    M(free)(s200);
    void *g = M(malloc)(100000);
    ok(M(malloc_usable_size)(g) >= 100000, "a large block's usable size is glibc's");
    M(free)(g);
}

/* malloc_usable_size() answers from the slab alone (its slot size, one
 * load), without checking the block: the answer must hold for every block
 * of every slab, also after the slab went back to its class's pool (and its
 * memory to the OS) and came out again, formatted anew. */
static void test_usable_size_recycled(void)
{
    static const size_t sizes[] = { 1, 16, 40, 64, 100, 200, 500, 700, 768 };
    static void *blk[3 * 4096];
    bool good = true;
    for (size_t k = 0; k < ARRAY_SIZE(sizes); k++) {
        void *probe = M(malloc)(sizes[k]);
        size_t want = M(malloc_usable_size)(probe);
        M(free)(probe);
        size_t count = 3 * (65536 / want);      /* three slabs' worth */
        for (int round = 0; round < 3; round++) {
            for (size_t i = 0; i < count; i++) {
                blk[i] = M(malloc)(sizes[k]);
                good &= blk[i] != NULL && M(malloc_usable_size)(blk[i]) == want;
            }
            for (size_t i = 0; i < count; i++)
                M(free)(blk[i]);
            slab_dropin_trim();
        }
        good &= want >= sizes[k];
    }
    ok(good, "every block of a slab given back and reused has its class's usable size");
}

int main(void)
{
    pagesize = (size_t)sysconf(_SC_PAGESIZE);
    plan(51);
    test_malloc_free();
    test_calloc();
    test_realloc();
    test_aligned();
    test_usable_size();
    test_usable_size_recycled();
    return tap_exit();
}
