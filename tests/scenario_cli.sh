#!/bin/sh
# scenario_cli.sh - slabload's command line, its clean stop, its summary
# for the whole process, and the demo cycle's labels.
. "$(dirname "$0")/scenario_lib.sh"
require_programs
plan 20

# Usage errors: exit 2, a message on stderr, nothing on stdout.
usage_case() {
	"$SLABLOAD" "$@" >"$work/u.out" 2>"$work/u.err"
	rc=$?
	[ $rc -eq 2 ] && [ ! -s "$work/u.out" ] && grep -q "slabload --help" "$work/u.err"
	ok $? "slabload $* is a usage error (exit $rc: $(head -n 1 "$work/u.err"))"
}
usage_case --bogus
usage_case --threads 0
usage_case --sizes 64,769
usage_case --scenario nope
usage_case --name a/b
usage_case --duration soon
usage_case stray-argument

"$SLABLOAD" --help >"$work/u.out" 2>&1 && grep -q -- '--scenario' "$work/u.out"
ok $? "--help exits 0 and lists the options"

# A run that ends by itself, three workers.
"$SLABLOAD" --name "$name" --threads 3 --duration 1 >"$work/out" 2>"$work/err"
ok $? "--duration 1 ends by itself with status 0"
grep -q '^=== Slowpath Sampling (1/[0-9]*) ===$' "$work/out" && grep -q '^Samples: ' "$work/out" &&
	grep -q 'by 3 threads' "$work/out"
ok $? "the summary has the seed's sampling block and counts 3 workers"
if config_has ENABLE_SLOWPATH_SAMPLING; then
	# The raw block is labelled as raw, and the effective rate is the
	# allocations per sample.
	rate=$(sed -n 's|^Effective rate: 1/\([0-9]*\) (\([0-9]*\) samples in \([0-9]*\) allocations.*|\1 \2 \3|p' "$work/out")
	set -- $rate
	grep -q '^(raw: ' "$work/out" && grep -q '^Floor-corrected: avg wall [0-9]* ns, avg CPU [0-9]* ns$' "$work/out" &&
		[ $# -eq 3 ] && [ "$2" -gt 0 ] &&
		awk -v r="$1" -v n="$2" -v a="$3" 'BEGIN { exit !(r >= 1 && (r - a / n) ^ 2 < 1) }'
	ok $? "the summary labels raw and floor-corrected figures and gives the effective rate (1/N, samples, allocations: ${rate:-none})"
else
	ok 0 "# SKIP sampling is compiled out"
fi
[ ! -e "/dev/shm/slab.$name" ]
ok $? "the segment is removed at exit"

# --rate caps each worker (an upper bound only: a slow machine does less);
# --epoch-every turns epochs.
"$SLABLOAD" --name "$name" --threads 1 --rate 2000 --duration 1 --epoch-every 500 \
	--sizes 64,100,700 >"$work/out" 2>"$work/err"
allocs=$(sed -n 's/^Allocations: \([0-9]*\) by.* in \([0-9.]*\) s.*/\1 \2/p' "$work/out")
awk -v a="${allocs% *}" -v t="${allocs#* }" 'BEGIN { exit !(a + 0 > 0 && a <= 2000 * t * 1.25 + 100) }'
ok $? "--rate 2000 keeps one worker at or under 2000 allocations/s (allocations, seconds: $allocs)"
closed=$(summary_value 'Epochs closed:')
[ "${closed:-0}" -gt 0 ]
ok $? "--epoch-every 500 closes epochs (${closed:-none})"

# Interrupted: the summary covers every worker, so it holds at least what
# the segment showed for all threads shortly before the stop.
start_load --scenario steady --threads 2
ok $? "slabload publishes /slab.$name"
"$PROBE" -i 0.5 "$name" >"$work/live.json" 2>"$work/read.err"
live=$("$JGET" totals.samples <"$work/live.json")
"$SLABLOAD" --name "$name" --duration 1 >/dev/null 2>"$work/err2"
rc=$?
[ $rc -eq 1 ] && grep -q 'running process' "$work/err2"
ok $? "a second slabload under a live name fails with status 1 ($(cat "$work/err2"))"
stop_load INT
[ "$load_rc" -eq 0 ] && [ ! -e "/dev/shm/slab.$name" ]
ok $? "SIGINT stops slabload with status 0 and removes the segment (status $load_rc)"
samples=$(summary_value 'Samples:')
if config_has ENABLE_SLOWPATH_SAMPLING; then
	[ "${samples:-0}" -ge "${live:-1}" ] 2>/dev/null && [ "${live:-0}" -gt 0 ]
	ok $? "the summary's samples ($samples) cover all threads (segment showed $live earlier)"
else
	ok 0 "# SKIP sampling is compiled out"
fi

# The demo cycle: every phase shows up in the label.
start_load --scenario demo --threads 1 --phase 0.3
# Probe until every phase has been seen or 20 s have passed: on a busy
# machine a probe can take longer than a phase, so a fixed count of probes
# may miss one.
phases_missing() {
	missing=
	for ph in steady noisy repair slabs; do
		case $seen in *"$ph"*) ;; *) missing="$missing $ph" ;; esac
	done
	[ -n "$missing" ]
}
seen=
deadline=$(($(date +%s) + 20))
while phases_missing && [ "$(date +%s)" -lt "$deadline" ]; do
	"$PROBE" -i 0.05 "$name" >"$work/demo.json" 2>/dev/null &&
		seen="$seen $("$JGET" label <"$work/demo.json")"
done
stop_load TERM
[ "$load_rc" -eq 0 ]
ok $? "the demo stops on SIGTERM with status 0 (status $load_rc)"
[ "$load_rc" -eq 0 ] || sed 's/^/#   /' "$work/err" | head -n 40
! phases_missing
ok $? "the demo's label goes through every phase (missing:${missing:- none})"
done_testing
