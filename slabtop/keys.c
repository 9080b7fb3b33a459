/*
 * keys.c - the key table: bindings with their own help text.
 */
#include "config.h"
#include "keys.h"

#include <curses.h>

#define CTRL(c) ((c) & 0x1f)

const st_key st_keys[] = {
    { { 'q', 'Q', 0 },               "q",          "quit",                                    ST_ACT_QUIT },
    { { 'h', '?', KEY_F(1), 0 },     "h ? F1",     "show or hide the help screen",                  ST_ACT_HELP },
    { { 's', 0 },                    "s",          "sort threads by the next column",         ST_ACT_SORT_NEXT },
    { { '<', ',', 0 },               "< >",        "sort by the column to the left or right (also , and .)",        ST_ACT_SORT_LEFT },
    { { '>', '.', 0 },               NULL,         NULL,                                      ST_ACT_SORT_RIGHT },
    { { 'r', 0 },                    "r",          "reverse the sort order",                  ST_ACT_SORT_REVERSE },
    { { ' ', CTRL('l'), 0 },         "space",      "refresh now (Ctrl-L also redraws)",       ST_ACT_REFRESH },
    { { 'p', 0 },                    "p",          "pause or resume refreshing",              ST_ACT_PAUSE },
    { { 'd', 0 },                    "d",          "set the refresh delay in seconds",        ST_ACT_DELAY },
    { { 't', '\t', 0 },              "t Tab",      "switch between the thread and size-class tables", ST_ACT_TABLE },
    { { 'c', 0 },                    "c",          "turn colours on or off",                  ST_ACT_COLOR },
    { { KEY_UP, 'k', 0 },            "Up Down",    "scroll the table by one line (also k and j)",            ST_ACT_UP },
    { { KEY_DOWN, 'j', 0 },          NULL,         NULL,                                      ST_ACT_DOWN },
    { { KEY_PPAGE, 0 },              "PgUp PgDn",  "scroll the table by one page",            ST_ACT_PAGE_UP },
    { { KEY_NPAGE, 0 },              NULL,         NULL,                                      ST_ACT_PAGE_DOWN },
    { { KEY_HOME, 'g', 0 },          "Home End",   "go to the first or last row (also g and G)",             ST_ACT_HOME },
    { { KEY_END, 'G', 0 },           NULL,         NULL,                                      ST_ACT_END },
    { { '\r', '\n', KEY_ENTER, 0 },   "Enter",      "overview: watch the selected process",   ST_ACT_ENTER },
    { { 27, KEY_BACKSPACE, 127, '\b' }, "Esc Backspace", "back to the overview of every process (when it was the start)", ST_ACT_BACK },
    { { KEY_RIGHT, 'n', 0 },         "Right Left", "replay: step one refresh forward or back and pause (also n and b)", ST_ACT_STEP_FWD },
    { { KEY_LEFT, 'b', 0 },          NULL,         NULL,                                      ST_ACT_STEP_BACK },
    { { '+', '=', 0 },               "+ -",        "replay: play twice as fast or half as fast", ST_ACT_FASTER },
    { { '-', 0 },                    NULL,         NULL,                                      ST_ACT_SLOWER },
};

const size_t st_keys_count = sizeof(st_keys) / sizeof(st_keys[0]);

st_action st_key_action(int code)
{
    for (size_t i = 0; i < st_keys_count; i++)
        for (int j = 0; j < ST_KEY_CODES && st_keys[i].codes[j]; j++)
            if (st_keys[i].codes[j] == code)
                return st_keys[i].action;
    return ST_ACT_NONE;
}

/* Roff: escape the characters that mean something at the start of a line or
 * inside text. */
static void roff_text(FILE *out, const char *s)
{
    for (; *s; s++) {
        if (*s == '\\')
            fputs("\\e", out);
        else if (*s == '-')
            fputs("\\-", out);
        else
            fputc(*s, out);
    }
}

void st_keys_man(FILE *out)
{
    for (size_t i = 0; i < st_keys_count; i++) {
        if (st_keys[i].label == NULL)
            continue;
        fputs(".TP\n.B ", out);
        roff_text(out, st_keys[i].label);
        fputs("\n", out);
        /* Capitalise the first letter for the page. */
        const char *h = st_keys[i].help;
        if (*h >= 'a' && *h <= 'z')
            fputc(*h++ - 'a' + 'A', out);
        roff_text(out, h);
        fputs(".\n", out);
    }
}
