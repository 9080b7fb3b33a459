/*
 * slabrun - run a program with libslab's drop-in malloc and summarise what
 * its sampler saw.
 *
 *     slabrun [--name NAME] [--rate N] [--record FILE] [--] PROGRAM [ARGS...]
 *
 * The program runs with LD_PRELOAD=libslab-malloc.so (added in front of
 * any LD_PRELOAD it already had).  Its segment is /slab.NAME, NAME being
 * its pid unless --name gives one: SLAB_SHM_NAME=NAME, with
 * SLAB_SHM_NAME_PID set to the program's pid, so that its descendants
 * publish as NAME-<their pid> instead of colliding with it, and so that
 * the program itself publishes from its first call (others wait a few
 * milliseconds; see dropin.c).  slabrun says on stderr how to watch it, attaches to the
 * segment itself while the program runs, keeps the mapping when the
 * program removes the name at exit, and prints the totals of the whole
 * run: samples, wall and CPU means and maxima, ratio and verdict, repairs
 * by reason.  --record FILE keeps slabtop's JSON lines of the run, one
 * per refresh, for later reading.  The program's exit status (or the
 * signal that killed it) is slabrun's.
 *
 * Where the library is: beside a build tree's slabrun, the build tree's
 * libslab/malloc/.libs/libslab-malloc.so; otherwise the $(libdir) this
 * slabrun was configured with (slabrun_paths.h, regenerated whenever
 * configure runs).
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "slab_shm.h"
#include "slab_stats.h"
#include "slabrun_paths.h"

#define POLL_NS     5000000L            /* 5 ms between looks */
#define SNAP_EVERY  20                  /* snapshot every 20th look */

static const char *prog = "slabrun";

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: slabrun [--name NAME] [--rate N] [--record FILE] [--] PROGRAM [ARGS...]\n"
            "Run PROGRAM with libslab's drop-in malloc (libslab-malloc.so), tell how\n"
            "to watch it with slabtop, and print the sampler's totals when it exits.\n"
            "\n"
            "Options:\n"
            "  -N, --name NAME      name its segment /slab.NAME (default: its pid);\n"
            "                       its descendants publish as NAME-PID\n"
            "  -r, --rate N         sample 1 in N allocation calls (SLAB_SAMPLE_RATE)\n"
            "  -R, --record FILE    keep slabtop's JSON lines of the run in FILE\n"
            "  -q, --quiet          no summary at exit\n"
            "  -h, --help           show this help and exit\n"
            "  -V, --version        show the version and exit\n"
            "\n"
            "Exit status: PROGRAM's; 125 if slabrun itself failed, 126 if PROGRAM\n"
            "could not be run, 127 if it was not found.  See slabrun(1).\n");
}

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s: ", prog);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(125);
}

/* The directory this executable is in, or "" (then only the installed
 * path is tried). */
static void self_dir(char *buf, size_t len)
{
    ssize_t n = readlink("/proc/self/exe", buf, len - 1);
    if (n <= 0) {
        buf[0] = '\0';
        return;
    }
    buf[n] = '\0';
    char *slash = strrchr(buf, '/');
    if (slash)
        *slash = '\0';
}

static bool is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static void find_preload(const char *dir, char *buf, size_t len)
{
    if (dir[0]) {
        snprintf(buf, len, "%s/../libslab/malloc/.libs/libslab-malloc.so", dir);
        if (is_file(buf))
            return;
    }
    snprintf(buf, len, "%s/libslab-malloc.so", SLABRUN_LIBDIR);
    if (!is_file(buf))
        die("cannot find the drop-in malloc (looked for %s); is libslab installed?", buf);
}

static void find_slabtop(const char *dir, char *buf, size_t len)
{
    snprintf(buf, len, "%s/slabtop", dir[0] ? dir : SLABRUN_BINDIR);
    if (!is_file(buf))
        snprintf(buf, len, "%s/slabtop", SLABRUN_BINDIR);
}

static uint64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void nap(void)
{
    struct timespec ts = { 0, POLL_NS };
    nanosleep(&ts, NULL);
}

/* ------------------------------------------------------------ the child */

static void setenv_or_die(const char *name, const char *value)
{
    if (setenv(name, value, 1) != 0)
        die("cannot set %s", name);
}

/* The program, with the preload, its segment's name (its pid when name
 * is NULL) and the sampling rate in its environment. */
static pid_t start(char **argv, const char *preload, const char *name, const char *rate)
{
    pid_t pid = fork();
    if (pid < 0)
        die("fork: %s", strerror(errno));
    if (pid > 0)
        return pid;

    signal(SIGINT, SIG_DFL);
    signal(SIGQUIT, SIG_DFL);
    const char *old = getenv("LD_PRELOAD");
    if (old && old[0]) {
        size_t n = strlen(preload) + strlen(old) + 2;
        char *both = malloc(n);
        if (both == NULL)
            _exit(125);
        snprintf(both, n, "%s:%s", preload, old);
        setenv_or_die("LD_PRELOAD", both);
    } else {
        setenv_or_die("LD_PRELOAD", preload);
    }
    char pid_text[24];
    snprintf(pid_text, sizeof(pid_text), "%d", (int)getpid());
    setenv_or_die("SLAB_SHM_NAME", name ? name : pid_text);
    setenv_or_die("SLAB_SHM_NAME_PID", pid_text);
    if (rate)
        setenv_or_die("SLAB_SAMPLE_RATE", rate);
    execvp(argv[0], argv);
    int err = errno;
    fprintf(stderr, "%s: %s: %s\n", prog, argv[0], strerror(err));
    _exit(err == ENOENT ? 127 : 126);
}

/* slabtop --json, writing the recording; NULL file: none. */
static pid_t start_recorder(const char *slabtop, const char *file, const char *name)
{
    pid_t pid = fork();
    if (pid < 0)
        die("fork: %s", strerror(errno));
    if (pid > 0)
        return pid;
    FILE *out = fopen(file, "w");
    if (out == NULL) {
        fprintf(stderr, "%s: cannot write %s: %s\n", prog, file, strerror(errno));
        _exit(1);
    }
    dup2(fileno(out), STDOUT_FILENO);
    unsetenv("LD_PRELOAD");
    /* The object's path rather than "-- NAME" (after --, slabtop runs a
     * command): a NAME that begins with '-' is still no option. */
    char path[SLAB_SHM_NAME_MAX + 32];
    snprintf(path, sizeof(path), "/dev/shm/slab.%s", name);
    execl(slabtop, "slabtop", "--json", "--wait=30", "-n", "0", "-d", "0.25", path, (char *)NULL);
    fprintf(stderr, "%s: cannot run %s: %s\n", prog, slabtop, strerror(errno));
    _exit(1);
}

/* ------------------------------------------------------------ summary */

static double per(uint64_t sum, uint64_t n)
{
    return n ? (double)sum / (double)n : 0.0;
}

static void summary(const char *what, pid_t pid, const slab_shm_snapshot *s, double secs)
{
    const slab_thread_stats *t = &s->total;
    const ThreadStats *st = &t->seed;
    uint64_t n = st->alloc_samples;

    fprintf(stderr, "\n=== slabrun: %s (pid %d), %.2f s ===\n", what, (int)pid, secs);
    fprintf(stderr, "Allocation calls: %" PRIu64 ", sampled: %" PRIu64
            " (1 in %" PRIu64 " configured)\n", t->allocs, n, (uint64_t)s->sampling.rate);
    /* Segment format 1.2 counts the calls the drop-in handed to the
     * system allocator; the rest the slab classes served. */
    if (s->id.abi_minor >= 2 && t->allocs > 0) {
        uint64_t large = t->allocs_large < t->allocs ? t->allocs_large : t->allocs;
        fprintf(stderr, "Served by slabs: %.1f %% (large path: %" PRIu64 " calls, %" PRIu64
                " frees)\n", 100.0 * (double)(t->allocs - large) / (double)t->allocs,
                t->allocs_large, t->frees_large);
    }
    fprintf(stderr, "Avg wall: %.0f ns (max: %" PRIu64 " ns)\n",
            per(st->alloc_wall_ns_sum, n), st->alloc_wall_ns_max);
    fprintf(stderr, "Avg CPU:  %.0f ns (max: %" PRIu64 " ns)\n",
            per(st->alloc_cpu_ns_sum, n), st->alloc_cpu_ns_max);

    uint64_t elapsed = s->writer_now_ns > s->id.created_mono_ns
                       ? s->writer_now_ns - s->id.created_mono_ns : 0;
    slab_verdict_input in = {
        .samples = n,
        .wall_ns_sum = st->alloc_wall_ns_sum,
        .cpu_ns_sum = st->alloc_cpu_ns_sum,
        .floor_wall_ns = s->floor.wall_ns,
        .floor_cpu_ns = s->floor.cpu_ns,
        .elapsed_ns = elapsed,
        .thread_cpu_ns = t->thread_cpu_ns,
        .runq_wait_ns = t->runq_wait_ns,
        .nivcsw = t->nivcsw,
    };
    double ratio = 0;
    slab_verdict v = slab_verdict_compute(&in, &ratio);
    fprintf(stderr, "Ratio: %.2fx, verdict: %s (floor-corrected; floor: wall %" PRIu64
            " ns, CPU %" PRIu64 " ns per sample)\n",
            ratio, slab_verdict_name(v), s->floor.wall_ns, s->floor.cpu_ns);
    if (v == SLAB_VERDICT_HEAVY)
        fprintf(stderr, "wall >> cpu: scheduler interference\n");
    fprintf(stderr, "Threads: %" PRIu64 " exited, %u live at the end\n",
            s->exited_threads + s->overflow_threads - s->overflow_live_threads,
            s->thread_count);
    fprintf(stderr, "Zombie repairs: %" PRIu64 " (full bitmap %" PRIu64
            ", list mismatch %" PRIu64 ", other %" PRIu64 ")\n",
            st->repair_count, st->repair_reason_full_bitmap,
            st->repair_reason_list_mismatch, st->repair_reason_other);
}

/* ------------------------------------------------------------ main */

static int exit_status_of(int status)
{
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) {
        /* Die of the same signal, so that our parent sees what the
         * program did (no core file of our own). */
        int sig = WTERMSIG(status);
        signal(sig, SIG_DFL);
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, sig);
        sigprocmask(SIG_UNBLOCK, &set, NULL);
        raise(sig);
        return 128 + sig;
    }
    return 125;
}

static volatile sig_atomic_t forward_sig;

static void on_signal(int sig)
{
    forward_sig = sig;
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "name", required_argument, NULL, 'N' },
        { "rate", required_argument, NULL, 'r' },
        { "record", required_argument, NULL, 'R' },
        { "quiet", no_argument, NULL, 'q' },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        { NULL, 0, NULL, 0 }
    };
    const char *name = NULL, *rate = NULL, *record = NULL;
    bool quiet = false;
    int c;

    while ((c = getopt_long(argc, argv, "+N:r:R:qhV", longopts, NULL)) != -1) {
        switch (c) {
        case 'N':
            name = optarg;
            if (strchr(name, '%') != NULL || strlen(name) > SLAB_SHM_NAME_MAX) {
                fprintf(stderr, "%s: bad --name '%s': 1 to %u of A-Z a-z 0-9 . _ -\n",
                        prog, name, SLAB_SHM_NAME_MAX);
                return 125;
            }
            break;
        case 'r': {
            char *end;
            errno = 0;
            unsigned long v = strtoul(optarg, &end, 10);
            if (errno || *end || end == optarg || v > (1ul << 30) || optarg[0] == '-') {
                fprintf(stderr, "%s: bad --rate '%s': a whole number, 0 to %lu\n",
                        prog, optarg, 1ul << 30);
                return 125;
            }
            rate = optarg;
            break;
        }
        case 'R':
            record = optarg;
            break;
        case 'q':
            quiet = true;
            break;
        case 'h':
            usage(stdout);
            return 0;
        case 'V':
            printf("slabrun (%s) %s\n", PACKAGE_NAME, PACKAGE_VERSION);
            return 0;
        default:
            usage(stderr);
            return 125;
        }
    }
    if (optind >= argc) {
        fprintf(stderr, "%s: no program to run\n", prog);
        usage(stderr);
        return 125;
    }
    char **cmd = argv + optind;

    char dir[PATH_MAX], preload[PATH_MAX + 64], slabtop[PATH_MAX + 16];
    self_dir(dir, sizeof(dir));
    find_preload(dir, preload, sizeof(preload));
    find_slabtop(dir, slabtop, sizeof(slabtop));

    /* Interrupts from the terminal reach the program too: outlive them to
     * report.  Termination requests are passed on. */
    signal(SIGINT, SIG_IGN);
    signal(SIGQUIT, SIG_IGN);
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);

    uint64_t t0 = mono_ns();
    pid_t pid = start(cmd, preload, name, rate);
    char seg[SLAB_SHM_NAME_MAX + 1];
    snprintf(seg, sizeof(seg), "%s", name ? name : "");
    if (!name)
        snprintf(seg, sizeof(seg), "%d", (int)pid);
    fprintf(stderr, "%s: %s is pid %d; watch it with: slabtop %s "
            "(its descendants: slabtop %s-PID)\n", prog, cmd[0], (int)pid, seg, seg);

    pid_t recorder = record ? start_recorder(slabtop, record, seg) : 0;

    slab_shm_reader *r = NULL;
    slab_shm_snapshot *snap = NULL;
    bool have = false;
    int status = 0;
    for (unsigned look = 0;; look++) {
        if (forward_sig) {
            kill(pid, forward_sig);
            forward_sig = 0;
        }
        pid_t w = waitpid(pid, &status, WNOHANG);
        if (w == pid)
            break;
        if (w < 0 && errno != EINTR)
            die("waitpid: %s", strerror(errno));
        if (r == NULL) {
            slab_shm_reader *nr = NULL;
            if (slab_shm_attach(seg, &nr, NULL) == SLAB_SHM_OK) {
                slab_shm_identity id;
                slab_shm_reader_identity(nr, &id);
                if (id.pid == pid)
                    r = nr;         /* the program's, not a leftover */
                else
                    slab_shm_detach(nr);
            }
        }
        /* A segment closed while the program still runs is either its
         * last one (the program is exiting: waitpid() has not said so
         * yet) or was replaced under the same name (the program
         * unpublished and published again, or an exec took the name
         * over).  Keep its final numbers, and read a new one if it
         * comes. */
        if (r != NULL && look % SNAP_EVERY == 0 &&
            slab_shm_reader_state(r) != SLAB_SHM_ALIVE) {
            have |= slab_shm_snapshot_take(r, &snap, NULL) == SLAB_SHM_OK;
            slab_shm_detach(r);
            r = NULL;
        }
        if (r != NULL && look % SNAP_EVERY == 0)
            have |= slab_shm_snapshot_take(r, &snap, NULL) == SLAB_SHM_OK;
        nap();
    }
    double secs = (double)(mono_ns() - t0) / 1e9;
    /* The mapping outlives the name: the final totals are in it. */
    if (r != NULL)
        have |= slab_shm_snapshot_take(r, &snap, NULL) == SLAB_SHM_OK;

    if (recorder > 0) {
        /* Let slabtop write the final state, then stop it. */
        for (int i = 0; i < 50 && waitpid(recorder, NULL, WNOHANG) == 0; i++) {
            if (i == 25)
                kill(recorder, SIGTERM);
            nap();
        }
        if (waitpid(recorder, NULL, WNOHANG) == 0) {
            kill(recorder, SIGKILL);
            waitpid(recorder, NULL, 0);
        }
    }

    if (!quiet) {
        char what[256];
        if (WIFEXITED(status))
            snprintf(what, sizeof(what), "%s exited with status %d", cmd[0],
                     WEXITSTATUS(status));
        else if (WIFSIGNALED(status))
            snprintf(what, sizeof(what), "%s killed by signal %d", cmd[0], WTERMSIG(status));
        else
            snprintf(what, sizeof(what), "%s ended", cmd[0]);
        if (have)
            summary(what, pid, snap, secs);
        else
            fprintf(stderr, "\n=== slabrun: %s (pid %d), %.2f s: no segment to read "
                    "(it ended before slabrun could attach, or SLAB_SHM=0) ===\n",
                    what, (int)pid, secs);
    }
    slab_shm_snapshot_free(snap);
    slab_shm_detach(r);
    return exit_status_of(status);
}
