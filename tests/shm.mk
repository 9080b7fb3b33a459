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
