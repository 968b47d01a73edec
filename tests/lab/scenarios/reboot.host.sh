# SPDX-License-Identifier: GPL-2.0-only
# Host side of "reboot": drive two boots through the guest's console input,
# then check that there were exactly two and that the VMM exited 0.
rm -f "$LAB_OUT/reboot.in"
mkfifo "$LAB_OUT/reboot.in"
(
	# Opening the FIFO waits for the VMM to open its end as stdin; keeping it
	# open until the VMM is gone means the VMM never sees end-of-file.
	exec 3>"$LAB_OUT/reboot.in"
	if lab_wait_count '^IOVIRT-GUEST-WAITING' 1 "$LAB_TIMEOUT"; then
		echo reboot >&3
		if lab_wait_count '^IOVIRT-GUEST-WAITING' 2 "$LAB_TIMEOUT"; then
			echo poweroff >&3
		fi
	fi
	while [ ! -e "$LAB_OUT/reboot.done" ]; do sleep 1; done
) &
ctl=$!
rm -f "$LAB_OUT/reboot.done"
lab_vmm_run --stdin "$LAB_OUT/reboot.in"
touch "$LAB_OUT/reboot.done"
wait "$ctl"
boots=$(lab_count '^IOVIRT-GUEST-READY')
if [ "$boots" = 2 ] && [ "$LAB_STATUS" = 0 ]; then
	result two-boots PASS "the guest booted twice, then the VMM exited 0"
else
	result two-boots FAIL "$boots boots, VMM status $LAB_STATUS"
fi
rm -f "$LAB_OUT/reboot.in" "$LAB_OUT/reboot.done"
