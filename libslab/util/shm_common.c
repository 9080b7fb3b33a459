/*
 * shm_common.c - names, layout, fold rules, clocks, /proc facts and header
 * validation shared by the segment's writer and its readers.
 */
#include "config.h"
#include "shm_common.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common.h"

/* ------------------------------------------------------------------ layout */

void slab_shm_layout_compute(uint32_t record_count, slab_shm_layout *l)
{
    uint64_t off = slab_shm_align64(sizeof(slab_shm_seg_header));

    memset(l, 0, sizeof(*l));
    l->record_count = record_count;
    l->header_size = sizeof(slab_shm_seg_header);
    l->process_offset = off;
    l->process_size = sizeof(slab_shm_seg_process);
    off = slab_shm_align64(off + l->process_size);
    l->exited_offset = off;
    l->exited_size = sizeof(slab_shm_seg_exited);
    off = slab_shm_align64(off + l->exited_size);
    l->folded_offset = off;
    off = slab_shm_align64(off + (uint64_t)record_count * sizeof(uint64_t));
    l->overflow_offset = off;
    l->overflow_size = sizeof(slab_shm_seg_overflow);
    off = slab_shm_align64(off + l->overflow_size);
    l->records_offset = off;
    l->record_size = slab_shm_align64(sizeof(slab_shm_seg_record));
    l->segment_size = off + (uint64_t)record_count * l->record_size;
}

void slab_shm_layout_to_header(const slab_shm_layout *l, slab_shm_seg_header *h)
{
    h->magic = SLAB_SHM_MAGIC;
    h->abi_major = SLAB_SHM_ABI_MAJOR;
    h->abi_minor = SLAB_SHM_ABI_MINOR;
    h->header_size = (uint32_t)l->header_size;
    h->record_size = (uint32_t)l->record_size;
    h->segment_size = l->segment_size;
    h->record_count = l->record_count;
    h->stats_size = sizeof(slab_shm_seg_stats);
    h->class_count = SLAB_SHM_CLASS_COUNT;
    h->epoch_count = SLAB_SHM_EPOCH_COUNT;
    h->hist_buckets = SLAB_SHM_HIST_BUCKETS;
    h->process_offset = l->process_offset;
    h->process_size = l->process_size;
    h->exited_offset = l->exited_offset;
    h->exited_size = l->exited_size;
    h->folded_offset = l->folded_offset;
    h->overflow_offset = l->overflow_offset;
    h->overflow_size = l->overflow_size;
    h->records_offset = l->records_offset;
}

/* ------------------------------------------------------------------ names */

const char *slab_shm_name_strip(const char *name)
{
    const size_t dlen = strlen(SLAB_SHM_DIR "/");

    if (strncmp(name, SLAB_SHM_DIR "/", dlen) == 0)
        name += dlen;
    if (name[0] == '/')
        name++;
    if (strncmp(name, SLAB_SHM_PREFIX, strlen(SLAB_SHM_PREFIX)) == 0)
        name += strlen(SLAB_SHM_PREFIX);
    return name;
}

bool slab_shm_name_valid(const char *name)
{
    size_t n = 0;

    if (!name)
        return false;
    for (; name[n]; n++) {
        char c = name[n];
        bool good = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                    (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
        if (!good || n >= SLAB_SHM_NAME_MAX)
            return false;
    }
    return n > 0 && strcmp(name, ".") != 0 && strcmp(name, "..") != 0;
}

void slab_shm_object_path(char *buf, size_t len, const char *name)
{
    snprintf(buf, len, "/" SLAB_SHM_PREFIX "%s", name);
}

void slab_shm_file_path(char *buf, size_t len, const char *name)
{
    snprintf(buf, len, SLAB_SHM_DIR "/" SLAB_SHM_PREFIX "%s", name);
}

void slab_shm_sanitize(char *s, size_t len)
{
    s[len - 1] = '\0';
    for (size_t i = 0; i < len && s[i]; i++)
        if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] == 0x7f)
            s[i] = '?';
}

/* ------------------------------------------------------------------ folding */

static uint64_t max_u64(uint64_t a, uint64_t b)
{
    return a > b ? a : b;
}

/* How two values of a field of each kind combine (slab_shm_format.h). */
#define FOLD_SUM(a, b)      ((a) + (b))
#define FOLD_MAX(a, b)      max_u64((a), (b))
#define FOLD_LAST(a, b)     ((b) ? (b) : (a))
#define FOLD_LATEST(a, b)   max_u64((a), (b))
/* ...and how the work since last adds to d: a count below its last value
 * was reset (the thread's statistics started again), so all of it is new. */
#define DELTA_SUM(d, n, l)    ((d) + ((n) >= (l) ? (n) - (l) : (n)))
#define DELTA_MAX(d, n, l)    max_u64((d), (n))
#define DELTA_LAST(d, n, l)   ((n) ? (n) : (d))
#define DELTA_LATEST(d, n, l) max_u64((d), (n))

void slab_shm_stats_fold(slab_thread_stats *a, const slab_thread_stats *b)
{
#define X(f, kind, help) a->seed.f = FOLD_##kind(a->seed.f, b->seed.f);
    SLAB_SHM_SEED_FIELDS(X)
#undef X
#define X(f, kind, help) a->f = FOLD_##kind(a->f, b->f);
    SLAB_SHM_THREAD_FIELDS(X)
    SLAB_SHM_SAMPLE_FIELDS(X)
    SLAB_SHM_LARGE_FIELDS(X)
#undef X
    for (unsigned i = 0; i < SLAB_HIST_BUCKETS; i++) {
        a->wall_hist[i] += b->wall_hist[i];
        a->cpu_hist[i] += b->cpu_hist[i];
    }
    for (unsigned i = 0; i < SLAB_HIST_BUCKETS; i++) {
        a->null_wall_hist[i] += b->null_wall_hist[i];
        a->null_cpu_hist[i] += b->null_cpu_hist[i];
    }
    for (unsigned g = 0; g < SLAB_TAIL_GROUPS; g++) {
        uint64_t *x = (uint64_t *)(void *)&a->tail[g];
        const uint64_t *y = (const uint64_t *)(const void *)&b->tail[g];
        for (size_t k = 0; k < sizeof(a->tail[g]) / 8; k++)
            x[k] += y[k];
    }
    for (unsigned i = 0; i < SLAB_HIST_BUCKETS; i++)
        a->repair_hist[i] += b->repair_hist[i];
    for (unsigned g = 0; g < SLAB_TAIL_GROUPS; g++) {
        a->repair_wall_ns[g] += b->repair_wall_ns[g];
        a->repair_cpu_ns[g] += b->repair_cpu_ns[g];
    }
}

void slab_shm_stats_fold_delta(slab_thread_stats *dst,
                               const slab_thread_stats *now,
                               const slab_thread_stats *last)
{
#define X(f, kind, help) \
    dst->seed.f = DELTA_##kind(dst->seed.f, now->seed.f, last->seed.f);
    SLAB_SHM_SEED_FIELDS(X)
#undef X
#define X(f, kind, help) dst->f = DELTA_##kind(dst->f, now->f, last->f);
    SLAB_SHM_THREAD_FIELDS(X)
    SLAB_SHM_SAMPLE_FIELDS(X)
    SLAB_SHM_LARGE_FIELDS(X)
#undef X
    for (unsigned i = 0; i < SLAB_HIST_BUCKETS; i++) {
        dst->null_wall_hist[i] = DELTA_SUM(dst->null_wall_hist[i], now->null_wall_hist[i],
                                           last->null_wall_hist[i]);
        dst->null_cpu_hist[i] = DELTA_SUM(dst->null_cpu_hist[i], now->null_cpu_hist[i],
                                          last->null_cpu_hist[i]);
    }
    for (unsigned g = 0; g < SLAB_TAIL_GROUPS; g++) {
        uint64_t *d = (uint64_t *)(void *)&dst->tail[g];
        const uint64_t *n = (const uint64_t *)(const void *)&now->tail[g];
        const uint64_t *l = (const uint64_t *)(const void *)&last->tail[g];
        for (size_t k = 0; k < sizeof(dst->tail[g]) / 8; k++)
            d[k] = DELTA_SUM(d[k], n[k], l[k]);
    }
    for (unsigned i = 0; i < SLAB_HIST_BUCKETS; i++) {
        dst->wall_hist[i] = DELTA_SUM(dst->wall_hist[i], now->wall_hist[i],
                                      last->wall_hist[i]);
        dst->cpu_hist[i] = DELTA_SUM(dst->cpu_hist[i], now->cpu_hist[i],
                                     last->cpu_hist[i]);
        dst->repair_hist[i] = DELTA_SUM(dst->repair_hist[i], now->repair_hist[i],
                                        last->repair_hist[i]);
    }
    for (unsigned g = 0; g < SLAB_TAIL_GROUPS; g++) {
        dst->repair_wall_ns[g] = DELTA_SUM(dst->repair_wall_ns[g], now->repair_wall_ns[g],
                                           last->repair_wall_ns[g]);
        dst->repair_cpu_ns[g] = DELTA_SUM(dst->repair_cpu_ns[g], now->repair_cpu_ns[g],
                                          last->repair_cpu_ns[g]);
    }
}

/* ------------------------------------------------------------------ copies */

/* The segment's thread record and the API's slab_thread_stats name their
 * fields alike: one body copies either way, from s to d (the parameters
 * of both functions). */
#define COPY_SEED_FIELD(f, kind, help) d->seed.f = s->seed.f;
#define COPY_FIELD(f, kind, help) d->f = s->f;
#define COPY_STATS                                                              \
    SLAB_SHM_SEED_FIELDS(COPY_SEED_FIELD)                                       \
    SLAB_SHM_THREAD_FIELDS(COPY_FIELD)                                          \
    SLAB_SHM_SAMPLE_FIELDS(COPY_FIELD)                                          \
    SLAB_SHM_LARGE_FIELDS(COPY_FIELD)                                           \
    memcpy(d->wall_hist, s->wall_hist, sizeof(d->wall_hist));                   \
    memcpy(d->cpu_hist, s->cpu_hist, sizeof(d->cpu_hist));                      \
    for (unsigned g = 0; g < SLAB_TAIL_GROUPS; g++) {                           \
        d->tail[g].wall_ns = s->tail[g].wall_ns;                                \
        d->tail[g].runq_ns = s->tail[g].runq_ns;                                \
        d->tail[g].blocked_ns = s->tail[g].blocked_ns;                          \
        d->tail[g].other_ns = s->tail[g].other_ns;                              \
        memcpy(d->tail[g].work_ns, s->tail[g].work_ns, sizeof(d->tail[g].work_ns)); \
    }                                                                           \
    memcpy(d->null_wall_hist, s->null_wall_hist, sizeof(d->null_wall_hist));    \
    memcpy(d->null_cpu_hist, s->null_cpu_hist, sizeof(d->null_cpu_hist));      \
    memcpy(d->repair_hist, s->repair_hist, sizeof(d->repair_hist));             \
    memcpy(d->repair_wall_ns, s->repair_wall_ns, sizeof(d->repair_wall_ns));    \
    memcpy(d->repair_cpu_ns, s->repair_cpu_ns, sizeof(d->repair_cpu_ns));

void slab_shm_stats_to_seg(slab_shm_seg_stats *d, const slab_thread_stats *s)
{
    COPY_STATS
}

void slab_shm_stats_from_seg(slab_thread_stats *d, const slab_shm_seg_stats *s)
{
    COPY_STATS
}

void slab_shm_class_to_seg(slab_shm_seg_class *d, const PerfCounters *s)
{
    SLAB_SHM_CLASS_FIELDS(COPY_FIELD)
}

void slab_shm_class_from_seg(PerfCounters *d, const slab_shm_seg_class *s)
{
    SLAB_SHM_CLASS_FIELDS(COPY_FIELD)
}

SLAB_API void slab_shm_stats_add(slab_thread_stats *a, const slab_thread_stats *b)
{
    if (a && b)
        slab_shm_stats_fold(a, b);
}

/* ------------------------------------------------------------------ clocks */

static uint64_t clock_ns(clockid_t id)
{
    struct timespec ts;

    if (clock_gettime(id, &ts) != 0)
        return 0;
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t slab_shm_mono_ns(void)
{
    return clock_ns(CLOCK_MONOTONIC);
}

uint64_t slab_shm_real_ns(void)
{
    return clock_ns(CLOCK_REALTIME);
}

/* ------------------------------------------------------------------ /proc */

/* Read a small file into buf (NUL-terminated); bytes read, or -1. */
static ssize_t read_small(const char *path, char *buf, size_t len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t n;

    if (fd < 0)
        return -1;
    do
        n = read(fd, buf, len - 1);
    while (n < 0 && errno == EINTR);
    int saved = errno;
    close(fd);
    errno = saved;
    if (n < 0)
        return -1;
    buf[n] = '\0';
    return n;
}

int slab_shm_proc_stat(pid_t pid, uint64_t *start_time, char *state)
{
    char path[64], buf[1024];
    char *p, *end;

    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    if (read_small(path, buf, sizeof(buf)) < 0)
        return -1;
    /* "pid (comm) S f4 ... f22": comm may hold spaces and parentheses, so
     * the fields start after the last ')'. */
    p = strrchr(buf, ')');
    if (!p || p[1] != ' ' || !p[2]) {
        errno = EPROTO;
        return -1;
    }
    p += 2;
    if (state)
        *state = *p;
    /* p is at field 3; field 22 is 19 fields on. */
    for (int field = 3; field < 22; field++) {
        p = strchr(p, ' ');
        if (!p) {
            errno = EPROTO;
            return -1;
        }
        p++;
    }
    errno = 0;
    unsigned long long v = strtoull(p, &end, 10);
    if (end == p || errno) {
        errno = EPROTO;
        return -1;
    }
    *start_time = v;
    return 0;
}

/* The first line of a small /proc file into out[len], NUL-padded and cut
 * to len - 1 bytes; out is all zero when the file cannot be read. */
static int read_first_line(const char *path, char *out, size_t len)
{
    char buf[64];
    ssize_t n = read_small(path, buf, sizeof(buf));

    memset(out, 0, len);
    if (n < 0)
        return -1;
    buf[strcspn(buf, "\n")] = '\0';
    buf[len - 1] = '\0';
    memcpy(out, buf, strlen(buf) + 1);
    return 0;
}

_Static_assert(SLAB_SHM_BOOT_ID_LEN < 64 && SLAB_SHM_COMM_LEN < 64,
               "read_first_line's buffer holds both");

int slab_shm_boot_id(char *out)
{
    return read_first_line("/proc/sys/kernel/random/boot_id", out, SLAB_SHM_BOOT_ID_LEN);
}

int slab_shm_self_comm(char *out)
{
    return read_first_line("/proc/self/comm", out, SLAB_SHM_COMM_LEN);
}

/* The boot id does not change while this process runs: read it once. */
static pthread_once_t boot_once = PTHREAD_ONCE_INIT;
static char boot_now[SLAB_SHM_BOOT_ID_LEN];

static void read_boot_now(void)
{
    if (slab_shm_boot_id(boot_now) != 0)
        boot_now[0] = '\0';
}

uint32_t slab_shm_pid_ns(void)
{
    /* A process never changes its own pid namespace (setns() and unshare()
     * move only its children), and a fork()ed child stays in it: read
     * once.  0: not known yet, UINT32_MAX: unreadable. */
    static _Atomic uint32_t cached;
    uint32_t ns = atomic_load_explicit(&cached, memory_order_relaxed);
    struct stat st;

    if (ns == 0) {
        ns = stat("/proc/self/ns/pid", &st) == 0 && st.st_ino != 0 &&
             st.st_ino < UINT32_MAX ? (uint32_t)st.st_ino : UINT32_MAX;
        atomic_store_explicit(&cached, ns, memory_order_relaxed);
    }
    return ns == UINT32_MAX ? 0 : ns;
}

bool slab_shm_same_pid_ns(uint32_t pid_ns)
{
    return pid_ns == 0 || pid_ns == slab_shm_pid_ns();
}

slab_shm_owner slab_shm_owner_check(int32_t pid, uint64_t start_time,
                                    const char *boot_id)
{
    uint64_t st;
    char state = '?';

    if (pid <= 0)
        return SLAB_SHM_OWNER_DEAD;
    pthread_once(&boot_once, read_boot_now);
    if (boot_id[0] && boot_now[0] &&
        strncmp(boot_now, boot_id, SLAB_SHM_BOOT_ID_LEN) != 0)
        return SLAB_SHM_OWNER_OTHER_BOOT;
    if (slab_shm_proc_stat(pid, &st, &state) == 0) {
        if (state == 'Z' || state == 'X' || state == 'x')
            return SLAB_SHM_OWNER_DEAD;
        return st == start_time ? SLAB_SHM_OWNER_ALIVE : SLAB_SHM_OWNER_REUSED;
    }
    if (errno == ENOENT || errno == ESRCH)
        return SLAB_SHM_OWNER_DEAD;
    /* /proc hidden or unreadable: fall back on the pid alone. */
    if (kill(pid, 0) != 0 && errno == ESRCH)
        return SLAB_SHM_OWNER_DEAD;
    return SLAB_SHM_OWNER_UNKNOWN;
}

/* ------------------------------------------------------------------ errors */

slab_shm_error slab_shm_fail(slab_shm_errinfo *err, slab_shm_error code,
                             int sys_errno, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        err->code = code;
        err->sys_errno = sys_errno;
        va_start(ap, fmt);
        vsnprintf(err->message, sizeof(err->message), fmt, ap);
        va_end(ap);
    }
    return code;
}

SLAB_API const char *slab_shm_strerror(slab_shm_error code)
{
    switch (code) {
    case SLAB_SHM_OK:            return "success";
    case SLAB_SHM_ERR_INVALID:   return "invalid argument";
    case SLAB_SHM_ERR_NOT_FOUND: return "no such libslab segment";
    case SLAB_SHM_ERR_PERMISSION: return "permission denied";
    case SLAB_SHM_ERR_EMPTY:     return "segment is empty";
    case SLAB_SHM_ERR_TRUNCATED: return "segment is truncated";
    case SLAB_SHM_ERR_NOT_LIBSLAB: return "not a libslab segment";
    case SLAB_SHM_ERR_VERSION:   return "unsupported segment format version";
    case SLAB_SHM_ERR_LAYOUT:    return "segment has a size, offset or field out of range";
    case SLAB_SHM_ERR_BAD_COUNT: return "segment has an absurd count";
    case SLAB_SHM_ERR_STRING:    return "segment has an unterminated or invalid string";
    case SLAB_SHM_ERR_NOT_READY: return "segment is still being created";
    case SLAB_SHM_ERR_BUSY:      return "segment stayed busy; try again";
    case SLAB_SHM_ERR_EXITED:    return "owner process exited";
    case SLAB_SHM_ERR_STALE:     return "owner process is dead";
    case SLAB_SHM_ERR_NO_MEMORY: return "out of memory";
    case SLAB_SHM_ERR_SYSTEM:    return "system error";
    case SLAB_SHM_ERR_NUM:       break;
    }
    return "unknown error";
}

SLAB_API const char *slab_shm_state_name(slab_shm_state state)
{
    switch (state) {
    case SLAB_SHM_ALIVE:            return "alive";
    case SLAB_SHM_EXITED:           return "exited";
    case SLAB_SHM_STALE:            return "stale";
    case SLAB_SHM_BUSY:             return "busy";
    case SLAB_SHM_VERSION_MISMATCH: return "version-mismatch";
    case SLAB_SHM_DENIED:           return "denied";
    case SLAB_SHM_NOT_SLAB:         return "not-libslab";
    case SLAB_SHM_UNTRUSTED:        return "untrusted";
    case SLAB_SHM_UNKNOWN:          return "unknown";
    case SLAB_SHM_STATE_NUM:        break;
    }
    return "unknown";
}

/* ------------------------------------------------------------------ header */

/* Is [off, off + size) inside [0, seg) and off aligned to 8? */
static bool span_ok(uint64_t off, uint64_t size, uint64_t seg)
{
    return off % 8 == 0 && off <= seg && size <= seg - off;
}

static bool terminated(const char *s, size_t len)
{
    return memchr(s, '\0', len) != NULL;
}

slab_shm_error slab_shm_header_check(const slab_shm_seg_header *h,
                                     uint64_t file_size, const char *what,
                                     slab_shm_errinfo *err)
{
    const uint64_t need_stats = SLAB_SHM_STATS_SIZE_1_0;   /* 1.0 and later */
    const uint64_t seg = h->segment_size;
    const unsigned long long fsz = (unsigned long long)file_size;

    if (file_size == 0)
        return slab_shm_fail(err, SLAB_SHM_ERR_EMPTY, 0,
            "%s is empty (0 bytes): its creator died before sizing it or it "
            "is not a libslab segment; remove it if no process owns it", what);
    /* Its creator sizes the object before it writes the header, magic
     * first and the ready word last: a header still all zero is a segment
     * being created, not a foreign one. */
    if (file_size >= sizeof(*h) && h->magic == 0 && h->ready == 0)
        return slab_shm_fail(err, SLAB_SHM_ERR_NOT_READY, 0,
            "%s is still being created (its header is blank); try again, or "
            "remove it if no process owns it", what);
    if (file_size < sizeof(h->magic) || h->magic != SLAB_SHM_MAGIC)
        return slab_shm_fail(err, SLAB_SHM_ERR_NOT_LIBSLAB, 0,
            "%s is not a libslab segment (bad magic number); check the name",
            what);
    if (file_size < offsetof(slab_shm_seg_header, pid))
        return slab_shm_fail(err, SLAB_SHM_ERR_TRUNCATED, 0,
            "%s is truncated: %llu bytes, too short for its header", what, fsz);
    if (h->abi_major != SLAB_SHM_ABI_MAJOR)
        return slab_shm_fail(err, SLAB_SHM_ERR_VERSION, 0,
            "%s has segment format %u.%u but this libslab reads %u.x; use "
            "the slabtop of the libslab version that created it",
            what, h->abi_major, h->abi_minor, SLAB_SHM_ABI_MAJOR);
    if (h->ready == 0)
        return slab_shm_fail(err, SLAB_SHM_ERR_NOT_READY, 0,
            "%s is still being created (not ready); try again", what);
    if (h->ready != SLAB_SHM_READY(h->abi_major, h->abi_minor))
        return slab_shm_fail(err, SLAB_SHM_ERR_LAYOUT, 0,
            "%s has a bad ready word 0x%llx; the segment is corrupt",
            what, (unsigned long long)h->ready);
    if (file_size < sizeof(*h))
        return slab_shm_fail(err, SLAB_SHM_ERR_TRUNCATED, 0,
            "%s is truncated: %llu bytes, its header needs %zu",
            what, fsz, sizeof(*h));
    if (h->header_size < sizeof(*h) || h->header_size % 8)
        return slab_shm_fail(err, SLAB_SHM_ERR_LAYOUT, 0,
            "%s has header_size %u, expected at least %zu; the segment is corrupt",
            what, h->header_size, sizeof(*h));
    if (seg > file_size)
        return slab_shm_fail(err, SLAB_SHM_ERR_TRUNCATED, 0,
            "%s is truncated: its header says %llu bytes but the object has "
            "%llu", what, (unsigned long long)seg, fsz);
    if (seg < h->header_size)
        return slab_shm_fail(err, SLAB_SHM_ERR_LAYOUT, 0,
            "%s has segment_size %llu smaller than its header (%u bytes)",
            what, (unsigned long long)seg, h->header_size);
    if (h->class_count != SLAB_SHM_CLASS_COUNT ||
        h->epoch_count != SLAB_SHM_EPOCH_COUNT ||
        h->hist_buckets != SLAB_SHM_HIST_BUCKETS)
        return slab_shm_fail(err, SLAB_SHM_ERR_BAD_COUNT, 0,
            "%s has %u size classes, %u epochs and %u histogram buckets; "
            "format %u.x has %u, %u and %u", what, h->class_count,
            h->epoch_count, h->hist_buckets, SLAB_SHM_ABI_MAJOR,
            SLAB_SHM_CLASS_COUNT, SLAB_SHM_EPOCH_COUNT, SLAB_SHM_HIST_BUCKETS);
    if (h->stats_size < need_stats || h->stats_size % 8 || h->stats_size > seg)
        return slab_shm_fail(err, SLAB_SHM_ERR_LAYOUT, 0,
            "%s has stats_size %u, expected a multiple of 8 from %llu to "
            "the segment's %llu bytes; the segment is corrupt", what,
            h->stats_size, (unsigned long long)need_stats,
            (unsigned long long)seg);
    if (!span_ok(h->process_offset, h->process_size, seg) ||
        h->process_size < SLAB_SHM_PROCESS_SIZE_1_0)
        return slab_shm_fail(err, SLAB_SHM_ERR_LAYOUT, 0,
            "%s has its process section (offset %llu, %llu bytes) outside its "
            "%llu bytes", what, (unsigned long long)h->process_offset,
            (unsigned long long)h->process_size, (unsigned long long)seg);
    if (!span_ok(h->exited_offset, h->exited_size, seg) ||
        h->exited_size < 64 + (uint64_t)h->stats_size)
        return slab_shm_fail(err, SLAB_SHM_ERR_LAYOUT, 0,
            "%s has its exited-thread section (offset %llu, %llu bytes) "
            "outside its %llu bytes", what,
            (unsigned long long)h->exited_offset,
            (unsigned long long)h->exited_size, (unsigned long long)seg);
    if (!span_ok(h->overflow_offset, h->overflow_size, seg) ||
        h->overflow_size < 64 + (uint64_t)h->stats_size)
        return slab_shm_fail(err, SLAB_SHM_ERR_LAYOUT, 0,
            "%s has its overflow record (offset %llu, %llu bytes) outside its "
            "%llu bytes", what, (unsigned long long)h->overflow_offset,
            (unsigned long long)h->overflow_size, (unsigned long long)seg);
    if (h->record_size < 64 + (uint64_t)h->stats_size || h->record_size % 8 ||
        !span_ok(h->records_offset, 0, seg))
        return slab_shm_fail(err, SLAB_SHM_ERR_LAYOUT, 0,
            "%s has thread records of %u bytes at offset %llu, outside its "
            "%llu bytes", what, h->record_size,
            (unsigned long long)h->records_offset, (unsigned long long)seg);
    if (h->record_count > SLAB_SHM_RECORDS_LIMIT ||
        h->record_count > (seg - h->records_offset) / h->record_size)
        return slab_shm_fail(err, SLAB_SHM_ERR_BAD_COUNT, 0,
            "%s claims %u thread records but has room for %llu; the segment "
            "is corrupt", what, h->record_count,
            (unsigned long long)((seg - h->records_offset) / h->record_size));
    if (!span_ok(h->folded_offset, (uint64_t)h->record_count * 8, seg))
        return slab_shm_fail(err, SLAB_SHM_ERR_LAYOUT, 0,
            "%s has its fold table (offset %llu, %u entries) outside its "
            "%llu bytes", what, (unsigned long long)h->folded_offset,
            h->record_count, (unsigned long long)seg);
    if (!terminated(h->name, sizeof(h->name)) || !slab_shm_name_valid(h->name))
        return slab_shm_fail(err, SLAB_SHM_ERR_STRING, 0,
            "%s has an unterminated or invalid name field; the segment is "
            "corrupt", what);
    if (!terminated(h->comm, sizeof(h->comm)))
        return slab_shm_fail(err, SLAB_SHM_ERR_STRING, 0,
            "%s has an unterminated command name; the segment is corrupt", what);
    if (!terminated(h->boot_id, sizeof(h->boot_id)))
        return slab_shm_fail(err, SLAB_SHM_ERR_STRING, 0,
            "%s has an unterminated boot id; the segment is corrupt", what);
    if (h->pid <= 0)
        return slab_shm_fail(err, SLAB_SHM_ERR_LAYOUT, 0,
            "%s names pid %d as its owner; the segment is corrupt",
            what, (int)h->pid);
    return SLAB_SHM_OK;
}
