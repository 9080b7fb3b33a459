## tests/sampler.mk
