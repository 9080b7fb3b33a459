/*
 * slabtop.h - what every part of slabtop shares: exit codes and limits.
 *
 * slabtop is split by idea: cli.c reads the command line, source.c attaches
 * to a segment through libslab's reader API and copies snapshots out, model.c
 * turns two snapshots into the figures of an interval (no curses), ui.c draws
 * them on a terminal, keys.c is the one key table, and output_*.c print the
 * headless formats.
 */
#ifndef SLABTOP_H
#define SLABTOP_H

/* Exit codes, documented in slabtop(1). */
enum st_exit {
    ST_EXIT_OK = 0,
    ST_EXIT_ERROR = 1,          /* runtime error */
    ST_EXIT_USAGE = 2,          /* bad command line */
    ST_EXIT_NOT_FOUND = 3,      /* no such segment (or it vanished) */
    ST_EXIT_PERMISSION = 4,     /* the segment is not readable by us */
    ST_EXIT_NOT_SLAB = 5,       /* the object is not a libslab segment */
    ST_EXIT_VERSION = 6,        /* a libslab segment of an unsupported ABI */
    ST_EXIT_EXITED = 7          /* the owner has exited (stale segment) */
};

#define ST_NAME_MAX 64          /* segment names, commands and labels */

#endif /* SLABTOP_H */
