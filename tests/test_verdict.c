/*
 * test_verdict.c - slab_verdict_compute() against the rule documented in
 * slab_stats.h: the seed's table on floor-corrected figures, the scheduler
 * ratio, the involuntary-switch rule, and "insufficient".
 */
#include "config.h"

#include <string.h>

#include "tap.h"
#include "slab_stats.h"

#define MS UINT64_C(1000000)

static slab_verdict_input samples(uint64_t n, uint64_t wall_each, uint64_t cpu_each,
                                  uint64_t floor_wall, uint64_t floor_cpu)
{
    slab_verdict_input in;
    memset(&in, 0, sizeof(in));
    in.samples = n;
    in.wall_ns_sum = n * (wall_each + floor_wall);
    in.cpu_ns_sum = n * (cpu_each + floor_cpu);
    in.floor_wall_ns = floor_wall;
    in.floor_cpu_ns = floor_cpu;
    return in;
}

static slab_verdict_input sched(uint64_t cpu, uint64_t wait, uint64_t nivcsw)
{
    slab_verdict_input in;
    memset(&in, 0, sizeof(in));
    in.elapsed_ns = cpu + wait;
    in.thread_cpu_ns = cpu;
    in.runq_wait_ns = wait;
    in.nivcsw = nivcsw;
    return in;
}

int main(void)
{
    slab_verdict_input in;
    double r;
    plan(19);

    memset(&in, 0, sizeof(in));
    r = 9;
    ok(slab_verdict_compute(&in, &r) == SLAB_VERDICT_INSUFFICIENT && r == 0.0,
       "no data: insufficient, ratio 0");
    ok(slab_verdict_compute(NULL, NULL) == SLAB_VERDICT_INSUFFICIENT, "NULL input: insufficient");
    in = samples(SLAB_VERDICT_MIN_SAMPLES - 1, 50000, 1000, 0, 0);
    ok(slab_verdict_compute(&in, NULL) == SLAB_VERDICT_INSUFFICIENT,
       "too few samples, no scheduler data: insufficient");

    /* The seed's table on long calls (the granularity term is negligible). */
    in = samples(1000, 10000, 10000, 0, 0);
    ok(slab_verdict_compute(&in, &r) == SLAB_VERDICT_CLEAN && r > 0.99 && r < 1.01,
       "wall = CPU: clean, ratio %.3f", r);
    in = samples(1000, 14000, 10000, 0, 0);
    ok(slab_verdict_compute(&in, &r) == SLAB_VERDICT_CLEAN, "ratio 1.4: clean (%.3f)", r);
    in = samples(1000, 17000, 10000, 0, 0);
    ok(slab_verdict_compute(&in, &r) == SLAB_VERDICT_MODERATE, "ratio 1.7: moderate (%.3f)", r);
    in = samples(1000, 30000, 10000, 0, 0);
    ok(slab_verdict_compute(&in, &r) == SLAB_VERDICT_HEAVY, "ratio 3: heavy (%.3f)", r);

    /* The floor is taken off before the table applies: raw 1.8, corrected 1. */
    in = samples(1000, 10000, 10000, 8000, 500);
    ok(slab_verdict_compute(&in, &r) == SLAB_VERDICT_CLEAN && r < 1.05,
       "raw ratio 1.8 made of floor: clean after correction (%.3f)", r);
    /* Calls far shorter than the floor: corrected 30 vs 10 ns is noise. */
    in = samples(1000, 30, 10, 1000, 500);
    ok(slab_verdict_compute(&in, &r) == SLAB_VERDICT_CLEAN, "30 ns vs 10 ns under a 1 us floor: clean (%.3f)", r);
    /* ... unless the wall excess is real: 5 us preemptions inside them. */
    in = samples(1000, 5000, 10, 1000, 500);
    ok(slab_verdict_compute(&in, &r) == SLAB_VERDICT_HEAVY, "5 us of wall per 10 ns of CPU: heavy (%.3f)", r);
    /* A floor larger than the sums does not go negative. */
    in = samples(100, 0, 0, 0, 0);
    in.floor_wall_ns = 5000;
    in.floor_cpu_ns = 5000;
    ok(slab_verdict_compute(&in, &r) == SLAB_VERDICT_CLEAN && r == 1.0, "sums below the floor: ratio 1");

    /* Scheduler signals alone. */
    in = sched(1000 * MS, 300 * MS, 0);
    ok(slab_verdict_compute(&in, &r) == SLAB_VERDICT_CLEAN, "waiting 30%% of run time: clean (%.3f)", r);
    in = sched(1000 * MS, 700 * MS, 0);
    ok(slab_verdict_compute(&in, &r) == SLAB_VERDICT_MODERATE, "waiting 70%%: moderate (%.3f)", r);
    in = sched(1000 * MS, 1200 * MS, 0);
    ok(slab_verdict_compute(&in, &r) == SLAB_VERDICT_HEAVY, "waiting more than running: heavy (%.3f)", r);
    /* Half a CPU, switched out involuntarily often: heavy despite 1.95. */
    in = sched(1000 * MS, 950 * MS, 200);
    ok(slab_verdict_compute(&in, &r) == SLAB_VERDICT_HEAVY, "s = 1.95 with 200 involuntary switches/s: heavy");
    in = sched(1000 * MS, 950 * MS, 10);
    ok(slab_verdict_compute(&in, &r) == SLAB_VERDICT_MODERATE, "s = 1.95 with 10 switches/s: moderate");
    in = sched(SLAB_VERDICT_MIN_CPU_NS - 1, 100 * MS, 1000);
    ok(slab_verdict_compute(&in, &r) == SLAB_VERDICT_INSUFFICIENT, "less CPU than the minimum: insufficient");

    /* Both: the larger ratio wins. */
    in = samples(1000, 10000, 10000, 0, 0);
    in.thread_cpu_ns = 1000 * MS;
    in.runq_wait_ns = 1500 * MS;
    ok(slab_verdict_compute(&in, &r) == SLAB_VERDICT_HEAVY && r > 2.4,
       "clean samples but a busy run queue: heavy (%.3f)", r);

    ok(strcmp(slab_verdict_name(SLAB_VERDICT_CLEAN), "clean") == 0 &&
       strcmp(slab_verdict_name(SLAB_VERDICT_MODERATE), "moderate") == 0 &&
       strcmp(slab_verdict_name(SLAB_VERDICT_HEAVY), "heavy") == 0 &&
       strcmp(slab_verdict_name(SLAB_VERDICT_INSUFFICIENT), "insufficient") == 0 &&
       strcmp(slab_verdict_name((slab_verdict)42), "unknown") == 0,
       "verdict names");
    return tap_exit();
}
