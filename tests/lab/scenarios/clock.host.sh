# SPDX-License-Identifier: GPL-2.0-only
# Host side of "clock": the guest booted after the VMM started, so its clock
# minus its uptime cannot be earlier than the host's start time; and it read
# its clock before the VMM exited, so it cannot be later than the host's end
# time. Two seconds of slack on each side for the whole-second clocks.
t0=$(date +%s)
lab_vmm_run
t1=$(date +%s)
line=$(tr -d '\r' <"$LAB_LOG" | grep -m 1 '^GUEST-CLOCK ')
now=$(echo "$line" | sed -n 's/.*now=\([0-9]*\).*/\1/p')
up=$(echo "$line" | sed -n 's/.*uptime=\([0-9]*\).*/\1/p')
if [ -z "$now" ] || [ -z "$up" ]; then
	result clock FAIL "no GUEST-CLOCK line from the guest"
elif [ $((now - up)) -lt $((t0 - 2)) ]; then
	result clock FAIL "the guest's clock is $((t0 - now + up)) s behind: it says it booted before the VMM started"
elif [ "$now" -gt $((t1 + 2)) ]; then
	result clock FAIL "the guest's clock is $((now - t1)) s ahead of the host's when the VMM exited"
else
	result clock PASS "guest $now, host $t0..$t1 (VMM start..exit), guest uptime $up s"
fi
