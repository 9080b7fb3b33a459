/*
 * watch.c - watching one segment: attaching (and waiting for it), then
 * headless refreshes or the curses screen.
 */
#include "config.h"
#include "app.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "demo.h"
#include "esc.h"
#include "keys.h"

static bool retryable(slab_shm_error e)
{
    return e == SLAB_SHM_ERR_NOT_FOUND || e == SLAB_SHM_ERR_EXITED
        || e == SLAB_SHM_ERR_NOT_READY || e == SLAB_SHM_ERR_BUSY
        || e == SLAB_SHM_ERR_EMPTY;
}

/* Attach, waiting as --wait (or --demo) says.  A segment still being
 * created (not ready, empty) is retried for a moment even without --wait.
 * With a screen (ui not NULL) the wait is shown there and q ends it: then
 * *quit is set. */
slab_shm_error st_watch_attach(st_source *src, const st_options *o, const char *name,
                             bool demo, st_ui *ui, bool *quit, slab_shm_errinfo *err)
{
    double start = st_app_now();
    double limit = o->wait ? o->wait_s : demo ? 10.0 : 0.0;
    bool told = false;
    char what[SLAB_SHM_NAME_MAX + 64];

    if (name)
        snprintf(what, sizeof(what), "segment %s", name);
    else
        snprintf(what, sizeof(what), "a segment of pid %ld", o->pid);
    *quit = false;
    for (;;) {
        slab_shm_error e = st_source_open(src, name, name ? 0 : o->pid, err);
        double waited = st_app_now() - start;
        bool creating;

        if (e == SLAB_SHM_OK || !retryable(e) || st_app_stop)
            return e;
        if (demo && !st_demo_running()) {
            if (o->command == ST_CMD_RUN)
                snprintf(err->message, sizeof(err->message),
                         "%.200s exited before publishing its segment", o->run_argv[0]);
            else
                snprintf(err->message, sizeof(err->message),
                         "the demo workload (slabload) exited before publishing its segment");
            return SLAB_SHM_ERR_NOT_FOUND;
        }
        creating = e == SLAB_SHM_ERR_NOT_READY || e == SLAB_SHM_ERR_EMPTY;
        if (!(limit < 0 || waited < limit || (creating && waited < 1.0)))
            return e;
        if (ui) {
            char banner[SLAB_SHM_NAME_MAX + 128];
            bool refresh = false;
            int key;

            snprintf(banner, sizeof(banner), "waiting for %s to appear (%.0fs)...", what, waited);
            st_ui_draw(ui, NULL, banner);
            key = st_ui_key(50);
            if (key >= 0 && !st_ui_act(ui, st_key_action(key), 0, &refresh)) {
                *quit = true;
                return e;
            }
            continue;
        }
        if (o->wait && !told && isatty(STDERR_FILENO) && !demo) {
            fprintf(stderr, "slabtop: waiting for %s...\n", what);
            told = true;
        }
        st_app_nap(0.05);
    }
}

/* The demo workload has just started: give its threads a moment (at most
 * 3 s) to publish their first records, so the first refresh shows them.
 * A segment that has ended (its image exec()ed another) is left to the
 * caller, which follows the exec. */
static void await_first_threads(st_source *src, st_snapshot *snap)
{
    slab_shm_errinfo err;
    double start = st_app_now();

    while (!st_app_stop && st_app_now() - start < 3.0 && st_demo_running()) {
        if (st_source_take(src, snap, &err) != SLAB_SHM_OK || snap->nthreads > 0 ||
            (snap->state != ST_PROC_ALIVE && snap->state != ST_PROC_STARTING))
            return;
        st_app_nap(0.05);
    }
}

/* The watched segment ended while the program slabtop started may still
 * run: wait until a new owner publishes under the same name (true) or the
 * program ends.  Then a new owner that came and went between two looks
 * is still the one to report (true); with none, the old segment's final
 * figures are (false).  An image that never publishes (a statically
 * linked program) is waited for until it ends. */
static bool await_successor(st_source *src)
{
    while (!st_app_stop && st_demo_running()) {
        if (st_source_reattach(src, false))
            return true;
        st_app_nap(0.05);
    }
    return st_source_reattach(src, true);
}

/* A refresh's wait when watching a program slabtop started: looked at
 * every 50 ms, so that when the program exec()s, the new image's segment
 * is attached to as it appears.  Attached to only at the next refresh,
 * a short-lived image would have come and gone, its segment with it.
 * Returns whether it attached to a new owner. */
static bool nap_or_follow(st_source *src, double secs)
{
    double end = st_app_now() + secs;

    while (!st_app_stop) {
        double left = end - st_app_now();

        if (left <= 0)
            return false;
        st_app_nap(left < 0.05 ? left : 0.05);
        if (slab_shm_reader_state(src->reader) != SLAB_SHM_ALIVE &&
            st_source_reattach(src, false))
            return true;
    }
    return false;
}

int st_watch_headless(const st_options *o, st_source *src, bool demo)
{
    st_model m;
    st_snapshot snap;
    slab_shm_errinfo err;
    int rc = ST_EXIT_OK;
    st_sort sort = (st_sort)st_sort_from_name(o->sort);
    bool run = o->command == ST_CMD_RUN;
    long shown = 0;

    st_model_init(&m);
    st_snapshot_init(&snap);
    if (demo)
        await_first_threads(src, &snap);
    for (long i = 0; run || o->iterations == 0 || i < o->iterations; i++) {
        slab_shm_error e;

        if (i > 0 && !run) {
            st_app_nap(o->delay_s);
        } else if (i > 0 && nap_or_follow(src, o->delay_s)) {
            st_model_reset(&m);
            i = -1;
            continue;
        }
        if (st_app_stop) {
            rc = st_app_signal_exit();
            break;
        }
        e = st_source_take(src, &snap, &err);
        if (e != SLAB_SHM_OK) {
            st_app_error(err.message);
            rc = st_exit_code(e);
            break;
        }
        if (st_app_feed(&m, &snap) != 0) {
            fprintf(stderr, "slabtop: out of memory\n");
            rc = ST_EXIT_ERROR;
            break;
        }
        if (run) {
            /* -- PROGRAM: watched until it ends; -n N shows at most N
             * refreshes, the last of them its final numbers. */
            bool ended = (snap.state != ST_PROC_ALIVE && snap.state != ST_PROC_STARTING &&
                          snap.state != ST_PROC_UNKNOWN);
            /* A program that exec()s (a wrapper script, env) replaces its
             * segment with the new image's: follow it.  The new image
             * publishes a moment after the old segment ends, so wait for
             * it while the program runs rather than report the old one. */
            if (ended && await_successor(src)) {
                st_model_reset(&m);
                i = -1;
                continue;
            }
            if (ended || o->iterations == 0 || shown < o->iterations - 1) {
                st_app_emit(o, &m.view, sort, shown++ == 0);
                if (st_app_finish_stdout(ST_EXIT_OK) != ST_EXIT_OK) {
                    rc = ST_EXIT_ERROR;
                    break;
                }
            }
            if (ended)
                break;
            continue;
        }
        st_app_emit(o, &m.view, sort, i == 0);
        if (st_app_finish_stdout(ST_EXIT_OK) != ST_EXIT_OK) {
            rc = ST_EXIT_ERROR;
            break;
        }
        if (snap.state != ST_PROC_ALIVE && snap.state != ST_PROC_STARTING &&
            snap.state != ST_PROC_UNKNOWN) {
            fputs("slabtop: the owner of ", stderr);
            st_esc_fputs(stderr, snap.name);
            fprintf(stderr, " (pid %lld) has %s\n",
                    (long long)snap.pid, snap.state == ST_PROC_EXITED ? "exited" : "died");
            rc = ST_EXIT_EXITED;
            break;
        }
    }
    st_snapshot_free(&snap);
    st_model_free(&m);
    return rc;
}

/* Watch one segment until q, a signal, or (can_go_back) Esc: then *back
 * is set and the caller shows the overview again. */
int st_watch_screen(const st_options *o, st_source *src, st_ui *ui, bool can_go_back,
                      bool *back)
{
    st_model m;
    st_snapshot snap;
    slab_shm_errinfo err;
    char banner[320] = "";
    bool have_view = false;
    double next = 0;
    int rc = ST_EXIT_OK;

    (void)o;
    *back = false;
    ui->help = false;
    ui->scroll = 0;
    st_model_init(&m);
    st_snapshot_init(&snap);

    for (;;) {
        bool refresh = false;
        double t = st_app_now();
        int key, wait_ms;

        if (st_app_stop) {
            rc = st_app_signal_exit();
            break;
        }
        /* An ended owner's successor (an exec()ed image, a restarted
         * service) is looked for at every turn, not only at refreshes. */
        if (have_view && (snap.state == ST_PROC_EXITED || snap.state == ST_PROC_STALE) &&
            !ui->paused && st_source_reattach(src, false)) {
            st_model_reset(&m);
            snprintf(ui->message, sizeof(ui->message),
                     "re-attached to %s: a new owner appeared", src->name);
            next = 0;
        }
        if (t >= next && (!ui->paused || !have_view)) {
            slab_shm_error e = st_source_take(src, &snap, &err);

            if (e != SLAB_SHM_OK) {
                snprintf(banner, sizeof(banner), "%s", err.message);
            } else if (st_app_feed(&m, &snap) != 0) {
                snprintf(banner, sizeof(banner), "out of memory");
            } else {
                have_view = true;
                banner[0] = '\0';
                if (snap.state == ST_PROC_EXITED || snap.state == ST_PROC_STALE) {
                    snprintf(banner, sizeof(banner), "owner pid %lld %s; final numbers shown%s",
                             (long long)snap.pid,
                             snap.state == ST_PROC_EXITED ? "exited" : "died",
                             src->name[0] ? "; waiting for a new owner" : "");
                    if (st_source_reattach(src, false)) {
                        st_model_reset(&m);
                        snprintf(ui->message, sizeof(ui->message),
                                 "re-attached to %s: a new owner appeared", src->name);
                        next = 0;
                        continue;
                    }
                }
            }
            next = t + ui->delay_s;
        }
        st_ui_draw(ui, have_view ? &m.view : NULL, banner[0] ? banner : NULL);

        wait_ms = (int)((next - st_app_now()) * 1000);
        if (ui->paused && have_view)
            wait_ms = 200;
        if (wait_ms > 200)
            wait_ms = 200;          /* notice signals promptly */
        if (wait_ms < 1)
            wait_ms = 1;
        key = st_ui_key(wait_ms);
        if (key == ST_UI_NOKEY || key == ST_UI_RESIZE)
            continue;           /* a resize: the next draw fits the new size */
        if (st_key_action(key) == ST_ACT_BACK && !ui->help) {
            if (!can_go_back)
                continue;
            *back = true;
            break;
        }
        if (!st_ui_act(ui, st_key_action(key), m.view.nrows, &refresh))
            break;
        if (refresh)
            next = 0;
    }
    st_snapshot_free(&snap);
    st_model_free(&m);
    return rc;
}
