#!/bin/sh
# fuzz_shm_smoke.sh - a short libFuzzer run of the segment reader, for CI.
# Needs a build configured with CC=clang --enable-fuzzing; skips otherwise.
# FUZZ_SHM_RUNS sets the number of executions (default 20000).
fuzz="${top_builddir:-.}/tests/fuzz_shm"
runs="${FUZZ_SHM_RUNS:-20000}"
if [ ! -x "$fuzz" ]; then
    echo "1..0 # SKIP not configured with --enable-fuzzing"
    exit 0
fi
echo "1..1"
log="${top_builddir:-.}/tests/fuzz_shm_smoke.out"
if "$fuzz" -runs="$runs" -max_len=32768 -seed=1 >"$log" 2>&1; then
    echo "ok 1 - $runs fuzz executions of the segment reader without a fault"
    grep -E '^Done|exec/s' "$log" | tail -n 1 | sed 's/^/# /'
else
    echo "not ok 1 - the segment reader fuzz target failed"
    tail -n 40 "$log" | sed 's/^/# /'
    exit 1
fi
