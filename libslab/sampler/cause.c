/*
 * cause.c - the tail of an interval, what its time was made of, and the
 * cause named beside the verdict.  Pure functions of published figures:
 * any reader can call them, and none costs the writer anything.
 *
 * The rule is written in slab_stats.h above slab_diagnose() and in
 * libslab(3), "Verdict and cause".
 */
#include "config.h"
#include "slab_stats.h"

#include <stddef.h>
#include <string.h>

#include "common.h"

/* ------------------------------------------------------------ tail */

SLAB_API void slab_tail_cut_at(slab_tail_cut *cut, const uint64_t *wall_hist, double q)
{
    if (cut == NULL)
        return;
    cut->bucket = SLAB_HIST_BUCKETS;
    cut->part = 0.0;
    cut->threshold_ns = UINT64_MAX;
    if (wall_hist == NULL)
        return;
    uint64_t n = 0;
    for (unsigned i = 0; i < SLAB_HIST_BUCKETS; i++)
        n += wall_hist[i];
    if (n == 0)
        return;
    double want = (1.0 - q) * (double)n, above = 0.0;
    for (unsigned i = SLAB_HIST_BUCKETS; i-- > 0;) {
        if (wall_hist[i] == 0)
            continue;
        if (above + (double)wall_hist[i] >= want) {
            cut->bucket = i;
            cut->part = (want - above) / (double)wall_hist[i];
            cut->threshold_ns = slab_hist_quantile(wall_hist, q);
            return;
        }
        above += (double)wall_hist[i];
    }
    cut->bucket = 0;
    cut->part = 1.0;
    cut->threshold_ns = 0;
}

/* Of the counts h[8g..8g+7], how many lie beyond the cut; *all gets them all. */
static double beyond_cut(const uint64_t *h, unsigned g, const slab_tail_cut *cut, double *all)
{
    double n = 0.0, in = 0.0;
    for (unsigned b = g * 8; b < g * 8 + 8; b++) {
        double c = (double)h[b];
        n += c;
        if (b > cut->bucket)
            in += c;
        else if (b == cut->bucket)
            in += c * cut->part;
    }
    *all = n;
    return in;
}

static double bucket_mid(unsigned b)
{
    return 0.5 * ((double)slab_hist_bucket_low(b) + (double)slab_hist_bucket_high(b));
}

/* What the clocks alone put beyond the cut in group g: a sample's timed
 * window is an empty region plus the call, so of n samples, about n times
 * the share of empty regions in a bucket land there whatever the call
 * did (an interrupt, or a stolen moment, inside the reads).  *count gets
 * how many, the result their wall time above the floor. */
static double window_excess(const uint64_t *null_hist, double null_n, double samples,
                            unsigned g, const slab_tail_cut *cut, double fw, double *count)
{
    double c = 0.0, wall = 0.0;
    *count = 0.0;
    if (null_n <= 0.0)
        return 0.0;
    for (unsigned b = g * 8; b < g * 8 + 8; b++) {
        double share = b > cut->bucket ? 1.0 : b == cut->bucket ? cut->part : 0.0;
        if (share <= 0.0 || null_hist[b] == 0)
            continue;
        double k = samples * share * (double)null_hist[b] / null_n;
        double over = bucket_mid(b) - fw;
        c += k;
        wall += k * (over > 0.0 ? over : 0.0);
    }
    *count = c;
    return wall;
}

/* n timed repairs, of wall_sum and cpu_sum ns in all: each stands for
 * itself; its CPU time is repair work and the rest of its wall time other
 * off-CPU time. */
static void add_timed_repairs(slab_tail *t, double n, double wall_sum, double cpu_sum,
                              double fw, double fc)
{
    double wall = wall_sum - n * fw;
    double cpu = cpu_sum - n * fc;
    wall = wall > 0.0 ? wall : 0.0;
    cpu = cpu < 0.0 ? 0.0 : cpu > wall ? wall : cpu;
    t->repairs += n;
    t->calls += n;
    t->wall_ns += wall;
    t->work_ns[SLAB_PATH_REPAIR] += cpu;
    t->other_ns += wall - cpu;
}

/* The repairs beyond the cut, from the histogram of every timed repair
 * (format 1.3). */
static void add_repairs(slab_tail *t, const slab_thread_stats *d, const slab_tail_cut *cut,
                        double fw, double fc)
{
    for (unsigned g = cut->bucket / 8; g < SLAB_TAIL_GROUPS; g++) {
        double n, in = beyond_cut(d->repair_hist, g, cut, &n);
        if (n > 0.0 && in > 0.0)
            add_timed_repairs(t, in, (double)d->repair_wall_ns[g] * in / n,
                              (double)d->repair_cpu_ns[g] * in / n, fw, fc);
    }
}

static double more(double have, double v)
{
    have += v;
    return have > 0.0 ? have : 0.0;
}

/* Adds k times the parts of c to the tail's (k < 0 takes them off, down
 * to 0). */
static void call_add(slab_tail *t, const slab_tail_call *c, double k)
{
    t->wall_ns = more(t->wall_ns, c->wall_ns * k);
    t->runq_ns = more(t->runq_ns, c->runq_ns * k);
    t->blocked_ns = more(t->blocked_ns, c->blocked_ns * k);
    t->other_ns = more(t->other_ns, c->other_ns * k);
    for (unsigned p = 0; p < SLAB_PATH_COUNT; p++)
        t->work_ns[p] = more(t->work_ns[p], c->work_ns[p] * k);
}

/* The parts of a call by number: wall time, run-queue wait, blocked,
 * other off-CPU, then work by path. */
#define TAIL_PARTS (4u + SLAB_PATH_COUNT)

static double *part(slab_tail_call *c, unsigned i)
{
    switch (i) {
    case 0: return &c->wall_ns;
    case 1: return &c->runq_ns;
    case 2: return &c->blocked_ns;
    case 3: return &c->other_ns;
    default: return &c->work_ns[i - 4];
    }
}

/* v, brought by one sampled call, among the two largest of part i. */
static void offer(slab_tail *t, unsigned i, double v)
{
    double *first = part(&t->top[0], i), *second = part(&t->top[1], i);
    if (v > *first) {
        *second = *first;
        *first = v;
    } else if (v > *second) {
        *second = v;
    }
}

/* group: the parts of n samples of one group (n > 0), each sample taken
 * to be like the others.  One of them, when slower than the slowest so
 * far, becomes it, and each part keeps its two largest. */
static void keep_largest(slab_tail *t, slab_tail_call *group, double n)
{
    double k = n > 1.0 ? 1.0 / n : 1.0;
    if (group->wall_ns * k > t->slowest.wall_ns)
        for (unsigned i = 0; i < TAIL_PARTS; i++)
            *part(&t->slowest, i) = *part(group, i) * k;
    for (unsigned i = 0; i < TAIL_PARTS; i++) {
        double all = *part(group, i), one = all * k;
        offer(t, i, one);
        if (n >= 2.0)
            offer(t, i, one);
        else if (n > 1.0)
            offer(t, i, all - one);
    }
}

static double hist_sum(const uint64_t *h)
{
    double n = 0.0;
    for (unsigned i = 0; i < SLAB_HIST_BUCKETS; i++)
        n += (double)h[i];
    return n;
}

SLAB_API void slab_tail_add(slab_tail *t, const slab_thread_stats *d, const slab_tail_cut *cut,
                            const slab_clock_floor *floor)
{
    if (t == NULL || d == NULL || cut == NULL)
        return;
    double fw = floor ? (double)floor->wall_ns : 0.0;
    double fc = floor ? (double)floor->cpu_ns : 0.0;

    /* Repairs: each one is timed, so they join the tail one by one (by
     * their histogram; before format 1.3 all of them when their mean
     * wall time reaches the cut), and the sampled calls that repaired
     * must not stand for them a second time: their repair work is left
     * out of the samples' (their off-CPU time, not kept by path, stays). */
    const ThreadStats *s = &d->seed;
    bool by_hist = hist_sum(d->repair_hist) > 0.0;
    bool counted = by_hist || (s->repair_count > 0 &&
                               s->repair_wall_ns_sum / s->repair_count >= cut->threshold_ns);

    if (s->alloc_samples > 0 && cut->bucket < SLAB_HIST_BUCKETS) {
        double samples = (double)s->alloc_samples;
        double weight = d->allocs > s->alloc_samples ? (double)d->allocs / samples : 1.0;
        double null_n = hist_sum(d->null_wall_hist);
        double mine = 0.0;
        for (unsigned g = cut->bucket / 8; g < SLAB_TAIL_GROUPS; g++) {
            double n, in = beyond_cut(d->wall_hist, g, cut, &n);
            if (n <= 0.0 || in <= 0.0)
                continue;
            double part = in / n;
            const slab_tail_group *x = &d->tail[g];
            double work = 0.0;
            for (unsigned p = 0; p < SLAB_PATH_COUNT; p++)
                work += (double)x->work_ns[p];
            /* The CPU floor comes off the work, in proportion to each path's
             * share of it; the wall floor off the wall time. */
            double keep = work > 0.0 ? (work - n * fc) / work : 0.0;
            if (keep < 0.0)
                keep = 0.0;
            double w[SLAB_PATH_COUNT];
            for (unsigned p = 0; p < SLAB_PATH_COUNT; p++)
                w[p] = (double)x->work_ns[p] * keep * part;
            if (counted)
                w[SLAB_PATH_REPAIR] = 0.0;
            double repaired = counted ? (double)x->work_ns[SLAB_PATH_REPAIR] : 0.0;
            double wall = ((double)x->wall_ns - repaired - n * fw) * part;
            double other = (double)x->other_ns * part;

            /* A pop takes about 10 ns and its sample's window about a
             * microsecond: CPU time that a fast-path sample carries
             * beyond the cut is what the window met (an interrupt the
             * kernel charged to the thread), which the pop itself would
             * almost never meet, and the sample stands for thousands of
             * calls.  It is not the fast path's work. */
            wall -= w[SLAB_PATH_FAST];
            w[SLAB_PATH_FAST] = 0.0;
            /* Off the CPU without a switch (a stolen moment) the same
             * happens to the short calls: as much as the empty regions
             * say the window alone puts beyond the cut comes off the
             * refills' work and the other off-CPU time, never off a slow
             * path's work or a wait for a CPU. */
            double ghosts, excess = window_excess(d->null_wall_hist, null_n, samples, g, cut,
                                                  fw, &ghosts);
            double pool = w[SLAB_PATH_REFILL] + other;
            if (excess > 0.0 && pool > 0.0) {
                double cut_off = excess < pool ? excess : pool;
                double f = 1.0 - cut_off / pool;
                w[SLAB_PATH_REFILL] *= f;
                other *= f;
                wall -= cut_off;
                double gone = ghosts * cut_off / excess;
                in = in > gone ? in - gone : 0.0;
            }

            slab_tail_call c = {
                .wall_ns = wall > 0.0 ? wall * weight : 0.0,
                .runq_ns = (double)x->runq_ns * part * weight,
                .blocked_ns = (double)x->blocked_ns * part * weight,
                .other_ns = other * weight,
            };
            for (unsigned p = 0; p < SLAB_PATH_COUNT; p++)
                c.work_ns[p] = w[p] * weight;
            t->samples += in;
            mine += in;
            t->calls += in * weight;
            call_add(t, &c, 1.0);
            if (in > 0.0)
                keep_largest(t, &c, in);
        }
        if (d->sched_samples > 0)
            t->sched_samples += mine * (double)d->sched_samples / samples;
    }

    if (by_hist)
        add_repairs(t, d, cut, fw, fc);
    else if (counted)       /* a writer before format 1.3: all of them, or none */
        add_timed_repairs(t, (double)s->repair_count, (double)s->repair_wall_ns_sum,
                          (double)s->repair_cpu_ns_sum, fw, fc);
}

/* ------------------------------------------------------------ floor */

static uint64_t hist_total(const uint64_t *h)
{
    uint64_t n = 0;
    for (unsigned i = 0; i < SLAB_HIST_BUCKETS; i++)
        n += h[i];
    return n;
}

SLAB_API int slab_floor_in_situ(const uint64_t *null_wall_hist, const uint64_t *null_cpu_hist,
                                uint64_t min_runs, slab_clock_floor *floor,
                                uint64_t *resolution_ns)
{
    if (null_wall_hist == NULL || null_cpu_hist == NULL)
        return -1;
    uint64_t n = hist_total(null_wall_hist);
    if (n == 0 || n < min_runs)
        return -1;
    uint64_t w10 = slab_hist_quantile(null_wall_hist, 0.10);
    uint64_t w50 = slab_hist_quantile(null_wall_hist, 0.50);
    uint64_t w90 = slab_hist_quantile(null_wall_hist, 0.90);
    uint64_t c10 = slab_hist_quantile(null_cpu_hist, 0.10);
    uint64_t c50 = slab_hist_quantile(null_cpu_hist, 0.50);
    uint64_t c90 = slab_hist_quantile(null_cpu_hist, 0.90);
    if (floor) {
        floor->wall_ns = w50;
        floor->cpu_ns = c50;
    }
    if (resolution_ns) {
        uint64_t rw = w90 - w10, rc = c90 - c10;
        *resolution_ns = rw > rc ? rw : rc;
        if (*resolution_ns == 0)
            *resolution_ns = 1;
    }
    return 0;
}

/* ------------------------------------------------------------ names */

static const char *const cause_names[SLAB_CAUSE_COUNT] = {
    [SLAB_CAUSE_NONE] = "none",
    [SLAB_CAUSE_UNDECIDED] = "undecided",
    [SLAB_CAUSE_RUNQ] = "run-queue",
    [SLAB_CAUSE_THROTTLE] = "throttling",
    [SLAB_CAUSE_STEAL] = "steal",
    [SLAB_CAUSE_BLOCKED] = "blocked",
    [SLAB_CAUSE_OFFCPU] = "off-cpu",
    [SLAB_CAUSE_WORK_FAST] = "work:fast",
    [SLAB_CAUSE_WORK_REFILL] = "work:refill",
    [SLAB_CAUSE_WORK_PARTIAL] = "work:partial",
    [SLAB_CAUSE_WORK_NEW_SLAB] = "work:new-slab",
    [SLAB_CAUSE_WORK_REPAIR] = "work:repair",
    [SLAB_CAUSE_WORK_LARGE] = "work:large",
};

static const char *const cause_phrases[SLAB_CAUSE_COUNT] = {
    [SLAB_CAUSE_NONE] = "nothing to explain",
    [SLAB_CAUSE_UNDECIDED] = "cannot decide",
    [SLAB_CAUSE_RUNQ] = "waiting for CPU",
    [SLAB_CAUSE_THROTTLE] = "CPU quota throttling",
    [SLAB_CAUSE_STEAL] = "hypervisor steal",
    [SLAB_CAUSE_BLOCKED] = "blocked in the allocator",
    [SLAB_CAUSE_OFFCPU] = "off-CPU (stopped or sleeping)",
    [SLAB_CAUSE_WORK_FAST] = "fast-path work",
    [SLAB_CAUSE_WORK_REFILL] = "refill work",
    [SLAB_CAUSE_WORK_PARTIAL] = "partial-list work",
    [SLAB_CAUSE_WORK_NEW_SLAB] = "new-slab work",
    [SLAB_CAUSE_WORK_REPAIR] = "repair work",
    [SLAB_CAUSE_WORK_LARGE] = "large-object work",
};

SLAB_API const char *slab_cause_name(slab_cause c)
{
    return (unsigned)c < SLAB_CAUSE_COUNT ? cause_names[c] : "unknown";
}

SLAB_API const char *slab_cause_phrase(slab_cause c)
{
    return (unsigned)c < SLAB_CAUSE_COUNT ? cause_phrases[c] : "unknown";
}

/* ------------------------------------------------------------ diagnosis */

/* The tail's time by cause, as shares of the whole; false when it has
 * none. */
static bool split(const slab_verdict_input *in, const slab_tail *t, const slab_context *ctx,
                  double share[SLAB_CAUSE_COUNT])
{
    double runq = t->runq_ns, other = t->other_ns;
    double throttle = 0.0, steal = 0.0;

    if (ctx && ctx->have_throttle && ctx->throttled_ns > 0.0 && runq > 0.0) {
        double f = in->runq_wait_ns > 0 ? ctx->throttled_ns / (double)in->runq_wait_ns : 1.0;
        if (f > 1.0)
            f = 1.0;
        throttle = runq * f;
        runq -= throttle;
    }
    if (ctx && ctx->have_steal && ctx->steal_share > 0.0 && other > 0.0) {
        steal = ctx->steal_share * t->wall_ns;
        if (steal > other)
            steal = other;
        other -= steal;
    }
    share[SLAB_CAUSE_RUNQ] = runq;
    share[SLAB_CAUSE_THROTTLE] = throttle;
    share[SLAB_CAUSE_STEAL] = steal;
    share[SLAB_CAUSE_BLOCKED] = t->blocked_ns;
    share[SLAB_CAUSE_OFFCPU] = other;
    for (unsigned p = 0; p < SLAB_PATH_COUNT; p++)
        share[SLAB_CAUSE_WORK_FAST + p] = t->work_ns[p];
    double sum = 0.0;
    for (unsigned c = 0; c < SLAB_CAUSE_COUNT; c++)
        sum += share[c];
    for (unsigned c = 0; c < SLAB_CAUSE_COUNT; c++)
        share[c] = sum > 0.0 ? share[c] / sum : 0.0;
    return sum > 0.0;
}

/* The largest of the parts of t's time. */
static slab_cause largest(const slab_verdict_input *in, const slab_tail *t, const slab_context *ctx)
{
    double share[SLAB_CAUSE_COUNT];
    split(in, t, ctx, share);
    slab_cause best = SLAB_CAUSE_NONE;
    for (unsigned c = SLAB_CAUSE_RUNQ; c < SLAB_CAUSE_COUNT; c++)
        if (share[c] > (best == SLAB_CAUSE_NONE ? 0.0 : share[best]))
            best = (slab_cause)c;
    return best;
}

SLAB_API void slab_diagnose(const slab_verdict_input *in, const slab_tail *tail,
                            const slab_context *ctx, slab_diagnosis *out)
{
    if (out == NULL)
        return;
    memset(out, 0, sizeof(*out));
    out->cause = SLAB_CAUSE_NONE;
    if (in == NULL)
        return;
    out->verdict = slab_verdict_compute(in, &out->ratio);
    if (out->ratio > 0.0)
        out->offcpu_share = out->ratio > 1.0 ? 1.0 - 1.0 / out->ratio : 0.0;
    if (out->verdict == SLAB_VERDICT_INSUFFICIENT)
        return;

    bool enough = tail != NULL && tail->samples + tail->repairs >= SLAB_TAIL_MIN_SAMPLES;
    if (tail) {
        if (tail->calls > 0.0)
            out->tail_ns = tail->wall_ns / tail->calls;
        if (tail->slowest.wall_ns > 0.0) {
            slab_tail one = { .samples = 1.0 };
            call_add(&one, &tail->slowest, 1.0);
            out->left_out_ns = tail->slowest.wall_ns;
            out->left_out_cause = largest(in, &one, ctx);
        }
        /* Rule 1: what came from outside the call (a preemption, a
         * stolen moment, a stop) and met one or two sampled calls cannot
         * name the cause: the run-queue wait and the other off-CPU time
         * leave out their two largest amounts.  A sleep inside the
         * allocator, and its work, are the call's own and stay whole.
         * When nothing is left (a tail of a few samples, each its own),
         * the parts are shown as they are, and name no cause. */
        slab_tail kept = *tail;
        if (enough) {
            for (unsigned i = 0; i < 2; i++) {
                slab_tail_call outside = {
                    .runq_ns = tail->top[i].runq_ns,
                    .other_ns = tail->top[i].other_ns,
                };
                call_add(&kept, &outside, -1.0);
            }
        }
        if (!split(in, &kept, ctx, out->share)) {
            split(in, tail, ctx, out->share);
            enough = false;
        }
    }

    /* Rule 2: the tail's largest part, when it is time off the CPU. */
    slab_cause best = SLAB_CAUSE_UNDECIDED;
    double most = 0.0;
    for (unsigned c = SLAB_CAUSE_RUNQ; enough && c < SLAB_CAUSE_COUNT; c++) {
        if (out->share[c] > most) {
            most = out->share[c];
            best = (slab_cause)c;
        }
    }
    if (enough && best < SLAB_CAUSE_WORK_FAST && best != SLAB_CAUSE_UNDECIDED) {
        out->cause = best;
        out->cause_share = most;
        return;
    }

    /* Rule 3: the threads' own accounting. */
    double s = 0.0;
    if (in->thread_cpu_ns >= SLAB_VERDICT_MIN_CPU_NS)
        s = ((double)in->thread_cpu_ns + (double)in->runq_wait_ns) / (double)in->thread_cpu_ns;
    if (s >= 1.5) {
        double f = 0.0;
        if (ctx && ctx->have_throttle && in->runq_wait_ns > 0)
            f = ctx->throttled_ns / (double)in->runq_wait_ns;
        out->cause = f >= 0.5 ? SLAB_CAUSE_THROTTLE : SLAB_CAUSE_RUNQ;
        double sh = out->share[SLAB_CAUSE_RUNQ] + out->share[SLAB_CAUSE_THROTTLE];
        out->cause_share = sh > 0.0 ? sh : 1.0 - 1.0 / s;
        return;
    }

    /* Rule 4: the tail's largest part, allocator work; or undecided. */
    out->cause = enough ? best : SLAB_CAUSE_UNDECIDED;
    out->cause_share = enough ? most : 0.0;
}
