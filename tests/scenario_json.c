/*
 * scenario_json.c - pick values out of JSON lines, for the scenario tests.
 *
 *     slabtop --json -n 2 NAME | scenario_json verdict repairs.other threads.0.tid
 *     slabtop --json -n 2 NAME | scenario_json -l 1 totals.allocs
 *
 * Reads standard input as JSON lines (one object per line, as slabtop
 * --json prints them), checks that every line is valid JSON (strictly:
 * RFC 8259 grammar, nothing after the value), and prints, one per line, the
 * value at each PATH in the last line (with -l N, in line N, counting JSON
 * lines from 1): strings without their quotes (escapes
 * decoded, anything outside ASCII as '?'), everything else as written.
 * A PATH is a dot-separated list of object keys and array indexes.
 *
 * Exit status: 0 all found; 3 a path is missing (prints "MISSING" in its
 * place); 4 invalid JSON or no input; 2 usage.
 */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 64
#define MAX_PATH 16

struct parser {
    const char *s;
    size_t i, n;
    bool bad;
    /* The path being looked for, and where its value was found. */
    char *want[MAX_PATH];
    int nwant;
    size_t found_at, found_end;
    bool found;
};

static void skip_ws(struct parser *p)
{
    while (p->i < p->n && (p->s[p->i] == ' ' || p->s[p->i] == '\t' ||
                           p->s[p->i] == '\n' || p->s[p->i] == '\r'))
        p->i++;
}

static bool lit(struct parser *p, const char *word)
{
    size_t len = strlen(word);
    if (p->n - p->i < len || memcmp(p->s + p->i, word, len) != 0)
        return false;
    p->i += len;
    return true;
}

static bool is_digit(char c) { return c >= '0' && c <= '9'; }
static bool is_hex(char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* A string starting at p->i; its decoded text (ASCII, '?' otherwise) goes
 * to out when out is not NULL. */
static bool parse_string(struct parser *p, char *out, size_t outlen)
{
    size_t o = 0;
    if (p->i >= p->n || p->s[p->i] != '"')
        return false;
    p->i++;
    while (p->i < p->n) {
        unsigned char c = (unsigned char)p->s[p->i++];
        char d;
        if (c == '"') {
            if (out)
                out[o < outlen ? o : outlen - 1] = '\0';
            return true;
        }
        if (c < 0x20)
            return false;
        if (c == '\\') {
            if (p->i >= p->n)
                return false;
            char e = p->s[p->i++];
            switch (e) {
            case '"': d = '"'; break;
            case '\\': d = '\\'; break;
            case '/': d = '/'; break;
            case 'b': d = '\b'; break;
            case 'f': d = '\f'; break;
            case 'n': d = '\n'; break;
            case 'r': d = '\r'; break;
            case 't': d = '\t'; break;
            case 'u': {
                unsigned v = 0;
                if (p->n - p->i < 4)
                    return false;
                for (int k = 0; k < 4; k++) {
                    char h = p->s[p->i++];
                    if (!is_hex(h))
                        return false;
                    v = v * 16 + (unsigned)(is_digit(h) ? h - '0' : (h | 0x20) - 'a' + 10);
                }
                d = v < 0x80 ? (char)v : '?';
                break;
            }
            default:
                return false;
            }
        } else {
            d = c < 0x80 ? (char)c : '?';
        }
        if (out && o + 1 < outlen)
            out[o++] = d;
    }
    return false;
}

static bool parse_number(struct parser *p)
{
    size_t start = p->i;
    if (p->i < p->n && p->s[p->i] == '-')
        p->i++;
    if (p->i >= p->n || !is_digit(p->s[p->i]))
        return false;
    if (p->s[p->i] == '0')
        p->i++;
    else
        while (p->i < p->n && is_digit(p->s[p->i]))
            p->i++;
    if (p->i < p->n && p->s[p->i] == '.') {
        p->i++;
        if (p->i >= p->n || !is_digit(p->s[p->i]))
            return false;
        while (p->i < p->n && is_digit(p->s[p->i]))
            p->i++;
    }
    if (p->i < p->n && (p->s[p->i] == 'e' || p->s[p->i] == 'E')) {
        p->i++;
        if (p->i < p->n && (p->s[p->i] == '+' || p->s[p->i] == '-'))
            p->i++;
        if (p->i >= p->n || !is_digit(p->s[p->i]))
            return false;
        while (p->i < p->n && is_digit(p->s[p->i]))
            p->i++;
    }
    return p->i > start;
}

/* on_path: the keys and indexes leading here match want[0..depth). */
static bool parse_value(struct parser *p, int depth, bool on_path)
{
    if (depth > MAX_DEPTH)
        return false;
    skip_ws(p);
    if (p->i >= p->n)
        return false;
    size_t start = p->i;
    bool ok;
    char c = p->s[p->i];

    if (c == '{') {
        p->i++;
        skip_ws(p);
        ok = true;
        if (p->i < p->n && p->s[p->i] == '}') {
            p->i++;
        } else {
            for (;;) {
                char key[256];
                skip_ws(p);
                if (!parse_string(p, key, sizeof(key)))
                    return false;
                skip_ws(p);
                if (p->i >= p->n || p->s[p->i] != ':')
                    return false;
                p->i++;
                bool child = on_path && depth < p->nwant && strcmp(key, p->want[depth]) == 0;
                if (!parse_value(p, depth + 1, child))
                    return false;
                skip_ws(p);
                if (p->i < p->n && p->s[p->i] == ',') {
                    p->i++;
                    continue;
                }
                if (p->i < p->n && p->s[p->i] == '}') {
                    p->i++;
                    break;
                }
                return false;
            }
        }
    } else if (c == '[') {
        p->i++;
        skip_ws(p);
        ok = true;
        if (p->i < p->n && p->s[p->i] == ']') {
            p->i++;
        } else {
            for (long idx = 0;; idx++) {
                char buf[32];
                snprintf(buf, sizeof(buf), "%ld", idx);
                bool child = on_path && depth < p->nwant && strcmp(buf, p->want[depth]) == 0;
                if (!parse_value(p, depth + 1, child))
                    return false;
                skip_ws(p);
                if (p->i < p->n && p->s[p->i] == ',') {
                    p->i++;
                    continue;
                }
                if (p->i < p->n && p->s[p->i] == ']') {
                    p->i++;
                    break;
                }
                return false;
            }
        }
    } else if (c == '"') {
        ok = parse_string(p, NULL, 0);
    } else if (c == 't') {
        ok = lit(p, "true");
    } else if (c == 'f') {
        ok = lit(p, "false");
    } else if (c == 'n') {
        ok = lit(p, "null");
    } else {
        ok = parse_number(p);
    }
    if (ok && on_path && depth == p->nwant) {
        p->found = true;
        p->found_at = start;
        p->found_end = p->i;
    }
    return ok;
}

/* Parse a whole line; with a path, record where its value is. */
static bool parse_line(struct parser *p, const char *line, size_t len, const char *path)
{
    char *copy = NULL;
    memset(p, 0, sizeof(*p));
    p->s = line;
    p->n = len;
    if (path) {
        copy = strdup(path);
        if (!copy)
            return false;
        char *save = NULL;
        for (char *t = strtok_r(copy, ".", &save); t && p->nwant < MAX_PATH;
             t = strtok_r(NULL, ".", &save))
            p->want[p->nwant++] = t;
    }
    bool ok = parse_value(p, 0, true);
    skip_ws(p);
    ok = ok && p->i == p->n;
    free(copy);
    return ok;
}

static void print_value(const char *line, size_t at, size_t end)
{
    if (line[at] == '"') {
        struct parser q;
        char buf[4096];
        memset(&q, 0, sizeof(q));
        q.s = line;
        q.i = at;
        q.n = end;
        if (parse_string(&q, buf, sizeof(buf))) {
            puts(buf);
            return;
        }
    }
    printf("%.*s\n", (int)(end - at), line + at);
}

int main(int argc, char **argv)
{
    int want_line = 0;          /* 0: the last line */
    int first = 1;
    if (argc > 2 && strcmp(argv[1], "-l") == 0) {
        want_line = atoi(argv[2]);
        if (want_line < 1) {
            fprintf(stderr, "usage: scenario_json [-l LINE] PATH...\n");
            return 2;
        }
        first = 3;
    }
    size_t cap = 1 << 16, len = 0;
    char *in = malloc(cap);
    if (!in)
        return 4;
    size_t got;
    while ((got = fread(in + len, 1, cap - len, stdin)) > 0) {
        len += got;
        if (len == cap) {
            char *bigger = realloc(in, cap * 2);
            if (!bigger)
                return 4;
            in = bigger;
            cap *= 2;
        }
    }

    /* Validate every line; remember the last non-empty one. */
    const char *last = NULL;
    size_t last_len = 0;
    int lines = 0;
    for (size_t i = 0; i < len;) {
        size_t j = i;
        while (j < len && in[j] != '\n')
            j++;
        size_t k = i;
        while (k < j && (in[k] == ' ' || in[k] == '\t' || in[k] == '\r'))
            k++;
        if (k < j) {
            struct parser p;
            lines++;
            if (!parse_line(&p, in + i, j - i, NULL)) {
                fprintf(stderr, "scenario_json: line %d is not valid JSON (at byte %zu)\n",
                        lines, p.i);
                return 4;
            }
            if (want_line == 0 || lines == want_line) {
                last = in + i;
                last_len = j - i;
            }
        }
        i = j + 1;
    }
    if (!last) {
        fprintf(stderr, "scenario_json: no JSON%s on standard input\n",
                want_line ? " at that line" : "");
        return 4;
    }

    int status = 0;
    for (int a = first; a < argc; a++) {
        struct parser p;
        parse_line(&p, last, last_len, argv[a]);
        if (p.found) {
            print_value(last, p.found_at, p.found_end);
        } else {
            puts("MISSING");
            status = 3;
        }
    }
    free(in);
    return status;
}
