/*
 * draw.h - the arithmetic behind the sampler's random intervals: a
 * xorshift64* generator and a natural logarithm that needs no libm (the
 * library links nothing but libc and librt, and may run inside malloc()).
 */
#ifndef SLAB_SAMPLER_DRAW_H
#define SLAB_SAMPLER_DRAW_H

#include <stdint.h>
#include <string.h>

/* xorshift64*: small, fast, and good enough to place samples. */
static inline uint64_t slab_rng_next(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * UINT64_C(2685821657736338717);
}

/* Natural logarithm of x > 0 without libm: x = m * 2^e with m in
 * [sqrt(1/2), sqrt(2)), ln m = 2 atanh((m - 1) / (m + 1)); the series to
 * z^17 is exact to about 1e-10 there. */
static inline double slab_ln(double x)
{
    uint64_t bits;
    memcpy(&bits, &x, sizeof(bits));
    int e = (int)((bits >> 52) & 0x7ff) - 1023;
    bits = (bits & ~(UINT64_C(0x7ff) << 52)) | (UINT64_C(1023) << 52);
    double m;
    memcpy(&m, &bits, sizeof(m));
    if (m > 1.4142135623730951) {
        m /= 2.0;
        e++;
    }
    double z = (m - 1.0) / (m + 1.0), z2 = z * z, term = z, sum = 0.0;
    for (int k = 1; k <= 17; k += 2) {
        sum += term / k;
        term *= z2;
    }
    return 2.0 * sum + e * 0.6931471805599453;
}

#endif
