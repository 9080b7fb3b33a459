/*
 * listing.c - slabtop --list and --gc.
 */
#include "config.h"
#include "app.h"

#include <stdio.h>

#include "esc.h"
#include "output.h"
#include "slab_shm.h"

int st_listing_list(const st_options *o)
{
    slab_shm_entry *e = NULL;
    size_t n = 0;
    slab_shm_errinfo err;
    slab_shm_error rc = slab_shm_list(&e, &n, &err);

    if (rc != SLAB_SHM_OK) {
        st_app_error(err.message);
        return ST_EXIT_ERROR;
    }
    if (o->output == ST_OUT_JSON) {
        printf("{\"schema_version\":%d,\"segments\":[", ST_JSON_SCHEMA_VERSION);
        for (size_t i = 0; i < n; i++) {
            printf(i ? ",{\"name\":" : "{\"name\":");
            st_json_string(stdout, e[i].name);
            printf(",\"pid\":%ld,\"command\":", (long)e[i].pid);
            st_json_string(stdout, e[i].comm);
            printf(",\"state\":\"%s\",\"abi\":", slab_shm_state_name(e[i].state));
            if (e[i].abi_major)
                printf("\"%u.%u\"", e[i].abi_major, e[i].abi_minor);
            else
                printf("null");
            printf(",\"uid\":%u,\"size\":%llu,\"age_s\":", e[i].uid,
                   (unsigned long long)e[i].size);
            st_json_number(stdout, (double)e[i].age_ns / 1e9);
            printf(",\"error\":");
            if (e[i].error == SLAB_SHM_OK)
                printf("null}");
            else {
                st_json_string(stdout, slab_shm_strerror(e[i].error));
                printf("}");
            }
        }
        printf("]}\n");
    } else {
        printf("%-24s %8s %-16s %-16s %-5s %6s\n", "NAME", "PID", "COMMAND", "STATE", "ABI", "AGE");
        for (size_t i = 0; i < n; i++) {
            char abi[16], age[32];
            double a = (double)e[i].age_ns / 1e9;

            if (e[i].abi_major)
                snprintf(abi, sizeof(abi), "%u.%u", e[i].abi_major, e[i].abi_minor);
            else
                snprintf(abi, sizeof(abi), "-");
            if (a < 120)
                snprintf(age, sizeof(age), "%.0fs", a);
            else if (a < 7200)
                snprintf(age, sizeof(age), "%.0fm", a / 60);
            else if (a < 172800)
                snprintf(age, sizeof(age), "%.0fh", a / 3600);
            else
                snprintf(age, sizeof(age), "%.0fd", a / 86400);
            char name[4 * 24 + 1], comm[4 * 16 + 1];

            /* Names longer than the column are shown whole (scripts read
             * them); only the command is cut, at a character boundary. */
            if (st_esc(name, sizeof(name), e[i].name, -1, false, 0) < 24)
                st_esc(name, sizeof(name), e[i].name, 24, true, 0);
            st_esc(comm, sizeof(comm), e[i].comm[0] ? e[i].comm : "-", 16, true, 0);
            printf("%s %8ld %s %-16s %-5s %6s\n", name, (long)e[i].pid, comm,
                   slab_shm_state_name(e[i].state), abi, age);
        }
    }
    slab_shm_list_free(e);
    return st_app_finish_stdout(ST_EXIT_OK);
}

int st_listing_gc(void)
{
    unsigned removed = 0;
    slab_shm_errinfo err;

    if (slab_shm_gc(&removed, &err) != SLAB_SHM_OK) {
        st_app_error(err.message);
        return ST_EXIT_ERROR;
    }
    printf("removed %u segment%s of dead owners\n", removed, removed == 1 ? "" : "s");
    return st_app_finish_stdout(ST_EXIT_OK);
}
