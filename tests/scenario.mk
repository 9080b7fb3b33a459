## tests/scenario.mk
