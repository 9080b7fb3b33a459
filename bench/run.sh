#!/bin/bash
# bench/run.sh - run the libslab benchmarks and write bench/RESULTS.md.
#
# Called by `make bench` with BENCH_SRCDIR and BENCH_BUILDDIR set.  Steps:
#   1. make sure the peers and tools are installed (apt-get, as root);
#   2. build a second tree with --disable-slowpath-sampling;
#   3. callgrind instruction counts per operation;
#   4. wall-clock rounds, allocators interleaved;
#   5. allocation latency percentiles;
#   6. overhead rows: sampling, a reader attached, slabtop's own CPU;
#   7. real programs and allocator workloads under LD_PRELOAD (bench/preload.sh),
#      and the drop-in's calls by path with slabrun's samples (issue 12's table);
#   8. bench/report.py turns the raw lines into RESULTS.md and the charts.
# Raw output stays in $BENCH_BUILDDIR/bench/out.
#
# Options: --quick (fewer rounds and operations, to try the pipeline out);
# --only=STEP[,STEP] with STEP callgrind, wall, latency, overhead, reader,
# preload (programs and workloads under LD_PRELOAD) or calls (issue 12 table)
# (run those steps again, keep the other steps' raw data, rewrite the report).
# Environment: BENCH_ROUNDS (wall rounds, default 7), BENCH_SCALE (operation
# count multiplier, default 1), BENCH_PL_ROUNDS (rounds of the LD_PRELOAD
# step, default 5), BENCH_PL_SCALE (its work multiplier, default 1).
set -euo pipefail

SRC=${BENCH_SRCDIR:?run this through make bench}
BLD=${BENCH_BUILDDIR:?run this through make bench}
ROUNDS=${BENCH_ROUNDS:-7}
SCALE=${BENCH_SCALE:-1}
OH_ROUNDS=${BENCH_OH_ROUNDS:-21}
PL_ROUNDS=${BENCH_PL_ROUNDS:-5}
PL_SCALE=${BENCH_PL_SCALE:-1}
QUICK=0
ONLY=
for arg in "$@"; do
	case $arg in
	--quick) QUICK=1; ROUNDS=${BENCH_ROUNDS:-2}; SCALE=${BENCH_SCALE:-0.1}; OH_ROUNDS=3
		PL_ROUNDS=${BENCH_PL_ROUNDS:-2}; PL_SCALE=${BENCH_PL_SCALE:-0.3} ;;
	--only=*) ONLY=${arg#--only=} ;;
	*) echo "bench/run.sh: unknown option $arg" >&2; exit 2 ;;
	esac
done

OUT=$BLD/bench/out
BIN=$BLD/bench/slabbench
mkdir -p "$OUT"
# want STEP: is STEP to run?  Its old raw data is removed when it is.
want() { [ -z "$ONLY" ] || [[ ",$ONLY," == *",$1,"* ]]; }
want callgrind && rm -rf "$OUT/cg" "$OUT/cg.txt"
want wall && rm -f "$OUT/time.txt"
want latency && rm -f "$OUT/lat.txt"
want overhead && rm -f "$OUT/overhead.txt"
want reader && rm -f "$OUT/reader.txt" "$OUT/writer.txt"
want preload && rm -f "$OUT/preload.txt" "$OUT/preload-workloads.txt"
want calls && rm -f "$OUT/calls.txt"
rm -f "$OUT/info.txt" "$OUT/identity.txt"
mkdir -p "$OUT/cg"
START=$(date +%s)

log() { printf '[bench %4ds] %s\n' $(($(date +%s) - START)) "$*" >&2; }

# ------------------------------------------------------------ 1. packages
# The peers (their -dev packages bring the libraries), the tools, and the
# programs of the LD_PRELOAD step.  Bench is not run in CI, so this list,
# not .ci/run's, is where what it needs is written down.
PACKAGES="libjemalloc-dev libmimalloc-dev libgoogle-perftools-dev valgrind gnuplot-nox python3
	sqlite3 git gcc redis-server redis-tools"
missing=
for p in $PACKAGES; do
	[ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" = "install ok installed" ] ||
		missing="$missing $p"
done
if [ -n "$missing" ]; then
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
		log "installing$missing"
		export DEBIAN_FRONTEND=noninteractive
		apt-get update -qq >/dev/null
		# shellcheck disable=SC2086
		apt-get install -y -qq --no-install-recommends $missing >/dev/null
	else
		log "missing$missing (not root: peers or tools absent are skipped)"
	fi
fi

# (awk reads to the end: had it exited at the first match, ldconfig would
# die of SIGPIPE writing the rest, and pipefail would end the bench, 141.)
libpath() { ldconfig -p | awk -v n="$1" '$1 == n && p == "" { p = $NF } END { print p }'; }
pkgver() { dpkg-query -W -f='${Version}' "$1" 2>/dev/null || echo "not installed"; }

# name|slabbench allocator|LD_PRELOAD|Debian package
ALLOCS=("glibc|malloc||libc6")
for spec in "jemalloc|libjemalloc.so.2|libjemalloc2" \
	"mimalloc|libmimalloc.so.2|libmimalloc2.0" \
	"tcmalloc|libtcmalloc_minimal.so.4|libtcmalloc-minimal4"; do
	IFS='|' read -r name so pkg <<<"$spec"
	path=$(libpath "$so")
	if [ -n "$path" ]; then
		ALLOCS+=("$name|malloc|$path|$pkg")
	else
		log "$name not found ($so): left out"
	fi
done
DROPIN=$BLD/libslab/malloc/.libs/libslab-malloc.so
ALLOCS+=("libslab|slab||-" "libslab-malloc|slab-malloc||-")
# The drop-in: plain malloc/free, with libslab-malloc.so preloaded.
[ -f "$DROPIN" ] && ALLOCS+=("libslab-dropin|malloc|$DROPIN|-")

# run NAME ARGS...: slabbench as allocator NAME (the preload set as needed)
run_alloc() {
	local name=$1; shift
	local spec n a pre
	for spec in "${ALLOCS[@]}" "null|null||-"; do
		IFS='|' read -r n a pre _ <<<"$spec"
		if [ "$n" = "$name" ]; then
			printf 'name=%s ' "$name"
			# A failing run leaves a line the report skips, not a dead bench.
			LD_PRELOAD=$pre "$@" -a "$a" || printf ' error=%d\n' "$?"
			return 0
		fi
	done
	echo "bench/run.sh: no allocator $name" >&2
	return 1
}

ops() { awk -v n="$1" -v s="$SCALE" 'BEGIN { printf "%d", n * s }'; }

# ------------------------------------------------------------ info
{
	echo "date=$(date -u '+%Y-%m-%d %H:%M:%S UTC')"
	echo "cpu=$(lscpu | sed -n 's/^Model name: *//p' | head -n1)"
	echo "cores=$(nproc)"
	echo "hypervisor=$(lscpu | sed -n 's/^Hypervisor vendor: *//p' | head -n1)"
	echo "memory=$(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
	echo "kernel=$(uname -sr)"
	echo "os=$(. /etc/os-release && echo "$PRETTY_NAME")"
	echo "cc=$(${BENCH_CC:-cc} --version | head -n1)"
	echo "cflags=${BENCH_CFLAGS:-}"
	echo "valgrind=$(valgrind --version 2>/dev/null || echo none)"
	echo "gnuplot=$(gnuplot --version 2>/dev/null || echo none)"
	echo "libslab=$(git -C "$SRC" describe --always --dirty 2>/dev/null || echo "${BENCH_REVISION:-unknown}")"
	echo "libslab_commit_date=$(git -C "$SRC" log -1 --format=%cd --date=iso 2>/dev/null || echo "${BENCH_REVISION_DATE:-unknown}")"
	for p in libc6 libjemalloc2 libmimalloc2.0 libtcmalloc-minimal4; do
		echo "pkg_$p=$(pkgver "$p")"
	done
	echo "load_start=$(cut -d' ' -f1-3 /proc/loadavg)"
	echo "rounds=$ROUNDS"
	echo "scale=$SCALE"
	echo "pl_rounds=$PL_ROUNDS"
	echo "pl_scale=$PL_SCALE"
	for p in python3 sqlite3 gcc redis-server git; do
		echo "pkg_$p=$(pkgver "$p")"
	done
	echo "quick=$QUICK"
} >"$OUT/info.txt"
for spec in "${ALLOCS[@]}"; do
	IFS='|' read -r name _ _ pkg <<<"$spec"
	{ run_alloc "$name" "$BIN" -m info; } >>"$OUT/identity.txt"
done

# ------------------------------------------------------------ 2. no-sampling tree
# BENCH_NOSAMPLING_BIN names an already built slabbench of such a tree.
NOS=$OUT/nosampling
NOSBIN=${BENCH_NOSAMPLING_BIN:-$NOS/bench/slabbench}
if [ -z "${BENCH_NOSAMPLING_BIN:-}" ]; then
	log "building the --disable-slowpath-sampling tree in $NOS"
	mkdir -p "$NOS"
	NOSSRC=$SRC
	if [ -f "$SRC/config.status" ]; then
		# The source tree is configured in place, and configure refuses
		# to build such a tree elsewhere: build a copy of the
		# distribution instead (copied with its timestamps, so an
		# unchanged file is not rebuilt).
		NOSSRC=$OUT/nosampling-src
		rm -rf "$NOSSRC" "$BLD/${BENCH_DISTDIR:?}"
		make -C "$BLD" distdir >"$OUT/distdir.log" 2>&1 ||
			{ tail -n 30 "$OUT/distdir.log" >&2; exit 1; }
		mv "$BLD/$BENCH_DISTDIR" "$NOSSRC"
	fi
	if [ ! -f "$NOS/Makefile" ]; then
		(cd "$NOS" && "$NOSSRC/configure" --disable-slowpath-sampling \
			CC="${BENCH_CC:-cc}" CFLAGS="${BENCH_CFLAGS:--g -O2}") >"$NOS/configure.log" 2>&1 ||
			{ tail -n 30 "$NOS/configure.log" >&2; exit 1; }
	fi
	make -C "$NOS" -j2 libslab/libslab.la bench/slabbench libslab/malloc/libslab-malloc.la \
		>"$NOS/make.log" 2>&1 ||
		{ tail -n 30 "$NOS/make.log" >&2; exit 1; }
fi

# ------------------------------------------------------------ 3. callgrind
CG_N=$(ops 100000)
if ! want callgrind; then
	:
elif command -v valgrind >/dev/null; then
	for spec in "null|null||-" "${ALLOCS[@]}"; do
		IFS='|' read -r name _ _ _ <<<"$spec"
		log "callgrind: $name"
		mkdir -p "$OUT/cg/$name"
		run_alloc "$name" valgrind --tool=callgrind \
			--callgrind-out-file="$OUT/cg/$name/cg.%p" \
			"$BIN" -m cg -n "$CG_N" >>"$OUT/cg.txt" 2>"$OUT/cg/$name/valgrind.log"
	done
	# The sampling configurations of the overhead rows, for their
	# user-space instruction counts (the clocks' system calls are not in
	# these: callgrind counts no kernel work).
	for cfg in nosampling seed; do
		log "callgrind: libslab-$cfg"
		mkdir -p "$OUT/cg/libslab-$cfg"
		if [ $cfg = nosampling ]; then
			valgrind --tool=callgrind --callgrind-out-file="$OUT/cg/libslab-$cfg/cg.%p" \
				"$NOSBIN" -m cg -a slab -n "$CG_N"
		else
			SLAB_SAMPLE_RATE=1024 SLAB_SAMPLE_MODE=fixed SLAB_SAMPLE_BUDGET=off \
				valgrind --tool=callgrind --callgrind-out-file="$OUT/cg/libslab-$cfg/cg.%p" \
				"$BIN" -m cg -a slab -n "$CG_N"
		fi >>"$OUT/cg.txt" 2>"$OUT/cg/libslab-$cfg/valgrind.log" || true
	done
else
	log "valgrind missing: no instruction counts"
fi

# ------------------------------------------------------------ 4. wall rounds
# workload|size|operations
WORKLOADS=()
for size in 128 mixed; do
	WORKLOADS+=("pair|$size|$(ops 20000000)" "batch10|$size|$(ops 20000000)"
		"batch1000|$size|$(ops 16000000)" "batch100000|$size|$(ops 8000000)"
		"churn|$size|$(ops 10000000)" "xthread|$size|$(ops 5000000)"
		"epoch|$size|$(ops 10000000)")
done
nalloc=${#ALLOCS[@]}
want wall || ROUNDS=0
for ((r = 1; r <= ROUNDS; r++)); do
	log "wall round $r of $ROUNDS"
	for wl in "${WORKLOADS[@]}"; do
		IFS='|' read -r w s n <<<"$wl"
		# Each round starts the allocators at a different place in the list.
		for ((i = 0; i < nalloc; i++)); do
			IFS='|' read -r name _ _ _ <<<"${ALLOCS[$(((i + r) % nalloc))]}"
			printf 'round=%d ' "$r" >>"$OUT/time.txt"
			run_alloc "$name" "$BIN" -m time -w "$w" -s "$s" -n "$n" >>"$OUT/time.txt"
		done
		if [ "$r" = 1 ]; then
			printf 'round=%d ' "$r" >>"$OUT/time.txt"
			run_alloc null "$BIN" -m time -w "$w" -s "$s" -n "$n" >>"$OUT/time.txt"
		fi
	done
done

# ------------------------------------------------------------ 5. latency
LAT_GROUPS=$(ops 200000)
want latency && log "latency"
want latency && for w in churn batch100000; do
	for s in 128 mixed; do
		for spec in "${ALLOCS[@]}"; do
			IFS='|' read -r name _ _ _ <<<"$spec"
			run_alloc "$name" "$BIN" -m lat -w "$w" -s "$s" -n "$LAT_GROUPS" >>"$OUT/lat.txt"
		done
	done
done

# ------------------------------------------------------------ 6. overhead
# Sampling: compiled out, defaults, seed-exact; rounds interleaved.
OH_N=$(ops 10000000)
want overhead || OH_ROUNDS=0
[ "$OH_ROUNDS" = 0 ] || log "sampling overhead ($OH_ROUNDS rounds)"
for ((r = 1; r <= OH_ROUNDS; r++)); do
	for w in pair churn; do
		n=$OH_N
		[ "$w" = churn ] && n=$((OH_N / 2))
		for cfg in compiled-out defaults seed-exact; do
			printf 'round=%d cfg=%s ' "$r" "$cfg" >>"$OUT/overhead.txt"
			case $cfg in
			compiled-out) "$NOSBIN" -m time -a slab -w "$w" -n "$n" ;;
			defaults) "$BIN" -m time -a slab -w "$w" -n "$n" ;;
			seed-exact) SLAB_SAMPLE_RATE=1024 SLAB_SAMPLE_MODE=fixed \
				SLAB_SAMPLE_BUDGET=off "$BIN" -m time -a slab -w "$w" -n "$n" ;;
			esac >>"$OUT/overhead.txt"
		done
	done
done

# A reader attached, and the reader's own cost.
SLABTOP=${BENCH_SLABTOP:-$BLD/slabtop/slabtop}
RD_ROUNDS=${BENCH_RD_ROUNDS:-11}
[ "$QUICK" = 1 ] && RD_ROUNDS=2

# cpu_ticks PID: user + system CPU of a process, in clock ticks.
cpu_ticks() { awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat" 2>/dev/null || echo 0; }

# writer_run ATTACH: one timed pair run of libslab; with ATTACH=1 a headless
# slabtop reads the process's segment every 0.1 s while it runs.
writer_run() {
	local attach=$1 f=$OUT/writer.$$ pid= tries=0 top=
	"$BIN" -m time -a slab -w pair -s 128 -n "$(ops 100000000)" -W 0.5 >"$f" &
	local bench=$!
	while [ -z "$pid" ] && [ $tries -lt 200 ]; do
		pid=$(sed -n 's/.*waiting=[^ ]* pid=\([0-9]*\).*/\1/p' "$f" 2>/dev/null || true)
		[ -n "$pid" ] || sleep 0.01
		tries=$((tries + 1))
	done
	if [ "$attach" = 1 ] && [ -n "$pid" ]; then
		"$SLABTOP" --json -d 0.1 -n 0 -p "$pid" >"$OUT/slabtop-attached.json" 2>"$OUT/slabtop-attached.err" &
		top=$!
	fi
	wait "$bench" || true
	if [ -n "$top" ]; then
		kill "$top" 2>/dev/null || true
		wait "$top" 2>/dev/null || true
	fi
	tail -n 1 "$f"
	rm -f "$f"
}

reader_rows() {
	if [ ! -x "$SLABTOP" ]; then
		echo "reader=none why=\"slabtop is not built in this tree\"" >>"$OUT/reader.txt"
		return
	fi
	if ! "$SLABTOP" --help >/dev/null 2>&1; then
		echo "reader=none why=\"slabtop --help fails in this tree\"" >>"$OUT/reader.txt"
		return
	fi
	log "writer with and without slabtop attached ($RD_ROUNDS rounds)"
	local r a
	for ((r = 1; r <= RD_ROUNDS; r++)); do
		for a in 0 1; do
			printf 'round=%d attached=%d ' "$r" "$a" >>"$OUT/writer.txt"
			writer_run "$a" >>"$OUT/writer.txt"
		done
	done

	log "slabtop CPU with 256 live thread records"
	local secs=15
	[ "$QUICK" = 1 ] && secs=5
	local f=$OUT/threads.out pid= tries=0
	"$BIN" -m threads -a slab -T 256 -D $((secs + 8)) >"$f" &
	local writer=$!
	while [ -z "$pid" ] && [ $tries -lt 500 ]; do
		pid=$(sed -n 's/^.*mode=threads threads=[0-9]* pid=\([0-9]*\).*/\1/p' "$f" 2>/dev/null || true)
		[ -n "$pid" ] || sleep 0.01
		tries=$((tries + 1))
	done
	sleep 2     # every thread has allocated, sampled and published by now
	# Headless, and the curses screen in a tmux pane when tmux is there.
	local how top t0 t1 c0 c1
	for how in headless curses; do
		top=
		if [ "$how" = headless ]; then
			"$SLABTOP" --json -d 1 -n 0 -p "$pid" >"$OUT/slabtop-cpu.json" 2>&1 &
			top=$!
		elif command -v tmux >/dev/null; then
			local sess=slabbench$$
			tmux new-session -d -s "$sess" -x 160 -y 50 "exec '$SLABTOP' -d 1 -p $pid"
			top=$(tmux list-panes -t "$sess" -F '#{pane_pid}' | head -n 1)
		else
			echo "reader=slabtop-cpu how=curses why=\"tmux is not installed\"" >>"$OUT/reader.txt"
			continue
		fi
		sleep 1
		c0=$(cpu_ticks "$top"); t0=$(date +%s.%N)
		sleep "$secs"
		c1=$(cpu_ticks "$top"); t1=$(date +%s.%N)
		# Records slabtop itself saw live in its last headless refresh.
		local records
		records=$(python3 -c 'import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
print(sum(t.get("state") == "live" for t in rows[-1].get("threads", [])) if rows else "?")' \
			"$OUT/slabtop-cpu.json" 2>/dev/null || echo "?")
		if [ "$how" = curses ]; then
			tmux capture-pane -p -t "$sess" >"$OUT/slabtop-screen.txt" 2>/dev/null || true
			tmux kill-session -t "$sess" 2>/dev/null || true
		else
			kill "$top" 2>/dev/null || true
			wait "$top" 2>/dev/null || true
		fi
		awk -v c0="$c0" -v c1="$c1" -v t0="$t0" -v t1="$t1" -v hz="$(getconf CLK_TCK)" \
			-v how="$how" -v rec="$records" 'BEGIN {
			cpu = (c1 - c0) / hz; wall = t1 - t0;
			printf "reader=slabtop-cpu how=%s records=%s cpu_s=%.2f wall_s=%.1f core_pct=%.3f\n",
				how, rec, cpu, wall, 100 * cpu / wall }' >>"$OUT/reader.txt"
	done
	wait "$writer" || true
}
want reader && reader_rows

# ------------------------------------------------------------ 7. LD_PRELOAD
# Real programs and allocator workloads, each allocator preloaded (glibc:
# none), then the drop-in's calls by path and its samples.
if want preload || want calls; then
	PL=()
	for spec in "${ALLOCS[@]}"; do
		IFS='|' read -r name a pre _ <<<"$spec"
		[ "$a" = malloc ] && PL+=("$name=$pre")
	done
	# The drop-in of the tree without sampling: the sampler's cost on
	# real programs.  (Absent when BENCH_NOSAMPLING_BIN named a tree.)
	NOSDROPIN=$(dirname "$NOSBIN")/../libslab/malloc/.libs/libslab-malloc.so
	[ -f "$NOSDROPIN" ] && PL+=("libslab-dropin-nosampling=$(readlink -f "$NOSDROPIN")")
	export OUT BENCH_SRCDIR BENCH_BUILDDIR BENCH_CC
	want preload && log "real programs and allocator workloads under LD_PRELOAD ($PL_ROUNDS rounds)" &&
		ROUNDS=$PL_ROUNDS SCALE=$PL_SCALE bash "$SRC/bench/preload.sh" time "${PL[@]}"
	want calls && [ -f "$DROPIN" ] && log "the drop-in's calls by path, slabrun's samples" &&
		SCALE=$PL_SCALE bash "$SRC/bench/preload.sh" calls "$DROPIN"
fi

# ------------------------------------------------------------ 8. report
echo "load_end=$(cut -d' ' -f1-3 /proc/loadavg)" >>"$OUT/info.txt"
echo "duration_s=$(($(date +%s) - START))" >>"$OUT/info.txt"
log "writing RESULTS.md"
python3 "$SRC/bench/report.py" --out "$OUT" --results "$SRC/bench/RESULTS.md" \
	--chart "$SRC/bench/results.png" --preload-chart "$SRC/bench/preload.png"
sed -n '/^## Targets/,/^## Workloads/p' "$SRC/bench/RESULTS.md" | sed '$d'
log "done: $SRC/bench/RESULTS.md, $SRC/bench/results.png, $SRC/bench/preload.png (raw data in $OUT)"
