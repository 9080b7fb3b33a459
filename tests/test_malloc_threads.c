/*
 * test_malloc_threads.c - the drop-in malloc under threads: a stress with
 * frees from other threads and cookies that catch any overlap, and waves
 * of threads that exit holding freed memory, which later waves must reuse.
 *
 * Each block is filled, up to its usable size, with a cookie derived from
 * its address and size; the cookie is checked when another thread frees
 * it.  Two live blocks that overlapped would overwrite each other's
 * cookies.  Deterministic per thread (xorshift seeded by the thread's
 * number); scaled down under the sanitizers.
 */
#include "config.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

#include "rng.h"
#include "tap.h"
#include "slab_alloc.h"
#define SLAB_DROPIN_TEST 1
#include "dropin.h"

#define M(name) slab_dropin_##name

#ifdef SLAB_SANITIZED
#define ROUNDS 20000
#else
#define ROUNDS 200000
#endif
#define THREADS 4
#define SLOTS 256            /* per-thread exchange slots */

static _Atomic(void *) exchange[THREADS][SLOTS];
static atomic_ulong bad_cookies, failures, frees_remote;

static uint64_t cookie_of(const void *p, size_t n)
{
    return ((uint64_t)(uintptr_t)p * 0x9e3779b97f4a7c15ull) ^ n;
}

static void stamp(unsigned char *p, size_t req)
{
    size_t n = M(malloc_usable_size)(p);
    uint64_t c = cookie_of(p, req);
    memcpy(p, &req, sizeof(req));
    for (size_t i = sizeof(req); i + 8 <= n; i += 8)
        memcpy(p + i, &c, 8);
}

static bool verify(const unsigned char *p)
{
    size_t req, n = M(malloc_usable_size)((void *)p);
    memcpy(&req, p, sizeof(req));
    if (req > n)
        return false;
    uint64_t c = cookie_of(p, req), got;
    for (size_t i = sizeof(req); i + 8 <= n; i += 8) {
        memcpy(&got, p + i, 8);
        if (got != c)
            return false;
    }
    return true;
}

static size_t pick_size(uint64_t *s)
{
    uint64_t r = xorshift(s);
    switch (r & 15) {
    case 0:
        return 769 + (r >> 8) % 8000;       /* large path */
    case 1:
        return (r >> 8) % 8 + 8;            /* tiny */
    default:
        return (r >> 8) % 768 + 8;          /* every class */
    }
}

static void *stress(void *arg)
{
    unsigned me = (unsigned)(uintptr_t)arg;
    uint64_t s = 0x1234567ull + me * 7919;
    void *local[64] = { 0 };

    for (int i = 0; i < ROUNDS; i++) {
        uint64_t r = xorshift(&s);
        unsigned k = (unsigned)(r % 64);
        if (local[k] != NULL) {
            if (!verify(local[k]))
                atomic_fetch_add(&bad_cookies, 1);
            if ((r >> 8) & 1) {
                /* Hand it to another thread, which frees it. */
                unsigned to = (me + 1 + (unsigned)((r >> 9) % (THREADS - 1))) % THREADS;
                void *old = atomic_exchange(&exchange[to][(r >> 16) % SLOTS], local[k]);
                if (old != NULL) {
                    if (!verify(old))
                        atomic_fetch_add(&bad_cookies, 1);
                    M(free)(old);
                }
            } else if ((r >> 10) & 1) {
                size_t n = pick_size(&s);
                unsigned char *q = M(realloc)(local[k], n);
                if (q == NULL) {
                    atomic_fetch_add(&failures, 1);
                    M(free)(local[k]);
                } else {
                    stamp(q, n);
                }
                local[k] = q;
                continue;
            } else {
                M(free)(local[k]);
            }
            local[k] = NULL;
        }
        size_t n = pick_size(&s);
        unsigned char *p = (r >> 20) % 5 == 0 ? M(calloc)(1, n) : M(malloc)(n);
        if (p == NULL) {
            atomic_fetch_add(&failures, 1);
            continue;
        }
        stamp(p, n);
        local[k] = p;
        /* Free what other threads handed us. */
        void *in = atomic_exchange(&exchange[me][(r >> 24) % SLOTS], NULL);
        if (in != NULL) {
            if (!verify(in))
                atomic_fetch_add(&bad_cookies, 1);
            M(free)(in);
            atomic_fetch_add(&frees_remote, 1);
        }
    }
    for (unsigned k = 0; k < 64; k++) {
        if (local[k] && !verify(local[k]))
            atomic_fetch_add(&bad_cookies, 1);
        M(free)(local[k]);
    }
    return NULL;
}

/* A thread that allocates many blocks, frees them all, and exits. */
static void *wave(void *arg)
{
    size_t n = (size_t)(uintptr_t)arg;
    void **v = M(malloc)(n * sizeof(*v));
    for (size_t i = 0; i < n; i++) {
        v[i] = M(malloc)(48 + (i % 5) * 64);
        if (v[i] == NULL)
            atomic_fetch_add(&failures, 1);
        else
            memset(v[i], (int)i, 48);
    }
    for (size_t i = 0; i < n; i++)
        M(free)(v[i]);
    M(free)(v);
    return NULL;
}

static uint64_t new_slabs(void)
{
    SlabAllocator *a = slab_dropin_allocator();
    uint64_t sum = 0;
    PerfCounters pc;
    for (unsigned c = 0; a && c < SLAB_NUM_CLASSES; c++)
        if (get_perf_counters(a, c, &pc))
            sum += pc.new_slabs;
    return sum;
}

int main(void)
{
    pthread_t t[THREADS];

    plan(6);
    for (unsigned i = 0; i < THREADS; i++)
        pthread_create(&t[i], NULL, stress, (void *)(uintptr_t)i);
    for (unsigned i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    for (unsigned i = 0; i < THREADS; i++) {
        for (unsigned k = 0; k < SLOTS; k++) {
            void *p = atomic_exchange(&exchange[i][k], NULL);
            if (p && !verify(p))
                atomic_fetch_add(&bad_cookies, 1);
            M(free)(p);
        }
    }
    is_u64(atomic_load(&bad_cookies), 0,
           "%d threads x %d rounds: no cookie overwritten (no two live blocks overlap)",
           THREADS, ROUNDS);
    is_u64(atomic_load(&failures), 0, "no allocation failed");
    /* How many depends on the threads' interleaving; a few percent of
     * the rounds is plenty to exercise the remote free path. */
    ok(atomic_load(&frees_remote) > (unsigned long)ROUNDS / 50,
       "blocks were freed by other threads (%lu)", atomic_load(&frees_remote));

    /* Waves of threads that exit holding empty slabs: the first wave
     * carves what it needs, later waves must reuse it. */
    size_t n = ROUNDS / 2;
    pthread_create(&t[0], NULL, wave, (void *)(uintptr_t)n);
    pthread_join(t[0], NULL);
    uint64_t after_first = new_slabs();
    for (int w = 0; w < 8; w++) {
        pthread_create(&t[0], NULL, wave, (void *)(uintptr_t)n);
        pthread_create(&t[1], NULL, wave, (void *)(uintptr_t)(n / 2));
        pthread_join(t[0], NULL);
        pthread_join(t[1], NULL);
    }
    uint64_t after_all = new_slabs();
    diag("new slabs: %llu after the first wave, %llu after nine more",
         (unsigned long long)after_first, (unsigned long long)after_all);
    ok(after_first > 0, "the first wave carved slabs");
    ok(after_all <= after_first * 2,
       "sixteen later threads reused the exited threads' memory (carved %llu more)",
       (unsigned long long)(after_all - after_first));
    is_u64(atomic_load(&failures), 0, "no allocation of the waves failed");
    return tap_exit();
}
