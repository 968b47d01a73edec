# SPDX-License-Identifier: GPL-2.0-only
# lab-timeout: 120
# lab-kernel: bzImage
# Boot to the ready marker and check the vCPU count: the host passes the
# number it asked for as iovirt.cpus= (tests/lab/run --cpus N).
want=$(lab_param iovirt.cpus || echo 1)
got=$(nproc)
if [ "$got" = "$want" ]; then
	result nproc PASS "$got vCPUs"
else
	result nproc FAIL "nproc says $got, the VMM was asked for $want"
fi
result kernel PASS "$(uname -r)"
