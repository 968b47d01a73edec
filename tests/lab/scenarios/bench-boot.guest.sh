# SPDX-License-Identifier: GPL-2.0-only
# Guest side of bench/lab/boot (not a test): the measurement ends at the
# guest's IOVIRT-GUEST-INIT and IOVIRT-GUEST-READY markers (printed by /init),
# so there is nothing left to do here but, in the profile boots
# (iovirt.bench_dmesg=1), say where the kernel's boot time went: each dmesg
# line that came at least 30 ms after the one before it, with that one.
# lab-timeout: 2400
# lab-cmdline: iovirt.bench_rounds=6 iovirt.bench_boot_timeout=240
if [ "$(lab_param iovirt.bench_dmesg)" = 1 ]; then
	dmesg | awk '
		{
			o = index($0, "]")
			t = substr($0, 2, o - 2) + 0
			if (NR > 1 && t - pt >= 0.03)
				printf "BOOT-GAP %.3f after [%s] %.70s | next %.70s\n", t - pt, \
					substr(prev, 2, po - 2) + 0, substr(prev, po + 2), substr($0, o + 2)
			pt = t; prev = $0; po = o
		}
		END { printf "BOOT-GAP end %.3f s at the last line, %d lines\n", pt, NR }'
fi
