# SPDX-License-Identifier: GPL-2.0-only
# Host side of bench/lab/blk (not a test): the same fio jobs on one raw RAM
# disk (brd, which takes O_DIRECT), run by fio here (the limit), and inside
# the L3 guest under iovirt and under QEMU (virtio-blk-pci, aio=io_uring,
# cache=none), alternating, iovirt.bench_rounds= times. Prints one
# RESULT line per measurement:
#   RESULT bench-blk-VMM-rN-JOB PASS iops=... ios=... cpu_ticks=... vmm_ticks=...
# where cpu_ticks is the VMM process's CPU time during the job and vmm_ticks
# the same without the time its vCPUs spent in the guest.
. "$LAB_DIR/scenarios/virtio-common.host.inc"
vio_host_tools || result tools FAIL "no fio on the host side"
jobs=$(vio_param iovirt.bench_jobs)
rt=$(vio_param iovirt.bench_rt)
rounds=$(vio_param iovirt.bench_rounds)
dev=/dev/ram0
if [ ! -b $dev ]; then
	modprobe brd rd_nr=1 rd_size=262144 max_part=0 || result brd FAIL "modprobe brd failed"
fi
# Written once, so that reads find allocated pages.
dd if=/dev/zero of=$dev bs=1048576 count=256 oflag=direct 2>/dev/null
iovirt_bin=$LAB_VMM_BIN
qemu_bin=/lab/bin/qemu
[ -x "$qemu_bin" ] || qemu_bin=$(command -v qemu-system-x86_64)

l2_fio() {
	for job in $(echo "$jobs" | tr ',' ' '); do
		case "$job" in
		randread4k) args="--rw=randread --bs=4k --iodepth=32"; bs=4 ;;
		randwrite4k) args="--rw=randwrite --bs=4k --iodepth=32"; bs=4 ;;
		seqread128k) args="--rw=read --bs=128k --iodepth=8"; bs=128 ;;
		esac
		# shellcheck disable=SC2086
		f=$(fio --name="$job" --filename=$dev --ioengine=libaio --direct=1 $args \
			--runtime="$rt" --time_based --output-format=terse 2>&1 | tail -n 1)
		kb=$(($(echo "$f" | cut -d';' -f6) + $(echo "$f" | cut -d';' -f47)))
		iops=$(($(echo "$f" | cut -d';' -f8) + $(echo "$f" | cut -d';' -f49)))
		result "bench-blk-l2-r$1-$job" PASS "iops=$iops ios=$((kb / bs))"
	done
}

# bench_vmm VMM ROUND: the guest under VMM on the RAM disk.
bench_vmm() {
	_tag=blk-$1-r$2
	_cl="$LAB_CMDLINE iovirt.bench_tag=$_tag"
	case "$1" in
	iovirt)
		set -- "$iovirt_bin" run --kernel "$LAB_L3_KERNEL" --initrd "$LAB_INITRD" \
			--cmdline "$_cl" --cpus "$LAB_CPUS" --memory "$LAB_MEMORY" \
			--disk "$dev,cache=none" ;;
	qemu)
		set -- "$qemu_bin" -enable-kvm -cpu host -M q35 -m "$LAB_MEMORY" \
			-smp "$LAB_CPUS" -nodefaults -display none -serial stdio -no-reboot \
			-kernel "$LAB_L3_KERNEL" -initrd "$LAB_INITRD" -append "$_cl" \
			-drive "file=$dev,if=none,id=d0,format=raw,cache=none,aio=io_uring" \
			-device virtio-blk-pci,drive=d0 ;;
	esac
	vio_bench_vmm "$_tag" "$jobs" "$@"
}

r=1
while [ "$r" -le "${rounds:-2}" ]; do
	l2_fio "$r"
	if [ $((r % 2)) = 1 ]; then
		bench_vmm iovirt "$r"
		bench_vmm qemu "$r"
	else
		bench_vmm qemu "$r"
		bench_vmm iovirt "$r"
	fi
	r=$((r + 1))
done
LAB_STATUS=0
