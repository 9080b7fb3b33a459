/*
 * test_options.c - the SLAB_* table: defaults, good values, bad values (one
 * warning each, default kept), the logging rules, the sampler's settings
 * from the environment, and the ENVIRONMENT section of libslab(3), which
 * must be what the table says.
 *
 * "test_options --man" prints that section as the table generates it.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "options.h"
#include "slab_stats.h"

static const char *const all_vars[] = {
    "SLAB_SAMPLE_RATE", "SLAB_SAMPLE_MODE", "SLAB_SAMPLE_BUDGET", "SLAB_SHM",
    "SLAB_SHM_NAME", "SLAB_SHM_NAME_PID", "SLAB_SHM_MODE", "SLAB_SHM_THREADS", "SLAB_VERBOSE",
    "SLAB_SHM_GC",
};

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

/* The section exactly as libslab(3) holds it between its markers. */
static void print_man(FILE *f)
{
    for (int id = 0; id < SLAB_OPT_COUNT; id++) {
        fputs(".TP\n.B ", f);
        fputs(slab_option_name(id), f);
        fputs("\n", f);
        roff_text(f, slab_option_description(id));
        fputs(" Default: ", f);
        roff_text(f, slab_option_default(id));
        fputs(".\n", f);
    }
}

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return NULL;
    static char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    return buf;
}

static bool man_matches(void)
{
    const char *srcdir = getenv("top_srcdir");
    char path[4096];
    snprintf(path, sizeof(path), "%s/man/libslab.3", srcdir ? srcdir : "..");
    char *page = read_file(path);
    if (page == NULL) {
        diag("cannot read %s", path);
        return false;
    }
    const char *begin_mark = ".\\\" BEGIN ENVIRONMENT TABLE\n";
    const char *end_mark = ".\\\" END ENVIRONMENT TABLE\n";
    char *b = strstr(page, begin_mark), *e = b ? strstr(b, end_mark) : NULL;
    if (b == NULL || e == NULL) {
        diag("libslab(3) lacks the ENVIRONMENT TABLE markers");
        return false;
    }
    b += strlen(begin_mark);

    char gen[1 << 14];
    FILE *m = fmemopen(gen, sizeof(gen), "w");
    if (m == NULL)
        return false;
    print_man(m);
    fclose(m);
    if (strlen(gen) != (size_t)(e - b) || memcmp(gen, b, (size_t)(e - b)) != 0) {
        diag("libslab(3) ENVIRONMENT differs from the table; regenerate it with "
             "tests/test_options --man");
        return false;
    }
    return true;
}

/* ---------------------------------------------------------------- logging */

static int warnings, infos;
static char last[512];

static void catch_log(int level, const char *msg, void *arg)
{
    (void)arg;
    if (level == SLAB_LOG_CONFIG)
        warnings++;
    else
        infos++;
    snprintf(last, sizeof(last), "%s", msg);
}

static void clear_env(void)
{
    for (size_t i = 0; i < sizeof(all_vars) / sizeof(all_vars[0]); i++)
        unsetenv(all_vars[i]);
}

/* Reload with one variable set; returns the warnings it caused. */
static int with(const char *name, const char *value)
{
    clear_env();
    setenv(name, value, 1);
    warnings = 0;
    slab_options_reload();
    return warnings;
}

/* What slab_log() writes to stderr, caught through a pipe. */
static size_t stderr_of(int level, const char *text)
{
    int p[2], saved = dup(2);
    char buf[1024];
    if (saved < 0 || pipe(p) != 0)
        bail_out("pipe");
    fcntl(p[0], F_SETFL, O_NONBLOCK);
    dup2(p[1], 2);
    slab_log(level, "%s", text);
    dup2(saved, 2);
    close(saved);
    close(p[1]);
    ssize_t n = read(p[0], buf, sizeof(buf));
    close(p[0]);
    return n > 0 ? (size_t)n : 0;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--man") == 0) {
        print_man(stdout);
        return 0;
    }
    plan(45);

    /* The sampler reads its settings from the environment once, at first
     * use: set them before anything touches it. */
    clear_env();
    setenv("SLAB_SAMPLE_RATE", "333", 1);
    setenv("SLAB_SAMPLE_MODE", "fixed", 1);
    setenv("SLAB_SAMPLE_BUDGET", "0.75%", 1);
    slab_set_log_callback(catch_log, NULL);
    slab_options_reload();
    slab_sample_config c;
    slab_sample_get_config(&c);
#ifdef ENABLE_SLOWPATH_SAMPLING
    ok(c.rate == 333 && c.mode == SLAB_SAMPLE_FIXED && c.budget_ppm == 7500,
       "the sampler takes its settings from the environment (%u, %d, %u)",
       c.rate, (int)c.mode, c.budget_ppm);
#else
    ok(c.rate == 0 && c.mode == SLAB_SAMPLE_FIXED && c.budget_ppm == 7500,
       "compiled out: rate 0, the rest from the environment");
#endif
    is_int(warnings, 0, "good values cause no warning");

    /* The table. */
    bool named = true;
    for (int id = 0; id < SLAB_OPT_COUNT; id++)
        named &= slab_option_name(id) != NULL && strncmp(slab_option_name(id), "SLAB_", 5) == 0 &&
                 slab_option_default(id) != NULL && slab_option_description(id) != NULL &&
                 strcmp(slab_option_name(id), all_vars[id]) == 0;
    ok(named, "every option has a SLAB_ name, a default and a description");
    ok(slab_option_name(SLAB_OPT_COUNT) == NULL && slab_option_uint(SLAB_OPT_COUNT) == 0 &&
       slab_option_string((slab_option_id)-1) == NULL, "bad ids are refused");

    /* Defaults, with nothing set. */
    clear_env();
    warnings = 0;
    slab_options_reload();
    is_int(warnings, 0, "no variables, no warnings");
    is_u64(slab_option_uint(SLAB_OPT_SAMPLE_RATE), 1024, "default rate 1024");
    is_u64(slab_option_uint(SLAB_OPT_SAMPLE_MODE), 0, "default mode random");
    is_u64(slab_option_uint(SLAB_OPT_SAMPLE_BUDGET), 2500, "default budget 0.25 %% (2500 ppm)");
    ok(slab_option_bool(SLAB_OPT_SHM), "publishing on by default");
    ok(slab_option_string(SLAB_OPT_SHM_NAME) == NULL && !slab_option_is_set(SLAB_OPT_SHM_NAME),
       "no segment name unless set");
    is_u64(slab_option_uint(SLAB_OPT_SHM_MODE), 0600, "default mode 0600");
    is_u64(slab_option_uint(SLAB_OPT_SHM_THREADS), 256, "default 256 thread records");
    is_u64(slab_option_uint(SLAB_OPT_VERBOSE), 0, "quiet by default");

    /* Good values. */
    ok(with("SLAB_SAMPLE_RATE", "0") == 0 && slab_option_uint(SLAB_OPT_SAMPLE_RATE) == 0 &&
       slab_option_is_set(SLAB_OPT_SAMPLE_RATE), "SLAB_SAMPLE_RATE=0 turns sampling off");
    ok(with("SLAB_SAMPLE_MODE", "FIXED") == 0 && slab_option_uint(SLAB_OPT_SAMPLE_MODE) == 1,
       "SLAB_SAMPLE_MODE=FIXED (any case)");
    ok(with("SLAB_SAMPLE_BUDGET", "off") == 0 && slab_option_uint(SLAB_OPT_SAMPLE_BUDGET) == 0,
       "SLAB_SAMPLE_BUDGET=off");
    ok(with("SLAB_SAMPLE_BUDGET", "2") == 0 && slab_option_uint(SLAB_OPT_SAMPLE_BUDGET) == 20000,
       "SLAB_SAMPLE_BUDGET=2 is 2 %%");
    ok(with("SLAB_SAMPLE_BUDGET", ".0125") == 0 && slab_option_uint(SLAB_OPT_SAMPLE_BUDGET) == 125,
       "SLAB_SAMPLE_BUDGET=.0125 is 125 ppm");
    ok(with("SLAB_SHM", "off") == 0 && !slab_option_bool(SLAB_OPT_SHM), "SLAB_SHM=off");
    ok(with("SLAB_SHM", "0") == 0 && !slab_option_bool(SLAB_OPT_SHM), "SLAB_SHM=0");
    ok(with("SLAB_SHM_NAME", "/my.seg") == 0 &&
       strcmp(slab_option_string(SLAB_OPT_SHM_NAME), "/my.seg") == 0, "SLAB_SHM_NAME=/my.seg");
    ok(with("SLAB_SHM_MODE", "0644") == 0 && slab_option_uint(SLAB_OPT_SHM_MODE) == 0644,
       "SLAB_SHM_MODE=0644 is octal");
    ok(with("SLAB_SHM_THREADS", "4") == 0 && slab_option_uint(SLAB_OPT_SHM_THREADS) == 4,
       "SLAB_SHM_THREADS=4");

    /* Bad values: exactly one warning, naming the variable, and the default. */
    ok(with("SLAB_SAMPLE_RATE", "-5") == 1 && slab_option_uint(SLAB_OPT_SAMPLE_RATE) == 1024 &&
       !slab_option_is_set(SLAB_OPT_SAMPLE_RATE) && strstr(last, "SLAB_SAMPLE_RATE") != NULL,
       "SLAB_SAMPLE_RATE=-5: one warning naming it, default kept (%s)", last);
    ok(with("SLAB_SAMPLE_RATE", "12abc") == 1 && slab_option_uint(SLAB_OPT_SAMPLE_RATE) == 1024,
       "SLAB_SAMPLE_RATE=12abc: one warning");
    ok(with("SLAB_SAMPLE_RATE", "99999999999999999999999") == 1 &&
       slab_option_uint(SLAB_OPT_SAMPLE_RATE) == 1024, "an overflowing rate: one warning");
    ok(with("SLAB_SAMPLE_RATE", "") == 1, "an empty rate: one warning");
    ok(with("SLAB_SAMPLE_MODE", "sometimes") == 1 && slab_option_uint(SLAB_OPT_SAMPLE_MODE) == 0,
       "SLAB_SAMPLE_MODE=sometimes: one warning");
    ok(with("SLAB_SAMPLE_BUDGET", "150") == 1 && slab_option_uint(SLAB_OPT_SAMPLE_BUDGET) == 2500,
       "SLAB_SAMPLE_BUDGET=150: one warning");
    ok(with("SLAB_SAMPLE_BUDGET", "0.00001") == 1, "a budget finer than 1 ppm: one warning");
    ok(with("SLAB_SAMPLE_BUDGET", "5%%") == 1, "SLAB_SAMPLE_BUDGET=5%%%%: one warning");
    ok(with("SLAB_SHM", "maybe") == 1 && slab_option_bool(SLAB_OPT_SHM), "SLAB_SHM=maybe: one warning");
    ok(with("SLAB_SHM_NAME", "a/b") == 1 && slab_option_string(SLAB_OPT_SHM_NAME) == NULL &&
       with("SLAB_SHM_NAME", "..") == 1 && with("SLAB_SHM_NAME", "sp ace") == 1 &&
       with("SLAB_SHM_NAME", "x234567890123456789012345678901234567890123456789012345678901234") == 1,
       "bad SLAB_SHM_NAMEs (a/b, .., a space, 64 characters): one warning each");
    ok(with("SLAB_SHM_MODE", "0800") == 1 && slab_option_uint(SLAB_OPT_SHM_MODE) == 0600,
       "SLAB_SHM_MODE=0800: one warning");
    ok(with("SLAB_SHM_MODE", "0666") == 1 && slab_option_uint(SLAB_OPT_SHM_MODE) == 0600,
       "SLAB_SHM_MODE=0666 (others may write, and so shrink it): refused, one warning");
    ok(with("SLAB_SHM_MODE", "0620") == 1 && slab_option_uint(SLAB_OPT_SHM_MODE) == 0600,
       "SLAB_SHM_MODE=0620 (group write): refused");
    ok(with("SLAB_SHM_MODE", "0640") == 0 && slab_option_uint(SLAB_OPT_SHM_MODE) == 0640,
       "SLAB_SHM_MODE=0640 (group read): accepted");
    ok(with("SLAB_SHM_THREADS", "0") == 1 && slab_option_uint(SLAB_OPT_SHM_THREADS) == 256,
       "SLAB_SHM_THREADS=0: one warning");

    clear_env();
    setenv("SLAB_SAMPLE_RATE", "x", 1);
    setenv("SLAB_VERBOSE", "9", 1);
    setenv("SLAB_SHM_THREADS", "7", 1);
    warnings = 0;
    slab_options_reload();
    ok(warnings == 2 && slab_option_uint(SLAB_OPT_SHM_THREADS) == 7,
       "two bad variables and a good one: two warnings, the good one applies");

    /* Logging rules. */
    clear_env();
    slab_set_log_callback(NULL, NULL);
    slab_options_reload();
    is_int(stderr_of(SLAB_LOG_INFO, "quiet"), 0, "without SLAB_VERBOSE, information is not printed");
    is_int(stderr_of(SLAB_LOG_CONFIG, "bad value"), 0,
           "without SLAB_VERBOSE, not even a bad setting is printed");
    setenv("SLAB_VERBOSE", "1", 1);
    slab_options_reload();
    ok(stderr_of(SLAB_LOG_CONFIG, "bad value") > 0 && stderr_of(SLAB_LOG_INFO, "no") == 0,
       "SLAB_VERBOSE=1 prints bad settings and warnings, not information");
    setenv("SLAB_VERBOSE", "2", 1);
    slab_options_reload();
    ok(stderr_of(SLAB_LOG_INFO, "told") > 0 && stderr_of(SLAB_LOG_DEBUG, "details") == 0,
       "SLAB_VERBOSE=2 prints information but not debugging");
    slab_set_log_callback(catch_log, NULL);
    infos = 0;
    ok(stderr_of(SLAB_LOG_DEBUG, "to the callback") == 0 && infos == 1 &&
       strcmp(last, "to the callback") == 0, "with a callback, messages go to it and not to stderr");
    slab_set_log_callback(NULL, NULL);
    clear_env();
    slab_options_reload();

    ok(man_matches(), "libslab(3) ENVIRONMENT is generated from the table");
    return tap_exit();
}
