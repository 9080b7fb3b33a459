#!/bin/sh
# install.sh - build and run programs against libslab the two ways the
# README gives, as a user would:
#
#   - installed: `make install DESTDIR=...` into a staging directory under
#     the build tree, then pkg-config with PKG_CONFIG_SYSROOT_DIR, and the
#     installed slabtop and slabload, which must run without libslab.so on
#     the loader's path;
#   - the build tree: PKG_CONFIG_PATH=<builddir> picks up
#     libslab-uninstalled.pc, and the program runs from the tree as built.
#
# The programs are tests/installed_prog.c (checks itself), the example in
# the README's "Watching your own program" (compiled straight from the
# README, then watched by the installed slabtop), and the installed copy of
# seed_example.c.
#
# The Makefile passes MAKE, CC, the compiler flags of the build, PKG_CONFIG
# and the installation directories in SLAB_INST_*.

set -u
: "${top_builddir:=.}"
: "${top_srcdir:=.}"
tag=${SLAB_TEST_TAG:-t}-$$
work=$top_builddir/tests/install.d.$$
dest=$work/dest
watched=

cleanup() {
    [ -n "$watched" ] && kill "$watched" 2>/dev/null && wait "$watched" 2>/dev/null
    chmod -R u+w "$work" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

if [ -z "${SLAB_INST_PKG_CONFIG:-}" ]; then
    echo "1..0 # SKIP pkg-config was not found by configure"
    exit 0
fi
mkdir -p "$work" || exit 1

echo "1..14"
n=0
fail=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); echo "not ok $n - $1"; fail=1; }
check() {   # check DESCRIPTION COMMAND...
    d=$1
    shift
    if "$@"; then ok "$d"; else notok "$d"; fi
}
show() { sed 's/^/# /' "$1"; }

cc_flags="${SLAB_INST_CFLAGS:-}"
ld_flags="${SLAB_INST_LDFLAGS:-}"
# build OUT SOURCE PKG-CONFIG-FLAGS...: compile SOURCE as a user would.
build() {
    out=$1 src=$2
    shift 2
    # shellcheck disable=SC2086 # the flags are word lists
    $SLAB_INST_CC $cc_flags "$src" -o "$out" $ld_flags "$@" >"$work/cc.log" 2>&1
    rc=$?
    show "$work/cc.log"
    return $rc
}

# The README's example, exactly as printed.
awk '/^<!-- tests\/install.sh compiles/ { want = 1; next }
     want && /^```c$/ { inside = 1; next }
     inside && /^```$/ { exit }
     inside { print }' "$top_srcdir/README.md" > "$work/myprog.c"
check "the README's example program is found ($(wc -l < "$work/myprog.c") lines)" \
    test "$(wc -l < "$work/myprog.c")" -gt 5

# ------------------------------------------------------------- installed
unset PKG_CONFIG_PATH PKG_CONFIG_SYSROOT_DIR MAKEFLAGS MFLAGS
$SLAB_INST_MAKE -C "$top_builddir" install DESTDIR="$(cd "$work" && pwd)/dest" \
    >"$work/install.log" 2>&1
rc=$?
[ $rc -eq 0 ] || tail -n 30 "$work/install.log" | sed 's/^/# /'
check "make install DESTDIR=<staging directory>" test $rc -eq 0
dest=$(cd "$dest" && pwd)
bin=$dest$SLAB_INST_BINDIR
lib=$dest$SLAB_INST_LIBDIR

# The installed tools carry the library's code: they must run with no
# libslab.so to be found (none is on the loader's path: the staged one
# is not, and a copy installed on the system must not be needed either).
for tool in slabtop slabload; do
    if command -v readelf >/dev/null 2>&1; then
        check "installed $tool needs no libslab.so" \
            sh -c "! readelf -d '$bin/$tool' | grep -q 'NEEDED.*libslab'"
    else
        ok "installed $tool needs no libslab.so # SKIP no readelf"
    fi
done
"$bin/slabtop" --version >"$work/out" 2>&1
rc=$?
show "$work/out"
check "installed slabtop --version runs" test $rc -eq 0
"$bin/slabload" --help >"$work/out" 2>&1
check "installed slabload --help runs" test $? -eq 0

pc() {
    PKG_CONFIG_SYSROOT_DIR=$dest PKG_CONFIG_LIBDIR=$dest$SLAB_INST_PKGCONFIGDIR \
        $SLAB_INST_PKG_CONFIG "$@" libslab
}
flags=$(pc --cflags --libs)
echo "# pkg-config (staged): $flags"
check "pkg-config with PKG_CONFIG_SYSROOT_DIR points into the staging directory" \
    sh -c "case ' $flags' in *' -I$dest'*' -L$dest'*) exit 0;; *) exit 1;; esac"

# shellcheck disable=SC2086
if build "$work/inst_prog" "$top_srcdir/tests/installed_prog.c" $flags; then
    LD_LIBRARY_PATH=$lib SLAB_SHM=0 "$work/inst_prog" >"$work/out" 2>&1
    rc=$?
    show "$work/out"
    LD_LIBRARY_PATH=$lib ldd "$work/inst_prog" | grep libslab | sed 's/^/# /'
    if [ $rc -eq 0 ] &&
        LD_LIBRARY_PATH=$lib ldd "$work/inst_prog" | grep -q "=> $lib/libslab"; then
        ok "installed_prog.c, built against the install, runs on the installed library"
    else
        notok "installed_prog.c, built against the install, runs on the installed library"
    fi
else
    notok "installed_prog.c builds against the install"
fi

# The README's program, watched by the installed slabtop.
# shellcheck disable=SC2086
if build "$work/myprog" "$work/myprog.c" $flags; then
    LD_LIBRARY_PATH=$lib "$work/myprog" 100000
    check "the README's program, built against the install, runs 100000 allocations" test $? -eq 0
    LD_LIBRARY_PATH=$lib SLAB_SHM_NAME="inst.$tag" "$work/myprog" 100000000000 &
    watched=$!
    "$bin/slabtop" --wait=10 --once "inst.$tag" >"$work/out" 2>&1
    rc=$?
    show "$work/out"
    check "the installed slabtop watches it by name (exit $rc)" \
        sh -c "test $rc -eq 0 && grep -q 'inst\\.$tag' '$work/out' && grep -q 'pid $watched' '$work/out'"
    kill "$watched" 2>/dev/null
    wait "$watched" 2>/dev/null
    watched=
else
    notok "the README's program builds against the install"
    notok "the installed slabtop watches it by name"
fi

# The installed copy of the seed's example program.
seed=$dest$SLAB_INST_DOCDIR/examples/seed_example.c
# shellcheck disable=SC2086
if build "$work/seed_example" "$seed" -DENABLE_SLOWPATH_SAMPLING $flags; then
    LD_LIBRARY_PATH=$lib SLAB_SHM=0 SLAB_SAMPLE_RATE=1024 SLAB_SAMPLE_MODE=fixed \
        SLAB_SAMPLE_BUDGET=off "$work/seed_example" >"$work/out" 2>&1
    rc=$?
    show "$work/out"
    if grep -q '^#define ENABLE_SLOWPATH_SAMPLING 1' "$top_builddir/config.h"; then
        check "installed seed_example.c runs and takes 1953 samples at the seed's 1/1024" \
            sh -c "test $rc -eq 0 && grep -q '^Samples: 1953$' '$work/out'"
    else
        check "installed seed_example.c runs (sampling compiled out)" test $rc -eq 0
    fi
else
    notok "installed seed_example.c builds with -DENABLE_SLOWPATH_SAMPLING"
fi

# ------------------------------------------------------------ build tree
flags=$(PKG_CONFIG_PATH=$top_builddir $SLAB_INST_PKG_CONFIG --cflags --libs libslab)
echo "# pkg-config (build tree): $flags"
check "PKG_CONFIG_PATH=<builddir> gives the source tree's headers" \
    sh -c "case ' $flags' in *' -I$top_srcdir/include'*) exit 0;; *) exit 1;; esac"

for prog in installed_prog myprog; do
    src=$top_srcdir/tests/installed_prog.c
    [ $prog = myprog ] && src=$work/myprog.c
    # shellcheck disable=SC2086
    if build "$work/tree_$prog" "$src" $flags; then
        env -u LD_LIBRARY_PATH SLAB_SHM=0 "$work/tree_$prog" 100000 >"$work/out" 2>&1
        rc=$?
        show "$work/out"
        ldd "$work/tree_$prog" | grep libslab | sed 's/^/# /'
        if [ $rc -eq 0 ] &&
            ldd "$work/tree_$prog" | grep -q "=> $top_builddir/libslab/.libs/libslab"; then
            ok "$prog, built against the build tree, runs on the tree's library"
        else
            notok "$prog, built against the build tree, runs on the tree's library"
        fi
    else
        notok "$prog builds against the build tree"
    fi
done
[ "$n" -eq 14 ] || { echo "# ran $n checks, planned 14"; fail=1; }
exit $fail
