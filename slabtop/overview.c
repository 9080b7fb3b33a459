/*
 * overview.c - slabtop without a NAME on a screen: every readable segment,
 * one row each; Enter watches one, Esc comes back.
 */
#include "config.h"
#include "app.h"

#include <stdio.h>
#include <string.h>

#include "esc.h"
#include "keys.h"
#include "scan.h"

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
int st_overview_run(const st_options *o, st_ui *ui)
{
    st_scan sc;
    double next = 0;
    int rc = ST_EXIT_OK;
    char banner[160] = "";

    st_scan_init(&sc);
    for (;;) {
        double t = st_app_now();
        int key, wait_ms;
        st_action a;

        if (st_app_stop) {
            rc = st_app_signal_exit();
            break;
        }
        if (t >= next && !ui->paused) {
            rescan(&sc, ui, banner, sizeof(banner));
            next = t + ui->delay_s;
        }
        st_ui_draw_overview(ui, &sc, banner[0] ? banner : NULL);
        wait_ms = (int)((next - st_app_now()) * 1000);
        if (wait_ms > 200 || ui->paused)
            wait_ms = 200;
        if (wait_ms < 1)
            wait_ms = 1;
        key = st_ui_key(wait_ms);
        if (key == ST_UI_NOKEY || key == ST_UI_RESIZE)
            continue;
        a = st_key_action(key);
        ui->message[0] = '\0';
        if (ui->help) {         /* any key returns, as the help says */
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
            rc = st_watch_screen(o, &src, ui, true, &back);
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
