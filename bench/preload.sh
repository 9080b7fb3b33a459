#!/bin/bash
# bench/preload.sh - real programs and allocator workloads under LD_PRELOAD,
# for bench/run.sh (its "preload" and "calls" steps).
#
#   preload.sh time  NAME=PRELOAD...   timed rounds -> $OUT/preload.txt
#   preload.sh calls DROPIN_SO         issue 12's table -> $OUT/calls.txt
#
# Every allocator is loaded the same way: LD_PRELOAD of its library, set by
# bench/proctime for the program alone ("" = none: glibc).  Each workload
# runs as one process (with its children), timed by proctime from wait4():
# wall, user+sys, peak RSS, page faults.  Rounds are interleaved: in every
# round each workload runs once per allocator, the allocators' order
# rotated from round to round.  Every run's exit status is recorded and its
# output's SHA-256 (for the compiler, the object file's); report.py holds
# each against glibc's, and a run that differs is reported as broken, not
# timed.
#
# Environment: BENCH_SRCDIR, BENCH_BUILDDIR, OUT (raw data directory),
# ROUNDS, SCALE (work multiplier), BENCH_PRELOAD_ONLY (comma list of
# workloads, to run a subset).
set -euo pipefail

SRC=${BENCH_SRCDIR:?}
BLD=${BENCH_BUILDDIR:?}
OUT=${OUT:?}
ROUNDS=${ROUNDS:-5}
SCALE=${SCALE:-1}
W=$OUT/preload
PT=$BLD/bench/proctime
AW=$BLD/bench/allocwork
mkdir -p "$W"

log() { printf '[preload] %s\n' "$*" >&2; }
# The programs of the Debian packages, by their paths: a python3 earlier
# in PATH (pyenv's shim, a venv) would be another program, often a script.
prog() { if [ -x "/usr/bin/$1" ]; then echo "/usr/bin/$1"; else command -v "$1" || echo "/nonexistent/$1"; fi; }
PYTHON=$(prog python3) SQLITE=$(prog sqlite3) GCC=$(prog gcc) GIT=$(prog git)
REDIS=$(prog redis-server) REDIS_CLI=$(prog redis-cli) REDIS_BENCH=$(prog redis-benchmark)
ops() { awk -v n="$1" -v s="$SCALE" 'BEGIN { v = int(n * s); print (v > 0 ? v : 1) }'; }
# pywork.py's scale: 4 times SCALE, about a second of work, so that the
# interpreter's start-up and the machine's noise (0.13-0.21 s at 1) do
# not hide a difference of a few per cent.
PYSCALE=$(awk -v s="$SCALE" 'BEGIN { print 4 * s }')
sha() { sha256sum "$1" | cut -c1-16; }

# ------------------------------------------------------------ workloads
# The real programs, each: NAME|needs|what it does (RESULTS.md prints it).
PROGRAMS=(
	"python|python3|python3 (PYTHONMALLOC=malloc): dicts of strings, string work, JSON both ways (also in 2 threads), sorting, small objects (bench/programs/pywork.py, scale 4)"
	"sqlite|sqlite3|sqlite3 :memory:: bulk insert of $(ops 30000) rows, two indexes, joins, group by, update, delete (bench/programs/sqlite.sql)"
	"gcc|gcc|gcc -O2 -c of a generated $(ops 30)-function C file (bench/programs/gensrc.py); driver, cc1 and as"
	"redis|redis-server|redis-server on a Unix socket, redis-benchmark (not preloaded) -c 8, $(ops 6000) requests each of SET, GET, INCR, LPUSH, LPOP, HSET, 100-byte values, random keys; result: requests/s"
	"git-log|git|git log -p --stat -M on a clone of this repository"
	"git-repack|git|git repack -adf --window=50 (2 threads) of a fresh copy of that clone"
)
ALLOCWORK=(
	"larson|allocwork|Larson-style server: 2 threads, each over 4000 slots, frees a random slot and refills it (16..1024 B, log-uniform); 1 in 16 new objects swapped through shared mailboxes (freed by another thread); every thread replaced by a new one, which inherits its slots, 20 times"
	"prodcons|allocwork|producer/consumer pair: one thread allocates and writes $(ops 250000) objects of 16..512 B, another checks and frees them"
	"falseshare|allocwork|false sharing: 2 threads each free one 16 B object of the main thread's, then allocate 16..32 B objects and write each 1000 times"
	"frag|allocwork|fragmentation: 1 thread, 16 B..256 KiB, 15 of 16 objects short-lived, 1 in 16 long-lived; 8 phases, three in four long-lived freed between phases"
	"threads|allocwork|thread churn: $(ops 300) generations of 2 threads, each frees what its predecessor left, allocates 2000 objects, frees half, leaves half, exits"
)

describe() {
	local spec n d
	for spec in "${PROGRAMS[@]}" "${ALLOCWORK[@]}"; do
		IFS='|' read -r n _ d <<<"$spec"
		printf 'workload=%s kind=%s what=%q\n' "$n" \
			"$([[ " ${PROGRAMS[*]} " == *"$n|"* ]] && echo program || echo allocwork)" "$d"
	done
}

setup() {
	"$PYTHON" "$SRC/bench/programs/gensrc.py" "$(ops 30)" >"$W/big.c"
	sed "s/WHERE i < 30000/WHERE i < $(ops 30000)/" "$SRC/bench/programs/sqlite.sql" >"$W/sqlite.sql"
	if [ ! -d "$W/repo.git" ] && [ -x "$GIT" ]; then
		# A clone of the source tree's history (of the bench's own
		# checkout when the source is a distribution tarball: then the
		# git workloads are left out).
		"$GIT" clone -q --bare --no-local "$SRC" "$W/repo.git" 2>/dev/null ||
			rm -rf "$W/repo.git"
	fi
	printf 'FLUSHALL\nSET greeting hello\nAPPEND greeting ,world\nGET greeting\nRPUSH l a b c d e\nLRANGE l 1 3\nHSET h f1 v1 f2 v2\nHGETALL h\nINCRBY n 41\nINCR n\nDBSIZE\n' \
		>"$W/redis-check.txt"
}

# available WORKLOAD: can this machine run it?
available() {
	local spec n need
	for spec in "${PROGRAMS[@]}" "${ALLOCWORK[@]}"; do
		IFS='|' read -r n need _ <<<"$spec"
		[ "$n" = "$1" ] || continue
		case $need in
		allocwork) [ -x "$AW" ] ;;
		git) [ -x "$GIT" ] && [ -d "$W/repo.git" ] ;;
		redis-server) [ -x "$REDIS" ] && [ -x "$REDIS_BENCH" ] && [ -x "$REDIS_CLI" ] ;;
		*) [ -x "$(prog "$need")" ] ;;
		esac
		return
	done
	return 1
}

# redis_run PRELOAD TAG [WRAPPER...]: start the server (under the wrapper,
# if any), drive it, check it, shut it down; prints proctime's line with
# rps= and out_sha= added.
redis_run() {
	local pre=$1 tag=$2
	shift 2
	local sock=$W/redis.$tag.sock res=$W/redis.$tag.time i
	rm -f "$sock" "$res"
	"$PT" -p "$pre" -E "$W/redis.$tag.err" -o "$W/redis.$tag.log" -- "$@" "$REDIS" \
		--port 0 --unixsocket "$sock" --save '' --appendonly no --daemonize no \
		--dir "$W" >"$res" &
	local pid=$!
	for ((i = 0; i < 500; i++)); do
		[ -S "$sock" ] && "$REDIS_CLI" -s "$sock" ping >/dev/null 2>&1 && break
		kill -0 "$pid" 2>/dev/null || break      # it died: nothing to drive
		sleep 0.01
	done
	local csv=$W/redis.$tag.csv
	"$REDIS_BENCH" -s "$sock" -c 8 -n "$(ops 6000)" -r 100000 -d 100 \
		-t set,get,incr,lpush,lpop,hset --csv >"$csv" 2>/dev/null || true
	"$REDIS_CLI" -s "$sock" <"$W/redis-check.txt" >"$W/redis.$tag.out" 2>&1 || true
	"$REDIS_CLI" -s "$sock" shutdown nosave >/dev/null 2>&1 || true
	wait "$pid" || true
	# requests/s over all tests: total requests over total time.
	local rps
	rps=$(awk -F'"' -v n="$(ops 6000)" 'NF > 3 && $4 + 0 > 0 { t += n / $4; k++ }
		END { if (k) printf "%.0f", k * n / t; else print 0 }' "$csv")
	printf '%s rps=%s tests=%s out_sha=%s\n' "$(cat "$res")" "$rps" \
		"$(grep -c '^"[A-Z]' "$csv" || true)" "$(sha "$W/redis.$tag.out")"
}

# run_one WORKLOAD PRELOAD TAG: one timed run; prints key=value pairs.
run_one() {
	local wl=$1 pre=$2 tag=$3 out=$W/$1.$3.out
	if [ "$wl" = redis ]; then
		redis_run "$pre" "$tag"
		return
	fi
	case $wl in
	python)
		PYTHONMALLOC=malloc "$PT" -p "$pre" -o "$out" -- \
			"$PYTHON" "$SRC/bench/programs/pywork.py" "$PYSCALE" ;;
	sqlite)
		"$PT" -p "$pre" -i "$W/sqlite.sql" -o "$out" -- "$SQLITE" :memory: ;;
	gcc)
		rm -f "$W/big.$tag.o"
		"$PT" -p "$pre" -o "$W/gcc.$tag.log" -E "$W/gcc.$tag.err" -- \
			"$GCC" -O2 -c "$W/big.c" -o "$W/big.$tag.o"
		cp "$W/big.$tag.o" "$out" 2>/dev/null || : >"$out" ;;
	git-log)
		"$PT" -p "$pre" -o "$out" -C "$W/repo.git" -- "$GIT" log -p --stat -M ;;
	git-repack)
		rm -rf "$W/repack.$tag.git"
		cp -a "$W/repo.git" "$W/repack.$tag.git"
		"$PT" -p "$pre" -C "$W/repack.$tag.git" -E "$W/git-repack.$tag.err" -- \
			"$GIT" -c pack.threads=2 repack -adfq --window=50
		# The check: the repository is whole and holds the same objects.
		{ "$GIT" -C "$W/repack.$tag.git" fsck --full 2>&1 && echo fsck-ok
		  "$GIT" -C "$W/repack.$tag.git" rev-list --all --objects | sort; } >"$out"
		rm -rf "$W/repack.$tag.git" ;;
	*)
		"$PT" -p "$pre" -o "$out" -E "$W/$wl.$tag.err" -- "$AW" "$wl" -n "$SCALE" ;;
	esac | tr -d '\n'
	local extra=
	[ -f "$W/$wl.$tag.err" ] && extra=$(sed -n 's/^frag \(rss_end_kb=[0-9-]*\).*/\1/p' "$W/$wl.$tag.err")
	printf ' out_sha=%s %s\n' "$(sha "$out")" "$extra"
}

# ------------------------------------------------------------ time
cmd_time() {
	local specs=("$@") nalloc=$# r i wl spec name pre
	setup
	describe >"$OUT/preload-workloads.txt"
	local wls=()
	for spec in "${PROGRAMS[@]}" "${ALLOCWORK[@]}"; do
		IFS='|' read -r wl _ _ <<<"$spec"
		if [ -n "${BENCH_PRELOAD_ONLY:-}" ] && [[ ",$BENCH_PRELOAD_ONLY," != *",$wl,"* ]]; then
			continue
		fi
		if available "$wl"; then
			wls+=("$wl")
		else
			log "$wl: left out (not installed or no repository)"
			echo "workload=$wl missing=1" >>"$OUT/preload-workloads.txt"
		fi
	done
	for ((r = 1; r <= ROUNDS; r++)); do
		log "round $r of $ROUNDS"
		for wl in "${wls[@]}"; do
			for ((i = 0; i < nalloc; i++)); do
				spec=${specs[$(((i + r) % nalloc))]}
				name=${spec%%=*} pre=${spec#*=}
				# Debian's redis-server is linked with libjemalloc: with no
				# preload it runs on jemalloc, so glibc's malloc is put in
				# front with a preload of libc.so.6 itself.
				if [ "$wl" = redis ] && [ "$name" = glibc ]; then
					pre=$(ldconfig -p | awk '$1 == "libc.so.6" && p == "" { p = $NF } END { print p }')
				fi
				printf 'round=%d name=%s workload=%s ' "$r" "$name" "$wl"
				run_one "$wl" "$pre" "$name"
			done
		done
	done >>"$OUT/preload.txt"
}

# ------------------------------------------------------------ calls
# For each real program under the drop-in: the calls by path (libcallcount
# in front of the drop-in), and what slabrun's exit summary reports of the
# segment (samples), from a second run.
cmd_calls() {
	local so=$1 wl spec cc=$W/libcallcount.so
	setup
	${BENCH_CC:-cc} -O2 -shared -fPIC -I"$SRC/include" -o "$cc" "$SRC/bench/callcount.c" -ldl
	local slabrun=$BLD/slabtop/slabrun
	for spec in "${PROGRAMS[@]}"; do
		IFS='|' read -r wl _ _ <<<"$spec"
		available "$wl" || continue
		rm -f "$W/calls.$wl.txt"
		CALLCOUNT_OUT=$W/calls.$wl.txt run_one "$wl" "$cc $so" count >/dev/null
		[ -f "$W/calls.$wl.txt" ] || : >"$W/calls.$wl.txt"
		awk -v wl="$wl" '{ for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] += kv[2] } n++ }
			END { printf "workload=%s processes=%d calls=%d slab=%d large=%d frees=%d\n",
				wl, n, v["calls"], v["slab"], v["large"], v["frees"] }' \
			"$W/calls.$wl.txt" >>"$OUT/calls.txt"
		# slabrun's summary is on the program's stderr, which proctime
		# saves only for some workloads: run slabrun under proctime with
		# stderr kept.
		if [ -x "$slabrun" ]; then
			local err=$W/slabrun.$wl.err
			case $wl in
			redis) redis_run "" slabrun "$slabrun" --name "bench-redis-$$" -- >/dev/null
				cp "$W/redis.slabrun.err" "$err" ;;
			python) PYTHONMALLOC=malloc "$PT" -E "$err" -o /dev/null -- "$slabrun" \
				--name "bench-$wl-$$" -- "$PYTHON" "$SRC/bench/programs/pywork.py" "$PYSCALE" >/dev/null ;;
			sqlite) "$PT" -E "$err" -i "$W/sqlite.sql" -- "$slabrun" --name "bench-$wl-$$" -- \
				"$SQLITE" :memory: >/dev/null ;;
			gcc) "$PT" -E "$err" -- "$slabrun" --name "bench-$wl-$$" -- \
				"$GCC" -O2 -c "$W/big.c" -o "$W/big.slabrun.o" >/dev/null ;;
			git-log) "$PT" -E "$err" -C "$W/repo.git" -- "$slabrun" --name "bench-$wl-$$" -- \
				"$GIT" log -p --stat -M >/dev/null ;;
			git-repack) rm -rf "$W/repack.slabrun.git"; cp -a "$W/repo.git" "$W/repack.slabrun.git"
				"$PT" -E "$err" -C "$W/repack.slabrun.git" -- "$slabrun" --name "bench-$wl-$$" -- \
				"$GIT" -c pack.threads=2 repack -adfq --window=50 >/dev/null
				rm -rf "$W/repack.slabrun.git" ;;
			esac
			# The drop-in's own count of the process slabrun ran.
			local served
			served=$(sed -n 's/^Served by slabs: \([0-9.]*\) %.*/\1/p' "$err" | tail -n 1)
			sed -n 's/^Allocation calls: \([0-9]*\), sampled: \([0-9]*\).*/slabrun_calls=\1 slabrun_samples=\2/p' \
				"$err" | tail -n 1 | sed "s/^/workload=$wl /; s/\$/ slabrun_served=${served:--}/" >>"$OUT/calls.txt"
		fi
	done
}

case ${1:-} in
time) shift; cmd_time "$@" ;;
calls) shift; cmd_calls "$@" ;;
*) echo "usage: preload.sh time NAME=PRELOAD... | calls DROPIN_SO" >&2; exit 2 ;;
esac
