/*
 * fork_harness.h - what the fork tests share: a child run under a
 * timeout, so that a deadlock fails the test and not the suite, a tally of
 * many children, and the sanitizer options every fork test needs.
 *
 *     FORK_HARNESS_TSAN_OPTIONS           // once, at file scope
 *     fork_tally t = { 0 };
 *     for (int i = 0; i < n; i++)
 *         fork_tally_add(&t, fork_run(child, &i, FORK_EXIT, 10000));
 *     is_int(t.hung, 0, "no child hangs");
 *     ok(t.failed == 0, "... (last status %d)", t.last_status);
 *
 * Header-only, beside tap.h (included after it).
 */
#ifndef SLAB_FORK_HARNESS_H
#define SLAB_FORK_HARNESS_H

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* What fork_reap() and fork_run() return besides an exit status. */
#define FORK_HUNG        (-1)   /* still running at the timeout: killed */
#define FORK_WAIT_FAILED (-2)
#define FORK_FAILED      (-3)   /* fork() itself failed */

/* How the child leaves: _exit() (no atexit handlers, no stdio flush), or
 * exit(). */
enum fork_exit { FORK_UNDERSCORE_EXIT, FORK_EXIT };

static inline void fork_nap_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

/* Wait for pid at most timeout_ms, polling every millisecond; a child
 * still running then is killed.  Returns its exit status (128 + N when
 * signal N ended it), FORK_HUNG or FORK_WAIT_FAILED. */
static inline int fork_reap(pid_t pid, long timeout_ms)
{
    for (long waited = 0;; waited++) {
        int st;
        pid_t r = waitpid(pid, &st, WNOHANG);
        if (r == pid)
            return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        if (r < 0 && errno != EINTR)
            return FORK_WAIT_FAILED;
        if (waited >= timeout_ms) {
            kill(pid, SIGKILL);
            waitpid(pid, &st, 0);
            return FORK_HUNG;
        }
        fork_nap_ms(1);
    }
}

/* Fork; the child returns fn(arg) as its exit status, leaving as how
 * says; the parent waits for it with fork_reap().  stdout is flushed
 * first, so that a child's exit() does not print the parent's pending
 * output again. */
static inline int fork_run(int (*fn)(void *), void *arg, enum fork_exit how,
                           long timeout_ms)
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0)
        return FORK_FAILED;
    if (pid == 0) {
        int st = fn(arg);
        if (how == FORK_EXIT)
            exit(st);
        _exit(st);
    }
    return fork_reap(pid, timeout_ms);
}

/* Children counted by outcome: hung, failed (any other status than 0,
 * FORK_FAILED included), and the last failing status. */
typedef struct fork_tally {
    int hung;
    int failed;
    int last_status;
} fork_tally;

static inline void fork_tally_add(fork_tally *t, int st)
{
    if (st == FORK_HUNG) {
        t->hung++;
    } else if (st != 0) {
        t->failed++;
        t->last_status = st;
    }
}

/* Sanitizer options, each expanded once at file scope by a test that
 * needs it.
 *
 * FORK_HARNESS_TSAN_OPTIONS: ThreadSanitizer's deadlock detector follows
 * at most 64 mutexes held by one thread and aborts beyond that; the core's
 * fork handlers hold every lock of every allocator (130 each) across
 * fork().  Race detection stays on.
 *
 * FORK_HARNESS_LSAN_OPTIONS: a child that ends with exit() makes
 * LeakSanitizer report the state of the parent's threads, which do not
 * exist in the child, as leaks: it is the parent's, and the parent frees
 * it.  Only leak detection is off. */
#ifdef __has_feature
#define FORK_HARNESS_HAS(feature) __has_feature(feature)
#else
#define FORK_HARNESS_HAS(feature) 0
#endif
#if defined(__SANITIZE_THREAD__) || FORK_HARNESS_HAS(thread_sanitizer)
#define FORK_HARNESS_TSAN 1
#endif
#if defined(__SANITIZE_ADDRESS__) || FORK_HARNESS_HAS(address_sanitizer)
#define FORK_HARNESS_ASAN 1
#endif

#ifdef FORK_HARNESS_TSAN
#define FORK_HARNESS_TSAN_OPTIONS                                           \
    const char *__tsan_default_options(void);                               \
    const char *__tsan_default_options(void) { return "detect_deadlocks=0"; }
#else
#define FORK_HARNESS_TSAN_OPTIONS
#endif

#ifdef FORK_HARNESS_ASAN
#define FORK_HARNESS_LSAN_OPTIONS                                           \
    const char *__lsan_default_options(void);                               \
    const char *__lsan_default_options(void) { return "detect_leaks=0"; }
#else
#define FORK_HARNESS_LSAN_OPTIONS
#endif

#endif /* SLAB_FORK_HARNESS_H */
