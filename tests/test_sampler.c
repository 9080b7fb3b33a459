/*
 * test_sampler.c - the sampler driven directly, as the allocator drives it:
 * exact counts in fixed mode, statistical bounds in random mode, rate 0 and
 * 1, allocation counts, per-thread isolation, per-sample wall >= CPU, the
 * preempted count and the measurement floor.
 */
#include "config.h"

#include <math.h>
#include <pthread.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tap.h"
#include "slab_stats.h"
#include "sampler.h"

#ifndef ENABLE_SLOWPATH_SAMPLING
int main(void)
{
    skip_all("sampling is compiled out (--disable-slowpath-sampling)");
}
#else

/* What alloc_obj_epoch() does around each allocation. */
static void drive(uint64_t n)
{
    for (uint64_t i = 0; i < n; i++) {
        if (slab_sampler_tick()) {
            slab_sample_clock t0;
            if (slab_sampler_begin(&t0))
                slab_sampler_end(&t0);
        }
    }
}

struct job {
    uint64_t allocs;
    slab_thread_stats before, after;
    int rc;
};

/* Each job runs in a fresh thread, so that it starts with a fresh state and
 * the settings in force when it starts. */
static void *run_job(void *arg)
{
    struct job *j = arg;
    j->rc = slab_stats_thread_ext(&j->before);
    drive(j->allocs);
    j->rc |= slab_stats_thread_ext(&j->after);
    return NULL;
}

static void run_threads(struct job *jobs, int n)
{
    pthread_t t[16];
    for (int i = 0; i < n; i++)
        if (pthread_create(&t[i], NULL, run_job, &jobs[i]) != 0)
            bail_out("pthread_create failed");
    for (int i = 0; i < n; i++)
        pthread_join(t[i], NULL);
}

static void configure(uint32_t rate, slab_sample_mode mode, uint32_t budget)
{
    slab_sample_config c = { rate, mode, budget };
    if (slab_sample_set_config(&c) != 0)
        bail_out("slab_sample_set_config refused a good setting");
}

/* Random mode samples every allocation independently with probability
 * 1/rate: the count is binomial.  Accept 6 standard deviations. */
static void random_count(uint32_t rate, uint64_t n)
{
    struct job j = { .allocs = n };
    configure(rate, SLAB_SAMPLE_RANDOM, 0);
    run_threads(&j, 1);
    double p = 1.0 / rate, mean = (double)n * p, sd = sqrt((double)n * p * (1 - p));
    uint64_t got = j.after.seed.alloc_samples;
    ok(fabs((double)got - mean) <= 6 * sd + 1,
       "random mode, rate %u, %llu allocations: %llu samples, expected %.0f +- %.0f",
       rate, (unsigned long long)n, (unsigned long long)got, mean, 6 * sd);
}

int main(void)
{
    const uint64_t big = TAP_SCALE(2000000);
    plan(24);

    /* The seed's 1/1024, exactly. */
    {
        struct job j = { .allocs = 2000000 };
        configure(1024, SLAB_SAMPLE_FIXED, 0);
        run_threads(&j, 1);
        is_int(j.rc, 0, "slab_stats_thread_ext succeeds");
        is_u64(j.before.seed.alloc_samples, 0, "a new thread starts with no samples");
        is_u64(j.after.seed.alloc_samples, 1953, "fixed 1/1024: 2,000,000 allocations give 1953 samples");
        is_u64(j.after.allocs, 2000000, "the allocation count is exact");
        is_u64(j.after.interval, 1024, "the interval in force is 1024");
        uint64_t hw = 0, hc = 0;
        for (unsigned b = 0; b < SLAB_HIST_BUCKETS; b++) {
            hw += j.after.wall_hist[b];
            hc += j.after.cpu_hist[b];
        }
        ok(hw == 1953 && hc == 1953, "each histogram holds every sample (%llu, %llu)",
           (unsigned long long)hw, (unsigned long long)hc);
        ok(j.after.preempted <= j.after.seed.alloc_samples, "preempted samples are a subset");
        ok(j.after.seed.alloc_wall_ns_max >= j.after.seed.alloc_wall_ns_sum / 1953,
           "the maximum is at least the mean");
    }

    /* Other fixed rates, and the edges. */
    {
        struct job j[3] = { { .allocs = 1000 }, { .allocs = 1000 }, { .allocs = 1000 } };
        configure(7, SLAB_SAMPLE_FIXED, 0);
        run_threads(&j[0], 1);
        is_u64(j[0].after.seed.alloc_samples, 1000 / 7, "fixed 1/7: 1000 allocations give 142 samples");
        configure(1, SLAB_SAMPLE_RANDOM, 0);
        run_threads(&j[1], 1);
        is_u64(j[1].after.seed.alloc_samples, 1000, "rate 1 samples every allocation");
        configure(0, SLAB_SAMPLE_RANDOM, 0);
        run_threads(&j[2], 1);
        ok(j[2].after.seed.alloc_samples == 0 && j[2].after.allocs == 1000,
           "rate 0 samples nothing but still counts allocations");
    }

    random_count(1024, big);
    random_count(64, big / 4);
    random_count(3, 30000);

    /* Per-thread isolation: four threads at once, different amounts. */
    {
        struct job j[4];
        memset(j, 0, sizeof(j));
        configure(100, SLAB_SAMPLE_FIXED, 0);
        for (int i = 0; i < 4; i++)
            j[i].allocs = TAP_SCALE(100000) * (uint64_t)(i + 1) + (uint64_t)i;
        run_threads(j, 4);
        bool good = true;
        for (int i = 0; i < 4; i++) {
            if (j[i].after.allocs != j[i].allocs ||
                j[i].after.seed.alloc_samples != j[i].allocs / 100) {
                good = false;
                diag("thread %d: %llu allocations, %llu samples", i,
                     (unsigned long long)j[i].after.allocs,
                     (unsigned long long)j[i].after.seed.alloc_samples);
            }
        }
        ok(good, "four threads each count only their own allocations and samples");
        ThreadStats mine = slab_stats_thread();
        is_u64(mine.alloc_samples, 0, "the main thread saw none of it");
    }

    /* Per-sample wall >= CPU, within the clocks' granularity: sample every
     * call and compare each sample's increments.  The staggered reads let
     * the CPU region end up to one CPU-clock read after the wall region, and
     * the kernel charges interrupts to whichever thread they hit, so allow
     * two floors plus 2 us per sample and, on a busy machine, a rare sample
     * beyond that (at most 1 %); swapped or broken clocks fail every one. */
    {
        configure(1, SLAB_SAMPLE_FIXED, 0);
        slab_thread_stats *a = malloc(sizeof(*a)), *b = malloc(sizeof(*b));
        if (!a || !b)
            bail_out("out of memory");
        drive(1);       /* the main thread picks up the settings */
        slab_clock_floor fl = slab_sample_floor();
        uint64_t tol = 2 * fl.cpu_ns + 2000;
        unsigned bad = 0, missed = 0, n = (unsigned)TAP_SCALE(2000);
        for (unsigned i = 0; i < n; i++) {
            slab_stats_thread_ext(a);
            drive(1);
            slab_stats_thread_ext(b);
            uint64_t wall = b->seed.alloc_wall_ns_sum - a->seed.alloc_wall_ns_sum;
            uint64_t cpu = b->seed.alloc_cpu_ns_sum - a->seed.alloc_cpu_ns_sum;
            if (b->seed.alloc_samples != a->seed.alloc_samples + 1)
                missed++;
            else if (wall + tol < cpu)
                bad++;
        }
        is_int(missed, 0, "each call was one sample");
        ok(bad * 100 <= n, "%u of %u samples have CPU > wall + %llu ns (at most 1 %% may)",
           bad, n, (unsigned long long)tol);
        ok(b->seed.alloc_wall_ns_sum + b->seed.alloc_samples * 1000 >= b->seed.alloc_cpu_ns_sum,
           "in sum, wall >= CPU within 1 us per sample");
        free(a);
        free(b);
    }

    /* A forked child starts from zero, not from its parent's figures. */
    {
        slab_thread_stats *p = malloc(sizeof(*p));
        if (!p)
            bail_out("out of memory");
        slab_stats_thread_ext(p);
        fflush(stdout);
        pid_t pid = fork();
        if (pid == 0) {
            slab_thread_stats *c = malloc(sizeof(*c)), *d = malloc(sizeof(*d));
            if (!c || !d)
                _exit(3);
            slab_stats_thread_ext(c);
            drive(100);             /* still one sample per call */
            slab_stats_thread_ext(d);
            _exit(c->allocs == 0 && c->seed.alloc_samples == 0 && d->allocs == 100 &&
                  d->seed.alloc_samples == 100 ? 0 : 1);
        }
        int status = -1;
        if (pid > 0)
            waitpid(pid, &status, 0);
        ok(p->allocs > 0 && pid > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0,
           "a forked child's thread starts at zero and counts its own");
        free(p);
    }

    /* The floor. */
    {
        slab_clock_floor f = slab_sample_floor();
        diag("floor: wall %llu ns, cpu %llu ns", (unsigned long long)f.wall_ns,
             (unsigned long long)f.cpu_ns);
        ok(f.wall_ns > 0 && f.wall_ns < 1000000, "the wall floor is above 0 and below 1 ms");
        ok(f.cpu_ns > 0 && f.cpu_ns < 1000000, "the CPU floor is above 0 and below 1 ms");
        ok(f.wall_ns + 1000 >= f.cpu_ns && f.cpu_ns + 1000 >= f.wall_ns,
           "the staggered floors are within 1 us of each other");
        slab_clock_floor g = slab_sample_floor();
        ok(g.wall_ns == f.wall_ns && g.cpu_ns == f.cpu_ns, "the floor is measured once");
    }
    return tap_exit();
}
#endif
