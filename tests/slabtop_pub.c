/*
 * slabtop_pub.c - a small libslab process for slabtop's tests to watch.
 *
 *     SLAB_SHM_NAME=NAME slabtop_pub [--threads N] [--seconds S]
 *                                    [--label TEXT] [--thread-name TEXT]
 *                                    [--repairs] [--crash]
 *
 * Creates an allocator (which publishes the segment under SLAB_SHM_NAME),
 * names itself, sets the label, and runs N threads (default 2) that allocate
 * and free across the size classes for S seconds (default 30, 0 = until
 * SIGTERM).  The threads pause for 2 ms after every 2000 allocations, so
 * that they use a few percent of a CPU: other tests running at the same
 * time must not see them as CPU hogs.  --repairs plants a zombie of each reason now and then, so
 * repairs are counted.  Then it exits normally (the segment is removed) or,
 * with --crash, kills itself with SIGKILL (the segment is left stale).
 * Prints "ready NAME" on stdout once the segment exists.
 */
#include "config.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include "slab_alloc.h"
#include "slab_debug.h"
#include "slab_shm.h"
#include "slab_stats.h"

static SlabAllocator *alloc;
static atomic_bool stop;
static bool repairs;

static void on_term(int sig)
{
    (void)sig;
    atomic_store_explicit(&stop, true, memory_order_relaxed);
}

static const char *thread_name;  /* --thread-name: any bytes */

static void *worker(void *arg)
{
    static const uint32_t sizes[] = { 24, 64, 96, 128, 192, 256, 384, 512, 768 };
    SlabHandle live[64] = { 0 };
    unsigned long n = (unsigned long)(uintptr_t)arg;
    char name[16];

    snprintf(name, sizeof(name), "pub-worker-%lu", n);
    if (thread_name)            /* prctl cuts at 15 bytes, as the kernel does */
        prctl(PR_SET_NAME, (unsigned long)thread_name, 0, 0, 0);
#ifdef HAVE_PTHREAD_SETNAME_NP
    else
        pthread_setname_np(pthread_self(), name);
#endif
    for (unsigned long i = 0; !atomic_load_explicit(&stop, memory_order_relaxed); i++) {
        unsigned slot = (unsigned)(i * 2654435761u >> 7) % 64;
        EpochId e = epoch_current(alloc);

        if (live[slot])
            free_obj(alloc, live[slot]);
        live[slot] = 0;
        alloc_obj_epoch(alloc, sizes[i % 9], e, &live[slot]);
        if (repairs && n == 0 && i % 20000 == 10000)
            slab_debug_plant_zombie(alloc, 128, e, 1u << (i / 20000 % 3));
        if (i % 2000 == 1999) {
            struct timespec ts = { 0, 2 * 1000 * 1000 };
            nanosleep(&ts, NULL);
        }
    }
    for (unsigned i = 0; i < 64; i++)
        if (live[i])
            free_obj(alloc, live[i]);
    return NULL;
}

int main(int argc, char **argv)
{
    unsigned threads = 2;
    double seconds = 30;
    const char *label = NULL;
    bool crash = false;
    pthread_t tid[64];
    struct timespec t0, now;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc)
            threads = (unsigned)atoi(argv[++i]);
        else if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc)
            seconds = atof(argv[++i]);
        else if (strcmp(argv[i], "--label") == 0 && i + 1 < argc)
            label = argv[++i];
        else if (strcmp(argv[i], "--thread-name") == 0 && i + 1 < argc)
            thread_name = argv[++i];
        else if (strcmp(argv[i], "--repairs") == 0)
            repairs = true;
        else if (strcmp(argv[i], "--crash") == 0)
            crash = true;
        else {
            fprintf(stderr, "usage: %s [--threads N] [--seconds S] [--label TEXT] [--thread-name TEXT] [--repairs] [--crash]\n",
                    argv[0]);
            return 2;
        }
    }
    if (threads < 1 || threads > 64)
        threads = 2;
    signal(SIGTERM, on_term);
    signal(SIGINT, on_term);

    alloc = slab_allocator_create();
    if (alloc == NULL || slab_shm_name() == NULL) {
        perror("slabtop_pub: allocator or segment");
        return 1;
    }
    if (label)
        slab_shm_set_label(label);
    printf("ready %s\n", slab_shm_name());
    fflush(stdout);

    for (unsigned i = 0; i < threads; i++)
        pthread_create(&tid[i], NULL, worker, (void *)(uintptr_t)i);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
        struct timespec ts = { 0, 20 * 1000 * 1000 };
        nanosleep(&ts, NULL);
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (seconds > 0 && (double)(now.tv_sec - t0.tv_sec)
                           + (double)(now.tv_nsec - t0.tv_nsec) / 1e9 >= seconds)
            break;
    }
    if (crash)
        kill(getpid(), SIGKILL);
    atomic_store_explicit(&stop, true, memory_order_relaxed);
    for (unsigned i = 0; i < threads; i++)
        pthread_join(tid[i], NULL);
    slab_allocator_free(alloc);
    return 0;
}
