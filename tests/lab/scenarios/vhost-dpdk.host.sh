# SPDX-License-Identifier: GPL-2.0-only
# Host side of vhost-dpdk: DPDK's testpmd with the vhost PMD listening on a
# socket (`--vdev net_vhost0,iface=SOCK`) as the back-end of the guest's NIC.
# testpmd's own memory is 2 MiB hugepages reserved here (EAL --in-memory);
# the guest's memory reaches it by fd. io forwarding with its one port looped
# onto itself, both lcores on CPU 0 (the L2 has one). It runs interactively
# from a FIFO: the forwarding (a busy-polling lcore) starts only once the
# guest is ready (with --no-flush-rx: by default `start` drops what waits in
# the receive queues, here the guest's first frames), and when the guest has
# sent everything and seen it come back the port statistics are asked for;
# testpmd's output is read after it quits (its stdout is a file, so fully
# buffered until then).
. "$LAB_DIR/scenarios/vhost-common.host.inc"
testpmd=$(command -v dpdk-testpmd)
sock=$LAB_OUT/vhost-dpdk.sock
log=$LAB_OUT/vhost-dpdk-testpmd.log
cmds=$LAB_OUT/vhost-dpdk-testpmd.in
rm -f "$sock" "$log" "$cmds"
if [ -z "$testpmd" ]; then
	result testpmd FAIL "no dpdk-testpmd (the L2's DPDK piece, or apt-get install dpdk)"
	LAB_STATUS=missing
	return 0
fi

# 48 pages of 2 MiB: testpmd's 64 MiB (-m) and EAL's own, given back at the end.
hp=/proc/sys/vm/nr_hugepages
hp_saved=$(cat $hp)
echo $((hp_saved + 48)) >$hp
hp_free=$(awk '/HugePages_Free/ {print $2}' /proc/meminfo)
if [ "${hp_free:-0}" -lt 48 ]; then
	result hugepages FAIL "reserved only ${hp_free:-0} of 48 2 MiB pages"
	echo "$hp_saved" >$hp
	LAB_STATUS=missing
	return 0
fi

# In the L2, EAL has no plugin directory: it loads just the two it needs.
plugins=""
for p in librte_mempool_ring.so librte_net_vhost.so; do
	[ -f "/lab/dpdk/$p" ] && plugins="$plugins -d /lab/dpdk/$p"
done
# EAL loads a plugin only if no directory above it is world-writable, and the
# L2's root is its initramfs (mode 1777).
[ "$LAB_DIR" = /lab ] && chmod 755 /
mkfifo "$cmds"
# shellcheck disable=SC2086
"$testpmd" -m 64 --in-memory --no-pci --lcores 0@0,1@0 $plugins \
	--vdev "net_vhost0,iface=$sock" -- -i --total-num-mbufs=2048 --port-topology=loop \
	--forward-mode=io --no-flush-rx <"$cmds" >"$log" 2>&1 &
testpmd_pid=$!
vhu_track "$testpmd_pid"
exec 5>"$cmds"
# The prompt is written unbuffered; the socket appears once the port started.
if ! vhu_wait_sock "$sock" 60 || ! vhu_wait_log "$log" 'testpmd>' 1 60; then
	result testpmd FAIL "testpmd did not start: $(vhu_tail "$log")"
	exec 5>&-
	vhu_cleanup
	echo "$hp_saved" >$hp
	LAB_STATUS=missing
	return 0
fi
result testpmd PASS "dpdk-testpmd (vhost PMD, io forwarding, looped port, hugepages) listening"

lab_vmm_run --net "vhost-user=$sock,mac=52:54:00:08:00:01" &
runner=$!
if vhu_wait_log "$LAB_LOG" '^DPDK-READY' 1 "$LAB_TIMEOUT"; then
	echo start >&5
	vhu_wait_log "$LAB_LOG" '^DPDK-SENT ' 1 120 && echo "show port stats all" >&5
fi
wait "$runner"
LAB_STATUS=$(cat "$LAB_OUT/status")
echo stop >&5
echo quit >&5
exec 5>&-
# testpmd says Bye on its way out; the bound only catches a hang.
_i=0
while kill -0 "$testpmd_pid" 2>/dev/null && [ "$_i" -lt 100 ]; do
	usleep 200000
	_i=$((_i + 1))
done
guest=$(vhu_field "$LAB_LOG" 'DPDK-SENT ')
# guest_val KEY: KEY=value from the guest's DPDK-SENT line.
guest_val() {
	echo "$guest" | tr ' ' '\n' | sed -n "s/^$1=//p"
}
# pmd_val FIELD: the value after "FIELD:" in testpmd's first port statistics
# (the ones asked for while the guest was up).
pmd_val() {
	sed -n "s/.*$1: *\([0-9]*\).*/\1/p" "$log" | head -n 1
}
rxp=$(pmd_val RX-packets) rxb=$(pmd_val RX-bytes)
txp=$(pmd_val TX-packets) txb=$(pmd_val TX-bytes)
if [ -z "$guest" ] || [ -z "$rxp" ]; then
	result counters FAIL "no counters: the guest said '${guest:-nothing}', testpmd's log" \
		"ends $(vhu_tail "$log")"
else
	gtx=$(guest_val tx) gtxb=$(guest_val tx_bytes)
	grx=$(guest_val rx) grxb=$(guest_val rx_bytes)
	detail="the guest sent $gtx frames ($gtxb bytes), testpmd received $rxp ($rxb bytes)"
	if [ "$rxp" = "$gtx" ] && [ "$rxb" = "$gtxb" ] && [ "$gtx" -ge 200 ]; then
		result testpmd-rx PASS "$detail"
	else
		result testpmd-rx FAIL "$detail"
	fi
	detail="testpmd sent $txp frames ($txb bytes) back, the guest received $grx ($grxb bytes)"
	if [ "$txp" = "$rxp" ] && [ "$grx" = "$txp" ] && [ "$grxb" = "$txb" ]; then
		result testpmd-tx PASS "$detail"
	else
		result testpmd-tx FAIL "$detail"
	fi
fi
# The forwarding statistics testpmd printed on stop, and its end.
sed -n '/Forward statistics for port 0/,/^ *-*$/p' "$log" | tr -s ' ' | head -n 6
grep -E 'Bye|rror' "$log" | tail -n 3
if kill -0 "$testpmd_pid" 2>/dev/null; then
	result testpmd-exit FAIL "testpmd did not quit: $(vhu_tail "$log")"
fi
vhu_cleanup
echo "$hp_saved" >$hp
rm -f "$sock" "$cmds"
