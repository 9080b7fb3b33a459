/*
 * publish.h - the shared-memory publisher, as the rest of libslab sees it.
 *
 * The publisher plugs itself into the layers below it (slab_pub_install(),
 * a constructor): the allocator tells it when an allocator is created,
 * which creates the segment once per process, and the sampler hands it each
 * thread's statistics.  After that each thread owns one record, written only by itself under a seqlock.
 * Threads beyond the record count share an overflow record.  A thread's
 * record is attached lazily at its first flush and folded into the
 * process-wide exited-thread totals when the thread exits.
 *
 * All functions are safe to call when publishing is off (SLAB_SHM=0) or the
 * segment could not be created: they then do nothing.
 */
#ifndef SLAB_PUBLISH_H
#define SLAB_PUBLISH_H

#include <stdint.h>
#include "slab_stats.h"

typedef struct slab_pub_thread slab_pub_thread;

/* Register with the allocator (core_hooks.h) and the sampler (sampler.h).
 * Runs as a constructor; a static link keeps this object with
 * -Wl,--undefined=slab_pub_install (libslab/libslab.mk). */
void slab_pub_install(void);

/* The calling thread's publication handle, attaching a record on first use;
 * NULL when publishing is off. */
slab_pub_thread *slab_pub_thread_get(void);

/* Publish the thread's statistics (seqlock write into its record; for the
 * overflow record, the difference since the last flush is added).  Also
 * refreshes the process-wide section and heartbeat when they are due. */
void slab_pub_thread_flush(slab_pub_thread *t, const slab_thread_stats *now);

/* The thread is exiting: fold its final statistics into the exited-thread
 * totals, free its record and the handle. */
void slab_pub_thread_exit(slab_pub_thread *t, const slab_thread_stats *final);

#endif /* SLAB_PUBLISH_H */
