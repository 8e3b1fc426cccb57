#!/usr/bin/env bash
# Both controller models with MSI-X switched off in QEMU: the driver falls
# back to MSI by itself, and data is intact.
. "$(dirname "$0")/../lib.sh"

ktap_print_header
ktap_set_plan 3
dmesg_mark
megasas_load && settle
check "both hosts use MSI" bash -c "[ \$(megasas_hosts | wc -l) = 2 ] &&
	for h in \$(megasas_hosts); do [ \$(cat /sys/class/scsi_host/host\$h/orion_irq_mode) = MSI ] || exit 1; done"
check "fio verify on all four disks (QD32, 2 jobs each): 0 errors" fio_verify /tmp/fio-msi.out 32M $(megasas_disks)
orion_unload
check "kernel log has no warning or oops" dmesg_clean
ktap_finished
