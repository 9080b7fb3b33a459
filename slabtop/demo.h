/*
 * demo.h - slabtop --demo: run the bundled slabload workload and stop it.
 */
#ifndef SLABTOP_DEMO_H
#define SLABTOP_DEMO_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Start slabload under a segment name unique to this slabtop (written to
 * name).  slabload is looked for next to slabtop's own executable first,
 * then in $PATH.  Returns 0, or -1 after printing why. */
int st_demo_start(char *name, size_t len);

/* slabtop -- PROGRAM [ARGS...]: start argv with the drop-in malloc
 * preloaded (as slabrun(1) does) under a segment name unique to this
 * slabtop (written to name), its stdin /dev/null and its stdout and stderr
 * in a file (its path written to out_path) or, with discard, /dev/null.
 * Returns 0, or -1 after printing why (st_demo_status() then says 127 for
 * a program not found, 126 for one that cannot run). */
int st_demo_run(char *const argv[], bool discard, char *name, size_t len,
                char *out_path, size_t out_len);

/* The exit status of the program once it has been reaped (128 + N if
 * signal N killed it), -1 while it runs or if none was started. */
int st_demo_status(void);

/* Whether the workload still runs (reaps it if it has exited). */
bool st_demo_running(void);

/* Stop the workload (SIGTERM, then SIGKILL after a grace period) and reap
 * it.  Safe to call more than once; registered with atexit. */
void st_demo_stop(void);

#endif /* SLABTOP_DEMO_H */
