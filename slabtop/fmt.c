/*
 * fmt.c - short human-readable numbers.
 */
#include "config.h"
#include "fmt.h"

#include <stdio.h>

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
    else if (r < 100)
        snprintf(buf, ST_FMT_LEN, "%.1f", r);
    else if (r < 99999.5)
        snprintf(buf, ST_FMT_LEN, "%.0f", r);
    else
        st_fmt_count(buf, r);
    return buf;
}
