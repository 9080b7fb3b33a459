/*
 * demo.c - start, watch and stop the program slabtop runs: the workload
 * of --demo, or the command of slabtop -- PROGRAM [ARGS...].
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
static int child_status = -1;           /* once reaped: the exit status */

static void reaped(int st)
{
    child_status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    child = -1;
}

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
            int st;
            waitpid(child, &st, 0);
            reaped(st);
            return -1;
        }
    }
    atexit(st_demo_stop);
    return 0;
}

bool st_demo_running(void)
{
    int st;

    if (child <= 0)
        return false;
    if (waitpid(child, &st, WNOHANG) == child) {
        reaped(st);
        return false;
    }
    return true;
}

int st_demo_status(void)
{
    return child > 0 ? -1 : child_status;
}

/* The drop-in malloc, found like slabload: the build tree's for the build
 * tree's slabtop, else the one installed in libdir. */
static bool find_preload(char *out, size_t len)
{
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

    if (n > 0) {
        self[n] = '\0';
        if (strcmp(self, SLABTOP_BUILD_PATH) == 0 && access(MALLOC_BUILD_PATH, R_OK) == 0) {
            snprintf(out, len, "%s", MALLOC_BUILD_PATH);
            return true;
        }
    }
    snprintf(out, len, "%s", MALLOC_INSTALL_PATH);
    return access(out, R_OK) == 0;
}

int st_demo_run(char *const argv[], bool discard, char *name, size_t len,
                char *out_path, size_t out_len)
{
    char preload[PATH_MAX + 1];
    int pipefd[2], out = -1;
    pid_t parent = getpid();

    if (!find_preload(preload, sizeof(preload))) {
        fprintf(stderr, "slabtop: cannot find the drop-in malloc (looked for %s); "
                "is libslab installed?\n", preload);
        return -1;
    }
    snprintf(name, len, "run-%ld", (long)parent);
    if (discard) {
        snprintf(out_path, out_len, "/dev/null");
        out = open(out_path, O_WRONLY | O_CLOEXEC);
    } else {
        const char *tmp = getenv("TMPDIR");

        snprintf(out_path, out_len, "%s/slabtop-%s.out", tmp && tmp[0] ? tmp : "/tmp", name);
        out = open(out_path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
    }
    if (out < 0) {
        fprintf(stderr, "slabtop: cannot write the program's output to %s: %s\n",
                out_path, strerror(errno));
        return -1;
    }
    if (pipe2(pipefd, O_CLOEXEC) != 0) {
        fprintf(stderr, "slabtop: cannot start %s: %s\n", argv[0], strerror(errno));
        close(out);
        return -1;
    }
    fflush(NULL);
    child = fork();
    if (child < 0) {
        fprintf(stderr, "slabtop: cannot start %s: %s\n", argv[0], strerror(errno));
        close(out);
        close(pipefd[0]);
        close(pipefd[1]);
        return -1;
    }
    if (child == 0) {
        int devnull = open("/dev/null", O_RDONLY);
        const char *old = getenv("LD_PRELOAD");
        char both[2 * PATH_MAX + 2], pid_text[24];
        int e;

        /* Never outlive slabtop; keep the terminal's keys (its own process
         * group) and the screen (output to the file) to slabtop. */
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (getppid() != parent)
            _exit(127);
        setpgid(0, 0);
        if (devnull >= 0)
            dup2(devnull, STDIN_FILENO);
        dup2(out, STDOUT_FILENO);
        dup2(out, STDERR_FILENO);
        /* As slabrun(1) runs it: the drop-in in front of any preload, the
         * segment named, publishing from the first call; descendants
         * publish as NAME-PID. */
        if (old && old[0])
            snprintf(both, sizeof(both), "%s:%s", preload, old);
        else
            snprintf(both, sizeof(both), "%s", preload);
        snprintf(pid_text, sizeof(pid_text), "%d", (int)getpid());
        if (setenv("LD_PRELOAD", both, 1) != 0 || setenv("SLAB_SHM_NAME", name, 1) != 0 ||
            setenv("SLAB_SHM_NAME_PID", pid_text, 1) != 0)
            _exit(125);
        execvp(argv[0], argv);
        e = errno;
        if (write(pipefd[1], &e, sizeof(e)) < 0)
            _exit(127);
        _exit(e == ENOENT ? 127 : 126);
    }
    close(out);
    close(pipefd[1]);
    {
        int e = 0, st;
        ssize_t n = read(pipefd[0], &e, sizeof(e));

        close(pipefd[0]);
        if (n == (ssize_t)sizeof(e)) {
            fprintf(stderr, "slabtop: cannot run %s: %s\n", argv[0], strerror(e));
            waitpid(child, &st, 0);
            reaped(st);
            return -1;
        }
    }
    atexit(st_demo_stop);
    return 0;
}

void st_demo_stop(void)
{
    struct timespec ts = { 0, 20 * 1000 * 1000 };

    if (child <= 0)
        return;
    int st;

    kill(child, SIGTERM);
    for (int i = 0; i < 150; i++) {     /* 3 s grace */
        if (waitpid(child, &st, WNOHANG) == child) {
            reaped(st);
            return;
        }
        nanosleep(&ts, NULL);
    }
    kill(child, SIGKILL);
    waitpid(child, &st, 0);
    reaped(st);
}
