#!/bin/sh
# scenario_slabs.sh - carving new slabs and closing epochs is real allocator
# work: it must be counted, and not be classified as preemption.
. "$(dirname "$0")/scenario_lib.sh"
require_programs
require_sampling
plan 5

start_load --scenario slabs --threads 1 --duration 120
ok $? "slabload --scenario slabs publishes /slab.$name"

slab_work() {
	ns=$(get interval.new_slabs)
	ec=$(get interval.epoch_closes)
	v=$(get verdict)
	[ "${ns:-0}" -gt 0 ] 2>/dev/null && [ "${ec:-0}" -gt 0 ] 2>/dev/null &&
		{ [ "$v" = clean ] || [ "$v" = moderate ]; }
}
read_until slab_work "new slabs and epoch closes, not as preemption"
ns=$(get interval.new_slabs)
ec=$(get interval.epoch_closes)
[ "${ns:-0}" -gt 0 ] 2>/dev/null
ok $? "new slabs are counted in the interval ($ns)"
[ "${ec:-0}" -gt 0 ] 2>/dev/null
ok $? "epoch closes are counted in the interval ($ec)"
v=$(get verdict)
[ "$v" = clean ] || [ "$v" = moderate ]
ok $? "slab work is not classified as preemption (last read: $(summary_line))"

stop_load TERM
ok "$load_rc" "SIGTERM stops slabload with status 0"
done_testing
