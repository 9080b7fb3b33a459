/*
 * malloc_large.c - a known mix of large and small allocations, for
 * malloc_large.sh to check the drop-in's large-path counts against.
 *
 *     malloc_large LARGE SMALL [wait]
 *
 * The main thread allocates LARGE blocks of 100 KiB (the system
 * allocator's, under libslab-malloc.so) and SMALL blocks of 64 bytes (the
 * slabs'), interleaved, frees them all, and after FLUSH_US makes one more
 * small allocation, so that its sampler publishes the counts (with
 * SLAB_SAMPLE_RATE=1 every call reaches it).  With "wait" it then prints
 * "ready" and sleeps until killed, with no other allocation; without, it
 * exits.  It writes with write(2): stdio would allocate its buffer.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define LARGE_BYTES (100u * 1024u)
#define SMALL_BYTES 64u
#define FLUSH_US    120000      /* past the sampler's 50 ms flush period */
#define MAX_BLOCKS  100000

static void *blocks[MAX_BLOCKS];    /* not from malloc: only the counted calls are */

static void say(const char *s)
{
    ssize_t r = write(1, s, strlen(s));
    (void)r;
}

int main(int argc, char **argv)
{
    if (argc < 3)
        return 2;
    long large = atol(argv[1]), small = atol(argv[2]);
    long total = large + small;
    void **p = blocks;
    if (large < 0 || small < 0 || total > MAX_BLOCKS)
        return 2;
    for (long i = 0, l = 0; i < total; i++) {
        /* Spread the large ones evenly among the small ones. */
        if (l * total <= i * large && l < large) {
            p[i] = malloc(LARGE_BYTES);
            l++;
        } else {
            p[i] = malloc(SMALL_BYTES);
        }
        if (p[i] == NULL)
            return 1;
        memset(p[i], 0x5a, 16);
    }
    for (long i = 0; i < total; i++)
        free(p[i]);
    usleep(FLUSH_US);
    blocks[0] = malloc(16);     /* kept: a malloc/free pair could be optimised out */
    free(blocks[0]);
    if (argc > 3 && strcmp(argv[3], "wait") == 0) {
        say("ready\n");
        for (;;)
            pause();
    }
    return 0;
}
