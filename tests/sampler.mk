## tests/sampler.mk: tests of the sampler, histograms, verdict and options.

check_PROGRAMS += tests/test_sampler
TESTS += tests/test_sampler
tests_test_sampler_LDADD = $(TEST_LIBS) -lm

check_PROGRAMS += tests/test_hist tests/test_verdict tests/test_budget
TESTS += tests/test_hist tests/test_verdict tests/test_budget
tests_test_hist_LDADD = $(TEST_LIBS)
tests_test_verdict_LDADD = $(TEST_LIBS)
tests_test_budget_LDADD = $(TEST_LIBS)

check_PROGRAMS += tests/test_sampler_alloc
TESTS += tests/test_sampler_alloc
tests_test_sampler_alloc_LDADD = $(TEST_LIBS)

# The seed's example program, unchanged but for its workload, built the way a
# user builds it: public headers only, -DENABLE_SLOWPATH_SAMPLING, and the
# shared library.  Installed as an example too.
check_PROGRAMS += tests/seed_example
tests_seed_example_SOURCES = tests/seed_example.c
tests_seed_example_CPPFLAGS = -I$(top_srcdir)/include -DENABLE_SLOWPATH_SAMPLING
tests_seed_example_CFLAGS = $(AM_CFLAGS) -Wno-strict-prototypes
tests_seed_example_LDADD = libslab/libslab.la
TESTS += tests/seed_example.sh
EXTRA_DIST += tests/seed_example.sh
seedexampledir = $(docdir)/examples
dist_seedexample_DATA = tests/seed_example.c

check_PROGRAMS += tests/test_options
TESTS += tests/test_options
tests_test_options_LDADD = $(TEST_LIBS)

# libslab(3); its ENVIRONMENT section is generated from the table in
# libslab/sampler/options.c ("make update-libslab-man"), and test_options checks it.
dist_man_MANS += man/libslab.3

update-libslab-man: tests/test_options$(EXEEXT)
	{ sed '/^\.\\" BEGIN ENVIRONMENT TABLE$$/q' $(top_srcdir)/man/libslab.3; \
	  tests/test_options$(EXEEXT) --man; \
	  sed -n '/^\.\\" END ENVIRONMENT TABLE$$/,$$p' $(top_srcdir)/man/libslab.3; \
	} > man-libslab.tmp && mv man-libslab.tmp $(top_srcdir)/man/libslab.3
.PHONY: update-libslab-man

# The decomposed sample and the tail/cause rule.
check_PROGRAMS += tests/test_tail
TESTS += tests/test_tail
tests_test_tail_LDADD = $(TEST_LIBS)
