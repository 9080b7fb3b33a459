/*
 * replay.c - slabtop --replay FILE: a --json recording, on the screen or
 * through the headless outputs.
 */
#include "config.h"
#include "app.h"

#include <stdio.h>
#include <string.h>

#include "esc.h"
#include "keys.h"
#include "record.h"

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
    for (size_t i = 0; i < last && !st_app_stop; i++) {
        if (st_app_feed(&m, &r->snaps[i]) != 0) {
            fprintf(stderr, "slabtop: out of memory\n");
            rc = ST_EXIT_ERROR;
            break;
        }
        if (i < first)
            continue;
        st_app_emit(o, &m.view, sort, i == first);
        if (st_app_finish_stdout(ST_EXIT_OK) != ST_EXIT_OK) {
            rc = ST_EXIT_ERROR;
            break;
        }
    }
    st_model_free(&m);
    return st_app_stop ? st_app_signal_exit() : rc;
}

/* Feed refreshes 0..idx to a fresh model: the view at idx, with the
 * history that led to it. */
static int replay_seek(st_model *m, const st_recording *r, size_t idx)
{
    st_model_free(m);
    st_model_init(m);
    for (size_t i = 0; i <= idx; i++)
        if (st_app_feed(m, &r->snaps[i]) != 0)
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
    ui->replay = true;
    st_model_init(&m);
    if (replay_seek(&m, r, 0) != 0) {
        st_model_free(&m);
        return ST_EXIT_ERROR;
    }
    next = st_app_now();
    for (;;) {
        double t = st_app_now();
        bool refresh = false;
        int key, wait_ms;
        st_action a;

        if (st_app_stop) {
            rc = st_app_signal_exit();
            break;
        }
        if (!ui->paused && idx + 1 < r->n && t >= next) {
            uint64_t gap = r->snaps[idx + 1].mono_ns > r->snaps[idx].mono_ns
                           ? r->snaps[idx + 1].mono_ns - r->snaps[idx].mono_ns : 0;
            double wait = (double)gap / 1e9 / speed;

            if (st_app_feed(&m, &r->snaps[++idx]) != 0)
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
        wait_ms = (int)((next - st_app_now()) * 1000);
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
            if (idx + 1 < r->n && st_app_feed(&m, &r->snaps[++idx]) != 0)
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
            next = st_app_now();
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
                next = st_app_now();
            break;
        }
    }
out:
    st_model_free(&m);
    return rc;
}

int st_replay_run(const st_options *o, st_ui *ui)
{
    st_recording r;
    char err[256];
    int rc;

    if (st_recording_load(o->replay, &r, err, sizeof(err)) != 0) {
        st_ui_end();
        st_app_error(err);
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
