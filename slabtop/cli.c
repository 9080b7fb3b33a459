/*
 * cli.c - slabtop's options: one table feeds getopt_long and --help.
 */
#include "config.h"
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "esc.h"
#include "model.h"
#include "slab_shm.h"
#include "slabtop.h"

enum {
    OPT_GC = 256,
    OPT_JSON,
    OPT_OPENMETRICS,
    OPT_WAIT,
    OPT_NO_COLOR,
    OPT_DEMO,
    OPT_LISTEN,
    OPT_REPLAY,
    OPT_DISCARD,
};

typedef struct opt_desc {
    const char *name;
    int has_arg;
    int val;                    /* short option letter or OPT_* */
    const char *arg;            /* argument name in --help */
    const char *help;
} opt_desc;

static const opt_desc opt_table[] = {
    { "pid", required_argument, 'p', "PID",
      "watch the segment of process PID (its default name)" },
    { "list", no_argument, 'l', NULL,
      "list every segment: name, pid, command, state, ABI, age" },
    { "gc", no_argument, OPT_GC, NULL,
      "remove the segments of owners that are dead, only those" },
    { "delay", required_argument, 'd', "SECS",
      "refresh every SECS seconds (fractions allowed; default 1)" },
    { "iterations", required_argument, 'n', "N",
      "refresh N times, then exit (headless; 0 = no limit)" },
    { "once", no_argument, 'o', NULL,
      "print one refresh as plain text and exit (default when stdout is not a terminal)" },
    { "json", no_argument, OPT_JSON, NULL,
      "print one JSON object per refresh, one per line: also a recording for --replay" },
    { "replay", required_argument, OPT_REPLAY, "FILE",
      "show a --json recording instead of a live process (on the screen: p pause, Left/Right step, + - speed; headless: every refresh, --once the last)" },
    { "openmetrics", no_argument, OPT_OPENMETRICS, NULL,
      "print OpenMetrics text (for node_exporter's textfile collector)" },
    { "sort", required_argument, 's', "KEY",
      "sort threads by KEY: tid name allocs samples ratio wall cpu repairs state" },
    { "wait", optional_argument, OPT_WAIT, "SECS",
      "wait for the segment to appear (for ever, or at most SECS)" },
    { "no-color", no_argument, OPT_NO_COLOR, NULL,
      "no colours (also when NO_COLOR is set)" },
    { "demo", no_argument, OPT_DEMO, NULL,
      "start the bundled slabload workload and watch it" },
    { "listen", required_argument, OPT_LISTEN, "[ADDR:]PORT",
      "serve /metrics of every readable segment to Prometheus (ADDR default 127.0.0.1; Accept: application/openmetrics-text gets OpenMetrics)" },
    { "discard-output", no_argument, OPT_DISCARD, NULL,
      "with -- PROGRAM: send its output to /dev/null instead of a file" },
    { "help", no_argument, 'h', NULL, "show this help and exit" },
    { "version", no_argument, 'V', NULL, "show the version and exit" },
};

#define NOPTS (sizeof(opt_table) / sizeof(opt_table[0]))

/* Print text (after one space) from column indent, wrapped at width, with a
 * newline at the end. */
static void wrap(FILE *out, const char *text, int indent, int width)
{
    int col = indent;

    while (*text) {
        const char *sp = strchr(text, ' ');
        int len = sp ? (int)(sp - text) : (int)strlen(text);

        if (col > indent && col + 1 + len > width) {
            fprintf(out, "\n%*s", indent - 1, "");
            col = indent;
        }
        fprintf(out, " %.*s", len, text);
        col += len + 1;
        text += len;
        while (*text == ' ')
            text++;
    }
    fputc('\n', out);
}

void st_cli_help(FILE *out, const char *argv0)
{
    const char *prog = argv0 && strrchr(argv0, '/') ? strrchr(argv0, '/') + 1 : argv0;

    if (prog == NULL || *prog == '\0')
        prog = "slabtop";
    fprintf(out,
            "Usage: %s [OPTIONS] [NAME]\n"
            "       %s [OPTIONS] -- PROGRAM [ARGS...]\n"
            "       %s --list | --gc | --demo | --listen [ADDR:]PORT | --replay FILE\n"
            "Watch a libslab process live: allocation sampling, wall/CPU ratio and\n"
            "verdict, latency percentiles, zombie repairs, per thread and size class.\n"
            "NAME is the segment name the process was given with SLAB_SHM_NAME\n"
            "(by default its pid).  Without NAME or --pid: the only live process,\n"
            "or on a terminal an overview of every process (Enter watches one).\n"
            "After --: run PROGRAM with libslab's drop-in malloc preloaded, its output\n"
            "in a file named at exit, watch it, and exit with its status.\n"
            "\nOptions:\n", prog, prog, prog);
    for (size_t i = 0; i < NOPTS; i++) {
        const opt_desc *o = &opt_table[i];
        char left[48];
        int n = 0;

        if (o->val < 256)
            n = snprintf(left, sizeof(left), "  -%c, --%s", o->val, o->name);
        else
            n = snprintf(left, sizeof(left), "      --%s", o->name);
        if (o->arg && o->has_arg == required_argument)
            snprintf(left + n, sizeof(left) - (size_t)n, " %s", o->arg);
        else if (o->arg)
            snprintf(left + n, sizeof(left) - (size_t)n, "[=%s]", o->arg);
        fprintf(out, "%-26s", left);
        wrap(out, o->help, 27, 79);
    }
    fprintf(out,
            "\nExit status: 0 success, 1 runtime error, 2 usage error, 3 segment not\n"
            "found, 4 permission denied, 5 not a libslab segment, 6 unsupported\n"
            "segment version, 7 the owner has exited.\n"
            "Keys in the monitor: press h. See slabtop(1).\n");
}

static int usage_error(FILE *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static int usage_error(FILE *err, const char *fmt, ...)
{
    char msg[512];
    va_list ap;

    /* The message quotes arguments as given: escaped, never raw. */
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    fputs("slabtop: ", err);
    st_esc_fputs(err, msg);
    fputs("\nTry 'slabtop --help' for more information.\n", err);
    return -1;
}

static int parse_seconds(const char *s, double *out)
{
    char *end;
    double v;

    errno = 0;
    v = strtod(s, &end);
    if (errno != 0 || end == s || *end != '\0' || !isfinite(v))
        return -1;
    *out = v;
    return 0;
}

static int parse_long(const char *s, long min, long *out)
{
    char *end;
    long v;

    errno = 0;
    v = strtol(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v < min)
        return -1;
    *out = v;
    return 0;
}

int st_cli_parse(int argc, char **argv, bool stdout_tty, st_options *opt,
                 FILE *err)
{
    struct option longopts[NOPTS + 1];
    char shortopts[2 * NOPTS + 2];
    size_t ns = 0;
    bool once = false, list = false, gc = false, demo = false;
    bool json = false, om = false, delay = false, sort = false;
    int c;

    memset(opt, 0, sizeof(*opt));
    /* Whatever follows the first "--" that is not an option's argument is
     * a command to run: getopt sees only what comes before it. */
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];

        if (strcmp(a, "--") == 0) {
            opt->run_argv = argv + i + 1;
            argc = i;
            break;
        }
        if (a[0] != '-' || a[1] == '\0')
            continue;
        if (a[1] == '-') {          /* --long: its argument may follow */
            for (size_t k = 0; k < NOPTS; k++)
                if (opt_table[k].has_arg == required_argument &&
                    strcmp(a + 2, opt_table[k].name) == 0)
                    i++;
            continue;
        }
        for (const char *p = a + 1; *p; p++) {  /* -abc: a short needing an
                                                   argument takes the rest */
            bool takes = false;
            for (size_t k = 0; k < NOPTS; k++)
                if (opt_table[k].val == (unsigned char)*p &&
                    opt_table[k].has_arg == required_argument)
                    takes = true;
            if (takes) {
                if (p[1] == '\0')
                    i++;
                break;
            }
        }
    }
    opt->delay_s = 1.0;
    opt->wait_s = -1;
    opt->sort = "allocs";

    shortopts[ns++] = ':';      /* report a missing argument as ':' */
    for (size_t i = 0; i < NOPTS; i++) {
        longopts[i].name = opt_table[i].name;
        longopts[i].has_arg = opt_table[i].has_arg;
        longopts[i].flag = NULL;
        longopts[i].val = opt_table[i].val;
        if (opt_table[i].val < 256) {
            shortopts[ns++] = (char)opt_table[i].val;
            if (opt_table[i].has_arg == required_argument)
                shortopts[ns++] = ':';
        }
    }
    shortopts[ns] = '\0';
    memset(&longopts[NOPTS], 0, sizeof(longopts[NOPTS]));

    optind = 0;                 /* 0, not 1: a full reset in glibc */
    opterr = 0;
    while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
        switch (c) {
        case 'p':
            if (parse_long(optarg, 1, &opt->pid) != 0 || opt->pid > INT_MAX)
                return usage_error(err, "invalid pid '%s'", optarg);
            break;
        case 'l': list = true; break;
        case OPT_GC: gc = true; break;
        case 'd':
            if (parse_seconds(optarg, &opt->delay_s) != 0
                || opt->delay_s < 0.01 || opt->delay_s > 86400)
                return usage_error(err, "invalid delay '%s' (seconds, 0.01 to 86400)", optarg);
            delay = true;
            break;
        case 'n':
            if (parse_long(optarg, 0, &opt->iterations) != 0)
                return usage_error(err, "invalid iteration count '%s'", optarg);
            opt->iterations_set = true;
            break;
        case 'o': once = true; break;
        case OPT_JSON: json = true; break;
        case OPT_OPENMETRICS: om = true; break;
        case 's':
            if (st_sort_from_name(optarg) < 0)
                return usage_error(err, "unknown sort key '%s' (tid name allocs samples ratio wall cpu repairs state)", optarg);
            opt->sort = optarg;
            sort = true;
            break;
        case OPT_WAIT:
            opt->wait = true;
            if (optarg && (parse_seconds(optarg, &opt->wait_s) != 0 || opt->wait_s < 0))
                return usage_error(err, "invalid wait '%s' (seconds)", optarg);
            break;
        case OPT_NO_COLOR: opt->no_color = true; break;
        case OPT_DEMO: demo = true; break;
        case OPT_LISTEN: opt->listen = optarg; break;
        case OPT_REPLAY: opt->replay = optarg; break;
        case OPT_DISCARD: opt->discard_output = true; break;
        case 'h': opt->command = ST_CMD_HELP; return 0;
        case 'V': opt->command = ST_CMD_VERSION; return 0;
        case ':':
            if (optopt && optopt < 256)
                return usage_error(err, "option -%c needs an argument", optopt);
            return usage_error(err, "option '%s' needs an argument", argv[optind - 1]);
        case '?':
        default:
            /* A long option given an argument it does not take sets optopt
             * to its value: name it as the user wrote it. */
            if (strncmp(argv[optind - 1], "--", 2) == 0 && strchr(argv[optind - 1], '=')) {
                const char *a = argv[optind - 1];
                return usage_error(err, "option '%.*s' takes no argument",
                                   (int)(strchr(a, '=') - a), a);
            }
            if (optopt && optopt < 256)
                return usage_error(err, "unknown option -%c", optopt);
            return usage_error(err, "unknown option '%s'", argv[optind - 1]);
        }
    }

    if (optind < argc) {
        /* Accept the object's path too: /slab.NAME or /dev/shm/slab.NAME. */
        static const char *const prefixes[] = { "/dev/shm/slab.", "/slab." };
        opt->name = argv[optind++];
        for (size_t i = 0; i < 2; i++)
            if (strncmp(opt->name, prefixes[i], strlen(prefixes[i])) == 0) {
                opt->name += strlen(prefixes[i]);
                break;
            }
    }
    if (optind < argc)
        return usage_error(err, "unexpected argument '%s'", argv[optind]);

    if (list + gc + demo > 1)
        return usage_error(err, "%s", "--list, --gc and --demo exclude each other");
    if ((list || gc || demo) && (opt->name || opt->pid))
        return usage_error(err, "%s", "--list, --gc and --demo take no NAME or --pid");
    if (opt->name && opt->pid)
        return usage_error(err, "%s", "give a NAME or --pid, not both");
    if (json + om > 1)
        return usage_error(err, "%s", "--json and --openmetrics exclude each other");
    if (once && opt->iterations_set && opt->iterations != 1)
        return usage_error(err, "%s", "--once means one refresh; drop -n or --once");
    if (opt->name && (opt->name[0] == '\0' || strchr(opt->name, '/')
                      || strlen(opt->name) > SLAB_SHM_NAME_MAX))
        return usage_error(err, "invalid segment name '%s'", opt->name);

    /* --list and --gc print a table (--list also JSON) once: options they
     * would ignore are errors, not silently dropped. */
    if (list && (om || once || opt->iterations_set || delay || opt->wait || sort))
        return usage_error(err, "%s", "--list takes only --json");
    if (gc && (json || om || once || opt->iterations_set || delay || opt->wait || sort))
        return usage_error(err, "%s", "--gc takes no other option");

    if (opt->listen && (list || gc || demo || opt->name || opt->pid || json || om || once
                        || opt->iterations_set || delay || opt->wait || sort))
        return usage_error(err, "%s", "--listen serves every segment: it takes no NAME, --pid or other mode or output option");

    if (opt->replay && (list || gc || demo || opt->listen || opt->name || opt->pid || opt->wait))
        return usage_error(err, "%s", "--replay shows a recording: it takes no NAME, --pid, --wait or other mode");

    if (opt->run_argv && opt->run_argv[0] == NULL)
        return usage_error(err, "%s", "-- must be followed by a PROGRAM to run");
    if (opt->run_argv && (list || gc || demo || opt->listen || opt->replay || opt->name ||
                          opt->pid || opt->wait))
        return usage_error(err, "%s", "-- PROGRAM runs and watches PROGRAM: it takes no NAME, --pid, --wait or other mode");
    if (opt->discard_output && !opt->run_argv)
        return usage_error(err, "%s", "--discard-output goes with -- PROGRAM");

    if (opt->run_argv)
        opt->command = ST_CMD_RUN;
    else if (opt->listen)
        opt->command = ST_CMD_LISTEN;
    else if (opt->replay)
        opt->command = ST_CMD_REPLAY;
    else if (list)
        opt->command = ST_CMD_LIST;
    else if (gc)
        opt->command = ST_CMD_GC;
    else if (demo)
        opt->command = ST_CMD_DEMO;
    else if (!opt->name && !opt->pid)
        opt->command = ST_CMD_AUTO;
    else
        opt->command = ST_CMD_WATCH;

    if (json)
        opt->output = ST_OUT_JSON;
    else if (om)
        opt->output = ST_OUT_OPENMETRICS;
    else if (once || opt->iterations_set || !stdout_tty)
        opt->output = ST_OUT_TEXT;
    else
        opt->output = ST_OUT_SCREEN;

    if (opt->output != ST_OUT_SCREEN && !opt->iterations_set)
        opt->iterations = opt->replay || opt->run_argv ? 0 : 1;  /* a replay: every
                                           refresh; a run: until it ends */
    if (once)
        opt->iterations = 1;
    opt->once = once;
    return 0;
}
