## slabload/slabload.mk: the workload program.
##
## Linked with a static copy of the whole library, like the tests, so that
## it runs from any installed prefix without libslab.so on the loader's
## path.  It uses the public API and the test hooks (slab_debug.h).

bin_PROGRAMS += slabload/slabload
slabload_slabload_SOURCES = slabload/slabload.h slabload/slabload.c \
	slabload/options.c slabload/summary.c
slabload_slabload_LDADD = libslab/libslab-all.la $(SLAB_LIBS) $(PTHREAD_LIBS)
dist_man_MANS += man/slabload.1
