/*
 * fuzz_shm.c - libFuzzer target for the segment reader: validation,
 * snapshot, state and identity on arbitrary segment contents.
 *
 * Input: the first byte chooses how the rest is used.
 *   even: the rest is the whole segment;
 *   odd:  the rest patches a valid segment (made at start-up by the real
 *         writer): 10-byte chunks of (16-bit offset, 64-bit value), then an
 *         optional 32-bit length to truncate to.
 * The segment is written to a memfd and attached with slab_shm_attach_fd().
 * Any crash, hang, sanitizer report or an error without a message is a bug.
 *
 *   ./configure CC=clang --enable-fuzzing && make tests/fuzz_shm
 *   tests/fuzz_shm -runs=1000000
 */
#include "config.h"

#include <fcntl.h>
#include <stdint.h>
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

static unsigned char *tmpl;
static size_t tmpl_size;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    char name[64], file[128];
    slab_thread_stats st;
    struct stat sb;

    (void)argc;
    (void)argv;
    setenv("SLAB_SHM_THREADS", "3", 1);
    slab_options_reload();
    snprintf(name, sizeof(name), "fuzz.%d", (int)getpid());
    if (slab_shm_publish(name) != 0) {
        perror("slab_shm_publish");
        exit(1);
    }
    memset(&st, 0, sizeof(st));
    st.allocs = 42;
    st.wall_hist[7] = 3;
    slab_pub_thread_flush(slab_pub_thread_get(), &st);
    slab_shm_set_label("fuzzing");
    snprintf(file, sizeof(file), SLAB_SHM_DIR "/" SLAB_SHM_PREFIX "%s", name);
    FILE *f = fopen(file, "rb");
    if (!f || fstat(fileno(f), &sb) != 0)
        exit(1);
    tmpl_size = (size_t)sb.st_size;
    tmpl = malloc(tmpl_size);
    if (!tmpl || fread(tmpl, 1, tmpl_size, f) != tmpl_size)
        exit(1);
    fclose(f);
    slab_shm_unpublish();
    return 0;
}

static void check_err(slab_shm_error e, const slab_shm_errinfo *info)
{
    if ((int)e < 0 || e >= SLAB_SHM_ERR_NUM)
        __builtin_trap();
    if (e != SLAB_SHM_OK && (info->code != e || info->message[0] == '\0' ||
                             !memchr(info->message, '\0', sizeof(info->message))))
        __builtin_trap();
    if (slab_shm_strerror(e) == NULL)
        __builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned char *img = NULL;
    size_t len;
    slab_shm_reader *r = NULL;
    slab_shm_snapshot *s = NULL;
    slab_shm_errinfo info;
    slab_shm_error e;

    if (size < 1)
        return 0;
    if ((data[0] & 1) == 0) {
        img = malloc(size);
        if (!img)
            return 0;
        memcpy(img, data + 1, size - 1);
        len = size - 1;
    } else {
        size_t i = 1;
        img = malloc(tmpl_size);
        if (!img)
            return 0;
        memcpy(img, tmpl, tmpl_size);
        len = tmpl_size;
        for (; i + 10 <= size; i += 10) {
            uint16_t off;
            memcpy(&off, data + i, 2);
            size_t at = off % (tmpl_size - 7);
            memcpy(img + at, data + i + 2, 8);
        }
        if (i + 4 <= size) {
            uint32_t t;
            memcpy(&t, data + i, 4);
            len = t % (tmpl_size + 1);
        }
    }

    int fd = memfd_create("slab-fuzz", MFD_CLOEXEC);
    if (fd < 0) {
        free(img);
        return 0;
    }
    if (len && write(fd, img, len) != (ssize_t)len) {
        close(fd);
        free(img);
        return 0;
    }
    e = slab_shm_attach_fd(fd, "fuzz", &r, &info, NULL);
    check_err(e, &info);
    if (e == SLAB_SHM_OK) {
        slab_shm_identity id;
        check_err(slab_shm_validate(r, &info), &info);
        slab_shm_reader_identity(r, &id);
        e = slab_shm_snapshot_take(r, &s, &info);
        check_err(e, &info);
        if (e == SLAB_SHM_OK) {
            if (s->thread_count > id.record_count || strlen(s->label) >= SLAB_SHM_LABEL_LEN)
                __builtin_trap();
            for (uint32_t k = 0; k < s->thread_count; k++)
                if (strlen(s->threads[k].name) > SLAB_SHM_THREAD_NAME_LEN)
                    __builtin_trap();
            /* Again, reusing the snapshot. */
            check_err(slab_shm_snapshot_take(r, &s, &info), &info);
        }
        (void)slab_shm_reader_state(r);
        slab_shm_snapshot_free(s);
        slab_shm_detach(r);
    }
    close(fd);
    free(img);
    return 0;
}
