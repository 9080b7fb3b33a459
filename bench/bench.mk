## bench/bench.mk: benchmarks, run by `make bench`, never by `make check`.
##
## slabbench is an EXTRA_PROGRAM, so plain `make` and `make check` never
## build it; `make bench` does.  -no-install links it straight against the
## build tree's libslab.so (no libtool wrapper script), so that valgrind and
## LD_PRELOAD see the real program.  bench/run.sh does the rest: peers,
## the second build tree without sampling, the runs, RESULTS.md and the chart.

EXTRA_PROGRAMS = bench/slabbench bench/proctime bench/allocwork bench/footprint
bench_slabbench_SOURCES = bench/slabbench.c bench/workloads.h
bench_slabbench_LDADD = libslab/libslab.la $(PTHREAD_LIBS) -ldl
bench_slabbench_LDFLAGS = -no-install
CLEANFILES += bench/slabbench$(EXEEXT)

# proctime times one program as a whole process (wait4); allocwork holds
# the allocator workloads.  Neither links libslab: allocwork calls plain
# malloc/free, which bench/preload.sh points at each allocator in turn.
bench_proctime_SOURCES = bench/proctime.c
bench_allocwork_SOURCES = bench/allocwork.c
bench_allocwork_LDADD = $(PTHREAD_LIBS)
CLEANFILES += bench/proctime$(EXEEXT) bench/allocwork$(EXEEXT)

# footprint: peak RSS of 1M objects of one size (plain malloc, no libslab);
# `make bench-footprint` runs bench/footprint.sh over the allocators.
bench_footprint_SOURCES = bench/footprint.c
CLEANFILES += bench/footprint$(EXEEXT)

EXTRA_DIST += \
	bench/.gitignore \
	bench/run.sh \
	bench/preload.sh \
	bench/footprint.sh \
	bench/callcount.c \
	bench/programs/pywork.py \
	bench/programs/sqlite.sql \
	bench/programs/gensrc.py \
	bench/report.py \
	bench/report_preload.py \
	bench/preload.png \
	bench/RESULTS.md \
	bench/results.png

BENCH_ENV = \
	BENCH_SRCDIR='$(abs_top_srcdir)' \
	BENCH_BUILDDIR='$(abs_top_builddir)' \
	BENCH_DISTDIR='$(distdir)' \
	BENCH_CC='$(CC)' \
	BENCH_CFLAGS='$(CFLAGS)'

# BENCH_ARGS is passed to bench/run.sh (e.g. BENCH_ARGS=--only=preload);
# BENCH_QUICK=1 is the short run (bench/run.sh --quick).
bench: bench/slabbench$(EXEEXT) bench/proctime$(EXEEXT) bench/allocwork$(EXEEXT) \
		libslab/libslab.la libslab/malloc/libslab-malloc.la \
		slabtop/slabtop$(EXEEXT) slabtop/slabrun$(EXEEXT)
	$(BENCH_ENV) $(SHELL) '$(abs_top_srcdir)/bench/run.sh' \
		$$(test '$(BENCH_QUICK)' = 1 && echo --quick) $(BENCH_ARGS)

.PHONY: bench

bench-footprint: bench/footprint$(EXEEXT) libslab/malloc/libslab-malloc.la
	$(SHELL) '$(abs_top_srcdir)/bench/footprint.sh' '$(abs_top_builddir)/bench/footprint$(EXEEXT)' \
		'$(abs_top_builddir)/libslab/malloc/.libs/libslab-malloc.so'

.PHONY: bench-footprint
