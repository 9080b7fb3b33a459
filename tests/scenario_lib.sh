# scenario_lib.sh - shared by the scenario tests (tests/scenario_*.sh).
#
# Sourced, not run.  Each test starts slabload in one scenario under a
# private segment name, reads the segment back while it runs, asserts what
# the scenario must show, and stops it.  The reader is slabtop --json; the
# values a test needs are picked out with tests/scenario_json.  Reads that
# miss are retried (a shared 2-core machine can disturb any one interval);
# every retry is reported as a TAP diagnostic and counted in
# tests/scenario-retries.txt under the build directory.

set -u

: "${top_builddir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_srcdir:=$top_builddir}"

SLABLOAD=$top_builddir/slabload/slabload
SLABTOP=$top_builddir/slabtop/slabtop
JGET=$top_builddir/tests/scenario_json
PROBE=$top_builddir/tests/scenario_probe

scenario=${0##*/}
scenario=${scenario%.sh}
scenario=${scenario#scenario_}
# Segment names allow A-Z a-z 0-9 . _ - only.
name=scn-${SLAB_TEST_TAG:-t}-$$-$scenario
work=$top_builddir/tests/scenario-$scenario.d
mkdir -p "$work"
retries_file=$top_builddir/tests/scenario-retries.txt

# How many reads a check may take before it fails.
max_reads=${SCENARIO_MAX_READS:-4}
# Length of each read's interval, in seconds.
read_interval=${SCENARIO_INTERVAL:-1.5}

# ------------------------------------------------------------------ lock
# One scenario at a time, whatever make -j does: a noisy run's pinned hogs
# must not land in another scenario's interval.  flock(1) releases the lock
# when the test exits, however it exits.
serialize() {
	if command -v flock >/dev/null 2>&1; then
		exec 9>"$top_builddir/tests/scenario.lock"
		flock -w 600 9 || diag "could not take tests/scenario.lock; running anyway"
	else
		diag "no flock(1): not serialised with the other scenario tests"
	fi
}

# ------------------------------------------------------------------ TAP
t_run=0
t_failed=0
t_planned=0
plan() {
	t_planned=$1
	echo "1..$1"
}
diag() { printf '# %s\n' "$*"; }
# ok STATUS DESCRIPTION: STATUS is a command's exit status (0 passes).
ok() {
	st=$1
	shift
	t_run=$((t_run + 1))
	if [ "$st" -eq 0 ]; then
		echo "ok $t_run - $*"
	else
		echo "not ok $t_run - $*"
		t_failed=$((t_failed + 1))
	fi
}
skip_all() { echo "1..0 # SKIP $*"; exit 0; }
skip_one() {
	t_run=$((t_run + 1))
	echo "ok $t_run # SKIP $*"
}
done_testing() {
	if [ "$t_run" -ne "$t_planned" ]; then
		diag "planned $t_planned tests but ran $t_run"
		exit 1
	fi
	[ "$t_failed" -eq 0 ] && exit 0
	exit 1
}

config_has() { grep -q "^#define $1 1" "$top_builddir/config.h" 2>/dev/null; }

# ------------------------------------------------------------------ workload
load_pid=
cleanup() {
	if [ -n "$load_pid" ] && kill -0 "$load_pid" 2>/dev/null; then
		kill -KILL "$load_pid" 2>/dev/null
		wait "$load_pid" 2>/dev/null
	fi
	load_pid=
	rm -f "/dev/shm/slab.$name"
}
trap cleanup EXIT
trap 'cleanup; exit 1' INT TERM HUP

# start_load ARGS...: slabload --name $name ARGS, in the background, its
# output in $work/out and $work/err; waits for the segment to appear.
start_load() {
	"$SLABLOAD" --name "$name" "$@" >"$work/out" 2>"$work/err" &
	load_pid=$!
	i=0
	while [ ! -e "/dev/shm/slab.$name" ]; do
		i=$((i + 1))
		if [ $i -gt 200 ] || ! kill -0 "$load_pid" 2>/dev/null; then
			diag "slabload did not publish /slab.$name:"
			sed 's/^/#   /' "$work/err"
			return 1
		fi
		sleep 0.05
	done
	return 0
}

# stop_load [SIGNAL]: stop slabload (SIGTERM by default) and set load_rc.
stop_load() {
	load_rc=255
	[ -n "$load_pid" ] || return 1
	kill "-${1:-TERM}" "$load_pid" 2>/dev/null
	wait "$load_pid"
	load_rc=$?
	load_pid=
	return 0
}

# ------------------------------------------------------------------ reading
reads=0

# The reader: slabtop --json, or tests/scenario_probe (the same figures
# straight from the reader API) when slabtop is not built.
reader=${SCENARIO_READER:-auto}
if [ "$reader" = auto ]; then
	if [ -x "$SLABTOP" ]; then reader=slabtop; else reader=probe; fi
fi

# What the whole machine, and the workload, spent in CPU ticks so far:
# "busy total" from /proc/stat, and utime + stime of slabload.
machine_ticks() { awk '/^cpu / { b = $2 + $3 + $4 + $7 + $8 + $9; print b, b + $5 + $6 }' /proc/stat; }
load_ticks() { awk '{ print $14 + $15 }' "/proc/$load_pid/stat" 2>/dev/null || echo 0; }

# read_state: one interval of the running workload into $work/state.json;
# others_pct is the share of the machine's CPU that other programs used
# meanwhile, in percent.
others_pct=0
read_state() {
	reads=$((reads + 1))
	m0=$(machine_ticks)
	l0=$(load_ticks)
	case $reader in
	slabtop)
		"$SLABTOP" --json -n 2 -d "$read_interval" "$name" >"$work/state.json" 2>"$work/read.err" ;;
	*)
		"$PROBE" -i "$read_interval" "$name" >"$work/state.json" 2>"$work/read.err" ;;
	esac
	rc=$?
	m1=$(machine_ticks)
	l1=$(load_ticks)
	others_pct=$(echo "$m0 $m1 $l0 $l1" | awk '{ t = $4 - $2; o = ($3 - $1) - ($6 - $5);
		if (o < 0) o = 0; printf "%d", (t > 0 ? 100 * o / t : 0) }')
	if [ $rc -ne 0 ]; then
		diag "$reader exited with $rc: $(head -c 300 "$work/read.err")"
		return 1
	fi
	"$JGET" <"$work/state.json" >/dev/null || { diag "$reader printed invalid JSON"; return 1; }
	return 0
}

# get KEY: a value from the last read.  KEY is one of the probe's paths
# (verdict, ratio, label, interval.samples, interval.new_slabs,
# interval.epoch_closes, repairs.count, repairs.full_bitmap, ...); for
# slabtop it is translated to slabtop's schema.
get() {
	path=$1
	if [ "$reader" = slabtop ]; then
		case $path in
		label) path=process.label ;;
		esac
	fi
	"$JGET" "$path" <"$work/state.json" 2>/dev/null | head -n 1
}

# read_until PREDICATE WHAT: read until PREDICATE (a shell function over
# get) holds, at most max_reads times.  Returns PREDICATE's last status.
read_until() {
	pred=$1
	what=$2
	tries=0
	while :; do
		tries=$((tries + 1))
		if read_state && "$pred"; then
			st=0
			break
		fi
		st=1
		if [ $tries -ge "$max_reads" ]; then
			break
		fi
		diag "read $tries did not show $what ($(summary_line)); retrying"
	done
	if [ $st -eq 0 ]; then
		diag "$scenario: $what after $tries read(s) of ${read_interval}s ($((tries - 1)) retried)"
	else
		diag "$scenario: no $what in $tries read(s) of ${read_interval}s"
	fi
	printf '%s %s reads=%d retried=%d result=%s\n' "$scenario" "$(echo "$what" | tr ' ' _)" \
		"$tries" $((tries - 1)) "$([ $st -eq 0 ] && echo pass || echo missed)" >>"$retries_file"
	return $st
}

summary_line() {
	printf 'verdict=%s ratio=%s samples=%s cpu_share=%s runq_wait_share=%s others=%s%%' \
		"$(get verdict)" "$(get ratio)" "$(get interval.samples)" \
		"$(get interval.cpu_share)" "$(get interval.runq_wait_share)" "$others_pct"
}

# machine_busy: during the last read, other programs used 5 % or more of
# the machine's CPU (from /proc/stat, less slabload's own ticks), or the
# workload waited on a run queue for 5 % or more of the time it ran.  Then
# the machine is not idle: one preemption of a few milliseconds inside one
# sampled call is enough to lift an interval's mean wall time above twice
# its CPU time, so a heavy verdict may be the truth, and a check that needs
# an idle machine cannot be made.
machine_busy() {
	[ "$others_pct" -ge 5 ] && return 0
	awk -v c="$(get interval.cpu_share)" -v w="$(get interval.runq_wait_share)" \
		'BEGIN { exit !(c + 0 > 0 && w / c >= 0.05) }'
}

# verdict_not_heavy: the predicate of the checks that need an idle machine.
# A read that misses on an idle machine is counted in idle_misses: that is a
# failure, whatever the retries show later.
idle_misses=0
verdict_not_heavy() {
	v_=$(get verdict)
	if [ "$v_" = clean ] || [ "$v_" = moderate ]; then
		return 0
	fi
	if ! machine_busy; then
		idle_misses=$((idle_misses + 1))
		diag "an idle read was $v_ ($(summary_line))"
	fi
	return 1
}

# Sum of FIELD over the size classes of slabtop's JSON line LINE.
class_sum() {
	s_=0
	for c_ in 0 1 2 3 4 5 6 7; do
		v_=$("$JGET" -l "$1" "classes.$c_.$2" <"$work/state.json" 2>/dev/null)
		case $v_ in ''|*[!0-9]*) v_=0 ;; esac
		s_=$((s_ + v_))
	done
	echo "$s_"
}

# Slabs set up (new or recycled) and released during the last read.
slabs_made() {
	if [ "$reader" = slabtop ]; then
		echo $(($(class_sum 2 new_slabs) + $(class_sum 2 recycled_slabs) -
			$(class_sum 1 new_slabs) - $(class_sum 1 recycled_slabs)))
	else
		echo $(($(get interval.new_slabs) + $(get interval.recycled_slabs)))
	fi
}
slabs_released() {
	if [ "$reader" = slabtop ]; then
		echo $(($(class_sum 2 released_slabs) - $(class_sum 1 released_slabs)))
	else
		get interval.released_slabs
	fi
}

# The value of "Label: N" in slabload's summary.
summary_value() {
	sed -n "s/^$1 *\([0-9][0-9]*\).*/\1/p" "$work/out" | head -n 1
}

# ------------------------------------------------------------------ guards
require_programs() {
	for p in "$SLABLOAD" "$JGET" "$PROBE" "$@"; do
		[ -x "$p" ] || skip_all "$p is not built"
	done
	[ -d /dev/shm ] || skip_all "no /dev/shm"
	serialize
	diag "reader: $reader"
}

require_sampling() {
	config_has ENABLE_SLOWPATH_SAMPLING || skip_all "slowpath sampling is compiled out"
}
