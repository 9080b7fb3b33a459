/*
 * core_hooks.h - the only way the allocator tells the layers above it that
 * something happened.
 *
 * The allocator knows nothing of segments or publishing.  A layer above it
 * (the publisher) registers one table of callbacks, once, from a
 * constructor; the allocator calls them at the points named below.  Figures
 * the upper layers need (counters, epochs, memory) are not pushed through
 * here: they pull them from the registry (registry.h) on their own
 * schedule, so no allocation path ever collects them.
 *
 * Which calls may run concurrently: slab_core_set_hooks() from any thread,
 * at any time; the callbacks from any thread, concurrently with each other.
 */
#ifndef SLAB_CORE_HOOKS_H
#define SLAB_CORE_HOOKS_H

#include <stdatomic.h>
#include <stddef.h>

typedef struct slab_core_hooks {
    /* An allocator was created and is in the registry.  Called with no
     * allocator or registry lock held; may take them. */
    void (*allocator_created)(void);
} slab_core_hooks;

/* The table in force; NULL until registered.  hooks must stay valid for
 * the life of the process (a static const table). */
void slab_core_set_hooks(const slab_core_hooks *hooks);

extern _Atomic(const slab_core_hooks *) slab_core_hooks_table;

/* An allocator was created: tell whoever listens. */
static inline void slab_core_notify_created(void)
{
    /* Pairs with the release store in slab_core_set_hooks(): the table's
     * contents are visible once its address is. */
    const slab_core_hooks *h =
        atomic_load_explicit(&slab_core_hooks_table, memory_order_acquire);
    if (h != NULL && h->allocator_created != NULL)
        h->allocator_created();
}

#endif /* SLAB_CORE_HOOKS_H */
