/*
 * output_openmetrics.c - OpenMetrics text exposition of one refresh.
 *
 * Written so that the same text is also accepted by the Prometheus text
 * parser that node_exporter's textfile collector uses: only counter and
 * gauge families (that parser rejects "info" and "stateset"), no UNIT
 * lines, and one "# EOF" at the end.  Every sample carries the process
 * label (the segment NAME) and the pid; per-thread series add thread (the
 * tid, "overflow" for the shared overflow record or "exited" for the totals
 * of exited threads), so summing over thread gives the process.
 */
#include "config.h"
#include "output.h"

#include <math.h>
#include <string.h>

static void label_value(FILE *out, const char *s)
{
    for (; *s; s++) {
        if (*s == '\\')
            fputs("\\\\", out);
        else if (*s == '"')
            fputs("\\\"", out);
        else if (*s == '\n')
            fputs("\\n", out);
        else
            fputc(*s, out);
    }
}

static void family(FILE *out, const char *name, const char *type, const char *help)
{
    fprintf(out, "# TYPE %s %s\n# HELP %s %s\n", name, type, name, help);
}

static void value(FILE *out, double v)
{
    if (isnan(v))
        fputs(" NaN\n", out);
    else if (v == floor(v) && fabs(v) < 9e15)
        fprintf(out, " %.0f\n", v);
    else
        fprintf(out, " %.9g\n", v);
}

/* A sample: name, the process labels, then an optional extra label. */
static void sample(FILE *out, const st_snapshot *s, const char *name,
                   const char *k1, const char *v1, const char *k2, const char *v2,
                   double v)
{
    fprintf(out, "%s{process=\"", name);
    label_value(out, s->name);
    fprintf(out, "\",pid=\"%lld\"", (long long)s->pid);
    if (k1) {
        fprintf(out, ",%s=\"", k1);
        label_value(out, v1);
        fputc('"', out);
    }
    if (k2) {
        fprintf(out, ",%s=\"", k2);
        label_value(out, v2);
        fputc('"', out);
    }
    fputc('}', out);
    value(out, v);
}

typedef double (*stat_fn)(const slab_thread_stats *t);

static double f_allocs(const slab_thread_stats *t) { return (double)t->allocs; }
static double f_samples(const slab_thread_stats *t) { return (double)t->seed.alloc_samples; }
static double f_wall(const slab_thread_stats *t) { return (double)t->seed.alloc_wall_ns_sum / 1e9; }
static double f_cpu(const slab_thread_stats *t) { return (double)t->seed.alloc_cpu_ns_sum / 1e9; }
static double f_preempted(const slab_thread_stats *t) { return (double)t->preempted; }
static double f_thread_cpu(const slab_thread_stats *t) { return (double)t->thread_cpu_ns / 1e9; }
static double f_runq(const slab_thread_stats *t) { return (double)t->runq_wait_ns / 1e9; }
static double f_nivcsw(const slab_thread_stats *t) { return (double)t->nivcsw; }
static double f_nvcsw(const slab_thread_stats *t) { return (double)t->nvcsw; }
static double f_repair_wall(const slab_thread_stats *t) { return (double)t->seed.repair_wall_ns_sum / 1e9; }
static double f_wall_max(const slab_thread_stats *t) { return (double)t->seed.alloc_wall_ns_max / 1e9; }
static double f_cpu_max(const slab_thread_stats *t) { return (double)t->seed.alloc_cpu_ns_max / 1e9; }

static void thread_label(char buf[32], const st_thread *t)
{
    if (t->state == ST_THREAD_OVERFLOW)
        snprintf(buf, 32, "overflow");
    else
        snprintf(buf, 32, "%llu", (unsigned long long)t->tid);
}

/* One per-thread family, plus the exited-threads series. */
static void per_thread(FILE *out, const st_snapshot *s, const char *fam,
                       const char *type, const char *help, stat_fn fn, bool exited)
{
    char name[96], tl[32];
    bool counter = strcmp(type, "counter") == 0;

    family(out, fam, type, help);
    snprintf(name, sizeof(name), counter ? "%s_total" : "%s", fam);
    for (size_t i = 0; i < s->nthreads; i++) {
        thread_label(tl, &s->threads[i]);
        sample(out, s, name, "thread", tl, "thread_name", s->threads[i].name,
               fn(&s->threads[i].stats));
    }
    if (exited)
        sample(out, s, name, "thread", "exited", "thread_name", "", fn(&s->exited));
}

void st_output_openmetrics(FILE *out, const st_view *v)
{
    const st_snapshot *s = v->snap;
    const st_figures *f = &v->summary;
    static const char *const verdicts[] = { "insufficient", "clean", "moderate", "heavy" };
    char buf[32];

    family(out, "slab_up", "gauge", "1 while the owner process is alive, 0 once it has exited.");
    sample(out, s, "slab_up", NULL, NULL, NULL, NULL, s->state == ST_PROC_ALIVE ? 1 : 0);
    family(out, "slab_segment_info", "gauge", "Constant 1, labelled with the owner's command, state and segment ABI.");
    snprintf(buf, sizeof(buf), "%u.%u", s->abi_major, s->abi_minor);
    fprintf(out, "slab_segment_info{process=\"");
    label_value(out, s->name);
    fprintf(out, "\",pid=\"%lld\",command=\"", (long long)s->pid);
    label_value(out, s->command);
    fprintf(out, "\",state=\"%s\",abi=\"%s\",label=\"", st_proc_state_name(s->state), buf);
    label_value(out, s->label);
    fprintf(out, "\"} 1\n");
    family(out, "slab_uptime_seconds", "gauge", "Time since the owner process started, on its own clock.");
    sample(out, s, "slab_uptime_seconds", NULL, NULL, NULL, NULL, (double)s->uptime_ns / 1e9);
    family(out, "slab_sampling_interval", "gauge", "Mean number of allocations between samples: configured and effective (after the cost budget).");
    sample(out, s, "slab_sampling_interval", "kind", "configured", NULL, NULL, (double)s->sample_rate);
    sample(out, s, "slab_sampling_interval", "kind", "effective", NULL, NULL, (double)v->effective_interval);
    family(out, "slab_measurement_floor_seconds", "gauge", "Cost of an empty timed region on each clock, subtracted from every figure.");
    sample(out, s, "slab_measurement_floor_seconds", "clock", "wall", NULL, NULL, (double)s->floor_wall_ns / 1e9);
    sample(out, s, "slab_measurement_floor_seconds", "clock", "cpu", NULL, NULL, (double)s->floor_cpu_ns / 1e9);

    per_thread(out, s, "slab_allocations", "counter", "Calls to alloc_obj_epoch().", f_allocs, true);
    per_thread(out, s, "slab_samples", "counter", "Allocations timed by the sampler.", f_samples, true);
    per_thread(out, s, "slab_sample_wall_seconds", "counter", "Wall-clock time of the sampled allocations (not floor-corrected).", f_wall, true);
    per_thread(out, s, "slab_sample_cpu_seconds", "counter", "Thread CPU time of the sampled allocations (not floor-corrected).", f_cpu, true);
    per_thread(out, s, "slab_sample_wall_max_seconds", "gauge", "Longest sampled allocation, wall clock.", f_wall_max, true);
    per_thread(out, s, "slab_sample_cpu_max_seconds", "gauge", "Longest sampled allocation, thread CPU clock.", f_cpu_max, true);
    per_thread(out, s, "slab_preempted_samples", "counter", "Samples classified as preempted.", f_preempted, true);
    per_thread(out, s, "slab_thread_cpu_seconds", "counter", "CPU time of the allocating threads.", f_thread_cpu, true);
    per_thread(out, s, "slab_runqueue_wait_seconds", "counter", "Time the allocating threads waited for a CPU.", f_runq, true);
    per_thread(out, s, "slab_involuntary_context_switches", "counter", "Involuntary context switches of the allocating threads.", f_nivcsw, true);
    per_thread(out, s, "slab_voluntary_context_switches", "counter", "Voluntary context switches of the allocating threads.", f_nvcsw, true);
    per_thread(out, s, "slab_repair_wall_seconds", "counter", "Wall-clock time spent in zombie repairs.", f_repair_wall, true);

    family(out, "slab_repairs", "counter", "Zombie partial-slab repairs, by reason.");
    for (size_t i = 0; i <= s->nthreads; i++) {
        const st_thread *t = i < s->nthreads ? &s->threads[i] : NULL;
        const slab_thread_stats *st = t ? &t->stats : &s->exited;
        const char *tl = "exited";

        if (t) {
            thread_label(buf, t);
            tl = buf;
        }
        sample(out, s, "slab_repairs_total", "thread", tl, "reason", "full_bitmap",
               (double)st->seed.repair_reason_full_bitmap);
        sample(out, s, "slab_repairs_total", "thread", tl, "reason", "list_mismatch",
               (double)st->seed.repair_reason_list_mismatch);
        sample(out, s, "slab_repairs_total", "thread", tl, "reason", "other",
               (double)st->seed.repair_reason_other);
    }

    family(out, "slab_class_slow_path_allocations", "counter", "Allocations that took the slow path, by size class.");
    for (unsigned c = 0; c < SLAB_NUM_CLASSES; c++) {
        snprintf(buf, sizeof(buf), "%u", s->classes[c].size);
        sample(out, s, "slab_class_slow_path_allocations_total", "size", buf, NULL, NULL,
               (double)s->classes[c].c.allocs_slow);
    }
    family(out, "slab_class_new_slabs", "counter", "Slabs carved from fresh memory, by size class.");
    for (unsigned c = 0; c < SLAB_NUM_CLASSES; c++) {
        snprintf(buf, sizeof(buf), "%u", s->classes[c].size);
        sample(out, s, "slab_class_new_slabs_total", "size", buf, NULL, NULL,
               (double)s->classes[c].c.new_slabs);
    }
    family(out, "slab_class_cas_retries", "counter", "Failed compare-and-swap attempts, by size class.");
    for (unsigned c = 0; c < SLAB_NUM_CLASSES; c++) {
        snprintf(buf, sizeof(buf), "%u", s->classes[c].size);
        sample(out, s, "slab_class_cas_retries_total", "size", buf, NULL, NULL,
               (double)s->classes[c].c.cas_retries);
    }
    family(out, "slab_class_resident_bytes", "gauge", "Bytes of slabs holding memory, by size class.");
    for (unsigned c = 0; c < SLAB_NUM_CLASSES; c++) {
        snprintf(buf, sizeof(buf), "%u", s->classes[c].size);
        sample(out, s, "slab_class_resident_bytes", "size", buf, NULL, NULL,
               (double)s->classes[c].c.resident_bytes);
    }

    family(out, "slab_wall_cpu_ratio", "gauge", "Floor-corrected wall/CPU ratio of the samples of the last refresh interval (NaN without enough samples).");
    sample(out, s, "slab_wall_cpu_ratio", NULL, NULL, NULL, NULL,
           f->verdict == SLAB_VERDICT_INSUFFICIENT || f->ratio <= 0 ? NAN : f->ratio);
    family(out, "slab_verdict", "gauge", "1 for the verdict of the last refresh interval, 0 for the others.");
    for (unsigned i = 0; i < 4; i++)
        sample(out, s, "slab_verdict", "verdict", verdicts[i], NULL, NULL,
               (unsigned)f->verdict == i ? 1 : 0);
    family(out, "slab_sample_latency_seconds", "gauge", "Floor-corrected quantiles of the sampled allocations of the last refresh interval.");
    {
        static const char *const q[] = { "50", "99", "99.9" };
        const uint64_t wall[] = { f->wall_p50, f->wall_p99, f->wall_p999 };
        const uint64_t cpu[] = { f->cpu_p50, f->cpu_p99, f->cpu_p999 };
        for (unsigned i = 0; i < 3; i++)
            sample(out, s, "slab_sample_latency_seconds", "clock", "wall", "percentile", q[i],
                   (double)wall[i] / 1e9);
        for (unsigned i = 0; i < 3; i++)
            sample(out, s, "slab_sample_latency_seconds", "clock", "cpu", "percentile", q[i],
                   (double)cpu[i] / 1e9);
    }
    family(out, "slab_resident_bytes", "gauge", "Slab memory not returned to the operating system.");
    sample(out, s, "slab_resident_bytes", NULL, NULL, NULL, NULL, (double)s->resident_bytes);
    fputs("# EOF\n", out);
    fflush(out);
}
