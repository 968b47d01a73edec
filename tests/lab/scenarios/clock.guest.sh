# SPDX-License-Identifier: GPL-2.0-only
# The guest's wall clock agrees with the host's. The guest reports its clock
# and uptime; clock.host.sh checks them against the host's time when the VMM
# started (also passed in as iovirt.hosttime=) and when it exited.
# lab-timeout: 120
echo "GUEST-CLOCK now=$(date +%s) uptime=$(cut -d. -f1 /proc/uptime) host=$(lab_param iovirt.hosttime)"
