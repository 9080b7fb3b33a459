/* Placeholder until the sampler lands. */
#include "config.h"
#include "slab_stats.h"
#include "sampler.h"

#ifdef ENABLE_SLOWPATH_SAMPLING
__thread int64_t slab_sampler_countdown __attribute__((tls_model("initial-exec"))) = INT64_MAX;
bool slab_sampler_begin(slab_sample_clock *t0) { (void)t0; slab_sampler_countdown = INT64_MAX; return false; }
void slab_sampler_end(const slab_sample_clock *t0) { (void)t0; }
void slab_sampler_clock(slab_sample_clock *now) { now->wall_ns = now->cpu_ns = 0; }
void slab_sampler_repair(unsigned reason, const slab_sample_clock *t0) { (void)reason; (void)t0; }
#endif
SLAB_API ThreadStats slab_stats_thread(void) { ThreadStats s = {0}; return s; }
