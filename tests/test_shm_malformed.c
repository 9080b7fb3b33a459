/*
 * test_shm_malformed.c - the reader against broken segments: each kind of
 * damage gets its own error, and nothing crashes, hangs or allocates
 * according to a lying count.  Also: a pid that runs another process
 * (start time differs) is stale, a writer that died mid-write makes its
 * record busy rather than hanging the reader, and a segment truncated while
 * attached is reported instead of faulting.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "options.h"
#include "publish.h"
#include "shm_reader.h"
#include "slab_shm.h"
#include "tap.h"

static unsigned char *image;
static size_t image_size;
static char prefix[64];
static int counter;

static void put64(unsigned char *img, size_t off, uint64_t v)
{
    memcpy(img + off, &v, 8);
}

static void put32(unsigned char *img, size_t off, uint32_t v)
{
    memcpy(img + off, &v, 4);
}

static uint64_t get64(const unsigned char *img, size_t off)
{
    uint64_t v;
    memcpy(&v, img + off, 8);
    return v;
}

/* Write img[0..len) as a new segment; returns its NAME. */
static const char *make(const unsigned char *img, size_t len)
{
    static char name[96];
    char obj[128];

    snprintf(name, sizeof(name), "%s.%d", prefix, counter++);
    snprintf(obj, sizeof(obj), "/slab.%s", name);
    shm_unlink(obj);
    int fd = shm_open(obj, O_RDWR | O_CREAT | O_EXCL, 0600);
    if (fd < 0)
        bail_out("shm_open");
    if (len && write(fd, img, len) != (ssize_t)len)
        bail_out("write");
    close(fd);
    return name;
}

static void drop(const char *name)
{
    char obj[128];
    snprintf(obj, sizeof(obj), "/slab.%s", name);
    shm_unlink(obj);
}

/* Attach to a damaged copy and check the error code. */
static void expect(unsigned char *img, size_t len, slab_shm_error want,
                   const char *what)
{
    slab_shm_reader *r = NULL;
    slab_shm_errinfo e;
    const char *name = make(img, len);
    slab_shm_error got = slab_shm_attach(name, &r, &e);

    if (!ok(got == want && r == NULL, "%s: %s", what, slab_shm_strerror(want)))
        diag("got %d (%s), want %d", got, e.message, want);
    else
        diag("message: %s", e.message);
    slab_shm_detach(r);
    drop(name);
}

static unsigned char *copy(void)
{
    unsigned char *c = malloc(image_size);
    memcpy(c, image, image_size);
    return c;
}

#define H(f) offsetof(slab_shm_seg_header, f)

/* The image as a writer of format 1.minor lays it out, its thread
 * statistics stats_size bytes long; the total read from it into *t. */
static bool read_as(unsigned minor, uint32_t stats_size, slab_thread_stats *t)
{
    slab_shm_reader *r = NULL;
    slab_shm_snapshot *s = NULL;
    slab_shm_errinfo e;
    unsigned char *c = copy();
    uint64_t less = sizeof(slab_shm_seg_stats) - stats_size;
    put32(c, H(abi_minor), minor);
    put64(c, H(ready), SLAB_SHM_READY(1, minor));
    put32(c, H(stats_size), stats_size);
    put64(c, H(exited_size), get64(c, H(exited_size)) - less);
    put64(c, H(overflow_size), get64(c, H(overflow_size)) - less);
    const char *n = make(c, image_size);
    bool read = slab_shm_attach(n, &r, &e) == SLAB_SHM_OK &&
                slab_shm_snapshot_take(r, &s, &e) == SLAB_SHM_OK;
    if (read)
        read = s->thread_count == 1 && s->id.abi_minor == minor;
    else
        diag("format 1.%u: %s", minor, e.message);
    if (read)
        *t = s->total;
    slab_shm_snapshot_free(s);
    slab_shm_detach(r);
    drop(n);
    free(c);
    return read;
}

int main(void)
{
    const char *tag = getenv("SLAB_TEST_TAG");
    char name[64], file[128];
    unsigned char *c;

    plan(42);
    snprintf(name, sizeof(name), "bad.%s.%d", tag ? tag : "x", (int)getpid());
    snprintf(prefix, sizeof(prefix), "%s", name);
    setenv("SLAB_SHM_THREADS", "4", 1);
    slab_options_reload();
    if (slab_shm_publish(name) != 0)
        bail_out("cannot publish");
    slab_thread_stats st;
    memset(&st, 0, sizeof(st));
    st.allocs = 5;
    st.allocs_large = 3;        /* format 1.2 */
    st.repair_hist[5] = 7;      /* format 1.3 */
    slab_pub_thread_flush(slab_pub_thread_get(), &st);

    /* A valid image: the bytes of our own segment. */
    snprintf(file, sizeof(file), "/dev/shm/slab.%s", name);
    FILE *f = fopen(file, "rb");
    struct stat sb;
    if (!f || fstat(fileno(f), &sb) != 0)
        bail_out("cannot read our segment");
    image_size = (size_t)sb.st_size;
    image = malloc(image_size);
    if (fread(image, 1, image_size, f) != image_size)
        bail_out("short read");
    fclose(f);
    slab_shm_unpublish();

    /* The untouched copy is fine (our pid, our start time). */
    {
        slab_shm_reader *r = NULL;
        slab_shm_snapshot *s = NULL;
        slab_shm_errinfo e;
        const char *n = make(image, image_size);
        is_int(slab_shm_attach(n, &r, &e), SLAB_SHM_OK, "valid copy attaches: %s", e.message);
        is_int(slab_shm_snapshot_take(r, &s, &e), SLAB_SHM_OK, "and snapshots");
        ok(s && s->thread_count == 1 && s->total.allocs == 5, "with the published numbers");
        is_int(slab_shm_reader_state(r), SLAB_SHM_ALIVE, "owner (us) alive");
        slab_shm_snapshot_free(s);
        slab_shm_detach(r);
        drop(n);
    }

    /* The same segment as a writer of format 1.1 or 1.2 lays it out: the
     * thread statistics end earlier (the stride of the records and the
     * offsets of the sections do not change).  The bytes that follow in
     * each record are not the reader's to see. */
    {
        slab_thread_stats t;
        bool read = read_as(1, SLAB_SHM_STATS_SIZE_1_1, &t);
        ok(read && t.allocs == 5 && t.allocs_large == 0 && t.repair_hist[5] == 0,
           "a segment of format 1.1 reads, its allocs_large 0");
        read = read_as(2, SLAB_SHM_STATS_SIZE_1_2, &t);
        ok(read && t.allocs_large == 3 && t.repair_hist[5] == 0,
           "one of format 1.2: allocs_large 3, its repair histogram 0");
        read = read_as(SLAB_SHM_ABI_MINOR, sizeof(slab_shm_seg_stats), &t);
        ok(read && t.allocs_large == 3 && t.repair_hist[5] == 7,
           "the same in format 1.%u: its repair histogram too", SLAB_SHM_ABI_MINOR);
    }

    expect(image, 0, SLAB_SHM_ERR_EMPTY, "empty object");
    expect(image, 4, SLAB_SHM_ERR_NOT_LIBSLAB, "4 bytes");
    expect(image, 100, SLAB_SHM_ERR_TRUNCATED, "truncated inside the header");
    expect(image, 200, SLAB_SHM_ERR_TRUNCATED, "truncated at 200 bytes");
    expect(image, image_size / 2, SLAB_SHM_ERR_TRUNCATED, "truncated to half");

    c = copy(); put64(c, H(magic), 0x1234); expect(c, image_size, SLAB_SHM_ERR_NOT_LIBSLAB, "wrong magic"); free(c);
    c = copy(); memset(c, 'x', image_size); expect(c, image_size, SLAB_SHM_ERR_NOT_LIBSLAB, "text file"); free(c);
    c = copy(); memset(c, 0, image_size); expect(c, image_size, SLAB_SHM_ERR_NOT_READY, "sized but not yet written"); free(c);
    c = copy(); put32(c, H(abi_major), 2); expect(c, image_size, SLAB_SHM_ERR_VERSION, "major version 2"); free(c);
    c = copy(); put32(c, H(abi_minor), 9);
    put64(c, H(ready), SLAB_SHM_READY(1, 9));
    {
        slab_shm_reader *r = NULL;
        const char *n = make(c, image_size);
        is_int(slab_shm_attach(n, &r, NULL), SLAB_SHM_OK, "a newer minor version is read");
        slab_shm_detach(r);
        drop(n);
    }
    free(c);
    c = copy(); put64(c, H(ready), 0); expect(c, image_size, SLAB_SHM_ERR_NOT_READY, "ready word not set"); free(c);
    c = copy(); put64(c, H(ready), 77); expect(c, image_size, SLAB_SHM_ERR_LAYOUT, "bad ready word"); free(c);
    c = copy(); put32(c, H(header_size), 16); expect(c, image_size, SLAB_SHM_ERR_LAYOUT, "header_size too small"); free(c);
    c = copy(); put64(c, H(segment_size), image_size + 4096); expect(c, image_size, SLAB_SHM_ERR_TRUNCATED, "segment_size beyond the file"); free(c);
    c = copy(); put64(c, H(process_offset), image_size - 8); expect(c, image_size, SLAB_SHM_ERR_LAYOUT, "process section beyond the file"); free(c);
    c = copy(); put64(c, H(exited_offset), UINT64_MAX - 7); expect(c, image_size, SLAB_SHM_ERR_LAYOUT, "exited offset that overflows"); free(c);
    c = copy(); put64(c, H(overflow_size), 8); expect(c, image_size, SLAB_SHM_ERR_LAYOUT, "overflow record too small"); free(c);
    c = copy(); put64(c, H(records_offset), image_size + 64); expect(c, image_size, SLAB_SHM_ERR_LAYOUT, "records beyond the file"); free(c);
    c = copy(); put32(c, H(record_size), 12); expect(c, image_size, SLAB_SHM_ERR_LAYOUT, "record_size too small"); free(c);
    c = copy(); put32(c, H(record_count), 0x7fffffff); expect(c, image_size, SLAB_SHM_ERR_BAD_COUNT, "absurd record count"); free(c);
    c = copy(); put32(c, H(record_count), 5); expect(c, image_size, SLAB_SHM_ERR_BAD_COUNT, "one record more than fits"); free(c);
    c = copy(); put32(c, H(class_count), 1000); expect(c, image_size, SLAB_SHM_ERR_BAD_COUNT, "absurd class count"); free(c);
    c = copy(); memset(c + H(name), 'a', SLAB_SHM_NAME_MAX + 1); expect(c, image_size, SLAB_SHM_ERR_STRING, "unterminated name"); free(c);
    c = copy(); memset(c + H(comm), 'c', SLAB_SHM_COMM_LEN); expect(c, image_size, SLAB_SHM_ERR_STRING, "unterminated command"); free(c);
    c = copy(); memset(c + H(boot_id), 'b', SLAB_SHM_BOOT_ID_LEN); expect(c, image_size, SLAB_SHM_ERR_STRING, "unterminated boot id"); free(c);
    c = copy(); put32(c, H(pid), 0); expect(c, image_size, SLAB_SHM_ERR_LAYOUT, "pid 0"); free(c);

    /* Same pid, different start time: the pid was reused. */
    c = copy();
    put64(c, H(start_time), get64(c, H(start_time)) + 12345);
    {
        /* A concurrent gc (another test) may remove a stale segment at any
         * moment: try again if it vanished before we attached. */
        slab_shm_reader *r = NULL;
        slab_shm_error got = SLAB_SHM_ERR_NOT_FOUND;
        for (int tries = 0; tries < 5 && got == SLAB_SHM_ERR_NOT_FOUND; tries++) {
            const char *n = make(c, image_size);
            got = slab_shm_attach(n, &r, NULL);
            drop(n);
        }
        is_int(got, SLAB_SHM_OK, "pid-reused segment attaches");
        is_int(slab_shm_reader_state(r), SLAB_SHM_STALE, "and is stale");
        slab_shm_detach(r);
    }
    free(c);

    /* A writer that died mid-write: odd sequences. */
    c = copy();
    {
        const uint64_t rec0 = get64(c, H(records_offset));
        const uint64_t proc = get64(c, H(process_offset));
        put64(c, rec0, get64(c, rec0) | 1);
        put64(c, proc, get64(c, proc) | 1);
        slab_shm_reader *r = NULL;
        slab_shm_snapshot *s = NULL;
        const char *n = make(c, image_size);
        slab_shm_attach(n, &r, NULL);
        is_int(slab_shm_snapshot_take(r, &s, NULL), SLAB_SHM_OK, "snapshot despite a stuck writer");
        ok(s && s->busy_threads == 1 && s->threads[0].busy && s->process_busy,
           "stuck record and process section reported busy");
        slab_shm_snapshot_free(s);
        s = NULL;
        /* Truncated while attached: reported, no SIGBUS. */
        char obj[128];
        snprintf(obj, sizeof(obj), "/slab.%s", n);
        int fd = shm_open(obj, O_RDWR, 0);
        if (fd < 0 || ftruncate(fd, 4096) != 0)
            bail_out("truncate");
        close(fd);
        is_int(slab_shm_snapshot_take(r, &s, NULL), SLAB_SHM_ERR_TRUNCATED, "truncated while attached");
        is_int(slab_shm_validate(r, NULL), SLAB_SHM_ERR_TRUNCATED, "validate says so too");
        slab_shm_snapshot_free(s);
        slab_shm_detach(r);
        drop(n);
    }
    free(c);

    /* list: each kind gets its state; gc removes only the stale one. */
    {
        const char *names[6];
        slab_shm_state want[6] = { SLAB_SHM_ALIVE, SLAB_SHM_NOT_SLAB,
                                   SLAB_SHM_VERSION_MISMATCH, SLAB_SHM_BUSY,
                                   SLAB_SHM_STALE, SLAB_SHM_NOT_SLAB };
        char keep[6][96];
        for (int k = 0; k < 6; k++) {
            c = copy();
            if (k == 1) put64(c, H(magic), 99);
            if (k == 2) put32(c, H(abi_major), 7);
            if (k == 3) put64(c, H(ready), 0);
            if (k == 4) put64(c, H(start_time), get64(c, H(start_time)) + 1);
            names[k] = make(c, k == 5 ? 0 : image_size);
            snprintf(keep[k], sizeof(keep[k]), "%s", names[k]);
            free(c);
        }
        slab_shm_entry *ents = NULL;
        size_t n = 0;
        int right = 0;
        is_int(slab_shm_list(&ents, &n, NULL), SLAB_SHM_OK, "list");
        /* The stale one may already be gone, removed by a concurrent gc of
         * another test: that is the right treatment of a stale segment. */
        char stale_path[160];
        struct stat s3;
        snprintf(stale_path, sizeof(stale_path), "/dev/shm/slab.%s", keep[4]);
        int stale_listed = 0;
        for (size_t i = 0; i < n; i++)
            if (strcmp(ents[i].name, keep[4]) == 0)
                stale_listed = 1;
        if (!stale_listed && stat(stale_path, &s3) != 0) {
            diag("the stale segment was removed by someone else's gc");
            right++;
        }
        for (size_t i = 0; i < n; i++)
            for (int k = 0; k < 6; k++)
                if (strcmp(ents[i].name, keep[k]) == 0) {
                    if (ents[i].state == want[k])
                        right++;
                    else
                        diag("%s: state %s, want %s", keep[k],
                             slab_shm_state_name(ents[i].state),
                             slab_shm_state_name(want[k]));
                    if (k == 0 && (ents[i].pid != getpid() || ents[i].abi_major != 1))
                        right--;
                }
        is_int(right, 6, "list: alive, not-libslab, version-mismatch, busy, stale, empty");
        slab_shm_list_free(ents);
        unsigned removed = 0;
        slab_shm_gc_prefix(prefix, &removed, NULL);
        int left = 0;
        for (int k = 0; k < 6; k++) {
            char path[160];
            struct stat s2;
            snprintf(path, sizeof(path), "/dev/shm/slab.%s", keep[k]);
            if (stat(path, &s2) == 0)
                left |= 1 << k;
            drop(keep[k]);
        }
        is_int(left, 0x3f & ~(1 << 4), "gc removed the stale segment and nothing else");
    }
    free(image);
    return tap_exit();
}
