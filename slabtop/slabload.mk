## slabtop/slabload.mk: the workload program.
