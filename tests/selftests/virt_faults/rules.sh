#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The virtual adapter's fault rules (issue 12, first part): the debugfs
# `faults` file refuses bad requests naming the field; transient faults
# (BUSY, TASK SET FULL, UNIT ATTENTION, ABORTED COMMAND, DID_BUS_BUSY,
# host and device busy, delays) during fio verify leave zero errors and
# their counters show they fired; a command that is never completed is
# timed out, taken back by the abort and retried; a pending sector fails
# reads of exactly its blocks (the log names the sector; the blocks before
# it in the same read are really read) until written; a
# short transfer is finished by the retry of the rest; with every
# error-handler step made to fail the device goes offline (I/O fails
# fast) and works again once the rules go and it is set running.
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"

ktap_print_header
ktap_set_plan 13
dmesg_mark

orion_load virt_targets=1 virt_luns=2 virt_capacity_mb=64 && settle
debugfs_mount
# LUN 0:0 of the first host by address (sd names disks in probe order).
h=$(hba_hosts orion_virt | head -1)
faults=/sys/kernel/debug/orion_scsi/host$h/faults
stats=/sys/kernel/debug/orion_scsi/host$h/lun0:0:0/stats
d=$(disk_at "$h" 0)
export faults stats d

# idle: nothing of LUN 0:0 is outstanding (every started command finished).
idle() {
	local n
	n=$(awk '$1 == "outstanding" { print $2 }' "$stats")
	[ "$n" = 0 ] || { echo "$n commands outstanding"; return 1; }
}
export -f idle

# fired ID: the fired counter of rule ID.
fired() { sed -n "s/^id=$1 .* fired=\([0-9]*\).*/\1/p" "$faults"; }
rule() { echo "$*" > "$faults"; }
export -f fired rule

refusals() {
	local line field
	for line in "add lun=x action=busy:lun" "add action=explode:action" "add nth=0 action=busy:nth" \
		"add action=pending:lba" "del x:del" "frobnicate:request"; do
		field=${line##*:} line=${line%:*}
		if echo "$line" > "$faults" 2> /dev/null; then echo "'$line' accepted"; return 1; fi
		dmesg_since_mark | grep -q "faults: '$line': $field" || { echo "no log line naming $field for '$line'"; return 1; }
	done
	if echo "del 99" > "$faults" 2> /dev/null; then echo "deleting a rule that is not there succeeded"; return 1; fi
	dmesg_since_mark | grep -q "faults: 'del 99': del: no rule 99" || { echo "no log line for del 99"; return 1; }
	[ -z "$(cat "$faults")" ] || { echo "rules left: $(cat "$faults")"; return 1; }
}

# transient ACTION: during fio verify, every 3rd command gets ACTION, 20
# times: no error; the rule fired 20 times.
transient() {
	local n
	rule "add id=1 lun=0:0 every=3 count=20 action=$1" || return 1
	fio_verify "/tmp/fio-faults-$1.out" 4M "$d" || { rule clear; return 1; }
	n=$(fired 1)
	rule clear
	echo "note: $1 fired ${n:-0} times"
	[ "$n" = 20 ] && idle
}
export -f transient

# timeout: one read is never completed: timed out (2 s), taken back by the
# abort, retried; dd gets the data.
timed_out() {
	local want got t0
	want=$(dd if="$d" bs=4k skip=100 count=1 iflag=direct status=none | sha256sum)
	echo 2 > "/sys/block/${d#/dev/}/device/timeout"
	# No probe (udev after the fio runs) may take the rule's one firing.
	settle
	rule "add id=2 lun=0:0 op=read lba=800 count=1 action=timeout" || return 1
	t0=$(date +%s%3N)
	got=$(timeout 60 dd if="$d" bs=4k skip=100 count=1 iflag=direct status=none | sha256sum)
	echo "note: the read took $(($(date +%s%3N) - t0)) ms (2 s timeout)"
	[ $(($(date +%s%3N) - t0)) -ge 2000 ] || { echo "the read was not held"; rule clear; return 1; }
	echo 30 > "/sys/block/${d#/dev/}/device/timeout"
	[ "$(fired 2)" = 1 ] || { echo "fired $(fired 2)"; rule clear; return 1; }
	rule clear
	[ "$got" = "$want" ] || { echo "other data"; return 1; }
	dmesg_since_mark | grep -q 'abort: took back' || { echo "no abort logged"; return 1; }
	idle
}

# pending: sectors 2048..2055 fail reads until written: dd of that range
# gets EIO and the log names sector 2048, the blocks around read fine, a
# write heals them.
pending() {
	local pattern
	# A known block just before the range (4 KiB block 255: LBAs 2040-2047).
	pattern=$(head -c 4096 /dev/urandom | base64 -w0 | head -c 4096)
	printf %s "$pattern" | dd of="$d" bs=4k seek=255 count=1 iflag=fullblock oflag=direct status=none ||
		return 1
	echo 3 > /proc/sys/vm/drop_caches
	settle
	rule "add id=3 lun=0:0 lba=2048-2055 action=pending" || return 1
	if dd if="$d" bs=512 skip=2048 count=8 iflag=direct of=/dev/null status=none 2> /dev/null; then
		echo "the pending range read"; rule clear; return 1
	fi
	dmesg_since_mark | grep -q "critical medium error, dev ${d#/dev/}, sector 2048 " ||
		{ echo "no medium error logged for sector 2048"; rule clear; return 1; }
	dmesg_since_mark | grep "sector 2048 " | tail -1 | sed 's/^.*\] /note: /'
	# A buffered read across the start of the range fails, and the block
	# before it, completed as good then, holds its data (not a stale page).
	if dd if="$d" bs=4k skip=255 count=2 of=/dev/null status=none 2> /dev/null; then
		echo "a read across the pending range succeeded"; rule clear; return 1
	fi
	[ "$(dd if="$d" bs=4k skip=255 count=1 status=none)" = "$pattern" ] ||
		{ echo "the block before the range reads other data"; rule clear; return 1; }
	if ! { dd if="$d" bs=512 skip=2040 count=8 iflag=direct of=/dev/null status=none &&
		dd if="$d" bs=512 skip=2056 count=8 iflag=direct of=/dev/null status=none; }; then
		echo "the blocks around fail too"; rule clear; return 1
	fi
	if ! { dd if=/dev/urandom of="$d" bs=512 seek=2048 count=8 oflag=direct status=none &&
		dd if="$d" bs=512 skip=2048 count=8 iflag=direct of=/dev/null status=none; }; then
		echo "a write did not heal the range"; rule clear; return 1
	fi
	grep -q 'pending=0' "$faults" || { cat "$faults"; rule clear; return 1; }
	rule clear
	idle
}

# short: a 64 KiB read reports 4 KiB moved; the block layer retries the
# rest; the data is right.
reads() { awk '$1 == "reads" { print $2 }' "$stats"; }

short() {
	local want got r0 r1
	want=$(dd if="$d" bs=64k skip=10 count=1 iflag=direct status=none | sha256sum)
	settle
	rule "add id=4 lun=0:0 op=read lba=1280 count=1 action=short:4096" || return 1
	r0=$(reads)
	got=$(dd if="$d" bs=64k skip=10 count=1 iflag=direct status=none | sha256sum)
	r1=$(reads)
	# The short one and the retry of the rest.
	[ $((r1 - r0)) = 2 ] || { echo "$((r1 - r0)) reads, not 2"; rule clear; return 1; }
	[ "$(fired 4)" = 1 ] || { echo "fired $(fired 4)"; rule clear; return 1; }
	rule clear
	[ "$got" = "$want" ] && idle
}

# escalation: a read never completed, and every error-handler step fails:
# abort, device, target, bus and host reset in that order in the log; the
# device goes offline and fails I/O at once; without the rules and set
# running, it reads again.
escalation() {
	local dev=/sys/block/${d#/dev/}/device rc=0 steps
	echo 2 > "$dev/timeout"
	echo 5 > "$dev/eh_timeout"
	{ rule "add lun=0:0 op=read lba=4000 action=timeout" && rule "add lun=0:0 action=fail-abort" &&
		rule "add lun=0:0 action=fail-device-reset" && rule "add lun=0:0 action=fail-target-reset" &&
		rule "add action=fail-bus-reset" && rule "add action=fail-host-reset"; } || return 1
	timeout 300 dd if="$d" bs=512 skip=4000 count=1 iflag=direct of=/dev/null status=none 2> /dev/null
	[ $? != 124 ] || { echo "the read hung"; rc=1; }
	steps=$(dmesg_since_mark | grep -oE '(Abort|DeviceReset|TargetReset|bus reset|host reset) fails' | uniq | tr '\n' ,)
	echo "note: $steps"
	[ "$steps" = "Abort fails,DeviceReset fails,TargetReset fails,bus reset fails,host reset fails," ] || rc=1
	[ "$(cat "$dev/state")" = offline ] || { echo "state $(cat "$dev/state")"; rc=1; }
	if timeout 10 dd if="$d" bs=512 count=1 iflag=direct of=/dev/null status=none 2> /dev/null; then
		echo "an offline device read"; rc=1
	fi
	rule clear
	echo running > "$dev/state"
	echo 30 > "$dev/timeout"
	echo 10 > "$dev/eh_timeout"
	dd if="$d" bs=512 skip=4000 count=1 iflag=direct of=/dev/null status=none || { echo "no read after"; rc=1; }
	return $rc
}

check "bad requests are refused (EINVAL) with a log line naming the field" refusals
check "BUSY every 3rd command, 20 times, during fio verify: 0 errors" transient busy
check "TASK SET FULL, 20 times: 0 errors" transient task-set-full
check "UNIT ATTENTION and ABORTED COMMAND, 20 times each: 0 errors" \
	bash -c 'transient unit-attention && transient aborted-command'
check "DID_BUS_BUSY, host busy, device busy, 200 ms delays, 20 times each: 0 errors" \
	bash -c 'transient did-bus-busy && transient host-busy && transient device-busy && transient delay:200000'
check "a read never completed: timed out, taken back by the abort, retried, right data" timed_out
check "a pending sector range: a medium error for exactly it, logged, healed by a write" pending
check "a short transfer: the rest is retried, right data" short
check "every EH step fails: abort..host reset in order, offline, fast failure, back after" escalation
# lun_removed: deleting LUN 0:1's device removes the rules naming it
# (logged); a rule for any LUN stays; a rescan brings the LUN back.
lun_removed() {
	local sdev=/sys/class/scsi_device/$h:0:0:1/device
	rule "add id=7 lun=0:1 action=delay:1" && rule "add id=8 action=delay:1" || return 1
	echo 1 > "$sdev/delete"
	if grep -q '^id=7 ' "$faults"; then echo "the rule of the deleted LUN stayed"; rule clear; return 1; fi
	grep -q '^id=8 ' "$faults" || { echo "the rule for any LUN went"; rule clear; return 1; }
	dmesg_since_mark | grep -q "faults: 1 rule(s) of LUN 0:1 removed with its device" ||
		{ echo "no log line"; rule clear; return 1; }
	rule clear
	echo "0 0 1" > "/sys/class/scsi_host/host$h/scan"
	settle
	[ -d "$sdev" ] || { echo "LUN 0:1 did not come back"; return 1; }
}
check "the rules naming a LUN go with its device (delete); rules for any LUN stay" lun_removed
# unload_armed: rules still armed (a never-completed read, a failing
# abort) do not stop the unload: they go before the hosts.
unload_armed() {
	settle
	rule "add op=read lba=60000 action=timeout" && rule "add lun=0:0 action=fail-abort" || return 1
	timeout 120 bash -c orion_unload
}
check "orion unloads with rules still armed (they go first)" unload_armed
check "kernel log has no warning or oops" dmesg_clean
fresh_load() {
	orion_load virt_targets=1 virt_capacity_mb=64 && settle &&
		fio_verify /tmp/fio-faults-after.out 4M "$(virt_disks | head -1)"
}
check "fio verify on a fresh load after all that" fresh_load
ktap_finished
