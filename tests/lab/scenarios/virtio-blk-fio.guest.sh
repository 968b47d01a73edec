# SPDX-License-Identifier: GPL-2.0-only
# fio with data verification on a virtio-blk disk (virtio-blk-fio.host.sh
# gives a 160 MiB image): random writes, then every block read back and its
# crc32c checked, with O_DIRECT, at 4 KiB and 128 KiB, queue depth 1 and 32,
# two to four jobs at once (each on its own slice of the disk).
# lab-tools: yes
# lab-memory: 512M
# lab-timeout: 420
want_transport=pci want_ring=split
. /lab/scenarios/virtio-blk-fio.guest.inc
