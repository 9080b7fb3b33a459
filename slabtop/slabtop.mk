## slabtop/slabtop.mk: the live monitor.
##
## slabtop uses only the public reader API (include/slab_shm.h) and links
## only the reader (libslab-reader.la: no allocator, sampler or publisher),
## so it can never create a segment.  It links the reader statically, so
## that an installed slabtop runs whatever --prefix
## was given and whenever: it never needs to find libslab.so at run time.

bin_PROGRAMS += slabtop/slabtop
slabtop_slabtop_CFLAGS = $(AM_CFLAGS) $(CURSES_CFLAGS) $(MHD_CFLAGS)
slabtop_slabtop_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_builddir)/slabtop
slabtop_slabtop_LDADD = libslab/libslab-reader.la $(SLAB_LIBS) $(CURSES_LIBS) $(MHD_LIBS) -lm
# Not AM_LDFLAGS: slabtop must not pull in the publisher.
slabtop_slabtop_LDFLAGS = $(SLAB_LDFLAGS)
slabtop_slabtop_SOURCES = \
	slabtop/slabtop.h \
	slabtop/main.c \
	slabtop/app.h \
	slabtop/app.c \
	slabtop/watch.c \
	slabtop/overview.c \
	slabtop/replay.c \
	slabtop/listing.c \
	slabtop/cli.h \
	slabtop/cli.c \
	slabtop/source.h \
	slabtop/source.c \
	slabtop/model.h \
	slabtop/model.c \
	slabtop/classcol.h \
	slabtop/classcol.c \
	slabtop/statfield.h \
	slabtop/statfield.c \
	slabtop/context.h \
	slabtop/context.c \
	slabtop/fmt.h \
	slabtop/fmt.c \
	slabtop/esc.h \
	slabtop/esc.c \
	slabtop/keys.h \
	slabtop/keys.c \
	slabtop/ui.h \
	slabtop/ui.c \
	slabtop/ui_panels.c \
	slabtop/ui_draw.h \
	slabtop/charts.c \
	slabtop/demo.h \
	slabtop/demo.c \
	slabtop/output.h \
	slabtop/output_text.c \
	slabtop/output_json.c \
	slabtop/output_openmetrics.c \
	slabtop/json.h \
	slabtop/json.c \
	slabtop/record.h \
	slabtop/record.c \
	slabtop/scan.h \
	slabtop/scan.c \
	slabtop/output_prom.h \
	slabtop/output_prom.c \
	slabtop/exporter.h \
	slabtop/exporter.c

nodist_slabtop_slabtop_SOURCES = slabtop/paths.h
BUILT_SOURCES += slabtop/paths.h
CLEANFILES += slabtop/paths.h

# Where --demo finds slabload, and slabtop -- PROGRAM the drop-in malloc
# (demo.c): the build tree's for the build tree's slabtop, else the one in
# bindir (libdir).  Made again whenever configure
# runs again, so that a --prefix chosen after the first build holds.
slabtop/paths.h: Makefile
	$(AM_V_GEN)$(MKDIR_P) slabtop && { \
	  echo '/* Made by make (slabtop/slabtop.mk); do not edit. */'; \
	  echo '#define SLABTOP_BUILD_PATH "$(abs_top_builddir)/slabtop/slabtop$(EXEEXT)"'; \
	  echo '#define SLABLOAD_BUILD_PATH "$(abs_top_builddir)/slabload/slabload$(EXEEXT)"'; \
	  echo '#define SLABLOAD_INSTALL_PATH "$(bindir)/slabload$(EXEEXT)"'; \
	  echo '#define MALLOC_BUILD_PATH "$(abs_top_builddir)/libslab/malloc/.libs/libslab-malloc.so"'; \
	  echo '#define MALLOC_INSTALL_PATH "$(libdir)/libslab-malloc.so"'; \
	} > $@-t && mv $@-t $@

dist_man_MANS += man/slabtop.1
