/*
 * model.c - snapshots to figures: deltas, rates, percentiles, verdict.
 */
#include "config.h"
#include "model.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "slab_shm.h"

/* ------------------------------------------------------------ snapshots */

void st_snapshot_init(st_snapshot *s)
{
    memset(s, 0, sizeof(*s));
}

void st_snapshot_free(st_snapshot *s)
{
    free(s->threads);
    st_snapshot_init(s);
}

int st_snapshot_copy(st_snapshot *dst, const st_snapshot *src)
{
    st_thread *threads = NULL;

    if (src->nthreads > 0) {
        threads = malloc(src->nthreads * sizeof(*threads));
        if (threads == NULL)
            return -1;
        memcpy(threads, src->threads, src->nthreads * sizeof(*threads));
    }
    free(dst->threads);
    *dst = *src;
    dst->threads = threads;
    return 0;
}

/* The interval's counts (cur - prev) of what the tail needs. */
static void delta_stats(slab_thread_stats *d, const slab_thread_stats *prev,
                        const slab_thread_stats *cur)
{
    memset(d, 0, sizeof(*d));
    d->allocs = st_delta(prev->allocs, cur->allocs);
    d->seed.alloc_samples = st_delta(prev->seed.alloc_samples, cur->seed.alloc_samples);
    d->seed.repair_count = st_delta(prev->seed.repair_count, cur->seed.repair_count);
    d->seed.repair_wall_ns_sum = st_delta(prev->seed.repair_wall_ns_sum,
                                          cur->seed.repair_wall_ns_sum);
    d->seed.repair_cpu_ns_sum = st_delta(prev->seed.repair_cpu_ns_sum,
                                         cur->seed.repair_cpu_ns_sum);
    d->sched_samples = st_delta(prev->sched_samples, cur->sched_samples);
    for (unsigned i = 0; i < SLAB_HIST_BUCKETS; i++)
        d->wall_hist[i] = st_delta(prev->wall_hist[i], cur->wall_hist[i]);
    for (unsigned g = 0; g < SLAB_TAIL_GROUPS; g++) {
        slab_tail_group *x = &d->tail[g];
        const slab_tail_group *a = &prev->tail[g], *b = &cur->tail[g];
        x->wall_ns = st_delta(a->wall_ns, b->wall_ns);
        x->runq_ns = st_delta(a->runq_ns, b->runq_ns);
        x->blocked_ns = st_delta(a->blocked_ns, b->blocked_ns);
        x->other_ns = st_delta(a->other_ns, b->other_ns);
        for (unsigned p = 0; p < SLAB_PATH_COUNT; p++)
            x->work_ns[p] = st_delta(a->work_ns[p], b->work_ns[p]);
        d->repair_wall_ns[g] = st_delta(prev->repair_wall_ns[g], cur->repair_wall_ns[g]);
        d->repair_cpu_ns[g] = st_delta(prev->repair_cpu_ns[g], cur->repair_cpu_ns[g]);
    }
    for (unsigned i = 0; i < SLAB_HIST_BUCKETS; i++)
        d->repair_hist[i] = st_delta(prev->repair_hist[i], cur->repair_hist[i]);
    /* The shape of the empty regions, which slab_tail_add() takes out of
     * the tail: the interval's when it has enough of them to show the
     * rare slow ones, else the threads' all along. */
    uint64_t n = 0;
    for (unsigned i = 0; i < SLAB_HIST_BUCKETS; i++) {
        d->null_wall_hist[i] = st_delta(prev->null_wall_hist[i], cur->null_wall_hist[i]);
        n += d->null_wall_hist[i];
    }
    if (n < ST_TAIL_NULL_MIN)
        memcpy(d->null_wall_hist, cur->null_wall_hist, sizeof(d->null_wall_hist));
}

void st_snapshot_total(const st_snapshot *s, slab_thread_stats *out)
{
    *out = s->exited;
    for (size_t i = 0; i < s->nthreads; i++)
        slab_shm_stats_add(out, &s->threads[i].stats);
}

/* -------------------------------------------------------------- figures */

static uint64_t minus_floor(uint64_t v, uint64_t floor)
{
    return v > floor ? v - floor : 0;
}

static double per_s(uint64_t n, uint64_t elapsed_ns)
{
    return elapsed_ns ? (double)n * 1e9 / (double)elapsed_ns : 0.0;
}

/* The largest value of the interval: exact when the cumulative maximum
 * moved during it, otherwise the top of the highest bucket that gained a
 * sample (never above the cumulative maximum). */
static uint64_t interval_max(const uint64_t *dh, uint64_t prev_max,
                             uint64_t cur_max)
{
    if (cur_max > prev_max)
        return cur_max;
    for (unsigned i = SLAB_HIST_BUCKETS; i-- > 0;) {
        if (dh[i]) {
            uint64_t hi = slab_hist_bucket_high(i);
            return hi < cur_max ? hi : cur_max;
        }
    }
    return 0;
}

void st_figures_compute(st_figures *f, const slab_thread_stats *prev,
                        const slab_thread_stats *cur, uint64_t elapsed_ns,
                        uint64_t floor_wall_ns, uint64_t floor_cpu_ns)
{
    st_figures_compute_ctx(f, prev, cur, elapsed_ns, floor_wall_ns, floor_cpu_ns, NULL, 0);
}

void st_figures_compute_ctx(st_figures *f, const slab_thread_stats *prev,
                            const slab_thread_stats *cur, uint64_t elapsed_ns,
                            uint64_t floor_wall_ns, uint64_t floor_cpu_ns,
                            const slab_context *ctx, uint64_t resolution_ns)
{
    st_figures_compute_parts(f, prev, cur, elapsed_ns, floor_wall_ns, floor_cpu_ns, ctx,
                             resolution_ns, NULL, 0);
}

/* Add to calls[] a part's sampled wall histogram, each sample counted
 * for the calls it stands for (the part's allocations per sample). */
static void add_calls(uint64_t *calls, const slab_thread_stats *prev,
                      const slab_thread_stats *cur)
{
    static const slab_thread_stats zero;
    if (prev == NULL)
        prev = &zero;
    uint64_t samples = st_delta(prev->seed.alloc_samples, cur->seed.alloc_samples);
    uint64_t allocs = st_delta(prev->allocs, cur->allocs);
    if (samples == 0)
        return;
    uint64_t w = allocs > samples ? (allocs + samples / 2) / samples : 1;
    for (unsigned b = 0; b < SLAB_HIST_BUCKETS; b++)
        calls[b] += st_delta(prev->wall_hist[b], cur->wall_hist[b]) * w;
}

/* The tails beyond both cuts of one part of the interval. */
static void tail_part(st_figures *f, slab_thread_stats *d, const slab_thread_stats *prev,
                      const slab_thread_stats *cur, const slab_tail_cut cut[2],
                      const slab_clock_floor *floor)
{
    static const slab_thread_stats zero;
    delta_stats(d, prev ? prev : &zero, cur);
    slab_tail_add(&f->tail, d, &cut[0], floor);
    slab_tail_add(&f->tail999, d, &cut[1], floor);
}

void st_figures_compute_parts(st_figures *f, const slab_thread_stats *prev,
                              const slab_thread_stats *cur, uint64_t elapsed_ns,
                              uint64_t floor_wall_ns, uint64_t floor_cpu_ns,
                              const slab_context *ctx, uint64_t resolution_ns,
                              const st_part *parts, size_t nparts)
{
    static const slab_thread_stats zero;
    const ThreadStats *a, *b = &cur->seed;
    uint64_t dwall[SLAB_HIST_BUCKETS], dcpu[SLAB_HIST_BUCKETS];
    uint64_t wall_sum, cpu_sum, thread_cpu, runq;
    bool restarted;

    if (prev == NULL)
        prev = &zero;
    a = &prev->seed;
    memset(f, 0, sizeof(*f));

    /* A record whose sample count went down belongs to a new thread (or a
     * new owner): everything restarts from zero together. */
    restarted = b->alloc_samples < a->alloc_samples || cur->allocs < prev->allocs;
    if (restarted) {
        prev = &zero;
        a = &prev->seed;
    }

    /* The floor in situ: the empty regions timed among the interval's
     * samples, else the thread's all along, else the start-up floor. */
    {
        uint64_t nw[SLAB_HIST_BUCKETS], nc[SLAB_HIST_BUCKETS];
        slab_clock_floor fl;
        uint64_t res;
        for (unsigned i = 0; i < SLAB_HIST_BUCKETS; i++) {
            nw[i] = st_delta(prev->null_wall_hist[i], cur->null_wall_hist[i]);
            nc[i] = st_delta(prev->null_cpu_hist[i], cur->null_cpu_hist[i]);
        }
        if (slab_floor_in_situ(nw, nc, ST_FLOOR_MIN_RUNS, &fl, &res) == 0 ||
            slab_floor_in_situ(cur->null_wall_hist, cur->null_cpu_hist, ST_FLOOR_MIN_RUNS,
                               &fl, &res) == 0) {
            floor_wall_ns = fl.wall_ns;
            floor_cpu_ns = fl.cpu_ns;
            resolution_ns = res;
            f->floor_in_situ = true;
        }
        f->floor_wall_ns = floor_wall_ns;
        f->floor_cpu_ns = floor_cpu_ns;
    }

    f->elapsed_s = (double)elapsed_ns / 1e9;
    f->allocs = st_delta(prev->allocs, cur->allocs);
    f->samples = st_delta(a->alloc_samples, b->alloc_samples);
    f->preempted = st_delta(prev->preempted, cur->preempted);
    f->nivcsw = st_delta(prev->nivcsw, cur->nivcsw);
    f->repairs = st_delta(a->repair_count, b->repair_count);
    f->full_bitmap = st_delta(a->repair_reason_full_bitmap, b->repair_reason_full_bitmap);
    f->list_mismatch = st_delta(a->repair_reason_list_mismatch, b->repair_reason_list_mismatch);
    f->other = st_delta(a->repair_reason_other, b->repair_reason_other);
    wall_sum = st_delta(a->alloc_wall_ns_sum, b->alloc_wall_ns_sum);
    cpu_sum = st_delta(a->alloc_cpu_ns_sum, b->alloc_cpu_ns_sum);
    thread_cpu = st_delta(prev->thread_cpu_ns, cur->thread_cpu_ns);
    runq = st_delta(prev->runq_wait_ns, cur->runq_wait_ns);

    f->allocs_per_s = per_s(f->allocs, elapsed_ns);
    f->samples_per_s = per_s(f->samples, elapsed_ns);
    f->repairs_per_s = per_s(f->repairs, elapsed_ns);
    f->nivcsw_per_s = per_s(f->nivcsw, elapsed_ns);

    if (f->samples > 0) {
        double wm = (double)wall_sum / (double)f->samples - (double)floor_wall_ns;
        double cm = (double)cpu_sum / (double)f->samples - (double)floor_cpu_ns;
        f->wall_mean_ns = wm > 0 ? wm : 0;
        f->cpu_mean_ns = cm > 0 ? cm : 0;
        f->preempted_share = (double)f->preempted / (double)f->samples;
        if (f->preempted_share > 1)
            f->preempted_share = 1;
    }

    for (unsigned i = 0; i < SLAB_HIST_BUCKETS; i++) {
        dwall[i] = st_delta(prev->wall_hist[i], cur->wall_hist[i]);
        dcpu[i] = st_delta(prev->cpu_hist[i], cur->cpu_hist[i]);
    }
    f->wall_p50 = minus_floor(slab_hist_quantile(dwall, 0.50), floor_wall_ns);
    f->wall_p99 = minus_floor(slab_hist_quantile(dwall, 0.99), floor_wall_ns);
    f->wall_p999 = minus_floor(slab_hist_quantile(dwall, 0.999), floor_wall_ns);
    f->cpu_p50 = minus_floor(slab_hist_quantile(dcpu, 0.50), floor_cpu_ns);
    f->cpu_p99 = minus_floor(slab_hist_quantile(dcpu, 0.99), floor_cpu_ns);
    f->cpu_p999 = minus_floor(slab_hist_quantile(dcpu, 0.999), floor_cpu_ns);
    f->wall_max_ns = minus_floor(interval_max(dwall, a->alloc_wall_ns_max,
                                              b->alloc_wall_ns_max), floor_wall_ns);
    f->cpu_max_ns = minus_floor(interval_max(dcpu, a->alloc_cpu_ns_max,
                                             b->alloc_cpu_ns_max), floor_cpu_ns);
    /* A percentile is a bucket's midpoint; never show one above the max. */
    if (f->wall_max_ns) {
        f->wall_p50 = f->wall_p50 < f->wall_max_ns ? f->wall_p50 : f->wall_max_ns;
        f->wall_p99 = f->wall_p99 < f->wall_max_ns ? f->wall_p99 : f->wall_max_ns;
        f->wall_p999 = f->wall_p999 < f->wall_max_ns ? f->wall_p999 : f->wall_max_ns;
    }
    if (f->cpu_max_ns) {
        f->cpu_p50 = f->cpu_p50 < f->cpu_max_ns ? f->cpu_p50 : f->cpu_max_ns;
        f->cpu_p99 = f->cpu_p99 < f->cpu_max_ns ? f->cpu_p99 : f->cpu_max_ns;
        f->cpu_p999 = f->cpu_p999 < f->cpu_max_ns ? f->cpu_p999 : f->cpu_max_ns;
    }

    if (thread_cpu + runq > 0)
        f->cpu_share = (double)thread_cpu / (double)(thread_cpu + runq);
    f->runq_share = elapsed_ns ? (double)runq / (double)elapsed_ns : 0.0;

    slab_verdict_input in = {
        .samples = f->samples,
        .wall_ns_sum = wall_sum,
        .cpu_ns_sum = cpu_sum,
        .floor_wall_ns = floor_wall_ns,
        .floor_cpu_ns = floor_cpu_ns,
        .elapsed_ns = elapsed_ns,
        .thread_cpu_ns = thread_cpu,
        .runq_wait_ns = runq,
        .nivcsw = f->nivcsw,
        .wall_hist = dwall,
        .cpu_hist = dcpu,
    };

    /* The tail above p99 and p99.9, and its cause.  The cuts are the
     * process's; each part's samples beyond them stand for its own calls.
     * A process that restarted has no parts to go by. */
    slab_thread_stats *d = malloc(sizeof(*d));
    slab_clock_floor floor = { floor_wall_ns, floor_cpu_ns };
    slab_tail_cut cut[2];
    bool have_tail = d != NULL;
    f->resolution_ns = resolution_ns;
    if (have_tail) {
        slab_tail_cut_at(&cut[0], dwall, 0.99);
        slab_tail_cut_at(&cut[1], dwall, 0.999);
        f->tail_p99_raw = cut[0].threshold_ns;
        f->tail_p999_raw = cut[1].threshold_ns;
        if (parts != NULL && !restarted) {
            /* The cuts of the calls: each part's samples counted as many
             * times as each stands for calls. */
            uint64_t calls[SLAB_HIST_BUCKETS] = { 0 };
            for (size_t i = 0; i < nparts; i++)
                add_calls(calls, parts[i].prev, parts[i].cur);
            slab_tail_cut_at(&cut[0], calls, 0.99);
            slab_tail_cut_at(&cut[1], calls, 0.999);
            f->tail_p99_raw = cut[0].threshold_ns;
            f->tail_p999_raw = cut[1].threshold_ns;
            for (size_t i = 0; i < nparts; i++)
                tail_part(f, d, parts[i].prev, parts[i].cur, cut, &floor);
        } else {
            tail_part(f, d, prev, cur, cut, &floor);
        }
        free(d);
    }
    slab_diagnose(&in, have_tail ? &f->tail : NULL, ctx, &f->dx);
    slab_diagnose(&in, have_tail ? &f->tail999 : NULL, ctx, &f->dx999);
    f->verdict = f->dx.verdict;
    f->ratio = f->dx.ratio;
}

double st_figures_offcpu(const st_figures *f)
{
    double share;

    if (f->samples == 0 || !(f->wall_mean_ns > 0))
        return 0;
    share = 1.0 - f->cpu_mean_ns / f->wall_mean_ns;
    return share < 0 ? 0 : share > 1 ? 1 : share;
}

/* ------------------------------------------------------------- history */

void st_history_push(st_history *h, const st_point *p)
{
    h->p[h->head] = *p;
    h->head = (h->head + 1) % ST_HISTORY_MAX;
    if (h->count < ST_HISTORY_MAX)
        h->count++;
}

const st_point *st_history_at(const st_history *h, size_t i)
{
    if (i >= h->count)
        return NULL;
    return &h->p[(h->head + ST_HISTORY_MAX - h->count + i) % ST_HISTORY_MAX];
}

/* ------------------------------------------------------------- sorting */

static const char *const sort_names[ST_SORT_COUNT] = {
    [ST_SORT_TID] = "tid",
    [ST_SORT_NAME] = "name",
    [ST_SORT_ALLOCS] = "allocs",
    [ST_SORT_SAMPLES] = "samples",
    [ST_SORT_RATIO] = "ratio",
    [ST_SORT_WALL] = "wall",
    [ST_SORT_CPU] = "cpu",
    [ST_SORT_REPAIRS] = "repairs",
    [ST_SORT_STATE] = "state",
};

const char *st_sort_name(st_sort key)
{
    return (unsigned)key < ST_SORT_COUNT ? sort_names[key] : "?";
}

int st_sort_from_name(const char *name)
{
    for (int i = 0; i < ST_SORT_COUNT; i++)
        if (strcmp(name, sort_names[i]) == 0)
            return i;
    return -1;
}

static st_sort sort_key;
static bool sort_reverse;

static int cmp_u64(uint64_t a, uint64_t b)
{
    return a < b ? -1 : a > b;
}

static int cmp_double(double a, double b)
{
    return a < b ? -1 : a > b;
}

/* Natural order of each column: text and ids ascending, figures with the
 * largest first (as top does). */
static int cmp_rows(const void *pa, const void *pb)
{
    const st_row *a = pa, *b = pb;
    int c;

    switch (sort_key) {
    case ST_SORT_NAME:    c = strcmp(a->name, b->name); break;
    case ST_SORT_ALLOCS:  c = -cmp_double(a->f.allocs_per_s, b->f.allocs_per_s); break;
    case ST_SORT_SAMPLES: c = -cmp_u64(a->samples_total, b->samples_total); break;
    case ST_SORT_RATIO:   c = -cmp_double(a->f.ratio, b->f.ratio); break;
    case ST_SORT_WALL:    c = -cmp_u64(a->f.wall_p99, b->f.wall_p99); break;
    case ST_SORT_CPU:     c = -cmp_u64(a->f.cpu_p99, b->f.cpu_p99); break;
    case ST_SORT_REPAIRS: c = -cmp_u64(a->repairs_total, b->repairs_total); break;
    case ST_SORT_STATE:   c = (int)a->state - (int)b->state; break;
    case ST_SORT_TID:
    default:              c = 0; break;
    }
    if (c == 0)
        c = cmp_u64(a->tid, b->tid);
    return sort_reverse ? -c : c;
}

void st_view_sort(st_view *v, st_sort key, bool reverse)
{
    sort_key = key;
    sort_reverse = reverse;
    if (v->nrows > 1)
        qsort(v->rows, v->nrows, sizeof(*v->rows), cmp_rows);
}

/* --------------------------------------------------------------- model */

void st_model_init(st_model *m)
{
    memset(m, 0, sizeof(*m));
    st_snapshot_init(&m->prev);
    m->view.history = &m->history;
    m->view.dist_lo = SLAB_HIST_BUCKETS;    /* no refresh yet */
}

void st_model_free(st_model *m)
{
    st_snapshot_free(&m->prev);
    free(m->view.rows);
    memset(m, 0, sizeof(*m));
}

void st_model_reset(st_model *m)
{
    m->have_prev = false;
    m->repair_seen = false;
    m->repair_mono_ns = 0;
    m->history.head = m->history.count = 0;
}

static const st_thread *find_thread(const st_snapshot *s, uint64_t key)
{
    for (size_t i = 0; i < s->nthreads; i++)
        if (s->threads[i].key == key)
            return &s->threads[i];
    return NULL;
}

void st_figures_process(st_figures *f, const st_snapshot *prev,
                        const slab_thread_stats *prev_total, const st_snapshot *cur,
                        const slab_thread_stats *total, uint64_t elapsed_ns,
                        const slab_context *ctx)
{
    /* The parts: each thread, and the exited threads, whose figures
     * before include those of the threads that exited since. */
    st_part *parts = calloc(cur->nthreads + 1, sizeof(*parts));
    slab_thread_stats *gone = prev ? malloc(sizeof(*gone)) : NULL;
    size_t n = 0;
    if (gone) {
        *gone = prev->exited;
        for (size_t i = 0; i < prev->nthreads; i++)
            if (find_thread(cur, prev->threads[i].key) == NULL)
                slab_shm_stats_add(gone, &prev->threads[i].stats);
    }
    if (parts != NULL && (prev == NULL || gone != NULL)) {
        for (size_t i = 0; i < cur->nthreads; i++) {
            const st_thread *pt = prev ? find_thread(prev, cur->threads[i].key) : NULL;
            parts[n++] = (st_part){ pt ? &pt->stats : NULL, &cur->threads[i].stats };
        }
        parts[n++] = (st_part){ gone, &cur->exited };
    }
    st_figures_compute_parts(f, prev ? prev_total : NULL, total, elapsed_ns,
                             cur->floor_wall_ns, cur->floor_cpu_ns, ctx,
                             cur->timing.resolution_ns, n ? parts : NULL, n);
    free(gone);
    free(parts);
}

const char *st_proc_state_name(st_proc_state s)
{
    switch (s) {
    case ST_PROC_ALIVE:    return "alive";
    case ST_PROC_EXITED:   return "exited";
    case ST_PROC_STALE:    return "stale";
    case ST_PROC_STARTING: return "starting";
    case ST_PROC_UNKNOWN:  return "unknown";
    }
    return "?";
}

const char *st_thread_state_name(st_thread_state s)
{
    switch (s) {
    case ST_THREAD_LIVE:     return "live";
    case ST_THREAD_BUSY:     return "busy";
    case ST_THREAD_OVERFLOW: return "overflow";
    case ST_THREAD_FINAL:    return "final";
    }
    return "?";
}

int st_model_update(st_model *m, const st_snapshot *cur)
{
    const st_snapshot *prev = m->have_prev ? &m->prev : NULL;
    st_view *v = &m->view;
    slab_thread_stats prev_total;
    uint64_t elapsed;
    st_row *rows = NULL;
    bool keep_final;

    keep_final = (cur->state == ST_PROC_EXITED || cur->state == ST_PROC_STALE)
                 && cur->nthreads == 0 && v->nrows > 0;
    if (cur->nthreads > 0) {
        rows = calloc(cur->nthreads, sizeof(*rows));
        if (rows == NULL)
            return -1;
    }

    if (prev != NULL && cur->mono_ns < prev->mono_ns)
        prev = NULL;        /* a writer clock going back: a new owner */
    elapsed = prev ? cur->mono_ns - prev->mono_ns : cur->uptime_ns;
    v->since_start = prev == NULL;

    st_snapshot_total(cur, &v->total);
    if (prev)
        st_snapshot_total(prev, &prev_total);
    st_host_context(prev ? &prev->host : NULL, &cur->host, (double)elapsed / 1e9, &v->ctx);
    st_figures_process(&v->summary, prev, prev ? &prev_total : NULL, cur, &v->total, elapsed,
                       &v->ctx);

    unsigned lo = SLAB_HIST_BUCKETS, hi = 0;
    for (unsigned i = 0; i < SLAB_HIST_BUCKETS; i++) {
        v->dist_wall[i] = st_delta(prev ? prev_total.wall_hist[i] : 0, v->total.wall_hist[i]);
        v->dist_cpu[i] = st_delta(prev ? prev_total.cpu_hist[i] : 0, v->total.cpu_hist[i]);
        if (v->dist_wall[i] || v->dist_cpu[i]) {
            lo = i < lo ? i : lo;
            hi = i;
        }
    }
    {
        st_point pt = {
            .allocs_per_s = v->summary.allocs_per_s,
            .samples_per_s = v->summary.samples_per_s,
            .wall_p99 = v->summary.wall_p99,
            .ratio = v->summary.verdict == SLAB_VERDICT_INSUFFICIENT ? 0 : v->summary.ratio,
            .offcpu_share = st_figures_offcpu(&v->summary),
            .verdict = v->summary.verdict,
            .dist_lo = lo,
            .dist_hi = hi,
        };
        st_history_push(&m->history, &pt);
    }
    v->history = &m->history;
    v->dist_lo = SLAB_HIST_BUCKETS;
    v->dist_hi = 0;
    for (size_t k = 0; k < m->history.count && k < ST_DIST_KEEP; k++) {
        const st_point *p = st_history_at(&m->history, m->history.count - 1 - k);
        if (p->dist_lo <= p->dist_hi) {
            v->dist_lo = p->dist_lo < v->dist_lo ? p->dist_lo : v->dist_lo;
            v->dist_hi = p->dist_hi > v->dist_hi ? p->dist_hi : v->dist_hi;
        }
    }

    /* Repairs: when was one last seen, on the writer's clock. */
    v->repairs_total = v->total.seed.repair_count;
    if (v->summary.repairs > 0) {
        m->repair_seen = true;
        m->repair_mono_ns = cur->mono_ns;
    }
    v->repair_seen = m->repair_seen;

    v->repair_age_ns = m->repair_seen && cur->mono_ns >= m->repair_mono_ns
                       ? cur->mono_ns - m->repair_mono_ns : 0;

    if (keep_final) {
        /* The owner has gone and its records with it: keep the last rows
         * and the effective interval, marked final. */
        for (size_t i = 0; i < v->nrows; i++)
            if (v->rows[i].state != ST_THREAD_OVERFLOW)
                v->rows[i].state = ST_THREAD_FINAL;
        goto classes;
    }
    v->effective_interval = 0;
    v->live_threads = 0;
    for (size_t i = 0; i < cur->nthreads; i++) {
        const st_thread *t = &cur->threads[i];
        if (t->state == ST_THREAD_OVERFLOW)
            continue;
        v->live_threads++;
        if (t->stats.interval > v->effective_interval)
            v->effective_interval = t->stats.interval;
    }

    for (size_t i = 0; i < cur->nthreads; i++) {
        const st_thread *t = &cur->threads[i];
        const st_thread *pt = NULL;
        uint64_t te = elapsed;

        if (prev)
            pt = find_thread(prev, t->key);
        if (pt && t->stats.mono_ns > pt->stats.mono_ns)
            te = t->stats.mono_ns - pt->stats.mono_ns;
        rows[i].key = t->key;
        rows[i].tid = t->tid;
        memcpy(rows[i].name, t->name, sizeof(rows[i].name));
        rows[i].name[sizeof(rows[i].name) - 1] = '\0';
        /* An owner that has gone (a stale segment keeps its records) left
         * these values for good: final, as after a normal exit. */
        rows[i].state = t->state != ST_THREAD_OVERFLOW
                        && (cur->state == ST_PROC_EXITED || cur->state == ST_PROC_STALE)
                        ? ST_THREAD_FINAL : t->state;
        rows[i].samples_total = t->stats.seed.alloc_samples;
        rows[i].repairs_total = t->stats.seed.repair_count;
        st_figures_compute_ctx(&rows[i].f, pt ? &pt->stats : NULL, &t->stats, te,
                               cur->floor_wall_ns, cur->floor_cpu_ns, &v->ctx,
                               cur->timing.resolution_ns);
    }

    free(v->rows);
    v->rows = rows;
    v->nrows = cur->nthreads;

classes:
    for (unsigned c = 0; c < SLAB_NUM_CLASSES; c++) {
        const PerfCounters *n = &cur->classes[c].c;
        static const PerfCounters zero;
        const PerfCounters *o = prev ? &prev->classes[c].c : &zero;
        st_class_row *r = &v->classes[c];

        r->size = cur->classes[c].size;
        r->total = *n;
        for (int k = 0; k < ST_CC_COUNT; k++)
            r->per_s[k] = per_s(st_delta(st_ccol_total(o, (st_ccol_id)k),
                                         st_ccol_total(n, (st_ccol_id)k)), elapsed);
    }

    if (st_snapshot_copy(&m->prev, cur) != 0) {
        m->have_prev = false;
        return -1;
    }
    m->have_prev = true;
    v->snap = &m->prev;
    return 0;
}
