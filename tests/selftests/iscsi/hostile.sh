#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# A hostile target (issue 11): the test proxy (../iscsi_proxy.py) speaks
# for the target after login and injects malformed PDUs between LIO's,
# one per check: a response, a TMF response, an R2T and a NOP-In for ITTs
# nobody sent, a reserved opcode, a data segment longer than we accept,
# a huge AHS. Each time orion logs the violation and fails the connection
# (ERL 0): iscsid logs in again and the disk works; at the end fio
# verifies and the kernel log is clean (kmemleak on the debug kernel).
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=../iscsi_lib.sh
. "$(dirname "$0")/../iscsi_lib.sh"

iqn=$ISCSI_IQN_PREFIX:hostile
target_portal=$ISCSI_PORTAL
# The initiator's portal: the proxy's.
ISCSI_PORTAL=127.0.0.1:$ISCSI_PROXY_PORT
export iqn ISCSI_PORTAL
trap iscsi_proxy_stop EXIT

violations() {
	dmesg_since_mark | grep -cE 'iSCSI: (protocol violation by|bad PDU from) the target' || true
}
export -f violations

# bhs BYTE0 BYTE1 AHS_WORDS DATA_LEN ITT: a PDU header in hex (the other
# fields 0, TTT reserved), then the AHS and data it announces (zeros),
# unless over 64 KiB: the initiator must stop at the header.
bhs() {
	python3 - "$@" <<'PY'
import sys
b0, b1, ahs, dlen, itt = (int(a, 0) for a in sys.argv[1:6])
h = bytearray(48)
h[0], h[1], h[4] = b0, b1, ahs
h[5:8] = dlen.to_bytes(3, "big")
h[16:20] = itt.to_bytes(4, "big")
h[20:24] = b"\xff\xff\xff\xff"
body = ahs * 4 + ((dlen + 3) & ~3)
print((bytes(h) + (bytes(body) if body <= 65536 else b"")).hex())
PY
}

setup() {
	iscsi_initiator_load orion && ISCSI_PORTAL=$target_portal lio_target "$iqn" 32M && iscsid_start ||
		return 1
	iscsi_proxy_start "${target_portal##*:}" || return 1
	iscsiadm -m node -o new -T "$iqn" -p "$ISCSI_PORTAL" > /dev/null &&
		iscsi_node_set "$iqn" node.session.timeo.replacement_timeout 60 &&
		iscsi_login "$iqn" > /dev/null && iscsi_wait_disks "$iqn" 1 > /dev/null
}

# inject HEX REASON: the proxy sends the PDU; orion logs a violation
# naming REASON (an extended regex), fails the connection, logs in again
# (through iscsid) and reads.
inject() {
	local errs seen t0 line
	errs=$(iscsi_conn_errors) seen=$(violations) t0=$(date +%s%3N)
	# Whole or not at all: the proxy looks for the file at every PDU.
	echo "$1" > "$ISCSI_PROXY_INJECT.tmp" && mv "$ISCSI_PROXY_INJECT.tmp" "$ISCSI_PROXY_INJECT" || return 1
	wait_until 20 bash -c '[ "$(violations)" -gt '"$seen"' ]' ||
		{ echo "no violation logged (injected: $([ -e "$ISCSI_PROXY_INJECT" ] && echo no || echo yes))"; return 1; }
	line=$(dmesg_since_mark | grep -E 'iSCSI: (protocol violation by|bad PDU from) the target' | tail -1)
	echo "note: ${line#*] }"
	echo "$line" | grep -qE "$2" || { echo "not the violation expected ($2)"; return 1; }
	wait_until 10 bash -c '[ "$(iscsi_conn_errors)" -gt '"$errs"' ]' || { echo "the connection did not fail"; return 1; }
	wait_until 60 iscsi_logged_in "$iqn" || { echo "not logged in again"; return 1; }
	dd if="$(iscsi_disks "$iqn" | head -1)" of=/dev/null bs=1M count=4 iflag=direct status=none &&
		iscsi_proxy_alive || return 1
	echo "note: I/O again $(($(date +%s%3N) - t0)) ms after the injection"
}

unknown_response() { inject "$(bhs 0x21 0x80 0 0 0x00001234)" 'no command in flight has ITT 0x1234$'; }
unsolicited_tmf_response() { inject "$(bhs 0x22 0x80 0 0 0xd0000077)" 'ITT 0xd0000077$'; }
# Tags stop at cmds_max (128): tag 0x1ff is never in flight.
unknown_r2t() { inject "$(bhs 0x31 0x80 0 0 0x000001ff)" 'ITT 0x1ff$'; }
unknown_nop_in() { inject "$(bhs 0x20 0x80 0 0 0x40000001)" 'ITT 0x40000001$'; }
reserved_opcode() { inject "$(bhs 0x2a 0x80 0 0 0xffffffff)" 'UnknownOpcode'; }
segment_too_long() { inject "$(bhs 0x20 0x80 0 0xffffff 0xffffffff)" 'DataSegmentTooLong'; }
# A SCSI Response has no AHS here (RFC 7143 11.4): refused as such, before
# its ITT is looked at.
huge_ahs() { inject "$(bhs 0x21 0x80 255 0 0x00001234)" 'UnexpectedAhs'; }

# survived: fio verify through the proxy after all that.
survived() {
	# shellcheck disable=SC2046 # one argument per disk
	fio_verify /tmp/fio-hostile.out 8M $(iscsi_disks "$iqn")
}


ktap_print_header
ktap_set_plan 11
dmesg_mark
check "orion, a LIO target, iscsid, the proxy; login through it" setup
check "a SCSI Response for an ITT never sent: violation, connection failed, back" unknown_response
check "a TMF Response nobody asked for: violation, connection failed, back" unsolicited_tmf_response
check "an R2T for an ITT never sent: violation, connection failed, back" unknown_r2t
check "a NOP-In for an ITT never sent: violation, connection failed, back" unknown_nop_in
check "a reserved opcode: bad PDU, connection failed, back" reserved_opcode
check "a 16 MiB data segment (over MaxRecvDataSegmentLength): bad PDU, back" segment_too_long
check "a 1020-byte AHS on a SCSI Response: refused, connection failed, back" huge_ahs
check "fio verify through the proxy afterwards" survived
check "logout, the proxy and iscsid stop, the target is torn down, orion unloads" iscsi_teardown
check "kernel log has no warning or oops" dmesg_clean
ktap_finished
