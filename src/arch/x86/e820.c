// SPDX-License-Identifier: GPL-2.0-only
/*
 * The e820 memory map handed to Linux in boot_params: RAM below 640 KiB, the
 * BIOS area reserved (it holds the ACPI tables), RAM from 1 MiB to the 32-bit
 * hole, the ECAM window reserved (PCI firmware spec: MCFG areas must also be
 * reserved in the memory map, or Linux refuses MMCONFIG), and RAM above 4 GiB.
 */
#include <asm/e820.h>

#include "iovirt/layout.h"
#include "iovirt/x86.h"

static void e820_add(struct boot_e820_entry *e, unsigned *n, unsigned max, u64 addr, u64 size,
		     u32 type)
{
	if (*n < max && size)
		e[(*n)++] = (struct boot_e820_entry){ .addr = addr, .size = size, .type = type };
}

unsigned e820_build(u64 ram_below_4g, u64 ram_above_4g, struct boot_e820_entry *e, unsigned max)
{
	unsigned n = 0;

	e820_add(e, &n, max, 0, EBDA_START, E820_RAM);
	e820_add(e, &n, max, EBDA_START, LOW_RAM_END - EBDA_START, E820_RESERVED);
	e820_add(e, &n, max, ACPI_TABLES_ADDR, ACPI_TABLES_SIZE, E820_RESERVED);
	if (ram_below_4g > KERNEL_LOAD_ADDR)
		e820_add(e, &n, max, KERNEL_LOAD_ADDR, ram_below_4g - KERNEL_LOAD_ADDR, E820_RAM);
	e820_add(e, &n, max, PCI_ECAM_BASE, PCI_ECAM_SIZE, E820_RESERVED);
	e820_add(e, &n, max, HIGH_RAM_START, ram_above_4g, E820_RAM);
	return n;
}
