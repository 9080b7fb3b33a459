/*
 * shm_reader.c - attaching to a segment, validating it and taking
 * snapshots.
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
 * (SLAB_SHM_ERR_TRUNCATED) without touching the mapping.  A process with
 * write access (the owner's user, or root) can still shrink the object
 * between that check and a copy, and a load past the new end raises
 * SIGBUS.  So every read of the mapping runs under a guard (below): a
 * SIGBUS inside a guarded read of this thread, at an address inside the
 * mapping being read, jumps back out, and the call reports the segment as
 * changed (SLAB_SHM_ERR_TRUNCATED) instead of the process dying.  Any
 * other SIGBUS goes to whatever handled it before.
 */
#include "config.h"
#include "shm_reader.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common.h"
#include "seqlock.h"

/* Whole-snapshot attempts when a shared section stays busy. */
#define SNAPSHOT_TRIES 4u
/* Longest a reader yields to a writer stuck in one section. */
#define YIELD_BUDGET_NS 2000000u        /* 2 ms */
/* How long a full check of the owner's start time is trusted. */
#define OWNER_CHECK_NS 100000000u       /* 100 ms */
/* All the waiting for busy sections one snapshot may do: past it, each
 * section gets one try, so that a segment full of records stuck mid-write
 * costs a refresh milliseconds, not seconds. */
#define SNAPSHOT_WAIT_NS 20000000u      /* 20 ms */
/* Files larger than this are not mapped (no writer makes one). */
#define MAP_LIMIT (UINT64_C(1) << 30)

/* ------------------------------------------------------------------ guard */

/* The SIGBUS handler is installed once, the first time a segment is read,
 * and stays.  Initial-exec TLS: a handler must not trigger the lazy TLS
 * allocation of a dlopen()ed library. */
#define TLS_IE __attribute__((tls_model("initial-exec")))
static __thread sigjmp_buf *guard_jmp TLS_IE;
static __thread const unsigned char *guard_lo TLS_IE, *guard_hi TLS_IE;
static struct sigaction old_bus;
static pthread_once_t bus_once = PTHREAD_ONCE_INIT;

static void on_sigbus(int sig, siginfo_t *si, void *uc)
{
    const unsigned char *a = si->si_addr;

    if (guard_jmp && a >= guard_lo && a < guard_hi)
        siglongjmp(*guard_jmp, 1);
    /* Not ours.  A fault: put the previous disposition back and return,
     * so that the faulting load runs again under it.  Sent by someone:
     * hand it over directly. */
    if (si->si_code > 0) {
        sigaction(SIGBUS, &old_bus, NULL);
        return;
    }
    if (old_bus.sa_flags & SA_SIGINFO) {
        if (old_bus.sa_sigaction)
            old_bus.sa_sigaction(sig, si, uc);
    } else if (old_bus.sa_handler == SIG_DFL) {
        sigaction(SIGBUS, &old_bus, NULL);
        raise(SIGBUS);      /* delivered when this handler returns */
    } else if (old_bus.sa_handler != SIG_IGN) {
        old_bus.sa_handler(sig);
    }
}

static void install_sigbus(void)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_sigbus;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGBUS, &sa, &old_bus);
}

/* Run fn(arg) with the reads of r's mapping guarded; false if it faulted
 * (fn was abandoned part-way).  Nested calls run under the outer guard. */
static bool guarded(const slab_shm_reader *r, void (*fn)(void *), void *arg)
{
    sigjmp_buf jb;

    if (guard_jmp) {
        fn(arg);
        return true;
    }
    pthread_once(&bus_once, install_sigbus);
    guard_lo = r->map;
    guard_hi = r->map + r->map_size;
    /* savemask 1: the handler's blocked SIGBUS is unblocked again. */
    if (sigsetjmp(jb, 1) != 0) {
        guard_jmp = NULL;
        return false;
    }
    guard_jmp = &jb;
    /* The compiler must not move mapping reads out of the guarded region. */
    atomic_signal_fence(memory_order_seq_cst);
    fn(arg);
    atomic_signal_fence(memory_order_seq_cst);
    guard_jmp = NULL;
    return true;
}

static slab_shm_error changed(const slab_shm_reader *r, slab_shm_errinfo *err)
{
    return slab_shm_fail(err, SLAB_SHM_ERR_TRUNCATED, 0,
        "%s changed size while being read: its owner's user or root resized "
        "it; attach again", r->object);
}

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
    if (!guarded(r, run_copy_header, &hc)) {
        e = changed(r, err);
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
static slab_shm_error check_size(slab_shm_reader *r, slab_shm_errinfo *err)
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
    if (!guarded(r, run_copy_header, &c))
        return changed(r, err);
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

/* Test hook, NULL outside tests: called in a snapshot between the copy of
 * the process section and the rest, to let a test act as the writer there. */
void (*slab_shm_reader_hook)(slab_shm_reader *r);

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
static bool closed_flag(const slab_shm_reader *r)
{
    struct flag_load f = { r, 0 };
    if (!guarded(r, load_flags, &f))
        return true;
    return (f.flags & SLAB_SHM_FLAG_CLOSED) != 0;
}

SLAB_API slab_shm_state slab_shm_reader_state(slab_shm_reader *r)
{
    char file[SLAB_SHM_NAME_MAX + 32];
    struct stat st;

    if (!r)
        return SLAB_SHM_NOT_SLAB;
    if (check_size(r, NULL) != SLAB_SHM_OK)
        return SLAB_SHM_NOT_SLAB;
    if (closed_flag(r))
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

/* ------------------------------------------------------------------ snapshot */

/* Wait a little, longer after each failed try. */
static void relax(unsigned tries)
{
    for (unsigned i = 0; i < 32u * tries; i++) {
#if defined(__x86_64__) || defined(__i386__)
        __builtin_ia32_pause();
#elif defined(__aarch64__)
        __asm__ __volatile__("yield");
#else
        atomic_signal_fence(memory_order_seq_cst);
#endif
    }
}

/* Copy a seqlock-covered section of size bytes at off into dst; false when
 * it stayed mid-write for every try. */
static bool read_section(const slab_shm_reader *r, uint64_t off, void *dst,
                         size_t size, const uint64_t *extra_off,
                         void *extra_dst, size_t extra_size)
{
    const uint64_t *seq = (const uint64_t *)(const void *)(r->map + off);
    uint64_t deadline = 0;

    for (unsigned tries = 0; tries < SLAB_SEQ_READ_TRIES; tries++) {
        if (tries > 0 && slab_shm_mono_ns() > r->wait_deadline_ns)
            break;          /* this snapshot has waited enough */
        if (tries >= SLAB_SEQ_READ_TRIES / 2) {
            /* Let a preempted writer finish, but give up after
             * YIELD_BUDGET_NS: on a loaded machine each yield may cost a
             * time slice, and a dead writer never finishes. */
            uint64_t now = slab_shm_mono_ns();
            if (!deadline)
                deadline = now + YIELD_BUDGET_NS;
            else if (now > deadline)
                break;
            sched_yield();
        } else if (tries > 0) {
            relax(tries);       /* a running writer takes about a microsecond */
        }
        uint64_t s = slab_seq_read_begin(seq);
        if (s & 1u)
            continue;
        slab_seq_copy_out((char *)dst + 8, r->map + off + 8, size - 8);
        if (extra_off)
            slab_seq_copy_out(extra_dst, r->map + *extra_off, extra_size);
        if (!slab_seq_read_retry(seq, s)) {
            *(uint64_t *)dst = s;
            return true;
        }
    }
    return false;
}

/* Is the record at off free?  A quick look at its first 64 bytes under its
 * seqlock, so that snapshots of a mostly empty segment stay cheap; any
 * doubt (mid-write) answers "not free" and the full read decides. */
static bool record_free(const slab_shm_reader *r, uint64_t off)
{
    const uint64_t *seq = (const uint64_t *)(const void *)(r->map + off);
    slab_shm_seg_record head;

    uint64_t s = slab_seq_read_begin(seq);
    if (s & 1u)
        return false;
    slab_seq_copy_out((char *)&head + 8, r->map + off + 8,
                      offsetof(slab_shm_seg_record, stats) - 8);
    if (slab_seq_read_retry(seq, s))
        return false;
    return head.state == SLAB_SHM_REC_FREE;
}

static slab_shm_error snapshot_once(slab_shm_reader *r, slab_shm_snapshot *s,
                                    slab_shm_errinfo *err, bool *busy)
{
    const slab_shm_seg_header *h = &r->hdr;
    slab_shm_seg_process p;
    slab_shm_seg_overflow o;
    slab_shm_seg_exited e;
    slab_shm_seg_record rec;
    uint32_t n = 0, omitted = 0;

    *busy = false;
    s->writer_now_ns = 0;
    s->process_busy = !read_section(r, h->process_offset, &p, sizeof(p),
                                    NULL, NULL, 0);
    if (s->process_busy)
        memset(&p, 0, sizeof(p));
    memcpy(s->label, p.label, sizeof(s->label));
    slab_shm_sanitize(s->label, sizeof(s->label));
    s->sampling.rate = p.sample_rate;
    s->sampling.mode = p.sample_mode == SLAB_SAMPLE_FIXED ? SLAB_SAMPLE_FIXED
                                                          : SLAB_SAMPLE_RANDOM;
    s->sampling.budget_ppm = p.sample_budget_ppm;
    s->floor.wall_ns = p.floor_wall_ns;
    s->floor.cpu_ns = p.floor_cpu_ns;
    s->heartbeat_mono_ns = p.heartbeat_mono_ns;
    s->heartbeat_real_ns = p.heartbeat_real_ns;
    s->refreshes = p.refreshes;
    s->writer_now_ns = p.heartbeat_mono_ns;
    for (unsigned c = 0; c < SLAB_SHM_CLASS_COUNT; c++)
        slab_shm_class_from_seg(&s->classes[c], &p.classes[c]);
    memcpy(s->epochs, p.epochs, sizeof(s->epochs));
    s->memory = p.memory;
    if (slab_shm_reader_hook)
        slab_shm_reader_hook(r);

    /* Records first, then the exited section: see publish.c. */
    s->busy_threads = 0;
    memset(&s->omitted, 0, sizeof(s->omitted));
    for (uint32_t i = 0; i < h->record_count; i++) {
        uint64_t off = h->records_offset + (uint64_t)i * h->record_size;
        slab_shm_thread *t = &s->threads[n];
        if (record_free(r, off))
            continue;
        if (!read_section(r, off, &rec, sizeof(rec), NULL, NULL, 0)) {
            s->busy_threads++;
            if (n >= SLAB_SHM_SNAPSHOT_THREADS)
                continue;       /* counted, not listed */
            memset(t, 0, sizeof(*t));
            t->slot = i;
            t->busy = 1;
            t->state = SLAB_SHM_REC_LIVE;
            n++;
            continue;
        }
        if (rec.state != SLAB_SHM_REC_LIVE)
            continue;
        if (n >= SLAB_SHM_SNAPSHOT_THREADS) {
            /* Beyond the list: summed (checked against folded[] below). */
            slab_thread_stats st;
            slab_shm_stats_from_seg(&st, &rec.stats);
            slab_shm_stats_fold(&s->omitted, &st);
            r->omit[omitted].slot = i;
            r->omit[omitted].gen = rec.gen;
            omitted++;
            if (rec.update_mono_ns > s->writer_now_ns)
                s->writer_now_ns = rec.update_mono_ns;
            continue;
        }
        memset(t, 0, sizeof(*t));
        t->slot = i;
        t->state = rec.state;
        t->tid = rec.tid;
        t->gen = rec.gen;
        t->update_mono_ns = rec.update_mono_ns;
        t->flushes = rec.flushes;
        memcpy(t->name, rec.name, sizeof(rec.name));
        slab_shm_sanitize(t->name, sizeof(t->name));
        slab_shm_stats_from_seg(&t->stats, &rec.stats);
        if (rec.update_mono_ns > s->writer_now_ns)
            s->writer_now_ns = rec.update_mono_ns;
        n++;
    }

    if (!read_section(r, h->overflow_offset, &o, sizeof(o), NULL, NULL, 0)) {
        *busy = true;
        return slab_shm_fail(err, SLAB_SHM_ERR_BUSY, EBUSY,
            "the overflow record of %s stayed busy; try again", r->object);
    }
    if (!read_section(r, h->exited_offset, &e, sizeof(e), &h->folded_offset,
                      r->folded, (size_t)h->record_count * 8)) {
        *busy = true;
        return slab_shm_fail(err, SLAB_SHM_ERR_BUSY, EBUSY,
            "the exited-thread totals of %s stayed busy; try again", r->object);
    }
    s->overflow_threads = o.threads;
    s->overflow_live_threads = o.live_threads;
    slab_shm_stats_from_seg(&s->overflow, &o.stats);
    s->exited_threads = e.threads;
    slab_shm_stats_from_seg(&s->exited, &e.stats);
    if (o.update_mono_ns > s->writer_now_ns)
        s->writer_now_ns = o.update_mono_ns;
    if (e.update_mono_ns > s->writer_now_ns)
        s->writer_now_ns = e.update_mono_ns;

    /* An omitted record whose thread the totals now hold would count
     * twice: take the snapshot again. */
    for (uint32_t k = 0; k < omitted; k++) {
        if (r->folded[r->omit[k].slot] >= r->omit[k].gen) {
            *busy = true;
            return slab_shm_fail(err, SLAB_SHM_ERR_BUSY, EBUSY,
                "threads of %s kept exiting during the snapshot; try again",
                r->object);
        }
    }
    s->omitted_threads = omitted;

    /* Drop the record copies whose thread the totals already hold. */
    uint32_t kept = 0;
    memset(&s->total, 0, sizeof(s->total));
    for (uint32_t k = 0; k < n; k++) {
        slab_shm_thread *t = &s->threads[k];
        if (!t->busy && r->folded[t->slot] >= t->gen)
            continue;
        if (kept != k)
            s->threads[kept] = *t;
        if (!s->threads[kept].busy)
            slab_shm_stats_fold(&s->total, &s->threads[kept].stats);
        kept++;
    }
    s->thread_count = kept;
    slab_shm_stats_fold(&s->total, &s->overflow);
    slab_shm_stats_fold(&s->total, &s->exited);
    slab_shm_stats_fold(&s->total, &s->omitted);
    return SLAB_SHM_OK;
}

struct snap_call {
    slab_shm_reader *r;
    slab_shm_snapshot *s;
    slab_shm_errinfo *err;
    bool *busy;
    slab_shm_error result;
};

static void run_snapshot(void *arg)
{
    struct snap_call *c = arg;
    c->result = snapshot_once(c->r, c->s, c->err, c->busy);
}

SLAB_API slab_shm_error slab_shm_snapshot_take(slab_shm_reader *r,
                                               slab_shm_snapshot **snap,
                                               slab_shm_errinfo *err)
{
    slab_shm_snapshot *s;
    slab_shm_error e;
    bool busy = false;

    if (!r || !snap)
        return slab_shm_fail(err, SLAB_SHM_ERR_INVALID, EINVAL,
                             "no reader or snapshot given");
    s = *snap;
    if (s && s->id.record_count != r->hdr.record_count) {
        slab_shm_snapshot_free(s);
        s = *snap = NULL;
    }
    if (!s) {
        s = calloc(1, sizeof(*s));
        if (!s)
            return slab_shm_fail(err, SLAB_SHM_ERR_NO_MEMORY, ENOMEM,
                                 "out of memory for a snapshot of %s", r->object);
        /* record_count was bounded by the file size at attach. */
        uint32_t list = r->hdr.record_count < SLAB_SHM_SNAPSHOT_THREADS
                            ? r->hdr.record_count : SLAB_SHM_SNAPSHOT_THREADS;
        s->threads = calloc(list + 1, sizeof(*s->threads));
        if (!s->threads) {
            free(s);
            return slab_shm_fail(err, SLAB_SHM_ERR_NO_MEMORY, ENOMEM,
                                 "out of memory for a snapshot of %s", r->object);
        }
        *snap = s;
    }
    slab_shm_reader_identity(r, &s->id);
    s->retries = 0;
    r->wait_deadline_ns = slab_shm_mono_ns() + SNAPSHOT_WAIT_NS;
    /* The closed flag is loaded before the copy (it is the acquire that
     * orders it after the owner's final write).  If the owner closed during
     * the copy, the state says EXITED but the copy may predate the final
     * write, so it is taken once more, now after the flag. */
    for (unsigned pass = 0; pass < 2; pass++) {
        bool closed = closed_flag(r);
        for (unsigned tries = 0; tries < SNAPSHOT_TRIES; tries++) {
            e = check_size(r, err);
            if (e != SLAB_SHM_OK)
                return e;
            struct snap_call c = { r, s, err, &busy, SLAB_SHM_OK };
            if (!guarded(r, run_snapshot, &c))
                return changed(r, err);
            e = c.result;
            if (!busy)
                break;
            s->retries++;
        }
        if (e != SLAB_SHM_OK)
            return e;
        s->state = slab_shm_reader_state(r);
        if (closed || !closed_flag(r))
            break;
    }
    if (err)
        slab_shm_fail(err, SLAB_SHM_OK, 0, "snapshot of %s taken", r->object);
    return SLAB_SHM_OK;
}

SLAB_API void slab_shm_snapshot_free(slab_shm_snapshot *snap)
{
    if (!snap)
        return;
    free(snap->threads);
    free(snap);
}
