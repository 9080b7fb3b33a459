## libslab/shm.mk: the shared-memory publisher and the reader API.

libslab_libslab_core_la_SOURCES += \
	libslab/publish.h \
	libslab/publish.c

pkginclude_HEADERS += include/slab_shm.h
