/*
 * record.h - --json lines as a recording that slabtop can replay.
 *
 * Every --json line carries, besides the figures of its refresh, the raw
 * snapshot they were computed from ("raw": cumulative per-thread statistics
 * with their histograms, the exited threads' totals, the size classes, the
 * writer's clock).  Replaying feeds those snapshots to the same model, so a
 * replay shows exactly what the live run showed, in every output.  The raw
 * object has its own version ("raw":{"v":1,...}); the line's
 * schema_version is that of the JSON output (fields are only ever added).
 */
#ifndef SLABTOP_RECORD_H
#define SLABTOP_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include "model.h"

#define ST_RECORD_VERSION 1

/* Write "raw":{...} (no leading comma) for the snapshot. */
void st_record_write(FILE *out, const st_snapshot *s);

/* A recording read whole. */
typedef struct st_recording {
    st_snapshot *snaps;
    size_t n;
    bool cut;                   /* the last line was incomplete: ignored */
    size_t skipped;             /* complete lines that were not records */
    size_t first_bad_line;      /* line number of the first of them */
    char first_bad[96];         /* and why */
} st_recording;

/* Read a recording; returns 0, or -1 with a message in err (the file cannot
 * be read, or holds no record at all). */
int st_recording_load(const char *path, st_recording *r, char *err, size_t err_size);
void st_recording_free(st_recording *r);

#endif /* SLABTOP_RECORD_H */
