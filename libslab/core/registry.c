/*
 * registry.c - the process's live allocators: their list and lock, the
 * totals of allocators already freed, fork(), and the counters read
 * in-process and by the publisher.
 */
#include "config.h"

#include "registry.h"

#include <errno.h>
#include <pthread.h>
#include <string.h>

#include "core.h"

pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
SlabAllocator *registry_list;
static uint64_t registry_serial;
static class_counters registry_retired[SLAB_CORE_CLASSES];
static uint64_t registry_created;

/* fork(): a thread other than the forking one may hold any allocator lock
 * at that moment, and it does not exist in the child.  Every lock is
 * taken before the fork and released on both sides after, so that the
 * child starts with all of them free and every structure consistent.
 * The order is the core's lock order: the registry, then per allocator
 * its epoch lock, its bin locks (never nested with each other) and its
 * own lock, a leaf.  Heaps of threads that do not exist in the child stay
 * as they are: their objects remain valid and free remotely. */
static void fork_prepare(void)
{
    pthread_mutex_lock(&registry_lock);
    for (SlabAllocator *a = registry_list; a; a = a->reg_next)
        allocator_lock_all(a);
}

static void fork_parent(void)
{
    for (SlabAllocator *a = registry_list; a; a = a->reg_next)
        allocator_unlock_all(a);
    pthread_mutex_unlock(&registry_lock);
}

/* The thread that forked, the child's only one, holds every lock: it gives
 * them back as in the parent.  (Initialising them again would do as well
 * for the child, but ThreadSanitizer would count them as still held and
 * report an inversion with the next lock the child takes.) */
static void fork_child(void)
{
    fork_parent();
}

static void install_fork_handlers(void)
{
    /* Without the handlers (ENOMEM), a fork may leave a child's locks
     * held, as it did before they existed; nothing else changes. */
    (void)pthread_atfork(fork_prepare, fork_parent, fork_child);
}

static pthread_once_t fork_once = PTHREAD_ONCE_INIT;

/* The handlers are installed before main(), while there is one thread:
 * fork() runs only the handlers registered when it began, so registering
 * them on first use, while another thread forks, could leave that child
 * with the registry lock held.  registry_add() still installs them for a
 * library loaded later with dlopen().  Priority 102: before the
 * publisher's constructor registers its own handlers, so that fork() runs
 * the publisher's prepare handler (its start lock) before this one (the
 * allocator locks), the order in which a publishing thread takes them. */
__attribute__((constructor(102))) static void registry_init(void)
{
    pthread_once(&fork_once, install_fork_handlers);
}

/* Add a new allocator, giving it its serial. */
void registry_add(SlabAllocator *a)
{
    pthread_once(&fork_once, install_fork_handlers);
    pthread_mutex_lock(&registry_lock);
    a->serial = ++registry_serial;
    a->reg_next = registry_list;
    registry_list = a;
    registry_created++;
    pthread_mutex_unlock(&registry_lock);
}

/* Take an allocator out, keeping its counters in the totals of freed
 * allocators. */
void registry_remove(SlabAllocator *a)
{
    pthread_mutex_lock(&registry_lock);
    for (SlabAllocator **p = &registry_list; *p; p = &(*p)->reg_next) {
        if (*p == a) {
            *p = a->reg_next;
            break;
        }
    }
    for (unsigned c = 0; c < SLAB_CORE_CLASSES; c++) {
        class_counters *from = &a->counters[c], *to = &registry_retired[c];
        for (heap *h = a->heaps; h; h = h->next) {
            counter_add(&to->allocs_slow, counter_get(&h->counters[c].allocs_slow));
            counter_add(&to->remote_frees, counter_get(&h->counters[c].remote_frees));
            counter_add(&to->cas_retries, counter_get(&h->counters[c].cas_retries));
        }
        counter_add(&to->allocs_slow, counter_get(&from->allocs_slow));
        counter_add(&to->remote_frees, counter_get(&from->remote_frees));
        counter_add(&to->cas_retries, counter_get(&from->cas_retries));
        counter_add(&to->new_slabs, counter_get(&from->new_slabs));
        counter_add(&to->recycled_slabs, counter_get(&from->recycled_slabs));
        counter_add(&to->released_slabs, counter_get(&from->released_slabs));
        counter_add(&to->madvised_bytes, counter_get(&from->madvised_bytes));
        for (unsigned r = 0; r < 3; r++)
            counter_add(&to->repairs[r], counter_get(&from->repairs[r]));
    }
    pthread_mutex_unlock(&registry_lock);
}

/* Add the counters of class c (SLAB_CORE_CLASSES) to out, the row it is
 * reported in. */
static void class_collect(SlabAllocator *a, unsigned c, PerfCounters *out)
{
    class_counters *cc = &a->counters[c];
    out->allocs_slow += counter_get(&cc->allocs_slow);
    out->remote_frees += counter_get(&cc->remote_frees);
    out->cas_retries += counter_get(&cc->cas_retries);
    for (heap *h = a->heaps; h; h = h->next) {
        out->allocs_slow += counter_get(&h->counters[c].allocs_slow);
        out->remote_frees += counter_get(&h->counters[c].remote_frees);
        out->cas_retries += counter_get(&h->counters[c].cas_retries);
    }
    out->new_slabs += counter_get(&cc->new_slabs);
    out->recycled_slabs += counter_get(&cc->recycled_slabs);
    out->released_slabs += counter_get(&cc->released_slabs);
    out->madvised_bytes += counter_get(&cc->madvised_bytes);
    out->repair_full_bitmap += counter_get(&cc->repairs[0]);
    out->repair_list_mismatch += counter_get(&cc->repairs[1]);
    out->repair_other += counter_get(&cc->repairs[2]);
    uint64_t live = counter_get(&cc->live_slabs);
    out->live_slabs += live;
    out->resident_bytes += (live + a->warm[c]) * SLAB_BYTES;
}

SLAB_API bool get_perf_counters(SlabAllocator *alloc, unsigned class_index, PerfCounters *out)
{
    if (alloc == NULL || out == NULL || class_index >= SLAB_NUM_CLASSES) {
        errno = EINVAL;
        return false;
    }
    memset(out, 0, sizeof(*out));
    pthread_mutex_lock(&alloc->lock);      /* keeps the heap list still */
    for (unsigned c = 0; c < SLAB_CORE_CLASSES; c++)
        if (slab_class_row[c] == class_index)
            class_collect(alloc, c, out);
    pthread_mutex_unlock(&alloc->lock);
    out->repairs = out->repair_full_bitmap + out->repair_list_mismatch + out->repair_other;
    return true;
}

void slab_registry_collect(PerfCounters classes[SLAB_NUM_CLASSES],
                           slab_shm_seg_epoch epochs[SLAB_EPOCH_COUNT],
                           slab_process_info *info)
{
    memset(classes, 0, sizeof(PerfCounters) * SLAB_NUM_CLASSES);
    memset(epochs, 0, sizeof(slab_shm_seg_epoch) * SLAB_EPOCH_COUNT);
    memset(info, 0, sizeof(*info));
    pthread_mutex_lock(&registry_lock);
    for (unsigned c = 0; c < SLAB_CORE_CLASSES; c++) {
        class_counters *r = &registry_retired[c];
        PerfCounters *row = &classes[slab_class_row[c]];
        row->allocs_slow += counter_get(&r->allocs_slow);
        row->remote_frees += counter_get(&r->remote_frees);
        row->cas_retries += counter_get(&r->cas_retries);
        row->new_slabs += counter_get(&r->new_slabs);
        row->recycled_slabs += counter_get(&r->recycled_slabs);
        row->released_slabs += counter_get(&r->released_slabs);
        row->madvised_bytes += counter_get(&r->madvised_bytes);
        row->repair_full_bitmap += counter_get(&r->repairs[0]);
        row->repair_list_mismatch += counter_get(&r->repairs[1]);
        row->repair_other += counter_get(&r->repairs[2]);
    }
    info->allocators_created = registry_created;
    for (SlabAllocator *a = registry_list; a; a = a->reg_next) {
        info->allocators++;
        pthread_mutex_lock(&a->lock);
        for (unsigned c = 0; c < SLAB_CORE_CLASSES; c++)
            class_collect(a, c, &classes[slab_class_row[c]]);
        pthread_mutex_unlock(&a->lock);
        info->mapped_bytes += counter_get(&a->mapped_bytes);
        info->epoch_advances += counter_get(&a->epoch_advances);
        info->epoch_closes += counter_get(&a->epoch_closes);
    }
    /* The registry is newest first: its head's epochs are published. */
    if (registry_list != NULL) {
        SlabAllocator *a = registry_list;
        EpochId cur = atomic_load_explicit(&a->current, memory_order_acquire);
        for (unsigned e = 0; e < SLAB_EPOCH_COUNT; e++) {
            uint32_t w = atomic_load_explicit(&a->epochs[e].word, memory_order_acquire);
            epochs[e].state = EPOCH_OPEN(w) ? SLAB_SHM_EPOCH_OPEN : SLAB_SHM_EPOCH_CLOSED;
            epochs[e].current = e == cur;
            epochs[e].era = EPOCH_ERA(w);
        }
        pthread_mutex_lock(&a->lock);
        for (uint32_t i = 0; i < a->nslabs; i++) {
            uint64_t st = atomic_load_explicit(&a->slabs[i].state, memory_order_relaxed);
            if (ST_MODE(st) != MODE_POOLED)
                epochs[atomic_load_explicit(&a->slabs[i].epoch, memory_order_relaxed)]
                    .live_slabs++;
        }
        pthread_mutex_unlock(&a->lock);
    }
    for (unsigned c = 0; c < SLAB_NUM_CLASSES; c++) {
        classes[c].repairs = classes[c].repair_full_bitmap +
                             classes[c].repair_list_mismatch + classes[c].repair_other;
        info->resident_bytes += classes[c].resident_bytes;
    }
    pthread_mutex_unlock(&registry_lock);
}
