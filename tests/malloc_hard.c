/*
 * malloc_hard.c - the awkward cases of a preloaded malloc, one per mode,
 * run under LD_PRELOAD=libslab-malloc.so by tests/malloc_hard.sh.  Exits 0
 * when everything it checks held, and prints what failed otherwise.
 *
 *   early     allocations from a constructor (before main) freed in main,
 *             and the reverse; the dynamic loader's own allocations
 *             (dlopen, dlsym, dlerror strings, dlclose); strdup, asprintf,
 *             getline, realpath, scandir: memory glibc allocates and the
 *             program frees
 *   hostile   closes every file descriptor and sets umask 077 first thing,
 *             and, as root, switches to uid/gid 65534; then allocates for
 *             a while so that the segment gets created after all that (a
 *             program that changes uid after its first 10 ms keeps a
 *             segment of its old uid, which it cannot remove at exit)
 *   exiting   threads that allocate, hand blocks to the main thread and
 *             exit; the main thread frees them later and reuses the memory
 *   fds       the descriptors the library keeps open (a thread's
 *             schedstat) leave the low numbers to the program: none below
 *             512, in the parent and in a forked child, and a thread's
 *             first sampled malloc() between close(0) and dup() (a shell
 *             between fork and exec) does not take descriptor 0
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <malloc.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int failures;
#define CHECK(cond, what) do { if (!(cond)) { fprintf(stderr, "FAILED: %s\n", what); failures++; } } while (0)

static char *from_constructor[64];

/* Only in mode early (MALLOC_HARD_EARLY=1): the other modes must not
 * allocate before main. */
__attribute__((constructor)) static void early_allocations(void)
{
    if (getenv("MALLOC_HARD_EARLY") == NULL)
        return;
    for (int i = 0; i < 64; i++) {
        from_constructor[i] = malloc(16 + i * 40);
        if (from_constructor[i])
            memset(from_constructor[i], 'c', 16 + i * 40);
    }
}

static void busy_allocate(int ms)
{
    struct timespec t0, t;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    void *keep[256] = { 0 };
    unsigned i = 0;
    do {
        for (int k = 0; k < 1000; k++, i++) {
            free(keep[i % 256]);
            keep[i % 256] = malloc(1 + (i * 37) % 900);
        }
        clock_gettime(CLOCK_MONOTONIC, &t);
    } while ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000 < ms);
    for (int k = 0; k < 256; k++)
        free(keep[k]);
}

static int early(void)
{
    for (int i = 0; i < 64; i++) {
        CHECK(from_constructor[i] != NULL, "a constructor's malloc");
        CHECK(from_constructor[i] && from_constructor[i][15 + i * 40] == 'c',
              "a constructor's block keeps its contents");
        CHECK(malloc_usable_size(from_constructor[i]) >= (size_t)(16 + i * 40),
              "malloc_usable_size of a constructor's block");
        free(from_constructor[i]);
    }

    /* The dynamic loader allocates with the program's malloc and frees
     * with its free. */
    for (int round = 0; round < 20; round++) {
        void *h = dlopen("libm.so.6", RTLD_NOW | RTLD_LOCAL);
        CHECK(h != NULL, "dlopen libm");
        if (h) {
            CHECK(dlsym(h, "cos") != NULL, "dlsym cos");
            dlclose(h);
        }
        CHECK(dlopen("libdoes-not-exist.so.42", RTLD_NOW) == NULL, "a failing dlopen");
        const char *err = dlerror();
        CHECK(err != NULL && strstr(err, "libdoes-not-exist") != NULL, "its dlerror text");
    }

    /* glibc allocates, the program frees. */
    char *s = strdup("a string from strdup");
    CHECK(s && strcmp(s, "a string from strdup") == 0, "strdup");
    free(s);
    s = strndup("0123456789", 4);
    CHECK(s && strcmp(s, "0123") == 0, "strndup");
    free(s);
    char *a = NULL;
    CHECK(asprintf(&a, "%d-%s", 42, "x") == 4 && strcmp(a, "42-x") == 0, "asprintf");
    free(a);
    FILE *f = fopen("/proc/self/maps", "r");
    char *line = NULL;
    size_t cap = 0;
    int lines = 0;
    while (f && getline(&line, &cap, f) > 0)
        lines++;
    CHECK(lines > 0, "getline");
    free(line);
    if (f)
        fclose(f);
    char *rp = realpath("/proc/self/exe", NULL);
    CHECK(rp != NULL, "realpath");
    free(rp);
    struct dirent **list;
    int n = scandir("/proc/self/fd", &list, NULL, alphasort);
    CHECK(n > 0, "scandir");
    for (int i = 0; i < n; i++)
        free(list[i]);
    if (n > 0)
        free(list);
    return failures;
}

static int hostile(void)
{
    for (int fd = 0; fd < 1024; fd++)
        if (fd != STDERR_FILENO)
            close(fd);
    umask(077);
    if (geteuid() == 0) {
        CHECK(setgid(65534) == 0, "setgid 65534");
        CHECK(setuid(65534) == 0, "setuid 65534");
    }
    /* Allocate until the segment exists (at most 10 s; 0.3 s with
     * SLAB_SHM=0, which must create none), then say what it
     * is: the program reports it itself, because a shell polling from
     * outside can miss a segment that lives only as long as the program. */
    const char *name = getenv("SLAB_SHM_NAME");
    char path[128];
    struct stat st;
    snprintf(path, sizeof(path), "/dev/shm/slab.%s", name ? name : "");
    const char *shm = getenv("SLAB_SHM");
    int tries = shm && strcmp(shm, "0") == 0 ? 3 : 100;  /* none expected */
    for (int i = 0; i < tries && stat(path, &st) != 0; i++)
        busy_allocate(100);
    if (stat(path, &st) == 0)
        fprintf(stderr, "segment %o %u\n", (unsigned)(st.st_mode & 0777), (unsigned)st.st_uid);
    else
        fprintf(stderr, "segment none\n");
    return failures;
}

static void *producer(void *arg)
{
    void **out = arg;
    for (int i = 0; i < 5000; i++) {
        out[i] = malloc(24 + (i % 30) * 24);
        memset(out[i], i & 0xff, 24);
    }
    return NULL;
}

static int exiting(void)
{
    enum { T = 8, N = 5000 };
    static void *blocks[T][N];
    for (int round = 0; round < 10; round++) {
        pthread_t t[T];
        for (int k = 0; k < T; k++)
            pthread_create(&t[k], NULL, producer, blocks[k]);
        for (int k = 0; k < T; k++)
            pthread_join(t[k], NULL);
        /* The threads are gone; their blocks stay valid. */
        for (int k = 0; k < T; k++) {
            for (int i = 0; i < N; i++) {
                unsigned char *p = blocks[k][i];
                CHECK(p != NULL && p[0] == (i & 0xff) && p[23] == (i & 0xff),
                      "a block of an exited thread kept its contents");
                free(p);
                if (failures > 5)
                    return failures;
            }
        }
    }
    return failures;
}

/* Descriptors open below 512 that were not at start (the test's caller
 * may have left some open), besides the listing's own.  With record set:
 * note those open now as the ones at start. */
static bool open_at_start[512];

static int low_fds(bool record)
{
    int n = 0;
    DIR *d = opendir("/proc/self/fd");
    if (d == NULL)
        return -1;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        int fd = atoi(e->d_name);
        if (e->d_name[0] == '.' || fd >= 512 || fd == dirfd(d))
            continue;
        if (record) {
            open_at_start[fd] = true;
        } else if (!open_at_start[fd]) {
            char link[256] = "";
            char path[64];
            snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
            ssize_t k = readlink(path, link, sizeof(link) - 1);
            link[k > 0 ? k : 0] = '\0';
            fprintf(stderr, "opened below 512: %d -> %s\n", fd, link);
            n++;
        }
    }
    closedir(d);
    return n;
}

/* close(0), then a new thread's first allocations (sampled: SLAB_SAMPLE_RATE
 * is 1), then dup(): the program's next descriptor must still be 0. */
static void *close_then_malloc(void *arg)
{
    int *got = arg;
    int keep = dup(STDIN_FILENO);
    close(STDIN_FILENO);
    for (int i = 0; i < 100; i++) {
        char *volatile p = malloc(32 + i);      /* kept: not optimised out */
        free(p);
    }
    got[0] = dup(keep);
    close(keep);
    return NULL;
}

static int fds(void)
{
    low_fds(true);
    busy_allocate(300);             /* sampled, published */
    CHECK(low_fds(false) == 0, "no library descriptor below 512");
    int got[1] = { -1 };
    pthread_t t;
    pthread_create(&t, NULL, close_then_malloc, got);
    pthread_join(t, NULL);
    CHECK(got[0] == 0, "close(0), malloc(), dup(): the program gets descriptor 0 back");
    pid_t pid = fork();
    if (pid == 0) {
        busy_allocate(100);
        _exit(low_fds(false) == 0 ? 0 : 1);
    }
    int st = 0;
    CHECK(pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0,
          "no library descriptor below 512 in a forked child");
    return failures;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return 2;
    if (strcmp(argv[1], "early") == 0)
        return early() ? 1 : 0;
    if (strcmp(argv[1], "hostile") == 0)
        return hostile() ? 1 : 0;
    if (strcmp(argv[1], "exiting") == 0)
        return exiting() ? 1 : 0;
    if (strcmp(argv[1], "fds") == 0)
        return fds() ? 1 : 0;
    return 2;
}
