## tests/install.mk: the library installed to a staging directory, and the
## build tree, each used by a program the way the README says.
##
## tests/install.sh runs `make install DESTDIR=...` into a directory under
## the build tree, which it removes when done.

TESTS += tests/install.sh
EXTRA_DIST += tests/install.sh
AM_TESTS_ENVIRONMENT += \
	SLAB_INST_MAKE='$(MAKE)'; export SLAB_INST_MAKE; \
	SLAB_INST_CC='$(CC)'; export SLAB_INST_CC; \
	SLAB_INST_CFLAGS='$(SLAB_CFLAGS) $(CFLAGS)'; export SLAB_INST_CFLAGS; \
	SLAB_INST_LDFLAGS='$(SLAB_LDFLAGS) $(LDFLAGS)'; export SLAB_INST_LDFLAGS; \
	SLAB_INST_PKG_CONFIG='$(PKG_CONFIG)'; export SLAB_INST_PKG_CONFIG; \
	SLAB_INST_BINDIR='$(bindir)'; export SLAB_INST_BINDIR; \
	SLAB_INST_LIBDIR='$(libdir)'; export SLAB_INST_LIBDIR; \
	SLAB_INST_DOCDIR='$(docdir)'; export SLAB_INST_DOCDIR; \
	SLAB_INST_PKGCONFIGDIR='$(pkgconfigdir)'; export SLAB_INST_PKGCONFIGDIR;

clean-local: clean-install-test
clean-install-test:
	-chmod -R u+w tests/install.d.* 2>/dev/null; rm -rf tests/install.d.*
.PHONY: clean-install-test
