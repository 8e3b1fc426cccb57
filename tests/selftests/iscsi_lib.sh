# SPDX-License-Identifier: GPL-2.0
# Sourced inside the VM by the iSCSI tests and benchmark: a LIO target on
# 127.0.0.1 (configfs by hand, RAM-backed rd_mcp LUNs), open-iscsi's iscsid
# and iscsiadm (the host's binaries: the guest runs the host's root), and
# the choice of the initiator that serves the transport "tcp": the kernel's
# iscsi_tcp or orion_scsi. Needs only ORION_TOP, not the KTAP library;
# scripts/bench-hba.sh sources it on the host too, for orion_has_iscsi.
#
# A run: iscsi_initiator_load iscsi_tcp; lio_target IQN 64M; iscsid_start;
# iscsi_discover; iscsi_login IQN; iscsi_wait_disks IQN 1; ...;
# iscsi_logout_all; iscsid_stop; lio_teardown; iscsi_initiator_unload.
# Functions print what went wrong and return non-zero; none exits, and
# all work under set -e (the benchmark's) as in the tests.
# shellcheck shell=bash
: "${ORION_TOP:?}"
# shellcheck source=../../scripts/guest-lib.sh
. "$ORION_TOP/scripts/guest-lib.sh"

ISCSI_PORTAL=127.0.0.1:3260
ISCSI_INITIATOR_NAME=iqn.2026-01.org.orion:guest
# Test targets' names: $ISCSI_IQN_PREFIX:<name>.
ISCSI_IQN_PREFIX=iqn.2003-01.org.linux-iscsi.orion
LIO_CFS=/sys/kernel/config/target
ISCSID_LOG=${ISCSID_LOG:-/tmp/iscsid.log}
ISCSID_PIDFILE=/tmp/orion-iscsid.pid
# Node defaults for TCG: NOP-Outs off (a slow guest would miss their 5 s
# timeout and drop the connection) and a session that gives up after 15 s
# instead of 120 s when the connection cannot be re-established. Applied
# at discovery; tests about them set their own with iscsi_node_set.
ISCSI_NOOP_INTERVAL=${ISCSI_NOOP_INTERVAL:-0}
ISCSI_NOOP_TIMEOUT=${ISCSI_NOOP_TIMEOUT:-0}
ISCSI_REPLACEMENT_TIMEOUT=${ISCSI_REPLACEMENT_TIMEOUT:-15}

# The orion_scsi parameter that turns orion's initiator on (a bool, set to
# 1) and the parameters that turn the other drivers off (one place: the
# host's benchmark and the guest read it).
ORION_ISCSI_PARAM=iscsi
ORION_ISCSI_LOAD_PARAMS=(virt_adapters=0 megasas=0 lsi=0 "$ORION_ISCSI_PARAM=1")
ORION_KO=${ORION_KO:-$ORION_TOP/orion_scsi.ko}
# iscsiadm and iscsid modprobe iscsi_tcp whenever no "tcp" transport is
# registered (open-iscsi usr/transport.c, with KMOD_PROBE_APPLY_BLACKLIST):
# this file (in the guest's /etc, a throw-away overlay) stops them when
# orion is under test. The kernel command line modprobe.blacklist=iscsi_tcp
# does the same from boot on; an explicit "modprobe iscsi_tcp" ignores both.
ISCSI_TCP_BLACKLIST=/etc/modprobe.d/orion-iscsi.conf

# orion_has_iscsi [KO]: orion_scsi.ko (default $ORION_KO) has the iSCSI
# initiator's parameter.
orion_has_iscsi() {
	# grep -q would end the pipe early: with pipefail, modinfo's SIGPIPE
	# would turn a match into a failure.
	modinfo -p "${1:-$ORION_KO}" 2>/dev/null | grep "^$ORION_ISCSI_PARAM:" > /dev/null
}

# iscsi_initiator_load iscsi_tcp|orion [PARAM...]: that initiator (with the
# extra module parameters) registers the transport "tcp"; the other one is
# unloaded first, as the two cannot both register it. Returns 4 (the KTAP
# skip status) with a message when orion_scsi has no iSCSI parameter.
iscsi_initiator_load() {
	local which=$1; shift
	iscsi_initiator_unload || return 1
	case $which in
	iscsi_tcp)
		rm -f "$ISCSI_TCP_BLACKLIST"
		modprobe iscsi_tcp "$@" || return 1;;
	orion)
		if ! orion_has_iscsi; then
			echo "orion_scsi.ko has no '$ORION_ISCSI_PARAM' parameter (no iSCSI initiator yet)"
			return 4
		fi
		mkdir -p "${ISCSI_TCP_BLACKLIST%/*}" &&
			echo "blacklist iscsi_tcp" > "$ISCSI_TCP_BLACKLIST" || return 1
		insmod "$ORION_KO" "${ORION_ISCSI_LOAD_PARAMS[@]}" "$@" || return 1;;
	*) echo "iscsi_initiator_load: unknown initiator '$which' (iscsi_tcp or orion)"; return 1;;
	esac
	[ -d /sys/class/iscsi_transport/tcp ] ||
		{ echo "$which loaded but no iSCSI transport 'tcp' is registered"; return 1; }
}

# iscsi_initiator_unload: unloads whichever initiator is loaded (sessions
# must be logged out first).
iscsi_initiator_unload() {
	if [ -d /sys/module/iscsi_tcp ]; then
		modprobe -r iscsi_tcp || return 1
	fi
	if [ -d /sys/module/orion_scsi ]; then
		settle
		rmmod orion_scsi || return 1
	fi
}

# iscsi_size_mb SIZE: SIZE (N, NM or NG) in MiB.
iscsi_size_mb() {
	case $1 in
	*[0-9]G) echo $((${1%G} * 1024));;
	*[0-9]M) echo "${1%M}";;
	*[0-9]) echo "$1";;
	*) echo "bad size '$1' (N, NM or NG: MiB or GiB)" >&2; return 1;;
	esac
}

# lio_target IQN LUN...: an open iSCSI target IQN on $ISCSI_PORTAL with one
# LUN per argument (LUN 0, 1, ...): a SIZE gives a RAM LUN (rd_mcp), a
# /dev/... path a LUN on that block device (iblock). TPG 1, no
# authentication, dynamic ACLs for any initiator, writable. Several
# targets may be set up (they share the portal). Undone by lio_teardown.
lio_target() {
	local iqn=$1 tpg n=0 mb dev lun hba rd_hba iblock_hba
	shift
	[ $# -gt 0 ] || { echo "lio_target: no LUN given"; return 1; }
	modprobe target_core_mod && modprobe iscsi_target_mod || return 1
	tpg=$LIO_CFS/iscsi/$iqn/tpgt_1
	[ ! -d "$tpg" ] || { echo "lio_target: $iqn exists already"; return 1; }
	mkdir -p "$tpg" || return 1
	# One "HBA" per target and kind, <kind>_<first free number>, with a
	# device lun<N> per LUN; lio_teardown finds them again by name.
	rd_hba=$(lio_free_hba rd_mcp) iblock_hba=$(lio_free_hba iblock)
	for lun; do
		case $lun in
		/dev/*) hba=$iblock_hba; modprobe target_core_iblock || return 1;;
		*) hba=$rd_hba; mb=$(iscsi_size_mb "$lun") || return 1;;
		esac
		dev=$LIO_CFS/core/$hba/lun$n
		# rd_pages counts 4 KiB pages; the device must be enabled before
		# a LUN links to it (-ENODEV otherwise).
		mkdir -p "$dev" || return 1
		case $hba in
		iblock_*) echo "udev_path=$lun" > "$dev/control";;
		*) echo "rd_pages=$((mb * 256))" > "$dev/control";;
		esac || return 1
		# A unit serial, as targetcli gives (VPD page 0x80; set before
		# the LUN exports the device).
		{ echo 1 > "$dev/enable" &&
			cat /proc/sys/kernel/random/uuid > "$dev/wwn/vpd_unit_serial" &&
			mkdir "$tpg/lun/lun_$n" &&
			ln -s "$dev" "$tpg/lun/lun_$n/$hba-lun$n"; } || return 1
		n=$((n + 1))
	done
	# The defaults ask for CHAP and explicit, read-only ACLs. They are set
	# before enable, which would otherwise settle on AuthMethod=CHAP.
	{ echo 0 > "$tpg/attrib/authentication" &&
		echo 1 > "$tpg/attrib/generate_node_acls" &&
		echo 1 > "$tpg/attrib/cache_dynamic_acls" &&
		echo 0 > "$tpg/attrib/demo_mode_write_protect" &&
		mkdir "$tpg/np/$ISCSI_PORTAL" &&
		echo 1 > "$tpg/enable"; } || return 1
}

# lio_free_hba KIND: the first backstore "HBA" name of kind KIND (rd_mcp,
# iblock) not in use, KIND_<number>.
lio_free_hba() {
	local n
	for ((n = 0; ; n++)); do
		[ -d "$LIO_CFS/core/$1_$n" ] || break
	done
	echo "$1_$n"
}

# lio_teardown: removes every iSCSI target and backstore, in reverse
# order of creation, and unloads LIO's modules (nothing may be logged in:
# call iscsi_logout_all first).
lio_teardown() {
	local t tpg lun l dev rc=0
	[ -d "$LIO_CFS/core" ] || return 0
	for t in "$LIO_CFS"/iscsi/*.*; do
		[ -d "$t" ] || continue
		for tpg in "$t"/tpgt_*; do
			[ -d "$tpg" ] || continue
			echo 0 > "$tpg/enable" || rc=1
			for l in "$tpg"/np/*; do [ ! -d "$l" ] || rmdir "$l" || rc=1; done
			for lun in "$tpg"/lun/lun_*; do
				[ -d "$lun" ] || continue
				for l in "$lun"/*; do [ ! -L "$l" ] || rm "$l" || rc=1; done
				rmdir "$lun" || rc=1
			done
			rmdir "$tpg" || rc=1
		done
		rmdir "$t" || rc=1
	done
	for dev in "$LIO_CFS"/core/{rd_mcp,iblock}_*/lun*; do [ ! -d "$dev" ] || rmdir "$dev" || rc=1; done
	for dev in "$LIO_CFS"/core/{rd_mcp,iblock}_*; do [ ! -d "$dev" ] || rmdir "$dev" || rc=1; done
	# The fabric directory holds a reference on iscsi_target_mod.
	[ ! -d "$LIO_CFS/iscsi" ] || rmdir "$LIO_CFS/iscsi" || rc=1
	modprobe -r iscsi_target_mod || rc=1
	[ ! -d /sys/module/target_core_iblock ] || modprobe -r target_core_iblock || rc=1
	modprobe -r target_core_mod || rc=1
	return $rc
}

iscsid_listening() { grep -q '@ISCSIADM_ABSTRACT_NAMESPACE' /proc/net/unix; }

# iscsid_start: the initiator name, open-iscsi's database and lock
# directories (the guest's /etc, /var and /run are writable, but empty of
# them: no systemd ran Debian's start-up checks), then iscsid in the
# foreground (-f: no daemon, no pid file, log on stderr to $ISCSID_LOG) in
# a session of its own, waited for until iscsiadm can reach it. Without
# it, iscsiadm would run iscsid.startup (systemctl) and give up.
iscsid_start() {
	local pid
	! iscsid_listening || { echo "iscsid_start: an iscsid runs already"; return 1; }
	# /var/lib/iscsi is the database of other builds (Debian's is /etc/iscsi).
	mkdir -p /etc/iscsi/nodes /etc/iscsi/send_targets /run/lock/iscsi /var/lib/iscsi || return 1
	echo "InitiatorName=$ISCSI_INITIATOR_NAME" > /etc/iscsi/initiatorname.iscsi || return 1
	ip link set lo up || return 1
	setsid iscsid -f -d "${ISCSID_DEBUG:-1}" >> "$ISCSID_LOG" 2>&1 < /dev/null &
	pid=$!
	echo "$pid" > "$ISCSID_PIDFILE"
	wait_until 30 iscsid_listening || {
		echo "iscsid (pid $pid) does not listen after 30 s; its log:"; tail -20 "$ISCSID_LOG"; return 1; }
}

iscsid_gone() { ! iscsid_listening && ! kill -0 "$1" 2>/dev/null; }

# iscsid_stop: SIGTERM to the iscsid of iscsid_start, waited for.
iscsid_stop() {
	local pid
	pid=$(cat "$ISCSID_PIDFILE" 2>/dev/null) || return 0
	kill "$pid" 2>/dev/null || true
	wait_until 30 iscsid_gone "$pid" ||
		{ echo "iscsid (pid $pid) still runs 30 s after SIGTERM"; return 1; }
	rm -f "$ISCSID_PIDFILE"
}

# iscsi_node_set IQN KEY VALUE: one setting of IQN's node record (e.g.
# node.session.queue_depth 64); it takes effect at the next login.
iscsi_node_set() {
	iscsiadm -m node -T "$1" -p "$ISCSI_PORTAL" -o update -n "$2" -v "$3"
}

# iscsi_discover: SendTargets discovery on $ISCSI_PORTAL, which creates a
# node record per target; each gets the TCG defaults above. Prints the
# targets found.
iscsi_discover() {
	local out iqn
	out=$(iscsiadm -m discovery -t st -p "$ISCSI_PORTAL") || { echo "$out"; return 1; }
	echo "$out"
	# "127.0.0.1:3260,1 iqn...": portal,tpgt and name.
	while read -r _ iqn; do
		{ iscsi_node_set "$iqn" 'node.conn[0].timeo.noop_out_interval' "$ISCSI_NOOP_INTERVAL" &&
			iscsi_node_set "$iqn" 'node.conn[0].timeo.noop_out_timeout' "$ISCSI_NOOP_TIMEOUT" &&
			iscsi_node_set "$iqn" node.session.timeo.replacement_timeout "$ISCSI_REPLACEMENT_TIMEOUT"; } ||
			return 1
	done <<< "$out"
}

# iscsi_login IQN: logs in to target IQN (discovering first when it has no
# node record yet). The disks appear shortly after (iscsi_wait_disks).
iscsi_login() {
	if ! iscsiadm -m node -T "$1" -p "$ISCSI_PORTAL" > /dev/null 2>&1; then
		iscsi_discover > /dev/null || return 1
	fi
	iscsiadm -m node -T "$1" -p "$ISCSI_PORTAL" --login
}

iscsi_no_session() { ! compgen -G '/sys/class/iscsi_session/session*' > /dev/null; }

# iscsi_logout_all: logs out of every session and waits until they are gone.
iscsi_logout_all() {
	local rc=0
	iscsi_no_session && return 0
	iscsiadm -m node --logoutall=all || rc=$?
	# 21: ISCSI_ERR_NO_OBJS_FOUND, nothing was logged in.
	[ $rc = 0 ] || [ $rc = 21 ] || return 1
	wait_until 30 iscsi_no_session || { echo "iSCSI sessions left after logout: $(ls /sys/class/iscsi_session)"; return 1; }
}

# iscsi_sessions IQN: the sessions (sessionN) logged in to target IQN.
iscsi_sessions() {
	local s
	for s in /sys/class/iscsi_session/session*; do
		[ "$(cat "$s/targetname" 2>/dev/null)" = "$1" ] && echo "${s##*/}"
	done
	return 0
}

# iscsi_session_host SESSION: the SCSI host number of sessionN (a sibling
# of its targets under the host, whatever initiator's host it is).
iscsi_session_host() {
	local d
	d=$(readlink -f "/sys/class/iscsi_session/$1/device/..") || return 1
	echo "${d##*/host}"
}

# iscsi_disks IQN: the disks (/dev/sdX) of the sessions to IQN, by LUN.
# By session, not by driver: both initiators name their hosts iscsi_tcp.
iscsi_disks() {
	local s b
	for s in $(iscsi_sessions "$1"); do
		# .../sessionN/device/targetH:C:T/H:C:T:L/block/sdX, by H:C:T:L.
		for b in "/sys/class/iscsi_session/$s/device"/target*/*/block/*; do
			[ ! -e "$b" ] || echo "$b"
		done | sort -t/ -k8,8V | sed 's|.*/|/dev/|'
	done
}

iscsi_disk_count_ge() { [ "$(iscsi_disks "$1" | wc -l)" -ge "$2" ]; }

# iscsi_wait_disks IQN N [SECONDS]: waits (default 60 s) until the sessions
# to IQN have N disks (the scan runs after the login returned, from a child
# of iscsid) and prints them.
iscsi_wait_disks() {
	wait_until "${3:-60}" iscsi_disk_count_ge "$1" "$2" ||
		{ echo "$1: $(iscsi_disks "$1" | wc -l) disk(s) after ${3:-60} s, not $2" >&2; return 1; }
	settle
	iscsi_disks "$1"
}

# A second target implementation: tgt (tgtd, userspace), on its own port
# next to LIO's, with file-backed LUNs in /tmp (the guest's tmpfs).
TGT_PORTAL=127.0.0.1:3262
TGT_PIDFILE=/tmp/orion-tgtd.pid
TGT_LOG=/tmp/tgtd.log

tgt_ready() { tgtadm --lld iscsi --mode system --op show > /dev/null 2>&1; }

# tgt_target IQN SIZE...: tgtd (started if it does not run) with target
# IQN (tid 1) and one file-backed LUN per SIZE (LUN 1, 2, ...: tgt's LUN 0
# is its controller), open to any initiator. Undone by tgt_teardown.
tgt_target() {
	local iqn=$1 n=1 mb
	shift
	if ! tgt_ready; then
		mkdir -p /run/tgtd /var/run/tgtd || return 1
		setsid tgtd -f --iscsi "portal=$TGT_PORTAL" >> "$TGT_LOG" 2>&1 < /dev/null &
		echo $! > "$TGT_PIDFILE"
		wait_until 30 tgt_ready || { echo "tgtd does not answer after 30 s:"; tail -5 "$TGT_LOG"; return 1; }
	fi
	tgtadm --lld iscsi --mode target --op new --tid 1 --targetname "$iqn" || return 1
	for size; do
		mb=$(iscsi_size_mb "$size") || return 1
		truncate -s "${mb}M" "/tmp/tgt-lun$n.img" &&
			tgtadm --lld iscsi --mode logicalunit --op new --tid 1 --lun "$n" \
				--backing-store "/tmp/tgt-lun$n.img" || return 1
		n=$((n + 1))
	done
	tgtadm --lld iscsi --mode target --op bind --tid 1 --initiator-address ALL
}

tgt_gone() { ! kill -0 "$1" 2> /dev/null; }

# tgt_teardown: target 1 deleted, tgtd stopped, the LUN files removed
# (nothing may be logged in).
tgt_teardown() {
	local pid rc=0
	tgt_ready || return 0
	tgtadm --lld iscsi --mode target --op delete --force --tid 1 || rc=1
	pid=$(cat "$TGT_PIDFILE" 2> /dev/null)
	tgtadm --op delete --mode system > /dev/null 2>&1 || kill "$pid" 2> /dev/null
	[ -z "$pid" ] || wait_until 30 tgt_gone "$pid" || { echo "tgtd still runs"; rc=1; }
	rm -f "$TGT_PIDFILE" /tmp/tgt-lun*.img
	return $rc
}

# iscsi_teardown [lio|tgt]: logs out of every session, stops the proxy
# (if any) and iscsid, tears the target down (LIO by default) and unloads
# the initiator; every step runs, and it fails if one did or orion_scsi
# stays loaded.
iscsi_teardown() {
	local rc=0
	iscsi_logout_all || rc=1
	iscsi_proxy_stop
	iscsid_stop || rc=1
	case ${1:-lio} in
	lio) lio_teardown || rc=1;;
	tgt) tgt_teardown || rc=1;;
	esac
	iscsi_initiator_unload || rc=1
	[ ! -d /sys/module/orion_scsi ] || { echo "orion_scsi is still loaded"; rc=1; }
	return $rc
}

# iscsi_counter NAME: counter NAME of iscsiadm -m session -s (the first
# session's); nothing when there is none, which no comparison takes.
iscsi_counter() {
	iscsiadm -m session -s | sed -n "s/^[[:space:]]*$1: //p" | head -1
}

# iscsi_logged_in IQN: the (first) session to IQN is logged in.
iscsi_logged_in() {
	[ "$(cat "/sys/class/iscsi_session/$(iscsi_sessions "$1" | head -1)/state" 2> /dev/null)" = LOGGED_IN ]
}

# iscsi_conn_errors: connection errors the class logged since the test's
# dmesg mark (dmesg_since_mark: the KTAP library's).
iscsi_conn_errors() { dmesg_since_mark | grep -c 'detected conn error' || true; }

# The test proxy (iscsi_proxy.py) between the initiator and the target:
# it listens on ISCSI_PROXY_PORT and passes to the target's port; its
# request files flip a bit of, or inject a PDU into, the target's stream.
ISCSI_PROXY_PORT=3261
ISCSI_PROXY_PIDFILE=/tmp/iscsi-proxy.pid
ISCSI_PROXY_FLIP=/tmp/iscsi-proxy-flip
ISCSI_PROXY_INJECT=/tmp/iscsi-proxy-inject
ISCSI_PROXY_LOG=/tmp/iscsi-proxy.log

iscsi_proxy_listening() { ss -ltn | grep -q "127.0.0.1:$ISCSI_PROXY_PORT "; }

# iscsi_proxy_start TARGET_PORT: the proxy, waited for until it listens.
iscsi_proxy_start() {
	python3 "$ORION_TOP/tests/selftests/iscsi_proxy.py" "$ISCSI_PROXY_PORT" "$1" \
		"$ISCSI_PROXY_FLIP" "$ISCSI_PROXY_INJECT" > "$ISCSI_PROXY_LOG" 2>&1 &
	echo $! > "$ISCSI_PROXY_PIDFILE"
	# 30 s: a loaded TCG guest takes long to start python.
	wait_until 30 iscsi_proxy_listening ||
		{ echo "the proxy does not listen:"; cat "$ISCSI_PROXY_LOG"; return 1; }
}

# iscsi_proxy_alive: the proxy still runs.
iscsi_proxy_alive() {
	kill -0 "$(cat "$ISCSI_PROXY_PIDFILE")" 2> /dev/null ||
		{ echo "the proxy died:"; tail -5 "$ISCSI_PROXY_LOG"; return 1; }
}

# iscsi_proxy_stop: the proxy goes whatever happens (continued first, in
# case it is stopped).
iscsi_proxy_stop() {
	local pid
	pid=$(cat "$ISCSI_PROXY_PIDFILE" 2> /dev/null) || return 0
	kill -CONT "$pid" 2> /dev/null; kill "$pid" 2> /dev/null
	rm -f "$ISCSI_PROXY_PIDFILE" "$ISCSI_PROXY_FLIP" "$ISCSI_PROXY_INJECT"
}

# The helpers are also used inside `bash -c` checks.
export ISCSI_PORTAL ISCSI_INITIATOR_NAME ISCSI_IQN_PREFIX LIO_CFS ISCSID_LOG ISCSID_PIDFILE \
	ISCSI_NOOP_INTERVAL ISCSI_NOOP_TIMEOUT ISCSI_REPLACEMENT_TIMEOUT ORION_ISCSI_PARAM ORION_KO \
	ISCSI_TCP_BLACKLIST ISCSI_PROXY_PORT ISCSI_PROXY_PIDFILE ISCSI_PROXY_FLIP ISCSI_PROXY_INJECT \
	ISCSI_PROXY_LOG TGT_PORTAL TGT_PIDFILE TGT_LOG
export -f tgt_ready tgt_target tgt_gone tgt_teardown iscsi_teardown iscsi_counter iscsi_logged_in iscsi_conn_errors iscsi_proxy_listening iscsi_proxy_start \
	iscsi_proxy_alive iscsi_proxy_stop orion_has_iscsi iscsi_initiator_unload iscsi_size_mb lio_target lio_free_hba lio_teardown \
	iscsid_listening iscsid_start iscsid_gone iscsid_stop iscsi_node_set iscsi_discover iscsi_login iscsi_no_session \
	iscsi_logout_all iscsi_sessions iscsi_session_host iscsi_disks iscsi_disk_count_ge \
	iscsi_wait_disks wait_until settle
