/*
 * app.h - slabtop's modes (watch.c, overview.c, replay.c, listing.c) and
 * what they share (app.c).  main.c parses the command line (cli.c) and
 * picks one.
 */
#ifndef SLABTOP_APP_H
#define SLABTOP_APP_H

#include <signal.h>
#include <stdbool.h>

#include "cli.h"
#include "model.h"
#include "slab_shm.h"
#include "slabtop.h"
#include "source.h"
#include "ui.h"

/* app.c.  The signal (SIGINT, SIGTERM, SIGHUP, SIGQUIT) that asks every
 * mode to stop, 0 until one came; set by the handlers that
 * st_app_install_signals() installs (without SA_RESTART, so that waits
 * return early). */
extern volatile sig_atomic_t st_app_stop;
void st_app_install_signals(void);
/* The exit status for the signal that stopped us: 128 + its number. */
int st_app_signal_exit(void);

/* CLOCK_MONOTONIC in seconds; sleep up to s seconds (less on a signal). */
double st_app_now(void);
void st_app_nap(double s);

/* "slabtop: MSG" on stderr, escaped (messages quote names and paths). */
void st_app_error(const char *msg);

/* Flush stdout: rc, or ST_EXIT_ERROR with a message if the output was
 * lost (a full disk, /dev/full, a closed descriptor). */
int st_app_finish_stdout(int rc);

/* Feed a snapshot to the model.  A segment whose owner has gone keeps the
 * last interval's figures.  0, or -1 out of memory. */
int st_app_feed(st_model *m, const st_snapshot *snap);

/* One refresh on stdout in the headless output o asks for; first: the
 * first one written (text separates refreshes by a blank line). */
void st_app_emit(const st_options *o, st_view *v, st_sort sort, bool first);

/* watch.c.  Attach to NAME (or o->pid's segment), waiting as --wait (or
 * --demo) says; with a screen (ui not NULL) the wait is shown there and q
 * ends it, setting *quit. */
slab_shm_error st_watch_attach(st_source *src, const st_options *o, const char *name,
                               bool demo, st_ui *ui, bool *quit, slab_shm_errinfo *err);
/* Headless refreshes of an attached source until -n, a signal, an error
 * or the owner's exit; returns the exit status. */
int st_watch_headless(const st_options *o, st_source *src, bool demo);
/* The screen of one segment until q, a signal, or (can_go_back) Esc: then
 * *back is set and the caller shows the overview again. */
int st_watch_screen(const st_options *o, st_source *src, st_ui *ui, bool can_go_back,
                    bool *back);

/* overview.c: every readable segment on the screen, until q or a signal. */
int st_overview_run(const st_options *o, st_ui *ui);

/* replay.c: --replay o->replay, on ui (a screen) or headless. */
int st_replay_run(const st_options *o, st_ui *ui);

/* listing.c: --list (text or JSON) and --gc. */
int st_listing_list(const st_options *o);
int st_listing_gc(void);

#endif /* SLABTOP_APP_H */
