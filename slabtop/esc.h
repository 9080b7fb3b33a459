/*
 * esc.h - untrusted strings made safe for a terminal or a parser.
 *
 * Segment names, commands, labels and thread names are written by whoever
 * owns the segment, and command-line arguments by whoever runs slabtop:
 * none of them may reach a terminal raw.  One policy for every output:
 *
 *   - printable UTF-8 passes through (in the curses screen only when the
 *     locale's codeset is UTF-8; otherwise only printable ASCII does);
 *   - every other byte - C0 controls, DEL, the C1 controls U+0080-U+009F
 *     (CSI is \xc2\x9b, OSC \xc2\x9d), the invisible format characters that
 *     reorder or hide text (U+200B-U+200F, U+2028-U+202E, U+2060-U+206F,
 *     U+FEFF), and bytes of invalid sequences - is shown as \xHH, one per
 *     byte, and a backslash as \\, so the escaped text is unambiguous;
 *   - JSON uses its own escapes for the same characters (\u00XX for
 *     controls, U+FFFD for invalid bytes); OpenMetrics label values carry
 *     the \xHH text form, so they are always valid UTF-8.
 *
 * Widths are terminal columns (wide East Asian characters count 2), and
 * cutting never splits a character or an escape.
 */
#ifndef SLABTOP_ESC_H
#define SLABTOP_ESC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Decode the character at s: returns its length in bytes and sets *cp,
 * or returns 0 when the byte at s does not start a valid UTF-8 sequence
 * (s must not point at the terminating NUL). */
size_t st_utf8_decode(const unsigned char *s, uint32_t *cp);

/* Whether a code point may be shown as it is. */
bool st_cp_printable(uint32_t cp);

/* Terminal columns of a printable code point: 0, 1 or 2. */
int st_cp_width(uint32_t cp);

/* Flags of st_esc(). */
#define ST_ESC_ASCII 1u         /* escape every non-ASCII byte too */
#define ST_ESC_RAW_BACKSLASH 2u /* keep '\\' as it is: the caller's format
                                 * escapes it (OpenMetrics label values) */

/* Escape src into dst (size bytes, always NUL-terminated), using at most
 * max_cols columns (< 0: no limit); with pad, fill with spaces up to
 * max_cols.  Returns the columns used. */
int st_esc(char *dst, size_t size, const char *src, int max_cols, bool pad,
           unsigned flags);

/* Write src escaped to out (no limit). */
void st_esc_fputs(FILE *out, const char *src);

/* Columns src takes once escaped. */
int st_esc_width(const char *src, bool ascii_only);

#endif /* SLABTOP_ESC_H */
