/*
 * test_shm_lifecycle.c - a segment through its owner's life: attach, normal
 * exit (exited), SIGKILL (stale, and gc), a new owner under the same name,
 * a live owner's name never taken, attach by pid, and permissions.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "options.h"
#include "slab_alloc.h"
#include "shm_reader.h"
#include "slab_shm.h"
#include "tap.h"

static char tagbuf[64];

struct child {
    pid_t pid;
    int cmd;        /* write end: commands to the child */
    int ack;        /* read end: the child's answers */
};

static void make_name(char *buf, size_t len, const char *what)
{
    snprintf(buf, len, "life.%s.%d.%s", tagbuf, (int)getpid(), what);
}

/* A child that publishes under name (NULL: the default) and then obeys:
 * 'x' exit normally, 'h' hang until killed. */
static struct child spawn(const char *name)
{
    struct child c;
    int to[2], from[2];

    if (pipe(to) != 0 || pipe(from) != 0)
        bail_out("pipe");
    fflush(stdout);
    c.pid = fork();
    if (c.pid < 0)
        bail_out("fork");
    if (c.pid == 0) {
        char cmd, res;
        close(to[1]);
        close(from[0]);
        if (name && strcmp(name, "@alloc") == 0)    /* the first allocator publishes */
            res = slab_allocator_create() && slab_shm_name() ? 'R' : 'E';
        else
            res = slab_shm_publish(name) == 0 ? 'R' : 'E';
        if (write(from[1], &res, 1) != 1)
            _exit(3);
        if (read(to[0], &cmd, 1) != 1)
            _exit(0);
        if (cmd == 'x')
            exit(0);            /* atexit handlers run */
        for (;;)
            pause();
    }
    close(to[0]);
    close(from[1]);
    c.cmd = to[1];
    c.ack = from[0];
    return c;
}

static int ready(struct child *c)
{
    char res = 0;
    return read(c->ack, &res, 1) == 1 && res == 'R';
}

static int finish(struct child *c)
{
    int status = 0;
    if (write(c->cmd, "x", 1) != 1)
        return -1;
    waitpid(c->pid, &status, 0);
    close(c->cmd);
    close(c->ack);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void kill9(struct child *c)
{
    kill(c->pid, SIGKILL);
    waitpid(c->pid, NULL, 0);
    close(c->cmd);
    close(c->ack);
}

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int main(void)
{
    char na[96], nb[96], nc[96], np[96];
    slab_shm_reader *r = NULL, *r2 = NULL;
    slab_shm_errinfo e;
    struct child a, b, c, d;
    const char *tag = getenv("SLAB_TEST_TAG");

    plan(25);
    snprintf(tagbuf, sizeof(tagbuf), "%s", tag ? tag : "x");
    setenv("SLAB_SHM_THREADS", "2", 1);
    slab_options_reload();

    /* Normal exit. */
    make_name(na, sizeof(na), "a");
    a = spawn(na);
    ok(ready(&a), "child publishes %s", na);
    is_int(slab_shm_attach(na, &r, &e), SLAB_SHM_OK, "attach: %s", e.message);
    is_int(slab_shm_reader_state(r), SLAB_SHM_ALIVE, "alive");
    is_int(slab_shm_attach_pid(a.pid, &r2, &e), SLAB_SHM_OK, "attach by pid finds the named segment: %s", e.message);
    ok(r2 && strcmp(slab_shm_reader_name(r2), na) == 0, "the same segment");
    slab_shm_detach(r2);
    is_int(finish(&a), 0, "child exits normally");
    is_int(slab_shm_reader_state(r), SLAB_SHM_EXITED, "exited");
    slab_shm_snapshot *s = NULL;
    is_int(slab_shm_snapshot_take(r, &s, &e), SLAB_SHM_OK, "last numbers still readable");
    ok(s && s->state == SLAB_SHM_EXITED && s->id.pid == a.pid, "snapshot says exited");
    slab_shm_snapshot_free(s);
    slab_shm_detach(r);
    is_int(slab_shm_attach(na, &r, &e), SLAB_SHM_ERR_NOT_FOUND, "gone: %s", e.message);

    /* SIGKILL: stale, answered promptly; gc removes it. */
    make_name(nb, sizeof(nb), "b");
    b = spawn(nb);
    ok(ready(&b), "child publishes %s", nb);
    slab_shm_attach(nb, &r, NULL);
    kill(b.pid, SIGKILL);
    uint64_t t0 = now_ms();
    slab_shm_state st;
    while ((st = slab_shm_reader_state(r)) != SLAB_SHM_STALE && now_ms() - t0 < 1000)
        usleep(1000);
    is_int(st, SLAB_SHM_STALE, "stale once killed (before it is reaped)");
    waitpid(b.pid, NULL, 0);
    close(b.cmd);
    close(b.ack);
    is_int(slab_shm_reader_state(r), SLAB_SHM_STALE, "stale after it is reaped");
    slab_shm_detach(r);

    /* Our own live segment must survive gc. */
    make_name(np, sizeof(np), "p");
    ok(slab_shm_publish(np) == 0, "parent publishes %s", np);
    unsigned removed = 0;
    char mine[96];
    make_name(mine, sizeof(mine), "");
    is_int(slab_shm_gc_prefix(mine, &removed, &e), SLAB_SHM_OK, "gc: %s", e.message);
    /* Another test's gc may have removed it first: what matters is that
     * it is gone. */
    ok(slab_shm_attach(nb, &r, NULL) == SLAB_SHM_ERR_NOT_FOUND,
       "gc removed the stale segment (%u removed here)", removed);
    ok(slab_shm_attach(np, &r, NULL) == SLAB_SHM_OK, "and kept the live one");
    slab_shm_detach(r);

    /* A live owner's name is never taken. */
    d = spawn(np);
    ok(!ready(&d), "a second process cannot take a live owner's name");
    finish(&d);

    /* A new owner under a dead owner's name. */
    make_name(nc, sizeof(nc), "c");
    c = spawn(nc);
    ready(&c);
    pid_t old = c.pid;
    kill9(&c);
    c = spawn(nc);
    ok(ready(&c), "a new owner replaces the dead owner's segment");
    slab_shm_attach(nc, &r, NULL);
    slab_shm_identity id;
    slab_shm_reader_identity(r, &id);
    ok(r && id.pid == c.pid && id.pid != old && slab_shm_reader_state(r) == SLAB_SHM_ALIVE,
       "attached to the new owner");
    slab_shm_detach(r);
    finish(&c);

    /* Default name: the pid. */
    a = spawn(NULL);
    ready(&a);
    is_int(slab_shm_attach_pid(a.pid, &r, &e), SLAB_SHM_OK, "attach by pid, default name");
    char pidname[32];
    snprintf(pidname, sizeof(pidname), "%d", (int)a.pid);
    ok(r && strcmp(slab_shm_reader_name(r), pidname) == 0, "named after the pid");
    slab_shm_detach(r);
    finish(&a);

    /* Creating the first allocator publishes under the pid. */
    a = spawn("@alloc");
    ok(ready(&a), "the first allocator creates the segment");
    snprintf(pidname, sizeof(pidname), "%d", (int)a.pid);
    is_int(slab_shm_attach(pidname, &r, &e), SLAB_SHM_OK, "/slab.%s: %s", pidname, e.message);
    slab_shm_detach(r);
    finish(&a);

    /* Permission: a 0600 segment of root read by nobody. */
    if (geteuid() != 0) {
        skip(1, "not root: cannot run the reader as another user");
    } else {
        fflush(stdout);
        pid_t p = fork();
        if (p == 0) {
            slab_shm_reader *rr = NULL;
            slab_shm_errinfo ee;
            if (setgid(65534) != 0 || setuid(65534) != 0)
                _exit(2);
            slab_shm_error got = slab_shm_attach(np, &rr, &ee);
            printf("# as nobody: %s\n", ee.message);
            fflush(stdout);
            _exit(got == SLAB_SHM_ERR_PERMISSION &&
                  strstr(ee.message, "permission denied opening") &&
                  strstr(ee.message, "owner uid 0") ? 0 : 1);
        }
        int status = 0;
        waitpid(p, &status, 0);
        ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
           "nobody gets permission denied, naming the owner uid");
    }
    slab_shm_unpublish();
    return tap_exit();
}
