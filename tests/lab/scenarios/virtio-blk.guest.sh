# SPDX-License-Identifier: GPL-2.0-only
# A virtio-blk disk (virtio-blk.host.sh gives a 64 MiB image): its size,
# raw writes read back, a file system made, used and checked. The host side
# then checks the image file holds what the guest wrote.
# lab-timeout: 180
if ! lab_wait_file /dev/vda 10; then
	result disk FAIL "no /dev/vda: $(ls /sys/class/block | tr '\n' ' ')"
	return 0
fi
mib=$(($(cat /sys/class/block/vda/size) / 2048))
if [ "$mib" = 64 ]; then
	result size PASS "/dev/vda is 64 MiB"
else
	result size FAIL "/dev/vda is $mib MiB, expected 64"
fi
# 4 MiB of random data at 40 MiB, through the page cache and back from the
# device after dropping it.
head -c 4194304 /dev/urandom >/tmp/blob
want=$(md5sum </tmp/blob | cut -d' ' -f1)
dd if=/tmp/blob of=/dev/vda bs=1M seek=40 conv=fsync 2>/dev/null
echo 3 >/proc/sys/vm/drop_caches
got=$(dd if=/dev/vda bs=1M skip=40 count=4 2>/dev/null | md5sum | cut -d' ' -f1)
if [ "$got" = "$want" ]; then
	result raw-io PASS "4 MiB written at 40 MiB and read back, md5 $got"
else
	result raw-io FAIL "read back md5 $got, wrote $want"
fi
echo "GUEST-BLOB $want"
# The file system lives in the first 32 MiB, clear of the blob.
if mkfs.ext4 -q -F /dev/vda 32M >/tmp/mkfs.out 2>&1 && mkdir -p /mnt &&
	mount -t ext4 /dev/vda /mnt && cp /tmp/blob /mnt/blob && sync && umount /mnt &&
	mount -t ext4 -o ro /dev/vda /mnt && [ "$(md5sum </mnt/blob | cut -d' ' -f1)" = "$want" ] &&
	umount /mnt; then
	result ext4 PASS "mkfs.ext4, mount, write, remount, read back"
else
	result ext4 FAIL "$(tr '\n' ' ' </tmp/mkfs.out | cut -c1-150) $(dmesg | tail -n 3 | tr '\n' '|')"
fi
if e2fsck -f -n /dev/vda >/tmp/fsck.out 2>&1; then
	result fsck PASS "e2fsck -f -n finds the file system clean"
else
	result fsck FAIL "$(tail -n 3 /tmp/fsck.out | tr '\n' '|')"
fi
# The block layer retries or falls back after some errors (mkfs survives a
# failed WRITE_ZEROES by writing zeros itself): any I/O error is a failure.
errs=$(dmesg | grep -c 'I/O error')
if [ "$errs" = 0 ]; then
	result io-errors PASS "no I/O errors in dmesg"
else
	result io-errors FAIL "$errs I/O errors: $(dmesg | grep -m 2 'I/O error' | tr '\n' '|')"
fi
