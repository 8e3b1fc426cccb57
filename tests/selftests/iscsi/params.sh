#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# orion's full feature phase under the negotiated parameters that change
# how write data goes out (RFC 7143 12.x): no immediate data with short
# data segments and bursts (many R2Ts, Data-Out in pieces), unsolicited
# Data-Out after immediate data (InitialR2T=No), unsolicited Data-Out
# alone, and CRC32C header and data digests. Each variant logs in again,
# checks what was negotiated in sysfs and verifies data with fio.
# shellcheck disable=SC2046 # $(iscsi_disks ...): one argument per disk
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=../iscsi_lib.sh
. "$(dirname "$0")/../iscsi_lib.sh"

iqn=$ISCSI_IQN_PREFIX:params
tpg=$LIO_CFS/iscsi/$iqn/tpgt_1
export iqn tpg

# variant "TARGET KEY=VALUE..." "INITIATOR KEY=VALUE..." "SYSFS ATTR=VALUE...":
# logs out, sets the target's TPG parameters and the initiator's node
# record, logs in, and checks the session's and connection's attributes.
variant() {
	local kv s c f v
	iscsi_logout_all || return 1
	for kv in $1; do echo "${kv#*=}" > "$tpg/param/${kv%%=*}" || return 1; done
	for kv in $2; do iscsi_node_set "$iqn" "${kv%%=*}" "${kv#*=}" || return 1; done
	iscsi_login "$iqn" > /dev/null && iscsi_wait_disks "$iqn" 1 > /dev/null || return 1
	s=$(iscsi_sessions "$iqn" | head -1)
	c=$(basename /sys/class/iscsi_session/"$s"/device/connection*/iscsi_connection/connection*)
	for kv in $3; do
		f=/sys/class/iscsi_session/$s/${kv%%=*}
		[ -e "$f" ] || f=/sys/class/iscsi_connection/$c/${kv%%=*}
		v=$(cat "$f") || return 1
		echo "note: ${kv%%=*} = $v"
		[ "$v" = "${kv#*=}" ] || return 1
	done
}
export -f variant

# Data-Out PDUs sent so far.
data_outs() { iscsiadm -m session -s | sed -n 's/.*dataout_pdus: //p' | head -1; }

setup() {
	iscsi_initiator_load orion && lio_target "$iqn" 64M && iscsid_start && iscsi_discover > /dev/null
}

ktap_print_header
ktap_set_plan 18
dmesg_mark
check "orion (iscsi=1), a LIO target with one 64 MiB LUN, iscsid, discovery" setup

check "ImmediateData=No, the target's MaxRecvDataSegmentLength 4096, bursts of 16 KiB" variant \
	"ImmediateData=No InitialR2T=Yes MaxRecvDataSegmentLength=4096 FirstBurstLength=16384 MaxBurstLength=16384" \
	"node.conn[0].iscsi.MaxXmitDataSegmentLength=4096" "immediate_data=0 max_xmit_dlength=4096 max_burst_len=16384"
before=$(data_outs)
check "fio verify 128k (8 R2Ts per command, 4 Data-Out per R2T): 0 errors" \
	fio_verify --bs 128k /tmp/fio-params-a.out 8M $(iscsi_disks "$iqn")
check "Data-Out PDUs went out in 4 KiB pieces (more than 4 per 16 KiB burst)" bash -c \
	"a=\$(iscsiadm -m session -s | sed -n 's/.*dataout_pdus: //p' | head -1); echo \"note: \$(( a - $before )) Data-Out PDUs\"; [ \$(( a - $before )) -ge 2048 ]"

check "InitialR2T=No with immediate data: 8 KiB immediate, the first burst's rest unsolicited" variant \
	"ImmediateData=Yes InitialR2T=No MaxRecvDataSegmentLength=8192 FirstBurstLength=65536 MaxBurstLength=262144" \
	"node.session.iscsi.InitialR2T=No node.session.iscsi.ImmediateData=Yes node.session.iscsi.FirstBurstLength=65536 node.conn[0].iscsi.MaxXmitDataSegmentLength=8192" \
	"initial_r2t=0 immediate_data=1 first_burst_len=65536 max_xmit_dlength=8192"
check "fio verify 4k, 128k and 1M: 0 errors" bash -c "
	fio_verify /tmp/fio-params-b4k.out 8M $(iscsi_disks "$iqn") &&
	fio_verify --bs 128k /tmp/fio-params-b128k.out 8M $(iscsi_disks "$iqn") &&
	fio_verify --bs 1M /tmp/fio-params-b1m.out 16M $(iscsi_disks "$iqn")"

check "InitialR2T=No without immediate data: the first burst all unsolicited Data-Out" variant \
	"ImmediateData=No InitialR2T=No MaxRecvDataSegmentLength=65536 FirstBurstLength=32768 MaxBurstLength=65536" \
	"node.session.iscsi.ImmediateData=No node.session.iscsi.FirstBurstLength=32768 node.session.iscsi.MaxBurstLength=65536 node.conn[0].iscsi.MaxXmitDataSegmentLength=0" \
	"initial_r2t=0 immediate_data=0 first_burst_len=32768 max_burst_len=65536"
check "fio verify 4k and 1M: 0 errors" bash -c "
	fio_verify /tmp/fio-params-c4k.out 8M $(iscsi_disks "$iqn") &&
	fio_verify --bs 1M /tmp/fio-params-c1m.out 16M $(iscsi_disks "$iqn")"

check "ext4 on the disk: mkfs, write 20 MiB, unmount, fsck, read back the same" bash -c "
	d=\$(iscsi_disks '$iqn' | head -1) && mkfs.ext4 -q -F \$d && mkdir -p /tmp/mnt-iscsi &&
	mount \$d /tmp/mnt-iscsi && head -c 20M /dev/urandom > /tmp/iscsi-file &&
	cp /tmp/iscsi-file /tmp/mnt-iscsi/f && umount /tmp/mnt-iscsi && fsck.ext4 -n \$d > /dev/null &&
	mount \$d /tmp/mnt-iscsi && cmp /tmp/iscsi-file /tmp/mnt-iscsi/f && umount /tmp/mnt-iscsi"

check "our MaxRecvDataSegmentLength 1 MiB: the receive buffer grows at start, 1M reads verify" variant \
	"MaxXmitDataSegmentLength=1048576" "node.conn[0].iscsi.MaxRecvDataSegmentLength=1048576" \
	"max_recv_dlength=1048576"
check "... fio verify 1M: 0 errors" fio_verify --bs 1M /tmp/fio-params-d1m.out 16M $(iscsi_disks "$iqn")
# Data segments of 8188 bytes both ways (iscsid rounds 8191 down to a
# multiple of 4): Data-In pieces that start inside a page, immediate data
# with a digest.
check "HeaderDigest and DataDigest CRC32C, 8188-byte data segments both ways" variant \
	"HeaderDigest=CRC32C DataDigest=CRC32C ImmediateData=Yes MaxXmitDataSegmentLength=8191" \
	"node.conn[0].iscsi.HeaderDigest=CRC32C node.conn[0].iscsi.DataDigest=CRC32C node.session.iscsi.ImmediateData=Yes node.conn[0].iscsi.MaxRecvDataSegmentLength=8191 node.conn[0].iscsi.MaxXmitDataSegmentLength=8191" \
	"header_digest=1 data_digest=1 immediate_data=1 max_recv_dlength=8188 max_xmit_dlength=8188"
check "iscsiadm -m session -P 3 shows CRC32C both ways" bash -c "
	iscsiadm -m session -P 3 > /tmp/iscsi-dgst.out && grep -q 'HeaderDigest: CRC32C' /tmp/iscsi-dgst.out &&
	grep -q 'DataDigest: CRC32C' /tmp/iscsi-dgst.out"
check "with digests (LIO checks ours, we check LIO's): fio verify 4k, 128k and 1M: 0 errors" bash -c "
	fio_verify /tmp/fio-params-e4k.out 8M $(iscsi_disks "$iqn") &&
	fio_verify --bs 128k /tmp/fio-params-e128k.out 8M $(iscsi_disks "$iqn") &&
	fio_verify --bs 1M /tmp/fio-params-e1m.out 16M $(iscsi_disks "$iqn")"
check "a 37-byte INQUIRY under digests: the data segment's padding is in the digest" bash -c "
	sg_raw -r 37 \$(iscsi_disks '$iqn' | head -1) 12 00 00 00 25 00 2>&1 | grep -q 'Received 37 bytes'"
check "no digest error counted or logged, by orion or by LIO" bash -c "
	iscsiadm -m session -s | grep -q 'digest_err: 0' && ! dmesg_since_mark | grep -q 'Digest error in a PDU' &&
	! dmesg_since_mark | grep -E 'CRC32C.*(does not match|failed)'"
check "logout, iscsid stops, the target is torn down, orion unloads" bash -c \
	'iscsi_logout_all && iscsid_stop && lio_teardown && iscsi_initiator_unload && [ ! -d /sys/module/orion_scsi ]'
check "kernel log has no warning or oops" dmesg_clean
ktap_finished
