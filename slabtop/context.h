/*
 * context.h - what the machine was doing, read by slabtop itself (never by
 * the watched process): host steal time, the CPU throttling of the
 * process's cgroup, CPU pressure, the process's CPU affinity and the
 * tasks runnable on those CPUs.  Each fact only when the kernel provides
 * it; the writer pays nothing for any of them.
 */
#ifndef SLABTOP_CONTEXT_H
#define SLABTOP_CONTEXT_H

#include <stdbool.h>
#include <stdint.h>
#include "slab_stats.h"

typedef struct st_host {
    bool have_stat;             /* /proc/stat: CPU ticks */
    uint64_t steal_ticks, total_ticks;
    bool have_throttle;         /* the process's cgroup cpu.stat */
    uint64_t throttled_ns, nr_throttled, nr_periods;
    bool have_pressure;         /* /proc/pressure/cpu */
    double pressure_some;       /* avg10, percent */
    int cpus_allowed;           /* the process's affinity, 0 unknown */
    int runnable;               /* tasks in state R on those CPUs, -1 unknown */
    char cgroup[96];            /* the cgroup read, for the text output */
} st_host;

/* Read what is there now, for process pid (0: affinity and cgroup of
 * nobody: the host facts only). */
void st_host_read(st_host *h, int64_t pid);

/* The context of the interval from *prev (NULL: none) to *cur. */
void st_host_context(const st_host *prev, const st_host *cur, double elapsed_s,
                     slab_context *ctx);

#endif /* SLABTOP_CONTEXT_H */
