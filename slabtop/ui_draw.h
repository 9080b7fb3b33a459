/*
 * ui_draw.h - drawing helpers shared by the screen's parts (ui.c,
 * ui_panels.c and charts.c); curses code only, not part of the model.
 */
#ifndef SLABTOP_UI_DRAW_H
#define SLABTOP_UI_DRAW_H

#include <curses.h>
#include "model.h"
#include "ui.h"

enum { PAIR_CLEAN = 1, PAIR_MODERATE, PAIR_HEAVY, PAIR_TITLE, PAIR_BANNER };

/* The attribute of a colour pair, or none when colours are off. */
attr_t st_ui_color(const st_ui *ui, int pair);
/* The verdict's colour (bold), dim without a verdict. */
attr_t st_ui_verdict_attr(const st_ui *ui, slab_verdict v);
/* Print at (y, x), cut at the screen's edge by columns.  The text must be
 * safe already (escaped untrusted strings). */
void st_ui_put(int y, int x, attr_t attr, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* An untrusted string escaped for the screen (ASCII only when the locale
 * cannot show UTF-8), cut (and with pad, padded) to cols columns. */
const char *st_ui_safe(char *buf, size_t size, const char *s, int cols, bool pad);

/* The watch screen's panels (ui_panels.c).  The first two advance *y. */
void st_ui_draw_header(const st_ui *ui, const st_view *v, int *y);
void st_ui_draw_summary(const st_ui *ui, const st_view *v, int *y, bool repairs);
void st_ui_draw_threads(st_ui *ui, st_view *v, int y, int rows);
void st_ui_draw_classes(st_ui *ui, const st_view *v, int y, int rows);

/* The latency distribution panel: the interval's wall and CPU histograms
 * on one log scale, bar_rows rows each, p50/p99/p99.9 marked.  Takes
 * 2 * bar_rows + 3 rows from y, w columns. */
void st_charts_distribution(const st_ui *ui, const st_view *v, int y, int w, int bar_rows);
#define ST_CHARTS_DIST_ROWS(bar_rows) (2 * (bar_rows) + 3)

/* History sparklines: allocs/s, samples/s, p99 wall, off-CPU share, in
 * rows rows (4, or 2 when two fit side by side) of w columns from y. */
void st_charts_history(const st_ui *ui, const st_view *v, int y, int w, int rows);

#endif /* SLABTOP_UI_DRAW_H */
