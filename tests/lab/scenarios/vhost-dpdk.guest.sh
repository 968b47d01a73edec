# SPDX-License-Identifier: GPL-2.0-only
# The guest's NIC on DPDK's vhost PMD (vhost-dpdk.host.sh: dpdk-testpmd in
# io forwarding mode, its one port looped onto itself). The guest sends a
# known number of ICMP echo requests (to a neighbour entry of its own, so no
# ARP; IPv6 off, so nothing else) at two sizes; testpmd sends every frame
# back, and the host compares testpmd's RX and TX counters with what the
# guest's driver counted.
# lab-l2: dpdk
# lab-timeout: 180
. /lab/scenarios/virtio-common.guest.inc
nic=$(ls /sys/class/net | grep -v '^lo$' | head -n 1)
if [ -z "$nic" ]; then
	result nic FAIL "no network interface"
	return 0
fi
drv=$(basename "$(readlink "/sys/class/net/$nic/device/driver")")
result nic PASS "$nic, driver $drv, MAC $(cat "/sys/class/net/$nic/address")," \
	"virtio-$(vio_transport "/sys/class/net/$nic/device")"
for c in all default "$nic"; do
	echo 1 >"/proc/sys/net/ipv6/conf/$c/disable_ipv6" 2>/dev/null
done
ip addr add 10.0.8.1/24 dev "$nic"
ip link set "$nic" up
# A permanent neighbour entry (busybox's ip cannot add one; its arp can).
arp -i "$nic" -s 10.0.8.2 52:54:00:08:00:02
nic_stat() {
	cat "/sys/class/net/$nic/statistics/$1"
}
echo "DPDK-READY"
tx0=$(nic_stat tx_packets)
# No echo reply ever comes (testpmd returns the requests themselves, which
# are not for us): -W 1 ends each ping a second after its last packet.
ping -c 100 -i 0.02 -W 1 10.0.8.2 >/dev/null 2>&1
ping -c 100 -i 0.02 -W 1 -s 1472 10.0.8.2 >/dev/null 2>&1
sent=$(($(nic_stat tx_packets) - tx0))
if [ "$sent" = 200 ]; then
	result guest-tx PASS "the driver sent the 200 echo requests (100 of 98 bytes, 100 of 1514)"
else
	result guest-tx FAIL "the driver counted $sent frames sent for 200 echo requests"
fi
# Every frame comes back: wait for the driver to have received them all.
_i=0
while [ "$(nic_stat rx_packets)" -lt "$(nic_stat tx_packets)" ] && [ "$_i" -lt 150 ]; do
	usleep 200000
	_i=$((_i + 1))
done
ethtool -S "$nic" | grep -E 'queue_0_(packets|bytes|drops|kicks)' | tr -s ' \n' ' '
echo
echo "DPDK-SENT tx=$(nic_stat tx_packets) tx_bytes=$(nic_stat tx_bytes) rx=$(nic_stat rx_packets)" \
	"rx_bytes=$(nic_stat rx_bytes) rx_dropped=$(nic_stat rx_dropped) tx_dropped=$(nic_stat tx_dropped)"
vio_dmesg_clean dmesg
