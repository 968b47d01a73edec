# SPDX-License-Identifier: GPL-2.0-only
# Host side of virtio-blk: a 64 MiB image, then check that the 4 MiB the
# guest wrote at 40 MiB is in the file.
img=$LAB_OUT/virtio-blk.img
rm -f "$img"
truncate -s 64M "$img"
lab_vmm_run --disk "$img"
want=$(tr -d '\r' <"$LAB_LOG" | sed -n 's/^GUEST-BLOB \([0-9a-f]*\).*/\1/p' | head -n 1)
got=$(dd if="$img" bs=1048576 skip=40 count=4 2>/dev/null | md5sum | cut -d' ' -f1)
if [ -z "$want" ]; then
	result image FAIL "the guest reported no GUEST-BLOB"
elif [ "$got" = "$want" ]; then
	result image PASS "the image file holds the guest's 4 MiB (md5 $got)"
else
	result image FAIL "the image file has md5 $got at 40 MiB, the guest wrote $want"
fi
rm -f "$img"
