#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Runs last (the name sorts last): leaves the IOC bound to orion, with data
# written, for the power-off that ends this VM. The PCI shutdown callback
# must stop the IOC (a message unit reset, then READY read back from the
# chip); host/after-poweroff.sh checks the log on the host.
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"

ktap_print_header
ktap_set_plan 2
mptsas_load && settle
check "the IOC is bound to orion_mptsas" bash -c '[ "$(mptsas_hosts | wc -l)" = 1 ]'
# shellcheck disable=SC2046 # one argument per disk
check "a write to each disk before the power-off" \
	bash -c 'for d in $(mptsas_disks); do dd if=/dev/urandom of=$d bs=64k count=4 status=none || exit 1; done'
# The host-side check looks after this line only.
echo "orion: powering off with orion_mptsas bound" > /dev/kmsg
ktap_finished
