#!/usr/bin/env bash
# Boots a kernel under QEMU (virtme-ng: the guest sees the host's files over
# 9p, read-only with a tmpfs overlay) with a chosen set of emulated SCSI
# adapters, runs a command inside, and exits with the command's status.
#
# The run FAILS (exit 1) when the command fails, when the guest log shows an
# oops, BUG, WARNING, KASAN/UBSAN report, lockdep splat or hung task, or when
# the guest does not finish within --timeout seconds. The whole guest console
# goes to --log; on failure an excerpt is printed.
#
# usage: vm-run.sh [options] -- command [args...]
#   --adapters LIST   comma list of megasas, megasas-gen2, lsi53c895a,
#                     mptsas1068, virtio-scsi, none (default: none)
#   --disks N         disks per adapter (default 1), at scsi-id 0..N-1
#   --disk-size SIZE  size of each disk image (default 256M)
#   --adapter-opts O  extra ",key=val" options for every adapter (e.g. ,msix=off)
#   --flavour F       ref (default) or debug kernel; --kdir DIR for any other
#   --rwdir DIR       a host directory the guest may write (repeatable)
#   --cpus N --memory M --append "ARGS" --timeout S --log FILE
set -euo pipefail
. "$(dirname "$0")/lib.sh"

adapters=none disks=1 disk_size=256M adapter_opts="" flavour=ref kdir=${KDIR:-}
cpus=2 memory=2G append="" timeout=900 logfile="" rwdirs=()
while [ $# -gt 0 ]; do
	case $1 in
	--adapters) adapters=$2; shift 2;;
	--disks) disks=$2; shift 2;;
	--disk-size) disk_size=$2; shift 2;;
	--adapter-opts) adapter_opts=$2; shift 2;;
	--flavour) flavour=$2; shift 2;;
	--kdir) kdir=$2; shift 2;;
	--cpus) cpus=$2; shift 2;;
	--memory) memory=$2; shift 2;;
	--append) append="$append $2"; shift 2;;
	--timeout) timeout=$2; shift 2;;
	--log) logfile=$2; shift 2;;
	--rwdir) rwdirs+=(--rwdir "$2"); shift 2;;
	--) shift; break;;
	*) die "vm-run: unknown option $1";;
	esac
done
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
n=0
IFS=, read -ra list <<< "$adapters"
for a in "${list[@]}"; do
	case $a in
	none|"") continue;;
	megasas|megasas-gen2|lsi53c895a|mptsas1068) dev=$a; bus=.0;;
	virtio-scsi) dev=virtio-scsi-pci; bus=.0;;
	*) die "vm-run: unknown adapter '$a'";;
	esac
	qemu_opts+=(-device "$dev,id=hba$n$adapter_opts")
	for ((d = 0; d < disks; d++)); do
		img=$work/hba$n-disk$d.img
		truncate -s "$disk_size" "$img"
		qemu_opts+=(-drive "if=none,id=hba$n-d$d,file=$img,format=raw,cache=writeback"
			-device "scsi-hd,bus=hba$n$bus,drive=hba$n-d$d,scsi-id=$d,lun=0,serial=orion$n$d")
	done
	n=$((n + 1))
done

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
guest_cmd="env ORION_TOP=$ORION_TOP KERNEL_SRC=$KERNEL_SRC ORION_CACHE=$ORION_CACHE bash $ORION_TOP/scripts/vm-guest.sh $(printf '%q ' "$@")"
start=$SECONDS
set +e
ORION_TOP=$ORION_TOP timeout --foreground -k 10 "$timeout" \
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

splat='(BUG:|Oops|WARNING:|general protection fault|Kernel panic|KASAN:|UBSAN:|kmemleak:.*new suspected|possible recursive locking|circular locking dependency|INFO: task .* blocked|Call Trace:|RUST PANIC|panicked at)'
if [ $rc = 124 ] || [ $rc = 137 ]; then
	echo "vm-run: guest timed out after ${timeout}s; console: $logfile" >&2
	tail -40 "$logfile" | sed 's/^/  | /' >&2
	exit 1
fi
if grep -Eq "$splat" "$logfile"; then
	echo "vm-run: kernel splat in the guest log ($logfile):" >&2
	grep -E -m1 -B5 -A25 "$splat" "$logfile" | sed 's/^/  | /' >&2
	exit 1
fi
if [ $rc != 0 ]; then
	echo "vm-run: guest command failed (status $rc) after ${dur}s; console: $logfile" >&2
	tail -30 "$logfile" | sed 's/^/  | /' >&2
	exit 1
fi
echo "vm-run: ok in ${dur}s" >&2
