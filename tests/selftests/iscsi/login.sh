#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# orion's tcp transport driven by unmodified open-iscsi
# (Documentation/iscsi.rst): the transport registers with the class,
# iscsid's login goes through orion's connection to a LIO target in the
# guest, the negotiated parameters show in sysfs and iscsiadm, the LUNs
# come up and carry verified data (immediate data, R2T and Data-Out,
# Data-In), the module cannot go while a session exists, logout and
# unload are clean.
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=../iscsi_lib.sh
. "$(dirname "$0")/../iscsi_lib.sh"

iqn=$ISCSI_IQN_PREFIX:orion
export iqn
# disk_sizes_mb: the sizes of $iqn's disks in MiB, by LUN.
disk_sizes_mb() {
	local d
	for d in $(iscsi_disks "$iqn"); do
		echo $(($(blockdev --getsize64 "$d") >> 20))
	done | paste -sd' '
}
sess() { iscsi_sessions "$iqn" | head -1; }
# vpd_pages: the first disk answers the VPD pages LIO has, naming $iqn.
vpd_pages() {
	local d
	d=$(iscsi_disks "$iqn" | head -1) &&
		sg_vpd -p 0 "$d" | grep -q 'Device identification' &&
		sg_vpd -p 0x80 "$d" | grep -Eq 'Unit serial number: [0-9a-f-]+' &&
		sg_vpd -p 0x83 "$d" | grep -qF "$iqn"
}
# lsscsi_lists: lsscsi shows the session's host as iscsi_tcp, with two LIO LUNs.
lsscsi_lists() {
	local h
	h=$(iscsi_session_host "$(sess)") &&
		lsscsi -H | grep -Eq "^\[$h\] +iscsi_tcp" &&
		[ "$(lsscsi | grep -c "^\[$h:.*LIO-ORG")" = 2 ]
}
conn_of() { basename /sys/class/iscsi_session/"$1"/device/connection*/iscsi_connection/connection*; }
# attr CLASS NAME VALUE: the attribute of the session or connection.
attr() {
	local s c v
	s=$(sess) && c=$(conn_of "$s") || return 1
	case $1 in
	session) v=$(cat "/sys/class/iscsi_session/$s/$2");;
	connection) v=$(cat "/sys/class/iscsi_connection/$c/$2");;
	esac || return 1
	echo "note: $1 $2 = $v"
	[ "$v" = "$3" ]
}

ktap_print_header
ktap_set_plan 24
dmesg_mark
check "orion registers the transport tcp (iscsi=1)" iscsi_initiator_load orion
check "the transport offers error recovery level 0 and CRC32C digests (caps 0x31); iscsi_tcp is not loaded" \
	bash -c "[ \$(cat /sys/class/iscsi_transport/tcp/caps) = 0x31 ] && [ ! -d /sys/module/iscsi_tcp ]"
check "LIO target $iqn with two RAM LUNs (64M, 32M) on $ISCSI_PORTAL" lio_target "$iqn" 64M 32M
check "iscsid starts and listens" iscsid_start
check "SendTargets discovery finds $iqn" bash -c "iscsi_discover | grep -F '$ISCSI_PORTAL,1 $iqn'"
check "login to $iqn through orion's connection" iscsi_login "$iqn"
check "the session is LOGGED_IN on an orion host (proc_name iscsi_tcp, driver orion_scsi)" bash -c "
	s=\$(iscsi_sessions '$iqn' | head -1) && h=\$(iscsi_session_host \$s) &&
	[ \$(cat /sys/class/iscsi_session/\$s/state) = LOGGED_IN ] &&
	[ \$(cat /sys/class/scsi_host/host\$h/proc_name) = iscsi_tcp ] &&
	dmesg | grep -q \"scsi host\$h: orion iSCSI initiator\""
check "negotiated session parameters in sysfs (target name, TPGT, replacement timeout)" bash -c "
	$(declare -f sess attr conn_of); attr session targetname '$iqn' && attr session tpgt 1 &&
	attr session recovery_tmo $ISCSI_REPLACEMENT_TIMEOUT"
check "connection parameters: the target's address and port, from the socket" bash -c "
	$(declare -f sess attr conn_of); attr connection address 127.0.0.1 && attr connection port 3260 &&
	attr connection persistent_port 3260 && attr connection header_digest 0"
check "iscsiadm -m session -P 3 shows the negotiated parameters" bash -c "
	iscsiadm -m session -P 3 > /tmp/iscsi-p3.out &&
	grep -q 'iSCSI Session State: LOGGED_IN' /tmp/iscsi-p3.out &&
	grep -Eq 'MaxRecvDataSegmentLength: [0-9]+' /tmp/iscsi-p3.out &&
	grep -Eq 'FirstBurstLength: [0-9]+' /tmp/iscsi-p3.out"
check "the session has two disks" iscsi_wait_disks "$iqn" 2
check "the disks are 64 and 32 MiB ($(disk_sizes_mb))" test "$(disk_sizes_mb)" = "64 32"
check "sg_inq, sg_readcap (64 MiB) and sg_luns (2 LUNs) through orion's session" bash -c "
	d=\$(iscsi_disks '$iqn' | head -1) && sg_inq \$d | grep -q 'PDT=0' &&
	sg_readcap \$d | grep -q 'Last LBA=131071' && sg_luns \$d | grep -q '2 lun entr'"
check "sg_vpd: LIO's supported pages, unit serial and an iSCSI name designator" vpd_pages
check "lsscsi shows LIO's two LUNs on the orion host" lsscsi_lists
# shellcheck disable=SC2046 # one argument per disk
check "fio verify on both disks, 4k random QD32 x 2 jobs: 0 errors" \
	fio_verify /tmp/fio-iscsi-4k.out 8M $(iscsi_disks "$iqn")
# shellcheck disable=SC2046 # one argument per disk
check "fio verify on both disks, 128k: 0 errors" \
	fio_verify --bs 128k /tmp/fio-iscsi-128k.out 16M $(iscsi_disks "$iqn")
# A 1 MiB write is more than the 64 KiB first burst: immediate data, then
# R2Ts answered with Data-Out.
# shellcheck disable=SC2046 # one argument per disk
check "fio verify on both disks, 1M: 0 errors" \
	fio_verify --bs 1M /tmp/fio-iscsi-1m.out 16M $(iscsi_disks "$iqn")
check "stats files for the iSCSI host, target and LUN move by a 1 MiB write; orion_adapter iscsi" \
	stats_move_by_write iscsi "$(iscsi_disks "$iqn" | head -1)"
check "iscsiadm -m session -s counts SCSI commands, R2Ts, Data-Out and Data-In" bash -c "
	iscsiadm -m session -s > /tmp/iscsi-s.out && grep -Eq 'scsicmd_pdus: [1-9]' /tmp/iscsi-s.out &&
	grep -Eq 'r2t_pdus: [1-9]' /tmp/iscsi-s.out && grep -Eq 'dataout_pdus: [1-9]' /tmp/iscsi-s.out &&
	grep -Eq 'datain_pdus: [1-9]' /tmp/iscsi-s.out"
check "rmmod is refused while a session exists" bash -c "! rmmod orion_scsi 2>/dev/null && [ -d /sys/module/orion_scsi ]"
check "logout; the session, its disks and its host are gone" bash -c "
	h=\$(iscsi_session_host \$(iscsi_sessions '$iqn' | head -1)) && iscsi_logout_all &&
	[ ! -d /sys/class/scsi_host/host\$h ]"
check "iscsid stops, the target is torn down, orion unloads" bash -c \
	'iscsid_stop && lio_teardown && iscsi_initiator_unload && [ ! -d /sys/module/orion_scsi ]'
echo "# iscsid log:"; sed 's/^/#   /' "$ISCSID_LOG" | tail -12
check "kernel log has no warning or oops" dmesg_clean
ktap_finished
