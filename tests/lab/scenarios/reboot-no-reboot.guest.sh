# SPDX-License-Identifier: GPL-2.0-only
# A guest `reboot` with --no-reboot ends the VMM with exit status 0 and no
# second boot (reboot-no-reboot.host.sh counts the boots).
# lab-args: --no-reboot
# lab-expect-exit: 0
# lab-timeout: 120
echo "IOVIRT-GUEST-REBOOTING uptime=$(lab_uptime)"
reboot -f
sleep 1000000
