/*
 * verdict.c - turn an interval's samples and scheduler signals into the
 * seed's verdict (clean, moderate, heavy), or "insufficient".
 *
 * The rule, also stated in slab_stats.h and libslab(3):
 *
 * 1. Sampled ratio, when there are at least SLAB_VERDICT_MIN_SAMPLES samples.
 *    The mean wall and CPU figures are floor-corrected (the cost of an
 *    empty timed region on that clock is subtracted) and then given a
 *    granularity g = (floor_wall + floor_cpu) / 4, at least 1 ns:
 *        r = (wall_mean - floor_wall + g) / (cpu_mean - floor_cpu + g)
 *    (each corrected mean clamped at 0).  Without g, calls much shorter
 *    than a clock read would be a ratio of two noise terms; with it, such
 *    calls read as about 1 unless their wall time really exceeds their CPU
 *    time.  The means are trimmed when the histograms are given: each
 *    clock's slowest tenth of the samples (at least one) is left out, so
 *    that one outlier (a single preemption of milliseconds, which alone
 *    made a quiet interval's ratio of plain means read in the thousands)
 *    cannot flip the verdict.  The tail is left to slab_diagnose().
 *
 * 2. Scheduler ratio, when the threads used at least
 *    SLAB_VERDICT_MIN_CPU_NS of CPU in the interval.  A thread that ran for
 *    T and waited R on a run queue would see, on average, a wall/CPU ratio of
 *        s = (T + R) / T
 *    over everything it did; it catches preemption that rarely lands inside
 *    a sampled call.
 *
 * 3. The ratio is the larger of r and s, and the seed's table applies:
 *    below 1.5 clean, 1.5 up to 2 moderate, 2 or more heavy.  A thread that
 *    is switched out involuntarily at least SLAB_VERDICT_SWITCH_RATE times
 *    per second of CPU and has s >= 1.9 is also heavy: it shares its CPU
 *    with another runnable thread and gets about half of it or less, and
 *    the 5 % margin keeps that case from flickering at the border.
 *
 * 4. Neither ratio available: insufficient.
 */
#include "config.h"
#include "slab_stats.h"

#include <stddef.h>

#include "common.h"

/* The mean of the samples of h below its slowest tenth (at least one
 * sample left out), from the bucket midpoints. */
static double trimmed_mean(const uint64_t *h)
{
    uint64_t n = 0;
    for (unsigned i = 0; i < SLAB_HIST_BUCKETS; i++)
        n += h[i];
    if (n == 0)
        return 0.0;
    uint64_t drop = n / 10 ? n / 10 : 1;
    uint64_t keep = n > drop ? n - drop : 1;
    uint64_t left = keep;
    double sum = 0.0;
    for (unsigned i = 0; i < SLAB_HIST_BUCKETS && left; i++) {
        uint64_t c = h[i] < left ? h[i] : left;
        double mid = ((double)slab_hist_bucket_low(i) + (double)slab_hist_bucket_high(i)) / 2.0;
        sum += (double)c * mid;
        left -= c;
    }
    return sum / (double)keep;
}

static double corrected_ratio(const slab_verdict_input *in)
{
    double n = (double)in->samples;
    double g = ((double)in->floor_wall_ns + (double)in->floor_cpu_ns) / 4.0;
    if (g < 1.0)
        g = 1.0;
    double wall_mean, cpu_mean;
    if (in->wall_hist && in->cpu_hist) {
        wall_mean = trimmed_mean(in->wall_hist);
        cpu_mean = trimmed_mean(in->cpu_hist);
    } else {
        wall_mean = (double)in->wall_ns_sum / n;
        cpu_mean = (double)in->cpu_ns_sum / n;
    }
    double wall = wall_mean - (double)in->floor_wall_ns;
    double cpu = cpu_mean - (double)in->floor_cpu_ns;
    if (wall < 0.0)
        wall = 0.0;
    if (cpu < 0.0)
        cpu = 0.0;
    return (wall + g) / (cpu + g);
}

SLAB_API slab_verdict slab_verdict_compute(const slab_verdict_input *in, double *ratio)
{
    bool have_samples, have_sched;
    double r = 0.0, s = 0.0, best;

    if (ratio)
        *ratio = 0.0;
    if (in == NULL)
        return SLAB_VERDICT_INSUFFICIENT;

    have_samples = in->samples >= SLAB_VERDICT_MIN_SAMPLES;
    have_sched = in->thread_cpu_ns >= SLAB_VERDICT_MIN_CPU_NS;
    if (!have_samples && !have_sched)
        return SLAB_VERDICT_INSUFFICIENT;

    if (have_samples)
        r = corrected_ratio(in);
    if (have_sched)
        s = ((double)in->thread_cpu_ns + (double)in->runq_wait_ns) / (double)in->thread_cpu_ns;
    best = r > s ? r : s;
    if (ratio)
        *ratio = best;

    if (have_sched && s >= 1.9) {
        double switches_per_cpu_s = (double)in->nivcsw * 1e9 / (double)in->thread_cpu_ns;
        if (switches_per_cpu_s >= SLAB_VERDICT_SWITCH_RATE)
            return SLAB_VERDICT_HEAVY;
    }
    if (best < 1.5)
        return SLAB_VERDICT_CLEAN;
    if (best < 2.0)
        return SLAB_VERDICT_MODERATE;
    return SLAB_VERDICT_HEAVY;
}

SLAB_API const char *slab_path_name(unsigned path)
{
    static const char *const names[SLAB_PATH_COUNT] = {
        "fast", "refill", "partial", "new-slab", "repair", "large"
    };
    return path < SLAB_PATH_COUNT ? names[path] : "unknown";
}

SLAB_API const char *slab_verdict_name(slab_verdict v)
{
    switch (v) {
    case SLAB_VERDICT_INSUFFICIENT:
        return "insufficient";
    case SLAB_VERDICT_CLEAN:
        return "clean";
    case SLAB_VERDICT_MODERATE:
        return "moderate";
    case SLAB_VERDICT_HEAVY:
        return "heavy";
    }
    return "unknown";
}
