# SPDX-License-Identifier: GPL-2.0-only
# Host side of virtio-net: a tap with 10.0.3.1/24, a receiver on port 5001
# and a sender on 5002 (busybox nc), and the md5 checks of both directions.
tap=iovirt-net0
lab_tap_delete "$tap" 2>/dev/null
lab_tap_create "$tap" 10.0.3.1/24 || result tap FAIL "could not create $tap"
head -c 4194304 /dev/urandom >"$LAB_OUT/net-tx"
rm -f "$LAB_OUT/net-rx" "$LAB_OUT/net-hold"
# busybox nc quits when its stdin ends: the receiver's stdin is a FIFO held
# open (no data) while the guest runs.
mkfifo "$LAB_OUT/net-hold"
busybox nc -l -p 5001 <"$LAB_OUT/net-hold" >"$LAB_OUT/net-rx" 2>/dev/null &
rcv=$!
exec 4>"$LAB_OUT/net-hold"
busybox nc -l -p 5002 <"$LAB_OUT/net-tx" >/dev/null 2>&1 &
snd=$!
lab_vmm_run --net "tap=$tap"
exec 4>&-
kill "$rcv" "$snd" 2>/dev/null
wait "$rcv" "$snd" 2>/dev/null
sent=$(tr -d '\r' <"$LAB_LOG" | sed -n 's/^GUEST-TX \([0-9a-f]*\).*/\1/p' | head -n 1)
got=$(md5sum <"$LAB_OUT/net-rx" | cut -d' ' -f1)
if [ -n "$sent" ] && [ "$got" = "$sent" ]; then
	result tx PASS "4 MiB guest -> host intact (md5 $got)"
else
	result tx FAIL "host received md5 $got ($(wc -c <"$LAB_OUT/net-rx") bytes), the guest sent ${sent:-nothing}"
fi
want=$(md5sum <"$LAB_OUT/net-tx" | cut -d' ' -f1)
rx=$(tr -d '\r' <"$LAB_LOG" | sed -n 's/^GUEST-RX \([0-9a-f]*\).*/\1/p' | head -n 1)
if [ "$rx" = "$want" ]; then
	result rx PASS "4 MiB host -> guest intact (md5 $rx)"
else
	result rx FAIL "the guest received md5 ${rx:-nothing}, the host sent $want"
fi
lab_tap_delete "$tap" 2>/dev/null
rm -f "$LAB_OUT/net-tx" "$LAB_OUT/net-rx" "$LAB_OUT/net-hold"
