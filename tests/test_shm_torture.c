/*
 * test_shm_torture.c - torn-read torture of the seqlocks.
 *
 * A writer publishes, at full speed, thread records whose every word
 * derives from one counter c (word i = c + i, flushes = c), and a label
 * made of one repeated digit.  A reader takes snapshots and checks that
 * every record copy and label it got is whole.  First across two
 * processes (fork), then with threads in one process (the variant
 * ThreadSanitizer can watch).
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "options.h"
#include "publish.h"
#include "slab_shm.h"
#include "tap.h"

#define WORDS (sizeof(slab_thread_stats) / sizeof(uint64_t))

struct check {
    uint64_t snapshots, records, violations, busy, labels, errors, busy_sections;
    uint64_t distinct;          /* times c changed between snapshots */
};

static void fill(slab_thread_stats *s, uint64_t c)
{
    uint64_t *w = (uint64_t *)s;
    for (size_t i = 0; i < WORDS; i++)
        w[i] = c + i;
}

/* Writer loop: flush records with counter values until *stop. */
static void write_loop(atomic_int *stop)
{
    slab_thread_stats s;
    slab_pub_thread *t = slab_pub_thread_get();

    for (uint64_t c = 1; !atomic_load_explicit(stop, memory_order_relaxed); c++) {
        fill(&s, c);
        slab_pub_thread_flush(t, &s);
    }
}

static void label_loop(atomic_int *stop)
{
    char label[SLAB_SHM_LABEL_LEN];
    for (unsigned c = 0; !atomic_load_explicit(stop, memory_order_relaxed); c++) {
        memset(label, '0' + (int)(c % 10), SLAB_SHM_LABEL_MAX);
        label[SLAB_SHM_LABEL_MAX] = '\0';
        slab_shm_set_label(label);
        usleep(50);     /* labels change rarely; leave the CPUs to the rest */
    }
}

static void check_snapshot(const slab_shm_snapshot *s, struct check *k,
                           uint64_t *last_c)
{
    k->snapshots++;
    for (uint32_t i = 0; i < s->thread_count; i++) {
        const slab_shm_thread *t = &s->threads[i];
        if (t->busy) {
            k->busy++;
            continue;
        }
        const uint64_t *w = (const uint64_t *)&t->stats;
        uint64_t c = w[0];
        if (c == 0)
            continue;           /* attached, not flushed yet */
        k->records++;
        int bad = t->flushes != c;
        for (size_t j = 1; j < WORDS && !bad; j++)
            bad = w[j] != c + j;
        if (bad && k->violations++ < 5)
            diag("torn record: c=%llu flushes=%llu",
                 (unsigned long long)c, (unsigned long long)t->flushes);
        if (c != *last_c)
            k->distinct++;
        *last_c = c;
    }
    if (!s->process_busy && s->label[0]) {
        size_t n = strlen(s->label);
        int bad = n != SLAB_SHM_LABEL_MAX;
        for (size_t j = 1; j < n && !bad; j++)
            bad = s->label[j] != s->label[0];
        k->labels++;
        if (bad && k->violations++ < 5)
            diag("torn label: %s", s->label);
    }
}

static void read_loop(const char *name, uint64_t n, struct check *k)
{
    slab_shm_reader *r = NULL;
    slab_shm_snapshot *s = NULL;
    slab_shm_errinfo e;
    uint64_t last_c = 0;

    if (slab_shm_attach(name, &r, &e) != SLAB_SHM_OK) {
        diag("attach: %s", e.message);
        k->errors++;
        return;
    }
    for (uint64_t i = 0; i < n; i++) {
        slab_shm_error rc = slab_shm_snapshot_take(r, &s, &e);
        if (rc == SLAB_SHM_ERR_BUSY) {
            /* A writer preempted mid-write holds a section past the
             * reader's bounded retries: the documented "try again". */
            k->busy_sections++;
            continue;
        }
        if (rc != SLAB_SHM_OK) {
            if (k->errors++ < 3)
                diag("snapshot: %s", e.message);
            continue;
        }
        check_snapshot(s, k, &last_c);
    }
    slab_shm_snapshot_free(s);
    slab_shm_detach(r);
}

/* ------------------------------------------------------------------ threads */

static atomic_int stop_threads;

static void *writer_thread(void *arg)
{
    (void)arg;
    write_loop(&stop_threads);
    slab_thread_stats z;
    memset(&z, 0, sizeof(z));
    slab_pub_thread_exit(slab_pub_thread_get(), &z);
    return NULL;
}

static void *label_thread(void *arg)
{
    (void)arg;
    label_loop(&stop_threads);
    return NULL;
}

int main(void)
{
    const char *tag = getenv("SLAB_TEST_TAG");
    char name[64];
    uint64_t n = TAP_SCALE(1000000);
    struct check k;

    plan(7);
    setenv("SLAB_SHM_THREADS", "2", 1);
    slab_options_reload();

    /* Across processes. */
    snprintf(name, sizeof(name), "torture.%s.%d.p", tag ? tag : "x", (int)getpid());
    atomic_int *stop = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
                            MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    int pfd[2];
    if (stop == MAP_FAILED || pipe(pfd) != 0)
        bail_out("setup");
    atomic_store(stop, 0);
    fflush(stdout);
    pid_t child = fork();
    if (child == 0) {
        pthread_t lt;
        char res = slab_shm_publish(name) == 0 ? 'R' : 'E';
        slab_pub_thread_get();
        if (write(pfd[1], &res, 1) != 1)
            _exit(2);
        pthread_create(&lt, NULL, label_thread, NULL);
        stop_threads = 0;
        write_loop(stop);
        atomic_store(&stop_threads, 1);
        pthread_join(lt, NULL);
        exit(0);
    }
    char res = 0;
    if (read(pfd[0], &res, 1) != 1 || res != 'R')
        bail_out("writer process did not publish");
    memset(&k, 0, sizeof(k));
    read_loop(name, n, &k);
    /* Kill the writer while it writes (it spends most of its time inside
     * the write section): readers must still get an answer. */
    slab_shm_reader *dr = NULL;
    slab_shm_snapshot *ds = NULL;
    slab_shm_attach(name, &dr, NULL);
    kill(child, SIGKILL);
    int status = 0;
    waitpid(child, &status, 0);
    status = 0;     /* killed on purpose */
    struct check kd;
    uint64_t last = 0;
    memset(&kd, 0, sizeof(kd));
    slab_shm_error de = slab_shm_snapshot_take(dr, &ds, NULL);
    if (de == SLAB_SHM_OK)
        check_snapshot(ds, &kd, &last);
    ok(de == SLAB_SHM_OK && ds->state == SLAB_SHM_STALE && kd.violations == 0,
       "writer killed mid-write: snapshot answers (%u busy records), owner stale",
       de == SLAB_SHM_OK ? ds->busy_threads : 0);
    slab_shm_snapshot_free(ds);
    slab_shm_detach(dr);
    char obj[96];
    snprintf(obj, sizeof(obj), "/slab.%s", name);
    shm_unlink(obj);
    diag("processes: %llu snapshots, %llu record copies checked, %llu labels, "
         "%llu busy, %llu changes seen", (unsigned long long)k.snapshots,
         (unsigned long long)k.records, (unsigned long long)k.labels,
         (unsigned long long)k.busy, (unsigned long long)k.distinct);
    ok(k.snapshots + k.busy_sections == n && k.errors == 0 && k.busy_sections < n / 10,
       "%llu snapshots across processes (%llu busy: try again)", (unsigned long long)n,
       (unsigned long long)k.busy_sections);
    is_u64(k.violations, 0, "no torn read across processes");
    ok(k.distinct > 1 && WIFEXITED(status) && WEXITSTATUS(status) == 0,
       "the writer was running during the reads");

    /* Threads in one process. */
    snprintf(name, sizeof(name), "torture.%s.%d.t", tag ? tag : "x", (int)getpid());
    if (slab_shm_publish(name) != 0)
        bail_out("cannot publish");
    pthread_t wt, lt;
    slab_pub_thread_flush(slab_pub_thread_get(), &(slab_thread_stats){0});
    pthread_create(&wt, NULL, writer_thread, NULL);
    pthread_create(&lt, NULL, label_thread, NULL);
    memset(&k, 0, sizeof(k));
    n = TAP_SCALE(100000);
    read_loop(name, n, &k);
    atomic_store(&stop_threads, 1);
    pthread_join(wt, NULL);
    pthread_join(lt, NULL);
    diag("threads: %llu snapshots, %llu record copies checked, %llu labels, "
         "%llu busy, %llu changes seen", (unsigned long long)k.snapshots,
         (unsigned long long)k.records, (unsigned long long)k.labels,
         (unsigned long long)k.busy, (unsigned long long)k.distinct);
    ok(k.snapshots + k.busy_sections == n && k.errors == 0 && k.busy_sections < n / 10,
       "%llu snapshots in one process (%llu busy: try again)", (unsigned long long)n,
       (unsigned long long)k.busy_sections);
    is_u64(k.violations, 0, "no torn read between threads");
    ok(k.distinct > 1, "the writer was running during the reads");
    slab_shm_unpublish();
    return tap_exit();
}
