/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Helpers shared by the ACPI table tests: a full machine configuration, the
 * INTx swizzle the PCI host documents (pci.h), and a table walker that finds
 * tables the way a guest does — RSDP → XSDT → tables, FADT → X_DSDT — and
 * checks every pointer and length against the buffer before following it.
 */
#ifndef IOVIRT_TEST_ACPI_H
#define IOVIRT_TEST_ACPI_H

#include "check.h"
#include "iovirt/acpi.h"
#include "iovirt/layout.h"

/* pci.h: "GSI 16 + ((slot + pin) % 4)". */
static inline unsigned test_intx_gsi(unsigned slot, unsigned pin)
{
	return 16 + (slot + pin) % 4;
}

static inline void test_config(struct acpi_config *c, unsigned ncpus)
{
	memset(c, 0, sizeof(*c));
	c->ncpus = ncpus;
	c->mmio64_base = 0x1000000000ull;
	c->mmio64_size = PCI_MMIO64_SIZE;
	c->intx_gsi = test_intx_gsi;
	c->com1 = true;
	c->i8042 = true;
	c->rtc = true;
}

static inline u32 test_ld32(const u8 *p)
{
	return (u32)ldn_le(p, 4);
}

static inline u8 test_sum(const u8 *p, size_t n)
{
	u8 s = 0;

	while (n--)
		s += *p++;
	return s;
}

/*
 * A table at guest address `gpa` of a buffer placed at `base`: NULL unless it
 * lies wholly inside the buffer with a plausible length.
 */
static inline const u8 *test_table_at(const u8 *buf, size_t len, u64 base, u64 gpa)
{
	u64 off = gpa - base;
	u32 tlen;

	if (gpa < base || off > len || len - off < 36)
		return NULL;
	tlen = test_ld32(buf + off + 4);
	if (tlen < 36 || tlen > len - off)
		return NULL;
	return buf + off;
}

/* Find a table by signature through the XSDT (and FADT for the DSDT). NULL if absent. */
static inline const u8 *test_find(const u8 *buf, size_t len, u64 base, const char *sig)
{
	const u8 *xsdt, *fadt = NULL;
	u32 n;

	if (len < 36)
		return NULL;
	xsdt = test_table_at(buf, len, base, ldn_le(buf + 24, 8));
	if (!xsdt)
		return NULL;
	n = (test_ld32(xsdt + 4) - 36) / 8;
	for (u32 i = 0; i < n; i++) {
		const u8 *t = test_table_at(buf, len, base, ldn_le(xsdt + 36 + 8 * i, 8));

		if (!t)
			return NULL;
		if (!memcmp(t, sig, 4))
			return t;
		if (!memcmp(t, "FACP", 4))
			fadt = t;
	}
	if (!strcmp(sig, "DSDT") && fadt && test_ld32(fadt + 4) >= 148)
		return test_table_at(buf, len, base, ldn_le(fadt + 140, 8));
	return NULL;
}

#endif
