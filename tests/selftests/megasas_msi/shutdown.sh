#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Leaves both controllers bound to orion, with data written, for the power-off
# that ends this VM: the PCI shutdown callback must flush each controller's
# cache and stop its firmware. host/after-poweroff.sh checks that on the
# host, in QEMU's trace of the DCMDs the controllers received.
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"

ktap_print_header
ktap_set_plan 2
megasas_load && settle
check "both controllers bound to orion_megasas" bash -c '[ "$(megasas_hosts | wc -l)" = 2 ]'
# shellcheck disable=SC2046 # one argument per disk
check "a write to each disk before the power-off" \
	bash -c 'for d in $(megasas_disks); do dd if=/dev/urandom of=$d bs=64k count=4 status=none || exit 1; done'
# The host-side check looks after this line only.
echo "orion: powering off with orion_megasas bound" > /dev/kmsg
ktap_finished
