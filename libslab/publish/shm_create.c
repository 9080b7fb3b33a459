/*
 * shm_create.c - creating this process's segment, and replacing what a
 * dead process left under its name.
 *
 * Creation: shm_open(O_CREAT | O_EXCL) with the configured mode (then
 * fchmod, so the umask does not change it), ftruncate once to the final
 * size, mmap, fill the header and the process section, and store the ready
 * word last with release.  If the name exists, the old segment is replaced
 * only when its owner is provably dead (or it is an unfinished segment more
 * than STALE_CREATE_NS old); replacement happens under flock() on the old
 * object, after checking that the name still refers to it, so that two
 * processes replacing the same leftover never remove each other's new
 * segment.
 */
#include "config.h"
#include "shm_writer.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common.h"
#include "options.h"
#include "seqlock.h"

/* An unfinished segment (not ready) older than this is a crashed creator's. */
#define STALE_CREATE_NS (10ull * 1000000000ull)

/* ------------------------------------------------------------------ replace */

/* Read what the file holds of a header into *h (zeroed first) with
 * pread(), never through a mapping: the file may belong to someone who
 * shrinks it meanwhile, and a read() past the end only comes back short
 * where a load from a mapping would raise SIGBUS.  There is no ordering to
 * respect: a header still being written reads as not ready (ready is 0
 * until the creator's last store), which counts as unfinished. */
static void read_header(int fd, slab_shm_seg_header *h)
{
    size_t got = 0;

    memset(h, 0, sizeof(*h));
    while (got < sizeof(*h)) {
        ssize_t n = pread(fd, (char *)h + got, sizeof(*h) - got, (off_t)got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    if (got < sizeof(*h))
        memset(h, 0, sizeof(*h));   /* short: judged as an unfinished one */
}

/* The object exists.  Returns 1 when it was removed (or changed under us:
 * try creating again), 0 when it must be kept (errno EEXIST), -1 on error.
 * Only a regular file owned by this process's effective user is ever
 * judged; anything else under the name is someone else's and is kept. */
static int replace_if_dead(const char *object)
{
    char path[SLAB_SHM_NAME_MAX + 32];
    struct stat st, now;
    slab_shm_seg_header h;
    int rc = 0;

    /* O_NONBLOCK: a FIFO planted under the name must not block the open. */
    snprintf(path, sizeof(path), SLAB_SHM_DIR "%s", object);
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT)
            return 1;       /* gone meanwhile: try again */
        errno = EEXIST;     /* unreadable, or a link: never ours to replace */
        return -1;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid())
        goto keep;
    read_header(fd, &h);

    bool dead;
    uint64_t my_start = 0;
    if (h.magic == SLAB_SHM_MAGIC && h.ready != 0 && !slab_shm_same_pid_ns(h.pid_ns)) {
        /* Its pid is another namespace's (or ours cannot be read): nothing
         * proves its owner dead, nor that it is this process. */
        dead = false;
    } else if (h.magic == SLAB_SHM_MAGIC && h.ready != 0 && h.pid == (int32_t)getpid() &&
        slab_shm_proc_stat(getpid(), &my_start, NULL) == 0 &&
        h.start_time == my_start) {
        /* This very process wrote it, in the image it ran before exec():
         * that image is gone, and this one takes the name over. */
        dead = true;
    } else if (h.magic == SLAB_SHM_MAGIC && h.ready != 0) {
        h.boot_id[sizeof(h.boot_id) - 1] = '\0';
        slab_shm_owner o = slab_shm_owner_check(h.pid, h.start_time, h.boot_id);
        dead = o == SLAB_SHM_OWNER_DEAD || o == SLAB_SHM_OWNER_REUSED ||
               o == SLAB_SHM_OWNER_OTHER_BOOT;
        /* Our own pid, alive, but not our writer (the caller has none):
         * the program this process was before an exec(), which left its
         * segment behind (exec runs no atexit) and can never write to it
         * again.  The new program takes the name over. */
        if (o == SLAB_SHM_OWNER_ALIVE && h.pid == (int32_t)getpid())
            dead = true;
    } else if (h.magic == SLAB_SHM_MAGIC || st.st_size == 0) {
        /* Unfinished: a creator at work, or one that crashed long ago. */
        uint64_t ctime_ns = (uint64_t)st.st_ctim.tv_sec * 1000000000u +
                            (uint64_t)st.st_ctim.tv_nsec;
        dead = slab_shm_real_ns() - ctime_ns > STALE_CREATE_NS;
    } else {
        dead = false;       /* not a libslab segment: not ours to remove */
    }
    if (!dead)
        goto keep;

    /* Exclude a concurrent replacer, then make sure the name still refers
     * to the object we judged. */
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        rc = 1;
        goto out;
    }
    if (stat(path, &now) == 0 && now.st_ino == st.st_ino && now.st_dev == st.st_dev) {
        if (shm_unlink(object) == 0)
            slab_log(SLAB_LOG_INFO, "replaced the segment %s of a dead process",
                     object);
    }
    rc = 1;
    goto out;
keep:
    errno = EEXIST;
    rc = 0;
out:
    {
        int saved = errno;
        close(fd);          /* also releases the flock */
        errno = saved;
    }
    return rc;
}

/* ------------------------------------------------------------------ collect */

/* Objects judged (opened) per start, entries looked at, and time: a
 * start-up pays at most this for the leftovers of crashed processes. */
#define COLLECT_JUDGED 32u
#define COLLECT_SEEN 512u
#define COLLECT_NS 2000000u             /* 2 ms */

const char *slab_shm_collect_prefix;

void slab_shm_create_collect(const char *self)
{
    const size_t plen = strlen(SLAB_SHM_PREFIX);
    char object[SLAB_SHM_NAME_MAX + 16];
    unsigned judged = 0, seen = 0;
    struct dirent *de;
    int saved = errno;
    uid_t me = geteuid();

    if (!slab_option_bool(SLAB_OPT_SHM_GC))
        return;
    DIR *d = opendir(SLAB_SHM_DIR);
    if (!d)
        return;
    uint64_t end = slab_shm_mono_ns() + COLLECT_NS;
    while (judged < COLLECT_JUDGED && seen < COLLECT_SEEN && (de = readdir(d)) != NULL) {
        const char *name = de->d_name + plen;
        struct stat st;

        if (strncmp(de->d_name, SLAB_SHM_PREFIX, plen) != 0 ||
            !slab_shm_name_valid(name) || strcmp(name, self) == 0)
            continue;
        if (slab_shm_collect_prefix &&
            strncmp(name, slab_shm_collect_prefix, strlen(slab_shm_collect_prefix)) != 0)
            continue;
        if (++seen % 16 == 0 && slab_shm_mono_ns() > end)
            break;
        /* Cheap first: only this user's regular files are ever judged. */
        if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
            !S_ISREG(st.st_mode) || st.st_uid != me)
            continue;
        judged++;
        slab_shm_object_path(object, sizeof(object), name);
        (void)replace_if_dead(object);
    }
    closedir(d);
    errno = saved;
}

/* ------------------------------------------------------------------ create */

static void fill_header(slab_shm_writer *w, slab_shm_seg_header *h)
{
    const slab_shm_layout *l = &w->layout;
    long tck = sysconf(_SC_CLK_TCK);

    memset(h, 0, sizeof(*h));
    slab_shm_layout_to_header(l, h);
    h->pid = w->pid;
    h->uid = (uint32_t)geteuid();
    if (slab_shm_proc_stat(w->pid, &h->start_time, NULL) != 0)
        h->start_time = 0;
    h->created_real_ns = slab_shm_real_ns();
    h->created_mono_ns = slab_shm_mono_ns();
    h->clock_ticks = tck > 0 ? (uint32_t)tck : 100;
    h->pid_ns = slab_shm_pid_ns();
    slab_shm_boot_id(h->boot_id);
    slab_shm_self_comm(h->comm);
    snprintf(h->name, sizeof(h->name), "%s", w->name);
}

static uint32_t record_count_setting(void)
{
    uint64_t n = slab_option_uint(SLAB_OPT_SHM_THREADS);
    if (n > 65536)
        n = 65536;
    return (uint32_t)n;
}

slab_shm_writer *slab_shm_create(const char *name)
{
    slab_shm_writer *w = calloc(1, sizeof(*w));
    mode_t mode = (mode_t)slab_option_uint(SLAB_OPT_SHM_MODE) & 0777;
    int fd = -1, err;

    if (!w)
        return NULL;
    snprintf(w->name, sizeof(w->name), "%s", name);
    slab_shm_object_path(w->object, sizeof(w->object), name);
    w->pid = (int32_t)getpid();
    slab_shm_layout_compute(record_count_setting(), &w->layout);
    w->free_slots = calloc(w->layout.record_count + 1, sizeof(uint32_t));
    w->slot_gen = calloc(w->layout.record_count + 1, sizeof(uint64_t));
    if (!w->free_slots || !w->slot_gen)
        goto fail;
    pthread_mutex_init(&w->slots_lock, NULL);
    pthread_mutex_init(&w->fold_lock, NULL);
    pthread_mutex_init(&w->overflow_lock, NULL);
    pthread_mutex_init(&w->proc_lock, NULL);
    /* Lowest slots are handed out first. */
    for (uint32_t i = 0; i < w->layout.record_count; i++)
        w->free_slots[i] = w->layout.record_count - 1 - i;
    w->free_count = w->layout.record_count;

    for (int attempt = 0; attempt < 4; attempt++) {
        fd = shm_open(w->object, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, mode);
        if (fd >= 0 || errno != EEXIST)
            break;
        if (replace_if_dead(w->object) <= 0)
            goto fail;
    }
    if (fd < 0)
        goto fail;
    struct stat st;
    if (fchmod(fd, mode) != 0 || fstat(fd, &st) != 0 ||
        ftruncate(fd, (off_t)w->layout.segment_size) != 0)
        goto fail_unlink;
    w->dev = st.st_dev;         /* what we created: only it is ever unlinked */
    w->ino = st.st_ino;
    w->base = mmap(NULL, w->layout.segment_size, PROT_READ | PROT_WRITE,
                   MAP_SHARED, fd, 0);
    if (w->base == MAP_FAILED) {
        w->base = NULL;
        goto fail_unlink;
    }
    close(fd);
    fd = -1;

    char *b = w->base;
    w->hdr = (slab_shm_seg_header *)(void *)b;
    w->proc = (slab_shm_seg_process *)(void *)(b + w->layout.process_offset);
    w->exited = (slab_shm_seg_exited *)(void *)(b + w->layout.exited_offset);
    w->folded = (uint64_t *)(void *)(b + w->layout.folded_offset);
    w->overflow = (slab_shm_seg_overflow *)(void *)(b + w->layout.overflow_offset);
    w->records = (unsigned char *)b + w->layout.records_offset;

    /* Everything but the ready word, with relaxed stores (a reader may
     * already be looking), then the process section, then ready. */
    slab_shm_seg_header h;
    fill_header(w, &h);
    slab_seq_copy_in(w->hdr, &h, offsetof(slab_shm_seg_header, ready));
    slab_seq_copy_in(&w->hdr->pid, &h.pid,
                     sizeof(h) - offsetof(slab_shm_seg_header, pid));
    pthread_mutex_lock(&w->proc_lock);
    slab_shm_writer_write_process(w);
    pthread_mutex_unlock(&w->proc_lock);
    /* Pairs with the readers' acquire load of ready: every field above is
     * visible to a reader that sees the segment ready. */
    atomic_store_explicit((_Atomic uint64_t *)&w->hdr->ready,
                          SLAB_SHM_READY(SLAB_SHM_ABI_MAJOR, SLAB_SHM_ABI_MINOR),
                          memory_order_release);
    slab_log(SLAB_LOG_INFO, "publishing statistics in shared memory %s "
             "(%u thread records, %llu bytes)", w->object,
             w->layout.record_count, (unsigned long long)w->layout.segment_size);
    return w;

fail_unlink:
    err = errno;
    shm_unlink(w->object);
    errno = err;
fail:
    err = errno;
    if (fd >= 0)
        close(fd);
    free(w->free_slots);
    free(w->slot_gen);
    free(w);
    errno = err;
    return NULL;
}

