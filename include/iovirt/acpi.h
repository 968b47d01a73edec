/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ACPI: the tables the guest reads (RSDP at ACPI_TABLES_ADDR, XSDT, FADT
 * hardware-reduced, MADT, MCFG, DSDT, and DMAR when the IOMMU is on) and the
 * power-management registers the FADT points at.
 *
 * The machine describes itself in a struct acpi_config once every device
 * exists (acpi_config_init() reads what it can from the VM; the machine adds
 * the platform devices it created), then acpi_tables_install() writes the
 * tables into guest memory. acpi_build() is the pure part: config in, bytes
 * out, for tests and tools.
 */
#ifndef IOVIRT_ACPI_H
#define IOVIRT_ACPI_H

#include "types.h"

struct vm;

/* SLP_TYPx value for S5 (soft-off) in the DSDT's \_S5 package and the control register. */
#define ACPI_S5_SLP_TYP 5

/* Sleep-control, sleep-status and reset registers (pm.c). */
int acpi_pm_create(struct vm *vm) __must_check;

#define ACPI_MAX_PLATFORM_DEVICES 32
#define ACPI_HID_LEN 8		/* "LNRO0005" (ACPI ID) or "PNP0501" (PNP ID) */
#define ACPI_MAX_CPUS 1024	/* processor devices are named C000..C3FF */
#define ACPI_IOAPIC_PINS 24	/* KVM's in-kernel IOAPIC: GSIs 0..23 */

/* A device on no bus (virtio-mmio): one MMIO window and one interrupt. */
struct acpi_platform_dev {
	u64 base;
	u64 size;		/* the window must lie below 4 GiB */
	u32 gsi;		/* IOAPIC input, < ACPI_IOAPIC_PINS */
	bool level;		/* level-triggered (else edge); always active-high */
	char hid[ACPI_HID_LEN + 1];
};

struct acpi_config {
	unsigned ncpus;		/* vCPUs, APIC IDs 0..ncpus-1 */
	u64 mmio64_base;	/* the 64-bit PCI window; size 0: none */
	u64 mmio64_size;
	/* PCI INTx routing for the _PRT: the GSI of (slot 0..31, pin 0..3 = INTA..INTD). */
	unsigned (*intx_gsi)(unsigned slot, unsigned pin);
	/* Legacy devices the machine has, at their PC addresses (layout.h). */
	bool com1;		/* 16550 at 0x3F8, IRQ 4 */
	bool i8042;		/* keyboard controller at 0x60/0x64, IRQ 1 */
	bool rtc;		/* CMOS RTC at 0x70, IRQ 8 */
	struct acpi_platform_dev platform[ACPI_MAX_PLATFORM_DEVICES];
	unsigned nr_platform;
	/*
	 * The VT-d remapping unit at VTD_ADDR (DMAR table), when `dmar`: one DRHD
	 * with INCLUDE_PCI_ALL whose device scope names the IOAPIC. The machine
	 * sets these after acpi_config_init() when it creates the IOMMU.
	 */
	bool dmar;
	bool dmar_intr_remap;	/* interrupt remapping supported (DMAR flag INTR_REMAP) */
	u8 dmar_haw;		/* host address width in bits (e.g. 39, 48) */
	u16 ioapic_sid;		/* the IOAPIC's source-id (bus << 8 | devfn) in its MSIs */
};

/*
 * Defaults from the VM: CPU count, the 64-bit window, the legacy devices
 * found on the PIO bus, INTx routing from the PCI host; no platform devices,
 * no DMAR. Call it after the devices are created.
 */
void acpi_config_init(struct acpi_config *c, struct vm *vm);
/* Append a platform device; -ENOSPC when full, -EINVAL for a bad HID or window. */
int acpi_config_add_platform(struct acpi_config *c, u64 base, u64 size, u32 gsi, bool level,
			     const char *hid) __must_check;

/*
 * Build every table into buf (RSDP at offset 0), for a guest that will find
 * buf at base_gpa. Returns the bytes used, -EINVAL for a config it cannot
 * describe, -ENOSPC when buf is too small, -ENOMEM.
 */
int acpi_build(const struct acpi_config *c, u8 *buf, size_t size, u64 base_gpa) __must_check;

/* Build the tables and write them to guest memory at ACPI_TABLES_ADDR. */
int acpi_tables_install(struct vm *vm, const struct acpi_config *c) __must_check;

#endif
