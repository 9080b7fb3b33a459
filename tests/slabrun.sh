#!/bin/sh
# slabrun.sh - slabrun from the build tree: exit status and signals passed
# through, its segment named and readable by slabtop while the program
# runs, descendants publishing as NAME-PID, the summary of the whole run
# at exit, and --record.  Skipped under sanitizers (the preload cannot
# run there; see malloc_programs.sh).

. "${top_srcdir:-.}/tests/slabtop_lib.sh"

SLABRUN="$top_builddir/slabtop/slabrun"
plan 13

if grep -q '^#define SLAB_SANITIZED 1' "$top_builddir/config.h"; then
    for _ in $(seq 1 13); do skip "sanitizer build: the preload is tested without sanitizers"; done
    finish
fi

"$SLABRUN" -- sh -c 'exit 3' 2> "$WORK/e1"
is $? 3 "the program's exit status comes back (3)"
grep -q 'watch it with: slabtop [0-9]' "$WORK/e1"
ok $? "stderr says how to watch it"

"$SLABRUN" -q -- sh -c 'kill -TERM $$' 2> /dev/null
is $? 143 "a program killed by SIGTERM: slabrun dies of it too (143)"

"$SLABRUN" -q -- "$WORK/no-such-program" 2> /dev/null
is $? 127 "a program that does not exist: 127"

"$SLABRUN" --rate x -- true 2> /dev/null
is $? 125 "a bad --rate: 125"

# A program that allocates for a while, under a name: slabtop reads it live.
PY=$(command -v /usr/bin/python3 || command -v python3)
if [ -n "$PY" ]; then
    seg run
    PYTHONMALLOC=malloc "$SLABRUN" --name "$SEG" --rate 64 --record "$WORK/rec.json" -- \
        "$PY" "$top_srcdir/tests/malloc_workload.py" 8 > "$WORK/py.out" 2> "$WORK/py.err" &
    pid=$!
    seen=1
    while kill -0 "$pid" 2> /dev/null; do
        if "$SLABTOP" --json "$SEG" > "$WORK/live.json" 2> /dev/null &&
           grep -q '"samples": *[1-9]' "$WORK/live.json"; then
            seen=0
            break
        fi
        sleep 0.02
    done
    wait "$pid"
    is $? 0 "python3 under slabrun exits 0"
    ok $seen "slabtop $SEG read samples while it ran"
    PYTHONMALLOC=malloc "$PY" "$top_srcdir/tests/malloc_workload.py" 8 > "$WORK/py.plain"
    cmp -s "$WORK/py.plain" "$WORK/py.out"
    ok $? "its output is the same as without slabrun"
    grep -q '^=== slabrun: .* exited with status 0' "$WORK/py.err" &&
        grep -q '^Allocation calls: [1-9][0-9]*, sampled: [1-9]' "$WORK/py.err" &&
        grep -q '^Ratio: .*verdict: ' "$WORK/py.err" &&
        grep -q '^Zombie repairs: [0-9]* (full bitmap' "$WORK/py.err"
    st=$?
    ok $st "the summary of the whole run: calls, samples, ratio, verdict, repairs"
    [ $st -eq 0 ] || sed 's/^/# /' "$WORK/py.err"
    [ -s "$WORK/rec.json" ] && head -n 1 "$WORK/rec.json" | grep -q '"schema_version"'
    ok $? "--record kept slabtop's JSON lines ($(wc -l < "$WORK/rec.json" 2>/dev/null) lines)"
    [ ! -e "/dev/shm/slab.$SEG" ]
    ok $? "the segment is gone after the program's exit"
else
    for _ in $(seq 1 6); do skip "python3 not installed"; done
fi

# Descendants: a shell (the named program) starts an allocating child,
# which must publish as NAME-PID rather than collide with its parent.
if [ -n "$PY" ]; then
    seg tree
    NAMES="$NAMES $SEG-*"
    PYTHONMALLOC=malloc "$SLABRUN" -q --name "$SEG" -- sh -c \
        '"$0" "$1" 8 > /dev/null; exit 5' "$PY" "$top_srcdir/tests/malloc_workload.py" &
    pid=$!
    child_seen=1
    while kill -0 "$pid" 2> /dev/null; do
        for f in /dev/shm/slab."$SEG"-*; do
            [ -e "$f" ] || continue
            "$SLABTOP" --json "${f#/dev/shm/slab.}" > "$WORK/child.json" 2> /dev/null &&
                grep -q '"command": *"python3' "$WORK/child.json" && child_seen=0
        done
        [ $child_seen = 0 ] && break
        sleep 0.02
    done
    wait "$pid"
    is $? 5 "a shell under slabrun: its status (5) comes back"
    ok $child_seen "its python3 child published as $SEG-PID"
else
    skip "python3 not installed"
    skip "python3 not installed"
fi

finish
