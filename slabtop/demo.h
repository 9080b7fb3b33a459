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

/* Whether the workload still runs (reaps it if it has exited). */
bool st_demo_running(void);

/* Stop the workload (SIGTERM, then SIGKILL after a grace period) and reap
 * it.  Safe to call more than once; registered with atexit. */
void st_demo_stop(void);

#endif /* SLABTOP_DEMO_H */
