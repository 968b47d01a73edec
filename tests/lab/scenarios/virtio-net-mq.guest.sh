# SPDX-License-Identifier: GPL-2.0-only
# virtio-net with two queue pairs on a multi-queue tap (virtio-net-mq.host.sh
# runs an iperf3 server on the tap's host side, 10.0.4.1): the link, offloads
# negotiated (TSO), ping, iperf3 guest -> host and host -> guest, and traffic
# seen on both queue pairs in each direction.
# lab-tools: yes
# lab-memory: 512M
# lab-timeout: 300
. /lab/scenarios/virtio-common.guest.inc
nic=$(ls /sys/class/net | grep -v '^lo$' | head -n 1)
if [ -z "$nic" ]; then
	result nic FAIL "no network interface"
	return 0
fi
drv=$(basename "$(readlink "/sys/class/net/$nic/device/driver")")
result nic PASS "$nic, driver $drv, MAC $(cat "/sys/class/net/$nic/address")," \
	"$(ls -d /sys/class/net/$nic/queues/rx-* | wc -l) rx queues"
# Both pairs in use even with one vCPU (the driver starts with one per CPU).
ethtool -L "$nic" combined 2 2>/dev/null
ethtool -l "$nic" | tr '\n' ' ' | sed 's/  */ /g'
echo
ip addr add 10.0.4.15/24 dev "$nic"
ip link set "$nic" up
tso=$(ethtool -k "$nic" | sed -n 's/^tcp-segmentation-offload: //p')
csum=$(ethtool -k "$nic" | sed -n 's/^tx-checksumming: //p')
if [ "$tso" = on ]; then
	result tso PASS "tcp-segmentation-offload: $tso, tx-checksumming: $csum"
else
	result tso FAIL "tcp-segmentation-offload: ${tso:-?}, tx-checksumming: ${csum:-?}"
fi
# The host may still be giving its side of the tap an address: try for 20 s.
_ok=""
for _i in 1 2 3 4 5 6 7 8 9 10; do
	if ping -c 2 -W 2 10.0.4.1 >/tmp/ping.out 2>&1; then
		_ok=1
		break
	fi
done
if [ -n "$_ok" ]; then
	result ping PASS "$(grep 'round-trip' /tmp/ping.out)"
else
	result ping FAIL "$(tail -n 2 /tmp/ping.out | tr '\n' ' ')"
fi
# iperf3 result line: "[SUM] 0.00-4.00 sec  X MBytes  Y Mbits/sec ... receiver"
iperf() {
	_name=$1
	shift
	if iperf3 -c 10.0.4.1 -t 4 -P 4 -f m "$@" >/tmp/iperf.out 2>&1; then
		_r=$(grep -E 'SUM.*receiver' /tmp/iperf.out | tail -n 1 |
			sed -n 's/.* \([0-9.]*\) Mbits\/sec.*/\1/p')
		result "$_name" PASS "$_r Mbit/s (4 streams, 4 s)"
		echo "NETBENCH $_name $_r"
	else
		result "$_name" FAIL "$(tail -n 3 /tmp/iperf.out | tr '\n' ' ' | cut -c1-200)"
	fi
}
iperf iperf-tx
iperf iperf-rx -R
ethtool -S "$nic" >/tmp/stats
grep -E '(rx|tx)_queue_[01]_(packets|kicks)' /tmp/stats | tr -s ' \n' ' '
echo
for dir in rx tx; do
	q0=$(sed -n "s/^ *${dir}_queue_0_packets: //p" /tmp/stats)
	q1=$(sed -n "s/^ *${dir}_queue_1_packets: //p" /tmp/stats)
	if [ "${q0:-0}" -gt 100 ] && [ "${q1:-0}" -gt 100 ]; then
		result "mq-$dir" PASS "$dir packets on queue 0: $q0, on queue 1: $q1"
	else
		result "mq-$dir" FAIL "$dir packets on queue 0: ${q0:-?}, on queue 1: ${q1:-?}"
	fi
done
vio_dmesg_clean dmesg
