#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Interoperability (issue 11): orion's initiator against a second target
# implementation, tgt (tgtd, userspace), with the data-path checks LIO
# gets: login and inquiry, fio crc32c verify at QD32 on two LUNs, 1 MiB
# reads and writes, the same with CRC32C digests, and the error
# handler's LU and target resets.
# shellcheck disable=SC2046 # $(iscsi_disks ...): one argument per disk
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=../iscsi_lib.sh
. "$(dirname "$0")/../iscsi_lib.sh"

iqn=$ISCSI_IQN_PREFIX:tgt
ISCSI_PORTAL=$TGT_PORTAL
export iqn ISCSI_PORTAL

setup() {
	iscsi_initiator_load orion && tgt_target "$iqn" 64M 64M && iscsid_start &&
		iscsi_login "$iqn" > /dev/null && iscsi_wait_disks "$iqn" 2 > /dev/null
}

# inquiry: the disks are tgt's (vendor IET), through orion's host.
inquiry() {
	local d v
	for d in $(iscsi_disks "$iqn"); do
		v=$(sg_inq "$d" | sed -n 's/^ *Vendor identification: *//p' | sed 's/ *$//')
		echo "note: $d: $v, $(cat "/sys/block/${d#/dev/}/size") sectors"
		[ "$v" = IET ] || return 1
	done
	[ "$(cat "/sys/class/scsi_host/host$(iscsi_session_host "$(iscsi_sessions "$iqn" | head -1)")/proc_name")" = iscsi_tcp ] &&
		[ -d /sys/module/orion_scsi ] && [ ! -d /sys/module/iscsi_tcp ]
}

# big_io: 16 MiB written and read back in 1 MiB direct I/O.
big_io() {
	local d
	d=$(iscsi_disks "$iqn" | head -1)
	head -c 16M /dev/urandom > /tmp/tgt-big || return 1
	dd if=/tmp/tgt-big of="$d" bs=1M oflag=direct status=none &&
		[ "$(dd if="$d" bs=1M count=16 iflag=direct status=none | sha256sum)" = "$(sha256sum < /tmp/tgt-big)" ]
	local rc=$?
	rm -f /tmp/tgt-big
	return $rc
}

# digests: tgt offered CRC32C (its default is None only), logged in
# again asking for CRC32C both ways; fio verifies.
digests() {
	local c p
	iscsi_logout_all || return 1
	for p in HeaderDigest DataDigest; do
		tgtadm --lld iscsi --mode target --op update --tid 1 --name "$p" --value CRC32C,None || return 1
	done
	iscsi_node_set "$iqn" 'node.conn[0].iscsi.HeaderDigest' CRC32C &&
		iscsi_node_set "$iqn" 'node.conn[0].iscsi.DataDigest' CRC32C &&
		iscsi_login "$iqn" > /dev/null && iscsi_wait_disks "$iqn" 2 > /dev/null || return 1
	c=$(basename /sys/class/iscsi_session/"$(iscsi_sessions "$iqn" | head -1)"/device/connection*/iscsi_connection/connection*)
	if [ "$(cat "/sys/class/iscsi_connection/$c/header_digest")" != 1 ] ||
		[ "$(cat "/sys/class/iscsi_connection/$c/data_digest")" != 1 ]; then
		echo "digests not on"; return 1
	fi
	fio_verify /tmp/fio-tgt-digest.out 16M $(iscsi_disks "$iqn")
}

# resets: sg_reset -d and -t during fio verify: each is sent (counted) and
# ends in success, fio verifies.
resets() {
	local d pid rc=0 kind
	d=$(iscsi_disks "$iqn" | head -1)
	for kind in d t; do
		fio_verify "/tmp/fio-tgt-reset-$kind.out" 8M $(iscsi_disks "$iqn") &
		pid=$!
		sleep 2
		sg_reset -"$kind" "$d" || { echo "sg_reset -$kind failed"; rc=1; }
		wait $pid || { echo "fio verify with sg_reset -$kind failed"; rc=1; }
	done
	dmesg_since_mark | grep -E '(LOGICAL UNIT|TARGET WARM) RESET answered' | sed 's/^.*\] /note: /'
	echo "note: $(iscsiadm -m session -s | grep -E 'eh_|tmf' | tr -s ' \t\n' ' ')"
	[ "$(iscsi_counter eh_lu_reset_cnt)" -ge 1 ] || { echo "no LU reset counted"; rc=1; }
	[ "$(iscsi_counter eh_tgt_reset_cnt)" -ge 1 ] || { echo "no target reset counted"; rc=1; }
	return $rc
}


ktap_print_header
ktap_set_plan 8
dmesg_mark
check "orion, tgtd with two 64 MiB LUNs on $TGT_PORTAL, iscsid; login" setup
check "the disks are tgt's, on orion's host" inquiry
check "fio crc32c verify, QD32 x 2 per LUN, two LUNs" fio_verify /tmp/fio-tgt.out 16M $(iscsi_disks "$iqn")
check "16 MiB in 1 MiB direct writes and reads: same sha256" big_io
check "CRC32C header and data digests negotiated with tgt; fio verifies" digests
check "sg_reset -d and -t during fio verify: counted, succeed, fio verifies" resets
check "logout, iscsid and tgtd stop, orion unloads" iscsi_teardown tgt
check "kernel log has no warning or oops" dmesg_clean
ktap_finished
