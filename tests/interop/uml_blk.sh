#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# User-mode Linux's own virtio_blk driver on iovirt-vhost-blk: fio writes
# random 4 KiB blocks with checksums through libaio/O_DIRECT and reads them
# back verified; then mkfs.ext4, a file written, the file system unmounted
# and mounted again, and the data read back identical; finally e2fsck on the
# host finds the image clean. Usage: uml_blk.sh IOVIRT_VHOST_BLK
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/uml.sh"

BLK=${1:?usage: $0 IOVIRT_VHOST_BLK}
uml_check
command -v fio >/dev/null || skip "fio not installed (apt-get install fio)"
command -v mkfs.ext4 >/dev/null || skip "e2fsprogs not installed"

truncate -s 128M "$T/disk.img"
"$BLK" --socket "$T/blk.sock" --disk "$T/disk.img" --queues 2 --verbose 2> "$T/blk.err" &
BLK_PID=$!
track $BLK_PID
wait_path "$T/blk.sock" 5 || fail "iovirt-vhost-blk did not come up: $(cat "$T/blk.err")"

{
	uml_init_head
	cat <<'EOF'
insmod $M/drivers/block/virtio_blk.ko
for i in $(seq 50); do [ -b /dev/vda ] && break; sleep 0.1; done
[ -b /dev/vda ] || { say "no /dev/vda"; poweroff -f; }
say "vda $(cat /sys/block/vda/size) sectors, serial $(cat /sys/block/vda/serial 2>/dev/null)"
fio --name=verify --filename=/dev/vda --rw=randwrite --bs=4k --size=32M --ioengine=libaio \
	--iodepth=16 --direct=1 --verify=crc32c --verify_fatal=1 --verify_state_save=0 \
	--output-format=terse --terse-version=3 > fio.out 2>&1
rc=$?
# terse v3: field 5 is the job's error number
err=$(awk -F';' '/^3;/ {print $5}' fio.out)
say "fio rc=$rc err=$err"
[ "$rc" = 0 ] && [ "$err" = 0 ] && say "FIO-VERIFY-OK"
mkfs.ext4 -q -F /dev/vda && say "MKFS-OK"
mkdir -p /run/mnt
mount -t ext4 /dev/vda /run/mnt || say "mount failed"
busybox dd if=/dev/urandom of=/run/mnt/data bs=1M count=8 2>/dev/null
sum1=$(busybox sha256sum /run/mnt/data | cut -d' ' -f1)
umount /run/mnt
# Drop every cached page, then read from the device again.
echo 3 > /proc/sys/vm/drop_caches
mount -t ext4 /dev/vda /run/mnt || say "remount failed"
sum2=$(busybox sha256sum /run/mnt/data | cut -d' ' -f1)
say "sums $sum1 $sum2"
[ -n "$sum1" ] && [ "$sum1" = "$sum2" ] && say "REMOUNT-DATA-OK"
umount /run/mnt
sync
poweroff -f
EOF
} > "$T/init-blk.sh"

uml_boot blk "$T/init-blk.sh" 120 "$T/blk.sock:2"
wait $UML_PID
grep GUEST "$T/blk.log"
grep -q "GUEST: FIO-VERIFY-OK" "$T/blk.log" || fail "fio verify did not pass in the guest: $(tail -20 "$T/blk.log")"
grep -q "GUEST: MKFS-OK" "$T/blk.log" || fail "mkfs.ext4 failed in the guest"
grep -q "GUEST: REMOUNT-DATA-OK" "$T/blk.log" || fail "data read back after remount differs"
e2fsck -fn "$T/disk.img" > "$T/fsck.out" 2>&1 || fail "e2fsck on the host: $(tail -5 "$T/fsck.out")"
kill $BLK_PID
wait $BLK_PID || fail "iovirt-vhost-blk did not exit cleanly"
grep -E "Sanitizer|runtime error" "$T/blk.err" && fail "sanitizer report"
grep "stopped" "$T/blk.err"
echo PASS
