# SPDX-License-Identifier: GPL-2.0-only
# iovirt as a vhost-user front-end (vhost-user.host.sh): the guest's disk is
# served by iovirt-vhost-blk and its NIC is a port of iovirt-vswitch, whose
# other port is a tap uplink into the L2 (10.0.7.1, with an iperf3 server
# and busybox nc). The guest pings across the switch, runs iperf3 both ways,
# moves 2 MiB each way with nc (md5 checked on the far side), then writes
# the disk with fio and reads every block back with crc32c verification.
# lab-tools: yes
# lab-memory: 384M
# lab-timeout: 240
. /lab/scenarios/virtio-common.guest.inc
net=10.0.7

disk=$(vio_disk 1)
if [ -z "$disk" ]; then
	result disk FAIL "no /dev/vda: $(ls /sys/class/block | tr '\n' ' ')"
else
	# The serial is iovirt-vhost-blk's (--serial), read through GET_CONFIG.
	serial=$(cat /sys/block/$disk/serial 2>/dev/null)
	detail="/dev/$disk, $(($(cat /sys/class/block/$disk/size) / 2048)) MiB,"
	detail="$detail virtio-$(vio_transport "/sys/block/$disk/device"), serial '$serial'"
	if [ "$serial" = lab-vhost-blk ]; then
		result disk PASS "$detail"
	else
		result disk FAIL "$detail (expected the back-end's, lab-vhost-blk)"
	fi
fi

nic=$(ls /sys/class/net | grep -v '^lo$' | head -n 1)
if [ -z "$nic" ]; then
	result nic FAIL "no network interface"
else
	mac=$(cat "/sys/class/net/$nic/address")
	drv=$(basename "$(readlink "/sys/class/net/$nic/device/driver")")
	detail="$nic, driver $drv, MAC $mac, virtio-$(vio_transport "/sys/class/net/$nic/device")"
	if [ "$mac" = 52:54:00:07:00:01 ]; then
		result nic PASS "$detail"
	else
		result nic FAIL "$detail (expected the MAC given to --net, 52:54:00:07:00:01)"
	fi
	ip addr add $net.15/24 dev "$nic"
	ip link set "$nic" up
fi

if [ -n "$nic" ]; then
	# The host configures its side of the uplink while we boot: try for 20 s.
	_i=0
	while ! ping -c 1 -W 2 $net.1 >/dev/null 2>&1 && [ "$_i" -lt 10 ]; do
		_i=$((_i + 1))
	done
	if ping -c 5 -i 0.2 -W 5 $net.1 >/tmp/ping.out 2>&1; then
		result ping PASS "5 across iovirt-vswitch to the L2: $(grep 'round-trip' /tmp/ping.out)"
	else
		result ping FAIL "$(tail -n 2 /tmp/ping.out | tr '\n' ' ')"
	fi
	# iperf3 result line: "[SUM] 0.00-2.00 sec  X MBytes  Y Mbits/sec ... receiver"
	for dir in tx rx; do
		set --
		[ $dir = rx ] && set -- -R
		if iperf3 -c $net.1 -t 2 -P 2 -f m "$@" >/tmp/iperf.out 2>&1; then
			r=$(grep -E 'SUM.*receiver' /tmp/iperf.out | tail -n 1 |
				sed -n 's/.* \([0-9.]*\) Mbits\/sec.*/\1/p')
			result "iperf-$dir" PASS "$r Mbit/s over iovirt-vswitch (2 streams, 2 s)"
		else
			result "iperf-$dir" FAIL "$(tail -n 3 /tmp/iperf.out | tr '\n' ' ' | cut -c1-200)"
		fi
	done
	# Guest -> host: the host listens on 5001 and checks the md5 we print.
	head -c 2097152 /dev/urandom >/tmp/tx
	echo "GUEST-TX $(md5sum </tmp/tx | cut -d' ' -f1)"
	nc -w 30 $net.1 5001 </tmp/tx
	rm -f /tmp/tx
	# Host -> guest: the host serves 2 MiB on 5002. busybox nc quits when its
	# stdin ends, so its stdin is a FIFO held open (no data) until it is done.
	mkfifo /tmp/hold
	nc -w 30 $net.1 5002 </tmp/hold >/tmp/rx &
	rx=$!
	exec 3>/tmp/hold
	wait "$rx"
	exec 3>&-
	echo "GUEST-RX $(md5sum </tmp/rx | cut -d' ' -f1) $(wc -c </tmp/rx)"
	rm -f /tmp/rx
fi

# fio: random writes (two jobs, each on its own quarter of the disk), then
# every block read back and its crc32c checked; O_DIRECT, so every request
# goes through the back-end.
if [ -n "$disk" ]; then
	for spec in "4k-qd16 4k 16 2 4M" "64k-qd8 64k 8 1 16M"; do
		set -- $spec
		t0=$(lab_uptime)
		if fio --name="$1" --filename=/dev/$disk --ioengine=libaio --direct=1 \
			--rw=randwrite --bs="$2" --iodepth="$3" --numjobs="$4" --size="$5" \
			--offset_increment=16M --verify=crc32c --verify_fatal=1 --do_verify=1 \
			--group_reporting --output-format=terse >/tmp/fio.out 2>&1; then
			# terse v3: field 6 read KiB, 47 written KiB
			f=$(tail -n 1 /tmp/fio.out)
			result "fio-$1" PASS "bs=$2 iodepth=$3 numjobs=$4 size=$5 each:" \
				"written $(echo "$f" | cut -d';' -f47) KiB," \
				"verified $(echo "$f" | cut -d';' -f6) KiB," \
				"$(awk "BEGIN {printf \"%.1f s\", $(lab_uptime) - $t0}")"
		else
			result "fio-$1" FAIL "$(grep -i -E 'verify|error|bad|crc' /tmp/fio.out |
				head -n 3 | tr '\n' '|' | cut -c1-300)"
		fi
	done
fi
vio_dmesg_clean dmesg
