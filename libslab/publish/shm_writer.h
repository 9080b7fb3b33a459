/*
 * shm_writer.h - the writing side of the segment, inside libslab: the
 * segment of this process and the process-local state that decides who
 * writes which section.
 *
 * A writer is created once per publication (the first allocator,
 * slab_shm_publish()) and never freed or unmapped: thread handles keep
 * pointing at it, and after slab_shm_unpublish() or fork() they notice that
 * it is no longer current and attach to the new one.
 */
#ifndef SLAB_SHM_WRITER_H
#define SLAB_SHM_WRITER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "shm_common.h"

/* The process section and heartbeat are refreshed at most this often. */
#define SLAB_SHM_REFRESH_NS 100000000u     /* 100 ms */

typedef struct slab_shm_writer {
    char name[SLAB_SHM_NAME_MAX + 1];
    char object[SLAB_SHM_NAME_MAX + 8];     /* "/slab.NAME" */
    int32_t pid;                            /* creator; only it unlinks */
    dev_t dev;                              /* the object it created, */
    ino_t ino;                              /* the only one it unlinks */
    void *base;
    slab_shm_layout layout;
    slab_shm_seg_header *hdr;
    slab_shm_seg_process *proc;
    slab_shm_seg_exited *exited;
    uint64_t *folded;                       /* [record_count] */
    slab_shm_seg_overflow *overflow;
    unsigned char *records;

    /* Free thread records: a stack of slot numbers, and the generation
     * each slot last had (the next owner uses one more). */
    pthread_mutex_t slots_lock;
    uint32_t *free_slots;
    uint32_t free_count;
    uint64_t *slot_gen;

    /* Writers of the shared sections other than thread records. */
    pthread_mutex_t fold_lock;              /* exited totals, folded[] */
    pthread_mutex_t overflow_lock;          /* overflow record */
    pthread_mutex_t proc_lock;              /* process section (trylock) */
    slab_thread_stats exited_sum;           /* fold_lock: what exited holds */
    uint64_t exited_threads;                /* fold_lock */
    slab_thread_stats overflow_sum;         /* overflow_lock */
    uint64_t overflow_threads;              /* overflow_lock */
    uint64_t overflow_live;                 /* overflow_lock */
    char label[SLAB_SHM_LABEL_LEN];         /* proc_lock */
    uint64_t refreshes;                     /* proc_lock */
    _Atomic uint64_t next_refresh_ns;
    struct slab_shm_writer *retired_next;   /* start_lock: list of old ones */
} slab_shm_writer;

/* The writer of this process, or NULL when not publishing.  Acquire: the
 * writer's fields were set before it was made current. */
slab_shm_writer *slab_shm_writer_current(void);

/* Start publishing under the default name if not yet tried.  The default
 * name is SLAB_SHM_NAME with %p replaced by the pid, else the pid. */
void slab_shm_writer_autostart(void);

/* From now on neither a new allocator nor the SLAB_SHM_NAME constructor
 * starts publishing: the caller calls slab_shm_writer_autostart() itself
 * when it sees fit (the drop-in malloc waits until a process has lived a
 * little, so that short-lived ones pay nothing).  Call it before the
 * first allocator is created. */
void slab_shm_writer_defer(void);
bool slab_shm_writer_deferred(void);

/* shm_create.c: create and fill the segment for name (replacing a dead
 * process's segment under it); NULL with errno on failure. */
slab_shm_writer *slab_shm_create(const char *name);

/* Remove what this user's dead processes left in /dev/shm (a crash leaves
 * ~1 MB of RAM behind), except the segment named self: at most
 * COLLECT_JUDGED objects judged and about 2 ms (shm_create.c), unless
 * SLAB_SHM_GC=0.  The judging is replace_if_dead()'s: only regular files
 * of this effective user, only owners provably dead in this pid
 * namespace, and only the very object judged (flock, device and inode). */
void slab_shm_create_collect(const char *self);

/* Test hook: when set, the collection only looks at NAMEs that begin with
 * it, so that a test never removes other tests' segments.  NULL outside
 * tests. */
extern const char *slab_shm_collect_prefix;

/* Write the process section now; proc_lock held. */
void slab_shm_writer_write_process(slab_shm_writer *w);

/* Rewrite the process section (allocator counters, epochs, memory,
 * sampling, floor, label, heartbeat) if due, or always when force is set.
 * Never blocks: if another thread is writing it, returns. */
void slab_shm_writer_refresh(slab_shm_writer *w, int force);

/* Address of record slot. */
static inline slab_shm_seg_record *slab_shm_writer_record(slab_shm_writer *w,
                                                          uint32_t slot)
{
    return (slab_shm_seg_record *)(void *)(w->records +
                                           (uint64_t)slot * w->layout.record_size);
}

#endif /* SLAB_SHM_WRITER_H */
