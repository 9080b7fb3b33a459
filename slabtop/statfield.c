/*
 * statfield.c - the thread record's counters for the metrics outputs
 * (see statfield.h).
 */
#include "config.h"
#include "statfield.h"

#include <stdio.h>
#include <string.h>

#include "slab_shm_format.h"

#define KIND_COUNTER_SUM true
#define KIND_COUNTER_MAX false
#define KIND_COUNTER_LAST false

/* LATEST fields (the writer's clock when the record was taken) are no
 * statistic of the process: not exported. */
#define SEED(f, kind, help) FIELD(f, kind, help, offsetof(slab_thread_stats, seed.f))
#define REST(f, kind, help) FIELD_##kind(f, help, offsetof(slab_thread_stats, f))
#define FIELD_SUM(f, help, off) FIELD(f, SUM, help, off)
#define FIELD_MAX(f, help, off) FIELD(f, MAX, help, off)
#define FIELD_LAST(f, help, off) FIELD(f, LAST, help, off)
#define FIELD_LATEST(f, help, off)
#define FIELD(f, kind, help, off) { #f, help, KIND_COUNTER_##kind, off },

const st_stat_field st_stat_fields[] = {
    SLAB_SHM_SEED_FIELDS(SEED)
    SLAB_SHM_THREAD_FIELDS(REST)
    SLAB_SHM_SAMPLE_FIELDS(REST)
    SLAB_SHM_LARGE_FIELDS(REST)
};

const size_t st_stat_field_count = sizeof(st_stat_fields) / sizeof(st_stat_fields[0]);

/* st_stat_value() reads each as a uint64_t. */
#define WORD(f, kind, help) \
    _Static_assert(sizeof(((slab_thread_stats *)0)->f) == 8, #f " is a 64-bit word");
#define SEED_WORD(f, kind, help) WORD(seed.f, kind, help)
SLAB_SHM_SEED_FIELDS(SEED_WORD)
SLAB_SHM_THREAD_FIELDS(WORD)
SLAB_SHM_SAMPLE_FIELDS(WORD)
SLAB_SHM_LARGE_FIELDS(WORD)

/* A time in ns (its name says so), exported in seconds. */
static bool seconds(const st_stat_field *f)
{
    return strstr(f->field, "_ns") != NULL;
}

void st_stat_metric(const st_stat_field *f, char *buf, size_t size)
{
    const char *ns = strstr(f->field, "_ns");

    if (ns == NULL)
        snprintf(buf, size, "slab_stat_%s", f->field);
    else
        snprintf(buf, size, "slab_stat_%.*s%s_seconds", (int)(ns - f->field), f->field,
                 ns + 3);
}

void st_stat_help(const st_stat_field *f, char *buf, size_t size)
{
    const char *h = f->help;
    size_t n = strlen(h);

    /* "..., ns" and "..., wall ns": the unit is now the name's. */
    if (seconds(f) && n > 3 && strcmp(h + n - 3, " ns") == 0) {
        n -= 3;
        if (h[n - 1] == ',')
            n--;
    }
    snprintf(buf, size, "%c%.*s%s (the thread records' %s, whole process).",
             h[0] >= 'a' && h[0] <= 'z' ? h[0] - 'a' + 'A' : h[0], (int)n - 1, h + 1,
             seconds(f) ? ", seconds" : "", f->field);
}

double st_stat_value(const st_stat_field *f, const slab_thread_stats *t)
{
    uint64_t v;

    memcpy(&v, (const char *)t + f->offset, sizeof(v));
    return seconds(f) ? (double)v / 1e9 : (double)v;
}
