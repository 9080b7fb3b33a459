/*
 * hist.c - the log-scale histogram of nanoseconds shared by the sampler and
 * every reader.
 *
 * Values 0..7 have a bucket each.  A value v >= 8 with highest set bit e
 * (2^e <= v < 2^(e+1)) falls in one of the 8 equal sub-buckets of
 * [2^e, 2^(e+1)): bucket 8 + 8 * (e - 3) + ((v >> (e - 3)) & 7).  A bucket's
 * width is 2^(e-3), at most 1/8 of its lower bound, so the midpoint reported
 * by slab_hist_quantile() is within 1/16 of every value in the bucket.
 * Bucket 255 ends at 2^34 - 1 ns (17.2 s) and also holds everything above.
 */
#include "config.h"
#include "slab_stats.h"

#include "common.h"

#define SUB      (1u << SLAB_HIST_SUB_BITS)         /* sub-buckets per octave */
#define TOP_BIT  (SLAB_HIST_SUB_BITS + (SLAB_HIST_BUCKETS - SUB) / SUB - 1)

_Static_assert(SUB == 8, "the bucket formula assumes 8 sub-buckets");
_Static_assert(TOP_BIT == 33, "256 buckets reach 2^34 - 1");

SLAB_API unsigned slab_hist_bucket(uint64_t ns)
{
    if (ns < SUB)
        return (unsigned)ns;
    unsigned e = 63u - (unsigned)__builtin_clzll(ns);
    if (e > TOP_BIT)
        return SLAB_HIST_BUCKETS - 1;
    unsigned sub = (unsigned)(ns >> (e - SLAB_HIST_SUB_BITS)) & (SUB - 1);
    return SUB + SUB * (e - SLAB_HIST_SUB_BITS) + sub;
}

SLAB_API uint64_t slab_hist_bucket_low(unsigned bucket)
{
    if (bucket >= SLAB_HIST_BUCKETS)
        return 0;
    if (bucket < SUB)
        return bucket;
    unsigned e = (bucket - SUB) / SUB + SLAB_HIST_SUB_BITS;
    uint64_t sub = (bucket - SUB) % SUB;
    return (UINT64_C(1) << e) + (sub << (e - SLAB_HIST_SUB_BITS));
}

SLAB_API uint64_t slab_hist_bucket_high(unsigned bucket)
{
    if (bucket >= SLAB_HIST_BUCKETS)
        return 0;
    if (bucket < SUB)
        return bucket;
    unsigned e = (bucket - SUB) / SUB + SLAB_HIST_SUB_BITS;
    return slab_hist_bucket_low(bucket) + (UINT64_C(1) << (e - SLAB_HIST_SUB_BITS)) - 1;
}

SLAB_API uint64_t slab_hist_quantile(const uint64_t *counts, double q)
{
    uint64_t total = 0;

    if (counts == NULL || q != q)     /* q != q: NaN */
        return 0;
    for (unsigned b = 0; b < SLAB_HIST_BUCKETS; b++)
        total += counts[b];
    if (total == 0)
        return 0;
    if (q < 0.0)
        q = 0.0;
    if (q > 1.0)
        q = 1.0;

    /* The smallest value with at least q * total samples at or below it:
     * rank ceil(q * total), and at least the first sample. */
    double want = q * (double)total;
    uint64_t rank = (uint64_t)want;
    if ((double)rank < want)
        rank++;
    if (rank < 1)
        rank = 1;
    if (rank > total)
        rank = total;

    uint64_t seen = 0;
    for (unsigned b = 0; b < SLAB_HIST_BUCKETS; b++) {
        seen += counts[b];
        if (seen >= rank) {
            uint64_t lo = slab_hist_bucket_low(b), hi = slab_hist_bucket_high(b);
            return lo + (hi - lo) / 2;
        }
    }
    return 0;   /* not reached: seen ends at total >= rank */
}
