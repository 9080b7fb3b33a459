/*
 * output_json.c - one JSON object per refresh, on one line.
 */
#include "config.h"
#include "output.h"

#include "fmt.h"

#include <math.h>
#include <string.h>

#include "esc.h"
#include "record.h"

const char *st_mode_name(uint32_t mode)
{
    return mode == SLAB_SAMPLE_FIXED ? "fixed" : "random";
}

void st_json_string(FILE *out, const char *str)
{
    const unsigned char *s = (const unsigned char *)str;

    fputc('"', out);
    while (*s) {
        size_t n;
        uint32_t cp;

        switch (*s) {
        case '"':  fputs("\\\"", out); s++; continue;
        case '\\': fputs("\\\\", out); s++; continue;
        case '\n': fputs("\\n", out); s++; continue;
        case '\r': fputs("\\r", out); s++; continue;
        case '\t': fputs("\\t", out); s++; continue;
        case '\b': fputs("\\b", out); s++; continue;
        case '\f': fputs("\\f", out); s++; continue;
        default: break;
        }
        n = st_utf8_decode(s, &cp);
        if (n == 0) {
            fputs("\\ufffd", out);       /* invalid byte */
            s++;
            continue;
        }
        if (!st_cp_printable(cp)) {
            /* Controls (C0, DEL, C1) and invisible characters keep their
             * value but never reach a terminal raw. */
            if (cp < 0x10000)
                fprintf(out, "\\u%04x", (unsigned)cp);
            else
                fprintf(out, "\\u%04x\\u%04x", 0xd800 + ((cp - 0x10000) >> 10),
                        0xdc00 + ((cp - 0x10000) & 0x3ff));
            s += n;
            continue;
        }
        fwrite(s, 1, n, out);
        s += n;
    }
    fputc('"', out);
}

void st_json_number(FILE *out, double v)
{
    if (!isfinite(v))
        fputs("null", out);
    else if (v == floor(v) && fabs(v) < 9e15)
        fprintf(out, "%.0f", v);
    else
        fprintf(out, "%.6g", v);
}

/* k NULL: the value only (after a key() of its own). */
static void key(FILE *out, const char *k)
{
    if (k)
        fprintf(out, "\"%s\":", k);
}

static void u64(FILE *out, const char *k, uint64_t v, bool comma)
{
    key(out, k);
    fprintf(out, "%llu%s", (unsigned long long)v, comma ? "," : "");
}

static void num(FILE *out, const char *k, double v, bool comma)
{
    key(out, k);
    st_json_number(out, v);
    if (comma)
        fputc(',', out);
}

static void str(FILE *out, const char *k, const char *v, bool comma)
{
    key(out, k);
    st_json_string(out, v);
    if (comma)
        fputc(',', out);
}

/* The tail above p99 (or p99.9): where it starts, how many samples it
 * holds, the calls they stand for, its time by cause, and its slowest
 * sampled call. */
static void tail(FILE *out, const char *name, const st_figures *f, bool p999)
{
    const slab_tail *t = p999 ? &f->tail999 : &f->tail;
    const slab_diagnosis *dx = p999 ? &f->dx999 : &f->dx;
    char line[256];

    key(out, name);
    fputc('{', out);
    u64(out, "threshold_ns", p999 ? f->wall_p999 : f->wall_p99, true);
    num(out, "samples", t->samples, true);
    num(out, "repairs", t->repairs, true);
    num(out, "calls", t->calls, true);
    num(out, "mean_ns", dx->tail_ns, true);
    fputs("\"shares\":{", out);
    for (unsigned c = SLAB_CAUSE_RUNQ; c < SLAB_CAUSE_COUNT; c++)
        num(out, slab_cause_name((slab_cause)c), dx->share[c], c + 1 < SLAB_CAUSE_COUNT);
    fputs("},", out);
    key(out, "left_out");
    if (dx->left_out_ns > 0.0) {
        fputc('{', out);
        num(out, "wall_ns", dx->left_out_ns, true);
        str(out, "cause", slab_cause_name(dx->left_out_cause), false);
        fputs("},", out);
    } else {
        fputs("null,", out);
    }
    str(out, "text", st_fmt_tail(line, sizeof(line), f, p999), false);
    fputc('}', out);
}

static void ratio(FILE *out, const st_figures *f)
{
    key(out, "ratio");
    if (f->verdict == SLAB_VERDICT_INSUFFICIENT || f->ratio <= 0)
        fputs("null", out);
    else
        st_json_number(out, f->ratio);
    fputc(',', out);
    str(out, "verdict", slab_verdict_name(f->verdict), true);
    key(out, "offcpu_share");
    if (f->verdict == SLAB_VERDICT_INSUFFICIENT || f->ratio <= 0)
        fputs("null,", out);
    else
        num(out, NULL, f->dx.offcpu_share, true);
    str(out, "cause", slab_cause_name(f->dx.cause), true);
    num(out, "cause_share", f->dx.cause_share, true);
    fputs("\"tail\":{", out);
    tail(out, "p99", f, false);
    fputc(',', out);
    tail(out, "p999", f, true);
    fputc('}', out);
}

static void percentiles(FILE *out, const st_figures *f)
{
    fputs("\"percentiles\":{\"wall\":{", out);
    u64(out, "p50", f->wall_p50, true);
    u64(out, "p99", f->wall_p99, true);
    u64(out, "p999", f->wall_p999, true);
    u64(out, "max", f->wall_max_ns, false);
    fputs("},\"cpu\":{", out);
    u64(out, "p50", f->cpu_p50, true);
    u64(out, "p99", f->cpu_p99, true);
    u64(out, "p999", f->cpu_p999, true);
    u64(out, "max", f->cpu_max_ns, false);
    fputs("}}", out);
}

static void interval(FILE *out, const st_figures *f)
{
    fputs("\"interval\":{", out);
    num(out, "seconds", f->elapsed_s, true);
    u64(out, "allocs", f->allocs, true);
    u64(out, "samples", f->samples, true);
    u64(out, "preempted", f->preempted, true);
    u64(out, "repairs", f->repairs, true);
    num(out, "allocs_per_s", f->allocs_per_s, true);
    num(out, "samples_per_s", f->samples_per_s, true);
    num(out, "repairs_per_s", f->repairs_per_s, true);
    num(out, "wall_mean_ns", f->wall_mean_ns, true);
    num(out, "cpu_mean_ns", f->cpu_mean_ns, true);
    num(out, "preempted_share", f->preempted_share, true);
    num(out, "cpu_share", f->cpu_share, true);
    num(out, "runq_wait_share", f->runq_share, true);
    num(out, "nivcsw_per_s", f->nivcsw_per_s, false);
    fputc('}', out);
}

void st_output_json(FILE *out, st_view *v, st_sort sort, bool reverse)
{
    const st_snapshot *s = v->snap;
    const slab_thread_stats *t = &v->total;
    const st_figures *f = &v->summary;

    st_view_sort(v, sort, reverse);
    fprintf(out, "{\"schema_version\":%d,", ST_JSON_SCHEMA_VERSION);

    fputs("\"process\":{", out);
    str(out, "name", s->name, true);
    fprintf(out, "\"pid\":%lld,", (long long)s->pid);
    str(out, "command", s->command, true);
    str(out, "state", st_proc_state_name(s->state), true);
    num(out, "uptime_s", (double)s->uptime_ns / 1e9, true);
    str(out, "label", s->label, true);
    fprintf(out, "\"abi\":\"%u.%u\"},", s->abi_major, s->abi_minor);

    fputs("\"sampling\":{", out);
    str(out, "mode", st_mode_name(s->sample_mode), true);
    u64(out, "rate", s->sample_rate, true);
    u64(out, "effective_rate", v->effective_interval, true);
    u64(out, "budget_ppm", s->sample_budget_ppm, true);
    u64(out, "floor_wall_ns", s->floor_wall_ns, true);
    u64(out, "floor_cpu_ns", s->floor_cpu_ns, true);
    /* The timing overhead as a distribution; figures below the resolution
     * cannot be told from zero (all 0: a segment of format 1.0). */
    u64(out, "resolution_ns", s->timing.resolution_ns, true);
    u64(out, "sample_cost_ns", s->timing.sample_cost_ns, true);
    fprintf(out, "\"sched\":%s,", s->timing.sched ? "true" : "false");
    fputs("\"floor_wall_pct_ns\":{", out);
    u64(out, "p10", s->timing.wall_p10_ns, true);
    u64(out, "p50", s->timing.wall_p50_ns, true);
    u64(out, "p90", s->timing.wall_p90_ns, true);
    u64(out, "p99", s->timing.wall_p99_ns, false);
    fputs("},\"floor_cpu_pct_ns\":{", out);
    u64(out, "p10", s->timing.cpu_p10_ns, true);
    u64(out, "p50", s->timing.cpu_p50_ns, true);
    u64(out, "p90", s->timing.cpu_p90_ns, true);
    u64(out, "p99", s->timing.cpu_p99_ns, false);
    fputs("}},", out);

    /* The machine's side: null where the kernel does not tell. */
    fputs("\"context\":{", out);
    key(out, "steal_share");
    if (v->ctx.have_steal)
        num(out, NULL, v->ctx.steal_share, true);
    else
        fputs("null,", out);
    key(out, "throttled_ns");
    if (v->ctx.have_throttle)
        num(out, NULL, v->ctx.throttled_ns, true);
    else
        fputs("null,", out);
    key(out, "throttled_periods");
    if (v->ctx.have_throttle)
        u64(out, NULL, v->ctx.throttled_periods, true);
    else
        fputs("null,", out);
    key(out, "cpu_pressure_some");
    if (v->ctx.have_pressure)
        num(out, NULL, v->ctx.pressure_some, true);
    else
        fputs("null,", out);
    key(out, "cpus_allowed");
    if (v->ctx.cpus_allowed > 0)
        u64(out, NULL, (uint64_t)v->ctx.cpus_allowed, true);
    else
        fputs("null,", out);
    key(out, "runnable");
    if (v->ctx.runnable >= 0)
        u64(out, NULL, (uint64_t)v->ctx.runnable, false);
    else
        fputs("null", out);
    fputs("},", out);

    /* Every field of the format's tables, then the seed's under their
     * names since schema 1 (the seed's record never changes). */
    fputs("\"totals\":{", out);
#define X(fld, kind, help) u64(out, #fld, t->fld, true);
    SLAB_SHM_THREAD_FIELDS(X)
    SLAB_SHM_SAMPLE_FIELDS(X)
    SLAB_SHM_LARGE_FIELDS(X)
#undef X
    u64(out, "samples", t->seed.alloc_samples, true);
    u64(out, "wall_ns_sum", t->seed.alloc_wall_ns_sum, true);
    u64(out, "cpu_ns_sum", t->seed.alloc_cpu_ns_sum, true);
    u64(out, "wall_ns_max", t->seed.alloc_wall_ns_max, true);
    u64(out, "cpu_ns_max", t->seed.alloc_cpu_ns_max, false);
    fputs("},", out);

    interval(out, f);
    fprintf(out, ",\"since_start\":%s,", v->since_start ? "true" : "false");
    ratio(out, f);
    fputc(',', out);
    percentiles(out, f);
    fputc(',', out);

    fputs("\"repairs\":{", out);
    u64(out, "count", t->seed.repair_count, true);
    u64(out, "full_bitmap", t->seed.repair_reason_full_bitmap, true);
    u64(out, "list_mismatch", t->seed.repair_reason_list_mismatch, true);
    u64(out, "other", t->seed.repair_reason_other, true);
    u64(out, "wall_ns_sum", t->seed.repair_wall_ns_sum, true);
    u64(out, "cpu_ns_sum", t->seed.repair_cpu_ns_sum, true);
    u64(out, "wall_ns_max", t->seed.repair_wall_ns_max, true);
    u64(out, "cpu_ns_max", t->seed.repair_cpu_ns_max, true);
    num(out, "per_s", f->repairs_per_s, true);
    key(out, "last_seen_s");
    if (v->repair_seen)
        st_json_number(out, (double)v->repair_age_ns / 1e9);
    else
        fputs("null", out);
    fputs("},", out);

    fputs("\"memory\":{", out);
    u64(out, "mapped_bytes", s->mapped_bytes, true);
    u64(out, "resident_bytes", s->resident_bytes, false);
    fputs("},", out);

    fputs("\"threads\":[", out);
    for (size_t i = 0; i < v->nrows; i++) {
        const st_row *r = &v->rows[i];

        fputs(i ? ",{" : "{", out);
        u64(out, "tid", r->tid, true);
        str(out, "name", r->name, true);
        str(out, "state", st_thread_state_name(r->state), true);
        u64(out, "samples", r->samples_total, true);
        u64(out, "repairs", r->repairs_total, true);
        interval(out, &r->f);
        fputc(',', out);
        ratio(out, &r->f);
        fputc(',', out);
        percentiles(out, &r->f);
        fputc('}', out);
    }
    fputs("],", out);

    fputs("\"classes\":[", out);
    for (unsigned c = 0; c < SLAB_NUM_CLASSES; c++) {
        const st_class_row *r = &v->classes[c];
        const PerfCounters *p = &r->total;

        fputs(c ? ",{" : "{", out);
        u64(out, "size", r->size, true);
        /* Every counter of the format's table, under its own name. */
#define X(f, kind, help) u64(out, #f, p->f, true);
        SLAB_SHM_CLASS_FIELDS(X)
#undef X
        num(out, "slow_per_s", r->per_s[ST_CC_allocs_slow], false);
        fputc('}', out);
    }
    /* The snapshot itself, so that the line can be replayed (record.h). */
    fputs("],", out);
    st_record_write(out, s);
    fputs("}\n", out);
    fflush(out);
}
