/*
 * main.c - slabtop: attach to a libslab process and show what its
 * allocation sampler measures, on a curses screen or headless.  The
 * command line is read by cli.c; each mode lives in a file of its own
 * (app.h lists them).
 */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app.h"
#include "demo.h"
#include "esc.h"
#include "exporter.h"
#include "scan.h"

/* slabtop -- PROGRAM: the program's end, and its exit status as
 * slabtop's.  One that still runs when the watch ends early (q, a
 * signal, an error) is stopped; otherwise it is given a moment to finish
 * exiting (its segment says it exited just before it does). */
static int run_end(const st_options *o, bool early, int rc, const char *out_path)
{
    for (int i = 0; i < 250 && !early && !st_app_stop && st_demo_running(); i++)
        st_app_nap(0.02);
    if (st_demo_running()) {
        fputs("slabtop: stopping ", stderr);
        st_esc_fputs(stderr, o->run_argv[0]);
        fputc('\n', stderr);
        st_demo_stop();
    }
    int status = st_demo_status();

    fputs("slabtop: ", stderr);
    st_esc_fputs(stderr, o->run_argv[0]);
    if (status > 128)
        fprintf(stderr, " was killed by signal %d", status - 128);
    else
        fprintf(stderr, " exited with status %d", status);
    if (!o->discard_output) {
        fputs("; its output is in ", stderr);
        st_esc_fputs(stderr, out_path);
    }
    fputc('\n', stderr);
    return status >= 0 ? status : rc;
}

int main(int argc, char **argv)
{
    st_options o;
    st_source src;
    slab_shm_errinfo err;
    slab_shm_error e;
    char demo_name[SLAB_SHM_NAME_MAX + 1], out_path[PATH_MAX];
    const char *name;
    st_ui ui;
    bool quit = false;
    int rc;

    if (st_cli_parse(argc, argv, isatty(STDOUT_FILENO), &o, stderr) != 0)
        return ST_EXIT_USAGE;

    switch (o.command) {
    case ST_CMD_HELP:
        st_cli_help(stdout, argv[0]);
        return st_app_finish_stdout(ST_EXIT_OK);
    case ST_CMD_VERSION:
        printf("slabtop (%s) %s\n", PACKAGE_NAME, PACKAGE_VERSION);
        return st_app_finish_stdout(ST_EXIT_OK);
    case ST_CMD_LIST:
        return st_listing_list(&o);
    case ST_CMD_GC:
        return st_listing_gc();
    case ST_CMD_LISTEN:
        st_app_install_signals();
        return st_exporter_run(o.listen, &st_app_stop);
    default:
        break;
    }

    st_app_install_signals();
    atexit(st_ui_end);
    name = o.name;
    if (o.command == ST_CMD_DEMO) {
        if (st_demo_start(demo_name, sizeof(demo_name)) != 0)
            return ST_EXIT_ERROR;
        name = demo_name;
    }
    if (o.command == ST_CMD_RUN) {
        if (st_demo_run(o.run_argv, o.discard_output, demo_name, sizeof(demo_name),
                        out_path, sizeof(out_path)) != 0)
            return st_demo_status() >= 0 ? st_demo_status() : ST_EXIT_ERROR;
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
        return st_replay_run(&o, &ui);

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
            rc = st_overview_run(&o, &ui);
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
    bool child = o.command == ST_CMD_DEMO || o.command == ST_CMD_RUN;
    e = st_watch_attach(&src, &o, name, child,
               o.output == ST_OUT_SCREEN ? &ui : NULL, &quit, &err);
    if (e != SLAB_SHM_OK) {
        st_ui_end();
        if (o.command == ST_CMD_RUN) {
            if (!quit && !st_app_stop)
                st_app_error(err.message[0] ? err.message : slab_shm_strerror(e));
            return run_end(&o, quit || st_app_stop || st_demo_running(), st_exit_code(e),
                           out_path);
        }
        st_demo_stop();
        if (st_app_stop)
            return st_app_signal_exit();
        if (quit)
            return ST_EXIT_OK;
        st_app_error(err.message[0] ? err.message : slab_shm_strerror(e));
        return st_exit_code(e);
    }

    if (o.output == ST_OUT_SCREEN) {
        bool back = false;

        /* The only live process, found without a NAME: Esc goes on to the
         * overview of every process. */
        rc = st_watch_screen(&o, &src, &ui, o.command == ST_CMD_AUTO, &back);
        st_source_close(&src);
        if (back)
            rc = st_overview_run(&o, &ui);
        st_ui_end();
        if (o.command == ST_CMD_RUN)
            return run_end(&o, true, rc, out_path);
        st_demo_stop();
        return rc;
    } else
        rc = st_watch_headless(&o, &src, child);
    st_source_close(&src);
    if (o.command == ST_CMD_RUN)
        return run_end(&o, rc != ST_EXIT_OK, rc, out_path);
    st_demo_stop();
    return rc;
}
