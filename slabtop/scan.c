/*
 * scan.c - read every segment of the host (see scan.h).
 */
#include "config.h"
#include "scan.h"

#include <stdlib.h>
#include <string.h>

#include "slab_shm.h"
#include "source.h"

void st_scan_init(st_scan *sc)
{
    memset(sc, 0, sizeof(*sc));
}

static void free_entries(st_scan_entry *e, size_t n)
{
    for (size_t i = 0; i < n; i++)
        st_snapshot_free(&e[i].snap);
    free(e);
}

void st_scan_free(st_scan *sc)
{
    free_entries(sc->e, sc->n);
    free_entries(sc->prev, sc->nprev);
    memset(sc, 0, sizeof(*sc));
}

static const st_scan_entry *find_prev(const st_scan *sc, const st_snapshot *s)
{
    for (size_t i = 0; i < sc->nprev; i++)
        if (sc->prev[i].snap.pid == s->pid && strcmp(sc->prev[i].snap.name, s->name) == 0)
            return &sc->prev[i];
    return NULL;
}

int st_scan_take(st_scan *sc)
{
    slab_shm_entry *list = NULL;
    size_t n = 0, k = 0;
    slab_shm_errinfo err;
    st_scan_entry *e = NULL;

    /* What this scan reads is compared with what the last one kept;
     * owners not seen now are forgotten after it. */
    free_entries(sc->prev, sc->nprev);
    sc->prev = sc->e;
    sc->nprev = sc->n;
    sc->e = NULL;
    sc->n = 0;
    if (slab_shm_list(&list, &n, &err) != SLAB_SHM_OK) {
        free_entries(sc->prev, sc->nprev);
        sc->prev = NULL;
        sc->nprev = 0;
        return -1;
    }
    if (n > 0) {
        e = calloc(n, sizeof(*e));
        if (e == NULL)
            n = 0;
    }
    for (size_t i = 0; i < n; i++) {
        st_scan_entry *x = &e[k];
        const st_scan_entry *p;
        st_source src;

        if (list[i].error != SLAB_SHM_OK)
            continue;
        if (st_source_open(&src, list[i].name, 0, &err) != SLAB_SHM_OK)
            continue;
        st_snapshot_init(&x->snap);
        if (st_source_take(&src, &x->snap, &err) != SLAB_SHM_OK) {
            st_snapshot_free(&x->snap);
            st_source_close(&src);
            continue;
        }
        st_source_close(&src);
        st_snapshot_total(&x->snap, &x->total);
        for (size_t t = 0; t < x->snap.nthreads; t++)
            if (x->snap.threads[t].state != ST_THREAD_OVERFLOW)
                x->live_threads++;
        p = find_prev(sc, &x->snap);
        x->was_alive = p && p->snap.state == ST_PROC_ALIVE;
        if (p && x->snap.mono_ns > p->snap.mono_ns) {
            x->have_interval = true;
            st_figures_process(&x->interval, &p->snap, &p->total, &x->snap, &x->total,
                               x->snap.mono_ns - p->snap.mono_ns, NULL);
        }
        k++;
    }
    slab_shm_list_free(list);
    if (k == 0) {
        free(e);
        e = NULL;
    }
    sc->e = e;
    sc->n = k;
    return 0;
}

void st_scan_keep_live(st_scan *sc)
{
    size_t k = 0;

    for (size_t i = 0; i < sc->n; i++) {
        if (sc->e[i].snap.state == ST_PROC_ALIVE || sc->e[i].was_alive)
            sc->e[k++] = sc->e[i];
        else
            st_snapshot_free(&sc->e[i].snap);
    }
    sc->n = k;
}

/* ------------------------------------------------------------ overview */

static const char *const sort_names[ST_SCAN_SORT_COUNT] = {
    [ST_SCAN_NAME] = "name", [ST_SCAN_PID] = "pid", [ST_SCAN_COMMAND] = "command",
    [ST_SCAN_STATE] = "state", [ST_SCAN_ALLOCS] = "allocs", [ST_SCAN_SAMPLES] = "samples",
    [ST_SCAN_RATIO] = "ratio", [ST_SCAN_VERDICT] = "verdict",
};

const char *st_scan_sort_name(st_scan_sort key)
{
    return (unsigned)key < ST_SCAN_SORT_COUNT ? sort_names[key] : "?";
}

void st_scan_figures(const st_scan_entry *e, st_figures *f)
{
    if (e->have_interval)
        *f = e->interval;
    else
        st_figures_process(f, NULL, NULL, &e->snap, &e->total, e->snap.uptime_ns, NULL);
}

static st_scan_sort cmp_key;
static bool cmp_reverse;

static int cmp_double(double a, double b)
{
    return a < b ? -1 : a > b;
}

/* Names and states ascending, figures largest first (as top does).  Live
 * processes come before dead ones whatever the key (except the state
 * itself), so that a /dev/shm full of stale segments cannot push the
 * processes a person is looking for off the first screen. */
static int cmp_entries(const void *pa, const void *pb)
{
    const st_scan_entry *a = pa, *b = pb;
    st_figures fa, fb;
    int c = 0;

    if (cmp_key != ST_SCAN_STATE) {
        bool la = a->snap.state == ST_PROC_ALIVE, lb = b->snap.state == ST_PROC_ALIVE;
        if (la != lb)
            return la ? -1 : 1;
    }

    st_scan_figures(a, &fa);
    st_scan_figures(b, &fb);
    switch (cmp_key) {
    case ST_SCAN_PID:     c = cmp_double((double)a->snap.pid, (double)b->snap.pid); break;
    case ST_SCAN_COMMAND: c = strcmp(a->snap.command, b->snap.command); break;
    case ST_SCAN_STATE:   c = (int)a->snap.state - (int)b->snap.state; break;
    case ST_SCAN_ALLOCS:  c = -cmp_double(fa.allocs_per_s, fb.allocs_per_s); break;
    case ST_SCAN_SAMPLES: c = -cmp_double(fa.samples_per_s, fb.samples_per_s); break;
    case ST_SCAN_RATIO:   c = -cmp_double(fa.ratio, fb.ratio); break;
    case ST_SCAN_VERDICT: c = -((int)fa.verdict - (int)fb.verdict); break;
    case ST_SCAN_NAME:
    default:              break;
    }
    if (c == 0)
        c = strcmp(a->snap.name, b->snap.name);
    return cmp_reverse ? -c : c;
}

void st_scan_sort_by(st_scan *sc, st_scan_sort key, bool reverse)
{
    cmp_key = key;
    cmp_reverse = reverse;
    if (sc->n > 1)
        qsort(sc->e, sc->n, sizeof(*sc->e), cmp_entries);
}

size_t st_scan_live(const st_scan *sc, size_t *only)
{
    size_t live = 0;

    for (size_t i = 0; i < sc->n; i++)
        if (sc->e[i].snap.state == ST_PROC_ALIVE) {
            live++;
            if (only)
                *only = i;
        }
    return live;
}
