/*
 * slabload.h - what slabload's files share: the scenarios, the options
 * (options.c parses them), the workers' records (slabload.c runs them,
 * summary.c adds them up at exit).
 */
#ifndef SLABLOAD_H
#define SLABLOAD_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "slab_alloc.h"
#include "slab_stats.h"

#define EXIT_USAGE 2
#define NREASONS 3u             /* repair reasons planted */

enum scenario {
    SC_STEADY,
    SC_NOISY,
    SC_REPAIR,
    SC_SLABS,
    SC_LOCK,
    SC_DEMO,
    SC_COUNT
};

extern const char *const sl_scenario_names[SC_COUNT];

#define MAX_SIZES 64

struct sl_options {
    unsigned threads;
    double duration;            /* seconds; 0 = until interrupted */
    uint32_t sizes[MAX_SIZES];
    unsigned nsizes;
    unsigned live;              /* objects kept alive per worker */
    uint64_t epoch_every;       /* allocations between epoch turns; 0 = never */
    uint64_t rate;              /* allocations per second per worker; 0 = no cap */
    const char *name;           /* segment name, NULL = library default */
    enum scenario scenario;
    unsigned hogs;              /* CPU hogs in noisy phases; 0 = two per worker */
    int cpu;                    /* core of noisy phases; -1 = last allowed one */
    double repair_rate;         /* zombies planted per second, whole process */
    double phase;               /* seconds per demo phase */
    unsigned burst;             /* objects per slabs-scenario burst */
    unsigned lock_us;           /* lock scenario: sleep holding a bin lock */
    bool quiet;
};


/* The options in force: defaults, then the command line. */
extern struct sl_options sl_opt;

/* options.c: parse argv into sl_opt; exits (status EXIT_USAGE, or 0 after
 * --help) when it must. */
void sl_options_parse(int argc, char **argv);

struct worker {
    pthread_t thread;
    unsigned index;
    uint64_t rng;
    SlabHandle *live;           /* sl_opt.live slots, 0 = empty */
    SlabHandle *burst;          /* sl_opt.burst slots for the slabs scenario */
    EpochId epoch;              /* where churn allocates */
    unsigned seen_gen;          /* phase generation this worker adapted to */

    uint64_t allocs, frees, failures, bad_frees;
    uint64_t planted[NREASONS];
    uint64_t plant_failures;
    uint64_t next_plant_ns;
    uint64_t bursts, closes;

    /* Handed in before the thread ends, read by main after the join. */
    ThreadStats seed;
    slab_thread_stats ext;
    bool ext_ok;
};


extern struct worker *sl_workers;       /* [sl_opt.threads] */
extern atomic_uint_fast64_t sl_epoch_turns;     /* --epoch-every turns */

/* summary.c: the seed's summary block for the first nworkers workers
 * (joined) and the main thread, over elapsed_ns. */
void sl_summary_print(uint64_t elapsed_ns, unsigned nworkers);

#endif /* SLABLOAD_H */
