## tests/sampler.mk: tests of the sampler, histograms, verdict and options.

check_PROGRAMS += tests/test_sampler
TESTS += tests/test_sampler
tests_test_sampler_LDADD = $(TEST_LIBS) -lm
