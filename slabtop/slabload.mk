## slabtop/slabload.mk: the workload program.
##
## Linked with a static copy of the library, like slabtop, so that it runs
## from any installed prefix without libslab.so on the loader's path.

bin_PROGRAMS += slabtop/slabload
slabtop_slabload_SOURCES = slabtop/slabload.c
slabtop_slabload_LDADD = libslab/libslab-all.la $(SLAB_LIBS) $(PTHREAD_LIBS)
dist_man_MANS += man/slabload.1
