/* test_tail.c - the decomposed sample (scheduler statistics, path tag,
 * tail groups), the timing distribution, and the tail/cause rule of
 * slab_tail_add() and slab_diagnose() on figures built by hand. */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "slab_alloc.h"
#include "slab_stats.h"
#include "slab_test.h"
#include "tap.h"

#define NOBJ 3000

static void pause_got_slab(enum slab_test_point point, SlabAllocator *alloc)
{
    (void)alloc;
    if (point == SLAB_TEST_GOT_SLAB)
        usleep(20000);
}

static uint64_t tail_sum_wall(const slab_thread_stats *s)
{
    uint64_t w = 0;
    for (unsigned g = 0; g < SLAB_TAIL_GROUPS; g++)
        w += s->tail[g].wall_ns;
    return w;
}

static uint64_t tail_sum_work(const slab_thread_stats *s)
{
    uint64_t w = 0;
    for (unsigned g = 0; g < SLAB_TAIL_GROUPS; g++)
        for (unsigned p = 0; p < SLAB_PATH_COUNT; p++)
            w += s->tail[g].work_ns[p];
    return w;
}

static void put_samples(slab_thread_stats *d, uint64_t wall, uint64_t n, unsigned path,
                        uint64_t cpu, uint64_t runq, uint64_t blocked, uint64_t other)
{
    unsigned b = slab_hist_bucket(wall);
    d->wall_hist[b] += n;
    d->cpu_hist[slab_hist_bucket(cpu)] += n;
    d->seed.alloc_samples += n;
    d->seed.alloc_wall_ns_sum += n * wall;
    d->seed.alloc_cpu_ns_sum += n * cpu;
    d->sched_samples += n;
    slab_tail_group *g = &d->tail[b / 8];
    g->wall_ns += n * wall;
    g->runq_ns += n * runq;
    g->blocked_ns += n * blocked;
    g->other_ns += n * other;
    g->work_ns[path] += n * cpu;
}

/* The tail above p99 of d, with a floor of 100 ns on each clock. */
static slab_tail tail_p99(const slab_thread_stats *d)
{
    slab_clock_floor fl = { 100, 100 };
    slab_tail t;
    slab_tail_cut cut;
    memset(&t, 0, sizeof(t));
    slab_tail_cut_at(&cut, d->wall_hist, 0.99);
    slab_tail_add(&t, d, &cut, &fl);
    return t;
}

/* n timed repairs of the given wall and CPU time (format 1.3). */
static void put_repairs(slab_thread_stats *d, uint64_t wall, uint64_t cpu, uint64_t n)
{
    unsigned b = slab_hist_bucket(wall);
    d->seed.repair_count += n;
    d->seed.repair_wall_ns_sum += n * wall;
    d->seed.repair_cpu_ns_sum += n * cpu;
    d->repair_hist[b] += n;
    d->repair_wall_ns[b / 8] += n * wall;
    d->repair_cpu_ns[b / 8] += n * cpu;
}

static slab_cause diagnose(const slab_thread_stats *d, const slab_context *ctx,
                           uint64_t thread_cpu, uint64_t runq, slab_diagnosis *out)
{
    slab_clock_floor floor = { 100, 100 };
    slab_tail t;
    memset(&t, 0, sizeof(t));
    slab_tail_cut cut;
    slab_tail_cut_at(&cut, d->wall_hist, 0.99);
    slab_tail_add(&t, d, &cut, &floor);
    slab_verdict_input in = {
        .samples = d->seed.alloc_samples, .wall_ns_sum = d->seed.alloc_wall_ns_sum,
        .cpu_ns_sum = d->seed.alloc_cpu_ns_sum, .floor_wall_ns = 100, .floor_cpu_ns = 100,
        .thread_cpu_ns = thread_cpu, .runq_wait_ns = runq,
        .wall_hist = d->wall_hist, .cpu_hist = d->cpu_hist,
    };
    slab_diagnose(&in, &t, ctx, out);
    return out->cause;
}

int main(void)
{
    plan(36);

    /* ---- the decomposed sample, in process */
    slab_sample_config cfg = { .rate = 1, .mode = SLAB_SAMPLE_FIXED, .budget_ppm = 0 };
    slab_sample_set_config(&cfg);
    SlabAllocator *a = slab_allocator_create();
    if (a == NULL)
        bail_out("slab_allocator_create failed");
    static SlabHandle h[NOBJ];
    for (int i = 0; i < NOBJ; i++)
        if (alloc_obj_epoch(a, 64, epoch_current(a), &h[i]) == NULL)
            bail_out("allocation failed");
    slab_thread_stats st;
    slab_stats_thread_ext(&st);
    uint64_t n = st.seed.alloc_samples;
    ok(n >= NOBJ - 2, "rate 1: every call sampled (%llu)", (unsigned long long)n);
    uint64_t paths = st.path_fast + st.path_refill + st.path_partial + st.path_new_slab +
                     st.path_repair + st.path_large;
    is_u64(paths, n, "each sample has exactly one path");
    ok(st.path_fast > st.path_new_slab && st.path_new_slab >= 1,
       "most are pops, some took a new slab (fast %llu, new slab %llu)",
       (unsigned long long)st.path_fast, (unsigned long long)st.path_new_slab);
    is_u64(tail_sum_wall(&st), st.seed.alloc_wall_ns_sum,
           "the tail groups hold all the sampled wall time");
    is_u64(tail_sum_work(&st), st.seed.alloc_cpu_ns_sum, "and all the CPU time, as work");
    slab_sample_timing tm;
    ok(slab_sample_timing_get(&tm) == 0, "the timing distribution is available");
    ok(tm.wall_p10_ns <= tm.wall_p50_ns && tm.wall_p50_ns <= tm.wall_p90_ns &&
       tm.wall_p90_ns <= tm.wall_p99_ns && tm.resolution_ns > 0 &&
       tm.wall_p50_ns == slab_sample_floor().wall_ns,
       "its percentiles are ordered, the median is the floor (p10 %llu p50 %llu p90 %llu, "
       "resolution %llu ns, sample %llu ns)", (unsigned long long)tm.wall_p10_ns,
       (unsigned long long)tm.wall_p50_ns, (unsigned long long)tm.wall_p90_ns,
       (unsigned long long)tm.resolution_ns, (unsigned long long)tm.sample_cost_ns);
    if (access("/proc/thread-self/schedstat", R_OK) == 0)
        is_u64(st.sched_samples, n, "every sample read the scheduler statistics");
    else
        skip(1, "no /proc/thread-self/schedstat");

    /* Sleeping inside the allocator, on the new-slab path: blocked. */
    slab_stats_thread_ext(&st);
    uint64_t blocked0 = st.sampled_blocked_ns, other0 = st.sampled_other_ns;
    uint64_t ns0 = st.path_new_slab;
    slab_test_set_pause(pause_got_slab);
    SlabHandle extra[2048];
    uint64_t got = 0;
    for (unsigned i = 0; i < 2048; i++)
        if (alloc_obj_epoch(a, 768, epoch_current(a), &extra[i]) != NULL)
            got++;
    slab_test_set_pause(NULL);
    slab_stats_thread_ext(&st);
    uint64_t slabs = st.path_new_slab - ns0;
    ok(got == 2048 && slabs >= 2, "768-byte objects took %llu new slabs",
       (unsigned long long)slabs);
    ok(st.sampled_blocked_ns - blocked0 >= slabs * 15000000u,
       "a 20 ms sleep at each is blocked time inside the allocator (%llu ms)",
       (unsigned long long)((st.sampled_blocked_ns - blocked0) / 1000000));
    /* Other off-CPU time here is what the machine took (a stolen moment
     * on a busy host), never a sleep: the sleeps are at least twice it. */
    ok(st.sampled_other_ns - other0 < (st.sampled_blocked_ns - blocked0) / 2,
       "and not other off-CPU time (%llu us)",
       (unsigned long long)((st.sampled_other_ns - other0) / 1000));
    for (unsigned i = 0; i < 2048; i++)
        free_obj(a, extra[i]);
    for (int i = 0; i < NOBJ; i++)
        free_obj(a, h[i]);
    slab_allocator_free(a);

    /* ---- the rule, on figures built by hand */
    slab_diagnosis dg;
    slab_thread_stats d;
    slab_context ctx;
    memset(&ctx, 0, sizeof(ctx));

    /* 1000 fast samples of 200 ns, 20 preempted ones of 5 ms. */
    memset(&d, 0, sizeof(d));
    put_samples(&d, 200, 1000, SLAB_PATH_FAST, 200, 0, 0, 0);
    put_samples(&d, 5000000, 20, SLAB_PATH_FAST, 300, 4999700, 0, 0);
    d.allocs = 1020 * 1000;
    is_int(diagnose(&d, &ctx, 100000000, 1000000, &dg), SLAB_CAUSE_RUNQ,
           "a tail of run-queue wait: cause run-queue (%s, %.0f%%)",
           slab_cause_name(dg.cause), 100 * dg.cause_share);
    is_int(dg.verdict, SLAB_VERDICT_CLEAN,
           "2%% of samples preempted do not move the trimmed ratio (%.2f)", dg.ratio);

    /* The same, with the cgroup throttled for as long as the wait. */
    ctx.have_throttle = 1;
    ctx.throttled_ns = 2000000;
    is_int(diagnose(&d, &ctx, 100000000, 1000000, &dg), SLAB_CAUSE_THROTTLE,
           "with the wait throttled: throttling (%s)", slab_cause_name(dg.cause));
    memset(&ctx, 0, sizeof(ctx));

    /* The threads waited as long as they ran, though samples saw little. */
    memset(&d, 0, sizeof(d));
    put_samples(&d, 200, 1000, SLAB_PATH_FAST, 200, 0, 0, 0);
    put_samples(&d, 3000, 15, SLAB_PATH_REFILL, 3000, 0, 0, 0);
    d.allocs = 1015 * 1000;
    is_int(diagnose(&d, &ctx, 100000000, 150000000, &dg), SLAB_CAUSE_RUNQ,
           "scheduler ratio 2.5: run-queue however few samples it caught (%s)",
           slab_cause_name(dg.cause));
    is_int(dg.verdict, SLAB_VERDICT_HEAVY, "and heavy (ratio %.2f, %.0f%% off-CPU)",
           dg.ratio, 100 * dg.offcpu_share);

    /* New slabs in the tail. */
    memset(&d, 0, sizeof(d));
    put_samples(&d, 200, 1000, SLAB_PATH_FAST, 200, 0, 0, 0);
    put_samples(&d, 40000, 12, SLAB_PATH_NEW_SLAB, 39000, 0, 1000, 0);
    d.allocs = 1012 * 1000;
    is_int(diagnose(&d, &ctx, 100000000, 0, &dg), SLAB_CAUSE_WORK_NEW_SLAB,
           "a tail of new slabs: new-slab work (%s, %.0f%%)", slab_cause_name(dg.cause),
           100 * dg.cause_share);

    /* The same storm, and one sample preempted for 5 ms: one call does
     * not name the cause, and the slowest is reported apart. */
    put_samples(&d, 5000000, 1, SLAB_PATH_FAST, 300, 4999700, 0, 0);
    d.allocs += 1000;
    is_int(diagnose(&d, &ctx, 100000000, 5000000, &dg), SLAB_CAUSE_WORK_NEW_SLAB,
           "one preempted sample of 5 ms beside 12 new slabs: new-slab work (%s, %.0f%%)",
           slab_cause_name(dg.cause), 100 * dg.cause_share);
    ok(dg.left_out_cause == SLAB_CAUSE_RUNQ && dg.left_out_ns > 4.9e9 && dg.left_out_ns < 5.1e9,
       "the slowest call is left out, run-queue, 5 ms for 1000 calls (%s, %.0f ms)",
       slab_cause_name(dg.left_out_cause), dg.left_out_ns / 1e6);
    /* Three of them are no accident: the third counts. */
    put_samples(&d, 5000000, 2, SLAB_PATH_FAST, 300, 4999700, 0, 0);
    d.allocs += 2000;
    is_int(diagnose(&d, &ctx, 100000000, 15000000, &dg), SLAB_CAUSE_RUNQ,
           "three preempted samples of 5 ms: run-queue (%s, %.0f%%)",
           slab_cause_name(dg.cause), 100 * dg.cause_share);

    /* Sleeping on a lock. */
    memset(&d, 0, sizeof(d));
    put_samples(&d, 200, 1000, SLAB_PATH_FAST, 200, 0, 0, 0);
    put_samples(&d, 2000000, 12, SLAB_PATH_PARTIAL, 3000, 10000, 1987000, 0);
    d.allocs = 1012 * 1000;
    is_int(diagnose(&d, &ctx, 100000000, 0, &dg), SLAB_CAUSE_BLOCKED,
           "a tail asleep on the partial list's lock: blocked (%s)", slab_cause_name(dg.cause));

    /* One sample asleep on the lock beside a few pops that stolen
     * moments met: the sleep is the call's own, and stays whole. */
    memset(&d, 0, sizeof(d));
    put_samples(&d, 200, 1000, SLAB_PATH_FAST, 200, 0, 0, 0);
    put_samples(&d, 8000, 6, SLAB_PATH_FAST, 300, 0, 0, 7700);
    put_samples(&d, 600000, 1, SLAB_PATH_PARTIAL, 3000, 0, 597000, 0);
    d.allocs = 1007 * 1000;
    is_int(diagnose(&d, &ctx, 100000000, 0, &dg), SLAB_CAUSE_BLOCKED,
           "one sample asleep on the lock for 600 us beside 6 stolen moments of 8 us: "
           "blocked (%s)", slab_cause_name(dg.cause));

    /* Stopped from outside, on the fast path. */
    memset(&d, 0, sizeof(d));
    put_samples(&d, 200, 1000, SLAB_PATH_FAST, 200, 0, 0, 0);
    put_samples(&d, 30000000, 12, SLAB_PATH_FAST, 300, 50000, 0, 29949700);
    d.allocs = 1012 * 1000;
    is_int(diagnose(&d, &ctx, 100000000, 100000, &dg), SLAB_CAUSE_OFFCPU,
           "a tail stopped on the fast path: off-CPU (%s)", slab_cause_name(dg.cause));

    /* Repairs: timed one by one, each stands for itself. */
    memset(&d, 0, sizeof(d));
    put_samples(&d, 200, 1000, SLAB_PATH_FAST, 200, 0, 0, 0);
    put_samples(&d, 600, 10, SLAB_PATH_REFILL, 600, 0, 0, 0);
    d.allocs = 1010 * 1000;
    d.seed.repair_count = 5000;
    d.seed.repair_wall_ns_sum = 5000 * 20000;
    d.seed.repair_cpu_ns_sum = 5000 * 19000;
    is_int(diagnose(&d, &ctx, 100000000, 0, &dg), SLAB_CAUSE_WORK_REPAIR,
           "5000 repairs of 20 us against 10 refills: repair work (%s, %.0f%%)",
           slab_cause_name(dg.cause), 100 * dg.cause_share);

    /* A repair storm, timed one by one, and two pops each off the CPU for
     * 60 us, each standing for 5000 calls: their time outweighs the
     * repairs', but two samples are not yet the tail's cause. */
    memset(&d, 0, sizeof(d));
    put_samples(&d, 200, 1000, SLAB_PATH_FAST, 200, 0, 0, 0);
    put_samples(&d, 60000, 2, SLAB_PATH_FAST, 300, 0, 0, 59700);
    d.allocs = 1002 * 5000;
    put_repairs(&d, 3000, 2900, 20000);
    is_int(diagnose(&d, &ctx, 100000000, 0, &dg), SLAB_CAUSE_WORK_REPAIR,
           "20000 repairs of 3 us beside 2 pops off the CPU for 60 us: repair work "
           "(%s, %.0f%%; the slowest, %.0f ms, left out: %s)", slab_cause_name(dg.cause),
           100 * dg.cause_share, dg.left_out_ns / 1e6, slab_cause_name(dg.left_out_cause));
    put_samples(&d, 60000, 2, SLAB_PATH_FAST, 300, 0, 0, 59700);
    d.allocs += 2 * 5000;
    is_int(diagnose(&d, &ctx, 100000000, 0, &dg), SLAB_CAUSE_OFFCPU,
           "beside 4 such pops: off-CPU (%s, %.0f%%)", slab_cause_name(dg.cause),
           100 * dg.cause_share);

    /* Sampled calls that repaired, and the same repairs timed one by one:
     * each repair counts once. */
    memset(&d, 0, sizeof(d));
    put_samples(&d, 200, 1000, SLAB_PATH_FAST, 200, 0, 0, 0);
    put_samples(&d, 20000, 12, SLAB_PATH_REPAIR, 19000, 0, 0, 0);
    d.allocs = 1012 * 1000;
    d.seed.repair_count = 12000;
    d.seed.repair_wall_ns_sum = 12000 * 20000ull;
    d.seed.repair_cpu_ns_sum = 12000 * 19000ull;
    {
        slab_tail t = tail_p99(&d);
        double want = 12000.0 * (19000 - 100), seen = t.work_ns[SLAB_PATH_REPAIR];
        ok(seen > 0.99 * want && seen < 1.01 * want,
           "repairs sampled and timed count once (%.0f ms of repair work, want %.0f)",
           seen / 1e6, want / 1e6);
    }

    /* Format 1.3: the repairs beyond the cut, one by one.  Half of them
     * take 3 us, half 30 us; the cut falls at the 30 us ones.  By their
     * mean (16.5 us, below the cut) none would count. */
    memset(&d, 0, sizeof(d));
    put_samples(&d, 200, 980, SLAB_PATH_FAST, 200, 0, 0, 0);
    put_samples(&d, 3000, 10, SLAB_PATH_REPAIR, 2900, 0, 0, 0);
    put_samples(&d, 30000, 10, SLAB_PATH_REPAIR, 29000, 0, 0, 0);
    d.allocs = 1000 * 1000;
    put_repairs(&d, 3000, 2900, 10000);
    put_repairs(&d, 30000, 29000, 10000);
    {
        slab_tail t = tail_p99(&d);
        ok(t.repairs > 9999.0 && t.repairs < 10001.0,
           "the 10000 repairs beyond the cut count, not the 10000 below it (%.0f)",
           t.repairs);
        double want = 10000.0 * (29000 - 100), seen = t.work_ns[SLAB_PATH_REPAIR];
        ok(seen > 0.99 * want && seen < 1.01 * want,
           "and their work once, not again from the samples (%.0f ms, want %.0f)",
           seen / 1e6, want / 1e6);
    }

    /* A new-slab storm, and fast-path samples that an interrupt met in
     * the clocks' window, charged to the thread as CPU time: never the
     * fast path's work. */
    memset(&d, 0, sizeof(d));
    put_samples(&d, 200, 1000, SLAB_PATH_FAST, 200, 0, 0, 0);
    put_samples(&d, 10000, 15, SLAB_PATH_NEW_SLAB, 9800, 0, 0, 0);
    put_samples(&d, 40000, 5, SLAB_PATH_FAST, 39800, 0, 0, 0);
    d.allocs = 1020 * 1000;
    is_int(diagnose(&d, &ctx, 100000000, 0, &dg), SLAB_CAUSE_WORK_NEW_SLAB,
           "pops that an interrupt met in the window are not fast-path work: new-slab (%s)",
           slab_cause_name(dg.cause));

    /* The same pops, off the CPU without a switch (stolen): as many as
     * the empty regions say the window alone puts there come off. */
    memset(&d, 0, sizeof(d));
    put_samples(&d, 200, 1000, SLAB_PATH_FAST, 200, 0, 0, 0);
    put_samples(&d, 10000, 15, SLAB_PATH_NEW_SLAB, 9800, 0, 0, 0);
    put_samples(&d, 40000, 5, SLAB_PATH_FAST, 300, 0, 0, 39700);
    d.allocs = 1020 * 1000;
    is_int(diagnose(&d, &ctx, 100000000, 0, &dg), SLAB_CAUSE_OFFCPU,
           "with no empty regions, their stolen time outweighs the new slabs (%s)",
           slab_cause_name(dg.cause));
    d.null_wall_hist[slab_hist_bucket(200)] = 995;
    d.null_wall_hist[slab_hist_bucket(40000)] = 5;
    is_int(diagnose(&d, &ctx, 100000000, 0, &dg), SLAB_CAUSE_WORK_NEW_SLAB,
           "with 5 in 1000 empty regions as slow: new-slab work (%s, %.0f%%)",
           slab_cause_name(dg.cause), 100 * dg.cause_share);
    {
        /* Empty regions as slow as the new slabs take nothing off them. */
        memset(d.null_wall_hist, 0, sizeof(d.null_wall_hist));
        slab_tail t0 = tail_p99(&d);
        d.null_wall_hist[slab_hist_bucket(200)] = 900;
        d.null_wall_hist[slab_hist_bucket(10000)] = 100;
        slab_tail t1 = tail_p99(&d);
        ok(t0.work_ns[SLAB_PATH_NEW_SLAB] > 0.0 &&
           t1.work_ns[SLAB_PATH_NEW_SLAB] == t0.work_ns[SLAB_PATH_NEW_SLAB],
           "the window's share comes off the short calls only: new-slab work stays "
           "%.0f us (%.0f us)", t1.work_ns[SLAB_PATH_NEW_SLAB] / 1e3,
           t0.work_ns[SLAB_PATH_NEW_SLAB] / 1e3);
    }

    /* A tail whose only time is what two samples met: shown as it is,
     * and no cause named from it. */
    memset(&d, 0, sizeof(d));
    put_samples(&d, 200, 1000, SLAB_PATH_FAST, 200, 0, 0, 0);
    put_samples(&d, 5000000, 2, SLAB_PATH_FAST, 300, 4999700, 0, 0);
    d.allocs = 1002 * 1000;
    is_int(diagnose(&d, &ctx, 100000000, 10000000, &dg), SLAB_CAUSE_UNDECIDED,
           "two preempted samples and nothing else: cannot decide (%s)",
           slab_cause_name(dg.cause));
    ok(dg.share[SLAB_CAUSE_RUNQ] > 0.99, "and the tail still shows what they met (%.0f%% %s)",
       100 * dg.share[SLAB_CAUSE_RUNQ], slab_cause_phrase(SLAB_CAUSE_RUNQ));

    /* Too little in the tail. */
    memset(&d, 0, sizeof(d));
    put_samples(&d, 200, 40, SLAB_PATH_FAST, 200, 0, 0, 0);
    d.allocs = 40 * 1000;
    is_int(diagnose(&d, &ctx, 0, 0, &dg), SLAB_CAUSE_UNDECIDED,
           "40 samples: cannot decide (%s)", slab_cause_name(dg.cause));
    return tap_exit();
}
