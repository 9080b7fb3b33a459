#!/bin/sh
# slabtop_list.sh - --list and --gc with a live owner, an owner that exited
# normally, an owner that died, and an object that is not a segment.
# --gc removes every dead owner's segment of the host, other tests' too, so
# where it can (root, unshare) the whole test runs in a private /dev/shm.
. "${top_srcdir:-.}/tests/private_shm.sh"
. "${top_srcdir:-.}/tests/slabtop_lib.sh"

plan 13

seg alive; A=$SEG
seg exited; X=$SEG
seg stale; S=$SEG
seg junk; G=$SEG
start_pub "$A" --threads 1 --seconds 120
start_pub "$X" --threads 1 --seconds 0.2
X_PID=$PUB_PID
start_pub "$S" --threads 1 --seconds 0.2 --crash
S_PID=$PUB_PID
wait_gone "$X_PID"
wait_gone "$S_PID"
printf 'not a segment' > "/dev/shm/slab.$G"

row() { grep "^$1 " "$WORK/list.txt"; }
"$SLABTOP" --list > "$WORK/list.txt"
is $? 0 "--list exits 0"
head -n 1 "$WORK/list.txt" | grep -q '^NAME  *PID COMMAND  *STATE  *ABI  *AGE$'
ok $? "--list has its column headers"
row "$A" | grep -q " slabtop_pub  *alive  *1\.[0-9]"
ok $? "the live owner is listed alive with its command and ABI"
row "$S" | grep -q " stale "
ok $? "the dead owner's segment is listed stale"
[ -z "$(row "$X")" ]
ok $? "the owner that exited normally removed its segment"
row "$G" | grep -q " not-libslab "
ok $? "an object that is not a segment is listed as such"

if have_python; then
    "$SLABTOP" --list --json > "$WORK/list.json"
    python3 - "$WORK/list.json" "$A" "$S" <<'PY'
import json, sys
d = json.loads(open(sys.argv[1]).read(), parse_constant=lambda c: 1 / 0)
seg = {s["name"]: s for s in d["segments"]}
assert d["schema_version"] == 2
assert seg[sys.argv[2]]["state"] == "alive" and seg[sys.argv[2]]["pid"] > 0
assert seg[sys.argv[3]]["state"] == "stale"
PY
    ok $? "--list --json is strict JSON with the same states"
else
    skip "python3 parses the JSON"
fi

if [ -z "${SLAB_PRIVATE_SHM:-}" ]; then
    for what in "--gc exits 0" "--gc says how many it removed" \
                "the stale segment is gone" "the live owner's segment is kept" \
                "an object that is not a segment is kept" \
                "the live owner is still readable after --gc"; do
        skip "$what: a host-wide --gc needs a private /dev/shm (root and unshare)"
    done
    finish
fi
"$SLABTOP" --gc > "$WORK/gc.txt"
is $? 0 "--gc exits 0"
grep -q '^removed [1-9][0-9]* segments* of dead owners$' "$WORK/gc.txt"
ok $? "--gc says how many it removed: $(cat "$WORK/gc.txt")"
[ ! -e "/dev/shm/slab.$S" ]
ok $? "the stale segment is gone"
[ -e "/dev/shm/slab.$A" ]
ok $? "the live owner's segment is kept"
[ -e "/dev/shm/slab.$G" ]
ok $? "an object that is not a segment is kept"
"$SLABTOP" --once "$A" > /dev/null
is $? 0 "the live owner is still readable after --gc"

finish
