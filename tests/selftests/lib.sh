# SPDX-License-Identifier: GPL-2.0
# Sourced by the VM test programs: KTAP output through the kernel's own
# kselftest helpers, plus small orion_scsi helpers.
# shellcheck shell=bash
: "${ORION_TOP:?}" "${KERNEL_SRC:?}"
# shellcheck source=/dev/null
. "$KERNEL_SRC/tools/testing/selftests/kselftest/ktap_helpers.sh"
# shellcheck source=../../scripts/splat.sh
. "$ORION_TOP/scripts/splat.sh"
# wait_until, settle and the host helpers the benchmarks share.
# shellcheck source=../../scripts/guest-lib.sh
. "$ORION_TOP/scripts/guest-lib.sh"

ORION_KO=$ORION_TOP/orion_scsi.ko

# check "description" command...: one KTAP result from a command's status.
# On failure the command's output is shown as KTAP diagnostics; lines the
# command prints starting with "note:" are shown either way.
check() {
	local desc=$1 out; shift
	if out=$("$@" 2>&1); then
		ktap_test_pass "$desc"
		printf '%s\n' "$out" | grep '^note:' | sed 's/^/# /'
	else
		ktap_test_fail "$desc"
		printf '%s\n' "$out" | tail -15 | sed 's/^/# /'
	fi
	return 0
}

# ref_kernel_only "why": after ktap_print_header, skips the whole program
# on the debug kernel (CI's debug run has a time budget), saying why.
ref_kernel_only() {
	[ "${ORION_FLAVOUR:-ref}" = debug ] || return 0
	ktap_skip_all "reference kernel only ($1)"
	exit "$KSFT_SKIP"
}
# kmemleak_check "description" [PATTERN]: scans twice (an object is
# reported only when two scans find it unreferenced), then one KTAP result:
# no unreferenced object, or with PATTERN none whose report matches it
# (e.g. a module's frames in the backtrace). The reports are cleared after,
# so a later check sees only what leaked since. The VM needs kmemleak=on.
kmemleak_check() {
	local desc=$1 f=/sys/kernel/debug/kmemleak
	if [ ! -w $f ]; then
		ktap_test_fail "$desc (kmemleak is not available: expected kmemleak=on)"
		return 0
	fi
	echo scan > $f; sleep 6; echo scan > $f
	check "$desc" kmemleak_none "${2:-.}"
	echo clear > $f
}
# kmemleak_none PATTERN: fails, printing them, when reports of
# unreferenced objects match PATTERN.
kmemleak_none() {
	! grep -A24 unreferenced /sys/kernel/debug/kmemleak | grep -B24 -e "$1"
}

# The kernel log from a mark: dmesg_mark writes a unique line into the log
# (it does not clear it, so a splat stays visible to the dmesg_clean of an
# earlier mark and to the VM-wide check); dmesg_since_mark prints what came
# after the latest mark, or the whole log when there is none.
dmesg_mark() {
	local m
	m="orion-test-mark ${1:-$(basename "$0")} $$.$RANDOM.$SECONDS"
	echo "$m" > /tmp/orion-dmesg-mark
	echo "$m" > /dev/kmsg
}
dmesg_since_mark() {
	local m
	m=$(cat /tmp/orion-dmesg-mark 2>/dev/null)
	# grep -q would stop reading early: dmesg then dies of SIGPIPE, and
	# under pipefail the mark would look absent.
	if [ -n "$m" ] && dmesg | grep -F "$m" > /dev/null; then
		dmesg | awk -v m="$m" 'seen { print } index($0, m) { seen = 1 }'
	else
		dmesg
	fi
}
# Fails, printing the splat, when the kernel log since the mark has one
# (the patterns of scripts/splat.sh).
dmesg_clean() {
	local hits
	hits=$(dmesg_since_mark | grep -E -m1 -A12 "$ORION_SPLAT_RE") || return 0
	printf '%s\n' "$hits"
	return 1
}

# The SG_IO fuzzer (tools/sg-fuzz, Documentation/sg-fuzz.rst), built by
# scripts/build-tools.sh into the host's cache, which the guest sees.
SG_FUZZ=${ORION_CACHE:-$HOME/.cache/orion_scsi}/tools/target/release/sg-fuzz
# The management tool (tools/orionctl, Documentation/orionctl.rst), built
# the same way (exported: the checks run it in `bash -c`).
export ORIONCTL=${ORION_CACHE:-$HOME/.cache/orion_scsi}/tools/target/release/orionctl

# fuzz_run DEV COUNT ARGS...: COUNT cases of sg-fuzz on DEV (ARGS: --seed
# and other options). Passes when sg-fuzz exits 0 (no malformed reply; the
# device still answers TEST UNIT READY with the same capacity) after
# sending COUNT CDBs. Its summary goes out as notes; on failure the first
# malformed case (with the command line that replays it) and the summary.
# Progress goes to the kernel log too, so a console log that ends in an
# oops or a hang shows which cases had run.
fuzz_run() {
	local dev=$1 count=$2 out rc; shift 2
	out=$(mktemp /tmp/sg-fuzz.XXXXXX)
	"$SG_FUZZ" "$dev" --count "$count" --progress 10000 --kmsg "$@" > "$out" 2>&1
	rc=$?
	if [ $rc = 0 ] && grep -qE "^sg-fuzz: seed [0-9]+: $count CDBs, .* 0 malformed$" "$out"; then
		grep -E '^sg-fuzz: (status|sense keys|top ASC|host status|refused|directions|kinds|[0-9]+ CDBs in|seed [0-9]+:)' "$out" |
			sed 's/^sg-fuzz: /note: /'
		return 0
	fi
	echo "sg-fuzz exited with $rc; the first malformed reply:"
	awk '/^sg-fuzz: MALFORMED/ { n++ } n == 1 && /^sg-fuzz: (MALFORMED|  )/' "$out"
	grep -E '^sg-fuzz: (after the run|problems|seed [0-9]+:)' "$out" || tail -5 "$out"
	return 1
}

# stats_move_by_write KIND DISK: DISK's host is an orion host of kind KIND
# (its orion_adapter attribute), and a 1 MiB O_DIRECT write to DISK adds
# exactly 1048576 write_bytes to the debugfs statistics of its LUN, its
# target and its host (Documentation/statistics.rst).
stats_move_by_write() {
	local kind=$1 d=$2 h c t l dir f w=() i=0
	IFS=: read -r h c t l <<< "$(basename "$(readlink -f "/sys/block/${d#/dev/}/device")")"
	dir=/sys/kernel/debug/orion_scsi/host$h
	debugfs_mount
	[ "$(cat "/sys/class/scsi_host/host$h/orion_adapter")" = "$kind" ] || return 1
	local files=("$dir/lun$c:$t:$l/stats" "$dir/target$c:$t/stats" "$dir/stats")
	for f in "${files[@]}"; do
		w+=("$(awk '$1 == "write_bytes" { print $2 }' "$f")")
	done
	dd if=/dev/zero of="$d" bs=1M count=1 oflag=direct status=none || return 1
	for f in "${files[@]}"; do
		[ "$(awk '$1 == "write_bytes" { print $2 }' "$f")" = $((w[i] + 1048576)) ] || { echo "# $f"; return 1; }
		i=$((i + 1))
	done
}

orion_loaded() { [ -d /sys/module/orion_scsi ]; }
# Unloads the module. udev may still hold new disks open for probing (1024
# of them take a while under TCG, past udevadm settle's own timeout), which
# makes rmmod fail with "in use": retry for a minute before giving up.
# Tests that expect rmmod to be refused call rmmod themselves.
orion_unload() {
	local i
	orion_loaded || return 0
	settle
	for ((i = 0; i < 60; i++)); do
		rmmod orion_scsi 2>/dev/null && return 0
		sleep 1
	done
	rmmod orion_scsi
}
orion_load() { orion_unload && insmod "$ORION_KO" "$@"; }

# Counts the orion_virt disks lsscsi lists.
virt_disk_count() { lsscsi -H | awk '$2 == "orion_virt" { print substr($1, 2, length($1) - 2) }' |
	while read -r h; do lsscsi "$h:*:*:*"; done | grep -c disk; }

# The block devices of orion_virt hosts, one per line (/dev/sdX).
virt_disks() {
	local h
	for h in /sys/class/scsi_host/host*; do
		[ "$(cat "$h/proc_name" 2>/dev/null)" = orion_virt ] || continue
		find "$h"/device/target*/*/block/ -mindepth 1 -maxdepth 1 2>/dev/null | sed 's|.*/|/dev/|'
	done | sort
}

# sg device of the first orion_virt disk.
virt_sg() {
	local d
	d=$(virt_disks | head -1)
	sg_of "$d"
}

# MegaRAID (orion_megasas) helpers. The reference kernel has megaraid_sas
# built in and it binds the controllers at boot: release_megaraid_sas (from
# scripts/guest-lib.sh) hands them over first.

# hba_hosts PROC_NAME: host numbers of the SCSI hosts named PROC_NAME, one
# per line.
hba_hosts() {
	local h
	for h in /sys/class/scsi_host/host*; do
		[ "$(cat "$h/proc_name" 2>/dev/null)" = "$1" ] && echo "${h##*host}"
	done
}

# hba_disks PROC_NAME [HOST]: block devices of those hosts (or of HOST),
# sorted. Through the scsi_disk class: on a SAS host the targets are not
# the host's children but its end devices'.
hba_disks() {
	local h d
	for h in ${2:-$(hba_hosts "$1")}; do
		for d in /sys/class/scsi_disk/"$h":*; do
			find "$d"/device/block/ -mindepth 1 -maxdepth 1 2>/dev/null
		done | sed 's|.*/|/dev/|'
	done | sort
}

# Host numbers of orion_megasas hosts, one per line.
megasas_hosts() { hba_hosts orion_megasas; }

# Block devices of orion_megasas hosts (optionally of host $1), sorted.
megasas_disks() { hba_disks orion_megasas "${1:-}"; }

# The same for orion_lsi hosts.
lsi_hosts() { hba_hosts orion_lsi; }
lsi_disks() { hba_disks orion_lsi "${1:-}"; }

# The same for orion_mptsas hosts (LSI SAS1068, Fusion-MPT).
mptsas_hosts() { hba_hosts orion_mptsas; }
mptsas_disks() { hba_disks orion_mptsas "${1:-}"; }

# Block device of the disk at target $2 (channel 0, LUN 0) of host $1.
disk_at() {
	find "/sys/class/scsi_device/$1:0:$2:0/device/block/" -mindepth 1 -maxdepth 1 2>/dev/null |
		sed 's|.*/|/dev/|'
}
megasas_disk_at() { disk_at "$@"; }

# Block device of the disk at LUN $3 (default 0) behind the SAS end device
# attached to phy $2 of host $1 (the SAS class numbers targets itself, in
# the order the driver adds end devices).
sas_disk_on_phy() {
	local e
	for e in /sys/class/sas_end_device/end_device-"$1":*; do
		[ -e "$(readlink -f "$e/device/..")/phy-$1:$2" ] || continue
		find "$e"/device/target"$1":0:*/"$1":0:*:"${3:-0}"/block/ -mindepth 1 -maxdepth 1 2>/dev/null |
			sed 's|.*/|/dev/|'
	done
}

# "phy=sas_address" of every end device of host $1, one per line, sorted.
sas_fabric() {
	local e
	for e in /sys/class/sas_device/end_device-"$1":*; do
		[ -e "$e" ] && echo "$(cat "$e/phy_identifier")=$(cat "$e/sas_address")"
	done | sort
}

# sg device of a block device.
sg_of() {
	find "/sys/block/${1#/dev/}/device/scsi_generic/" -mindepth 1 -maxdepth 1 | sed 's|.*/|/dev/|'
}

# PCI address of host $1.
megasas_pci() { basename "$(readlink -f "/sys/class/scsi_host/host$1/device/..")"; }

# megasas_behind_iommu HOST...: each host's controller sits behind a DMA
# remapping unit (it is in the unit's scope and in an IOMMU group) whose
# default domain translates DMA with strict (immediate) invalidation: the
# group type is "DMA", not "DMA-FQ" (lazy) or "identity" (pass-through).
megasas_behind_iommu() {
	local h pci g unit
	for h in "$@"; do
		pci=$(megasas_pci "$h")
		unit=$(find /sys/class/iommu/*/devices/ -name "$pci" 2>/dev/null | head -1)
		if ! g=$(readlink -e "/sys/bus/pci/devices/$pci/iommu_group") || [ -z "$unit" ]; then
			echo "$pci (host$h) is not behind an IOMMU"
			return 1
		fi
		unit=${unit%/devices/*}
		echo "note: host$h ($pci): ${unit##*/}, IOMMU group ${g##*/}, domain type $(cat "$g/type")"
		[ "$(cat "$g/type")" = DMA ] || { echo "$pci: domain type $(cat "$g/type"), expected DMA (strict)"; return 1; }
	done
}

# Writes 32-bit $3 at register offset $2 of the controller at PCI address $1
# (through its register BAR's sysfs resource file: BAR 0 of the SAS1078,
# BAR 1 of the SAS2108 and of the SAS1068).
megasas_reg_write() {
	python3 - "$@" <<'PY'
import mmap, os, struct, sys
pci, off, val = sys.argv[1], int(sys.argv[2], 0), int(sys.argv[3], 0)
dev = open(f'/sys/bus/pci/devices/{pci}/device').read().strip()
bar = 0 if dev == '0x0060' else 1
fd = os.open(f'/sys/bus/pci/devices/{pci}/resource{bar}', os.O_RDWR | os.O_SYNC)
m = mmap.mmap(fd, 4096)
m[off:off + 4] = struct.pack('<I', val)
PY
}

# fio_verify [--bs BS] [--seq] [--max-lat-ms MS] OUT SIZE DISK...: random
# (sequential with --seq) writes
# (4k unless --bs) then a crc32c verify of all that was written, QD32, two
# jobs per disk, each on its own SIZE region. Passes when fio exits 0, it
# reports err= 0 and no error, and no verify: line appears; with
# --max-lat-ms, also only when no command took MS or longer to complete
# (fio's largest completion latency, printed as a note). The report (JSON,
# then the normal text) goes to OUT, fio's stderr to OUT.err.
fio_verify() {
	local bs=4k max_ms="" out size args=() d lat verify_mode=(--do_verify=1) rw=randwrite
	while :; do
		case $1 in
		--bs) bs=$2; shift 2;;
		--max-lat-ms) max_ms=$2; shift 2;;
		# Sequential writes instead of random ones.
		--seq) rw="write"; shift;;
		# Write only (with verify headers), or random reads that check
		# what such a run wrote: a read-only load, for adapters that
		# serve writes one at a time.
		--write-only) verify_mode=(--do_verify=0); shift;;
		--read-verify) rw=randread verify_mode=(); shift;;
		*) break;;
		esac
	done
	out=$1 size=$2; shift 2
	for d in "$@"; do args+=(--name="${d##*/}" --filename="$d"); done
	fio --ioengine=libaio --direct=1 --rw="$rw" --bs="$bs" --size="$size" --iodepth=32 \
		--numjobs=2 --offset_increment="$size" --verify=crc32c --verify_fatal=1 ${verify_mode[@]+"${verify_mode[@]}"} \
		--verify_state_save=0 --randrepeat=0 --group_reporting --output-format=normal,json \
		--output="$out" "${args[@]}" 2> "$out.err" ||
		{ echo "fio failed:"; tail -5 "$out.err"; grep -h 'verify:' "$out"; return 1; }
	if ! grep -q 'err= 0' "$out" || grep -qE 'err= *[1-9]' "$out"; then
		echo "fio reports errors:"; grep 'err=' "$out"; return 1
	fi
	! grep -h 'verify:' "$out" "$out.err" || return 1
	[ -n "$max_ms" ] || return 0
	lat=$(fio_max_lat_ms "$out") || { echo "no completion latency in $out"; return 1; }
	echo "note: max completion latency $lat ms (limit $max_ms ms)"
	[ "$lat" -lt "$max_ms" ]
}

# fio_max_lat_ms OUT: the largest completion latency, in whole ms, of any
# job and direction in a fio report holding JSON output (fio_verify's OUT).
fio_max_lat_ms() {
	python3 - "$1" <<'PY'
import json, sys
text = open(sys.argv[1]).read()
report, _ = json.JSONDecoder().raw_decode(text[text.index('{'):])
print(int(max(job[d]['clat_ns']['max'] for job in report['jobs']
              for d in ('read', 'write', 'trim')) / 1e6))
PY
}

# io_reset_during_fio KIND SG OUT SIZE DISK: fio_verify on DISK in the
# background and, once commands are in flight on it, sg_reset -KIND on SG.
# Passes when sg_reset succeeded, fio_verify passed (data intact), and the
# commands caught by the reset were completed or retried at once rather
# than left to time out: fio's largest completion latency is under 5 s plus
# the time sg_reset itself took. (After a successful bus or host reset the
# midlayer holds the host for a 10 s settle time, ssleep in
# scsi_try_bus_reset/scsi_try_host_reset, unless the host template sets
# skip_settle_delay; sg_reset returns after it, so it is not counted
# against the driver. A command left to the block layer timeout shows up
# as 30 s or more.)
io_reset_during_fio() {
	local kind=$1 sg=$2 out=$3 size=$4 disk=$5 pid rc=0 t reset_ms lat end r w n=0 load=()
	local inflight=/sys/block/${5#/dev/}/inflight dev=/sys/block/${5#/dev/}/device
	# A sixth argument "read": fill the disk first, then keep a read-only
	# verify load in flight (QEMU's lsi serves writes one at a time).
	if [ "${6:-}" = read ]; then
		fio_verify --write-only "$out.fill" "$size" "$disk" > "$out.fill.log" 2>&1 ||
			{ echo "fio fill failed:"; cat "$out.fill.log"; return 1; }
		load=(--read-verify)
	fi
	# Reset right after seeing 16 commands or more in flight (builtins only
	# between the look and the reset). fio starts slowly on the debug
	# kernel; a load that ends before 16 were seen (the debug kernel has
	# missed it once in a while) is checked and run once more.
	local wait=30 attempt max seen
	[ "${ORION_FLAVOUR:-ref}" != debug ] || wait=120
	for attempt in 1 2; do
		fio_verify ${load[@]+"${load[@]}"} "$out" "$size" "$disk" > "$out.verify" 2>&1 &
		pid=$!
		end=$((SECONDS + wait)) max=0 seen=0 rc=0
		while read -r r w < "$inflight" && n=$((r + w)) && [ "$n" -lt 16 ]; do
			seen=$((seen + 1))
			[ "$n" -le "$max" ] || max=$n
			if [ $SECONDS -ge $end ] || ! kill -0 "$pid" 2>/dev/null; then
				echo "not 16 commands in flight on $disk within $wait s, attempt $attempt (at most $max in $seen looks; queue_depth $(cat "$dev/queue_depth"), device_blocked $(cat "$dev/device_blocked"), state $(cat "$dev/state"), fio $(kill -0 "$pid" 2>/dev/null && echo running || echo finished))"
				rc=1
				break
			fi
			sleep 0.05
		done
		if [ $rc -eq 0 ] || [ $attempt -eq 2 ]; then
			break
		fi
		# The missed load must still have been correct.
		wait "$pid" || { echo "fio_verify failed:"; cat "$out.verify"; return 1; }
		grep -E 'read: IOPS|write: IOPS|run=' "$out" | head -3
	done
	t=${EPOCHREALTIME/[.,]/}
	sg_reset "-$kind" "$sg" || { echo "sg_reset -$kind $sg failed"; rc=1; }
	reset_ms=$(((${EPOCHREALTIME/[.,]/} - t) / 1000))
	echo "note: $n commands in flight at sg_reset -$kind"
	wait "$pid" || { echo "fio_verify failed:"; rc=1; }
	cat "$out.verify"
	lat=$(fio_max_lat_ms "$out") || { echo "no completion latency in $out"; return 1; }
	echo "note: sg_reset -$kind took $reset_ms ms; max completion latency $lat ms (limit $((reset_ms + 5000)) ms)"
	[ "$lat" -lt $((reset_ms + 5000)) ] || rc=1
	return $rc
}

# udev_skip_blkid: udev's blkid probe reads about 3.6 MB of each new disk
# (and again after each write-close): on a disk QEMU throttles to 32 KiB/s
# that is two minutes of a group. The throttled groups do not use what
# blkid finds, so they turn it off for the rest of the boot (the guest's
# /run is its own tmpfs). The other udev rules still run.
udev_skip_blkid() {
	mkdir -p /run/udev/rules.d &&
		echo 'SUBSYSTEM=="block", ENV{UDEV_DISABLE_PERSISTENT_STORAGE_BLKID_FLAG}="1"' \
			> /run/udev/rules.d/59-orion-skip-blkid.rules &&
		udevadm control --reload
}

# throttled_disk DISK [PRIME]: QEMU throttles DISK (bps-total in the
# group's vm.conf): a 4 KiB read right after a read of PRIME bytes (256k)
# takes over 1.5 s (the first empties the throttle bucket).
throttled_disk() {
	local t
	dd if="$1" of=/dev/null bs="${2:-256k}" count=1 iflag=direct status=none || return 1
	t=$(date +%s%N)
	dd if="$1" of=/dev/null bs=4k count=1 skip=2000 iflag=direct status=none || return 1
	t=$((($(date +%s%N) - t) / 1000000))
	echo "note: 4 KiB read after a ${2:-256k} read: $t ms"
	[ "$t" -gt 1500 ]
}

# rw_ok DISK: 64 KiB written at 6.25 MiB into DISK read back equal.
rw_ok() {
	head -c 65536 /dev/urandom > /tmp/pattern &&
		dd if=/tmp/pattern of="$1" bs=64k seek=100 count=1 oflag=direct status=none &&
		dd if="$1" of=/tmp/back bs=64k skip=100 count=1 iflag=direct status=none &&
		cmp /tmp/pattern /tmp/back
}

# held_read DISK PRIME TIMEOUT_FILE VALUE: a 4 KiB read of the throttled
# DISK right after a read of PRIME bytes (so QEMU holds it seconds), with
# TIMEOUT_FILE (device/timeout in s or queue/io_timeout in ms) set to VALUE
# meanwhile. Sets held_rc (the read's status) and held_s (seconds taken).
held_read() {
	local old start
	old=$(cat "$3")
	dd if="$1" of=/dev/null bs="$2" count=1 iflag=direct status=none
	echo "$4" > "$3"
	start=$SECONDS
	timeout 120 dd if="$1" of=/dev/null bs=4k count=1 skip=3000 iflag=direct status=none
	# shellcheck disable=SC2034 # results for the caller
	held_rc=$? held_s=$((SECONDS - start))
	echo "$old" > "$3"
}

megasas_load() { orion_unload && release_megaraid_sas && insmod "$ORION_KO" virt_adapters=0 "$@"; }
lsi_load() { orion_unload && release_sym53c8xx && insmod "$ORION_KO" virt_adapters=0 megasas=0 "$@"; }
# The C driver mptsas is a module the groups blacklist; released all the same.
mptsas_load() {
	orion_unload && release_pci_driver mptsas && insmod "$ORION_KO" virt_adapters=0 megasas=0 lsi=0 "$@"
}
# The helpers are also used inside `bash -c` checks.
export ORION_KO ORION_SPLAT_RE
export -f fio_verify fio_max_lat_ms wait_until dmesg_since_mark orion_loaded orion_unload settle \
	release_megaraid_sas megasas_hosts megasas_disks megasas_disk_at disk_at sg_of megasas_pci megasas_load \
	megasas_behind_iommu hba_hosts hba_disks lsi_hosts lsi_disks lsi_load release_pci_driver \
	release_sym53c8xx throttled_disk rw_ok mptsas_hosts mptsas_disks mptsas_load sas_disk_on_phy \
	sas_fabric

# unload_reload_checks LOAD DISKS N: three KTAP results for the HBA groups:
# rmmod is refused while the first disk DISKS (a function) lists is
# mounted, succeeds once it is free, and LOAD (a function) then finds the
# N disks again.
unload_reload_checks() {
	local load_fn=$1 disks_fn=$2 n=$3 d m
	"$load_fn" && settle
	d=$("$disks_fn" | head -1); m=$(mktemp -d)
	mkfs.ext4 -q -F "$d" && mount "$d" "$m"
	check "rmmod is refused while a disk is mounted" bash -c "! rmmod orion_scsi 2>/dev/null && orion_loaded"
	umount "$m"
	check "rmmod succeeds once the disk is free" orion_unload
	"$load_fn" && settle
	check "reload finds the $n disks again" wait_until 30 bash -c "[ \"\$($disks_fn | wc -l)\" = $n ]"
}

# sg_resets_refused FD...: SG_SCSI_RESET (device, target, bus, host) on
# the open files FD... (block or sg devices of a removed host) is refused
# every time; prints what was accepted.
sg_resets_refused() {
	python3 - "$@" <<'PY'
import fcntl, struct, sys
SG_SCSI_RESET = 0x2284
accepted = []
for fd in map(int, sys.argv[1:]):
    for kind in (1, 4, 2, 3):
        try:
            fcntl.ioctl(fd, SG_SCSI_RESET, struct.pack("i", kind))
            accepted.append((fd, kind))
        except OSError:
            pass
print("accepted:", accepted)
sys.exit(1 if accepted else 0)
PY
}

# pci_remove_held_open PCI DISK: removes the PCI function PCI through sysfs
# while DISK and its sg device are held open, closing them after; one KTAP
# result: SG_SCSI_RESET on the open files is refused (the devices are
# deleted and the driver's host data gone; resets used to reach the
# driver's reset callbacks).
pci_remove_held_open() {
	local pci=$1 d=$2 sg
	sg=$(sg_of "$d")
	exec 3<"$d" 4<"$sg"
	echo 1 > "/sys/bus/pci/devices/$pci/remove"
	settle
	check "SG_SCSI_RESET on $d and $sg held open after the remove is refused" sg_resets_refused 3 4
	exec 3<&- 4<&-
	settle
}

# The body of the megasas_msi and megasas_intx groups: QEMU offers fewer
# interrupt kinds, the driver picks the expected one by itself ($1: MSI or
# INTx), and data stays intact on all disks.
megasas_irq_fallback_test() {
	local mode=$1 hosts
	ktap_print_header
	ktap_set_plan 4
	dmesg_mark
	megasas_load && settle
	mapfile -t hosts < <(megasas_hosts)
	check "both controllers are behind the IOMMU (strict DMA domains)" megasas_behind_iommu "${hosts[@]}"
	check "both hosts use $mode" bash -c "[ \$(megasas_hosts | wc -l) = 2 ] &&
		for h in \$(megasas_hosts); do [ \$(cat /sys/class/scsi_host/host\$h/orion_irq_mode) = $mode ] || exit 1; done"
	# shellcheck disable=SC2046 # one argument per disk
	check "fio verify on all four disks (QD32, 2 jobs each): 0 errors" \
		fio_verify "/tmp/fio-$mode.out" 32M $(megasas_disks)
	orion_unload
	check "kernel log has no warning or oops" dmesg_clean
	ktap_finished
}
