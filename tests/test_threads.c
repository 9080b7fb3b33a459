/* Multi-threaded stress: alloc/free from 2..8 threads with cross-thread
 * frees, every object stamped with a cookie that a second owner of the same
 * memory would destroy; and allocations racing with epoch_close(). */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "slab_alloc.h"
#include "slab_debug.h"
#include "rng.h"
#include "tap.h"

#define MAILBOXES 4096

static SlabAllocator *a;
static _Atomic uint64_t mailbox[MAILBOXES];
static _Atomic uint64_t allocated, freed, corrupt, failed;

/* Stamp: handle, size, then the handle's low byte in every other byte. */
static void stamp(char *p, SlabHandle h, uint32_t size)
{
    uint64_t sz = size;
    memcpy(p, &h, 8);
    memcpy(p + 8, &sz, 8);
    memset(p + 16, (int)(h & 0xff), size - 16);
}

static bool stamp_intact(const char *p, SlabHandle h)
{
    uint64_t got, sz;
    memcpy(&got, p, 8);
    memcpy(&sz, p + 8, 8);
    if (got != h || sz < 16 || sz > SLAB_MAX_SIZE)
        return false;
    for (uint64_t i = 16; i < sz; i++)
        if ((unsigned char)p[i] != (h & 0xff))
            return false;
    return true;
}

static void release(SlabHandle h)
{
    char *p = slab_handle_ptr(a, h);
    if (p == NULL || !stamp_intact(p, h) || !free_obj(a, h))
        atomic_fetch_add(&corrupt, 1);
    else
        atomic_fetch_add(&freed, 1);
}

static void *worker(void *arg)
{
    uint64_t seed = 0x1234567ull * ((uintptr_t)arg + 1);
    long ops = TAP_SCALE(200000);
    enum { LOCAL = 64 };
    SlabHandle local[LOCAL] = { 0 };
    for (long i = 0; i < ops; i++) {
        uint64_t r = xorshift(&seed);
        uint32_t size = 16 + (uint32_t)(r % (SLAB_MAX_SIZE - 15));
        SlabHandle h;
        char *p = alloc_obj_epoch(a, size, 0, &h);
        if (p == NULL) {
            atomic_fetch_add(&failed, 1);
            continue;
        }
        atomic_fetch_add(&allocated, 1);
        stamp(p, h, size);
        if (r & (1ull << 40)) {
            /* Keep it a while in this thread. */
            unsigned k = (unsigned)(r >> 20) % LOCAL;
            if (local[k])
                release(local[k]);
            local[k] = h;
        } else {
            /* Trade it for whatever another thread left in a mailbox. */
            uint64_t old = atomic_exchange(&mailbox[(r >> 8) % MAILBOXES], h);
            if (old)
                release(old);
        }
    }
    for (unsigned k = 0; k < LOCAL; k++)
        if (local[k])
            release(local[k]);
    return NULL;
}

static void stress(int nthreads)
{
    atomic_store(&allocated, 0);
    atomic_store(&freed, 0);
    pthread_t t[8];
    for (int i = 0; i < nthreads; i++)
        pthread_create(&t[i], NULL, worker, (void *)(uintptr_t)i);
    for (int i = 0; i < nthreads; i++)
        pthread_join(t[i], NULL);
    for (int i = 0; i < MAILBOXES; i++) {
        uint64_t h = atomic_exchange(&mailbox[i], 0);
        if (h)
            release(h);
    }
    ok(atomic_load(&corrupt) == 0 && atomic_load(&failed) == 0,
       "%d threads: no allocation failed, no cookie was overwritten", nthreads);
    is_u64(atomic_load(&freed), atomic_load(&allocated),
           "%d threads: every allocation freed exactly once", nthreads);
    char why[256];
    ok(slab_debug_check(a, why, sizeof(why)) == 0, "%d threads: allocator consistent (%s)",
       nthreads, why);
}

/* One thread allocates in the current epoch without pause while another
 * advances and closes epochs under it.  A slab recycled under a live object
 * would be zeroed or handed out again: the cookies would show it. */
static atomic_bool racing;

static void *closer(void *arg)
{
    (void)arg;
    while (atomic_load(&racing)) {
        EpochId old = epoch_current(a);
        epoch_advance(a);
        epoch_close(a, old);
    }
    return NULL;
}

static void close_race(void)
{
    enum { KEEP = 20000 };
    SlabHandle *keep = calloc(KEEP, sizeof(*keep));
    long n = TAP_SCALE(400000), eperm = 0, kept = 0;
    atomic_store(&racing, true);
    pthread_t t;
    pthread_create(&t, NULL, closer, NULL);
    for (long i = 0; i < n; i++) {
        SlabHandle h;
        uint32_t size = 16 + (uint32_t)(i % 200);
        char *p = alloc_obj_epoch(a, size, epoch_current(a), &h);
        if (p == NULL) {
            eperm += errno == EPERM;
            continue;
        }
        stamp(p, h, size);
        if (i % 7 == 0 && kept < KEEP)
            keep[kept++] = h;
        else
            release(h);
    }
    atomic_store(&racing, false);
    pthread_join(t, NULL);
    diag("close race: %ld allocations, %ld refused with EPERM, %ld kept", n, eperm, kept);
    uint64_t bad0 = atomic_load(&corrupt);
    for (long i = 0; i < kept; i++)
        release(keep[i]);
    ok(atomic_load(&corrupt) == bad0 && bad0 == 0,
       "objects allocated while epochs closed under them are intact and free");
    free(keep);
}

int main(void)
{
    plan(3 * 3 + 1);
    a = slab_allocator_create();
    if (a == NULL)
        bail_out("slab_allocator_create failed");
    stress(2);
    stress(4);
    stress(8);
    close_race();
    slab_allocator_free(a);
    return tap_exit();
}
