/*
 * test_slabtop_model.c - slabtop's model without a terminal: deltas, rates
 * on the writer's clock, interval percentiles, the verdict, sorting, and the
 * pieces around it (command line, key table against the man page, JSON
 * string escaping, number formatting).
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classcol.h"
#include "cli.h"
#include "fmt.h"
#include "keys.h"
#include "model.h"
#include "output.h"
#include "slabtop.h"
#include "tap.h"

#define SEC UINT64_C(1000000000)

static void add_samples(slab_thread_stats *s, uint64_t n, uint64_t wall, uint64_t cpu)
{
    s->seed.alloc_samples += n;
    s->seed.alloc_wall_ns_sum += n * wall;
    s->seed.alloc_cpu_ns_sum += n * cpu;
    if (wall > s->seed.alloc_wall_ns_max)
        s->seed.alloc_wall_ns_max = wall;
    if (cpu > s->seed.alloc_cpu_ns_max)
        s->seed.alloc_cpu_ns_max = cpu;
    s->wall_hist[slab_hist_bucket(wall)] += n;
    s->cpu_hist[slab_hist_bucket(cpu)] += n;
}

static bool near(double got, double want, double rel)
{
    return fabs(got - want) <= rel * fabs(want) + 1e-9;
}

static void test_figures(void)
{
    slab_thread_stats a, b;
    st_figures f;
    double ratio = 0;

    memset(&a, 0, sizeof(a));
    a.allocs = 100000;
    add_samples(&a, 100, 1000, 800);
    b = a;
    b.allocs += 2000000;
    add_samples(&b, 2000, 9000, 1000);
    b.thread_cpu_ns = 900000000;
    b.runq_wait_ns = 100000000;
    b.nivcsw = 40;

    st_figures_compute(&f, &a, &b, 2 * SEC, 100, 50);
    is_u64(f.allocs, 2000000, "allocs of the interval are the difference");
    ok(near(f.allocs_per_s, 1000000, 1e-12), "allocs/s over the writer's 2 s interval (%g)", f.allocs_per_s);
    ok(near(f.samples_per_s, 1000, 1e-12), "samples/s (%g)", f.samples_per_s);
    ok(near(f.wall_mean_ns, 9000 - 100, 1e-12), "wall mean is floor-corrected (%g)", f.wall_mean_ns);
    ok(near(f.cpu_mean_ns, 1000 - 50, 1e-12), "CPU mean is floor-corrected (%g)", f.cpu_mean_ns);
    ok(near((double)f.wall_p50, 9000 - 100, 0.07), "interval p50 comes from the histogram difference (%llu)",
       (unsigned long long)f.wall_p50);
    ok(f.wall_p50 > 5000, "the older, faster samples are not in the interval's p50");
    is_u64(f.wall_max_ns, 9000 - 100, "the max moved in the interval: exact, floor-corrected");
    ok(near(f.cpu_share, 0.9, 1e-12), "CPU share is CPU / (CPU + run-queue wait) (%g)", f.cpu_share);
    ok(near(f.runq_share, 0.05, 1e-12), "run-queue wait per second of the interval (%g)", f.runq_share);
    ok(near(f.nivcsw_per_s, 20, 1e-12), "involuntary switches per second (%g)", f.nivcsw_per_s);

    /* The interval's histograms: the 2000 samples of b that a lacks. */
    static uint64_t dw[SLAB_HIST_BUCKETS], dc[SLAB_HIST_BUCKETS];
    dw[slab_hist_bucket(9000)] = 2000;
    dc[slab_hist_bucket(1000)] = 2000;
    slab_verdict_input in = {
        .samples = 2000, .wall_ns_sum = 2000 * 9000, .cpu_ns_sum = 2000 * 1000,
        .floor_wall_ns = 100, .floor_cpu_ns = 50, .elapsed_ns = 2 * SEC,
        .thread_cpu_ns = 900000000, .runq_wait_ns = 100000000, .nivcsw = 40,
        .wall_hist = dw, .cpu_hist = dc,
    };
    slab_verdict v = slab_verdict_compute(&in, &ratio);
    ok(f.verdict == v && f.ratio == ratio, "verdict and ratio are the library's (%s %.2f)",
       slab_verdict_name(f.verdict), f.ratio);

    /* The max did not move: it comes from the top bucket of the interval. */
    slab_thread_stats c = b;
    c.allocs += 1000;
    add_samples(&c, 10, 2000, 1000);
    st_figures_compute(&f, &b, &c, SEC, 0, 0);
    ok(f.wall_max_ns >= 2000 && f.wall_max_ns <= 2000 + 2000 / 8 + 1,
       "an interval's max without a new record is its top bucket (%llu)",
       (unsigned long long)f.wall_max_ns);

    /* One sample just above a bucket's midpoint: the percentile (a
     * midpoint) is above the exact max, and is clamped to it. */
    {
        slab_thread_stats d;
        uint64_t lo = slab_hist_bucket_low(slab_hist_bucket(1000000));
        memset(&d, 0, sizeof(d));
        add_samples(&d, 1, lo, lo);
        st_figures_compute(&f, NULL, &d, SEC, 0, 0);
        ok(f.wall_p99 <= f.wall_max_ns && f.wall_max_ns == lo,
           "no percentile above the interval's max (%llu <= %llu)",
           (unsigned long long)f.wall_p99, (unsigned long long)f.wall_max_ns);
    }

    /* Nothing in the interval. */
    st_figures_compute(&f, &c, &c, SEC, 0, 0);
    ok(f.samples == 0 && f.verdict == SLAB_VERDICT_INSUFFICIENT && f.wall_p99 == 0,
       "an empty interval is insufficient, with zero percentiles");
    /* No writer time elapsed: no rates, no division by zero. */
    st_figures_compute(&f, &b, &c, 0, 0, 0);
    ok(f.allocs_per_s == 0 && f.allocs == 1000, "zero elapsed time gives no rate");
    /* Counters that went down: a restarted record counts from zero. */
    st_figures_compute(&f, &c, &a, SEC, 0, 0);
    is_u64(f.allocs, a.allocs, "a record that went backwards restarts from zero");
    /* Floor larger than the values clamps at zero. */
    st_figures_compute(&f, NULL, &a, SEC, 5000, 5000);
    ok(f.wall_mean_ns == 0 && f.wall_p99 == 0, "floor-correction never goes below zero");
}

static st_thread *thread(st_snapshot *s, uint64_t key, uint64_t tid, const char *name)
{
    s->threads = realloc(s->threads, (s->nthreads + 1) * sizeof(*s->threads));
    st_thread *t = &s->threads[s->nthreads++];
    memset(t, 0, sizeof(*t));
    t->key = key;
    t->tid = tid;
    snprintf(t->name, sizeof(t->name), "%s", name);
    return t;
}

static void test_model(void)
{
    st_model m;
    st_snapshot s1, s2, s3;
    st_thread *t;

    st_model_init(&m);
    st_snapshot_init(&s1);
    snprintf(s1.name, sizeof(s1.name), "unit");
    s1.pid = 42;
    s1.mono_ns = 100 * SEC;
    s1.uptime_ns = 4 * SEC;
    t = thread(&s1, 1, 1001, "main");
    t->stats.allocs = 4000;
    add_samples(&t->stats, 40, 500, 400);
    t->stats.interval = 1024;
    t->stats.mono_ns = 100 * SEC;
    t = thread(&s1, 2, 1002, "worker");
    t->stats.allocs = 8000;
    t->stats.interval = 2048;
    t->stats.mono_ns = 100 * SEC;

    ok(st_model_update(&m, &s1) == 0, "first snapshot");
    ok(near(m.view.summary.elapsed_s, 4, 1e-12) && m.view.since_start,
       "the first interval is the process's life");
    ok(near(m.view.summary.allocs_per_s, 3000, 1e-12), "lifetime allocs/s (%g)", m.view.summary.allocs_per_s);
    is_u64(m.view.effective_interval, 2048, "effective interval is the largest thread's");
    is_u64(m.view.nrows, 2, "two thread rows");
    ok(!m.view.repair_seen, "no repair seen yet");

    /* Two writer seconds later (the reader's clock is never asked): main
     * allocated 2000 more, worker exited and was folded into the exited
     * totals, a new thread appeared, and a repair happened. */
    st_snapshot_init(&s2);
    s2 = s1;
    s2.threads = NULL;
    s2.nthreads = 0;
    s2.mono_ns = 102 * SEC;
    s2.uptime_ns = 6 * SEC;
    s2.exited = s1.threads[1].stats;
    s2.exited.allocs += 1000;   /* its last 1000 before it exited */
    t = thread(&s2, 1, 1001, "main");
    t->stats = s1.threads[0].stats;
    t->stats.allocs += 2000;
    t->stats.seed.repair_count = 3;
    t->stats.seed.repair_reason_full_bitmap = 2;
    t->stats.seed.repair_reason_other = 1;
    t->stats.mono_ns = 101 * SEC;
    t = thread(&s2, 3, 1003, "late");
    t->stats.allocs = 500;
    t->stats.mono_ns = 102 * SEC;

    ok(st_model_update(&m, &s2) == 0 && !m.view.since_start, "second snapshot");
    is_u64(m.view.summary.allocs, 3500, "interval allocs include the exited thread's last work");
    ok(near(m.view.summary.allocs_per_s, 1750, 1e-12), "rate over the writer's 2 s (%g)", m.view.summary.allocs_per_s);
    is_u64(m.view.total.allocs, 4000 + 2000 + 8000 + 1000 + 500, "cumulative total");
    is_u64(m.view.summary.repairs, 3, "repairs of the interval");
    is_u64(m.view.summary.full_bitmap + m.view.summary.other, 3, "repairs by reason");
    ok(m.view.repair_seen && m.view.repair_age_ns == 0, "repair just seen");
    is_u64(m.view.nrows, 2, "rows follow the current threads");
    {
        const st_row *main_row = m.view.rows[0].key == 1 ? &m.view.rows[0] : &m.view.rows[1];
        ok(near(main_row->f.allocs_per_s, 2000, 1e-12),
           "a thread's rate uses its own flush times (%g)", main_row->f.allocs_per_s);
    }

    st_view_sort(&m.view, ST_SORT_ALLOCS, false);
    ok(m.view.rows[0].tid == 1001, "sort by alloc/s, largest first");
    st_view_sort(&m.view, ST_SORT_ALLOCS, true);
    ok(m.view.rows[0].tid == 1003, "reversed");
    st_view_sort(&m.view, ST_SORT_NAME, false);
    ok(strcmp(m.view.rows[0].name, "late") == 0, "sort by name");
    st_view_sort(&m.view, ST_SORT_TID, false);
    ok(m.view.rows[0].tid == 1001 && m.view.rows[1].tid == 1003, "sort by tid");

    st_snapshot_init(&s3);
    ok(st_snapshot_copy(&s3, &s2) == 0, "snapshot copy");
    s3.mono_ns = 105 * SEC;
    ok(st_model_update(&m, &s3) == 0, "third snapshot");
    ok(m.view.repair_age_ns == 3 * SEC, "time since the last repair, writer's clock");
    is_u64(m.view.summary.allocs, 0, "no work: zero");

    /* A new owner under the same name: its clock and counters restart. */
    s3.mono_ns = 5 * SEC;
    s3.uptime_ns = 1 * SEC;
    ok(st_model_update(&m, &s3) == 0 && near(m.view.summary.elapsed_s, 1, 1e-12),
       "a writer clock that went back starts over from the process start");

    /* The owner was killed: the stale segment keeps its thread records,
     * which are final from now on. */
    s3.mono_ns = 6 * SEC;
    s3.state = ST_PROC_STALE;
    ok(st_model_update(&m, &s3) == 0 && m.view.nrows == 2
       && m.view.rows[0].state == ST_THREAD_FINAL && m.view.rows[1].state == ST_THREAD_FINAL,
       "the threads of a stale (killed) owner are final, not live");

    st_snapshot_free(&s1);
    st_snapshot_free(&s2);
    st_snapshot_free(&s3);
    st_model_free(&m);

    ok(st_sort_from_name("ratio") == ST_SORT_RATIO && st_sort_from_name("bogus") == -1,
       "sort keys by name");
    ok(strcmp(st_proc_state_name(ST_PROC_STALE), "stale") == 0, "state names");
}

static int parse(const char *line, st_options *o)
{
    static char buf[256];
    char *argv[16];
    int argc = 0;
    FILE *null = fopen("/dev/null", "w");

    snprintf(buf, sizeof(buf), "%s", line);
    for (char *tok = strtok(buf, " "); tok && argc < 15; tok = strtok(NULL, " "))
        argv[argc++] = tok;
    argv[argc] = NULL;
    int rc = st_cli_parse(argc, argv, true, o, null);
    fclose(null);
    return rc;
}

/* n samples of one path, with their tail group (the writer's bookkeeping). */
static void put_path(slab_thread_stats *s, uint64_t n, uint64_t wall, uint64_t cpu,
                     unsigned path)
{
    add_samples(s, n, wall, cpu);
    slab_tail_group *g = &s->tail[slab_hist_bucket(wall) / 8];
    g->wall_ns += n * wall;
    g->other_ns += n * (wall - cpu);
    g->work_ns[path] += n * cpu;
}

/* A busy thread sampled once in 1000 calls beside an idle one whose
 * every call is sampled: the tail of the calls is the busy thread's refills, though
 * the idle thread's new slabs are the slowest samples. */
static void test_tail_by_thread(void)
{
    st_model m;
    st_snapshot s1, s2;
    st_thread *t;

    st_model_init(&m);
    st_snapshot_init(&s1);
    s1.mono_ns = 100 * SEC;
    s1.uptime_ns = SEC;
    thread(&s1, 1, 1001, "busy")->stats.mono_ns = 100 * SEC;
    thread(&s1, 2, 1002, "idle")->stats.mono_ns = 100 * SEC;
    ok(st_model_update(&m, &s1) == 0, "tail by thread: first snapshot");

    st_snapshot_init(&s2);
    s2.mono_ns = 101 * SEC;
    s2.uptime_ns = 2 * SEC;
    t = thread(&s2, 1, 1001, "busy");
    t->stats.allocs = 1000000;
    put_path(&t->stats, 980, 200, 200, SLAB_PATH_FAST);
    put_path(&t->stats, 20, 20000, 19800, SLAB_PATH_REFILL);
    t->stats.mono_ns = 101 * SEC;
    t = thread(&s2, 2, 1002, "idle");
    t->stats.allocs = 1000;
    put_path(&t->stats, 950, 200, 200, SLAB_PATH_FAST);
    put_path(&t->stats, 50, 40000, 39800, SLAB_PATH_NEW_SLAB);
    t->stats.mono_ns = 101 * SEC;
    ok(st_model_update(&m, &s2) == 0, "tail by thread: second snapshot");
    is_int(m.view.summary.dx.cause, SLAB_CAUSE_WORK_REFILL,
           "each thread's samples stand for its own calls: refill work (%s)",
           slab_cause_name(m.view.summary.dx.cause));

    st_figures f;
    st_figures_compute(&f, NULL, &m.view.total, SEC, 0, 0);
    is_int(f.dx.cause, SLAB_CAUSE_WORK_NEW_SLAB,
           "by the process's totals alone the same reads new-slab work (%s)",
           slab_cause_name(f.dx.cause));
    slab_thread_stats *t1 = malloc(sizeof(*t1)), *t2 = malloc(sizeof(*t2));
    if (t1 && t2) {
        st_snapshot_total(&s1, t1);
        st_snapshot_total(&s2, t2);
        st_figures_process(&f, &s1, t1, &s2, t2, SEC, NULL);
    }
    is_int(t1 && t2 ? f.dx.cause : SLAB_CAUSE_NONE, SLAB_CAUSE_WORK_REFILL,
           "the overview's and the exporter's figures (st_figures_process) agree: %s",
           slab_cause_name(f.dx.cause));
    free(t1);
    free(t2);
    st_snapshot_free(&s1);
    st_snapshot_free(&s2);
    st_model_free(&m);
}

/* The distribution panel's axis spans the last ST_DIST_KEEP refreshes:
 * a tail that appears moves along a still axis, and the axis forgets it
 * half a minute later. */
static void test_dist_axis(void)
{
    st_model m;
    st_snapshot s;
    st_thread *t;
    unsigned fast = slab_hist_bucket(200), slow = slab_hist_bucket(1000000);

    st_model_init(&m);
    st_snapshot_init(&s);
    s.uptime_ns = SEC;
    t = thread(&s, 1, 1001, "w");
    for (int i = 0; i < ST_DIST_KEEP + 2; i++) {
        s.mono_ns = (100 + (uint64_t)i) * SEC;
        t->stats.mono_ns = s.mono_ns;
        t->stats.allocs += 1000;
        add_samples(&t->stats, 10, i == 1 ? 1000000 : 200, 200);
        st_model_update(&m, &s);
        if (i == 2)
            ok(m.view.dist_lo == fast && m.view.dist_hi == slow &&
               m.view.dist_wall[slow] == 0,
               "the refresh after a slow one keeps the axis out to it (%u..%u)",
               m.view.dist_lo, m.view.dist_hi);
    }
    ok(m.view.dist_lo == fast && m.view.dist_hi == fast,
       "%d refreshes later the axis spans the fast samples only (%u..%u)", ST_DIST_KEEP,
       m.view.dist_lo, m.view.dist_hi);
    st_snapshot_free(&s);
    st_model_free(&m);
}

static void test_cli(void)
{
    st_options o;

    ok(parse("slabtop app", &o) == 0 && o.command == ST_CMD_WATCH && o.output == ST_OUT_SCREEN
       && strcmp(o.name, "app") == 0, "NAME on a terminal: the screen");
    ok(parse("slabtop -p 123 -d 0.25 --json -n 3", &o) == 0 && o.pid == 123
       && o.delay_s == 0.25 && o.output == ST_OUT_JSON && o.iterations == 3, "pid, delay, json, iterations");
    ok(parse("slabtop --once app", &o) == 0 && o.output == ST_OUT_TEXT && o.iterations == 1, "--once");
    ok(parse("slabtop --openmetrics app", &o) == 0 && o.output == ST_OUT_OPENMETRICS
       && o.iterations == 1, "--openmetrics prints once by default");
    ok(parse("slabtop --wait app", &o) == 0 && o.wait && o.wait_s < 0, "--wait for ever");
    ok(parse("slabtop --wait=2.5 -s ratio app", &o) == 0 && o.wait_s == 2.5
       && strcmp(o.sort, "ratio") == 0, "--wait=SECS and --sort");
    ok(parse("slabtop --list", &o) == 0 && o.command == ST_CMD_LIST, "--list");
    ok(parse("slabtop --gc", &o) == 0 && o.command == ST_CMD_GC, "--gc");
    ok(parse("slabtop --demo --no-color", &o) == 0 && o.command == ST_CMD_DEMO && o.no_color, "--demo");
    ok(parse("slabtop -V", &o) == 0 && o.command == ST_CMD_VERSION, "-V");
    ok(parse("slabtop /dev/shm/slab.app", &o) == 0 && strcmp(o.name, "app") == 0
       && parse("slabtop /slab.app", &o) == 0 && strcmp(o.name, "app") == 0,
       "the segment's path names it too");
    {
        char a0[] = "slabtop", a1[] = "app";
        char *argv[] = { a0, a1, NULL };
        FILE *null = fopen("/dev/null", "w");
        ok(st_cli_parse(2, argv, false, &o, null) == 0 && o.output == ST_OUT_TEXT
           && o.iterations == 1, "stdout not a terminal: text once");
        fclose(null);
    }
    static const char *const bad[] = {
        "slabtop -d 0 app", "slabtop -d abc app", "slabtop -d nan app",
        "slabtop -n -1 app", "slabtop -p 0", "slabtop -p x", "slabtop -s bogus app",
        "slabtop --json --openmetrics app", "slabtop --list app", "slabtop --list --gc",
        "slabtop a b", "slabtop --bogus", "slabtop -x app", "slabtop app -d",
        "slabtop --wait=-1 app", "slabtop -p 1 app", "slabtop --once -n 3 app", "slabtop a/b",
        "slabtop --listen 9464 app", "slabtop --listen 9464 --json", "slabtop --list --once",
        "slabtop --gc --json",
    };
    int nbad = 0;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (parse(bad[i], &o) == 0)
            diag("accepted: %s", bad[i]);
        else
            nbad++;
    }
    is_int(nbad, sizeof(bad) / sizeof(bad[0]), "every bad command line is a usage error");
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    char *buf;
    long n;

    if (f == NULL)
        return NULL;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    rewind(f);
    buf = malloc((size_t)n + 1);
    if (buf == NULL || fread(buf, 1, (size_t)n, f) != (size_t)n) {
        fclose(f);
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static void test_keys(void)
{
    const char *srcdir = getenv("top_srcdir") ? getenv("top_srcdir") : ".";
    char path[1024], *page, *gen = NULL;
    size_t genlen = 0;
    FILE *mem = open_memstream(&gen, &genlen);

    st_keys_man(mem);
    fclose(mem);
    snprintf(path, sizeof(path), "%s/man/slabtop.1", srcdir);
    page = slurp(path);
    ok(page != NULL, "man page %s readable", path);
    const char *begin = page ? strstr(page, ".\\\" keys: begin\n") : NULL;
    const char *end = page ? strstr(page, ".\\\" keys: end\n") : NULL;
    ok(begin && end && end > begin, "man page has the generated KEYS block");
    if (begin && end) {
        begin = strchr(begin, '\n') + 1;
        bool same = (size_t)(end - begin) == genlen && memcmp(begin, gen, genlen) == 0;
        ok(same, "the man page's KEYS section is what the key table generates");
        if (!same)
            diag("regenerate it: the table says\n%s", gen);
    } else {
        ok(false, "the man page's KEYS section is what the key table generates");
    }
    free(page);
    free(gen);

    bool every = true, unique = true;
    for (int a = ST_ACT_QUIT; a <= ST_ACT_END; a++) {
        bool bound = false;
        for (size_t i = 0; i < st_keys_count; i++)
            if (st_keys[i].action == (st_action)a)
                bound = true;
        every &= bound;
    }
    for (size_t i = 0; i < st_keys_count; i++)
        for (int j = 0; j < ST_KEY_CODES && st_keys[i].codes[j]; j++)
            if (st_key_action(st_keys[i].codes[j]) != st_keys[i].action)
                unique = false;
    ok(every, "every action has a key");
    ok(unique, "no key is bound twice");
    ok(st_key_action('q') == ST_ACT_QUIT && st_key_action('?') == ST_ACT_HELP
       && st_key_action(' ') == ST_ACT_REFRESH && st_key_action('Z') == ST_ACT_NONE,
       "lookups");
}

static void test_json_and_fmt(void)
{
    char *out = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&out, &len);
    char b[ST_FMT_LEN];

    st_json_string(mem, "a\"b\\c\n\t\x01\x7f" "\xc3\xa9" "\xff" "\xe2\x82");
    fputc(' ', mem);
    st_json_number(mem, NAN);
    fputc(' ', mem);
    st_json_number(mem, 1.5);
    fputc(' ', mem);
    st_json_number(mem, 42);
    fclose(mem);
    ok(strcmp(out, "\"a\\\"b\\\\c\\n\\t\\u0001\\u007f\xc3\xa9\\ufffd\\ufffd\\ufffd\" null 1.5 42") == 0,
       "JSON strings: quotes, backslash, controls, UTF-8 kept, bad bytes replaced: %s", out);
    free(out);

    ok(strcmp(st_fmt_ns(b, 850), "850ns") == 0 && strcmp(st_fmt_ns(b, 1250), "1.25us") == 0,
       "ns formatting");
    ok(strcmp(st_fmt_count(b, 12345), "12.3k") == 0 && strcmp(st_fmt_count(b, 4.56e6), "4.56M") == 0,
       "count formatting (%s)", b);
    ok(strcmp(st_fmt_duration(b, 187), "3m07s") == 0, "duration formatting");
}

/* The class table's columns come from SLAB_SHM_CLASS_FIELDS: every counter
 * once, levels first, headings distinct, each cell its counter's value. */
static void test_class_columns(void)
{
    static const char *const kinds[] = {
#define X(f, kind, help) #kind,
        SLAB_SHM_CLASS_FIELDS(X)
#undef X
    };
    int seen[ST_CC_COUNT] = { 0 }, once = 1, gauges_first = 1, distinct = 1, cells = 1;
    bool past_gauges = false;
    PerfCounters p;
    double per_s[ST_CC_COUNT];

    for (int i = 0; i < ST_CC_COUNT; i++) {
        st_ccol_id id = st_class_cols[i];
        bool gauge = strcmp(kinds[id], "GAUGE") == 0;

        seen[id]++;
        if (gauge && past_gauges)
            gauges_first = 0;
        past_gauges = past_gauges || !gauge;
        for (int j = 0; j < i; j++) {
            char a[ST_CCOL_HEADING_MAX + 1], b[ST_CCOL_HEADING_MAX + 1];

            if (strcmp(st_ccol_heading(id, a), st_ccol_heading(st_class_cols[j], b)) == 0)
                distinct = 0;
        }
    }
    for (int i = 0; i < ST_CC_COUNT; i++)
        once &= seen[i] == 1;
    ok(once, "each of the %d class counters has one column", ST_CC_COUNT);
    ok(gauges_first, "the levels come first");
    ok(distinct, "the headings are distinct");

    /* Counter k holds 1000 + k (its rate 10 + k), so each cell names its own. */
#define X(f, kind, help) p.f = 1000 + ST_CC_##f;
    SLAB_SHM_CLASS_FIELDS(X)
#undef X
    for (int k = 0; k < ST_CC_COUNT; k++)
        per_s[k] = 10 + k;
    for (int k = 0; k < ST_CC_COUNT; k++) {
        char want[ST_FMT_LEN], got[ST_FMT_LEN];

        if (st_ccol_total(&p, (st_ccol_id)k) != 1000 + (uint64_t)k)
            cells = 0;
        st_ccol_cell(got, (st_ccol_id)k, &p, per_s);
        snprintf(want, sizeof(want), "%llu", 1000ULL + (unsigned long long)k);
        if (strcmp(got, want) != 0 && strcmp(got, st_fmt_count(want, 10 + k)) != 0 &&
            strcmp(got, st_fmt_bytes(want, 1000 + k)) != 0)
            cells = 0;
    }
    ok(cells, "each cell shows its own counter (as a count, a rate or bytes)");
    ok(strcmp(st_ccol_cell((char[ST_FMT_LEN]){ 0 }, ST_CC_allocs_slow, &p, per_s), "10") == 0,
       "slow-path allocations are shown per second");
}

int main(void)
{
    plan(80);
    test_class_columns();
    test_figures();
    test_model();
    test_tail_by_thread();
    test_dist_axis();
    test_cli();
    test_keys();
    test_json_and_fmt();
    return tap_exit();
}
