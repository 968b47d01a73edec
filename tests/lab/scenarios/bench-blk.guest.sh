# SPDX-License-Identifier: GPL-2.0-only
# Guest side of bench/lab/blk (not a test): fio on /dev/vda with O_DIRECT,
# the jobs named by iovirt.bench_jobs=, each iovirt.bench_rt= seconds, time
# based. Prints BENCH-START/BENCH-END around each job (the host samples the
# VMM's CPU time there) and BENCH-RESULT with the I/O count and the virtio
# interrupts the guest took.
# lab-tools: yes
# lab-memory: 512M
# lab-timeout: 1500
# lab-cmdline: iovirt.bench_jobs=randread4k,randwrite4k,seqread128k iovirt.bench_rt=8 iovirt.bench_rounds=3
disk=vda
if ! lab_wait_file /dev/$disk 10; then
	result disk FAIL "no /dev/$disk"
	return 0
fi
rt=$(lab_param iovirt.bench_rt || echo 8)
# Interrupts of the disk's virtio device (MSI-X vectors or the mmio line).
vdev=$(basename "$(readlink -f /sys/block/$disk/device)")
irqs() {
	grep -E "$vdev|virtio" /proc/interrupts | grep -v -E 'input|output|config' |
		awk '{for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) s += $i} END {print s + 0}'
}
for job in $(lab_param iovirt.bench_jobs | tr ',' ' '); do
	case "$job" in
	randread4k) args="--rw=randread --bs=4k --iodepth=32"; bs=4 ;;
	randwrite4k) args="--rw=randwrite --bs=4k --iodepth=32"; bs=4 ;;
	seqread128k) args="--rw=read --bs=128k --iodepth=8"; bs=128 ;;
	*) result "$job" FAIL "unknown job"; continue ;;
	esac
	i0=$(irqs)
	echo "BENCH-START $job"
	# shellcheck disable=SC2086
	fio --name="$job" --filename=/dev/$disk --ioengine=libaio --direct=1 $args \
		--runtime="$rt" --time_based --output-format=terse >/tmp/fio.out 2>&1
	echo "BENCH-END $job"
	i1=$(irqs)
	f=$(tail -n 1 /tmp/fio.out)
	kb=$(($(echo "$f" | cut -d';' -f6) + $(echo "$f" | cut -d';' -f47)))
	iops=$(($(echo "$f" | cut -d';' -f8) + $(echo "$f" | cut -d';' -f49)))
	echo "BENCH-RESULT $job ios=$((kb / bs)) iops=$iops irqs=$((i1 - i0))"
done
