// SPDX-License-Identifier: GPL-2.0-only
/*
 * The PCI host bridge and configuration space as the specifications define
 * them, the same test against iovirt and QEMU's q35: configuration mechanism
 * #1 (CONFIG_ADDRESS semantics, byte lanes of CONFIG_DATA, the enable bit),
 * ECAM agreeing with it, absent functions reading all ones, the host bridge's
 * identity, read-only header fields, Status write-1-to-clear bits, well-formed
 * capability lists, multi-function enumeration.
 *
 * Usage: test_pci iovirt|qemu
 */
#include <linux/pci_regs.h>

#include "harness.h"
#include "qtest_pci.h"

#define CF8 0xcf8
#define CFC 0xcfc

static struct qtest_state *s;
static struct qpci_bus bus;

struct fn {
	uint8_t devfn;
	uint32_t hdr[16];	/* the first 64 bytes, through mechanism #1 */
};

static struct fn fns[256];
static unsigned nfns;

/* PCI Local Bus 3.0 §3.2.2.3.2: CONFIG_ADDRESS and CONFIG_DATA. */
static void test_mechanism1(void)
{
	uint32_t v;

	/* Bits 30:24 are reserved and 1:0 are read-only 0; the rest reads back. */
	qtest_outl(s, CF8, 0xff00ff07);
	v = qtest_inl(s, CF8);
	CHECK_SPEC(s, v == 0x8000ff04, "PCI 3.0 §3.2.2.3.2 (CONFIG_ADDRESS bits 30:24, 1:0 read 0)",
		   "wrote 0xff00ff07, read back 0x%08x", v);
	qtest_outl(s, CF8, 0x80123456 & ~3u);
	CHECK_EQ(qtest_inl(s, CF8), 0x80123454);
	qtest_outl(s, CF8, 0);
	CHECK_EQ(qtest_inl(s, CF8), 0);

	/* Enable bit clear: CONFIG_DATA is plain I/O that nobody claims. */
	CHECK_EQ(qtest_inl(s, CFC), 0xffffffff);
	qtest_outl(s, CF8, 0x00000000); /* 00:00.0 offset 0, not enabled */
	CHECK_EQ(qtest_inl(s, CFC), 0xffffffff);

	/* Byte lanes: offset bits 1:0 come from the CONFIG_DATA port used. */
	qtest_outl(s, CF8, 0x80000000);
	v = qtest_inl(s, CFC);
	for (unsigned i = 0; i < 4; i++)
		CHECK_EQ(qtest_inb(s, CFC + i), (v >> (8 * i)) & 0xff);
	CHECK_EQ(qtest_inw(s, CFC), v & 0xffff);
	CHECK_EQ(qtest_inw(s, CFC + 2), v >> 16);
	qtest_outl(s, CF8, 0x80000008);
	v = qtest_inl(s, CFC);
	CHECK_EQ(qtest_inb(s, CFC + 3), v >> 24); /* class code byte of 00:00.0 */
}

/* Walk bus 0 the way Linux's pci_scan_slot does, through mechanism #1. */
static void enumerate(void)
{
	for (unsigned dev = 0; dev < 32; dev++) {
		for (unsigned fn = 0; fn < 8; fn++) {
			struct qpci_dev d;
			struct fn *f;
			uint32_t id;

			qpci_dev_at(&bus, 0, (uint8_t)(dev << 3 | fn), &d);
			id = qpci_config_readl(&d, PCI_VENDOR_ID);
			if ((id & 0xffff) == 0xffff) {
				/* An absent function reads all ones, whole dwords (§6.1). */
				CHECK_EQ(id, 0xffffffff);
				if (!fn)
					break;
				continue;
			}
			CHECK((id & 0xffff) != 0);
			f = &fns[nfns++];
			f->devfn = d.devfn;
			for (unsigned i = 0; i < 16; i++)
				f->hdr[i] = qpci_config_readl(&d, (uint16_t)(4 * i));
			/* Single-function devices have no functions 1..7. */
			if (!fn && !(qpci_config_readb(&d, PCI_HEADER_TYPE) & 0x80)) {
				for (unsigned o = 1; o < 8; o++) {
					qpci_dev_at(&bus, 0, (uint8_t)(dev << 3 | o), &d);
					CHECK_EQ(qpci_config_readw(&d, PCI_VENDOR_ID), 0xffff);
				}
				break;
			}
		}
	}
	CHECK(nfns >= 1);
}

static void test_host_bridge(void)
{
	struct qpci_dev hb;
	uint32_t id, cls;

	qpci_dev_at(&bus, 0, 0, &hb);
	id = qpci_config_readl(&hb, PCI_VENDOR_ID);
	cls = qpci_config_readl(&hb, PCI_CLASS_REVISION);
	CHECK(nfns && fns[0].devfn == 0);
	/* Class 06 (bridge), subclass 00 (host bridge), prog-if 00 (PCI Code & ID Assignment). */
	CHECK_EQ(cls >> 8, 0x060000);
	CHECK_EQ(qpci_config_readb(&hb, PCI_HEADER_TYPE) & 0x7f, PCI_HEADER_TYPE_NORMAL);
	/* Identity registers are read-only. */
	qpci_config_writel(&hb, PCI_VENDOR_ID, 0);
	CHECK_EQ(qpci_config_readl(&hb, PCI_VENDOR_ID), id);
	qpci_config_writel(&hb, PCI_CLASS_REVISION, 0xffffffff);
	CHECK_EQ(qpci_config_readl(&hb, PCI_CLASS_REVISION), cls);
	qpci_config_writeb(&hb, PCI_HEADER_TYPE, 0x7f);
	CHECK_EQ(qpci_config_readb(&hb, PCI_HEADER_TYPE), fns[0].hdr[3] >> 16 & 0xff);
}

/* Every function: read-only fields, W1C status bits, capability list shape. */
static void test_functions(void)
{
	for (unsigned i = 0; i < nfns; i++) {
		struct qpci_dev d;
		uint16_t st, st2;
		uint8_t pos;
		unsigned ttl = 48;

		qpci_dev_at(&bus, 0, fns[i].devfn, &d);
		/* Writing ones to Status sets nothing (RO/RW1C bits only, §6.2.3). */
		st = qpci_config_readw(&d, PCI_STATUS);
		qpci_config_writew(&d, PCI_STATUS, 0xffff);
		st2 = qpci_config_readw(&d, PCI_STATUS);
		CHECK_EQ(st2 & ~st, 0);
		/* Capabilities List bit and pointer agree; the list is dword-aligned and ends. */
		pos = qpci_config_readb(&d, PCI_CAPABILITY_LIST);
		if (!(st & PCI_STATUS_CAP_LIST))
			continue;
		CHECK(pos >= 0x40);
		while (pos && ttl--) {
			CHECK_EQ(pos & 3, 0);
			CHECK(pos >= 0x40);
			pos = qpci_config_readb(&d, pos + PCI_CAP_LIST_NEXT);
		}
		CHECK(ttl > 0);
	}
	/* A write to an absent function goes nowhere. */
	{
		struct qpci_dev absent;

		qpci_dev_at(&bus, 0, (uint8_t)(30 << 3), &absent);
		qpci_config_writel(&absent, PCI_COMMAND, 0x7);
		CHECK_EQ(qpci_config_readl(&absent, PCI_COMMAND), 0xffffffff);
	}
}

/* ECAM (PCIe 6.0 §7.2.2) shows the same functions and headers. */
static void test_ecam(void)
{
	qpci_enable_ecam(&bus);
	for (unsigned i = 0; i < nfns; i++) {
		struct qpci_dev d;

		qpci_dev_at(&bus, 0, fns[i].devfn, &d);
		for (unsigned j = 0; j < 16; j++) {
			uint32_t v = qpci_config_readl(&d, (uint16_t)(4 * j));

			/* BARs aside (untouched here), the header is what mechanism #1 read. */
			if (v != fns[i].hdr[j])
				fprintf(stderr, "%02x.%u dword %u: ECAM 0x%08x, CF8 0x%08x\n",
					fns[i].devfn >> 3, fns[i].devfn & 7, j, v, fns[i].hdr[j]);
			CHECK_EQ(v, fns[i].hdr[j]);
		}
		/* Narrow ECAM reads are byte lanes of the dword. */
		CHECK_EQ(qpci_config_readb(&d, PCI_CLASS_DEVICE + 1), fns[i].hdr[2] >> 24);
		CHECK_EQ(qpci_config_readw(&d, PCI_DEVICE_ID), fns[i].hdr[0] >> 16);
	}
	{
		struct qpci_dev absent;

		qpci_dev_at(&bus, 0, (uint8_t)(30 << 3), &absent);
		CHECK_EQ(qpci_config_readl(&absent, PCI_VENDOR_ID), 0xffffffff);
		CHECK_EQ(qpci_config_readl(&absent, 0x100), 0xffffffff);
		CHECK_EQ(qpci_config_readw(&absent, PCI_VENDOR_ID), 0xffff);
		/* No bridge, so no bus 1 behind it. */
		qpci_dev_at(&bus, 1, 0, &absent);
		CHECK_EQ(qpci_config_readl(&absent, PCI_VENDOR_ID), 0xffffffff);
		qpci_dev_at(&bus, 255, 0xff, &absent);
		CHECK_EQ(qpci_config_readl(&absent, 0xffc), 0xffffffff);
	}
	/* Writes through ECAM land where mechanism #1 reads them. */
	{
		struct qpci_dev hb;
		uint8_t line;

		qpci_dev_at(&bus, 0, 0, &hb);
		line = qpci_config_readb(&hb, PCI_INTERRUPT_LINE);
		qpci_config_writeb(&hb, PCI_INTERRUPT_LINE, (uint8_t)~line);
		bus.ecam = 0;
		CHECK_EQ(qpci_config_readb(&hb, PCI_INTERRUPT_LINE), (uint8_t)~line);
		qpci_config_writeb(&hb, PCI_INTERRUPT_LINE, line);
	}
}

int main(int argc, char **argv)
{
	enum qtest_target t = harness_target(argc, argv);
	struct qtest_machine m = { .edu = true }; /* one endpoint besides the platform's */

	s = qtest_start(t, &m);
	qpci_init(&bus, s);
	test_mechanism1();
	enumerate();
	test_host_bridge();
	test_functions();
	test_ecam();
	return harness_done(s);
}
