/*
 * proctime - run one program and report what it cost as a whole process:
 * wall time, user and system CPU, peak RSS and page faults, from wait4().
 *
 *   proctime [-p PRELOAD] [-i IN] [-o OUT] [-E ERR] [-C DIR] -- PROG ARGS...
 *
 * -p sets LD_PRELOAD for the program only ("" removes it), so proctime
 * itself always runs on glibc's malloc whatever allocator is measured.
 * -i, -o and -E redirect the program's stdin, stdout and stderr (default:
 * /dev/null for all three, so that a terminal costs nothing); -C runs it
 * in DIR.  The line printed on stdout:
 *
 *   status=0 wall_s=1.234 user_s=1.100 sys_s=0.100 cpu_s=1.200
 *   maxrss_kb=12345 minflt=1000 majflt=0
 *
 * status is the exit status, or 128 + the signal that killed it.  The
 * rusage is the program's and that of every descendant it waited for (a
 * compiler driver's cc1 and as count), as wait4() reports it; maxrss_kb is
 * the largest of those processes, not their sum.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void usage(void)
{
    fprintf(stderr, "usage: proctime [-p PRELOAD] [-i IN] [-o OUT] [-E ERR] "
            "[-C DIR] -- PROG ARGS...\n");
    exit(2);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double tv_s(struct timeval tv)
{
    return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

/* In the child: put file onto fd, or die with status 127. */
static void redirect(const char *file, int fd, int flags)
{
    int f = open(file, flags, 0644);
    if (f < 0 || dup2(f, fd) < 0) {
        fprintf(stderr, "proctime: %s: %s\n", file, strerror(errno));
        _exit(127);
    }
    if (f != fd)
        close(f);
}

int main(int argc, char **argv)
{
    const char *preload = NULL, *in = "/dev/null", *out = "/dev/null",
               *err = "/dev/null", *dir = NULL;
    int opt;
    while ((opt = getopt(argc, argv, "+p:i:o:E:C:")) != -1) {
        switch (opt) {
        case 'p': preload = optarg; break;
        case 'i': in = optarg; break;
        case 'o': out = optarg; break;
        case 'E': err = optarg; break;
        case 'C': dir = optarg; break;
        default: usage();
        }
    }
    if (optind >= argc)
        usage();

    double t0 = now_s();
    pid_t pid = fork();
    if (pid < 0) {
        perror("proctime: fork");
        return 1;
    }
    if (pid == 0) {
        if (dir != NULL && chdir(dir) != 0) {
            fprintf(stderr, "proctime: %s: %s\n", dir, strerror(errno));
            _exit(127);
        }
        redirect(in, 0, O_RDONLY);
        redirect(out, 1, O_WRONLY | O_CREAT | O_TRUNC);
        redirect(err, 2, O_WRONLY | O_CREAT | O_TRUNC);
        if (preload != NULL && preload[0] != '\0')
            setenv("LD_PRELOAD", preload, 1);
        else if (preload != NULL)
            unsetenv("LD_PRELOAD");
        execvp(argv[optind], argv + optind);
        fprintf(stderr, "proctime: %s: %s\n", argv[optind], strerror(errno));
        _exit(127);
    }

    int st;
    struct rusage ru;
    while (wait4(pid, &st, 0, &ru) < 0) {
        if (errno != EINTR) {
            perror("proctime: wait4");
            return 1;
        }
    }
    double wall = now_s() - t0;
    int status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    printf("status=%d wall_s=%.4f user_s=%.4f sys_s=%.4f cpu_s=%.4f "
           "maxrss_kb=%ld minflt=%ld majflt=%ld\n",
           status, wall, tv_s(ru.ru_utime), tv_s(ru.ru_stime),
           tv_s(ru.ru_utime) + tv_s(ru.ru_stime), ru.ru_maxrss,
           ru.ru_minflt, ru.ru_majflt);
    return 0;
}
