/*
 * main.c - slabtop: attach to a libslab process and show what its
 * allocation sampler measures, on a curses screen or headless.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "demo.h"
#include "esc.h"
#include "exporter.h"
#include "model.h"
#include "output.h"
#include "record.h"
#include "scan.h"
#include "slab_shm.h"
#include "slabtop.h"
#include "source.h"
#include "ui.h"

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
    stop_signal = sig;
}

static void install_signals(void)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;            /* no SA_RESTART: waits return early */
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    sigaction(SIGQUIT, &sa, NULL);
}

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Sleep up to s seconds; returns early on a signal. */
static void nap(double s)
{
    double end = now_s() + s;

    while (!stop_signal) {
        double left = end - now_s();
        struct timespec ts;

        if (left <= 0)
            break;
        if (left > 0.1)
            left = 0.1;
        ts.tv_sec = 0;
        ts.tv_nsec = (long)(left * 1e9);
        nanosleep(&ts, NULL);
    }
}

static int signal_exit(void)
{
    return 128 + stop_signal;
}

/* An error message: library messages quote names and paths, so they are
 * escaped like every other text that reaches a terminal. */
static void print_error(const char *msg)
{
    fputs("slabtop: ", stderr);
    st_esc_fputs(stderr, msg);
    fputc('\n', stderr);
}

/* Flush stdout and report a write error (a full disk, /dev/full, a closed
 * descriptor): the exit status of a command whose output was lost is 1,
 * with a message. */
static int finish_stdout(int rc)
{
    errno = 0;
    if (fflush(stdout) != 0 || ferror(stdout)) {
        int e = errno;
        fprintf(stderr, "slabtop: cannot write the output: %s\n",
                e ? strerror(e) : "write error");
        return ST_EXIT_ERROR;
    }
    return rc;
}

/* ----------------------------------------------------------- list, gc */

static int do_list(const st_options *o)
{
    slab_shm_entry *e = NULL;
    size_t n = 0;
    slab_shm_errinfo err;
    slab_shm_error rc = slab_shm_list(&e, &n, &err);

    if (rc != SLAB_SHM_OK) {
        print_error(err.message);
        return ST_EXIT_ERROR;
    }
    if (o->output == ST_OUT_JSON) {
        printf("{\"schema_version\":%d,\"segments\":[", ST_JSON_SCHEMA_VERSION);
        for (size_t i = 0; i < n; i++) {
            printf(i ? ",{\"name\":" : "{\"name\":");
            st_json_string(stdout, e[i].name);
            printf(",\"pid\":%ld,\"command\":", (long)e[i].pid);
            st_json_string(stdout, e[i].comm);
            printf(",\"state\":\"%s\",\"abi\":", slab_shm_state_name(e[i].state));
            if (e[i].abi_major)
                printf("\"%u.%u\"", e[i].abi_major, e[i].abi_minor);
            else
                printf("null");
            printf(",\"uid\":%u,\"size\":%llu,\"age_s\":", e[i].uid,
                   (unsigned long long)e[i].size);
            st_json_number(stdout, (double)e[i].age_ns / 1e9);
            printf(",\"error\":");
            if (e[i].error == SLAB_SHM_OK)
                printf("null}");
            else {
                st_json_string(stdout, slab_shm_strerror(e[i].error));
                printf("}");
            }
        }
        printf("]}\n");
    } else {
        printf("%-24s %8s %-16s %-16s %-5s %6s\n", "NAME", "PID", "COMMAND", "STATE", "ABI", "AGE");
        for (size_t i = 0; i < n; i++) {
            char abi[16], age[32];
            double a = (double)e[i].age_ns / 1e9;

            if (e[i].abi_major)
                snprintf(abi, sizeof(abi), "%u.%u", e[i].abi_major, e[i].abi_minor);
            else
                snprintf(abi, sizeof(abi), "-");
            if (a < 120)
                snprintf(age, sizeof(age), "%.0fs", a);
            else if (a < 7200)
                snprintf(age, sizeof(age), "%.0fm", a / 60);
            else if (a < 172800)
                snprintf(age, sizeof(age), "%.0fh", a / 3600);
            else
                snprintf(age, sizeof(age), "%.0fd", a / 86400);
            char name[4 * 24 + 1], comm[4 * 16 + 1];

            /* Names longer than the column are shown whole (scripts read
             * them); only the command is cut, at a character boundary. */
            if (st_esc(name, sizeof(name), e[i].name, -1, false, 0) < 24)
                st_esc(name, sizeof(name), e[i].name, 24, true, 0);
            st_esc(comm, sizeof(comm), e[i].comm[0] ? e[i].comm : "-", 16, true, 0);
            printf("%s %8ld %s %-16s %-5s %6s\n", name, (long)e[i].pid, comm,
                   slab_shm_state_name(e[i].state), abi, age);
        }
    }
    slab_shm_list_free(e);
    return finish_stdout(ST_EXIT_OK);
}

static int do_gc(void)
{
    unsigned removed = 0;
    slab_shm_errinfo err;

    if (slab_shm_gc(&removed, &err) != SLAB_SHM_OK) {
        print_error(err.message);
        return ST_EXIT_ERROR;
    }
    printf("removed %u segment%s of dead owners\n", removed, removed == 1 ? "" : "s");
    return finish_stdout(ST_EXIT_OK);
}

/* -------------------------------------------------------------- attach */

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
static slab_shm_error attach(st_source *src, const st_options *o, const char *name,
                             bool demo, st_ui *ui, bool *quit, slab_shm_errinfo *err)
{
    double start = now_s();
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
        double waited = now_s() - start;
        bool creating;

        if (e == SLAB_SHM_OK || !retryable(e) || stop_signal)
            return e;
        if (demo && !st_demo_running()) {
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
        nap(0.05);
    }
}

/* Feed a snapshot to the model.  A segment whose owner has gone keeps the
 * last interval's figures: its numbers no longer move. */
static int feed(st_model *m, const st_snapshot *snap)
{
    if (snap->state != ST_PROC_ALIVE && m->have_prev && snap->mono_ns == m->prev.mono_ns
        && snap->pid == m->prev.pid) {
        m->prev.state = snap->state;
        return 0;
    }
    return st_model_update(m, snap);
}

/* ------------------------------------------------------------ headless */

/* The demo workload has just started: give its threads a moment (at most
 * 3 s) to publish their first records, so the first refresh shows them. */
static void await_first_threads(st_source *src, st_snapshot *snap)
{
    slab_shm_errinfo err;
    double start = now_s();

    while (!stop_signal && now_s() - start < 3.0 && st_demo_running()) {
        if (st_source_take(src, snap, &err) != SLAB_SHM_OK || snap->nthreads > 0)
            return;
        nap(0.05);
    }
}

static int run_headless(const st_options *o, st_source *src, bool demo)
{
    st_model m;
    st_snapshot snap;
    slab_shm_errinfo err;
    int rc = ST_EXIT_OK;
    st_sort sort = (st_sort)st_sort_from_name(o->sort);

    st_model_init(&m);
    st_snapshot_init(&snap);
    if (demo)
        await_first_threads(src, &snap);
    for (long i = 0; o->iterations == 0 || i < o->iterations; i++) {
        slab_shm_error e;

        if (i > 0)
            nap(o->delay_s);
        if (stop_signal) {
            rc = signal_exit();
            break;
        }
        e = st_source_take(src, &snap, &err);
        if (e != SLAB_SHM_OK) {
            print_error(err.message);
            rc = st_exit_code(e);
            break;
        }
        if (feed(&m, &snap) != 0) {
            fprintf(stderr, "slabtop: out of memory\n");
            rc = ST_EXIT_ERROR;
            break;
        }
        switch (o->output) {
        case ST_OUT_JSON:
            st_output_json(stdout, &m.view, sort, false);
            break;
        case ST_OUT_OPENMETRICS:
            st_output_openmetrics(stdout, &m.view);
            break;
        default:
            if (i > 0)
                fputc('\n', stdout);
            st_output_text(stdout, &m.view, sort, false);
            break;
        }
        if (finish_stdout(ST_EXIT_OK) != ST_EXIT_OK) {
            rc = ST_EXIT_ERROR;
            break;
        }
        if (snap.state != ST_PROC_ALIVE && snap.state != ST_PROC_STARTING) {
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

/* -------------------------------------------------------------- screen */

/* Watch one segment until q, a signal, or (can_go_back) Esc: then *back
 * is set and the caller shows the overview again. */
static int run_screen(const st_options *o, st_source *src, st_ui *ui, bool can_go_back,
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
        double t = now_s();
        int key, wait_ms;

        if (stop_signal) {
            rc = signal_exit();
            break;
        }
        if (t >= next && (!ui->paused || !have_view)) {
            slab_shm_error e = st_source_take(src, &snap, &err);

            if (e != SLAB_SHM_OK) {
                snprintf(banner, sizeof(banner), "%s", err.message);
            } else if (feed(&m, &snap) != 0) {
                snprintf(banner, sizeof(banner), "out of memory");
            } else {
                have_view = true;
                banner[0] = '\0';
                if (snap.state == ST_PROC_EXITED || snap.state == ST_PROC_STALE) {
                    snprintf(banner, sizeof(banner), "owner pid %lld %s; final numbers shown%s",
                             (long long)snap.pid,
                             snap.state == ST_PROC_EXITED ? "exited" : "died",
                             src->name[0] ? "; waiting for a new owner" : "");
                    if (st_source_reattach(src)) {
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

        wait_ms = (int)((next - now_s()) * 1000);
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

/* ------------------------------------------------------------ overview */

/* Re-read (banner NULL: only re-sort) the overview's rows; the selection
 * follows its process, not its row number. */
static void rescan(st_scan *sc, st_ui *ui, char *banner, size_t banner_size)
{
    char sel[ST_NAME_MAX] = "";
    int64_t sel_pid = 0;

    if (ui->ov_sel >= 0 && (size_t)ui->ov_sel < sc->n) {
        snprintf(sel, sizeof(sel), "%s", sc->e[ui->ov_sel].snap.name);
        sel_pid = sc->e[ui->ov_sel].snap.pid;
    }
    if (banner) {
        if (st_scan_take(sc) != 0)
            snprintf(banner, banner_size, "cannot list the segments in /dev/shm");
        else
            banner[0] = '\0';
    }
    st_scan_sort_by(sc, ui->ov_sort, ui->ov_reverse);
    for (size_t i = 0; sel[0] && i < sc->n; i++)
        if (sc->e[i].snap.pid == sel_pid && strcmp(sc->e[i].snap.name, sel) == 0)
            ui->ov_sel = (int)i;
}

/* Every readable segment, one row each; Enter watches the selected one,
 * Esc in there comes back.  Runs until q or a signal. */
static int run_overview(const st_options *o, st_ui *ui)
{
    st_scan sc;
    double next = 0;
    int rc = ST_EXIT_OK;
    char banner[160] = "";

    st_scan_init(&sc);
    for (;;) {
        double t = now_s();
        int key, wait_ms;
        st_action a;

        if (stop_signal) {
            rc = signal_exit();
            break;
        }
        if (t >= next && !ui->paused) {
            rescan(&sc, ui, banner, sizeof(banner));
            next = t + ui->delay_s;
        }
        st_ui_draw_overview(ui, &sc, banner[0] ? banner : NULL);
        wait_ms = (int)((next - now_s()) * 1000);
        if (wait_ms > 200 || ui->paused)
            wait_ms = 200;
        if (wait_ms < 1)
            wait_ms = 1;
        key = st_ui_key(wait_ms);
        if (key == ST_UI_NOKEY || key == ST_UI_RESIZE)
            continue;
        a = st_key_action(key);
        ui->message[0] = '\0';
        if (ui->help) {
            if (a == ST_ACT_QUIT)
                break;
            ui->help = false;
            continue;
        }
        switch (a) {
        case ST_ACT_QUIT:
            st_scan_free(&sc);
            return rc;
        case ST_ACT_ENTER: {
            st_source src;
            slab_shm_errinfo err;
            bool back = false;
            char name[SLAB_SHM_NAME_MAX + 1];

            if (sc.n == 0)
                break;
            snprintf(name, sizeof(name), "%s", sc.e[ui->ov_sel].snap.name);
            if (st_source_open(&src, name, 0, &err) != SLAB_SHM_OK) {
                st_esc(ui->message, sizeof(ui->message), err.message, -1, false, 0);
                next = 0;
                break;
            }
            rc = run_screen(o, &src, ui, true, &back);
            st_source_close(&src);
            if (!back) {
                st_scan_free(&sc);
                return rc;
            }
            ui->scroll = 0;
            next = 0;       /* a fresh scan on the way back */
            break;
        }
        case ST_ACT_UP:        ui->ov_sel--; break;
        case ST_ACT_DOWN:      ui->ov_sel++; break;
        case ST_ACT_PAGE_UP:   ui->ov_sel -= ui->page; break;
        case ST_ACT_PAGE_DOWN: ui->ov_sel += ui->page; break;
        case ST_ACT_HOME:      ui->ov_sel = 0; break;
        case ST_ACT_END:       ui->ov_sel = (int)sc.n - 1; break;
        case ST_ACT_SORT_NEXT:
        case ST_ACT_SORT_RIGHT:
            ui->ov_sort = (st_scan_sort)((ui->ov_sort + 1) % ST_SCAN_SORT_COUNT);
            rescan(&sc, ui, NULL, 0);
            break;
        case ST_ACT_SORT_LEFT:
            ui->ov_sort = (st_scan_sort)((ui->ov_sort + ST_SCAN_SORT_COUNT - 1) % ST_SCAN_SORT_COUNT);
            rescan(&sc, ui, NULL, 0);
            break;
        case ST_ACT_SORT_REVERSE:
            ui->ov_reverse = !ui->ov_reverse;
            rescan(&sc, ui, NULL, 0);
            break;
        case ST_ACT_TABLE:
        case ST_ACT_BACK:
            break;
        default: {
            bool refresh = false;

            /* help, pause, delay, colour, refresh: as on the other screen */
            st_ui_act(ui, a, 0, &refresh);
            if (refresh)
                next = 0;
            break;
        }
        }
        if (ui->ov_sel >= (int)sc.n)
            ui->ov_sel = (int)sc.n - 1;
        if (ui->ov_sel < 0)
            ui->ov_sel = 0;
    }
    st_scan_free(&sc);
    return rc;
}

/* -------------------------------------------------------------- replay */

static void replay_note(const char *path, const st_recording *r)
{
    if (r->cut) {
        fputs("slabtop: ", stderr);
        st_esc_fputs(stderr, path);
        fprintf(stderr, " ends in the middle of a line (the recording was cut): replaying "
                "its %zu complete refreshes\n", r->n);
    }
    if (r->skipped) {
        fputs("slabtop: ", stderr);
        st_esc_fputs(stderr, path);
        fprintf(stderr, ": %zu line%s skipped, the first (line %zu): %s\n", r->skipped,
                r->skipped == 1 ? "" : "s", r->first_bad_line, r->first_bad);
    }
}

/* The headless outputs of a recording: every refresh (or -n N, or with
 * --once the last), as fast as they can be written. */
static int replay_headless(const st_options *o, const st_recording *r)
{
    st_model m;
    st_sort sort = (st_sort)st_sort_from_name(o->sort);
    size_t first = 0, last = r->n;
    int rc = ST_EXIT_OK;

    if (o->once)
        first = r->n - 1;
    else if (o->iterations > 0 && (size_t)o->iterations < r->n)
        last = (size_t)o->iterations;
    st_model_init(&m);
    for (size_t i = 0; i < last && !stop_signal; i++) {
        if (feed(&m, &r->snaps[i]) != 0) {
            fprintf(stderr, "slabtop: out of memory\n");
            rc = ST_EXIT_ERROR;
            break;
        }
        if (i < first)
            continue;
        switch (o->output) {
        case ST_OUT_JSON:
            st_output_json(stdout, &m.view, sort, false);
            break;
        case ST_OUT_OPENMETRICS:
            st_output_openmetrics(stdout, &m.view);
            break;
        default:
            if (i > first)
                fputc('\n', stdout);
            st_output_text(stdout, &m.view, sort, false);
            break;
        }
        if (finish_stdout(ST_EXIT_OK) != ST_EXIT_OK) {
            rc = ST_EXIT_ERROR;
            break;
        }
    }
    st_model_free(&m);
    return stop_signal ? signal_exit() : rc;
}

/* Feed refreshes 0..idx to a fresh model: the view at idx, with the
 * history that led to it. */
static int replay_seek(st_model *m, const st_recording *r, size_t idx)
{
    st_model_free(m);
    st_model_init(m);
    for (size_t i = 0; i <= idx; i++)
        if (feed(m, &r->snaps[i]) != 0)
            return -1;
    return 0;
}

/* A recording on the screen: played at its own pace (the writer's clock
 * between refreshes) times the speed; p pauses, Left/Right step, + and -
 * change the speed. */
static int replay_screen(const char *path, const st_recording *r, st_ui *ui)
{
    st_model m;
    size_t idx = 0;
    double speed = 1.0, next;
    char banner[320], file[4 * 48 + 1];
    int rc = ST_EXIT_OK;

    st_esc(file, sizeof(file), strrchr(path, '/') ? strrchr(path, '/') + 1 : path, 48, false, 0);
    st_model_init(&m);
    if (replay_seek(&m, r, 0) != 0) {
        st_model_free(&m);
        return ST_EXIT_ERROR;
    }
    next = now_s();
    for (;;) {
        double t = now_s();
        bool refresh = false;
        int key, wait_ms;
        st_action a;

        if (stop_signal) {
            rc = signal_exit();
            break;
        }
        if (!ui->paused && idx + 1 < r->n && t >= next) {
            uint64_t gap = r->snaps[idx + 1].mono_ns > r->snaps[idx].mono_ns
                           ? r->snaps[idx + 1].mono_ns - r->snaps[idx].mono_ns : 0;
            double wait = (double)gap / 1e9 / speed;

            if (feed(&m, &r->snaps[++idx]) != 0)
                break;
            if (wait < 0.02)
                wait = 0.02;
            if (wait > 10)
                wait = 10;
            next = t + wait;
        }
        snprintf(banner, sizeof(banner), "replay %s  %zu/%zu  speed %gx%s%s", file, idx + 1,
                 r->n, speed, idx + 1 == r->n ? "  (end)" : "",
                 r->cut ? "  (recording cut: last partial line ignored)" : "");
        st_ui_draw(ui, &m.view, banner);
        wait_ms = (int)((next - now_s()) * 1000);
        if (wait_ms > 200 || ui->paused || idx + 1 == r->n)
            wait_ms = 200;
        if (wait_ms < 1)
            wait_ms = 1;
        key = st_ui_key(wait_ms);
        if (key == ST_UI_NOKEY || key == ST_UI_RESIZE)
            continue;
        a = st_key_action(key);
        if (ui->help) {
            if (!st_ui_act(ui, a, m.view.nrows, &refresh))
                break;
            continue;
        }
        switch (a) {
        case ST_ACT_STEP_FWD:
            ui->paused = true;
            if (idx + 1 < r->n && feed(&m, &r->snaps[++idx]) != 0)
                goto out;
            break;
        case ST_ACT_STEP_BACK:
            ui->paused = true;
            if (idx > 0 && replay_seek(&m, r, --idx) != 0)
                goto out;
            break;
        case ST_ACT_FASTER:
            if (speed < 64)
                speed *= 2;
            next = now_s();
            break;
        case ST_ACT_SLOWER:
            if (speed > 0.125)
                speed /= 2;
            break;
        case ST_ACT_BACK:
        case ST_ACT_ENTER:
            break;
        default:
            if (!st_ui_act(ui, a, m.view.nrows, &refresh))
                goto out;
            if (!ui->paused)
                next = now_s();
            break;
        }
    }
out:
    st_model_free(&m);
    return rc;
}

static int do_replay(const st_options *o, st_ui *ui)
{
    st_recording r;
    char err[256];
    int rc;

    if (st_recording_load(o->replay, &r, err, sizeof(err)) != 0) {
        st_ui_end();
        print_error(err);
        return ST_EXIT_NOT_FOUND;
    }
    if (o->output == ST_OUT_SCREEN) {
        rc = replay_screen(o->replay, &r, ui);
        st_ui_end();
        replay_note(o->replay, &r);
    } else {
        replay_note(o->replay, &r);
        rc = replay_headless(o, &r);
    }
    st_recording_free(&r);
    return rc;
}

/* ---------------------------------------------------------------- main */

int main(int argc, char **argv)
{
    st_options o;
    st_source src;
    slab_shm_errinfo err;
    slab_shm_error e;
    char demo_name[SLAB_SHM_NAME_MAX + 1];
    const char *name;
    st_ui ui;
    bool quit = false;
    int rc;

    if (st_cli_parse(argc, argv, isatty(STDOUT_FILENO), &o, stderr) != 0)
        return ST_EXIT_USAGE;

    switch (o.command) {
    case ST_CMD_HELP:
        st_cli_help(stdout, argv[0]);
        return finish_stdout(ST_EXIT_OK);
    case ST_CMD_VERSION:
        printf("slabtop (%s) %s\n", PACKAGE_NAME, PACKAGE_VERSION);
        return finish_stdout(ST_EXIT_OK);
    case ST_CMD_LIST:
        return do_list(&o);
    case ST_CMD_GC:
        return do_gc();
    case ST_CMD_LISTEN:
        install_signals();
        return st_exporter_run(o.listen, &stop_signal);
    default:
        break;
    }

    install_signals();
    atexit(st_ui_end);
    name = o.name;
    if (o.command == ST_CMD_DEMO) {
        if (st_demo_start(demo_name, sizeof(demo_name)) != 0)
            return ST_EXIT_ERROR;
        name = demo_name;
    }

    if (o.output == ST_OUT_SCREEN) {
        memset(&ui, 0, sizeof(ui));
        ui.sort = (st_sort)st_sort_from_name(o.sort);
        ui.delay_s = o.delay_s;
        if (st_ui_begin(&ui, o.no_color || (getenv("NO_COLOR") && getenv("NO_COLOR")[0])) != 0) {
            st_demo_stop();
            return ST_EXIT_ERROR;
        }
    }

    if (o.command == ST_CMD_REPLAY)
        return do_replay(&o, &ui);

    if (o.command == ST_CMD_AUTO) {
        /* No NAME: the only live process, or (on a screen) the overview. */
        static char only[SLAB_SHM_NAME_MAX + 1];
        st_scan sc;
        size_t live, idx = 0;

        st_scan_init(&sc);
        st_scan_take(&sc);
        live = st_scan_live(&sc, &idx);
        if (live == 1)
            snprintf(only, sizeof(only), "%s", sc.e[idx].snap.name);
        st_scan_free(&sc);
        if (live == 1) {
            name = only;
        } else if (o.output == ST_OUT_SCREEN) {
            rc = run_overview(&o, &ui);
            st_ui_end();
            return rc;
        } else if (live == 0) {
            fprintf(stderr, "slabtop: no live libslab process on this host; start one, "
                    "or see slabtop --list\n");
            return ST_EXIT_NOT_FOUND;
        } else {
            fprintf(stderr, "slabtop: %zu live libslab processes: which one? give a NAME "
                    "or --pid PID (slabtop --list shows them)\n"
                    "Try 'slabtop --help' for more information.\n", live);
            return ST_EXIT_USAGE;
        }
    }

    memset(&err, 0, sizeof(err));
    e = attach(&src, &o, name, o.command == ST_CMD_DEMO,
               o.output == ST_OUT_SCREEN ? &ui : NULL, &quit, &err);
    if (e != SLAB_SHM_OK) {
        st_ui_end();
        st_demo_stop();
        if (stop_signal)
            return signal_exit();
        if (quit)
            return ST_EXIT_OK;
        print_error(err.message[0] ? err.message : slab_shm_strerror(e));
        return st_exit_code(e);
    }

    if (o.output == ST_OUT_SCREEN) {
        bool back = false;

        /* The only live process, found without a NAME: Esc goes on to the
         * overview of every process. */
        rc = run_screen(&o, &src, &ui, o.command == ST_CMD_AUTO, &back);
        st_source_close(&src);
        if (back)
            rc = run_overview(&o, &ui);
        st_ui_end();
        st_demo_stop();
        return rc;
    } else
        rc = run_headless(&o, &src, o.command == ST_CMD_DEMO);
    st_source_close(&src);
    st_demo_stop();
    return rc;
}
