#!/bin/sh
# slabtop_cgroup.sh - the machine context reads CPU throttling from the
# watched process's cgroup in both layouts: v1 (cpu.stat's throttled_time,
# in ns, under the cpu controller's mount) and v2 (throttled_usec, in us,
# under the unified hierarchy).  This machine may have either, or a
# hierarchy whose cpu controller the test cannot set a quota on: the test
# builds each layout itself in a private mount namespace (a tmpfs over
# /sys/fs/cgroup, seen by slabtop only) holding the cpu.stat the kernel
# would write, and moves its throttled time on while slabtop reads.
# Needs root and unshare(1); skips otherwise.
. "${top_srcdir:-.}/tests/slabtop_lib.sh"

plan 4

seg cg; W=$SEG
start_pub "$W" --threads 1 --seconds 120
cg=$(awk -F: '$1 == "0" { print $3 }' "/proc/$PUB_PID/cgroup" 2>/dev/null)

# layout KIND: slabtop's text output of two refreshes, for a cgroup of
# that layout whose throttled time grows by 200 ms every 0.1 s.
layout() {
    unshare --mount sh -c '
        kind=$1 cg=$2 slabtop=$3 name=$4
        mount -t tmpfs none /sys/fs/cgroup || exit 77
        if [ "$kind" = v2 ]; then
            dir=/sys/fs/cgroup$cg key=throttled_usec step=200000
        else
            dir=/sys/fs/cgroup/cpu$(awk -F: "\$2 ~ /(^|,)cpu(,|\$)/ { print \$3 }" /proc/self/cgroup)
            key=throttled_time step=200000000
        fi
        mkdir -p "$dir"
        ( t=0; while :; do t=$((t + step))
              printf "nr_periods %d\nnr_throttled %d\n%s %d\n" $((t / step)) $((t / step)) $key $t > "$dir/cpu.stat.new"
              mv "$dir/cpu.stat.new" "$dir/cpu.stat"; sleep 0.1; done ) &
        feeder=$!
        sleep 0.2
        "$slabtop" -n 2 -d 1 "$name"; rc=$?
        kill $feeder
        exit $rc' sh "$1" "$cg" "$SLABTOP" "$W"
}

if [ "$(id -u)" != 0 ] || ! command -v unshare >/dev/null 2>&1 ||
   ! unshare --mount true 2>/dev/null || [ -z "$cg" ]; then
    skip "needs root, unshare(1) and a cgroup v2 line in /proc/PID/cgroup"
    skip "needs root and unshare(1)"
    skip "needs root and unshare(1)"
    skip "needs root and unshare(1)"
else
    layout v2 > "$WORK/v2.txt" 2>&1
    is $? 0 "slabtop -n 2 with a v2 cpu.stat"
    grep -q "cgroup v2:$cg)" "$WORK/v2.txt" &&
        awk '/throttled [0-9]+ms/ { sub(/.*throttled /, ""); exit !($0 + 0 >= 500) }' "$WORK/v2.txt"
    ok $? "reads v2's throttled_usec as ms of throttling ($(grep -o 'throttled [^)]*)' "$WORK/v2.txt"))"
    layout v1 > "$WORK/v1.txt" 2>&1
    is $? 0 "slabtop -n 2 with a v1 cpu.stat"
    grep -q "cgroup v1:" "$WORK/v1.txt" &&
        awk '/throttled [0-9]+ms/ { sub(/.*throttled /, ""); exit !($0 + 0 >= 500) }' "$WORK/v1.txt"
    ok $? "reads v1's throttled_time as ms of throttling ($(grep -o 'throttled [^)]*)' "$WORK/v1.txt"))"
fi
finish
