/*
 * test_shm_foreign.c - the writer and segments under its name that it did
 * not create.
 *
 * When the name it wants exists, the writer judges the old object before
 * replacing it.  It must only ever judge a regular file of its own user
 * (another user's leftover is kept, whatever its header says), and it must
 * read that header with pread(): the owner of the object can shrink it at
 * any moment, and a load from a mapping past the new end kills the writer
 * with SIGBUS inside slab_shm_publish() or slab_allocator_create().
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "options.h"
#include "shm_reader.h"
#include "slab_shm.h"
#include "tap.h"

#define NOBODY 65534u

static char tagbuf[64];

static void make_name(char *buf, size_t len, const char *what)
{
    snprintf(buf, len, "foreign.%s.%d.%s", tagbuf, (int)getpid(), what);
}

/* A child that publishes name and then waits until *hold is closed;
 * returns its pid, or -1 when it could not publish. */
static pid_t publisher(const char *name, int *hold)
{
    int to[2], from[2];
    char res = 0;

    if (pipe(to) != 0 || pipe(from) != 0)
        bail_out("pipe");
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0)
        bail_out("fork");
    if (pid == 0) {
        char c;
        close(to[1]);
        close(from[0]);
        res = slab_shm_publish(name) == 0 ? 'R' : 'E';
        if (write(from[1], &res, 1) != 1)
            _exit(3);
        if (read(to[0], &c, 1) != 1)
            _exit(0);
        _exit(0);
    }
    close(to[0]);
    close(from[1]);
    if (read(from[0], &res, 1) != 1 || res != 'R')
        pid = -1;
    close(from[0]);
    *hold = to[1];
    return pid;
}

static void crash(pid_t pid, int hold)
{
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    close(hold);
}

static atomic_int flipping;

struct flip {
    int fd;
    off_t size;
    char head[512];
};

/* Shrink the object to nothing and grow it back, over and over, restoring
 * its header each time (its owner may do this at any moment). */
static void *flipper(void *arg)
{
    struct flip *f = arg;

    while (atomic_load_explicit(&flipping, memory_order_relaxed)) {
        if (ftruncate(f->fd, 0) != 0 || ftruncate(f->fd, f->size) != 0 ||
            pwrite(f->fd, f->head, sizeof(f->head), 0) != (ssize_t)sizeof(f->head))
            break;
    }
    return NULL;
}

static uint64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int main(void)
{
    char na[96], nb[96], path[160];
    const char *tag = getenv("SLAB_TEST_TAG");
    struct stat st;
    int hold;

    plan(9);
    snprintf(tagbuf, sizeof(tagbuf), "%s", tag ? tag : "x");
    setenv("SLAB_SHM_THREADS", "2", 1);
    slab_options_reload();

    /* Another user's leftover of a dead process: kept. */
    make_name(na, sizeof(na), "other");
    snprintf(path, sizeof(path), SLAB_SHM_DIR "/" SLAB_SHM_PREFIX "%s", na);
    pid_t pid = publisher(na, &hold);
    ok(pid > 0, "a child publishes %s", na);
    if (pid > 0)
        crash(pid, hold);
    if (geteuid() == 0 && chown(path, NOBODY, NOBODY) == 0) {
        errno = 0;
        int rc = slab_shm_publish(na);
        int err = errno;
        ok(rc == -1 && err == EEXIST,
           "another user's dead segment is not replaced (rc %d, %s)", rc,
           strerror(err));
        ok(stat(path, &st) == 0 && st.st_uid == NOBODY,
           "and it is still there, owned by that user");
        if (rc == 0)
            slab_shm_unpublish();
    } else {
        skip(2, "needs root to give a segment to another user");
    }
    unlink(path);

    /* Our own user's leftover of a dead process: replaced, as before. */
    pid = publisher(na, &hold);
    if (pid > 0)
        crash(pid, hold);
    ok(pid > 0 && slab_shm_publish(na) == 0,
       "our own user's dead segment is replaced");
    slab_shm_unpublish();

    /* A live owner's segment, shrunk and re-grown while we try its name. */
    make_name(nb, sizeof(nb), "flip");
    snprintf(path, sizeof(path), SLAB_SHM_DIR "/" SLAB_SHM_PREFIX "%s", nb);
    pid = publisher(nb, &hold);
    ok(pid > 0, "a child publishes %s and stays", nb);
    struct flip f;
    f.fd = open(path, O_RDWR | O_CLOEXEC);
    if (f.fd < 0 || fstat(f.fd, &st) != 0 ||
        pread(f.fd, f.head, sizeof(f.head), 0) != (ssize_t)sizeof(f.head))
        bail_out("cannot open the child's segment");
    f.size = st.st_size;
    pthread_t th;
    atomic_store(&flipping, 1);
    if (pthread_create(&th, NULL, flipper, &f) != 0)
        bail_out("pthread_create");
    unsigned tries = 0, refused = 0;
    uint64_t end = mono_ns() + 1500000000u;
    while (mono_ns() < end) {
        errno = 0;
        if (slab_shm_publish(nb) == 0) {
            slab_shm_unpublish();
            break;
        }
        if (errno == EEXIST)
            refused++;
        tries++;
    }
    atomic_store(&flipping, 0);
    pthread_join(th, NULL);
    diag("%u attempts while the file flipped", tries);
    ok(tries > 1000 && refused == tries,
       "no SIGBUS, and a live owner's name is never taken (%u of %u refused)",
       refused, tries);
    ok(stat(path, &st) == 0, "the live owner's segment is still there");
    close(f.fd);
    crash(pid, hold);
    unlink(path);

    /* gc walking past a FIFO planted under a segment name: it must not
     * block in open(), and must leave it alone.  alarm() turns a hang into
     * a failure of this test. */
    char prefix[96], fifo[160];
    unsigned removed = 99;
    make_name(prefix, sizeof(prefix), "");
    snprintf(fifo, sizeof(fifo), SLAB_SHM_DIR "/" SLAB_SHM_PREFIX "%sfifo", prefix);
    if (mkfifo(fifo, 0600) != 0)
        bail_out("mkfifo");
    alarm(20);
    slab_shm_errinfo e;
    is_int(slab_shm_gc_prefix(prefix, &removed, &e), SLAB_SHM_OK,
           "gc over a FIFO named like a segment returns: %s", e.message);
    alarm(0);
    ok(removed == 0 && stat(fifo, &st) == 0 && S_ISFIFO(st.st_mode),
       "and removes nothing (%u)", removed);
    unlink(fifo);
    return tap_exit();
}
