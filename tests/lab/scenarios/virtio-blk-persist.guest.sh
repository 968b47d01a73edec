# SPDX-License-Identifier: GPL-2.0-only
# A virtio-blk disk across two boots of the same image
# (virtio-blk-persist.host.sh). Boot 1 (iovirt.phase=1): mkfs.ext4, a 16 MiB
# file of random data, sync, power off. Boot 2 (iovirt.phase=2, with the md5
# boot 1 printed as iovirt.want=): the file reads back identical, then it is
# deleted and fstrim discards the free space, which the host sees as blocks
# freed in the image file.
# lab-timeout: 180
. /lab/scenarios/virtio-common.guest.inc
disk=$(vio_disk 1)
phase=$(lab_param iovirt.phase)
if [ -z "$disk" ]; then
	result disk FAIL "no /dev/vda: $(ls /sys/class/block | tr '\n' ' ')"
	return 0
fi
mkdir -p /mnt
if [ "$phase" = 1 ]; then
	if ! mkfs.ext4 -q -F "/dev/$disk" >/tmp/mkfs.out 2>&1; then
		result mkfs FAIL "$(tr '\n' ' ' </tmp/mkfs.out | cut -c1-200)"
	elif ! mount -t ext4 "/dev/$disk" /mnt; then
		result mkfs FAIL "mount failed: $(dmesg | tail -n 2 | tr '\n' '|')"
	else
		result mkfs PASS "mkfs.ext4 and mount"
		head -c 16777216 /dev/urandom >/mnt/data
		sync
		sum=$(md5sum </mnt/data | cut -d' ' -f1)
		umount /mnt
		echo "PERSIST-MD5 $sum"
		result write PASS "16 MiB written to /mnt/data and synced, md5 $sum"
	fi
else
	want=$(lab_param iovirt.want)
	if ! mount -t ext4 "/dev/$disk" /mnt; then
		result mount FAIL "the file system did not mount again: $(dmesg | tail -n 2 | tr '\n' '|')"
		return 0
	fi
	got=$(md5sum </mnt/data 2>&1 | cut -d' ' -f1)
	if [ -n "$want" ] && [ "$got" = "$want" ]; then
		result readback PASS "after a power-off and a new boot /mnt/data has md5 $got"
	else
		result readback FAIL "/mnt/data has md5 $got, boot 1 wrote ${want:-nothing}"
	fi
	rm -f /mnt/data
	sync
	if fstrim -v /mnt >/tmp/fstrim.out 2>&1; then
		result fstrim PASS "$(cat /tmp/fstrim.out)"
	else
		result fstrim FAIL "$(cat /tmp/fstrim.out) (discard_max_bytes" \
			"$(cat /sys/block/$disk/queue/discard_max_bytes))"
	fi
	umount /mnt
	echo "PERSIST-TRIMMED"
	if e2fsck -f -n "/dev/$disk" >/tmp/fsck.out 2>&1; then
		result fsck PASS "e2fsck -f -n finds the file system clean"
	else
		result fsck FAIL "$(tail -n 3 /tmp/fsck.out | tr '\n' '|')"
	fi
fi
vio_dmesg_clean "dmesg-boot$phase"
