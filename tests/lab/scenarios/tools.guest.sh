# SPDX-License-Identifier: GPL-2.0-only
# The tools piece (fio, iperf3 and their libraries, appended to the guest's
# initramfs for scenarios that ask for it) is complete: each tool starts, and
# a short fio job runs.
# lab-tools: yes
# lab-memory: 768M
# lab-timeout: 240
for t in fio iperf3; do
	if v=$($t --version 2>&1 | head -n 1) && [ -n "$v" ]; then
		result "$t" PASS "$v"
	else
		result "$t" FAIL "$v"
	fi
done
if fio --name=lab --filename=/tmp/fio.dat --size=8M --rw=randrw --bs=4k --runtime=2 \
	--time_based --ioengine=psync --output-format=terse >/tmp/fio.out 2>&1; then
	result fio-job PASS "a 2 s randrw job on tmpfs ran"
else
	result fio-job FAIL "$(tail -n 2 /tmp/fio.out | tr '\n' ' ')"
fi
