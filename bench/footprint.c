/*
 * footprint.c - the peak memory a malloc needs for many small objects of
 * one size.
 *
 *     footprint SIZE [N]
 *
 * Allocates N blocks (default 1000000) of SIZE bytes, writes every byte of
 * each (so that each page counts), and prints one line:
 *
 *     size 16 n 1000000 payload_kb 15625 maxrss_kb 21440 per_object 21.9
 *
 * maxrss_kb is getrusage()'s ru_maxrss, the process's peak resident
 * memory, start-up included; per_object is maxrss over N, in bytes.  A
 * plain malloc program, run under LD_PRELOAD of the allocator measured
 * (bench/footprint.sh runs each allocator in turn).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: footprint SIZE [N]\n");
        return 2;
    }
    size_t size = strtoul(argv[1], NULL, 10);
    size_t n = argc > 2 ? strtoul(argv[2], NULL, 10) : 1000000;
    if (size == 0 || n == 0) {
        fprintf(stderr, "footprint: SIZE and N must be positive\n");
        return 2;
    }
    char **blocks = malloc(n * sizeof(*blocks));
    if (blocks == NULL) {
        perror("footprint");
        return 1;
    }
    for (size_t i = 0; i < n; i++) {
        blocks[i] = malloc(size);
        if (blocks[i] == NULL) {
            perror("footprint");
            return 1;
        }
        memset(blocks[i], (int)(i & 0xff), size);
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    /* Read the blocks back, so that no compiler drops the stores. */
    unsigned sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += (unsigned char)blocks[i][size - 1];
    printf("size %zu n %zu payload_kb %zu maxrss_kb %ld per_object %.1f check %u\n", size, n,
           size * n / 1024, ru.ru_maxrss, (double)ru.ru_maxrss * 1024.0 / (double)n, sum);
    for (size_t i = 0; i < n; i++)
        free(blocks[i]);
    free(blocks);
    return 0;
}
