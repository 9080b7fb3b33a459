/*
 * ui_panels.c - the watch screen's panels: the process header, the summary
 * (rates, latencies, ratio, verdict and cause, the tail line, repairs),
 * the thread table and the size-class table.  The screen's layout, keys and
 * terminal handling are ui.c's.
 */
#include "config.h"
#include "ui_draw.h"

#include <stdio.h>
#include <string.h>

#include "classcol.h"
#include "esc.h"
#include "fmt.h"
#include "output.h"

void st_ui_draw_header(const st_ui *ui, const st_view *v, int *y)
{
    const st_snapshot *s = v->snap;
    char a[ST_FMT_LEN], b[ST_FMT_LEN];
    char name[4 * ST_NAME_MAX + 1], comm[4 * ST_NAME_MAX + 1], label[4 * ST_NAME_MAX + 1];
    attr_t st = s->state == ST_PROC_ALIVE ? st_ui_color(ui, PAIR_CLEAN) : st_ui_color(ui, PAIR_HEAVY);
    int x, w;

    st_ui_put(*y, 0, A_BOLD | st_ui_color(ui, PAIR_TITLE), "slabtop");
    x = 9;
    w = st_esc(name, sizeof(name), s->name, -1, false, st_ui_ascii() ? ST_ESC_ASCII : 0);
    st_ui_put(*y, x, A_BOLD, "%s", name);
    x += w + 2;
    w = st_esc(comm, sizeof(comm), s->command, -1, false, st_ui_ascii() ? ST_ESC_ASCII : 0);
    st_ui_put(*y, x, 0, "pid %lld  %s", (long long)s->pid, comm);
    x += snprintf(NULL, 0, "pid %lld  ", (long long)s->pid) + w + 2;
    st_ui_put(*y, x, st | A_BOLD, "%s", st_proc_state_name(s->state));
    x += (int)strlen(st_proc_state_name(s->state)) + 2;
    st_ui_put(*y, x, 0, "up %s", st_fmt_duration(a, (double)s->uptime_ns / 1e9));
    x += 3 + (int)strlen(a) + 2;
    if (s->label[0])
        st_ui_put(*y, x, A_BOLD | st_ui_color(ui, PAIR_TITLE), "[%s]",
            st_ui_safe(label, sizeof(label), s->label, -1, false));
    (*y)++;

    if (s->sample_rate && v->effective_interval)
        st_ui_put(*y, 0, 0, "sampling %s 1/%llu (effective 1/%llu)  floor wall %s cpu %s",
            st_mode_name(s->sample_mode), (unsigned long long)s->sample_rate,
            (unsigned long long)v->effective_interval,
            st_fmt_ns(a, (double)s->floor_wall_ns), st_fmt_ns(b, (double)s->floor_cpu_ns));
    else if (s->sample_rate)    /* no thread record to tell it */
        st_ui_put(*y, 0, 0, "sampling %s 1/%llu (effective -)  floor wall %s cpu %s",
            st_mode_name(s->sample_mode), (unsigned long long)s->sample_rate,
            st_fmt_ns(a, (double)s->floor_wall_ns), st_fmt_ns(b, (double)s->floor_cpu_ns));
    else
        st_ui_put(*y, 0, 0, "sampling off  floor wall %s cpu %s",
            st_fmt_ns(a, (double)s->floor_wall_ns), st_fmt_ns(b, (double)s->floor_cpu_ns));
    (*y)++;
}

void st_ui_draw_summary(const st_ui *ui, const st_view *v, int *y, bool repairs)
{
    const st_figures *f = &v->summary;
    const slab_thread_stats *t = &v->total;
    char a[ST_FMT_LEN], b[ST_FMT_LEN], c[ST_FMT_LEN], d[ST_FMT_LEN], e[ST_FMT_LEN];

    st_ui_put(*y, 0, 0, "%s %-7s %s %-6s %s %5.1f%%  %s %s",
        st_labels[ST_L_ALLOCS], st_fmt_count(a, f->allocs_per_s),
        st_labels[ST_L_SAMPLES], st_fmt_count(b, f->samples_per_s),
        st_labels[ST_L_PREEMPTED], 100 * f->preempted_share,
        st_labels[ST_L_INVOL], st_fmt_count(c, f->nivcsw_per_s));
    (*y)++;
    st_ui_put(*y, 0, A_BOLD, "%-6s %9s %9s %9s %9s %9s", "", "mean", "p50", "p99", "p99.9", "max");
    (*y)++;
    uint64_t res = f->resolution_ns;
    st_ui_put(*y, 0, 0, "%-6s %9s %9s %9s %9s %9s", "wall", st_fmt_ns_res(a, f->wall_mean_ns, res),
        st_fmt_ns_res(b, (double)f->wall_p50, res), st_fmt_ns_res(c, (double)f->wall_p99, res),
        st_fmt_ns_res(d, (double)f->wall_p999, res), st_fmt_ns_res(e, (double)f->wall_max_ns, res));
    (*y)++;
    st_ui_put(*y, 0, 0, "%-6s %9s %9s %9s %9s %9s", "cpu", st_fmt_ns_res(a, f->cpu_mean_ns, res),
        st_fmt_ns_res(b, (double)f->cpu_p50, res), st_fmt_ns_res(c, (double)f->cpu_p99, res),
        st_fmt_ns_res(d, (double)f->cpu_p999, res), st_fmt_ns_res(e, (double)f->cpu_max_ns, res));
    (*y)++;

    {
        char r[ST_FMT_LEN];
        int x;

        /* The verdict follows the ratio after a space, however wide the
         * number is. */
        x = snprintf(NULL, 0, "%s %5s ", st_labels[ST_L_RATIO],
                     st_fmt_ratio(r, f->ratio, f->verdict));
        st_ui_put(*y, 0, 0, "%s %5s ", st_labels[ST_L_RATIO], r);
        st_ui_put(*y, x, st_ui_verdict_attr(ui, f->verdict), "%s", slab_verdict_name(f->verdict));
        x += (int)strlen(slab_verdict_name(f->verdict)) + 1;
        if (f->verdict != SLAB_VERDICT_INSUFFICIENT) {
            st_ui_put(*y, x, 0, "(%s)", st_fmt_offcpu(a, f));
            x += (int)strlen(a) + 3;
        }
        st_ui_put(*y, x, A_BOLD, "cause %s", st_fmt_cause(f));
        x += 6 + (int)strlen(st_fmt_cause(f)) + 2;
        if (x < 26)
            x = 26;
        /* Then what fits whole: CPU share and run-queue wait, or the CPU
         * share alone, or neither; never a value cut at the edge. */
        {
            char full[96], share[48];

            snprintf(share, sizeof(share), "%s %5.1f%%", st_labels[ST_L_CPU_SHARE],
                     100 * f->cpu_share);
            snprintf(full, sizeof(full), "%s  %s %.2fs/s", share, st_labels[ST_L_RUNQ],
                     f->runq_share);
            if (x + (int)strlen(full) < COLS)
                st_ui_put(*y, x, 0, "%s", full);
            else if (x + (int)strlen(share) < COLS)
                st_ui_put(*y, x, 0, "%s", share);
        }
    }
    (*y)++;
    {
        char line[256];
        char *cut;

        /* Too wide: leave out the last parts ("..., 8% hypervisor steal")
         * whole rather than cut one at the edge.  Like every line of the
         * summary it leaves the last column free: a line that reaches it
         * cannot be told from one cut there. */
        st_fmt_tail(line, sizeof(line), f, false);
        while ((int)strlen(line) >= COLS && (cut = strrchr(line, ',')) != NULL)
            *cut = '\0';
        st_ui_put(*y, 0, 0, "%s", line);
    }
    (*y)++;

    if (!repairs)
        return;
    {
        int x;

        st_ui_put(*y, 0, t->seed.repair_count ? st_ui_color(ui, PAIR_MODERATE) | A_BOLD : 0,
            "repairs %llu", (unsigned long long)t->seed.repair_count);
        x = snprintf(NULL, 0, "repairs %llu", (unsigned long long)t->seed.repair_count) + 2;
        /* Then the fields that fit whole, in this order. */
        char part[4][48];
        snprintf(part[0], sizeof(part[0]), "%s/s  last %s", st_fmt_count(a, f->repairs_per_s),
                 v->repair_seen ? st_fmt_duration(b, (double)v->repair_age_ns / 1e9) : "never");
        snprintf(part[1], sizeof(part[1]), "  full_bitmap %llu",
                 (unsigned long long)t->seed.repair_reason_full_bitmap);
        snprintf(part[2], sizeof(part[2]), "  list_mismatch %llu",
                 (unsigned long long)t->seed.repair_reason_list_mismatch);
        snprintf(part[3], sizeof(part[3]), "  other %llu",
                 (unsigned long long)t->seed.repair_reason_other);
        for (int i = 0; i < 4 && x + (int)strlen(part[i]) < COLS; i++) {
            st_ui_put(*y, x, 0, "%s", part[i]);
            x += (int)strlen(part[i]);
        }
    }
    (*y)++;
}

/* Column headers of the thread table, in st_sort order. */
static const struct { const char *title; int width; bool left; } thread_cols[ST_SORT_COUNT] = {
    [ST_SORT_TID] = { "TID", 7, false },
    [ST_SORT_NAME] = { "NAME", 11, true },
    [ST_SORT_ALLOCS] = { "ALLOC/S", 8, false },
    [ST_SORT_SAMPLES] = { "SAMPLES", 8, false },
    [ST_SORT_RATIO] = { "RATIO", 6, false },
    [ST_SORT_WALL] = { "P99WALL", 8, false },
    [ST_SORT_CPU] = { "P99CPU", 8, false },
    [ST_SORT_REPAIRS] = { "REPAIRS", 7, false },
    [ST_SORT_STATE] = { "STATE", 8, true },
};

static int clamp_scroll(st_ui *ui, int nrows, int page)
{
    int max = nrows - page;

    if (max < 0)
        max = 0;
    if (ui->scroll > max)
        ui->scroll = max;
    if (ui->scroll < 0)
        ui->scroll = 0;
    return ui->scroll;
}

void st_ui_draw_threads(st_ui *ui, st_view *v, int y, int rows)
{
    int namew = thread_cols[ST_SORT_NAME].width + (COLS > 80 ? (COLS - 80 > 9 ? 9 : COLS - 80) : 0);
    int x = 0;

    st_view_sort(v, ui->sort, ui->reverse);
    move(y, 0);
    attron(A_REVERSE);
    hline(' ', COLS);
    for (int c = 0; c < ST_SORT_COUNT; c++) {
        int w = c == ST_SORT_NAME ? namew : thread_cols[c].width;
        attr_t a = (c == (int)ui->sort ? A_BOLD | A_UNDERLINE : 0);

        st_ui_put(y, x, A_REVERSE | a, thread_cols[c].left ? "%-*s" : "%*s", w, thread_cols[c].title);
        x += w + 1;
    }
    st_ui_put(y, x, A_REVERSE, "%s", "CAUSE");
    attroff(A_REVERSE);
    y++;
    rows--;
    ui->page = rows > 0 ? rows : 1;
    clamp_scroll(ui, (int)v->nrows, rows);
    for (int i = 0; i < rows && (size_t)(ui->scroll + i) < v->nrows; i++) {
        const st_row *r = &v->rows[ui->scroll + i];
        char a[ST_FMT_LEN], b[ST_FMT_LEN], c[ST_FMT_LEN], ratio[ST_FMT_LEN];
        char name[4 * 32 + 1];

        st_fmt_ratio(ratio, r->f.ratio, r->f.verdict);
        st_ui_safe(name, sizeof(name), r->name, namew, true);
        if (r->state == ST_THREAD_OVERFLOW)
            st_ui_put(y + i, 0, 0, "%7s %s", "-", name);
        else
            st_ui_put(y + i, 0, 0, "%7llu %s", (unsigned long long)r->tid, name);
        x = 8 + namew + 1;
        st_ui_put(y + i, x, 0, "%8s %8llu ", st_fmt_count(a, r->f.allocs_per_s),
            (unsigned long long)r->samples_total);
        x += 18;
        st_ui_put(y + i, x, st_ui_verdict_attr(ui, r->f.verdict), "%6s", ratio);
        x += 7;
        st_ui_put(y + i, x, 0, "%8s %8s %7llu %-8s %s",
            st_fmt_ns_res(b, (double)r->f.wall_p99, r->f.resolution_ns),
            st_fmt_ns_res(c, (double)r->f.cpu_p99, r->f.resolution_ns),
            (unsigned long long)r->repairs_total, st_thread_state_name(r->state),
            st_fmt_cause(&r->f));
    }
}

void st_ui_draw_classes(st_ui *ui, const st_view *v, int y, int rows)
{
    char heading[ST_CCOL_HEADING_MAX + 1];
    int x, ncols = 0;

    /* The columns of classcol.h, as many as the screen is wide. */
    move(y, 0);
    attron(A_REVERSE);
    hline(' ', COLS);
    st_ui_put(y, 0, A_REVERSE, "%5s", "CLASS");
    x = 5;
    for (; ncols < ST_CC_COUNT; ncols++) {
        st_ccol_id id = st_class_cols[ncols];
        int w = st_ccol_width(id);

        if (x + 1 + w > COLS)
            break;
        st_ui_put(y, x + 1, A_REVERSE, "%*s", w, st_ccol_heading(id, heading));
        x += 1 + w;
    }
    attroff(A_REVERSE);
    y++;
    rows--;
    ui->page = rows > 0 ? rows : 1;
    clamp_scroll(ui, SLAB_NUM_CLASSES, rows);
    for (int i = 0; i < rows && ui->scroll + i < (int)SLAB_NUM_CLASSES; i++) {
        const st_class_row *r = &v->classes[ui->scroll + i];
        char cell[ST_FMT_LEN];

        st_ui_put(y + i, 0, 0, "%5u", r->size);
        x = 5;
        for (int c = 0; c < ncols; c++) {
            st_ccol_id id = st_class_cols[c];
            int w = st_ccol_width(id);

            st_ui_put(y + i, x + 1, 0, "%*s", w, st_ccol_cell(cell, id, &r->total, r->per_s));
            x += 1 + w;
        }
    }
}
