/*
 * slab_shm_format.h - the libslab shared-memory segment format, ABI 1.3:
 * every structure of the segment, once, with fixed-width fields of its
 * own, the tables of its counters, and the protocol to read it.
 *
 * This header is the contract between the writer inside libslab and any
 * reader, in any language.  It includes standard headers only and uses no
 * type of the library's API.  The C reader API (slab_shm.h) copies a
 * segment into plain API structures, so a C tool need not read a mapping
 * itself; libslab-shm(5) describes the same format with its history.
 *
 * Rules
 * -----
 * All integers are in the writer's byte order, fixed-width and naturally
 * aligned; every section starts on a 64-byte boundary; every position is
 * an offset from the start of the segment, never a pointer.  The format is
 * append-only: a new minor version only adds fields at the end of a
 * structure (readers use the sizes in the header and ignore what they do
 * not know); anything else changes the major version.  The _Static_assert
 * pins at the end hold every size and offset.
 *
 * Read protocol
 * -------------
 * Open the object read-only (O_NONBLOCK|O_NOFOLLOW; refuse anything but a
 * regular file), map it PROT_READ, load "ready" with acquire semantics (0:
 * still being created), then copy the header and validate every size,
 * count and offset against the file size: the segment is untrusted input.
 * Load "flags" with acquire semantics before copying a section: once
 * SLAB_SHM_FLAG_CLOSED is set, every section holds its final numbers.
 * Every section but the header begins with a 64-bit sequence word and has
 * exactly one writer at a time (a seqlock): load the sequence (acquire); if
 * it is odd, try again; copy the section with relaxed 64-bit loads; issue
 * an acquire fence and load the sequence again; the copy is good only if
 * both loads were equal.  Give up after a bounded number of tries and call
 * the section busy: a writer that died mid-write must not hang a reader.
 * To add up a process without counting a thread twice or missing one, copy
 * the thread records first and the exited section (with folded[]) second,
 * and count a live record of generation g in slot i only if folded[i] < g.
 */
#ifndef SLAB_SHM_FORMAT_H
#define SLAB_SHM_FORMAT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SLAB_SHM_MAGIC       UINT64_C(0x004d48534241534c) /* "LSABSHM\0" */
#define SLAB_SHM_ABI_MAJOR   1u      /* incompatible layout change */
#define SLAB_SHM_ABI_MINOR   3u      /* fields appended; readers ignore them */
/* The header's ready word once the writer has filled every section. */
#define SLAB_SHM_READY(major, minor) \
    ((UINT64_C(0x52454144) << 32) | ((uint64_t)(major) << 16) | (uint64_t)(minor))

#define SLAB_SHM_NAME_MAX    63u     /* NAME bytes, without the NUL */
#define SLAB_SHM_BOOT_ID_LEN 48u     /* 36 characters + NUL, padded */
#define SLAB_SHM_COMM_LEN    32u     /* /proc/PID/comm is at most 15 */
#define SLAB_SHM_THREAD_NAME_LEN 16u
#define SLAB_SHM_LABEL_LEN   64u
#define SLAB_SHM_CLASS_COUNT 8u      /* header.class_count */
#define SLAB_SHM_EPOCH_COUNT 16u     /* header.epoch_count */
#define SLAB_SHM_HIST_BUCKETS 256u   /* header.hist_buckets */
#define SLAB_SHM_TAIL_GROUPS 32u     /* tail groups: 8 histogram buckets each */
#define SLAB_SHM_PATH_COUNT  6u      /* allocator paths, SLAB_SHM_PATHS */

/* Sizes of the sections that grew, in the formats before: a reader reads
 * an older segment as if the appended fields were zero. */
#define SLAB_SHM_STATS_SIZE_1_0   4272u
#define SLAB_SHM_STATS_SIZE_1_1   11024u
#define SLAB_SHM_STATS_SIZE_1_2   11040u
#define SLAB_SHM_PROCESS_SIZE_1_0 1408u

/* Header flags (slab_shm_seg_header.flags). */
#define SLAB_SHM_FLAG_CLOSED 1u      /* owner unpublished: normal exit */

/* Thread record states. */
#define SLAB_SHM_REC_FREE    0u      /* no thread; not counted */
#define SLAB_SHM_REC_LIVE    1u      /* a thread owns it */

/* --------------------------------------------------------------- tables
 *
 * Each list of counters is one table: X(field, kind, help).  The writer,
 * the reader, the fold rules, slabtop's outputs and the man page's field
 * tables are all produced from these, so adding a counter is one line
 * (at the end of its table: the format is append-only).
 *
 * kind says how two values of the field combine (summing threads, or the
 * work since a previous value):
 *   SUM      a count or a sum of nanoseconds: values add;
 *   MAX      a maximum: the larger one;
 *   LAST     a setting in force: the newer value, unless it is 0;
 *   LATEST   a timestamp: the larger one;
 *   GAUGE    a level (not summed over time; summed over allocators).
 */

/* A thread's sampled statistics: the seed's ThreadStats, in its order. */
#define SLAB_SHM_SEED_FIELDS(X) \
    X(alloc_samples,               SUM, "sampled allocations") \
    X(alloc_wall_ns_sum,           SUM, "wall time of the sampled allocations, ns") \
    X(alloc_cpu_ns_sum,            SUM, "CPU time of the sampled allocations, ns") \
    X(alloc_wall_ns_max,           MAX, "longest sampled allocation, wall ns") \
    X(alloc_cpu_ns_max,            MAX, "longest sampled allocation, CPU ns") \
    X(repair_count,                SUM, "zombie repairs") \
    X(repair_wall_ns_sum,          SUM, "wall time of the repairs, ns") \
    X(repair_cpu_ns_sum,           SUM, "CPU time of the repairs, ns") \
    X(repair_wall_ns_max,          MAX, "longest repair, wall ns") \
    X(repair_cpu_ns_max,           MAX, "longest repair, CPU ns") \
    X(repair_reason_full_bitmap,   SUM, "repairs of a slab offered for allocation but full") \
    X(repair_reason_list_mismatch, SUM, "repairs of a slab on another list than recorded") \
    X(repair_reason_other,         SUM, "repairs for any other reason")

/* The rest of a thread's statistics, after the seed's. */
#define SLAB_SHM_THREAD_FIELDS(X) \
    X(allocs,         SUM,    "allocations by the thread") \
    X(preempted,      SUM,    "samples classified as preempted") \
    X(interval,       LAST,   "effective mean sampling interval") \
    X(sample_cost_ns, SUM,    "time spent sampling, ns") \
    X(thread_cpu_ns,  SUM,    "thread CPU time at publication, ns") \
    X(runq_wait_ns,   SUM,    "run-queue wait at publication, ns") \
    X(nvcsw,          SUM,    "voluntary context switches") \
    X(nivcsw,         SUM,    "involuntary context switches") \
    X(mono_ns,        LATEST, "writer's CLOCK_MONOTONIC when taken, ns")

/* Format 1.1: what each sample learned about its call, after the
 * histograms (see "Tail attribution" in slab_stats.h), then the tail
 * groups and the histograms of the empty regions timed in place of one
 * sample in SLAB_NULL_EVERY (the floor as the samples really pay it).  A sample's wall
 * time is its CPU time (work, by path) plus its off-CPU time, which splits
 * into the run-queue wait that grew during the call and the rest: blocked
 * on the paths that may sleep in the allocator, other on the others. */
#define SLAB_SHM_SAMPLE_FIELDS(X) \
    X(sched_samples,      SUM, "samples that read the thread's scheduler statistics") \
    X(switched,           SUM, "samples during which the thread was switched out") \
    X(sampled_runq_ns,    SUM, "run-queue wait inside sampled calls, ns") \
    X(sampled_blocked_ns, SUM, "other off-CPU time of sampled calls on a path that may sleep, ns") \
    X(sampled_other_ns,   SUM, "other off-CPU time of the other sampled calls, ns") \
    X(path_fast,          SUM, "samples served by a pop from the current slab") \
    X(path_refill,        SUM, "samples served from the thread's own slabs") \
    X(path_partial,       SUM, "samples served from the shared partial list, under its lock") \
    X(path_new_slab,      SUM, "samples served by a slab from the class pool or fresh memory") \
    X(path_repair,        SUM, "samples that repaired a zombie") \
    X(path_large,         SUM, "samples served by the system allocator (large objects)") \
    X(null_samples,       SUM, "empty regions timed in place of a sample (the floor in situ)")

/* Format 1.2: the drop-in's calls that the system allocator served (its
 * large path), counted there and never on the slab paths; 0 in a program
 * that calls libslab's own API.  allocs - allocs_large is what the slab
 * classes served. */
#define SLAB_SHM_LARGE_FIELDS(X) \
    X(allocs_large, SUM, "allocating calls served by the system allocator (drop-in)") \
    X(frees_large,  SUM, "frees handed to the system allocator (drop-in)")

/* The allocator paths, in the order of the work_ns[] of a tail group:
 * X(name, help). */
#define SLAB_SHM_PATHS(X) \
    X(fast,     "pop from the thread's current slab") \
    X(refill,   "the thread's own slabs, or frees other threads returned") \
    X(partial,  "the size class's shared partial list, under its lock") \
    X(new_slab, "a slab from the class pool or fresh memory") \
    X(repair,   "a zombie repair") \
    X(large,    "the system allocator (the drop-in's large objects)")

/* Format 1.1: the timing overhead as a distribution (process section),
 * measured at start-up on FLOOR_RUNS empty regions: floor_wall_ns and
 * floor_cpu_ns are its medians. */
#define SLAB_SHM_TIMING_FIELDS(X) \
    X(floor_wall_p10_ns, LAST, "10th percentile of an empty timed region, wall ns") \
    X(floor_wall_p90_ns, LAST, "90th percentile of an empty timed region, wall ns") \
    X(floor_wall_p99_ns, LAST, "99th percentile of an empty timed region, wall ns") \
    X(floor_cpu_p10_ns,  LAST, "10th percentile of an empty timed region, CPU ns") \
    X(floor_cpu_p90_ns,  LAST, "90th percentile of an empty timed region, CPU ns") \
    X(floor_cpu_p99_ns,  LAST, "99th percentile of an empty timed region, CPU ns") \
    X(resolution_ns,     LAST, "smallest floor-corrected figure told from zero, ns") \
    X(sample_cost_ns,    LAST, "what one sample costs its thread, ns") \
    X(sched,             LAST, "1 when samples read the scheduler statistics")

/* Per size-class counters of the allocator, over all its threads. */
#define SLAB_SHM_CLASS_FIELDS(X) \
    X(allocs_slow,          SUM,   "allocations that took the slow path") \
    X(new_slabs,            SUM,   "slabs carved from fresh memory") \
    X(recycled_slabs,       SUM,   "emptied slabs reused") \
    X(released_slabs,       SUM,   "slabs whose memory went back to the OS") \
    X(madvised_bytes,       SUM,   "bytes returned with madvise()") \
    X(cas_retries,          SUM,   "failed compare-and-swap attempts") \
    X(remote_frees,         SUM,   "frees from a thread not owning the slab") \
    X(repairs,              SUM,   "zombie repairs, all reasons") \
    X(repair_full_bitmap,   SUM,   "repairs: offered for allocation but full") \
    X(repair_list_mismatch, SUM,   "repairs: recorded list differs from the actual one") \
    X(repair_other,         SUM,   "repairs: any other reason") \
    X(live_slabs,           GAUGE, "slabs holding memory") \
    X(resident_bytes,       GAUGE, "bytes of slabs holding memory")

/* Process-wide memory and epoch totals. */
#define SLAB_SHM_MEMORY_FIELDS(X) \
    X(allocators,         GAUGE, "live allocators") \
    X(allocators_created, SUM,   "allocators ever created") \
    X(mapped_bytes,       GAUGE, "address space reserved for slabs") \
    X(resident_bytes,     GAUGE, "slab memory not returned to the OS") \
    X(epoch_advances,     SUM,   "epoch advances") \
    X(epoch_closes,       SUM,   "epoch closes")

#define SLAB_SHM_FIELD_U64(field, kind, help) uint64_t field;

/* ----------------------------------------------------------- structures */

/*
 * Offset 0 of the segment.  Fields up to "ready" are written once before
 * "ready" is stored (release); "flags" changes at exit.
 */
typedef struct slab_shm_seg_header {
    uint64_t magic;             /*   0 SLAB_SHM_MAGIC */
    uint32_t abi_major;         /*   8 */
    uint32_t abi_minor;         /*  12 */
    uint32_t header_size;       /*  16 sizeof(slab_shm_seg_header) */
    uint32_t record_size;       /*  20 stride of the thread records */
    uint64_t segment_size;      /*  24 bytes of the whole segment */
    uint32_t record_count;      /*  32 thread records */
    uint32_t stats_size;        /*  36 sizeof(slab_shm_seg_stats) */
    uint32_t class_count;       /*  40 SLAB_SHM_CLASS_COUNT */
    uint32_t epoch_count;       /*  44 SLAB_SHM_EPOCH_COUNT */
    uint32_t hist_buckets;      /*  48 SLAB_SHM_HIST_BUCKETS */
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
    uint32_t pid_ns;            /* 164 inode of the owner's pid namespace
                                       (/proc/self/ns/pid); 0: not known
                                       (a writer from before this field) */
    char boot_id[SLAB_SHM_BOOT_ID_LEN]; /* 168 NUL-terminated */
    char comm[SLAB_SHM_COMM_LEN];       /* 216 NUL-terminated */
    char name[SLAB_SHM_NAME_MAX + 1];   /* 248 NAME, NUL-terminated */
    uint64_t reserved1[3];      /* 312 */
} slab_shm_seg_header;          /* 336 */

/* The samples of one tail group (format 1.1): the sums, over the samples
 * whose wall time fell in histogram buckets 8g..8g+7, of their wall time,
 * run-queue wait, blocked and other off-CPU time, and CPU time by path
 * (SLAB_SHM_PATHS order). */
typedef struct slab_shm_tail_group {
    uint64_t wall_ns;
    uint64_t runq_ns;
    uint64_t blocked_ns;
    uint64_t other_ns;
    uint64_t work_ns[SLAB_SHM_PATH_COUNT];
} slab_shm_tail_group;          /* 80 */

/* One thread's statistics (the tables above, then the histograms: log-scale
 * buckets of nanoseconds, 0..7 one each, then 8 per power of two). */
typedef struct slab_shm_seg_stats {
    struct { SLAB_SHM_SEED_FIELDS(SLAB_SHM_FIELD_U64) } seed;  /*    0 */
    SLAB_SHM_THREAD_FIELDS(SLAB_SHM_FIELD_U64)                 /*  104 */
    uint64_t wall_hist[SLAB_SHM_HIST_BUCKETS];                 /*  176 */
    uint64_t cpu_hist[SLAB_SHM_HIST_BUCKETS];                  /* 2224 */
    /* format 1.1 */
    SLAB_SHM_SAMPLE_FIELDS(SLAB_SHM_FIELD_U64)                 /* 4272 */
    slab_shm_tail_group tail[SLAB_SHM_TAIL_GROUPS];            /* 4368 */
    uint64_t null_wall_hist[SLAB_SHM_HIST_BUCKETS];            /* 6928 */
    uint64_t null_cpu_hist[SLAB_SHM_HIST_BUCKETS];             /* 8976 */
    /* format 1.2 */
    SLAB_SHM_LARGE_FIELDS(SLAB_SHM_FIELD_U64)                  /* 11024 */
    /* format 1.3: every timed repair by its wall time (the buckets of
     * wall_hist), and per tail group the repairs' wall and CPU time */
    uint64_t repair_hist[SLAB_SHM_HIST_BUCKETS];               /* 11040 */
    uint64_t repair_wall_ns[SLAB_SHM_TAIL_GROUPS];             /* 13088 */
    uint64_t repair_cpu_ns[SLAB_SHM_TAIL_GROUPS];              /* 13344 */
} slab_shm_seg_stats;                                          /* 13600 */

/* One size class's counters. */
typedef struct slab_shm_seg_class {
    SLAB_SHM_CLASS_FIELDS(SLAB_SHM_FIELD_U64)
} slab_shm_seg_class;           /* 104 */

/* The states of an epoch ring slot. */
enum slab_shm_epoch_state {
    SLAB_SHM_EPOCH_UNUSED = 0,  /* never opened */
    SLAB_SHM_EPOCH_OPEN = 1,
    SLAB_SHM_EPOCH_CLOSED = 2
};

/* One slot of the epoch ring.  The one description of an epoch: the
 * registry fills these for the publisher, which copies them as they are. */
typedef struct slab_shm_seg_epoch {
    uint32_t state;             /* enum slab_shm_epoch_state */
    uint32_t current;           /* 1 for the current epoch */
    uint64_t era;               /* times this ring slot was opened */
    uint64_t live_slabs;        /* slabs of this slot holding memory */
} slab_shm_seg_epoch;           /* 24 */

/* Memory and epoch totals. */
typedef struct slab_shm_memory {
    SLAB_SHM_MEMORY_FIELDS(SLAB_SHM_FIELD_U64)
    uint64_t reserved[2];
} slab_shm_memory;              /* 64 */

/* The process-wide section, under its own seqlock (seq); written by one
 * thread at a time (a process-local lock), at most every refresh period. */
typedef struct slab_shm_seg_process {
    uint64_t seq;               /*    0 seqlock sequence, odd while writing */
    uint64_t heartbeat_mono_ns; /*    8 writer's CLOCK_MONOTONIC */
    uint64_t heartbeat_real_ns; /*   16 writer's CLOCK_REALTIME */
    uint64_t refreshes;         /*   24 */
    uint32_t sample_rate;       /*   32 mean sampling interval, 0 = off */
    uint32_t sample_mode;       /*   36 0 random, 1 fixed */
    uint32_t sample_budget_ppm; /*   40 */
    uint32_t reserved0;         /*   44 */
    uint64_t floor_wall_ns;     /*   48 measurement floor */
    uint64_t floor_cpu_ns;      /*   56 */
    char label[SLAB_SHM_LABEL_LEN];     /*   64 NUL-terminated */
    slab_shm_memory memory;     /*  128 */
    slab_shm_seg_class classes[SLAB_SHM_CLASS_COUNT];  /*  192 */
    slab_shm_seg_epoch epochs[SLAB_SHM_EPOCH_COUNT];   /* 1024 */
    /* format 1.1 */
    SLAB_SHM_TIMING_FIELDS(SLAB_SHM_FIELD_U64)         /* 1408 */
    uint64_t reserved1[7];      /* 1480 */
} slab_shm_seg_process;         /* 1536 */

/* Totals of exited threads, under its own seqlock, with the array
 * folded[record_count] at folded_offset: folded[i] is the highest
 * generation of record i whose final numbers are in "stats". */
typedef struct slab_shm_seg_exited {
    uint64_t seq;               /*  0 */
    uint64_t threads;           /*  8 threads folded in */
    uint64_t update_mono_ns;    /* 16 */
    uint64_t reserved[5];       /* 24 */
    slab_shm_seg_stats stats;   /* 64 sums; MAX fields are maxima */
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
    slab_shm_seg_stats stats;   /* 64 */
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
    slab_shm_seg_stats stats;   /* 64 */
} slab_shm_seg_record;

/* ------------------------------------------------------------ ABI pins */

#if defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L
#define SLAB_SHM_PIN(cond, what) _Static_assert(cond, what)
#elif defined(__cplusplus) && __cplusplus >= 201103L
#define SLAB_SHM_PIN(cond, what) static_assert(cond, what)
#else
#define SLAB_SHM_PIN(cond, what)
#endif

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
SLAB_SHM_PIN(offsetof(slab_shm_seg_header, pid_ns) == 164, "header layout");
SLAB_SHM_PIN(offsetof(slab_shm_seg_header, boot_id) == 168, "header layout");
SLAB_SHM_PIN(offsetof(slab_shm_seg_header, comm) == 216, "header layout");
SLAB_SHM_PIN(offsetof(slab_shm_seg_header, name) == 248, "header layout");
SLAB_SHM_PIN(offsetof(slab_shm_seg_header, reserved1) == 312, "header layout");
SLAB_SHM_PIN(sizeof(slab_shm_seg_header) == 336, "header size");

SLAB_SHM_PIN(sizeof(slab_shm_seg_stats) == 13600, "stats size");
SLAB_SHM_PIN(offsetof(slab_shm_seg_stats, sched_samples) == SLAB_SHM_STATS_SIZE_1_0,
             "stats 1.1 appended after 1.0");
SLAB_SHM_PIN(offsetof(slab_shm_seg_stats, allocs_large) == SLAB_SHM_STATS_SIZE_1_1,
             "stats 1.2 appended after 1.1");
SLAB_SHM_PIN(offsetof(slab_shm_seg_stats, repair_hist) == SLAB_SHM_STATS_SIZE_1_2,
             "stats 1.3 appended after 1.2");
SLAB_SHM_PIN(offsetof(slab_shm_seg_stats, repair_cpu_ns) == 13344, "stats layout");
SLAB_SHM_PIN(offsetof(slab_shm_seg_stats, tail) == 4368, "stats layout");
SLAB_SHM_PIN(offsetof(slab_shm_seg_stats, null_cpu_hist) == 8976, "stats layout");
SLAB_SHM_PIN(sizeof(slab_shm_tail_group) == 80, "tail group size");
SLAB_SHM_PIN(offsetof(slab_shm_seg_stats, seed.repair_reason_other) == 96, "stats layout");
SLAB_SHM_PIN(offsetof(slab_shm_seg_stats, allocs) == 104, "stats layout");
SLAB_SHM_PIN(offsetof(slab_shm_seg_stats, mono_ns) == 168, "stats layout");
SLAB_SHM_PIN(offsetof(slab_shm_seg_stats, wall_hist) == 176, "stats layout");
SLAB_SHM_PIN(offsetof(slab_shm_seg_stats, cpu_hist) == 2224, "stats layout");
SLAB_SHM_PIN(sizeof(slab_shm_seg_class) == 104, "class size");
SLAB_SHM_PIN(offsetof(slab_shm_seg_class, repairs) == 56, "class layout");
SLAB_SHM_PIN(offsetof(slab_shm_seg_class, resident_bytes) == 96, "class layout");
SLAB_SHM_PIN(sizeof(slab_shm_seg_epoch) == 24, "epoch size");
SLAB_SHM_PIN(sizeof(slab_shm_memory) == 64, "memory size");
SLAB_SHM_PIN(offsetof(slab_shm_memory, epoch_closes) == 40, "memory layout");

SLAB_SHM_PIN(offsetof(slab_shm_seg_process, heartbeat_mono_ns) == 8, "process layout");
SLAB_SHM_PIN(offsetof(slab_shm_seg_process, sample_rate) == 32, "process layout");
SLAB_SHM_PIN(offsetof(slab_shm_seg_process, floor_wall_ns) == 48, "process layout");
SLAB_SHM_PIN(offsetof(slab_shm_seg_process, label) == 64, "process layout");
SLAB_SHM_PIN(offsetof(slab_shm_seg_process, memory) == 128, "process layout");
SLAB_SHM_PIN(offsetof(slab_shm_seg_process, classes) == 192, "process layout");
SLAB_SHM_PIN(offsetof(slab_shm_seg_process, epochs) == 1024, "process layout");
SLAB_SHM_PIN(offsetof(slab_shm_seg_process, floor_wall_p10_ns) == SLAB_SHM_PROCESS_SIZE_1_0,
             "process 1.1 appended after 1.0");
SLAB_SHM_PIN(sizeof(slab_shm_seg_process) == 1536, "process size");

SLAB_SHM_PIN(offsetof(slab_shm_seg_exited, threads) == 8, "exited layout");
SLAB_SHM_PIN(offsetof(slab_shm_seg_exited, stats) == 64, "exited layout");
SLAB_SHM_PIN(sizeof(slab_shm_seg_exited) == 64 + 13600, "exited size");

SLAB_SHM_PIN(offsetof(slab_shm_seg_overflow, threads) == 8, "overflow layout");
SLAB_SHM_PIN(offsetof(slab_shm_seg_overflow, live_threads) == 16, "overflow layout");
SLAB_SHM_PIN(offsetof(slab_shm_seg_overflow, stats) == 64, "overflow layout");
SLAB_SHM_PIN(sizeof(slab_shm_seg_overflow) == 64 + 13600, "overflow size");

SLAB_SHM_PIN(offsetof(slab_shm_seg_record, gen) == 8, "record layout");
SLAB_SHM_PIN(offsetof(slab_shm_seg_record, state) == 16, "record layout");
SLAB_SHM_PIN(offsetof(slab_shm_seg_record, tid) == 20, "record layout");
SLAB_SHM_PIN(offsetof(slab_shm_seg_record, update_mono_ns) == 24, "record layout");
SLAB_SHM_PIN(offsetof(slab_shm_seg_record, flushes) == 32, "record layout");
SLAB_SHM_PIN(offsetof(slab_shm_seg_record, name) == 40, "record layout");
SLAB_SHM_PIN(offsetof(slab_shm_seg_record, stats) == 64, "record layout");
SLAB_SHM_PIN(sizeof(slab_shm_seg_record) == 64 + 13600, "record size");

#ifdef __cplusplus
}
#endif

#endif /* SLAB_SHM_FORMAT_H */
