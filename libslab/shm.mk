## libslab/shm.mk: the shared-memory publisher and the reader API.

libslab_libslab_core_la_SOURCES += \
	libslab/publish.h \
	libslab/publish.c \
	libslab/seqlock.h \
	libslab/shm_common.h \
	libslab/shm_common.c \
	libslab/shm_writer.h \
	libslab/shm_writer.c \
	libslab/shm_reader.h \
	libslab/shm_reader.c \
	libslab/shm_list.c

pkginclude_HEADERS += include/slab_shm.h
dist_man_MANS += man/libslab-shm.5
