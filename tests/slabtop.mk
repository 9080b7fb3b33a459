## tests/slabtop.mk: slabtop's model, headless outputs, screen and errors.

check_PROGRAMS += tests/test_slabtop_model
TESTS += tests/test_slabtop_model
tests_test_slabtop_model_CFLAGS = $(AM_CFLAGS) $(CURSES_CFLAGS) -I$(top_srcdir)/slabtop
tests_test_slabtop_model_LDADD = $(TEST_LIBS) -lm
tests_test_slabtop_model_SOURCES = \
	tests/test_slabtop_model.c \
	slabtop/slabtop.h \
	slabtop/model.h \
	slabtop/model.c \
	slabtop/classcol.h \
	slabtop/classcol.c \
	slabtop/context.h \
	slabtop/context.c \
	slabtop/cli.h \
	slabtop/cli.c \
	slabtop/keys.h \
	slabtop/keys.c \
	slabtop/fmt.h \
	slabtop/fmt.c \
	slabtop/json.h \
	slabtop/json.c \
	slabtop/record.h \
	slabtop/record.c \
	slabtop/esc.h \
	slabtop/esc.c \
	slabtop/output.h \
	slabtop/output_json.c

# A small libslab process for the tests to watch.
check_PROGRAMS += tests/slabtop_pub
tests_slabtop_pub_LDADD = $(TEST_LIBS)

# Against live processes: headless outputs (checked by strict parsers), every
# exit status, --list/--gc, and the screen driven in tmux.
TESTS += \
	tests/slabtop_headless.sh \
	tests/slabtop_errors.sh \
	tests/slabtop_list.sh \
	tests/slabtop_nopublish.sh \
	tests/shm_hostile.sh \
	tests/slabtop_hostile.sh \
	tests/slabtop_exporter.sh \
	tests/slabtop_replay.sh \
	tests/slabtop_run.sh \
	tests/slabtop_cgroup.sh \
	tests/slabtop_ui.sh
EXTRA_DIST += \
	tests/slabtop_lib.sh \
	tests/private_shm.sh \
	tests/slabtop_headless.sh \
	tests/slabtop_errors.sh \
	tests/slabtop_list.sh \
	tests/slabtop_nopublish.sh \
	tests/shm_hostile.sh \
	tests/slabtop_hostile.sh \
	tests/slabtop_exporter.sh \
	tests/slabtop_replay.sh \
	tests/slabtop_run.sh \
	tests/slabtop_cgroup.sh \
	tests/slabtop_ui.sh \
	tests/slabtop_json_check.py \
	contrib/prometheus/slabtop-rules.yml \
	contrib/prometheus/slabtop-rules.test.yml \
	tests/slabtop_om_check.py

# slabtop_list.sh runs --gc, which removes every segment of a dead owner on
# the host: run it after slabtop_headless.sh, which reads a stale segment of
# its own.
tests/slabtop_list.log: tests/slabtop_headless.log
