/*
 * source.c - attach, snapshot, re-attach: the reader API, copied out.
 */
#include "config.h"
#include "source.h"

#include <stdlib.h>
#include <string.h>

#include "slabtop.h"

int st_exit_code(slab_shm_error e)
{
    switch (e) {
    case SLAB_SHM_OK:             return ST_EXIT_OK;
    case SLAB_SHM_ERR_INVALID:    return ST_EXIT_USAGE;
    case SLAB_SHM_ERR_NOT_FOUND:  return ST_EXIT_NOT_FOUND;
    case SLAB_SHM_ERR_PERMISSION: return ST_EXIT_PERMISSION;
    case SLAB_SHM_ERR_EMPTY:
    case SLAB_SHM_ERR_TRUNCATED:
    case SLAB_SHM_ERR_NOT_LIBSLAB:
    case SLAB_SHM_ERR_LAYOUT:
    case SLAB_SHM_ERR_BAD_COUNT:
    case SLAB_SHM_ERR_STRING:     return ST_EXIT_NOT_SLAB;
    case SLAB_SHM_ERR_VERSION:    return ST_EXIT_VERSION;
    case SLAB_SHM_ERR_EXITED:
    case SLAB_SHM_ERR_STALE:      return ST_EXIT_EXITED;
    case SLAB_SHM_ERR_NOT_READY:
    case SLAB_SHM_ERR_BUSY:
    case SLAB_SHM_ERR_NO_MEMORY:
    case SLAB_SHM_ERR_SYSTEM:
    default:                      return ST_EXIT_ERROR;
    }
}

static void remember_owner(st_source *s)
{
    slab_shm_identity id;

    slab_shm_reader_identity(s->reader, &id);
    s->owner_pid = id.pid;
    s->owner_start = id.start_time;
    s->owner_created = id.created_mono_ns;
}

slab_shm_error st_source_open(st_source *s, const char *name, long pid,
                              slab_shm_errinfo *err)
{
    slab_shm_error e;

    memset(s, 0, sizeof(*s));
    st_snapshot_init(&s->last);
    if (name) {
        snprintf(s->name, sizeof(s->name), "%s", name);
        e = slab_shm_attach(name, &s->reader, err);
    } else {
        s->pid = pid;
        e = slab_shm_attach_pid((int32_t)pid, &s->reader, err);
    }
    if (e == SLAB_SHM_OK)
        remember_owner(s);
    return e;
}

void st_source_close(st_source *s)
{
    slab_shm_snapshot_free(s->raw);
    slab_shm_detach(s->reader);
    st_snapshot_free(&s->last);
    memset(s, 0, sizeof(*s));
}

static st_proc_state proc_state(slab_shm_state st)
{
    switch (st) {
    case SLAB_SHM_ALIVE:  return ST_PROC_ALIVE;
    case SLAB_SHM_EXITED: return ST_PROC_EXITED;
    case SLAB_SHM_BUSY:   return ST_PROC_STARTING;
    case SLAB_SHM_UNKNOWN: return ST_PROC_UNKNOWN;
    default:              return ST_PROC_STALE;
    }
}

static uint64_t thread_key(uint32_t slot, uint64_t gen)
{
    return (gen << 20) ^ slot;
}

#define OVERFLOW_KEY UINT64_MAX

static int grow(st_snapshot *out, size_t n)
{
    st_thread *t = realloc(out->threads, (n ? n : 1) * sizeof(*t));

    if (t == NULL)
        return -1;
    out->threads = t;
    return 0;
}

slab_shm_error st_source_take(st_source *s, st_snapshot *out,
                              slab_shm_errinfo *err)
{
    const slab_shm_snapshot *r;
    slab_shm_error e;
    size_t n = 0;
    uint64_t boot_ns;

    e = slab_shm_snapshot_take(s->reader, &s->raw, err);
    if (e != SLAB_SHM_OK)
        return e;
    r = s->raw;

    if (grow(out, (size_t)r->thread_count + 1) != 0) {
        if (err) {
            err->code = SLAB_SHM_ERR_NO_MEMORY;
            err->sys_errno = 0;
            snprintf(err->message, sizeof(err->message),
                     "out of memory copying %u thread records", r->thread_count);
        }
        return SLAB_SHM_ERR_NO_MEMORY;
    }

    snprintf(out->name, sizeof(out->name), "%s", r->id.name);
    snprintf(out->command, sizeof(out->command), "%s", r->id.comm);
    if (!r->process_busy || s->last.label[0] == '\0')
        snprintf(out->label, sizeof(out->label), "%s", r->label);
    else
        snprintf(out->label, sizeof(out->label), "%s", s->last.label);
    out->pid = r->id.pid;
    out->state = proc_state(r->state);
    out->abi_major = r->id.abi_major;
    out->abi_minor = r->id.abi_minor;

    /* The writer's latest clock reading is the end of the interval. */
    out->mono_ns = r->writer_now_ns ? r->writer_now_ns : r->heartbeat_mono_ns;
    if (out->mono_ns < s->last.mono_ns && r->id.pid == s->last.pid)
        out->mono_ns = s->last.mono_ns;
    /* Uptime on the writer's clock: CLOCK_MONOTONIC counts from boot, as
     * does the process start time; the segment's creation is the fallback. */
    boot_ns = r->id.clock_ticks
              ? r->id.start_time * (UINT64_C(1000000000) / r->id.clock_ticks) : 0;
    if (boot_ns && boot_ns <= out->mono_ns && boot_ns <= r->id.created_mono_ns)
        out->uptime_ns = out->mono_ns - boot_ns;
    else if (r->id.created_mono_ns <= out->mono_ns)
        out->uptime_ns = out->mono_ns - r->id.created_mono_ns;
    else
        out->uptime_ns = 0;

    if (r->process_busy && s->last.pid == r->id.pid) {
        /* Keep the process section of the previous refresh. */
        out->sample_mode = s->last.sample_mode;
        out->sample_rate = s->last.sample_rate;
        out->sample_budget_ppm = s->last.sample_budget_ppm;
        out->floor_wall_ns = s->last.floor_wall_ns;
        out->floor_cpu_ns = s->last.floor_cpu_ns;
        out->timing = s->last.timing;
        memcpy(out->classes, s->last.classes, sizeof(out->classes));
        out->mapped_bytes = s->last.mapped_bytes;
        out->resident_bytes = s->last.resident_bytes;
    } else {
        out->sample_mode = (uint32_t)r->sampling.mode;
        out->sample_rate = r->sampling.rate;
        out->sample_budget_ppm = r->sampling.budget_ppm;
        out->floor_wall_ns = r->floor.wall_ns;
        out->floor_cpu_ns = r->floor.cpu_ns;
        out->timing = r->timing;
        for (unsigned c = 0; c < SLAB_NUM_CLASSES; c++) {
            out->classes[c].size = slab_class_size(c);
            out->classes[c].c = r->classes[c];
        }
        out->mapped_bytes = r->memory.mapped_bytes;
        out->resident_bytes = r->memory.resident_bytes;
    }
    /* The machine's side, read here: it costs the writer nothing. */
    st_host_read(&out->host, out->state == ST_PROC_ALIVE ? out->pid : 0);
    out->exited = r->exited;
    /* Threads beyond the snapshot's list are summed with the exited ones. */
    slab_shm_stats_add(&out->exited, &r->omitted);

    for (uint32_t i = 0; i < r->thread_count; i++) {
        const slab_shm_thread *t = &r->threads[i];
        st_thread *o = &out->threads[n];

        memset(o, 0, sizeof(*o));
        if (t->busy) {
            /* Mid-write on every retry: show what it had last time. */
            const st_thread *old = NULL;
            for (size_t j = 0; j < s->last.nthreads; j++)
                if ((s->last.threads[j].key & 0xfffff) == t->slot
                    && s->last.threads[j].key != OVERFLOW_KEY) {
                    old = &s->last.threads[j];
                    break;
                }
            if (old == NULL)
                continue;
            *o = *old;
            o->state = ST_THREAD_BUSY;
            n++;
            continue;
        }
        o->key = thread_key(t->slot, t->gen);
        o->tid = (uint64_t)(uint32_t)t->tid;
        snprintf(o->name, sizeof(o->name), "%s", t->name);
        o->state = ST_THREAD_LIVE;
        o->stats = t->stats;
        n++;
    }
    if (r->overflow_threads > 0) {
        st_thread *o = &out->threads[n++];

        memset(o, 0, sizeof(*o));
        o->key = OVERFLOW_KEY;
        o->tid = 0;
        snprintf(o->name, sizeof(o->name), "(%llu more)",
                 (unsigned long long)r->overflow_threads);
        o->state = ST_THREAD_OVERFLOW;
        o->stats = r->overflow;
    }
    out->nthreads = n;

    if (st_snapshot_copy(&s->last, out) != 0) {
        if (err) {
            err->code = SLAB_SHM_ERR_NO_MEMORY;
            err->sys_errno = 0;
            snprintf(err->message, sizeof(err->message), "out of memory");
        }
        return SLAB_SHM_ERR_NO_MEMORY;
    }
    return SLAB_SHM_OK;
}

bool st_source_reattach(st_source *s, bool ended_too)
{
    slab_shm_reader *r = NULL;
    slab_shm_identity id;

    if (s->name[0] == '\0')
        return false;
    if (slab_shm_attach(s->name, &r, NULL) != SLAB_SHM_OK)
        return false;
    slab_shm_reader_identity(r, &id);
    if ((id.pid == s->owner_pid && id.start_time == s->owner_start &&
         id.created_mono_ns == s->owner_created)
        || (!ended_too && slab_shm_reader_state(r) != SLAB_SHM_ALIVE)) {
        slab_shm_detach(r);
        return false;
    }
    slab_shm_snapshot_free(s->raw);
    s->raw = NULL;
    slab_shm_detach(s->reader);
    s->reader = r;
    st_snapshot_free(&s->last);
    remember_owner(s);
    return true;
}
