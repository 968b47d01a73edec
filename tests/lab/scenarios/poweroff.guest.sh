# SPDX-License-Identifier: GPL-2.0-only
# A guest `poweroff` ends the VMM with exit status 0 (checked by
# poweroff.host.sh and by the expected exit status).
# lab-expect-exit: 0
# lab-timeout: 120
result poweroff-sent PASS "calling poweroff -f at uptime $(lab_uptime)"
echo "IOVIRT-GUEST-DONE uptime=$(lab_uptime)"
poweroff -f
sleep 1000000
