# SPDX-License-Identifier: GPL-2.0-only
# virtio-net on virtio-mmio with the packed ring, one queue pair, on a tap
# made beforehand (virtio-net-packed.host.sh): the checks of
# virtio-net.guest.inc (TSO, ping, iperf3 both ways).
# lab-tools: yes
# lab-memory: 512M
# lab-timeout: 300
net=10.0.5 want_transport=mmio want_ring=packed
. /lab/scenarios/virtio-net.guest.inc
