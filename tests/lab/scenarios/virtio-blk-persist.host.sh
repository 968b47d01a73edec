# SPDX-License-Identifier: GPL-2.0-only
# Host side of virtio-blk-persist: two boots on one 128 MiB image; between
# them and after, the image's allocated size (st_blocks) shows the guest's
# 16 MiB file arrive and, after fstrim, the space given back.
img=$LAB_OUT/virtio-blk-persist.img
rm -f "$img"
truncate -s 128M "$img"
_cmdline0=$LAB_CMDLINE
LAB_CMDLINE="$_cmdline0 iovirt.phase=1"
lab_vmm_run --disk "$img"
want=$(tr -d '\r' <"$LAB_LOG" | sed -n 's/^PERSIST-MD5 \([0-9a-f]*\).*/\1/p' | head -n 1)
kib1=$(($(stat -c %b "$img") * $(stat -c %B "$img") / 1024))
if [ "$LAB_STATUS" != 0 ] || [ -z "$want" ]; then
	result boot1 FAIL "the first boot ended with status $LAB_STATUS and no PERSIST-MD5"
elif [ "$kib1" -lt 16384 ]; then
	result allocated FAIL "the image holds $kib1 KiB after the guest wrote 16 MiB"
else
	result allocated PASS "the image holds $kib1 KiB after boot 1"
fi
LAB_CMDLINE="$_cmdline0 iovirt.phase=2 iovirt.want=$want"
lab_vmm_run --disk "$img"
kib2=$(($(stat -c %b "$img") * $(stat -c %B "$img") / 1024))
if [ "$(lab_count '^PERSIST-TRIMMED')" -lt 1 ]; then
	result discard FAIL "the second boot did not get to fstrim"
elif [ $((kib1 - kib2)) -ge 12288 ]; then
	result discard PASS "fstrim gave back $((kib1 - kib2)) KiB of the image file ($kib1 -> $kib2 KiB)"
else
	result discard FAIL "the image holds $kib2 KiB after fstrim, $kib1 KiB before"
fi
LAB_CMDLINE=$_cmdline0
rm -f "$img"
