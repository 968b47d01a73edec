# SPDX-License-Identifier: GPL-2.0-only
# Guest side of bench/lab/net (not a test): iperf3 against the server on the
# host side of the tap (10.0.6.1), one TCP stream, iovirt.bench_rt= seconds,
# one job at a time when the host asks on the console ("go JOB", see
# vio_bench_start in virtio-common.host.inc): "tx" is guest -> host, "rx"
# host -> guest. Each job runs between BENCH-START and BENCH-END lines (the
# host samples the VMM's CPU time there) and is followed by BENCH-RESULT with
# the rate, the bytes and the NIC's interrupts. The guest's address is
# 10.0.6.(10 + iovirt.bench_host=).
# lab-tools: yes
# lab-memory: 512M
# lab-timeout: 2400
# lab-cmdline: iovirt.bench_jobs=tx,rx iovirt.bench_rt=4 iovirt.bench_rounds=4
nic=$(ls /sys/class/net | grep -v '^lo$' | head -n 1)
if [ -z "$nic" ]; then
	result nic FAIL "no network interface"
	return 0
fi
ip addr add "10.0.6.$((10 + $(lab_param iovirt.bench_host || echo 0)))/24" dev "$nic"
ip link set "$nic" up
for _i in 1 2 3 4 5 6 7 8 9 10; do
	ping -c 1 -W 2 10.0.6.1 >/dev/null 2>&1 && break
done
rt=$(lab_param iovirt.bench_rt || echo 8)
vdev=$(basename "$(readlink -f /sys/class/net/$nic/device)")
irqs() {
	grep -E "$vdev" /proc/interrupts | grep -v config |
		awk '{for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) s += $i} END {print s + 0}'
}
stty -echo
echo "BENCH-READY"
while read -r cmd job; do
	[ "$cmd" = go ] || break
	case "$job" in
	tx) dir="" ;;
	rx) dir="-R" ;;
	*) echo "BENCH-RESULT $job unknown"; echo "BENCH-READY"; continue ;;
	esac
	i0=$(irqs)
	echo "BENCH-START $job"
	# shellcheck disable=SC2086
	iperf3 -c 10.0.6.1 -t "$rt" -f m $dir >/tmp/iperf.out 2>&1
	echo "BENCH-END $job"
	i1=$(irqs)
	line=$(grep -E 'receiver' /tmp/iperf.out | tail -n 1)
	mbps=$(echo "$line" | sed -n 's/.* \([0-9.]*\) Mbits\/sec.*/\1/p')
	mbytes=$(echo "$line" | sed -n 's/.* \([0-9.]*\) MBytes .*/\1/p')
	echo "BENCH-RESULT $job mbps=${mbps:-0} mbytes=${mbytes:-0} irqs=$((i1 - i0))"
	echo "BENCH-READY"
done
stty echo
