## tests/shm.mk: the shared-memory segment, its writer and its readers.

check_PROGRAMS += tests/test_shm_basic
TESTS += tests/test_shm_basic
tests_test_shm_basic_LDADD = $(TEST_LIBS)

check_PROGRAMS += tests/test_shm_fold
TESTS += tests/test_shm_fold
tests_test_shm_fold_LDADD = $(TEST_LIBS)

check_PROGRAMS += tests/test_shm_malformed
TESTS += tests/test_shm_malformed
tests_test_shm_malformed_LDADD = $(TEST_LIBS)

check_PROGRAMS += tests/test_shm_lifecycle
TESTS += tests/test_shm_lifecycle
tests_test_shm_lifecycle_LDADD = $(TEST_LIBS)

check_PROGRAMS += tests/test_shm_torture
TESTS += tests/test_shm_torture
tests_test_shm_torture_LDADD = $(TEST_LIBS)

check_PROGRAMS += tests/test_shm_alloc_threads
TESTS += tests/test_shm_alloc_threads
tests_test_shm_alloc_threads_LDADD = $(TEST_LIBS)

# The libFuzzer target (./configure CC=clang --enable-fuzzing).  Its copies
# of the reader sources are compiled with coverage for the fuzzer.
if FUZZING
noinst_PROGRAMS += tests/fuzz_shm
tests_fuzz_shm_SOURCES = tests/fuzz_shm.c libslab/util/shm_common.c \
	libslab/reader/shm_reader.c libslab/reader/shm_snapshot.c \
	libslab/reader/shm_guard.c
tests_fuzz_shm_CFLAGS = $(AM_CFLAGS) -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=undefined
tests_fuzz_shm_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer,address,undefined
tests_fuzz_shm_LDADD = $(TEST_LIBS)
endif
EXTRA_DIST += tests/fuzz_shm.c tests/fuzz_shm_smoke.sh
TESTS += tests/fuzz_shm_smoke.sh
CLEANFILES += tests/fuzz_shm_smoke.out

check_PROGRAMS += tests/test_shm_closed
TESTS += tests/test_shm_closed
tests_test_shm_closed_LDADD = $(TEST_LIBS)

check_PROGRAMS += tests/test_shm_foreign
TESTS += tests/test_shm_foreign
tests_test_shm_foreign_LDADD = $(TEST_LIBS) $(PTHREAD_LIBS)

check_PROGRAMS += tests/test_shm_format
TESTS += tests/test_shm_format
tests_test_shm_format_LDADD = $(TEST_LIBS)

# libslab-shm(5)'s field tables are generated from slab_shm_format.h
# ("make update-shm-man"); test_shm_format checks them.
update-shm-man: tests/test_shm_format$(EXEEXT)
	{ sed '/^\.\\" BEGIN COUNTER TABLES$$/q' $(top_srcdir)/man/libslab-shm.5; \
	  tests/test_shm_format$(EXEEXT) --man; \
	  sed -n '/^\.\\" END COUNTER TABLES$$/,$$p' $(top_srcdir)/man/libslab-shm.5; \
	} > man-libslab-shm.tmp && mv man-libslab-shm.tmp $(top_srcdir)/man/libslab-shm.5
.PHONY: update-shm-man

check_PROGRAMS += tests/test_shm_exec
TESTS += tests/test_shm_exec
tests_test_shm_exec_LDADD = $(TEST_LIBS)

check_PROGRAMS += tests/test_shm_resize
TESTS += tests/test_shm_resize
tests_test_shm_resize_LDADD = $(TEST_LIBS)

check_PROGRAMS += tests/test_shm_collect
TESTS += tests/test_shm_collect
tests_test_shm_collect_LDADD = $(TEST_LIBS)

check_PROGRAMS += tests/test_shm_fork
TESTS += tests/test_shm_fork
tests_test_shm_fork_LDADD = $(TEST_LIBS) $(PTHREAD_LIBS)
