#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Boots a kernel under QEMU (virtme-ng: the guest sees the host's files over
# 9p, read-only with a tmpfs overlay) with a chosen set of emulated SCSI
# adapters and runs a command inside.
#
# The run FAILS (exit 3) when the command fails, or (exit 1) when the guest
# log shows an oops, BUG, WARNING, KASAN/UBSAN report, lockdep splat, hung
# task or IOMMU fault (scripts/splat.sh), or when the guest does not finish
# within --timeout seconds. The whole guest console
# goes to --log; on failure an excerpt is printed.
#
# usage: vm-run.sh [options] -- command [args...]
#   --adapters LIST   comma list of megasas, megasas-gen2, lsi53c895a,
#                     lsi53c810, mptsas1068, virtio-scsi, none (default: none)
#   --disks N         disks per adapter (default 1), at scsi-id 0..N-1
#   --scsi-ids LIST   comma list of the disks' scsi-ids instead (e.g. 0,2,5;
#                     sets --disks)
#   --disk-luns LIST  comma list of the disks' LUNs, in the order of --scsi-ids
#                     (default 0 each; e.g. --scsi-ids 0,0 --disk-luns 0,1)
#   --disk-wwns LIST  comma list of the disks' wwn= (SAS address on a SAS HBA),
#                     in the order of --scsi-ids; an empty entry sets none
#   --disk-size SIZE  size of each disk image (default 256M)
#   --disk-opts [N:]O extra ",key=val" -drive options for disk N (scsi-id N)
#                     of every adapter, or for every disk without "N:";
#                     repeatable (e.g. 1:,throttling.bps-total=65536)
#   --adapter-opts O  extra ",key=val" options for every adapter (e.g. ,msix=off)
#   --iommu           an emulated Intel IOMMU (QEMU intel-iommu on q35, no
#                     interrupt remapping); the guest kernel gets
#                     intel_iommu=on iommu.strict=1, so every DMA of the
#                     emulated adapters is translated and an access to
#                     unmapped memory faults (a DMAR fault fails the run)
#   --qemu-opt ARG    one more QEMU argument (no spaces), e.g. --qemu-opt -trace
#                     --qemu-opt megasas_qf_map_failed (repeatable; QEMU's stderr
#                     goes to the --log file)
#   --flavour F       ref (default) or debug kernel; --kdir DIR for any other
#   --rwdir DIR       a host directory the guest may write (repeatable)
#   --cpus N --memory M --append "ARGS" --timeout S --log FILE
#   --print-timeout   print the time limit these options give, boot nothing
set -euo pipefail
. "$(dirname "$0")/lib.sh"
# shellcheck source=splat.sh
. "$(dirname "$0")/splat.sh"

adapters=none disks=1 disk_size=256M adapter_opts="" flavour=ref kdir=${KDIR:-}
cpus=2 memory=2G append="" timeout=900 timeout_given="" logfile="" rwdirs=() iommu=0
disk_opts_all="" disk_opts=() extra_qemu=() scsi_ids=() disk_luns=() disk_wwns=() print_timeout=0
while [ $# -gt 0 ]; do
	case $1 in
	--adapters) adapters=$2; shift 2;;
	--disks) disks=$2; shift 2;;
	--scsi-ids) IFS=, read -ra scsi_ids <<< "$2"; disks=${#scsi_ids[@]}; shift 2;;
	--disk-luns) IFS=, read -ra disk_luns <<< "$2"; shift 2;;
	--disk-wwns) IFS=, read -ra disk_wwns <<< "$2"; shift 2;;
	--disk-size) disk_size=$2; shift 2;;
	--adapter-opts) adapter_opts=$2; shift 2;;
	--disk-opts)
		if [[ $2 =~ ^([0-9]+):(.*)$ ]]; then
			disk_opts[BASH_REMATCH[1]]="${disk_opts[BASH_REMATCH[1]]:-}${BASH_REMATCH[2]}"
		else
			disk_opts_all+=$2
		fi
		shift 2;;
	--iommu) iommu=1; shift;;
	--qemu-opt) extra_qemu+=("$2"); shift 2;;
	--flavour) flavour=$2; shift 2;;
	--kdir) kdir=$2; shift 2;;
	--cpus) cpus=$2; shift 2;;
	--memory) memory=$2; shift 2;;
	--append) append="$append $2"; shift 2;;
	--timeout) timeout=$2; timeout_given=1; shift 2;;
	--log) logfile=$2; shift 2;;
	--print-timeout) print_timeout=1; shift;;
	--rwdir) rwdirs+=(--rwdir "$2"); shift 2;;
	--) shift; break;;
	*) die "vm-run: unknown option $1";;
	esac
done
# KASAN and lockdep make a guest several times slower under TCG.
[ -n "$timeout_given" ] || { [ "$flavour" = debug ] && timeout=2400; }
[ "$print_timeout" = 0 ] || { echo "$timeout"; exit 0; }
[ $# -gt 0 ] || die "vm-run: no command given"
[ -n "$kdir" ] || kdir=$(bash "$ORION_TOP/scripts/build-kernel.sh" "$flavour")
export PATH=$ORION_CACHE/venv/bin:$PATH
vng=$ORION_CACHE/venv/bin/vng
[ -x "$vng" ] || die "virtme-ng missing: run scripts/setup-toolchain.sh"

work=$(mktemp -d "${TMPDIR:-/tmp}/orion-vm.XXXXXX")
trap 'rm -rf "$work"' EXIT
[ -n "$logfile" ] || logfile=$work/console.log
mkdir -p "$(dirname "$logfile")"

# Emulated adapters, each with its own disks (sparse raw images).
qemu_opts=()
if [ $iommu = 1 ]; then
	# Interrupt remapping is not needed to catch stray DMA, and with KVM it
	# would need kernel-irqchip=split; caching-mode only matters for
	# assigned (vfio) devices. QEMU sets up the translated address spaces
	# of cold-plugged devices once the machine is complete, so the order of
	# -device options does not matter; the IOMMU goes first all the same.
	qemu_opts+=(-device "intel-iommu,intremap=off")
	append="$append intel_iommu=on iommu.strict=1"
fi
n=0
IFS=, read -ra list <<< "$adapters"
for a in "${list[@]}"; do
	case $a in
	none|"") continue;;
	megasas|megasas-gen2|lsi53c895a|lsi53c810|mptsas1068) dev=$a; bus=.0;;
	virtio-scsi) dev=virtio-scsi-pci; bus=.0;;
	*) die "vm-run: unknown adapter '$a'";;
	esac
	qemu_opts+=(-device "$dev,id=hba$n$adapter_opts")
	for ((d = 0; d < disks; d++)); do
		img=$work/hba$n-disk$d.img
		truncate -s "$disk_size" "$img"
		qemu_opts+=(-drive "if=none,id=hba$n-d$d,file=$img,format=raw,cache=writeback$disk_opts_all${disk_opts[d]:-}"
			-device "scsi-hd,bus=hba$n$bus,drive=hba$n-d$d,scsi-id=${scsi_ids[d]:-$d},lun=${disk_luns[d]:-0},serial=orion$n$d${disk_wwns[d]:+,wwn=${disk_wwns[d]}}")
	done
	n=$((n + 1))
done

qemu_opts+=(${extra_qemu[@]+"${extra_qemu[@]}"})

# KVM only when it demonstrably works: on some hosts /dev/kvm exists but
# QEMU aborts or hangs with it. The probe boots the kernel with no init (it
# panics at once) and is cached per kernel image.
accel=(--disable-kvm)
if [ "${ORION_NO_KVM:-0}" != 1 ] && [ -w /dev/kvm ]; then
	probe=$ORION_CACHE/kvm-probe-$(cksum < "$kdir/arch/x86/boot/bzImage" | cut -d' ' -f1)
	if [ ! -f "$probe" ]; then
		if timeout 60 qemu-system-x86_64 -accel kvm -cpu host -M q35 -m 256M -nodefaults \
			-display none -serial stdio -no-reboot -kernel "$kdir/arch/x86/boot/bzImage" \
			-append "console=ttyS0 rdinit=/none init=/none panic=-1" 2>&1 |
			grep -q 'Kernel panic'; then echo yes > "$probe"; else echo no > "$probe"; fi
	fi
	[ "$(cat "$probe")" = yes ] && accel=()
fi

# The guest runs the command through vm-guest.sh, which appends the splat check.
guest_cmd="env ORION_TOP=$ORION_TOP KERNEL_SRC=$KERNEL_SRC ORION_CACHE=$ORION_CACHE ORION_FLAVOUR=$flavour ORION_SKIP_PROGS=$(printf %q "${ORION_SKIP_PROGS:-}") bash $ORION_TOP/scripts/vm-guest.sh $(printf '%q ' "$@")"
start=$SECONDS
set +e
export ORION_TOP
timeout --foreground -k 10 "$timeout" \
	"$vng" --run "$kdir" "${accel[@]}" --disable-microvm --verbose \
	--cpus "$cpus" --memory "$memory" --cwd "$ORION_TOP" ${rwdirs[@]+"${rwdirs[@]}"} \
	--append "panic_on_warn=0 softlockup_panic=0 hung_task_timeout_secs=120 $append" \
	${qemu_opts[@]+--qemu-opts="${qemu_opts[*]}"} \
	--exec "$guest_cmd" > "$work/stdout" 2> "$logfile" < /dev/null
rc=$?
set -e
# The command's output (QEMU reopens the file, so it cannot share the log's).
cat "$work/stdout"
{ echo "---- command output ----"; cat "$work/stdout"; } >> "$logfile"
dur=$((SECONDS - start))

splat=$ORION_SPLAT_RE
if [ $rc = 124 ] || [ $rc = 137 ]; then
	echo "vm-run: guest timed out after ${timeout}s; console: $logfile" >&2
	tail -40 "$logfile" | sed 's/^/  | /' >&2
	exit 1
fi
# Splats after the guest's start marker (scripts/vm-guest.sh); a guest
# that never got there (a boot failure) is checked whole.
marker="orion: test command starts"
if grep -q "$marker" "$logfile"; then
	after=$(sed -n "/$marker/,\$p" "$logfile")
else
	after=$(cat "$logfile")
fi
if grep -Eq "$splat" <<< "$after"; then
	echo "vm-run: kernel splat in the guest log ($logfile):" >&2
	grep -E -m1 -B5 -A25 "$splat" <<< "$after" | sed 's/^/  | /' >&2
	exit 1
fi
if [ $rc != 0 ]; then
	echo "vm-run: guest command failed (status $rc) after ${dur}s; console: $logfile" >&2
	tail -30 "$logfile" | sed 's/^/  | /' >&2
	exit 3
fi
echo "vm-run: ok in ${dur}s" >&2
