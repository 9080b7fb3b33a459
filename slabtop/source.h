/*
 * source.h - one watched segment, through libslab's reader API only.
 *
 * st_source attaches by NAME or pid, copies each slab_shm_snapshot into the
 * model's st_snapshot (a record that stayed busy keeps the values it had at
 * the previous refresh), and, when the owner is gone and the segment was
 * attached by name, notices a new owner publishing under the same name and
 * re-attaches to it.
 */
#ifndef SLABTOP_SOURCE_H
#define SLABTOP_SOURCE_H

#include <stdbool.h>
#include "model.h"
#include "slab_shm.h"

typedef struct st_source {
    slab_shm_reader *reader;
    slab_shm_snapshot *raw;
    char name[SLAB_SHM_NAME_MAX + 1];   /* NAME as asked for, or "" */
    long pid;                           /* pid as asked for, or 0 */
    int32_t owner_pid;                  /* identity of the attached owner */
    uint64_t owner_start;
    uint64_t owner_created;             /* its segment's creation time */
    st_snapshot last;                   /* for busy records */
} st_source;

/* Attach by name (pid 0) or pid.  Returns SLAB_SHM_OK or the error, with
 * the message in *err. */
slab_shm_error st_source_open(st_source *s, const char *name, long pid,
                              slab_shm_errinfo *err);

/* Take a snapshot into *out (which keeps its storage between calls). */
slab_shm_error st_source_take(st_source *s, st_snapshot *out,
                              slab_shm_errinfo *err);

/* The owner has gone: if a live process now publishes under the same name,
 * attach to it and return true (the caller resets its model).  The same
 * process counts too when it made a new segment: it exec()ed another
 * libslab program, which replaced its predecessor's.  With ended_too, a
 * new owner that has already ended counts as well. */
bool st_source_reattach(st_source *s, bool ended_too);

void st_source_close(st_source *s);

/* The exit code for a reader error (see slabtop.h). */
int st_exit_code(slab_shm_error e);

#endif /* SLABTOP_SOURCE_H */
