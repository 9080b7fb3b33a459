/*
 * rng.h - the tests' random numbers: xorshift64* (Vigna), deterministic
 * from its seed so that a failure can be replayed.  The state must not
 * be 0.
 */
#ifndef SLAB_TESTS_RNG_H
#define SLAB_TESTS_RNG_H

#include <stdint.h>

static inline uint64_t xorshift(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 0x2545f4914f6cdd1dull;
}

#endif
