/*
 * cli.h - slabtop's command line.
 *
 * One table describes every option: getopt_long's array and the --help text
 * are both built from it, so they cannot disagree.
 */
#ifndef SLABTOP_CLI_H
#define SLABTOP_CLI_H

#include <stdbool.h>
#include <stdio.h>

typedef enum st_output {
    ST_OUT_SCREEN = 0,          /* the curses monitor */
    ST_OUT_TEXT,                /* plain text, one block per refresh */
    ST_OUT_JSON,                /* one JSON object per line per refresh */
    ST_OUT_OPENMETRICS          /* OpenMetrics text exposition */
} st_output;

typedef enum st_command {
    ST_CMD_WATCH = 0,           /* watch one segment */
    ST_CMD_AUTO,                /* no NAME: the only live one, or the overview */
    ST_CMD_LIST,                /* --list */
    ST_CMD_GC,                  /* --gc */
    ST_CMD_DEMO,                /* --demo: start slabload, watch it */
    ST_CMD_LISTEN,              /* --listen: the Prometheus exporter */
    ST_CMD_REPLAY,              /* --replay FILE: a --json recording */
    ST_CMD_RUN,                 /* -- PROGRAM [ARGS...]: start it, watch it */
    ST_CMD_HELP,
    ST_CMD_VERSION
} st_command;

typedef struct st_options {
    st_command command;
    st_output output;
    const char *name;           /* segment NAME, or NULL */
    long pid;                   /* -p PID, or 0 */
    double delay_s;             /* refresh interval */
    long iterations;            /* refreshes before exiting; 0 = no limit */
    bool iterations_set;
    bool once;                  /* --once (on a replay: its last refresh) */
    const char *sort;           /* sort key name, validated */
    bool wait;                  /* --wait given */
    double wait_s;              /* how long; < 0 = for ever */
    bool no_color;
    const char *listen;         /* --listen [ADDR:]PORT */
    const char *replay;         /* --replay FILE */
    char **run_argv;            /* after --: PROGRAM [ARGS...], NULL-ended */
    bool discard_output;        /* --discard-output: its output to /dev/null */
} st_options;

/* Parse argv into *opt.  stdout_tty says whether stdout is a terminal (the
 * default output then is the screen, otherwise text once).  Returns 0, or -1
 * after printing a usage error to err. */
int st_cli_parse(int argc, char **argv, bool stdout_tty, st_options *opt,
                 FILE *err);

/* The --help text. */
void st_cli_help(FILE *out, const char *argv0);

#endif /* SLABTOP_CLI_H */
