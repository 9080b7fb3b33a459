/*
 * test_shm_resize.c - the reader against a segment that changes under it,
 * and against one whose records all claim to be busy or in use.
 *
 *   - the file shrinks in the middle of a snapshot (the reader's test hook
 *     truncates it right after the process section is copied): the
 *     snapshot fails with SLAB_SHM_ERR_TRUNCATED instead of the reader
 *     dying of SIGBUS;
 *   - a SIGBUS that is not the reader's still kills the process, as it
 *     would without libslab;
 *   - 8192 records stuck mid-write and then 8192 records in use: a
 *     snapshot stays fast (its waiting is bounded) and lists at most
 *     SLAB_SHM_SNAPSHOT_THREADS threads, summing the rest exactly.
 */
#include "config.h"

#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
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

#define RECORDS 8192u

static char path[160];
static off_t full_size;
static int shrink_calls;

static void shrink(slab_shm_reader *r)
{
    (void)r;
    if (shrink_calls++ == 0 && truncate(path, 0) != 0)
        bail_out("truncate");
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(void)
{
    const char *tag = getenv("SLAB_TEST_TAG");
    char name[96];
    slab_shm_reader *r = NULL;
    slab_shm_snapshot *s = NULL;
    slab_shm_errinfo e;
    struct stat st;

    plan(10);
    snprintf(name, sizeof(name), "resize.%s.%d", tag ? tag : "x", (int)getpid());
    snprintf(path, sizeof(path), SLAB_SHM_DIR "/" SLAB_SHM_PREFIX "%s", name);
    setenv("SLAB_SHM_THREADS", "8192", 1);
    slab_options_reload();
    if (slab_shm_publish(name) != 0 || stat(path, &st) != 0)
        bail_out("cannot publish");
    full_size = st.st_size;
    if (slab_shm_attach(name, &r, &e) != SLAB_SHM_OK)
        bail_out(e.message);

    /* Shrunk in the middle of a snapshot (and grown back with its header:
     * shrinking zeroes what it cuts). */
    static unsigned char head[4096];
    int hfd = open(path, O_RDWR);
    if (hfd < 0 || pread(hfd, head, sizeof(head), 0) != (ssize_t)sizeof(head))
        bail_out("read the header");
    slab_shm_reader_hook = shrink;
    slab_shm_error rc = slab_shm_snapshot_take(r, &s, &e);
    slab_shm_reader_hook = NULL;
    is_int(rc, SLAB_SHM_ERR_TRUNCATED, "a segment shrunk during a snapshot: %s", e.message);
    ok(shrink_calls == 1, "(the hook shrank it inside the snapshot)");
    if (truncate(path, full_size) != 0 ||
        pwrite(hfd, head, sizeof(head), 0) != (ssize_t)sizeof(head))
        bail_out("grow back");
    close(hfd);
    is_int(slab_shm_snapshot_take(r, &s, &e), SLAB_SHM_OK,
           "grown back, it reads again: %s", e.message);

    /* Someone else's SIGBUS is not swallowed. */
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        char tmp[] = "/tmp/slab-resize-XXXXXX";
        int fd = mkstemp(tmp);
        if (fd < 0 || ftruncate(fd, 4096) != 0)
            _exit(2);
        unlink(tmp);
        volatile char *m = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
        if (m == MAP_FAILED || ftruncate(fd, 0) != 0)
            _exit(2);
        (void)m[0];
        _exit(0);
    }
    int status = 0;
    waitpid(pid, &status, 0);
#ifdef SLAB_SANITIZED
    /* The sanitizer's own SIGBUS handler reports it and exits non-zero. */
    bool killed = !(WIFEXITED(status) && WEXITSTATUS(status) == 0);
#else
    bool killed = WIFSIGNALED(status) && WTERMSIG(status) == SIGBUS;
#endif
    ok(killed, "a SIGBUS outside the reader still kills (status 0x%x)", (unsigned)status);

    /* Every record mid-write: the snapshot's waiting is bounded. */
    int fd = open(path, O_RDWR);
    unsigned char *m = fd >= 0 ? mmap(NULL, (size_t)full_size, PROT_READ | PROT_WRITE,
                                      MAP_SHARED, fd, 0) : MAP_FAILED;
    if (m == MAP_FAILED)
        bail_out("map");
    const slab_shm_seg_header *h = (const void *)m;
    for (uint32_t i = 0; i < RECORDS; i++) {
        slab_shm_seg_record *rec = (void *)(m + h->records_offset + (uint64_t)i * h->record_size);
        __atomic_store_n(&rec->seq, 1, __ATOMIC_RELEASE);      /* odd: mid-write */
    }
    double t0 = now_s();
    rc = slab_shm_snapshot_take(r, &s, &e);
    double busy_s = now_s() - t0;
    is_int(rc, SLAB_SHM_OK, "a snapshot of %u records stuck mid-write: %s", RECORDS, e.message);
    ok(s && s->busy_threads == RECORDS, "all of them reported busy (%u)",
       s ? s->busy_threads : 0);
    diag("%.3f s for %u busy records", busy_s, RECORDS);
    ok(busy_s < 1.0, "in bounded time (%.3f s; was about 0.3 ms a record)", busy_s);

    /* Every record in use, one allocation each. */
    for (uint32_t i = 0; i < RECORDS; i++) {
        slab_shm_seg_record *rec = (void *)(m + h->records_offset + (uint64_t)i * h->record_size);
        rec->gen = 1;
        rec->state = SLAB_SHM_REC_LIVE;
        rec->tid = (int32_t)(i + 1);
        memset(&rec->stats, 0, sizeof(rec->stats));
        rec->stats.allocs = 1;
        __atomic_store_n(&rec->seq, 2, __ATOMIC_RELEASE);
    }
    rc = slab_shm_snapshot_take(r, &s, &e);
    is_int(rc, SLAB_SHM_OK, "a snapshot of %u records in use: %s", RECORDS, e.message);
    ok(s && s->thread_count == SLAB_SHM_SNAPSHOT_THREADS &&
       s->omitted_threads == RECORDS - SLAB_SHM_SNAPSHOT_THREADS,
       "lists %u threads and sums the other %u", s ? s->thread_count : 0,
       s ? (unsigned)s->omitted_threads : 0);
    is_u64(s ? s->total.allocs : 0, RECORDS, "and the total counts every one exactly");

    /* Leave the records as the writer's exit expects them. */
    for (uint32_t i = 0; i < RECORDS; i++) {
        slab_shm_seg_record *rec = (void *)(m + h->records_offset + (uint64_t)i * h->record_size);
        rec->state = SLAB_SHM_REC_FREE;
    }
    munmap(m, (size_t)full_size);
    close(fd);
    slab_shm_snapshot_free(s);
    slab_shm_detach(r);
    return tap_exit();
}
