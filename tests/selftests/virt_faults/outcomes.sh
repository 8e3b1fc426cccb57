#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# What an application sees for each fault action on one 4 KiB O_DIRECT
# read (3 s command timeout). Fired once, a transient fault is retried and
# the read returns its data; a persistent one fails the read with the
# errno the block layer gives that error (EBADE for a reservation
# conflict, EREMOTEIO for a hardware error, ENODATA for a medium error,
# EIO otherwise) after the retries the midlayer allows: none, sd's five,
# or as many as fit in the command's time budget ((retries + 1) x
# timeout, for BUSY); a read that always times out is failed and sd
# offlines the disk after its second medium access timeout.
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"

ktap_print_header
# The driver paths this reaches (sense faults, pending sectors, the abort
# of a parked command) run on the debug kernel in rules.sh.
ref_kernel_only "CI budget; rules.sh covers these driver paths on the debug kernel"
ktap_set_plan 5
dmesg_mark

orion_load virt_targets=1 virt_luns=1 virt_capacity_mb=16 && settle
debugfs_mount
h=$(hba_hosts orion_virt | head -1)
faults=/sys/kernel/debug/orion_scsi/host$h/faults
d=$(disk_at "$h" 0)
dev=/sys/block/${d#/dev/}/device
head -c 4096 /dev/urandom > /tmp/block100
dd if=/tmp/block100 of="$d" bs=4k seek=100 oflag=direct status=none
echo 3 > "$dev/timeout"
settle

# read_with ACTION COUNT: the rule fires on reads of block 100 (LBA 800),
# COUNT times (0: always); one read of it. Prints "ok", or the error
# dd reports, then the rule's fired count.
read_with() {
	local cnt="" err fired
	[ "$2" = 0 ] || cnt="count=$2"
	echo clear > "$faults"
	echo "add id=1 lun=0:0 op=read lba=800 $cnt action=$1" > "$faults" || return 1
	if err=$(timeout 120 dd if="$d" bs=4k skip=100 count=1 iflag=direct of=/tmp/got status=none 2>&1); then
		cmp -s /tmp/got /tmp/block100 && err=ok || err="other data"
	fi
	fired=$(sed -n 's/^id=1 .* fired=\([0-9]*\).*/\1/p' "$faults")
	echo clear > "$faults"
	echo "${err##*: } fired=$fired"
}

# outcomes COUNT WANT ACTION...: each ACTION fired COUNT times gives
# WANT ("ok fired=1", "Input/output error fired=6", ...).
outcomes() {
	local count=$1 want=$2 a got rc=0; shift 2
	for a in "$@"; do
		got=$(read_with "$a" "$count")
		[ "$got" = "$want" ] || { echo "$a: $got, expected $want"; rc=1; }
		[ "$(cat "$dev/state")" = running ] || { echo "$a: device $(cat "$dev/state")"; rc=1; }
	done
	return $rc
}

transient() {
	outcomes 1 "ok fired=1" busy task-set-full unit-attention aborted-command did-bus-busy did-reset \
		did-error timeout "sense:2/04/01" "sense:b/47/00" delay:100000
}
check "fired once, BUSY, TASK SET FULL, UNIT ATTENTION, ABORTED COMMAND, DID_BUS_BUSY, DID_RESET, DID_ERROR, a timeout, becoming ready, 100 ms: retried, the right data" \
	transient
final() {
	outcomes 0 "Invalid exchange fired=1" reservation-conflict &&
		outcomes 0 "Remote I/O error fired=1" hardware-error &&
		outcomes 0 "No data available fired=1" medium-error &&
		outcomes 0 "Input/output error fired=1" not-ready did-no-connect
}
check "RESERVATION CONFLICT (EBADE), HARDWARE ERROR (EREMOTEIO), MEDIUM ERROR (ENODATA), NOT READY 04/00 and DID_NO_CONNECT (EIO): failed at once" \
	final
persistent() {
	local t0 got
	outcomes 0 "Input/output error fired=6" did-error did-bus-busy aborted-command "sense:b/47/00" || return 1
	t0=$SECONDS
	got=$(read_with busy 0)
	echo "note: BUSY for ever: $got after $((SECONDS - t0)) s (budget 6 x 3 s)"
	[ "${got% fired=*}" = "Input/output error" ] && [ $((SECONDS - t0)) -ge 17 ] && [ $((SECONDS - t0)) -lt 60 ]
}
check "always DID_ERROR, DID_BUS_BUSY, ABORTED COMMAND (00/00, 47/00): EIO after 1 + 5 retries; always BUSY: EIO after the 18 s budget" \
	persistent
always_timeout() {
	local got
	got=$(read_with timeout 0)
	echo "note: $got"
	[ "${got% fired=*}" = "Input/output error" ] || return 1
	[ "$(cat "$dev/state")" = offline ] || { echo "state $(cat "$dev/state")"; return 1; }
	dmesg_since_mark | grep -q "Medium access timeout failure. Offlining disk" || { echo "not logged"; return 1; }
	echo running > "$dev/state"
	dd if="$d" bs=4k skip=100 count=1 iflag=direct of=/tmp/got status=none && cmp /tmp/got /tmp/block100
}
check "a read that always times out: EIO, sd offlines the disk (medium access timeouts); running again, it reads" \
	always_timeout
orion_unload
check "kernel log has no warning or oops" dmesg_clean
ktap_finished
