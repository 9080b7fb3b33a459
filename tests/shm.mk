## tests/shm.mk: the shared-memory segment, its writer and its readers.

check_PROGRAMS += tests/test_shm_basic
TESTS += tests/test_shm_basic
tests_test_shm_basic_LDADD = $(TEST_LIBS)
