# SPDX-License-Identifier: GPL-2.0-only
# Host side of virtio-net-packed: a tap made with tunctl (one queue),
# 10.0.5.1/24, an iperf3 server.
. "$LAB_DIR/scenarios/virtio-common.host.inc"
tap=iovirt-pk0
vio_host_tools || result tools FAIL "no iperf3 for the host side"
lab_tap_delete "$tap" 2>/dev/null
lab_tap_create "$tap" 10.0.5.1/24 || result tap FAIL "could not create $tap"
iperf3 -s -B 10.0.5.1 >"$LAB_OUT/iperf3-server.log" 2>&1 &
server=$!
lab_vmm_run --net "tap=$tap,transport=mmio,packed=on"
kill "$server" 2>/dev/null
wait "$server" 2>/dev/null
lab_tap_delete "$tap" 2>/dev/null
