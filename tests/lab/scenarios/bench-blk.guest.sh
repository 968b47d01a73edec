# SPDX-License-Identifier: GPL-2.0-only
# Guest side of bench/lab/blk (not a test): fio jobs on /dev/vda with
# O_DIRECT, each iovirt.bench_rt= seconds, time based, one at a time when the
# host asks on the console ("go JOB", see vio_bench_start in
# virtio-common.host.inc). Each job runs between BENCH-START and BENCH-END
# lines (the host samples the VMM's CPU time there) and is followed by
# BENCH-RESULT with the I/O count and the disk's interrupts. A job named
# local-JOB runs JOB on a RAM disk inside this guest (brd) instead: no device,
# no VM exit per I/O, what the guest itself can do at most in this lab.
# lab-tools: yes
# lab-memory: 512M
# lab-timeout: 2400
# lab-cmdline: iovirt.bench_jobs=randread4k,randwrite4k,seqread128k iovirt.bench_rt=4 iovirt.bench_rounds=4 iovirt.bench_local=1
disk=vda
if ! lab_wait_file /dev/$disk 10; then
	result disk FAIL "no /dev/$disk"
	return 0
fi
rt=$(lab_param iovirt.bench_rt || echo 8)
# Interrupts of the disk's virtio device (its MSI-X vectors or mmio line).
vdev=$(basename "$(readlink -f /sys/block/$disk/device)")
irqs() {
	grep -E "$vdev" /proc/interrupts | grep -v config |
		awk '{for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) s += $i} END {print s + 0}'
}
# Requests the driver completed and merges the block layer made (stat fields 1, 2, 5, 6).
devstat() {
	awk '{print $1 + $5, $2 + $6}' /sys/block/$disk/stat
}
# The guest's own RAM disk for the local- jobs, written once so reads find pages.
if modprobe brd rd_nr=1 rd_size=131072 max_part=0 2>/dev/null && lab_wait_file /dev/ram0 10; then
	dd if=/dev/zero of=/dev/ram0 bs=1048576 count=128 oflag=direct 2>/dev/null
fi
echo "BENCH-QUEUE $(cd /sys/block/$disk/queue && for f in max_sectors_kb max_hw_sectors_kb \
	max_segments max_segment_size nr_requests scheduler; do printf '%s=%s ' $f "$(cat $f)"; done)"
stty -echo
echo "BENCH-READY"
while read -r cmd job; do
	[ "$cmd" = go ] || break
	dev=/dev/$disk
	case "$job" in local-*) dev=/dev/ram0 ;; esac
	case "${job#local-}" in
	randread4k) args="--rw=randread --bs=4k --iodepth=32"; bs=4 ;;
	randwrite4k) args="--rw=randwrite --bs=4k --iodepth=32"; bs=4 ;;
	seqread128k) args="--rw=read --bs=128k --iodepth=8"; bs=128 ;;
	*) echo "BENCH-RESULT $job unknown"; echo "BENCH-READY"; continue ;;
	esac
	i0=$(irqs)
	set -- $(devstat)
	r0=$1 m0=$2
	echo "BENCH-START $job"
	# shellcheck disable=SC2086
	fio --name="$job" --filename="$dev" --ioengine=libaio --direct=1 $args \
		--runtime="$rt" --time_based --output-format=terse >/tmp/fio.out 2>&1
	echo "BENCH-END $job"
	i1=$(irqs)
	set -- $(devstat)
	f=$(tail -n 1 /tmp/fio.out)
	kb=$(($(echo "$f" | cut -d';' -f6) + $(echo "$f" | cut -d';' -f47)))
	iops=$(($(echo "$f" | cut -d';' -f8) + $(echo "$f" | cut -d';' -f49)))
	echo "BENCH-RESULT $job ios=$((kb / bs)) iops=$iops irqs=$((i1 - i0)) reqs=$(($1 - r0))" \
		"merges=$(($2 - m0))"
	echo "BENCH-READY"
done
stty echo
