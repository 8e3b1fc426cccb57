#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Every orionctl command against a virtual host (2 targets x 2 LUNs) and a
# MegaRAID host (2 disks): host list/info counts and sizes, remove and
# scan, device/target/host resets (counted by orion_megasas), queue
# depth/flush/reset, statistics that move by exactly a known dd workload,
# JSON parsed by python, and the errors an admin sees.
# shellcheck source=../orionctl_lib.sh
. "$(dirname "$0")/../orionctl_lib.sh"

ktap_print_header
ktap_set_plan 17
dmesg_mark

orionctl_load
vh=$(virt_host) mh=$(mega_host)

check "host list: the virtual host with 4 devices, the MegaRAID host with 2 (JSON)" bash -c "
	\"\$ORIONCTL\" -o json host list | py \"
{h['orion_kind']: h['devices'] for h in d if h['orion_kind']} == {'virtual': 4, 'megasas': 2}\""

# Sizes against the block layer's own ioctl (blockdev), not sysfs.
info_sizes() {
	local h=$1 kind=$2 n=$3 out dev size
	out=$("$ORIONCTL" -o json host info "$h") || return 1
	echo "$out" | py "d[0]['orion']['kind'] == '$kind' and len(d[0]['devices']) == $n" || return 1
	for dev in $(echo "$out" | py "' '.join(x['block'] + ':' + str(x['size_bytes']) for x in d[0]['devices'])"); do
		size=$(blockdev --getsize64 "/dev/${dev%%:*}")
		[ "$size" = "${dev#*:}" ] || { echo "${dev%%:*}: orionctl says ${dev#*:}, blockdev $size"; return 1; }
	done
	echo "note: host$h: $(echo "$out" | py "d[0]['orion']['model'] + ', interrupts ' + d[0]['interrupt_mode']")"
}
check "host info (virtual): kind, 4 devices, sizes as blockdev reports them" info_sizes "$vh" virtual 4
check "host info (MegaRAID): kind, model, 2 devices, sizes as blockdev reports them" info_sizes "$mh" megasas 2
check "host info (MegaRAID): interrupt mode as the driver reports it" bash -c "
	[ \"\$(\"\$ORIONCTL\" -o json host info $mh | py \"d[0]['interrupt_mode']\")\" = \"\$(cat /sys/class/scsi_host/host$mh/orion_irq_mode)\" ]"

remove_scan() {
	local a=$vh:0:1:1
	"$ORIONCTL" device remove "$a" || return 1
	[ ! -e "/sys/class/scsi_device/$a" ] || { echo "$a still present"; return 1; }
	"$ORIONCTL" -o json host scan "host$vh" | py "d['new_devices'] == ['$a']" || return 1
	settle
	[ -e "/sys/class/scsi_device/$a/device/block" ]
}
check "device remove, then host scan finds the LUN again" remove_scan

target_remove_scan() {
	local t=$vh:0:1
	"$ORIONCTL" -o json target remove "$t" | py "d['removed'] == ['$t:0', '$t:1']" || return 1
	[ "$(lsscsi "$t:*" | wc -l)" = 0 ] || return 1
	"$ORIONCTL" -o json host scan "$vh" | py "sorted(d['new_devices']) == ['$t:0', '$t:1']" || return 1
	settle
}
check "target remove takes both LUNs, host scan finds both again" target_remove_scan

# A reset through orionctl succeeds and, on MegaRAID (every reset level
# resets the controller), orion_resets moves by one.
mega_reset() {
	local what=$1 addr=$2 before out
	before=$(cat "/sys/class/scsi_host/host$mh/orion_resets")
	out=$("$ORIONCTL" -o json "$what" reset "$addr") || return 1
	echo "$out" | py "[c for c in d['counters'] if c['counter'] == 'orion_resets'] == [{'counter': 'orion_resets', 'before': $before, 'after': $before + 1}]" || return 1
	[ "$(cat "/sys/class/scsi_host/host$mh/orion_resets")" = $((before + 1)) ] && rw_ok "$(megasas_disk_at "$mh" 0)"
}
check "device reset (MegaRAID): done, orion_resets +1, the disk reads and writes" mega_reset device "$mh:0:0:0"
check "target reset (MegaRAID): done, orion_resets +1" mega_reset target "$mh:0:1"
check "host reset (MegaRAID): done, orion_resets +1" mega_reset host "host$mh"
check "device, target, bus and host reset (virtual): done, the LUN answers" bash -c "
	\"\$ORIONCTL\" device reset $vh:0:0:0 && \"\$ORIONCTL\" target reset $vh:0:0 &&
	\"\$ORIONCTL\" host reset --bus $vh && \"\$ORIONCTL\" host reset $vh &&
	sg_turs \$(sg_of \$(disk_at $vh 0)) >/dev/null 2>&1; sg_turs \$(sg_of \$(disk_at $vh 0))"

queue_ops() {
	local a=$vh:0:0:0 dev q
	dev=$(disk_at "$vh" 0) q=/sys/class/scsi_device/$vh:0:0:0/device
	"$ORIONCTL" -o json queue depth "$a" 8 | py "d['old'] == 32 and d['queue_depth'] == 8" || return 1
	[ "$(cat "$q/queue_depth")" = 8 ] || return 1
	echo 45 > "$q/timeout"
	"$ORIONCTL" queue reset "$dev" || return 1
	if ! [ "$(cat "$q/queue_depth")" = 32 ] || ! [ "$(cat "$q/timeout")" = 30 ] || ! [ "$(cat "$q/eh_timeout")" = 10 ]; then
		echo "after queue reset: depth $(cat "$q/queue_depth"), timeout $(cat "$q/timeout")"; return 1
	fi
	dd if=/dev/urandom of="$dev" bs=64k count=4 status=none || return 1
	"$ORIONCTL" -o json queue flush "$dev" | py "d['fsync'] and d['in_flight'] == 0 and d['cache_flushed'] == ('write back' in d['cache_type'])" || return 1
	"$ORIONCTL" -o json queue info "$a" | py "d['queue_depth'] == 32 and d['inflight_reads'] == 0"
}
check "queue depth 8, queue reset back to 32 and 30 s, queue flush after buffered writes, queue info" queue_ops

# Statistics move by exactly a known workload: 1 MiB read and 1 MiB written
# with O_DIRECT (one command each: max_sectors is 1 MiB), on a virtual LUN
# (debugfs source: histogram too) and a MegaRAID disk (sysfs counters).
stats_move() {
	local a=$1 dev r0 w0 c0 cmds
	dev=$(dev_of "$a")
	# Udev reads a disk on its own after a write is closed (watch rule)
	# and after the reset unit attention (change event): one command
	# first to take any pending unit attention, then settle, and the read
	# before the write.
	dd if="$dev" of=/dev/null bs=4k count=1 iflag=direct status=none
	settle
	# 1 MiB is one command when max_sectors_kb allows it, else several.
	cmds=$(( (1024 + $(cat "/sys/block/${dev#/dev/}/queue/max_sectors_kb") - 1) / $(cat "/sys/block/${dev#/dev/}/queue/max_sectors_kb") ))
	r0=$(lun_stat "$a" read_bytes) c0=$(lun_stat "$a" reads)
	dd if="$dev" of=/dev/null bs=1M count=1 iflag=direct status=none || return 1
	[ "$(lun_stat "$a" read_bytes)" = $((r0 + 1048576)) ] || { echo "read_bytes $r0 -> $(lun_stat "$a" read_bytes)"; return 1; }
	[ "$(lun_stat "$a" reads)" = $((c0 + cmds)) ] || { echo "reads $c0 -> $(lun_stat "$a" reads), expected +$cmds"; return 1; }
	echo "note: $a: 1 MiB read in $cmds command(s)"
	w0=$(lun_stat "$a" write_bytes)
	dd if=/dev/zero of="$dev" bs=1M count=1 seek=3 oflag=direct status=none || return 1
	[ "$(lun_stat "$a" write_bytes)" = $((w0 + 1048576)) ] || { echo "write_bytes $w0 -> $(lun_stat "$a" write_bytes)"; return 1; }
	"$ORIONCTL" -o json stats "${a%:*}" | py "d['hosts'][0]['targets'][0]['stats']['read_bytes'] >= $r0 + 1048576"
}
check "stats (virtual LUN): read_bytes and write_bytes +1048576, reads by the commands it took; target roll-up" stats_move "$vh:0:0:1"
check "stats (MegaRAID disk): read_bytes and write_bytes +1048576, reads by the commands it took" stats_move "$mh:0:1:0"

watch_and_histogram() {
	local a=$vh:0:0:0 out dev
	dev=$(disk_at "$vh" 0)
	out=$(mktemp)
	local pid
	settle
	"$ORIONCTL" -o json stats --watch 2 --count 2 "$a" > "$out" &
	pid=$!
	# The read goes into the interval after the first sample: wait for
	# that sample's line (a fixed sleep lost the race on a loaded machine).
	wait_until 10 bash -c "[ \$(wc -l < $out) -ge 1 ]" || { kill $pid; cat "$out"; return 1; }
	dd if="$dev" of=/dev/null bs=1M count=1 skip=5 iflag=direct status=none
	wait $pid || return 1
	[ "$(wc -l < "$out")" = 2 ] || { cat "$out"; return 1; }
	tail -1 "$out" | py "d['interval_s'] > 1.5 and d['hosts'][0]['targets'][0]['luns'][0]['stats']['read_bytes'] == 1048576" || return 1
	"$ORIONCTL" stats --histogram "$a" > "$out" || return 1
	if ! grep -q "latency of" "$out" || ! grep -qE '\|#+ *\| [0-9]+$' "$out"; then cat "$out"; return 1; fi
	"$ORIONCTL" -o json stats "$a" | py "d['hosts'][0]['latency_percentiles']['p99'] is not None"
}
check "stats --watch: the interval's line shows the 1 MiB read; --histogram draws bars; p99 in JSON" watch_and_histogram

errors_by_key() {
	local a=$vh:0:1:0 sg n0
	sg=$(sg_of "$(disk_at "$vh" 1)")
	n0=$("$ORIONCTL" -o json stats errors "$a" | py "d['luns'][0]['errors_by_sense_key']['illegal_request']")
	# An unsupported opcode: CHECK CONDITION, ILLEGAL REQUEST.
	sg_raw "$sg" ff 00 00 00 00 00 >/dev/null 2>&1
	"$ORIONCTL" -o json stats errors "$a" | py "d['luns'][0]['errors_by_sense_key']['illegal_request'] == $n0 + 1"
}
check "stats errors: an unsupported opcode counts one illegal_request" errors_by_key

admin_errors() {
	local out rc
	out=$("$ORIONCTL" device info 2:0:9:0 2>&1); rc=$?
	if [ $rc != 3 ] || [ "$out" != "orionctl: no such device 2:0:9:0" ]; then echo "rc $rc: $out"; return 1; fi
	cp "$ORIONCTL" /tmp/orionctl-user
	out=$(setpriv --reuid=65534 --regid=65534 --clear-groups /tmp/orionctl-user queue depth "$vh:0:0:0" 4 2>&1); rc=$?
	echo "note: as nobody: $out"
	if [ $rc != 4 ] || ! echo "$out" | grep -q "permission denied: .*run as root"; then echo "rc $rc"; return 1; fi
	out=$("$ORIONCTL" -o json device reset 9:0:0:0 2>/dev/null)
	echo "$out" | python3 -c 'import json,sys; e=json.load(sys.stdin)["error"]; assert e["kind"] == "no_such_device" and e["exit_code"] == 3'
	"$ORIONCTL" completions bash | grep -q "orionctl" && "$ORIONCTL" gen-docs /tmp/orionctl-docs &&
		[ -s /tmp/orionctl-docs/orionctl.1 ] && [ -s /tmp/orionctl-docs/orionctl-queue-flush.1 ]
}
check "errors an admin can act on: no such device (3), permission denied as nobody (4), JSON errors; completions, man pages" admin_errors

orion_unload
check "kernel log has no warning or oops" dmesg_clean
ktap_finished
