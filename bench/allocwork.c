/*
 * allocwork - allocator workloads of the kinds allocator papers and test
 * suites run, on plain malloc/free: bench/preload.sh runs each under every
 * allocator with LD_PRELOAD and times the whole process (bench/proctime).
 *
 *   allocwork WORKLOAD [-t THREADS] [-n SCALE]
 *
 *   larson      server simulation: each thread owns a set of slots and
 *               repeatedly frees a random one and fills it with a new
 *               object of random size; some objects are swapped with
 *               other threads through shared mailboxes (so they are freed
 *               by a thread that did not allocate them), and each thread
 *               is replaced by a new one, which inherits its slots, after
 *               a fixed number of operations.
 *   prodcons    one thread allocates and writes objects, another checks
 *               and frees them (a queue between them).
 *   falseshare  each thread gets one small object from the main thread,
 *               frees it, then allocates small objects and writes them
 *               hard: an allocator that puts two threads' objects on one
 *               cache line makes the writes slow.
 *   frag        one thread, many sizes (16 B..256 KiB), mostly short-lived
 *               objects among long-lived ones that are thinned out phase
 *               after phase; peak RSS is the figure.
 *   threads     thread churn: generations of threads that allocate, free
 *               half, hand the rest to the next generation, and exit.
 *
 * Every object is stamped with its address and size when allocated and
 * checked before it is freed.  stdout gets one line that is the same for
 * every correct allocator (the workload's parameters, the operations done
 * and the number of stamp mismatches, which must be 0; the exit status is
 * 1 if it is not), so a run can be compared with glibc's; stderr gets
 * what varies (end-of-run RSS).  All randomness is seeded: every run does
 * the same work, up to the interleaving of threads.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define KEY_ADDR 0x9e3779b97f4a7c15ull
#define KEY_TAIL 0xc2b2ae3d27d4eb4full
#define MAX_THREADS 64

static atomic_ulong stamp_errors;
static double scale = 1.0;
static unsigned nthreads = 2;

static void die(const char *what)
{
    fprintf(stderr, "allocwork: %s: %s\n", what, strerror(errno));
    exit(2);
}

static uint64_t scaled(uint64_t n)
{
    uint64_t v = (uint64_t)((double)n * scale);
    return v ? v : 1;
}

static inline uint64_t xorshift(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *s = x;
}

/* A size in [lo, hi], log-uniform: as many objects of 16..31 B as of
 * 512..1023 B, as in most programs (small objects dominate). */
static inline size_t log_size(uint64_t *rng, size_t lo, size_t hi)
{
    uint64_t r = xorshift(rng);
    unsigned lo_bit = 63 - (unsigned)__builtin_clzll(lo);
    unsigned hi_bit = 63 - (unsigned)__builtin_clzll(hi);
    unsigned b = lo_bit + (unsigned)(r % (hi_bit - lo_bit + 1));
    size_t n = ((size_t)1 << b) + (size_t)((r >> 8) & (((size_t)1 << b) - 1));
    return n < lo ? lo : n > hi ? hi : n;
}

/* Objects are at least 16 bytes: word 0 holds the address (keyed), word 1
 * the size, and the last whole word, if it is not one of those, both;
 * checked on free. */
static inline uint64_t *tail_word(uint64_t *w, size_t n)
{
    return n >= 24 ? (uint64_t *)((char *)w + ((n - 8) & ~(size_t)7)) : NULL;
}

static inline void *obj_new(size_t n)
{
    uint64_t *w = malloc(n);
    if (w == NULL)
        die("malloc");
    uint64_t a = (uint64_t)(uintptr_t)w;
    w[0] = a ^ KEY_ADDR;
    w[1] = n;
    uint64_t *tail = tail_word(w, n);
    if (tail != NULL)
        *tail = a ^ n ^ KEY_TAIL;
    return w;
}

static inline void obj_free(void *p)
{
    if (p == NULL)
        return;
    uint64_t *w = p;
    uint64_t a = (uint64_t)(uintptr_t)w, n = w[1];
    uint64_t *tail = n >= 16 && n <= ((size_t)1 << 30) ? tail_word(w, n) : NULL;
    if (w[0] != (a ^ KEY_ADDR) || n < 16 || n > ((size_t)1 << 30) ||
        (tail != NULL && *tail != (a ^ n ^ KEY_TAIL)))
        atomic_fetch_add_explicit(&stamp_errors, 1, memory_order_relaxed);
    free(p);
}

static void spawn(pthread_t *t, void *(*fn)(void *), void *arg)
{
    int e = pthread_create(t, NULL, fn, arg);
    if (e != 0) {
        errno = e;
        die("pthread_create");
    }
}

/* ------------------------------------------------------------ larson */

#define LARSON_SLOTS   4000u
#define LARSON_BOXES   64u
#define LARSON_SWAP    16u     /* one operation in this many swaps */
#define LARSON_GENS    20u

static struct {
    uint64_t ops_per_thread;
    _Atomic(void *) box[LARSON_BOXES];
    atomic_ulong ops;
} lar;

/* One lineage: the slots, and the thread of each generation.  Generation
 * g creates generation g + 1 (tid[g + 1]) before it exits; main joins
 * tid[0], tid[1], ... in turn, so tid[g + 1] is written before it is read
 * (pthread_join orders them). */
typedef struct larson_arg {
    void **slots;
    unsigned generation;
    uint64_t rng;
    pthread_t tid[LARSON_GENS];
} larson_arg;

static void *larson_thread(void *v)
{
    larson_arg *a = v;
    for (uint64_t i = 0; i < lar.ops_per_thread; i++) {
        uint64_t r = xorshift(&a->rng);
        unsigned s = (unsigned)(r % LARSON_SLOTS);
        obj_free(a->slots[s]);
        void *p = obj_new(log_size(&a->rng, 16, 1024));
        /* Now and then leave the new object to whichever thread looks
         * into this box next, and keep what was in it: it is freed
         * later by this thread, which did not allocate it. */
        if ((r >> 32) % LARSON_SWAP == 0)
            p = atomic_exchange_explicit(&lar.box[(r >> 40) % LARSON_BOXES], p,
                                         memory_order_acq_rel);
        a->slots[s] = p;
    }
    atomic_fetch_add_explicit(&lar.ops, lar.ops_per_thread, memory_order_relaxed);
    /* Replaced: the successor inherits the slots, with the objects this
     * thread allocated, and this thread exits. */
    unsigned g = ++a->generation;
    if (g < LARSON_GENS)
        spawn(&a->tid[g], larson_thread, a);
    return NULL;
}

static int run_larson(void)
{
    lar.ops_per_thread = scaled(80000);
    larson_arg *args = calloc(nthreads, sizeof(*args));
    if (args == NULL)
        die("calloc");
    for (unsigned t = 0; t < nthreads; t++) {
        args[t].rng = 0x1234567ull * (t + 1);
        args[t].slots = calloc(LARSON_SLOTS, sizeof(void *));
        if (args[t].slots == NULL)
            die("calloc");
        for (unsigned s = 0; s < LARSON_SLOTS; s++)
            args[t].slots[s] = obj_new(log_size(&args[t].rng, 16, 1024));
    }
    for (unsigned t = 0; t < nthreads; t++)
        spawn(&args[t].tid[0], larson_thread, &args[t]);
    for (unsigned t = 0; t < nthreads; t++)
        for (unsigned g = 0; g < LARSON_GENS; g++)
            pthread_join(args[t].tid[g], NULL);
    for (unsigned t = 0; t < nthreads; t++) {
        for (unsigned s = 0; s < LARSON_SLOTS; s++)
            obj_free(args[t].slots[s]);
        free(args[t].slots);
    }
    free(args);
    for (unsigned b = 0; b < LARSON_BOXES; b++)
        obj_free(atomic_load_explicit(&lar.box[b], memory_order_acquire));
    printf("larson threads=%u slots=%u generations=%u ops=%lu", nthreads,
           LARSON_SLOTS, LARSON_GENS, atomic_load(&lar.ops));
    return 0;
}

/* ------------------------------------------------------------ prodcons */

#define RING 4096u

static struct {
    _Alignas(64) atomic_ulong tail;
    _Alignas(64) atomic_ulong head;
    _Alignas(64) void *buf[RING];
    uint64_t items;
} pc;

static void *producer(void *v)
{
    (void)v;
    uint64_t rng = 0xfeedbeefull, head = 0;
    for (uint64_t i = 0; i < pc.items; i++) {
        void *p = obj_new(log_size(&rng, 16, 512));
        /* Acquire pairs with the consumer's release of head: the slot
         * is free again. */
        while (i - head >= RING)
            head = atomic_load_explicit(&pc.head, memory_order_acquire);
        pc.buf[i % RING] = p;
        /* Release pairs with the consumer's acquire of tail: it sees
         * the object's contents and the pointer. */
        atomic_store_explicit(&pc.tail, i + 1, memory_order_release);
    }
    return NULL;
}

static void *consumer(void *v)
{
    (void)v;
    uint64_t tail = 0;
    for (uint64_t i = 0; i < pc.items; i++) {
        while (i >= tail)
            tail = atomic_load_explicit(&pc.tail, memory_order_acquire);
        obj_free(pc.buf[i % RING]);
        atomic_store_explicit(&pc.head, i + 1, memory_order_release);
    }
    return NULL;
}

static int run_prodcons(void)
{
    pc.items = scaled(250000);
    pthread_t p, c;
    spawn(&c, consumer, NULL);
    spawn(&p, producer, NULL);
    pthread_join(p, NULL);
    pthread_join(c, NULL);
    printf("prodcons items=%lu", (unsigned long)pc.items);
    return 0;
}

/* ------------------------------------------------------------ falseshare */

static struct {
    uint64_t objects, writes;
    void *given[MAX_THREADS];
    atomic_ulong sum;
} fs;

static void *falseshare_thread(void *v)
{
    unsigned t = (unsigned)(uintptr_t)v;
    /* The main thread's object, likely on a cache line with the other
     * threads' ones: an allocator that hands its memory out again here
     * puts this thread's objects beside theirs. */
    obj_free(fs.given[t]);
    uint64_t rng = 0xabcdefull + t, sum = 0;
    for (uint64_t i = 0; i < fs.objects; i++) {
        size_t n = 16 + (size_t)(xorshift(&rng) % 17);
        volatile uint64_t *w = obj_new(n);
        /* Write word 1 (the size) hard, byte by byte; it is put back
         * before the free.  Beyond it the tail stamp may lie. */
        volatile unsigned char *c = (volatile unsigned char *)w + 8;
        for (uint64_t k = 0; k < fs.writes; k++)
            c[k & 7] = (unsigned char)(c[k & 7] + 1);
        for (unsigned k = 0; k < 8; k++)
            sum += c[k];
        w[1] = n;
        obj_free((void *)w);
    }
    atomic_fetch_add_explicit(&fs.sum, sum, memory_order_relaxed);
    return NULL;
}

static int run_falseshare(void)
{
    fs.objects = scaled(100000);
    fs.writes = 1000;
    for (unsigned t = 0; t < nthreads; t++)
        fs.given[t] = obj_new(16);
    pthread_t th[MAX_THREADS];
    for (unsigned t = 0; t < nthreads; t++)
        spawn(&th[t], falseshare_thread, (void *)(uintptr_t)t);
    for (unsigned t = 0; t < nthreads; t++)
        pthread_join(th[t], NULL);
    printf("falseshare threads=%u objects=%lu writes=%lu sum=%lu", nthreads,
           (unsigned long)fs.objects, (unsigned long)fs.writes,
           atomic_load(&fs.sum));
    return 0;
}

/* ------------------------------------------------------------ frag */

#define FRAG_LONG   20000u      /* long-lived objects */
#define FRAG_SHORT  1000u       /* short-lived: freed 1000 allocations later */
#define FRAG_PHASES 8u

static long rss_kb(void)
{
    long pages = 0, rss = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f == NULL)
        return -1;
    if (fscanf(f, "%ld %ld", &pages, &rss) != 2)
        rss = -1;
    fclose(f);
    return rss < 0 ? -1 : rss * (sysconf(_SC_PAGESIZE) / 1024);
}

static size_t frag_size(uint64_t *rng)
{
    /* Mostly small (16 B..4 KiB); one in 64 medium (4..64 KiB); one in
     * 1024 large (64..256 KiB), which most allocators map on their own. */
    uint64_t r = xorshift(rng) % 1024;
    if (r == 0)
        return log_size(rng, 65536, 262144);
    if (r < 17)
        return log_size(rng, 4096, 65535);
    return log_size(rng, 16, 4095);
}

static int run_frag(void)
{
    uint64_t per_phase = scaled(300000), rng = 0x5eed5eedull, ops = 0;
    void **longs = calloc(FRAG_LONG, sizeof(void *));
    void **shorts = calloc(FRAG_SHORT, sizeof(void *));
    if (longs == NULL || shorts == NULL)
        die("calloc");
    long peak_phase = 0;
    for (unsigned ph = 0; ph < FRAG_PHASES; ph++) {
        for (uint64_t i = 0; i < per_phase; i++, ops++) {
            uint64_t r = xorshift(&rng);
            if (r % 16 == 0) {
                /* One in 16 lives long: it replaces a random old one. */
                unsigned s = (unsigned)((r >> 8) % FRAG_LONG);
                obj_free(longs[s]);
                longs[s] = obj_new(frag_size(&rng));
            } else {
                unsigned s = (unsigned)(ops % FRAG_SHORT);
                obj_free(shorts[s]);
                shorts[s] = obj_new(frag_size(&rng));
            }
        }
        /* Between phases, free three long-lived objects of every four,
         * scattered: holes everywhere, which the next phase's other
         * sizes must reuse. */
        for (unsigned s = 0; s < FRAG_LONG; s++)
            if (xorshift(&rng) % 4 != 0) {
                obj_free(longs[s]);
                longs[s] = NULL;
            }
        long r = rss_kb();
        if (r > peak_phase)
            peak_phase = r;
    }
    unsigned kept = 0;
    for (unsigned s = 0; s < FRAG_SHORT; s++) {
        obj_free(shorts[s]);
        shorts[s] = NULL;
    }
    for (unsigned s = 0; s < FRAG_LONG; s++)
        kept += longs[s] != NULL;
    long end = rss_kb();
    fprintf(stderr, "frag rss_end_kb=%ld rss_phase_max_kb=%ld\n", end, peak_phase);
    for (unsigned s = 0; s < FRAG_LONG; s++)
        obj_free(longs[s]);
    free(longs);
    free(shorts);
    printf("frag phases=%u ops=%lu kept=%u", FRAG_PHASES, (unsigned long)ops, kept);
    return 0;
}

/* ------------------------------------------------------------ threads */

#define CHURN_OBJECTS 2000u

static struct {
    void **handoff;             /* [nthreads][CHURN_OBJECTS / 2] */
    uint64_t gen;
} ch;

static void *churn_thread(void *v)
{
    unsigned t = (unsigned)(uintptr_t)v;
    uint64_t rng = 0x777ull * (ch.gen + 1) + t;
    void **mine = ch.handoff + (size_t)t * (CHURN_OBJECTS / 2);
    void *local[CHURN_OBJECTS / 2];
    /* Free what the previous generation's thread t left (allocated by a
     * thread that has exited), then allocate, free half, leave half. */
    for (unsigned i = 0; i < CHURN_OBJECTS / 2; i++)
        obj_free(mine[i]);
    for (unsigned i = 0; i < CHURN_OBJECTS / 2; i++) {
        local[i] = obj_new(log_size(&rng, 16, 512));
        mine[i] = obj_new(log_size(&rng, 16, 512));
    }
    for (unsigned i = 0; i < CHURN_OBJECTS / 2; i++)
        obj_free(local[i]);
    return NULL;
}

static int run_threads(void)
{
    uint64_t gens = scaled(300);
    ch.handoff = calloc((size_t)nthreads * (CHURN_OBJECTS / 2), sizeof(void *));
    if (ch.handoff == NULL)
        die("calloc");
    pthread_t th[MAX_THREADS];
    for (ch.gen = 0; ch.gen < gens; ch.gen++) {
        for (unsigned t = 0; t < nthreads; t++)
            spawn(&th[t], churn_thread, (void *)(uintptr_t)t);
        for (unsigned t = 0; t < nthreads; t++)
            pthread_join(th[t], NULL);
    }
    for (size_t i = 0; i < (size_t)nthreads * (CHURN_OBJECTS / 2); i++)
        obj_free(ch.handoff[i]);
    free(ch.handoff);
    printf("threads threads_per_generation=%u generations=%lu objects=%u",
           nthreads, (unsigned long)gens, CHURN_OBJECTS);
    return 0;
}

/* ------------------------------------------------------------ main */

static const struct {
    const char *name;
    int (*run)(void);
} workloads[] = {
    { "larson", run_larson },
    { "prodcons", run_prodcons },
    { "falseshare", run_falseshare },
    { "frag", run_frag },
    { "threads", run_threads },
};

static void usage(void)
{
    fprintf(stderr, "usage: allocwork WORKLOAD [-t THREADS] [-n SCALE]\n"
            "WORKLOAD: larson, prodcons, falseshare, frag, threads\n");
    exit(2);
}

int main(int argc, char **argv)
{
    if (argc < 2)
        usage();
    const char *name = argv[1];
    int opt;
    optind = 2;
    while ((opt = getopt(argc, argv, "t:n:")) != -1) {
        switch (opt) {
        case 't': nthreads = (unsigned)strtoul(optarg, NULL, 10); break;
        case 'n': scale = strtod(optarg, NULL); break;
        default: usage();
        }
    }
    if (nthreads < 1 || nthreads > MAX_THREADS || !(scale > 0))
        usage();
    for (size_t i = 0; i < sizeof(workloads) / sizeof(workloads[0]); i++) {
        if (strcmp(workloads[i].name, name) == 0) {
            int rc = workloads[i].run();
            unsigned long bad = atomic_load(&stamp_errors);
            printf(" stamp_errors=%lu\n", bad);
            return rc != 0 ? rc : bad != 0;
        }
    }
    usage();
}
