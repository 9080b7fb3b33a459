/*
 * scan.h - every readable segment of the host at once, with the figures of
 * the interval since the previous scan (no curses, no HTTP).
 *
 * The overview screen and the Prometheus exporter both list the host's
 * segments, take a snapshot of each readable one, and compare it with the
 * same owner's snapshot of their previous scan.  An owner is the pair
 * (segment NAME, pid); owners that have gone are forgotten at the next
 * scan, so processes may come and go.
 */
#ifndef SLABTOP_SCAN_H
#define SLABTOP_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include "model.h"

typedef struct st_scan_entry {
    st_snapshot snap;
    slab_thread_stats total;    /* whole process, exited threads included */
    size_t live_threads;        /* thread records, the overflow one not counted */
    bool have_interval;         /* the previous scan saw the same owner */
    bool was_alive;             /* ... and it was alive then */
    st_figures interval;        /* since that scan, on the owner's clock */
} st_scan_entry;

typedef struct st_scan {
    st_scan_entry *e;           /* n entries, sorted by NAME */
    size_t n;
    st_scan_entry *prev;        /* what the previous scan kept */
    size_t nprev;
} st_scan;

void st_scan_init(st_scan *sc);
/* List and read every segment again.  Unreadable segments (another user's,
 * foreign, still being created) are left out.  Returns 0, or -1 when the
 * segment directory cannot be listed (then n is 0). */
int st_scan_take(st_scan *sc);
void st_scan_free(st_scan *sc);

/* Drop the entries of owners that are not alive and were not alive at the
 * previous scan either: an owner that has just ended is kept once, with
 * its final numbers; a segment left by one long dead is not. */
void st_scan_keep_live(st_scan *sc);

/* Columns of the overview, in display order; sorting by one. */
typedef enum st_scan_sort {
    ST_SCAN_NAME = 0, ST_SCAN_PID, ST_SCAN_COMMAND, ST_SCAN_STATE,
    ST_SCAN_ALLOCS, ST_SCAN_SAMPLES, ST_SCAN_RATIO, ST_SCAN_VERDICT,
    ST_SCAN_SORT_COUNT
} st_scan_sort;

const char *st_scan_sort_name(st_scan_sort key);
void st_scan_sort_by(st_scan *sc, st_scan_sort key, bool reverse);

/* The figures an overview row shows: the interval since the previous scan,
 * or the whole life of the process at the first. */
void st_scan_figures(const st_scan_entry *e, st_figures *f);

/* How many entries belong to a live owner; *only gets the index of the
 * last one. */
size_t st_scan_live(const st_scan *sc, size_t *only);

#endif /* SLABTOP_SCAN_H */
