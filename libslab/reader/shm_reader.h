/*
 * shm_reader.h - the reader's handle, shared by the reader (shm_reader.c,
 * shm_snapshot.c, shm_guard.c) and the listing and gc code (shm_list.c); also the entry point the fuzz
 * target uses to read a segment from any file descriptor.
 */
#ifndef SLAB_SHM_READER_H
#define SLAB_SHM_READER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include "shm_common.h"

struct slab_shm_reader {
    char name[SLAB_SHM_NAME_MAX + 1];
    char object[SLAB_SHM_NAME_MAX + 16];    /* "/slab.NAME" */
    int fd;
    int by_fd;                  /* attached to a caller's descriptor */
    const unsigned char *map;   /* PROT_READ */
    size_t map_size;            /* the file size at attach time */
    struct stat st;             /* of the object at attach time */
    slab_shm_seg_header hdr;    /* validated copy; the only one used */
    uint64_t *folded;           /* [hdr.record_count], snapshot scratch */
    struct {                    /* [hdr.record_count], snapshot scratch: */
        uint32_t slot;          /* records summed into snapshot.omitted */
        uint64_t gen;
    } *omit;
    uint64_t wait_deadline_ns;  /* end of this snapshot's waiting budget */
    int owner_cached;           /* last full owner check, and when */
    uint64_t owner_checked_ns;
};

/* Attach to an open descriptor (dup'ed; the caller keeps fd).  what names
 * the segment in messages.  On error, *hdr_out (if not NULL) receives what
 * could be read of the header, zeroed otherwise. */
slab_shm_error slab_shm_attach_fd(int fd, const char *name,
                                  slab_shm_reader **out, slab_shm_errinfo *err,
                                  slab_shm_seg_header *hdr_out);

/* Attach quietly for listing: like slab_shm_attach, and on failure also
 * the partial header. */
slab_shm_error slab_shm_attach_ex(const char *name, slab_shm_reader **out,
                                  slab_shm_errinfo *err,
                                  slab_shm_seg_header *hdr_out);

/* Is the file still at least as large as the validated segment?  (A
 * truncation is reported as SLAB_SHM_ERR_TRUNCATED.) */
slab_shm_error slab_shm_reader_check_size(slab_shm_reader *r, slab_shm_errinfo *err);

/* Has the owner set the closed flag?  (A segment that faults under us
 * counts as closed.) */
bool slab_shm_reader_closed(const slab_shm_reader *r);

/* shm_guard.c: run fn(arg) with the reads of r's mapping guarded against
 * SIGBUS; false if it faulted (fn was abandoned part-way).  Nested calls
 * run under the outer guard. */
bool slab_shm_guard_run(const slab_shm_reader *r, void (*fn)(void *), void *arg);

/* The error for a read that faulted: the segment changed size. */
slab_shm_error slab_shm_guard_changed(const slab_shm_reader *r, slab_shm_errinfo *err);

/* slab_shm_gc() limited to NAMEs that start with prefix (NULL: all); lets
 * tests collect their own segments without touching anyone else's. */
slab_shm_error slab_shm_gc_prefix(const char *prefix, unsigned *removed,
                                  slab_shm_errinfo *err);

/* Test hook: when set, every snapshot calls it right after copying the
 * process section, so that a test can act as the writer at that point.
 * NULL (and never set) outside tests. */
extern void (*slab_shm_reader_hook)(slab_shm_reader *r);

#endif /* SLAB_SHM_READER_H */
