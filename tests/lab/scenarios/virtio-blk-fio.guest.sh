# SPDX-License-Identifier: GPL-2.0-only
# fio with data verification on a virtio-blk disk (virtio-blk-fio.host.sh
# gives a 160 MiB image): random writes, then every block read back and its
# crc32c checked, with O_DIRECT, at 4 KiB and 128 KiB, queue depth 1 and 32,
# two to four jobs at once (each on its own slice of the disk).
# lab-tools: yes
# lab-memory: 512M
# lab-timeout: 420
. /lab/scenarios/virtio-common.guest.inc
disk=$(vio_disk 1)
if [ -z "$disk" ]; then
	result disk FAIL "no /dev/vda: $(ls /sys/class/block | tr '\n' ' ')"
	return 0
fi
result disk PASS "/dev/$disk, $(($(cat /sys/class/block/$disk/size) / 2048)) MiB," \
	"$(ls /sys/block/$disk/mq | wc -l) queue(s)"
# name bs iodepth numjobs size-per-job
for spec in "4k-qd1 4k 1 2 4M" "4k-qd32 4k 32 4 4M" "128k-qd1 128k 1 2 16M" \
	"128k-qd32 128k 32 3 32M"; do
	set -- $spec
	t0=$(lab_uptime)
	if fio --name="$1" --filename=/dev/$disk --ioengine=libaio --direct=1 \
		--rw=randwrite --bs="$2" --iodepth="$3" --numjobs="$4" --size="$5" \
		--offset_increment="$5" --verify=crc32c --verify_fatal=1 \
		--do_verify=1 --group_reporting --output-format=terse \
		>/tmp/fio.out 2>&1; then
		# terse v3: field 6 read kB, 7 read bandwidth; 47/48 write kB, bandwidth
		f=$(tail -n 1 /tmp/fio.out)
		result "fio-$1" PASS "bs=$2 iodepth=$3 numjobs=$4 size=$5 each:" \
			"written $(echo "$f" | cut -d';' -f47) KiB," \
			"verified $(echo "$f" | cut -d';' -f6) KiB," \
			"$(awk "BEGIN {printf \"%.1f s\", $(lab_uptime) - $t0}")"
	else
		result "fio-$1" FAIL "$(grep -i -E 'verify|error|bad' /tmp/fio.out | head -n 3 |
			tr '\n' '|' | cut -c1-300)"
	fi
done
vio_dmesg_clean dmesg
