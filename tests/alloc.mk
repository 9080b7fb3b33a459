## tests/alloc.mk: allocator tests.

noinst_HEADERS += tests/tap.h tests/fork_harness.h tests/rng.h
TEST_LIBS = libslab/libslab-all.la $(SLAB_LIBS) $(PTHREAD_LIBS)

ALLOC_TESTS = \
	tests/test_alloc_api \
	tests/test_classes \
	tests/test_handles \
	tests/test_epochs \
	tests/test_domains \
	tests/test_repair \
	tests/test_threads \
	tests/test_release_race \
	tests/test_double_free_race \
	tests/test_generation_wrap \
	tests/test_core_nomalloc \
	tests/test_fork \
	tests/test_free_foreign

check_PROGRAMS += $(ALLOC_TESTS)
TESTS += $(ALLOC_TESTS)

tests_test_alloc_api_LDADD = $(TEST_LIBS)
tests_test_classes_LDADD = $(TEST_LIBS)
tests_test_handles_LDADD = $(TEST_LIBS)
tests_test_epochs_LDADD = $(TEST_LIBS)
tests_test_domains_LDADD = $(TEST_LIBS)
tests_test_repair_LDADD = $(TEST_LIBS)
tests_test_threads_LDADD = $(TEST_LIBS)
tests_test_release_race_LDADD = $(TEST_LIBS)
tests_test_double_free_race_LDADD = $(TEST_LIBS)
tests_test_generation_wrap_LDADD = $(TEST_LIBS)
tests_test_core_nomalloc_LDADD = $(TEST_LIBS)
tests_test_fork_LDADD = $(TEST_LIBS)
tests_test_free_foreign_LDADD = $(TEST_LIBS)

# A program built against the installed library, as a user would build it;
# .ci/run compiles it with pkg-config after `make install`.
EXTRA_DIST += tests/installed_prog.c

# The include graph of the layers (Makefile.am, "Architecture").
TESTS += tests/layering.sh
EXTRA_DIST += tests/layering.sh
