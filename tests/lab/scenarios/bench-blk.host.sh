# SPDX-License-Identifier: GPL-2.0-only
# Host side of bench/lab/blk (not a test): one raw RAM disk (brd, which takes
# O_DIRECT); the guest booted under iovirt (--disk /dev/ram0,cache=none),
# under iovirt with sched=batch queue threads (WHO ivbatch) and under QEMU
# (virtio-blk-pci, aio=io_uring, cache=none), all running; then,
# iovirt.bench_rounds= times, each fio job here on the RAM disk itself (the
# limit) and in each guest in turn, the VMMs' order reversed every round;
# with iovirt.bench_local=1 each job also runs on a RAM disk inside the first
# guest (WHO l3: what the guest itself can do).
# Prints one RESULT line per measurement:
#   RESULT bench-blk-WHO-rN-JOB PASS iops=... ios=... cpu_ticks=... ...
. "$LAB_DIR/scenarios/virtio-common.host.inc"
vio_host_tools || result tools FAIL "no fio on the host side"
jobs=$(vio_param iovirt.bench_jobs | tr ',' ' ')
rt=$(vio_param iovirt.bench_rt)
rounds=$(vio_param iovirt.bench_rounds)
local=$(vio_param iovirt.bench_local)
mem=512M
dev=/dev/ram0
if [ ! -b $dev ]; then
	modprobe brd rd_nr=1 rd_size=262144 max_part=0 || result brd FAIL "modprobe brd failed"
fi
# Written once, so that reads find allocated pages.
dd if=/dev/zero of=$dev bs=1048576 count=256 oflag=direct 2>/dev/null
qemu_bin=/lab/bin/qemu
[ -x "$qemu_bin" ] || qemu_bin=$(command -v qemu-system-x86_64)

l2_fio() {
	case "$2" in
	randread4k) args="--rw=randread --bs=4k --iodepth=32"; bs=4 ;;
	randwrite4k) args="--rw=randwrite --bs=4k --iodepth=32"; bs=4 ;;
	seqread128k) args="--rw=read --bs=128k --iodepth=8"; bs=128 ;;
	esac
	# shellcheck disable=SC2086
	f=$(fio --name="$2" --filename=$dev --ioengine=libaio --direct=1 $args \
		--runtime="$rt" --time_based --output-format=terse 2>&1 | tail -n 1)
	kb=$(($(echo "$f" | cut -d';' -f6) + $(echo "$f" | cut -d';' -f47)))
	iops=$(($(echo "$f" | cut -d';' -f8) + $(echo "$f" | cut -d';' -f49)))
	result "bench-blk-l2-r$1-$2" PASS "iops=$iops ios=$((kb / bs))"
}

vio_bench_start blk-iovirt "$LAB_VMM_BIN" run --kernel "$LAB_L3_KERNEL" --initrd "$LAB_INITRD" \
	--cmdline "$LAB_CMDLINE iovirt.bench_tag=blk-iovirt" --cpus "$LAB_CPUS" --memory "$mem" \
	--disk "$dev,cache=none"
vio_bench_start blk-ivbatch "$LAB_VMM_BIN" run --kernel "$LAB_L3_KERNEL" --initrd "$LAB_INITRD" \
	--cmdline "$LAB_CMDLINE iovirt.bench_tag=blk-ivbatch" --cpus "$LAB_CPUS" --memory "$mem" \
	--disk "$dev,cache=none,sched=batch"
vio_bench_start blk-qemu "$qemu_bin" -enable-kvm -cpu host -M q35 -m "$mem" \
	-smp "$LAB_CPUS" -nodefaults -display none -serial stdio -no-reboot \
	-kernel "$LAB_L3_KERNEL" -initrd "$LAB_INITRD" \
	-append "$LAB_CMDLINE iovirt.bench_tag=blk-qemu" \
	-drive "file=$dev,if=none,id=d0,format=raw,cache=none,aio=io_uring" \
	-device virtio-blk-pci,drive=d0
vmms="iovirt ivbatch qemu"
rev=""
for v in $vmms; do
	rev="$v $rev"
done
if vio_bench_wait_ready blk-iovirt 1 && vio_bench_wait_ready blk-ivbatch 1 &&
	vio_bench_wait_ready blk-qemu 1; then
	r=1
	while [ "$r" -le "${rounds:-2}" ]; do
		order=$vmms
		[ $((r % 2)) = 0 ] && order=$rev
		for job in $jobs; do
			l2_fio "$r" "$job"
			for v in $order; do
				vio_bench_job "blk-$v" "$job" "blk-$v-r$r"
			done
			# The same job on a RAM disk inside the (first) guest: its own limit.
			[ -n "$local" ] && vio_bench_job blk-iovirt "local-$job" "blk-l3-r$r"
		done
		r=$((r + 1))
	done
else
	result ready FAIL "a guest never became ready"
fi
for v in $vmms; do
	vio_bench_stop "blk-$v"
done
LAB_STATUS=0
