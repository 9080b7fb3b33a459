/*
 * options.h - the SLAB_* environment variables of libslab, and its logging.
 *
 * API at a glance:
 *
 *     uint64_t    slab_option_uint(SLAB_OPT_SHM_THREADS);   // 256 by default
 *     bool        slab_option_bool(SLAB_OPT_SHM);           // false: SLAB_SHM=0
 *     const char *slab_option_string(SLAB_OPT_SHM_NAME);    // NULL: not set
 *     bool        slab_option_is_set(SLAB_OPT_SHM_MODE);    // user gave a good value
 *     slab_log(SLAB_LOG_INFO, "segment %s created", name);
 *
 * Every variable lives in one table (options.c) of name, type, default and
 * description; the same table drives parsing, the getters, and the
 * ENVIRONMENT section of libslab(3) (a test checks the page against it).
 * The environment is read once, on the first call of any getter (thread-safe,
 * idempotent).  A value that does not parse or is out of range gets one
 * warning naming the variable, and the default is used instead.
 *
 * What each getter returns, by option type:
 *   uint     slab_option_uint(): the number
 *   bool     slab_option_bool(): the flag; slab_option_uint(): 0 or 1
 *   octal    slab_option_uint(): the number (file modes: 0600 -> 384)
 *   percent  slab_option_uint(): parts per million ("0.5" -> 5000); "off"
 *            and "0" give 0
 *   choice   slab_option_uint(): the index of the word in the table's list
 *            (SLAB_SAMPLE_MODE: random -> 0, fixed -> 1)
 *   string   slab_option_string(): the value as set, or NULL when unset
 *            (the default is then computed by the user of the option)
 * slab_option_string() of a non-string option returns the raw text the user
 * set when it was accepted, otherwise NULL.
 *
 * Logging.  The library never prints unless asked.  slab_log() routes a
 * message as follows:
 *   - a callback is set (slab_set_log_callback() in slab_stats.h): every
 *     message of every level goes to it, and nothing to stderr (the
 *     callback filters);
 *   - otherwise SLAB_LOG_CONFIG messages (a bad SLAB_* value: the user set the
 *     variable, so the user asked to hear about it) go to stderr, once each;
 *   - every other level goes to stderr only when SLAB_VERBOSE is at least
 *     that level (1: warnings, 2: also info, 3: also debug).
 * slab_log() never allocates memory, takes no lock held by the allocator,
 * and may be called from any thread; never call it on an allocation fast
 * path or with an allocator lock held.
 */
#ifndef SLAB_OPTIONS_H
#define SLAB_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>
#include "slab_stats.h"

typedef enum slab_option_id {
    SLAB_OPT_SAMPLE_RATE = 0,   /* uint: mean sampling interval, 0 = off */
    SLAB_OPT_SAMPLE_MODE,       /* choice: random | fixed */
    SLAB_OPT_SAMPLE_BUDGET,     /* percent: sampling share of thread time */
    SLAB_OPT_SHM,               /* bool: publish into shared memory */
    SLAB_OPT_SHM_NAME,          /* string: segment name, default /slab.<pid> */
    SLAB_OPT_SHM_NAME_PID,      /* uint: the one process SLAB_SHM_NAME is for */
    SLAB_OPT_SHM_MODE,          /* octal: segment permissions, default 0600 */
    SLAB_OPT_SHM_THREADS,       /* uint: per-thread records, default 256 */
    SLAB_OPT_VERBOSE,           /* uint 0..3: log to stderr */
    SLAB_OPT_SHM_GC,            /* bool: collect dead segments at start */
    SLAB_OPT_COUNT
} slab_option_id;

uint64_t slab_option_uint(slab_option_id id);
bool slab_option_bool(slab_option_id id);
const char *slab_option_string(slab_option_id id);
/* True when the user set the variable to a value that was accepted. */
bool slab_option_is_set(slab_option_id id);

/* The table itself, for documentation and tests: the variable's name, its
 * default as text, and a one-line description.  NULL for a bad id. */
const char *slab_option_name(slab_option_id id);
const char *slab_option_default(slab_option_id id);
const char *slab_option_description(slab_option_id id);

/* Read the environment now, if not yet done.  The getters do this
 * themselves; calling it early only fixes the moment. */
void slab_options_init(void);
/* Forget the values read and read the environment again, warnings included.
 * For tests only: not safe while other threads use the library. */
void slab_options_reload(void);

/* Log levels are the public SLAB_LOG_* of slab_stats.h:
 *   SLAB_LOG_CONFIG  0  a bad SLAB_* value (always reported)
 *   SLAB_LOG_WARNING 1  something failed and the library coped
 *   SLAB_LOG_INFO    2  what the library did (segment created, removed)
 *   SLAB_LOG_DEBUG   3  details
 * Without a callback, a message of level L > 0 reaches stderr only when
 * SLAB_VERBOSE >= L. */
void slab_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif /* SLAB_OPTIONS_H */
