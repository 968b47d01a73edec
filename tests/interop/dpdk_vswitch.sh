#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# DPDK's virtio-user PMD (testpmd) on two ports of iovirt-vswitch: one
# testpmd transmits (txonly) into port 0, another receives (rxonly) from
# port 1; frames sent by the one arrive at the other, and the counters agree
# on both sides: what testpmd sent is what the switch got on port 0, what
# the switch put into port 1 is what the other testpmd received, and every
# frame of port 0 was either delivered to port 1 or counted as dropped there.
# Split and packed rings, with and without mergeable rx buffers, event and
# poll mode. Usage: dpdk_vswitch.sh IOVIRT_VSWITCH
. "$(dirname "$0")/lib.sh"

VSW=${1:?usage: $0 IOVIRT_VSWITCH}
command -v dpdk-testpmd >/dev/null || skip "dpdk-testpmd not installed (apt-get install dpdk)"
[ "$(id -u)" = 0 ] || skip "testpmd needs root here (hugepages, /dev/shm)"

# Two testpmds of 64 MiB each (--in-memory): 80 pages of 2 MiB, given back at exit.
if hugepages_reserve 80; then
	MEM="-m 64 --in-memory --single-file-segments"
else
	# LAB-NOTES: one memfd region, no hugepages; 1 GiB keeps testpmd's mbuf pool happy.
	MEM="--no-huge -m 1024"
	echo "note: no hugepages, running testpmd with $MEM"
fi

# testpmd reading commands from a fifo: tp_start NAME CPU VDEV-ARGS MODE
tp_start() {
	local name=$1 cpu=$2 vdev=$3 mode=$4
	mkfifo "$T/$name.in"
	# shellcheck disable=SC2086
	stdbuf -oL dpdk-testpmd $MEM --no-pci --file-prefix="iovirt-$name-$$" --lcores "0@$cpu,1@$cpu" \
		--vdev "$vdev" -- -i --forward-mode="$mode" --total-num-mbufs=4096 \
		< "$T/$name.in" > "$T/$name.out" 2>&1 &
	track $!
	eval "exec {fd_$name}>\"$T/$name.in\""
}

tp_cmd() {
	local fd
	eval "fd=\$fd_$1"
	echo "$2" >&"$fd"
}

tp_quit() {
	local fd
	eval "fd=\$fd_$1"
	echo quit >&"$fd"
	eval "exec {fd_$1}>&-"
}

# The first "<what>-packets: N" of the forward statistics testpmd prints on stop.
tp_stat() {
	awk -v what="$2-packets:" '/Forward statistics/ { f = 1 } f && $1 == what { print $2; exit }' \
		"$T/$1.out"
}

# Frames port 0 of testpmd NAME has received so far (show port stats, without stopping).
tp_rx_now() {
	local n
	n=$(grep -c "NIC statistics for port 0" "$T/$1.out")
	tp_cmd "$1" "show port stats 0"
	# shellcheck disable=SC2016
	wait_for "$IOVIRT_HANG_S" sh -c '[ "$(grep -c "NIC statistics for port 0" "$1")" -gt "$2" ]' \
		sh "$T/$1.out" "$n" || return 1
	awk '/NIC statistics for port 0/ { f = 1 } f && $1 == "RX-packets:" { v = $2; f = 0 }
	     END { print v + 0 }' "$T/$1.out"
}

run_case() {
	local label=$1 vargs=$2 mode=$3
	local sw_out="$T/sw-$label.out" sent got a_rx b_tx b_drop
	rm -f "$T"/*.sock "$T"/tx.* "$T"/rx.*

	# shellcheck disable=SC2086
	"$VSW" $mode --port "$T/a.sock" --port "$T/b.sock" > "$sw_out" 2> "$T/sw-$label.err" &
	local sw=$!
	track $sw
	wait_path "$T/b.sock" "$IOVIRT_HANG_S" || fail "$label: the switch did not come up"

	tp_start rx 1 "net_virtio_user1,path=$T/b.sock$vargs" rxonly
	wait_log "$T/rx.out" "testpmd>" "$IOVIRT_HANG_S" ||
		fail "$label: receiving testpmd did not start: $(tail -3 "$T/rx.out")"
	tp_cmd rx start
	tp_start tx 0 "net_virtio_user0,path=$T/a.sock$vargs" txonly
	wait_log "$T/tx.out" "testpmd>" "$IOVIRT_HANG_S" ||
		fail "$label: sending testpmd did not start: $(tail -3 "$T/tx.out")"
	tp_cmd tx start
	# About a second of traffic, and at least some however slow the machine is.
	sleep 1
	traffic() {
		vsw_dump $sw "$sw_out" && [ "$(vsw_counter "$sw_out" 1 tx_pkts)" -gt 0 ]
	}
	wait_for "$IOVIRT_HANG_S" traffic || fail "$label: no frame reached port 1"
	tp_cmd tx stop
	wait_log "$T/tx.out" "TX-packets" "$IOVIRT_HANG_S" || fail "$label: no statistics from the sender"
	sent=$(tp_stat tx TX)
	# Every frame sent is taken by the switch and delivered or dropped: the counters settle.
	settled() {
		vsw_dump $sw "$sw_out" || return 1
		a_rx=$(vsw_counter "$sw_out" 0 rx_pkts)
		b_tx=$(vsw_counter "$sw_out" 1 tx_pkts)
		b_drop=$(vsw_counter "$sw_out" 1 tx_drop)
		[ "$a_rx" = "$sent" ] && [ $((b_tx + b_drop)) = "$a_rx" ]
	}
	wait_for "$IOVIRT_HANG_S" settled ||
		fail "$label: switch counters never settled (sent $sent, port 0 got $a_rx, port 1 $b_tx + $b_drop dropped)"
	# The receiver drains its ring before it stops counting.
	drained() {
		[ "$(tp_rx_now rx)" = "$b_tx" ]
	}
	wait_for "$IOVIRT_HANG_S" drained || fail "$label: the receiver never got the $b_tx frames delivered"
	tp_cmd rx stop
	wait_log "$T/rx.out" "Forward statistics" "$IOVIRT_HANG_S" ||
		fail "$label: no statistics from the receiver"
	wait_log "$T/rx.out" "Accumulated forward statistics" "$IOVIRT_HANG_S" ||
		fail "$label: no statistics from the receiver"
	tp_quit tx
	tp_quit rx
	got=$(tp_stat rx RX)
	echo "$label: testpmd sent $sent, switch got $a_rx on port 0, delivered $b_tx to port 1" \
		"(dropped $b_drop), testpmd received $got"
	[ "${got:-0}" -gt 0 ] || fail "$label: nothing arrived at the receiving testpmd"
	[ "$sent" = "$a_rx" ] || fail "$label: testpmd sent $sent frames, switch port 0 counted $a_rx"
	[ "$got" = "$b_tx" ] || fail "$label: switch port 1 sent $b_tx frames, testpmd received $got"
	[ $((b_tx + b_drop)) = "$a_rx" ] || fail "$label: port 0 got $a_rx, port 1 delivered $b_tx + dropped $b_drop"

	kill $sw
	wait $sw || fail "$label: the switch did not exit cleanly"
	grep -E "Sanitizer|runtime error" "$T/sw-$label.err" && fail "$label: sanitizer report"
	return 0
}

run_case split-mrg ",mrg_rxbuf=1" ""
run_case split-nomrg ",mrg_rxbuf=0" ""
run_case packed-mrg ",packed_vq=1,mrg_rxbuf=1" ""
run_case packed-nomrg ",packed_vq=1,mrg_rxbuf=0" ""
run_case split-mrg-poll ",mrg_rxbuf=1" "--poll"
run_case packed-inorder-poll ",packed_vq=1,in_order=1,mrg_rxbuf=0" "--poll"
echo "PASS"
