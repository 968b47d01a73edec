# SPDX-License-Identifier: GPL-2.0-only
# virtio-net with two queue pairs on a multi-queue tap (virtio-net-mq.host.sh
# runs an iperf3 server on the tap's host side, 10.0.4.1): the link, offloads
# negotiated (TSO), ping, iperf3 guest -> host and host -> guest, and traffic
# seen on both queue pairs in each direction.
# lab-tools: yes
# lab-memory: 512M
# lab-timeout: 300
net=10.0.4 want_pairs=2 want_transport=pci want_ring=split
. /lab/scenarios/virtio-net.guest.inc
