/*
 * app.c - what slabtop's modes share: the signal that stops them, time and
 * naps, error messages, stdout's exit status, feeding the model, and the
 * headless outputs.
 */
#include "config.h"
#include "app.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "esc.h"
#include "output.h"

volatile sig_atomic_t st_app_stop;

static void on_signal(int sig)
{
    st_app_stop = sig;
}

void st_app_install_signals(void)
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

double st_app_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Sleep up to s seconds; returns early on a signal. */
void st_app_nap(double s)
{
    double end = st_app_now() + s;

    while (!st_app_stop) {
        double left = end - st_app_now();
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

int st_app_signal_exit(void)
{
    return 128 + st_app_stop;
}

/* An error message: library messages quote names and paths, so they are
 * escaped like every other text that reaches a terminal. */
void st_app_error(const char *msg)
{
    fputs("slabtop: ", stderr);
    st_esc_fputs(stderr, msg);
    fputc('\n', stderr);
}

/* Flush stdout and report a write error (a full disk, /dev/full, a closed
 * descriptor): the exit status of a command whose output was lost is 1,
 * with a message. */
int st_app_finish_stdout(int rc)
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

/* Feed a snapshot to the model.  A segment whose owner has gone keeps the
 * last interval's figures: its numbers no longer move. */
int st_app_feed(st_model *m, const st_snapshot *snap)
{
    if (snap->state != ST_PROC_ALIVE && m->have_prev && snap->mono_ns == m->prev.mono_ns
        && snap->pid == m->prev.pid) {
        m->prev.state = snap->state;
        return 0;
    }
    return st_model_update(m, snap);
}

/* One refresh on stdout, in the headless output o asks for; first: the
 * first one written (text output separates refreshes by a blank line). */
void st_app_emit(const st_options *o, st_view *v, st_sort sort, bool first)
{
    switch (o->output) {
    case ST_OUT_JSON:
        st_output_json(stdout, v, sort, false);
        break;
    case ST_OUT_OPENMETRICS:
        st_output_openmetrics(stdout, v);
        break;
    default:
        if (!first)
            fputc('\n', stdout);
        st_output_text(stdout, v, sort, false);
        break;
    }
}
