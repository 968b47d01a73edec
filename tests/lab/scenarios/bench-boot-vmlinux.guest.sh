# SPDX-License-Identifier: GPL-2.0-only
# bench/lab/boot --kernel vmlinux: bench-boot with the L3 kernel as the ELF
# vmlinux inside the bzImage (QEMU boots it through its PVH entry).
# lab-timeout: 2400
# lab-cmdline: iovirt.bench_rounds=6 iovirt.bench_boot_timeout=240 iovirt.bench_kernel=vmlinux
. /lab/scenarios/bench-boot.guest.sh
