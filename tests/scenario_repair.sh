#!/bin/sh
# scenario_repair.sh - zombies planted through the debug hook are repaired
# and counted under every reason, live in the segment and in the summary.
. "$(dirname "$0")/scenario_lib.sh"
require_programs
require_sampling
plan 8

start_load --scenario repair --threads 1 --repair-rate 150 --duration 120
ok $? "slabload --scenario repair publishes /slab.$name"

every_reason() {
	fb=$(get repairs.full_bitmap)
	lm=$(get repairs.list_mismatch)
	ot=$(get repairs.other)
	[ "${fb:-0}" -gt 0 ] 2>/dev/null && [ "${lm:-0}" -gt 0 ] 2>/dev/null &&
		[ "${ot:-0}" -gt 0 ] 2>/dev/null
}
read_until every_reason "repairs of every reason"
ok $? "repairs counted for every reason (full_bitmap $(get repairs.full_bitmap), list_mismatch $(get repairs.list_mismatch), other $(get repairs.other))"

count=$(get repairs.count)
sum=$(($(get repairs.full_bitmap) + $(get repairs.list_mismatch) + $(get repairs.other)))
[ "${count:-0}" -eq "$sum" ]
ok $? "the repair count ($count) is the sum of the reasons ($sum)"

case $(get label) in *repair*) st=0 ;; *) st=1 ;; esac
ok $st "the segment's label says the repairs are provoked ($(get label))"

stop_load TERM
ok "$load_rc" "SIGTERM stops slabload with status 0"

grep -q '^=== Zombie Repairs ===' "$work/out" && grep -q '^Provoked on purpose' "$work/out"
ok $? "the summary has the repair block, labelled as provoked"
fb=$(summary_value '  Full bitmap:'); lm=$(summary_value '  List mismatch:'); ot=$(summary_value '  Other:')
[ "${fb:-0}" -gt 0 ] && [ "${lm:-0}" -gt 0 ] && [ "${ot:-0}" -gt 0 ]
ok $? "the summary counts every reason (full bitmap ${fb:-none}, list mismatch ${lm:-none}, other ${ot:-none})"
total=$(summary_value 'Count:')
[ "${total:-0}" -ge "${count:-0}" ]
ok $? "the summary ($total repairs, all threads) holds at least what was read live ($count)"
[ "$t_failed" -eq 0 ] || sed 's/^/#   /' "$work/out"
done_testing
