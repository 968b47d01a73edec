# SPDX-License-Identifier: GPL-2.0-only
# Host side of virtio-blk-fio-packed: a scratch image on virtio-mmio, packed ring.
img=$LAB_OUT/virtio-blk-fio.img
rm -f "$img"
truncate -s 160M "$img"
lab_vmm_run --disk "$img,transport=mmio,packed=on"
rm -f "$img"
