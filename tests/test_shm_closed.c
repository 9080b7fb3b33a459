/*
 * test_shm_closed.c - a snapshot that says "exited" holds the owner's final
 * numbers.
 *
 * The owner's last act is to rewrite the process section and then set the
 * closed flag (release).  A reader must load the flag before copying (the
 * acquire that orders the copy after the final write): a reader that copies
 * first and looks at the flag afterwards can call a copy from before the
 * final write "exited".  The reader's test hook runs the owner's
 * unpublish exactly between the copy of the process section and the state
 * check, which is that interleaving, every time.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "options.h"
#include "shm_reader.h"
#include "slab_shm.h"
#include "tap.h"

static int hook_calls;

/* The owner exits between the reader's copy and its state check. */
static void unpublish_now(slab_shm_reader *r)
{
    (void)r;
    if (hook_calls++ == 0)
        slab_shm_unpublish();
}

int main(void)
{
    const char *tag = getenv("SLAB_TEST_TAG");
    char name[96];
    slab_shm_reader *r = NULL;
    slab_shm_snapshot *s = NULL, *again = NULL;
    slab_shm_errinfo e;

    plan(7);
    setenv("SLAB_SHM_THREADS", "2", 1);
    slab_options_reload();
    snprintf(name, sizeof(name), "closed.%s.%d", tag ? tag : "x", (int)getpid());
    if (slab_shm_publish(name) != 0)
        bail_out("cannot publish");
    is_int(slab_shm_attach(name, &r, &e), SLAB_SHM_OK, "attach: %s", e.message);
    if (!r)
        bail_out("no reader");

    slab_shm_reader_hook = unpublish_now;
    is_int(slab_shm_snapshot_take(r, &s, &e), SLAB_SHM_OK,
           "snapshot across the owner's exit: %s", e.message);
    slab_shm_reader_hook = NULL;
    ok(hook_calls >= 1, "the owner exited in the middle of the snapshot");
    is_int(s ? (long long)s->state : -1, SLAB_SHM_EXITED, "the snapshot says exited");

    /* Once closed, nothing changes any more: this is the final copy. */
    is_int(slab_shm_snapshot_take(r, &again, &e), SLAB_SHM_OK, "snapshot after exit");
    is_int(again ? (long long)again->state : -1, SLAB_SHM_EXITED, "still exited");
    is_u64(s ? s->refreshes : 0, again ? again->refreshes : 1,
           "an exited snapshot holds the final write's numbers (refresh count)");

    slab_shm_snapshot_free(s);
    slab_shm_snapshot_free(again);
    slab_shm_detach(r);
    return tap_exit();
}
