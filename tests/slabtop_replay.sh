#!/bin/sh
# slabtop_replay.sh - --json lines are a recording: --replay gives back the
# very figures of the live run in every headless output, a recording cut
# mid-line replays up to the cut with a note, a file that is no recording
# is refused, and on the screen (tmux) a replay steps forward and back,
# pauses and changes speed.
. "${top_srcdir:-.}/tests/slabtop_lib.sh"

plan 15
if ! have_python; then
    for i in $(seq 1 15); do skip "python3 is not installed"; done
    finish
fi

seg rec; R=$SEG
start_pub "$R" --threads 2 --seconds 120 --repairs
wait_threads "$R" 2 >/dev/null
"$SLABTOP" --json -n 6 -d 0.2 "$R" > "$WORK/rec.jsonl"
is $? 0 "a live run recorded with --json -n 6"

"$SLABTOP" --replay "$WORK/rec.jsonl" --json > "$WORK/rep.jsonl"
is $? 0 "--replay FILE --json"
python3 - "$WORK/rec.jsonl" "$WORK/rep.jsonl" <<'PY'
import json, sys
live = [json.loads(l) for l in open(sys.argv[1])]
rep = [json.loads(l) for l in open(sys.argv[2])]
assert len(live) == len(rep) == 6, (len(live), len(rep))
for i, (a, b) in enumerate(zip(live, rep)):
    for k in ("process", "sampling", "totals", "interval", "since_start", "ratio", "verdict",
              "percentiles", "repairs", "memory", "threads", "classes"):
        assert a[k] == b[k], (i, k, a[k], b[k])
PY
ok $? "every replayed refresh has the live run's figures: totals, interval, percentiles, threads"
python3 - "$WORK/rec.jsonl" "$WORK/rep.jsonl" <<'PY'
import json, sys
a = json.loads(open(sys.argv[1]).read().splitlines()[-1])
b = json.loads(open(sys.argv[2]).read().splitlines()[-1])
assert a["totals"] == b["totals"] and a["totals"]["allocs"] > 0
assert a["repairs"]["count"] == b["repairs"]["count"]
print("# allocs %d samples %d repairs %d" % (b["totals"]["allocs"], b["totals"]["samples"], b["repairs"]["count"]))
PY
ok $? "the replay ends at the live run's totals"

"$SLABTOP" --replay "$WORK/rec.jsonl" --openmetrics > "$WORK/rep.om"
rc=$?
[ $rc -eq 0 ] && python3 - "$WORK/rep.om" "$top_srcdir/tests/slabtop_om_check.py" <<'PY'
import subprocess, sys
parts = open(sys.argv[1]).read().split("# EOF\n")
assert parts[-1] == "" and len(parts) == 7, len(parts)
for p in parts[:-1]:
    subprocess.run([sys.executable, sys.argv[2], "--textfile"], input=(p + "# EOF\n").encode(),
                   check=True, stdout=subprocess.DEVNULL)
PY
ok $? "--openmetrics on a replay: one valid exposition per refresh"
"$SLABTOP" --replay "$WORK/rec.jsonl" --once > "$WORK/rep.txt"
rc=$?
[ $rc -eq 0 ] && [ "$(grep -c '^slabtop: ' "$WORK/rep.txt")" -eq 1 ] && grep -q "^slabtop: $R " "$WORK/rep.txt"
ok $? "--once on a replay: one text refresh (the last)"

# Cut the recording inside its last line.
head -c -25 "$WORK/rec.jsonl" > "$WORK/cut.jsonl"
"$SLABTOP" --replay "$WORK/cut.jsonl" --json > "$WORK/cut.out" 2> "$WORK/cut.err"
rc=$?
[ $rc -eq 0 ] && [ "$(wc -l < "$WORK/cut.out")" -eq 5 ] && grep -q "cut" "$WORK/cut.err"
ok $? "a recording cut mid-line replays its 5 complete refreshes, with a note (rc $rc)"
printf 'not a recording\n' > "$WORK/junk.txt"
"$SLABTOP" --replay "$WORK/junk.txt" --once > /dev/null 2> "$WORK/junk.err"
rc=$?
[ $rc -eq 3 ] && grep -q "no slabtop recording" "$WORK/junk.err"
ok $? "a file that is no recording: exit 3 with a message (rc $rc)"

sed 's/"schema_version":2,/"schema_version":99,/' "$WORK/rec.jsonl" > "$WORK/v99.jsonl"
"$SLABTOP" --replay "$WORK/v99.jsonl" --once > /dev/null 2> "$WORK/v99.err"
rc=$?
[ $rc -eq 3 ] && grep -q "schema_version 99" "$WORK/v99.err" && grep -q '"schema_version":99,' "$WORK/v99.jsonl"
ok $? "a recording of an unknown schema_version is refused: exit 3 naming it (rc $rc)"

# --- on the screen ----------------------------------------------------------
if ! command -v tmux >/dev/null 2>&1; then
    for i in $(seq 1 6); do skip "tmux is not installed"; done
    finish
fi
SOCK="$(cd "$WORK" && pwd)/tmux.sock"
if [ ${#SOCK} -lt 100 ]; then
    tm() { tmux -S "$SOCK" -f /dev/null "$@"; }
else
    tm() { tmux -L "slabtop-$TAG" -f /dev/null "$@"; }
fi
rp_cleanup() { tm kill-server 2>/dev/null; cleanup; }
trap rp_cleanup EXIT
wait_for() {
    for _ in $(seq 1 100); do
        tm capture-pane -p -t "$1" 2>/dev/null | grep -q -- "$2" && return 0
        sleep 0.1
    done
    diag "screen never showed '$2':"
    tm capture-pane -p -t "$1" 2>/dev/null | sed 's/^/#   | /'
    return 1
}
tm new-session -d -s rp -x 80 -y 24 "TERM=screen '$SLABTOP' --replay '$WORK/rec.jsonl'; sleep 600"
wait_for rp "replay rec.jsonl  6/6 .*(end)"
ok $? "the replay plays at the recorded pace to its end"
tm capture-pane -p -t rp | tail -n 1 > "$WORK/rp.keys"
grep -q "p pause" "$WORK/rp.keys" && ! grep -q "delay" "$WORK/rp.keys"
ok $? "the key line of a replay has no d delay (a replay keeps the recording's pace)"
tm send-keys -t rp Left
wait_for rp "replay rec.jsonl  5/6 " && wait_for rp "PAUSED"
ok $? "Left steps one refresh back and pauses"
for _ in 1 2 3 4; do tm send-keys -t rp Left; done
wait_for rp "replay rec.jsonl  1/6 .*PAUSED" && wait_for rp "^slabtop  $R "
ok $? "back to the first refresh, the process shown"
tm send-keys -t rp Right
wait_for rp "replay rec.jsonl  2/6 "
ok $? "Right steps one refresh forward"
tm send-keys -t rp +
wait_for rp "speed 2x"
ok $? "+ doubles the speed"
tm send-keys -t rp q
finish
