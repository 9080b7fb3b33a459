# slabtop_lib.sh - shared by slabtop's shell tests (sourced, not run).
#
# TAP output, unique segment names, a publisher started in the background,
# and a cleanup that stops every process and removes every segment the test
# made, whatever way the test ends.

: "${top_builddir:=.}"
: "${top_srcdir:=.}"
SLABTOP="$top_builddir/slabtop/slabtop"
PUB="$top_builddir/tests/slabtop_pub"
TAG="st${SLAB_TEST_TAG:-x}-$$"
WORK="$top_builddir/tests/slabtop-work-$$"
mkdir -p "$WORK"

tap_n=0
tap_fail=0
PIDS=""
NAMES=""

plan() { tap_plan=$1; echo "1..$1"; }
ok() {    # ok COND-STATUS DESCRIPTION
    tap_n=$((tap_n + 1))
    if [ "$1" -eq 0 ]; then
        echo "ok $tap_n - $2"
    else
        echo "not ok $tap_n - $2"
        tap_fail=$((tap_fail + 1))
    fi
}
is() {    # is GOT WANT DESCRIPTION
    if [ "$1" = "$2" ]; then ok 0 "$3"; else ok 1 "$3"; echo "#   got '$1', want '$2'"; fi
}
skip() { tap_n=$((tap_n + 1)); echo "ok $tap_n # SKIP $1"; }
diag() { echo "# $*"; }
finish() {
    if [ "$tap_n" -ne "${tap_plan:-0}" ]; then
        echo "# planned $tap_plan tests but ran $tap_n"
        exit 1
    fi
    exit $((tap_fail > 0))
}

cleanup() {
    for p in $PIDS; do kill -TERM "$p" 2>/dev/null; done
    for p in $PIDS; do wait "$p" 2>/dev/null; done
    for n in $NAMES; do rm -f "/dev/shm/slab.$n"; done
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# seg SUFFIX: sets SEG to a segment name unique to this test run (and
# remembers it for the cleanup; not to be called in a subshell).
seg() { SEG="$TAG-$1"; NAMES="$NAMES $SEG"; }

# start_pub NAME ARGS...: run the publisher under NAME; sets PUB_PID once
# its segment exists (or fails the test run).
start_pub() {
    name=$1; shift
    SLAB_SHM_NAME="$name" "$PUB" "$@" > "$WORK/pub-$name.out" 2>&1 &
    PUB_PID=$!
    PIDS="$PIDS $PUB_PID"
    for _ in $(seq 1 200); do
        grep -q '^ready' "$WORK/pub-$name.out" 2>/dev/null && return 0
        kill -0 "$PUB_PID" 2>/dev/null || break
        sleep 0.05
    done
    echo "Bail out! the publisher for $name did not start: $(cat "$WORK/pub-$name.out")"
    exit 1
}

# wait_gone PID: wait (at most 20 s) until the process has ended.
wait_gone() {
    for _ in $(seq 1 400); do
        kill -0 "$1" 2>/dev/null || { wait "$1" 2>/dev/null; return 0; }
        sleep 0.05
    done
    return 1
}

have_python() { command -v python3 >/dev/null 2>&1; }

# wait_threads NAME N: wait (at most ~10 s) until N thread records of the
# segment are published (a thread's record appears at its first flush).
wait_threads() {
    for _ in $(seq 1 100); do
        n=$("$SLABTOP" --once "$1" 2>/dev/null | grep -c ' live *$')
        [ "$n" -ge "$2" ] && return 0
        sleep 0.1
    done
    diag "segment $1 never showed $2 threads"
    return 1
}
