#!/bin/sh
# scenario_steady.sh - steady alloc/free churn must read as clean or
# moderate interference, never heavy: the allocator's own work is not
# mistaken for preemption.
. "$(dirname "$0")/scenario_lib.sh"
require_programs
require_sampling
plan 4

start_load --scenario steady --threads 1 --duration 120
ok $? "slabload --scenario steady publishes /slab.$name"

not_heavy() {
	v=$(get verdict)
	[ "$v" = clean ] || [ "$v" = moderate ]
}
read_until not_heavy "a clean or moderate verdict"
ok $? "steady churn reads clean or moderate (last read: $(summary_line))"

case $(get label) in *steady*) st=0 ;; *) st=1 ;; esac
ok $st "the segment's label names the scenario ($(get label))"

stop_load TERM
ok "$load_rc" "SIGTERM stops slabload with status 0"
done_testing
