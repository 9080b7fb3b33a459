#!/bin/sh
# shm_hostile.sh - a hostile /dev/shm: what another local user can plant
# under a segment's name must neither hang nor fool the writer or any
# slabtop mode.  Every run is under a timeout, so that a hang fails its
# check instead of the suite.
#
#   - a FIFO, a directory and a symbolic link named like a segment;
#   - a copy of a live process's segment owned by another user (a fake
#     claiming that process): listed "untrusted", never what -p picks;
#   - SLAB_SHM_MODE with group or other write bits: refused.
. "${top_srcdir:-.}/tests/slabtop_lib.sh"

plan 15

T=10    # seconds before a run counts as hung
run() { timeout -k 2 "$T" "$@"; }
hung() { [ "$1" -eq 124 ] || [ "$1" -eq 137 ]; }

seg fifo; F=$SEG
seg dir; D=$SEG
seg link; L=$SEG
mkfifo "/dev/shm/slab.$F"
mkdir "/dev/shm/slab.$D"
ln -s /etc/passwd "/dev/shm/slab.$L"

run "$SLABTOP" --list > "$WORK/list.txt" 2>&1
rc=$?
! hung $rc && [ $rc -eq 0 ]
ok $? "--list with a FIFO, a directory and a link in /dev/shm returns (status $rc)"
grep "^$F " "$WORK/list.txt" | grep -q " not-libslab "
ok $? "the FIFO is listed as not a segment"
grep "^$L " "$WORK/list.txt" | grep -q " not-libslab "
ok $? "the link is listed as not a segment (not followed)"
# (--gc is checked in test_shm_foreign, limited to its own names: a
# machine-wide --gc here would remove other tests' stale segments.)
run "$SLABTOP" --once "$F" > "$WORK/once.txt" 2>&1
rc=$?
! hung $rc && [ $rc -ne 0 ] && grep -q "not a regular file" "$WORK/once.txt"
ok $? "slabtop FIFO returns at once with an error naming it (status $rc)"
run "$SLABTOP" --once "$D" > "$WORK/dir.txt" 2>&1
rc=$?
! hung $rc && [ $rc -ne 0 ]
ok $? "slabtop DIRECTORY returns with an error (status $rc)"
run "$SLABTOP" --once "$L" > "$WORK/link.txt" 2>&1
rc=$?
! hung $rc && [ $rc -ne 0 ] && grep -q "symbolic link" "$WORK/link.txt"
ok $? "slabtop LINK refuses the link (status $rc)"

# The writer under a planted FIFO: publishing fails, nothing blocks.
SLAB_SHM_NAME="$F" run "$PUB" --threads 1 --seconds 0.1 > "$WORK/pubfifo.txt" 2>&1
rc=$?
! hung $rc
ok $? "a libslab program named like the FIFO does not hang (status $rc)"
[ -p "/dev/shm/slab.$F" ]
ok $? "and leaves the FIFO alone"

# A live process, and a fake of its segment owned by another user.
seg real; R=$SEG
seg fake; K=$SEG
start_pub "$R" --threads 1 --seconds 120
REAL_PID=$PUB_PID
if [ "$(id -u)" -eq 0 ] && cp "/dev/shm/slab.$R" "/dev/shm/slab.$K" &&
   chown 65534:65534 "/dev/shm/slab.$K"; then
    # The fake also takes the pid's default name, which -p tries first.
    cp -p "/dev/shm/slab.$K" "/dev/shm/slab.$REAL_PID" 2>/dev/null &&
        NAMES="$NAMES $REAL_PID"
    run "$SLABTOP" --list > "$WORK/list2.txt" 2>&1
    grep "^$K " "$WORK/list2.txt" | grep -q " untrusted "
    ok $? "a copy owned by another user is listed untrusted"
    grep "^$R " "$WORK/list2.txt" | grep -q " alive "
    ok $? "the real one is listed alive"
    run "$SLABTOP" -p "$REAL_PID" --json -n 1 > "$WORK/pid.json" 2>&1
    grep -q "\"name\":\"$R\"" "$WORK/pid.json"
    ok $? "-p PID picks the segment the process really created"
else
    skip "needs root to make another user's file"
    skip "needs root to make another user's file"
    skip "needs root to make another user's file"
fi
run "$SLABTOP" --once "$R" > /dev/null 2>&1
is $? 0 "the real segment still reads"

# SLAB_SHM_MODE with write bits for group or other.
seg mode; M=$SEG
SLAB_SHM_MODE=0666 start_pub "$M" --threads 1 --seconds 120
mode=$(stat -c %a "/dev/shm/slab.$M")
is "$mode" 600 "SLAB_SHM_MODE=0666 is refused: the segment gets 0600"
seg mode2; M2=$SEG
SLAB_SHM_MODE=0640 start_pub "$M2" --threads 1 --seconds 120
mode=$(stat -c %a "/dev/shm/slab.$M2")
is "$mode" 640 "SLAB_SHM_MODE=0640 (read for the group) is kept"

rmdir "/dev/shm/slab.$D"
[ ! -e "/dev/shm/slab.$D" ]
ok $? "cleanup"
finish
