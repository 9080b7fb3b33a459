## libslab/libslab.mk: the library, built from its layers (see the
## architecture at the top of Makefile.am).
##
## Every object is compiled with hidden visibility; the installed libslab.la
## exports only the SLAB_API functions.  Two convenience libraries split the
## objects along the one line that matters to a program that links them:
##
##   libslab-reader.la  what a monitor needs: the reader API, the segment
##                      helpers and the pure statistics functions (histogram
##                      buckets and quantiles, the verdict).  Nothing in it
##                      creates, writes or removes a segment, and it has no
##                      constructor: slabtop links only this.
##   libslab-all.la     the whole library: the allocator core, the sampler
##                      and the publisher, plus libslab-reader.la.  Tests
##                      and slabload link it statically, so that they reach
##                      internal hooks and run from any prefix.

LIBSLAB_CFLAGS = $(AM_CFLAGS) $(VISIBILITY_CFLAGS)

# ----------------------------------------------------------------- reader
noinst_LTLIBRARIES += libslab/libslab-reader.la
libslab_libslab_reader_la_CFLAGS = $(LIBSLAB_CFLAGS)
libslab_libslab_reader_la_SOURCES = \
	libslab/util/common.h \
	libslab/util/seqlock.h \
	libslab/util/shm_common.h \
	libslab/util/shm_common.c \
	libslab/util/size_class.c \
	libslab/sampler/hist.c \
	libslab/sampler/verdict.c \
	libslab/sampler/cause.c \
	libslab/reader/shm_reader.h \
	libslab/reader/shm_reader.c \
	libslab/reader/shm_snapshot.c \
	libslab/reader/shm_guard.c \
	libslab/reader/shm_list.c

# ----------------------------------------------------------------- everything
noinst_LTLIBRARIES += libslab/libslab-all.la
libslab_libslab_all_la_CFLAGS = $(LIBSLAB_CFLAGS)
libslab_libslab_all_la_LIBADD = libslab/libslab-reader.la
# util: the fast paths' thread-local words
libslab_libslab_all_la_SOURCES = \
	libslab/util/thread_hot.h \
	libslab/util/thread_hot.c
# sampler: clocks, countdown, thread statistics, SLAB_* options and logging
libslab_libslab_all_la_SOURCES += \
	libslab/sampler/options.h \
	libslab/sampler/options.c \
	libslab/sampler/sampler.h \
	libslab/sampler/sampler.c \
	libslab/sampler/settings.h \
	libslab/sampler/settings.c \
	libslab/sampler/draw.h \
	libslab/sampler/sample.h \
	libslab/sampler/sample.c
# core: the allocator
libslab_libslab_all_la_SOURCES += \
	libslab/core/core_hooks.h \
	libslab/core/core_hooks.c \
	libslab/core/registry.h \
	libslab/core/core.h \
	libslab/core/fast.c \
	libslab/core/slow.c \
	libslab/core/slab.c \
	libslab/core/heap.c \
	libslab/core/epoch.c \
	libslab/core/allocator.c \
	libslab/core/registry.c \
	libslab/core/debug.c \
	libslab/core/slab_internal.h \
	libslab/core/slab_test.h \
	libslab/core/meta.h \
	libslab/core/slab_addr.h \
	libslab/core/addr_fast.h \
	libslab/core/epoch_internal.h \
	libslab/core/epoch_domain.c
# publish: segment creation, per-thread records, exited totals
libslab_libslab_all_la_SOURCES += \
	libslab/publish/publish.h \
	libslab/publish/publish.c \
	libslab/publish/shm_writer.h \
	libslab/publish/shm_writer.c \
	libslab/publish/shm_create.c

# The publisher joins the allocator and the sampler from a constructor in
# publish.c: nothing below it calls it by name.  A static link of
# libslab-all.la must therefore be told to keep that object.
LIBSLAB_ALL_LDFLAGS = -Wl,--undefined=slab_pub_install

# ----------------------------------------------------------------- installed
lib_LTLIBRARIES += libslab/libslab.la
libslab_libslab_la_SOURCES =
nodist_EXTRA_libslab_libslab_la_SOURCES = libslab/force-c-link.c
libslab_libslab_la_LIBADD = libslab/libslab-all.la $(SLAB_LIBS) $(PTHREAD_LIBS)
libslab_libslab_la_LDFLAGS = -version-info $(LIBSLAB_LT_VERSION) -no-undefined

pkginclude_HEADERS += \
	include/slab_alloc.h \
	include/epoch_domain.h \
	include/slab_stats.h \
	include/slab_shm.h \
	include/slab_shm_format.h

# The test hooks are not part of the installed API: only the project's own
# tests and slabload use them (they still link, from the static library).
noinst_HEADERS += include/slab_debug.h

dist_man_MANS += man/libslab-shm.5
EXTRA_DIST += libslab/libslab.pc.in libslab/libslab-uninstalled.pc.in
