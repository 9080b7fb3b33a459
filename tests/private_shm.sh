# private_shm.sh - sourced first by the tests that read or collect every
# segment of the host (the overview, the exporter, a host-wide --gc):
# other tests running at the same time, and whatever earlier runs left in
# /dev/shm, must neither disturb them nor be disturbed.  Where it can
# (root, unshare), the test runs again in a mount namespace of its own
# with a private, empty /dev/shm; elsewhere SLAB_PRIVATE_SHM stays unset
# and it runs as it is (the test decides what it can still check).
if [ -z "${SLAB_PRIVATE_SHM:-}" ] && [ "$(id -u)" -eq 0 ] \
   && command -v unshare >/dev/null 2>&1 \
   && unshare --mount sh -c 'mount -t tmpfs none /dev/shm' 2>/dev/null; then
    SLAB_PRIVATE_SHM=1 exec unshare --mount sh -c \
        'mount -t tmpfs none /dev/shm && exec sh "$0"' "$0"
fi
