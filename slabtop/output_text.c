/*
 * output_text.c - one refresh as plain text, with stable column headers.
 */
#include "config.h"
#include "output.h"

#include "esc.h"
#include "fmt.h"

static void lat_row(FILE *out, const char *what, double mean, uint64_t p50,
                    uint64_t p99, uint64_t p999, uint64_t max, uint64_t res)
{
    char a[ST_FMT_LEN], b[ST_FMT_LEN], c[ST_FMT_LEN], d[ST_FMT_LEN], e[ST_FMT_LEN];

    fprintf(out, "  %-5s %9s %9s %9s %9s %9s\n", what, st_fmt_ns_res(a, mean, res),
            st_fmt_ns_res(b, (double)p50, res), st_fmt_ns_res(c, (double)p99, res),
            st_fmt_ns_res(d, (double)p999, res), st_fmt_ns_res(e, (double)max, res));
}

/* The machine's side, each fact only when the kernel gave it. */
static void context_line(FILE *out, const st_view *v)
{
    const slab_context *x = &v->ctx;
    const st_host *h = &v->snap->host;
    bool any = false;

    fputs("context:", out);
    if (x->have_steal) {
        fprintf(out, "  steal %.1f%%", 100 * x->steal_share);
        any = true;
    }
    if (x->have_throttle) {
        fprintf(out, "  throttled %.0fms (%llu periods, cgroup ", x->throttled_ns / 1e6,
                (unsigned long long)x->throttled_periods);
        st_esc_fputs(out, h->cgroup);
        fputc(')', out);
        any = true;
    }
    if (x->have_pressure) {
        fprintf(out, "  cpu-pressure %.1f%%", x->pressure_some);
        any = true;
    }
    if (x->cpus_allowed > 0) {
        fprintf(out, "  cpus %d", x->cpus_allowed);
        if (x->runnable >= 0)
            fprintf(out, " runnable %d", x->runnable);
        any = true;
    }
    if (!any)
        fputs("  none available", out);
    fputc('\n', out);
}

void st_output_text(FILE *out, st_view *v, st_sort sort, bool reverse)
{
    const st_snapshot *s = v->snap;
    const st_figures *f = &v->summary;
    const slab_thread_stats *t = &v->total;
    char a[ST_FMT_LEN], b[ST_FMT_LEN], c[ST_FMT_LEN];

    st_view_sort(v, sort, reverse);

    fputs("slabtop: ", out);
    st_esc_fputs(out, s->name);
    fprintf(out, "  pid %lld  ", (long long)s->pid);
    st_esc_fputs(out, s->command);
    fprintf(out, "  %s  up %s", st_proc_state_name(s->state),
            st_fmt_duration(a, (double)s->uptime_ns / 1e9));
    if (s->label[0]) {
        fputs("  [", out);
        st_esc_fputs(out, s->label);
        fputc(']', out);
    }
    fputc('\n', out);
    if (s->sample_rate && v->effective_interval)
        fprintf(out, "sampling: %s 1/%llu, effective 1/%llu",
                st_mode_name(s->sample_mode), (unsigned long long)s->sample_rate,
                (unsigned long long)v->effective_interval);
    else if (s->sample_rate)    /* no thread record to tell it */
        fprintf(out, "sampling: %s 1/%llu, effective -",
                st_mode_name(s->sample_mode), (unsigned long long)s->sample_rate);
    else
        fprintf(out, "sampling: off");
    fprintf(out, "  floor: wall %s cpu %s", st_fmt_ns(a, (double)s->floor_wall_ns),
            st_fmt_ns(b, (double)s->floor_cpu_ns));
    if (s->timing.resolution_ns)
        fprintf(out, "  resolution %s (wall p10-p90 %s-%s)",
                st_fmt_ns(c, (double)s->timing.resolution_ns),
                st_fmt_ns(a, (double)s->timing.wall_p10_ns),
                st_fmt_ns(b, (double)s->timing.wall_p90_ns));
    fputc('\n', out);

    fprintf(out, "interval: %.2fs%s  %s %s  %s %s  %s %.1f%%  %s %s\n",
            f->elapsed_s, v->since_start ? " (since start)" : "",
            st_labels[ST_L_ALLOCS], st_fmt_count(a, f->allocs_per_s),
            st_labels[ST_L_SAMPLES], st_fmt_count(b, f->samples_per_s),
            st_labels[ST_L_PREEMPTED], 100 * f->preempted_share,
            st_labels[ST_L_INVOL], st_fmt_count(c, f->nivcsw_per_s));
    fprintf(out, "latency (floor-corrected):\n");
    fprintf(out, "  %-5s %9s %9s %9s %9s %9s\n", "", "mean", "p50", "p99", "p99.9", "max");
    lat_row(out, "wall", f->wall_mean_ns, f->wall_p50, f->wall_p99, f->wall_p999,
            f->wall_max_ns, f->resolution_ns);
    lat_row(out, "cpu", f->cpu_mean_ns, f->cpu_p50, f->cpu_p99, f->cpu_p999,
            f->cpu_max_ns, f->resolution_ns);
    fprintf(out, "%s: %s (%s)  %s: %s  cause: %s", st_labels[ST_L_RATIO],
            st_fmt_ratio(a, f->ratio, f->verdict), st_fmt_offcpu(b, f),
            st_labels[ST_L_VERDICT], slab_verdict_name(f->verdict), st_fmt_cause(f));
    fprintf(out, "  %s %.1f%%  %s %.2fs/s\n", st_labels[ST_L_CPU_SHARE], 100 * f->cpu_share,
            st_labels[ST_L_RUNQ], f->runq_share);
    {
        char line[256];
        fprintf(out, "%s\n", st_fmt_tail(line, sizeof(line), f, false));
        fprintf(out, "%s\n", st_fmt_tail(line, sizeof(line), f, true));
    }
    context_line(out, v);
    fprintf(out, "repairs: %llu total  %s/s  full_bitmap %llu  list_mismatch %llu  other %llu  last %s\n",
            (unsigned long long)t->seed.repair_count, st_fmt_count(a, f->repairs_per_s),
            (unsigned long long)t->seed.repair_reason_full_bitmap,
            (unsigned long long)t->seed.repair_reason_list_mismatch,
            (unsigned long long)t->seed.repair_reason_other,
            v->repair_seen ? st_fmt_duration(b, (double)v->repair_age_ns / 1e9) : "never");
    if (t->allocs_large || t->frees_large) {
        /* The drop-in malloc: what its slab classes served, since start. */
        uint64_t large = t->allocs_large < t->allocs ? t->allocs_large : t->allocs;
        fprintf(out, "large path: %llu allocations (served by slabs: %.1f%%)  %llu frees\n",
                (unsigned long long)t->allocs_large,
                t->allocs ? 100.0 * (double)(t->allocs - large) / (double)t->allocs : 0.0,
                (unsigned long long)t->frees_large);
    }

    fprintf(out, "\n%8s %-16s %9s %9s %6s %9s %9s %8s %-8s %-13s\n", "TID", "NAME", "ALLOC/S",
            "SAMPLES", "RATIO", "P99WALL", "P99CPU", "REPAIRS", "STATE", "CAUSE");
    for (size_t i = 0; i < v->nrows; i++) {
        const st_row *r = &v->rows[i];
        char ratio[ST_FMT_LEN], name[4 * 16 + 1];

        st_fmt_ratio(ratio, r->f.ratio, r->f.verdict);
        /* Escaped, cut at a character boundary, padded to 16 columns. */
        st_esc(name, sizeof(name), r->name, 16, true, 0);
        fprintf(out, "%8llu %s %9s %9llu %6s %9s %9s %8llu %-8s %-13s\n",
                (unsigned long long)r->tid, name, st_fmt_count(a, r->f.allocs_per_s),
                (unsigned long long)r->samples_total, ratio,
                st_fmt_ns_res(b, (double)r->f.wall_p99, r->f.resolution_ns),
                st_fmt_ns_res(c, (double)r->f.cpu_p99, r->f.resolution_ns),
                (unsigned long long)r->repairs_total, st_thread_state_name(r->state),
                st_fmt_cause(&r->f));
    }

    /* The columns of classcol.h, one per counter of the format's table. */
    fprintf(out, "\n%6s", "CLASS");
    for (int col = 0; col < ST_CC_COUNT; col++) {
        char heading[ST_CCOL_HEADING_MAX + 1];

        fprintf(out, " %*s", st_ccol_width(st_class_cols[col]),
                st_ccol_heading(st_class_cols[col], heading));
    }
    fputc('\n', out);
    for (unsigned k = 0; k < SLAB_NUM_CLASSES; k++) {
        const st_class_row *r = &v->classes[k];

        fprintf(out, "%6u", r->size);
        for (int col = 0; col < ST_CC_COUNT; col++)
            fprintf(out, " %*s", st_ccol_width(st_class_cols[col]),
                    st_ccol_cell(a, st_class_cols[col], &r->total, r->per_s));
        fputc('\n', out);
    }
    fflush(out);
}
