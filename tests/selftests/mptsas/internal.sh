#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The driver's own requests against IOC resets: configuration page reads
# (each read of a phy's link error counter is a SAS phy page 1 read
# through the request FIFO) keep running while sg_reset --host resets the
# IOC under fio. A read the reset catches fails at once (its reply never
# comes) instead of waiting out the 10 s internal timeout; every reset reads
# the end devices' firmware addresses again before I/O resumes (the same
# three, kept); no late reply or timed-out request is left; data intact.
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"

ktap_print_header
ktap_set_plan 6
dmesg_mark

mptsas_load && settle
h=$(mptsas_hosts | head -1); sysh=/sys/class/scsi_host/host$h
d0=$(sas_disk_on_phy "$h" 0); sg=$(sg_of "$d0")
resets=$(cat "$sysh/orion_resets")
log=/tmp/mpt-internal.log
# Page reads in a loop until told to stop; one line per read: its time
# in ms and whether it succeeded.
reader() {
	local t rc
	while [ ! -e /tmp/mpt-internal.stop ]; do
		for p in /sys/class/sas_phy/phy-"$h":*; do
			t=${EPOCHREALTIME/[.,]/}
			cat "$p/invalid_dword_count" > /dev/null 2>&1; rc=$?
			echo "$(((${EPOCHREALTIME/[.,]/} - t) / 1000)) $rc"
		done
	done > "$log"
}
rm -f /tmp/mpt-internal.stop
reader &
rpid=$!
fio_verify /tmp/fio-mpt-internal.out 8M "$d0" > /tmp/fio-mpt-internal.verify 2>&1 &
fpid=$!
ok=1
for i in 1 2 3; do
	sleep 1
	sg_reset --host "$sg" || { echo "sg_reset --host $i failed"; ok=0; }
done
wait "$fpid"; frc=$?
touch /tmp/mpt-internal.stop; wait "$rpid"
check "three sg_reset --host under fio and page reads: the IOC was reset three times" \
	bash -c "[ $ok = 1 ] && [ \$(cat $sysh/orion_resets) -ge $((resets + 3)) ]"
check "fio verify through the resets: 0 errors" bash -c "[ $frc = 0 ] || { cat /tmp/fio-mpt-internal.verify; exit 1; }"
check "page reads ran throughout; none waited out the 10 s internal timeout (a reset fails the read it catches at once)" bash -c "
	n=\$(wc -l < $log); slow=\$(awk '\$1 >= 9000' $log | wc -l)
	echo \"note: \$n page reads, \$(awk '\$2 != 0' $log | wc -l) failed, slowest \$(sort -n $log | tail -1 | cut -d' ' -f1) ms\"
	[ \$n -ge 20 ] && [ \$slow = 0 ]"
check "each reset read the firmware addresses again before I/O resumed: 3 kept, 0 renumbered, 0 gone" bash -c "
	[ \$(dmesg_since_mark | grep -c 'firmware addresses read again after the reset: 3 kept, 0 renumbered, 0 gone') -ge 3 ] &&
	! dmesg_since_mark | grep -qE 'SAS pages not read after the reset|no firmware address'"
check "afterwards every page read succeeds; no late reply, no timed-out internal request" bash -c "
	for p in /sys/class/sas_phy/phy-$h:*; do cat \$p/invalid_dword_count > /dev/null || exit 1; done &&
	! dmesg_since_mark | grep -qE 'late reply to internal request|internal request [0-9]+ timed out'"
orion_unload
check "kernel log has no warning or oops" dmesg_clean
ktap_finished
