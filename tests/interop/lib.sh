# SPDX-License-Identifier: GPL-2.0-only
# Shared shell helpers for the interop tests (sourced): skipping, a scratch
# directory, background processes that are always cleaned up, hugepages
# reserved for the test and given back, waiting for sockets and log lines.

set -u

IOVIRT_INTEROP_PIDS=""
IOVIRT_HUGEPAGES_SAVED=""
T=$(mktemp -d /tmp/iovirt-interop-XXXXXX)

skip() {
	echo "SKIPPED: $*"
	exit 77
}

fail() {
	echo "FAIL: $*"
	exit 1
}

# Remember a background process so that cleanup() ends it.
track() {
	IOVIRT_INTEROP_PIDS="$IOVIRT_INTEROP_PIDS $1"
}

cleanup() {
	for p in $IOVIRT_INTEROP_PIDS; do
		kill "$p" 2>/dev/null
	done
	sleep 0.2
	for p in $IOVIRT_INTEROP_PIDS; do
		kill -9 "$p" 2>/dev/null
	done
	if [ -n "$IOVIRT_HUGEPAGES_SAVED" ]; then
		echo "$IOVIRT_HUGEPAGES_SAVED" > /proc/sys/vm/nr_hugepages 2>/dev/null
	fi
	if [ -z "${IOVIRT_KEEP:-}" ]; then
		rm -rf "$T"
	else
		echo "kept $T"
	fi
}
trap cleanup EXIT
trap "exit 1" INT TERM

# Reserve n more 2 MiB pages; returns 1 (nothing changed) when the kernel cannot.
hugepages_reserve() {
	local n=$1 cur free
	[ -w /proc/sys/vm/nr_hugepages ] || return 1
	cur=$(cat /proc/sys/vm/nr_hugepages)
	IOVIRT_HUGEPAGES_SAVED=$cur
	echo $((cur + n)) > /proc/sys/vm/nr_hugepages 2>/dev/null
	free=$(awk '/HugePages_Free/ {print $2}' /proc/meminfo)
	if [ "$free" -lt "$n" ]; then
		echo "$cur" > /proc/sys/vm/nr_hugepages
		IOVIRT_HUGEPAGES_SAVED=""
		return 1
	fi
	return 0
}

# Waits are for events (a socket appears, a log line, counters that settle):
# their bounds only catch a hang, however slow a loaded machine is.
IOVIRT_HANG_S=120

# Run "$@" until it succeeds, at most $1 seconds: wait_for SECONDS CMD...
wait_for() {
	local s=$1 i=0
	shift
	until "$@"; do
		i=$((i + 1))
		[ $i -gt $((s * 20)) ] && return 1
		sleep 0.05
	done
	return 0
}

# Wait until path exists (a socket a program creates), at most $2 seconds.
wait_path() {
	local i=0
	while [ ! -e "$1" ]; do
		i=$((i + 1))
		[ $i -gt $(($2 * 20)) ] && return 1
		sleep 0.05
	done
	return 0
}

# Wait until file $1 contains the extended regex $2, at most $3 seconds.
wait_log() {
	local i=0
	while ! grep -Eq "$2" "$1" 2>/dev/null; do
		i=$((i + 1))
		[ $i -gt $(($3 * 10)) ] && return 1
		sleep 0.1
	done
	return 0
}

# Make the switch dump its counters and wait until the dump is in its stdout:
# vsw_dump PID FILE (each dump ends with the mac table line).
vsw_dump() {
	local n
	n=$(grep -c '^vswitch: mac table' "$2")
	kill -USR1 "$1" || return 1
	# shellcheck disable=SC2016
	wait_for "$IOVIRT_HANG_S" sh -c '[ "$(grep -c "^vswitch: mac table" "$1")" -gt "$2" ]' sh "$2" "$n"
}

# Counter of a vswitch port from its stdout (after SIGUSR1): vsw_counter FILE PORT FIELD
# FIELD: rx_pkts rx_bytes rx_drop tx_pkts tx_bytes tx_drop (the last printed line wins).
vsw_counter() {
	awk -v port="$2" -v field="$3" '
		$1 == "vswitch:" && $2 == "port" && $3 == port {
			for (i = 1; i <= NF; i++) {
				if ($i == "rx" && $(i+2) == "pkts") { rp = $(i+1); rb = $(i+3); rd = $(i+5) }
				if ($i == "tx" && $(i+2) == "pkts") { tp = $(i+1); tb = $(i+3); td = $(i+5) }
			}
		}
		END {
			v["rx_pkts"] = rp; v["rx_bytes"] = rb; v["rx_drop"] = rd
			v["tx_pkts"] = tp; v["tx_bytes"] = tb; v["tx_drop"] = td
			print v[field] + 0
		}' "$1"
}
