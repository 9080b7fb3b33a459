## libslab/alloc.mk: the library itself, and the allocator core.
##
## libslab-core.la holds every object of the library with hidden visibility;
## the installed libslab.la exports only the SLAB_API functions.  Tests link
## the core statically so they can reach internal hooks.

noinst_LTLIBRARIES += libslab/libslab-core.la
libslab_libslab_core_la_CFLAGS = $(AM_CFLAGS) $(VISIBILITY_CFLAGS)
libslab_libslab_core_la_SOURCES = \
	libslab/common.h \
	libslab/registry.h \
	libslab/slab_alloc.c \
	libslab/slab_internal.h \
	libslab/epoch_internal.h \
	libslab/epoch_domain.c

lib_LTLIBRARIES += libslab/libslab.la
libslab_libslab_la_SOURCES =
nodist_EXTRA_libslab_libslab_la_SOURCES = libslab/force-c-link.c
libslab_libslab_la_LIBADD = libslab/libslab-core.la $(SLAB_LIBS) $(PTHREAD_LIBS)
libslab_libslab_la_LDFLAGS = -version-info $(LIBSLAB_LT_VERSION) -no-undefined

pkginclude_HEADERS += \
	include/slab_alloc.h \
	include/epoch_domain.h \
	include/slab_stats.h \
	include/slab_debug.h

EXTRA_DIST += libslab/libslab.pc.in
