/*
 * exporter.c - slabtop --listen: scrapes answered with libmicrohttpd.
 *
 * The HTTP daemon runs one internal polling thread, so requests are
 * answered one at a time and the scan (which keeps the previous snapshot of
 * each segment, for the per-scrape-interval gauges) needs no lock.  The
 * main thread only waits for a signal, then stops the daemon.
 */
#include "config.h"
#include "exporter.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#ifdef HAVE_LIBMICROHTTPD
#include <microhttpd.h>
#endif

#include "output_prom.h"
#include "scan.h"
#include "slabtop.h"

typedef struct listen_addr {
    struct sockaddr_storage ss;
    socklen_t len;
    bool v6;
} listen_addr;

static int parse(const char *spec, listen_addr *a, char *msg, size_t msg_size)
{
    char host[64] = "127.0.0.1";
    const char *port_s = spec;
    const char *colon = strrchr(spec, ':');
    char *end;
    long port;

    memset(a, 0, sizeof(*a));
    if (colon) {
        size_t hl = (size_t)(colon - spec);

        if (spec[0] == '[' && hl >= 2 && spec[hl - 1] == ']') {
            spec++;
            hl -= 2;
        }
        if (hl == 0 || hl >= sizeof(host)) {
            snprintf(msg, msg_size, "invalid address in --listen; give [ADDR:]PORT");
            return -1;
        }
        memcpy(host, spec, hl);
        host[hl] = '\0';
        port_s = colon + 1;
    }
    errno = 0;
    port = strtol(port_s, &end, 10);
    if (errno || end == port_s || *end || port < 0 || port > 65535) {
        snprintf(msg, msg_size, "invalid port in --listen (0 to 65535)");
        return -1;
    }
    {
        struct sockaddr_in *in4 = (struct sockaddr_in *)&a->ss;
        struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&a->ss;

        if (inet_pton(AF_INET, host, &in4->sin_addr) == 1) {
            in4->sin_family = AF_INET;
            in4->sin_port = htons((uint16_t)port);
            a->len = sizeof(*in4);
        } else if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
            in6->sin6_family = AF_INET6;
            in6->sin6_port = htons((uint16_t)port);
            a->len = sizeof(*in6);
            a->v6 = true;
        } else {
            snprintf(msg, msg_size, "--listen needs a numeric IPv4 or IPv6 address, "
                     "e.g. 127.0.0.1:9464 or [::1]:9464");
            return -1;
        }
    }
    return 0;
}

#ifndef HAVE_LIBMICROHTTPD

int st_exporter_run(const char *spec, volatile sig_atomic_t *stop)
{
    (void)spec;
    (void)stop;
    fprintf(stderr, "slabtop: this slabtop was built without libmicrohttpd, so --listen "
            "is not available; install libmicrohttpd-dev and rebuild\n");
    return ST_EXIT_ERROR;
}

#else

/* ------------------------------------------------------------ scrapes */

typedef struct exporter {
    st_scan scan;               /* only the HTTP thread touches it */
    st_scan_entry *seen;        /* the owners alive at the previous scrape */
    size_t nseen;
} exporter;

static void free_seen(exporter *x)
{
    for (size_t i = 0; i < x->nseen; i++)
        st_snapshot_free(&x->seen[i].snap);
    free(x->seen);
    x->seen = NULL;
    x->nseen = 0;
}

static bool in_scan(const st_scan *sc, const st_snapshot *s)
{
    for (size_t i = 0; i < sc->n; i++)
        if (sc->e[i].snap.pid == s->pid && strcmp(sc->e[i].snap.name, s->name) == 0)
            return true;
    return false;
}

/* An owner alive at the previous scrape whose segment has gone since (a
 * normal exit removes it) is exported once more, with its last numbers and
 * slab_up 0, as one whose segment stayed behind is.  Then the owners alive
 * now are remembered for the next scrape. */
static void add_gone(exporter *x)
{
    st_scan *sc = &x->scan;
    size_t gone = 0;

    for (size_t i = 0; i < x->nseen; i++)
        gone += !in_scan(sc, &x->seen[i].snap);
    if (gone > 0) {
        st_scan_entry *e = realloc(sc->e, (sc->n + gone) * sizeof(*e));

        if (e != NULL) {
            size_t n = sc->n;

            sc->e = e;
            for (size_t i = 0; i < x->nseen; i++) {
                if (in_scan(sc, &x->seen[i].snap))
                    continue;
                e[n] = x->seen[i];          /* the snapshot moves over */
                e[n].snap.state = ST_PROC_EXITED;
                e[n].have_interval = false;
                e[n].was_alive = true;
                x->seen[i].snap.threads = NULL;
                x->seen[i].snap.nthreads = 0;
                n++;
            }
            sc->n = n;
        }
    }
    free_seen(x);
    for (size_t i = 0; i < sc->n; i++)
        x->nseen += sc->e[i].snap.state == ST_PROC_ALIVE;
    if (x->nseen == 0 || (x->seen = calloc(x->nseen, sizeof(*x->seen))) == NULL) {
        x->nseen = 0;
        return;
    }
    x->nseen = 0;
    for (size_t i = 0; i < sc->n; i++) {
        st_scan_entry *s = &x->seen[x->nseen];

        if (sc->e[i].snap.state != ST_PROC_ALIVE)
            continue;
        *s = sc->e[i];
        st_snapshot_init(&s->snap);
        if (st_snapshot_copy(&s->snap, &sc->e[i].snap) == 0)
            x->nseen++;
    }
}

/* Read every segment and write the exposition into a malloc'ed buffer. */
static char *scrape(exporter *x, bool om, size_t *len)
{
    char *buf = NULL;
    FILE *out;

    st_scan_take(&x->scan);     /* an unreadable directory: no segments */
    /* Live owners only, and an ended one at the first scrape after its end:
     * the segments of processes long dead (a crash, or _exit() in forked
     * children) would otherwise stay series of the exposition forever. */
    st_scan_keep_live(&x->scan);
    add_gone(x);
    out = open_memstream(&buf, len);
    if (out == NULL)
        return NULL;
    st_output_prom(out, x->scan.e, x->scan.n, om);
    if (fclose(out) != 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

/* ---------------------------------------------------------------- HTTP */

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status,
                             const char *type, char *body, size_t len, bool owned)
{
    struct MHD_Response *r;
    enum MHD_Result ret;

    r = MHD_create_response_from_buffer(len, body,
                                        owned ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
    if (r == NULL) {
        if (owned)
            free(body);
        return MHD_NO;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

/* OpenMetrics when the Accept header names it (a scraper that prefers it
 * lists it first; one that also takes text/plain still gets OpenMetrics,
 * which every OpenMetrics-capable scraper reads). */
static bool wants_openmetrics(struct MHD_Connection *c)
{
    const char *accept = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                                     MHD_HTTP_HEADER_ACCEPT);

    return accept && strstr(accept, "application/openmetrics-text") != NULL;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
                              const char *method, const char *version,
                              const char *upload_data, size_t *upload_size,
                              void **req_cls)
{
    static char index_page[] =
        "slabtop exporter: the metrics of every libslab segment on this host are at /metrics\n";
    static char not_found[] = "not found; the metrics are at /metrics\n";
    static char bad_method[] = "only GET and HEAD are served\n";
    exporter *x = cls;
    bool om;
    size_t len = 0;
    char *body;

    (void)version;
    (void)upload_data;
    if (*req_cls == NULL) {     /* headers only so far */
        *req_cls = x;
        return MHD_YES;
    }
    if (*upload_size != 0) {
        *upload_size = 0;       /* a body is ignored */
        return MHD_YES;
    }
    if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
        return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain; charset=utf-8",
                     bad_method, sizeof(bad_method) - 1, false);
    if (strcmp(url, "/") == 0)
        return reply(c, MHD_HTTP_OK, "text/plain; charset=utf-8", index_page,
                     sizeof(index_page) - 1, false);
    if (strcmp(url, "/metrics") != 0)
        return reply(c, MHD_HTTP_NOT_FOUND, "text/plain; charset=utf-8", not_found,
                     sizeof(not_found) - 1, false);
    om = wants_openmetrics(c);
    body = scrape(x, om, &len);
    if (body == NULL)
        return MHD_NO;
    return reply(c, MHD_HTTP_OK, om ? ST_OM_CONTENT_TYPE : ST_PROM_CONTENT_TYPE, body, len,
                 true);
}

static void nap_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

    nanosleep(&ts, NULL);
}

int st_exporter_run(const char *spec, volatile sig_atomic_t *stop)
{
    exporter x;
    listen_addr a;
    char msg[160], host[INET6_ADDRSTRLEN] = "?";
    struct MHD_Daemon *d;
    const union MHD_DaemonInfo *info;
    unsigned port = 0;

    st_scan_init(&x.scan);
    x.seen = NULL;
    x.nseen = 0;
    if (parse(spec, &a, msg, sizeof(msg)) != 0) {
        fprintf(stderr, "slabtop: %s\n", msg);
        return ST_EXIT_USAGE;
    }
    d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | (a.v6 ? MHD_USE_IPv6 : 0),
                         0, NULL, NULL, handle, &x,
                         MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&a.ss,
                         MHD_OPTION_CONNECTION_LIMIT, (unsigned)16,
                         MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)10,
                         MHD_OPTION_END);
    if (d == NULL) {
        fprintf(stderr, "slabtop: cannot listen on %s (%s); is the port in use?\n",
                spec, errno ? strerror(errno) : "libmicrohttpd failed");
        return ST_EXIT_ERROR;
    }
    info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    if (info)
        port = info->port;
    if (a.v6)
        inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&a.ss)->sin6_addr, host, sizeof(host));
    else
        inet_ntop(AF_INET, &((struct sockaddr_in *)&a.ss)->sin_addr, host, sizeof(host));
    fprintf(stderr, a.v6 ? "slabtop: serving http://[%s]:%u/metrics\n"
                         : "slabtop: serving http://%s:%u/metrics\n", host, port);
    fflush(stderr);
    while (!*stop)
        nap_ms(100);
    MHD_stop_daemon(d);
    st_scan_free(&x.scan);
    free_seen(&x);
    return ST_EXIT_OK;
}

#endif /* HAVE_LIBMICROHTTPD */
