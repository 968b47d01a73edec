# SPDX-License-Identifier: GPL-2.0-only
# Host side of vhost-dpdk: dpdk-testpmd with the vhost PMD listening on a
# socket (no hugepages: its mbufs are ordinary memory, the guest's memory
# comes by fd), io forwarding with its one port looped onto itself, both
# lcores on CPU 0 (the L2 has one). It runs interactively from a FIFO: the
# forwarding starts when the guest is ready, and its port counters are read
# when the guest has sent everything and seen it come back.
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
# In the L2, EAL has no plugin directory: it loads just the two it needs.
plugins=""
for p in librte_mempool_ring.so librte_net_vhost.so; do
	[ -f "/lab/dpdk/$p" ] && plugins="$plugins -d /lab/dpdk/$p"
done
mkdir -p /var/run   # EAL's runtime directory (no --in-memory without hugepages)
# EAL loads a plugin only if no directory above it is world-writable, and the
# L2's root is its initramfs, a tmpfs (mode 1777).
[ "$LAB_DIR" = /lab ] && chmod 755 /
mkfifo "$cmds"
# shellcheck disable=SC2086
"$testpmd" --no-huge -m 64 --no-pci --lcores 0@0,1@0 --file-prefix lab-vhost $plugins \
	--vdev "net_vhost0,iface=$sock" -- -i --total-num-mbufs=2048 --port-topology=loop \
	--forward-mode=io <"$cmds" >"$log" 2>&1 &
testpmd_pid=$!
vhu_track "$testpmd_pid"
exec 5>"$cmds"
if ! vhu_wait_sock "$sock" 60 || ! vhu_wait_log "$log" 'testpmd>' 1 60; then
	result testpmd FAIL "testpmd did not start: $(tail -n 5 "$log" | tr '\n' ' ' | cut -c1-300)"
	exec 5>&-
	vhu_cleanup
	LAB_STATUS=missing
	return 0
fi
result testpmd PASS "dpdk-testpmd (vhost PMD, io forwarding, looped port) listening"

lab_vmm_run --net "vhost-user=$sock,mac=52:54:00:08:00:01" &
runner=$!
stats=""
if vhu_wait_log "$LAB_LOG" '^DPDK-READY' 1 "$LAB_TIMEOUT"; then
	echo start >&5
	if vhu_wait_log "$LAB_LOG" '^DPDK-SENT ' 1 120; then
		n=$(grep -c 'RX-packets:' "$log")
		echo "show port stats all" >&5
		vhu_wait_log "$log" 'RX-packets:' $((n + 1)) 30 && stats=1
	fi
fi
wait "$runner"
LAB_STATUS=$(cat "$LAB_OUT/status")
echo stop >&5
echo quit >&5
exec 5>&-
guest=$(vhu_field "$LAB_LOG" 'DPDK-SENT ')
# guest_val KEY: KEY=value from the guest's DPDK-SENT line.
guest_val() {
	echo "$guest" | tr ' ' '\n' | sed -n "s/^$1=//p"
}
# pmd_val FIELD: the value after "FIELD:" in testpmd's last port statistics.
pmd_val() {
	grep -E "$1:" "$log" | tail -n 1 | sed -n "s/.*$1: *\([0-9]*\).*/\1/p"
}
if [ -z "$stats" ] || [ -z "$guest" ]; then
	result counters FAIL "no counters: the guest said '${guest:-nothing}', testpmd's log" \
		"ends $(tail -n 5 "$log" | tr '\n' ' ' | cut -c1-300)"
else
	rxp=$(pmd_val RX-packets) rxb=$(pmd_val RX-bytes)
	txp=$(pmd_val TX-packets) txb=$(pmd_val TX-bytes)
	gtx=$(guest_val tx) gtxb=$(guest_val tx_bytes)
	grx=$(guest_val rx) grxb=$(guest_val rx_bytes)
	detail="guest sent $gtx frames ($gtxb bytes), testpmd received $rxp ($rxb bytes)"
	if [ "$rxp" = "$gtx" ] && [ "$rxb" = "$gtxb" ] && [ "$gtx" -ge 200 ]; then
		result testpmd-rx PASS "$detail"
	else
		result testpmd-rx FAIL "$detail"
	fi
	detail="testpmd sent $txp frames ($txb bytes), the guest received $grx ($grxb bytes)"
	if [ "$txp" = "$rxp" ] && [ "$grx" = "$txp" ] && [ "$grxb" = "$txb" ]; then
		result testpmd-tx PASS "$detail"
	else
		result testpmd-tx FAIL "$detail"
	fi
fi
# testpmd exits on "quit"; a sanitizer or a crash would show in its log.
vhu_wait_log "$log" 'Bye' 1 20
grep -E 'NIC statistics|-packets|-errors|Bye' "$log" | tail -n 8
vhu_cleanup
rm -f "$sock" "$cmds"
