# SPDX-License-Identifier: GPL-2.0-only
# virtio-blk-fio on virtio-mmio with the packed ring: the same fio jobs with
# crc32c verification (virtio-blk-fio.guest.inc).
# lab-tools: yes
# lab-memory: 512M
# lab-timeout: 420
want_transport=mmio want_ring=packed
. /lab/scenarios/virtio-blk-fio.guest.inc
