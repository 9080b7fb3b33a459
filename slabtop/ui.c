/*
 * ui.c - the curses screen: header, summary, repairs, one table, status.
 *
 * Layout, from the top (80x24 keeps all of it; a shorter screen drops the
 * table first, then the repairs line):
 *   0  name, pid, command, state, uptime, label
 *   1  sampling mode and rates, measurement floor
 *   2  banner (owner exited, paused), when there is one
 *   3  allocs/s, samples/s, preempted share, involuntary switches/s
 *      (labels from st_labels, shared with the text output)
 *   4-6 latency table: mean, p50, p99, p99.9, max for wall and CPU
 *   7  ratio and verdict, CPU share, run-queue wait
 *   8  repairs
 *   10 history sparklines (4 rows, or 2 with two side by side), then the
 *      latency distribution panel (charts.c), as far as they fit with at
 *      least 4 table rows below
 *   then the table header and rows; last line: keys or a message
 */
#include "config.h"
#include "ui.h"

#include <curses.h>
#include <langinfo.h>
#include <locale.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <term.h>
#include <termios.h>
#include <unistd.h>

#include "esc.h"
#include "fmt.h"
#include "output.h"
#include "scan.h"
#include "ui_draw.h"


static bool active;
static bool have_colors;
static bool ascii_only;         /* the locale cannot show UTF-8 */

/* For a fatal signal: the terminal modes from before curses, and the bytes
 * that leave the alternate screen, reset attributes and show the cursor,
 * so that the handler only needs write() and tcsetattr(), which are
 * async-signal-safe (endwin() is not). */
static struct termios saved_tty;
static bool have_saved_tty;
static char restore_seq[256];
static size_t restore_len;

bool st_ui_active(void)
{
    return active;
}

bool st_ui_ascii(void)
{
    return ascii_only;
}

void st_ui_end(void)
{
    if (!active)
        return;
    active = false;
    curs_set(1);
    endwin();
    fflush(stdout);
}

static void on_fatal(int sig)
{
    if (active) {
        ssize_t w = write(STDOUT_FILENO, restore_seq, restore_len);
        (void)w;
        if (have_saved_tty)
            tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_tty);
    }
    /* Die of the same signal.  The default action is set here too, not
     * only by SA_RESETHAND: the reader's SIGBUS handler (libslab/reader)
     * may have called this one directly, and stays installed. */
    signal(sig, SIG_DFL);
    raise(sig);
}

static void add_cap(const char *cap)
{
    char *v = tigetstr(cap);
    size_t n;

    if (v == NULL || v == (char *)-1)
        return;
    n = strlen(v);
    if (restore_len + n < sizeof(restore_seq)) {
        memcpy(restore_seq + restore_len, v, n);
        restore_len += n;
    }
}

static void install_fatal_handlers(void)
{
    static const int sigs[] = { SIGSEGV, SIGBUS, SIGABRT, SIGFPE, SIGILL };
    struct sigaction sa;

    restore_len = 0;
    add_cap("sgr0");
    add_cap("cnorm");
    add_cap("rmcup");
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_fatal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESETHAND | SA_NODEFER;
    for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
        sigaction(sigs[i], &sa, NULL);
}

int st_ui_begin(st_ui *ui, bool no_color)
{
    char term_esc[4 * 40 + 1];
    const char *term = getenv("TERM");
    int terr = 0;

    setlocale(LC_ALL, "");
    ascii_only = strcmp(nl_langinfo(CODESET), "UTF-8") != 0;
    st_esc(term_esc, sizeof(term_esc), term ? term : "unset", 40, false, 0);
    /* A terminal that cannot move the cursor (TERM=dumb, unknown) would show
     * a blank screen: say so and point at the text output instead. */
    if (setupterm(NULL, STDOUT_FILENO, &terr) != OK) {
        fprintf(stderr, "slabtop: the terminal type TERM=%s is unknown; set TERM, "
                "or use --once or -n N for text output\n", term_esc);
        return -1;
    }
    {
        char *cup = tigetstr("cup");
        bool usable = cup != NULL && cup != (char *)-1;

        del_curterm(cur_term);
        if (!usable) {
            fprintf(stderr, "slabtop: the terminal TERM=%s cannot position the cursor; "
                    "use --once or -n N for text output\n", term_esc);
            return -1;
        }
    }
    if (tcgetattr(STDIN_FILENO, &saved_tty) == 0)
        have_saved_tty = true;
    if (newterm(NULL, stdout, stdin) == NULL) {
        fprintf(stderr, "slabtop: cannot use the terminal (TERM=%s); try --once\n",
                term_esc);
        return -1;
    }
    active = true;
    install_fatal_handlers();
    set_escdelay(25);           /* Esc goes back at once, not after 1 s */
    cbreak();
    noecho();
    nonl();
    intrflush(stdscr, FALSE);
    keypad(stdscr, TRUE);
    curs_set(0);
    have_colors = has_colors();
    if (have_colors) {
        start_color();
        use_default_colors();
        init_pair(PAIR_CLEAN, COLOR_GREEN, -1);
        init_pair(PAIR_MODERATE, COLOR_YELLOW, -1);
        init_pair(PAIR_HEAVY, COLOR_RED, -1);
        init_pair(PAIR_TITLE, COLOR_CYAN, -1);
        init_pair(PAIR_BANNER, COLOR_WHITE, COLOR_RED);
    }
    ui->color = have_colors && !no_color;
    return 0;
}

int st_ui_key(int timeout_ms)
{
    int k;

    timeout(timeout_ms);
    k = getch();
    if (k == KEY_RESIZE)
        return ST_UI_RESIZE;
    return k == ERR ? ST_UI_NOKEY : k;
}

/* ------------------------------------------------------------- drawing */

attr_t st_ui_color(const st_ui *ui, int pair)
{
    return ui->color ? COLOR_PAIR(pair) : 0;
}

attr_t st_ui_verdict_attr(const st_ui *ui, slab_verdict v)
{
    switch (v) {
    case SLAB_VERDICT_CLEAN:    return st_ui_color(ui, PAIR_CLEAN) | A_BOLD;
    case SLAB_VERDICT_MODERATE: return st_ui_color(ui, PAIR_MODERATE) | A_BOLD;
    case SLAB_VERDICT_HEAVY:    return st_ui_color(ui, PAIR_HEAVY) | A_BOLD;
    default:                    return A_DIM;
    }
}

/* Print at (y, x), clipped to the screen width. */
void st_ui_put(int y, int x, attr_t attr, const char *fmt, ...)
{
    char buf[512];
    va_list ap;

    if (y < 0 || y >= LINES || x >= COLS)
        return;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    /* Cut at the screen's edge by columns, never inside a character
     * (the text is already escaped: only printable characters). */
    {
        int cols = 0;
        size_t i = 0;

        while (buf[i]) {
            uint32_t cp;
            size_t n = st_utf8_decode((const unsigned char *)buf + i, &cp);
            int w = n ? st_cp_width(cp) : 1;

            if (n == 0)
                n = 1;
            if (cols + w > COLS - x)
                break;
            cols += w;
            i += n;
        }
        buf[i] = '\0';
    }
    attron(attr);
    mvaddstr(y, x, buf);
    attroff(attr);
}

const char *st_ui_safe(char *buf, size_t size, const char *s, int cols, bool pad)
{
    st_esc(buf, size, s, cols, pad, ascii_only ? ST_ESC_ASCII : 0);
    return buf;
}

#define safe st_ui_safe

/* The help: the key table, the verdicts, and how to leave it, which
 * stays on the last row however short the terminal.  Without room for
 * the blank lines between its parts it goes without them. */
static void draw_help(const st_ui *ui)
{
    int y = 0, lw = 0, keys = 0;

    for (size_t i = 0; i < st_keys_count; i++) {
        if (st_keys[i].label == NULL)
            continue;
        keys++;
        if ((int)strlen(st_keys[i].label) > lw)
            lw = (int)strlen(st_keys[i].label);
    }
    int gap = LINES >= keys + 9 ? 1 : 0;      /* 3 blank lines, 6 of text */

    st_ui_put(y++, 0, A_BOLD, "slabtop %s - keys", PACKAGE_VERSION);
    y += gap;
    for (size_t i = 0; i < st_keys_count; i++) {
        if (st_keys[i].label == NULL)
            continue;
        st_ui_put(y, 2, A_BOLD, "%s", st_keys[i].label);
        st_ui_put(y, 4 + lw, 0, "%s", st_keys[i].help);
        y++;
    }
    y += gap;
    st_ui_put(y++, 0, A_BOLD, "Verdict on the floor-corrected wall/CPU ratio (the verdict table):");
    st_ui_put(y, 2, st_ui_verdict_attr(ui, SLAB_VERDICT_CLEAN), "clean");
    st_ui_put(y++, 14, 0, "< 1.5   the allocator's own work; trust the latencies");
    st_ui_put(y, 2, st_ui_verdict_attr(ui, SLAB_VERDICT_MODERATE), "moderate");
    st_ui_put(y++, 14, 0, "1.5-2   some scheduler or hypervisor interference");
    st_ui_put(y, 2, st_ui_verdict_attr(ui, SLAB_VERDICT_HEAVY), "heavy");
    st_ui_put(y++, 14, 0, ">= 2    preempted: the host stole the CPU");
    y += gap;
    if (y > LINES - 1)
        y = LINES - 1;
    move(y, 0);
    clrtoeol();
    st_ui_put(y, 0, 0, "Sort: %s%s.  Press any key to return.", st_sort_name(ui->sort),
        ui->reverse ? " (reversed)" : "");
}

static void draw_status(const st_ui *ui, const st_view *v)
{
    int y = LINES - 1;
    char keys[160], count[32];
    int n;

    move(y, 0);
    clrtoeol();
    if (ui->message[0]) {
        st_ui_put(y, 0, A_BOLD, "%s", ui->message);
        return;
    }
    n = snprintf(keys, sizeof(keys), "q quit  h help  s/</> sort:%s%s  t %s  p pause  ",
                 st_sort_name(ui->sort), ui->reverse ? "-" : "",
                 ui->table == ST_TABLE_THREADS ? "classes" : "threads");
    if (!ui->replay)            /* a replay keeps the recording's pace */
        n += snprintf(keys + n, sizeof(keys) - (size_t)n, "d delay:%gs  ", ui->delay_s);
    n += snprintf(keys + n, sizeof(keys) - (size_t)n, "c colour");
    st_ui_put(y, 0, A_DIM, "%s", keys);
    if (v && ui->table == ST_TABLE_THREADS && v->nrows > 0) {
        int m = snprintf(count, sizeof(count), "%zu thr", v->nrows);
        if (COLS >= n + m + 2)
            st_ui_put(y, COLS - m, A_DIM, "%s", count);
    }
}

void st_ui_draw(st_ui *ui, st_view *v, const char *banner)
{
    int y = 0;
    bool repairs;

    erase();
    if (ui->help) {
        draw_help(ui);
        refresh();
        return;
    }
    if (v == NULL || v->snap == NULL) {
        st_ui_put(0, 0, A_BOLD, "slabtop");
        st_ui_put(2, 0, 0, "%s", banner ? banner : "attaching...");
        draw_status(ui, v);
        refresh();
        return;
    }
    st_ui_draw_header(ui, v, &y);
    if (banner || ui->paused) {
        move(y, 0);
        attron(st_ui_color(ui, PAIR_BANNER) | A_BOLD | (ui->color ? 0 : A_REVERSE));
        hline(' ', COLS);
        st_ui_put(y, 1, st_ui_color(ui, PAIR_BANNER) | A_BOLD | (ui->color ? 0 : A_REVERSE), "%s%s%s",
            banner ? banner : "", banner && ui->paused ? "  " : "",
            ui->paused ? "PAUSED (p resumes)" : "");
        attroff(st_ui_color(ui, PAIR_BANNER) | A_BOLD | A_REVERSE);
    }
    y++;
    repairs = LINES >= 12;
    st_ui_draw_summary(ui, v, &y, repairs);
    /* A blank row before the pictures when there is room for it (the tail
     * line took the one 80x24 had). */
    if (LINES >= 30)
        y++;
    {
        /* The pictures take what the table (header and 3 rows) leaves:
         * sparklines first, then the distribution, growing to 4 rows of
         * bars per clock; the table fills the rest. */
        int rest = LINES - 1 - y - 4;
        int sparks = rest >= 4 + ST_CHARTS_DIST_ROWS(1) ? 4
                     : rest >= 2 + ST_CHARTS_DIST_ROWS(1) ? 2
                     : rest >= 4 ? 4 : rest >= 2 && COLS >= 60 ? 2 : 0;
        int bar_rows = (rest - sparks - 3) / 2;

        if (bar_rows > 4)
            bar_rows = 4;
        if (sparks > 0) {
            st_charts_history(ui, v, y, COLS, sparks);
            y += sparks;
        }
        if (bar_rows >= 1) {
            st_charts_distribution(ui, v, y, COLS, bar_rows);
            y += ST_CHARTS_DIST_ROWS(bar_rows);
        }
    }
    if (LINES - 1 - y >= 2) {
        if (ui->table == ST_TABLE_THREADS)
            st_ui_draw_threads(ui, v, y, LINES - 1 - y);
        else
            st_ui_draw_classes(ui, v, y, LINES - 1 - y);
    }
    draw_status(ui, v);
    refresh();
}

/* ------------------------------------------------------------ overview */

/* Column headers of the overview, in st_scan_sort order; CAUSE follows.
 * CAUSE gets the width of the longest cause first (80 columns hold it);
 * NAME and COMMAND share what is left (at least 6 and 7), NAME growing
 * first, up to 40, then COMMAND, up to 16. */
static const struct { const char *title; int width; bool left; } ov_cols[ST_SCAN_SORT_COUNT] = {
    [ST_SCAN_NAME] = { "NAME", 12, true },
    [ST_SCAN_PID] = { "PID", 7, false },
    [ST_SCAN_COMMAND] = { "COMMAND", 9, true },
    [ST_SCAN_STATE] = { "STATE", 7, true },
    [ST_SCAN_ALLOCS] = { "ALLOC/S", 7, false },
    [ST_SCAN_SAMPLES] = { "SAMPLE/S", 8, false },
    [ST_SCAN_RATIO] = { "RATIO", 5, false },
    [ST_SCAN_VERDICT] = { "VERDICT", 12, true },
};

static int ov_cause_width(void)
{
    int w = 5;                  /* "CAUSE" */

    for (int c = 0; c < SLAB_CAUSE_COUNT; c++)
        if ((int)strlen(slab_cause_name((slab_cause)c)) > w)
            w = (int)strlen(slab_cause_name((slab_cause)c));
    return w;
}

static int ov_width(int c)
{
    int avail = COLS - ov_cause_width() - 2, name, comm = ov_cols[ST_SCAN_COMMAND].width;

    if (c != ST_SCAN_NAME && c != ST_SCAN_COMMAND)
        return ov_cols[c].width;
    for (int k = 0; k < ST_SCAN_SORT_COUNT; k++)
        if (k != ST_SCAN_NAME && k != ST_SCAN_COMMAND)
            avail -= ov_cols[k].width + 1;
    name = avail - comm;
    if (name < 6) {
        comm = avail - 6 < 7 ? 7 : avail - 6;
        name = avail - comm < 6 ? 6 : avail - comm;
    }
    if (name > 40) {
        comm = comm + name - 40 > 16 ? 16 : comm + name - 40;
        name = 40;
    }
    return c == ST_SCAN_NAME ? name : comm;
}

void st_ui_draw_overview(st_ui *ui, const st_scan *sc, const char *banner)
{
    int y = 0, x = 0, rows;

    erase();
    if (ui->help) {
        draw_help(ui);
        refresh();
        return;
    }
    st_ui_put(y, 0, A_BOLD | st_ui_color(ui, PAIR_TITLE), "slabtop");
    st_ui_put(y, 9, 0, "every libslab process of this host: %zu readable segment%s, %zu alive",
              sc->n, sc->n == 1 ? "" : "s", st_scan_live(sc, NULL));
    y++;
    if (banner || ui->paused) {
        move(y, 0);
        attron(st_ui_color(ui, PAIR_BANNER) | A_BOLD | (ui->color ? 0 : A_REVERSE));
        hline(' ', COLS);
        st_ui_put(y, 1, st_ui_color(ui, PAIR_BANNER) | A_BOLD | (ui->color ? 0 : A_REVERSE),
                  "%s%s%s", banner ? banner : "", banner && ui->paused ? "  " : "",
                  ui->paused ? "PAUSED (p resumes)" : "");
        attroff(st_ui_color(ui, PAIR_BANNER) | A_BOLD | A_REVERSE);
    }
    y += 2;
    move(y, 0);
    attron(A_REVERSE);
    hline(' ', COLS);
    for (int c = 0; c < ST_SCAN_SORT_COUNT; c++) {
        attr_t a = c == (int)ui->ov_sort ? A_BOLD | A_UNDERLINE : 0;

        st_ui_put(y, x, A_REVERSE | a, ov_cols[c].left ? "%-*s" : "%*s", ov_width(c),
                  ov_cols[c].title);
        x += ov_width(c) + 1;
    }
    st_ui_put(y, x, A_REVERSE, "%s", "CAUSE");
    attroff(A_REVERSE);
    y++;
    rows = LINES - 1 - y;
    if (rows < 1)
        rows = 1;
    ui->page = rows;
    if (ui->ov_sel >= (int)sc->n)
        ui->ov_sel = (int)sc->n - 1;
    if (ui->ov_sel < 0)
        ui->ov_sel = 0;
    if (ui->scroll > ui->ov_sel)
        ui->scroll = ui->ov_sel;
    if (ui->ov_sel >= ui->scroll + rows)
        ui->scroll = ui->ov_sel - rows + 1;
    if (sc->n == 0)
        st_ui_put(y + 1, 2, A_DIM, "no readable libslab segment; start a program that uses "
                  "libslab, or run slabtop --demo");
    for (int i = 0; i < rows && (size_t)(ui->scroll + i) < sc->n; i++) {
        const st_scan_entry *e = &sc->e[ui->scroll + i];
        bool sel = ui->scroll + i == ui->ov_sel;
        attr_t base = sel ? A_REVERSE : 0;
        char name[4 * 40 + 1], comm[4 * 16 + 1], a[ST_FMT_LEN], b[ST_FMT_LEN], r[ST_FMT_LEN];
        int nw = ov_width(ST_SCAN_NAME), cw = ov_width(ST_SCAN_COMMAND);
        st_figures f;

        st_scan_figures(e, &f);
        if (sel) {
            move(y + i, 0);
            attron(A_REVERSE);
            hline(' ', COLS);
            attroff(A_REVERSE);
        }
        safe(name, sizeof(name), e->snap.name, nw, true);
        safe(comm, sizeof(comm), e->snap.command, cw, true);
        st_ui_put(y + i, 0, base, "%s %7lld %s", name, (long long)e->snap.pid, comm);
        x = nw + 1 + 7 + 1 + cw + 1;
        st_ui_put(y + i, x, base | (e->snap.state == ST_PROC_ALIVE ? 0 : st_ui_color(ui, PAIR_HEAVY)),
                  "%-7s", st_proc_state_name(e->snap.state));
        x += 8;
        if (e->snap.state == ST_PROC_EXITED || e->snap.state == ST_PROC_STALE) {
            /* Its figures are final: no rate is current. */
            snprintf(a, sizeof(a), "-");
            snprintf(b, sizeof(b), "-");
        } else {
            st_fmt_count(a, f.allocs_per_s);
            st_fmt_count(b, f.samples_per_s);
        }
        st_ui_put(y + i, x, base, "%7s %8s %5s", a, b, st_fmt_ratio(r, f.ratio, f.verdict));
        x += 7 + 1 + 8 + 1 + 5 + 1;
        st_ui_put(y + i, x, base | st_ui_verdict_attr(ui, f.verdict), "%-12s",
                  slab_verdict_name(f.verdict));
        x += 13;
        st_ui_put(y + i, x, base | (f.dx.cause <= SLAB_CAUSE_UNDECIDED ? A_DIM : 0), "%s",
                  st_fmt_cause(&f));
    }
    move(LINES - 1, 0);
    clrtoeol();
    if (ui->message[0])
        st_ui_put(LINES - 1, 0, A_BOLD, "%s", ui->message);
    else
        st_ui_put(LINES - 1, 0, A_DIM, "q quit  h help  Enter watch  Up/Down select  "
                  "s/</> sort:%s%s  p pause  c colour", st_scan_sort_name(ui->ov_sort),
                  ui->ov_reverse ? "-" : "");
    refresh();
}

/* ------------------------------------------------------------- actions */

static void prompt_delay(st_ui *ui)
{
    char buf[32] = "";
    char *end;
    double d;

    move(LINES - 1, 0);
    clrtoeol();
    st_ui_put(LINES - 1, 0, A_BOLD, "Refresh delay in seconds [%g]: ", ui->delay_s);
    echo();
    curs_set(1);
    timeout(-1);
    getnstr(buf, (int)sizeof(buf) - 1);
    noecho();
    curs_set(0);
    if (buf[0] == '\0')
        return;
    d = strtod(buf, &end);
    if (end == buf || *end != '\0' || !(d >= 0.01 && d <= 86400))
        snprintf(ui->message, sizeof(ui->message),
                 "delay must be a number of seconds from 0.01 to 86400");
    else
        ui->delay_s = d;
}

bool st_ui_act(st_ui *ui, st_action a, size_t nrows, bool *refresh)
{
    int n = ui->table == ST_TABLE_THREADS ? (int)nrows : (int)SLAB_NUM_CLASSES;

    ui->message[0] = '\0';
    if (ui->help) {             /* any key returns, as the help says */
        ui->help = false;
        return true;
    }
    switch (a) {
    case ST_ACT_QUIT:
        return false;
    case ST_ACT_HELP:
        ui->help = true;
        break;
    case ST_ACT_SORT_NEXT:
    case ST_ACT_SORT_RIGHT:
        ui->sort = (st_sort)((ui->sort + 1) % ST_SORT_COUNT);
        ui->table = ST_TABLE_THREADS;
        break;
    case ST_ACT_SORT_LEFT:
        ui->sort = (st_sort)((ui->sort + ST_SORT_COUNT - 1) % ST_SORT_COUNT);
        ui->table = ST_TABLE_THREADS;
        break;
    case ST_ACT_SORT_REVERSE:
        ui->reverse = !ui->reverse;
        break;
    case ST_ACT_REFRESH:
        *refresh = true;
        clearok(curscr, TRUE);
        break;
    case ST_ACT_PAUSE:
        ui->paused = !ui->paused;
        if (!ui->paused)
            *refresh = true;
        break;
    case ST_ACT_DELAY:
        prompt_delay(ui);
        *refresh = true;
        break;
    case ST_ACT_TABLE:
        ui->table = (st_table)((ui->table + 1) % ST_TABLE_COUNT);
        ui->scroll = 0;
        break;
    case ST_ACT_COLOR:
        if (!have_colors)
            snprintf(ui->message, sizeof(ui->message), "this terminal has no colours");
        else
            ui->color = !ui->color;
        break;
    case ST_ACT_UP:        ui->scroll--; break;
    case ST_ACT_DOWN:      ui->scroll++; break;
    case ST_ACT_PAGE_UP:   ui->scroll -= ui->page; break;
    case ST_ACT_PAGE_DOWN: ui->scroll += ui->page; break;
    case ST_ACT_HOME:      ui->scroll = 0; break;
    case ST_ACT_END:       ui->scroll = n; break;
    case ST_ACT_NONE:
    default:
        break;
    }
    if (ui->scroll > n - 1)
        ui->scroll = n - 1;
    if (ui->scroll < 0)
        ui->scroll = 0;
    return true;
}
