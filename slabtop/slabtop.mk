## slabtop/slabtop.mk: the live monitor.
##
## slabtop uses only the public reader API (include/slab_shm.h).  It links a
## static copy of the library, so an installed slabtop runs whatever --prefix
## was given and whenever: it never needs to find libslab.so at run time.

bin_PROGRAMS += slabtop/slabtop
slabtop_slabtop_CFLAGS = $(AM_CFLAGS) $(CURSES_CFLAGS)
slabtop_slabtop_LDADD = libslab/libslab-core.la $(SLAB_LIBS) $(PTHREAD_LIBS) $(CURSES_LIBS) -lm
slabtop_slabtop_SOURCES = \
	slabtop/slabtop.h \
	slabtop/main.c \
	slabtop/cli.h \
	slabtop/cli.c \
	slabtop/source.h \
	slabtop/source.c \
	slabtop/model.h \
	slabtop/model.c \
	slabtop/fmt.h \
	slabtop/fmt.c \
	slabtop/keys.h \
	slabtop/keys.c \
	slabtop/ui.h \
	slabtop/ui.c \
	slabtop/demo.h \
	slabtop/demo.c \
	slabtop/output.h \
	slabtop/output_text.c \
	slabtop/output_json.c \
	slabtop/output_openmetrics.c

dist_man_MANS += man/slabtop.1
