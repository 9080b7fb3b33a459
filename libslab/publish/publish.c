/*
 * publish.c - per-thread publication into the segment: attaching a thread
 * to a record or to the overflow record, flushing its statistics, and
 * folding them into the exited-thread totals when it exits.
 *
 * How a reader sums without counting a thread twice or missing it
 * ----------------------------------------------------------------
 * Every occupancy of a record has a generation (gen, from 1, per slot).
 * A thread that exits, under the fold lock and inside one write of the
 * exited section's seqlock, adds its final statistics to the totals and
 * sets folded[slot] = gen; only afterwards does it mark its record FREE.
 * A reader copies the records first and the exited section second, and
 * counts a record copy of generation g only if folded[slot] < g:
 *
 *   - record copied before the fold: the exited copy either predates the
 *     fold (the record's last flush counts, the fold is not yet there) or
 *     follows it (folded[slot] >= g: the record is skipped, the final
 *     numbers in the totals count);
 *   - record copied FREE: the fold that freed it happened before (the FREE
 *     store follows the fold in the exiting thread, and the reader's
 *     acquire load of the record's sequence pairs with the release that
 *     published FREE), so the totals hold it;
 *   - a later occupant that came and went between the two copies has
 *     folded[slot] > g, which also skips the stale copy.
 *
 * So each thread counts exactly once in every snapshot, with numbers no
 * older than its last flush.  The overflow record is never folded: it
 * keeps the work of every thread that used it, live or exited.
 */
#include "config.h"
#include "publish.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common.h"
#include "core_hooks.h"
#include "sampler.h"
#include "seqlock.h"
#include "shm_writer.h"

#define OVERFLOW_SLOT UINT32_MAX

struct slab_pub_thread {
    slab_shm_writer *w;         /* the segment this handle writes */
    uint32_t slot;              /* record index, or OVERFLOW_SLOT */
    int32_t tid;
    uint64_t gen;               /* occupancy generation of the record */
    uint64_t flushes;
    slab_thread_stats last;     /* overflow: what was added already */
};

static __thread slab_pub_thread *tls_handle;
static __thread int tls_exited;

static int32_t current_tid(void)
{
#ifdef HAVE_GETTID
    return (int32_t)gettid();
#else
    return (int32_t)syscall(SYS_gettid);
#endif
}

/* ------------------------------------------------------------------ records */

/* Write a record as a whole; the record's only writer is the caller. */
static void write_record(slab_shm_writer *w, slab_pub_thread *t, uint32_t state,
                         const slab_thread_stats *stats)
{
    slab_shm_seg_record *rec = slab_shm_writer_record(w, t->slot);
    slab_shm_seg_record r;

    memset(&r, 0, sizeof(r));
    r.gen = t->gen;
    r.state = state;
    if (state != SLAB_SHM_REC_FREE) {
        r.tid = t->tid;
        r.update_mono_ns = slab_shm_mono_ns();
        r.flushes = t->flushes;
        /* The kernel's name of this thread, as /proc/thread-self/comm. */
        char name[17] = "";
        prctl(PR_GET_NAME, name, 0, 0, 0);
        memcpy(r.name, name, sizeof(r.name));
        if (stats)
            slab_shm_stats_to_seg(&r.stats, stats);
    }
    uint64_t s = slab_seq_write_begin(&rec->seq);
    slab_seq_copy_in((char *)rec + 8, (const char *)&r + 8, sizeof(r) - 8);
    slab_seq_write_end(&rec->seq, s);
}

static void write_overflow(slab_shm_writer *w)
{
    slab_shm_seg_overflow o;

    memset(&o, 0, sizeof(o));
    o.threads = w->overflow_threads;
    o.live_threads = w->overflow_live;
    o.update_mono_ns = slab_shm_mono_ns();
    slab_shm_stats_to_seg(&o.stats, &w->overflow_sum);
    uint64_t s = slab_seq_write_begin(&w->overflow->seq);
    slab_seq_copy_in((char *)w->overflow + 8, (const char *)&o + 8, sizeof(o) - 8);
    slab_seq_write_end(&w->overflow->seq, s);
}

/* Give t a record of w, or a share of the overflow record. */
static void attach(slab_shm_writer *w, slab_pub_thread *t)
{
    memset(t, 0, sizeof(*t));
    t->w = w;
    t->tid = current_tid();
    pthread_mutex_lock(&w->slots_lock);
    if (w->free_count > 0) {
        t->slot = w->free_slots[--w->free_count];
        t->gen = ++w->slot_gen[t->slot];
    } else {
        t->slot = OVERFLOW_SLOT;
    }
    pthread_mutex_unlock(&w->slots_lock);

    if (t->slot != OVERFLOW_SLOT) {
        write_record(w, t, SLAB_SHM_REC_LIVE, NULL);
    } else {
        pthread_mutex_lock(&w->overflow_lock);
        w->overflow_threads++;
        w->overflow_live++;
        write_overflow(w);
        pthread_mutex_unlock(&w->overflow_lock);
    }
}

slab_pub_thread *slab_pub_thread_get(void)
{
    slab_shm_writer *w;
    slab_pub_thread *t = tls_handle;

    if (tls_exited)
        return NULL;
    w = slab_shm_writer_current();
    if (!w)
        return NULL;
    if (t && t->w == w)
        return t;
    /* First use, or the segment changed (unpublished and published again,
     * or fork): the old one is no longer read, so just start afresh. */
    if (!t) {
        t = malloc(sizeof(*t));
        if (!t)
            return NULL;
    }
    attach(w, t);
    tls_handle = t;
    return t;
}

void slab_pub_thread_flush(slab_pub_thread *t, const slab_thread_stats *now)
{
    slab_shm_writer *w;

    if (!t || !now)
        return;
    w = slab_shm_writer_current();
    if (!w)
        return;
    if (t->w != w) {
        if (t != tls_handle)
            return;         /* not the caller's own handle */
        attach(w, t);
    }
    t->flushes++;
    if (t->slot != OVERFLOW_SLOT) {
        write_record(w, t, SLAB_SHM_REC_LIVE, now);
    } else {
        pthread_mutex_lock(&w->overflow_lock);
        slab_shm_stats_fold_delta(&w->overflow_sum, now, &t->last);
        t->last = *now;
        write_overflow(w);
        pthread_mutex_unlock(&w->overflow_lock);
    }
    slab_shm_writer_refresh(w, 0);
}

void slab_pub_thread_exit(slab_pub_thread *t, const slab_thread_stats *final)
{
    slab_shm_writer *w;
    slab_thread_stats zero;

    if (!t)
        return;
    if (t == tls_handle) {
        tls_handle = NULL;
        tls_exited = 1;
    }
    w = t->w;
    if (!final) {
        memset(&zero, 0, sizeof(zero));
        final = &zero;
    }
    if (w != slab_shm_writer_current()) {
        free(t);            /* a segment nobody reads any more */
        return;
    }

    if (t->slot == OVERFLOW_SLOT) {
        pthread_mutex_lock(&w->overflow_lock);
        slab_shm_stats_fold_delta(&w->overflow_sum, final, &t->last);
        w->overflow_live--;
        write_overflow(w);
        pthread_mutex_unlock(&w->overflow_lock);
        free(t);
        return;
    }

    /* Fold: totals and folded[slot] change in one write of the exited
     * section, so a reader sees both or neither. */
    pthread_mutex_lock(&w->fold_lock);
    slab_shm_stats_fold(&w->exited_sum, final);
    w->exited_threads++;
    {
        slab_shm_seg_exited e;
        memset(&e, 0, sizeof(e));
        e.threads = w->exited_threads;
        e.update_mono_ns = slab_shm_mono_ns();
        slab_shm_stats_to_seg(&e.stats, &w->exited_sum);
        uint64_t s = slab_seq_write_begin(&w->exited->seq);
        slab_seq_copy_in((char *)w->exited + 8, (const char *)&e + 8,
                         sizeof(e) - 8);
        slab_seq_store(&w->folded[t->slot], t->gen);
        slab_seq_write_end(&w->exited->seq, s);
    }
    pthread_mutex_unlock(&w->fold_lock);

    /* Only now free the record (see the comment at the top). */
    write_record(w, t, SLAB_SHM_REC_FREE, NULL);
    pthread_mutex_lock(&w->slots_lock);
    w->free_slots[w->free_count++] = t->slot;
    pthread_mutex_unlock(&w->slots_lock);
    free(t);
    slab_shm_writer_refresh(w, 0);
}

/* ------------------------------------------------------------------ plug-in */

/* The first allocator of the process starts publishing under the default
 * name (if SLAB_SHM allows), unless whoever embeds the library decides
 * when (slab_shm_writer_defer()). */
static void allocator_created(void)
{
    if (!slab_shm_writer_deferred())
        slab_shm_writer_autostart();
}

static void sampler_flush(const slab_thread_stats *now)
{
    slab_pub_thread_flush(slab_pub_thread_get(), now);
}

static void sampler_exit(const slab_thread_stats *final)
{
    slab_pub_thread_exit(slab_pub_thread_get(), final);
}

static const slab_core_hooks core_hooks = {
    .allocator_created = allocator_created,
};

static const slab_sampler_sink sampler_sink = {
    .flush = sampler_flush,
    .thread_exit = sampler_exit,
};

/* A constructor, so that it runs before main() and before any allocator a
 * program could create. */
__attribute__((constructor)) void slab_pub_install(void)
{
    slab_core_set_hooks(&core_hooks);
    slab_sampler_set_sink(&sampler_sink);
}
