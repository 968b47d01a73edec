#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# iovirt-vhost-blk killed with SIGKILL and started again while a QEMU guest
# writes to it. QEMU (vhost-user-blk-pci, reconnect=1) keeps the inflight
# area the back-end set up (INFLIGHT_SHMFD) and hands it to the new
# back-end, which resubmits the requests that were in flight; the guest's
# writes complete without an error, and the data it reads back afterwards
# (caches dropped, O_DIRECT) is what it wrote.
# Two disks in one guest, each on a back-end of its own: one with a split
# ring, one with packed=on (where the new back-end must also find both ring
# positions in the area: QEMU sends the base of the ring's start). Both
# back-ends are killed up to four times (at least twice) while the guest
# writes; they write through (O_DIRECT) so that requests spend long enough
# in flight to be caught by a kill.
# Usage: qemu_blk_restart.sh IOVIRT_VHOST_BLK
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/qemu.sh"

BLK=${1:?usage: $0 IOVIRT_VHOST_BLK}
ROUNDS=6
qemu_check
qemu_kernel
QEMU_MODULES="virtio_pci virtio_blk"

cat > "$T/guest.sh" <<EOF
ROUNDS=$ROUNDS
EOF
cat >> "$T/guest.sh" <<'EOF'
for i in $(seq 100); do [ -b /dev/vda ] && [ -b /dev/vdb ] && break; sleep 0.1; done
for d in vda vdb; do
	# virtio 1.2 §6: feature bit 34 is VIRTIO_F_RING_PACKED.
	ring=split
	[ "$(cut -c35 /sys/block/$d/device/features)" = 1 ] && ring=packed
	say "DISK $d $(cat /sys/block/$d/serial) ring=$ring"
done
dd if=/dev/urandom of=/tmp/data bs=1M count=16 2>/dev/null
sum=$(sha256sum /tmp/data | cut -d' ' -f1)
say "WRITING"
for round in $(seq $ROUNDS); do
	for d in vda vdb; do
		for part in 0 1 2 3; do
			dd if=/tmp/data of=/dev/$d bs=256k seek=$((part * 64)) oflag=direct \
				conv=notrunc 2>/tmp/dd.$d.$part || echo fail > /tmp/fail.$d.$part &
		done
	done
	wait
	say "round $round written"
done
ls /tmp/fail.* > /dev/null 2>&1 && say "WRITE-ERROR $(cat /tmp/dd.*)"
echo 3 > /proc/sys/vm/drop_caches
ok=1
for d in vda vdb; do
	for part in 0 1 2 3; do
		got=$(dd if=/dev/$d bs=256k skip=$((part * 64)) count=64 iflag=direct 2>/dev/null |
			sha256sum | cut -d' ' -f1)
		[ "$got" = "$sum" ] || { ok=0; say "$d ($(cat /sys/block/$d/serial)) part $part differs"; }
	done
done
dmesg | grep -iE "I/O error|blk_update_request|timeout" | head -3
[ $ok = 1 ] && say "VERIFY-OK"
EOF

# The split ring's back-end serves split.img, the packed one packed.img (the serial the guest sees).
truncate -s 64M "$T/split.img" "$T/packed.img"
declare -A PID
start_blk() {
	"$BLK" --socket "$T/$1.sock" --disk "$T/$1.img" --direct --verbose 2>> "$T/$1.err" &
	PID[$1]=$!
	track ${PID[$1]}
}
for b in split packed; do
	start_blk $b
	wait_path "$T/$b.sock" 5 || fail "iovirt-vhost-blk ($b) did not come up"
done

qemu_initrd "$T/guest.sh"
qemu_boot qemu 300 \
	-chardev socket,id=blk0,path="$T/split.sock",reconnect=1 \
	-device vhost-user-blk-pci,chardev=blk0,num-queues=1 \
	-chardev socket,id=blk1,path="$T/packed.sock",reconnect=1 \
	-device vhost-user-blk-pci,chardev=blk1,num-queues=1,packed=on
wait_log "$T/qemu.log" "GUEST: WRITING" 120 || fail "the guest never started writing: $(tail -5 "$T/qemu.log")"
grep -q "GUEST: DISK .* split.img ring=split" "$T/qemu.log" || fail "split disk: $(grep DISK "$T/qemu.log")"
grep -q "GUEST: DISK .* packed.img ring=packed" "$T/qemu.log" || fail "packed disk: $(grep DISK "$T/qemu.log")"
kills=0
for kill in 1 2 3 4; do
	# Wait for QEMU to be connected to both back-ends (it retries every second).
	for i in $(seq 100); do
		[ "$(grep -c 'front-end connected' "$T/split.err")" -ge "$kill" ] &&
			[ "$(grep -c 'front-end connected' "$T/packed.err")" -ge "$kill" ] && break
		sleep 0.1
	done
	sleep 0.$((kill + 1))
	done_rounds=$(grep -c 'round . written' "$T/qemu.log")
	[ "$done_rounds" -lt $ROUNDS ] || break
	kill -9 ${PID[split]} ${PID[packed]}
	wait ${PID[split]} ${PID[packed]} 2>/dev/null
	kills=$kill
	echo "killed both back-ends (SIGKILL) during the guest's writes, $done_rounds of $ROUNDS rounds done"
	sleep 0.3
	start_blk split
	start_blk packed
done
[ $kills -ge 2 ] || fail "the guest had finished writing after $kills kill(s)"
wait $QEMU_PID
grep GUEST "$T/qemu.log"
for b in split packed; do
	connects=$(grep -c "front-end connected" "$T/$b.err")
	[ "$connects" -ge $((kills + 1)) ] ||
		fail "QEMU did not reconnect to the restarted $b back-ends ($connects connections)"
done
grep -q "GUEST: WRITE-ERROR" "$T/qemu.log" && fail "a write failed in the guest"
grep -q "GUEST: VERIFY-OK" "$T/qemu.log" || fail "data read back differs: $(tail -10 "$T/qemu.log")"
for b in split packed; do
	kill ${PID[$b]}
	wait ${PID[$b]} || fail "the last iovirt-vhost-blk ($b) did not exit cleanly"
	grep -E "Sanitizer|runtime error" "$T/$b.err" && fail "sanitizer report ($b)"
	echo "$b: $(grep -c 'handed out again' "$T/$b.err") restart(s) with requests resubmitted"
	grep -E "handed out again|resumes" "$T/$b.err"
done
echo PASS
