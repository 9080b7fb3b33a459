/*
 * settings.c - the sampler's settings (settings.h) and their public API,
 * slab_sample_get_config() and slab_sample_set_config(), in both builds:
 * with sampling compiled out the API reports the options and refuses to be
 * configured.
 */
#include "config.h"
#include "settings.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>

#include "slab_stats.h"
#include "options.h"
#include "common.h"

#ifdef ENABLE_SLOWPATH_SAMPLING

#define MAX_RATE            (UINT32_C(1) << 30)
#define MAX_BUDGET_PPM      UINT32_C(1000000)

static _Atomic uint64_t settings;
static pthread_once_t settings_once = PTHREAD_ONCE_INIT;

static uint64_t pack(uint32_t rate, unsigned mode, uint32_t budget_ppm)
{
    return (uint64_t)rate | ((uint64_t)(mode & 1u) << 32) | ((uint64_t)budget_ppm << 33);
}

static void settings_from_env(void)
{
    uint64_t w = pack((uint32_t)slab_option_uint(SLAB_OPT_SAMPLE_RATE),
                      slab_option_uint(SLAB_OPT_SAMPLE_MODE) == 1 ? SLAB_SAMPLE_FIXED
                                                                  : SLAB_SAMPLE_RANDOM,
                      (uint32_t)slab_option_uint(SLAB_OPT_SAMPLE_BUDGET));
    /* Ordered by pthread_once for every caller of slab_settings_word(). */
    atomic_store_explicit(&settings, w, memory_order_relaxed);
}

uint64_t slab_settings_word(void)
{
    pthread_once(&settings_once, settings_from_env);
    /* Relaxed: the word is self-contained, and a thread may pick up a new
     * setting at its next tick rather than at once. */
    return atomic_load_explicit(&settings, memory_order_relaxed);
}

SLAB_API void slab_sample_get_config(slab_sample_config *out)
{
    if (out == NULL)
        return;
    uint64_t w = slab_settings_word();
    out->rate = slab_settings_rate(w);
    out->mode = slab_settings_mode(w) ? SLAB_SAMPLE_FIXED : SLAB_SAMPLE_RANDOM;
    out->budget_ppm = slab_settings_budget(w);
}

SLAB_API int slab_sample_set_config(const slab_sample_config *config)
{
    if (config == NULL || config->rate > MAX_RATE || config->budget_ppm > MAX_BUDGET_PPM ||
        (config->mode != SLAB_SAMPLE_RANDOM && config->mode != SLAB_SAMPLE_FIXED)) {
        errno = EINVAL;
        return -1;
    }
    pthread_once(&settings_once, settings_from_env);
    atomic_store_explicit(&settings, pack(config->rate, (unsigned)config->mode,
                                          config->budget_ppm),
                          memory_order_relaxed);
    return 0;
}

#else /* !ENABLE_SLOWPATH_SAMPLING */

SLAB_API void slab_sample_get_config(slab_sample_config *out)
{
    if (out == NULL)
        return;
    out->rate = 0;
    out->mode = slab_option_uint(SLAB_OPT_SAMPLE_MODE) == 1 ? SLAB_SAMPLE_FIXED
                                                            : SLAB_SAMPLE_RANDOM;
    out->budget_ppm = (uint32_t)slab_option_uint(SLAB_OPT_SAMPLE_BUDGET);
}

SLAB_API int slab_sample_set_config(const slab_sample_config *config)
{
    (void)config;
    errno = ENOTSUP;
    return -1;
}

#endif /* ENABLE_SLOWPATH_SAMPLING */
