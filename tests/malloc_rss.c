/*
 * malloc_rss.c - how much memory a malloc gives back after a program frees
 * what it allocated.
 *
 *     malloc_rss [N [SIZE [THREADS]]]
 *
 * Allocates N blocks of SIZE bytes (default 1000000 x 300) in each of
 * THREADS threads (default 1, one after the other), frees them all, and
 * prints resident memory (VmRSS, KiB) at four moments, one per line:
 *
 *     start  before allocating
 *     peak   with everything allocated
 *     freed  right after the last free
 *     later  after 50 ms and 10000 more malloc/free pairs of SIZE
 *
 * A plain malloc program, run under LD_PRELOAD of whichever allocator is
 * measured (tests/malloc_memory.sh runs it under libslab-malloc.so).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static size_t n = 1000000, size = 300;

static long rss_kb(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = -1;
    while (f && fgets(line, sizeof(line), f))
        if (strncmp(line, "VmRSS:", 6) == 0)
            kb = strtol(line + 6, NULL, 10);
    if (f)
        fclose(f);
    return kb;
}

static long peak;

static void *work(void *arg)
{
    (void)arg;
    void **v = malloc(n * sizeof(*v));
    if (v == NULL)
        exit(2);
    for (size_t i = 0; i < n; i++) {
        v[i] = malloc(size);
        if (v[i] == NULL)
            exit(2);
        memset(v[i], (int)i, size);
    }
    long now = rss_kb();
    if (now > peak)
        peak = now;
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
    return NULL;
}

int main(int argc, char **argv)
{
    unsigned threads = 1;
    if (argc > 1)
        n = strtoul(argv[1], NULL, 10);
    if (argc > 2)
        size = strtoul(argv[2], NULL, 10);
    if (argc > 3)
        threads = (unsigned)strtoul(argv[3], NULL, 10);

    printf("start %ld\n", rss_kb());
    for (unsigned t = 0; t < threads; t++) {
        pthread_t th;
        if (threads == 1) {
            work(NULL);
        } else {
            pthread_create(&th, NULL, work, NULL);
            pthread_join(th, NULL);
        }
    }
    printf("peak %ld\n", peak);
    printf("freed %ld\n", rss_kb());
    struct timespec ts = { 0, 50000000 };
    nanosleep(&ts, NULL);
    for (int i = 0; i < 10000; i++) {
        /* volatile: a compiler may drop a malloc whose block is unused */
        void *volatile p = malloc(size);
        free(p);
    }
    printf("later %ld\n", rss_kb());
    return 0;
}
