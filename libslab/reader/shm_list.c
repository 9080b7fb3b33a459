/*
 * shm_list.c - finding segments: listing SLAB_SHM_DIR, attaching by pid,
 * and removing the segments of dead owners.
 */
#include "config.h"
#include "shm_reader.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common.h"

/* Call fn for every valid NAME of a slab.* object; stops when fn returns
 * nonzero.  0, or -1 with errno when the directory cannot be read. */
static int each_name(int (*fn)(const char *name, void *arg), void *arg)
{
    DIR *d = opendir(SLAB_SHM_DIR);
    struct dirent *de;
    const size_t plen = strlen(SLAB_SHM_PREFIX);

    if (!d)
        return -1;
    while ((de = readdir(d)) != NULL) {
        if (strncmp(de->d_name, SLAB_SHM_PREFIX, plen) != 0)
            continue;
        if (!slab_shm_name_valid(de->d_name + plen))
            continue;
        if (fn(de->d_name + plen, arg))
            break;
    }
    closedir(d);
    return 0;
}

/* ------------------------------------------------------------------ list */

struct list_acc {
    slab_shm_entry *v;
    size_t n, cap;
    int oom;
};

static slab_shm_state state_of_error(slab_shm_error e)
{
    switch (e) {
    case SLAB_SHM_ERR_PERMISSION: return SLAB_SHM_DENIED;
    case SLAB_SHM_ERR_VERSION:    return SLAB_SHM_VERSION_MISMATCH;
    case SLAB_SHM_ERR_NOT_READY:  return SLAB_SHM_BUSY;
    case SLAB_SHM_ERR_NOT_FOUND:  return SLAB_SHM_EXITED;  /* removed meanwhile */
    default:                      return SLAB_SHM_NOT_SLAB;
    }
}

#define BLANK_GRACE_NS (UINT64_C(2) * 1000000000u)

static void describe(const char *name, slab_shm_entry *out)
{
    char file[SLAB_SHM_NAME_MAX + 32];
    slab_shm_seg_header h;
    slab_shm_reader *r;
    struct stat st;

    memset(out, 0, sizeof(*out));
    snprintf(out->name, sizeof(out->name), "%s", name);
    slab_shm_file_path(file, sizeof(file), name);
    /* lstat: a symbolic link is described as itself (its own owner and
     * age), never as the file it points to. */
    if (lstat(file, &st) == 0) {
        out->uid = (uint32_t)st.st_uid;
        out->size = (uint64_t)st.st_size;
        out->created_real_ns = (uint64_t)st.st_ctim.tv_sec * 1000000000u +
                               (uint64_t)st.st_ctim.tv_nsec;
    }
    out->error = slab_shm_attach_ex(name, &r, NULL, &h);
    if (out->error == SLAB_SHM_OK) {
        out->state = slab_shm_reader_state(r);
        h = r->hdr;
        slab_shm_detach(r);
    } else {
        out->state = state_of_error(out->error);
    }
    if (h.magic == SLAB_SHM_MAGIC) {
        out->abi_major = h.abi_major;
        out->abi_minor = h.abi_minor;
    }
    if (out->error == SLAB_SHM_OK) {
        out->pid = h.pid;
        out->created_real_ns = h.created_real_ns;
        memcpy(out->comm, h.comm, sizeof(out->comm));
        slab_shm_sanitize(out->comm, sizeof(out->comm));
    }
    uint64_t now = slab_shm_real_ns();
    out->age_ns = now > out->created_real_ns ? now - out->created_real_ns : 0;
    /* A header still blank long after the file was made is not a segment
     * being created (its creator writes it within microseconds of sizing
     * the file): it is not a libslab segment, not busy for ever. */
    if (out->error == SLAB_SHM_ERR_NOT_READY && h.magic == 0
        && out->age_ns > BLANK_GRACE_NS) {
        out->error = SLAB_SHM_ERR_NOT_LIBSLAB;
        out->state = SLAB_SHM_NOT_SLAB;
    }
}

static int list_one(const char *name, void *arg)
{
    struct list_acc *a = arg;

    if (a->n == a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 16;
        slab_shm_entry *v = realloc(a->v, cap * sizeof(*v));
        if (!v) {
            a->oom = 1;
            return 1;
        }
        a->v = v;
        a->cap = cap;
    }
    describe(name, &a->v[a->n++]);
    return 0;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(((const slab_shm_entry *)a)->name,
                  ((const slab_shm_entry *)b)->name);
}

SLAB_API slab_shm_error slab_shm_list(slab_shm_entry **out, size_t *count,
                                      slab_shm_errinfo *err)
{
    struct list_acc a = { NULL, 0, 0, 0 };

    if (!out || !count)
        return slab_shm_fail(err, SLAB_SHM_ERR_INVALID, EINVAL,
                             "no output given for the list");
    *out = NULL;
    *count = 0;
    if (each_name(list_one, &a) != 0) {
        int saved = errno;
        free(a.v);
        return slab_shm_fail(err, saved == EACCES ? SLAB_SHM_ERR_PERMISSION
                                                  : SLAB_SHM_ERR_SYSTEM,
                             saved, "cannot read " SLAB_SHM_DIR ": %s",
                             strerror(saved));
    }
    if (a.oom) {
        free(a.v);
        return slab_shm_fail(err, SLAB_SHM_ERR_NO_MEMORY, ENOMEM,
                             "out of memory listing " SLAB_SHM_DIR);
    }
    if (a.n)
        qsort(a.v, a.n, sizeof(*a.v), by_name);
    *out = a.v;
    *count = a.n;
    if (err)
        slab_shm_fail(err, SLAB_SHM_OK, 0, "%zu segments", a.n);
    return SLAB_SHM_OK;
}

SLAB_API void slab_shm_list_free(slab_shm_entry *entries)
{
    free(entries);
}

/* ------------------------------------------------------------------ by pid */

struct pid_search {
    int32_t pid;
    slab_shm_reader *best;      /* alive preferred */
    int best_alive;
    int denied;
    char denied_name[SLAB_SHM_NAME_MAX + 1];
};

static int pid_one(const char *name, void *arg)
{
    struct pid_search *ps = arg;
    slab_shm_reader *r;
    slab_shm_error e = slab_shm_attach_ex(name, &r, NULL, NULL);

    if (e == SLAB_SHM_ERR_PERMISSION && !ps->denied) {
        ps->denied = 1;
        snprintf(ps->denied_name, sizeof(ps->denied_name), "%s", name);
    }
    if (e != SLAB_SHM_OK)
        return 0;
    if (r->hdr.pid != ps->pid) {
        slab_shm_detach(r);
        return 0;
    }
    slab_shm_state st = slab_shm_reader_state(r);
    int alive = st == SLAB_SHM_ALIVE;
    if (st == SLAB_SHM_UNTRUSTED || st == SLAB_SHM_UNKNOWN) {
        /* A fake, or another pid namespace's process with the same
         * number: never this process's segment. */
        slab_shm_detach(r);
        return 0;
    }
    if (!ps->best || (alive && !ps->best_alive)) {
        slab_shm_detach(ps->best);
        ps->best = r;
        ps->best_alive = alive;
    } else {
        slab_shm_detach(r);
    }
    return ps->best_alive;      /* stop at the first live one */
}

SLAB_API slab_shm_error slab_shm_attach_pid(int32_t pid, slab_shm_reader **out,
                                            slab_shm_errinfo *err)
{
    char name[24];
    slab_shm_error e;
    struct pid_search ps;

    if (!out)
        return slab_shm_fail(err, SLAB_SHM_ERR_INVALID, EINVAL,
                             "no output given");
    *out = NULL;
    if (pid <= 0)
        return slab_shm_fail(err, SLAB_SHM_ERR_INVALID, EINVAL,
                             "%d is not a process id", (int)pid);
    /* "/slab.PID" is the process's own only if it is alive: trusted (its
     * file owner runs the process) and of this process's start time, not
     * a leftover of an earlier process with the same pid, nor a fake. */
    snprintf(name, sizeof(name), "%d", (int)pid);
    memset(&ps, 0, sizeof(ps));
    ps.pid = pid;
    e = slab_shm_attach(name, out, err);
    if (e == SLAB_SHM_OK && (*out)->hdr.pid == pid) {
        slab_shm_state st = slab_shm_reader_state(*out);
        if (st == SLAB_SHM_ALIVE)
            return e;
        if (st != SLAB_SHM_UNTRUSTED && st != SLAB_SHM_UNKNOWN)
            ps.best = *out; /* a fallback if no live one is found */
        else
            slab_shm_detach(*out);
        *out = NULL;
    } else if (e == SLAB_SHM_OK) {
        slab_shm_detach(*out);
        *out = NULL;
    } else if (e != SLAB_SHM_ERR_NOT_FOUND && e != SLAB_SHM_ERR_NOT_LIBSLAB) {
        return e;           /* the default name exists: its error says most */
    }

    each_name(pid_one, &ps);
    if (ps.best) {
        *out = ps.best;
        if (err)
            slab_shm_fail(err, SLAB_SHM_OK, 0, "attached to %s", ps.best->object);
        return SLAB_SHM_OK;
    }
    if (ps.denied)
        return slab_shm_attach(ps.denied_name, out, err);
    return slab_shm_fail(err, SLAB_SHM_ERR_NOT_FOUND, ENOENT,
        "no segment of process %d in " SLAB_SHM_DIR ": it is not running, "
        "does not use libslab, or runs with SLAB_SHM=0; list segments with "
        "slabtop --list", (int)pid);
}

/* ------------------------------------------------------------------ gc */

struct gc_acc {
    const char *prefix;         /* only NAMEs starting with it, or NULL */
    unsigned removed;
    int failed_errno;
    char failed[SLAB_SHM_NAME_MAX + 1];
};

/* Remove name if its owner is dead, making sure the name still refers to
 * the object judged (flock excludes a writer replacing it meanwhile). */
static int gc_one(const char *name, void *arg)
{
    struct gc_acc *g = arg;
    char object[SLAB_SHM_NAME_MAX + 16], file[SLAB_SHM_NAME_MAX + 32];
    slab_shm_reader *r;
    struct stat st;

    if (g->prefix && strncmp(name, g->prefix, strlen(g->prefix)) != 0)
        return 0;
    if (slab_shm_attach_ex(name, &r, NULL, NULL) != SLAB_SHM_OK)
        return 0;
    if (slab_shm_reader_state(r) != SLAB_SHM_STALE) {
        slab_shm_detach(r);
        return 0;
    }
    slab_shm_object_path(object, sizeof(object), name);
    slab_shm_file_path(file, sizeof(file), name);
    if (flock(r->fd, LOCK_EX | LOCK_NB) == 0 && stat(file, &st) == 0 &&
        st.st_ino == r->st.st_ino && st.st_dev == r->st.st_dev) {
        if (shm_unlink(object) == 0) {
            g->removed++;
        } else if (!g->failed_errno) {
            g->failed_errno = errno;
            snprintf(g->failed, sizeof(g->failed), "%s", name);
        }
    }
    slab_shm_detach(r);
    return 0;
}

SLAB_API slab_shm_error slab_shm_gc(unsigned *removed, slab_shm_errinfo *err)
{
    return slab_shm_gc_prefix(NULL, removed, err);
}

slab_shm_error slab_shm_gc_prefix(const char *prefix, unsigned *removed,
                                  slab_shm_errinfo *err)
{
    struct gc_acc g;

    memset(&g, 0, sizeof(g));
    g.prefix = prefix;
    if (removed)
        *removed = 0;
    if (each_name(gc_one, &g) != 0)
        return slab_shm_fail(err, SLAB_SHM_ERR_SYSTEM, errno,
                             "cannot read " SLAB_SHM_DIR ": %s", strerror(errno));
    if (removed)
        *removed = g.removed;
    if (g.failed_errno == EACCES || g.failed_errno == EPERM)
        return slab_shm_fail(err, SLAB_SHM_ERR_PERMISSION, g.failed_errno,
            "permission denied removing /" SLAB_SHM_PREFIX "%s (removed %u "
            "others); run as its owner or as root", g.failed, g.removed);
    if (g.failed_errno)
        return slab_shm_fail(err, SLAB_SHM_ERR_SYSTEM, g.failed_errno,
            "cannot remove /" SLAB_SHM_PREFIX "%s: %s", g.failed,
            strerror(g.failed_errno));
    if (err)
        slab_shm_fail(err, SLAB_SHM_OK, 0, "removed %u stale segments",
                      g.removed);
    return SLAB_SHM_OK;
}
