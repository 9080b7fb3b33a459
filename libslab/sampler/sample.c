/*
 * sample.c - what one sample measures and what it costs.
 *
 * A sampled call is bracketed by
 *     start: schedstat, wall clock, thread CPU clock
 *     stop:  wall clock, thread CPU clock, schedstat
 * The scheduler statistics (/proc/thread-self/schedstat: run time,
 * run-queue wait, times scheduled) are read with one pread() on a
 * descriptor the thread keeps open; they bracket the clocks so that every
 * run-queue wait that grew inside the timed region is seen.  The two
 * clocks are read staggered (see clock_start()).  The slow paths of the
 * allocator store the path they took in slab_sampler_path (sampler.h).
 *
 * The floor: at start-up FLOOR_RUNS empty regions are timed exactly like a
 * sample, schedstat reads included.  Their median on each clock is the
 * floor a reader subtracts; the spread between the 10th and 90th
 * percentiles is the resolution, the smallest floor-corrected figure that
 * can be told from zero (libslab(3), "Timing resolution").
 */
#include "config.h"
#include "sample.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common.h"
#include "options.h"

#ifdef ENABLE_SLOWPATH_SAMPLING

#define PREEMPT_SLACK_NS    UINT64_C(5000)      /* see slab_stats.h: preempted samples */
#define FLOOR_RUNS          101                 /* empty regions timed for the floor */
#define COST_BATCH          8                   /* dummy samples per cost batch */
#define COST_RUNS           5

/* The path of the allocation being sampled; see sampler.h. */
__thread unsigned char slab_sampler_path __attribute__((tls_model("initial-exec")));

uint64_t slab_sample_clock_ns(clockid_t id)
{
    struct timespec ts;
    if (clock_gettime(id, &ts) != 0)
        return 0;
    return (uint64_t)ts.tv_sec * UINT64_C(1000000000) + (uint64_t)ts.tv_nsec;
}

static inline uint64_t delta(uint64_t end, uint64_t start)
{
    return end > start ? end - start : 0;
}

/* ------------------------------------------------------------ schedstat */

/* The lowest number the descriptor moves to.  A program may count on the
 * lowest free number ("close(0); dup(fd)", as shells do between fork and
 * exec): a descriptor the library opened in between, inside a malloc(),
 * would take it, and the program's stdin would be our schedstat (seen
 * with sh and redis-cli).  Moved up, it leaves the low numbers as the
 * program left them. */
#define SCHED_FD_MIN 512

static uint64_t fd_ino(int fd)
{
    struct stat st;
    return fstat(fd, &st) == 0 ? (uint64_t)st.st_ino : 0;
}

void slab_sample_sched_open(slab_sched_file *f)
{
    f->fd = -1;
    f->ino = 0;
    int fd = open("/proc/thread-self/schedstat", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    /* Below SCHED_FD_MIN only when the descriptor limit leaves no room
     * above it. */
    int high = fcntl(fd, F_DUPFD_CLOEXEC, SCHED_FD_MIN);
    if (high >= 0) {
        close(fd);
        fd = high;
    }
    slab_sample_clock t;
    slab_sample_start(&t, fd);
    if (!t.sched) {
        close(fd);
        return;
    }
    f->fd = fd;
    f->ino = fd_ino(fd);
}

void slab_sample_sched_close(slab_sched_file *f)
{
    if (f->fd >= 0 && f->ino != 0 && fd_ino(f->fd) == f->ino)
        close(f->fd);
    f->fd = -1;
    f->ino = 0;
}

/* "RUN WAIT SLICES\n": parsed by hand, this is on every sample. */
static bool read_sched(int fd, slab_sample_clock *t)
{
    char buf[96];
    ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
    if (n <= 0)
        return false;
    buf[n] = '\0';
    uint64_t v[3] = { 0, 0, 0 };
    const char *p = buf;
    for (int k = 0; k < 3; k++) {
        while (*p == ' ')
            p++;
        if (*p < '0' || *p > '9')
            return false;
        while (*p >= '0' && *p <= '9')
            v[k] = v[k] * 10 + (uint64_t)(*p++ - '0');
    }
    t->wait_ns = v[1];
    t->slices = v[2];
    return true;
}

/* The two clocks are read staggered: wall, CPU at the start and wall, CPU
 * at the end.  Each clock's region then holds the call plus exactly one read
 * of the other clock, so the two floors are nearly equal and a call that
 * was not preempted reads wall ~= CPU even before the floor is taken off
 * (nested reads would make the wall region hold two CPU-clock system calls
 * and the CPU region about one: a raw ratio near 2 for every short call,
 * which the seed's uncorrected printout would call interference). */
void slab_sample_start(slab_sample_clock *t, int fd)
{
    t->sched = fd >= 0 && read_sched(fd, t);
    t->wall_ns = slab_sample_clock_ns(CLOCK_MONOTONIC);
    t->cpu_ns = slab_sample_clock_ns(CLOCK_THREAD_CPUTIME_ID);
}

void slab_sample_stop(slab_sample_clock *t, int fd)
{
    t->wall_ns = slab_sample_clock_ns(CLOCK_MONOTONIC);
    t->cpu_ns = slab_sample_clock_ns(CLOCK_THREAD_CPUTIME_ID);
    t->sched = fd >= 0 && read_sched(fd, t);
}

void slab_sampler_clock(slab_sample_clock *now)
{
    slab_sample_start(now, -1);
}

/* ------------------------------------------------------------ recording */

/* Paths on which the allocator may sleep: a lock that another thread
 * holds, fresh memory that faults in. */
static bool may_sleep(unsigned path)
{
    return path == SLAB_PATH_PARTIAL || path == SLAB_PATH_NEW_SLAB ||
           path == SLAB_PATH_REPAIR;
}

static uint64_t *path_counter(slab_thread_stats *st, unsigned path)
{
    switch (path) {
    case SLAB_PATH_REFILL:   return &st->path_refill;
    case SLAB_PATH_PARTIAL:  return &st->path_partial;
    case SLAB_PATH_NEW_SLAB: return &st->path_new_slab;
    case SLAB_PATH_REPAIR:   return &st->path_repair;
    case SLAB_PATH_LARGE:    return &st->path_large;
    default:                 return &st->path_fast;
    }
}

void slab_sample_record(slab_thread_stats *st, const slab_sample_clock *t0,
                        const slab_sample_clock *t1, unsigned path)
{
    const slab_clock_floor *floor = slab_sample_floor_ref();
    uint64_t wall = delta(t1->wall_ns, t0->wall_ns);
    uint64_t cpu = delta(t1->cpu_ns, t0->cpu_ns);
    ThreadStats *s = &st->seed;

    s->alloc_samples++;
    s->alloc_wall_ns_sum += wall;
    s->alloc_cpu_ns_sum += cpu;
    if (wall > s->alloc_wall_ns_max)
        s->alloc_wall_ns_max = wall;
    if (cpu > s->alloc_cpu_ns_max)
        s->alloc_cpu_ns_max = cpu;
    unsigned bucket = slab_hist_bucket(wall);
    st->wall_hist[bucket]++;
    st->cpu_hist[slab_hist_bucket(cpu)]++;

    uint64_t wall_c = delta(wall, floor->wall_ns);
    uint64_t cpu_c = delta(cpu, floor->cpu_ns);
    if (wall_c >= 2 * cpu_c + PREEMPT_SLACK_NS)
        st->preempted++;

    /* Off the CPU: run-queue wait, and the rest. */
    if (path >= SLAB_PATH_COUNT)
        path = SLAB_PATH_FAST;
    uint64_t off = delta(wall, cpu), runq = 0;
    if (t0->sched && t1->sched) {
        st->sched_samples++;
        runq = delta(t1->wait_ns, t0->wait_ns);
        if (runq > off)
            runq = off;
        if (t1->slices != t0->slices)
            st->switched++;
    }
    uint64_t rest = off - runq;
    slab_tail_group *g = &st->tail[bucket >> 3];
    g->wall_ns += wall;
    g->runq_ns += runq;
    g->work_ns[path] += cpu;
    st->sampled_runq_ns += runq;
    if (may_sleep(path)) {
        g->blocked_ns += rest;
        st->sampled_blocked_ns += rest;
    } else {
        g->other_ns += rest;
        st->sampled_other_ns += rest;
    }
    (*path_counter(st, path))++;
}

void slab_sample_record_null(slab_thread_stats *st, const slab_sample_clock *t0,
                             const slab_sample_clock *t1)
{
    /* A region the thread was switched out of measures the scheduler,
     * not the clocks: left out. */
    if (t0->sched && t1->sched && t1->slices != t0->slices)
        return;
    st->null_samples++;
    st->null_wall_hist[slab_hist_bucket(delta(t1->wall_ns, t0->wall_ns))]++;
    st->null_cpu_hist[slab_hist_bucket(delta(t1->cpu_ns, t0->cpu_ns))]++;
}

/* ------------------------------------------------------------ calibration */

static slab_clock_floor floor_ns;
static slab_sample_timing timing;
static uint64_t sample_cost;

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static uint64_t pct(const uint64_t *sorted, unsigned n, unsigned p)
{
    return sorted[(uint64_t)(n - 1) * p / 100];
}

void slab_sample_calibrate(void)
{
    static uint64_t wall[FLOOR_RUNS], cpu[FLOOR_RUNS];  /* once, under pthread_once */
    slab_sample_clock t0, t1;
    slab_sched_file sched;
    slab_sample_sched_open(&sched);
    int fd = sched.fd;

    /* Warm up the clocks' code paths first. */
    for (int i = 0; i < 8; i++) {
        slab_sample_start(&t0, fd);
        slab_sample_stop(&t1, fd);
    }
    for (int i = 0; i < FLOOR_RUNS; i++) {
        slab_sample_start(&t0, fd);
        slab_sample_stop(&t1, fd);
        wall[i] = delta(t1.wall_ns, t0.wall_ns);
        cpu[i] = delta(t1.cpu_ns, t0.cpu_ns);
    }
    qsort(wall, FLOOR_RUNS, sizeof(wall[0]), cmp_u64);
    qsort(cpu, FLOOR_RUNS, sizeof(cpu[0]), cmp_u64);
    floor_ns.wall_ns = pct(wall, FLOOR_RUNS, 50);
    floor_ns.cpu_ns = pct(cpu, FLOOR_RUNS, 50);
    timing.wall_p10_ns = pct(wall, FLOOR_RUNS, 10);
    timing.wall_p50_ns = floor_ns.wall_ns;
    timing.wall_p90_ns = pct(wall, FLOOR_RUNS, 90);
    timing.wall_p99_ns = pct(wall, FLOOR_RUNS, 99);
    timing.cpu_p10_ns = pct(cpu, FLOOR_RUNS, 10);
    timing.cpu_p50_ns = floor_ns.cpu_ns;
    timing.cpu_p90_ns = pct(cpu, FLOOR_RUNS, 90);
    timing.cpu_p99_ns = pct(cpu, FLOOR_RUNS, 99);
    uint64_t rw = timing.wall_p90_ns - timing.wall_p10_ns;
    uint64_t rc = timing.cpu_p90_ns - timing.cpu_p10_ns;
    timing.resolution_ns = rw > rc ? rw : rc;
    if (timing.resolution_ns == 0)
        timing.resolution_ns = 1;
    timing.runs = FLOOR_RUNS;
    timing.sched = fd >= 0;

    /* The cost of a whole sample as the thread pays it: the reads and the
     * recording, timed in batches on a scratch record. */
    slab_thread_stats *scratch = calloc(1, sizeof(*scratch));
    uint64_t batch[COST_RUNS];
    for (int r = 0; r < COST_RUNS; r++) {
        uint64_t start = slab_sample_clock_ns(CLOCK_MONOTONIC);
        for (int i = 0; i < COST_BATCH; i++) {
            slab_sample_start(&t0, fd);
            slab_sample_stop(&t1, fd);
            if (scratch)
                slab_sample_record(scratch, &t0, &t1, SLAB_PATH_FAST);
        }
        batch[r] = delta(slab_sample_clock_ns(CLOCK_MONOTONIC), start) / COST_BATCH;
    }
    free(scratch);
    slab_sample_sched_close(&sched);
    qsort(batch, COST_RUNS, sizeof(batch[0]), cmp_u64);
    sample_cost = batch[COST_RUNS / 2];
    if (sample_cost == 0)
        sample_cost = 1;
    timing.sample_cost_ns = sample_cost;
    slab_log(SLAB_LOG_DEBUG, "sampler: floor wall %llu ns (p10 %llu, p90 %llu), cpu %llu ns; "
             "resolution %llu ns; sample cost %llu ns; schedstat %s",
             (unsigned long long)floor_ns.wall_ns, (unsigned long long)timing.wall_p10_ns,
             (unsigned long long)timing.wall_p90_ns, (unsigned long long)floor_ns.cpu_ns,
             (unsigned long long)timing.resolution_ns, (unsigned long long)sample_cost,
             timing.sched ? "read" : "unavailable");
}

uint64_t slab_sample_cost_ns(void)
{
    return sample_cost;
}

const slab_clock_floor *slab_sample_floor_ref(void)
{
    return &floor_ns;
}

const slab_sample_timing *slab_sample_timing_ref(void)
{
    return &timing;
}

#endif /* ENABLE_SLOWPATH_SAMPLING */
