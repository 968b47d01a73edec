# SPDX-License-Identifier: GPL-2.0-only
# Durability across a VMM crash (virtio-blk-durable.host.sh): the guest
# writes three 1 MiB patterns with O_DIRECT, each followed by fsync (a
# FLUSH request), and prints a marker once the flush has completed; then it
# keeps the disk busy. The host kills the VMM with SIGKILL as soon as it sees
# the third marker and checks that the image holds all three patterns.
# lab-expect-exit: 137
# lab-timeout: 150
. /lab/scenarios/virtio-common.guest.inc
disk=$(vio_disk 1)
if [ -z "$disk" ]; then
	result disk FAIL "no /dev/vda: $(ls /sys/class/block | tr '\n' ' ')"
	return 0
fi
for i in 1 2 3; do
	head -c 1048576 /dev/urandom >/tmp/pattern
	if dd if=/tmp/pattern of="/dev/$disk" bs=64k seek=$((i * 16)) oflag=direct conv=fsync \
		2>/tmp/dd.out; then
		echo "DURABLE $i $(md5sum </tmp/pattern | cut -d' ' -f1)"
	else
		result "write-$i" FAIL "$(tr '\n' ' ' </tmp/dd.out)"
	fi
done
result flushed PASS "three patterns written and flushed; now waiting to be killed"
# In flight when the VMM dies: writes elsewhere on the disk, none flushed.
while :; do
	dd if=/dev/urandom of="/dev/$disk" bs=64k seek=256 count=64 oflag=direct 2>/dev/null
done
