## libslab/shm.mk: the shared-memory publisher and the reader API.

libslab_libslab_core_la_SOURCES += \
	libslab/publish.h \
	libslab/publish.c
