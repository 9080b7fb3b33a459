/*
 * slabbench - allocation workloads for libslab and for malloc, whichever
 * malloc the dynamic linker gives the process (glibc's, or a peer allocator
 * put in front with LD_PRELOAD).  bench/run.sh drives it; see bench/README.md
 * (the "How" section of RESULTS.md) for what each mode measures.
 *
 *   slabbench -m info  -a ALLOC                      who serves, which version
 *   slabbench -m time  -a ALLOC -w WL -s SIZE -n OPS ns/op, faults, peak RSS
 *   slabbench -m cg    -a ALLOC -n OPS               callgrind client requests
 *   slabbench -m lat   -a ALLOC -w WL -s SIZE -n GROUPS  latency percentiles
 *   slabbench -m threads -T THREADS -D SECONDS        idle threads with records
 *
 * ALLOC: malloc, slab (alloc_obj_epoch/free_obj), slab-malloc
 * (slab_malloc_epoch/slab_free), null (no allocator: the harness alone).
 * WL: pair, batch10, batch1000, batch100000, churn, xthread, epoch.
 * SIZE: 128, or mixed (a fixed pseudo-random sequence of 64..752 bytes).
 *
 * Output is one line of key=value pairs per measurement.
 */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <gnu/libc-version.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "slab_alloc.h"
#include "slab_stats.h"

#if defined(__has_include)
#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#define HAVE_CALLGRIND 1
#endif
#endif
#ifndef HAVE_CALLGRIND
#define CALLGRIND_ZERO_STATS do { } while (0)
#define CALLGRIND_DUMP_STATS_AT(s) do { (void)(s); } while (0)
#define RUNNING_ON_VALGRIND 0
#endif

#define LIKELY(x)   __builtin_expect(!!(x), 1)
#define UNLIKELY(x) __builtin_expect(!!(x), 0)

#define SIZE_SEQ      8192u            /* length of the size sequence */
#define SIZE_SEQ_MASK (SIZE_SEQ - 1u)
#define LIVE_SLOTS    10000u           /* churn's live set, pair's background */
#define LAT_GROUP     16u              /* allocations per latency sample */
#define RING_SIZE     1024u            /* producer/consumer queue */
#define EPOCH_BATCH   1000u

/* ------------------------------------------------------------ harness */

typedef struct bench_slot {
    void *p;
    SlabHandle h;
} bench_slot;

/* Single-producer single-consumer queue for the cross-thread workload.
 * Each side keeps a cached copy of the other side's index and reloads it
 * only when the queue looks full (producer) or empty (consumer). */
typedef struct spsc_ring {
    _Alignas(64) _Atomic uint64_t tail;     /* written by the producer */
    uint64_t head_cache;                    /* producer's view of head */
    _Alignas(64) _Atomic uint64_t head;     /* written by the consumer */
    uint64_t tail_cache;                    /* consumer's view of tail */
    _Alignas(64) bench_slot buf[RING_SIZE];
} spsc_ring;

typedef struct bench_ctx {
    const uint32_t *sizes;
    bench_slot *slots;      /* batch / churn / latency slots */
    bench_slot *bg;         /* objects kept live during pair */
    uint64_t cursor;        /* position in the size sequence */
    uint64_t rng;
    uint32_t batch;
    uint32_t live;
    EpochId epoch;
    spsc_ring *ring;
    uint64_t xt_n;
} bench_ctx;

typedef struct bench_ops {
    void (*pair)(bench_ctx *, uint64_t);
    void (*batch)(bench_ctx *, uint64_t);
    void (*churn)(bench_ctx *, uint64_t);
    void (*epoch)(bench_ctx *, uint64_t);
    void (*xthread)(bench_ctx *, uint64_t);
    void (*latency)(bench_ctx *, uint64_t, uint32_t *);
    void (*fill)(bench_ctx *, bench_slot *, uint32_t);
    void (*drain)(bench_ctx *, bench_slot *, uint32_t);
} bench_ops;

static void bench_die(const char *msg) __attribute__((noreturn, cold));
static void bench_die(const char *msg)
{
    fprintf(stderr, "slabbench: %s\n", msg);
    exit(2);
}

static void bench_oom(void) __attribute__((noreturn, cold, noinline));
static void bench_oom(void)
{
    fprintf(stderr, "slabbench: allocation failed: %s\n", strerror(errno));
    exit(2);
}

/* Write the object's first word, and keep the compiler from proving the
 * object unused (which would let it drop a malloc/free pair). */
static inline void touch(void *p)
{
    *(uintptr_t *)p = (uintptr_t)p;
    __asm__ volatile("" : : "r"(p) : "memory");
}

static inline uint64_t xorshift(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    *s = x;
    return x;
}

static inline uint32_t rand_below(uint64_t *s, uint32_t n)
{
    return (uint32_t)(((xorshift(s) >> 32) * (uint64_t)n) >> 32);
}

static inline uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* CPU time of the whole process (all threads), for a figure that time the
 * process spends waiting for a CPU does not inflate. */
static uint64_t cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Wait politely: pause for a while, then give the CPU away, so that a
 * waiting thread does not hold the core its partner needs (two cores, and
 * whatever else runs on the machine). */
static inline void cpu_relax(unsigned *spins)
{
    if (++*spins < 64) {
#if defined(__x86_64__) || defined(__i386__)
        __builtin_ia32_pause();
#endif
    } else {
        *spins = 0;
        sched_yield();
    }
}

static void spsc_reset(spsc_ring *r)
{
    atomic_store_explicit(&r->tail, 0, memory_order_relaxed);
    atomic_store_explicit(&r->head, 0, memory_order_relaxed);
    r->head_cache = 0;
    r->tail_cache = 0;
}

static inline void spsc_push(spsc_ring *r, const bench_slot *s)
{
    uint64_t t = atomic_load_explicit(&r->tail, memory_order_relaxed);
    unsigned spins = 0;
    while (t - r->head_cache >= RING_SIZE) {
        /* Acquire pairs with the consumer's release store of head: the
         * consumer has finished reading the slot we are about to reuse. */
        r->head_cache = atomic_load_explicit(&r->head, memory_order_acquire);
        if (t - r->head_cache >= RING_SIZE)
            cpu_relax(&spins);
    }
    r->buf[t & (RING_SIZE - 1)] = *s;
    /* Release pairs with the consumer's acquire load of tail: the slot's
     * contents are visible before the new tail. */
    atomic_store_explicit(&r->tail, t + 1, memory_order_release);
}

static inline void spsc_pop(spsc_ring *r, bench_slot *s)
{
    uint64_t h = atomic_load_explicit(&r->head, memory_order_relaxed);
    unsigned spins = 0;
    while (h == r->tail_cache) {
        /* Acquire pairs with the producer's release store of tail. */
        r->tail_cache = atomic_load_explicit(&r->tail, memory_order_acquire);
        if (h == r->tail_cache)
            cpu_relax(&spins);
    }
    *s = r->buf[h & (RING_SIZE - 1)];
    /* Release pairs with the producer's acquire load of head. */
    atomic_store_explicit(&r->head, h + 1, memory_order_release);
}

/* Harness memory comes from mmap, pre-touched, so that the allocator being
 * measured serves nothing but the workload.  Each array starts at a
 * different cache line of its page: page-aligned harness arrays would share
 * their low 12 address bits with page-aligned allocator data, and the
 * processor's store-to-load disambiguation, which compares only those
 * bits, would stall on the false matches (4K aliasing), favouring or
 * penalising allocators by their layout rather than their work. */
static void *harness_mem(size_t bytes)
{
    static unsigned calls;
    size_t skew = 64u * ((7u + 23u * calls++) % 64u);
    unsigned char *p = mmap(NULL, bytes + 4096, PROT_READ | PROT_WRITE,
                            MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        bench_die("mmap failed");
    memset(p, 0, bytes + 4096);
    return p + skew;
}

/* ------------------------------------------------------------ allocators */

static SlabAllocator *g_slab;
static _Alignas(64) unsigned char null_obj[1024];

/* The harness alone: every "allocation" is the same static buffer. */
#define BA_ID null
#define BA_ALLOC(sz, e, s) ((void)(e), (s)->p = null_obj, (s)->h = (sz))
#define BA_FREE(s) ((void)(s))
#define BA_EPOCH_OPEN() 0u
#define BA_EPOCH_CLOSE(e) ((void)(e))
#include "workloads.h"

/* Whatever malloc the process was given. */
#define BA_ID malloc
#define BA_ALLOC(sz, e, s) ((void)(e), (s)->p = malloc(sz))
#define BA_FREE(s) free((s)->p)
#define BA_EPOCH_OPEN() 0u
#define BA_EPOCH_CLOSE(e) ((void)(e))
#include "workloads.h"

/* libslab, handle API. */
#define BA_ID slab
#define BA_ALLOC(sz, e, s) ((s)->p = alloc_obj_epoch(g_slab, (sz), (e), &(s)->h))
#define BA_FREE(s)                                      \
    do {                                                \
        if (UNLIKELY(!free_obj(g_slab, (s)->h)))        \
            bench_die("free_obj refused a live handle"); \
    } while (0)
#define BA_EPOCH_OPEN() epoch_advance(g_slab)
#define BA_EPOCH_CLOSE(e) epoch_close(g_slab, (e))
#include "workloads.h"

/* libslab, malloc style. */
#define BA_ID slabm
#define BA_ALLOC(sz, e, s) ((s)->p = slab_malloc_epoch(g_slab, (sz), (e)))
#define BA_FREE(s)                                      \
    do {                                                \
        if (UNLIKELY(!slab_free(g_slab, (s)->p)))       \
            bench_die("slab_free refused a live pointer"); \
    } while (0)
#define BA_EPOCH_OPEN() epoch_advance(g_slab)
#define BA_EPOCH_CLOSE(e) epoch_close(g_slab, (e))
#include "workloads.h"

static const struct {
    const char *name;
    const bench_ops *ops;
    bool slab;
} allocators[] = {
    { "null", &alloc_null, false },
    { "malloc", &alloc_malloc, false },
    { "slab", &alloc_slab, true },
    { "slab-malloc", &alloc_slabm, true },
};

/* ------------------------------------------------------------ identity */

/* Print which shared object serves malloc (or libslab) and its version. */
static void print_identity(bool slab)
{
    Dl_info di;
    void *sym = slab ? (void *)alloc_obj_epoch : dlsym(RTLD_DEFAULT, "malloc");
    const char *file = "?";
    char version[128] = "?";

    if (sym != NULL && dladdr(sym, &di) != 0 && di.dli_fname != NULL)
        file = di.dli_fname;
    if (slab) {
#ifdef ENABLE_SLOWPATH_SAMPLING
        const char *sampling = "compiled-in";
#else
        const char *sampling = "compiled-out";
#endif
        slab_sample_config cfg;
        slab_sample_get_config(&cfg);
        snprintf(version, sizeof(version),
                 "libslab-%s sampling=%s rate=%u mode=%s budget_ppm=%u",
                 PACKAGE_VERSION, sampling, cfg.rate,
                 cfg.mode == SLAB_SAMPLE_FIXED ? "fixed" : "random",
                 cfg.budget_ppm);
    } else {
        void *h = dlopen(file, RTLD_LAZY | RTLD_NOLOAD);
        int (*mallctl_fn)(const char *, void *, size_t *, void *, size_t) = NULL;
        int (*mi_version_fn)(void) = NULL;
        const char *(*tc_version_fn)(int *, int *, const char **) = NULL;
        if (h != NULL) {
            *(void **)&mallctl_fn = dlsym(h, "mallctl");
            *(void **)&mi_version_fn = dlsym(h, "mi_version");
            *(void **)&tc_version_fn = dlsym(h, "tc_version");
        }
        if (mallctl_fn != NULL) {
            const char *v = NULL;
            size_t len = sizeof(v);
            if (mallctl_fn("version", &v, &len, NULL, 0) == 0 && v != NULL)
                snprintf(version, sizeof(version), "jemalloc-%s", v);
        } else if (mi_version_fn != NULL) {
            int v = mi_version_fn();
            snprintf(version, sizeof(version), "mimalloc-%d.%d.%d",
                     v / 100, (v / 10) % 10, v % 10);
        } else if (tc_version_fn != NULL) {
            int major = 0, minor = 0;
            const char *patch = "";
            const char *v = tc_version_fn(&major, &minor, &patch);
            snprintf(version, sizeof(version), "%s", v ? v : "tcmalloc");
        } else if (strstr(file, "libc.so") != NULL) {
            snprintf(version, sizeof(version), "glibc-%s",
                     gnu_get_libc_version());
        }
        if (h != NULL)
            dlclose(h);
    }
    printf("served_by=%s version=\"%s\"", file, version);
}

/* ------------------------------------------------------------ workloads */

typedef enum { WL_PAIR, WL_BATCH, WL_CHURN, WL_XTHREAD, WL_EPOCH } wl_kind;

typedef struct workload {
    const char *name;
    wl_kind kind;
    uint32_t batch;
} workload;

static const workload workloads[] = {
    { "pair", WL_PAIR, 0 },
    { "batch10", WL_BATCH, 10 },
    { "batch1000", WL_BATCH, 1000 },
    { "batch100000", WL_BATCH, 100000 },
    { "churn", WL_CHURN, 0 },
    { "xthread", WL_XTHREAD, 0 },
    { "epoch", WL_EPOCH, EPOCH_BATCH },
};

static const workload *find_workload(const char *name)
{
    for (size_t i = 0; i < sizeof(workloads) / sizeof(workloads[0]); i++)
        if (strcmp(workloads[i].name, name) == 0)
            return &workloads[i];
    return NULL;
}

static uint32_t *make_sizes(bool mixed)
{
    uint32_t *sizes = harness_mem(SIZE_SEQ * sizeof(uint32_t));
    uint64_t rng = 0x9e3779b97f4a7c15u;
    for (uint32_t i = 0; i < SIZE_SEQ; i++)
        sizes[i] = mixed ? 64u + rand_below(&rng, SLAB_MALLOC_MAX - 64u + 1u) : 128u;
    return sizes;
}

/* Set a workload up: background objects, live set, batch, queue. */
static void wl_setup(const bench_ops *ops, const workload *w, bench_ctx *ctx)
{
    ctx->batch = w->batch;
    ctx->live = 0;
    switch (w->kind) {
    case WL_PAIR:
        ops->fill(ctx, ctx->bg, LIVE_SLOTS);
        break;
    case WL_CHURN:
        ctx->live = LIVE_SLOTS;
        ops->fill(ctx, ctx->slots, LIVE_SLOTS);
        break;
    default:
        break;
    }
}

static void wl_teardown(const bench_ops *ops, const workload *w, bench_ctx *ctx)
{
    if (w->kind == WL_PAIR)
        ops->drain(ctx, ctx->bg, LIVE_SLOTS);
    else if (w->kind == WL_CHURN)
        ops->drain(ctx, ctx->slots, LIVE_SLOTS);
}

static void wl_run(const bench_ops *ops, const workload *w, bench_ctx *ctx,
                   uint64_t n)
{
    switch (w->kind) {
    case WL_PAIR: ops->pair(ctx, n); break;
    case WL_BATCH: ops->batch(ctx, n); break;
    case WL_CHURN: ops->churn(ctx, n); break;
    case WL_XTHREAD: ops->xthread(ctx, n); break;
    case WL_EPOCH: ops->epoch(ctx, n); break;
    }
}

static uint64_t round_up(uint64_t n, uint32_t b)
{
    return b ? (n + b - 1) / b * b : n;
}

/* ------------------------------------------------------------ modes */

static void print_rusage_delta(const struct rusage *a, const struct rusage *b)
{
    printf(" minflt=%ld majflt=%ld maxrss_kb=%ld",
           b->ru_minflt - a->ru_minflt, b->ru_majflt - a->ru_majflt,
           b->ru_maxrss);
}

static void print_sampler(const slab_thread_stats *a, const slab_thread_stats *b,
                          double seconds)
{
    uint64_t samples = b->seed.alloc_samples - a->seed.alloc_samples;
    printf(" samples=%" PRIu64 " samples_per_s=%.0f interval=%" PRIu64,
           samples, seconds > 0 ? (double)samples / seconds : 0.0, b->interval);
}

static int mode_time(const bench_ops *ops, bool slab, const workload *w,
                     bench_ctx *ctx, uint64_t n, double wait_s)
{
    struct rusage ru0, ru1;
    slab_thread_stats st0, st1;

    getrusage(RUSAGE_SELF, &ru0);
    wl_setup(ops, w, ctx);
    wl_run(ops, w, ctx, round_up(n / 10 + 1, w->batch));   /* warm-up */
    if (wait_s > 0) {
        /* Give a monitor time to attach before the timed part. */
        printf("waiting=%.2f pid=%ld\n", wait_s, (long)getpid());
        fflush(stdout);
        struct timespec ts = { (time_t)wait_s,
                               (long)((wait_s - (double)(time_t)wait_s) * 1e9) };
        nanosleep(&ts, NULL);
    }
    memset(&st0, 0, sizeof(st0));
    memset(&st1, 0, sizeof(st1));
    if (slab)
        slab_stats_thread_ext(&st0);
    n = round_up(n, w->batch);
    uint64_t c0 = cpu_ns();
    uint64_t t0 = now_ns();
    wl_run(ops, w, ctx, n);
    uint64_t t1 = now_ns();
    uint64_t c1 = cpu_ns();
    if (slab)
        slab_stats_thread_ext(&st1);
    getrusage(RUSAGE_SELF, &ru1);
    wl_teardown(ops, w, ctx);

    double seconds = (double)(t1 - t0) / 1e9;
    printf("mode=time ops=%" PRIu64 " ns_per_op=%.3f cpu_ns_per_op=%.3f elapsed_s=%.4f",
           n, (double)(t1 - t0) / (double)n, (double)(c1 - c0) / (double)n, seconds);
    print_rusage_delta(&ru0, &ru1);
    if (slab)
        print_sampler(&st0, &st1, seconds);
    return 0;
}

/* Under callgrind: for each workload (cross-thread excluded: its spin loops
 * would be counted), run n and then 2n operations, dumping the counts of
 * each run; bench/run.sh takes (I(2n) - I(n)) / n. */
static int mode_callgrind(const bench_ops *ops, bench_ctx *ctx,
                          uint32_t *const sizes[2], uint64_t n)
{
    static const char *size_names[2] = { "128", "mixed" };
    char tag[96];

    for (size_t wi = 0; wi < sizeof(workloads) / sizeof(workloads[0]); wi++) {
        const workload *w = &workloads[wi];
        if (w->kind == WL_XTHREAD)
            continue;
        for (int si = 0; si < 2; si++) {
            uint64_t m = round_up(n, w->batch);
            ctx->sizes = sizes[si];
            wl_setup(ops, w, ctx);
            wl_run(ops, w, ctx, m);                     /* warm-up */
            for (int len = 1; len <= 2; len++) {
                CALLGRIND_ZERO_STATS;
                wl_run(ops, w, ctx, m * (uint64_t)len);
                snprintf(tag, sizeof(tag), "wl=%s size=%s ops=%" PRIu64,
                         w->name, size_names[si], m * (uint64_t)len);
                CALLGRIND_DUMP_STATS_AT(tag);
            }
            wl_teardown(ops, w, ctx);
        }
    }
    printf("mode=cg ops=%" PRIu64 " on_valgrind=%d", n, (int)RUNNING_ON_VALGRIND);
    return 0;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* The cost of an empty timed region: the median of many. */
static uint32_t clock_floor(void)
{
    enum { N = 2001 };
    static uint32_t d[N];
    for (int i = 0; i < N; i++) {
        uint64_t t0 = now_ns();
        uint64_t t1 = now_ns();
        d[i] = (uint32_t)(t1 - t0);
    }
    qsort(d, N, sizeof(d[0]), cmp_u32);
    return d[N / 2];
}

static int mode_latency(const bench_ops *ops, const workload *w,
                        bench_ctx *ctx, uint64_t groups)
{
    uint32_t *lat = harness_mem(groups * sizeof(uint32_t));

    if (w->kind != WL_CHURN && w->kind != WL_BATCH)
        bench_die("latency: use -w churn or -w batchN");
    wl_setup(ops, w, ctx);
    ops->latency(ctx, groups / 10 + 1, lat);                /* warm-up */
    ops->latency(ctx, groups, lat);
    wl_teardown(ops, w, ctx);

    uint32_t floor = clock_floor();
    qsort(lat, groups, sizeof(lat[0]), cmp_u32);
    double q[4] = { 0.5, 0.99, 0.999, 1.0 };
    double v[4];
    for (int i = 0; i < 4; i++) {
        uint64_t idx = (uint64_t)(q[i] * (double)(groups - 1));
        double d = (double)lat[idx] - (double)floor;
        v[i] = (d < 0 ? 0 : d) / LAT_GROUP;
    }
    printf("mode=lat groups=%" PRIu64 " group=%u clock_floor_ns=%u "
           "p50_ns=%.2f p99_ns=%.2f p999_ns=%.2f max_ns=%.2f",
           groups, LAT_GROUP, floor, v[0], v[1], v[2], v[3]);
    return 0;
}

/* Idle threads that each own a published record: every thread allocates
 * enough to be sampled (and so to publish), then wakes once a second to do a
 * little more, until the main thread says stop. */
static atomic_bool threads_stop;

static void *idle_thread(void *arg)
{
    bench_ctx *ctx = arg;
    bench_slot s[64];

    while (!atomic_load_explicit(&threads_stop, memory_order_relaxed)) {
        for (int round = 0; round < 64; round++) {
            for (int j = 0; j < 64; j++) {
                s[j].p = alloc_obj_epoch(g_slab, 128, ctx->epoch, &s[j].h);
                if (s[j].p == NULL)
                    bench_oom();
            }
            for (int j = 0; j < 64; j++)
                free_obj(g_slab, s[j].h);
        }
        struct timespec ts = { 1, 0 };
        nanosleep(&ts, NULL);
    }
    return NULL;
}

static int mode_threads(bench_ctx *ctx, unsigned nthreads, double seconds)
{
    pthread_t *tids = harness_mem(nthreads * sizeof(pthread_t));
    pthread_attr_t attr;
    unsigned started = 0;

    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 64 * 1024);
    for (; started < nthreads; started++)
        if (pthread_create(&tids[started], &attr, idle_thread, ctx) != 0)
            break;
    printf("mode=threads threads=%u pid=%ld\n", started, (long)getpid());
    fflush(stdout);
    struct timespec ts = { (time_t)seconds,
                           (long)((seconds - (double)(time_t)seconds) * 1e9) };
    nanosleep(&ts, NULL);
    atomic_store_explicit(&threads_stop, true, memory_order_relaxed);
    for (unsigned i = 0; i < started; i++)
        pthread_join(tids[i], NULL);
    printf("mode=threads done=1");
    return started == nthreads ? 0 : 1;
}

static void usage(void)
{
    fputs("usage: slabbench -m info|time|cg|lat|threads [-a ALLOC] [-w WORKLOAD]\n"
          "                 [-s 128|mixed] [-n OPS] [-W WAIT_S] [-T THREADS] [-D SECONDS]\n",
          stderr);
    exit(2);
}

int main(int argc, char **argv)
{
    const char *mode = "time", *alloc_name = "slab", *wl_name = "pair";
    const char *size_name = "128";
    uint64_t n = 1000000;
    double wait_s = 0, seconds = 10;
    unsigned nthreads = 256;
    int opt;

    while ((opt = getopt(argc, argv, "m:a:w:s:n:W:T:D:h")) != -1) {
        switch (opt) {
        case 'm': mode = optarg; break;
        case 'a': alloc_name = optarg; break;
        case 'w': wl_name = optarg; break;
        case 's': size_name = optarg; break;
        case 'n': n = strtoull(optarg, NULL, 10); break;
        case 'W': wait_s = strtod(optarg, NULL); break;
        case 'T': nthreads = (unsigned)strtoul(optarg, NULL, 10); break;
        case 'D': seconds = strtod(optarg, NULL); break;
        default: usage();
        }
    }
    if (n == 0)
        usage();

    const bench_ops *ops = NULL;
    bool slab = false;
    for (size_t i = 0; i < sizeof(allocators) / sizeof(allocators[0]); i++) {
        if (strcmp(allocators[i].name, alloc_name) == 0) {
            ops = allocators[i].ops;
            slab = allocators[i].slab;
        }
    }
    if (ops == NULL)
        usage();
    if (strcmp(size_name, "128") != 0 && strcmp(size_name, "mixed") != 0)
        usage();
    const workload *w = find_workload(wl_name);
    if (w == NULL)
        usage();

    bench_ctx ctx;
    memset(&ctx, 0, sizeof(ctx));
    uint32_t *sizes[2] = { make_sizes(false), make_sizes(true) };
    ctx.sizes = sizes[strcmp(size_name, "mixed") == 0];
    ctx.slots = harness_mem(100000 * sizeof(bench_slot));
    ctx.bg = harness_mem(LIVE_SLOTS * sizeof(bench_slot));
    ctx.ring = harness_mem(sizeof(spsc_ring));
    ctx.rng = 0x2545f4914f6cdd1du;

    if (slab || strcmp(mode, "threads") == 0) {
        g_slab = slab_allocator_create();
        if (g_slab == NULL)
            bench_die("slab_allocator_create failed");
        ctx.epoch = epoch_current(g_slab);
    }

    printf("alloc=%s workload=%s size=%s ", alloc_name, w->name, size_name);
    print_identity(slab);
    putchar(' ');

    int rc = 0;
    if (strcmp(mode, "info") == 0)
        printf("mode=info");
    else if (strcmp(mode, "time") == 0)
        rc = mode_time(ops, slab, w, &ctx, n, wait_s);
    else if (strcmp(mode, "cg") == 0)
        rc = mode_callgrind(ops, &ctx, sizes, n);
    else if (strcmp(mode, "lat") == 0)
        rc = mode_latency(ops, w, &ctx, n);
    else if (strcmp(mode, "threads") == 0)
        rc = mode_threads(&ctx, nthreads, seconds);
    else
        usage();
    putchar('\n');

    if (g_slab != NULL)
        slab_allocator_free(g_slab);
    return rc;
}
