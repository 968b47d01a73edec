// SPDX-License-Identifier: GPL-2.0-only
/*
 * Assembles the ACPI tables (ACPI 6.4 §5.2): checks the configuration once,
 * has each table built into its own buffer, places them after the RSDP at
 * base_gpa, links them (RSDP → XSDT → FADT/MADT/MCFG/DMAR, FADT → DSDT) and
 * writes every checksum last, when nothing moves any more.
 *
 *   base_gpa + 0   RSDP (16-byte aligned, so the BIOS-area scan finds it too)
 *   then, each 16-byte aligned: XSDT, FADT, MADT, MCFG, [DMAR], DSDT
 */
#include <errno.h>

#include "iovirt/layout.h"
#include "tables.h"

#define TABLE_ALIGN 16

void acpi_header_init(struct acpi_header *h, const char sig[4], u32 len, u8 rev)
{
	memset(h, 0, sizeof(*h));
	memcpy(h->Signature, sig, 4);
	h->Length = cpu_to_le32(len);
	h->Revision = rev;
	memcpy(h->OEMID, ACPI_OEM_ID, 6);
	memcpy(h->OEMTableID, ACPI_OEM_TABLE_ID, 8);
	h->OEMRevision = cpu_to_le32(ACPI_OEM_REVISION);
	memcpy(h->CreatorID, ACPI_CREATOR_ID, 4);
	h->CreatorRevision = cpu_to_le32(ACPI_CREATOR_REVISION);
}

static u8 acpi_sum(const u8 *p, size_t n)
{
	u8 s = 0;

	while (n--)
		s += *p++;
	return s;
}

/* An ACPI ID (§6.1.5): four of [A-Z0-9] then four hex digits; or a PNP ID, AAA####. */
static bool hid_ok(const char *hid)
{
	size_t n = strnlen(hid, ACPI_HID_LEN + 1);

	if (aml_eisaid_value(hid) >= 0)
		return true;
	if (n != 8)
		return false;
	for (unsigned i = 0; i < 8; i++) {
		char c = hid[i];
		bool up = c >= 'A' && c <= 'Z', dig = c >= '0' && c <= '9';
		bool hex = dig || (c >= 'A' && c <= 'F');

		if (i < 4 ? !(up || dig) : !hex)
			return false;
	}
	return true;
}

static bool platform_ok(const struct acpi_platform_dev *d)
{
	return d->size && d->base + d->size >= d->base && d->base + d->size <= SZ_4G &&
	       d->gsi < ACPI_IOAPIC_PINS && hid_ok(d->hid);
}

int acpi_config_add_platform(struct acpi_config *c, u64 base, u64 size, u32 gsi, bool level,
			     const char *hid)
{
	struct acpi_platform_dev d = { .base = base, .size = size, .gsi = gsi, .level = level };

	if (!hid || strlen(hid) > ACPI_HID_LEN)
		return -EINVAL;
	strcpy(d.hid, hid);
	if (!platform_ok(&d))
		return -EINVAL;
	if (c->nr_platform >= ACPI_MAX_PLATFORM_DEVICES)
		return -ENOSPC;
	c->platform[c->nr_platform++] = d;
	return 0;
}

/*
 * Everything the builders rely on, checked in one place: the tables must not
 * describe something a guest would trip on (an interrupt two devices claim
 * with different triggers, a window that wraps, a GSI the IOAPIC lacks).
 */
static int acpi_config_check(const struct acpi_config *c)
{
	enum { FREE, ISA, PCI_INTX, PLATFORM } owner[ACPI_IOAPIC_PINS] = { FREE };

	if (c->ncpus < 1 || c->ncpus > ACPI_MAX_CPUS)
		return -EINVAL;
	if (c->mmio64_size && (!c->mmio64_base || c->mmio64_base + c->mmio64_size - 1 <
						   c->mmio64_base))
		return -EINVAL;
	if (!c->intx_gsi)
		return -EINVAL;
	owner[ACPI_GSI_TIMER] = ISA;	/* the MADT's IRQ 0 override */
	if (c->com1)
		owner[IRQ_COM1] = ISA;
	if (c->i8042)
		owner[ACPI_ISA_IRQ_KEYBOARD] = ISA;
	if (c->rtc)
		owner[IRQ_RTC] = ISA;
	for (unsigned slot = 0; slot < ACPI_PCI_SLOTS; slot++) {
		for (unsigned pin = 0; pin < 4; pin++) {
			unsigned gsi = c->intx_gsi(slot, pin);

			/*
			 * INTx lines are level-triggered, active-low and shared by
			 * design (PCI 3.0 §2.2.6), so never on an ISA (edge) input.
			 */
			if (gsi >= ACPI_IOAPIC_PINS || gsi < 16 || owner[gsi] == ISA)
				return -EINVAL;
			owner[gsi] = PCI_INTX;
		}
	}
	if (c->nr_platform > ACPI_MAX_PLATFORM_DEVICES)
		return -EINVAL;
	for (unsigned i = 0; i < c->nr_platform; i++) {
		const struct acpi_platform_dev *d = &c->platform[i];

		/* Exclusive interrupts: one device per GSI, and not the ISA timer's pins. */
		if (!platform_ok(d) || owner[d->gsi] != FREE || d->gsi == 0)
			return -EINVAL;
		owner[d->gsi] = PLATFORM;
	}
	if (c->dmar && (c->dmar_haw < 32 || c->dmar_haw > 64))
		return -EINVAL;
	return 0;
}

struct acpi_piece {
	const char *sig;
	int (*build)(const struct acpi_config *c, struct aml *out);
	struct aml t;
	size_t off;		/* from base_gpa */
	bool in_xsdt;
};

int acpi_build(const struct acpi_config *c, u8 *buf, size_t size, u64 base_gpa)
{
	struct acpi_piece p[] = {
		{ "FACP", acpi_build_fadt, .in_xsdt = true },
		{ "APIC", acpi_build_madt, .in_xsdt = true },
		{ "MCFG", acpi_build_mcfg, .in_xsdt = true },
		{ "DMAR", acpi_build_dmar, .in_xsdt = true },
		{ "DSDT", acpi_build_dsdt, .in_xsdt = false },
	};
	enum { FADT, MADT, MCFG, DMAR, DSDT, NPIECES };
	struct acpi_rsdp rsdp;
	struct acpi_header xsdt;
	size_t xsdt_off, xsdt_len, off;
	unsigned nx = 0;
	int ret;

	_Static_assert(ARRAY_SIZE(p) == NPIECES, "piece list");
	ret = acpi_config_check(c);
	if (ret)
		return ret;
	for (unsigned i = 0; i < NPIECES; i++) {
		aml_init(&p[i].t);
		if (i == DMAR && !c->dmar)
			continue;
		ret = p[i].build(c, &p[i].t);
		if (ret)
			goto out;
		if (p[i].t.len < sizeof(struct acpi_header) || memcmp(p[i].t.buf, p[i].sig, 4)) {
			ret = -EINVAL;	/* a builder bug: never hand the guest a torn table */
			goto out;
		}
		if (p[i].in_xsdt)
			nx++;
	}

	/* Layout. */
	xsdt_off = ALIGN_UP(sizeof(rsdp), TABLE_ALIGN);
	xsdt_len = sizeof(xsdt) + 8 * nx;
	off = ALIGN_UP(xsdt_off + xsdt_len, TABLE_ALIGN);
	for (unsigned i = 0; i < NPIECES; i++) {
		if (!p[i].t.len)
			continue;
		p[i].off = off;
		off = ALIGN_UP(off + p[i].t.len, TABLE_ALIGN);
	}
	if (off > size || base_gpa + off < base_gpa) {
		ret = -ENOSPC;
		goto out;
	}
	memset(buf, 0, off);

	/* FADT → DSDT: X_DSDT only (§5.2.9: DSDT must be zero when X_DSDT is used). */
	{
		struct acpi_fadt *f = (struct acpi_fadt *)p[FADT].t.buf;

		f->X_DSDT = cpu_to_le64(base_gpa + p[DSDT].off);
	}

	/* XSDT (§5.2.8): the header, then 64-bit addresses of every table but the DSDT. */
	acpi_header_init(&xsdt, "XSDT", (u32)xsdt_len, 1);
	memcpy(buf + xsdt_off, &xsdt, sizeof(xsdt));
	{
		u8 *e = buf + xsdt_off + sizeof(xsdt);

		for (unsigned i = 0; i < NPIECES; i++) {
			if (!p[i].t.len || !p[i].in_xsdt)
				continue;
			stn_le(e, 8, base_gpa + p[i].off);
			e += 8;
		}
	}

	/* Place and sum the tables. */
	for (unsigned i = 0; i < NPIECES; i++) {
		struct acpi_header *h;

		if (!p[i].t.len)
			continue;
		memcpy(buf + p[i].off, p[i].t.buf, p[i].t.len);
		h = (struct acpi_header *)(buf + p[i].off);
		h->Length = cpu_to_le32((u32)p[i].t.len);
		h->Checksum = 0;
		h->Checksum = (u8)-acpi_sum(buf + p[i].off, p[i].t.len);
	}
	{
		struct acpi_header *h = (struct acpi_header *)(buf + xsdt_off);

		h->Checksum = (u8)-acpi_sum(buf + xsdt_off, xsdt_len);
	}

	/* RSDP (§5.2.5.3): revision 2, XSDT only (no RSDT: the guest is 64-bit). */
	memset(&rsdp, 0, sizeof(rsdp));
	memcpy(rsdp.Signature, "RSD PTR ", 8);
	memcpy(rsdp.OEMID, ACPI_OEM_ID, 6);
	rsdp.Revision = 2;
	rsdp.Length = cpu_to_le32(sizeof(rsdp));
	rsdp.XsdtAddress = cpu_to_le64(base_gpa + xsdt_off);
	rsdp.Checksum = (u8)-acpi_sum((const u8 *)&rsdp, ACPI_RSDP_V1_LEN);
	rsdp.ExtendedChecksum = (u8)-acpi_sum((const u8 *)&rsdp, sizeof(rsdp));
	memcpy(buf, &rsdp, sizeof(rsdp));
	ret = (int)off;
out:
	for (unsigned i = 0; i < NPIECES; i++)
		aml_free(&p[i].t);
	return ret;
}
