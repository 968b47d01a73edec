# SPDX-License-Identifier: GPL-2.0-only
# Host side of vhost-user: iovirt-vhost-blk on a 64 MiB image and
# iovirt-vswitch with one vhost-user port and a tap uplink (iovirt-vu0,
# 10.0.7.1/24 here, with an iperf3 server and two busybox nc); then the VMM
# with --disk vhost-user= and --net vhost-user=. The far end of the guest's
# network checks is this machine through the switch's uplink rather than a
# second L3 guest: two L3 guests booting at once on the L2's one CPU took
# 75-100 s to be ready instead of about 25 s, for no check that the uplink
# does not make as well (the front-end under test is the guest's).
# Afterwards: the transfers' md5s, the switch's counters for the guest's
# port and the uplink, and the back-ends still running, with clean logs.
. "$LAB_DIR/scenarios/vhost-common.host.inc"
. "$LAB_DIR/scenarios/virtio-common.host.inc"
blk_bin=$(vhu_prog iovirt-vhost-blk)
sw_bin=$(vhu_prog iovirt-vswitch)
tap=iovirt-vu0
img=$LAB_OUT/vhost-user.img
blk_sock=$LAB_OUT/vhost-user-blk.sock
sw_sock=$LAB_OUT/vhost-user-sw0.sock
blk_log=$LAB_OUT/vhost-user-blk.log
sw_log=$LAB_OUT/vhost-user-sw.log
rm -f "$img" "$blk_sock" "$sw_sock" "$blk_log" "$sw_log" "$LAB_OUT/vu-tx" "$LAB_OUT/vu-rx" \
	"$LAB_OUT/vu-hold"

if [ -z "$blk_bin" ] || [ -z "$sw_bin" ]; then
	result backends FAIL "no iovirt-vhost-blk or iovirt-vswitch (build them; mkimages" \
		"copies them from build/src/vhost/progs)"
	LAB_STATUS=missing
	return 0
fi
vio_host_tools || result tools FAIL "no iperf3 for the host side"
truncate -s 64M "$img"
"$blk_bin" --socket "$blk_sock" --disk "$img" --serial lab-vhost-blk --verbose \
	>"$blk_log" 2>&1 &
blk_pid=$!
vhu_track "$blk_pid"
"$sw_bin" --port "$sw_sock" --uplink "tap=$tap" --verbose >"$sw_log" 2>&1 &
sw_pid=$!
vhu_track "$sw_pid"
if ! vhu_wait_sock "$sw_sock" 20 || ! vhu_wait_sock "$blk_sock" 20 ||
	! vio_wait_link "$tap" 10; then
	result backends FAIL "the back-ends did not start: $(vhu_tail "$sw_log") $(vhu_tail "$blk_log")"
	vhu_cleanup
	LAB_STATUS=missing
	return 0
fi
ip addr add 10.0.7.1/24 dev "$tap" && ip link set "$tap" up ||
	result tap FAIL "could not configure the switch's uplink $tap"
result backends PASS "iovirt-vhost-blk (64 MiB image) and iovirt-vswitch (a vhost-user port," \
	"uplink $tap) started"
iperf3 -s -B 10.0.7.1 >"$LAB_OUT/iperf3-server.log" 2>&1 &
server=$!
vhu_track "$server"
# The transfers (as in virtio-net.host.sh): a receiver on 5001, whose stdin
# is a FIFO held open since busybox nc quits when its stdin ends, and a
# sender on 5002.
head -c 2097152 /dev/urandom >"$LAB_OUT/vu-tx"
mkfifo "$LAB_OUT/vu-hold"
busybox nc -l -p 5001 <"$LAB_OUT/vu-hold" >"$LAB_OUT/vu-rx" 2>/dev/null &
rcv=$!
vhu_track "$rcv"
exec 4>"$LAB_OUT/vu-hold"
busybox nc -l -p 5002 <"$LAB_OUT/vu-tx" >/dev/null 2>&1 &
vhu_track $!

lab_vmm_run --disk "vhost-user=$blk_sock" --net "vhost-user=$sw_sock,mac=52:54:00:07:00:01"
exec 4>&-

sent=$(vhu_field "$LAB_LOG" 'GUEST-TX ')
got=$(md5sum <"$LAB_OUT/vu-rx" | cut -d' ' -f1)
if [ -n "$sent" ] && [ "$got" = "$sent" ]; then
	result nc-tx PASS "2 MiB guest -> L2 over iovirt-vswitch intact (md5 $got)"
else
	result nc-tx FAIL "the L2 received md5 $got ($(wc -c <"$LAB_OUT/vu-rx") bytes), the guest" \
		"sent ${sent:-nothing}"
fi
want=$(md5sum <"$LAB_OUT/vu-tx" | cut -d' ' -f1)
rx=$(vhu_field "$LAB_LOG" 'GUEST-RX ')
if [ "${rx%% *}" = "$want" ]; then
	result nc-rx PASS "2 MiB L2 -> guest over iovirt-vswitch intact (md5 $want)"
else
	result nc-rx FAIL "the guest received '${rx:-nothing}', the L2 sent md5 $want"
fi

# The switch's own view: the guest's port (0) and the uplink (1) carried the
# traffic both ways. The drops are shown, not judged: frames flooded to a
# port whose guest has not yet set up its receive ring are dropped, by design.
kill -USR1 "$sw_pid" 2>/dev/null
vhu_wait_log "$sw_log" '^vswitch: mac table' 1 10
port0=$(grep -E '^vswitch: port 0 ' "$sw_log" | tail -n 1)
port1=$(grep -E '^vswitch: port 1 ' "$sw_log" | tail -n 1)
echo "$port0"
echo "$port1"
# "vswitch: port N NAME: rx P pkts B bytes D dropped, tx P pkts ..."
sw_count() {
	echo "$1" | sed -n "s/.*$2 \([0-9]*\) pkts.*/\1/p"
}
if [ "$(sw_count "$port0" rx)" -gt 1000 ] 2>/dev/null &&
	[ "$(sw_count "$port0" tx)" -gt 1000 ] 2>/dev/null &&
	[ "$(sw_count "$port1" rx)" -gt 1000 ] 2>/dev/null; then
	result switch PASS "the guest's port and the uplink carried the traffic both ways"
else
	result switch FAIL "switch counters: ${port0:-none} / ${port1:-none}"
fi

# Both back-ends must have survived the guest (a crash would have left the
# front-end reconnecting) and served it: one connection each.
alive=""
kill -0 "$blk_pid" 2>/dev/null || alive="$alive iovirt-vhost-blk"
kill -0 "$sw_pid" 2>/dev/null || alive="$alive iovirt-vswitch"
conns="$(grep -c 'front-end connected on' "$blk_log") $(grep -c 'front-end connected on' "$sw_log")"
vhu_cleanup
if [ -n "$alive" ]; then
	result backends-alive FAIL "gone before the end:$alive; $(vhu_tail "$blk_log")" \
		"$(vhu_tail "$sw_log")"
elif [ "$conns" != "1 1" ]; then
	result backends-alive FAIL "front-end connections (blk, switch): $conns, expected 1 1"
else
	result backends-alive PASS "both back-ends served the guest on one connection each"
fi
grep -E 'stopped|error' "$blk_log" | tail -n 2
if grep -q -E 'Sanitizer|runtime error' "$blk_log" "$sw_log"; then
	result backends-clean FAIL "a sanitizer report in the back-ends' logs"
fi
rm -f "$img" "$blk_sock" "$sw_sock" "$LAB_OUT/vu-tx" "$LAB_OUT/vu-rx" "$LAB_OUT/vu-hold"
