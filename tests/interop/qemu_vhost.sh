#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# QEMU (TCG, Debian's kernel, memory in a shared memfd) as the vhost-user
# front-end of both programs: vhost-user-blk-pci on iovirt-vhost-blk (two
# queues) and a virtio-net-pci on a vhost-user netdev (two queue pairs) on
# a port of iovirt-vswitch. The guest writes 16 MiB of random data to the
# disk with O_DIRECT, drops its caches and reads it back identical, and
# pings a user-mode Linux guest on another port of the same switch (which
# pings it back). Once with split rings, once with packed=on.
# The NIC has no MSI-X (vectors=0): Debian's QEMU 7.2 under TCG segfaults in
# vhost_net_start -> msix_set_vector_notifiers with any vhost-user net
# back-end once Linux enables MSI-X (DPDK's vhost PMD too).
# Usage: qemu_vhost.sh IOVIRT_VHOST_BLK IOVIRT_VSWITCH
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/uml.sh"
. "$(dirname "$0")/qemu.sh"

BLK=${1:?usage: $0 IOVIRT_VHOST_BLK IOVIRT_VSWITCH}
VSW=${2:?usage: $0 IOVIRT_VHOST_BLK IOVIRT_VSWITCH}
qemu_check
uml_check
qemu_kernel

cat > "$T/guest.sh" <<'EOF'
for i in $(seq 100); do [ -b /dev/vda ] && [ -e /sys/class/net/eth0 ] && break; sleep 0.1; done
say "vda $(cat /sys/block/vda/size 2>/dev/null) sectors, $(ls -d /sys/block/vda/mq/* | wc -l) queue(s)"
dd if=/dev/urandom of=/tmp/data bs=1M count=16 2>/dev/null
sum1=$(sha256sum /tmp/data | cut -d' ' -f1)
dd if=/tmp/data of=/dev/vda bs=1M oflag=direct 2>/dev/null || dd if=/tmp/data of=/dev/vda bs=1M conv=fsync 2>/dev/null
echo 3 > /proc/sys/vm/drop_caches
sum2=$(dd if=/dev/vda bs=1M count=16 iflag=direct 2>/dev/null | sha256sum | cut -d' ' -f1)
say "sums $sum1 $sum2"
[ "$sum1" = "$sum2" ] && say "DISK-DATA-OK"
ip link set eth0 up
ip addr add 10.0.0.1/24 dev eth0
for i in $(seq 60); do
	if ping -c 1 -W 1 10.0.0.2 > /dev/null 2>&1; then say "PING-OK"; break; fi
done
# Let the peer ping us too.
sleep 3
EOF

# The UML peer: 10.0.0.2, pings 10.0.0.1 until it answers, stays up until $T/stop appears.
{
	uml_init_head
	cat <<EOF
STOP=$T/stop
EOF
	cat <<'EOF'
insmod $M/../kernel/net/core/failover.ko
insmod $M/drivers/net/net_failover.ko
insmod $M/drivers/net/virtio_net.ko
for i in $(seq 50); do [ -e /sys/class/net/eth0 ] && break; sleep 0.1; done
busybox ip link set eth0 up
busybox ip addr add 10.0.0.2/24 dev eth0
say "peer up"
got=0
while [ ! -e $STOP ]; do
	if [ $got = 0 ] && busybox ping -c 1 -W 1 10.0.0.1 > /dev/null 2>&1; then
		say "PEER-PING-OK"; got=1
	fi
	sleep 0.5
done
poweroff -f
EOF
} > "$T/init-peer.sh"

run_case() {
	local label=$1 packed=$2
	rm -f "$T"/*.sock "$T/stop"
	truncate -s 64M "$T/disk-$label.img"
	"$BLK" --socket "$T/blk.sock" --disk "$T/disk-$label.img" --queues 2 --verbose \
		2> "$T/blk-$label.err" &
	local blk=$!
	track $blk
	"$VSW" --port "$T/p0.sock" --port "$T/p1.sock" --queues 2 --verbose \
		> "$T/sw-$label.out" 2> "$T/sw-$label.err" &
	local sw=$!
	track $sw
	wait_path "$T/blk.sock" 5 && wait_path "$T/p1.sock" 5 || fail "$label: back-ends did not start"
	uml_boot "peer-$label" "$T/init-peer.sh" 240 "$T/p1.sock:1"
	local peer=$UML_PID

	qemu_initrd "$T/guest.sh"
	qemu_boot "qemu-$label" 240 \
		-chardev socket,id=blk,path="$T/blk.sock" \
		-device vhost-user-blk-pci,chardev=blk,num-queues=2"$packed" \
		-chardev socket,id=net,path="$T/p0.sock" \
		-netdev vhost-user,id=n0,chardev=net,queues=2 \
		-device virtio-net-pci,netdev=n0,mq=on,vectors=0,mac=52:54:00:12:34:56"$packed"
	wait $QEMU_PID
	touch "$T/stop"
	wait $peer
	grep GUEST "$T/qemu-$label.log" "$T/peer-$label.log"
	grep -q "GUEST: DISK-DATA-OK" "$T/qemu-$label.log" ||
		fail "$label: disk data check failed: $(tail -20 "$T/qemu-$label.log")"
	grep -q "GUEST: PING-OK" "$T/qemu-$label.log" || fail "$label: QEMU guest could not ping the UML guest"
	grep -q "GUEST: PEER-PING-OK" "$T/peer-$label.log" || fail "$label: UML guest could not ping the QEMU guest"
	kill $blk $sw
	wait $blk || fail "$label: iovirt-vhost-blk did not exit cleanly"
	wait $sw || fail "$label: iovirt-vswitch did not exit cleanly"
	grep -E "Sanitizer|runtime error" "$T/blk-$label.err" "$T/sw-$label.err" && fail "sanitizer report"
	grep "^vswitch: port" "$T/sw-$label.out" | tail -2
	return 0
}

run_case split ""
run_case packed ",packed=on"
echo PASS
