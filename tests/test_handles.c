/* free_obj() refuses every handle that does not name a live object, and
 * changes nothing when it does. */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "slab_alloc.h"
#include "slab_debug.h"
#include "rng.h"
#include "tap.h"

#define LIVE 2000

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t next_random(void)
{
    return xorshift(&rng);
}

/* Every live object still holds the cookie it was given. */
static bool cookies_intact(SlabHandle *h, char **p, int n)
{
    for (int i = 0; i < n; i++)
        if (memcmp(p[i], &h[i], sizeof(h[i])) != 0)
            return false;
    return true;
}

int main(void)
{
    plan(14);
    SlabAllocator *a = slab_allocator_create();
    SlabAllocator *b = slab_allocator_create();
    if (a == NULL || b == NULL)
        bail_out("slab_allocator_create failed");

    static SlabHandle h[LIVE];
    static char *p[LIVE];
    for (int i = 0; i < LIVE; i++) {
        p[i] = alloc_obj_epoch(a, 16 + (uint32_t)(i % 700), (EpochId)(i % 3), &h[i]);
        if (p[i] == NULL)
            bail_out("allocation failed");
        memcpy(p[i], &h[i], sizeof(h[i]));
    }

    errno = 0;
    ok(!free_obj(a, 0) && errno == EINVAL, "the zero handle is refused");
    ok(!free_obj(NULL, h[0]), "a NULL allocator is refused");

    int n = TAP_SCALE(100000), accepted = 0;
    for (int i = 0; i < n; i++)
        accepted += free_obj(a, next_random());
    is_int(accepted, 0, "%d random 64-bit handles are refused", n);

    /* Near misses: a live handle with one bit flipped. */
    accepted = 0;
    for (int i = 0; i < LIVE; i++)
        for (int bit = 0; bit < 64; bit += 7)
            accepted += free_obj(a, h[i] ^ (1ull << bit));
    is_int(accepted, 0, "live handles with a bit flipped are refused");

    /* b's handles name slots that exist in a too, with other generations. */
    accepted = 0;
    for (int i = 0; i < 200; i++) {
        SlabHandle hb;
        if (alloc_obj_epoch(b, 16 + (uint32_t)(i % 700), (EpochId)(i % 3), &hb) == NULL)
            bail_out("allocation in b failed");
        accepted += free_obj(a, hb);
        if (!free_obj(b, hb))
            accepted++;
    }
    is_int(accepted, 0, "another allocator's handles are refused by a and accepted by b");
    ok(cookies_intact(h, p, LIVE), "no refused handle touched a live object");

    char why[256];
    ok(slab_debug_check(a, why, sizeof(why)) == 0, "allocator consistent (%s)", why);

    /* Double free. */
    SlabHandle d;
    ok(alloc_obj_epoch(a, 64, 0, &d) != NULL && free_obj(a, d), "a handle frees once");
    errno = 0;
    ok(!free_obj(a, d) && errno == EINVAL, "and is refused the second time");

    /* Stale: the slot has been reused since. */
    SlabHandle s1, s2;
    char *q1 = alloc_obj_epoch(a, 128, 0, &s1);
    free_obj(a, s1);
    char *q2 = alloc_obj_epoch(a, 128, 0, &s2);
    ok(q1 == q2 && s1 != s2, "a freed slot is reused under a new handle");
    ok(!free_obj(a, s1), "the old handle is refused");
    ok(slab_handle_ptr(a, s1) == NULL && slab_handle_ptr(a, s2) == q2,
       "and maps to nothing, while the new one maps to the object");
    ok(free_obj(a, s2), "the new handle frees it");

    int freed = 0;
    for (int i = 0; i < LIVE; i++)
        freed += free_obj(a, h[i]);
    is_int(freed, LIVE, "every live object frees exactly once at the end");

    slab_allocator_free(b);
    slab_allocator_free(a);
    return tap_exit();
}
