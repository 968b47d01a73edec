// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for the ACPI tables (src/arch/x86/acpi/): every table found the
 * way a guest finds it, with its checksum and length; XSDT entries and their
 * signatures; the FADT's hardware-reduced registers and boot flags; MADT
 * entries for 1, 2, 255, 256 and ACPI_MAX_CPUS vCPUs; MCFG; DMAR on and off;
 * DSDT fragments; configurations the builder must refuse; buffers too small;
 * and acpi_tables_install() into a device-harness VM's memory. Field offsets
 * come from the specifications, not from the builder's structures.
 */
#include <errno.h>

#include "acpi_test.h"
#include "iovirt/vm.h"

#define BASE ACPI_TABLES_ADDR
static u8 buf[ACPI_TABLES_SIZE];

static int build(const struct acpi_config *c)
{
	memset(buf, 0xa5, sizeof(buf));
	return acpi_build(c, buf, sizeof(buf), BASE);
}

/* ACPI 6.4 §5.2.5.3 and §5.2.8: the root pointer and the XSDT; returns the entry count. */
static unsigned check_root(int len)
{
	const u8 *xsdt;
	u32 n;

	CHECK(len >= 36);
	if (len < 36)
		return 0;
	CHECK(!memcmp(buf, "RSD PTR ", 8));
	CHECK_EQ(test_sum(buf, 20), 0);
	CHECK_EQ(test_sum(buf, 36), 0);
	CHECK_EQ(buf[15], 2);			/* Revision */
	CHECK_EQ(test_ld32(buf + 20), 36);	/* Length */
	CHECK(!memcmp(buf + 9, "IOVIRT", 6));
	xsdt = test_table_at(buf, (size_t)len, BASE, ldn_le(buf + 24, 8));
	CHECK(xsdt != NULL);
	if (!xsdt)
		return 0;
	CHECK(!memcmp(xsdt, "XSDT", 4));
	CHECK_EQ(test_sum(xsdt, test_ld32(xsdt + 4)), 0);
	CHECK_EQ((test_ld32(xsdt + 4) - 36) % 8, 0);
	n = (test_ld32(xsdt + 4) - 36) / 8;
	for (u32 i = 0; i < n; i++) {
		const u8 *t = test_table_at(buf, (size_t)len, BASE, ldn_le(xsdt + 36 + 8 * i, 8));

		CHECK(t != NULL);
		if (!t)
			continue;
		CHECK_EQ(test_sum(t, test_ld32(t + 4)), 0);
		CHECK_EQ((t - buf) % 8, 0);
		CHECK(!memcmp(t + 10, "IOVIRT", 6));
		/* No table listed twice, and no DSDT in the XSDT (it hangs off the FADT). */
		CHECK(memcmp(t, "DSDT", 4));
		for (u32 j = 0; j < i; j++)
			CHECK(ldn_le(xsdt + 36 + 8 * j, 8) != ldn_le(xsdt + 36 + 8 * i, 8));
	}
	/* Nothing written past what the builder reported. */
	CHECK_EQ(buf[len], 0xa5);
	return n;
}

/* §5.2.9: the FADT of a hardware-reduced machine. */
static void check_fadt(int len, const struct acpi_config *c)
{
	const u8 *f = test_find(buf, (size_t)len, BASE, "FACP");
	const u8 *dsdt = test_find(buf, (size_t)len, BASE, "DSDT");
	u32 flags;
	u16 boot;

	CHECK(f && dsdt);
	if (!f || !dsdt)
		return;
	CHECK_EQ(test_ld32(f + 4), 276);
	CHECK_EQ(f[8], 6);			/* Revision */
	CHECK_EQ(f[131], 4);			/* FADT Minor Version */
	CHECK_EQ(test_ld32(f + 36), 0);		/* FIRMWARE_CTRL: no FACS */
	CHECK_EQ(ldn_le(f + 132, 8), 0);	/* X_FIRMWARE_CTRL */
	CHECK_EQ(test_ld32(f + 40), 0);		/* DSDT: zero when X_DSDT is used */
	CHECK_EQ(ldn_le(f + 140, 8), BASE + (u64)(dsdt - buf));
	CHECK_EQ(test_sum(dsdt, test_ld32(dsdt + 4)), 0);
	CHECK_EQ(dsdt[8], 2);			/* 64-bit integers */
	flags = test_ld32(f + 112);
	CHECK(flags & BIT(20));			/* HW_REDUCED_ACPI */
	CHECK(flags & BIT(10));			/* RESET_REG_SUP */
	/* RESET_REG: system I/O, 8 bits at PIO_ACPI_RESET, byte access. */
	CHECK_EQ(f[116], 1);
	CHECK_EQ(f[117], 8);
	CHECK_EQ(f[118], 0);
	CHECK_EQ(f[119], 1);
	CHECK_EQ(ldn_le(f + 120, 8), PIO_ACPI_RESET);
	CHECK_EQ(f[128], ACPI_RESET_VALUE);
	/* SLEEP_CONTROL_REG and SLEEP_STATUS_REG. */
	CHECK_EQ(f[244], 1);
	CHECK_EQ(f[245], 8);
	CHECK_EQ(ldn_le(f + 248, 8), PIO_ACPI_SLEEP_CTL);
	CHECK_EQ(f[256], 1);
	CHECK_EQ(f[257], 8);
	CHECK_EQ(ldn_le(f + 260, 8), PIO_ACPI_SLEEP_STS);
	/* No fixed hardware: PM1/GPE/PM timer blocks all empty. */
	for (unsigned off = 56; off < 88; off++)
		CHECK_EQ(f[off], 0);
	for (unsigned off = 148; off < 244; off++)
		CHECK_EQ(f[off], 0);
	CHECK(!memcmp(f + 268, "IOVIRT", 6));
	/* IAPC_BOOT_ARCH (Table 5.11). */
	boot = (u16)ldn_le(f + 109, 2);
	CHECK(boot & BIT(2));				/* VGA Not Present */
	CHECK_EQ(!!(boot & BIT(1)), c->i8042);		/* 8042 */
	CHECK_EQ(!!(boot & BIT(5)), !c->rtc);		/* CMOS RTC Not Present */
	CHECK_EQ(!!(boot & BIT(0)), c->com1 || c->i8042 || c->rtc);
}

/* §5.2.12: one enabled processor entry per vCPU, the IOAPIC, overrides, NMI. */
static void check_madt(int len, const struct acpi_config *c)
{
	const u8 *m = test_find(buf, (size_t)len, BASE, "APIC");
	unsigned lapic = 0, x2apic = 0, ioapic = 0, nmi = 0, x2nmi = 0, iso0 = 0;
	static u8 seen[ACPI_MAX_CPUS];
	u32 mlen, off;

	CHECK(m != NULL);
	if (!m)
		return;
	memset(seen, 0, sizeof(seen));
	mlen = test_ld32(m + 4);
	CHECK_EQ(m[8], 5);
	CHECK_EQ(test_ld32(m + 36), LAPIC_ADDR);
	CHECK_EQ(test_ld32(m + 40) & 1, 1);	/* PCAT_COMPAT */
	for (off = 44; off + 2 <= mlen;) {
		const u8 *e = m + off;
		u8 type = e[0], elen = e[1];

		CHECK(elen >= 2 && off + elen <= mlen);
		if (elen < 2 || off + elen > mlen)
			return;
		switch (type) {
		case 0:	/* Processor Local APIC */
			CHECK_EQ(elen, 8);
			CHECK_EQ(e[2], e[3]);			/* UID == APIC ID */
			CHECK(e[3] < c->ncpus && e[3] != 0xff);
			CHECK_EQ(test_ld32(e + 4), 1);		/* Enabled */
			if (e[3] < c->ncpus)
				seen[e[3]]++;
			lapic++;
			break;
		case 9: {	/* Processor Local x2APIC */
			u32 id = test_ld32(e + 4);

			CHECK_EQ(elen, 16);
			CHECK(id >= 255 && id < c->ncpus);	/* xAPIC entries cover 0..254 */
			CHECK_EQ(test_ld32(e + 12), id);
			CHECK_EQ(test_ld32(e + 8), 1);
			if (id < c->ncpus)
				seen[id]++;
			x2apic++;
			break;
		}
		case 1:	/* I/O APIC */
			CHECK_EQ(elen, 12);
			CHECK_EQ(test_ld32(e + 4), IOAPIC_ADDR);
			CHECK_EQ(test_ld32(e + 8), 0);		/* GSI base */
			ioapic++;
			break;
		case 2:	/* Interrupt Source Override */
			CHECK_EQ(elen, 10);
			CHECK_EQ(e[2], 0);			/* ISA */
			if (e[3] == 0) {
				CHECK_EQ(test_ld32(e + 4), 2);
				CHECK_EQ(ldn_le(e + 8, 2), 0x5);	/* edge, active-high */
				iso0++;
			} else {
				/* Only level-triggered platform devices get one. */
				bool found = false;

				for (unsigned i = 0; i < c->nr_platform; i++)
					if (c->platform[i].level && c->platform[i].gsi == e[3])
						found = true;
				CHECK(found);
				CHECK_EQ(test_ld32(e + 4), e[3]);
				CHECK_EQ(ldn_le(e + 8, 2), 0xd);	/* level, active-high */
			}
			break;
		case 4:	/* Local APIC NMI */
			CHECK_EQ(elen, 6);
			CHECK_EQ(e[2], 0xff);
			CHECK_EQ(e[5], 1);			/* LINT1 */
			nmi++;
			break;
		case 10:	/* Local x2APIC NMI */
			CHECK_EQ(elen, 12);
			CHECK_EQ(test_ld32(e + 4), 0xffffffffu);
			CHECK_EQ(e[8], 1);
			x2nmi++;
			break;
		default:
			CHECK_EQ(type, 0xff);	/* unexpected entry type */
		}
		off += elen;
	}
	CHECK_EQ(off, mlen);
	CHECK_EQ(lapic, MIN(c->ncpus, 255u));
	CHECK_EQ(x2apic, c->ncpus > 255 ? c->ncpus - 255 : 0);
	CHECK_EQ(ioapic, 1);
	CHECK_EQ(iso0, 1);
	CHECK_EQ(nmi, 1);
	CHECK_EQ(x2nmi, c->ncpus > 255 ? 1 : 0);
	for (unsigned i = 0; i < c->ncpus; i++)
		if (seen[i] != 1)
			CHECK_EQ(i, ~0u);	/* every APIC ID exactly once */
}

/* PCI Firmware 3.3 §4.1.2. */
static void check_mcfg(int len)
{
	const u8 *m = test_find(buf, (size_t)len, BASE, "MCFG");

	CHECK(m != NULL);
	if (!m)
		return;
	CHECK_EQ(test_ld32(m + 4), 44 + 16);
	CHECK_EQ(ldn_le(m + 44, 8), PCI_ECAM_BASE);
	CHECK_EQ(ldn_le(m + 52, 2), 0);			/* segment */
	CHECK_EQ(m[54], 0);				/* start bus */
	CHECK_EQ(m[55], PCI_ECAM_BUSES - 1);		/* end bus */
}

/* VT-d §8.1, §8.3. */
static void check_dmar(int len, const struct acpi_config *c)
{
	const u8 *d = test_find(buf, (size_t)len, BASE, "DMAR");

	if (!c->dmar) {
		CHECK(d == NULL);
		return;
	}
	CHECK(d != NULL);
	if (!d)
		return;
	CHECK_EQ(test_ld32(d + 4), 48 + 16 + 8);
	CHECK_EQ(d[36], c->dmar_haw - 1);
	CHECK_EQ(d[37] & 1, c->dmar_intr_remap);
	CHECK_EQ(ldn_le(d + 48, 2), 0);			/* DRHD */
	CHECK_EQ(ldn_le(d + 50, 2), 16 + 8);
	CHECK_EQ(d[52] & 1, 1);				/* INCLUDE_PCI_ALL */
	CHECK_EQ(ldn_le(d + 56, 8), VTD_ADDR);
	CHECK_EQ(d[64], 3);				/* device scope: IOAPIC */
	CHECK_EQ(d[65], 8);
	CHECK_EQ(d[68], 0);				/* enumeration ID = MADT IOAPIC ID */
	CHECK_EQ(d[69], c->ioapic_sid >> 8);
	CHECK_EQ(d[70], (c->ioapic_sid >> 3) & 0x1f);
	CHECK_EQ(d[71], c->ioapic_sid & 7);
}

static bool dsdt_has(int len, const void *needle, size_t n)
{
	const u8 *d = test_find(buf, (size_t)len, BASE, "DSDT");

	return d && memmem(d, test_ld32(d + 4), needle, n) != NULL;
}

static void check_dsdt(int len, const struct acpi_config *c)
{
	/* Name(\_S5, Package() { 5, 5 }) */
	static const u8 s5[] = { 0x08, '\\', '_', 'S', '5', '_', 0x12, 0x06, 0x02,
				 0x0a, ACPI_S5_SLP_TYP, 0x0a, ACPI_S5_SLP_TYP };
	/* Device(PCI0) ... Name(_HID, EisaId("PNP0A08")) */
	static const u8 hid[] = { 0x08, '_', 'H', 'I', 'D', 0x0c, 0x41, 0xd0, 0x0a, 0x08 };
	char name[16];

	CHECK(dsdt_has(len, s5, sizeof(s5)));
	CHECK(dsdt_has(len, "PCI0", 4));
	CHECK(dsdt_has(len, hid, sizeof(hid)));
	CHECK(dsdt_has(len, "_PRT", 4));
	CHECK(dsdt_has(len, "_OSC", 4));
	CHECK(dsdt_has(len, "COSC", 4));
	CHECK(dsdt_has(len, "MRES", 4));
	CHECK_EQ(dsdt_has(len, "COM1", 4), c->com1);
	CHECK_EQ(dsdt_has(len, "PS2K", 4), c->i8042);
	CHECK_EQ(dsdt_has(len, "RTC_", 4), c->rtc);
	for (unsigned i = 0; i < c->ncpus; i++) {
		snprintf(name, sizeof(name), "C%03X", i & 0xfff);
		if (!dsdt_has(len, name, 4)) {
			fprintf(stderr, "processor device %s missing\n", name);
			CHECK(false);
		}
	}
	snprintf(name, sizeof(name), "C%03X", c->ncpus & 0xfff);
	CHECK(!dsdt_has(len, name, 4));
	CHECK_EQ(dsdt_has(len, "LNRO0005", 8), c->nr_platform > 0);
	for (unsigned i = 0; i < c->nr_platform; i++) {
		/* Memory32Fixed(ReadWrite, base, size) of each platform device. */
		u8 mem[12] = { 0x86, 0x09, 0x00, 0x01 };

		stn_le(mem + 4, 4, c->platform[i].base);
		stn_le(mem + 8, 4, c->platform[i].size);
		CHECK(dsdt_has(len, mem, sizeof(mem)));
	}
	/* The 64-bit window, as QWordMemory min and max. */
	{
		u8 w[16];

		stn_le(w, 8, c->mmio64_base);
		stn_le(w + 8, 8, c->mmio64_base + c->mmio64_size - 1);
		CHECK_EQ(dsdt_has(len, w, sizeof(w)), c->mmio64_size != 0);
	}
}

static void check_all(const struct acpi_config *c)
{
	int len = build(c);
	unsigned n;

	CHECK(len > 0);
	if (len <= 0) {
		fprintf(stderr, "acpi_build: %d (ncpus %u)\n", len, c->ncpus);
		return;
	}
	CHECK((size_t)len <= ACPI_TABLES_SIZE);
	n = check_root(len);
	CHECK_EQ(n, c->dmar ? 4 : 3);
	check_fadt(len, c);
	check_madt(len, c);
	check_mcfg(len);
	check_dmar(len, c);
	check_dsdt(len, c);
}

static void test_configs(void)
{
	static const unsigned ncpus[] = { 1, 2, 255, 256, 300, ACPI_MAX_CPUS };
	struct acpi_config c;

	for (unsigned i = 0; i < ARRAY_SIZE(ncpus); i++) {
		test_config(&c, ncpus[i]);
		check_all(&c);
	}

	/* Legacy devices in every combination. */
	for (unsigned m = 0; m < 8; m++) {
		test_config(&c, 2);
		c.com1 = m & 1;
		c.i8042 = m & 2;
		c.rtc = m & 4;
		check_all(&c);
	}

	/* No 64-bit window. */
	test_config(&c, 2);
	c.mmio64_size = 0;
	check_all(&c);

	/* DMAR, and platform devices (edge and level). */
	test_config(&c, 4);
	c.dmar = true;
	c.dmar_intr_remap = true;
	c.dmar_haw = 39;
	c.ioapic_sid = 0xf0f8;
	CHECK_EQ(acpi_config_add_platform(&c, PLATFORM_MMIO_BASE, 0x200, 5, false, "LNRO0005"),
		 0);
	CHECK_EQ(acpi_config_add_platform(&c, PLATFORM_MMIO_BASE + 0x1000, 0x200, 6, true,
					  "LNRO0005"),
		 0);
	CHECK_EQ(acpi_config_add_platform(&c, PLATFORM_MMIO_BASE + 0x2000, 0x1000, 20, true,
					  "PNP0C0F"),
		 0);
	check_all(&c);

	/* The largest machine fits the reserved area. */
	test_config(&c, ACPI_MAX_CPUS);
	c.dmar = true;
	c.dmar_haw = 48;
	{
		/* Every GSI no legacy device, the timer or PCI INTx uses. */
		static const u8 free_gsi[] = { 3, 5, 6, 7, 9, 10, 11, 12, 13, 14, 15, 20, 21, 22, 23 };

		for (unsigned i = 0; i < ARRAY_SIZE(free_gsi); i++)
			CHECK_EQ(acpi_config_add_platform(&c, PLATFORM_MMIO_BASE + i * SZ_4K, SZ_4K,
							  free_gsi[i], i & 1, "LNRO0005"),
				 0);
	}
	check_all(&c);
}

static unsigned test_bad_gsi_isa(unsigned slot, unsigned pin)
{
	return slot == 31 && pin == 3 ? IRQ_COM1 : test_intx_gsi(slot, pin);
}

static unsigned test_bad_gsi_high(unsigned slot, unsigned pin)
{
	return slot == 7 ? ACPI_IOAPIC_PINS : test_intx_gsi(slot, pin);
}

static void test_invalid(void)
{
	struct acpi_config c;

#define CHECK_REFUSED(...)                                                                         \
	do {                                                                                       \
		test_config(&c, 2);                                                                \
		__VA_ARGS__;                                                                       \
		CHECK_EQ(build(&c), -EINVAL);                                                      \
	} while (0)

	CHECK_REFUSED(c.ncpus = 0);
	CHECK_REFUSED(c.ncpus = ACPI_MAX_CPUS + 1);
	CHECK_REFUSED(c.intx_gsi = NULL);
	CHECK_REFUSED(c.mmio64_base = ~0ull - 0x1000);			/* window wraps */
	CHECK_REFUSED(c.mmio64_base = 0);
	CHECK_REFUSED(c.dmar = true; c.dmar_haw = 20);
	CHECK_REFUSED(c.dmar = true; c.dmar_haw = 65);
	CHECK_REFUSED(c.nr_platform = ACPI_MAX_PLATFORM_DEVICES + 1);
	/* Platform devices: on a legacy device's IRQ, the timer's, a PCI INTx GSI, each
	 * other's, past the IOAPIC, above 4 GiB, empty, or with a bad HID. */
	CHECK_REFUSED(c.nr_platform = 1;
		      c.platform[0] = (struct acpi_platform_dev){ 0xf0000000, 0x200, 4, false,
								   "LNRO0005" });
	CHECK_REFUSED(c.nr_platform = 1;
		      c.platform[0] = (struct acpi_platform_dev){ 0xf0000000, 0x200, 2, false,
								   "LNRO0005" });
	CHECK_REFUSED(c.nr_platform = 1;
		      c.platform[0] = (struct acpi_platform_dev){ 0xf0000000, 0x200, 0, false,
								   "LNRO0005" });
	CHECK_REFUSED(c.nr_platform = 1;
		      c.platform[0] = (struct acpi_platform_dev){ 0xf0000000, 0x200, 17, false,
								   "LNRO0005" });
	CHECK_REFUSED(c.nr_platform = 2;
		      c.platform[0] = (struct acpi_platform_dev){ 0xf0000000, 0x200, 5, false,
								   "LNRO0005" };
		      c.platform[1] = (struct acpi_platform_dev){ 0xf0001000, 0x200, 5, false,
								   "LNRO0005" });
	CHECK_REFUSED(c.nr_platform = 1;
		      c.platform[0] = (struct acpi_platform_dev){ 0xf0000000, 0x200, 24, false,
								   "LNRO0005" });
	CHECK_REFUSED(c.nr_platform = 1;
		      c.platform[0] = (struct acpi_platform_dev){ 0xfffff000, 0x2000, 5, false,
								   "LNRO0005" });
	CHECK_REFUSED(c.nr_platform = 1;
		      c.platform[0] = (struct acpi_platform_dev){ 0xf0000000, 0, 5, false,
								   "LNRO0005" });
	CHECK_REFUSED(c.nr_platform = 1;
		      c.platform[0] = (struct acpi_platform_dev){ 0xf0000000, 0x200, 5, false,
								   "lnro0005" });
	/* A PCI host whose routing lands on an ISA IRQ or past the IOAPIC. */
	CHECK_REFUSED(c.intx_gsi = test_bad_gsi_isa);
	CHECK_REFUSED(c.intx_gsi = test_bad_gsi_high);
	/* The legacy IRQs are only taken when the device exists. */
	test_config(&c, 2);
	c.com1 = false;
	CHECK_EQ(acpi_config_add_platform(&c, 0xf0000000, 0x200, 4, false, "LNRO0005"), 0);
	CHECK(build(&c) > 0);
#undef CHECK_REFUSED

	/* acpi_config_add_platform checks what it can, and its capacity. */
	test_config(&c, 2);
	CHECK_EQ(acpi_config_add_platform(&c, 0xf0000000, 0x200, 5, false, NULL), -EINVAL);
	CHECK_EQ(acpi_config_add_platform(&c, 0xf0000000, 0x200, 5, false, "LNRO00050"), -EINVAL);
	CHECK_EQ(acpi_config_add_platform(&c, 0xf0000000, 0x200, 5, false, "LNRO005"), -EINVAL);
	CHECK_EQ(acpi_config_add_platform(&c, 0xf0000000, 0x200, 5, false, "LNRO000G"), -EINVAL);
	CHECK_EQ(acpi_config_add_platform(&c, 0xf0000000, 0x200, 5, false, "LN-O0005"), -EINVAL);
	CHECK_EQ(acpi_config_add_platform(&c, 0xf0000000, 0x200, 24, false, "LNRO0005"), -EINVAL);
	CHECK_EQ(acpi_config_add_platform(&c, ~0ull - 0xff, 0x200, 5, false, "LNRO0005"), -EINVAL);
	CHECK_EQ(c.nr_platform, 0);
	for (unsigned i = 0; i < ACPI_MAX_PLATFORM_DEVICES; i++)
		CHECK_EQ(acpi_config_add_platform(&c, 0xf0000000 + i * SZ_4K, 0x200, 5, false,
						  "LNRO0005"),
			 0);
	CHECK_EQ(acpi_config_add_platform(&c, 0xf0000000, 0x200, 5, false, "LNRO0005"), -ENOSPC);
}

/* A buffer too small fails with -ENOSPC and writes nothing past its end. */
static void test_sizes(void)
{
	struct acpi_config c;
	static u8 small[ACPI_TABLES_SIZE + 64];
	int need;

	test_config(&c, 8);
	need = build(&c);
	CHECK(need > 0);
	for (int sz = 0; sz < need; sz += (sz < 64 ? 1 : 97)) {
		memset(small, 0x5a, sizeof(small));
		CHECK_EQ(acpi_build(&c, small, (size_t)sz, BASE), -ENOSPC);
		for (size_t i = (size_t)sz; i < sizeof(small); i++)
			if (small[i] != 0x5a) {
				CHECK_EQ(i, ~0ull);
				break;
			}
	}
	memset(small, 0x5a, sizeof(small));
	CHECK_EQ(acpi_build(&c, small, (size_t)need, BASE), need);
	CHECK_EQ(small[need], 0x5a);
	/* The same config gives the same bytes (nothing uninitialised leaks in). */
	CHECK(!memcmp(small, buf, (size_t)need));

	/* At another base every pointer moves with it. */
	CHECK_EQ(acpi_build(&c, small, sizeof(small), 0x7ff00000), need);
	CHECK(test_find(small, (size_t)need, 0x7ff00000, "DSDT") != NULL);
	CHECK(test_find(small, (size_t)need, BASE, "DSDT") == NULL);
	/* A base where the tables would wrap the address space. */
	CHECK_EQ(acpi_build(&c, small, sizeof(small), ~0ull - 0x100), -ENOSPC);
}

/* acpi_config_init() and acpi_tables_install() on a VM with no KVM (device harness). */
static void test_install(void)
{
	struct vm_config cfg = { .mem_size = 64ull << 20, .ncpus = 3, .qtest = "stdio" };
	static const struct bus_ops nop = { 0 };
	struct acpi_config c;
	struct vm vm;
	u8 rsdp[36];
	int dummy;

	if (vm_create(&vm, &cfg)) {
		vm_destroy(&vm);
		CHECK_SKIP("cannot create a device-harness VM");
	}
	acpi_config_init(&c, &vm);
	CHECK_EQ(c.ncpus, 3);
	CHECK_EQ(c.mmio64_base, vm.mmio64_base);
	CHECK_EQ(c.mmio64_size, PCI_MMIO64_SIZE);
	CHECK(c.intx_gsi != NULL);
	CHECK(!c.com1 && !c.i8042 && !c.rtc);
	/* INTx routing is the PCI host's documented swizzle. */
	for (unsigned slot = 0; slot < 32; slot++)
		for (unsigned pin = 0; pin < 4; pin++)
			CHECK_EQ(c.intx_gsi(slot, pin), test_intx_gsi(slot, pin));

	/* Legacy devices are described when they sit on the PIO bus. */
	CHECK_EQ(bus_add(&vm.pio, PIO_COM1, 8, &nop, &dummy, "com1"), 0);
	CHECK_EQ(bus_add(&vm.pio, PIO_I8042_DATA, 1, &nop, &dummy, "kbd"), 0);
	acpi_config_init(&c, &vm);
	CHECK(c.com1 && !c.i8042 && !c.rtc);	/* 0x64 is missing: no 8042 */
	CHECK_EQ(bus_add(&vm.pio, PIO_I8042_CMD, 1, &nop, &dummy, "kbd"), 0);
	CHECK_EQ(bus_add(&vm.pio, PIO_RTC, 2, &nop, &dummy, "rtc"), 0);
	acpi_config_init(&c, &vm);
	CHECK(c.com1 && c.i8042 && c.rtc);

	CHECK_EQ(acpi_tables_install(&vm, &c), 0);
	CHECK_EQ(gmem_read(&vm.gmem, ACPI_TABLES_ADDR, rsdp, sizeof(rsdp)), 0);
	CHECK(!memcmp(rsdp, "RSD PTR ", 8));
	CHECK_EQ(test_sum(rsdp, 36), 0);
	{
		static u8 mem[ACPI_TABLES_SIZE];
		const u8 *fadt;

		CHECK_EQ(gmem_read(&vm.gmem, ACPI_TABLES_ADDR, mem, sizeof(mem)), 0);
		fadt = test_find(mem, sizeof(mem), ACPI_TABLES_ADDR, "FACP");
		CHECK(fadt != NULL);
		if (fadt)
			CHECK_EQ(ldn_le(fadt + 109, 2) & 0x23, 0x03);	/* legacy + 8042, RTC */
		CHECK(test_find(mem, sizeof(mem), ACPI_TABLES_ADDR, "DSDT") != NULL);
	}
	/* A config the builder refuses is reported, and guest memory is left alone. */
	c.ncpus = 0;
	CHECK_EQ(acpi_tables_install(&vm, &c), -EINVAL);
	CHECK_EQ(gmem_read(&vm.gmem, ACPI_TABLES_ADDR, rsdp, sizeof(rsdp)), 0);
	CHECK(!memcmp(rsdp, "RSD PTR ", 8));
	vm_destroy(&vm);
}

int main(void)
{
	log_set_level(LOG_ERR);
	test_configs();
	test_invalid();
	test_sizes();
	test_install();
	return check_done();
}
