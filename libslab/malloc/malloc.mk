## libslab/malloc/malloc.mk: the drop-in malloc, libslab-malloc.so.
##
## Installed in $(libdir) as a module (no version suffix, no static
## archive): it is only ever loaded with LD_PRELOAD, by name.  Only the C
## allocation API is exported.  libslab-dropin-test.la is the same code
## with prefixed entry points (dropin.h) for tests that call it directly.

DROPIN_SOURCES = libslab/malloc/dropin.c libslab/malloc/dropin.h \
	libslab/malloc/dropin_internal.h libslab/malloc/aligned.c libslab/malloc/startup.c
DROPIN_EXPORTS = '^(malloc|free|calloc|realloc|reallocarray|posix_memalign|aligned_alloc|memalign|valloc|pvalloc|malloc_usable_size)$$'

lib_LTLIBRARIES += libslab/malloc/libslab-malloc.la
libslab_malloc_libslab_malloc_la_SOURCES = $(DROPIN_SOURCES)
libslab_malloc_libslab_malloc_la_CFLAGS = $(AM_CFLAGS) $(VISIBILITY_CFLAGS)
libslab_malloc_libslab_malloc_la_LIBADD = libslab/libslab-all.la $(SLAB_LIBS) $(PTHREAD_LIBS)
libslab_malloc_libslab_malloc_la_LDFLAGS = $(AM_LDFLAGS) -module -avoid-version -shared -no-undefined \
	-export-symbols-regex $(DROPIN_EXPORTS)

noinst_LTLIBRARIES += libslab/malloc/libslab-dropin-test.la
libslab_malloc_libslab_dropin_test_la_SOURCES = $(DROPIN_SOURCES)
libslab_malloc_libslab_dropin_test_la_CPPFLAGS = $(AM_CPPFLAGS) -DSLAB_DROPIN_TEST
libslab_malloc_libslab_dropin_test_la_CFLAGS = $(AM_CFLAGS) $(VISIBILITY_CFLAGS)
