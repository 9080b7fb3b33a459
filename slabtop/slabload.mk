## slabtop/slabload.mk: the workload program.

bin_PROGRAMS += slabtop/slabload
slabtop_slabload_SOURCES = slabtop/slabload.c
slabtop_slabload_LDADD = libslab/libslab.la $(PTHREAD_LIBS)
dist_man_MANS += man/slabload.1
