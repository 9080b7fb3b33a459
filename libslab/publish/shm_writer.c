/*
 * shm_writer.c - naming, starting and removing this process's segment,
 * and writing its process-wide section.  The segment itself is made (or a
 * dead process's replaced) in shm_create.c.
 *
 * Removal: at normal exit (atexit) or slab_shm_unpublish(), the closed flag
 * is set and the name unlinked; the mapping stays so that threads still
 * flushing write into valid memory.  Freeing the last allocator does not
 * unlink.  A crash leaves the segment behind; readers call it stale.
 *
 * fork(): the child forgets the parent's writer (it must neither write the
 * parent's records nor unlink its name) and may publish its own segment.
 */
#include "config.h"
#include "shm_writer.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common.h"
#include "options.h"
#include "registry.h"
#include "seqlock.h"


static _Atomic(slab_shm_writer *) current;
/* Writers no longer current, kept (never freed or unmapped) because thread
 * handles may still point at them. */
static slab_shm_writer *retired;        /* start_lock */
static pthread_mutex_t start_lock = PTHREAD_MUTEX_INITIALIZER;
static int start_tried;                 /* start_lock */
static atomic_int start_tried_fast;     /* mirrors start_tried, for a lock-free check */
static int atexit_done;                 /* start_lock */
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;
/* Set before anything else runs by an embedder that starts publishing
 * itself (slab_shm_writer_defer()); read when an allocator is created. */
static atomic_int start_deferred;

slab_shm_writer *slab_shm_writer_current(void)
{
    /* Pairs with the release store in publish_locked(): the writer's fields
     * and mapping are complete before it becomes current. */
    return atomic_load_explicit(&current, memory_order_acquire);
}

/* ------------------------------------------------------------------ settings */

static void read_sampling(slab_shm_seg_process *p)
{
    slab_sample_config c;
    slab_clock_floor f = slab_sample_floor();

    slab_sample_get_config(&c);
    p->sample_rate = c.rate;
    p->sample_mode = (uint32_t)c.mode;
    p->sample_budget_ppm = c.budget_ppm;
    p->floor_wall_ns = f.wall_ns;
    p->floor_cpu_ns = f.cpu_ns;
    slab_sample_timing t;
    if (slab_sample_timing_get(&t) == 0) {
        p->floor_wall_p10_ns = t.wall_p10_ns;
        p->floor_wall_p90_ns = t.wall_p90_ns;
        p->floor_wall_p99_ns = t.wall_p99_ns;
        p->floor_cpu_p10_ns = t.cpu_p10_ns;
        p->floor_cpu_p90_ns = t.cpu_p90_ns;
        p->floor_cpu_p99_ns = t.cpu_p99_ns;
        p->resolution_ns = t.resolution_ns;
        p->sample_cost_ns = t.sample_cost_ns;
        p->sched = t.sched;
    }
}

/* ------------------------------------------------------------------ process */

static void fill_process(slab_shm_writer *w, slab_shm_seg_process *p)
{
    PerfCounters classes[SLAB_NUM_CLASSES];
    slab_process_info info;

    memset(p, 0, sizeof(*p));
    slab_registry_collect(classes, p->epochs, &info);
    p->heartbeat_mono_ns = slab_shm_mono_ns();
    p->heartbeat_real_ns = slab_shm_real_ns();
    p->refreshes = ++w->refreshes;
    read_sampling(p);
    memcpy(p->label, w->label, sizeof(p->label));
#define X(f, kind, help) p->memory.f = info.f;
    SLAB_SHM_MEMORY_FIELDS(X)
#undef X
    for (unsigned c = 0; c < SLAB_SHM_CLASS_COUNT; c++)
        slab_shm_class_to_seg(&p->classes[c], &classes[c]);
}

/* Write the process section; proc_lock held. */
void slab_shm_writer_write_process(slab_shm_writer *w)
{
    slab_shm_seg_process p;

    fill_process(w, &p);
    uint64_t s = slab_seq_write_begin(&w->proc->seq);
    slab_seq_copy_in((char *)w->proc + 8, (const char *)&p + 8, sizeof(p) - 8);
    slab_seq_write_end(&w->proc->seq, s);
    atomic_store_explicit(&w->next_refresh_ns,
                          p.heartbeat_mono_ns + SLAB_SHM_REFRESH_NS,
                          memory_order_relaxed);
}

void slab_shm_writer_refresh(slab_shm_writer *w, int force)
{
    if (!force) {
        uint64_t due = atomic_load_explicit(&w->next_refresh_ns,
                                            memory_order_relaxed);
        if (slab_shm_mono_ns() < due)
            return;
    }
    if (pthread_mutex_trylock(&w->proc_lock) != 0)
        return;             /* another thread is refreshing right now */
    slab_shm_writer_write_process(w);
    pthread_mutex_unlock(&w->proc_lock);
}

/* ------------------------------------------------------------------ refresher */

#ifndef ENABLE_SLOWPATH_SAMPLING
/* Without the sampler no thread ever flushes, and the allocation path never
 * collects the registry (that takes the registry lock and every allocator's
 * lock).  So the publisher refreshes the process section from a thread of
 * its own, every SLAB_SHM_REFRESH_NS, while this process publishes.  It
 * starts with the first segment of a process (again in a child that
 * publishes: fork() does not copy it), blocks every signal, and sleeps
 * while there is nothing to refresh. */
static int refresher_running;            /* start_lock */

static void *refresher(void *arg)
{
    (void)arg;
    for (;;) {
        struct timespec ts = { 0, SLAB_SHM_REFRESH_NS };
        while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
            ;
        slab_shm_writer *w = slab_shm_writer_current();
        if (w && w->pid == (int32_t)getpid())
            slab_shm_writer_refresh(w, 1);
    }
    return NULL;
}

/* start_lock held. */
static void start_refresher(void)
{
    sigset_t all, old;
    pthread_attr_t attr;
    pthread_t t;

    if (refresher_running)
        return;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    if (pthread_create(&t, &attr, refresher, NULL) == 0)
        refresher_running = 1;
    pthread_attr_destroy(&attr);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
}
#endif

/* ------------------------------------------------------------------ publish */

/* Remove the name only if it still refers to the object this writer
 * created: another process (in another pid namespace sharing /dev/shm,
 * say) may have replaced it meanwhile, and its segment is not ours.  What
 * remains is the moment between this check and the unlink. */
static void unlink_own(const slab_shm_writer *w)
{
    char path[SLAB_SHM_NAME_MAX + 32];
    struct stat st;

    snprintf(path, sizeof(path), SLAB_SHM_DIR "%s", w->object);
    if (lstat(path, &st) != 0 || st.st_dev != w->dev || st.st_ino != w->ino)
        return;
    if (shm_unlink(w->object) == 0)
        slab_log(SLAB_LOG_INFO, "removed shared memory %s", w->object);
}

static void unpublish_locked(void)
{
    slab_shm_writer *w = atomic_load_explicit(&current, memory_order_relaxed);

    if (!w)
        return;
    atomic_store_explicit(&current, NULL, memory_order_relaxed);
    w->retired_next = retired;
    retired = w;
    if (w->pid != (int32_t)getpid())
        return;             /* inherited across fork: the parent's */
    /* Pairs with the reader's acquire load of flags in the state check: a
     * reader that sees the flag sees the final process section. */
    pthread_mutex_lock(&w->proc_lock);
    slab_shm_writer_write_process(w);
    pthread_mutex_unlock(&w->proc_lock);
    atomic_fetch_or_explicit((_Atomic uint32_t *)&w->hdr->flags,
                             SLAB_SHM_FLAG_CLOSED, memory_order_release);
    unlink_own(w);
}

static void at_exit(void)
{
    pthread_mutex_lock(&start_lock);
    unpublish_locked();
    pthread_mutex_unlock(&start_lock);
}

static void atfork_prepare(void)
{
    pthread_mutex_lock(&start_lock);
}

static void atfork_parent(void)
{
    pthread_mutex_unlock(&start_lock);
}

static void atfork_child(void)
{
    slab_shm_writer *w = atomic_load_explicit(&current, memory_order_relaxed);
    if (w) {
        w->retired_next = retired;
        retired = w;
    }
    atomic_store_explicit(&current, NULL, memory_order_relaxed);
    start_tried = 0;
    atomic_store_explicit(&start_tried_fast, 0, memory_order_relaxed);
#ifndef ENABLE_SLOWPATH_SAMPLING
    refresher_running = 0;      /* the child has no such thread */
#endif
    pthread_mutex_unlock(&start_lock);
}

static void install_atfork(void)
{
    pthread_atfork(atfork_prepare, atfork_parent, atfork_child);
}

/* SLAB_SHM_NAME with each %p replaced by the pid (and %% by %), so that
 * the processes of one command tree, which all inherit the variable, each
 * publish under a name of their own.  False when the result is too long
 * or holds another % sequence. */
static bool expand_name(const char *pattern, char *buf, size_t len)
{
    char pid[24];
    size_t k = 0;

    snprintf(pid, sizeof(pid), "%d", (int)getpid());
    for (const char *c = pattern; *c; c++) {
        const char *add = c;
        size_t n = 1;
        if (*c == '%') {
            c++;
            if (*c == 'p') {
                add = pid;
                n = strlen(pid);
            } else if (*c != '%') {
                return false;
            }
        }
        if (k + n >= len)
            return false;
        memcpy(buf + k, add, n);
        k += n;
    }
    buf[k] = '\0';
    return true;
}

/* The NAME to use when none is given: SLAB_SHM_NAME (%p expanded; with
 * -PID appended in a process other than SLAB_SHM_NAME_PID), else the
 * pid. */
static int default_name(char *buf, size_t len)
{
    const char *env = slab_option_string(SLAB_OPT_SHM_NAME);
    char expanded[SLAB_SHM_NAME_MAX + 8];

    if (env && env[0]) {
        const char *n = slab_shm_name_strip(env);
        if (strchr(n, '%') != NULL) {
            if (!expand_name(n, expanded, sizeof(expanded)))
                expanded[0] = '\0';        /* reported as invalid below */
            n = expanded;
        }
        if (!slab_shm_name_valid(n)) {
            slab_log(SLAB_LOG_CONFIG, "SLAB_SHM_NAME=%s is not a valid "
                     "segment name (1-%u of A-Z a-z 0-9 . _ -); not publishing",
                     env, SLAB_SHM_NAME_MAX);
            errno = EINVAL;
            return -1;
        }
        uint64_t owner = slab_option_uint(SLAB_OPT_SHM_NAME_PID);
        if (owner != 0 && owner != (uint64_t)getpid()) {
            /* A descendant of the process the name is for. */
            int k = snprintf(buf, len, "%s-%d", n, (int)getpid());
            if (k < 0 || (size_t)k >= len || !slab_shm_name_valid(buf)) {
                slab_log(SLAB_LOG_WARNING, "SLAB_SHM_NAME=%s-%d is too long; "
                         "not publishing", n, (int)getpid());
                errno = EINVAL;
                return -1;
            }
            return 0;
        }
        snprintf(buf, len, "%s", n);
        return 0;
    }
    snprintf(buf, len, "%d", (int)getpid());
    return 0;
}

/* The symbolic name of an error ("EEXIST"), which reads no locale. */
static const char *errno_name(int err)
{
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 32))
    const char *n = strerrorname_np(err);
    if (n != NULL)
        return n;
#endif
    (void)err;
    return "error";
}

/* start_lock held. */
static int publish_locked(const char *name)
{
    slab_shm_writer *w = atomic_load_explicit(&current, memory_order_relaxed);

    start_tried = 1;
    if (w) {
        if (strcmp(w->name, name) == 0)
            return 0;
        errno = EALREADY;
        return -1;
    }
    w = slab_shm_create(name);
    if (!w) {
        int err = errno;
        /* Not strerror(): this may run inside a malloc() that the program
         * called with its locale lock held (setlocale() allocates), and
         * strerror() takes that lock again through gettext. */
        slab_log(SLAB_LOG_WARNING, "cannot publish in shared memory "
                 "/" SLAB_SHM_PREFIX "%s: %s", name, errno_name(err));
        errno = err;
        return -1;
    }
    if (!atexit_done) {
        atexit(at_exit);
        atexit_done = 1;
    }
    /* Pairs with the acquire load in slab_shm_writer_current(). */
    atomic_store_explicit(&current, w, memory_order_release);
    slab_shm_create_collect(w->name);
#ifndef ENABLE_SLOWPATH_SAMPLING
    start_refresher();
#endif
    return 0;
}

void slab_shm_writer_autostart(void)
{
    char name[SLAB_SHM_NAME_MAX + 1];

    /* Pairs with the release store below: once set, the attempt is over
     * (and current, if it succeeded, is set). */
    if (atomic_load_explicit(&start_tried_fast, memory_order_acquire))
        return;
    pthread_once(&atfork_once, install_atfork);
    pthread_mutex_lock(&start_lock);
    if (!start_tried) {
        start_tried = 1;
        if (slab_option_bool(SLAB_OPT_SHM) && default_name(name, sizeof(name)) == 0)
            publish_locked(name);
    }
    /* Pairs with the acquire load above. */
    atomic_store_explicit(&start_tried_fast, 1, memory_order_release);
    pthread_mutex_unlock(&start_lock);
}

SLAB_API int slab_shm_publish(const char *name)
{
    char buf[SLAB_SHM_NAME_MAX + 1];
    int rc;

    pthread_once(&atfork_once, install_atfork);
    if (!slab_option_bool(SLAB_OPT_SHM)) {
        errno = ECANCELED;
        return -1;
    }
    if (name) {
        name = slab_shm_name_strip(name);
        if (!slab_shm_name_valid(name)) {
            errno = EINVAL;
            return -1;
        }
        snprintf(buf, sizeof(buf), "%s", name);
    } else if (default_name(buf, sizeof(buf)) != 0) {
        return -1;
    }
    pthread_mutex_lock(&start_lock);
    rc = publish_locked(buf);
    int err = errno;
    pthread_mutex_unlock(&start_lock);
    errno = err;
    return rc;
}

SLAB_API const char *slab_shm_name(void)
{
    slab_shm_writer *w = slab_shm_writer_current();
    return w ? w->name : NULL;
}

SLAB_API int slab_shm_set_label(const char *label)
{
    slab_shm_writer *w = slab_shm_writer_current();

    if (!w) {
        errno = ENOENT;
        return -1;
    }
    pthread_mutex_lock(&w->proc_lock);
    memset(w->label, 0, sizeof(w->label));
    if (label)
        snprintf(w->label, sizeof(w->label), "%s", label);
    slab_shm_writer_write_process(w);
    pthread_mutex_unlock(&w->proc_lock);
    return 0;
}

SLAB_API void slab_shm_unpublish(void)
{
    pthread_mutex_lock(&start_lock);
    unpublish_locked();
    pthread_mutex_unlock(&start_lock);
}

void slab_shm_writer_defer(void)
{
    atomic_store_explicit(&start_deferred, 1, memory_order_relaxed);
}

bool slab_shm_writer_deferred(void)
{
    return atomic_load_explicit(&start_deferred, memory_order_relaxed) != 0;
}

/* SLAB_SHM_NAME asks for the segment before the first allocator, unless
 * whoever embeds the library decides when to publish.
 *
 * The fork handlers are installed here, while the process has one thread,
 * and not only on first use: glibc runs at fork() only the handlers that
 * were registered when that fork() began, so a thread registering them
 * (and then taking start_lock) while another forks left the child with
 * start_lock held and no handler to release it (test_malloc_fork's
 * children hung in slab_shm_writer_autostart()).  The core's constructor
 * runs first (priority 102), so this prepare handler, registered later,
 * runs earlier: start_lock before the allocator locks, as publishing takes
 * them. */
__attribute__((constructor)) static void shm_writer_init(void)
{
    pthread_once(&atfork_once, install_atfork);
    if (slab_option_is_set(SLAB_OPT_SHM_NAME) && !slab_shm_writer_deferred())
        slab_shm_writer_autostart();
}
