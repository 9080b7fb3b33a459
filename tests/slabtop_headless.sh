#!/bin/sh
# slabtop_headless.sh - slabtop's text, JSON and OpenMetrics output against a
# live process, checked by strict parsers; and what happens when the owner
# exits or dies.
. "${top_srcdir:-.}/tests/slabtop_lib.sh"

plan 29
if ! have_python; then
    for i in $(seq 1 29); do skip "python3 is needed for the strict checkers"; done
    finish
fi
JSONCHECK="python3 $top_srcdir/tests/slabtop_json_check.py"
OMCHECK="python3 $top_srcdir/tests/slabtop_om_check.py"

seg live; N=$SEG
LABEL='phase "one" \ two'
start_pub "$N" --threads 2 --seconds 120 --label "$LABEL" --repairs
wait_threads "$N" 2

# Text, explicitly and because stdout is not a terminal.
"$SLABTOP" --once "$N" > "$WORK/once.txt" 2> "$WORK/once.err"
is $? 0 "--once exits 0"
grep -q "^slabtop: $N  pid $PUB_PID  slabtop_pub  alive" "$WORK/once.txt"
ok $? "text header names segment, pid, command and state"
grep -q '^     TID NAME             ' "$WORK/once.txt" && grep -q '^ CLASS ' "$WORK/once.txt" \
    && grep -q '^ratio: .* verdict: ' "$WORK/once.txt" && grep -q '^repairs: ' "$WORK/once.txt"
ok $? "text has the stable column headers, the verdict and the repairs"
"$SLABTOP" "$N" | cat > "$WORK/pipe.txt"
grep -q "^slabtop: $N " "$WORK/pipe.txt"
ok $? "stdout not a terminal: plain text once"

# JSON: three refreshes, three strict objects.
"$SLABTOP" -n 3 -d 0.2 --json "$N" > "$WORK/three.json"
is $? 0 "-n 3 --json exits 0"
$JSONCHECK --lines 3 --name "$N" --label "$LABEL" --state alive --min-threads 2 \
    < "$WORK/three.json" > "$WORK/three.check"
ok $? "three lines of strict JSON with every documented field"
sed 's/^/#   /' "$WORK/three.check"
python3 - "$WORK/three.json" <<'PY'
import json, sys
objs = [json.loads(l) for l in open(sys.argv[1])]
a = [o["totals"]["allocs"] for o in objs]
assert a == sorted(a) and a[-1] > a[0], a
sys.exit(0)
PY
ok $? "cumulative totals only grow between refreshes"
python3 - "$WORK/three.json" "$PUB_PID" <<'PY'
import json, sys
o = json.loads(open(sys.argv[1]).readlines()[-1])
tids = sorted(t["tid"] for t in o["threads"])
assert o["process"]["pid"] == int(sys.argv[2])
assert all(t > 0 for t in tids) and len(tids) >= 2, tids
assert all(t["name"].startswith("pub-worker-") for t in o["threads"]), o["threads"]
sys.exit(0)
PY
ok $? "JSON threads carry tids and the workers' names"
python3 - "$WORK/three.json" <<'PY'
import json, sys
o = json.loads(open(sys.argv[1]).readlines()[-1])
assert o["interval"]["seconds"] > 0 and o["interval"]["seconds"] < o["process"]["uptime_s"]
assert not o["since_start"]
assert json.loads(open(sys.argv[1]).readline())["since_start"]
assert o["totals"]["samples"] > 0 and o["sampling"]["rate"] > 0
sys.exit(0)
PY
ok $? "later refreshes describe an interval shorter than the process's life"

# Repairs are counted by reason; wait (bounded) for the publisher's first.
tries=0
while :; do
    "$SLABTOP" --json "$N" > "$WORK/rep.json"
    python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["repairs"]; sys.exit(0 if r["count"]>0 and r["last_seen_s"] is not None else 1)' "$WORK/rep.json" && break
    tries=$((tries + 1))
    [ $tries -ge 50 ] && break
    sleep 0.2
done
[ $tries -lt 50 ]
ok $? "repairs are reported with a last-seen time ($tries retries)"

# --pid finds the same segment.
"$SLABTOP" -p "$PUB_PID" --json > "$WORK/pid.json"
$JSONCHECK --lines 1 --name "$N" < "$WORK/pid.json"
ok $? "--pid PID attaches to the process's segment"

# OpenMetrics, strictly, and readable by the textfile collector.
"$SLABTOP" --openmetrics "$N" > "$WORK/om.txt"
is $? 0 "--openmetrics exits 0"
$OMCHECK --textfile < "$WORK/om.txt" > "$WORK/om.check"
ok $? "OpenMetrics passes the strict checker (textfile-collector subset)"
sed 's/^/#   /' "$WORK/om.check"
grep -q "^slab_allocations_total{process=\"$N\",pid=\"$PUB_PID\",thread=\"[0-9]*\",thread_name=\"pub-worker-" "$WORK/om.txt"
ok $? "counters end in _total and carry process and thread labels"
grep -q '^slab_repairs_total{.*reason="full_bitmap"} ' "$WORK/om.txt" && tail -n 1 "$WORK/om.txt" | grep -qx '# EOF'
ok $? "repairs by reason, and the exposition ends with # EOF"
grep -q 'label="phase \\"one\\" \\\\ two"' "$WORK/om.txt"
ok $? "label values are escaped"
# Every field of the format's thread tables is exported, named as
# statfield.h says: a counter added there needs no change to slabtop.
missing=
for m in $(awk '/^#define SLAB_SHM_(SEED|THREAD|SAMPLE|LARGE)_FIELDS\(X\)/ { on = 1; next }
        on && match($0, /X\( *[a-z_0-9]+, *[A-Z]+/) {
            split(substr($0, RSTART + 2, RLENGTH - 2), f, /, */)
            name = f[1]; sub(/ +$/, "", name)
            if (f[2] != "LATEST") {
                if (sub(/_ns/, "", name)) name = name "_seconds"
                print name
            }
        }
        on && !/\\$/ { on = 0 }' "$top_srcdir/include/slab_shm_format.h"); do
    grep -q "^slab_stat_${m}\(_total\)\?{process=\"$N\"" "$WORK/om.txt" || missing="$missing $m"
done
[ -z "$missing" ] && grep -q '^slab_stat_allocs_large_total{' "$WORK/om.txt"
ok $? "every field of the thread tables is exported as slab_stat_FIELD${missing:+ (missing:$missing)}"
# The checker itself must catch a broken exposition.
sed '$d' "$WORK/om.txt" | $OMCHECK > /dev/null
[ $? -ne 0 ]
ok $? "the checker rejects an exposition without # EOF"
printf '{"schema_version":1,"x":NaN}\n' | $JSONCHECK > /dev/null
[ $? -ne 0 ]
ok $? "the JSON checker rejects NaN"

# --sort is accepted and orders the text table.
"$SLABTOP" --once -s tid "$N" > "$WORK/sorted.txt"
is $? 0 "--sort tid"

# More threads than records: the overflow record is a row of its own, and
# the totals still count every thread's work.
seg over; O=$SEG
SLAB_SHM_THREADS=2 start_pub "$O" --threads 5 --seconds 60
wait_threads "$O" 2
tries=0
while :; do
    "$SLABTOP" --json "$O" > "$WORK/over.json"
    python3 - "$WORK/over.json" <<'PY' && break
import json, sys
o = json.loads(open(sys.argv[1]).read())
states = [t["state"] for t in o["threads"]]
over = [t for t in o["threads"] if t["state"] == "overflow"]
assert len(over) == 1 and over[0]["tid"] == 0, states
assert o["totals"]["allocs"] > 0
PY
    tries=$((tries + 1))
    [ $tries -ge 50 ] && break
    sleep 0.2
done
[ $tries -lt 50 ]
ok $? "threads beyond the records share one overflow row"
"$SLABTOP" --openmetrics "$O" | grep -q 'thread="overflow"'
ok $? "and an overflow series in OpenMetrics"

# The owner exits during -n: final numbers, then exit status 7.
seg exits; E=$SEG
start_pub "$E" --threads 1 --seconds 300
E_PID=$PUB_PID
"$SLABTOP" -n 600 -d 0.1 --json "$E" > "$WORK/exit.json" 2> "$WORK/exit.err" &
ST_PID=$!
PIDS="$PIDS $ST_PID"
for _ in $(seq 1 100); do [ -s "$WORK/exit.json" ] && break; sleep 0.1; done
kill -TERM "$E_PID"         # a normal exit: the owner removes its segment
wait "$ST_PID"
is $? 7 "owner exiting during -n: exit status 7"
lines=$(wc -l < "$WORK/exit.json")
[ "$lines" -ge 1 ] && [ "$lines" -lt 600 ] && tail -n 1 "$WORK/exit.json" | $JSONCHECK --state exited >/dev/null
ok $? "the last refresh shows the exited owner's final numbers ($lines lines)"
grep -q "has exited" "$WORK/exit.err"
ok $? "and says so on stderr"

# The owner dies (SIGKILL): the stale segment is still readable, exit 7.
seg stale; S=$SEG
start_pub "$S" --threads 1 --seconds 0.3 --crash
wait_gone "$PUB_PID"
"$SLABTOP" --once "$S" > "$WORK/stale.txt" 2>/dev/null
is $? 7 "stale segment: exit status 7"
grep -q "^slabtop: $S .* stale " "$WORK/stale.txt"
ok $? "stale segment: its numbers are printed, state stale"

# --demo headless: slabload started, watched, stopped and reaped.
if [ -x "$top_builddir/slabload/slabload" ]; then
    if command -v flock >/dev/null 2>&1; then   # see slabtop_ui.sh
        exec 8>"$top_builddir/tests/scenario.lock"
        flock -w 600 8 || diag "could not take tests/scenario.lock"
    fi
    "$SLABTOP" --demo -n 1 --json > "$WORK/demo.json"
    rc=$?
    exec 8>&-
    dname=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["process"]["name"])' "$WORK/demo.json" 2>/dev/null)
    dpid=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["process"]["pid"])' "$WORK/demo.json" 2>/dev/null)
    [ $rc -eq 0 ] && $JSONCHECK --lines 1 --min-threads 1 < "$WORK/demo.json" >/dev/null \
        && grep -q '"command":"slabload"' "$WORK/demo.json"
    ok $? "--demo -n 1 --json shows the running workload's threads"
    [ -n "$dpid" ] && ! kill -0 "$dpid" 2>/dev/null && [ ! -e "/dev/shm/slab.$dname" ]
    ok $? "and the workload is stopped and its segment gone when slabtop exits"
else
    skip "slabload is not built"
    skip "slabload is not built"
fi

finish
