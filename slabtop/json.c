/*
 * json.c - a recursive-descent JSON reader (see json.h).
 */
#include "config.h"
#include "json.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 32

typedef struct parser {
    const char *p, *end;
    char *err;
    size_t err_size;
    int depth;
} parser;

static st_jval *fail(parser *ps, const char *what)
{
    if (ps->err && ps->err[0] == '\0')
        snprintf(ps->err, ps->err_size, "%s", what);
    return NULL;
}

static void skip_ws(parser *ps)
{
    while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n'
                               || *ps->p == '\r'))
        ps->p++;
}

static st_jval *node(st_jtype t)
{
    st_jval *v = calloc(1, sizeof(*v));

    if (v)
        v->type = t;
    return v;
}

static void put_utf8(char *out, size_t *n, uint32_t cp)
{
    if (cp < 0x80) {
        out[(*n)++] = (char)cp;
    } else if (cp < 0x800) {
        out[(*n)++] = (char)(0xc0 | cp >> 6);
        out[(*n)++] = (char)(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
        out[(*n)++] = (char)(0xe0 | cp >> 12);
        out[(*n)++] = (char)(0x80 | ((cp >> 6) & 0x3f));
        out[(*n)++] = (char)(0x80 | (cp & 0x3f));
    } else {
        out[(*n)++] = (char)(0xf0 | cp >> 18);
        out[(*n)++] = (char)(0x80 | ((cp >> 12) & 0x3f));
        out[(*n)++] = (char)(0x80 | ((cp >> 6) & 0x3f));
        out[(*n)++] = (char)(0x80 | (cp & 0x3f));
    }
}

static int hex4(const char *s, uint32_t *out)
{
    uint32_t v = 0;

    for (int i = 0; i < 4; i++) {
        char c = s[i];
        v <<= 4;
        if (c >= '0' && c <= '9') v |= (uint32_t)(c - '0');
        else if (c >= 'a' && c <= 'f') v |= (uint32_t)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') v |= (uint32_t)(c - 'A' + 10);
        else return -1;
    }
    *out = v;
    return 0;
}

/* A string at ps->p (after the quote); returns malloc'ed text. */
static char *string(parser *ps)
{
    const char *s = ps->p;
    size_t cap = 0, n = 0;
    char *out;

    while (s < ps->end && *s != '"') {
        if (*s == '\\')
            s++;
        s++;
        cap++;
    }
    if (s >= ps->end) {
        fail(ps, "unterminated string");
        return NULL;
    }
    out = malloc(cap * 4 + 1);
    if (out == NULL)
        return NULL;
    while (ps->p < ps->end && *ps->p != '"') {
        char c = *ps->p++;

        if ((unsigned char)c < 0x20) {
            free(out);
            fail(ps, "control character in a string");
            return NULL;
        }
        if (c != '\\') {
            out[n++] = c;
            continue;
        }
        if (ps->p >= ps->end)
            break;
        c = *ps->p++;
        switch (c) {
        case '"': case '\\': case '/': out[n++] = c; break;
        case 'b': out[n++] = '\b'; break;
        case 'f': out[n++] = '\f'; break;
        case 'n': out[n++] = '\n'; break;
        case 'r': out[n++] = '\r'; break;
        case 't': out[n++] = '\t'; break;
        case 'u': {
            uint32_t cp, lo;

            if (ps->end - ps->p < 4 || hex4(ps->p, &cp) != 0) {
                free(out);
                fail(ps, "bad \\u escape");
                return NULL;
            }
            ps->p += 4;
            if (cp >= 0xd800 && cp <= 0xdbff && ps->end - ps->p >= 6 && ps->p[0] == '\\'
                && ps->p[1] == 'u' && hex4(ps->p + 2, &lo) == 0 && lo >= 0xdc00 && lo <= 0xdfff) {
                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                ps->p += 6;
            } else if (cp >= 0xd800 && cp <= 0xdfff) {
                cp = 0xfffd;
            }
            if (cp == 0)
                cp = 0xfffd;    /* no NUL inside a C string */
            put_utf8(out, &n, cp);
            break;
        }
        default:
            free(out);
            fail(ps, "bad escape");
            return NULL;
        }
    }
    ps->p++;                    /* the closing quote */
    out[n] = '\0';
    return out;
}

static st_jval *value(parser *ps);

static st_jval *container(parser *ps, bool obj)
{
    st_jval *v = node(obj ? ST_J_OBJ : ST_J_ARR), **tail;
    char close = obj ? '}' : ']';

    if (v == NULL)
        return fail(ps, "out of memory");
    tail = &v->child;
    if (++ps->depth > MAX_DEPTH) {
        st_json_free(v);
        return fail(ps, "nested too deeply");
    }
    skip_ws(ps);
    if (ps->p < ps->end && *ps->p == close) {
        ps->p++;
        ps->depth--;
        return v;
    }
    for (;;) {
        char *key = NULL;
        st_jval *e;

        skip_ws(ps);
        if (obj) {
            if (ps->p >= ps->end || *ps->p != '"' || (ps->p++, key = string(ps)) == NULL)
                goto bad;
            skip_ws(ps);
            if (ps->p >= ps->end || *ps->p != ':') {
                free(key);
                goto bad;
            }
            ps->p++;
        }
        e = value(ps);
        if (e == NULL) {
            free(key);
            goto bad;
        }
        e->key = key;
        *tail = e;
        tail = &e->next;
        skip_ws(ps);
        if (ps->p < ps->end && *ps->p == ',') {
            ps->p++;
            continue;
        }
        if (ps->p < ps->end && *ps->p == close) {
            ps->p++;
            ps->depth--;
            return v;
        }
        goto bad;
    }
bad:
    st_json_free(v);
    return fail(ps, obj ? "bad object" : "bad array");
}

static st_jval *number(parser *ps)
{
    const char *s = ps->p;
    char buf[64];
    size_t n;
    st_jval *v;
    bool integer = true;

    if (ps->p < ps->end && *ps->p == '-')
        ps->p++;
    while (ps->p < ps->end && ((*ps->p >= '0' && *ps->p <= '9') || *ps->p == '.' || *ps->p == 'e'
                               || *ps->p == 'E' || *ps->p == '+' || *ps->p == '-')) {
        if (*ps->p == '.' || *ps->p == 'e' || *ps->p == 'E')
            integer = false;
        ps->p++;
    }
    n = (size_t)(ps->p - s);
    if (n == 0 || n >= sizeof(buf))
        return fail(ps, "bad number");
    memcpy(buf, s, n);
    buf[n] = '\0';
    v = node(ST_J_NUM);
    if (v == NULL)
        return fail(ps, "out of memory");
    {
        char *end;

        errno = 0;
        v->num = strtod(buf, &end);
        if (*end != '\0') {
            free(v);
            return fail(ps, "bad number");
        }
        if (integer && buf[0] != '-') {
            errno = 0;
            v->u64 = strtoull(buf, &end, 10);
            v->is_u64 = errno == 0 && *end == '\0';
        }
    }
    return v;
}

static st_jval *literal(parser *ps, const char *word, st_jtype t, bool b)
{
    size_t n = strlen(word);
    st_jval *v;

    if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0)
        return fail(ps, "bad literal");
    ps->p += n;
    v = node(t);
    if (v)
        v->b = b;
    return v;
}

static st_jval *value(parser *ps)
{
    skip_ws(ps);
    if (ps->p >= ps->end)
        return fail(ps, "unexpected end of text");
    switch (*ps->p) {
    case '{': ps->p++; return container(ps, true);
    case '[': ps->p++; return container(ps, false);
    case '"': {
        st_jval *v = node(ST_J_STR);

        ps->p++;
        if (v == NULL || (v->str = string(ps)) == NULL) {
            free(v);
            return fail(ps, "bad string");
        }
        return v;
    }
    case 't': return literal(ps, "true", ST_J_BOOL, true);
    case 'f': return literal(ps, "false", ST_J_BOOL, false);
    case 'n': return literal(ps, "null", ST_J_NULL, false);
    default:  return number(ps);
    }
}

st_jval *st_json_parse(const char *text, size_t len, char *err, size_t err_size)
{
    parser ps = { text, text + len, err, err_size, 0 };
    st_jval *v;

    if (err && err_size)
        err[0] = '\0';
    v = value(&ps);
    if (v == NULL)
        return NULL;
    skip_ws(&ps);
    if (ps.p != ps.end) {
        st_json_free(v);
        return fail(&ps, "text after the value");
    }
    return v;
}

void st_json_free(st_jval *v)
{
    while (v) {
        st_jval *next = v->next;

        st_json_free(v->child);
        free(v->str);
        free(v->key);
        free(v);
        v = next;
    }
}

const st_jval *st_json_get(const st_jval *obj, const char *key)
{
    if (obj == NULL || obj->type != ST_J_OBJ)
        return NULL;
    for (const st_jval *m = obj->child; m; m = m->next)
        if (m->key && strcmp(m->key, key) == 0)
            return m;
    return NULL;
}

uint64_t st_json_u64(const st_jval *v)
{
    return v && v->type == ST_J_NUM && v->is_u64 ? v->u64 : 0;
}

const char *st_json_str(const st_jval *v)
{
    return v && v->type == ST_J_STR ? v->str : "";
}
