# SPDX-License-Identifier: GPL-2.0-only
# vhost-user devices with the real Linux drivers (vhost-user.host.sh): two
# guests on iovirt-vswitch, the one under test also with a disk on
# iovirt-vhost-blk. The guest under test pings the peer, runs iperf3 both
# ways and sends it 4 MiB over TCP (md5 compared by the host), then runs fio
# with crc32c verification on the disk twice: undisturbed, and while the
# host kills the block back-end with SIGKILL and starts it again. The peer
# (iovirt.role=peer) serves iperf3 and the transfer until told to stop.
# lab-tools: yes
# lab-memory: 384M
# lab-timeout: 480
. /lab/scenarios/virtio-common.guest.inc
net=10.0.7

vhu_nic() {
	nic=$(ls /sys/class/net | grep -v '^lo$' | head -n 1)
	if [ -z "$nic" ]; then
		result nic FAIL "no network interface"
		return 1
	fi
	drv=$(basename "$(readlink "/sys/class/net/$nic/device/driver")")
	result nic PASS "$nic, driver $drv, MAC $(cat "/sys/class/net/$nic/address")," \
		"virtio-$(vio_transport "/sys/class/net/$nic/device")"
	ip addr add "$1/24" dev "$nic"
	ip link set "$nic" up
}

# The peer: iperf3 server, a receiver for the transfer, and a listener for
# "bye" from the guest under test, then its own dmesg check.
vhu_peer() {
	vhu_nic $net.2 || return 0
	iperf3 -s -B $net.2 >/tmp/iperf3-s.log 2>&1 &
	srv=$!
	# busybox nc quits when its stdin ends: hold it open (no data).
	mkfifo /tmp/hold
	nc -l -p 5002 </tmp/hold >/tmp/rx &
	rx=$!
	exec 3>/tmp/hold
	echo "PEER-READY"
	# "bye" comes once the transfer is done; a hung guest under test is
	# the host's timeout to catch.
	nc -l -p 5009 </dev/null >/tmp/bye
	( sleep 30; kill "$rx" 2>/dev/null ) &
	wait "$rx"
	exec 3>&-
	echo "PEER-RX $(md5sum </tmp/rx | cut -d' ' -f1) $(wc -c </tmp/rx)"
	kill "$srv" 2>/dev/null
	check bye "the guest under test said $(cat /tmp/bye)" grep -q bye /tmp/bye
	vio_dmesg_clean dmesg
}

vhu_iperf() {
	_name=$1
	shift
	_i=0
	# The peer's server may still be starting: a refused connection is retried.
	while ! iperf3 -c $net.2 -t 4 -P 2 -f m "$@" >/tmp/iperf.out 2>&1; do
		_i=$((_i + 1))
		if [ "$_i" -ge 5 ]; then
			result "$_name" FAIL "$(tail -n 3 /tmp/iperf.out | tr '\n' ' ' | cut -c1-200)"
			return
		fi
		sleep 2
	done
	_r=$(grep -E 'SUM.*receiver' /tmp/iperf.out | tail -n 1 |
		sed -n 's/.* \([0-9.]*\) Mbits\/sec.*/\1/p')
	result "$_name" PASS "$_r Mbit/s guest-to-guest over iovirt-vswitch (2 streams, 4 s)"
}

# fio NAME FIO-ARGS...: random writes, then every block read back and its
# crc32c checked, O_DIRECT.
vhu_fio() {
	_name=$1
	shift
	_t0=$(lab_uptime)
	if fio --name="$_name" --filename=/dev/$disk --ioengine=libaio --direct=1 \
		--rw=randwrite --verify=crc32c --verify_fatal=1 --do_verify=1 \
		--group_reporting --output-format=terse "$@" >/tmp/fio.out 2>&1; then
		# terse v3: field 6 read kB; 47 write kB
		_f=$(tail -n 1 /tmp/fio.out)
		result "$_name" PASS "$*: written $(echo "$_f" | cut -d';' -f47) KiB," \
			"verified $(echo "$_f" | cut -d';' -f6) KiB," \
			"$(awk "BEGIN {printf \"%.1f s\", $(lab_uptime) - $_t0}")"
	else
		result "$_name" FAIL "$(grep -i -E 'verify|error|bad|crc' /tmp/fio.out | head -n 3 |
			tr '\n' '|' | cut -c1-300)"
	fi
}

if [ "$(lab_param iovirt.role)" = peer ]; then
	vhu_peer
	return 0
fi

disk=$(vio_disk 1)
if [ -z "$disk" ]; then
	result disk FAIL "no /dev/vda: $(ls /sys/class/block | tr '\n' ' ')"
else
	result disk PASS "/dev/$disk, $(($(cat /sys/class/block/$disk/size) / 2048)) MiB," \
		"virtio-$(vio_transport "/sys/block/$disk/device"), serial" \
		"$(cat /sys/block/$disk/serial 2>/dev/null)"
fi
if vhu_nic $net.1; then
	# The peer boots at the same time: wait for it to answer.
	_i=0
	while ! ping -c 1 -W 2 $net.2 >/dev/null 2>&1 && [ "$_i" -lt 60 ]; do
		_i=$((_i + 1))
	done
	if ping -c 10 -i 0.2 -W 5 $net.2 >/tmp/ping.out 2>&1; then
		result ping PASS "10 to the peer guest: $(grep 'round-trip' /tmp/ping.out)," \
			"$(grep 'packets received' /tmp/ping.out)"
	else
		result ping FAIL "$(tail -n 2 /tmp/ping.out | tr '\n' ' ')"
	fi
	vhu_iperf iperf-tx
	vhu_iperf iperf-rx -R
	head -c 4194304 /dev/urandom >/tmp/tx
	echo "GUEST-TX $(md5sum </tmp/tx | cut -d' ' -f1)"
	_t0=$(lab_uptime)
	nc -w 30 $net.2 5002 </tmp/tx
	echo "GUEST-TX-TIME $(awk "BEGIN {printf \"%.2f\", $(lab_uptime) - $_t0}")"
	echo bye | nc -w 10 $net.2 5009
fi
if [ -n "$disk" ]; then
	vhu_fio fio-verify --bs=4k --iodepth=16 --numjobs=2 --size=8M --offset_increment=8M
	echo "FIO-KILL-BEGIN"
	vhu_fio fio-verify-kill --bs=4k --iodepth=32 --numjobs=2 --size=24M \
		--offset_increment=24M
	echo "FIO-KILL-END"
fi
vio_dmesg_clean dmesg
