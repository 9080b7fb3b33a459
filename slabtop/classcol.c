/*
 * classcol.c - the size-class table's columns, made from
 * SLAB_SHM_CLASS_FIELDS (see classcol.h).
 */
#include "config.h"
#include "classcol.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

/* Shorter headings, so that the screen's 80 columns hold the levels and
 * the first counters, and which counters read better as a rate.  Optional:
 * a counter without an entry is headed by its name in upper case.  Indexed
 * by the table's ids, so that an entry cannot outlive its counter. */
static const struct {
    const char *heading;
    bool rate;
} look[ST_CC_COUNT] = {
    [ST_CC_allocs_slow] = { "SLOW/S", true },
    [ST_CC_new_slabs] = { "NEWSLABS", false },
    [ST_CC_recycled_slabs] = { "RECYCLED", false },
    [ST_CC_released_slabs] = { "RELEASED", false },
    [ST_CC_madvised_bytes] = { "MADVISED", false },
    [ST_CC_cas_retries] = { "CASRETRY", false },
    [ST_CC_remote_frees] = { "REMOTE", false },
    [ST_CC_repairs] = { "REPAIRS", false },
    [ST_CC_repair_full_bitmap] = { "R.FULL", false },
    [ST_CC_repair_list_mismatch] = { "R.LIST", false },
    [ST_CC_repair_other] = { "R.OTHER", false },
    [ST_CC_live_slabs] = { "LIVE", false },
    [ST_CC_resident_bytes] = { "RESIDENT", false },
};

static const char *const names[ST_CC_COUNT] = {
#define X(f, kind, help) #f,
    SLAB_SHM_CLASS_FIELDS(X)
#undef X
};

/* The kinds of include/slab_shm_format.h, split into levels and the rest;
 * a kind missing here fails to compile. */
#define GAUGE_ONLY_GAUGE(x) x,
#define GAUGE_ONLY_SUM(x)
#define GAUGE_ONLY_MAX(x)
#define GAUGE_ONLY_LAST(x)
#define GAUGE_ONLY_LATEST(x)
#define OTHER_ONLY_GAUGE(x)
#define OTHER_ONLY_SUM(x) x,
#define OTHER_ONLY_MAX(x) x,
#define OTHER_ONLY_LAST(x) x,
#define OTHER_ONLY_LATEST(x) x,

const st_ccol_id st_class_cols[ST_CC_COUNT] = {
#define GAUGES(f, kind, help) GAUGE_ONLY_##kind(ST_CC_##f)
#define OTHERS(f, kind, help) OTHER_ONLY_##kind(ST_CC_##f)
    SLAB_SHM_CLASS_FIELDS(GAUGES)
    SLAB_SHM_CLASS_FIELDS(OTHERS)
#undef OTHERS
#undef GAUGES
};

const char *st_ccol_name(st_ccol_id id)
{
    return id < ST_CC_COUNT ? names[id] : "?";
}

const char *st_ccol_heading(st_ccol_id id, char buf[ST_CCOL_HEADING_MAX + 1])
{
    const char *name = st_ccol_name(id);
    size_t k;

    if (id < ST_CC_COUNT && look[id].heading)
        return look[id].heading;
    for (k = 0; name[k] && k < ST_CCOL_HEADING_MAX; k++)
        buf[k] = (char)toupper((unsigned char)name[k]);
    buf[k] = '\0';
    return buf;
}

int st_ccol_width(st_ccol_id id)
{
    char buf[ST_CCOL_HEADING_MAX + 1];
    int w = (int)strlen(st_ccol_heading(id, buf));

    return w < 8 ? 8 : w;
}

uint64_t st_ccol_total(const PerfCounters *p, st_ccol_id id)
{
    switch (id) {
#define X(f, kind, help) case ST_CC_##f: return p->f;
    SLAB_SHM_CLASS_FIELDS(X)
#undef X
    case ST_CC_COUNT:
        break;
    }
    return 0;
}

static bool is_bytes(const char *name)
{
    static const char suffix[] = "_bytes";
    size_t len = strlen(name), n = sizeof(suffix) - 1;

    return len > n && strcmp(name + len - n, suffix) == 0;
}

const char *st_ccol_cell(char buf[ST_FMT_LEN], st_ccol_id id, const PerfCounters *total,
                         const double per_s[ST_CC_COUNT])
{
    if (id < ST_CC_COUNT && look[id].rate)
        return st_fmt_count(buf, per_s[id]);
    if (is_bytes(st_ccol_name(id)))
        return st_fmt_bytes(buf, (double)st_ccol_total(total, id));
    snprintf(buf, ST_FMT_LEN, "%llu", (unsigned long long)st_ccol_total(total, id));
    return buf;
}
