#!/bin/sh
# scenario_noisy.sh - a worker sharing its core with CPU hogs must read as
# heavy interference (wall >> CPU), within a few seconds.
. "$(dirname "$0")/scenario_lib.sh"
require_programs
require_sampling
plan 5

# One worker and two hogs, all pinned by slabload to one core, so the
# worker is preempted whatever else the machine runs.
start_load --scenario noisy --threads 1 --hogs 2 --duration 120
ok $? "slabload --scenario noisy publishes /slab.$name"

heavy() { [ "$(get verdict)" = heavy ]; }
read_until heavy "a heavy verdict"
ok $? "a worker preempted by pinned hogs reads heavy (last read: $(summary_line))"

case $(get label) in *noisy*) st=0 ;; *) st=1 ;; esac
ok $st "the segment's label names the scenario ($(get label))"

stop_load TERM
ok "$load_rc" "SIGTERM stops slabload with status 0"
grep -q 'wall >> cpu: Scheduler interference' "$work/out"
ok $? "the summary warns of scheduler interference"
[ $? -eq 0 ] || sed 's/^/#   /' "$work/out"
done_testing
