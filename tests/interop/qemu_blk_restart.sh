#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# iovirt-vhost-blk killed with SIGKILL and started again while a QEMU guest
# writes to it. QEMU (vhost-user-blk-pci, reconnect=1) keeps the inflight
# area the back-end set up (INFLIGHT_SHMFD) and hands it to the new
# back-end, which resubmits the requests that were in flight; the guest's
# writes complete without an error, and the data it reads back afterwards
# (caches dropped, O_DIRECT) is what it wrote. Two kills, split rings.
# Usage: qemu_blk_restart.sh IOVIRT_VHOST_BLK
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/qemu.sh"

BLK=${1:?usage: $0 IOVIRT_VHOST_BLK}
qemu_check
qemu_kernel
QEMU_MODULES="virtio_pci virtio_blk"

cat > "$T/guest.sh" <<'EOF'
for i in $(seq 100); do [ -b /dev/vda ] && break; sleep 0.1; done
dd if=/dev/urandom of=/tmp/data bs=1M count=24 2>/dev/null
sum=$(sha256sum /tmp/data | cut -d' ' -f1)
say "WRITING"
fails=0
for round in $(seq 8); do
	for part in 0 1 2 3; do
		dd if=/tmp/data of=/dev/vda bs=256k seek=$((part * 96)) oflag=direct conv=notrunc \
			2>/tmp/dd.$part || echo fail > /tmp/dd.fail.$part &
	done
	wait
	say "round $round written"
done
[ -e /tmp/dd.fail.0 ] || [ -e /tmp/dd.fail.1 ] || [ -e /tmp/dd.fail.2 ] || [ -e /tmp/dd.fail.3 ] &&
	say "WRITE-ERROR $(cat /tmp/dd.*)"
echo 3 > /proc/sys/vm/drop_caches
ok=1
for part in 0 1 2 3; do
	got=$(dd if=/dev/vda bs=256k skip=$((part * 96)) count=96 iflag=direct 2>/dev/null | sha256sum | cut -d' ' -f1)
	[ "$got" = "$sum" ] || { ok=0; say "part $part differs"; }
done
dmesg | grep -iE "I/O error|blk_update_request|timeout" | head -3
[ $ok = 1 ] && say "VERIFY-OK"
EOF

truncate -s 128M "$T/disk.img"
start_blk() {
	"$BLK" --socket "$T/blk.sock" --disk "$T/disk.img" --verbose 2>> "$T/blk.err" &
	BLK_PID=$!
	track $BLK_PID
}
start_blk
wait_path "$T/blk.sock" 5 || fail "iovirt-vhost-blk did not come up"

qemu_initrd "$T/guest.sh"
qemu_boot qemu 240 \
	-chardev socket,id=blk,path="$T/blk.sock",reconnect=1 \
	-device vhost-user-blk-pci,chardev=blk,num-queues=1
wait_log "$T/qemu.log" "GUEST: WRITING" 120 || fail "the guest never started writing: $(tail -5 "$T/qemu.log")"
for kill in 1 2; do
	# Wait for QEMU to be connected to this back-end (it retries every second).
	for i in $(seq 100); do
		[ "$(grep -c 'front-end connected' "$T/blk.err")" -ge "$kill" ] && break
		sleep 0.1
	done
	sleep 0.$((kill * 2))
	kill -9 $BLK_PID
	wait $BLK_PID 2>/dev/null
	done_rounds=$(grep -c 'round . written' "$T/qemu.log")
	echo "killed the back-end (SIGKILL) during the guest's writes, $done_rounds of 8 rounds done"
	[ "$done_rounds" -lt 8 ] || fail "the guest had finished writing before kill $kill"
	sleep 0.3
	start_blk
done
wait $QEMU_PID
grep GUEST "$T/qemu.log"
connects=$(grep -c "front-end connected" "$T/blk.err")
[ "$connects" -ge 3 ] || fail "QEMU did not reconnect to the restarted back-ends ($connects connections)"
grep -q "GUEST: WRITE-ERROR" "$T/qemu.log" && fail "a write failed in the guest"
grep -q "GUEST: VERIFY-OK" "$T/qemu.log" || fail "data read back differs: $(tail -10 "$T/qemu.log")"
kill $BLK_PID
wait $BLK_PID || fail "the last iovirt-vhost-blk did not exit cleanly"
grep -E "Sanitizer|runtime error" "$T/blk.err" && fail "sanitizer report"
grep -E "stopped|handed out again" "$T/blk.err" | tail -4
echo PASS
