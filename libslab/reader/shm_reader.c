/*
 * shm_reader.c - attaching to a segment, validating it, and its state.
 * Snapshots are taken in shm_snapshot.c, under the guard of shm_guard.c.
 *
 * The segment is untrusted input.  It is opened O_RDONLY and mapped
 * PROT_READ; its header is copied once and validated against the file size
 * (shm_common.c), and only that copy's sizes, counts and offsets are used
 * afterwards, so a writer that scribbles on the header cannot make the
 * reader step outside the mapping.  Every read of the mapping is a relaxed
 * (or acquire) atomic word load; nothing allocated depends on a count that
 * was not bounded by the file size first.
 *
 * Truncation: before each snapshot and state check the file is fstat'ed
 * again, and a file shorter than the validated segment size is reported
 * (SLAB_SHM_ERR_TRUNCATED) without touching the mapping.
 * A process with write access can still shrink the object between that
 * check and a copy: every read of the mapping runs under shm_guard.c.
 */
#include "config.h"
#include "shm_reader.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common.h"
#include "seqlock.h"

/* How long a full check of the owner's start time is trusted. */
#define OWNER_CHECK_NS 100000000u       /* 100 ms */
/* Files larger than this are not mapped (no writer makes one). */
#define MAP_LIMIT (UINT64_C(1) << 30)

/* ------------------------------------------------------------------ attach */

/* Copy what the file holds of the header; ready is read first, with
 * acquire, so that the rest is complete when it is set. */
static void copy_header(const unsigned char *map, size_t size,
                        slab_shm_seg_header *h)
{
    size_t n = size < sizeof(*h) ? size & ~(size_t)7 : sizeof(*h);
    const size_t ready_off = offsetof(slab_shm_seg_header, ready);

    memset(h, 0, sizeof(*h));
    if (n >= ready_off + 8)
        /* Pairs with the writer's release store of ready in
         * create_writer(): the header fields are complete. */
        h->ready = atomic_load_explicit(
            (const _Atomic uint64_t *)(const void *)(map + ready_off),
            memory_order_acquire);
    slab_seq_copy_out(h, map, n < ready_off ? n : ready_off);
    if (n > ready_off + 8)
        slab_seq_copy_out((char *)h + ready_off + 8, map + ready_off + 8,
                          n - ready_off - 8);
}

struct header_copy {
    const unsigned char *map;
    size_t size;
    slab_shm_seg_header *h;
};

static void run_copy_header(void *arg)
{
    struct header_copy *c = arg;
    copy_header(c->map, c->size, c->h);
}

slab_shm_error slab_shm_attach_fd(int fd, const char *name,
                                  slab_shm_reader **out, slab_shm_errinfo *err,
                                  slab_shm_seg_header *hdr_out)
{
    slab_shm_reader *r;
    char what[SLAB_SHM_NAME_MAX + 16];
    slab_shm_error e;

    *out = NULL;
    if (name && !slab_shm_name_valid(name))
        name = NULL;
    if (hdr_out)
        memset(hdr_out, 0, sizeof(*hdr_out));
    snprintf(what, sizeof(what), "/" SLAB_SHM_PREFIX "%s", name ? name : "?");
    r = calloc(1, sizeof(*r));
    if (!r)
        return slab_shm_fail(err, SLAB_SHM_ERR_NO_MEMORY, ENOMEM,
                             "out of memory attaching to %s", what);
    r->by_fd = 1;
    r->fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
    if (r->fd < 0) {
        e = slab_shm_fail(err, SLAB_SHM_ERR_SYSTEM, errno,
                          "cannot duplicate the descriptor of %s: %s", what,
                          strerror(errno));
        free(r);
        return e;
    }
    snprintf(r->name, sizeof(r->name), "%s", name ? name : "");
    snprintf(r->object, sizeof(r->object), "%s", what);
    if (fstat(r->fd, &r->st) != 0) {
        e = slab_shm_fail(err, SLAB_SHM_ERR_SYSTEM, errno, "cannot stat %s: %s",
                          what, strerror(errno));
        goto fail;
    }
    if (!S_ISREG(r->st.st_mode)) {
        e = slab_shm_fail(err, SLAB_SHM_ERR_NOT_LIBSLAB, 0,
            "%s is not a regular file (%s), so not a libslab segment", what,
            S_ISFIFO(r->st.st_mode) ? "a FIFO" :
            S_ISDIR(r->st.st_mode) ? "a directory" : "a device or socket");
        goto fail;
    }
    if (r->st.st_size <= 0) {
        e = slab_shm_header_check(&r->hdr, 0, what, err);
        goto fail;
    }
    if ((uint64_t)r->st.st_size > MAP_LIMIT) {
        e = slab_shm_fail(err, SLAB_SHM_ERR_LAYOUT, 0,
                          "%s is %llu bytes, larger than any libslab segment; "
                          "check the name", what,
                          (unsigned long long)r->st.st_size);
        goto fail;
    }
    r->map_size = (size_t)r->st.st_size;
    void *m = mmap(NULL, r->map_size, PROT_READ, MAP_SHARED, r->fd, 0);
    if (m == MAP_FAILED) {
        e = slab_shm_fail(err, errno == EACCES ? SLAB_SHM_ERR_PERMISSION
                                               : SLAB_SHM_ERR_SYSTEM,
                          errno, "cannot map %s: %s", what, strerror(errno));
        goto fail;
    }
    r->map = m;
    struct header_copy hc = { r->map, r->map_size, &r->hdr };
    if (!slab_shm_guard_run(r, run_copy_header, &hc)) {
        e = slab_shm_guard_changed(r, err);
        goto fail;
    }
    if (hdr_out)
        *hdr_out = r->hdr;
    e = slab_shm_header_check(&r->hdr, r->map_size, what, err);
    if (e != SLAB_SHM_OK)
        goto fail;
    if (!name || !name[0])
        snprintf(r->name, sizeof(r->name), "%s", r->hdr.name);
    r->folded = calloc(r->hdr.record_count + 1, sizeof(uint64_t));
    r->omit = calloc(r->hdr.record_count + 1, sizeof(*r->omit));
    if (!r->folded || !r->omit) {
        e = slab_shm_fail(err, SLAB_SHM_ERR_NO_MEMORY, ENOMEM,
                          "out of memory attaching to %s", what);
        goto fail;
    }
    if (err)
        slab_shm_fail(err, SLAB_SHM_OK, 0, "attached to %s", what);
    *out = r;
    return SLAB_SHM_OK;
fail:
    slab_shm_detach(r);
    return e;
}

slab_shm_error slab_shm_attach_ex(const char *name, slab_shm_reader **out,
                                  slab_shm_errinfo *err,
                                  slab_shm_seg_header *hdr_out)
{
    char object[SLAB_SHM_NAME_MAX + 16], file[SLAB_SHM_NAME_MAX + 32];
    slab_shm_error e;
    struct stat st;
    int fd;

    if (out)
        *out = NULL;
    if (hdr_out)
        memset(hdr_out, 0, sizeof(*hdr_out));
    if (!name || !out)
        return slab_shm_fail(err, SLAB_SHM_ERR_INVALID, EINVAL,
                             "no segment name given");
    name = slab_shm_name_strip(name);
    if (!slab_shm_name_valid(name))
        return slab_shm_fail(err, SLAB_SHM_ERR_INVALID, EINVAL,
            "\"%.80s\" is not a segment name: use 1-%u of A-Z a-z 0-9 . _ -",
            name, SLAB_SHM_NAME_MAX);
    slab_shm_object_path(object, sizeof(object), name);
    slab_shm_file_path(file, sizeof(file), name);
    /* Not shm_open(): O_NONBLOCK so that a FIFO planted under the name
     * cannot block us, O_NOFOLLOW so that a link is not followed. */
    fd = open(file, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        int saved = errno;
        if (saved == ELOOP)
            return slab_shm_fail(err, SLAB_SHM_ERR_NOT_LIBSLAB, saved,
                "%s is a symbolic link, not a libslab segment; remove it if "
                "it is not yours to keep", object);
        if (saved == ENOENT)
            return slab_shm_fail(err, SLAB_SHM_ERR_NOT_FOUND, saved,
                "no segment %s: the process is not running, does not use "
                "libslab, or runs with SLAB_SHM=0; list segments with "
                "slabtop --list", object);
        if (saved == EACCES || saved == EPERM) {
            if (stat(file, &st) == 0)
                return slab_shm_fail(err, SLAB_SHM_ERR_PERMISSION, saved,
                    "permission denied opening %s (owner uid %u); run as "
                    "that user or as root", object, (unsigned)st.st_uid);
            return slab_shm_fail(err, SLAB_SHM_ERR_PERMISSION, saved,
                "permission denied opening %s; run as its owner or as root",
                object);
        }
        return slab_shm_fail(err, SLAB_SHM_ERR_SYSTEM, saved,
                             "cannot open %s: %s", object, strerror(saved));
    }
    e = slab_shm_attach_fd(fd, name, out, err, hdr_out);
    close(fd);
    if (e == SLAB_SHM_OK)
        (*out)->by_fd = 0;      /* attached by name: the name can be checked */
    return e;
}

SLAB_API slab_shm_error slab_shm_attach(const char *name, slab_shm_reader **out,
                                        slab_shm_errinfo *err)
{
    return slab_shm_attach_ex(name, out, err, NULL);
}

SLAB_API void slab_shm_detach(slab_shm_reader *r)
{
    if (!r)
        return;
    if (r->map)
        munmap((void *)r->map, r->map_size);
    if (r->fd >= 0)
        close(r->fd);
    free(r->folded);
    free(r->omit);
    free(r);
}

SLAB_API const char *slab_shm_reader_name(const slab_shm_reader *r)
{
    return r ? r->name : NULL;
}

SLAB_API void slab_shm_reader_identity(const slab_shm_reader *r,
                                       slab_shm_identity *id)
{
    const slab_shm_seg_header *h = &r->hdr;

    memset(id, 0, sizeof(*id));
    snprintf(id->name, sizeof(id->name), "%s", r->name);
    id->pid = h->pid;
    id->uid = h->uid;
    id->file_uid = (uint32_t)r->st.st_uid;
    id->file_mode = (uint32_t)(r->st.st_mode & 07777);
    id->abi_major = h->abi_major;
    id->abi_minor = h->abi_minor;
    id->start_time = h->start_time;
    id->clock_ticks = h->clock_ticks;
    id->record_count = h->record_count;
    id->created_real_ns = h->created_real_ns;
    id->created_mono_ns = h->created_mono_ns;
    id->segment_size = h->segment_size;
    memcpy(id->boot_id, h->boot_id, sizeof(id->boot_id));
    memcpy(id->comm, h->comm, sizeof(id->comm));
    slab_shm_sanitize(id->boot_id, sizeof(id->boot_id));
    slab_shm_sanitize(id->comm, sizeof(id->comm));
}

/* Is the file still at least as large as the validated segment? */
slab_shm_error slab_shm_reader_check_size(slab_shm_reader *r, slab_shm_errinfo *err)
{
    struct stat st;

    if (fstat(r->fd, &st) != 0)
        return slab_shm_fail(err, SLAB_SHM_ERR_SYSTEM, errno,
                             "cannot stat %s: %s", r->object, strerror(errno));
    if ((uint64_t)st.st_size < r->hdr.segment_size)
        return slab_shm_fail(err, SLAB_SHM_ERR_TRUNCATED, 0,
            "%s was truncated to %llu bytes while attached (it had %llu); "
            "the segment is corrupt", r->object,
            (unsigned long long)st.st_size,
            (unsigned long long)r->hdr.segment_size);
    return SLAB_SHM_OK;
}

SLAB_API slab_shm_error slab_shm_validate(slab_shm_reader *r,
                                          slab_shm_errinfo *err)
{
    slab_shm_seg_header now;
    struct stat st;
    slab_shm_error e;

    if (!r)
        return slab_shm_fail(err, SLAB_SHM_ERR_INVALID, EINVAL,
                             "no reader given");
    if (fstat(r->fd, &st) != 0)
        return slab_shm_fail(err, SLAB_SHM_ERR_SYSTEM, errno,
                             "cannot stat %s: %s", r->object, strerror(errno));
    size_t size = (uint64_t)st.st_size < r->map_size ? (size_t)st.st_size
                                                     : r->map_size;
    struct header_copy c = { r->map, size, &now };
    if (!slab_shm_guard_run(r, run_copy_header, &c))
        return slab_shm_guard_changed(r, err);
    e = slab_shm_header_check(&now, size, r->object, err);
    if (e != SLAB_SHM_OK)
        return e;
    /* The layout must not have changed since attach (flags may). */
    now.flags = r->hdr.flags;
    if (memcmp(&now, &r->hdr, sizeof(now)) != 0)
        return slab_shm_fail(err, SLAB_SHM_ERR_LAYOUT, 0,
            "the header of %s changed while attached; the segment is "
            "corrupt or was replaced: attach again", r->object);
    if (err)
        slab_shm_fail(err, SLAB_SHM_OK, 0, "%s is valid", r->object);
    return SLAB_SHM_OK;
}

/* ------------------------------------------------------------------ state */

/* Has the owner set the closed flag?  Pairs with the writer's release
 * fetch_or of the flag in unpublish_locked(), which follows its final write
 * of every section: a reader that sees the flag and then copies a section
 * gets the final numbers. */
struct flag_load {
    const slab_shm_reader *r;
    uint32_t flags;
};

static void load_flags(void *arg)
{
    struct flag_load *f = arg;
    f->flags = atomic_load_explicit(
        (const _Atomic uint32_t *)(const void *)(f->r->map +
                                                 offsetof(slab_shm_seg_header, flags)),
        memory_order_acquire);
}

/* A segment that faults under us counts as closed: nothing more will be
 * read from it (the caller's size check then reports the change). */
bool slab_shm_reader_closed(const slab_shm_reader *r)
{
    struct flag_load f = { r, 0 };
    if (!slab_shm_guard_run(r, load_flags, &f))
        return true;
    return (f.flags & SLAB_SHM_FLAG_CLOSED) != 0;
}

SLAB_API slab_shm_state slab_shm_reader_state(slab_shm_reader *r)
{
    char file[SLAB_SHM_NAME_MAX + 32];
    struct stat st;

    if (!r)
        return SLAB_SHM_NOT_SLAB;
    if (slab_shm_reader_check_size(r, NULL) != SLAB_SHM_OK)
        return SLAB_SHM_NOT_SLAB;
    if (slab_shm_reader_closed(r))
        return SLAB_SHM_EXITED;
    /* A segment speaks for its process only if it was written by that
     * process's user: the header's uid must be the file's owner (anyone
     * can write any uid into a header, nobody else can own a file as
     * us), and that user must own the process the header names. */
    if (r->hdr.uid != (uint32_t)r->st.st_uid)
        return SLAB_SHM_UNTRUSTED;
    /* kill(pid, 0) catches a dead owner at once; the full check (zombie,
     * pid reused: reads /proc/PID/stat, which is slow) runs at most every
     * OWNER_CHECK_NS. */
    slab_shm_owner o;
    uint64_t now = slab_shm_mono_ns();
    if (!slab_shm_same_pid_ns(r->hdr.pid_ns))
        return SLAB_SHM_UNKNOWN;    /* its pid is not one of ours */
    if (kill(r->hdr.pid, 0) != 0 && errno == ESRCH) {
        o = SLAB_SHM_OWNER_DEAD;
    } else if (r->owner_checked_ns && now - r->owner_checked_ns < OWNER_CHECK_NS) {
        o = (slab_shm_owner)r->owner_cached;
    } else {
        o = slab_shm_owner_check(r->hdr.pid, r->hdr.start_time, r->hdr.boot_id);
        r->owner_cached = (int)o;
        r->owner_checked_ns = now;
    }
    if (o == SLAB_SHM_OWNER_DEAD || o == SLAB_SHM_OWNER_REUSED ||
        o == SLAB_SHM_OWNER_OTHER_BOOT)
        return SLAB_SHM_STALE;
    char proc[32];
    snprintf(proc, sizeof(proc), "/proc/%d", (int)r->hdr.pid);
    if (stat(proc, &st) == 0 && st.st_uid != r->st.st_uid)
        return SLAB_SHM_UNTRUSTED;
    if (!r->by_fd) {
        /* Alive, but is the name still ours?  Removed means gone. */
        slab_shm_file_path(file, sizeof(file), r->name);
        if (stat(file, &st) != 0 || st.st_ino != r->st.st_ino ||
            st.st_dev != r->st.st_dev)
            return SLAB_SHM_EXITED;
    }
    return SLAB_SHM_ALIVE;
}

