## slabtop/slabtop.mk: the live monitor.
