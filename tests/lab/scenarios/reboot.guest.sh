# SPDX-License-Identifier: GPL-2.0-only
# lab-kernel: bzImage
# Without --no-reboot a guest `reboot` restarts the VM. The guest cannot tell
# a first boot from a second, so the host side (reboot.host.sh) says what to
# do through the console: "reboot" after the first ready marker, "poweroff"
# after the second. Console input is the UART's receive path.
# lab-expect-exit: 0
# lab-timeout: 180
echo "IOVIRT-GUEST-WAITING for a command on the console"
cmd=""
if read -r -t 90 cmd </dev/console; then
	:
fi
case "$cmd" in
*poweroff*)
	result second-boot PASS "told to power off after a reboot"
	;;
*reboot*)
	echo "IOVIRT-GUEST-REBOOTING uptime=$(lab_uptime)"
	reboot -f
	sleep 1000000
	;;
*)
	result console-input FAIL "no command from the host on the console in 90 s (got '$cmd')"
	;;
esac
