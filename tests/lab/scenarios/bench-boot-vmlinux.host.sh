# SPDX-License-Identifier: GPL-2.0-only
# Host side of bench-boot-vmlinux: bench-boot.host.sh, which reads
# iovirt.bench_kernel=vmlinux from the guest's command line.
. "$LAB_DIR/scenarios/bench-boot.host.sh"
