# SPDX-License-Identifier: GPL-2.0-only
# Two NICs on DPDK's vhost PMD (vhost-dpdk.host.sh: dpdk-testpmd with two
# net_vhost ports in io forwarding mode, each looped onto itself): one with
# split rings, one with packed rings (packed=on). From each, the guest sends
# a known number of ICMP echo requests (to a neighbour entry of its own, so
# no ARP; IPv6 off, so nothing else) at two sizes; testpmd sends every frame
# back, and the host compares testpmd's per-port RX and TX counters with
# what the guest's driver counted.
# lab-l2: dpdk
# lab-timeout: 180
. /lab/scenarios/virtio-common.guest.inc
for c in all default; do
	echo 1 >"/proc/sys/net/ipv6/conf/$c/disable_ipv6" 2>/dev/null
done

# nic_of MAC: the interface with that address.
nic_of() {
	for _n in /sys/class/net/*; do
		[ "$(cat "$_n/address")" = "$1" ] && basename "$_n" && return 0
	done
	return 1
}

nic_stat() {
	cat "/sys/class/net/$1/statistics/$2"
}

# ring MAC PREFIX: the NIC whose MAC ends in :01, ring layout checked, with
# PREFIX.1/24 and a permanent neighbour PREFIX.2 at the MAC ending in :02.
nics=""
for spec in "split 52:54:00:08:00 10.0.8" "packed 52:54:00:08:01 10.0.9"; do
	set -- $spec
	nic=$(nic_of "$2:01")
	if [ -z "$nic" ]; then
		result "nic-$1" FAIL "no interface with MAC $2:01: $(ls /sys/class/net | tr '\n' ' ')"
		continue
	fi
	ring=split
	vio_bit "$(vio_features "net/$nic")" 34 && ring=packed
	detail="$nic, MAC $2:01, virtio-$(vio_transport "/sys/class/net/$nic/device"), $ring ring"
	if [ "$ring" = "$1" ]; then
		result "nic-$1" PASS "$detail"
	else
		result "nic-$1" FAIL "$detail, expected $1"
	fi
	echo 1 >"/proc/sys/net/ipv6/conf/$nic/disable_ipv6" 2>/dev/null
	ip addr add "$3.1/24" dev "$nic"
	ip link set "$nic" up
	# busybox's ip cannot add a neighbour entry; its arp can (permanent).
	arp -i "$nic" -s "$3.2" "$2:02"
	nics="$nics $1:$nic:$3"
done
echo "DPDK-READY"

# Both NICs at once: 100 echo requests of 98 bytes, then 100 of 1514. No
# reply ever comes (testpmd returns the requests themselves, which are not
# for us): -W 1 ends each ping a second after its last packet.
for n in $nics; do
	IFS=: read -r ring nic prefix <<EOF
$n
EOF
	tx0=$(nic_stat "$nic" tx_packets)
	(
		ping -c 100 -i 0.02 -W 1 "$prefix.2" >/dev/null 2>&1
		ping -c 100 -i 0.02 -W 1 -s 1472 "$prefix.2" >/dev/null 2>&1
		sent=$(($(nic_stat "$nic" tx_packets) - tx0))
		if [ "$sent" = 200 ]; then
			result "guest-tx-$ring" PASS "$nic sent the 200 echo requests (100 of 98 bytes," \
				"100 of 1514)"
		else
			result "guest-tx-$ring" FAIL "$nic counted $sent frames sent for 200 echo requests"
		fi
	) &
done
wait
for n in $nics; do
	IFS=: read -r ring nic prefix <<EOF
$n
EOF
	# Every frame comes back: wait for the driver to have received them all.
	_i=0
	while [ "$(nic_stat "$nic" rx_packets)" -lt "$(nic_stat "$nic" tx_packets)" ] &&
		[ "$_i" -lt 100 ]; do
		usleep 200000
		_i=$((_i + 1))
	done
	echo "DPDK-SENT-$ring tx=$(nic_stat "$nic" tx_packets) tx_bytes=$(nic_stat "$nic" tx_bytes)" \
		"rx=$(nic_stat "$nic" rx_packets) rx_bytes=$(nic_stat "$nic" rx_bytes)" \
		"rx_dropped=$(nic_stat "$nic" rx_dropped) tx_dropped=$(nic_stat "$nic" tx_dropped)"
done
echo "DPDK-DONE"
vio_dmesg_clean dmesg
