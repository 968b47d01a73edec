# SPDX-License-Identifier: GPL-2.0-only
# Host side of virtio-rebind: a disk image and a tap at 10.0.7.1/24 (the
# queue threads as SCHED_BATCH: sched=batch through resets too).
img=$LAB_OUT/virtio-rebind.img
rm -f "$img"
truncate -s 32M "$img"
tap=iovirt-rb0
lab_tap_delete "$tap" 2>/dev/null
lab_tap_create "$tap" 10.0.7.1/24 || result tap FAIL "could not create $tap"
lab_vmm_run --disk "$img,sched=batch" --net "tap=$tap,sched=batch"
lab_tap_delete "$tap" 2>/dev/null
rm -f "$img"
