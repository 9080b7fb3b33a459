#!/bin/sh
# scenario_slabs.sh - setting up slabs and closing epochs is real allocator
# work: it must be counted, and not be classified as preemption.  As in
# scenario_steady.sh, a machine so busy that the workload waits for a CPU
# may turn the verdict heavy truthfully; if every read was busy, that check
# is skipped.
. "$(dirname "$0")/scenario_lib.sh"
require_programs
require_sampling
plan 6

start_load --scenario slabs --threads 1 --duration 120
ok $? "slabload --scenario slabs publishes /slab.$name"

# slabtop's JSON has no epoch counters: the probe reads them through the
# same reader API.
closes() {
	"$PROBE" -i 1 "$name" >"$work/probe.json" 2>/dev/null &&
		"$JGET" interval.epoch_closes <"$work/probe.json"
}

# The counts are checked over all reads (the best one): a retry only ever
# waits for the verdict.
made=0 released=0 ec=0
best() { case $2 in ''|*[!0-9]*) echo "$1" ;; *) [ "$2" -gt "$1" ] && echo "$2" || echo "$1" ;; esac; }
slab_work() {
	made=$(best "$made" "$(slabs_made)")
	released=$(best "$released" "$(slabs_released)")
	ec=$(best "$ec" "$(closes)")
	verdict_not_heavy && [ "$made" -gt 0 ] && [ "$released" -gt 0 ] && [ "$ec" -gt 0 ]
}
read_until slab_work "slab work, not read as preemption"
st=$?

[ "${made:-0}" -gt 0 ] 2>/dev/null
ok $? "slabs set up (new or recycled) are counted in the interval ($made)"
[ "${released:-0}" -gt 0 ] 2>/dev/null
ok $? "slabs whose memory went back to the OS are counted ($released)"
[ "${ec:-0}" -gt 0 ] 2>/dev/null
ok $? "epoch closes are counted ($ec)"
v=$(get verdict)
if [ "$v" != clean ] && [ "$v" != moderate ] && [ "$idle_misses" -eq 0 ]; then
	skip_one "the machine was busy in every read, the verdict may be the truth ($(summary_line))"
else
	[ "$v" = clean ] || [ "$v" = moderate ]
	ok $? "slab work is not classified as preemption (last read: $(summary_line); heavy on an idle machine: $idle_misses)"
fi

stop_load TERM
ok "$load_rc" "SIGTERM stops slabload with status 0"
done_testing
