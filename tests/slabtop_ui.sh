#!/bin/sh
# slabtop_ui.sh - the curses screen, driven in a pseudo-terminal by tmux:
# start, read the screen, help, tables, sort, pause, resize, quit; the exit
# status and the terminal restored (alternate screen left, cursor shown)
# after q, SIGTERM and Ctrl-C; colours and NO_COLOR; the owner exiting and a
# new owner under the same name; --demo starting and stopping its workload.
# The overview (slabtop without a NAME) shows every segment of the host, and
# other tests' leftovers can fill its screen, so where it can (root,
# unshare) the test runs in a private /dev/shm.
. "${top_srcdir:-.}/tests/private_shm.sh"
. "${top_srcdir:-.}/tests/slabtop_lib.sh"

plan 55
if ! command -v tmux >/dev/null 2>&1; then
    for i in $(seq 1 54); do skip "tmux is not installed"; done
    finish
fi

# A private tmux server whose socket lives in the test's directory (unless
# that path is too long for a socket; then tmux's own directory).
SOCK="$(cd "$WORK" && pwd)/tmux.sock"
if [ ${#SOCK} -lt 100 ]; then
    tm() { tmux -S "$SOCK" -f /dev/null "$@"; }
else
    tm() { tmux -L "slabtop-$TAG" -f /dev/null "$@"; }
fi
ui_cleanup() { tm kill-server 2>/dev/null; cleanup; }
trap ui_cleanup EXIT

screen() { tm capture-pane -p -t "$1"; }
# wait_for SESSION REGEX: poll the screen (at most ~15 s).
wait_for() {
    for _ in $(seq 1 150); do
        screen "$1" 2>/dev/null | grep -q -- "$2" && return 0
        sleep 0.1
    done
    diag "screen of $1 never showed '$2':"
    screen "$1" 2>/dev/null | sed 's/^/#   | /'
    return 1
}
# run SESSION COMMAND...: start a session of 80x24 running the command, then
# a marker line once it has exited; its exit status goes to $WORK/SESSION.rc.
run() {
    s=$1; shift
    tm new-session -d -s "$s" -x 80 -y 24 \
        "TERM=screen; export TERM; $*; echo \$? > '$WORK/$s.rc'; echo SHELL-AFTER-$s; sleep 600"
}
rc_of() {
    for _ in $(seq 1 100); do
        [ -s "$WORK/$1.rc" ] && { cat "$WORK/$1.rc"; return; }
        sleep 0.1
    done
    echo none
}
alt() { tm display-message -p -t "$1" '#{alternate_on}'; }
cursor() { tm display-message -p -t "$1" '#{cursor_flag}'; }
app_pid() { pgrep -P "$(tm display-message -p -t "$1" '#{pane_pid}')" | head -n 1; }

seg live; N=$SEG
start_pub "$N" --threads 2 --seconds 300 --label "ui-phase" --repairs
N_PID=$PUB_PID

# --- start and read the screen -------------------------------------------
run main "'$SLABTOP' '$N'"
wait_for main "^slabtop  $N  pid $PUB_PID  slabtop_pub  alive"
ok $? "the header shows name, pid, command and state"
wait_for main "\[ui-phase\]"
ok $? "the header shows the segment's label"
screen main > "$WORK/main.txt"
grep -q '^sampling .*floor wall .* cpu ' "$WORK/main.txt" && grep -q '^wall ' "$WORK/main.txt" \
    && grep -q '^cpu ' "$WORK/main.txt" && grep -q '^ratio ' "$WORK/main.txt" \
    && grep -q '^repairs ' "$WORK/main.txt"
ok $? "sampling, floor, latency rows, ratio and repairs fit in 80x24"
grep -Eq '^ratio +[^ ]+ (clean|moderate|heavy|insufficient) ' "$WORK/main.txt"
ok $? "the verdict is never glued to the ratio"
grep -q '^ *TID NAME *ALLOC/S *SAMPLES *RATIO *P99WALL *P99CPU *REPAIRS *STATE' "$WORK/main.txt"
ok $? "the thread table has its header"
[ "$(sed -n 24p "$WORK/main.txt" | cut -c1-12)" = "q quit  h he" ]
ok $? "the key line is on the last row"
is "$(alt main)" 1 "the screen runs on the alternate screen"
is "$(cursor main)" 0 "with the cursor hidden"

# At 80 columns every line of the summary fits whole: a line that reaches
# the last column was cut there (the ratio line used to end "runq-wait 0.").
# Wait for a verdict with its off-CPU share: the ratio line at its longest.
wait_for main '^ratio .*off-CPU) cause' > /dev/null
screen main | grep -E '^(allocs/s|wall |cpu |ratio |tail |repairs )' | awk '!seen[$1]++' > "$WORK/summary80.txt"
[ "$(wc -l < "$WORK/summary80.txt")" -ge 4 ] && grep -q '^ratio .*off-CPU' "$WORK/summary80.txt" \
    && ! awk 'length($0) >= 80 { bad = 1 } END { exit !bad }' "$WORK/summary80.txt"
rc=$?
ok $rc "at 80x24 no line of the summary is cut at the edge"
[ $rc -eq 0 ] || sed 's/^/#   | /' "$WORK/summary80.txt"

# --- keys -----------------------------------------------------------------
tm send-keys -t main h
wait_for main "show or hide the help screen"
ok $? "h shows the help screen, from the key table"
screen main | grep -q "heavy  *>= 2"
ok $? "the help explains the verdicts"
screen main | grep -q "Press any key to return"
ok $? "at 80x24 the whole help fits, ending with how to leave it"
tm send-keys -t main x
wait_for main "TID NAME"
ok $? "any key leaves the help"
tm send-keys -t main h
wait_for main "show or hide the help screen" && tm send-keys -t main q && wait_for main "TID NAME"
ok $? "q on the help screen returns, like any key, instead of quitting"
tm send-keys -t main t
wait_for main "CLASS  *LIVE  *RESIDENT  *SLOW/S  *NEWSLABS"
ok $? "t switches to the size-class table"
tm send-keys -t main t
wait_for main "TID NAME"
ok $? "t switches back"
tm send-keys -t main s
wait_for main "sort:samples"
ok $? "s sorts by the next column"
tm send-keys -t main '<'
wait_for main "sort:allocs"
ok $? "< sorts by the column to the left"
tm send-keys -t main p
wait_for main "PAUSED"
ok $? "p pauses"
tm send-keys -t main p
tm send-keys -t main d
wait_for main "Refresh delay in seconds"
tm send-keys -t main 0.5 Enter
wait_for main "d delay:0.5s"
ok $? "d asks for the delay and uses it"

# --- pictures -------------------------------------------------------------
# The sparklines and the distribution panel, with live data, in 80x24.
# (p50 is marked once an interval has samples: the first refreshes after
# attaching may have none yet.)
wait_for main '\^p50' >/dev/null
screen main > "$WORK/pics.txt"
grep -q '^allocs/s  .*[^ ] *[0-9.]*[kMG]* *$' "$WORK/pics.txt" && grep -q '^samples/s ' "$WORK/pics.txt" \
    && grep -q '^p99 wall ' "$WORK/pics.txt" && grep -q '^off-cpu  ' "$WORK/pics.txt"
ok $? "history sparklines for allocs/s, samples/s, p99 wall and off-CPU share"
grep -q '^dist .*|[0-9]*[mun]*s' "$WORK/pics.txt" && grep -q '^wall  .*[^ ]' "$WORK/pics.txt" \
    && grep -q '^cpu   .*[^ ]' "$WORK/pics.txt" && grep -q '\^p50' "$WORK/pics.txt"
ok $? "the distribution panel: a latency axis, wall and CPU bars, p50 marked"
sed 's/^/#   | /' "$WORK/pics.txt"

# Sizes: every row within the width, the key line last, no stray bytes.
sizes_ok=0
for size in 132x50 40x12; do
    tm resize-window -t main -x "${size%x*}" -y "${size#*x}"
    sleep 0.8
    screen main > "$WORK/size.txt"
    python3 - "$WORK/size.txt" "${size%x*}" "${size#*x}" <<'PY' || sizes_ok=1
import sys
rows = open(sys.argv[1], encoding="utf-8").read().split("\n")
w, h = int(sys.argv[2]), int(sys.argv[3])
rows = rows[:h]
assert len(rows) == h, len(rows)
assert all(len(r) <= w for r in rows), [len(r) for r in rows]
assert rows[-1].startswith("q quit"), rows[-1]
assert rows[0].startswith("slabtop "), rows[0]
assert all(ch >= " " for r in rows for ch in r)
PY
done
ok $sizes_ok "132x50 and 40x12 render within the screen, header first and keys last"
screen main | grep -q '^dist ' && [ "$(screen main | wc -l)" -le 12 ]
[ $? -ne 0 ]
ok $? "40x12 drops the pictures rather than squeezing them"

# --- resize ---------------------------------------------------------------
tm resize-window -t main -x 120 -y 35
sleep 0.5
wait_for main "^slabtop  $N"
screen main > "$WORK/big.txt"
[ "$(wc -l < "$WORK/big.txt")" -eq 35 ] && sed -n 35p "$WORK/big.txt" | grep -q '^q quit'
ok $? "after a resize to 120x35 the key line is on the new last row"
tm resize-window -t main -x 50 -y 10
sleep 0.5
tm resize-window -t main -x 80 -y 24
sleep 0.5
wait_for main "^slabtop  $N" && screen main | sed -n 24p | grep -q '^q quit'
ok $? "shrinking to 50x10 and back to 80x24 redraws everything"

# --- quit -----------------------------------------------------------------
tm send-keys -t main q
is "$(rc_of main)" 0 "q exits with status 0"
wait_for main "SHELL-AFTER-main"
ok $? "the shell's output is visible after slabtop"
is "$(alt main):$(cursor main)" "0:1" "the alternate screen is left and the cursor shown again"

# --- signals --------------------------------------------------------------
run term "'$SLABTOP' '$N'"
wait_for term "^slabtop  $N" >/dev/null
kill -TERM "$(app_pid term)"
is "$(rc_of term)" 143 "SIGTERM: exit status 128+15"
is "$(alt term):$(cursor term)" "0:1" "SIGTERM: the terminal is restored"
run int "'$SLABTOP' '$N'"
wait_for int "^slabtop  $N" >/dev/null
tm send-keys -t int C-c
is "$(rc_of int)" 130 "Ctrl-C: exit status 128+2"
is "$(alt int):$(cursor int)" "0:1" "Ctrl-C: the terminal is restored"
# Fatal signals: the terminal is restored, then slabtop dies of the signal.
for sig in SEGV ABRT BUS; do
    s=fatal$sig
    run "$s" "ulimit -c 0; '$SLABTOP' '$N'"
    wait_for "$s" "^slabtop  $N" >/dev/null
    kill -"$sig" "$(app_pid "$s")"
    rc=$(rc_of "$s")
    case $sig in SEGV) n=11 ;; ABRT) n=6 ;; BUS) n=7 ;; esac
    restored=1
    for _ in $(seq 1 30); do
        [ "$(alt "$s"):$(cursor "$s")" = "0:1" ] && { restored=0; break; }
        sleep 0.1
    done
    [ "$rc" = $((128 + n)) ] && [ $restored -eq 0 ]
    ok $? "SIG$sig: the terminal is restored and the signal re-raised (status $rc, $(alt "$s"):$(cursor "$s"))"
done

# --- colours --------------------------------------------------------------
run colour "'$SLABTOP' '$N'"
run nocolour "NO_COLOR=1 '$SLABTOP' '$N'"
wait_for colour "^ratio " >/dev/null
wait_for nocolour "^ratio " >/dev/null
sleep 1.2
tm capture-pane -e -p -t colour | grep -q "$(printf '\033')\[[0-9;]*3[1-3]m"
c1=$?
tm capture-pane -e -p -t nocolour | grep -q "$(printf '\033')\[[0-9;]*3[1-7]m"
c2=$?
[ $c1 -eq 0 ] && [ $c2 -ne 0 ]
ok $? "the verdict is coloured, and NO_COLOR turns colours off ($c1 $c2)"
tm send-keys -t colour c
sleep 0.5
tm capture-pane -e -p -t colour | grep -q "$(printf '\033')\[[0-9;]*3[1-7]m"
[ $? -ne 0 ]
ok $? "c turns the colours off"
tm send-keys -t colour q
tm send-keys -t nocolour q

# --- scrolling a table longer than the screen ------------------------------
seg many; M=$SEG
start_pub "$M" --threads 24 --seconds 300
run many "'$SLABTOP' -s tid '$M'"
wait_for many " 2[0-9] thr$" >/dev/null
first() { screen many | sed -n '/TID NAME/{n;p;}' | awk '{print $1}'; }
sleep 1.2
top1=$(first)
# The screen answers a key at its next turn: wait for it (at most 5 s, a
# loaded machine), rather than for a fixed time.
tm send-keys -t many End
for _ in $(seq 1 50); do top2=$(first); [ "$top2" != "$top1" ] && break; sleep 0.1; done
tm send-keys -t many Home
for _ in $(seq 1 50); do top3=$(first); [ "$top3" = "$top1" ] && break; sleep 0.1; done
[ -n "$top1" ] && [ "$top1" != "$top2" ] && [ "$top1" = "$top3" ]
ok $? "End and Home scroll the thread table ($top1 $top2 $top3)"
tm send-keys -t many q
kill -TERM "$PUB_PID"
wait_gone "$PUB_PID"

# --- no NAME: the overview of every process ---------------------------------
seg ov2; O2=$SEG
start_pub "$O2" --threads 1 --seconds 120
O2_PID=$PUB_PID
# A killed owner leaves a stale segment: its figures are final.
seg ovdead; OD=$SEG
start_pub "$OD" --threads 1 --seconds 0.3 --crash
OD_PID=$PUB_PID
wait_gone "$OD_PID"
run ov "'$SLABTOP' -d 0.5"
# Other tests' segments are listed too: a tall window shows every row.
tm resize-window -t ov -x 80 -y 200
# Names are cut to the column (6 at 80 columns, CAUSE keeping its width).
NC=$(printf '%s' "$N" | cut -c1-6); O2C=$(printf '%s' "$O2" | cut -c1-6)
ODC=$(printf '%s' "$OD" | cut -c1-6)
wait_for ov "^slabtop  every libslab process" >/dev/null
wait_for ov "^$NC *$N_PID slabtop *alive" >/dev/null
wait_for ov "^$O2C *$O2_PID slabtop *alive  *[0-9.]*[kMG]* " && screen ov | grep -q "^$NC *$N_PID slabtop *alive"
ok $? "without a NAME, the overview lists both live processes with their rates"
screen ov | grep -q '^NAME  *PID COMMAND  *STATE  *ALLOC/S SAMPLE/S RATIO VERDICT  *CAUSE'
ok $? "the overview's columns: name, pid, command, state, alloc/s, samples/s, ratio, verdict, cause"
# At 80 columns CAUSE starts where the longest cause still fits whole, and
# every row's cause is a whole cause name.
screen ov > "$WORK/ov80.txt"
python3 - "$WORK/ov80.txt" <<'PY'
import sys
causes = {"none", "undecided", "run-queue", "throttling", "steal", "blocked", "off-cpu",
          "work:fast", "work:refill", "work:partial", "work:new-slab", "work:repair", "work:large"}
lines = open(sys.argv[1]).read().split("\n")
head = [l for l in lines if l.startswith("NAME ")][0]
at = head.index("CAUSE")
assert at + max(map(len, causes)) <= 80, at
rows = [l for l in lines[lines.index(head) + 1:] if len(l) > at and l[at - 1] == " " and l[:at].split()[3:4] == ["alive"]]
assert rows, "no live row"
for l in rows:
    assert l[at:].strip() in causes, l
PY
rc=$?
ok $rc "at 80 columns the overview's CAUSE column holds every cause whole"
[ $rc -eq 0 ] || sed 's/^/#   | /' "$WORK/ov80.txt" | head -n 8
wait_for ov "^$ODC *$OD_PID slabtop *stale  *- *- "
ok $? "a stale (killed) process's row shows - for its rates, not lifetime rates as current"
# Move the selection (reverse video) to our second process, then Enter.
# The selected row is the one in reverse video (the header is too: skip
# it).  tmux emits an attribute only where it changes, across lines, so
# the state is followed through the whole capture.
sel_line() {
    tm capture-pane -e -p -t ov | python3 -c '
import re, sys
rev = False
for line in sys.stdin.read().split("\n"):
    first = None
    for m in re.finditer(r"\x1b\[([0-9;]*)m|([^\x1b]+)", line):
        if m.group(2) is not None:
            if first is None:
                first = rev
            continue
        for p in (m.group(1) or "0").split(";"):
            if p in ("0", ""):
                rev = False
            elif p == "7":
                rev = True
            elif p == "27":
                rev = False
    text = re.sub(r"\x1b\[[0-9;]*m", "", line)
    if first and not text.startswith("NAME"):
        print(text)
        break
'
}
tm send-keys -t ov Home
sleep 0.3
found=1
# A row is known by its name and pid (its first 20 columns): the figures
# change at every refresh, and taking a new figure for a move would send
# the next Down before the first one has been drawn.
sel_row() { sel_line | cut -c1-20; }
for _ in $(seq 1 200); do
    cur=$(sel_row)
    if printf '%s\n' "$cur" | grep -q "^$O2C *$O2_PID"; then found=0; break; fi
    tm send-keys -t ov Down
    # Wait for the selection to move (a busy machine redraws late).
    moved=1
    for _ in $(seq 1 30); do
        [ "$(sel_row)" != "$cur" ] && { moved=0; break; }
        sleep 0.1
    done
    [ $moved -eq 0 ] || break   # the last row: not there
done
[ $found -eq 0 ] && tm send-keys -t ov Enter
wait_for ov "^slabtop  $O2  pid $O2_PID  slabtop_pub  alive"
ok $? "Enter watches the selected process"
tm send-keys -t ov Escape
wait_for ov "^slabtop  every libslab process"
ok $? "Esc goes back to the overview"
tm send-keys -t ov s
wait_for ov "sort:pid"
ok $? "s sorts the overview by the next column"
tm send-keys -t ov q
is "$(rc_of ov)" 0 "q quits from the overview"
"$SLABTOP" --once > /dev/null 2> "$WORK/noname.err"
rc=$?
[ $rc -eq 2 ] && grep -q "which one" "$WORK/noname.err"
ok $? "headless without a NAME and several live processes: exit 2, asking which (rc $rc)"
kill -TERM "$O2_PID"
wait_gone "$O2_PID"

# --- the owner exits; a new owner under the same name ----------------------
seg again; R=$SEG
start_pub "$R" --threads 1 --seconds 300
R1=$PUB_PID
run owner "'$SLABTOP' -d 0.3 '$R'"
wait_for owner "^slabtop  $R  pid $R1 .* alive" >/dev/null
wait_for owner " live *$" >/dev/null
kill -TERM "$R1"            # a normal exit: the owner removes its segment
wait_for owner "owner pid $R1 exited; final numbers shown"
ok $? "when the owner exits a banner says so"
screen owner > "$WORK/final.txt"
grep -q "^slabtop  $R  pid $R1 .* exited" "$WORK/final.txt" && grep -q '^wall ' "$WORK/final.txt" \
    && grep -q ' final *$' "$WORK/final.txt" && ! grep -q 'effective 1/0' "$WORK/final.txt"
ok $? "and the final numbers stay on the screen: thread rows marked final, effective interval kept"
start_pub "$R" --threads 1 --seconds 300
R2=$PUB_PID
wait_for owner "^slabtop  $R  pid $R2 .* alive"
ok $? "a new owner under the same name is re-attached"
tm send-keys -t owner q

# --- --wait on the screen -------------------------------------------------
seg later; W=$SEG
run wait "'$SLABTOP' --wait '$W'"
wait_for wait "waiting for segment $W to appear"
ok $? "--wait shows that it is waiting"
start_pub "$W" --threads 1 --seconds 300
wait_for wait "^slabtop  $W  pid $PUB_PID .* alive"
ok $? "and attaches when the segment appears"
tm send-keys -t wait q
run nowait "'$SLABTOP' --wait '$TAG-never'"
wait_for nowait "waiting for segment" >/dev/null
tm send-keys -t nowait q
is "$(rc_of nowait):$(alt nowait)" "0:0" "q while waiting exits 0 and restores the terminal"

# --- --demo ---------------------------------------------------------------
if [ -x "$top_builddir/slabload/slabload" ]; then
    # The demo workload runs flat out: hold the lock the scenario tests
    # take, so that it never lands in one of their measured intervals.
    if command -v flock >/dev/null 2>&1; then
        exec 8>"$top_builddir/tests/scenario.lock"
        flock -w 600 8 || diag "could not take tests/scenario.lock"
    fi
    run demo "'$SLABTOP' --demo"
    if wait_for demo "^slabtop  demo-[0-9]*  pid [0-9]*  slabload  alive"; then
        line=$(screen demo | head -n 1)
        dname=$(echo "$line" | awk '{print $2}')
        dpid=$(echo "$line" | awk '{print $4}')
        tm send-keys -t demo q
        rc=$(rc_of demo)
        sleep 0.3
        [ "$rc" = 0 ] && ! kill -0 "$dpid" 2>/dev/null && [ ! -e "/dev/shm/slab.$dname" ]
        ok $? "--demo runs slabload, and q stops it and removes its segment (rc $rc)"
    else
        ok 1 "--demo runs slabload, and q stops it and removes its segment"
    fi
    exec 8>&-
else
    skip "slabload is not built"
fi

finish
