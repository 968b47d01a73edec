# SPDX-License-Identifier: GPL-2.0-only
# The platform the VMM builds, as Linux sees it: ACPI tables present and
# clean, the PCIe host bridge found, its config space reached through
# MMCONFIG (ECAM, from the ACPI MCFG table).
# lab-timeout: 120
# lab-cmdline: iomem=relaxed
dmesg >/tmp/dmesg
if [ -e /sys/firmware/acpi/tables/FACP ] && [ -e /sys/firmware/acpi/tables/DSDT ]; then
	result acpi-tables PASS "$(ls /sys/firmware/acpi/tables | grep -v -E '^(data|dynamic)$' | tr '\n' ' ')"
else
	result acpi-tables FAIL "no FACP/DSDT in /sys/firmware/acpi/tables"
fi
bad=$(grep -i -E 'ACPI (Error|Warning)|firmware bug' /tmp/dmesg | head -n 3 | tr '\n' '|')
if [ -z "$bad" ]; then
	result acpi-clean PASS "no ACPI errors or warnings, no firmware bug"
else
	result acpi-clean FAIL "$bad"
fi
hb=$(lspci -n 2>/dev/null | awk '$2 == "0600:" {print $1; exit}')
if [ -n "$hb" ]; then
	result host-bridge PASS "$(lspci -s "$hb" 2>/dev/null)"
else
	result host-bridge FAIL "lspci shows no host bridge (class 0600): $(lspci -n 2>&1 | tr '\n' '|')"
fi
# MMCONFIG: Linux took the ECAM window from the ACPI MCFG table and kept it,
# and the window answers: its first dword (bus 0, device 0, function 0) is
# the host bridge's device and vendor ID. Reading it needs iomem=relaxed,
# since the kernel has the window reserved.
mmcfg=$(grep -m 1 'PCI: MMCONFIG for' /tmp/dmesg)
base=$(echo "$mmcfg" | sed -n 's/.*(base \(0x[0-9a-f]*\)).*/\1/p')
rejected=$(grep -m 1 -i -E 'not using MMCONFIG|MMCONFIG.*not reserved' /tmp/dmesg)
if [ -z "$mmcfg" ] || [ -z "$base" ]; then
	result mmconfig FAIL "no 'PCI: MMCONFIG for ...' line in dmesg (is there an MCFG table?)"
elif [ -n "$rejected" ]; then
	result mmconfig FAIL "Linux rejected it: ${rejected#*] }"
else
	want=$(printf '0x%04X%04X' "$(cat /sys/bus/pci/devices/0000:00:00.0/device)" \
		"$(cat /sys/bus/pci/devices/0000:00:00.0/vendor)")
	got=$(devmem "$base" 32 2>&1)
	if [ "$got" = "$want" ]; then
		result mmconfig PASS "${mmcfg#*] }; ECAM at $base reads $got for 00:00.0"
	else
		result mmconfig FAIL "ECAM at $base reads '$got' for 00:00.0, expected $want"
	fi
fi
