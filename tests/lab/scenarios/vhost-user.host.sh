# SPDX-License-Identifier: GPL-2.0-only
# Host side of vhost-user: iovirt-vswitch with two ports and
# iovirt-vhost-blk on a 128 MiB image, then two guests at once: the "peer"
# (--net on port 1) and the one under test (--net on port 0, --disk on the
# block back-end). While the guest's second fio verify runs (between its
# FIO-KILL-BEGIN and FIO-KILL-END lines) the block back-end is killed with
# SIGKILL and started again, until a restart found requests in flight (at
# most three kills); the front-end must reconnect and hand it the inflight
# area, and the guest's fio must see no error and verify every block.
. "$LAB_DIR/scenarios/vhost-common.host.inc"
blk_bin=$(vhu_prog iovirt-vhost-blk)
sw_bin=$(vhu_prog iovirt-vswitch)
img=$LAB_OUT/vhost-user.img
blk_sock=$LAB_OUT/vhost-user-blk.sock
sw0=$LAB_OUT/vhost-user-sw0.sock
sw1=$LAB_OUT/vhost-user-sw1.sock
blk_log=$LAB_OUT/vhost-user-blk.log
sw_log=$LAB_OUT/vhost-user-sw.log
rm -f "$img" "$blk_sock" "$sw0" "$sw1" "$blk_log" "$sw_log"
# The disk: in the L2 a RAM disk whose requests take 2 ms (null_blk), so
# that a kill finds requests in flight; elsewhere an image file.
blk_disk=$(vhu_slow_disk labvublk 128 2000000)
blk_opts=--direct
if [ -z "$blk_disk" ]; then
	truncate -s 128M "$img"
	blk_disk=$img blk_opts=""
fi

blk_start() {
	"$blk_bin" --socket "$blk_sock" --disk "$blk_disk" $blk_opts --serial lab-vhost-blk \
		--verbose >>"$blk_log" 2>&1 &
	blk_pid=$!
	vhu_track "$blk_pid"
}

if [ -z "$blk_bin" ] || [ -z "$sw_bin" ]; then
	result backends FAIL "no iovirt-vhost-blk or iovirt-vswitch (build them; mkimages" \
		"copies them from build/src/vhost/progs)"
	LAB_STATUS=missing
	return 0
fi
"$sw_bin" --port "$sw0" --port "$sw1" --verbose >"$sw_log" 2>&1 &
sw_pid=$!
vhu_track "$sw_pid"
blk_start
if ! vhu_wait_sock "$sw0" 20 || ! vhu_wait_sock "$sw1" 20 || ! vhu_wait_sock "$blk_sock" 20; then
	result backends FAIL "the back-ends did not listen: $(tail -n 3 "$sw_log" "$blk_log" |
		tr '\n' ' ' | cut -c1-300)"
	vhu_cleanup
	LAB_STATUS=missing
	return 0
fi
result backends PASS "iovirt-vswitch (2 ports) and iovirt-vhost-blk ($blk_disk, 128 MiB)" \
	"listening"

vhu_peer_start peer --net "vhost-user=$sw1,mac=52:54:00:07:00:02"
lab_vmm_run --disk "vhost-user=$blk_sock" --net "vhost-user=$sw0,mac=52:54:00:07:00:01" &
runner=$!

# blk_inflight: how many requests the running back-end has popped and not
# completed, from the inflight area it shares with the front-end (the
# memfd it made for GET_INFLIGHT_FD): one 16-byte header, then one 16-byte
# entry per descriptor whose first byte is its "inflight" flag.
blk_inflight() {
	for _f in /proc/"$blk_pid"/fd/*; do
		case "$(readlink "$_f")" in
		*vu-inflight*)
			od -A d -t u1 -v -w16 "$_f" | awk 'NR > 1 && $2 == 1 {n++} END {print n + 0}'
			return ;;
		esac
	done
	echo 0
}

# The kill/restart round, when the guest says its fio is running.
kills=0 resub=0
if vhu_wait_log "$LAB_LOG" '^FIO-KILL-BEGIN' 1 "$LAB_TIMEOUT"; then
	while [ "$kills" -lt 3 ] && [ "$(lab_count '^FIO-KILL-END')" -lt 1 ]; do
		# The guest's I/O is flowing through this back-end: it was connected
		# (once per start so far); kill it the moment its inflight area
		# shows requests it has popped and not completed (the L2 has one
		# CPU: while this shell runs, the back-end does not).
		vhu_wait_log "$blk_log" 'front-end connected' $((kills + 1)) 60 || break
		_i=0
		while [ "$(blk_inflight)" = 0 ] && [ "$_i" -lt 200 ] &&
			[ "$(lab_count '^FIO-KILL-END')" -lt 1 ]; do
			usleep 20000
			_i=$((_i + 1))
		done
		[ "$(lab_count '^FIO-KILL-END')" -lt 1 ] || break
		kill -9 "$blk_pid"
		wait "$blk_pid" 2>/dev/null
		kills=$((kills + 1))
		echo "lab: killed iovirt-vhost-blk with SIGKILL ($kills) during the guest's fio verify"
		usleep 300000
		blk_start
		# The restart has been handed the inflight area once the front-end is
		# back; then its log says how many requests it handed out again.
		vhu_wait_log "$blk_log" 'front-end connected' $((kills + 1)) 60 || break
		sleep 1
		resub=$(sed -n 's/.* \([0-9]*\) request(s) in flight before a restart.*/\1/p' \
			"$blk_log" | awk '{s += $1} END {print s + 0}')
		[ "$resub" -gt 0 ] && break
	done
fi
wait "$runner"
LAB_STATUS=$(cat "$LAB_OUT/status")
vhu_peer_wait peer

# The 4 MiB transfer through the switch, as each side saw it.
sent=$(vhu_field "$LAB_LOG" 'GUEST-TX ')
secs=$(vhu_field "$LAB_LOG" 'GUEST-TX-TIME ')
set -- $(vhu_field "$LAB_OUT/peer.console" 'PEER-RX ')
if [ -n "$sent" ] && [ "$1" = "$sent" ] && [ "$2" = 4194304 ]; then
	result transfer PASS "4 MiB guest -> peer guest over TCP intact (md5 $1)," \
		"$(awk "BEGIN {if ($secs > 0) printf \"%.1f MB/s\", 4.194304 / $secs}") in ${secs:-?} s"
else
	result transfer FAIL "the peer received md5 ${1:-nothing} (${2:-0} bytes), the guest sent" \
		"${sent:-nothing}"
fi

connects=$(grep -c 'front-end connected' "$blk_log")
if [ "$kills" -lt 1 ]; then
	result blk-kill FAIL "the back-end was never killed (the guest printed" \
		"$(lab_count '^FIO-KILL-BEGIN') FIO-KILL-BEGIN lines)"
elif [ "$connects" -le "$kills" ]; then
	result blk-kill FAIL "$kills kill(s) but only $connects connection(s): the front-end did" \
		"not reconnect"
elif [ "$resub" -lt 1 ]; then
	result blk-kill FAIL "$kills kill(s), $connects connections, but no restart found a" \
		"request in flight: the inflight path was not exercised"
else
	result blk-kill PASS "$kills SIGKILL(s) of iovirt-vhost-blk during fio verify, $connects" \
		"connections, $resub request(s) in flight handed out again by the restarted back-end"
fi
grep -E 'in flight before a restart|stopped' "$blk_log" | tail -n 4
# The switch's counters: what each port carried, and no drops.
kill -USR1 "$sw_pid" 2>/dev/null
vhu_wait_log "$sw_log" '^vswitch: mac table' 1 10
grep -E '^vswitch: port' "$sw_log" | tail -n 2
vhu_cleanup
if grep -q -E 'Sanitizer|runtime error' "$blk_log" "$sw_log"; then
	result backends-clean FAIL "a sanitizer report in the back-ends' logs"
fi
vhu_slow_disk_remove labvublk
rm -f "$img"
