# SPDX-License-Identifier: GPL-2.0-only
# A virtio-net NIC on a tap (virtio-net.host.sh): link, ping the host, and
# 4 MiB each way over TCP with busybox nc, checked by md5 on the far side.
# lab-timeout: 180
nic=$(ls /sys/class/net | grep -v '^lo$' | head -n 1)
if [ -z "$nic" ]; then
	result nic FAIL "no network interface"
	return 0
fi
drv=$(basename "$(readlink "/sys/class/net/$nic/device/driver")")
result nic PASS "$nic, driver $drv, MAC $(cat "/sys/class/net/$nic/address")"
ip addr add 10.0.3.15/24 dev "$nic"
ip link set "$nic" up
if ping -c 3 -W 5 10.0.3.1 >/tmp/ping.out 2>&1; then
	result ping PASS "$(grep 'round-trip' /tmp/ping.out)"
else
	result ping FAIL "$(tail -n 2 /tmp/ping.out | tr '\n' ' ')"
fi
# Guest -> host: the host listens on 5001 and reports the md5 it received.
head -c 4194304 /dev/urandom >/tmp/tx
echo "GUEST-TX $(md5sum </tmp/tx | cut -d' ' -f1)"
nc -w 30 10.0.3.1 5001 </tmp/tx
# Host -> guest: the host serves a file on 5002. busybox nc quits when its
# stdin ends, so its stdin is a FIFO held open (no data) until it is done.
mkfifo /tmp/hold
nc -w 30 10.0.3.1 5002 </tmp/hold >/tmp/rx &
rx=$!
exec 3>/tmp/hold
wait "$rx"
exec 3>&-
echo "GUEST-RX $(md5sum </tmp/rx | cut -d' ' -f1) $(wc -c </tmp/rx)"
