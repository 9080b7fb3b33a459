#!/bin/sh
# malloc_memory.sh - memory given back: a program that allocates 200000
# blocks of 300 bytes under the drop-in malloc and frees them all must be
# back near its starting RSS once it runs on (malloc_rss: 50 ms and 10000
# more calls later), in one thread and in two threads one after the other
# (the second reuses what the first gave back).  A malloc program closes
# no epochs: this is the drop-in's own return policy (dropin.c, "Memory
# return").  Skipped under sanitizers.

. "${top_srcdir:-.}/tests/slabtop_lib.sh"

SO="$top_builddir/libslab/malloc/.libs/libslab-malloc.so"
RSS="$top_builddir/tests/malloc_rss"
plan 4

if grep -q '^#define SLAB_SANITIZED 1' "$top_builddir/config.h"; then
    for _ in 1 2 3 4; do skip "sanitizer build: the preload is tested without sanitizers"; done
    finish
fi

for threads in 1 2; do
    SLAB_SHM=0 LD_PRELOAD="$SO" "$RSS" 200000 300 "$threads" > "$WORK/rss.$threads"
    ok $? "$threads thread(s): 200000 x 300 B allocated and freed"
    start=$(awk '$1 == "start" { print $2 }' "$WORK/rss.$threads")
    peak=$(awk '$1 == "peak" { print $2 }' "$WORK/rss.$threads")
    later=$(awk '$1 == "later" { print $2 }' "$WORK/rss.$threads")
    diag "RSS KiB: start $start, peak $peak, later $later"
    [ $((later - start)) -lt $(((peak - start) / 4)) ]
    ok $? "$threads thread(s): at most a quarter of the peak is still resident later"
done

finish
