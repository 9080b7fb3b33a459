/*
 * record.c - write the raw snapshot into --json lines, read it back.
 */
#include "config.h"
#include "record.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "output.h"
#include "slab_shm_format.h"

/* The fields come from the segment format's counter tables
 * (slab_shm_format.h), so a counter added there is recorded and replayed
 * without a change here: the seed's statistics live in .seed, the rest of
 * a thread's beside them, the class counters in PerfCounters. */

static const char *const state_names[] = { "alive", "exited", "stale", "starting" };
static const char *const thread_states[] = { "live", "busy", "overflow", "final" };

/* ------------------------------------------------------------- writing */

/* A histogram as [[bucket,count],...] of its non-empty buckets. */
static void hist(FILE *out, const uint64_t *h)
{
    bool first = true;

    fputc('[', out);
    for (unsigned b = 0; b < SLAB_HIST_BUCKETS; b++) {
        if (h[b] == 0)
            continue;
        fprintf(out, "%s[%u,%llu]", first ? "" : ",", b, (unsigned long long)h[b]);
        first = false;
    }
    fputc(']', out);
}

static void stats(FILE *out, const slab_thread_stats *t)
{
#define W_SEED(f, kind, help) fprintf(out, "\"" #f "\":%llu,", (unsigned long long)t->seed.f);
#define W_THREAD(f, kind, help) fprintf(out, "\"" #f "\":%llu,", (unsigned long long)t->f);
    fputc('{', out);
    SLAB_SHM_SEED_FIELDS(W_SEED)
    SLAB_SHM_THREAD_FIELDS(W_THREAD)
#undef W_SEED
#undef W_THREAD
#define W_SAMPLE(f, kind, help) fprintf(out, "\"" #f "\":%llu,", (unsigned long long)t->f);
    SLAB_SHM_SAMPLE_FIELDS(W_SAMPLE)
    SLAB_SHM_LARGE_FIELDS(W_SAMPLE)
#undef W_SAMPLE
    fputs("\"wall_hist\":", out);
    hist(out, t->wall_hist);
    fputs(",\"cpu_hist\":", out);
    hist(out, t->cpu_hist);
    /* Tail groups as [[g,wall,runq,blocked,other,work...],...], non-empty only. */
    fputs(",\"null_wall_hist\":", out);
    hist(out, t->null_wall_hist);
    fputs(",\"null_cpu_hist\":", out);
    hist(out, t->null_cpu_hist);
    fputs(",\"tail\":[", out);
    bool first = true;
    for (unsigned g = 0; g < SLAB_TAIL_GROUPS; g++) {
        const slab_tail_group *x = &t->tail[g];
        if (x->wall_ns == 0)
            continue;
        fprintf(out, "%s[%u,%llu,%llu,%llu,%llu", first ? "" : ",", g,
                (unsigned long long)x->wall_ns, (unsigned long long)x->runq_ns,
                (unsigned long long)x->blocked_ns, (unsigned long long)x->other_ns);
        for (unsigned p = 0; p < SLAB_PATH_COUNT; p++)
            fprintf(out, ",%llu", (unsigned long long)x->work_ns[p]);
        fputc(']', out);
        first = false;
    }
    /* Repairs (format 1.3): their histogram, and [[g,wall,cpu],...]. */
    fputs("],\"repair_hist\":", out);
    hist(out, t->repair_hist);
    fputs(",\"repair_tail\":[", out);
    first = true;
    for (unsigned g = 0; g < SLAB_TAIL_GROUPS; g++) {
        if (t->repair_wall_ns[g] == 0 && t->repair_cpu_ns[g] == 0)
            continue;
        fprintf(out, "%s[%u,%llu,%llu]", first ? "" : ",", g,
                (unsigned long long)t->repair_wall_ns[g],
                (unsigned long long)t->repair_cpu_ns[g]);
        first = false;
    }
    fputs("]}", out);
}

void st_record_write(FILE *out, const st_snapshot *s)
{
    fprintf(out, "\"raw\":{\"v\":%d,\"mono_ns\":%llu,\"uptime_ns\":%llu,\"state\":\"%s\","
            "\"sample_mode\":%u,\"sample_rate\":%llu,\"budget_ppm\":%u,\"floor_wall_ns\":%llu,"
            "\"floor_cpu_ns\":%llu,\"mapped_bytes\":%llu,\"resident_bytes\":%llu,\"exited\":",
            ST_RECORD_VERSION, (unsigned long long)s->mono_ns,
            (unsigned long long)s->uptime_ns, state_names[s->state], s->sample_mode,
            (unsigned long long)s->sample_rate, s->sample_budget_ppm,
            (unsigned long long)s->floor_wall_ns, (unsigned long long)s->floor_cpu_ns,
            (unsigned long long)s->mapped_bytes, (unsigned long long)s->resident_bytes);
    stats(out, &s->exited);
    fprintf(out, ",\"timing\":[%llu,%llu,%llu,%llu,%llu,%llu,%llu,%llu,%llu,%llu,%u]",
            (unsigned long long)s->timing.wall_p10_ns, (unsigned long long)s->timing.wall_p50_ns,
            (unsigned long long)s->timing.wall_p90_ns, (unsigned long long)s->timing.wall_p99_ns,
            (unsigned long long)s->timing.cpu_p10_ns, (unsigned long long)s->timing.cpu_p50_ns,
            (unsigned long long)s->timing.cpu_p90_ns, (unsigned long long)s->timing.cpu_p99_ns,
            (unsigned long long)s->timing.resolution_ns,
            (unsigned long long)s->timing.sample_cost_ns, s->timing.sched);
    const st_host *h = &s->host;
    fprintf(out, ",\"host\":{\"stat\":%d,\"steal\":%llu,\"total\":%llu,\"throttle\":%d,"
            "\"throttled_ns\":%llu,\"nr_throttled\":%llu,\"pressure\":%d,\"some\":%.2f,"
            "\"cpus\":%d,\"runnable\":%d,\"cgroup\":",
            h->have_stat, (unsigned long long)h->steal_ticks, (unsigned long long)h->total_ticks,
            h->have_throttle, (unsigned long long)h->throttled_ns,
            (unsigned long long)h->nr_throttled, h->have_pressure, h->pressure_some,
            h->cpus_allowed, h->runnable);
    st_json_string(out, h->cgroup);
    fputc('}', out);
    fputs(",\"threads\":[", out);
    for (size_t i = 0; i < s->nthreads; i++) {
        const st_thread *t = &s->threads[i];

        fprintf(out, "%s{\"key\":%llu,\"tid\":%llu,\"name\":", i ? "," : "",
                (unsigned long long)t->key, (unsigned long long)t->tid);
        st_json_string(out, t->name);
        fprintf(out, ",\"state\":\"%s\",\"stats\":", thread_states[t->state]);
        stats(out, &t->stats);
        fputc('}', out);
    }
    fputs("],\"classes\":[", out);
    for (unsigned c = 0; c < SLAB_NUM_CLASSES; c++) {
#define W(f, kind, help) fprintf(out, ",\"" #f "\":%llu", (unsigned long long)p->f);
        const PerfCounters *p = &s->classes[c].c;

        fprintf(out, "%s{\"size\":%u", c ? "," : "", s->classes[c].size);
        SLAB_SHM_CLASS_FIELDS(W)
        fputc('}', out);
#undef W
    }
    fputs("]}", out);
}

/* ------------------------------------------------------------- reading */

static int index_of(const char *const *names, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(names[i], s) == 0)
            return (int)i;
    return -1;
}

static void read_hist(const st_jval *arr, uint64_t *h)
{
    memset(h, 0, sizeof(uint64_t) * SLAB_HIST_BUCKETS);
    if (arr == NULL || arr->type != ST_J_ARR)
        return;
    for (const st_jval *e = arr->child; e; e = e->next) {
        const st_jval *b = e->type == ST_J_ARR ? e->child : NULL;
        const st_jval *c = b ? b->next : NULL;

        if (b && c && b->is_u64 && b->u64 < SLAB_HIST_BUCKETS)
            h[b->u64] = st_json_u64(c);
    }
}

static void read_stats(const st_jval *o, slab_thread_stats *t)
{
    memset(t, 0, sizeof(*t));
#define R_SEED(f, kind, help) t->seed.f = st_json_u64(st_json_get(o, #f));
#define R_THREAD(f, kind, help) t->f = st_json_u64(st_json_get(o, #f));
    SLAB_SHM_SEED_FIELDS(R_SEED)
    SLAB_SHM_THREAD_FIELDS(R_THREAD)
#undef R_SEED
#undef R_THREAD
#define R_SAMPLE(f, kind, help) t->f = st_json_u64(st_json_get(o, #f));
    SLAB_SHM_SAMPLE_FIELDS(R_SAMPLE)
    SLAB_SHM_LARGE_FIELDS(R_SAMPLE)
#undef R_SAMPLE
    read_hist(st_json_get(o, "wall_hist"), t->wall_hist);
    read_hist(st_json_get(o, "cpu_hist"), t->cpu_hist);
    read_hist(st_json_get(o, "null_wall_hist"), t->null_wall_hist);
    read_hist(st_json_get(o, "null_cpu_hist"), t->null_cpu_hist);
    const st_jval *tail = st_json_get(o, "tail");
    for (const st_jval *e = tail && tail->type == ST_J_ARR ? tail->child : NULL; e; e = e->next) {
        const st_jval *v = e->type == ST_J_ARR ? e->child : NULL;
        if (v == NULL || !v->is_u64 || v->u64 >= SLAB_TAIL_GROUPS)
            continue;
        slab_tail_group *x = &t->tail[v->u64];
        uint64_t *slot[4 + SLAB_PATH_COUNT] = { &x->wall_ns, &x->runq_ns, &x->blocked_ns,
                                                &x->other_ns };
        for (unsigned p = 0; p < SLAB_PATH_COUNT; p++)
            slot[4 + p] = &x->work_ns[p];
        v = v->next;
        for (unsigned k = 0; k < 4 + SLAB_PATH_COUNT && v; k++, v = v->next)
            *slot[k] = st_json_u64(v);
    }
    read_hist(st_json_get(o, "repair_hist"), t->repair_hist);
    const st_jval *rt = st_json_get(o, "repair_tail");
    for (const st_jval *e = rt && rt->type == ST_J_ARR ? rt->child : NULL; e; e = e->next) {
        const st_jval *g = e->type == ST_J_ARR ? e->child : NULL;
        const st_jval *w = g ? g->next : NULL, *c = w ? w->next : NULL;
        if (g == NULL || !g->is_u64 || g->u64 >= SLAB_TAIL_GROUPS || c == NULL)
            continue;
        t->repair_wall_ns[g->u64] = st_json_u64(w);
        t->repair_cpu_ns[g->u64] = st_json_u64(c);
    }
}

/* One line into *s; returns 0, or -1 with why in err. */
static int read_line(const char *text, size_t len, st_snapshot *s, char *err, size_t es)
{
    st_jval *root = st_json_parse(text, len, err, es);
    const st_jval *proc, *raw, *threads, *classes;
    size_t n = 0;
    int st;

    if (root == NULL)
        return -1;
    {
        const st_jval *sv = st_json_get(root, "schema_version");

        if (sv && (!sv->is_u64 || sv->u64 < 1 || sv->u64 > ST_JSON_SCHEMA_VERSION)) {
            /* Written by another slabtop: its fields may mean other things. */
            if (sv->is_u64)
                snprintf(err, es, "schema_version %llu, this slabtop reads 1 to %d",
                         (unsigned long long)sv->u64, ST_JSON_SCHEMA_VERSION);
            else
                snprintf(err, es, "a schema_version that is no version number");
            st_json_free(root);
            return -2;
        }
    }
    proc = st_json_get(root, "process");
    raw = st_json_get(root, "raw");
    if (proc == NULL || raw == NULL || st_json_u64(st_json_get(raw, "v")) != ST_RECORD_VERSION) {
        snprintf(err, es, raw ? "a raw snapshot of another version" : "no raw snapshot");
        st_json_free(root);
        return -1;
    }
    st_snapshot_init(s);
    snprintf(s->name, sizeof(s->name), "%s", st_json_str(st_json_get(proc, "name")));
    snprintf(s->command, sizeof(s->command), "%s", st_json_str(st_json_get(proc, "command")));
    snprintf(s->label, sizeof(s->label), "%s", st_json_str(st_json_get(proc, "label")));
    s->pid = (int64_t)st_json_u64(st_json_get(proc, "pid"));
    sscanf(st_json_str(st_json_get(proc, "abi")), "%u.%u", &s->abi_major, &s->abi_minor);
    st = index_of(state_names, 4, st_json_str(st_json_get(raw, "state")));
    s->state = st < 0 ? ST_PROC_ALIVE : (st_proc_state)st;
    s->mono_ns = st_json_u64(st_json_get(raw, "mono_ns"));
    s->uptime_ns = st_json_u64(st_json_get(raw, "uptime_ns"));
    s->sample_mode = (uint32_t)st_json_u64(st_json_get(raw, "sample_mode"));
    s->sample_rate = st_json_u64(st_json_get(raw, "sample_rate"));
    s->sample_budget_ppm = (uint32_t)st_json_u64(st_json_get(raw, "budget_ppm"));
    s->floor_wall_ns = st_json_u64(st_json_get(raw, "floor_wall_ns"));
    s->floor_cpu_ns = st_json_u64(st_json_get(raw, "floor_cpu_ns"));
    s->mapped_bytes = st_json_u64(st_json_get(raw, "mapped_bytes"));
    s->resident_bytes = st_json_u64(st_json_get(raw, "resident_bytes"));
    read_stats(st_json_get(raw, "exited"), &s->exited);
    {
        const st_jval *tm = st_json_get(raw, "timing");
        uint64_t *slot[11] = { &s->timing.wall_p10_ns, &s->timing.wall_p50_ns,
                               &s->timing.wall_p90_ns, &s->timing.wall_p99_ns,
                               &s->timing.cpu_p10_ns, &s->timing.cpu_p50_ns,
                               &s->timing.cpu_p90_ns, &s->timing.cpu_p99_ns,
                               &s->timing.resolution_ns, &s->timing.sample_cost_ns, NULL };
        unsigned k = 0;
        for (const st_jval *e = tm && tm->type == ST_J_ARR ? tm->child : NULL; e; e = e->next, k++) {
            if (k < 10)
                *slot[k] = st_json_u64(e);
            else if (k == 10)
                s->timing.sched = (uint32_t)st_json_u64(e);
        }
        const st_jval *h = st_json_get(raw, "host");
        s->host.runnable = -1;
        if (h) {
            s->host.have_stat = st_json_u64(st_json_get(h, "stat")) != 0;
            s->host.steal_ticks = st_json_u64(st_json_get(h, "steal"));
            s->host.total_ticks = st_json_u64(st_json_get(h, "total"));
            s->host.have_throttle = st_json_u64(st_json_get(h, "throttle")) != 0;
            s->host.throttled_ns = st_json_u64(st_json_get(h, "throttled_ns"));
            s->host.nr_throttled = st_json_u64(st_json_get(h, "nr_throttled"));
            s->host.have_pressure = st_json_u64(st_json_get(h, "pressure")) != 0;
            const st_jval *some = st_json_get(h, "some");
            s->host.pressure_some = some && some->type == ST_J_NUM ? some->num : 0.0;
            const st_jval *c = st_json_get(h, "cpus");
            s->host.cpus_allowed = c && c->is_u64 ? (int)c->u64 : 0;
            const st_jval *r = st_json_get(h, "runnable");
            s->host.runnable = r && r->is_u64 ? (int)r->u64 : -1;
            snprintf(s->host.cgroup, sizeof(s->host.cgroup), "%s",
                     st_json_str(st_json_get(h, "cgroup")));
        }
    }

    threads = st_json_get(raw, "threads");
    for (const st_jval *t = threads ? threads->child : NULL; t; t = t->next)
        n++;
    if (n > 0 && (s->threads = calloc(n, sizeof(*s->threads))) == NULL) {
        snprintf(err, es, "out of memory");
        st_json_free(root);
        return -1;
    }
    s->nthreads = 0;
    for (const st_jval *t = threads ? threads->child : NULL; t; t = t->next) {
        st_thread *o = &s->threads[s->nthreads++];

        o->key = st_json_u64(st_json_get(t, "key"));
        o->tid = st_json_u64(st_json_get(t, "tid"));
        snprintf(o->name, sizeof(o->name), "%s", st_json_str(st_json_get(t, "name")));
        st = index_of(thread_states, 4, st_json_str(st_json_get(t, "state")));
        o->state = st < 0 ? ST_THREAD_LIVE : (st_thread_state)st;
        read_stats(st_json_get(t, "stats"), &o->stats);
    }
    classes = st_json_get(raw, "classes");
    {
        unsigned c = 0;

        for (const st_jval *k = classes ? classes->child : NULL; k && c < SLAB_NUM_CLASSES;
             k = k->next, c++) {
            PerfCounters *p = &s->classes[c].c;

            s->classes[c].size = (uint32_t)st_json_u64(st_json_get(k, "size"));
#define R(f, kind, help) p->f = st_json_u64(st_json_get(k, #f));
            SLAB_SHM_CLASS_FIELDS(R)
#undef R
        }
    }
    st_json_free(root);
    return 0;
}

int st_recording_load(const char *path, st_recording *r, char *err, size_t err_size)
{
    FILE *f = fopen(path, "re");
    char *line = NULL;
    size_t cap = 0, lineno = 0, alloc = 0;
    ssize_t len;

    memset(r, 0, sizeof(*r));
    if (f == NULL) {
        snprintf(err, err_size, "cannot open the recording %s: %s", path, strerror(errno));
        return -1;
    }
    while ((len = getline(&line, &cap, f)) > 0) {
        char why[96];
        st_snapshot s;
        bool complete = line[len - 1] == '\n';

        lineno++;
        if (!complete) {
            /* Cut mid-line (the recorder was killed, the disk filled). */
            r->cut = true;
            break;
        }
        if (len == 1)
            continue;
        int got = read_line(line, (size_t)len - 1, &s, why, sizeof(why));

        if (got == -2) {
            snprintf(err, err_size, "%s line %zu: %s: refusing to replay it", path, lineno, why);
            free(line);
            fclose(f);
            st_recording_free(r);
            return -1;
        }
        if (got != 0) {
            if (r->skipped++ == 0) {
                r->first_bad_line = lineno;
                snprintf(r->first_bad, sizeof(r->first_bad), "%s", why);
            }
            continue;
        }
        if (r->n == alloc) {
            size_t na = alloc ? alloc * 2 : 64;
            st_snapshot *ns = realloc(r->snaps, na * sizeof(*ns));

            if (ns == NULL) {
                st_snapshot_free(&s);
                snprintf(err, err_size, "out of memory reading %s", path);
                free(line);
                fclose(f);
                st_recording_free(r);
                return -1;
            }
            r->snaps = ns;
            alloc = na;
        }
        r->snaps[r->n++] = s;
    }
    free(line);
    if (ferror(f)) {
        snprintf(err, err_size, "cannot read the recording %s: %s", path, strerror(errno));
        fclose(f);
        st_recording_free(r);
        return -1;
    }
    fclose(f);
    if (r->n == 0) {
        snprintf(err, err_size, "%s holds no slabtop recording (lines of slabtop --json%s)",
                 path, r->skipped ? "; the first was not one" : "");
        st_recording_free(r);
        return -1;
    }
    return 0;
}

void st_recording_free(st_recording *r)
{
    for (size_t i = 0; i < r->n; i++)
        st_snapshot_free(&r->snaps[i]);
    free(r->snaps);
    memset(r, 0, sizeof(*r));
}
