/* Placeholder until the publisher lands. */
#include "config.h"
#include "publish.h"
void slab_pub_start(void) {}
slab_pub_thread *slab_pub_thread_get(void) { return 0; }
void slab_pub_thread_flush(slab_pub_thread *t, const slab_thread_stats *now) { (void)t; (void)now; }
void slab_pub_thread_exit(slab_pub_thread *t, const slab_thread_stats *final) { (void)t; (void)final; }
void slab_pub_refresh(void) {}
