#!/bin/sh
# slabtop_nopublish.sh - slabtop is a reader that cannot publish: with
# SLAB_SHM_NAME set (which makes any libslab program publish before main),
# --list, --once and --json create no segment and slabtop never lists
# itself.  It links no writer at all.
. "${top_srcdir:-.}/tests/slabtop_lib.sh"

plan 7

seg probe; P=$SEG
seg watched; W=$SEG
start_pub "$W" --threads 1 --seconds 120

SLAB_SHM_NAME="$P" "$SLABTOP" --list > "$WORK/list.txt" 2>&1
is $? 0 "SLAB_SHM_NAME=$P slabtop --list exits 0"
[ ! -e "/dev/shm/slab.$P" ]
ok $? "and creates no segment named $P"
! grep -q "^$P " "$WORK/list.txt" && ! grep -q " slabtop  " "$WORK/list.txt"
ok $? "and lists no slabtop process"

SLAB_SHM_NAME="$P" "$SLABTOP" --once "$W" > "$WORK/once.txt" 2>&1
is $? 0 "SLAB_SHM_NAME=$P slabtop --once $W exits 0"
SLAB_SHM_NAME="$P" "$SLABTOP" --json -n 1 "$W" > "$WORK/json.txt" 2>&1
[ ! -e "/dev/shm/slab.$P" ]
ok $? "--once and --json of another segment create no segment named $P"

# The binary itself: no writer, allocator or sampler linked in.
if command -v nm >/dev/null 2>&1; then
    nm "$SLABTOP" > "$WORK/nm.txt" 2>/dev/null
    ! grep -qE ' (slab_shm_publish|slab_shm_writer_autostart|slab_pub_install|slab_allocator_create|slab_sampler_begin)$' "$WORK/nm.txt"
    ok $? "slabtop links no publisher, allocator or sampler"
    grep -qE ' slab_shm_snapshot_take$' "$WORK/nm.txt"
    ok $? "(it does link the reader, so the check above can see symbols)"
else
    skip "nm not found"
    skip "nm not found"
fi
finish
