/*
 * context.c - the machine's side of the story (context.h): /proc/stat,
 * cgroup v1 and v2 cpu.stat, /proc/pressure/cpu, sched_getaffinity() and a
 * walk of /proc/PID/task/TID/stat for the tasks runnable on the process's
 * CPUs.
 */
#define _GNU_SOURCE
#include "config.h"
#include "context.h"

#include <dirent.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static bool read_file(const char *path, char *buf, size_t len)
{
    FILE *f = fopen(path, "re");
    if (f == NULL)
        return false;
    size_t n = fread(buf, 1, len - 1, f);
    fclose(f);
    buf[n] = '\0';
    return n > 0;
}

static void read_stat(st_host *h)
{
    char buf[512];
    unsigned long long v[8] = { 0 };

    if (!read_file("/proc/stat", buf, sizeof(buf)))
        return;
    if (sscanf(buf, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2],
               &v[3], &v[4], &v[5], &v[6], &v[7]) < 8)
        return;
    h->have_stat = true;
    h->steal_ticks = v[7];
    for (int i = 0; i < 8; i++)
        h->total_ticks += v[i];
}

/* "key value" lines of a cpu.stat. */
static bool stat_key(const char *text, const char *key, unsigned long long *out)
{
    size_t k = strlen(key);
    for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
        if (strncmp(p, key, k) == 0 && p[k] == ' ')
            return sscanf(p + k + 1, "%llu", out) == 1;
    }
    return false;
}

/* Does a v1 controller list ("cpu,cpuacct") name the cpu controller? */
static bool has_cpu(const char *list)
{
    for (const char *p = list; p && *p;) {
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (n == 3 && strncmp(p, "cpu", 3) == 0)
            return true;
        p = e ? e + 1 : NULL;
    }
    return false;
}

/* The cgroup of pid: v2 ("0::/path") under /sys/fs/cgroup or its unified
 * mount, v1 (a line naming the cpu controller) under the cpu mount. */
static void read_cgroup(st_host *h, int64_t pid)
{
    char path[512], line[512], text[1024];
    FILE *f;

    snprintf(path, sizeof(path), "/proc/%lld/cgroup", (long long)pid);
    if ((f = fopen(path, "re")) == NULL)
        return;
    while (fgets(line, sizeof(line), f)) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        if (c2 == NULL)
            continue;
        *c1 = *c2 = '\0';
        const char *ctrl = c1 + 1, *cg = c2 + 1;
        unsigned long long v;
        if (*ctrl == '\0') {
            /* v2: throttled_usec */
            static const char *const roots[] = { "/sys/fs/cgroup", "/sys/fs/cgroup/unified" };
            for (unsigned r = 0; r < 2 && !h->have_throttle; r++) {
                snprintf(path, sizeof(path), "%s%s/cpu.stat", roots[r], cg);
                if (read_file(path, text, sizeof(text)) &&
                    stat_key(text, "throttled_usec", &v)) {
                    h->have_throttle = true;
                    h->throttled_ns = v * 1000;
                    if (stat_key(text, "nr_throttled", &v))
                        h->nr_throttled = v;
                    if (stat_key(text, "nr_periods", &v))
                        h->nr_periods = v;
                    snprintf(h->cgroup, sizeof(h->cgroup), "v2:%s", cg);
                }
            }
        } else if (has_cpu(ctrl)) {
            char mount[64];
            snprintf(mount, sizeof(mount), "/sys/fs/cgroup/%s", ctrl);
            static const char *const alts[] = { "", "/sys/fs/cgroup/cpu",
                                                "/sys/fs/cgroup/cpu,cpuacct" };
            for (unsigned r = 0; r < 3; r++) {
                snprintf(path, sizeof(path), "%s%s/cpu.stat", r ? alts[r] : mount, cg);
                if (read_file(path, text, sizeof(text)) &&
                    stat_key(text, "throttled_time", &v)) {
                    /* v1 over v2: the cpu controller lives here. */
                    h->have_throttle = true;
                    h->throttled_ns = v;
                    if (stat_key(text, "nr_throttled", &v))
                        h->nr_throttled = v;
                    if (stat_key(text, "nr_periods", &v))
                        h->nr_periods = v;
                    snprintf(h->cgroup, sizeof(h->cgroup), "v1:%s", cg);
                    break;
                }
            }
        }
    }
    fclose(f);
}

static void read_pressure(st_host *h)
{
    char buf[256];
    double v;
    if (read_file("/proc/pressure/cpu", buf, sizeof(buf)) &&
        sscanf(buf, "some avg10=%lf", &v) == 1) {
        h->have_pressure = true;
        h->pressure_some = v;
    }
}

/* Field 3 (state) and 39 (processor) of a /proc/.../stat line. */
static bool task_on(const char *path, const cpu_set_t *set)
{
    char buf[1024];
    if (!read_file(path, buf, sizeof(buf)))
        return false;
    char *p = strrchr(buf, ')');
    if (p == NULL || p[1] != ' ' || p[2] != 'R')
        return false;
    p += 2;     /* field 3 */
    for (int field = 3; field < 39; field++) {
        p = strchr(p, ' ');
        if (p == NULL)
            return false;
        p++;
    }
    int cpu = atoi(p);
    return cpu >= 0 && cpu < CPU_SETSIZE && CPU_ISSET(cpu, set);
}

static int count_runnable(const cpu_set_t *set)
{
    DIR *proc = opendir("/proc");
    struct dirent *e;
    char path[600];
    int n = 0;

    if (proc == NULL)
        return -1;
    while ((e = readdir(proc)) != NULL) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9')
            continue;
        snprintf(path, sizeof(path), "/proc/%s/task", e->d_name);
        DIR *tasks = opendir(path);
        if (tasks == NULL)
            continue;
        struct dirent *t;
        while ((t = readdir(tasks)) != NULL) {
            if (t->d_name[0] < '0' || t->d_name[0] > '9')
                continue;
            snprintf(path, sizeof(path), "/proc/%s/task/%s/stat", e->d_name, t->d_name);
            if (task_on(path, set))
                n++;
        }
        closedir(tasks);
    }
    closedir(proc);
    return n;
}

static uint64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The walk of every task costs milliseconds: one per CPU set per
 * CACHE_NS, however many segments a refresh reads (the exporter and the
 * overview read hundreds).  slabtop reads from one thread at a time. */
#define CACHE_NS 900000000u

void st_host_read(st_host *h, int64_t pid)
{
    static st_host host_cache;
    static uint64_t host_at;
    static cpu_set_t run_set;
    static int run_count = -1;
    static uint64_t run_at;
    uint64_t now = mono_ns();

    if (host_at == 0 || now - host_at > CACHE_NS / 4) {
        memset(&host_cache, 0, sizeof(host_cache));
        read_stat(&host_cache);
        read_pressure(&host_cache);
        host_at = now;
    }
    memset(h, 0, sizeof(*h));
    h->have_stat = host_cache.have_stat;
    h->steal_ticks = host_cache.steal_ticks;
    h->total_ticks = host_cache.total_ticks;
    h->have_pressure = host_cache.have_pressure;
    h->pressure_some = host_cache.pressure_some;
    h->runnable = -1;
    if (pid <= 0)
        return;
    read_cgroup(h, pid);
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity((pid_t)pid, sizeof(set), &set) == 0) {
        h->cpus_allowed = CPU_COUNT(&set);
        if (run_at == 0 || now - run_at > CACHE_NS || !CPU_EQUAL(&set, &run_set)) {
            run_count = count_runnable(&set);
            run_set = set;
            run_at = now;
        }
        h->runnable = run_count;
    }
}

void st_host_context(const st_host *prev, const st_host *cur, double elapsed_s,
                     slab_context *ctx)
{
    memset(ctx, 0, sizeof(*ctx));
    ctx->runnable = -1;
    if (cur == NULL)
        return;
    (void)elapsed_s;
    if (prev && prev->have_stat && cur->have_stat && cur->total_ticks > prev->total_ticks &&
        cur->steal_ticks >= prev->steal_ticks) {
        ctx->have_steal = 1;
        ctx->steal_share = (double)(cur->steal_ticks - prev->steal_ticks) /
                           (double)(cur->total_ticks - prev->total_ticks);
    }
    if (prev && prev->have_throttle && cur->have_throttle &&
        cur->throttled_ns >= prev->throttled_ns) {
        ctx->have_throttle = 1;
        ctx->throttled_ns = (double)(cur->throttled_ns - prev->throttled_ns);
        ctx->throttled_periods = cur->nr_throttled >= prev->nr_throttled
                                 ? cur->nr_throttled - prev->nr_throttled : 0;
    }
    ctx->have_pressure = cur->have_pressure;
    ctx->pressure_some = cur->pressure_some;
    ctx->cpus_allowed = cur->cpus_allowed;
    ctx->runnable = cur->runnable;
}
