## tests/slabtop.mk
