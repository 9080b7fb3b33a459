/*
 * tap.h - a minimal Test Anything Protocol producer for the test programs.
 *
 *     plan(3);
 *     ok(x == 1, "x is one");
 *     is_u64(y, 2, "y is two");
 *     skip_all("sampling is compiled out");   // instead of plan()
 *     return tap_exit();
 *
 * Header-only: every test is one program and includes this once.
 */
#ifndef SLAB_TAP_H
#define SLAB_TAP_H

#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

static int tap_planned;
static int tap_run;
static int tap_failed;

static inline void plan(int n)
{
    tap_planned = n;
    printf("1..%d\n", n);
    fflush(stdout);
}

static inline void diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline void diag(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("# ", stdout);
    vprintf(fmt, ap);
    fputc('\n', stdout);
    fflush(stdout);
    va_end(ap);
}

static inline bool ok_at(bool cond, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static inline bool ok_at(bool cond, const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    tap_run++;
    printf("%s %d - ", cond ? "ok" : "not ok", tap_run);
    vprintf(fmt, ap);
    putchar('\n');
    va_end(ap);
    if (!cond) {
        tap_failed++;
        printf("#   failed at %s:%d\n", file, line);
    }
    fflush(stdout);
    return cond;
}
#define ok(cond, ...) ok_at(!!(cond), __FILE__, __LINE__, __VA_ARGS__)

#define is_u64(got, want, ...) do {                                         \
        uint64_t g_ = (uint64_t)(got), w_ = (uint64_t)(want);              \
        if (!ok(g_ == w_, __VA_ARGS__))                                    \
            diag("  got %" PRIu64 ", want %" PRIu64, g_, w_);              \
    } while (0)

#define is_int(got, want, ...) do {                                         \
        long long g_ = (long long)(got), w_ = (long long)(want);            \
        if (!ok(g_ == w_, __VA_ARGS__))                                    \
            diag("  got %lld, want %lld", g_, w_);                         \
    } while (0)

static inline void skip(int n, const char *why)
{
    for (int i = 0; i < n; i++) {
        tap_run++;
        printf("ok %d # SKIP %s\n", tap_run, why);
    }
    fflush(stdout);
}

static inline void skip_all(const char *why)
{
    printf("1..0 # SKIP %s\n", why);
    fflush(stdout);
    exit(0);
}

static inline void bail_out(const char *why)
{
    printf("Bail out! %s\n", why);
    fflush(stdout);
    exit(1);
}

static inline int tap_exit(void)
{
    if (tap_run != tap_planned) {
        diag("planned %d tests but ran %d", tap_planned, tap_run);
        return 1;
    }
    return tap_failed ? 1 : 0;
}

/* Scale a loop count down under sanitizers, which run 5-50x slower. */
#ifdef SLAB_SANITIZED
#define TAP_SCALE(n) ((n) / 10 > 0 ? (n) / 10 : 1)
#else
#define TAP_SCALE(n) (n)
#endif

#endif /* SLAB_TAP_H */
