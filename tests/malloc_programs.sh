#!/bin/sh
# malloc_programs.sh - real programs under LD_PRELOAD=libslab-malloc.so.
#
# Each program runs once without the preload and once with it; the two
# runs must print the same bytes and exit with the same status, and while
# the preloaded run goes on, `slabtop --json` must read a segment of it
# with samples > 0.  Programs: python3 (PYTHONMALLOC=malloc, dicts,
# strings, JSON, threads), sort of a few MB, sqlite3 (table, index,
# queries), git on the source tree (when it is a git checkout), the C
# compiler compiling one of the project's files, and redis-server (which
# links libjemalloc: a second allocator in the process) serving redis-cli
# and redis-benchmark over a Unix socket.  A program that is not
# installed is skipped; so is everything under a sanitizer (it replaces
# malloc itself: the drop-in's code is tested there by test_malloc_*).
#
# Sampling runs at 1 in 64 (1 in 1 for sort, which makes a few hundred
# calls in all) so that every program is sampled while slabtop looks.  The segment is named $TAG-PROG-%p, so that every process of the
# command (gcc runs cc1 and as) publishes its own; any of them counts.

. "${top_srcdir:-.}/tests/slabtop_lib.sh"

SO="$top_builddir/libslab/malloc/.libs/libslab-malloc.so"
PROGS="python3 sort sqlite3 git cc"
plan 18

if grep -q '^#define SLAB_SANITIZED 1' "$top_builddir/config.h"; then
    for _ in $(seq 1 18); do skip "sanitizer build: the preload is tested without sanitizers"; done
    finish
fi

# run_pair NAME COMMAND...: the comparison and the segment check, 3 tests.
# The command reads $WORK/NAME.in when it exists.  A run whose segment
# slabtop did not catch (a busy machine can make a short program end
# first) is retried twice.
run_pair() {
    name=$1; shift
    input=/dev/null
    [ -f "$WORK/$name.in" ] && input="$WORK/$name.in"
    "$@" < "$input" > "$WORK/$name.plain" 2> "$WORK/$name.plain.err"
    plain_status=$?
    seen=0
    for attempt in 1 2 3; do
        rm -f "$WORK/$name.json"
        pattern="$TAG-$name"
        NAMES="$NAMES $pattern-*"
        SLAB_SAMPLE_RATE=${RATE:-64} SLAB_SHM_NAME="$pattern-%p" LD_PRELOAD="$SO" "$@" < "$input" \
            > "$WORK/$name.pre" 2> "$WORK/$name.pre.err" &
        pid=$!
        while kill -0 "$pid" 2>/dev/null; do
            for f in /dev/shm/slab."$pattern"-*; do
                [ -e "$f" ] || continue
                seg_name=${f#/dev/shm/slab.}
                if "$SLABTOP" --json "$seg_name" > "$WORK/$name.json" 2>/dev/null &&
                   grep -o '"totals": *{[^}]*}' "$WORK/$name.json" |
                   grep -q '"samples": *[1-9]'; then
                    seen=1
                    break 2
                fi
            done
            sleep 0.02
        done
        wait "$pid"
        pre_status=$?
        [ "$seen" = 1 ] && break
        diag "$name: attempt $attempt ended before slabtop read samples"
    done
    cmp -s "$WORK/$name.plain" "$WORK/$name.pre"
    ok $? "$name: same output with the preload ($(wc -c < "$WORK/$name.plain") bytes)"
    is "$pre_status" "$plain_status" "$name: same exit status ($plain_status)"
    if [ "$seen" = 1 ]; then
        samples=$(grep -o '"totals": *{[^}]*}' "$WORK/$name.json" |
                  sed 's/.*"samples": *\([0-9]*\).*/\1/')
        ok 0 "$name: slabtop --json read its segment while it ran ($samples samples)"
    else
        ok 1 "$name: slabtop --json read its segment while it ran"
    fi
    if [ -s "$WORK/$name.pre.err" ] && ! cmp -s "$WORK/$name.plain.err" "$WORK/$name.pre.err"; then
        diag "$name: stderr under the preload:"
        sed 's/^/#   /' "$WORK/$name.pre.err" | head -5
    fi
}

skip3() { skip "$1"; skip "$1"; skip "$1"; }

# python3: the system's interpreter when there is one (a version manager's
# shim would run a shell script under the preload instead).
PY=$(command -v /usr/bin/python3 || command -v python3)
if [ -n "$PY" ]; then
    PYTHONMALLOC=malloc; export PYTHONMALLOC
    run_pair python3 "$PY" "$top_srcdir/tests/malloc_workload.py" 8
    unset PYTHONMALLOC
else
    skip3 "python3 not installed"
fi

# sort: a few MB of lines, sorted by two keys with two threads, in 1 MB
# runs merged through temporary files.
awk 'BEGIN { x = 12345; for (i = 0; i < 250000; i++) {
        x = (x * 1103515245 + 12345) % 2147483648;
        printf "%d %s-%d\n", x % 1000, substr("abcdefghijklmnop", x % 16 + 1), x }
     }' > "$WORK/sort.in"
LC_ALL=C; export LC_ALL
RATE=1
run_pair sort sort --parallel=2 -S 1M -T "$WORK" -k1,1n -k2 "$WORK/sort.in"
RATE=

# sqlite3: a table, an index, queries.
if command -v sqlite3 > /dev/null; then
    cat > "$WORK/sqlite3.in" <<'EOF'
CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, grp INTEGER, val REAL);
WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 60000)
INSERT INTO t SELECT i, 'name-' || (i * 7919 % 60000), i % 97, (i * 31 % 1000) / 7.0 FROM c;
CREATE INDEX t_name ON t(name);
CREATE INDEX t_grp ON t(grp, val);
SELECT grp, count(*), round(sum(val), 3) FROM t GROUP BY grp ORDER BY grp LIMIT 20;
SELECT id, name FROM t WHERE name BETWEEN 'name-100' AND 'name-1005' ORDER BY name;
SELECT count(DISTINCT substr(name, 1, 8)) FROM t;
UPDATE t SET name = upper(name) WHERE grp < 10;
SELECT name FROM t WHERE grp = 3 ORDER BY val DESC, id LIMIT 10;
EOF
    run_pair sqlite3 sqlite3 ":memory:"
else
    skip3 "sqlite3 not installed"
fi

# redis-server: a server linked with another allocator (libjemalloc),
# driven over a Unix socket; what redis-cli prints is compared.
if command -v redis-server > /dev/null && command -v redis-cli > /dev/null; then
    cat > "$WORK/redis.sh" <<'EOF'
sock=$1/redis.sock
rm -f "$sock"
redis-server --port 0 --unixsocket "$sock" --save '' --appendonly no \
    --daemonize no --logfile "$1/redis.log" &
for _ in $(seq 1 200); do [ -S "$sock" ] && break; sleep 0.05; done
cli() { redis-cli -s "$sock" "$@"; }
i=0
while [ $i -lt 300 ]; do
    cli set "key:$i" "$(printf 'value-%0100d' $i)" > /dev/null
    cli rpush list "item-$i" > /dev/null
    i=$((i + 1))
done
cli get key:7 | cut -c1-20
cli llen list
cli lrange list 10 14
cli strlen key:299
redis-benchmark -s "$sock" -q -n 20000 -c 4 -d 200 -t set,get,lpush,lpop > /dev/null 2>&1
cli dbsize
cli shutdown nosave > /dev/null 2>&1
wait
EOF
    run_pair redis sh "$WORK/redis.sh" "$WORK"
else
    skip3 "redis-server or redis-cli not installed"
fi

# git: history and content of the source tree.
if command -v git > /dev/null && git -C "$top_srcdir" rev-parse --git-dir > /dev/null 2>&1; then
    run_pair git git -C "$top_srcdir" log -p --stat --no-color -n 200 HEAD
else
    skip3 "not a git checkout (or git not installed)"
fi
unset LC_ALL

# The C compiler on one of the project's files: the objects must be equal.
CCPROG=${CC:-cc}
if command -v "$CCPROG" > /dev/null; then
    run_pair cc sh -c '"$0" -O2 -I"$1"/include -I"$1"/libslab/util -I"$1"/libslab/sampler \
        -I"$1"/libslab/core -I"$1"/libslab/publish -I"$2" -c "$1"/libslab/malloc/dropin.c \
        -o /dev/stdout' "$CCPROG" "$top_srcdir" "$top_builddir"
else
    skip3 "no C compiler"
fi

finish
