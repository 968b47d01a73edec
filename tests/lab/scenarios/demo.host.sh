# SPDX-License-Identifier: GPL-2.0-only
# Host side of the demo: a scratch disk image and a tap for the guest.
img=$LAB_OUT/demo-disk.img
rm -f "$img"
truncate -s 64M "$img"
tap=iovirt-demo0
lab_tap_delete "$tap" 2>/dev/null
if ! lab_tap_create "$tap" 10.0.2.1/24; then
	result tap FAIL "could not create the tap $tap"
fi
lab_vmm_run --disk "$img" --net "tap=$tap" --rng
lab_tap_delete "$tap" 2>/dev/null
rm -f "$img"
