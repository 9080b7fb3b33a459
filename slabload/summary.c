/*
 * summary.c - the seed's summary block that slabload prints at exit, for
 * all its threads together.
 */
#include "config.h"
#include "slabload.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "slab_shm.h"

struct totals {
    ThreadStats s;
    uint64_t allocs, preempted, thread_cpu_ns, runq_wait_ns, nivcsw;
    uint64_t planted[NREASONS], plant_failures;
    uint64_t worker_allocs, failures, bad_frees, bursts, closes;
    uint64_t interval;
    unsigned ext_threads;
    uint64_t wall_hist[SLAB_HIST_BUCKETS], cpu_hist[SLAB_HIST_BUCKETS];
};

static uint64_t max_u64(uint64_t a, uint64_t b) { return a > b ? a : b; }
/* A floor-corrected figure, clamped at 0 as slabtop clamps it. */
static uint64_t minus_floor(uint64_t v, uint64_t floor) { return v > floor ? v - floor : 0; }

/* A floor-corrected percentile; like slabtop, never above the maximum (a
 * percentile is a bucket's midpoint). */
static uint64_t percentile(const uint64_t *hist, double q, uint64_t floor, uint64_t max)
{
    uint64_t v = minus_floor(slab_hist_quantile(hist, q), floor);
    max = minus_floor(max, floor);
    return v < max ? v : max;
}

static void add_seed(ThreadStats *t, const ThreadStats *s)
{
    t->alloc_samples += s->alloc_samples;
    t->alloc_wall_ns_sum += s->alloc_wall_ns_sum;
    t->alloc_cpu_ns_sum += s->alloc_cpu_ns_sum;
    t->alloc_wall_ns_max = max_u64(t->alloc_wall_ns_max, s->alloc_wall_ns_max);
    t->alloc_cpu_ns_max = max_u64(t->alloc_cpu_ns_max, s->alloc_cpu_ns_max);
    t->repair_count += s->repair_count;
    t->repair_wall_ns_sum += s->repair_wall_ns_sum;
    t->repair_cpu_ns_sum += s->repair_cpu_ns_sum;
    t->repair_wall_ns_max = max_u64(t->repair_wall_ns_max, s->repair_wall_ns_max);
    t->repair_cpu_ns_max = max_u64(t->repair_cpu_ns_max, s->repair_cpu_ns_max);
    t->repair_reason_full_bitmap += s->repair_reason_full_bitmap;
    t->repair_reason_list_mismatch += s->repair_reason_list_mismatch;
    t->repair_reason_other += s->repair_reason_other;
}

static void add_thread(struct totals *t, const ThreadStats *seed,
                       const slab_thread_stats *ext)
{
    /* The extended record embeds the seed's fields; prefer it when it was
     * read, so both views come from the same instant. */
    add_seed(&t->s, ext ? &ext->seed : seed);
    if (!ext)
        return;
    t->ext_threads++;
    t->allocs += ext->allocs;
    t->preempted += ext->preempted;
    t->thread_cpu_ns += ext->thread_cpu_ns;
    t->runq_wait_ns += ext->runq_wait_ns;
    t->nivcsw += ext->nivcsw;
    t->interval = max_u64(t->interval, ext->interval);
    for (unsigned b = 0; b < SLAB_HIST_BUCKETS; b++) {
        t->wall_hist[b] += ext->wall_hist[b];
        t->cpu_hist[b] += ext->cpu_hist[b];
    }
}

static void collect(struct totals *t, unsigned nworkers)
{
    memset(t, 0, sizeof(*t));
    for (unsigned i = 0; i < nworkers; i++) {
        const struct worker *w = &sl_workers[i];
        add_thread(t, &w->seed, w->ext_ok ? &w->ext : NULL);
        for (unsigned k = 0; k < NREASONS; k++)
            t->planted[k] += w->planted[k];
        t->plant_failures += w->plant_failures;
        t->worker_allocs += w->allocs;
        t->failures += w->failures;
        t->bad_frees += w->bad_frees;
        t->bursts += w->bursts;
        t->closes += w->closes;
    }
    /* The main thread does no churn, but count whatever it did. */
    ThreadStats mine = slab_stats_thread();
    slab_thread_stats mine_ext;
    bool ok = slab_stats_thread_ext(&mine_ext) == 0;
    add_thread(t, &mine, ok ? &mine_ext : NULL);
}

static void print_summary(const struct totals *t, uint64_t elapsed_ns,
                          unsigned nworkers)
{
    const ThreadStats *s = &t->s;
    slab_sample_config cfg;
    slab_sample_get_config(&cfg);

    printf("\n=== Slowpath Sampling (1/%" PRIu32 ") ===\n", cfg.rate);
    printf("Samples: %" PRIu64 "\n", s->alloc_samples);
    if (s->alloc_samples > 0) {
        uint64_t avg_wall = s->alloc_wall_ns_sum / s->alloc_samples;
        uint64_t avg_cpu = s->alloc_cpu_ns_sum / s->alloc_samples;
        printf("Avg wall: %" PRIu64 " ns (max: %" PRIu64 " ns)\n",
               avg_wall, s->alloc_wall_ns_max);
        printf("Avg CPU:  %" PRIu64 " ns (max: %" PRIu64 " ns)\n",
               avg_cpu, s->alloc_cpu_ns_max);
        if (avg_cpu > 0)
            printf("Ratio: %.2fx\n", (double)avg_wall / (double)avg_cpu);
        else
            printf("Ratio: n/a (CPU time below the clock's resolution)\n");

        /* The verdict: the seed's table on floor-corrected figures, plus
         * the interval signals, computed by the library. */
        slab_clock_floor fl = slab_sample_floor();
        slab_verdict_input in = {
            .samples = s->alloc_samples,
            .wall_ns_sum = s->alloc_wall_ns_sum,
            .cpu_ns_sum = s->alloc_cpu_ns_sum,
            .floor_wall_ns = fl.wall_ns,
            .floor_cpu_ns = fl.cpu_ns,
            .elapsed_ns = elapsed_ns,
            .thread_cpu_ns = t->thread_cpu_ns,
            .runq_wait_ns = t->runq_wait_ns,
            .nivcsw = t->nivcsw,
        };
        double ratio = 0;
        slab_verdict v = slab_verdict_compute(&in, &ratio);
        if (v == SLAB_VERDICT_HEAVY)
            printf("⚠ wall >> cpu: Scheduler interference\n");
        /* The lines above keep the original sampler's format and are raw;
         * everything below is floor-corrected, as slabtop shows it. */
        printf("(raw: the averages, maxima and ratio above include the cost of"
               " the clocks, wall %" PRIu64 " ns and CPU %" PRIu64 " ns per sample)\n",
               fl.wall_ns, fl.cpu_ns);
        printf("Floor-corrected: avg wall %" PRIu64 " ns, avg CPU %" PRIu64 " ns\n",
               minus_floor(avg_wall, fl.wall_ns), minus_floor(avg_cpu, fl.cpu_ns));
        printf("Verdict: %s (ratio %.2fx, floor-corrected; see libslab(3))\n",
               slab_verdict_name(v), ratio);
        if (t->ext_threads) {
            printf("Floor-corrected wall p50/p99/p99.9: %" PRIu64 "/%" PRIu64 "/%" PRIu64
                   " ns; CPU p50/p99/p99.9: %" PRIu64 "/%" PRIu64 "/%" PRIu64 " ns\n",
                   percentile(t->wall_hist, 0.50, fl.wall_ns, s->alloc_wall_ns_max),
                   percentile(t->wall_hist, 0.99, fl.wall_ns, s->alloc_wall_ns_max),
                   percentile(t->wall_hist, 0.999, fl.wall_ns, s->alloc_wall_ns_max),
                   percentile(t->cpu_hist, 0.50, fl.cpu_ns, s->alloc_cpu_ns_max),
                   percentile(t->cpu_hist, 0.99, fl.cpu_ns, s->alloc_cpu_ns_max),
                   percentile(t->cpu_hist, 0.999, fl.cpu_ns, s->alloc_cpu_ns_max));
            printf("Preempted samples: %" PRIu64 "; run-queue wait %.1f ms;"
                   " involuntary switches %" PRIu64 "\n",
                   t->preempted, (double)t->runq_wait_ns / 1e6, t->nivcsw);
        }
        /* What was really sampled: the cost budget may have stretched the
         * interval well past the configured one. */
        if (t->allocs >= s->alloc_samples)
            printf("Effective rate: 1/%.0f (%" PRIu64 " samples in %" PRIu64
                   " allocations; configured 1/%" PRIu32 "%s)\n",
                   (double)t->allocs / (double)s->alloc_samples, s->alloc_samples,
                   t->allocs, cfg.rate,
                   t->interval > cfg.rate ? ", stretched to keep the sampling cost"
                                            " within its budget" : "");
    } else if (cfg.rate == 0) {
        printf("(sampling is off or compiled out)\n");
    }

    if (s->repair_count > 0) {
        printf("\n=== Zombie Repairs ===\n");
        printf("Count: %" PRIu64 "\n", s->repair_count);
        printf("Reasons:\n");
        printf("  Full bitmap:   %" PRIu64 "\n", s->repair_reason_full_bitmap);
        printf("  List mismatch: %" PRIu64 "\n", s->repair_reason_list_mismatch);
        printf("  Other:         %" PRIu64 "\n", s->repair_reason_other);
        printf("Avg repair wall: %" PRIu64 " ns (max: %" PRIu64 " ns)\n",
               s->repair_wall_ns_sum / s->repair_count, s->repair_wall_ns_max);
        printf("Avg repair CPU:  %" PRIu64 " ns (max: %" PRIu64 " ns)\n",
               s->repair_cpu_ns_sum / s->repair_count, s->repair_cpu_ns_max);
    } else {
        printf("\n✓ No zombie repairs\n");
    }
    uint64_t planted = t->planted[0] + t->planted[1] + t->planted[2];
    if (planted || t->plant_failures)
        printf("Provoked on purpose (scenario repair, slab_debug_plant_zombie):"
               " %" PRIu64 " planted (full bitmap %" PRIu64 ", list mismatch %"
               PRIu64 ", other %" PRIu64 "), %" PRIu64 " refused\n",
               planted, t->planted[0], t->planted[1], t->planted[2],
               t->plant_failures);

    double secs = (double)elapsed_ns / 1e9;
    printf("\n=== Workload ===\n");
    printf("Allocations: %" PRIu64 " by %u thread%s in %.1f s (%.0f/s)\n",
           t->worker_allocs, nworkers, nworkers == 1 ? "" : "s", secs,
           secs > 0 ? (double)t->worker_allocs / secs : 0.0);
    uint64_t closes = t->closes + atomic_load(&sl_epoch_turns);
    if (t->bursts || closes)
        printf("Epochs closed: %" PRIu64 " (%" PRIu64 " slab bursts)\n",
               closes, t->bursts);
    if (t->failures || t->bad_frees)
        printf("Refused allocations: %" PRIu64 "; refused frees: %" PRIu64 "\n",
               t->failures, t->bad_frees);
}

void sl_summary_print(uint64_t elapsed_ns, unsigned nworkers)
{
    struct totals t;

    collect(&t, nworkers);
    print_summary(&t, elapsed_ns, nworkers);
}
