/*
 * scenario_probe.c - read a running workload's segment over one interval,
 * through the public reader API only, and print what the scenario tests
 * check as one JSON line:
 *
 *     scenario_probe [-w WAIT] [-i INTERVAL] NAME
 *
 *     {"label":"noisy","state":"alive","verdict":"heavy","ratio":5.21,
 *      "interval":{"elapsed_ns":..,"samples":..,"preempted":..,"allocs":..,
 *                  "new_slabs":..,"recycled_slabs":..,"released_slabs":..,
 *                  "epoch_closes":..,"repairs":..,"busy_threads":..,
 *                  "cpu_share":..,"runq_wait_share":..},
 *      "repairs":{"count":..,"full_bitmap":..,"list_mismatch":..,"other":..},
 *      "totals":{"allocs":..,"samples":..,"new_slabs":..,"epoch_closes":..}}
 *
 * The verdict is the library's (slab_verdict_compute) on the difference of
 * two snapshots INTERVAL seconds apart (default 1.5), timed with the
 * writer's clock.  It waits up to WAIT seconds (default 10) for the segment
 * to appear.  Exit status: 0, 1 on a reader error (message on stderr),
 * 2 usage.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "slab_shm.h"
#include "slab_stats.h"

static void sleep_s(double s)
{
    struct timespec ts = { (time_t)s, (long)((s - (double)(time_t)s) * 1e9) };
    while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
        ;
}

static uint64_t diff(uint64_t later, uint64_t earlier)
{
    return later > earlier ? later - earlier : 0;
}

struct sums {
    uint64_t new_slabs, recycled, released;
};

static struct sums class_sums(const slab_shm_snapshot *s)
{
    struct sums r = { 0, 0, 0 };
    for (unsigned c = 0; c < SLAB_NUM_CLASSES; c++) {
        r.new_slabs += s->classes[c].new_slabs;
        r.recycled += s->classes[c].recycled_slabs;
        r.released += s->classes[c].released_slabs;
    }
    return r;
}

static void json_string(const char *s)
{
    putchar('"');
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            printf("\\%c", c);
        else if (c < 0x20 || c >= 0x7f)
            printf("\\u%04x", c);
        else
            putchar(c);
    }
    putchar('"');
}

int main(int argc, char **argv)
{
    double wait = 10, interval = 1.5;
    const char *name = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-w") == 0 && i + 1 < argc)
            wait = atof(argv[++i]);
        else if (strcmp(argv[i], "-i") == 0 && i + 1 < argc)
            interval = atof(argv[++i]);
        else if (argv[i][0] != '-' && !name)
            name = argv[i];
        else {
            fprintf(stderr, "usage: scenario_probe [-w WAIT] [-i INTERVAL] NAME\n");
            return 2;
        }
    }
    if (!name || interval <= 0) {
        fprintf(stderr, "usage: scenario_probe [-w WAIT] [-i INTERVAL] NAME\n");
        return 2;
    }

    slab_shm_reader *r = NULL;
    slab_shm_errinfo e;
    slab_shm_error rc;
    for (double waited = 0;; waited += 0.05) {
        rc = slab_shm_attach(name, &r, &e);
        if (rc == SLAB_SHM_OK)
            break;
        if ((rc != SLAB_SHM_ERR_NOT_FOUND && rc != SLAB_SHM_ERR_NOT_READY &&
             rc != SLAB_SHM_ERR_EMPTY) || waited >= wait) {
            fprintf(stderr, "scenario_probe: %s\n", e.message);
            return 1;
        }
        sleep_s(0.05);
    }

    slab_shm_snapshot *a = NULL, *b = NULL;
    if ((rc = slab_shm_snapshot_take(r, &a, &e)) != SLAB_SHM_OK) {
        fprintf(stderr, "scenario_probe: %s\n", e.message);
        return 1;
    }
    sleep_s(interval);
    if ((rc = slab_shm_snapshot_take(r, &b, &e)) != SLAB_SHM_OK) {
        fprintf(stderr, "scenario_probe: %s\n", e.message);
        return 1;
    }

    const slab_thread_stats *ta = &a->total, *tb = &b->total;
    uint64_t elapsed = diff(b->writer_now_ns, a->writer_now_ns);
    slab_verdict_input in = {
        .samples = diff(tb->seed.alloc_samples, ta->seed.alloc_samples),
        .wall_ns_sum = diff(tb->seed.alloc_wall_ns_sum, ta->seed.alloc_wall_ns_sum),
        .cpu_ns_sum = diff(tb->seed.alloc_cpu_ns_sum, ta->seed.alloc_cpu_ns_sum),
        .floor_wall_ns = b->floor.wall_ns,
        .floor_cpu_ns = b->floor.cpu_ns,
        .elapsed_ns = elapsed,
        .thread_cpu_ns = diff(tb->thread_cpu_ns, ta->thread_cpu_ns),
        .runq_wait_ns = diff(tb->runq_wait_ns, ta->runq_wait_ns),
        .nivcsw = diff(tb->nivcsw, ta->nivcsw),
    };
    double ratio = 0;
    slab_verdict v = slab_verdict_compute(&in, &ratio);
    struct sums ca = class_sums(a), cb = class_sums(b);

    printf("{\"label\":");
    json_string(b->label);
    printf(",\"state\":");
    json_string(slab_shm_state_name(b->state));
    printf(",\"verdict\":");
    json_string(slab_verdict_name(v));
    printf(",\"ratio\":%.3f", ratio);
    printf(",\"interval\":{\"elapsed_ns\":%" PRIu64 ",\"samples\":%" PRIu64
           ",\"preempted\":%" PRIu64 ",\"allocs\":%" PRIu64
           ",\"new_slabs\":%" PRIu64 ",\"recycled_slabs\":%" PRIu64
           ",\"released_slabs\":%" PRIu64 ",\"epoch_closes\":%" PRIu64
           ",\"repairs\":%" PRIu64 ",\"busy_threads\":%u"
           ",\"cpu_share\":%.4f,\"runq_wait_share\":%.4f}",
           elapsed, in.samples, diff(tb->preempted, ta->preempted),
           diff(tb->allocs, ta->allocs), diff(cb.new_slabs, ca.new_slabs),
           diff(cb.recycled, ca.recycled), diff(cb.released, ca.released),
           diff(b->memory.epoch_closes, a->memory.epoch_closes),
           diff(tb->seed.repair_count, ta->seed.repair_count), b->busy_threads,
           elapsed ? (double)in.thread_cpu_ns / (double)elapsed : 0.0,
           elapsed ? (double)in.runq_wait_ns / (double)elapsed : 0.0);
    printf(",\"repairs\":{\"count\":%" PRIu64 ",\"full_bitmap\":%" PRIu64
           ",\"list_mismatch\":%" PRIu64 ",\"other\":%" PRIu64 "}",
           tb->seed.repair_count, tb->seed.repair_reason_full_bitmap,
           tb->seed.repair_reason_list_mismatch, tb->seed.repair_reason_other);
    printf(",\"totals\":{\"allocs\":%" PRIu64 ",\"samples\":%" PRIu64
           ",\"new_slabs\":%" PRIu64 ",\"epoch_closes\":%" PRIu64 "}}\n",
           tb->allocs, tb->seed.alloc_samples, cb.new_slabs, b->memory.epoch_closes);

    slab_shm_snapshot_free(a);
    slab_shm_snapshot_free(b);
    slab_shm_detach(r);
    return 0;
}
