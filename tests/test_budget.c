/*
 * test_budget.c - the cost budget stretches the interval when sampling would
 * cost too much, and only then; slab_sample_set_config() validates.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <string.h>

#include "tap.h"
#include "slab_stats.h"
#include "sampler.h"

#ifndef ENABLE_SLOWPATH_SAMPLING
int main(void)
{
    slab_sample_config c = { 1024, SLAB_SAMPLE_RANDOM, 0 };
    plan(2);
    ok(slab_sample_set_config(&c) == -1 && errno == ENOTSUP, "set_config: ENOTSUP when compiled out");
    ThreadStats s = slab_stats_thread();
    ok(s.alloc_samples == 0 && s.repair_count == 0, "slab_stats_thread() returns zeros");
    return tap_exit();
}
#else

/* Each "allocation" does about as much work as a real one would. */
static void drive(uint64_t n)
{
    for (uint64_t i = 0; i < n; i++) {
        for (volatile int k = 0; k < 8; k++)
            ;
        if (slab_sampler_tick()) {
            slab_sample_clock t0;
            if (slab_sampler_begin(&t0))
                slab_sampler_end(&t0);
        }
    }
}

struct job {
    uint64_t allocs;
    slab_thread_stats st;
};

static void *run_job(void *arg)
{
    struct job *j = arg;
    drive(j->allocs);
    slab_stats_thread_ext(&j->st);
    return NULL;
}

static void run(struct job *j, uint32_t rate, slab_sample_mode mode, uint32_t budget)
{
    slab_sample_config c = { rate, mode, budget };
    pthread_t t;
    if (slab_sample_set_config(&c) != 0)
        bail_out("slab_sample_set_config refused a good setting");
    if (pthread_create(&t, NULL, run_job, j) != 0)
        bail_out("pthread_create failed");
    pthread_join(t, NULL);
}

int main(void)
{
    /* Not scaled down under sanitizers: the loop is a few milliseconds
     * anyway, and the budget needs enough samples to settle. */
    const uint64_t n = 2000000;
    slab_sample_config c, got;
    plan(13);

    /* Validation. */
    c = (slab_sample_config){ (UINT32_C(1) << 30) + 1, SLAB_SAMPLE_RANDOM, 0 };
    ok(slab_sample_set_config(&c) == -1 && errno == EINVAL, "a rate above 2^30: EINVAL");
    c = (slab_sample_config){ 1024, (slab_sample_mode)2, 0 };
    ok(slab_sample_set_config(&c) == -1 && errno == EINVAL, "an unknown mode: EINVAL");
    c = (slab_sample_config){ 1024, SLAB_SAMPLE_RANDOM, 1000001 };
    ok(slab_sample_set_config(&c) == -1 && errno == EINVAL, "a budget above 100%%: EINVAL");
    ok(slab_sample_set_config(NULL) == -1 && errno == EINVAL, "NULL: EINVAL");
    c = (slab_sample_config){ 77, SLAB_SAMPLE_FIXED, 1234 };
    ok(slab_sample_set_config(&c) == 0, "a good setting is accepted");
    slab_sample_get_config(&got);
    ok(got.rate == 77 && got.mode == SLAB_SAMPLE_FIXED && got.budget_ppm == 1234,
       "and read back");

    /* No budget: the interval is the rate. */
    struct job free_run = { .allocs = n };
    run(&free_run, 1024, SLAB_SAMPLE_RANDOM, 0);
    is_u64(free_run.st.interval, 1024, "without a budget the interval stays 1024");

    /* A budget of 1 ppm: a sample costs far more than a millionth of the
     * thread's time at 1/1024, so the interval stretches. */
    struct job tight = { .allocs = n };
    run(&tight, 1024, SLAB_SAMPLE_RANDOM, 1);
    diag("1 ppm: interval %llu, %llu samples in %llu allocations, cost %llu ns of %llu ns CPU",
         (unsigned long long)tight.st.interval, (unsigned long long)tight.st.seed.alloc_samples,
         (unsigned long long)tight.st.allocs, (unsigned long long)tight.st.sample_cost_ns,
         (unsigned long long)tight.st.thread_cpu_ns);
    ok(tight.st.interval > 1024 * 4, "a 1 ppm budget stretches the interval (%llu)",
       (unsigned long long)tight.st.interval);
    ok(tight.st.seed.alloc_samples * 4 < n / 1024, "and cuts the samples (%llu)",
       (unsigned long long)tight.st.seed.alloc_samples);
    ok(tight.st.seed.alloc_samples >= 1, "but still takes some");

    /* Sampling every 16th call would spend nearly all the time in the clocks;
     * a 2 % budget holds the sampler's share near 2 %. */
    struct job share = { .allocs = n };
    run(&share, 16, SLAB_SAMPLE_FIXED, 20000);
    double pct = 100.0 * (double)share.st.sample_cost_ns / (double)share.st.thread_cpu_ns;
    diag("2%% budget at 1/16: interval %llu, %llu samples, sampling share %.2f%%",
         (unsigned long long)share.st.interval, (unsigned long long)share.st.seed.alloc_samples, pct);
    ok(share.st.interval > 16, "a 2%% budget stretches 1/16");
    ok(pct < 6.0, "the sampling share (%.2f%%) stays near the 2%% budget", pct);

    struct job loose = { .allocs = n };
    run(&loose, 16, SLAB_SAMPLE_FIXED, 0);
    pct = 100.0 * (double)loose.st.sample_cost_ns / (double)loose.st.thread_cpu_ns;
    ok(pct > 20.0, "without the budget the same setting costs far more (%.2f%%)", pct);
    return tap_exit();
}
#endif
