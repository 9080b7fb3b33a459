/*
 * options.c - the one table of SLAB_* environment variables, their parsing,
 * and the library's logging.
 */
#include "config.h"
#include "options.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "common.h"

enum opt_type { OPT_UINT, OPT_BOOL, OPT_OCTAL, OPT_PERCENT, OPT_CHOICE, OPT_STRING };

struct opt_def {
    const char *name;
    enum opt_type type;
    const char *defval;     /* default, as the user would write it */
    uint64_t min, max;      /* range of the parsed number (uint, octal, percent in ppm) */
    const char *choices;    /* OPT_CHOICE: words separated by '|' */
    const char *help;
};

#define TEXT_MAX 200          /* longest value kept as text */
#define SHM_NAME_MAX 63       /* segment NAME, as slab_shm.h allows */

/* The table.  Its order is the order of slab_option_id, and of the
 * ENVIRONMENT section of libslab(3). */
static const struct opt_def defs[SLAB_OPT_COUNT] = {
    [SLAB_OPT_SAMPLE_RATE] = {
        "SLAB_SAMPLE_RATE", OPT_UINT, "1024", 0, UINT32_C(1) << 30, NULL,
        "Mean number of allocations between two samples of a thread. "
        "0 turns sampling off."
    },
    [SLAB_OPT_SAMPLE_MODE] = {
        "SLAB_SAMPLE_MODE", OPT_CHOICE, "random", 0, 1, "random|fixed",
        "random: geometric intervals with that mean, so that periodic "
        "workloads are not aliased; fixed: exactly every N-th allocation."
    },
    [SLAB_OPT_SAMPLE_BUDGET] = {
        "SLAB_SAMPLE_BUDGET", OPT_PERCENT, "0.25", 0, 1000000, NULL,
        "Largest share of a thread's time, in percent, that taking samples "
        "may cost; the interval is stretched to stay under it. "
        "off (or 0) removes the limit."
    },
    [SLAB_OPT_SHM] = {
        "SLAB_SHM", OPT_BOOL, "1", 0, 1, NULL,
        "0 turns publishing into shared memory off."
    },
    [SLAB_OPT_SHM_NAME] = {
        "SLAB_SHM_NAME", OPT_STRING, "the process id", 0, 0, NULL,
        "NAME of the shared-memory segment /slab.NAME: 1 to 63 letters, "
        "digits, dots, underscores or hyphens (a leading / or slab. is "
        "dropped); each %p is replaced by the process id (%% by %), so "
        "that the processes of a command tree publish under names of their "
        "own. Setting it also creates the segment before the first "
        "allocator."
    },
    [SLAB_OPT_SHM_NAME_PID] = {
        "SLAB_SHM_NAME_PID", OPT_UINT, "0", 0, UINT32_C(1) << 22, NULL,
        "The process id that SLAB_SHM_NAME names exactly; any other process "
        "that inherited both variables (a descendant) publishes as NAME-PID "
        "with its own process id instead. slabrun(1) sets it. 0: "
        "SLAB_SHM_NAME applies to every process."
    },
    [SLAB_OPT_SHM_MODE] = {
        "SLAB_SHM_MODE", OPT_OCTAL, "0600", 0, 0755, NULL,
        "Permissions of the segment, in octal. Group and other write bits "
        "are refused: readers need only read, and a user who may write "
        "the segment may also shrink it and crash the program."
    },
    [SLAB_OPT_SHM_THREADS] = {
        "SLAB_SHM_THREADS", OPT_UINT, "256", 1, 65536, NULL,
        "Number of per-thread records in the segment; further threads "
        "share an overflow record."
    },
    [SLAB_OPT_VERBOSE] = {
        "SLAB_VERBOSE", OPT_UINT, "0", 0, 3, NULL,
        "Messages on stderr: 1 warnings, 2 also information, 3 also "
        "debugging; 1 or more also reports SLAB_* values that were refused "
        "(their defaults apply). 0 prints nothing."
    },
    [SLAB_OPT_SHM_GC] = {
        "SLAB_SHM_GC", OPT_BOOL, "1", 0, 1, NULL,
        "When a process starts publishing, it removes segments that processes "
        "of its own user left behind and that are provably dead (pid gone or "
        "reused, or an earlier boot, in its own pid namespace): at most 32, "
        "in about 2 ms. Never another user's, nor one whose owner's liveness "
        "cannot be told. 0 turns this off."
    },
};

struct opt_val {
    uint64_t num;
    bool set;               /* the user set an accepted value */
    char text[TEXT_MAX + 1];
};

static struct opt_val vals[SLAB_OPT_COUNT];
static pthread_once_t once = PTHREAD_ONCE_INIT;

/* ------------------------------------------------------------- logging */

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static slab_log_callback log_fn;        /* guarded by log_lock */
static void *log_arg;                   /* guarded by log_lock */

SLAB_API void slab_set_log_callback(slab_log_callback fn, void *arg)
{
    pthread_mutex_lock(&log_lock);
    log_fn = fn;
    log_arg = arg;
    pthread_mutex_unlock(&log_lock);
}

/* Deliver one formatted message; verbose is the SLAB_VERBOSE level to apply
 * when there is no callback. */
static void emit(int level, uint64_t verbose, const char *msg)
{
    slab_log_callback fn;
    void *arg;

    pthread_mutex_lock(&log_lock);
    fn = log_fn;
    arg = log_arg;
    pthread_mutex_unlock(&log_lock);
    if (fn) {
        fn(level, msg, arg);    /* called unlocked: it may log or reset itself */
        return;
    }
    /* Nothing reaches stderr unless asked: a bad setting (CONFIG) is a
     * warning, printed from SLAB_VERBOSE=1 on like the others. */
    uint64_t needs = level == SLAB_LOG_CONFIG ? SLAB_LOG_WARNING : (uint64_t)level;
    if (needs > verbose)
        return;

    char line[600];
    int n = snprintf(line, sizeof(line), "libslab[%ld]: %s\n", (long)getpid(), msg);
    if (n < 0)
        return;
    if ((size_t)n >= sizeof(line))
        n = (int)sizeof(line) - 1;
    ssize_t w = write(STDERR_FILENO, line, (size_t)n);
    (void)w;                    /* nowhere to report a failed report */
}

static void vlog_at(int level, uint64_t verbose, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));
static void vlog_at(int level, uint64_t verbose, const char *fmt, va_list ap)
{
    char msg[512];
    vsnprintf(msg, sizeof(msg), fmt, ap);
    emit(level, verbose, msg);
}

static void config_warning(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void config_warning(const char *fmt, ...)
{
    /* The table is being read, perhaps before SLAB_VERBOSE: look at the
     * variable itself (anything but a number asks for nothing). */
    const char *v = getenv("SLAB_VERBOSE");
    char *end = NULL;
    unsigned long verbose = v ? strtoul(v, &end, 10) : 0;
    if (!v || end == v || *end != '\0')
        verbose = 0;
    va_list ap;
    va_start(ap, fmt);
    vlog_at(SLAB_LOG_CONFIG, verbose, fmt, ap);
    va_end(ap);
}

void slab_log(int level, const char *fmt, ...)
{
    va_list ap;
    uint64_t verbose = slab_option_uint(SLAB_OPT_VERBOSE);

    if (level > SLAB_LOG_CONFIG && (uint64_t)level > verbose) {
        /* Skip the formatting when nobody will see the message. */
        bool have_cb;
        pthread_mutex_lock(&log_lock);
        have_cb = log_fn != NULL;
        pthread_mutex_unlock(&log_lock);
        if (!have_cb)
            return;
    }
    va_start(ap, fmt);
    vlog_at(level, verbose, fmt, ap);
    va_end(ap);
}

/* ------------------------------------------------------------- parsing */

static bool parse_uint(const char *s, int base, uint64_t *out)
{
    uint64_t v = 0;
    if (*s == '\0')
        return false;
    for (; *s; s++) {
        unsigned d;
        if (*s >= '0' && *s <= '9')
            d = (unsigned)(*s - '0');
        else
            return false;
        if (d >= (unsigned)base)
            return false;
        if (v > (UINT64_MAX - d) / (uint64_t)base)
            return false;
        v = v * (uint64_t)base + d;
    }
    *out = v;
    return true;
}

static bool parse_bool(const char *s, uint64_t *out)
{
    static const char *const yes[] = { "1", "yes", "on", "true" };
    static const char *const no[] = { "0", "no", "off", "false" };
    for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
        if (strcasecmp(s, yes[i]) == 0) {
            *out = 1;
            return true;
        }
        if (strcasecmp(s, no[i]) == 0) {
            *out = 0;
            return true;
        }
    }
    return false;
}

/* "off", or a percentage with up to four decimals and an optional '%',
 * into parts per million. */
static bool parse_percent(const char *s, uint64_t *out)
{
    uint64_t whole = 0, frac = 0;
    unsigned digits = 0, fdigits = 0;

    if (strcasecmp(s, "off") == 0) {
        *out = 0;
        return true;
    }
    for (; *s >= '0' && *s <= '9'; s++, digits++) {
        whole = whole * 10 + (uint64_t)(*s - '0');
        if (whole > 100)
            return false;
    }
    if (*s == '.') {
        s++;
        for (; *s >= '0' && *s <= '9'; s++, fdigits++) {
            if (fdigits >= 4)
                return false;
            frac = frac * 10 + (uint64_t)(*s - '0');
        }
    }
    if (digits + fdigits == 0)
        return false;
    if (*s == '%')
        s++;
    if (*s != '\0')
        return false;
    while (fdigits++ < 4)
        frac *= 10;
    *out = whole * 10000 + frac;
    return true;
}

static bool parse_choice(const char *s, const char *choices, uint64_t *out)
{
    size_t len = strlen(s);
    uint64_t index = 0;
    const char *p = choices;

    while (*p) {
        const char *bar = strchr(p, '|');
        size_t wl = bar ? (size_t)(bar - p) : strlen(p);
        if (wl == len && strncasecmp(p, s, len) == 0) {
            *out = index;
            return true;
        }
        if (!bar)
            break;
        p = bar + 1;
        index++;
    }
    return false;
}

/* A segment NAME as slab_shm.h defines it: after an optional '/' and an
 * optional "slab." prefix, 1..SHM_NAME_MAX of A-Z a-z 0-9 . _ -, and not
 * "." or "..".  %p (the pid) and %% may appear too: the publisher expands
 * them and checks the length of the result. */
static bool valid_shm_name(const char *s)
{
    size_t n;
    if (*s == '/')
        s++;
    if (strncmp(s, "slab.", 5) == 0)
        s += 5;
    for (n = 0; s[n]; n++) {
        char c = s[n];
        bool good = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                    (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
        if (c == '%' && (s[n + 1] == 'p' || s[n + 1] == '%')) {
            good = true;
            n++;
        }
        if (!good || n >= SHM_NAME_MAX)
            return false;
    }
    return n > 0 && strcmp(s, ".") != 0 && strcmp(s, "..") != 0;
}

static bool parse_one(const struct opt_def *d, const char *s, uint64_t *num)
{
    switch (d->type) {
    case OPT_UINT:
        return parse_uint(s, 10, num) && *num >= d->min && *num <= d->max;
    case OPT_OCTAL:         /* permission bits: max is the bits allowed */
        return parse_uint(s, 8, num) && *num >= d->min && (*num & ~d->max) == 0;
    case OPT_BOOL:
        return parse_bool(s, num);
    case OPT_PERCENT:
        return parse_percent(s, num) && *num >= d->min && *num <= d->max;
    case OPT_CHOICE:
        return parse_choice(s, d->choices, num);
    case OPT_STRING:
        *num = 0;
        return valid_shm_name(s);
    }
    return false;
}

static const char *expected(const struct opt_def *d, char *buf, size_t len)
{
    switch (d->type) {
    case OPT_UINT:
        snprintf(buf, len, "a whole number from %llu to %llu",
                 (unsigned long long)d->min, (unsigned long long)d->max);
        break;
    case OPT_OCTAL:
        snprintf(buf, len, "octal permission bits within %04llo", (unsigned long long)d->max);
        break;
    case OPT_BOOL:
        snprintf(buf, len, "0 or 1");
        break;
    case OPT_PERCENT:
        snprintf(buf, len, "a percentage up to 100 (up to 4 decimals), or off");
        break;
    case OPT_CHOICE:
        snprintf(buf, len, "one of %s", d->choices);
        break;
    case OPT_STRING:
        snprintf(buf, len, "1 to %d of A-Z a-z 0-9 . _ - (and %%p for the pid)",
                 SHM_NAME_MAX);
        break;
    }
    return buf;
}

static uint64_t default_num(const struct opt_def *d)
{
    uint64_t num = 0;
    if (d->type != OPT_STRING && !parse_one(d, d->defval, &num))
        num = 0;        /* the table's defaults all parse; see the tests */
    return num;
}

static void read_environment(void)
{
    for (int id = 0; id < SLAB_OPT_COUNT; id++) {
        const struct opt_def *d = &defs[id];
        struct opt_val *v = &vals[id];
        const char *s = getenv(d->name);
        uint64_t num;

        memset(v, 0, sizeof(*v));
        v->num = default_num(d);
        if (s == NULL)
            continue;
        if (strlen(s) <= TEXT_MAX && parse_one(d, s, &num)) {
            v->num = num;
            v->set = true;
            strcpy(v->text, s);         /* length checked above */
            continue;
        }
        char want[96];
        config_warning("ignoring %s=\"%.64s\": expected %s; using the default %s",
                       d->name, s, expected(d, want, sizeof(want)), d->defval);
    }
}

void slab_options_init(void)
{
    pthread_once(&once, read_environment);
}

void slab_options_reload(void)
{
    slab_options_init();
    read_environment();
}

/* ------------------------------------------------------------- getters */

static bool bad_id(slab_option_id id)
{
    return (unsigned)id >= SLAB_OPT_COUNT;
}

uint64_t slab_option_uint(slab_option_id id)
{
    if (bad_id(id))
        return 0;
    slab_options_init();
    return vals[id].num;
}

bool slab_option_bool(slab_option_id id)
{
    return slab_option_uint(id) != 0;
}

const char *slab_option_string(slab_option_id id)
{
    if (bad_id(id))
        return NULL;
    slab_options_init();
    return vals[id].set ? vals[id].text : NULL;
}

bool slab_option_is_set(slab_option_id id)
{
    if (bad_id(id))
        return false;
    slab_options_init();
    return vals[id].set;
}

const char *slab_option_name(slab_option_id id)
{
    return bad_id(id) ? NULL : defs[id].name;
}

const char *slab_option_default(slab_option_id id)
{
    return bad_id(id) ? NULL : defs[id].defval;
}

const char *slab_option_description(slab_option_id id)
{
    return bad_id(id) ? NULL : defs[id].help;
}
