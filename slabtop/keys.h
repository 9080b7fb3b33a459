/*
 * keys.h - the one key table of the monitor.
 *
 * The main loop looks keys up here, the help screen lists this table, and
 * the KEYS section of slabtop(1) is generated from it (st_keys_man()); a
 * test compares that section with the man page, so they cannot drift.
 */
#ifndef SLABTOP_KEYS_H
#define SLABTOP_KEYS_H

#include <stddef.h>
#include <stdio.h>

typedef enum st_action {
    ST_ACT_NONE = 0,
    ST_ACT_QUIT,
    ST_ACT_HELP,
    ST_ACT_SORT_NEXT,
    ST_ACT_SORT_LEFT,
    ST_ACT_SORT_RIGHT,
    ST_ACT_SORT_REVERSE,
    ST_ACT_REFRESH,
    ST_ACT_PAUSE,
    ST_ACT_DELAY,
    ST_ACT_TABLE,
    ST_ACT_COLOR,
    ST_ACT_UP,
    ST_ACT_DOWN,
    ST_ACT_PAGE_UP,
    ST_ACT_PAGE_DOWN,
    ST_ACT_HOME,
    ST_ACT_END,
    ST_ACT_ENTER,               /* overview: watch the selected process */
    ST_ACT_BACK,                /* back to the overview */
    ST_ACT_STEP_FWD,            /* replay: one refresh forward */
    ST_ACT_STEP_BACK,           /* replay: one refresh back */
    ST_ACT_FASTER,              /* replay: twice as fast */
    ST_ACT_SLOWER,              /* replay: half as fast */
} st_action;

#define ST_KEY_CODES 4

typedef struct st_key {
    int codes[ST_KEY_CODES];    /* curses key codes, 0-terminated */
    const char *label;          /* how the help screen names the keys */
    const char *help;           /* one line, no trailing period */
    st_action action;
} st_key;

extern const st_key st_keys[];
extern const size_t st_keys_count;

/* The action bound to a curses key code, or ST_ACT_NONE. */
st_action st_key_action(int code);

/* The KEYS section of slabtop(1), in roff. */
void st_keys_man(FILE *out);

#endif /* SLABTOP_KEYS_H */
