## libslab/sampler.mk: the wall/CPU sampler, histograms and verdict.

libslab_libslab_core_la_SOURCES += \
	libslab/sampler.h \
	libslab/sampler.c
