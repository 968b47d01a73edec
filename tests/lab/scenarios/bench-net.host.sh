# SPDX-License-Identifier: GPL-2.0-only
# Host side of bench/lab/net (not a test): a bridge at 10.0.6.1/24 with three
# taps and an iperf3 server; the guest booted under iovirt (--net tap=,
# 10.0.6.10), under QEMU's userspace virtio-net (virtio-net-pci, -netdev
# tap,vhost=off, 10.0.6.11) and under iovirt with sched=batch queue threads
# (WHO ivbatch, 10.0.6.12), all running; then, iovirt.bench_rounds= times,
# each iperf3 job in each guest in turn, the VMMs' order reversed every
# round. Prints one RESULT line per measurement:
#   RESULT bench-net-VMM-rN-JOB PASS mbps=... mbytes=... irqs=... cpu_ticks=...
. "$LAB_DIR/scenarios/virtio-common.host.inc"
vio_host_tools || result tools FAIL "no iperf3 on the host side"
jobs=$(vio_param iovirt.bench_jobs | tr ',' ' ')
rounds=$(vio_param iovirt.bench_rounds)
mem=512M
br=iovirt-bnbr
ip link del "$br" 2>/dev/null
ip link add "$br" type bridge && ip addr add 10.0.6.1/24 dev "$br" && ip link set "$br" up ||
	result bridge FAIL "could not make the bridge $br"
taps="iovirt-bn0 iovirt-bn1 iovirt-bn2"
for t in $taps; do
	lab_tap_delete "$t" 2>/dev/null
	if command -v tunctl >/dev/null 2>&1; then
		tunctl -t "$t" >/dev/null
	else
		ip tuntap add dev "$t" mode tap
	fi && ip link set "$t" master "$br" && ip link set "$t" up ||
		result tap FAIL "could not make the tap $t"
done
iperf3 -s -B 10.0.6.1 >"$LAB_OUT/iperf3-server.log" 2>&1 &
server=$!
qemu_bin=/lab/bin/qemu
[ -x "$qemu_bin" ] || qemu_bin=$(command -v qemu-system-x86_64)

vio_bench_start net-iovirt "$LAB_VMM_BIN" run --kernel "$LAB_L3_KERNEL" --initrd "$LAB_INITRD" \
	--cmdline "$LAB_CMDLINE iovirt.bench_tag=net-iovirt iovirt.bench_host=0" \
	--cpus "$LAB_CPUS" --memory "$mem" --net "tap=iovirt-bn0,mac=52:54:00:12:34:10"
vio_bench_start net-qemu "$qemu_bin" -enable-kvm -cpu host -M q35 -m "$mem" \
	-smp "$LAB_CPUS" -nodefaults -display none -serial stdio -no-reboot \
	-kernel "$LAB_L3_KERNEL" -initrd "$LAB_INITRD" \
	-append "$LAB_CMDLINE iovirt.bench_tag=net-qemu iovirt.bench_host=1" \
	-netdev "tap,id=n0,ifname=iovirt-bn1,script=no,downscript=no,vhost=off" \
	-device virtio-net-pci,netdev=n0,mac=52:54:00:12:34:11
vio_bench_start net-ivbatch "$LAB_VMM_BIN" run --kernel "$LAB_L3_KERNEL" --initrd "$LAB_INITRD" \
	--cmdline "$LAB_CMDLINE iovirt.bench_tag=net-ivbatch iovirt.bench_host=2" \
	--cpus "$LAB_CPUS" --memory "$mem" --net "tap=iovirt-bn2,mac=52:54:00:12:34:12,sched=batch"
vmms="iovirt qemu ivbatch"
rev=""
for v in $vmms; do
	rev="$v $rev"
done
if vio_bench_wait_ready net-iovirt 1 && vio_bench_wait_ready net-qemu 1 &&
	vio_bench_wait_ready net-ivbatch 1; then
	r=1
	while [ "$r" -le "${rounds:-2}" ]; do
		order=$vmms
		[ $((r % 2)) = 0 ] && order=$rev
		for job in $jobs; do
			for v in $order; do
				vio_bench_job "net-$v" "$job" "net-$v-r$r"
			done
		done
		r=$((r + 1))
	done
else
	result ready FAIL "a guest never became ready"
fi
for v in $vmms; do
	vio_bench_stop "net-$v"
done
kill "$server" 2>/dev/null
wait "$server" 2>/dev/null
for t in $taps; do
	lab_tap_delete "$t" 2>/dev/null
done
ip link del "$br" 2>/dev/null
LAB_STATUS=0
