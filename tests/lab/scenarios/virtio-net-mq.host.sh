# SPDX-License-Identifier: GPL-2.0-only
# Host side of virtio-net-mq: iovirt makes a two-queue tap (a tap made
# beforehand by tunctl has one queue and cannot take more), which gets
# 10.0.4.1/24 as soon as it appears; an iperf3 server listens there.
. "$LAB_DIR/scenarios/virtio-common.host.inc"
tap=iovirt-mq0
if ! vio_host_tools; then
	result tools FAIL "no iperf3 for the host side"
fi
lab_vmm_run --net "tap=$tap,queues=2" &
runner=$!
if vio_wait_link "$tap" 60; then
	ip addr add 10.0.4.1/24 dev "$tap" && ip link set "$tap" up ||
		result tap FAIL "could not configure $tap"
	iperf3 -s -B 10.0.4.1 >"$LAB_OUT/iperf3-server.log" 2>&1 &
	server=$!
else
	result tap FAIL "the VMM made no tap $tap"
fi
wait "$runner"
LAB_STATUS=$(cat "$LAB_OUT/status")
[ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
