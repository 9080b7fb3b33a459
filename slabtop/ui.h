/*
 * ui.h - the curses screen.
 *
 * The screen only draws a view and turns keys into changes of st_ui; the
 * main loop decides when to take snapshots.  st_ui_end() restores the
 * terminal and is safe to call any number of times, from any exit path
 * (it is also registered with atexit).
 */
#ifndef SLABTOP_UI_H
#define SLABTOP_UI_H

#include <stdbool.h>
#include "keys.h"
#include "model.h"
#include "scan.h"

typedef enum st_table { ST_TABLE_THREADS = 0, ST_TABLE_CLASSES, ST_TABLE_COUNT } st_table;

typedef struct st_ui {
    bool color;                 /* colours wanted now (c toggles) */
    bool help;                  /* help screen shown */
    bool paused;
    bool replay;                /* a recording: no delay to change */
    st_table table;
    st_sort sort;
    bool reverse;
    int scroll;                 /* first table row shown */
    int page;                   /* table rows that fit, from the last draw */
    double delay_s;
    char message[160];          /* one-line notice at the bottom */
    /* The overview of every process. */
    st_scan_sort ov_sort;
    bool ov_reverse;
    int ov_sel;                 /* selected row */
} st_ui;

/* Start curses.  no_color: --no-color or NO_COLOR.  Returns 0 or -1 (no
 * usable terminal; a message has been printed). */
int st_ui_begin(st_ui *ui, bool no_color);
void st_ui_end(void);
bool st_ui_active(void);

/* Draw the view (NULL: nothing attached yet; banner: a line shown in
 * reverse video under the header, e.g. "owner exited"). */
void st_ui_draw(st_ui *ui, st_view *v, const char *banner);

/* Draw the overview: one row per readable segment, sorted as sc is, the
 * selected one highlighted. */
void st_ui_draw_overview(st_ui *ui, const st_scan *sc, const char *banner);

/* The next key within timeout_ms, ST_UI_NOKEY (none) or ST_UI_RESIZE. */
#define ST_UI_NOKEY (-1)
#define ST_UI_RESIZE (-2)       /* the terminal changed size: redraw now */
int st_ui_key(int timeout_ms);

/* Whether the screen shows only ASCII (the locale is not UTF-8). */
bool st_ui_ascii(void);

/* Apply a key's action to the UI state.  Sets *refresh when a snapshot
 * should be taken now and returns false when the user asked to quit. */
bool st_ui_act(st_ui *ui, st_action a, size_t nrows, bool *refresh);

#endif /* SLABTOP_UI_H */
