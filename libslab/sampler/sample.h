/*
 * sample.h - one sample, inside the sampler: the clocks and scheduler
 * statistics read around a call, what a finished sample adds to the
 * thread's statistics, and the start-up measurement of what all that costs
 * (sample.c).  The cadence, the budget and the threads' lives are
 * sampler.c's.
 */
#ifndef SLAB_SAMPLE_H
#define SLAB_SAMPLE_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>
#include "sampler.h"
#include "slab_stats.h"

#ifdef ENABLE_SLOWPATH_SAMPLING

uint64_t slab_sample_clock_ns(clockid_t id);

/* The calling thread's /proc/thread-self/schedstat, held open for its
 * samples.  The descriptor is the library's inside the program's process:
 * it is opened inside the program's malloc(), so it must not take a
 * number the program is about to use, and the program may close it or
 * reuse its number (a daemon closing every descriptor). */
typedef struct slab_sched_file {
    int fd;                     /* -1 when the kernel has none */
    uint64_t ino;               /* which file fd named when opened */
} slab_sched_file;

/* Open the calling thread's; f->fd is -1 when there is none.  A forked
 * child must open its own. */
void slab_sample_sched_open(slab_sched_file *f);
/* Close it, only if fd still names the file opened: never a descriptor of
 * the program's that took its number. */
void slab_sample_sched_close(slab_sched_file *f);

/* Read everything a sample reads at the start and at the end of the call.
 * fd < 0: the clocks only (t->sched is then false). */
void slab_sample_start(slab_sample_clock *t, int fd);
void slab_sample_stop(slab_sample_clock *t, int fd);

/* Add the call timed from *t0 to *t1, served by path (enum slab_path), to
 * *st. */
void slab_sample_record(slab_thread_stats *st, const slab_sample_clock *t0,
                        const slab_sample_clock *t1, unsigned path);

/* Add an empty region timed in place of a sample to *st. */
void slab_sample_record_null(slab_thread_stats *st, const slab_sample_clock *t0,
                             const slab_sample_clock *t1);

/* Measure the floor, its spread and the cost of a whole sample; once,
 * before any of the three is used (pthread_once in sampler.c). */
void slab_sample_calibrate(void);
uint64_t slab_sample_cost_ns(void);         /* one sample, all included */
const slab_clock_floor *slab_sample_floor_ref(void);
const slab_sample_timing *slab_sample_timing_ref(void);

#endif /* ENABLE_SLOWPATH_SAMPLING */

#endif /* SLAB_SAMPLE_H */
