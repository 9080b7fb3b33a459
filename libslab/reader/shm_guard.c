/*
 * shm_guard.c - reading a mapping that its owner may shrink under us.
 *
 * A process with write access to a segment (the owner's user, or root) can
 * shrink the object between the reader's size check and a copy, and a load
 * past the new end raises SIGBUS.  So every read of the mapping runs under
 * this guard: a SIGBUS inside a guarded read of this thread, at an address
 * inside the mapping being read, jumps back out, and the call reports the
 * segment as changed (SLAB_SHM_ERR_TRUNCATED) instead of the process dying.
 * Any other SIGBUS goes to whatever handled it before.
 */
#include "config.h"
#include "shm_reader.h"

#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>

/* The SIGBUS handler is installed once, the first time a segment is read,
 * and stays.  Initial-exec TLS: a handler must not trigger the lazy TLS
 * allocation of a dlopen()ed library. */
#define TLS_IE __attribute__((tls_model("initial-exec")))
static __thread sigjmp_buf *guard_jmp TLS_IE;
static __thread const unsigned char *guard_lo TLS_IE, *guard_hi TLS_IE;
static struct sigaction old_bus;
static pthread_once_t bus_once = PTHREAD_ONCE_INIT;

static void on_sigbus(int sig, siginfo_t *si, void *uc)
{
    const unsigned char *a = si->si_addr;

    if (guard_jmp && a >= guard_lo && a < guard_hi)
        siglongjmp(*guard_jmp, 1);
    /* Not ours.  A fault: put the previous disposition back and return,
     * so that the faulting load runs again under it.  Sent by someone:
     * hand it over directly. */
    if (si->si_code > 0) {
        sigaction(SIGBUS, &old_bus, NULL);
        return;
    }
    if (old_bus.sa_flags & SA_SIGINFO) {
        if (old_bus.sa_sigaction)
            old_bus.sa_sigaction(sig, si, uc);
    } else if (old_bus.sa_handler == SIG_DFL) {
        sigaction(SIGBUS, &old_bus, NULL);
        raise(SIGBUS);      /* delivered when this handler returns */
    } else if (old_bus.sa_handler != SIG_IGN) {
        old_bus.sa_handler(sig);
    }
}

static void install_sigbus(void)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_sigbus;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGBUS, &sa, &old_bus);
}

/* Run fn(arg) with the reads of r's mapping guarded; false if it faulted
 * (fn was abandoned part-way).  Nested calls run under the outer guard. */
bool slab_shm_guard_run(const slab_shm_reader *r, void (*fn)(void *), void *arg)
{
    sigjmp_buf jb;

    if (guard_jmp) {
        fn(arg);
        return true;
    }
    pthread_once(&bus_once, install_sigbus);
    guard_lo = r->map;
    guard_hi = r->map + r->map_size;
    /* savemask 1: the handler's blocked SIGBUS is unblocked again. */
    if (sigsetjmp(jb, 1) != 0) {
        guard_jmp = NULL;
        return false;
    }
    guard_jmp = &jb;
    /* The compiler must not move mapping reads out of the guarded region. */
    atomic_signal_fence(memory_order_seq_cst);
    fn(arg);
    atomic_signal_fence(memory_order_seq_cst);
    guard_jmp = NULL;
    return true;
}

slab_shm_error slab_shm_guard_changed(const slab_shm_reader *r, slab_shm_errinfo *err)
{
    return slab_shm_fail(err, SLAB_SHM_ERR_TRUNCATED, 0,
        "%s changed size while being read: its owner's user or root resized "
        "it; attach again", r->object);
}

