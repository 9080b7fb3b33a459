#!/bin/sh
# slabtop_run.sh - slabtop -- PROGRAM [ARGS...]: the program runs with the
# drop-in malloc preloaded under a generated segment name, its output goes
# to a file that slabtop names at exit (or to /dev/null with
# --discard-output), slabtop watches it headless and ends with its final
# numbers and its exit status.
. "${top_srcdir:-.}/tests/slabtop_lib.sh"

plan 16
if grep -q '^#define SLAB_SANITIZED 1' "$top_builddir/config.h"; then
    # A sanitizer replaces malloc itself: the preload is tested without.
    for i in $(seq 1 16); do skip "sanitizer build: the preload is tested without sanitizers"; done
    finish
fi
# The interpreter itself, not a wrapper script that runs it (pyenv's shims
# fork helpers of their own, each publishing under NAME-PID).
PY=$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null)
if [ -z "$PY" ]; then
    for i in $(seq 1 16); do skip "python3 is not installed"; done
    finish
fi
# A Python program whose objects go through malloc for about a second.
WORKLOAD='import json, sys, time
end = time.time() + 1.0
n = 0
while time.time() < end:
    d = [{"k": i, "v": "x" * (i % 50)} for i in range(2000)]
    n += len(json.dumps(d))
print("hello from the program", n > 0)
print("and its stderr", file=sys.stderr)
sys.exit(3)'

PYTHONMALLOC=malloc TMPDIR="$WORK" timeout 60 "$SLABTOP" -n 3 -d 0.3 --json -- \
    "$PY" -c "$WORKLOAD" > "$WORK/run.json" 2> "$WORK/run.err"
is $? 3 "the program's exit status is slabtop's"
python3 - "$WORK/run.json" > "$WORK/check.txt" 2>&1 <<'PYEOF'
import json, sys
lines = open(sys.argv[1]).read().splitlines()
objs = [json.loads(l) for l in lines]
last = objs[-1]
print(len(objs), last["process"]["state"], last["process"]["command"],
      last["totals"]["allocs"], last["process"]["name"])
PYEOF
ok $? "stdout holds only slabtop's JSON lines: $(cat "$WORK/check.txt" | tail -1)"
read -r nlines state cmd allocs name < "$WORK/check.txt"
[ "${nlines:-0}" -ge 1 ] && [ "${nlines:-0}" -le 3 ]
ok $? "-n 3: at most 3 refreshes ($nlines)"
is "$state" exited "the last refresh is the final one, after the program exited"
case "$cmd" in python3*) r=0 ;; *) r=1 ;; esac
ok $r "the segment is the program's ($cmd)"
[ "${allocs:-0}" -gt 1000 ]
ok $? "its allocations were counted through the drop-in ($allocs)"
case "$name" in run-*) r=0 ;; *) r=1 ;; esac
ok $r "under a generated name ($name)"
out=$(sed -n 's/.*its output is in \(.*\)$/\1/p' "$WORK/run.err")
[ -n "$out" ] && [ -f "$out" ]
ok $? "slabtop says where the program's output went: $(cat "$WORK/run.err" | tr '\n' ' ')"
grep -q "hello from the program True" "$out" 2>/dev/null && grep -q "and its stderr" "$out" 2>/dev/null
ok $? "the file holds the program's stdout and stderr"
! grep -q "hello from the program" "$WORK/run.json" "$WORK/run.err"
ok $? "and none of it reached slabtop's own output"
[ ! -e "/dev/shm/slab.$name" ]
ok $? "its segment is gone after its exit"

timeout 60 "$SLABTOP" --discard-output --json -- "$PY" -c 'import sys; sys.exit(0)' \
    > "$WORK/quiet.json" 2> "$WORK/quiet.err"
rc=$?
! grep -q "its output is in" "$WORK/quiet.err"
r=$?
[ $rc -eq 0 ] && [ $r -eq 0 ]
ok $? "--discard-output: status 0, no file named (rc $rc: $(cat "$WORK/quiet.err" | tr '\n' ' '))"

# A wrapper that exec()s the program, as pyenv's shims do, each shell on
# the way living long enough to publish a segment of its own, which the
# next image replaces: the final numbers are the program's, not a shell's.
cat > "$WORK/wrapper.sh" <<EOF
#!/bin/sh
sleep 0.2
exec sh -c 'sleep 0.2; exec "\$0" "\$@"' "$PY" "\$@"
EOF
chmod +x "$WORK/wrapper.sh"
PYTHONMALLOC=malloc TMPDIR="$WORK" timeout 60 "$SLABTOP" --once --json --discard-output -- \
    "$WORK/wrapper.sh" -c "$WORKLOAD" > "$WORK/wrap.json" 2> "$WORK/wrap.err"
is $? 3 "through a wrapper script: the program's exit status"
python3 - "$WORK/wrap.json" > "$WORK/wrap.txt" 2>&1 <<'PYEOF'
import json, sys
last = json.loads(open(sys.argv[1]).read().splitlines()[-1])
print(last["process"]["state"], last["process"]["command"], last["totals"]["allocs"])
PYEOF
read -r state cmd allocs < "$WORK/wrap.txt"
case "$state $cmd" in "exited python3"*) [ "${allocs:-0}" -gt 1000 ]; r=$? ;; *) r=1 ;; esac
ok $r "--once through a wrapper: the program's final numbers ($(cat "$WORK/wrap.txt"))"

timeout 30 "$SLABTOP" --json -- "$WORK/no-such-program" > /dev/null 2>&1
is $? 127 "a program that does not exist: 127"

"$SLABTOP" --list -- true > /dev/null 2>&1
is $? 2 "-- PROGRAM with another mode is a usage error"
finish
