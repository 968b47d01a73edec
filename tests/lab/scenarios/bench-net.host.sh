# SPDX-License-Identifier: GPL-2.0-only
# Host side of bench/lab/net (not a test): a tap (10.0.6.1/24) with an
# iperf3 server, and the guest under iovirt (--net tap=) and under QEMU's
# userspace virtio-net (virtio-net-pci, -netdev tap,vhost=off), alternating,
# iovirt.bench_rounds= times. Prints one RESULT line per measurement:
#   RESULT bench-net-VMM-rN-JOB PASS mbps=... mbytes=... irqs=... cpu_ticks=...
. "$LAB_DIR/scenarios/virtio-common.host.inc"
vio_host_tools || result tools FAIL "no iperf3 on the host side"
jobs=$(vio_param iovirt.bench_jobs)
rounds=$(vio_param iovirt.bench_rounds)
tap=iovirt-bn0
lab_tap_delete "$tap" 2>/dev/null
lab_tap_create "$tap" 10.0.6.1/24 || result tap FAIL "could not create $tap"
iperf3 -s -B 10.0.6.1 >"$LAB_OUT/iperf3-server.log" 2>&1 &
server=$!
iovirt_bin=$LAB_VMM_BIN
qemu_bin=/lab/bin/qemu
[ -x "$qemu_bin" ] || qemu_bin=$(command -v qemu-system-x86_64)

bench_vmm() {
	_tag=net-$1-r$2
	_cl="$LAB_CMDLINE iovirt.bench_tag=$_tag"
	case "$1" in
	iovirt)
		set -- "$iovirt_bin" run --kernel "$LAB_L3_KERNEL" --initrd "$LAB_INITRD" \
			--cmdline "$_cl" --cpus "$LAB_CPUS" --memory "$LAB_MEMORY" \
			--net "tap=$tap" ;;
	qemu)
		set -- "$qemu_bin" -enable-kvm -cpu host -M q35 -m "$LAB_MEMORY" \
			-smp "$LAB_CPUS" -nodefaults -display none -serial stdio -no-reboot \
			-kernel "$LAB_L3_KERNEL" -initrd "$LAB_INITRD" -append "$_cl" \
			-netdev "tap,id=n0,ifname=$tap,script=no,downscript=no,vhost=off" \
			-device virtio-net-pci,netdev=n0 ;;
	esac
	vio_bench_vmm "$_tag" "$jobs" "$@"
}

r=1
while [ "$r" -le "${rounds:-2}" ]; do
	if [ $((r % 2)) = 1 ]; then
		bench_vmm iovirt "$r"
		bench_vmm qemu "$r"
	else
		bench_vmm qemu "$r"
		bench_vmm iovirt "$r"
	fi
	r=$((r + 1))
done
kill "$server" 2>/dev/null
wait "$server" 2>/dev/null
lab_tap_delete "$tap" 2>/dev/null
LAB_STATUS=0
