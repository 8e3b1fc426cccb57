# SPDX-License-Identifier: GPL-2.0
# Sourced by every benchmark script, on the host and in the guest: the
# shared methodology (Documentation/benchmarks.rst). One VM boot measures
# every driver RUNS times, the order of the drivers reversed every other
# run (ABC, CBA, ABC, ...); each measurement runs every fio job twice, with
# no I/O scheduler and with the one the kernel picked for the disk. The
# guest appends one JSON line per fio run to a results file
# (scripts/benchstat.py record); the host prints the table and writes the
# JSON and the chart (benchstat.py report).
# shellcheck shell=bash

# The fio jobs: name, rw, block size, queue depth per job, jobs (0: one
# per vCPU), I/O engine (libaio; io_uring; hipri: io_uring polled, IOPOLL).
# The last is the latency job: QD1, one job, clat percentiles.
BENCH_JOBS=(
	"randread-4k randread 4k 32 0 libaio"
	"randwrite-4k randwrite 4k 32 0 libaio"
	"read-128k read 128k 32 0 libaio"
	"lat-randread-4k randread 4k 1 1 libaio"
)
# shellcheck disable=SC2034 # used by bench-guest.sh
# Polled I/O against interrupt-driven io_uring, for devices with poll
# queues (the virtual bench loads all three drivers with one).
BENCH_POLL_JOBS=(
	"uring-randread-4k-qd1 randread 4k 1 1 io_uring"
	"poll-randread-4k-qd1 randread 4k 1 1 hipri"
	"uring-randread-4k-qd32 randread 4k 32 1 io_uring"
	"poll-randread-4k-qd32 randread 4k 32 1 hipri"
)

# bench_check_number NAME VALUE: dies unless VALUE is a positive integer.
bench_check_number() {
	[[ $2 =~ ^[1-9][0-9]*$ ]] || { echo "bench: $1 must be a positive number, not '$2'" >&2; exit 2; }
}

# bench_order RUN DRIVER...: the drivers in the order of run RUN (from 1):
# as given in odd runs, reversed in even ones.
bench_order() {
	local run=$1 i; shift
	if ((run % 2)); then
		printf '%s\n' "$@"
	else
		for ((i = $#; i >= 1; i--)); do printf '%s\n' "${!i}"; done
	fi
}

# ---- host side ------------------------------------------------------

# bench_settings: RUNS (ROUNDS, its old name, also works), BENCH_RUNTIME
# (seconds per fio job) and BOOTS (VM boots, each doing RUNS runs) from the
# environment, checked, into bench_runs, bench_secs and bench_boots;
# bench_stamp, the date in the output's names. BENCH_ONLY,
# BENCH_IRQ_CPU (HBA benchmarks only) and BENCH_FIO_ARGS are checked and
# named in BENCH_NOTE.
# shellcheck disable=SC2034 # set for the script that calls it
bench_settings() {
	bench_runs=${RUNS:-${ROUNDS:-3}}
	bench_secs=${BENCH_RUNTIME:-15}
	bench_boots=${BOOTS:-1}
	bench_result_files=()
	bench_check_number RUNS "$bench_runs"
	bench_check_number BENCH_RUNTIME "$bench_secs"
	bench_check_number BOOTS "$bench_boots"
	bench_stamp=$(date +%Y%m%d-%H%M%S)
	bench_only_jobs
	[ -z "${BENCH_ONLY:-}" ] || BENCH_NOTE="${BENCH_NOTE:+$BENCH_NOTE; }jobs $BENCH_ONLY only"
	[ -z "${BENCH_IRQ_CPU:-}" ] || [[ $BENCH_IRQ_CPU =~ ^[0-9]+$ ]] || {
		echo "bench: BENCH_IRQ_CPU must be a CPU number, not '$BENCH_IRQ_CPU'" >&2; exit 2; }
	[ -z "${BENCH_IRQ_CPU:-}" ] || BENCH_NOTE="${BENCH_NOTE:+$BENCH_NOTE; }all vectors on CPU $BENCH_IRQ_CPU"
	[ -z "${BENCH_FIO_ARGS:-}" ] || BENCH_NOTE="${BENCH_NOTE:+$BENCH_NOTE; }fio $BENCH_FIO_ARGS"
}

# bench_boot_files NAME BOOT: the results and console log files of boot
# BOOT of benchmark NAME, into boot_results and boot_log (out/bench/
# NAME-<date>.records.jsonl and .console.log, with .bootN before the
# suffix when BOOTS > 1); bench_result_files collects the results files.
# A boot that fails stops the benchmark; the files of the boots before it
# stay, and `benchstat.py report --records FILE...` tables them.
# shellcheck disable=SC2034 # set for the script that calls it
bench_boot_files() {
	local base=$ORION_TOP/out/bench/$1-$bench_stamp
	[ "$bench_boots" = 1 ] || base=$base.boot$2
	boot_results=$base.records.jsonl boot_log=$base.console.log
	bench_result_files+=("$boot_results")
}

# bench_host_report NAME TITLE DRIVER...: the table, JSON and chart of the
# results files of all boots (bench_result_files), pooled, as
# out/bench/NAME-<date>.{json,svg}; BENCH_NOTE (e.g. "validation run on a
# busy machine") goes into both.
bench_host_report() {
	local name=$1 title=$2; shift 2
	local drivers
	drivers=$(IFS=,; echo "$*")
	"$ORION_PYTHON" "$ORION_TOP/scripts/benchstat.py" report --records "${bench_result_files[@]}" \
		--bench "$name" --title "$title" --drivers "$drivers" --base "$1" \
		--runs "$bench_runs" --runtime "$bench_secs" --note "${BENCH_NOTE:-}" \
		--out "$ORION_TOP/out/bench/$name-$bench_stamp"
}

# bench_hba_spec ADAPTER: what bench-hba.sh and its guest scripts need to
# know of an adapter, into variables: name (of the output), c_driver (the
# kernel's C driver, its module and its name in the table), c_proc and
# orion_proc (the proc_name of each one's hosts), c_pci and orion_pci (their
# PCI drivers' names, for driver_override), c_load and orion_load (the
# commands that load each: orion_scsi with the parameters that leave only
# that driver on), depth (the disk's queue depth for both: MegaRAID drives
# get 256 from both drivers; sym53c8xx gives 16 tags by default, orion_lsi
# 32, and both take 32, sym53c8xx through cmd_per_lun; iscsid gives both
# initiators node.session.queue_depth, 32; mptsas 64), and guest (the
# guest script).
# Returns 1 for an unknown adapter.
# shellcheck disable=SC2034 # set for the script that calls it
bench_hba_spec() {
	local ko=$ORION_TOP/orion_scsi.ko
	guest=bench-hba-guest.sh name=$1
	case $1 in
	megasas|megasas-gen2)
		c_driver=megaraid_sas c_proc=megaraid_sas c_pci=megaraid_sas
		orion_proc=orion_megasas orion_pci=orion_megasas
		c_load=(modprobe megaraid_sas) orion_load=(insmod "$ko" virt_adapters=0 lsi=0) depth=256;;
	lsi53c895a|lsi53c810)
		c_driver=sym53c8xx c_proc=sym53c8xx c_pci=sym53c8xx orion_proc=orion_lsi orion_pci=orion_lsi
		c_load=(modprobe sym53c8xx cmd_per_lun=32) orion_load=(insmod "$ko" virt_adapters=0 megasas=0)
		depth=32;;
	mptsas1068)
		# The C driver's SAS devices take up to the host's can_queue; 64
		# is within both.
		c_driver=mptsas c_proc=mptsas c_pci=mptsas orion_proc=orion_mptsas orion_pci=orion_mptsas
		c_load=(modprobe mptsas) orion_load=(insmod "$ko" virt_adapters=0 megasas=0 lsi=0) depth=64;;
	iscsi)
		# Both initiators register the transport "tcp" with iscsi_tcp hosts
		# (the names iscsid knows); tests/selftests/iscsi_lib.sh loads
		# either one.
		c_driver=iscsi_tcp c_proc=iscsi_tcp c_pci="" orion_proc=iscsi_tcp orion_pci=""
		c_load=(iscsi_initiator_load iscsi_tcp) orion_load=(iscsi_initiator_load orion) depth=32
		guest=bench-iscsi-guest.sh;;
	*) return 1;;
	esac
	# BENCH_ORION_PARAMS: more module parameters for orion_scsi, to
	# measure a variant (e.g. mptsas_irq=3, INTx); named in the output.
	# shellcheck disable=SC2206 # words on purpose
	[ -z "${BENCH_ORION_PARAMS:-}" ] || [ "$1" = iscsi ] || orion_load+=($BENCH_ORION_PARAMS)
}

# bench_hba_vm_args ADAPTER: the vm-run.sh options of an HBA benchmark
# into vm_args: two identical controllers with a 1 GiB disk each (none for
# iscsi), the C driver blacklisted so that nothing binds before the guest
# script hands out the controllers. Needs bench_hba_spec ADAPTER first.
# shellcheck disable=SC2034 # set for the script that calls it
bench_hba_vm_args() {
	vm_args=(--cpus 2 --memory 2G --adapters "$1,$1" --disks 1 --disk-size 1G
		--append "modprobe.blacklist=$c_driver")
	# The C mptsas attaches no disk with SAS address 0 (QEMU's default).
	[ "$1" != mptsas1068 ] || vm_args+=(--disk-wwns 0x5000c50000000001)
	[ "$1" != iscsi ] || vm_args=(--cpus 2 --memory 2G --adapters none
		--append "modprobe.blacklist=$c_driver")
}

# ---- guest side -----------------------------------------------------

# bench_guest_init RESULTS RUNS SECONDS SIZE_MB: the settings of the
# measurements; writes the guest's versions (kernel, fio, CPU) to RESULTS
# (a file in a directory the guest may write; emptied first).
bench_guest_init() {
	bench_results=$1 bench_runs=$2 bench_secs=$3 bench_size_mb=$4
	bench_check_number runs "$bench_runs"
	bench_check_number seconds "$bench_secs"
	debugfs_mount
	: > "$bench_results"
	python3 "$ORION_TOP/scripts/benchstat.py" guest-meta \
		--orion-stats "${BENCH_ORION_STATS_NOTE:-}" >> "$bench_results"
	declare -gA bench_default_sched=() bench_filled=()
	bench_only_jobs
}

# bench_only_jobs: BENCH_ONLY (a comma list of job names, e.g.
# randread-4k,lat-randread-4k) keeps only those jobs, for more runs of a
# contested cell in the same time; an unknown name is an error.
bench_only_jobs() {
	local want job kept=() found
	[ -n "${BENCH_ONLY:-}" ] || return 0
	for want in ${BENCH_ONLY//,/ }; do
		found=
		for job in "${BENCH_JOBS[@]}" "${BENCH_POLL_JOBS[@]}"; do
			[ "${job%% *}" != "$want" ] || { kept+=("$job"); found=1; }
		done
		[ -n "$found" ] || { echo "bench: BENCH_ONLY: no job '$want'" >&2; exit 2; }
	done
	BENCH_JOBS=("${kept[@]}") BENCH_POLL_JOBS=()
}

# bench_disk_of PROC_NAME: host_disk PROC_NAME (the disk of a host of that
# driver, not just any sd), waiting up to 60 s for the scan.
bench_disk_of() {
	local d i
	for ((i = 0; i < 60; i++)); do
		d=$(host_disk "$1")
		[ -z "$d" ] || { echo "$d"; return; }
		sleep 1
	done
	echo "bench: no disk on a $1 host" >&2
	return 1
}

# irq_numbers PCIDEV: the function's vectors (MSI/MSI-X ones if enabled,
# else its INTx line), one per line.
irq_numbers() {
	if [ -d "$1/msi_irqs" ] && [ -n "$(ls "$1/msi_irqs")" ]; then
		ls "$1/msi_irqs"
	else
		cat "$1/irq"
	fi
}

# bench_irq_cpu: with BENCH_IRQ_CPU=N, every vector of both controllers
# goes to CPU N, so that neither driver gets the CPU the other lacks (the
# kernel spreads the two vectors over the two vCPUs, in probe order).
bench_irq_cpu() {
	local h v
	[ -n "${BENCH_IRQ_CPU:-}" ] || return 0
	for h in "$@"; do
		for v in $(irq_numbers "$h"); do
			echo "$BENCH_IRQ_CPU" > "/proc/irq/$v/smp_affinity_list"
		done
	done
	echo "bench: every controller vector on CPU $BENCH_IRQ_CPU"
}

# bench_hba_bind: the guest of an HBA benchmark (two identical controllers
# of LSI Logic, vendor 0x1000, none bound: the C driver is blacklisted)
# hands the first (by PCI address) to orion and the second to the C driver
# through driver_override (BENCH_SWAP_HBAS=1: the other way round, to check
# that the controller does not favour a driver), loads both and sets both
# disks to the same queue depth. Sets hba (PCI device directory) and disk
# (block device) per driver: orion and $c_driver. Needs bench_hba_spec.
bench_hba_bind() {
	local hbas h d
	mapfile -t hbas < <(grep -l '^0x1000$' /sys/bus/pci/devices/*/vendor | sed 's|/vendor$||' | sort)
	[ ${#hbas[@]} = 2 ] || { echo "bench: ${#hbas[@]} LSI PCI functions, not 2" >&2; return 1; }
	for h in "${hbas[@]}"; do
		[ ! -e "$h/driver" ] || { echo "bench: ${h##*/} is bound to $(basename "$(readlink "$h/driver")")" >&2; return 1; }
	done
	[ "${BENCH_SWAP_HBAS:-0}" != 1 ] || hbas=("${hbas[1]}" "${hbas[0]}")
	echo "$orion_pci" > "${hbas[0]}/driver_override"
	echo "$c_pci" > "${hbas[1]}/driver_override"
	settle
	"${orion_load[@]}"
	"${c_load[@]}"
	settle
	bench_irq_cpu "${hbas[@]}"
	# shellcheck disable=SC2034 # for the calling script
	declare -gA hba=([orion]=${hbas[0]} [$c_driver]=${hbas[1]})
	declare -gA disk=([orion]=$(bench_disk_of "$orion_proc") [$c_driver]=$(bench_disk_of "$c_proc"))
	for d in "${!disk[@]}"; do
		[ -b "${disk[$d]}" ] || { echo "bench: no $d disk" >&2; return 1; }
		bench_set_depth "${disk[$d]}" "$depth"
	done
	echo "bench: orion ${disk[orion]} (${hbas[0]##*/}), $c_driver ${disk[$c_driver]} (${hbas[1]##*/}), queue depth $depth"
}

# bench_scheduler DEV: the I/O scheduler in use on DEV ([name] in sysfs).
bench_scheduler() {
	sed -n 's/.*\[\(.*\)\].*/\1/p' "/sys/block/${1#/dev/}/queue/scheduler"
}

# bench_set_depth DEV DEPTH: the disk's queue depth set to DEPTH (the same
# for every driver compared) and checked. Read-only without
# change_queue_depth (root's test -w cannot tell): then the driver's load
# command must have set it.
bench_set_depth() {
	local qd=/sys/block/${1#/dev/}/device/queue_depth
	[[ $(stat -c %A "$qd") != ??w* ]] || echo "$2" > "$qd"
	[ "$(cat "$qd")" = "$2" ] || { echo "bench: $1 queue_depth $(cat "$qd"), not $2" >&2; return 1; }
}

# bench_orion_stats DEV: orion's debugfs statistics file of DEV's host
# (/sys/kernel/debug/orion_scsi/host<N>/stats), if it has one.
bench_orion_stats() {
	local hctl f
	# H:C:T:L (a SAS host's devices are not under host<N>/target*).
	hctl=$(basename "$(readlink -f "/sys/block/${1#/dev/}/device")")
	f=/sys/kernel/debug/orion_scsi/host${hctl%%:*}/stats
	[ ! -r "$f" ] || echo "$f"
}

# bench_can_queue DEV: the can_queue of DEV's SCSI host.
bench_can_queue() {
	local hctl
	hctl=$(basename "$(readlink -f "/sys/block/${1#/dev/}/device")")
	cat "/sys/class/scsi_host/host${hctl%%:*}/can_queue"
}

# bench_fio DEV RW BS QD JOBS ENGINE: one time-based fio run on DEV, its
# JSON in /tmp/bench-fio.json. BENCH_FIO_ARGS: more fio options for every
# job, to measure a variant (e.g. --iodepth_batch_submit=8).
bench_fio() {
	local engine=(--ioengine="$6") extra=()
	# shellcheck disable=SC2206 # options split into words on purpose
	[ -z "${BENCH_FIO_ARGS:-}" ] || extra=($BENCH_FIO_ARGS)
	[ "$6" != hipri ] || engine=(--ioengine=io_uring --hipri=1)
	fio --name=bench --filename="$1" --rw="$2" --bs="$3" --size="${bench_size_mb}M" --direct=1 \
		"${engine[@]}" --iodepth="$4" --numjobs="$5" --group_reporting \
		--time_based --runtime="$bench_secs" --percentile_list=50:99:99.9 \
		--clat_percentiles=1 --lat_percentiles=1 "${extra[@]}" \
		--output-format=json --output=/tmp/bench-fio.json
}

# bench_measure DRIVER RUN POSITION DEV: every job on DEV with both
# scheduler modes (none first in odd runs, default first in even ones),
# one record each. The first time a driver is measured, its disk is
# filled (reads then hit written data) and the scheduler the kernel gave
# it is noted as its default. On the latency job, orion's debugfs
# histogram (when DEV's host has one) is read before and after.
bench_measure() {
	local drv=$1 run=$2 pos=$3 dev=$4 sched modes job stats nj
	[ -n "${bench_default_sched[$drv]:-}" ] || bench_default_sched[$drv]=$(bench_scheduler "$dev")
	if [ -z "${bench_filled[$drv]:-}" ]; then
		fio --name=fill --filename="$dev" --rw=write --bs=1M --size="${bench_size_mb}M" --direct=1 \
			--ioengine=libaio --iodepth=8 --output=/dev/null
		bench_filled[$drv]=1
	fi
	stats=$(bench_orion_stats "$dev")
	modes=(none default)
	((run % 2)) || modes=(default none)
	for sched in "${modes[@]}"; do
		if [ "$sched" = none ]; then
			echo none > "/sys/block/${dev#/dev/}/queue/scheduler"
		else
			echo "${bench_default_sched[$drv]}" > "/sys/block/${dev#/dev/}/queue/scheduler"
		fi
		# What the block layer gives each driver's disk: the scheduler's
		# request pool and the device's queue depth, the same for all.
		((run > 1)) || echo "bench: $drv $dev scheduler $(bench_scheduler "$dev"):" \
			"nr_requests $(cat "/sys/block/${dev#/dev/}/queue/nr_requests")," \
			"queue_depth $(cat "/sys/block/${dev#/dev/}/device/queue_depth")," \
			"can_queue $(bench_can_queue "$dev")"
		for job in "${BENCH_JOBS[@]}"; do
			# shellcheck disable=SC2086 # "name rw bs qd jobs engine" into $1..$6
			set -- $job
			nj=$5
			[ "$nj" != 0 ] || nj=$(nproc)
			local hist=()
			[ -z "$stats" ] || { cat "$stats" > /tmp/bench-orion-before; hist=(--orion-before /tmp/bench-orion-before --orion-after /tmp/bench-orion-after); }
			bench_fio "$dev" "$2" "$3" "$4" "$nj" "$6"
			[ -z "$stats" ] || cat "$stats" > /tmp/bench-orion-after
			python3 "$ORION_TOP/scripts/benchstat.py" record --fio /tmp/bench-fio.json \
				--driver "$drv" --run "$run" --position "$pos" --job "$1" --rw "$2" --bs "$3" \
				--iodepth "$4" --numjobs "$nj" --size-mb "$bench_size_mb" --sched "$sched" \
				--scheduler "$(bench_scheduler "$dev")" --device "$dev" "${hist[@]}" >> "$bench_results"
		done
	done
	echo "bench: run $run, $drv on $dev: done"
}

# bench_loop DRIVER...: bench_runs runs of every driver in alternating
# order. The calling script defines bench_attach DRIVER (makes the driver's
# disk ready and sets bench_dev to it) and bench_detach DRIVER (undoes
# what bench_attach did, if anything needs undoing between runs).
bench_loop() {
	local run pos drv
	for ((run = 1; run <= bench_runs; run++)); do
		pos=0
		for drv in $(bench_order "$run" "$@"); do
			pos=$((pos + 1))
			bench_attach "$drv"
			# shellcheck disable=SC2154 # set by bench_attach
			bench_measure "$drv" "$run" "$pos" "$bench_dev"
			bench_detach "$drv"
		done
	done
}
