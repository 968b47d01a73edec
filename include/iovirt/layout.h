/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The x86 machine's fixed address map. Everything that is not RAM is placed
 * here, in one table, so that ACPI, e820 and the devices agree.
 *
 *   0x0000_0000  RAM (low 640 KiB; boot data at fixed offsets below)
 *   0x000E_0000  ACPI tables (RSDP found by the guest's BIOS-area scan)
 *   0x0010_0000  RAM, up to min(memory, 3 GiB)
 *   0xC000_0000  PCI 32-bit MMIO window (BARs)
 *   0xE000_0000  PCIe ECAM, bus 0 only (1 MiB)
 *   0xF000_0000  platform MMIO (virtio-mmio slots)
 *   0xFEC0_0000  IOAPIC   0xFED9_0000 VT-d   0xFEE0_0000 LAPIC
 *   0x1_0000_0000 RAM above 4 GiB, then the 64-bit PCI window
 */
#ifndef IOVIRT_LAYOUT_H
#define IOVIRT_LAYOUT_H

#include "types.h"

/* Boot data in low memory (Linux boot protocol: all below 640 KiB or in RAM we reserve). */
#define BOOT_GDT_ADDR		0x00000500ull
#define BOOT_IDT_ADDR		0x00000520ull
#define BOOT_PARAMS_ADDR	0x00007000ull	/* the "zero page" */
#define BOOT_PML4_ADDR		0x00009000ull
#define BOOT_PDPT_ADDR		0x0000a000ull
#define BOOT_PD_ADDR		0x0000b000ull	/* 4 pages: 4 GiB of 2 MiB mappings */
#define BOOT_CMDLINE_ADDR	0x00020000ull
#define BOOT_CMDLINE_MAX	0x00010000ull
#define BOOT_STACK_TOP		0x0008ff00ull
#define EBDA_START		0x0009fc00ull
#define LOW_RAM_END		0x000a0000ull
#define ACPI_TABLES_ADDR	0x000e0000ull
#define ACPI_TABLES_SIZE	0x00020000ull
#define KERNEL_LOAD_ADDR	0x00100000ull

#define MEM_32BIT_GAP_START	0xc0000000ull
#define PCI_MMIO32_BASE		0xc0000000ull
#define PCI_MMIO32_SIZE		0x20000000ull
#define PCI_ECAM_BASE		0xe0000000ull
/*
 * One bus: the host bridge is bus 0 and every function, SR-IOV VFs included,
 * lives on it (pci_host_find). MCFG, the DSDT's bus range and the ECAM
 * window say so too: Linux takes MCFG's end bus as pcibios_last_bus and, at
 * boot, reads the vendor ID of every slot of every bus up to it that it has
 * not found (arch/x86/pci/legacy.c, the peer bridge fixup), through
 * 0xCF8/0xCFC: with 256 buses that was 8160 reads, 16320 port I/O exits,
 * 0.8-1.3 s of an L3 boot in the nested lab (bench/lab/boot).
 */
#define PCI_ECAM_BUSES		1u
#define PCI_ECAM_SIZE		((u64)PCI_ECAM_BUSES << 20)
#define PLATFORM_MMIO_BASE	0xf0000000ull
#define PLATFORM_MMIO_SLOT	0x1000ull
#define PLATFORM_MMIO_SLOTS	32u
#define IOAPIC_ADDR		0xfec00000ull
#define VTD_ADDR		0xfed90000ull
#define LAPIC_ADDR		0xfee00000ull
#define HIGH_RAM_START		0x100000000ull
#define PCI_MMIO64_SIZE		0x1000000000ull	/* 64 GiB, placed after high RAM */

/* I/O ports. */
#define PIO_I8042_DATA		0x60
#define PIO_I8042_CMD		0x64
#define PIO_RTC			0x70
#define PIO_COM1		0x3f8
#define PIO_ACPI_SLEEP_CTL	0x600	/* FADT SLEEP_CONTROL_REG */
#define PIO_ACPI_SLEEP_STS	0x601	/* FADT SLEEP_STATUS_REG */
#define PIO_ACPI_RESET		0x602	/* FADT RESET_REG */
#define ACPI_RESET_VALUE	0x42
#define PIO_PCI_CONFIG		0xcf8
#define PCI_PIO_BASE		0xc000u
#define PCI_PIO_SIZE		0x4000u

/* Legacy IRQs (ISA, IOAPIC pin == GSI). */
#define IRQ_COM1		4
#define IRQ_RTC			8
#define IRQ_PLATFORM_FIRST	5	/* virtio-mmio: 5, 6, 7, 9, 10, 11 ... */
#define IRQ_PCI_INTX_FIRST	16	/* PCI INTA..INTD → GSI 16..19 (swizzled) */

#endif
