## slabtop/slabtop.mk: the live monitor.
##
## slabtop uses only the public reader API (include/slab_shm.h) and links
## only the reader (libslab-reader.la: no allocator, sampler or publisher),
## so it can never create a segment.  It links the reader statically, so
## that an installed slabtop runs whatever --prefix
## was given and whenever: it never needs to find libslab.so at run time.

bin_PROGRAMS += slabtop/slabtop
slabtop_slabtop_CFLAGS = $(AM_CFLAGS) $(CURSES_CFLAGS)
slabtop_slabtop_LDADD = libslab/libslab-reader.la $(SLAB_LIBS) $(CURSES_LIBS) -lm
# Not AM_LDFLAGS: slabtop must not pull in the publisher.
slabtop_slabtop_LDFLAGS = $(SLAB_LDFLAGS)
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
