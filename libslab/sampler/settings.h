/*
 * settings.h - the sampler's settings in force: rate, mode and budget,
 * packed into one atomic word (settings.c) so that a thread never sees
 * half of an update.  Read once from SLAB_SAMPLE_RATE, SLAB_SAMPLE_MODE and
 * SLAB_SAMPLE_BUDGET; changed by slab_sample_set_config().
 */
#ifndef SLAB_SETTINGS_H
#define SLAB_SETTINGS_H

#include <stdint.h>

/* The word: rate in bits 0..31, mode in bit 32, budget (ppm) in 33..52. */
static inline uint32_t slab_settings_rate(uint64_t w) { return (uint32_t)w; }
static inline unsigned slab_settings_mode(uint64_t w) { return (unsigned)(w >> 32) & 1u; }
static inline uint32_t slab_settings_budget(uint64_t w) { return (uint32_t)(w >> 33); }

/* The settings in force, from the environment the first time.  A thread
 * compares the word with the one it runs by, and picks up a change at its
 * next publication tick rather than at once. */
uint64_t slab_settings_word(void);

#endif /* SLAB_SETTINGS_H */
