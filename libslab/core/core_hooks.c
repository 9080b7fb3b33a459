/*
 * core_hooks.c - the table of callbacks the upper layers register with the
 * allocator (core_hooks.h).
 */
#include "config.h"
#include "core_hooks.h"

_Atomic(const slab_core_hooks *) slab_core_hooks_table;

void slab_core_set_hooks(const slab_core_hooks *hooks)
{
    /* Pairs with the acquire load in slab_core_notify_created(). */
    atomic_store_explicit(&slab_core_hooks_table, hooks, memory_order_release);
}
