# SPDX-License-Identifier: GPL-2.0-only
# Host side of virtio-blk-fio: a scratch image; the guest checks its own data.
img=$LAB_OUT/virtio-blk-fio.img
rm -f "$img"
truncate -s 160M "$img"
lab_vmm_run --disk "$img"
rm -f "$img"
