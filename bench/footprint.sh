#!/bin/sh
# footprint.sh - peak RSS of 1M small objects per size, for each allocator.
#
#     bench/footprint.sh FOOTPRINT DROPIN [N]
#
# FOOTPRINT is the bench/footprint program, DROPIN libslab-malloc.so.  Runs
# footprint for sizes 16 24 40 100 200 300 under glibc, the drop-in, and
# mimalloc, jemalloc and tcmalloc where installed, and prints a table of
# ru_maxrss (KiB) per allocator and size.  SLAB_SHM=0: no segment.
set -eu
prog=$1
dropin=$2
n=${3:-1000000}
libdir=/usr/lib/x86_64-linux-gnu
sizes="16 24 40 100 200 300"

printf '%-10s' allocator
for s in $sizes; do printf ' %8s' "$s"; done
printf '\n'
run() {
	name=$1
	lib=$2
	printf '%-10s' "$name"
	for s in $sizes; do
		if [ -n "$lib" ]; then
			kb=$(SLAB_SHM=0 LD_PRELOAD=$lib "$prog" "$s" "$n" | awk '{print $8}')
		else
			kb=$(SLAB_SHM=0 "$prog" "$s" "$n" | awk '{print $8}')
		fi
		printf ' %8s' "$kb"
	done
	printf '\n'
}
run glibc ""
run libslab "$dropin"
for peer in mimalloc:libmimalloc.so.2 jemalloc:libjemalloc.so.2 tcmalloc:libtcmalloc_minimal.so.4; do
	name=${peer%%:*}
	lib=$libdir/${peer#*:}
	if [ -e "$lib" ]; then run "$name" "$lib"; fi
done
