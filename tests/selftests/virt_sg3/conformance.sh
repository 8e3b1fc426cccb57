#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# SPC-4/SBC-3 conformance of the virtual LUNs through sg3_utils and sdparm:
# returned data is checked, and malformed CDBs get the right sense.
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"

ktap_print_header
ktap_set_plan 32
dmesg_mark

orion_load virt_capacity_mb=64 && settle
sg=$(virt_sg)
disk=$(virt_disks | head -1)
# sg_turs clears the power-on unit attention first.
sg_turs "$sg" >/dev/null 2>&1

check "sg_turs: unit ready" sg_turs "$sg"
check "sg_inq: vendor, product, SPC-4, CMDQUE" \
	bash -c "sg_inq $sg | grep -q 'Vendor identification: ORION' &&
		sg_inq $sg | grep -q 'Product identification: VIRTUAL DISK' &&
		sg_inq $sg | grep -q 'version=0x06' && sg_inq $sg | grep -q 'CmdQue=1'"
check "sg_vpd 0x00 lists 0x80 0x83 0xb0 0xb1 0xb2" \
	bash -c "sg_vpd -p 0 $sg | grep -q 'Unit serial number' && sg_vpd -p 0 $sg | grep -q 'Device identification' &&
		sg_vpd -p 0 $sg | grep -q 'Block limits' && sg_vpd -p 0 $sg | grep -q 'Block device characteristics' &&
		sg_vpd -p 0 $sg | grep -q 'Logical block provisioning'"
check "sg_vpd 0x80: serial of 16 hex digits" bash -c "sg_vpd -p sn $sg | grep -qE 'Unit serial number: [0-9A-F]{16}'"
check "sg_vpd 0x83: NAA type 5 designator of the LU" bash -c "sg_vpd -p di $sg | grep -A1 'designator type: NAA' | grep -q '0x5'"
check "sg_vpd 0xb0: maximum unmap LBA count reported" bash -c "sg_vpd -p bl $sg | grep -qE 'Maximum unmap LBA count: [1-9]'"
check "sg_vpd 0xb1: non-rotating medium" bash -c "sg_vpd -p bdc $sg | grep -q 'Non-rotating medium'"
check "sg_vpd 0xb2: LBPU, LBPWS, LBPRZ set" \
	bash -c "sg_vpd -p lbpv $sg | grep -q 'Unmap command supported (LBPU): 1' &&
		sg_vpd -p lbpv $sg | grep -q 'Write same (16) with unmap bit supported (LBPWS): 1' &&
		sg_vpd -p lbpv $sg | grep -qE 'LBPRZ\\): 1|LBPRZ: 1'"
check "sg_readcap (10): 131072 blocks of 512" \
	bash -c "sg_readcap $sg | grep -q 'Last LBA=131071' && sg_readcap $sg | grep -q 'Logical block length=512'"
check "sg_readcap --16: LBPME=1 LBPRZ=1" \
	bash -c "sg_readcap --16 $sg | grep -q 'Logical block provisioning: lbpme=1, lbprz=1'"
check "sg_luns: one LUN, 0" bash -c "sg_luns $sg | grep -q 'Lun list length = 8' && sg_luns $sg | grep -q '0000000000000000'"
check "sg_modes caching page: WCE=1" bash -c "sg_modes -p 8 $sg | grep -q 'WCE=1' || sdparm --get=WCE $disk | grep -qE 'WCE +1'"
check "sg_modes control page" bash -c "sg_modes -p 0xa $sg | grep -qi 'control'"
check "sg_opcodes lists READ(16) and UNMAP" \
	bash -c "sg_opcodes $sg | grep -q 'Read(16)' && sg_opcodes $sg | grep -q 'Unmap'"
check "sg_requests: NO SENSE once the unit attention was cleared" bash -c "sg_requests $sg 2>&1 | grep -q 'Sense key: No Sense'"
check "sg_sync" sg_sync "$sg"
check "sdparm --clear=WCE then WCE=0, cache_type follows" \
	bash -c "sdparm -q --clear=WCE $disk && sdparm --get=WCE $disk | grep -qE 'WCE +0' &&
		grep -q 'write through' /sys/class/scsi_disk/*/cache_type"
check "sysfs cache_type write back sets WCE=1" \
	bash -c "for f in /sys/class/scsi_disk/*/cache_type; do echo 'write back' > \$f; done;
		sdparm --get=WCE $disk | grep -qE 'WCE +1'"

# Data through the sg path: write a pattern, verify, unmap, read zeros.
printf 'orion%.0s' $(seq 1 103) | head -c 512 > /tmp/blk
check "sg_dd write 8 blocks, sg_verify --bytchk matches" \
	bash -c "for i in 0 1 2 3 4 5 6 7; do cat /tmp/blk; done > /tmp/blk8 &&
		sg_dd if=/tmp/blk8 of=$sg bs=512 seek=100 count=8 2>/dev/null &&
		sg_verify --lba=100 --count=8 --ndo=4096 --in=/tmp/blk8 $sg"
check "sg_verify --bytchk with different data: MISCOMPARE" \
	bash -c "head -c 4096 /dev/zero > /tmp/z8; sg_verify --lba=100 --count=8 --ndo=4096 --in=/tmp/z8 $sg 2>&1 | grep -qi miscompare"
check "sg_unmap then the blocks read back as zeros" \
	bash -c "sg_unmap --lba=100 --num=8 $sg && sg_dd if=$sg of=/tmp/r8 bs=512 skip=100 count=8 2>/dev/null && cmp /tmp/r8 /tmp/z8"
check "sg_write_same writes the pattern to 16 blocks" \
	bash -c "sg_write_same --lba=200 --num=16 --in=/tmp/blk $sg && sg_dd if=$sg of=/tmp/r16 bs=512 skip=200 count=16 2>/dev/null &&
		for i in \$(seq 16); do cat /tmp/blk; done | cmp - /tmp/r16"
check "sg_write_same --unmap deallocates (reads zeros)" \
	bash -c "sg_write_same --unmap --lba=200 --num=16 --in=/dev/zero --xferlen=512 $sg &&
		sg_dd if=$sg of=/tmp/r16 bs=512 skip=200 count=16 2>/dev/null && head -c 8192 /dev/zero | cmp - /tmp/r16"
# A data buffer longer than the transfer, ending past the end of the disk
# (sg-fuzz found these answered with MEDIUM ERROR): GOOD, the last block
# moved, the rest of the buffer reported as residual.
check "READ(10) of the last block into 8 KiB: GOOD, the block's data" \
	bash -c "head -c 512 /dev/urandom > /tmp/last && sg_dd if=/tmp/last of=$sg bs=512 seek=131071 count=1 2>/dev/null &&
		sg_raw -r 8192 -o /tmp/last.r $sg 28 00 00 01 ff ff 00 00 01 00 2>&1 | grep -q 'Good' &&
		head -c 512 /tmp/last.r | cmp - /tmp/last"
check "WRITE(10) of the last block from 8 KiB and READ(10) of 0 blocks past the end: GOOD" \
	bash -c "head -c 8192 /dev/urandom > /tmp/w8k && sg_raw -s 8192 -i /tmp/w8k $sg 2a 00 00 01 ff ff 00 00 01 00 2>&1 | grep -q 'Good' &&
		sg_dd if=$sg of=/tmp/w.r bs=512 skip=131071 count=1 2>/dev/null && head -c 512 /tmp/w8k | cmp - /tmp/w.r &&
		sg_raw -r 4096 $sg 28 00 00 02 00 00 00 00 00 00 2>&1 | grep -q 'Good'"

# Malformed CDBs: CHECK CONDITION, ILLEGAL REQUEST, the right ASC/ASCQ.
sense_is() {  # "additional sense text" cdb...: sg_raw decodes the sense
	local want=$1 out; shift
	out=$(sg_raw -v "$sg" "$@" 2>&1)
	echo "$out" | grep -qi "Sense key: Illegal Request" && echo "$out" | grep -qi "Additional sense: $want"
}
check "unknown opcode 0xC5: INVALID COMMAND OPERATION CODE (20/00)" sense_is "Invalid command operation code" c5 00 00 00 00 00
check "READ(10) past the end: LBA OUT OF RANGE (21/00)" sense_is "Logical block address out of range" -r 512 28 00 00 02 00 00 00 00 01 00
check "INQUIRY EVPD page 0x99: INVALID FIELD IN CDB (24/00)" sense_is "Invalid field in cdb" -r 64 12 01 99 00 40 00
check "MODE SENSE page 0x1C: INVALID FIELD IN CDB (24/00)" sense_is "Invalid field in cdb" -r 64 1a 00 1c 00 40 00
check "NACA bit set in CONTROL: INVALID FIELD IN CDB (24/00)" sense_is "Invalid field in cdb" 00 00 00 00 00 04
check "REPORT LUNS with reserved SELECT REPORT 0x7: INVALID FIELD IN CDB" sense_is "Invalid field in cdb" -r 64 a0 00 07 00 00 00 00 00 00 40 00 00
orion_unload
check "kernel log has no warning or oops" dmesg_clean
ktap_finished
