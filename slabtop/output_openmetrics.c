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

#include "esc.h"
#include "statfield.h"

/* A label value: the text outputs' escaped form (printable UTF-8 only,
 * every other byte as \xHH; see esc.h) but with backslashes left to the
 * exposition format's own escapes (of backslash and double quote), so a
 * printable value reads back unchanged.  Always valid UTF-8. */
void st_om_label_value(FILE *out, const char *raw)
{
    char buf[4 * 256 + 1];

    st_esc(buf, sizeof(buf), raw, -1, false, ST_ESC_RAW_BACKSLASH);
    for (const char *s = buf; *s; s++) {
        if (*s == '\\')
            fputs("\\\\", out);
        else if (*s == '"')
            fputs("\\\"", out);
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

/* OpenMetrics type of a table kind (slab_shm_format.h). */
static const char *kind_type(const char *kind)
{
    return strcmp(kind, "GAUGE") == 0 ? "gauge" : "counter";
}

/* A sample: name, the process labels, then an optional extra label. */
static void sample(FILE *out, const st_snapshot *s, const char *name,
                   const char *k1, const char *v1, const char *k2, const char *v2,
                   double v)
{
    fprintf(out, "%s{process=\"", name);
    st_om_label_value(out, s->name);
    fprintf(out, "\",pid=\"%lld\"", (long long)s->pid);
    if (k1) {
        fprintf(out, ",%s=\"", k1);
        st_om_label_value(out, v1);
        fputc('"', out);
    }
    if (k2) {
        fprintf(out, ",%s=\"", k2);
        st_om_label_value(out, v2);
        fputc('"', out);
    }
    fputc('}', out);
    value(out, v);
}

/* The family of one class counter: slab_class_FIELD (slab_class_
 * slow_path_allocations for allocs_slow, its name since the first
 * release), one sample per size class; counters get the _total suffix. */
static void class_family(FILE *out, const st_snapshot *s, const char *field,
                         const char *type, const char *help, size_t offset)
{
    char name[96], sname[104], desc[160], size[16];
    bool counter = strcmp(type, "counter") == 0;

    snprintf(name, sizeof(name), "slab_class_%s",
             strcmp(field, "allocs_slow") == 0 ? "slow_path_allocations" : field);
    snprintf(sname, sizeof(sname), "%s%s", name, counter ? "_total" : "");
    snprintf(desc, sizeof(desc), "%c%s, by size class.",
             help[0] >= 'a' && help[0] <= 'z' ? help[0] - 'a' + 'A' : help[0],
             help + 1);
    family(out, name, type, desc);
    for (unsigned c = 0; c < SLAB_NUM_CLASSES; c++) {
        uint64_t v;
        memcpy(&v, (const char *)&s->classes[c].c + offset, sizeof(v));
        snprintf(size, sizeof(size), "%u", s->classes[c].size);
        sample(out, s, sname, "size", size, NULL, NULL, (double)v);
    }
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

static double f_s_runq(const slab_thread_stats *t) { return (double)t->sampled_runq_ns / 1e9; }
static double f_s_blocked(const slab_thread_stats *t) { return (double)t->sampled_blocked_ns / 1e9; }
static double f_s_other(const slab_thread_stats *t) { return (double)t->sampled_other_ns / 1e9; }
static double f_switched(const slab_thread_stats *t) { return (double)t->switched; }
static double f_allocs_large(const slab_thread_stats *t) { return (double)t->allocs_large; }
static double f_frees_large(const slab_thread_stats *t) { return (double)t->frees_large; }

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
    st_om_label_value(out, s->name);
    fprintf(out, "\",pid=\"%lld\",command=\"", (long long)s->pid);
    st_om_label_value(out, s->command);
    fprintf(out, "\",state=\"%s\",abi=\"%s\",label=\"", st_proc_state_name(s->state), buf);
    st_om_label_value(out, s->label);
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
    per_thread(out, s, "slab_large_allocations", "counter", "Allocating calls the drop-in malloc handed to the system allocator (not served by the slab classes).", f_allocs_large, true);
    per_thread(out, s, "slab_large_frees", "counter", "Frees the drop-in malloc handed to the system allocator.", f_frees_large, true);

    per_thread(out, s, "slab_sample_runqueue_seconds", "counter", "Run-queue wait inside sampled allocations.", f_s_runq, true);
    per_thread(out, s, "slab_sample_blocked_seconds", "counter", "Other off-CPU time of sampled allocations on paths that may sleep in the allocator (locks, fresh memory).", f_s_blocked, true);
    per_thread(out, s, "slab_sample_offcpu_other_seconds", "counter", "Other off-CPU time of the remaining sampled allocations (stopped, stolen, ...).", f_s_other, true);
    per_thread(out, s, "slab_switched_samples", "counter", "Samples during which the thread was switched out.", f_switched, true);

    family(out, "slab_samples_by_path", "counter", "Samples by the allocator path that served them.");
    for (size_t i = 0; i <= s->nthreads; i++) {
        const st_thread *t = i < s->nthreads ? &s->threads[i] : NULL;
        const slab_thread_stats *st = t ? &t->stats : &s->exited;
        const char *tl = "exited";
        const uint64_t n[SLAB_PATH_COUNT] = { st->path_fast, st->path_refill, st->path_partial,
                                              st->path_new_slab, st->path_repair, st->path_large };
        if (t) {
            thread_label(buf, t);
            tl = buf;
        }
        for (unsigned k = 0; k < SLAB_PATH_COUNT; k++)
            sample(out, s, "slab_samples_by_path_total", "thread", tl, "path", slab_path_name(k),
                   (double)n[k]);
    }

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

    /* Every counter of the thread tables, for the whole process: a
     * counter added to the format is exported with no change here. */
    {
        slab_thread_stats tot;
        char name[96], sname[104], desc[256];

        st_snapshot_total(s, &tot);
        for (size_t k = 0; k < st_stat_field_count; k++) {
            const st_stat_field *sf = &st_stat_fields[k];

            st_stat_metric(sf, name, sizeof(name));
            st_stat_help(sf, desc, sizeof(desc));
            snprintf(sname, sizeof(sname), "%s%s", name, sf->counter ? "_total" : "");
            family(out, name, sf->counter ? "counter" : "gauge", desc);
            sample(out, s, sname, NULL, NULL, NULL, NULL, st_stat_value(sf, &tot));
        }
    }

    /* One family per counter of the format's class table. */
#define X(f, kind, help) \
    class_family(out, s, #f, kind_type(#kind), help, \
                 offsetof(PerfCounters, f));
    SLAB_SHM_CLASS_FIELDS(X)
#undef X

    /* A single refresh (--once, a cron job) covers the whole life of the
     * process: the HELP says which interval the figures are of. */
    const char *span = v->since_start
        ? "since the process started (a first refresh; for any window use slabtop --listen and PromQL)"
        : "of the last refresh interval";
    char help[256];

    snprintf(help, sizeof(help), "Floor-corrected wall/CPU ratio of the samples %s (NaN without enough samples).", span);
    family(out, "slab_wall_cpu_ratio", "gauge", help);
    sample(out, s, "slab_wall_cpu_ratio", NULL, NULL, NULL, NULL,
           f->verdict == SLAB_VERDICT_INSUFFICIENT || f->ratio <= 0 ? NAN : f->ratio);
    snprintf(help, sizeof(help), "1 for the verdict on the samples %s, 0 for the others.", span);
    family(out, "slab_verdict", "gauge", help);
    for (unsigned i = 0; i < 4; i++)
        sample(out, s, "slab_verdict", "verdict", verdicts[i], NULL, NULL,
               (unsigned)f->verdict == i ? 1 : 0);
    snprintf(help, sizeof(help), "Floor-corrected quantiles of the sampled allocations %s.", span);
    family(out, "slab_sample_latency_seconds", "gauge", help);
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
    snprintf(help, sizeof(help), "Share of the time of the threads off the CPU behind the ratio, %s (NaN without enough samples).", span);
    family(out, "slab_offcpu_share", "gauge", help);
    sample(out, s, "slab_offcpu_share", NULL, NULL, NULL, NULL,
           f->verdict == SLAB_VERDICT_INSUFFICIENT || f->ratio <= 0 ? NAN : f->dx.offcpu_share);
    snprintf(help, sizeof(help), "1 for the cause named beside the verdict, %s, 0 for the others.", span);
    family(out, "slab_cause", "gauge", help);
    for (unsigned c = 0; c < SLAB_CAUSE_COUNT; c++)
        sample(out, s, "slab_cause", "cause", slab_cause_name((slab_cause)c), NULL, NULL,
               (unsigned)f->dx.cause == c ? 1 : 0);
    snprintf(help, sizeof(help), "Share of the time of the sampled allocations above the percentile, by cause, %s.", span);
    family(out, "slab_tail_share", "gauge", help);
    for (unsigned c = SLAB_CAUSE_RUNQ; c < SLAB_CAUSE_COUNT; c++)
        sample(out, s, "slab_tail_share", "percentile", "99", "cause",
               slab_cause_name((slab_cause)c), f->dx.share[c]);
    for (unsigned c = SLAB_CAUSE_RUNQ; c < SLAB_CAUSE_COUNT; c++)
        sample(out, s, "slab_tail_share", "percentile", "99.9", "cause",
               slab_cause_name((slab_cause)c), f->dx999.share[c]);
    family(out, "slab_timing_resolution_seconds", "gauge", "Smallest floor-corrected figure that can be told from zero (spread of the timing overhead; 0: unknown).");
    sample(out, s, "slab_timing_resolution_seconds", NULL, NULL, NULL, NULL,
           (double)s->timing.resolution_ns / 1e9);
    if (v->ctx.have_steal) {
        family(out, "slab_host_steal_share", "gauge", "Share of the host's CPU time stolen by the hypervisor over the interval (/proc/stat).");
        sample(out, s, "slab_host_steal_share", NULL, NULL, NULL, NULL, v->ctx.steal_share);
    }
    if (s->host.have_throttle) {
        family(out, "slab_cgroup_throttled_seconds", "counter", "Time the process's cgroup was throttled by its CPU quota (cpu.stat).");
        sample(out, s, "slab_cgroup_throttled_seconds_total", NULL, NULL, NULL, NULL,
               (double)s->host.throttled_ns / 1e9);
    }
    if (v->ctx.have_pressure) {
        family(out, "slab_host_cpu_pressure", "gauge", "Share of time some task waited for a CPU, avg10, percent (/proc/pressure/cpu).");
        sample(out, s, "slab_host_cpu_pressure", NULL, NULL, NULL, NULL, v->ctx.pressure_some);
    }
    if (v->ctx.cpus_allowed > 0) {
        family(out, "slab_cpus_allowed", "gauge", "CPUs in the process's affinity mask.");
        sample(out, s, "slab_cpus_allowed", NULL, NULL, NULL, NULL, (double)v->ctx.cpus_allowed);
    }
    if (v->ctx.runnable >= 0) {
        family(out, "slab_runnable_tasks", "gauge", "Tasks runnable on the process's CPUs when read.");
        sample(out, s, "slab_runnable_tasks", NULL, NULL, NULL, NULL, (double)v->ctx.runnable);
    }
    family(out, "slab_resident_bytes", "gauge", "Slab memory not returned to the operating system.");
    sample(out, s, "slab_resident_bytes", NULL, NULL, NULL, NULL, (double)s->resident_bytes);
    fputs("# EOF\n", out);
    fflush(out);
}
