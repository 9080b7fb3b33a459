/*
 * fmt.c - short human-readable numbers.
 */
#include "config.h"
#include "fmt.h"

#include <stdio.h>
#include <string.h>

#include "model.h"

const char *const st_labels[ST_L_COUNT] = {
    [ST_L_ALLOCS] = "allocs/s",
    [ST_L_SAMPLES] = "samples/s",
    [ST_L_PREEMPTED] = "preempted",
    [ST_L_INVOL] = "invol-switches/s",
    [ST_L_RATIO] = "ratio",
    [ST_L_VERDICT] = "verdict",
    [ST_L_CPU_SHARE] = "cpu-share",
    [ST_L_RUNQ] = "runq-wait",
    [ST_L_REPAIRS] = "repairs",
};

const char *st_fmt_ns(char buf[ST_FMT_LEN], double ns)
{
    if (ns < 0)
        ns = 0;
    if (ns < 1000)
        snprintf(buf, ST_FMT_LEN, "%.0fns", ns);
    else if (ns < 1e6)
        snprintf(buf, ST_FMT_LEN, "%.2fus", ns / 1e3);
    else if (ns < 1e9)
        snprintf(buf, ST_FMT_LEN, "%.2fms", ns / 1e6);
    else
        snprintf(buf, ST_FMT_LEN, "%.2fs", ns / 1e9);
    return buf;
}

const char *st_fmt_count(char buf[ST_FMT_LEN], double v)
{
    static const char suffix[] = " kMGTP";
    int i = 0;

    if (v < 0)
        v = 0;
    if (v < 1000) {
        snprintf(buf, ST_FMT_LEN, v < 10 && v != (double)(long long)v ? "%.1f" : "%.0f", v);
        return buf;
    }
    while (v >= 999.5 && i < 5) {
        v /= 1000;
        i++;
    }
    snprintf(buf, ST_FMT_LEN, v < 9.995 ? "%.2f%c" : v < 99.95 ? "%.1f%c" : "%.0f%c",
             v, suffix[i]);
    return buf;
}

const char *st_fmt_duration(char buf[ST_FMT_LEN], double s)
{
    unsigned long long t;

    if (s < 0)
        s = 0;
    if (s < 10) {
        snprintf(buf, ST_FMT_LEN, "%.1fs", s);
        return buf;
    }
    t = (unsigned long long)s;
    if (t < 60)
        snprintf(buf, ST_FMT_LEN, "%llus", t);
    else if (t < 3600)
        snprintf(buf, ST_FMT_LEN, "%llum%02llus", t / 60, t % 60);
    else if (t < 86400)
        snprintf(buf, ST_FMT_LEN, "%lluh%02llum", t / 3600, t / 60 % 60);
    else
        snprintf(buf, ST_FMT_LEN, "%llud%02lluh", t / 86400, t / 3600 % 24);
    return buf;
}

const char *st_fmt_bytes(char buf[ST_FMT_LEN], double b)
{
    static const char suffix[] = "BKMGTP";
    int i = 0;

    if (b < 0)
        b = 0;
    while (b >= 1023.5 && i < 5) {
        b /= 1024;
        i++;
    }
    if (i == 0)
        snprintf(buf, ST_FMT_LEN, "%.0fB", b);
    else
        snprintf(buf, ST_FMT_LEN, b < 9.995 ? "%.2f%c" : b < 99.95 ? "%.1f%c" : "%.0f%c",
                 b, suffix[i]);
    return buf;
}

const char *st_fmt_ratio(char buf[ST_FMT_LEN], double r, slab_verdict v)
{
    if (v == SLAB_VERDICT_INSUFFICIENT || !(r > 0))
        snprintf(buf, ST_FMT_LEN, "-");
    else if (r < 10)
        snprintf(buf, ST_FMT_LEN, "%.2f", r);
    else if (r < 99.95)
        snprintf(buf, ST_FMT_LEN, "%.1f", r);
    else
        snprintf(buf, ST_FMT_LEN, ">99");   /* a bigger ratio says no more */
    return buf;
}

const char *st_fmt_ns_res(char buf[ST_FMT_LEN], double ns, uint64_t resolution_ns)
{
    if (resolution_ns > 0 && ns < (double)resolution_ns) {
        /* Rounded up to 0.1 us: "<0.4us". */
        unsigned long long tenths = (resolution_ns + 99) / 100;
        if (tenths < 10)
            snprintf(buf, ST_FMT_LEN, "<0.%lluus", tenths);
        else
            snprintf(buf, ST_FMT_LEN, "<%llu.%lluus", tenths / 10, tenths % 10);
        return buf;
    }
    return st_fmt_ns(buf, ns);
}

const char *st_fmt_offcpu(char buf[ST_FMT_LEN], const st_figures *f)
{
    if (f->verdict == SLAB_VERDICT_INSUFFICIENT || !(f->ratio > 0))
        snprintf(buf, ST_FMT_LEN, "-");
    else
        snprintf(buf, ST_FMT_LEN, "%.0f%% off-CPU", 100 * f->dx.offcpu_share);
    return buf;
}

const char *st_fmt_cause(const st_figures *f)
{
    return slab_cause_name(f->dx.cause);
}

/* "tail p99 14.2ms: 96% waiting for CPU, 4% new-slab work". */
char *st_fmt_tail(char *buf, size_t len, const st_figures *f, bool p999)
{
    const slab_diagnosis *dx = p999 ? &f->dx999 : &f->dx;
    const slab_tail *t = p999 ? &f->tail999 : &f->tail;
    uint64_t at = p999 ? f->wall_p999 : f->wall_p99;
    char v[ST_FMT_LEN];
    size_t n;

    n = (size_t)snprintf(buf, len, "tail %s %s: ", p999 ? "p99.9" : "p99",
                         st_fmt_ns_res(v, (double)at, f->resolution_ns));
    if (n >= len)
        return buf;
    if (dx->verdict == SLAB_VERDICT_INSUFFICIENT) {
        snprintf(buf + n, len - n, "too few samples");
        return buf;
    }
    double k = t->samples + t->repairs;
    if (k < 0.5) {
        snprintf(buf + n, len - n, "no sample in the tail");
        return buf;
    }
    if (k < SLAB_TAIL_MIN_SAMPLES) {
        /* Shown, but too few for a cause: say how few. */
        int w = snprintf(buf + n, len - n, "(%.0f sample%s) ", k, k < 1.5 ? "" : "s");
        if (w > 0 && (size_t)w < len - n)
            n += (size_t)w;
    }
    /* The parts of 1 % or more, largest first, at most four. */
    bool used[SLAB_CAUSE_COUNT] = { false };
    int shown = 0;
    for (int part = 0; part < 4; part++) {
        int best = -1;
        for (int c = SLAB_CAUSE_RUNQ; c < SLAB_CAUSE_COUNT; c++)
            if (!used[c] && (best < 0 || dx->share[c] > dx->share[best]))
                best = c;
        if (best < 0 || dx->share[best] < 0.01)
            break;
        used[best] = true;
        int w = snprintf(buf + n, len - n, "%s%.0f%% %s", shown ? ", " : "",
                         100 * dx->share[best], slab_cause_phrase((slab_cause)best));
        if (w < 0 || (size_t)w >= len - n)
            break;
        n += (size_t)w;
        shown++;
    }
    if (shown == 0)
        snprintf(buf + n, len - n, "nothing measurable");
    return buf;
}
