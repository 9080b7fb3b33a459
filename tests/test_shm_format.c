/*
 * test_shm_format.c - the segment format (slab_shm_format.h) against the
 * layout the first release wrote, and the man page's field tables against
 * the counter tables.
 *
 * The first release wrote the API structures PerfCounters and
 * slab_thread_stats into the segment as they are.  The format now has
 * structures of its own, copied field by field from the tables; a segment
 * written by the old code reads the same exactly when every field sits at
 * the offset it had in the API structure, and a copy through the tables
 * yields the bytes the old struct assignment did.  Both are checked here
 * for every field of every table, along with the absolute offsets of
 * fields inside the sections.
 *
 * "test_shm_format --man" prints the tables as libslab-shm(5) holds them
 * between its COUNTER TABLES markers ("make update-shm-man").
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shm_common.h"
#include "slab_shm.h"
#include "tap.h"

/* ---------------------------------------------------------------- man page */

static void roff_text(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (*s == '\\')
            fputs("\\e", f);
        else if (*s == '-')
            fputs("\\-", f);
        else
            fputc(*s, f);
    }
}

static void row(FILE *f, unsigned off, const char *name, const char *kind,
                const char *help)
{
    fprintf(f, "%u\t", off);
    roff_text(f, name);
    fprintf(f, "\t%s\t", kind);
    roff_text(f, help);
    fputc('\n', f);
}

static void print_man(FILE *f)
{
    fprintf(f, ".SS Thread statistics (slab_shm_seg_stats, %zu bytes; %u in format 1.0, "
          "%u in 1.1, %u in 1.2)\n"
          ".TS\nl l l l.\noffset\tfield\tkind\tmeaning\n", sizeof(slab_shm_seg_stats),
          SLAB_SHM_STATS_SIZE_1_0, SLAB_SHM_STATS_SIZE_1_1, SLAB_SHM_STATS_SIZE_1_2);
#define X(fld, kind, help) \
    row(f, (unsigned)offsetof(slab_shm_seg_stats, seed.fld), #fld, #kind, help);
    SLAB_SHM_SEED_FIELDS(X)
#undef X
#define X(fld, kind, help) \
    row(f, (unsigned)offsetof(slab_shm_seg_stats, fld), #fld, #kind, help);
    SLAB_SHM_THREAD_FIELDS(X)
#undef X
    row(f, (unsigned)offsetof(slab_shm_seg_stats, wall_hist), "wall_hist[256]",
        "SUM", "histogram of sampled wall ns");
    row(f, (unsigned)offsetof(slab_shm_seg_stats, cpu_hist), "cpu_hist[256]",
        "SUM", "histogram of sampled CPU ns");
#define X(fld, kind, help) \
    row(f, (unsigned)offsetof(slab_shm_seg_stats, fld), #fld, #kind, "(1.1) " help);
    SLAB_SHM_SAMPLE_FIELDS(X)
#undef X
    row(f, (unsigned)offsetof(slab_shm_seg_stats, tail), "tail[32]", "SUM",
        "(1.1) tail groups: samples of wall buckets 8g..8g+7 (slab_shm_tail_group)");
    row(f, (unsigned)offsetof(slab_shm_seg_stats, null_wall_hist), "null_wall_hist[256]",
        "SUM", "(1.1) histogram of the empty regions timed in place of samples, wall ns");
    row(f, (unsigned)offsetof(slab_shm_seg_stats, null_cpu_hist), "null_cpu_hist[256]",
        "SUM", "(1.1) the same, CPU ns");
#define X(fld, kind, help) \
    row(f, (unsigned)offsetof(slab_shm_seg_stats, fld), #fld, #kind, "(1.2) " help);
    SLAB_SHM_LARGE_FIELDS(X)
#undef X
    row(f, (unsigned)offsetof(slab_shm_seg_stats, repair_hist), "repair_hist[256]", "SUM",
        "(1.3) histogram of every timed repair, wall ns");
    row(f, (unsigned)offsetof(slab_shm_seg_stats, repair_wall_ns), "repair_wall_ns[32]", "SUM",
        "(1.3) wall time of the repairs of buckets 8g..8g+7, ns");
    row(f, (unsigned)offsetof(slab_shm_seg_stats, repair_cpu_ns), "repair_cpu_ns[32]", "SUM",
        "(1.3) their CPU time, ns");
    fputs(".TE\n.SS Tail group (slab_shm_tail_group, 80 bytes, format 1.1)\n"
          ".TS\nl l l l.\noffset\tfield\tkind\tmeaning\n", f);
    row(f, (unsigned)offsetof(slab_shm_tail_group, wall_ns), "wall_ns", "SUM",
        "wall time of the group's samples, ns");
    row(f, (unsigned)offsetof(slab_shm_tail_group, runq_ns), "runq_ns", "SUM",
        "their run-queue wait, ns");
    row(f, (unsigned)offsetof(slab_shm_tail_group, blocked_ns), "blocked_ns", "SUM",
        "their other off-CPU time on paths that may sleep, ns");
    row(f, (unsigned)offsetof(slab_shm_tail_group, other_ns), "other_ns", "SUM",
        "their other off-CPU time on the other paths, ns");
    {
        unsigned k = 0;
        char name[32];
#define X(path, help) \
        snprintf(name, sizeof(name), "work_ns[%u]", k); \
        row(f, (unsigned)(offsetof(slab_shm_tail_group, work_ns) + 8 * k), name, "SUM", \
            "CPU time, path " #path ": " help); \
        k++;
        SLAB_SHM_PATHS(X)
#undef X
    }
    fprintf(f, ".TE\n.SS Timing (slab_shm_seg_process, from offset %u, format 1.1)\n"
            ".TS\nl l l l.\noffset\tfield\tkind\tmeaning\n", SLAB_SHM_PROCESS_SIZE_1_0);
#define X(fld, kind, help) \
    row(f, (unsigned)offsetof(slab_shm_seg_process, fld), #fld, #kind, help);
    SLAB_SHM_TIMING_FIELDS(X)
#undef X
    fputs(".TE\n.SS Size-class counters (slab_shm_seg_class, 104 bytes)\n"
          ".TS\nl l l l.\noffset\tfield\tkind\tmeaning\n", f);
#define X(fld, kind, help) \
    row(f, (unsigned)offsetof(slab_shm_seg_class, fld), #fld, #kind, help);
    SLAB_SHM_CLASS_FIELDS(X)
#undef X
    fputs(".TE\n.SS Memory (slab_shm_memory, 64 bytes)\n"
          ".TS\nl l l l.\noffset\tfield\tkind\tmeaning\n", f);
#define X(fld, kind, help) \
    row(f, (unsigned)offsetof(slab_shm_memory, fld), #fld, #kind, help);
    SLAB_SHM_MEMORY_FIELDS(X)
#undef X
    fputs(".TE\n", f);
}

static bool man_matches(void)
{
    const char *srcdir = getenv("top_srcdir");
    const char *begin_mark = ".\\\" BEGIN COUNTER TABLES\n";
    const char *end_mark = ".\\\" END COUNTER TABLES\n";
    static char page[1 << 17], gen[1 << 15];
    char path[4096];

    snprintf(path, sizeof(path), "%s/man/libslab-shm.5", srcdir ? srcdir : "..");
    FILE *in = fopen(path, "r");
    if (!in) {
        diag("cannot read %s", path);
        return false;
    }
    size_t n = fread(page, 1, sizeof(page) - 1, in);
    fclose(in);
    page[n] = '\0';
    char *b = strstr(page, begin_mark), *e = b ? strstr(b, end_mark) : NULL;
    if (!b || !e) {
        diag("libslab-shm(5) lacks the COUNTER TABLES markers");
        return false;
    }
    b += strlen(begin_mark);
    FILE *m = fmemopen(gen, sizeof(gen), "w");
    if (!m)
        return false;
    print_man(m);
    fclose(m);
    if (strlen(gen) != (size_t)(e - b) || memcmp(gen, b, (size_t)(e - b)) != 0) {
        diag("libslab-shm(5) field tables differ from slab_shm_format.h; "
             "regenerate them with make update-shm-man");
        return false;
    }
    return true;
}

/* ---------------------------------------------------------------- layout */

/* Fill n bytes with a pattern that differs in every 64-bit word. */
static void pattern(void *p, size_t n, uint64_t seed)
{
    uint64_t *w = p;
    for (size_t i = 0; i < n / 8; i++)
        w[i] = seed * 0x9e3779b97f4a7c15u + i;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--man") == 0) {
        print_man(stdout);
        return 0;
    }
    plan(16);

    /* Each field at the offset it had in the API structure. */
    unsigned bad = 0, fields = 0;
#define X(f, kind, help) fields++; \
    if (offsetof(slab_shm_seg_stats, seed.f) != offsetof(slab_thread_stats, seed.f)) \
        bad++, diag("stats field %s moved", #f);
    SLAB_SHM_SEED_FIELDS(X)
#undef X
#define X(f, kind, help) fields++; \
    if (offsetof(slab_shm_seg_stats, f) != offsetof(slab_thread_stats, f)) \
        bad++, diag("stats field %s moved", #f);
    SLAB_SHM_THREAD_FIELDS(X)
    SLAB_SHM_SAMPLE_FIELDS(X)
    SLAB_SHM_LARGE_FIELDS(X)
#undef X
    is_int(bad, 0, "all %u scalar thread statistics sit where the old layout had them",
           fields);
    ok(sizeof(slab_shm_seg_stats) == sizeof(slab_thread_stats) &&
       offsetof(slab_shm_seg_stats, wall_hist) == offsetof(slab_thread_stats, wall_hist) &&
       offsetof(slab_shm_seg_stats, cpu_hist) == offsetof(slab_thread_stats, cpu_hist) &&
       offsetof(slab_shm_seg_stats, tail) == offsetof(slab_thread_stats, tail),
       "the histograms too, and the sizes agree (%zu)", sizeof(slab_shm_seg_stats));
    bad = 0;
    fields = 0;
#define X(f, kind, help) fields++; \
    if (offsetof(slab_shm_seg_class, f) != offsetof(PerfCounters, f)) \
        bad++, diag("class field %s moved", #f);
    SLAB_SHM_CLASS_FIELDS(X)
#undef X
    is_int(bad, 0, "all %u class counters sit where the old layout had them", fields);
    is_int(fields * 8, sizeof(PerfCounters),
           "the class table covers the whole of PerfCounters");
    is_int(sizeof(slab_shm_seg_class), sizeof(PerfCounters), "and the sizes agree");

    /* The copies write exactly what the old struct assignment wrote. */
    slab_thread_stats api, back;
    slab_shm_seg_stats seg;
    pattern(&api, sizeof(api), 7);
    memset(&seg, 0, sizeof(seg));
    slab_shm_stats_to_seg(&seg, &api);
    ok(memcmp(&seg, &api, sizeof(seg)) == 0,
       "a record written through the tables has the old bytes");
    memset(&back, 0, sizeof(back));
    slab_shm_stats_from_seg(&back, &seg);
    ok(memcmp(&back, &api, sizeof(back)) == 0, "and reads back the same");
    PerfCounters pc, pc2;
    slab_shm_seg_class sc;
    pattern(&pc, sizeof(pc), 11);
    slab_shm_class_to_seg(&sc, &pc);
    slab_shm_class_from_seg(&pc2, &sc);
    ok(memcmp(&sc, &pc, sizeof(sc)) == 0 && memcmp(&pc2, &pc, sizeof(pc)) == 0,
       "class counters too");

    /* Absolute positions inside the sections, as the first release had
     * them (libslab-shm(5)). */
    ok(offsetof(slab_shm_seg_process, classes) + 3 * sizeof(slab_shm_seg_class) +
       offsetof(slab_shm_seg_class, remote_frees) == 192 + 3 * 104 + 48,
       "process: classes[3].remote_frees at 552");
    ok(offsetof(slab_shm_seg_record, stats) + offsetof(slab_shm_seg_stats, nivcsw) ==
       64 + 160 && offsetof(slab_shm_seg_record, stats) +
       offsetof(slab_shm_seg_stats, cpu_hist) == 64 + 2224,
       "record: stats.nivcsw at 224, stats.cpu_hist at 2288");
    ok(offsetof(slab_shm_seg_process, memory) +
       offsetof(slab_shm_memory, epoch_closes) == 168,
       "process: memory.epoch_closes at 168");

    /* The writer's layout (slab_shm_layout_to_header()) passes the readers'
     * validation (slab_shm_header_check()) at every record count. */
    {
        static const uint32_t counts[] = { 0, 1, 2, 255, 256, 4096, 65536 };
        unsigned refused = 0;

        for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
            slab_shm_layout l;
            slab_shm_seg_header h;
            slab_shm_errinfo e;

            memset(&h, 0, sizeof(h));
            slab_shm_layout_compute(counts[i], &l);
            slab_shm_layout_to_header(&l, &h);
            h.ready = SLAB_SHM_READY(h.abi_major, h.abi_minor);
            h.pid = 1;
            snprintf(h.name, sizeof(h.name), "layout");
            if (slab_shm_header_check(&h, l.segment_size, "layout", &e) != SLAB_SHM_OK)
                refused++, diag("%u records: %s", counts[i], e.message);
        }
        is_int(refused, 0, "the writer's layout passes the readers' check at 7 record counts");
    }

    ok(offsetof(slab_shm_seg_stats, sched_samples) == SLAB_SHM_STATS_SIZE_1_0 &&
       offsetof(slab_shm_seg_process, floor_wall_p10_ns) == SLAB_SHM_PROCESS_SIZE_1_0 &&
       SLAB_SHM_ABI_MINOR >= 1,
       "format 1.1 only appends: to the thread statistics at %u, to the process "
       "section at %u", SLAB_SHM_STATS_SIZE_1_0, SLAB_SHM_PROCESS_SIZE_1_0);
    ok(offsetof(slab_shm_seg_stats, allocs_large) == SLAB_SHM_STATS_SIZE_1_1 &&
       SLAB_SHM_ABI_MINOR >= 2,
       "format 1.2 only appends: to the thread statistics at %u", SLAB_SHM_STATS_SIZE_1_1);
    ok(offsetof(slab_shm_seg_stats, repair_hist) == SLAB_SHM_STATS_SIZE_1_2 &&
       SLAB_SHM_ABI_MINOR >= 3,
       "format 1.3 only appends: to the thread statistics at %u", SLAB_SHM_STATS_SIZE_1_2);
    ok(man_matches(), "libslab-shm(5) field tables match the tables");
    return tap_exit();
}
