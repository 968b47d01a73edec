// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for src/arch/x86/e820.c: sorted, non-overlapping, RAM where gmem has it. */
#include <asm/e820.h>

#include "check.h"
#include "iovirt/layout.h"
#include "iovirt/x86.h"

static void check_map(u64 below, u64 above)
{
	struct boot_e820_entry e[16];
	unsigned n = e820_build(below, above, e, 16);
	u64 ram = 0;

	CHECK(n >= 4);
	for (unsigned i = 0; i < n; i++) {
		CHECK(e[i].size > 0);
		if (i)
			CHECK(e[i - 1].addr + e[i - 1].size <= e[i].addr);
		if (e[i].type == E820_RAM) {
			ram += e[i].size;
			/* RAM never reaches into the 32-bit hole. */
			CHECK(e[i].addr >= HIGH_RAM_START || e[i].addr + e[i].size <= below);
		}
	}
	/* Everything but the BIOS area below 1 MiB is RAM. */
	CHECK_EQ(ram, below + above - (KERNEL_LOAD_ADDR - EBDA_START));
	/* The ECAM window is reserved (PCI Firmware spec; Linux checks it for MMCONFIG). */
	{
		bool ecam = false;

		for (unsigned i = 0; i < n; i++)
			if (e[i].type == E820_RESERVED && e[i].addr <= PCI_ECAM_BASE &&
			    e[i].addr + e[i].size >= PCI_ECAM_BASE + PCI_ECAM_SIZE)
				ecam = true;
		CHECK(ecam);
	}
}

int main(void)
{
	struct boot_e820_entry e[2];

	check_map(512ull << 20, 0);
	check_map(MEM_32BIT_GAP_START, 1ull << 30);
	check_map(MEM_32BIT_GAP_START, 61ull << 30);
	/* A short table is filled up to its size, never past it. */
	CHECK_EQ(e820_build(512ull << 20, 0, e, 2), 2);
	return check_done();
}
