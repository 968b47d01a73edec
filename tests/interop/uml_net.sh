#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Two user-mode Linux guests, each with the real Linux virtio_net driver on
# a port of iovirt-vswitch (two queue pairs offered, so the guests' control
# queue sets VIRTIO_NET_CTRL_MQ through the switch), ping each other: ARP
# broadcasts flooded, replies switched by learned address. Then a bulk
# transfer in both directions (large ICMP echoes, several receive buffers
# per frame with mergeable buffers), and the switch's counters show the
# frames crossed both ways. Usage: uml_net.sh IOVIRT_VSWITCH
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/uml.sh"

VSW=${1:?usage: $0 IOVIRT_VSWITCH}
uml_check

"$VSW" --port "$T/p0.sock" --port "$T/p1.sock" --queues 2 --verbose > "$T/sw.out" 2> "$T/sw.err" &
SW=$!
track $SW
wait_path "$T/p1.sock" 5 || fail "iovirt-vswitch did not come up: $(cat "$T/sw.err")"

# guest_init ME PEER: configure 10.0.0.ME, ping 10.0.0.PEER, stay up until told to stop.
guest_init() {
	uml_init_head
	cat <<EOF
ME=$1
PEER=$2
EOF
	cat <<'EOF'
insmod $M/../kernel/net/core/failover.ko
insmod $M/drivers/net/net_failover.ko
insmod $M/drivers/net/virtio_net.ko
for i in $(seq 50); do [ -e /sys/class/net/eth0 ] && break; sleep 0.1; done
busybox ip link set eth0 up
busybox ip addr add 10.0.0.$ME/24 dev eth0
say "eth0 $(cat /sys/class/net/eth0/address) up"
ok=0
for i in $(seq 30); do
	if busybox ping -c 1 -W 1 10.0.0.$PEER > /dev/null 2>&1; then ok=1; break; fi
done
[ $ok = 1 ] && say "PING-OK"
# 1400-byte echoes both ways: frames larger than one small receive buffer.
busybox ping -c 20 -i 0.05 -s 1400 -W 2 10.0.0.$PEER > ping.out 2>&1 &&
	say "BULK-OK $(grep -o '[0-9]* packets received' ping.out)"
# Stay up while the peer may still be pinging us.
sleep 4
poweroff -f
EOF
}

guest_init 1 2 > "$T/init-g1.sh"
guest_init 2 1 > "$T/init-g2.sh"
uml_boot g1 "$T/init-g1.sh" 90 "$T/p0.sock:1"
G1=$UML_PID
uml_boot g2 "$T/init-g2.sh" 90 "$T/p1.sock:1"
G2=$UML_PID
wait $G1
wait $G2
grep GUEST "$T/g1.log" "$T/g2.log"
for g in g1 g2; do
	grep -q "GUEST: PING-OK" "$T/$g.log" || fail "$g could not ping its peer: $(grep -E 'GUEST|virtio|eth0' "$T/$g.log" | tail)"
	grep -q "GUEST: BULK-OK 20 packets received" "$T/$g.log" || fail "$g lost large echoes"
done
kill -USR1 $SW
sleep 0.2
for p in 0 1; do
	rx=$(vsw_counter "$T/sw.out" $p rx_pkts)
	tx=$(vsw_counter "$T/sw.out" $p tx_pkts)
	[ "$rx" -ge 40 ] && [ "$tx" -ge 40 ] || fail "port $p counters: rx $rx tx $tx"
done
grep -q "driver uses 1 queue pair" "$T/sw.err" || fail "the guests' VIRTIO_NET_CTRL_MQ did not reach the switch"
kill $SW
wait $SW || fail "the switch did not exit cleanly"
grep -E "Sanitizer|runtime error" "$T/sw.err" && fail "sanitizer report"
grep "^vswitch:" "$T/sw.out" | tail -3
echo PASS
