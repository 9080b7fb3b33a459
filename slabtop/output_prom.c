/*
 * output_prom.c - one scrape of every segment (see output_prom.h).
 *
 * A family's samples are written together, segment after segment, with its
 * metadata first: both formats forbid interleaving families.  The two
 * formats differ in three places only: a counter's TYPE and HELP name the
 * family without "_total" in OpenMetrics and with it in the Prometheus text
 * format, OpenMetrics ends with "# EOF", and the content type.
 */
#include "config.h"
#include "output_prom.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

#include "output.h"
#include "statfield.h"
#include "slab_shm_format.h"

typedef struct writer {
    FILE *out;
    bool om;
} writer;

static void meta(const writer *w, const char *name, const char *type, const char *help)
{
    bool counter = strcmp(type, "counter") == 0;
    const char *suffix = counter && !w->om ? "_total" : "";

    fprintf(w->out, "# HELP %s%s %s\n# TYPE %s%s %s\n", name, suffix, help, name, suffix,
            type);
}

static void number(FILE *out, double v)
{
    if (isnan(v))
        fputs("NaN", out);
    else if (isinf(v))
        fputs(v > 0 ? "+Inf" : "-Inf", out);
    else if (v == floor(v) && fabs(v) < 9e15)
        fprintf(out, "%.0f", v);
    else
        fprintf(out, "%.9g", v);
}

/* name{name="..",pid="..",command=".."[,k="v"]} value */
static void sample(const writer *w, const st_scan_entry *s, const char *name,
                   const char *suffix, const char *k, const char *v, double value)
{
    fprintf(w->out, "%s%s{name=\"", name, suffix);
    st_om_label_value(w->out, s->snap.name);
    fprintf(w->out, "\",pid=\"%lld\",command=\"", (long long)s->snap.pid);
    st_om_label_value(w->out, s->snap.command);
    fputc('"', w->out);
    if (k) {
        fprintf(w->out, ",%s=\"", k);
        st_om_label_value(w->out, v);
        fputc('"', w->out);
    }
    fputs("} ", w->out);
    number(w->out, value);
    fputc('\n', w->out);
}

typedef double (*total_fn)(const slab_thread_stats *t);

static double t_allocs(const slab_thread_stats *t) { return (double)t->allocs; }
static double t_samples(const slab_thread_stats *t) { return (double)t->seed.alloc_samples; }
static double t_preempted(const slab_thread_stats *t) { return (double)t->preempted; }
static double t_wall(const slab_thread_stats *t) { return (double)t->seed.alloc_wall_ns_sum / 1e9; }
static double t_cpu(const slab_thread_stats *t) { return (double)t->seed.alloc_cpu_ns_sum / 1e9; }
static double t_thread_cpu(const slab_thread_stats *t) { return (double)t->thread_cpu_ns / 1e9; }
static double t_runq(const slab_thread_stats *t) { return (double)t->runq_wait_ns / 1e9; }
static double t_nivcsw(const slab_thread_stats *t) { return (double)t->nivcsw; }
static double t_nvcsw(const slab_thread_stats *t) { return (double)t->nvcsw; }
static double t_repair_wall(const slab_thread_stats *t) { return (double)t->seed.repair_wall_ns_sum / 1e9; }
static double t_repair_cpu(const slab_thread_stats *t) { return (double)t->seed.repair_cpu_ns_sum / 1e9; }
static double t_sample_cost(const slab_thread_stats *t) { return (double)t->sample_cost_ns / 1e9; }
static double t_allocs_large(const slab_thread_stats *t) { return (double)t->allocs_large; }
static double t_frees_large(const slab_thread_stats *t) { return (double)t->frees_large; }

static const struct {
    const char *name;
    const char *help;
    total_fn get;
} counters[] = {
    { "slab_allocations", "Calls to alloc_obj_epoch(), all threads (exited ones included).", t_allocs },
    { "slab_samples", "Allocations timed by the sampler.", t_samples },
    { "slab_preempted_samples", "Samples during which the thread was switched out.", t_preempted },
    { "slab_sample_wall_seconds", "Wall-clock time of the sampled allocations (measurement floor included).", t_wall },
    { "slab_sample_cpu_seconds", "Thread CPU time of the sampled allocations (measurement floor included).", t_cpu },
    { "slab_thread_cpu_seconds", "CPU time of the allocating threads.", t_thread_cpu },
    { "slab_runqueue_wait_seconds", "Time the allocating threads waited for a CPU (run-queue wait).", t_runq },
    { "slab_involuntary_context_switches", "Involuntary context switches of the allocating threads.", t_nivcsw },
    { "slab_voluntary_context_switches", "Voluntary context switches of the allocating threads.", t_nvcsw },
    { "slab_repair_wall_seconds", "Wall-clock time spent in zombie repairs.", t_repair_wall },
    { "slab_repair_cpu_seconds", "Thread CPU time spent in zombie repairs.", t_repair_cpu },
    { "slab_sampler_cost_seconds", "Time the sampler itself spent reading clocks.", t_sample_cost },
    { "slab_large_allocations", "Allocating calls the drop-in malloc handed to the system allocator.", t_allocs_large },
    { "slab_large_frees", "Frees the drop-in malloc handed to the system allocator.", t_frees_large },
};

/* A latency histogram in whole octaves: le = 2^k ns for k = 4..34 (16 ns
 * to 17 s), then +Inf.  The segment's buckets are 8 per octave, so each
 * le is an exact bucket edge and the cumulative counts are exact. */
#define LE_FIRST 4
#define LE_LAST 34

static void histogram(const writer *w, const st_scan_entry *segs, size_t n, bool wall)
{
    const char *name = wall ? "slab_sample_wall_latency_seconds" : "slab_sample_cpu_latency_seconds";

    meta(w, name, "histogram", wall
         ? "Wall-clock latency of the sampled allocations (raw: the measurement floor slab_measurement_floor_seconds is included)."
         : "Thread CPU latency of the sampled allocations (raw: the measurement floor slab_measurement_floor_seconds is included).");
    for (size_t i = 0; i < n; i++) {
        const st_scan_entry *s = &segs[i];
        const uint64_t *h = wall ? s->total.wall_hist : s->total.cpu_hist;
        uint64_t cum = 0;
        unsigned b = 0;

        for (int k = LE_FIRST; k <= LE_LAST; k++) {
            uint64_t edge = UINT64_C(1) << k;
            char le[32];

            while (b < SLAB_HIST_BUCKETS && slab_hist_bucket_high(b) < edge)
                cum += h[b++];
            snprintf(le, sizeof(le), "%.9g", (double)edge / 1e9);
            sample(w, s, name, "_bucket", "le", le, (double)cum);
        }
        while (b < SLAB_HIST_BUCKETS)
            cum += h[b++];
        sample(w, s, name, "_bucket", "le", "+Inf", (double)cum);
        sample(w, s, name, "_sum", NULL, NULL,
               wall ? t_wall(&s->total) : t_cpu(&s->total));
        sample(w, s, name, "_count", NULL, NULL, (double)cum);
    }
}

static void class_family(const writer *w, const st_scan_entry *segs, size_t n,
                         const char *field, bool gauge, const char *help, size_t offset)
{
    char name[96], desc[160], size[16];

    snprintf(name, sizeof(name), "slab_class_%s",
             strcmp(field, "allocs_slow") == 0 ? "slow_path_allocations" : field);
    snprintf(desc, sizeof(desc), "%c%s, by size class.",
             help[0] >= 'a' && help[0] <= 'z' ? help[0] - 'a' + 'A' : help[0], help + 1);
    meta(w, name, gauge ? "gauge" : "counter", desc);
    for (size_t i = 0; i < n; i++)
        for (unsigned c = 0; c < SLAB_NUM_CLASSES; c++) {
            uint64_t v;

            memcpy(&v, (const char *)&segs[i].snap.classes[c].c + offset, sizeof(v));
            snprintf(size, sizeof(size), "%u", segs[i].snap.classes[c].size);
            sample(w, &segs[i], name, gauge ? "" : "_total", "size", size, (double)v);
        }
}

void st_output_prom(FILE *out, const st_scan_entry *segs, size_t n, bool openmetrics)
{
    static const char *const verdicts[] = { "insufficient", "clean", "moderate", "heavy" };
    static const char *const reasons[] = { "full_bitmap", "list_mismatch", "other" };
    const writer w = { out, openmetrics };
    bool any_interval = false;

    meta(&w, "slab_exporter_segments", "gauge", "Segments this scrape read.");
    fprintf(out, "slab_exporter_segments %zu\n", n);

    meta(&w, "slab_up", "gauge", "1 while the owner process is alive, 0 once it has exited or died.");
    for (size_t i = 0; i < n; i++)
        sample(&w, &segs[i], "slab_up", "", NULL, NULL, segs[i].snap.state == ST_PROC_ALIVE);
    meta(&w, "slab_uptime_seconds", "gauge", "Time since the owner process started, on its own clock.");
    for (size_t i = 0; i < n; i++)
        sample(&w, &segs[i], "slab_uptime_seconds", "", NULL, NULL,
               (double)segs[i].snap.uptime_ns / 1e9);
    meta(&w, "slab_threads", "gauge", "Thread records in use (the overflow record not counted).");
    for (size_t i = 0; i < n; i++)
        sample(&w, &segs[i], "slab_threads", "", NULL, NULL, (double)segs[i].live_threads);
    meta(&w, "slab_sampling_interval", "gauge", "Configured mean number of allocations between samples (0: sampling off).");
    for (size_t i = 0; i < n; i++)
        sample(&w, &segs[i], "slab_sampling_interval", "", NULL, NULL,
               (double)segs[i].snap.sample_rate);
    meta(&w, "slab_measurement_floor_seconds", "gauge", "Cost of an empty timed region on each clock; subtract it per sample to correct the histograms.");
    for (size_t i = 0; i < n; i++) {
        sample(&w, &segs[i], "slab_measurement_floor_seconds", "", "clock", "wall",
               (double)segs[i].snap.floor_wall_ns / 1e9);
        sample(&w, &segs[i], "slab_measurement_floor_seconds", "", "clock", "cpu",
               (double)segs[i].snap.floor_cpu_ns / 1e9);
    }
    meta(&w, "slab_resident_bytes", "gauge", "Slab memory not returned to the operating system.");
    for (size_t i = 0; i < n; i++)
        sample(&w, &segs[i], "slab_resident_bytes", "", NULL, NULL,
               (double)segs[i].snap.resident_bytes);

    for (size_t c = 0; c < sizeof(counters) / sizeof(counters[0]); c++) {
        meta(&w, counters[c].name, "counter", counters[c].help);
        for (size_t i = 0; i < n; i++)
            sample(&w, &segs[i], counters[c].name, "_total", NULL, NULL,
                   counters[c].get(&segs[i].total));
    }
    /* Every counter of the thread tables: a counter added to the format
     * is exported with no change here. */
    for (size_t k = 0; k < st_stat_field_count; k++) {
        const st_stat_field *sf = &st_stat_fields[k];
        char name[96], desc[256];

        st_stat_metric(sf, name, sizeof(name));
        st_stat_help(sf, desc, sizeof(desc));
        meta(&w, name, sf->counter ? "counter" : "gauge", desc);
        for (size_t i = 0; i < n; i++)
            sample(&w, &segs[i], name, sf->counter ? "_total" : "", NULL, NULL,
                   st_stat_value(sf, &segs[i].total));
    }
    meta(&w, "slab_repairs", "counter", "Zombie partial-slab repairs, by reason.");
    for (size_t i = 0; i < n; i++) {
        const ThreadStats *t = &segs[i].total.seed;
        const uint64_t by[3] = { t->repair_reason_full_bitmap, t->repair_reason_list_mismatch,
                                 t->repair_reason_other };
        for (unsigned r = 0; r < 3; r++)
            sample(&w, &segs[i], "slab_repairs", "_total", "reason", reasons[r], (double)by[r]);
    }

    /* One family per counter of the format's size-class table; the first
     * keeps the name --openmetrics gives it. */
#define X(f, kind, help) \
    class_family(&w, segs, n, #f, strcmp(#kind, "GAUGE") == 0, help, offsetof(PerfCounters, f));
    SLAB_SHM_CLASS_FIELDS(X)
#undef X

    histogram(&w, segs, n, true);
    histogram(&w, segs, n, false);

    for (size_t i = 0; i < n; i++)
        any_interval |= segs[i].have_interval;
    if (any_interval) {
        meta(&w, "slab_scrape_interval_seconds", "gauge", "Length, on the owner's clock, of the interval between this exporter's previous scrape of the segment and this one; the slab_scrape_interval_* gauges describe that interval only.");
        for (size_t i = 0; i < n; i++)
            if (segs[i].have_interval)
                sample(&w, &segs[i], "slab_scrape_interval_seconds", "", NULL, NULL,
                       segs[i].interval.elapsed_s);
        meta(&w, "slab_scrape_interval_wall_cpu_ratio", "gauge", "Floor-corrected wall/CPU ratio of the samples between this exporter's previous scrape and this one (NaN with too few samples). For other windows use rate() of the counters.");
        for (size_t i = 0; i < n; i++) {
            const st_figures *f = &segs[i].interval;
            if (segs[i].have_interval)
                sample(&w, &segs[i], "slab_scrape_interval_wall_cpu_ratio", "", NULL, NULL,
                       f->verdict == SLAB_VERDICT_INSUFFICIENT || f->ratio <= 0 ? NAN : f->ratio);
        }
        meta(&w, "slab_scrape_interval_verdict", "gauge", "1 for the verdict (clean, moderate, heavy or insufficient, from the floor-corrected wall/CPU ratio) on the samples between this exporter's previous scrape and this one, 0 for the others.");
        for (size_t i = 0; i < n; i++)
            if (segs[i].have_interval)
                for (unsigned v = 0; v < 4; v++)
                    sample(&w, &segs[i], "slab_scrape_interval_verdict", "", "verdict", verdicts[v],
                           (unsigned)segs[i].interval.verdict == v);
    }
    if (openmetrics)
        fputs("# EOF\n", out);
}
