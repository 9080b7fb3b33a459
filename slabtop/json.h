/*
 * json.h - a small JSON reader for slabtop's own recordings.
 *
 * Parses one JSON text into a tree of values held in one allocation-per-
 * node pool.  Numbers keep their exact unsigned 64-bit value when they are
 * non-negative integers (counters beyond 2^53 survive).  Depth and size are
 * bounded: a recording is untrusted input too.
 */
#ifndef SLABTOP_JSON_H
#define SLABTOP_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum st_jtype { ST_J_NULL, ST_J_BOOL, ST_J_NUM, ST_J_STR, ST_J_ARR, ST_J_OBJ } st_jtype;

typedef struct st_jval st_jval;
struct st_jval {
    st_jtype type;
    bool b;
    double num;
    uint64_t u64;               /* exact when is_u64 */
    bool is_u64;
    char *str;                  /* ST_J_STR: decoded, NUL-terminated */
    char *key;                  /* member name when inside an object */
    st_jval *child;             /* first element or member */
    st_jval *next;              /* next sibling */
};

/* Parse text[0..len); NULL on a syntax error (with a message in err). */
st_jval *st_json_parse(const char *text, size_t len, char *err, size_t err_size);
void st_json_free(st_jval *v);

/* Member of an object by name, or NULL. */
const st_jval *st_json_get(const st_jval *obj, const char *key);
/* The value as a counter (0 when absent or not a non-negative integer). */
uint64_t st_json_u64(const st_jval *v);
/* The value as a string ("" when absent). */
const char *st_json_str(const st_jval *v);

#endif /* SLABTOP_JSON_H */
