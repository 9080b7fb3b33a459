/*
 * slab_shm.h - the libslab shared-memory statistics segment: its format, the
 * calls a program uses to publish, and the reader API for monitors.
 *
 * A process that uses libslab publishes its statistics into one POSIX
 * shared-memory object, "/slab.NAME" (/dev/shm/slab.NAME on Linux).  NAME is
 * the pid unless SLAB_SHM_NAME or slab_shm_publish() says otherwise;
 * SLAB_SHM=0 turns publishing off, SLAB_SHM_MODE sets the permissions (0600
 * by default) and SLAB_SHM_THREADS the number of per-thread records (256).
 * The segment is created exclusively, sized once, removed at normal process
 * exit and left behind by a crash.  libslab-shm(5) describes the layout and
 * the read protocol in full.
 *
 * Readers (slabtop, or any tool) use only the functions below:
 *
 *     slab_shm_reader *r;
 *     slab_shm_errinfo e;
 *     if (slab_shm_attach("1234", &r, &e) != SLAB_SHM_OK) {
 *         fprintf(stderr, "%s\n", e.message);    // names the thing and the fix
 *         return 1;
 *     }
 *     slab_shm_snapshot *s = NULL;
 *     if (slab_shm_snapshot_take(r, &s, &e) == SLAB_SHM_OK)
 *         ... s->threads[i].stats, s->exited.stats, s->classes[c] ...
 *     slab_shm_snapshot_free(s);
 *     slab_shm_detach(r);
 *
 * Which calls may run concurrently:
 *
 *   - the writer-side calls (slab_shm_publish, slab_shm_name,
 *     slab_shm_set_label, slab_shm_unpublish) from any thread;
 *   - a slab_shm_reader may be used by one thread at a time; different
 *     readers (in one process or many) are independent, and nothing a reader
 *     does ever blocks or slows the writing process;
 *   - slab_shm_list, slab_shm_gc and slab_shm_strerror from any thread.
 *
 * The structures named slab_shm_seg_* are the segment's layout, for
 * documentation and for readers in other languages; the reader API copies
 * everything out of the segment into the plain slab_shm_* structures, so a
 * C tool never reads the mapping itself.
 */
#ifndef SLAB_SHM_H
#define SLAB_SHM_H

#include <stddef.h>
#include <stdint.h>
#include "slab_alloc.h"
#include "slab_stats.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ names */

/* Longest NAME (bytes, without the terminating NUL).  A NAME is 1..63 of
 * the characters A-Z a-z 0-9 . _ - and is neither "." nor "..". */
#define SLAB_SHM_NAME_MAX    63u
#define SLAB_SHM_PREFIX      "slab."         /* object "/slab.NAME" */
#define SLAB_SHM_DIR         "/dev/shm"      /* where list and gc look */

/* ------------------------------------------------------------------ writer */

/* Start publishing now, under name (NULL: SLAB_SHM_NAME, else the pid),
 * before or after any allocator exists.  Returns 0, or -1 with errno:
 * EALREADY (already publishing, under another name), EINVAL (bad name),
 * EEXIST (a live process owns that name), ECANCELED (SLAB_SHM=0), or what
 * shm_open/ftruncate/mmap returned.  Publishing under the name already in
 * use returns 0. */
int slab_shm_publish(const char *name);

/* The NAME being published ("1234"), or NULL when not publishing.  The
 * string stays valid until slab_shm_unpublish() or exit. */
const char *slab_shm_name(void);

/* Publish a short free-text label (truncated to SLAB_SHM_LABEL_MAX bytes;
 * NULL clears it), for example the phase a workload is in.  Returns 0, or
 * -1 with errno ENOENT when not publishing. */
int slab_shm_set_label(const char *label);

/* Stop publishing: mark the segment closed and remove its name.  Done
 * automatically at normal process exit; freeing the last allocator does not
 * unlink (the statistics of exited threads and freed allocators stay
 * visible until the process ends). */
void slab_shm_unpublish(void);

/* ------------------------------------------------------------------ format */

#define SLAB_SHM_MAGIC       UINT64_C(0x004d48534241534c) /* "LSABSHM\0" */
#define SLAB_SHM_ABI_MAJOR   1u      /* incompatible layout change */
#define SLAB_SHM_ABI_MINOR   0u      /* fields appended; readers ignore them */
/* The header's ready word once the writer has filled every section. */
#define SLAB_SHM_READY(major, minor) \
    ((UINT64_C(0x52454144) << 32) | ((uint64_t)(major) << 16) | (uint64_t)(minor))

#define SLAB_SHM_BOOT_ID_LEN 48u     /* 36 characters + NUL, padded */
#define SLAB_SHM_COMM_LEN    32u     /* /proc/PID/comm is at most 15 */
#define SLAB_SHM_THREAD_NAME_LEN 16u
#define SLAB_SHM_LABEL_LEN   64u
#define SLAB_SHM_LABEL_MAX   (SLAB_SHM_LABEL_LEN - 1u)

/* Header flags (slab_shm_seg_header.flags). */
#define SLAB_SHM_FLAG_CLOSED 1u      /* owner unpublished: normal exit */

/* Thread record states. */
#define SLAB_SHM_REC_FREE    0u      /* no thread; not counted */
#define SLAB_SHM_REC_LIVE    1u      /* a thread owns it */

/*
 * Offset 0 of the segment.  Every offset is from the start of the segment;
 * every section starts on a 64-byte boundary.  Fields up to "ready" are
 * written once before "ready" is stored (release); "flags" changes at exit.
 */
typedef struct slab_shm_seg_header {
    uint64_t magic;             /*   0 SLAB_SHM_MAGIC */
    uint32_t abi_major;         /*   8 */
    uint32_t abi_minor;         /*  12 */
    uint32_t header_size;       /*  16 sizeof(slab_shm_seg_header) */
    uint32_t record_size;       /*  20 stride of the thread records */
    uint64_t segment_size;      /*  24 bytes of the whole segment */
    uint32_t record_count;      /*  32 thread records */
    uint32_t stats_size;        /*  36 sizeof(slab_thread_stats) */
    uint32_t class_count;       /*  40 SLAB_NUM_CLASSES */
    uint32_t epoch_count;       /*  44 SLAB_EPOCH_COUNT */
    uint32_t hist_buckets;      /*  48 SLAB_HIST_BUCKETS */
    uint32_t flags;             /*  52 SLAB_SHM_FLAG_* */
    uint64_t process_offset;    /*  56 slab_shm_seg_process */
    uint64_t process_size;      /*  64 */
    uint64_t exited_offset;     /*  72 slab_shm_seg_exited */
    uint64_t exited_size;       /*  80 */
    uint64_t folded_offset;     /*  88 uint64_t[record_count] */
    uint64_t overflow_offset;   /*  96 slab_shm_seg_overflow */
    uint64_t overflow_size;     /* 104 */
    uint64_t records_offset;    /* 112 slab_shm_seg_record[record_count] */
    uint64_t ready;             /* 120 SLAB_SHM_READY(major, minor), last */
    /* process identity */
    int32_t pid;                /* 128 */
    uint32_t uid;               /* 132 effective uid of the owner */
    uint64_t start_time;        /* 136 /proc/PID/stat field 22 (clock ticks) */
    uint64_t created_real_ns;   /* 144 CLOCK_REALTIME at creation */
    uint64_t created_mono_ns;   /* 152 CLOCK_MONOTONIC at creation */
    uint32_t clock_ticks;       /* 160 sysconf(_SC_CLK_TCK) */
    uint32_t reserved0;         /* 164 */
    char boot_id[SLAB_SHM_BOOT_ID_LEN]; /* 168 NUL-terminated */
    char comm[SLAB_SHM_COMM_LEN];       /* 216 NUL-terminated */
    char name[SLAB_SHM_NAME_MAX + 1];   /* 248 NAME, NUL-terminated */
    uint64_t reserved1[3];      /* 312 */
} slab_shm_seg_header;          /* 336 */

/* Per size-class counters; the same fields as PerfCounters. */
typedef struct slab_shm_seg_epoch {
    uint32_t state;             /* 0 unused, 1 open, 2 closed */
    uint32_t current;           /* 1 for the current epoch */
    uint64_t era;               /* times this ring slot was opened */
    uint64_t live_slabs;
} slab_shm_seg_epoch;           /* 24 */

typedef struct slab_shm_memory {
    uint64_t allocators;        /* live allocators */
    uint64_t allocators_created;
    uint64_t mapped_bytes;      /* address space reserved for slabs */
    uint64_t resident_bytes;    /* slab memory not returned to the OS */
    uint64_t epoch_advances;
    uint64_t epoch_closes;
    uint64_t reserved[2];
} slab_shm_memory;              /* 64 */

/* The process-wide section, under its own seqlock (seq); written by one
 * thread at a time (a process-local lock), at most every refresh period. */
typedef struct slab_shm_seg_process {
    uint64_t seq;               /*    0 seqlock sequence, odd while writing */
    uint64_t heartbeat_mono_ns; /*    8 writer's CLOCK_MONOTONIC */
    uint64_t heartbeat_real_ns; /*   16 writer's CLOCK_REALTIME */
    uint64_t refreshes;         /*   24 */
    uint32_t sample_rate;       /*   32 slab_sample_config */
    uint32_t sample_mode;       /*   36 */
    uint32_t sample_budget_ppm; /*   40 */
    uint32_t reserved0;         /*   44 */
    uint64_t floor_wall_ns;     /*   48 measurement floor */
    uint64_t floor_cpu_ns;      /*   56 */
    char label[SLAB_SHM_LABEL_LEN];     /*   64 NUL-terminated */
    slab_shm_memory memory;     /*  128 */
    PerfCounters classes[SLAB_NUM_CLASSES];            /*  192 */
    slab_shm_seg_epoch epochs[SLAB_EPOCH_COUNT];       /* 1024 */
} slab_shm_seg_process;         /* 1408 */

/* Totals of exited threads, under its own seqlock, with the array
 * folded[record_count] at folded_offset: folded[i] is the highest
 * generation of record i whose final numbers are in "stats". */
typedef struct slab_shm_seg_exited {
    uint64_t seq;               /*  0 */
    uint64_t threads;           /*  8 threads folded in */
    uint64_t update_mono_ns;    /* 16 */
    uint64_t reserved[5];       /* 24 */
    slab_thread_stats stats;    /* 64 sums; *_max fields are maxima */
} slab_shm_seg_exited;

/* The overflow record: every thread that found no free record adds what it
 * did since its last flush; it keeps all such threads' work, live or
 * exited. */
typedef struct slab_shm_seg_overflow {
    uint64_t seq;               /*  0 */
    uint64_t threads;           /*  8 threads that ever used it */
    uint64_t live_threads;      /* 16 of those, still running */
    uint64_t update_mono_ns;    /* 24 */
    uint64_t reserved[4];       /* 32 */
    slab_thread_stats stats;    /* 64 */
} slab_shm_seg_overflow;

/* One per-thread record; exactly one writer, the thread that owns it. */
typedef struct slab_shm_seg_record {
    uint64_t seq;               /*  0 */
    uint64_t gen;               /*  8 occupancy generation, from 1 */
    uint32_t state;             /* 16 SLAB_SHM_REC_* */
    int32_t tid;                /* 20 */
    uint64_t update_mono_ns;    /* 24 writer's CLOCK_MONOTONIC at the flush */
    uint64_t flushes;           /* 32 */
    char name[SLAB_SHM_THREAD_NAME_LEN]; /* 40 /proc/thread-self/comm */
    uint64_t reserved[1];       /* 56 */
    slab_thread_stats stats;    /* 64 */
} slab_shm_seg_record;

/* ------------------------------------------------------------------ reader */

/* Errors of the reader API.  slab_shm_strerror() gives a one-line
 * description; slab_shm_errinfo.message says which segment, what was found
 * and what to do. */
typedef enum slab_shm_error {
    SLAB_SHM_OK = 0,
    SLAB_SHM_ERR_INVALID,       /* bad argument (NULL, bad NAME, bad pid) */
    SLAB_SHM_ERR_NOT_FOUND,     /* no segment under that name or pid */
    SLAB_SHM_ERR_PERMISSION,    /* not allowed to open it */
    SLAB_SHM_ERR_EMPTY,         /* the object has size 0 */
    SLAB_SHM_ERR_TRUNCATED,     /* smaller than its header says */
    SLAB_SHM_ERR_NOT_LIBSLAB,   /* wrong magic: not a libslab segment */
    SLAB_SHM_ERR_VERSION,       /* ABI major version not supported */
    SLAB_SHM_ERR_LAYOUT,        /* a size, offset or field out of range */
    SLAB_SHM_ERR_BAD_COUNT,     /* an absurd count */
    SLAB_SHM_ERR_STRING,        /* an unterminated or invalid string */
    SLAB_SHM_ERR_NOT_READY,     /* the writer has not finished creating it */
    SLAB_SHM_ERR_BUSY,          /* a section stayed mid-write; try again */
    SLAB_SHM_ERR_EXITED,        /* the owner exited (segment removed) */
    SLAB_SHM_ERR_STALE,         /* the owner died, or its pid was reused */
    SLAB_SHM_ERR_NO_MEMORY,
    SLAB_SHM_ERR_SYSTEM,        /* another system error (errinfo.sys_errno) */
    SLAB_SHM_ERR_NUM            /* number of codes, not an error */
} slab_shm_error;

typedef struct slab_shm_errinfo {
    slab_shm_error code;
    int sys_errno;              /* errno of the failing call, or 0 */
    char message[256];          /* e.g. "permission denied opening /slab.1234
                                   (owner uid 1000); run as that user" */
} slab_shm_errinfo;

/* A static one-line description of code; never NULL. */
const char *slab_shm_strerror(slab_shm_error code);

/* Liveness of a segment's owner. */
typedef enum slab_shm_state {
    SLAB_SHM_ALIVE = 0,         /* owner runs (pid and start time match) */
    SLAB_SHM_EXITED,            /* owner unpublished (normal exit) */
    SLAB_SHM_STALE,             /* owner dead, pid reused, or other boot */
    SLAB_SHM_BUSY,              /* header not ready yet */
    SLAB_SHM_VERSION_MISMATCH,  /* libslab segment of another ABI major */
    SLAB_SHM_DENIED,            /* permission denied */
    SLAB_SHM_NOT_SLAB,          /* not a (valid) libslab segment */
    SLAB_SHM_STATE_NUM
} slab_shm_state;

const char *slab_shm_state_name(slab_shm_state state);   /* "alive", ... */

typedef struct slab_shm_reader slab_shm_reader;

/* Attach to "/slab.NAME" (NAME may also be given as "/slab.NAME",
 * "slab.NAME" or "/dev/shm/slab.NAME").
 * Opens read-only, maps PROT_READ and validates the header; a segment whose
 * owner is dead can still be attached (its state then says so).  On
 * success *out is the reader; on failure *out is NULL and *err (if not
 * NULL) explains. */
slab_shm_error slab_shm_attach(const char *name, slab_shm_reader **out,
                               slab_shm_errinfo *err);

/* Attach to the segment of process pid: "/slab.PID" first, else the
 * segment in SLAB_SHM_DIR whose header names pid as its owner (the live
 * one, if several). */
slab_shm_error slab_shm_attach_pid(int32_t pid, slab_shm_reader **out,
                                   slab_shm_errinfo *err);

/* Unmap and close; NULL is a no-op. */
void slab_shm_detach(slab_shm_reader *r);

/* Validate the whole segment again (sizes against the file as it is now,
 * header fields, strings).  SLAB_SHM_OK or the specific error. */
slab_shm_error slab_shm_validate(slab_shm_reader *r, slab_shm_errinfo *err);

/* The owner's liveness now: checks that the name still refers to this
 * segment, the closed flag, the pid, its start time and the boot id. */
slab_shm_state slab_shm_reader_state(slab_shm_reader *r);

/* The attached NAME (without "/slab."). */
const char *slab_shm_reader_name(const slab_shm_reader *r);

/* Process identity, as copied and validated at attach time. */
typedef struct slab_shm_identity {
    char name[SLAB_SHM_NAME_MAX + 1];
    int32_t pid;
    uint32_t uid;               /* owner uid (from the header) */
    uint32_t file_uid;          /* uid owning the shm object */
    uint32_t file_mode;         /* its permission bits */
    uint32_t abi_major;
    uint32_t abi_minor;
    uint64_t start_time;        /* clock ticks after boot */
    uint32_t clock_ticks;       /* ticks per second */
    uint32_t record_count;
    uint64_t created_real_ns;
    uint64_t created_mono_ns;
    uint64_t segment_size;
    char boot_id[SLAB_SHM_BOOT_ID_LEN];
    char comm[SLAB_SHM_COMM_LEN];
} slab_shm_identity;

void slab_shm_reader_identity(const slab_shm_reader *r, slab_shm_identity *out);

typedef struct slab_shm_epoch {
    uint32_t state;             /* 0 unused, 1 open, 2 closed */
    uint32_t current;
    uint64_t era;
    uint64_t live_slabs;
} slab_shm_epoch;

/* One thread record as a snapshot saw it. */
typedef struct slab_shm_thread {
    uint32_t slot;              /* record index */
    uint32_t state;             /* SLAB_SHM_REC_LIVE */
    int busy;                   /* nonzero: mid-write on every retry; the
                                   other fields except slot are zero */
    int32_t tid;
    uint64_t gen;
    uint64_t update_mono_ns;    /* writer's clock at its last flush */
    uint64_t flushes;
    char name[SLAB_SHM_THREAD_NAME_LEN + 1];
    slab_thread_stats stats;
} slab_shm_thread;

typedef struct slab_shm_snapshot {
    slab_shm_identity id;
    slab_shm_state state;       /* liveness when the snapshot was taken */
    int process_busy;           /* process section stayed mid-write: the
                                   fields from label to epochs are zero */
    char label[SLAB_SHM_LABEL_LEN];
    slab_sample_config sampling;
    slab_clock_floor floor;
    uint64_t heartbeat_mono_ns; /* writer's clocks at its last refresh */
    uint64_t heartbeat_real_ns;
    uint64_t refreshes;
    uint64_t writer_now_ns;     /* latest writer timestamp seen anywhere */
    PerfCounters classes[SLAB_NUM_CLASSES];
    slab_shm_epoch epochs[SLAB_EPOCH_COUNT];
    slab_shm_memory memory;
    /* Totals of exited threads, and the overflow record. */
    uint64_t exited_threads;
    slab_thread_stats exited;
    uint64_t overflow_threads;
    uint64_t overflow_live_threads;
    slab_thread_stats overflow;
    /* Thread records that were in use, in slot order; at most
     * id.record_count. */
    uint32_t thread_count;
    uint32_t busy_threads;      /* of those, reported busy */
    slab_shm_thread *threads;
    /* Everything, summed: threads + overflow + exited.  Exact unless
     * busy_threads is nonzero. */
    slab_thread_stats total;
    uint32_t retries;           /* whole-snapshot retries this took */
    uint32_t reserved;
} slab_shm_snapshot;

/*
 * Take a consistent snapshot.  *snap may be NULL (a new one is allocated)
 * or a snapshot from an earlier call, which is reused.  Each record is read
 * under its seqlock with bounded retries (then reported busy); exited
 * totals and records are matched by generation so that no thread is
 * counted twice or missed.  Fails with SLAB_SHM_ERR_TRUNCATED if the
 * segment shrank, with the validation errors, or SLAB_SHM_ERR_BUSY if the
 * exited totals stayed mid-write.  A dead owner is not an error: the
 * snapshot holds its last numbers and state says STALE or EXITED.
 */
slab_shm_error slab_shm_snapshot_take(slab_shm_reader *r,
                                      slab_shm_snapshot **snap,
                                      slab_shm_errinfo *err);
void slab_shm_snapshot_free(slab_shm_snapshot *snap);

/* Sum b into a (counts add, *_max take the maximum, interval and mono_ns
 * take the later); for readers that total threads themselves. */
void slab_shm_stats_add(slab_thread_stats *a, const slab_thread_stats *b);

/* One segment found in SLAB_SHM_DIR. */
typedef struct slab_shm_entry {
    char name[SLAB_SHM_NAME_MAX + 1];
    slab_shm_state state;
    slab_shm_error error;       /* why state is DENIED/NOT_SLAB/..., or OK */
    int32_t pid;                /* 0 when unreadable */
    uint32_t uid;               /* owner of the shm object */
    uint32_t abi_major;
    uint32_t abi_minor;
    uint64_t created_real_ns;   /* from the header; else the file's ctime */
    uint64_t age_ns;            /* now - created_real_ns */
    uint64_t size;              /* file size */
    char comm[SLAB_SHM_COMM_LEN];
} slab_shm_entry;

/* List every slab.* object in SLAB_SHM_DIR, sorted by name.  *out is
 * allocated (free with slab_shm_list_free), *count its length. */
slab_shm_error slab_shm_list(slab_shm_entry **out, size_t *count,
                             slab_shm_errinfo *err);
void slab_shm_list_free(slab_shm_entry *entries);

/* Remove the segments whose owner is dead (state STALE) and nothing else.
 * *removed (if not NULL) gets how many were removed. */
slab_shm_error slab_shm_gc(unsigned *removed, slab_shm_errinfo *err);

/* ------------------------------------------------------------------ ABI pins */

#if defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L
#define SLAB_SHM_PIN(cond, what) _Static_assert(cond, what)
#elif defined(__cplusplus) && __cplusplus >= 201103L
#define SLAB_SHM_PIN(cond, what) static_assert(cond, what)
#else
#define SLAB_SHM_PIN(cond, what)
#endif

SLAB_SHM_PIN(sizeof(PerfCounters) == 104, "PerfCounters is part of the ABI");
SLAB_SHM_PIN(sizeof(slab_thread_stats) == 4272, "slab_thread_stats is part of the ABI");
SLAB_SHM_PIN(offsetof(slab_thread_stats, allocs) == 104, "stats layout");
SLAB_SHM_PIN(offsetof(slab_thread_stats, wall_hist) == 176, "stats layout");
SLAB_SHM_PIN(offsetof(slab_thread_stats, cpu_hist) == 2224, "stats layout");

SLAB_SHM_PIN(offsetof(slab_shm_seg_header, abi_major) == 8, "header layout");
SLAB_SHM_PIN(offsetof(slab_shm_seg_header, header_size) == 16, "header layout");
SLAB_SHM_PIN(offsetof(slab_shm_seg_header, segment_size) == 24, "header layout");
SLAB_SHM_PIN(offsetof(slab_shm_seg_header, record_count) == 32, "header layout");
SLAB_SHM_PIN(offsetof(slab_shm_seg_header, class_count) == 40, "header layout");
SLAB_SHM_PIN(offsetof(slab_shm_seg_header, flags) == 52, "header layout");
SLAB_SHM_PIN(offsetof(slab_shm_seg_header, process_offset) == 56, "header layout");
SLAB_SHM_PIN(offsetof(slab_shm_seg_header, exited_offset) == 72, "header layout");
SLAB_SHM_PIN(offsetof(slab_shm_seg_header, folded_offset) == 88, "header layout");
SLAB_SHM_PIN(offsetof(slab_shm_seg_header, overflow_offset) == 96, "header layout");
SLAB_SHM_PIN(offsetof(slab_shm_seg_header, records_offset) == 112, "header layout");
SLAB_SHM_PIN(offsetof(slab_shm_seg_header, ready) == 120, "header layout");
SLAB_SHM_PIN(offsetof(slab_shm_seg_header, pid) == 128, "header layout");
SLAB_SHM_PIN(offsetof(slab_shm_seg_header, start_time) == 136, "header layout");
SLAB_SHM_PIN(offsetof(slab_shm_seg_header, created_real_ns) == 144, "header layout");
SLAB_SHM_PIN(offsetof(slab_shm_seg_header, clock_ticks) == 160, "header layout");
SLAB_SHM_PIN(offsetof(slab_shm_seg_header, boot_id) == 168, "header layout");
SLAB_SHM_PIN(offsetof(slab_shm_seg_header, comm) == 216, "header layout");
SLAB_SHM_PIN(offsetof(slab_shm_seg_header, name) == 248, "header layout");
SLAB_SHM_PIN(offsetof(slab_shm_seg_header, reserved1) == 312, "header layout");
SLAB_SHM_PIN(sizeof(slab_shm_seg_header) == 336, "header size");

SLAB_SHM_PIN(sizeof(slab_shm_seg_epoch) == 24, "epoch size");
SLAB_SHM_PIN(sizeof(slab_shm_memory) == 64, "memory size");
SLAB_SHM_PIN(offsetof(slab_shm_seg_process, heartbeat_mono_ns) == 8, "process layout");
SLAB_SHM_PIN(offsetof(slab_shm_seg_process, sample_rate) == 32, "process layout");
SLAB_SHM_PIN(offsetof(slab_shm_seg_process, floor_wall_ns) == 48, "process layout");
SLAB_SHM_PIN(offsetof(slab_shm_seg_process, label) == 64, "process layout");
SLAB_SHM_PIN(offsetof(slab_shm_seg_process, memory) == 128, "process layout");
SLAB_SHM_PIN(offsetof(slab_shm_seg_process, classes) == 192, "process layout");
SLAB_SHM_PIN(offsetof(slab_shm_seg_process, epochs) == 1024, "process layout");
SLAB_SHM_PIN(sizeof(slab_shm_seg_process) == 1408, "process size");

SLAB_SHM_PIN(offsetof(slab_shm_seg_exited, threads) == 8, "exited layout");
SLAB_SHM_PIN(offsetof(slab_shm_seg_exited, stats) == 64, "exited layout");
SLAB_SHM_PIN(sizeof(slab_shm_seg_exited) == 64 + 4272, "exited size");

SLAB_SHM_PIN(offsetof(slab_shm_seg_overflow, threads) == 8, "overflow layout");
SLAB_SHM_PIN(offsetof(slab_shm_seg_overflow, live_threads) == 16, "overflow layout");
SLAB_SHM_PIN(offsetof(slab_shm_seg_overflow, stats) == 64, "overflow layout");
SLAB_SHM_PIN(sizeof(slab_shm_seg_overflow) == 64 + 4272, "overflow size");

SLAB_SHM_PIN(offsetof(slab_shm_seg_record, gen) == 8, "record layout");
SLAB_SHM_PIN(offsetof(slab_shm_seg_record, state) == 16, "record layout");
SLAB_SHM_PIN(offsetof(slab_shm_seg_record, tid) == 20, "record layout");
SLAB_SHM_PIN(offsetof(slab_shm_seg_record, update_mono_ns) == 24, "record layout");
SLAB_SHM_PIN(offsetof(slab_shm_seg_record, flushes) == 32, "record layout");
SLAB_SHM_PIN(offsetof(slab_shm_seg_record, name) == 40, "record layout");
SLAB_SHM_PIN(offsetof(slab_shm_seg_record, stats) == 64, "record layout");
SLAB_SHM_PIN(sizeof(slab_shm_seg_record) == 64 + 4272, "record size");

#ifdef __cplusplus
}
#endif

#endif /* SLAB_SHM_H */
