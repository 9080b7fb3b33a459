/*
 * demo.c - start, watch and stop the workload program of --demo.
 */
#include "config.h"
#include "demo.h"
#include "paths.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static pid_t child = -1;

static bool executable(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

/* Where slabload is, from the paths fixed when slabtop was built
 * (slabtop/paths.h, regenerated whenever configure runs again):
 *
 *   - the slabtop of the build tree runs the slabload of the same build
 *     tree (this is how make check and make distcheck run it);
 *   - any other slabtop (installed) runs the one installed beside it in
 *     bindir;
 *   - failing that (a staged or relocated install), "slabload" from PATH.
 *
 * Returns false when the PATH lookup is left to execlp(). */
static bool find_slabload(char *out, size_t len)
{
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

    if (n > 0) {
        self[n] = '\0';
        if (strcmp(self, SLABTOP_BUILD_PATH) == 0 && executable(SLABLOAD_BUILD_PATH)) {
            snprintf(out, len, "%s", SLABLOAD_BUILD_PATH);
            return true;
        }
    }
    if (executable(SLABLOAD_INSTALL_PATH)) {
        snprintf(out, len, "%s", SLABLOAD_INSTALL_PATH);
        return true;
    }
    return false;
}

int st_demo_start(char *name, size_t len)
{
    char path[PATH_MAX];
    const char *prog = "slabload";
    bool found = find_slabload(path, sizeof(path));
    int pipefd[2];
    pid_t parent = getpid();

    if (found)
        prog = path;
    snprintf(name, len, "demo-%ld", (long)parent);
    if (pipe2(pipefd, O_CLOEXEC) != 0) {
        fprintf(stderr, "slabtop: cannot start the demo: %s\n", strerror(errno));
        return -1;
    }
    fflush(NULL);
    child = fork();
    if (child < 0) {
        fprintf(stderr, "slabtop: cannot start the demo: %s\n", strerror(errno));
        close(pipefd[0]);
        close(pipefd[1]);
        return -1;
    }
    if (child == 0) {
        int devnull = open("/dev/null", O_RDWR);
        int e;

        /* The workload must not outlive slabtop, even if slabtop is killed. */
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (getppid() != parent)
            _exit(127);
        if (devnull >= 0) {
            dup2(devnull, STDIN_FILENO);
            dup2(devnull, STDOUT_FILENO);
            dup2(devnull, STDERR_FILENO);
        }
        signal(SIGINT, SIG_IGN);    /* Ctrl-C goes to slabtop, which stops us */
        if (found)
            execl(prog, "slabload", "--scenario", "demo", "--name", name, (char *)NULL);
        else
            execlp(prog, "slabload", "--scenario", "demo", "--name", name, (char *)NULL);
        e = errno;
        if (write(pipefd[1], &e, sizeof(e)) < 0)
            _exit(127);
        _exit(127);
    }
    close(pipefd[1]);
    {
        int e = 0;
        ssize_t n = read(pipefd[0], &e, sizeof(e));
        close(pipefd[0]);
        if (n == (ssize_t)sizeof(e)) {
            fprintf(stderr, "slabtop: cannot run %s for --demo: %s; build it (make) or put it in PATH\n",
                    found ? path : "slabload", strerror(e));
            waitpid(child, NULL, 0);
            child = -1;
            return -1;
        }
    }
    atexit(st_demo_stop);
    return 0;
}

bool st_demo_running(void)
{
    if (child <= 0)
        return false;
    if (waitpid(child, NULL, WNOHANG) == child) {
        child = -1;
        return false;
    }
    return true;
}

void st_demo_stop(void)
{
    struct timespec ts = { 0, 20 * 1000 * 1000 };

    if (child <= 0)
        return;
    kill(child, SIGTERM);
    for (int i = 0; i < 150; i++) {     /* 3 s grace */
        if (waitpid(child, NULL, WNOHANG) == child) {
            child = -1;
            return;
        }
        nanosleep(&ts, NULL);
    }
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
    child = -1;
}
