#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# orionctl config: the specification's example is valid; bad files
# (unknown key, wrong type, out of range, not TOML) are refused with their
# line:column and change nothing; apply changes exactly the attributes the
# file names on every orion device and host (virtual and MegaRAID), writes
# the modprobe options and a udev rule that gives a device added later the
# same settings; show reports the file's and the system's values.
# shellcheck source=../orionctl_lib.sh
. "$(dirname "$0")/../orionctl_lib.sh"

ktap_print_header
ktap_set_plan 10
dmesg_mark

orionctl_load
vh=$(virt_host) mh=$(mega_host)
rm -f /etc/modprobe.d/orion_scsi.conf /etc/udev/rules.d/90-orion-scsi.rules

# Every run-time setting of every SCSI device and host, one "path value"
# line each, and the files apply writes.
state() {
	local d b
	for d in /sys/class/scsi_device/*/device; do
		for f in queue_depth timeout eh_timeout; do echo "$d/$f $(cat "$d/$f")"; done
		for b in "$d"/block/*; do
			[ -e "$b" ] || continue
			b=/sys/block/${b##*/}
			# The selected scheduler only (the list's order is the kernel's).
			echo "$b/queue/scheduler $(grep -o '\[[^]]*\]' "$b/queue/scheduler")"
			for f in read_ahead_kb nomerges; do echo "$b/queue/$f $(cat "$b/queue/$f")"; done
		done
	done
	for d in /sys/class/scsi_disk/*; do
		for f in cache_type max_retries; do echo "$d/$f $(cat "$d/$f")"; done
	done
	for d in /sys/class/scsi_host/host*; do echo "$d/eh_deadline $(cat "$d/eh_deadline")"; done
	echo "logging_level $(cat /proc/sys/dev/scsi/logging_level)"
	for f in /etc/modprobe.d/orion_scsi.conf /etc/udev/rules.d/90-orion-scsi.rules; do
		[ -e "$f" ] && echo "$f $(md5sum < "$f")"
	done
	return 0
}

cat > /tmp/spec.toml <<'TOML'
[scsi]
# Host adapter configuration settings
host_adapter_max_count = 8
host_adapter_max_targets = 16
host_adapter_max_luns = 8
host_adapter_timeout = 30000

# Target configuration settings
target_max_commands = 256
target_queue_depth = 32
target_disconnect_enabled = true
target_sync_transfer_enabled = true

# Performance settings
read_ahead_size = "1MB"
write_back_cache = true
write_back_cache_size = "128MB"
io_scheduler = "deadline"
command_batching = true

# Error handling settings
error_retry_count = 3
error_timeout = 60000
auto_recovery = true
error_logging_enabled = true
TOML
check "config check: the specification's example is valid (17 keys)" bash -c "
	\"\$ORIONCTL\" -o json config check /tmp/spec.toml | py \"d['valid'] and len(d['keys']) == 17\""

# refused FILE WANT: check and apply refuse FILE (exit 5) with WANT
# ("line:col: error: text") in the message, and nothing changes.
refused() {
	local f=$1 want=$2 before out rc
	before=$(state)
	for cmd in check apply; do
		out=$("$ORIONCTL" config "$cmd" "$f" 2>&1); rc=$?
		[ $rc = 5 ] || { echo "config $cmd: exit $rc: $out"; return 1; }
		echo "$out" | grep -qF "$f:$want" || { echo "config $cmd: expected '$f:$want' in: $out"; return 1; }
	done
	echo "note: $(echo "$out" | head -1)"
	[ "$(state)" = "$before" ] || { diff <(echo "$before") <(state); return 1; }
}
printf '[scsi]\ntarget_queue_depth = 16\n  read_ahead_kb = 4\n' > /tmp/unknown.toml
check "unknown key: refused at 3:3, nothing changed" refused /tmp/unknown.toml "3:3: error: unknown key read_ahead_kb"
printf '[scsi]\ntarget_queue_depth = 16\nwrite_back_cache = "yes"\n' > /tmp/type.toml
check "wrong type: refused at 3:20, nothing changed" refused /tmp/type.toml "3:20: error: wrong type"
printf '[scsi]\ntarget_queue_depth = 16\nerror_retry_count = 9\n' > /tmp/range.toml
check "out of range: refused at 3:21, nothing changed" refused /tmp/range.toml "3:21: error: out of range"
printf '[scsi]\ntarget_queue_depth = 16\nio_scheduler = "none\n' > /tmp/nottoml.toml
check "not TOML: refused at line 3, nothing changed" refused /tmp/nottoml.toml "3:"

cat > /tmp/apply.toml <<'TOML'
[scsi]
target_queue_depth = 16
read_ahead_size = "3MB"
io_scheduler = "none"
error_timeout = 45000
host_adapter_max_luns = 2
TOML
# The expected changes: queue_depth 16 on the six orion devices,
# read_ahead_kb 3072 and scheduler none on their disks, eh_deadline 45 on
# both hosts, and the two files; nothing else.
apply_exact() {
	local before after changed want out
	before=$(state)
	out=$("$ORIONCTL" -o json config apply /tmp/apply.toml 2>/tmp/apply.err) ||
		{ echo "exit $?: $out"; cat /tmp/apply.err; return 1; }
	after=$(state)
	changed=$(diff <(echo "$before") <(echo "$after") | sed -n 's/^> //p' |
		sed -E 's|^/sys/class/scsi_device/[^/]+/device/|dev/|; s|^/sys/block/[^/]+/queue/|queue/|; s|^/sys/class/scsi_host/host[0-9]+/|host/|; s| [0-9a-f]{32}  -$| written|' |
		sort | uniq -c | sed 's/^ *//')
	want=$(printf '%s\n' "1 /etc/modprobe.d/orion_scsi.conf written" "1 /etc/udev/rules.d/90-orion-scsi.rules written" \
		"6 dev/queue_depth 16" "2 host/eh_deadline 45" "6 queue/read_ahead_kb 3072" "6 queue/scheduler [none]")
	[ "$changed" = "$want" ] || { echo "changed:"; echo "$changed"; echo "expected:"; echo "$want"; return 1; }
	grep -qx "options orion_scsi queue_depth=16 virt_luns=2" /etc/modprobe.d/orion_scsi.conf ||
		{ echo "modprobe file:"; cat /etc/modprobe.d/orion_scsi.conf; return 1; }
	# virt_luns means nothing for the MegaRAID host: reported, not dropped.
	echo "$out" | py "[s['object'] for s in d['plan']['not_applied'] if s['key'] == 'host_adapter_max_luns'] == ['host$mh (megasas)']"
}
check "config apply: exactly queue_depth, read_ahead_kb, scheduler on the 6 orion disks, eh_deadline on both hosts, the modprobe and udev files" apply_exact

# A LUN added later (removed, then found by a scan) gets the settings
# from the udev rule.
udev_later() {
	local a=$vh:0:1:1 dev q
	"$ORIONCTL" device remove "$a" && "$ORIONCTL" host scan "$vh" >/dev/null || return 1
	settle
	q=/sys/class/scsi_device/$a/device
	wait_until 20 bash -c "[ \"\$(cat $q/queue_depth)\" = 16 ]" || { echo "queue_depth $(cat "$q/queue_depth")"; return 1; }
	dev=$(dev_of "$a")
	if ! wait_until 20 grep -q '\[none\]' "/sys/block/${dev#/dev/}/queue/scheduler" ||
		! [ "$(cat "/sys/block/${dev#/dev/}/queue/read_ahead_kb")" = 3072 ]; then
		echo "$dev: scheduler $(cat "/sys/block/${dev#/dev/}/queue/scheduler"), read_ahead_kb $(cat "/sys/block/${dev#/dev/}/queue/read_ahead_kb")"
		return 1
	fi
}
check "a LUN added later (remove + scan) gets queue_depth, scheduler and read-ahead through the udev rule" udev_later

check "config show: the file's value and every orion device's run-time value" bash -c "
	\"\$ORIONCTL\" -o json config show /tmp/apply.toml | py \"[(k['file'], k['runtime']) for k in d['keys'] if k['key'] == 'target_queue_depth'] == [('16', {'16': 6})]\""

# A host added later gets eh_deadline from the rule, which matches orion
# hosts by orion_adapter (proc_name would miss orion's iSCSI hosts).
host_later() {
	local before h
	before=$(find /sys/class/scsi_host/ -mindepth 1 -maxdepth 1 | sort)
	echo "targets=1 luns=1 capacity_mb=8" > /sys/kernel/debug/orion_scsi/add_host || return 1
	h=$(comm -13 <(echo "$before") <(find /sys/class/scsi_host/ -mindepth 1 -maxdepth 1 | sort))
	[ -n "$h" ] || { echo "no new host"; return 1; }
	wait_until 20 bash -c "[ \"\$(cat $h/eh_deadline)\" = 45 ]" ||
		{ echo "$h: eh_deadline $(cat "$h/eh_deadline")"; return 1; }
}
check "a virtual host added later gets eh_deadline 45 through the udev rule (matched by orion_adapter)" host_later

rm -f /etc/modprobe.d/orion_scsi.conf /etc/udev/rules.d/90-orion-scsi.rules
orion_unload
check "kernel log has no warning or oops" dmesg_clean
ktap_finished
