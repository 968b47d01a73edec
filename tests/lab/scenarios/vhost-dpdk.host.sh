# SPDX-License-Identifier: GPL-2.0-only
# Host side of vhost-dpdk: DPDK's testpmd with the vhost PMD listening on two
# sockets (`--vdev net_vhost0,iface=SOCK`, net_vhost1) as the back-ends of
# the guest's two NICs (split rings, and packed=on). testpmd's own memory is
# 2 MiB hugepages reserved here (EAL --in-memory); the guest's memory reaches
# it by fd. io forwarding with each port looped onto itself, both lcores on
# CPU 0 (the L2 has one). It runs interactively
# from a FIFO: the forwarding (a busy-polling lcore) starts only once the
# guest is ready (with --no-flush-rx: by default `start` drops what waits in
# the receive queues, here the guest's first frames), and when the guest has
# sent everything and seen it come back the port statistics are asked for;
# testpmd's output is read after it quits (its stdout is a file, so fully
# buffered until then).
. "$LAB_DIR/scenarios/vhost-common.host.inc"
testpmd=$(command -v dpdk-testpmd)
sock0=$LAB_OUT/vhost-dpdk0.sock
sock1=$LAB_OUT/vhost-dpdk1.sock
log=$LAB_OUT/vhost-dpdk-testpmd.log
cmds=$LAB_OUT/vhost-dpdk-testpmd.in
rm -f "$sock0" "$sock1" "$log" "$cmds"
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
	--vdev "net_vhost0,iface=$sock0" --vdev "net_vhost1,iface=$sock1" -- -i --total-num-mbufs=2048 --port-topology=loop \
	--forward-mode=io --no-flush-rx <"$cmds" >"$log" 2>&1 &
testpmd_pid=$!
vhu_track "$testpmd_pid"
exec 5>"$cmds"
# The prompt is written unbuffered; the socket appears once the port started.
if ! vhu_wait_sock "$sock0" 60 || ! vhu_wait_sock "$sock1" 10 ||
	! vhu_wait_log "$log" 'testpmd>' 1 60; then
	result testpmd FAIL "testpmd did not start: $(vhu_tail "$log")"
	exec 5>&-
	vhu_cleanup
	echo "$hp_saved" >$hp
	LAB_STATUS=missing
	return 0
fi
result testpmd PASS "dpdk-testpmd (two vhost PMD ports, io forwarding, each looped, hugepages)" \
	"listening"

lab_vmm_run --net "vhost-user=$sock0,mac=52:54:00:08:00:01" \
	--net "vhost-user=$sock1,mac=52:54:00:08:01:01,packed=on" &
runner=$!
if vhu_wait_log "$LAB_LOG" '^DPDK-READY' 1 "$LAB_TIMEOUT"; then
	echo start >&5
	vhu_wait_log "$LAB_LOG" '^DPDK-DONE' 1 120 && echo "show port stats all" >&5
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
# pmd_val PORT FIELD: the value after "FIELD:" in testpmd's port statistics
# for PORT (asked for once, while the guest was up).
pmd_val() {
	awk -v p="$1" -v f="$2:" '
		/NIC statistics for port/ { n = $0; sub(/.*for port /, "", n); sub(/ .*/, "", n)
			cur = (n == p); next }
		cur { for (i = 1; i < NF; i++) if ($i == f) { print $(i + 1); exit } }' "$log"
}
port=0
for ring in split packed; do
	guest=$(vhu_field "$LAB_LOG" "DPDK-SENT-$ring ")
	rxp=$(pmd_val $port RX-packets) rxb=$(pmd_val $port RX-bytes)
	txp=$(pmd_val $port TX-packets) txb=$(pmd_val $port TX-bytes)
	if [ -z "$guest" ] || [ -z "$rxp" ]; then
		result "counters-$ring" FAIL "no counters: the guest said '${guest:-nothing}'," \
			"testpmd's log ends $(vhu_tail "$log")"
		port=$((port + 1))
		continue
	fi
	# KEY=value pairs from the guest's line.
	gtx="" gtxb="" grx="" grxb=""
	for kv in $guest; do
		case "$kv" in
		tx=*) gtx=${kv#*=} ;;
		tx_bytes=*) gtxb=${kv#*=} ;;
		rx=*) grx=${kv#*=} ;;
		rx_bytes=*) grxb=${kv#*=} ;;
		esac
	done
	detail="$ring: the guest sent $gtx frames ($gtxb bytes), testpmd port $port received"
	detail="$detail $rxp ($rxb bytes)"
	if [ "$rxp" = "$gtx" ] && [ "$rxb" = "$gtxb" ] && [ "$gtx" -ge 200 ]; then
		result "testpmd-rx-$ring" PASS "$detail"
	else
		result "testpmd-rx-$ring" FAIL "$detail"
	fi
	detail="$ring: testpmd port $port sent $txp frames ($txb bytes) back, the guest received"
	detail="$detail $grx ($grxb bytes)"
	if [ "$txp" = "$rxp" ] && [ "$grx" = "$txp" ] && [ "$grxb" = "$txb" ] && [ "$txp" -ge 200 ]; then
		result "testpmd-tx-$ring" PASS "$detail"
	else
		result "testpmd-tx-$ring" FAIL "$detail"
	fi
	port=$((port + 1))
done
# The forwarding statistics testpmd printed on stop, and its end.
grep -E -A 2 'Forward statistics for port' "$log" | tr -s ' ' | grep -v '^--$'
grep -E 'Bye|rror' "$log" | tail -n 3
if kill -0 "$testpmd_pid" 2>/dev/null; then
	result testpmd-exit FAIL "testpmd did not quit: $(vhu_tail "$log")"
fi
vhu_cleanup
echo "$hp_saved" >$hp
rm -f "$sock0" "$sock1" "$cmds"
