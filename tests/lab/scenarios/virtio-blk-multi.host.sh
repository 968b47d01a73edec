# SPDX-License-Identifier: GPL-2.0-only
# Host side of virtio-blk-multi: four images; the read-only one holds 4 MiB
# of random data (its md5 goes to the guest as iovirt.ro_md5=) and must not
# change; the others must hold the 4 MiB the guest says it wrote at 8 MiB
# (mmiopacked with SCHED_BATCH queue threads, sched=batch).
for s in ro pcipacked mmiosplit mmiopacked; do
	rm -f "$LAB_OUT/multi-$s.img"
	truncate -s 32M "$LAB_OUT/multi-$s.img"
done
dd if=/dev/urandom of="$LAB_OUT/multi-ro.img" bs=1048576 count=4 conv=notrunc 2>/dev/null
ro_md5=$(head -c 4194304 "$LAB_OUT/multi-ro.img" | md5sum | cut -d' ' -f1)
ro_all=$(md5sum <"$LAB_OUT/multi-ro.img" | cut -d' ' -f1)
_cmdline0=$LAB_CMDLINE
LAB_CMDLINE="$_cmdline0 iovirt.ro_md5=$ro_md5"
lab_vmm_run --disk "$LAB_OUT/multi-ro.img,readonly=on,serial=ro" \
	--disk "$LAB_OUT/multi-pcipacked.img,packed=on,serial=pcipacked" \
	--disk "$LAB_OUT/multi-mmiosplit.img,transport=mmio,serial=mmiosplit" \
	--disk "$LAB_OUT/multi-mmiopacked.img,transport=mmio,packed=on,serial=mmiopacked,sched=batch"
LAB_CMDLINE=$_cmdline0
if [ "$(md5sum <"$LAB_OUT/multi-ro.img" | cut -d' ' -f1)" = "$ro_all" ]; then
	result ro-image PASS "the read-only image is unchanged"
else
	result ro-image FAIL "the read-only image changed"
fi
for s in pcipacked mmiosplit mmiopacked; do
	want=$(tr -d '\r' <"$LAB_LOG" | sed -n "s/^GUEST-BLOB $s \([0-9a-f]*\).*/\1/p" | head -n 1)
	got=$(dd if="$LAB_OUT/multi-$s.img" bs=1048576 skip=8 count=4 2>/dev/null | md5sum | cut -d' ' -f1)
	if [ -n "$want" ] && [ "$got" = "$want" ]; then
		result "image-$s" PASS "the image holds the guest's 4 MiB (md5 $got)"
	else
		result "image-$s" FAIL "the image has md5 $got at 8 MiB, the guest wrote ${want:-nothing}"
	fi
	rm -f "$LAB_OUT/multi-$s.img"
done
rm -f "$LAB_OUT/multi-ro.img"
