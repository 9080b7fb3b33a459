#!/bin/sh
# seed_example.sh - the seed's "Add Sampling Output to Your Test" program,
# compiled unchanged with -DENABLE_SLOWPATH_SAMPLING against the public
# headers and the shared library, must print sensible numbers: exactly 1953
# samples in the seed's own setting, and wall >= CPU.

: "${top_builddir:=.}"
prog="$top_builddir/tests/seed_example"
tag="${SLAB_TEST_TAG:-t}.$$"
out="$top_builddir/tests/seed_example.out.$$"
trap 'rm -f "$out"' EXIT

if ! grep -q '^#define ENABLE_SLOWPATH_SAMPLING 1' "$top_builddir/config.h"; then
    echo "1..0 # SKIP sampling is compiled out (--disable-slowpath-sampling)"
    exit 0
fi

echo "1..8"
n=0
fail=0
check() {   # check DESCRIPTION COMMAND...
    n=$((n + 1))
    d=$1
    shift
    if "$@"; then echo "ok $n - $d"; else echo "not ok $n - $d"; fail=1; fi
}
field() {   # field PREFIX: the first number after PREFIX in $out
    sed -n "s/^$1 *\([0-9][0-9]*\).*/\1/p" "$out" | head -n 1
}

# The seed's setting: fixed 1/1024, no budget.
SLAB_SAMPLE_RATE=1024 SLAB_SAMPLE_MODE=fixed SLAB_SAMPLE_BUDGET=off \
SLAB_SHM_NAME="seed.$tag.1" "$prog" > "$out" 2>&1
rc=$?
sed 's/^/# /' "$out"
check "the example exits with 0" test "$rc" -eq 0
check "it prints the seed's section" grep -q '^=== Slowpath Sampling (1/1024) ===$' "$out"
check "Samples: 1953 in the seed's setting" grep -q '^Samples: 1953$' "$out"
wall=$(field 'Avg wall:')
cpu=$(field 'Avg CPU:')
# The clocks are read staggered: wall >= CPU holds within about a clock read.
check "average wall ($wall ns) >= average CPU ($cpu ns) - 1 us, both above 0" \
    test -n "$wall" -a -n "$cpu" -a "${cpu:-0}" -gt 0 -a "$((${wall:-0} + 1000))" -ge "${cpu:-1}"
check "no zombie repairs in a plain workload" sh -c "! grep -q 'Zombie Repairs' '$out'"

# Defaults: random intervals under the cost budget; some samples, fewer
# than one per allocation.
SLAB_SHM_NAME="seed.$tag.2" "$prog" > "$out" 2>&1
rc=$?
sed 's/^/# /' "$out"
samples=$(field 'Samples:')
# The example's heading says (1/1024) whatever the rate: the rate really
# sampled is its 2,000,000 allocations per sample.
[ -n "$samples" ] && [ "$samples" -gt 0 ] &&
    echo "# effective rate with the defaults: 1/$((2000000 / samples)) ($samples samples)"
check "defaults: exit 0 and $samples samples (1 .. 2000000)" \
    test "$rc" -eq 0 -a -n "$samples" -a "${samples:-0}" -ge 1 -a "${samples:-0}" -le 2000000

# Sampling off at run time: the sampling section disappears.
SLAB_SAMPLE_RATE=0 SLAB_SHM_NAME="seed.$tag.3" "$prog" > "$out" 2>&1
rc=$?
check "SLAB_SAMPLE_RATE=0: exit 0, no samples" sh -c "test $rc -eq 0 && ! grep -q Samples '$out'"

# A bad value: one warning naming the variable (the library prints only when
# asked: SLAB_VERBOSE=1), and the default.
SLAB_VERBOSE=1 SLAB_SAMPLE_MODE=sometimes SLAB_SHM_NAME="seed.$tag.4" "$prog" > "$out" 2>&1
sed 's/^/# /' "$out"
check "a bad SLAB_SAMPLE_MODE gets exactly one warning" \
    test "$(grep -c 'SLAB_SAMPLE_MODE' "$out")" -eq 1
exit $fail
