## bench/bench.mk: benchmarks, run by `make bench`, never by `make check`.
##
## slabbench is an EXTRA_PROGRAM, so plain `make` and `make check` never
## build it; `make bench` does.  -no-install links it straight against the
## build tree's libslab.so (no libtool wrapper script), so that valgrind and
## LD_PRELOAD see the real program.  bench/run.sh does the rest: peers,
## the second build tree without sampling, the runs, RESULTS.md and the chart.

EXTRA_PROGRAMS = bench/slabbench
bench_slabbench_SOURCES = bench/slabbench.c bench/workloads.h
bench_slabbench_LDADD = libslab/libslab.la $(PTHREAD_LIBS) -ldl
bench_slabbench_LDFLAGS = -no-install
CLEANFILES += bench/slabbench$(EXEEXT)

EXTRA_DIST += \
	bench/.gitignore \
	bench/run.sh \
	bench/report.py \
	bench/RESULTS.md \
	bench/results.png

BENCH_ENV = \
	BENCH_SRCDIR='$(abs_top_srcdir)' \
	BENCH_BUILDDIR='$(abs_top_builddir)' \
	BENCH_DISTDIR='$(distdir)' \
	BENCH_CC='$(CC)' \
	BENCH_CFLAGS='$(CFLAGS)'

# BENCH_ARGS is passed to bench/run.sh (e.g. BENCH_ARGS=--quick).
bench: bench/slabbench$(EXEEXT) libslab/libslab.la slabtop/slabtop$(EXEEXT)
	$(BENCH_ENV) $(SHELL) '$(abs_top_srcdir)/bench/run.sh' $(BENCH_ARGS)

.PHONY: bench
