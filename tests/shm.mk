## tests/shm.mk
