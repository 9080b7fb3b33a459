## libslab/sampler.mk: the wall/CPU sampler, histograms, verdict, and the
## table of SLAB_* environment variables with the library's logging.

libslab_libslab_core_la_SOURCES += \
	libslab/options.h \
	libslab/options.c \
	libslab/sampler.h \
	libslab/sampler.c \
	libslab/hist.c \
	libslab/verdict.c
