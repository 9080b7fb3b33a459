## tests/scenario.mk: slabload's scenarios, read back the way a user reads
## them, and slabload's command line.
##
## The scenario tests measure scheduling, so they run one at a time, each
## holding a lock (tests/scenario.lock, see tests/scenario_lib.sh): a noisy
## run's pinned hogs must not land in a steady run's interval.

check_PROGRAMS += tests/scenario_json tests/scenario_probe
tests_scenario_json_SOURCES = tests/scenario_json.c
tests_scenario_probe_SOURCES = tests/scenario_probe.c
tests_scenario_probe_LDADD = libslab/libslab.la

SCENARIO_TESTS = \
	tests/scenario_cli.sh \
	tests/scenario_steady.sh \
	tests/scenario_noisy.sh \
	tests/scenario_repair.sh \
	tests/scenario_slabs.sh \
	tests/scenario_cause.sh
TESTS += $(SCENARIO_TESTS)

## The cause scenarios judge what the scheduler did to one thread, and a
## test running beside them on a 2-core machine preempts it: they start
## when every other test of the run has finished.
tests/scenario_cause.log: $(TEST_LOGS:tests/scenario_cause.log=)
EXTRA_DIST += $(SCENARIO_TESTS) tests/scenario_lib.sh

CLEANFILES += tests/scenario-retries.txt tests/scenario.lock tests/scenario-accuracy.txt
clean-local: clean-scenario
clean-scenario:
	-rm -rf tests/scenario-*.d
.PHONY: clean-scenario
