/* A slot's generation must never come back to a value a handle could
 * hold: after 2^31 reuses of a slot (started near the end of the range
 * with the test hook rather than in 20 s of looping), a stale handle of it
 * must still be refused, whether the slot's frees are its owner's or
 * another thread's; in a 64-byte slab (slot 512) and in a 16-byte one
 * (slot 2048, beyond what a 10-bit slot field held). */
#include "config.h"

#include <pthread.h>
#include <stdio.h>

#include "slab_alloc.h"
#include "slab_debug.h"
#include "slab_test.h"
#include "tap.h"

#define MAX_SLOTS (65536u / 16u)    /* one slab of the smallest class */

static SlabAllocator *a;

static void *free_it(void *arg)
{
    free_obj(a, *(SlabHandle *)arg);
    return NULL;
}

static bool release(SlabHandle h, bool remote)
{
    if (!remote)
        return free_obj(a, h);
    pthread_t t;
    pthread_create(&t, NULL, free_it, &h);
    pthread_join(t, NULL);
    return !free_obj(a, h);         /* freed by the other thread */
}

#define SLOT_OF(h) ((uint32_t)(h))
#define GEN_OF(h)  ((uint32_t)((h) >> 32))

static void wrap(bool remote, uint32_t size)
{
    char how[64];
    snprintf(how, sizeof(how), "%u bytes, %s", size, remote ? "remote frees" : "owner's frees");
    const unsigned slots = 65536u / size;
    a = slab_allocator_create();
    EpochId e = epoch_current(a);
    /* Fill the first slab, so that the slot we free is the only one the
     * slab can hand out again. */
    static SlabHandle fill[MAX_SLOTS];
    for (unsigned i = 0; i < slots; i++)
        if (alloc_obj_epoch(a, size, e, &fill[i]) == NULL)
            bail_out("cannot allocate");
    SlabHandle h = fill[slots / 2];
    free_obj(a, h);
    is_int(slab_test_set_generation(a, h, 2), 0, "%s: hook sets a low generation", how);
    SlabHandle stale;
    alloc_obj_epoch(a, size, e, &stale);
    ok(SLOT_OF(stale) == SLOT_OF(h) && GEN_OF(stale) == 3,
       "%s: the slot comes back with generation 3", how);
    ok(release(stale, remote), "%s: stale handle freed", how);
    is_int(slab_test_set_generation(a, stale, 0xfffffffcu), 0,
           "%s: hook moves the slot near the end of its range", how);

    unsigned accepted = 0, back = 0;
    bool rising = true;
    uint32_t last = 0xfffffffcu;
    for (unsigned i = 0; i < 6; i++) {
        SlabHandle x;
        if (alloc_obj_epoch(a, size, e, &x) == NULL)
            bail_out("cannot allocate");
        if (SLOT_OF(x) == SLOT_OF(h)) {
            back++;
            rising &= GEN_OF(x) > last;
            last = GEN_OF(x);
        }
        if (free_obj(a, stale)) {
            accepted++;                 /* it freed x */
            continue;
        }
        release(x, remote);
    }
    is_int(accepted, 0, "%s: a stale handle is refused after the slot's 2^31st reuse", how);
    ok(rising && back >= 2, "%s: the slot's generations only grow (%u reuses seen)", how, back);
    char why[200];
    int chk = slab_debug_check(a, why, sizeof(why));
    ok(chk == 0, "%s: allocator consistent%s%s", how, chk ? ": " : "", chk ? why : "");
    for (unsigned i = 0; i < slots; i++)
        if (i != slots / 2)
            free_obj(a, fill[i]);
    slab_allocator_free(a);
}

int main(void)
{
    plan(28);
    wrap(false, 64);
    wrap(true, 64);
    wrap(false, 16);
    wrap(true, 16);
    return tap_exit();
}
