/*
 * options.c - slabload's command line.
 */
#include "config.h"
#include "slabload.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "slab_shm.h"

const char *const sl_scenario_names[SC_COUNT] = {
    [SC_STEADY] = "steady",
    [SC_NOISY] = "noisy",
    [SC_REPAIR] = "repair",
    [SC_SLABS] = "slabs",
    [SC_LOCK] = "lock",
    [SC_DEMO] = "demo",
};


struct sl_options sl_opt = {
    .threads = 2,
    .duration = 0,
    .sizes = { 64, 96, 128, 192, 256, 384, 512, 768 },
    .nsizes = 8,
    .live = 1024,
    .epoch_every = 0,
    .rate = 0,
    .name = NULL,
    .scenario = SC_STEADY,
    .hogs = 0,
    .cpu = -1,
    .repair_rate = 60,
    .phase = 6,
    .burst = 4096,
    .lock_us = 500,
    .quiet = false,
};


static void usage(FILE *f)
{
    fprintf(f,
"Usage: slabload [OPTIONS]\n"
"Run a libslab workload that publishes its statistics for slabtop.\n"
"\n"
"  -s, --scenario NAME    steady, noisy, repair, slabs, lock or demo\n"
"                         (default steady)\n"
"  -t, --threads N        worker threads (default 2)\n"
"  -d, --duration SECS    run time; 0 runs until interrupted (default 0)\n"
"  -z, --sizes LIST       comma-separated object sizes, 1..%u bytes\n"
"                         (default 64,96,128,192,256,384,512,768)\n"
"  -l, --live N           objects each worker keeps alive (default 1024)\n"
"  -e, --epoch-every N    advance the epoch and close the previous one every\n"
"                         N allocations of the whole process (default never)\n"
"  -r, --rate OPS         at most OPS allocations per second per worker\n"
"                         (default unlimited)\n"
"  -n, --name NAME        publish in the segment /slab.NAME (default: the pid)\n"
"      --hogs N           CPU hogs in the noisy scenario (default 2 per worker)\n"
"      --cpu N            core shared by sl_workers and hogs when noisy\n"
"                         (default the last core the process may use)\n"
"      --repair-rate N    zombies planted per second in the repair scenario\n"
"                         (default 60)\n"
"      --phase SECS       length of each demo phase (default 6)\n"
"      --burst N          objects per burst in the slabs and lock scenarios\n"
"                         (default 4096)\n"
"      --lock-us N        lock scenario: microseconds the allocator sleeps\n"
"                         holding a size class's lock, each time (default 500)\n"
"  -q, --quiet            print neither the banner nor the summary\n"
"  -h, --help             show this help and exit\n"
"  -V, --version          show the version and exit\n"
"\n"
"Watch it with: slabtop NAME.  SIGINT or SIGTERM stops it and prints the\n"
"sampling summary of all its threads.\n", SLAB_MAX_SIZE);
}

static void usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "slabload: ");
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry 'slabload --help' for more information.\n");
    exit(EXIT_USAGE);
}

static uint64_t parse_u64(const char *s, uint64_t min, uint64_t max, const char *what)
{
    char *end;
    errno = 0;
    unsigned long long v = 0;
    if (*s >= '0' && *s <= '9')
        v = strtoull(s, &end, 10);
    if (!(*s >= '0' && *s <= '9') || errno || *end || v < min || v > max)
        usage_error("bad %s '%s' (a whole number, %" PRIu64 "..%" PRIu64 ")",
                    what, s, min, max);
    return v;
}

static double parse_secs(const char *s, double max, const char *what)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !(v >= 0) || v > max)
        usage_error("bad %s '%s' (0..%g)", what, s, max);
    return v;
}

static void parse_sizes(const char *arg)
{
    char buf[512];
    if (strlen(arg) >= sizeof(buf) || !*arg)
        usage_error("bad size list '%s'", arg);
    strcpy(buf, arg);
    sl_opt.nsizes = 0;
    char *save = NULL;
    for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        if (sl_opt.nsizes == MAX_SIZES)
            usage_error("too many sizes in '%s'", arg);
        sl_opt.sizes[sl_opt.nsizes++] = (uint32_t)parse_u64(tok, 1, SLAB_MAX_SIZE,
            "size");
    }
    if (sl_opt.nsizes == 0)
        usage_error("bad size list '%s'", arg);
}

/* The segment names libslab accepts (slab_shm.h): 1..63 of A-Z a-z 0-9 . _ -,
 * neither "." nor "..".  Checked here too, so that a bad one is a usage
 * error rather than a failure at start-up. */
static bool valid_name(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > SLAB_SHM_NAME_MAX || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
        return false;
    for (; *s; s++) {
        char c = *s;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
            return false;
    }
    return true;
}

enum { OPT_HOGS = 256, OPT_CPU, OPT_REPAIR_RATE, OPT_PHASE, OPT_BURST, OPT_LOCK_US };

void sl_options_parse(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "scenario", required_argument, NULL, 's' },
        { "threads", required_argument, NULL, 't' },
        { "duration", required_argument, NULL, 'd' },
        { "sizes", required_argument, NULL, 'z' },
        { "live", required_argument, NULL, 'l' },
        { "epoch-every", required_argument, NULL, 'e' },
        { "rate", required_argument, NULL, 'r' },
        { "name", required_argument, NULL, 'n' },
        { "hogs", required_argument, NULL, OPT_HOGS },
        { "cpu", required_argument, NULL, OPT_CPU },
        { "repair-rate", required_argument, NULL, OPT_REPAIR_RATE },
        { "phase", required_argument, NULL, OPT_PHASE },
        { "burst", required_argument, NULL, OPT_BURST },
        { "lock-us", required_argument, NULL, OPT_LOCK_US },
        { "quiet", no_argument, NULL, 'q' },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        { NULL, 0, NULL, 0 }
    };
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":s:t:d:z:l:e:r:n:qhV", longopts, NULL)) != -1) {
        switch (c) {
        case 's': {
            bool found = false;
            for (unsigned i = 0; i < sizeof(sl_scenario_names) / sizeof(sl_scenario_names[0]); i++)
                if (strcmp(optarg, sl_scenario_names[i]) == 0) {
                    sl_opt.scenario = (enum scenario)i;
                    found = true;
                }
            if (!found)
                usage_error("unknown scenario '%s' (steady, noisy, repair, slabs, lock, demo)",
                            optarg);
            break;
        }
        case 't':
            sl_opt.threads = (unsigned)parse_u64(optarg, 1, 256, "thread count");
            break;
        case 'd':
            sl_opt.duration = parse_secs(optarg, 1e7, "duration in seconds");
            break;
        case 'z':
            parse_sizes(optarg);
            break;
        case 'l':
            sl_opt.live = (unsigned)parse_u64(optarg, 1, 1u << 24, "live object count");
            break;
        case 'e':
            sl_opt.epoch_every = parse_u64(optarg, 0, UINT64_MAX, "epoch interval");
            break;
        case 'r':
            sl_opt.rate = parse_u64(optarg, 0, UINT64_MAX / 2, "rate");
            break;
        case 'n':
            if (!valid_name(optarg))
                usage_error("bad segment name '%s' (1..%u of A-Z a-z 0-9 . _ -)",
                            optarg, SLAB_SHM_NAME_MAX);
            sl_opt.name = optarg;
            break;
        case OPT_HOGS:
            sl_opt.hogs = (unsigned)parse_u64(optarg, 0, 256, "hog count");
            break;
        case OPT_CPU:
            sl_opt.cpu = (int)parse_u64(optarg, 0, CPU_SETSIZE - 1, "core number");
            break;
        case OPT_REPAIR_RATE:
            sl_opt.repair_rate = parse_secs(optarg, 1e6, "repair rate");
            break;
        case OPT_PHASE:
            sl_opt.phase = parse_secs(optarg, 1e6, "phase length");
            if (sl_opt.phase < 0.1)
                usage_error("bad phase length '%s' (at least 0.1 s)", optarg);
            break;
        case OPT_BURST:
            sl_opt.burst = (unsigned)parse_u64(optarg, 1, 1u << 24, "burst size");
            break;
        case OPT_LOCK_US:
            sl_opt.lock_us = (unsigned)parse_u64(optarg, 1, 1000000, "lock hold time");
            break;
        case 'q':
            sl_opt.quiet = true;
            break;
        case 'h':
            usage(stdout);
            exit(0);
        case 'V':
            printf("slabload (%s) %s\n", PACKAGE_NAME, PACKAGE_VERSION);
            exit(0);
        case ':':
            usage_error("option '%s' needs an argument", argv[optind - 1]);
            break;
        default:
            usage_error("unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc)
        usage_error("unexpected argument '%s'", argv[optind]);
}
