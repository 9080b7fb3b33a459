/*
 * shm_common.h - what the writer and the reader of the shared-memory segment
 * share: segment names, the layout computation, the fold rules of
 * slab_thread_stats, clocks and the /proc facts that identify a process.
 */
#ifndef SLAB_SHM_COMMON_H
#define SLAB_SHM_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "slab_shm.h"

/* Largest record count a reader accepts, whatever the file size (writers
 * make at most 65536). */
#define SLAB_SHM_RECORDS_LIMIT (UINT32_C(1) << 17)

/* Replace control characters of a NUL-terminated string of at most len
 * bytes (terminating it at len - 1). */
void slab_shm_sanitize(char *s, size_t len);

/* Round up to the 64-byte section alignment. */
static inline uint64_t slab_shm_align64(uint64_t x)
{
    return (x + 63u) & ~(uint64_t)63u;
}

/* The offsets and sizes the writer uses for record_count records. */
typedef struct slab_shm_layout {
    uint64_t header_size;
    uint64_t process_offset, process_size;
    uint64_t exited_offset, exited_size;
    uint64_t folded_offset;
    uint64_t overflow_offset, overflow_size;
    uint64_t records_offset, record_size;
    uint64_t segment_size;
    uint32_t record_count;
} slab_shm_layout;

void slab_shm_layout_compute(uint32_t record_count, slab_shm_layout *out);

/* Write layout l into a header: format version, sizes, counts and offsets
 * (what slab_shm_header_check() validates on the reading side; the
 * identity fields and the ready word are left alone). */
void slab_shm_layout_to_header(const slab_shm_layout *l, slab_shm_seg_header *h);

/* NAME checks.  slab_shm_name_strip() skips a leading "/dev/shm/slab.",
 * "/slab." or "slab.";
 * slab_shm_name_valid() applies the rules of SLAB_SHM_NAME_MAX. */
const char *slab_shm_name_strip(const char *name);
bool slab_shm_name_valid(const char *name);
/* "/slab.NAME" into buf (at least SLAB_SHM_NAME_MAX + 8 bytes). */
void slab_shm_object_path(char *buf, size_t len, const char *name);
/* "/dev/shm/slab.NAME". */
void slab_shm_file_path(char *buf, size_t len, const char *name);

/* Fold rules, from the kinds of the tables of slab_shm_format.h: SUM
 * fields add, MAX take the maximum, LAST take b's value unless it is 0,
 * LATEST the later one; histogram buckets add. */
void slab_shm_stats_fold(slab_thread_stats *a, const slab_thread_stats *b);
/* dst += now - last, with the same rules (maxima from now). */
void slab_shm_stats_fold_delta(slab_thread_stats *dst,
                               const slab_thread_stats *now,
                               const slab_thread_stats *last);

/* Between the API's structures and the segment's, field by field from the
 * tables of slab_shm_format.h. */
void slab_shm_stats_to_seg(slab_shm_seg_stats *d, const slab_thread_stats *s);
void slab_shm_stats_from_seg(slab_thread_stats *d, const slab_shm_seg_stats *s);
void slab_shm_class_to_seg(slab_shm_seg_class *d, const PerfCounters *s);
void slab_shm_class_from_seg(PerfCounters *d, const slab_shm_seg_class *s);

uint64_t slab_shm_mono_ns(void);
uint64_t slab_shm_real_ns(void);

/* Facts of a process from /proc/PID/stat: its start time (field 22, clock
 * ticks after boot) and its state letter (field 3).  0, or -1 with errno
 * (ENOENT when there is no such process). */
int slab_shm_proc_stat(pid_t pid, uint64_t *start_time, char *state);
/* The boot id (36 characters) into buf[SLAB_SHM_BOOT_ID_LEN]; 0 or -1. */
int slab_shm_boot_id(char *buf);
/* /proc/self/comm into buf[SLAB_SHM_COMM_LEN], without the newline. */
int slab_shm_self_comm(char *buf);

/* Is the process that created a segment still running? */
typedef enum slab_shm_owner {
    SLAB_SHM_OWNER_ALIVE = 0,
    SLAB_SHM_OWNER_DEAD,        /* no such process, or a zombie */
    SLAB_SHM_OWNER_REUSED,      /* the pid runs another process */
    SLAB_SHM_OWNER_OTHER_BOOT,  /* the segment predates this boot */
    SLAB_SHM_OWNER_UNKNOWN      /* /proc unreadable */
} slab_shm_owner;

slab_shm_owner slab_shm_owner_check(int32_t pid, uint64_t start_time,
                                    const char *boot_id);

/* The inode of this process's pid namespace (/proc/self/ns/pid), 0 if it
 * cannot be read. */
uint32_t slab_shm_pid_ns(void);

/* May a segment whose header says pid_ns be judged by its pid here?  Yes
 * for this namespace, and for 0 (a writer from before the field, judged
 * as before); no for another namespace, or when ours cannot be read: then
 * the owner's liveness is unknown, and it is never called dead. */
bool slab_shm_same_pid_ns(uint32_t pid_ns);

/* Validate a header copy against the file size.  On error fills *err
 * (code and message naming the segment "what"). */
slab_shm_error slab_shm_header_check(const slab_shm_seg_header *h,
                                     uint64_t file_size, const char *what,
                                     slab_shm_errinfo *err);

/* Fill *err (may be NULL) with code, errno and a printf-style message;
 * returns code. */
slab_shm_error slab_shm_fail(slab_shm_errinfo *err, slab_shm_error code,
                             int sys_errno, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif /* SLAB_SHM_COMMON_H */
