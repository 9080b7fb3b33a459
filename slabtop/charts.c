/*
 * charts.c - the screen's pictures: the latency distribution panel and the
 * history sparklines.  They draw a view; the numbers come from the model.
 *
 * Distribution: both histograms share one logarithmic latency axis, so a
 * preemption tail shows as wall-clock mass far to the right of the CPU
 * mass, and allocator work as the two shapes moving together.  Bar heights
 * are logarithmic in the count (a 1% tail must stay visible next to the
 * mode) and share one scale for both clocks (they count the same samples).
 * The histograms are the raw ones (the measurement floor included), and
 * the marks are their own percentiles, so marks and bars agree.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "fmt.h"
#include "ui_draw.h"

/* Eighths of a cell, from empty to full. */
static const char *const blocks_utf8[9] = {
    " ", "\u2581", "\u2582", "\u2583", "\u2584", "\u2585", "\u2586", "\u2587", "\u2588"
};
static const char blocks_ascii[9] = { ' ', '.', '.', ':', ':', 'o', 'o', '#', '#' };

static void cell(int y, int x, int eighths, attr_t attr)
{
    if (eighths < 0)
        eighths = 0;
    if (eighths > 8)
        eighths = 8;
    if (st_ui_ascii())
        st_ui_put(y, x, attr, "%c", blocks_ascii[eighths]);
    else
        st_ui_put(y, x, attr, "%s", blocks_utf8[eighths]);
}

/* ------------------------------------------------------- distribution */

typedef struct axis {
    double l0, octaves;         /* log2 of the left edge, width in octaves */
    int cols;
} axis;

static int axis_col(const axis *a, double ns)
{
    double c;

    if (ns < 1)
        ns = 1;
    c = (log2(ns) - a->l0) / a->octaves * a->cols;
    if (c < 0)
        return 0;
    return c >= a->cols ? a->cols - 1 : (int)c;
}

/* Spread each bucket's count over the columns its value range covers (a
 * bucket narrower than a column adds to one), so the bars have no gaps
 * where columns fall between buckets; returns the largest column. */
static double bin(const axis *a, const uint64_t *hist, double *colv)
{
    double top = 0;

    for (int c = 0; c < a->cols; c++)
        colv[c] = 0;
    for (unsigned b = 0; b < SLAB_HIST_BUCKETS; b++) {
        int c0, c1;

        if (hist[b] == 0)
            continue;
        c0 = axis_col(a, (double)slab_hist_bucket_low(b));
        c1 = axis_col(a, (double)slab_hist_bucket_high(b) + 1);
        if (c1 > c0 && (double)slab_hist_bucket_high(b) + 1 < pow(2, a->l0 + a->octaves))
            c1--;               /* the next bucket starts in column c1 */
        for (int c = c0; c <= c1; c++)
            colv[c] += (double)hist[b] / (c1 - c0 + 1);
    }
    for (int c = 0; c < a->cols; c++)
        if (colv[c] > top)
            top = colv[c];
    return top;
}

static void bars(int y, int x, int rows, const double *colv, int cols, double top,
                 attr_t attr)
{
    double lt = log1p(top);

    for (int c = 0; c < cols; c++) {
        int level = 0;

        if (colv[c] > 0 && lt > 0) {
            level = (int)lround(log1p(colv[c]) / lt * rows * 8);
            if (level < 1)
                level = 1;      /* one sample is still seen */
        }
        for (int r = 0; r < rows; r++)
            cell(y + r, x + c, level - (rows - 1 - r) * 8, attr);
    }
}

/* p50, p99 and p99.9 marked with a caret at their columns, named after it
 * ("^p99") or, where that does not fit, before it ("p99^"); quantiles in
 * one column share a label ("^p99,p99.9"); a name that fits on neither
 * side of its caret is left out, the caret stays.  Names are placed left
 * to right, p50 first. */
static void marks(int y, int x, const axis *a, const uint64_t *hist, attr_t attr)
{
    static const double q[3] = { 0.50, 0.99, 0.999 };
    static const char *const qname[3] = { "p50", "p99", "p99.9" };
    char line[513];
    bool used[513];
    int col[3];
    int n = a->cols < 512 ? a->cols : 512;

    memset(line, ' ', (size_t)n);
    line[n] = '\0';
    memset(used, 0, sizeof(used));
    for (int i = 0; i < 3; i++) {
        uint64_t v = slab_hist_quantile(hist, q[i]);
        col[i] = v ? axis_col(a, (double)v) : -1;
    }
    /* Every caret first, so that no name covers one. */
    for (int i = 0; i < 3; i++)
        if (col[i] >= 0) {
            line[col[i]] = '^';
            used[col[i]] = true;
        }
    for (int i = 0; i < 3; i++) {
        char name[32] = "";
        int c = col[i], len = 0, start = -1;

        if (c < 0 || (i > 0 && col[i - 1] == c))
            continue;           /* shares the previous label */
        for (int k = i; k < 3 && col[k] == c; k++)
            len += snprintf(name + len, sizeof(name) - (size_t)len, "%s%s",
                            k > i ? "," : "", qname[k]);
        /* After the caret, leaving one blank before the next caret. */
        if (c + 1 + len <= n) {
            start = c + 1;
            for (int k = c + 1; k < c + 1 + len + 1 && k < n; k++)
                if (used[k])
                    start = -1;
        }
        if (start < 0 && c - len >= 0) {
            start = c - len;
            for (int k = c - len - 1; k < c; k++)
                if (k >= 0 && used[k])
                    start = -1;
        }
        if (start < 0)
            continue;
        memcpy(line + start, name, (size_t)len);
        for (int k = start; k < start + len; k++)
            used[k] = true;
    }
    st_ui_put(y, x, attr, "%s", line);
}

/* Decade ticks under the axis: "100ns", "1us", ... where they fit. */
static void ticks(int y, int x, const axis *a)
{
    static const char *const names[] = {
        "1ns", "10ns", "100ns", "1us", "10us", "100us", "1ms", "10ms", "100ms",
        "1s", "10s", "100s",
    };
    int next = 0;
    double v = 1;

    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++, v *= 10) {
        double lv = log2(v);
        int c, len = (int)strlen(names[i]);

        if (lv < a->l0 || lv > a->l0 + a->octaves)
            continue;
        c = axis_col(a, v);
        if (c < next || c + len + 1 > a->cols)
            continue;
        st_ui_put(y, x + c, A_DIM, "|%s", names[i]);
        next = c + len + 3;
    }
}

void st_charts_distribution(const st_ui *ui, const st_view *v, int y, int w, int bar_rows)
{
    double colw[512], colc[512], top, t2;
    uint64_t n = 0;
    unsigned lo = SLAB_HIST_BUCKETS, hi = 0;
    const int lx = 6;           /* bars start after "wall " */
    axis a;

    a.cols = w - lx;
    if (a.cols > 512)
        a.cols = 512;
    if (a.cols < 10 || bar_rows < 1)
        return;
    for (unsigned b = 0; b < SLAB_HIST_BUCKETS; b++)
        if (v->dist_wall[b] || v->dist_cpu[b]) {
            if (b < lo)
                lo = b;
            hi = b;
            n += v->dist_wall[b];
        }
    /* The axis spans the recent refreshes too, so that a change of
     * latency moves the shapes along it rather than the axis under them. */
    if (n > 0 && v->dist_lo <= v->dist_hi) {
        lo = v->dist_lo < lo ? v->dist_lo : lo;
        hi = v->dist_hi > hi ? v->dist_hi : hi;
    }
    st_ui_put(y, 0, A_BOLD, "%-*s", lx, "dist");
    if (n == 0) {
        st_ui_put(y, lx, A_DIM, "no samples in this interval");
        for (int r = 1; r < ST_CHARTS_DIST_ROWS(bar_rows); r++)
            st_ui_put(y + r, 0, 0, "%s", "");
        return;
    }
    {
        double l0 = floor(log2(fmax(1.0, (double)slab_hist_bucket_low(lo))));
        double l1 = ceil(log2((double)slab_hist_bucket_high(hi) + 1));
        double span = l1 - l0;
        /* At most 8 columns per octave: the histogram has 8 buckets per
         * octave, and finer columns would leave gaps between them. */
        double need = a.cols / 8.0;

        if (need < 4)
            need = 4;
        if (span < need) {
            double pad = need - span;
            l0 -= floor(pad / 3);         /* tails grow to the right */
            if (l0 < 0)
                l0 = 0;
            span = need;
        }
        a.l0 = l0;
        a.octaves = span;
    }
    ticks(y, lx, &a);

    top = bin(&a, v->dist_wall, colw);
    t2 = bin(&a, v->dist_cpu, colc);
    if (t2 > top)
        top = t2;

    y++;
    st_ui_put(y, 0, st_ui_verdict_attr(ui, v->summary.verdict), "wall");
    bars(y, lx, bar_rows, colw, a.cols, top, st_ui_verdict_attr(ui, v->summary.verdict));
    y += bar_rows;
    marks(y, lx, &a, v->dist_wall, A_DIM);
    y++;
    st_ui_put(y, 0, st_ui_color(ui, PAIR_TITLE) | A_BOLD, "cpu");
    bars(y, lx, bar_rows, colc, a.cols, top, st_ui_color(ui, PAIR_TITLE));
    y += bar_rows;
    marks(y, lx, &a, v->dist_cpu, A_DIM);
}

/* ------------------------------------------------------------- history */

typedef enum spark_kind { SPARK_ALLOCS, SPARK_SAMPLES, SPARK_P99, SPARK_OFFCPU } spark_kind;

static double point_value(const st_point *p, spark_kind k)
{
    switch (k) {
    case SPARK_ALLOCS:  return p->allocs_per_s;
    case SPARK_SAMPLES: return p->samples_per_s;
    case SPARK_P99:     return (double)p->wall_p99;
    case SPARK_OFFCPU:  return p->offcpu_share;
    }
    return 0;
}

static void spark(const st_ui *ui, const st_history *h, spark_kind k, int y, int x, int w)
{
    static const char *const titles[] = { "allocs/s", "samples/s", "p99 wall", "off-cpu" };
    const int tw = 10, vw = 8;
    int sw = w - tw - vw - 1;
    size_t n, first;
    double top = 0;
    char val[ST_FMT_LEN];
    const st_point *last;

    st_ui_put(y, x, A_BOLD, "%-*s", tw, titles[k]);
    if (sw < 4 || h == NULL || h->count == 0)
        return;
    n = h->count < (size_t)sw ? h->count : (size_t)sw;
    first = h->count - n;
    for (size_t i = first; i < h->count; i++) {
        double pv = point_value(st_history_at(h, i), k);
        if (pv > top)
            top = pv;
    }
    if (k == SPARK_OFFCPU)
        top = 1;                /* a share: always on the 0..100% scale */
    for (size_t i = first; i < h->count; i++) {
        const st_point *p = st_history_at(h, i);
        double pv = point_value(p, k);
        int level = top > 0 ? (int)lround(pv / top * 8) : 0;
        attr_t attr = k == SPARK_P99 || k == SPARK_OFFCPU
                      ? st_ui_verdict_attr(ui, p->verdict) : st_ui_color(ui, PAIR_TITLE);

        if (pv > 0 && level < 1)
            level = 1;
        cell(y, x + tw + (int)(sw - n + (i - first)), level, attr);
    }
    last = st_history_at(h, h->count - 1);
    switch (k) {
    case SPARK_ALLOCS:
    case SPARK_SAMPLES: st_fmt_count(val, point_value(last, k)); break;
    case SPARK_P99:     st_fmt_ns(val, (double)last->wall_p99); break;
    case SPARK_OFFCPU:  snprintf(val, sizeof(val), "%.0f%%", 100 * last->offcpu_share); break;
    }
    st_ui_put(y, x + tw + sw + 1, 0, "%*s", vw, val);
}

void st_charts_history(const st_ui *ui, const st_view *v, int y, int w, int rows)
{
    if (rows >= 4) {
        for (int k = 0; k < 4; k++)
            spark(ui, v->history, (spark_kind)k, y + k, 0, w);
    } else if (rows >= 2) {
        int half = w / 2;
        spark(ui, v->history, SPARK_ALLOCS, y, 0, half - 1);
        spark(ui, v->history, SPARK_SAMPLES, y, half + 1, w - half - 1);
        spark(ui, v->history, SPARK_P99, y + 1, 0, half - 1);
        spark(ui, v->history, SPARK_OFFCPU, y + 1, half + 1, w - half - 1);
    }
}
