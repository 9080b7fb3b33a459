#!/bin/sh
# scenario_steady.sh - steady alloc/free churn must read as clean or
# moderate interference, never heavy: the allocator's own work is not
# mistaken for preemption.  That holds on an idle machine; when other
# programs keep the workload waiting for a CPU (its run-queue wait shows
# it), heavy may be the truth, so the read is retried and, if the machine
# is busy in every read, the check is skipped rather than failed.  A heavy
# read on an idle machine fails the check if no retry passes.
. "$(dirname "$0")/scenario_lib.sh"
require_programs
require_sampling
plan 4

start_load --scenario steady --threads 1 --duration 120
ok $? "slabload --scenario steady publishes /slab.$name"

read_until verdict_not_heavy "a clean or moderate verdict"
st=$?
if [ $st -ne 0 ] && [ "$idle_misses" -eq 0 ]; then
	skip_one "the machine was busy in every read, steady cannot be checked for an idle machine ($(summary_line))"
else
	ok $st "steady churn reads clean or moderate (last read: $(summary_line); heavy on an idle machine: $idle_misses)"
fi

case $(get label) in *steady*) st=0 ;; *) st=1 ;; esac
ok $st "the segment's label names the scenario ($(get label))"

stop_load TERM
ok "$load_rc" "SIGTERM stops slabload with status 0"
done_testing
