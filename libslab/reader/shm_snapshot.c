/*
 * shm_snapshot.c - copying a segment's sections out under their seqlocks.
 *
 * Works on an attached, validated reader (shm_reader.c): only the
 * validated header copy's counts and offsets are used, every read of the
 * mapping is an atomic word load under the SIGBUS guard (shm_guard.c), and
 * the time spent waiting for sections stuck mid-write is bounded per
 * snapshot, whatever the segment claims.
 */
#include "config.h"
#include "shm_reader.h"

#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "seqlock.h"

/* Whole-snapshot attempts when a shared section stays busy. */
#define SNAPSHOT_TRIES 4u
/* Longest a reader yields to a writer stuck in one section. */
#define YIELD_BUDGET_NS 2000000u        /* 2 ms */
/* All the waiting for busy sections one snapshot may do: past it, each
 * section gets one try, so that a segment full of records stuck mid-write
 * costs a refresh milliseconds, not seconds. */
#define SNAPSHOT_WAIT_NS 20000000u      /* 20 ms */

/* Test hook, NULL outside tests: called in a snapshot between the copy of
 * the process section and the rest, to let a test act as the writer there. */
void (*slab_shm_reader_hook)(slab_shm_reader *r);

/* Wait a little, longer after each failed try. */
static void relax(unsigned tries)
{
    for (unsigned i = 0; i < 32u * tries; i++) {
#if defined(__x86_64__) || defined(__i386__)
        __builtin_ia32_pause();
#elif defined(__aarch64__)
        __asm__ __volatile__("yield");
#else
        atomic_signal_fence(memory_order_seq_cst);
#endif
    }
}

/* Copy a seqlock-covered section of size bytes at off into dst; false when
 * it stayed mid-write for every try.  A segment of an older minor version
 * has avail < size bytes there: the fields appended since read as zero. */
static bool read_section(const slab_shm_reader *r, uint64_t off, void *dst,
                         size_t size, uint64_t avail, const uint64_t *extra_off,
                         void *extra_dst, size_t extra_size)
{
    if (avail < size) {
        memset((char *)dst + avail, 0, size - avail);
        size = (size_t)avail;
    }
    const uint64_t *seq = (const uint64_t *)(const void *)(r->map + off);
    uint64_t deadline = 0;

    for (unsigned tries = 0; tries < SLAB_SEQ_READ_TRIES; tries++) {
        if (tries > 0 && slab_shm_mono_ns() > r->wait_deadline_ns)
            break;          /* this snapshot has waited enough */
        if (tries >= SLAB_SEQ_READ_TRIES / 2) {
            /* Let a preempted writer finish, but give up after
             * YIELD_BUDGET_NS: on a loaded machine each yield may cost a
             * time slice, and a dead writer never finishes. */
            uint64_t now = slab_shm_mono_ns();
            if (!deadline)
                deadline = now + YIELD_BUDGET_NS;
            else if (now > deadline)
                break;
            sched_yield();
        } else if (tries > 0) {
            relax(tries);       /* a running writer takes about a microsecond */
        }
        uint64_t s = slab_seq_read_begin(seq);
        if (s & 1u)
            continue;
        slab_seq_copy_out((char *)dst + 8, r->map + off + 8, size - 8);
        if (extra_off)
            slab_seq_copy_out(extra_dst, r->map + *extra_off, extra_size);
        if (!slab_seq_read_retry(seq, s)) {
            *(uint64_t *)dst = s;
            return true;
        }
    }
    return false;
}

/* Is the record at off free?  A quick look at its first 64 bytes under its
 * seqlock, so that snapshots of a mostly empty segment stay cheap; any
 * doubt (mid-write) answers "not free" and the full read decides. */
static bool record_free(const slab_shm_reader *r, uint64_t off)
{
    const uint64_t *seq = (const uint64_t *)(const void *)(r->map + off);
    slab_shm_seg_record head;

    uint64_t s = slab_seq_read_begin(seq);
    if (s & 1u)
        return false;
    slab_seq_copy_out((char *)&head + 8, r->map + off + 8,
                      offsetof(slab_shm_seg_record, stats) - 8);
    if (slab_seq_read_retry(seq, s))
        return false;
    return head.state == SLAB_SHM_REC_FREE;
}

static slab_shm_error snapshot_once(slab_shm_reader *r, slab_shm_snapshot *s,
                                    slab_shm_errinfo *err, bool *busy)
{
    const slab_shm_seg_header *h = &r->hdr;
    slab_shm_seg_process p;
    slab_shm_seg_overflow o;
    slab_shm_seg_exited e;
    slab_shm_seg_record rec;
    uint32_t n = 0, omitted = 0;

    *busy = false;
    s->writer_now_ns = 0;
    s->process_busy = !read_section(r, h->process_offset, &p, sizeof(p), h->process_size,
                                    NULL, NULL, 0);
    if (s->process_busy)
        memset(&p, 0, sizeof(p));
    memcpy(s->label, p.label, sizeof(s->label));
    slab_shm_sanitize(s->label, sizeof(s->label));
    s->sampling.rate = p.sample_rate;
    s->sampling.mode = p.sample_mode == SLAB_SAMPLE_FIXED ? SLAB_SAMPLE_FIXED
                                                          : SLAB_SAMPLE_RANDOM;
    s->sampling.budget_ppm = p.sample_budget_ppm;
    s->floor.wall_ns = p.floor_wall_ns;
    s->floor.cpu_ns = p.floor_cpu_ns;
    memset(&s->timing, 0, sizeof(s->timing));
    s->timing.wall_p10_ns = p.floor_wall_p10_ns;
    s->timing.wall_p50_ns = p.floor_wall_ns;
    s->timing.wall_p90_ns = p.floor_wall_p90_ns;
    s->timing.wall_p99_ns = p.floor_wall_p99_ns;
    s->timing.cpu_p10_ns = p.floor_cpu_p10_ns;
    s->timing.cpu_p50_ns = p.floor_cpu_ns;
    s->timing.cpu_p90_ns = p.floor_cpu_p90_ns;
    s->timing.cpu_p99_ns = p.floor_cpu_p99_ns;
    s->timing.resolution_ns = p.resolution_ns;
    s->timing.sample_cost_ns = p.sample_cost_ns;
    s->timing.sched = p.sched != 0;
    s->heartbeat_mono_ns = p.heartbeat_mono_ns;
    s->heartbeat_real_ns = p.heartbeat_real_ns;
    s->refreshes = p.refreshes;
    s->writer_now_ns = p.heartbeat_mono_ns;
    for (unsigned c = 0; c < SLAB_SHM_CLASS_COUNT; c++)
        slab_shm_class_from_seg(&s->classes[c], &p.classes[c]);
    memcpy(s->epochs, p.epochs, sizeof(s->epochs));
    s->memory = p.memory;
    if (slab_shm_reader_hook)
        slab_shm_reader_hook(r);

    /* Records first, then the exited section: see publish.c. */
    s->busy_threads = 0;
    memset(&s->omitted, 0, sizeof(s->omitted));
    for (uint32_t i = 0; i < h->record_count; i++) {
        uint64_t off = h->records_offset + (uint64_t)i * h->record_size;
        slab_shm_thread *t = &s->threads[n];
        if (record_free(r, off))
            continue;
        if (!read_section(r, off, &rec, sizeof(rec), 64 + (uint64_t)h->stats_size,
                          NULL, NULL, 0)) {
            s->busy_threads++;
            if (n >= SLAB_SHM_SNAPSHOT_THREADS)
                continue;       /* counted, not listed */
            memset(t, 0, sizeof(*t));
            t->slot = i;
            t->busy = 1;
            t->state = SLAB_SHM_REC_LIVE;
            n++;
            continue;
        }
        if (rec.state != SLAB_SHM_REC_LIVE)
            continue;
        if (n >= SLAB_SHM_SNAPSHOT_THREADS) {
            /* Beyond the list: summed (checked against folded[] below). */
            slab_thread_stats st;
            slab_shm_stats_from_seg(&st, &rec.stats);
            slab_shm_stats_fold(&s->omitted, &st);
            r->omit[omitted].slot = i;
            r->omit[omitted].gen = rec.gen;
            omitted++;
            if (rec.update_mono_ns > s->writer_now_ns)
                s->writer_now_ns = rec.update_mono_ns;
            continue;
        }
        memset(t, 0, sizeof(*t));
        t->slot = i;
        t->state = rec.state;
        t->tid = rec.tid;
        t->gen = rec.gen;
        t->update_mono_ns = rec.update_mono_ns;
        t->flushes = rec.flushes;
        memcpy(t->name, rec.name, sizeof(rec.name));
        slab_shm_sanitize(t->name, sizeof(t->name));
        slab_shm_stats_from_seg(&t->stats, &rec.stats);
        if (rec.update_mono_ns > s->writer_now_ns)
            s->writer_now_ns = rec.update_mono_ns;
        n++;
    }

    if (!read_section(r, h->overflow_offset, &o, sizeof(o),
                      64 + (uint64_t)h->stats_size, NULL, NULL, 0)) {
        *busy = true;
        return slab_shm_fail(err, SLAB_SHM_ERR_BUSY, EBUSY,
            "the overflow record of %s stayed busy; try again", r->object);
    }
    if (!read_section(r, h->exited_offset, &e, sizeof(e),
                      64 + (uint64_t)h->stats_size, &h->folded_offset,
                      r->folded, (size_t)h->record_count * 8)) {
        *busy = true;
        return slab_shm_fail(err, SLAB_SHM_ERR_BUSY, EBUSY,
            "the exited-thread totals of %s stayed busy; try again", r->object);
    }
    s->overflow_threads = o.threads;
    s->overflow_live_threads = o.live_threads;
    slab_shm_stats_from_seg(&s->overflow, &o.stats);
    s->exited_threads = e.threads;
    slab_shm_stats_from_seg(&s->exited, &e.stats);
    if (o.update_mono_ns > s->writer_now_ns)
        s->writer_now_ns = o.update_mono_ns;
    if (e.update_mono_ns > s->writer_now_ns)
        s->writer_now_ns = e.update_mono_ns;

    /* An omitted record whose thread the totals now hold would count
     * twice: take the snapshot again. */
    for (uint32_t k = 0; k < omitted; k++) {
        if (r->folded[r->omit[k].slot] >= r->omit[k].gen) {
            *busy = true;
            return slab_shm_fail(err, SLAB_SHM_ERR_BUSY, EBUSY,
                "threads of %s kept exiting during the snapshot; try again",
                r->object);
        }
    }
    s->omitted_threads = omitted;

    /* Drop the record copies whose thread the totals already hold. */
    uint32_t kept = 0;
    memset(&s->total, 0, sizeof(s->total));
    for (uint32_t k = 0; k < n; k++) {
        slab_shm_thread *t = &s->threads[k];
        if (!t->busy && r->folded[t->slot] >= t->gen)
            continue;
        if (kept != k)
            s->threads[kept] = *t;
        if (!s->threads[kept].busy)
            slab_shm_stats_fold(&s->total, &s->threads[kept].stats);
        kept++;
    }
    s->thread_count = kept;
    slab_shm_stats_fold(&s->total, &s->overflow);
    slab_shm_stats_fold(&s->total, &s->exited);
    slab_shm_stats_fold(&s->total, &s->omitted);
    return SLAB_SHM_OK;
}

struct snap_call {
    slab_shm_reader *r;
    slab_shm_snapshot *s;
    slab_shm_errinfo *err;
    bool *busy;
    slab_shm_error result;
};

static void run_snapshot(void *arg)
{
    struct snap_call *c = arg;
    c->result = snapshot_once(c->r, c->s, c->err, c->busy);
}

SLAB_API slab_shm_error slab_shm_snapshot_take(slab_shm_reader *r,
                                               slab_shm_snapshot **snap,
                                               slab_shm_errinfo *err)
{
    slab_shm_snapshot *s;
    slab_shm_error e;
    bool busy = false;

    if (!r || !snap)
        return slab_shm_fail(err, SLAB_SHM_ERR_INVALID, EINVAL,
                             "no reader or snapshot given");
    s = *snap;
    if (s && s->id.record_count != r->hdr.record_count) {
        slab_shm_snapshot_free(s);
        s = *snap = NULL;
    }
    if (!s) {
        s = calloc(1, sizeof(*s));
        if (!s)
            return slab_shm_fail(err, SLAB_SHM_ERR_NO_MEMORY, ENOMEM,
                                 "out of memory for a snapshot of %s", r->object);
        /* record_count was bounded by the file size at attach. */
        uint32_t list = r->hdr.record_count < SLAB_SHM_SNAPSHOT_THREADS
                            ? r->hdr.record_count : SLAB_SHM_SNAPSHOT_THREADS;
        s->threads = calloc(list + 1, sizeof(*s->threads));
        if (!s->threads) {
            free(s);
            return slab_shm_fail(err, SLAB_SHM_ERR_NO_MEMORY, ENOMEM,
                                 "out of memory for a snapshot of %s", r->object);
        }
        *snap = s;
    }
    slab_shm_reader_identity(r, &s->id);
    s->retries = 0;
    r->wait_deadline_ns = slab_shm_mono_ns() + SNAPSHOT_WAIT_NS;
    /* The closed flag is loaded before the copy (it is the acquire that
     * orders it after the owner's final write).  If the owner closed during
     * the copy, the state says EXITED but the copy may predate the final
     * write, so it is taken once more, now after the flag. */
    for (unsigned pass = 0; pass < 2; pass++) {
        bool closed = slab_shm_reader_closed(r);
        for (unsigned tries = 0; tries < SNAPSHOT_TRIES; tries++) {
            e = slab_shm_reader_check_size(r, err);
            if (e != SLAB_SHM_OK)
                return e;
            struct snap_call c = { r, s, err, &busy, SLAB_SHM_OK };
            if (!slab_shm_guard_run(r, run_snapshot, &c))
                return slab_shm_guard_changed(r, err);
            e = c.result;
            if (!busy)
                break;
            s->retries++;
        }
        if (e != SLAB_SHM_OK)
            return e;
        s->state = slab_shm_reader_state(r);
        if (closed || !slab_shm_reader_closed(r))
            break;
    }
    if (err)
        slab_shm_fail(err, SLAB_SHM_OK, 0, "snapshot of %s taken", r->object);
    return SLAB_SHM_OK;
}

SLAB_API void slab_shm_snapshot_free(slab_shm_snapshot *snap)
{
    if (!snap)
        return;
    free(snap->threads);
    free(snap);
}
