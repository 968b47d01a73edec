# SPDX-License-Identifier: GPL-2.0-only
# Host side of "reboot-no-reboot": one boot, then the VMM exits 0.
lab_vmm_run
boots=$(lab_count '^IOVIRT-GUEST-READY')
asked=$(lab_count '^IOVIRT-GUEST-REBOOTING')
if [ "$boots" = 1 ] && [ "$asked" = 1 ] && [ "$LAB_STATUS" = 0 ]; then
	result no-reboot PASS "one boot, the guest rebooted, the VMM exited 0"
else
	result no-reboot FAIL "$boots boots, $asked reboot requests, VMM status $LAB_STATUS"
fi
