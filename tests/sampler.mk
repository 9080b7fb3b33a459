## tests/sampler.mk: tests of the sampler, histograms, verdict and options.

check_PROGRAMS += tests/test_sampler
TESTS += tests/test_sampler
tests_test_sampler_LDADD = $(TEST_LIBS) -lm

check_PROGRAMS += tests/test_hist tests/test_verdict tests/test_budget
TESTS += tests/test_hist tests/test_verdict tests/test_budget
tests_test_hist_LDADD = $(TEST_LIBS)
tests_test_verdict_LDADD = $(TEST_LIBS)
tests_test_budget_LDADD = $(TEST_LIBS)
