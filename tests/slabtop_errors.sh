#!/bin/sh
# slabtop_errors.sh - every documented exit status, each from the situation
# it names: usage, not found, permission denied, not a libslab segment,
# unsupported version, owner exited, runtime error.
. "${top_srcdir:-.}/tests/slabtop_lib.sh"

plan 15

# 2: usage errors.
for args in "--bogus x" "-d abc x" "-n -2 x" "-s nosuch x" "--json --openmetrics x" \
            "--list x" "a b"; do
    # shellcheck disable=SC2086
    "$SLABTOP" $args > /dev/null 2> "$WORK/usage.err"
    rc=$?
    [ $rc -eq 2 ] && grep -q "Try 'slabtop --help'" "$WORK/usage.err"
    ok $? "usage error for '$args' exits 2 with a hint (got $rc)"
done
"$SLABTOP" --help | grep -q -- '--openmetrics'
ok $? "--help lists the options and exits 0"

# 3: not found, also after --wait gives up.
"$SLABTOP" --once "$TAG-none" > /dev/null 2> "$WORK/nf.err"
is $? 3 "no such segment: exit status 3"
"$SLABTOP" --once --wait=0.3 "$TAG-none" > /dev/null 2>&1
is $? 3 "--wait=SECS that runs out: exit status 3"

# 4: permission denied (a 0600 segment of root read by nobody).
seg perm; P=$SEG
if [ "$(id -u)" -ne 0 ] || ! command -v setpriv >/dev/null 2>&1 || ! id nobody >/dev/null 2>&1; then
    skip "needs root, setpriv and the user nobody"
else
    start_pub "$P" --threads 1 --seconds 60
    setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups \
        "$SLABTOP" --once "$P" > /dev/null 2> "$WORK/perm.err"
    rc=$?
    if [ $rc -eq 126 ] || [ $rc -eq 127 ]; then
        skip "nobody cannot run the build tree's slabtop here"
    else
        [ $rc -eq 4 ] && grep -qi "permission denied" "$WORK/perm.err"
        ok $? "a segment of another user: exit status 4 and a message saying so (got $rc)"
        sed 's/^/#   /' "$WORK/perm.err"
    fi
fi

# 5: an object that is not a libslab segment.
seg garbage; G=$SEG
head -c 4096 /dev/urandom > "/dev/shm/slab.$G"
"$SLABTOP" --once "$G" > /dev/null 2> "$WORK/garbage.err"
is $? 5 "not a libslab segment: exit status 5"

# 6: a libslab segment of an ABI major version we do not read.
seg version; V=$SEG
if have_python; then
    python3 - "/dev/shm/slab.$V" <<'PY'
import struct, sys
hdr = struct.pack('<QIIII', 0x004d48534241534c, 99, 0, 336, 4336)
open(sys.argv[1], 'wb').write(hdr + b'\0' * (65536 - len(hdr)))
PY
    "$SLABTOP" --once "$V" > /dev/null 2> "$WORK/version.err"
    rc=$?
    is $rc 6 "unsupported segment version: exit status 6"
    [ $rc -eq 6 ] || sed 's/^/#   /' "$WORK/version.err"
else
    skip "python3 writes the test segment"
fi

# 7: the owner has exited (died, leaving a stale segment).
seg dead; D=$SEG
start_pub "$D" --threads 1 --seconds 0.2 --crash
wait_gone "$PUB_PID"
"$SLABTOP" --once "$D" > /dev/null 2>&1
is $? 7 "owner dead: exit status 7"

# 1: a runtime error (the output cannot be written).
seg full; L=$SEG
start_pub "$L" --threads 1 --seconds 60
if [ -w /dev/full ]; then
    "$SLABTOP" --json "$L" > /dev/full 2>/dev/null
    is $? 1 "write error: exit status 1"
else
    skip "no /dev/full"
fi

finish
