# SPDX-License-Identifier: GPL-2.0-only
# Host side of virtio-blk-durable: start the VMM, kill it with SIGKILL the
# moment the guest reports its third flushed pattern, then look for the
# three patterns in the image.
img=$LAB_OUT/virtio-blk-durable.img
rm -f "$img"
truncate -s 32M "$img"
lab_vmm_run --quiet --disk "$img" &
runner=$!
killed=""
_i=0
while [ "$_i" -lt $((LAB_TIMEOUT * 5)) ] && kill -0 "$runner" 2>/dev/null; do
	if [ "$(lab_count '^DURABLE 3 ')" -ge 1 ]; then
		# Only the VMM started here: the one whose command line has our image.
		for p in $(pidof "$(basename "$LAB_VMM_BIN")"); do
			if tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -q -F "$img"; then
				kill -9 "$p" && killed=$p
			fi
		done
		break
	fi
	usleep 200000
	_i=$((_i + 1))
done
wait "$runner"
LAB_STATUS=$(cat "$LAB_OUT/status")
grep -E '^(RESULT|DURABLE|IOVIRT-GUEST)' "$LAB_LOG" | tr -d '\r'
if [ -z "$killed" ]; then
	result kill FAIL "the guest never reported its third flushed pattern (VMM status $LAB_STATUS)"
else
	result kill PASS "VMM (pid $killed) killed with SIGKILL after the third flush, status $LAB_STATUS"
	for i in 1 2 3; do
		want=$(tr -d '\r' <"$LAB_LOG" | sed -n "s/^DURABLE $i \([0-9a-f]*\).*/\1/p" | head -n 1)
		got=$(dd if="$img" bs=1048576 skip="$i" count=1 2>/dev/null | md5sum | cut -d' ' -f1)
		if [ "$got" = "$want" ]; then
			result "pattern-$i" PASS "flushed pattern $i is in the image (md5 $got)"
		else
			result "pattern-$i" FAIL "the image has md5 $got at $i MiB, the guest flushed $want"
		fi
	done
fi
rm -f "$img"
