/*
 * test_shm_basic.c - publish, attach, snapshot, label, list and unpublish
 * within one process.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SLAB_SHM_REFRESH_MS 100      /* shm_writer.h's SLAB_SHM_REFRESH_NS */

#include "slab_alloc.h"
#include "slab_shm.h"
#include "options.h"
#include "publish.h"
#include "tap.h"

static void fill(slab_thread_stats *s, uint64_t v)
{
    memset(s, 0, sizeof(*s));
    s->seed.alloc_samples = v;
    s->allocs = v * 10;
    s->seed.alloc_wall_ns_max = v + 5;
    s->wall_hist[3] = v;
}

int main(void)
{
    char name[64];
    const char *tag = getenv("SLAB_TEST_TAG");
    slab_shm_reader *r = NULL;
    slab_shm_snapshot *s = NULL;
    slab_shm_errinfo e;
    slab_thread_stats st;

    plan(36);
    snprintf(name, sizeof(name), "basic.%s.%d", tag ? tag : "x", (int)getpid());
    setenv("SLAB_SHM_THREADS", "4", 1);
    slab_options_reload();

    ok(slab_shm_name() == NULL, "not publishing before the first call");
    ok(slab_shm_publish(name) == 0, "publish under %s", name);
    ok(slab_shm_name() && strcmp(slab_shm_name(), name) == 0, "slab_shm_name gives it");
    ok(slab_shm_publish(name) == 0, "publishing again under the same name is fine");
    ok(slab_shm_publish("other") == -1 && errno == EALREADY, "another name is EALREADY");

    char path[128];
    struct stat sb;
    snprintf(path, sizeof(path), "/dev/shm/slab.%s", name);
    ok(stat(path, &sb) == 0 && (sb.st_mode & 0777) == 0600, "object exists with mode 0600");

    slab_pub_thread *t = slab_pub_thread_get();
    ok(t != NULL, "thread handle");
    ok(slab_pub_thread_get() == t, "same handle on the second call");
    fill(&st, 7);
    slab_pub_thread_flush(t, &st);
    ok(slab_shm_set_label("phase one") == 0, "set label");

    is_int(slab_shm_attach(name, &r, &e), SLAB_SHM_OK, "attach: %s", e.message);
    if (!r)
        bail_out("cannot attach");
    is_int(slab_shm_validate(r, &e), SLAB_SHM_OK, "validate: %s", e.message);
    {
        slab_shm_reader *r2 = NULL;
        char full[128];
        snprintf(full, sizeof(full), "/dev/shm/slab.%s", name);
        ok(slab_shm_attach(full, &r2, NULL) == SLAB_SHM_OK &&
           strcmp(slab_shm_reader_name(r2), name) == 0, "attach by file path");
        slab_shm_detach(r2);
        ok(slab_shm_attach("../etc/passwd", &r2, NULL) == SLAB_SHM_ERR_INVALID,
           "a path outside the shm directory is not a name");
    }
    is_int(slab_shm_reader_state(r), SLAB_SHM_ALIVE, "state alive");
    is_int(slab_shm_snapshot_take(r, &s, &e), SLAB_SHM_OK, "snapshot: %s", e.message);
    is_int(s->id.pid, getpid(), "pid");
    is_int(s->id.record_count, 4, "record count from SLAB_SHM_THREADS");
    ok(strcmp(s->label, "phase one") == 0, "label '%s'", s->label);
    is_int(s->thread_count, 1, "one thread record");
    is_u64(s->threads[0].stats.allocs, 70, "thread allocs");
    is_u64(s->total.seed.alloc_samples, 7, "total samples");
    is_u64(s->total.seed.alloc_wall_ns_max, 12, "max folds as a maximum");
    ok(s->heartbeat_mono_ns > 0 && s->writer_now_ns >= s->heartbeat_mono_ns, "heartbeat");

    /* The epoch ring of the newest allocator, as the registry describes it:
     * epoch 0 closed with a live slab, epoch 1 open and current. */
    {
        SlabAllocator *a = slab_allocator_create();
        EpochId e0 = epoch_current(a), e1;
        void *obj = slab_malloc(a, 64);

        e1 = epoch_advance(a);
        epoch_close(a, e0);
        usleep(SLAB_SHM_REFRESH_MS * 1000 + 20000);  /* the refresh is due */
        slab_pub_thread_flush(t, &st);
        is_int(slab_shm_snapshot_take(r, &s, &e), SLAB_SHM_OK, "snapshot with an allocator");
        ok(s->epochs[e0].state == SLAB_SHM_EPOCH_CLOSED && s->epochs[e0].current == 0 &&
           s->epochs[e0].live_slabs >= 1,
           "the closed epoch: state %u current %u live slabs %llu", s->epochs[e0].state,
           s->epochs[e0].current, (unsigned long long)s->epochs[e0].live_slabs);
        ok(s->epochs[e1].state == SLAB_SHM_EPOCH_OPEN && s->epochs[e1].current == 1 &&
           s->epochs[e1].era >= 1,
           "the current epoch: state %u current %u era %llu", s->epochs[e1].state,
           s->epochs[e1].current, (unsigned long long)s->epochs[e1].era);
        ok(s->epochs[(e1 + 1) % SLAB_EPOCH_COUNT].current == 0, "only one current epoch");
        slab_free(a, obj);
        slab_allocator_free(a);
    }

    slab_shm_entry *ents = NULL;
    size_t n = 0, found = 0;
    is_int(slab_shm_list(&ents, &n, &e), SLAB_SHM_OK, "list: %s", e.message);
    for (size_t i = 0; i < n; i++)
        if (strcmp(ents[i].name, name) == 0 && ents[i].pid == getpid() &&
            ents[i].state == SLAB_SHM_ALIVE)
            found++;
    is_int(found, 1, "list shows it alive");
    slab_shm_list_free(ents);

    slab_pub_thread_exit(t, &st);
    is_int(slab_shm_snapshot_take(r, &s, &e), SLAB_SHM_OK, "snapshot after exit");
    ok(s->thread_count == 0 && s->exited_threads == 1 && s->total.allocs == 70,
       "exited thread folded: records %u exited %llu allocs %llu",
       s->thread_count, (unsigned long long)s->exited_threads,
       (unsigned long long)s->total.allocs);

    slab_shm_unpublish();
    is_int(slab_shm_reader_state(r), SLAB_SHM_EXITED, "exited after unpublish");
    ok(stat(path, &sb) != 0, "object removed");
    slab_shm_snapshot_free(s);
    slab_shm_detach(r);

    /* SLAB_SHM_MODE sets the permissions, whatever the umask. */
    setenv("SLAB_SHM_MODE", "0644", 1);
    slab_options_reload();
    umask(077);
    char name2[80];
    snprintf(name2, sizeof(name2), "%s.mode", name);
    snprintf(path, sizeof(path), "/dev/shm/slab.%s", name2);
    ok(slab_shm_publish(name2) == 0 && stat(path, &sb) == 0 &&
       (sb.st_mode & 0777) == 0644, "SLAB_SHM_MODE=0644 gives mode 0644");
    slab_shm_unpublish();

    /* SLAB_SHM=0 turns publishing off. */
    setenv("SLAB_SHM", "0", 1);
    slab_options_reload();
    errno = 0;
    ok(slab_shm_publish(name) == -1 && errno == ECANCELED, "SLAB_SHM=0: publish is ECANCELED");
    ok(slab_shm_name() == NULL && slab_pub_thread_get() == NULL, "and nothing is published");
    return tap_exit();
}
