## slabtop/slabtop.mk: the live monitor.
##
## slabtop links the installed-style shared library and uses only its
## public reader API (include/slab_shm.h).

dist_man_MANS += man/slabtop.1

EXTRA_DIST += \
	slabtop/slabtop.h \
	slabtop/main.c \
	slabtop/source.h \
	slabtop/source.c \
	slabtop/ui.h \
	slabtop/ui.c \
	slabtop/demo.h \
	slabtop/demo.c \
	slabtop/output_text.c \
	slabtop/output_openmetrics.c
