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
 * The segment's format is slab_shm_format.h (for readers in other
 * languages too); the reader API copies everything out of the segment into
 * the plain API structures below, so a C tool never reads the mapping
 * itself.
 */
#ifndef SLAB_SHM_H
#define SLAB_SHM_H

#include <stddef.h>
#include <stdint.h>
#include "slab_alloc.h"
#include "slab_shm_format.h"
#include "slab_stats.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ names */

/* A NAME is 1..SLAB_SHM_NAME_MAX (63) of the characters A-Z a-z 0-9 . _ -
 * and is neither "." nor "..". */
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

/* The segment's layout is slab_shm_format.h.  Longest label: */
#define SLAB_SHM_LABEL_MAX   (SLAB_SHM_LABEL_LEN - 1u)

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
    SLAB_SHM_UNTRUSTED,         /* written by another user than the one it
                                   claims, or than the process it names
                                   runs as: a fake; never read as that
                                   process's */
    SLAB_SHM_UNKNOWN,           /* its owner's liveness cannot be told from
                                   here: it runs in another pid namespace
                                   (a container sharing /dev/shm), so its
                                   pid means nothing here.  Never called
                                   dead; gc never removes it */
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

/* An epoch ring slot, as the segment holds it. */
typedef slab_shm_seg_epoch slab_shm_epoch;

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
     * SLAB_SHM_SNAPSHOT_THREADS (see omitted). */
    uint32_t thread_count;
    uint32_t busy_threads;      /* of those, reported busy */
    slab_shm_thread *threads;
    /* Everything, summed: threads + overflow + exited + omitted.  Exact
     * unless busy_threads is nonzero. */
    slab_thread_stats total;
    uint32_t retries;           /* whole-snapshot retries this took */
    uint32_t reserved;
    /* A snapshot lists at most SLAB_SHM_SNAPSHOT_THREADS records, whatever
     * the segment holds (memory per refresh stays bounded); the live
     * records beyond are summed here instead. */
    uint64_t omitted_threads;
    slab_thread_stats omitted;
    /* The timing overhead as a distribution (format 1.1; all zero in a
     * segment of format 1.0: then resolution_ns is unknown). */
    slab_sample_timing timing;
} slab_shm_snapshot;

#define SLAB_SHM_SNAPSHOT_THREADS 1024u

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

/* ------------------------------------------------------------------ pins */

/* The API's constants agree with the format's. */
SLAB_SHM_PIN(SLAB_NUM_CLASSES == SLAB_SHM_CLASS_COUNT, "class count");
SLAB_SHM_PIN(SLAB_EPOCH_COUNT == SLAB_SHM_EPOCH_COUNT, "epoch count");
SLAB_SHM_PIN(SLAB_HIST_BUCKETS == SLAB_SHM_HIST_BUCKETS, "histogram buckets");
SLAB_SHM_PIN(SLAB_TAIL_GROUPS == SLAB_SHM_TAIL_GROUPS, "tail groups");
SLAB_SHM_PIN(SLAB_PATH_COUNT == SLAB_SHM_PATH_COUNT, "allocator paths");
SLAB_SHM_PIN(sizeof(slab_tail_group) == sizeof(slab_shm_tail_group), "tail group");

#ifdef __cplusplus
}
#endif

#endif /* SLAB_SHM_H */
