# SPDX-License-Identifier: GPL-2.0-only
# Four virtio-blk disks at once (virtio-blk-multi.host.sh), told apart by
# their serial numbers: a read-only one on virtio-pci, and writable ones on
# virtio-pci with the packed ring, on virtio-mmio with the split ring and on
# virtio-mmio with the packed ring. Each has the transport and ring it was
# given; the read-only disk reads back what the host put there and refuses
# writes; the writable disks take 4 MiB each, written to all three at once
# with O_DIRECT and read back after dropping the caches; the host checks the
# image files.
# lab-timeout: 200
. /lab/scenarios/virtio-common.guest.inc
lab_wait_file /dev/vdd 10
for d in /sys/block/vd*; do
	[ -e "$d" ] || continue
	dev=${d##*/}
	serial=$(cat "$d/serial" 2>/dev/null)
	eval "disk_$serial=$dev"
	feat=$(vio_features "block/$dev")
	ring=split
	vio_bit "$feat" 34 && ring=packed
	echo "DISK $dev serial=$serial transport=$(vio_transport "$d/device") ring=$ring ro=$(cat "$d/ro")"
	eval "ring_$serial=$ring transport_$serial=$(vio_transport "$d/device")"
done
for s in ro:pci:split pcipacked:pci:packed mmiosplit:mmio:split mmiopacked:mmio:packed; do
	IFS=: read -r serial tr ring <<-EOT
		$s
	EOT
	eval "dev=\$disk_$serial gtr=\$transport_$serial gring=\$ring_$serial"
	if [ -z "$dev" ]; then
		result "layout-$serial" FAIL "no disk with serial $serial: $(ls /sys/block | tr '\n' ' ')"
	elif [ "$gtr" = "$tr" ] && [ "$gring" = "$ring" ]; then
		result "layout-$serial" PASS "/dev/$dev: virtio-$tr, $ring ring negotiated"
	else
		result "layout-$serial" FAIL "/dev/$dev: virtio-$gtr, $gring ring; expected $tr, $ring"
	fi
done

# The read-only disk: what the host wrote reads back, writes are refused.
if [ -n "$disk_ro" ]; then
	want=$(lab_param iovirt.ro_md5)
	got=$(dd if="/dev/$disk_ro" bs=1M count=4 iflag=direct 2>/dev/null | md5sum | cut -d' ' -f1)
	if [ "$got" = "$want" ]; then
		result ro-read PASS "the read-only disk reads back the host's data (md5 $got)"
	else
		result ro-read FAIL "read md5 $got, the host wrote $want"
	fi
	if [ "$(cat /sys/block/$disk_ro/ro)" = 1 ]; then
		result ro-flag PASS "the kernel sees /dev/$disk_ro read-only (VIRTIO_BLK_F_RO)"
	else
		result ro-flag FAIL "/sys/block/$disk_ro/ro is $(cat /sys/block/$disk_ro/ro)"
	fi
	# Linux honours VIRTIO_BLK_F_RO before a request is made (EPERM); the
	# device's own refusal (IOERR) is in tests/unit/virtio/test_blk_req.c.
	head -c 65536 /dev/urandom >/tmp/junk
	if dd if=/tmp/junk of="/dev/$disk_ro" bs=64k oflag=direct conv=fsync >/tmp/dd.out 2>&1; then
		result ro-write FAIL "a write to the read-only disk succeeded"
	else
		result ro-write PASS "a write is refused: $(head -n 1 /tmp/dd.out)"
	fi
fi

# The writable disks: 4 MiB each at 8 MiB, all three written at once.
for serial in pcipacked mmiosplit mmiopacked; do
	eval "dev=\$disk_$serial"
	[ -n "$dev" ] || continue
	head -c 4194304 /dev/urandom >"/tmp/blob-$serial"
	dd if="/tmp/blob-$serial" of="/dev/$dev" bs=256k seek=32 oflag=direct conv=fsync \
		2>"/tmp/dd-$serial.out" &
done
wait
echo 3 >/proc/sys/vm/drop_caches
for serial in pcipacked mmiosplit mmiopacked; do
	eval "dev=\$disk_$serial"
	[ -n "$dev" ] || continue
	want=$(md5sum <"/tmp/blob-$serial" | cut -d' ' -f1)
	got=$(dd if="/dev/$dev" bs=256k skip=32 count=16 iflag=direct 2>/dev/null | md5sum | cut -d' ' -f1)
	echo "GUEST-BLOB $serial $want"
	if [ "$got" = "$want" ]; then
		result "rw-$serial" PASS "4 MiB written (three disks at once) and read back, md5 $got"
	else
		result "rw-$serial" FAIL "read back md5 $got, wrote $want: $(cat /tmp/dd-$serial.out | tr '\n' ' ')"
	fi
done
vio_dmesg_clean dmesg
