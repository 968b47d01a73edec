// SPDX-License-Identifier: GPL-2.0-only
/*
 * The FADT (ACPI 6.4 §5.2.9), revision 6.4, for a hardware-reduced platform
 * (§4.1): no PM1/GPE/PM-timer blocks, no FACS, no SCI; power-off and reboot
 * go through the sleep-control and reset registers of pm.c. The IA-PC boot
 * architecture flags say which legacy devices exist, so that the guest
 * neither probes for absent ones nor misses present ones. X_DSDT is filled
 * in by acpi.c once the DSDT is placed.
 */
#include "iovirt/layout.h"
#include "tables.h"

#define FADT_REVISION		6
#define FADT_MINOR_VERSION	4

static struct acpi_gas gas_io8(u16 port)
{
	return (struct acpi_gas){
		.AddressSpaceID = ACPI_GAS_SYSTEM_IO,
		.RegisterBitWidth = 8,
		.RegisterBitOffset = 0,
		.AccessSize = ACPI_GAS_ACCESS_BYTE,
		.Address = cpu_to_le64(port),
	};
}

int acpi_build_fadt(const struct acpi_config *c, struct aml *out)
{
	struct acpi_fadt f;
	u16 boot = FADT_BOOT_VGA_NOT_PRESENT;

	memset(&f, 0, sizeof(f));
	acpi_header_init(&f.Header, "FACP", sizeof(f), FADT_REVISION);
	f.FADT_Minor_Version = FADT_MINOR_VERSION;
	/*
	 * Table 5.10: a hardware-reduced platform (whose fixed-hardware fields
	 * OSPM then ignores), with the reset register, and no fixed-feature
	 * power or sleep button.
	 */
	f.Flags = cpu_to_le32(FADT_F_HW_REDUCED_ACPI | FADT_F_RESET_REG_SUP | FADT_F_PWR_BUTTON |
			      FADT_F_SLP_BUTTON);
	f.RESET_REG = gas_io8(PIO_ACPI_RESET);
	f.RESET_VALUE = ACPI_RESET_VALUE;
	/* §4.8.3.7–4.8.3.8: the hardware-reduced sleep registers. */
	f.SLEEP_CONTROL_REG = gas_io8(PIO_ACPI_SLEEP_CTL);
	f.SLEEP_STATUS_REG = gas_io8(PIO_ACPI_SLEEP_STS);
	/* Table 5.11. There is never a VGA; the rest depends on the machine. */
	if (c->com1 || c->i8042 || c->rtc)
		boot |= FADT_BOOT_LEGACY_DEVICES;
	if (c->i8042)
		boot |= FADT_BOOT_8042;
	if (!c->rtc)
		boot |= FADT_BOOT_CMOS_RTC_NOT_PRESENT;
	f.IAPC_BOOT_ARCH = cpu_to_le16(boot);
	/* Hypervisor Vendor Identity (§5.2.9): eight bytes naming the VMM. */
	memcpy(&f.Hypervisor_Vendor_Identity, "IOVIRT\0\0", 8);
	aml_bytes(out, &f, sizeof(f));
	return out->err;
}
