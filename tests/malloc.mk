## tests/malloc.mk: the drop-in malloc.
##
## test_malloc_* call the drop-in's code linked in under prefixed names
## (libslab-dropin-test.la), so they run in every build, sanitizers
## included.  The preload tests (malloc_*.sh) load the real
## libslab-malloc.so into programs and skip under sanitizers.

DROPIN_TEST_LIBS = libslab/malloc/libslab-dropin-test.la $(TEST_LIBS)
DROPIN_TEST_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/libslab/malloc

check_PROGRAMS += tests/test_malloc_api
TESTS += tests/test_malloc_api
tests_test_malloc_api_LDADD = $(DROPIN_TEST_LIBS)
tests_test_malloc_api_CPPFLAGS = $(DROPIN_TEST_CPPFLAGS)

check_PROGRAMS += tests/test_malloc_threads
TESTS += tests/test_malloc_threads
tests_test_malloc_threads_LDADD = $(DROPIN_TEST_LIBS)
tests_test_malloc_threads_CPPFLAGS = $(DROPIN_TEST_CPPFLAGS)

check_PROGRAMS += tests/test_malloc_fork
TESTS += tests/test_malloc_fork
tests_test_malloc_fork_LDADD = $(DROPIN_TEST_LIBS)
tests_test_malloc_fork_CPPFLAGS = $(DROPIN_TEST_CPPFLAGS)

# Real programs under LD_PRELOAD (python3, sort, sqlite3, git, cc).
TESTS += tests/malloc_programs.sh
EXTRA_DIST += tests/malloc_programs.sh tests/malloc_workload.py

# slabrun from the build tree.
TESTS += tests/slabrun.sh
EXTRA_DIST += tests/slabrun.sh

# Memory given back after a program frees what it allocated.
check_PROGRAMS += tests/malloc_rss
tests_malloc_rss_LDADD = $(PTHREAD_LIBS)
TESTS += tests/malloc_memory.sh
EXTRA_DIST += tests/malloc_memory.sh

# The awkward cases under the preload.
check_PROGRAMS += tests/malloc_hard
tests_malloc_hard_LDADD = $(PTHREAD_LIBS)
TESTS += tests/malloc_hard.sh
EXTRA_DIST += tests/malloc_hard.sh

# The large-path counts (allocs_large, frees_large) of a known mix.
check_PROGRAMS += tests/malloc_large
TESTS += tests/malloc_large.sh
EXTRA_DIST += tests/malloc_large.sh

# Thread churn: new threads take over the slabs dead ones left.
check_PROGRAMS += tests/test_malloc_churn
TESTS += tests/test_malloc_churn
tests_test_malloc_churn_LDADD = $(DROPIN_TEST_LIBS)
tests_test_malloc_churn_CPPFLAGS = $(DROPIN_TEST_CPPFLAGS)
