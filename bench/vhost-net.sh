#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# iovirt-vswitch against DPDK's vhost PMD as the vhost-user net back-end,
# one core each, measured with DPDK's virtio-user PMD (testpmd) as the
# front-end on the other core, alternating the two back-ends in one run:
#
#  loop    one testpmd, two virtio-user ports, io forwarding, primed with
#          `start tx_first 8` (8 bursts per port): 512 frames circulate
#          port 0 -> back-end -> port 1 -> testpmd -> port 0 ..., enough to
#          keep every ring busy, so it measures throughput, not the latency
#          of one burst (LAB-NOTES). Figure: frames/s received by testpmd
#          over both ports.
#  txonly  one testpmd, one virtio-user port, txonly: frames/s the back-end
#          takes (it forwards to a port nobody listens on, and drops there).
#  rxonly  one testpmd, one virtio-user port, rxonly: frames/s the back-end
#          puts into its receive ring: DPDK's vhost PMD under testpmd txonly;
#          iovirt-vswitch flooding the frames of its generator port
#          (--uplink gen=BYTES) into the port.
#
# 64-byte and 1518-byte frames, split and packed rings. Each figure is the
# best of ROUNDS runs, the two back-ends alternating: the machine is shared,
# and other load only ever lowers a figure. A run during which other
# processes took more than LOADMAX% (default 10) of the two CPUs does not
# count (up to 3 x ROUNDS tries; a figure with no clean run is marked *). Prints Mpps and the ratio
# iovirt/DPDK. Usage: vhost-net.sh IOVIRT_VSWITCH [SECONDS] [ROUNDS]
# MODES, RINGS and SIZES (space-separated) pick a subset, e.g.
# MODES=txonly RINGS=packed SIZES=64 vhost-net.sh ...
# BACKENDS="iovirt" (or "dpdk") runs one side only; VUSER_ARGS=",in_order=0"
# (say) is appended to every virtio-user port's arguments. VERBOSE=1 prints
# every measurement on stderr.
# PERF=PREFIX records a profile of each back-end over each measured
# interval (perf record -g) into PREFIX.BACKEND.MODE.RING.SIZE.ROUND; with
# PERF_FE=1 the front-end's too (.fe).
set -u
VSW=${1:?usage: $0 IOVIRT_VSWITCH [SECONDS]}
SECS=${2:-3}
ROUNDS=${3:-3}
T=$(mktemp -d /tmp/iovirt-bench-XXXXXX)
PIDS=""
SAVED_HP=""
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	sleep 0.3
	for p in $PIDS; do kill -9 "$p" 2>/dev/null; done
	[ -n "$SAVED_HP" ] && echo "$SAVED_HP" > /proc/sys/vm/nr_hugepages
	rm -rf "$T"
}
trap cleanup EXIT
trap "exit 1" INT TERM
command -v dpdk-testpmd >/dev/null || { echo "SKIPPED: dpdk-testpmd not installed"; exit 77; }

if [ -w /proc/sys/vm/nr_hugepages ]; then
	SAVED_HP=$(cat /proc/sys/vm/nr_hugepages)
	echo $((SAVED_HP + 700)) > /proc/sys/vm/nr_hugepages
fi
if [ "$(awk '/HugePages_Free/ {print $2}' /proc/meminfo)" -ge 700 ]; then
	MEM_FE="-m 256 --in-memory --single-file-segments"
	MEM_BE="-m 256 --in-memory"
	echo "# $(date -u '+%F %T') UTC; memory: 2 MiB hugepages; ${SECS} s per figure, best of $ROUNDS"
else
	MEM_FE="--no-huge -m 1024"
	MEM_BE="--no-huge -m 1024"
	echo "# $(date -u '+%F %T') UTC; memory: 4 KiB pages (no 700 hugepages free); ${SECS} s per figure, best of $ROUNDS"
fi

# testpmd with commands from a fifo. tp NAME CPU ARGS...
tp() {
	local name=$1 cpu=$2
	shift 2
	mkfifo "$T/$name.in"
	stdbuf -oL dpdk-testpmd --no-pci --file-prefix="ib-$name-$$" --lcores "0@$cpu,1@$cpu" "$@" \
		< "$T/$name.in" > "$T/$name.out" 2>&1 &
	PIDS="$PIDS $!"
	eval "pid_$name=$!"
	eval "exec {fd_$name}>\"$T/$name.in\""
}
tp_cmd() { local fd; eval "fd=\$fd_$1"; echo "$2" >&"$fd"; }
# Quit testpmd NAME and wait until it is gone (its hugepages are free again).
tp_quit() {
	local pid
	tp_cmd "$1" quit
	eval "exec {fd_$1}>&-"
	eval "pid=\$pid_$1"
	wait "$pid" 2>/dev/null
	rm -f "$T/$1.in"
}
tp_wait() {
	for i in $(seq 200); do grep -q "$2" "$T/$1.out" 2>/dev/null && return 0; sleep 0.05; done
	{ echo "testpmd $1 did not show '$2':"; tail -5 "$T/$1.out"; } >&2; return 1
}

# The back-end on CPU 1: backend_start iovirt|dpdk MODE SIZE. Sets BE_PID.
backend_start() {
	local last=p1.sock
	rm -f "$T"/p0.sock "$T"/p1.sock
	if [ "$1" = iovirt ] && [ "$2" = rxonly ]; then
		taskset -c 1 "$VSW" --poll --threads 1 --port "$T/p0.sock" --uplink "gen=$3" \
			> "$T/sw.out" 2> "$T/sw.err" &
		BE_PID=$!
		PIDS="$PIDS $BE_PID"
		last=p0.sock
	elif [ "$1" = iovirt ]; then
		taskset -c 1 "$VSW" --poll --threads 1 --port "$T/p0.sock" --port "$T/p1.sock" \
			> "$T/sw.out" 2> "$T/sw.err" &
		BE_PID=$!
		PIDS="$PIDS $BE_PID"
	elif [ "$2" = rxonly ]; then
		# shellcheck disable=SC2086
		tp be 1 $MEM_BE --vdev "net_vhost0,iface=$T/p0.sock,queues=1,client=0" -- -i \
			--forward-mode=txonly --txpkts="$3" --nb-cores=1 --auto-start
		BE_PID=be
		last=p0.sock
	else
		# shellcheck disable=SC2086
		tp be 1 $MEM_BE --vdev "net_vhost0,iface=$T/p0.sock,queues=1,client=0" \
			--vdev "net_vhost1,iface=$T/p1.sock,queues=1,client=0" -- -i --forward-mode=io \
			--nb-cores=1 --auto-start
		BE_PID=be
	fi
	for i in $(seq 100); do [ -S "$T/$last" ] && break; sleep 0.05; done
}

backend_stop() {
	if [ "$BE_PID" = be ]; then
		tp_quit be
	else
		kill "$BE_PID"
		wait "$BE_PID" 2>/dev/null
	fi
}

# CPU time (ticks) of the whole machine, busy, and of the given processes' threads.
cpu_busy() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8}' /proc/stat; }
proc_ticks() {
	local p
	for p in "$@"; do cat /proc/"$p"/stat 2>/dev/null; done |
		sed 's/.*) //' | awk '{ s += $12 + $13 } END { print s + 0 }'
}
HZ=$(getconf CLK_TCK)
LOADMAX=${LOADMAX:-10}

# Sum of the last N "KEY: value" figures testpmd printed (one per port). pps NAME KEY N
pps() {
	awk -v key="$2:" -v n="$3" '$1 == key { v[c++] = $2 }
		END { s = 0; for (k = c - n; k < c; k++) if (k >= 0) s += v[k]; print s }' "$T/$1.out"
}

# measure BACKEND MODE SIZE VARGS -> prints Mpps
measure() {
	local be=$1 mode=$2 size=$3 vargs=$4 key=Rx-pps
	backend_start "$be" "$mode" "$size"
	if [ "$mode" = loop ]; then
		# shellcheck disable=SC2086
		tp fe 0 $MEM_FE --vdev "net_virtio_user0,path=$T/p0.sock,queue_size=1024$vargs" \
			--vdev "net_virtio_user1,path=$T/p1.sock,queue_size=1024$vargs" -- -i \
			--forward-mode=io --txpkts="$size" --nb-cores=1
		tp_wait fe "testpmd>" || { echo "0 100"; return; }
		tp_cmd fe "start tx_first 8"
	else
		# shellcheck disable=SC2086
		tp fe 0 $MEM_FE --vdev "net_virtio_user0,path=$T/p0.sock,queue_size=1024$vargs" -- -i \
			--forward-mode="$mode" --txpkts="$size" --nb-cores=1
		tp_wait fe "testpmd>" || { echo "0 100"; return; }
		tp_cmd fe start
		[ "$mode" = txonly ] && key=Tx-pps
	fi
	sleep 1
	tp_cmd fe "show port stats all"
	local bpid=$BE_PID ours c0 c1 p0 p1 load
	[ "$bpid" = be ] && bpid=$pid_be
	ours="$bpid $pid_fe"
	if [ -n "${PERF:-}" ]; then
		perf record -q -g -p "$bpid" -o "$PERF.$be.$mode.$ring.$size.$round" \
			-- sleep "$SECS" > /dev/null 2>&1 &
		ours="$ours $!"
		if [ -n "${PERF_FE:-}" ]; then
			perf record -q -p "$pid_fe" -o "$PERF.$be.$mode.$ring.$size.$round.fe" \
				-- sleep "$SECS" > /dev/null 2>&1 &
			ours="$ours $!"
		fi
	fi
	# The CPU time others took meanwhile (the machine is shared): percent of both CPUs.
	c0=$(cpu_busy)
	# shellcheck disable=SC2086
	p0=$(proc_ticks $ours)
	sleep "$SECS"
	tp_cmd fe "show port stats all"
	c1=$(cpu_busy)
	# shellcheck disable=SC2086
	p1=$(proc_ticks $ours)
	load=$(awk -v c="$((c1 - c0))" -v p="$((p1 - p0))" -v hz="$HZ" -v s="$SECS" \
		'BEGIN { l = (c - p) * 100 / (2 * hz * s); printf "%d", l < 0 ? 0 : l }')
	sleep 0.3
	local v
	if [ "$mode" = loop ]; then v=$(pps fe $key 2); else v=$(pps fe $key 1); fi
	tp_cmd fe stop
	tp_quit fe
	backend_stop
	awk -v v="$v" -v l="$load" 'BEGIN { printf "%.2f %d", v / 1e6, l }'
	[ -n "${VERBOSE:-}" ] && awk -v v="$v" -v l="$load" -v t="$be $mode $vargs $size" \
		'BEGIN { printf "# %s: %.2f Mpps (others: %d%% of the CPUs)\n", t, v / 1e6, l }' >&2
	return 0
}

# best NAME VALUE LOAD: keep the best figure measured with the others' load
# at most LOADMAX% (clean), and the best of all in case none is.
best() {
	local n=$1 v=$2 l=$3
	if [ "$l" -le "$LOADMAX" ]; then
		eval "clean_$n=\$((clean_$n + 1))"
		eval "best_$n=\$(awk -v x=\"\$best_$n\" -v y=\"$v\" 'BEGIN {print (y > x ? y : x)}')"
	fi
	eval "any_$n=\$(awk -v x=\"\$any_$n\" -v y=\"$v\" 'BEGIN {print (y > x ? y : x)}')"
}

printf "%-8s %-6s %5s %12s %12s %8s\n" mode ring bytes "iovirt Mpps" "DPDK Mpps" ratio
# Each figure: the best of ROUNDS measurements during which the others' load
# stayed under LOADMAX% (up to 3 x ROUNDS tries); marked * when no try was.
for mode in ${MODES:-loop txonly rxonly}; do
	for ring in ${RINGS:-split packed}; do
		[ $ring = packed ] && vargs=",packed_vq=1" || vargs=""
		vargs="$vargs${VUSER_ARGS:-}"
		for size in ${SIZES:-64 1518}; do
			best_a=0 any_a=0 clean_a=0 best_b=0 any_b=0 clean_b=0
			want_a=0 want_b=0
			case " ${BACKENDS:-iovirt dpdk} " in *" iovirt "*) want_a=$ROUNDS ;; esac
			case " ${BACKENDS:-iovirt dpdk} " in *" dpdk "*) want_b=$ROUNDS ;; esac
			for round in $(seq $((3 * ROUNDS))); do
				[ "$clean_a" -ge "$want_a" ] && [ "$clean_b" -ge "$want_b" ] && break
				# shellcheck disable=SC2046
				[ "$clean_a" -lt "$want_a" ] && best a $(measure iovirt $mode $size "$vargs")
				# shellcheck disable=SC2046
				[ "$clean_b" -lt "$want_b" ] && best b $(measure dpdk $mode $size "$vargs")
			done
			a=$best_a ma=""
			[ "$clean_a" -eq 0 ] && a=$any_a ma="*"
			b=$best_b mb=""
			[ "$clean_b" -eq 0 ] && b=$any_b mb="*"
			r=$(awk -v a="$a" -v b="$b" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }')
			printf "%-8s %-6s %5s %12s %12s %8s\n" $mode $ring $size "$a$ma" "$b$mb" "$r"
		done
	done
done
