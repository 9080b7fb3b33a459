/*
 * test_hist.c - the log-scale histogram: bucket bounds, the 1/8 relative
 * error from 1 ns to 10 s, and quantiles against data with known answers.
 */
#include "config.h"

#include <string.h>

#include "tap.h"
#include "slab_stats.h"

static uint64_t counts[SLAB_HIST_BUCKETS];

static void add(uint64_t v, uint64_t n)
{
    counts[slab_hist_bucket(v)] += n;
}

/* The quantile is the midpoint of the bucket holding the exact answer, so
 * it is within half a bucket, 1/16 of the value. */
static bool close_to(uint64_t got, uint64_t exact)
{
    uint64_t d = got > exact ? got - exact : exact - got;
    return d * 16 <= exact;
}

int main(void)
{
    plan(20);

    /* Exact buckets below 8. */
    bool exact = true;
    for (uint64_t v = 0; v < 8; v++)
        exact &= slab_hist_bucket(v) == v && slab_hist_bucket_low((unsigned)v) == v &&
                 slab_hist_bucket_high((unsigned)v) == v;
    ok(exact, "values 0..7 have a bucket each");

    /* Buckets tile the line: each starts right after the previous ends. */
    bool tiled = true;
    for (unsigned b = 1; b < SLAB_HIST_BUCKETS; b++)
        tiled &= slab_hist_bucket_low(b) == slab_hist_bucket_high(b - 1) + 1;
    ok(tiled, "buckets are contiguous and increasing");
    is_u64(slab_hist_bucket_high(SLAB_HIST_BUCKETS - 1), (UINT64_C(1) << 34) - 1,
           "the last bucket ends at 2^34 - 1 ns");

    /* Every value from 1 ns to 10 s (on a dense geometric walk plus the
     * bucket edges) lands in a bucket that holds it and is at most 1/8 of
     * its lower bound wide. */
    bool holds = true, narrow = true;
    uint64_t checked = 0;
    for (uint64_t v = 1; v <= UINT64_C(10000000000); v += v / 97 + 1, checked++) {
        unsigned b = slab_hist_bucket(v);
        uint64_t lo = slab_hist_bucket_low(b), hi = slab_hist_bucket_high(b);
        holds &= lo <= v && v <= hi;
        narrow &= (hi - lo) * 8 <= lo || lo < 8;
    }
    for (unsigned b = 0; b < SLAB_HIST_BUCKETS; b++) {
        holds &= slab_hist_bucket(slab_hist_bucket_low(b)) == b;
        holds &= slab_hist_bucket(slab_hist_bucket_high(b)) == b;
    }
    ok(holds, "each of %llu values from 1 ns to 10 s lies in its bucket", (unsigned long long)checked);
    ok(narrow, "every bucket up to 10 s is at most 1/8 of its lower bound wide");
    is_int(slab_hist_bucket(UINT64_MAX), SLAB_HIST_BUCKETS - 1, "huge values go to the last bucket");
    is_u64(slab_hist_bucket_low(SLAB_HIST_BUCKETS), 0, "an out-of-range bucket has no bounds");

    /* Quantiles. */
    memset(counts, 0, sizeof(counts));
    is_u64(slab_hist_quantile(counts, 0.5), 0, "an empty histogram gives 0");
    is_u64(slab_hist_quantile(NULL, 0.5), 0, "a NULL histogram gives 0");

    add(5, 10);
    is_u64(slab_hist_quantile(counts, 0.5), 5, "a single small value is exact");

    /* 1..10000 ns, once each: the q-quantile is q * 10000. */
    memset(counts, 0, sizeof(counts));
    for (uint64_t v = 1; v <= 10000; v++)
        add(v, 1);
    uint64_t p50 = slab_hist_quantile(counts, 0.50);
    uint64_t p99 = slab_hist_quantile(counts, 0.99);
    uint64_t p999 = slab_hist_quantile(counts, 0.999);
    ok(close_to(p50, 5000), "uniform 1..10000: p50 %llu is 5000 within 1/16", (unsigned long long)p50);
    ok(close_to(p99, 9900), "uniform 1..10000: p99 %llu is 9900 within 1/16", (unsigned long long)p99);
    ok(close_to(p999, 9990), "uniform 1..10000: p99.9 %llu is 9990 within 1/16", (unsigned long long)p999);
    ok(slab_hist_quantile(counts, 0.0) == 1 && slab_hist_quantile(counts, -3.0) == 1,
       "q = 0 and below give the smallest value");
    ok(close_to(slab_hist_quantile(counts, 1.0), 10000) &&
       slab_hist_quantile(counts, 7.0) == slab_hist_quantile(counts, 1.0),
       "q = 1 and above give the largest value");

    /* A tail: 990 fast samples at 100 ns, 9 at 10 us, 1 at 5 ms.  p99 is the
     * last fast one, p99.9 the slowest 10 us one, max the 5 ms one. */
    memset(counts, 0, sizeof(counts));
    add(100, 990);
    add(10000, 9);
    add(5000000, 1);
    ok(close_to(slab_hist_quantile(counts, 0.50), 100), "tail data: p50 is 100 ns");
    ok(close_to(slab_hist_quantile(counts, 0.99), 100), "tail data: p99 is 100 ns (rank 990)");
    ok(close_to(slab_hist_quantile(counts, 0.991), 10000), "tail data: p99.1 is 10 us (rank 991)");
    ok(close_to(slab_hist_quantile(counts, 0.9995), 5000000), "tail data: p99.95 is 5 ms");

    /* Interval percentiles come from differences of snapshots. */
    uint64_t later[SLAB_HIST_BUCKETS], diff[SLAB_HIST_BUCKETS];
    memcpy(later, counts, sizeof(later));
    later[slab_hist_bucket(20000)] += 100;
    for (unsigned b = 0; b < SLAB_HIST_BUCKETS; b++)
        diff[b] = later[b] - counts[b];
    ok(close_to(slab_hist_quantile(diff, 0.5), 20000), "the difference of two snapshots holds only the new samples");
    return tap_exit();
}
