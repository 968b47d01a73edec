# SPDX-License-Identifier: GPL-2.0-only
# Host side of "poweroff": the VMM must exit by itself, with status 0, soon
# after the guest asked, not be killed by the timeout.
lab_vmm_run
if [ "$LAB_STATUS" = 0 ] && [ "$(lab_count '^RESULT poweroff-sent PASS')" -ge 1 ]; then
	result vmm-exit PASS "the VMM exited 0 after the guest's poweroff"
else
	result vmm-exit FAIL "status $LAB_STATUS after the guest's poweroff"
fi
