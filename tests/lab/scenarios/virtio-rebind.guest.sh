# SPDX-License-Identifier: GPL-2.0-only
# Device resets with the real drivers, and the virtio-net control queue
# (virtio-rebind.host.sh gives a disk, a NIC on a tap at 10.0.7.1 and an
# RNG). Each driver is unbound and bound again (the driver resets the device
# and sets it up anew) three times, and the device must work after each: the
# disk reads back what was written before, the NIC pings, the RNG gives
# data. Then the control queue: a new MAC address (the device's receive
# filter must follow it), promiscuous mode on and off, and IPv6 neighbour
# discovery, whose solicitations go to a multicast address the driver puts
# in the device's MAC table.
# lab-args: --rng
# lab-timeout: 240
. /lab/scenarios/virtio-common.guest.inc
disk=$(vio_disk 1)
nic=$(ls /sys/class/net | grep -v '^lo$' | head -n 1)
if [ -z "$disk" ] || [ -z "$nic" ]; then
	result devices FAIL "disk '${disk}', nic '${nic}'"
	return 0
fi
# rebind DRIVER VIRTIO-DEV: unbind and bind again.
rebind() {
	echo "$2" >"/sys/bus/virtio/drivers/$1/unbind" && echo "$2" >"/sys/bus/virtio/drivers/$1/bind"
}
net_up() {
	ip addr add 10.0.7.15/24 dev "$nic" 2>/dev/null
	ip link set "$nic" up
}
pings() {
	for _i in 1 2 3 4 5; do
		ping -c 1 -W 2 "$@" >/tmp/ping.out 2>&1 && return 0
	done
	return 1
}

# The disk.
bdev=$(basename "$(readlink -f /sys/block/$disk/device)")
head -c 1048576 /dev/urandom >/tmp/pattern
want=$(md5sum </tmp/pattern | cut -d' ' -f1)
dd if=/tmp/pattern of="/dev/$disk" bs=64k seek=16 oflag=direct conv=fsync 2>/dev/null
ok=0
for i in 1 2 3; do
	rebind virtio_blk "$bdev" || break
	d=$(vio_disk 1) || break
	got=$(dd if="/dev/$d" bs=64k skip=16 count=16 iflag=direct 2>/dev/null | md5sum | cut -d' ' -f1)
	[ "$got" = "$want" ] || break
	ok=$i
done
if [ "$ok" = 3 ]; then
	result blk-rebind PASS "virtio_blk unbound and bound 3 times, the data read back each time"
else
	result blk-rebind FAIL "failed at round $((ok + 1)): $(ls /sys/block | tr '\n' ' ') $(dmesg | tail -n 2 | tr '\n' '|')"
fi

# The NIC.
ndev=$(basename "$(readlink -f /sys/class/net/$nic/device)")
net_up
ok=0
pings 10.0.7.1 && ok=0 || ok=-1
if [ "$ok" = 0 ]; then
	for i in 1 2 3; do
		rebind virtio_net "$ndev" || break
		lab_wait_file "/sys/class/net/$nic" 10 || break
		net_up
		pings 10.0.7.1 || break
		ok=$i
	done
fi
if [ "$ok" = 3 ]; then
	result net-rebind PASS "virtio_net unbound and bound 3 times, ping after each"
else
	result net-rebind FAIL "failed at round $((ok + 1)): $(tail -n 2 /tmp/ping.out | tr '\n' ' ')"
fi

# The control queue: a MAC address change (gratuitous ARP tells the host).
old=$(cat /sys/class/net/$nic/address)
ip link set "$nic" address 02:aa:bb:cc:dd:01
arping -U -c 1 -I "$nic" 10.0.7.15 >/dev/null 2>&1
if [ "$(cat /sys/class/net/$nic/address)" = 02:aa:bb:cc:dd:01 ] && pings 10.0.7.1; then
	result mac-change PASS "MAC $old -> 02:aa:bb:cc:dd:01, ping still answered"
else
	result mac-change FAIL "after the MAC change: $(tail -n 2 /tmp/ping.out | tr '\n' ' ')"
fi
ip link set "$nic" promisc on && pings 10.0.7.1 && ip link set "$nic" promisc off &&
	pings 10.0.7.1
check promisc "promiscuous mode on and off, ping after each" test $? = 0
# IPv6: the host's reply needs the guest's MAC, asked for by a neighbour
# solicitation to the guest's solicited-node multicast address.
sleep 2
if ping6 -c 2 -W 3 -I "$nic" ff02::1 >/tmp/ping6.out 2>&1 &&
	grep -q 'bytes from fe80' /tmp/ping6.out; then
	result ipv6-multicast PASS "ping6 ff02::1: $(grep -m 1 'bytes from' /tmp/ping6.out)"
else
	result ipv6-multicast FAIL "$(tail -n 3 /tmp/ping6.out | tr '\n' ' ')"
fi

# The RNG.
# (the virtio device the driver holds; the hw_random misc device has no
# device link to follow)
rdev=$(ls /sys/bus/virtio/drivers/virtio_rng/ | grep '^virtio' | head -n 1)
ok=0
for i in 1 2 3; do
	rebind virtio_rng "$rdev" || break
	sleep 1
	n=$(timeout 20 dd if=/dev/hwrng bs=1024 count=4 iflag=fullblock 2>/dev/null | wc -c)
	[ "$n" = 4096 ] || break
	ok=$i
done
if [ "$ok" = 3 ]; then
	result rng-rebind PASS "virtio_rng unbound and bound 3 times, 4 KiB read after each"
else
	result rng-rebind FAIL "failed at round $((ok + 1)) ($rdev)"
fi
vio_dmesg_clean dmesg
