## tests/alloc.mk: allocator tests.

noinst_HEADERS += tests/tap.h
TEST_LIBS = libslab/libslab-core.la $(SLAB_LIBS) $(PTHREAD_LIBS)
