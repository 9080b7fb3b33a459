/*
 * test_shm_collect.c - what a starting writer collects, and what nothing
 * may call dead.
 *
 * A process that crashes leaves its segment behind.  The next process of
 * the same user that starts publishing (SLAB_SHM_GC, on by default)
 * removes such leftovers, but only those it can prove dead: its own
 * user's regular files whose owner is gone in its own pid namespace.  A
 * segment whose owner runs in another pid namespace (a container sharing
 * /dev/shm: the header's pid_ns is another namespace's) is "unknown": no
 * starting writer, no --gc and no writer wanting its name removes it.
 *
 * The leftovers are made by children that publish and _exit() without
 * unpublishing; the collectors are children too, limited to this test's
 * names by the slab_shm_collect_prefix hook.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "options.h"
#include "shm_reader.h"
#include "shm_writer.h"
#include "slab_shm.h"
#include "tap.h"

#define NOBODY 65534u

static char prefix[96];

static void make_name(char *buf, size_t len, const char *what)
{
    snprintf(buf, len, "%s%s", prefix, what);
}

static bool exists(const char *name)
{
    char path[256];
    struct stat st;

    snprintf(path, sizeof(path), "/dev/shm/slab.%s", name);
    return stat(path, &st) == 0;
}

/* A child publishes name and dies without unpublishing: a crash's
 * leftover.  Returns the child's pid. */
static pid_t leftover(const char *name)
{
    pid_t pid = fork();

    if (pid == 0) {
        if (slab_shm_publish(name) != 0)
            _exit(2);
        _exit(0);           /* no atexit: the segment stays */
    }
    int status = 0;
    waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        bail_out("could not make a leftover segment");
    return pid;
}

/* A child that starts publishing name with SLAB_SHM_GC=gc, then exits
 * normally.  Returns its exit status: 0 published, 1 refused (errno EEXIST
 * when want_eexist), 2 another error. */
static int writer(const char *name, const char *gc)
{
    pid_t pid = fork();

    if (pid == 0) {
        setenv("SLAB_SHM_GC", gc, 1);
        slab_options_reload();
        if (slab_shm_publish(name) != 0)
            _exit(errno == EEXIST ? 1 : 2);
        slab_shm_unpublish();
        _exit(0);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 3;
}

static slab_shm_state state_of(const char *name)
{
    slab_shm_reader *r = NULL;
    slab_shm_state st = SLAB_SHM_STATE_NUM;

    if (slab_shm_attach(name, &r, NULL) == SLAB_SHM_OK) {
        st = slab_shm_reader_state(r);
        slab_shm_detach(r);
    }
    return st;
}

int main(void)
{
    const char *tag = getenv("SLAB_TEST_TAG");
    char dead[128], other_ns[128], other_user[128], live[128], starter[128];
    int ready[2];

    plan(15);
    alarm(120);             /* a hang fails the test, not the suite */
    snprintf(prefix, sizeof(prefix), "collect.%s.%d.", tag ? tag : "x", (int)getpid());
    make_name(dead, sizeof(dead), "dead");
    make_name(other_ns, sizeof(other_ns), "otherns");
    make_name(other_user, sizeof(other_user), "otheruser");
    make_name(live, sizeof(live), "live");
    make_name(starter, sizeof(starter), "starter");
    slab_shm_collect_prefix = prefix;

    leftover(dead);
    leftover(other_ns);
    leftover(other_user);
    is_int(state_of(dead), SLAB_SHM_STALE, "a crashed owner's segment is stale");

    /* Another pid namespace's: the same leftover, its header's pid_ns
     * changed to a namespace that is not ours. */
    {
        char path[256];
        uint32_t ns = slab_shm_pid_ns() + 1;

        snprintf(path, sizeof(path), "/dev/shm/slab.%s", other_ns);
        int fd = open(path, O_RDWR);
        ok(fd >= 0 && pwrite(fd, &ns, sizeof(ns), offsetof(slab_shm_seg_header, pid_ns)) ==
           (ssize_t)sizeof(ns), "a segment claiming another pid namespace");
        if (fd >= 0)
            close(fd);
    }
    is_int(state_of(other_ns), SLAB_SHM_UNKNOWN,
           "its owner's liveness is unknown, not stale (%s)",
           slab_shm_state_name(state_of(other_ns)));
    {
        slab_shm_entry *e = NULL;
        size_t n = 0, found = 0;

        if (slab_shm_list(&e, &n, NULL) == SLAB_SHM_OK)
            for (size_t i = 0; i < n; i++)
                if (strcmp(e[i].name, other_ns) == 0 && e[i].state == SLAB_SHM_UNKNOWN &&
                    strcmp(slab_shm_state_name(e[i].state), "unknown") == 0)
                    found++;
        slab_shm_list_free(e);
        is_int(found, 1, "--list says unknown");
    }

    /* Another user's leftover (root only can give it away). */
    bool can_chown = geteuid() == 0;
    if (can_chown) {
        char path[256];
        snprintf(path, sizeof(path), "/dev/shm/slab.%s", other_user);
        can_chown = chown(path, NOBODY, NOBODY) == 0;
    }

    /* A live owner. */
    if (pipe(ready) != 0)
        bail_out("pipe");
    pid_t live_pid = fork();
    if (live_pid == 0) {
        char c;
        close(ready[1]);
        if (slab_shm_publish(live) != 0)
            _exit(2);
        if (read(ready[0], &c, 1) < 0)
            _exit(3);
        slab_shm_unpublish();
        _exit(0);
    }
    close(ready[0]);
    for (int i = 0; i < 500 && state_of(live) != SLAB_SHM_ALIVE; i++)
        usleep(10000);
    is_int(state_of(live), SLAB_SHM_ALIVE, "the live owner's segment");

    /* A writer that wants the other namespace's name must not replace it. */
    is_int(writer(other_ns, "0"), 1, "a writer refuses the name of another namespace's segment");
    ok(exists(other_ns), "and leaves it");

    /* SLAB_SHM_GC=0: a starting writer leaves the leftovers alone. */
    is_int(writer(starter, "0"), 0, "a writer with SLAB_SHM_GC=0 starts");
    ok(exists(dead), "and collects nothing");

    /* SLAB_SHM_GC=1: only the provably dead, only this user's. */
    is_int(writer(starter, "1"), 0, "a writer with SLAB_SHM_GC=1 starts");
    ok(!exists(dead), "it collected its user's dead process's segment");
    ok(exists(other_ns), "not the one of another pid namespace");
    ok(exists(live), "not the live owner's");
    if (can_chown)
        ok(exists(other_user), "not another user's");
    else
        skip(1, "another user's leftover needs root to make");

    /* Nor does --gc remove what it cannot prove dead. */
    {
        unsigned removed = 0;
        slab_shm_gc_prefix(prefix, &removed, NULL);
        ok(exists(other_ns), "--gc keeps the other namespace's segment (%u removed)", removed);
    }

    if (write(ready[1], "x", 1) < 0)
        diag("cannot stop the live owner");
    close(ready[1]);
    waitpid(live_pid, NULL, 0);
    {
        char object[160];
        const char *all[] = { dead, other_ns, other_user, live, starter };
        for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
            snprintf(object, sizeof(object), "/slab.%s", all[i]);
            shm_unlink(object);
        }
    }
    return tap_exit();
}
