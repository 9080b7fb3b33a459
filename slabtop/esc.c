/*
 * esc.c - the one escaping policy of every text output (see esc.h).
 */
#include "config.h"
#include "esc.h"

#include <string.h>

size_t st_utf8_decode(const unsigned char *s, uint32_t *cp)
{
    size_t n;
    uint32_t c;

    if (s[0] < 0x80) {
        *cp = s[0];
        return 1;
    }
    if (s[0] >= 0xc2 && s[0] <= 0xdf)
        n = 2, c = s[0] & 0x1f;
    else if (s[0] >= 0xe0 && s[0] <= 0xef)
        n = 3, c = s[0] & 0x0f;
    else if (s[0] >= 0xf0 && s[0] <= 0xf4)
        n = 4, c = s[0] & 0x07;
    else
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;           /* also stops at the NUL */
        c = c << 6 | (s[i] & 0x3f);
    }
    if ((n == 3 && c < 0x800) || (n == 4 && (c < 0x10000 || c > 0x10ffff))
        || (c >= 0xd800 && c <= 0xdfff))
        return 0;
    *cp = c;
    return n;
}

bool st_cp_printable(uint32_t cp)
{
    if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f))
        return false;                       /* C0, DEL, C1 */
    if ((cp >= 0x200b && cp <= 0x200f) || (cp >= 0x2028 && cp <= 0x202e)
        || (cp >= 0x2060 && cp <= 0x206f) || cp == 0xfeff
        || (cp >= 0xfff9 && cp <= 0xfffb) || cp == 0xad)
        return false;                       /* invisible or reordering */
    if ((cp >= 0xe000 && cp <= 0xf8ff) || cp >= 0xf0000)
        return false;                       /* private use */
    if ((cp & 0xfffe) == 0xfffe || (cp >= 0xfdd0 && cp <= 0xfdef))
        return false;                       /* noncharacters */
    return true;
}

int st_cp_width(uint32_t cp)
{
    /* Combining marks take no column of their own. */
    if ((cp >= 0x300 && cp <= 0x36f) || (cp >= 0x1ab0 && cp <= 0x1aff)
        || (cp >= 0x1dc0 && cp <= 0x1dff) || (cp >= 0x20d0 && cp <= 0x20ff)
        || (cp >= 0xfe20 && cp <= 0xfe2f) || (cp >= 0xfe00 && cp <= 0xfe0f))
        return 0;
    /* East Asian wide and fullwidth ranges, and the emoji blocks. */
    if ((cp >= 0x1100 && cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0x303e)
        || (cp >= 0x3041 && cp <= 0x33ff) || (cp >= 0x3400 && cp <= 0x4dbf)
        || (cp >= 0x4e00 && cp <= 0x9fff) || (cp >= 0xa000 && cp <= 0xa4cf)
        || (cp >= 0xac00 && cp <= 0xd7a3) || (cp >= 0xf900 && cp <= 0xfaff)
        || (cp >= 0xfe30 && cp <= 0xfe4f) || (cp >= 0xff00 && cp <= 0xff60)
        || (cp >= 0xffe0 && cp <= 0xffe6) || (cp >= 0x1f300 && cp <= 0x1f64f)
        || (cp >= 0x1f900 && cp <= 0x1f9ff) || (cp >= 0x20000 && cp <= 0x3fffd))
        return 2;
    return 1;
}

/* The next piece of src: either a printable character (copied) or the
 * escape of one byte.  Returns the bytes of src consumed; piece gets the
 * text (NUL-terminated) and *cols its width. */
static size_t next_piece(const unsigned char *s, unsigned flags, char piece[8],
                         int *cols)
{
    bool ascii_only = flags & ST_ESC_ASCII;
    uint32_t cp;
    size_t n = st_utf8_decode(s, &cp);

    if (n == 1 && cp == '\\' && !(flags & ST_ESC_RAW_BACKSLASH)) {
        memcpy(piece, "\\\\", 3);
        *cols = 2;
        return 1;
    }
    if (n > 0 && st_cp_printable(cp) && (!ascii_only || cp < 0x80)) {
        memcpy(piece, s, n);
        piece[n] = '\0';
        *cols = st_cp_width(cp);
        return n;
    }
    /* One byte as \xHH; the rest of a non-printable sequence follows as
     * bytes that do not start a valid one, so each gets its own. */
    piece[0] = '\\';
    piece[1] = 'x';
    piece[2] = "0123456789abcdef"[s[0] >> 4];
    piece[3] = "0123456789abcdef"[s[0] & 15];
    piece[4] = '\0';
    *cols = 4;
    return 1;
}

int st_esc(char *dst, size_t size, const char *src, int max_cols, bool pad,
           unsigned flags)
{
    const unsigned char *s = (const unsigned char *)src;
    size_t len = 0;
    int used = 0;

    if (size == 0)
        return 0;
    while (s && *s) {
        char piece[8];
        int w;
        size_t n = next_piece(s, flags, piece, &w);
        size_t pl = strlen(piece);

        if ((max_cols >= 0 && used + w > max_cols) || len + pl + 1 > size)
            break;
        memcpy(dst + len, piece, pl);
        len += pl;
        used += w;
        s += n;
    }
    while (pad && max_cols >= 0 && used < max_cols && len + 2 <= size) {
        dst[len++] = ' ';
        used++;
    }
    dst[len] = '\0';
    return used;
}

void st_esc_fputs(FILE *out, const char *src)
{
    const unsigned char *s = (const unsigned char *)src;

    while (s && *s) {
        char piece[8];
        int w;

        s += next_piece(s, 0, piece, &w);
        fputs(piece, out);
    }
}

int st_esc_width(const char *src, bool ascii_only)
{
    const unsigned char *s = (const unsigned char *)src;
    int used = 0;

    while (s && *s) {
        char piece[8];
        int w;

        s += next_piece(s, ascii_only ? ST_ESC_ASCII : 0, piece, &w);
        used += w;
    }
    return used;
}
