/*
 * test_shm_exec.c - a process that publishes and then exec()s into another
 * libslab program: the new image takes over its own pid's segment (the old
 * image can no longer write or remove it), publishes, and removes it at
 * exit, leaving nothing behind.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "options.h"
#include "shm_reader.h"
#include "slab_shm.h"
#include "tap.h"

/* The image after exec: publish under the default name (the pid). */
static int second(const char *created)
{
    slab_shm_reader *r = NULL;
    slab_shm_errinfo e;
    slab_shm_identity id;
    char name[24];

    plan(4);                /* the 4th is the parent's, after our exit */
    int rc = slab_shm_publish(NULL);
    int err = errno;
    ok(rc == 0, "after exec, the new image publishes under its pid (%s)",
       rc ? strerror(err) : "ok");
    snprintf(name, sizeof(name), "%d", (int)getpid());
    is_int(slab_shm_attach(name, &r, &e), SLAB_SHM_OK, "its segment: %s", e.message);
    if (r)
        slab_shm_reader_identity(r, &id);
    ok(r && id.created_mono_ns > strtoull(created, NULL, 10),
       "a new segment, not the old image's");
    slab_shm_detach(r);
    return tap_failed ? 1 : 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--second") == 0)
        return second(argv[2]);

    char path[64], created[32];
    struct stat st;

    setenv("SLAB_SHM_THREADS", "2", 1);
    unsetenv("SLAB_SHM_NAME");
    slab_options_reload();
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0)
        bail_out("fork");
    if (pid == 0) {
        /* The first image publishes and execs without exiting. */
        slab_shm_reader *r = NULL;
        slab_shm_identity id;
        char name[24];
        if (slab_shm_publish(NULL) != 0)
            _exit(90);
        snprintf(name, sizeof(name), "%d", (int)getpid());
        if (slab_shm_attach(name, &r, NULL) != SLAB_SHM_OK)
            _exit(91);
        slab_shm_reader_identity(r, &id);
        slab_shm_detach(r);
        snprintf(created, sizeof(created), "%llu", (unsigned long long)id.created_mono_ns);
        execl("/proc/self/exe", argv[0], "--second", created, (char *)NULL);
        _exit(92);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    snprintf(path, sizeof(path), SLAB_SHM_DIR "/" SLAB_SHM_PREFIX "%d", (int)pid);
    /* The child's TAP output is ours: add the last check after it. */
    int gone = stat(path, &st) != 0;
    printf("%s 4 - the exec'ed image's exit removed the segment, nothing is left behind\n",
           gone ? "ok" : "not ok");
    if (!gone)
        unlink(path);
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 && gone ? 0 : 1;
}
