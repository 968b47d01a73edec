// SPDX-License-Identifier: GPL-2.0-only
/*
 * PCI helpers for qtest (qtest_pci.h): configuration mechanism #1 (PCI Local
 * Bus 3.0 §3.2.2.3.2) or ECAM (PCIe 6.0 §7.2.2), BAR sizing by the all-ones
 * write (PCI 3.0 §6.2.5.1), and the MSI / MSI-X capability layouts
 * (§6.8.1 / §6.8.2).
 */
#include <linux/pci_regs.h>
#include <string.h>

#include "qtest_client.h"
#include "qtest_pci.h"

#define CF8 0xcf8
#define CFC 0xcfc

/* q35's MCH (00:00.0): PCIEXBAR, 64 bits at 0x60 (Intel 3 Series/ICH9 MCH datasheet §5.1.16). */
#define Q35_PCIEXBAR 0x60
#define Q35_PCIEXBAREN 1u

void qpci_init(struct qpci_bus *b, struct qtest_state *s)
{
	memset(b, 0, sizeof(*b));
	b->qts = s;
	b->mmio_next = QPCI_MMIO_BASE;
	b->pio_next = QPCI_PIO_BASE;
}

void qpci_dev_at(struct qpci_bus *b, uint8_t busnr, uint8_t devfn, struct qpci_dev *d)
{
	memset(d, 0, sizeof(*d));
	d->bus = b;
	d->busnr = busnr;
	d->devfn = devfn;
}

static uint32_t cf8_addr(struct qpci_dev *d, uint16_t off)
{
	if (off >= 0x100)
		qtest_fatal(d->bus->qts, "config offset 0x%x needs ECAM", off);
	return 0x80000000u | (uint32_t)d->busnr << 16 | (uint32_t)d->devfn << 8 | (off & 0xfc);
}

static uint64_t ecam_addr(struct qpci_dev *d, uint16_t off)
{
	if (off >= 0x1000)
		qtest_fatal(d->bus->qts, "config offset 0x%x beyond 4 KiB", off);
	return d->bus->ecam + ((uint64_t)d->busnr << 20 | (uint64_t)d->devfn << 12 | off);
}

uint8_t qpci_config_readb(struct qpci_dev *d, uint16_t off)
{
	struct qtest_state *s = d->bus->qts;

	if (d->bus->ecam)
		return qtest_readb(s, ecam_addr(d, off));
	qtest_outl(s, CF8, cf8_addr(d, off));
	return qtest_inb(s, CFC + (off & 3));
}

uint16_t qpci_config_readw(struct qpci_dev *d, uint16_t off)
{
	struct qtest_state *s = d->bus->qts;

	if (d->bus->ecam)
		return qtest_readw(s, ecam_addr(d, off));
	qtest_outl(s, CF8, cf8_addr(d, off));
	return qtest_inw(s, CFC + (off & 2));
}

uint32_t qpci_config_readl(struct qpci_dev *d, uint16_t off)
{
	struct qtest_state *s = d->bus->qts;

	if (d->bus->ecam)
		return qtest_readl(s, ecam_addr(d, off));
	qtest_outl(s, CF8, cf8_addr(d, off));
	return qtest_inl(s, CFC);
}

void qpci_config_writeb(struct qpci_dev *d, uint16_t off, uint8_t v)
{
	struct qtest_state *s = d->bus->qts;

	if (d->bus->ecam) {
		qtest_writeb(s, ecam_addr(d, off), v);
		return;
	}
	qtest_outl(s, CF8, cf8_addr(d, off));
	qtest_outb(s, CFC + (off & 3), v);
}

void qpci_config_writew(struct qpci_dev *d, uint16_t off, uint16_t v)
{
	struct qtest_state *s = d->bus->qts;

	if (d->bus->ecam) {
		qtest_writew(s, ecam_addr(d, off), v);
		return;
	}
	qtest_outl(s, CF8, cf8_addr(d, off));
	qtest_outw(s, CFC + (off & 2), v);
}

void qpci_config_writel(struct qpci_dev *d, uint16_t off, uint32_t v)
{
	struct qtest_state *s = d->bus->qts;

	if (d->bus->ecam) {
		qtest_writel(s, ecam_addr(d, off), v);
		return;
	}
	qtest_outl(s, CF8, cf8_addr(d, off));
	qtest_outl(s, CFC, v);
}

void qpci_enable_ecam(struct qpci_bus *b)
{
	if (qtest_is_qemu(b->qts)) {
		struct qpci_dev mch;

		/* 256 buses (LENGTH 00b) at QPCI_ECAM_BASE, through mechanism #1 first. */
		qpci_dev_at(b, 0, 0, &mch);
		qpci_config_writel(&mch, Q35_PCIEXBAR + 4, (uint32_t)(QPCI_ECAM_BASE >> 32));
		qpci_config_writel(&mch, Q35_PCIEXBAR, (uint32_t)QPCI_ECAM_BASE | Q35_PCIEXBAREN);
	}
	/* iovirt's ECAM is always on at this address (include/iovirt/layout.h). */
	b->ecam = QPCI_ECAM_BASE;
}

bool qpci_find(struct qpci_bus *b, uint16_t vendor, uint16_t device, struct qpci_dev *out)
{
	for (unsigned devfn = 0; devfn < 256; devfn++) {
		struct qpci_dev d;
		uint32_t id;

		qpci_dev_at(b, 0, (uint8_t)devfn, &d);
		id = qpci_config_readl(&d, PCI_VENDOR_ID);
		if ((id & 0xffff) == 0xffff) {
			/* No function 0: skip the slot's other functions. */
			if (!(devfn & 7))
				devfn += 7;
			continue;
		}
		if ((id & 0xffff) == vendor && (device == 0xffff || id >> 16 == device)) {
			*out = d;
			return true;
		}
		/* A single-function device: functions 1–7 do not exist. */
		if (!(devfn & 7) && !(qpci_config_readb(&d, PCI_HEADER_TYPE) & 0x80))
			devfn += 7;
	}
	return false;
}

struct qpci_bar qpci_bar_probe(struct qpci_dev *d, unsigned bar)
{
	uint16_t off = (uint16_t)(PCI_BASE_ADDRESS_0 + 4 * bar);
	uint16_t cmd = qpci_config_readw(d, PCI_COMMAND);
	struct qpci_bar r = { 0 };
	uint32_t old, lo, hi = 0xffffffff;
	uint64_t mask;

	if (bar >= 6)
		qtest_fatal(d->bus->qts, "BAR %u does not exist", bar);
	/* Decoding off while the BAR holds the sizing pattern (PCI 3.0 §6.2.5.1 note). */
	qpci_config_writew(d, PCI_COMMAND, cmd & ~(PCI_COMMAND_IO | PCI_COMMAND_MEMORY));
	old = qpci_config_readl(d, off);
	qpci_config_writel(d, off, 0xffffffff);
	lo = qpci_config_readl(d, off);
	qpci_config_writel(d, off, old);
	if (!lo || lo == 0xffffffff)
		goto out; /* unimplemented (0) or absent function */
	r.io = lo & PCI_BASE_ADDRESS_SPACE_IO;
	if (r.io) {
		mask = lo & PCI_BASE_ADDRESS_IO_MASK;
		/* Upper 16 bits may read 0 for a 16-bit decoder. */
		mask |= 0xffff0000u;
		r.size = (uint32_t)~mask + 1;
		goto out;
	}
	r.prefetch = lo & PCI_BASE_ADDRESS_MEM_PREFETCH;
	r.is64 = (lo & PCI_BASE_ADDRESS_MEM_TYPE_MASK) == PCI_BASE_ADDRESS_MEM_TYPE_64;
	if (r.is64) {
		uint32_t oldhi = qpci_config_readl(d, off + 4);

		qpci_config_writel(d, off + 4, 0xffffffff);
		hi = qpci_config_readl(d, off + 4);
		qpci_config_writel(d, off + 4, oldhi);
	}
	mask = (uint64_t)hi << 32 | (lo & PCI_BASE_ADDRESS_MEM_MASK);
	r.size = ~mask + 1;
out:
	qpci_config_writew(d, PCI_COMMAND, cmd);
	return r;
}

uint64_t qpci_iomap(struct qpci_dev *d, unsigned bar, uint64_t *size)
{
	struct qpci_bus *b = d->bus;
	struct qpci_bar r = qpci_bar_probe(d, bar);
	uint16_t off = (uint16_t)(PCI_BASE_ADDRESS_0 + 4 * bar);
	uint16_t cmd;

	if (size)
		*size = r.size;
	if (!r.size)
		return 0;
	if (r.io) {
		uint32_t a = (b->pio_next + (uint32_t)r.size - 1) & ~((uint32_t)r.size - 1);

		if (a + r.size > QPCI_PIO_END)
			qtest_fatal(b->qts, "no port space for a 0x%lx-byte BAR",
				    (unsigned long)r.size);
		b->pio_next = a + (uint32_t)r.size;
		r.addr = a;
	} else {
		uint64_t a = (b->mmio_next + r.size - 1) & ~(r.size - 1);

		if (a + r.size > QPCI_MMIO_END)
			qtest_fatal(b->qts, "no MMIO space for a 0x%lx-byte BAR",
				    (unsigned long)r.size);
		b->mmio_next = a + r.size;
		r.addr = a;
	}
	cmd = qpci_config_readw(d, PCI_COMMAND);
	qpci_config_writew(d, PCI_COMMAND, cmd & ~(PCI_COMMAND_IO | PCI_COMMAND_MEMORY));
	qpci_config_writel(d, off, (uint32_t)r.addr);
	if (r.is64)
		qpci_config_writel(d, off + 4, (uint32_t)(r.addr >> 32));
	qpci_config_writew(d, PCI_COMMAND, cmd);
	d->bars[bar] = r;
	return r.addr;
}

void qpci_device_enable(struct qpci_dev *d)
{
	uint16_t cmd;

	for (unsigned i = 0; i < 6; i++) {
		if (!d->bars[i].addr)
			qpci_iomap(d, i, NULL);
		if (d->bars[i].is64)
			i++;
	}
	cmd = qpci_config_readw(d, PCI_COMMAND);
	cmd |= PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER;
	qpci_config_writew(d, PCI_COMMAND, cmd);
}

static struct qpci_bar *placed(struct qpci_dev *d, unsigned bar, uint64_t off, unsigned len)
{
	struct qpci_bar *r;

	if (bar >= 6 || !d->bars[bar].addr)
		qtest_fatal(d->bus->qts, "BAR %u is not placed", bar);
	r = &d->bars[bar];
	if (off + len > r->size)
		qtest_fatal(d->bus->qts, "access 0x%lx+%u beyond BAR %u (0x%lx bytes)",
			    (unsigned long)off, len, bar, (unsigned long)r->size);
	return r;
}

uint8_t qpci_io_readb(struct qpci_dev *d, unsigned bar, uint64_t off)
{
	struct qpci_bar *r = placed(d, bar, off, 1);

	return r->io ? qtest_inb(d->bus->qts, (uint16_t)(r->addr + off)) :
		       qtest_readb(d->bus->qts, r->addr + off);
}

uint16_t qpci_io_readw(struct qpci_dev *d, unsigned bar, uint64_t off)
{
	struct qpci_bar *r = placed(d, bar, off, 2);

	return r->io ? qtest_inw(d->bus->qts, (uint16_t)(r->addr + off)) :
		       qtest_readw(d->bus->qts, r->addr + off);
}

uint32_t qpci_io_readl(struct qpci_dev *d, unsigned bar, uint64_t off)
{
	struct qpci_bar *r = placed(d, bar, off, 4);

	return r->io ? qtest_inl(d->bus->qts, (uint16_t)(r->addr + off)) :
		       qtest_readl(d->bus->qts, r->addr + off);
}

uint64_t qpci_io_readq(struct qpci_dev *d, unsigned bar, uint64_t off)
{
	struct qpci_bar *r = placed(d, bar, off, 8);

	if (r->io)
		return qtest_inl(d->bus->qts, (uint16_t)(r->addr + off)) |
		       (uint64_t)qtest_inl(d->bus->qts, (uint16_t)(r->addr + off + 4)) << 32;
	return qtest_readq(d->bus->qts, r->addr + off);
}

void qpci_io_writeb(struct qpci_dev *d, unsigned bar, uint64_t off, uint8_t v)
{
	struct qpci_bar *r = placed(d, bar, off, 1);

	if (r->io)
		qtest_outb(d->bus->qts, (uint16_t)(r->addr + off), v);
	else
		qtest_writeb(d->bus->qts, r->addr + off, v);
}

void qpci_io_writew(struct qpci_dev *d, unsigned bar, uint64_t off, uint16_t v)
{
	struct qpci_bar *r = placed(d, bar, off, 2);

	if (r->io)
		qtest_outw(d->bus->qts, (uint16_t)(r->addr + off), v);
	else
		qtest_writew(d->bus->qts, r->addr + off, v);
}

void qpci_io_writel(struct qpci_dev *d, unsigned bar, uint64_t off, uint32_t v)
{
	struct qpci_bar *r = placed(d, bar, off, 4);

	if (r->io)
		qtest_outl(d->bus->qts, (uint16_t)(r->addr + off), v);
	else
		qtest_writel(d->bus->qts, r->addr + off, v);
}

void qpci_io_writeq(struct qpci_dev *d, unsigned bar, uint64_t off, uint64_t v)
{
	struct qpci_bar *r = placed(d, bar, off, 8);

	if (r->io) {
		qtest_outl(d->bus->qts, (uint16_t)(r->addr + off), (uint32_t)v);
		qtest_outl(d->bus->qts, (uint16_t)(r->addr + off + 4), (uint32_t)(v >> 32));
	} else {
		qtest_writeq(d->bus->qts, r->addr + off, v);
	}
}

uint8_t qpci_find_cap(struct qpci_dev *d, uint8_t id, uint8_t after)
{
	uint8_t pos;
	unsigned ttl = 48; /* a looping list must not hang the test */

	if (!(qpci_config_readw(d, PCI_STATUS) & PCI_STATUS_CAP_LIST))
		return 0;
	pos = after ? qpci_config_readb(d, after + PCI_CAP_LIST_NEXT) :
		      qpci_config_readb(d, PCI_CAPABILITY_LIST);
	while (pos && ttl--) {
		pos &= ~3;
		if (pos < 0x40)
			qtest_fatal(d->bus->qts, "capability pointer 0x%x inside the header", pos);
		if (qpci_config_readb(d, pos + PCI_CAP_LIST_ID) == id)
			return pos;
		pos = qpci_config_readb(d, pos + PCI_CAP_LIST_NEXT);
	}
	if (!ttl)
		qtest_fatal(d->bus->qts, "capability list loops");
	return 0;
}

void qpci_msi_enable(struct qpci_dev *d, uint64_t addr, uint16_t data)
{
	uint8_t cap = qpci_find_cap(d, PCI_CAP_ID_MSI, 0);
	uint16_t ctrl;

	if (!cap)
		qtest_fatal(d->bus->qts, "no MSI capability");
	ctrl = qpci_config_readw(d, cap + PCI_MSI_FLAGS);
	qpci_config_writel(d, cap + PCI_MSI_ADDRESS_LO, (uint32_t)addr);
	if (ctrl & PCI_MSI_FLAGS_64BIT) {
		qpci_config_writel(d, cap + PCI_MSI_ADDRESS_HI, (uint32_t)(addr >> 32));
		qpci_config_writew(d, cap + PCI_MSI_DATA_64, data);
	} else {
		if (addr >> 32)
			qtest_fatal(d->bus->qts, "32-bit MSI cannot reach 0x%lx",
				    (unsigned long)addr);
		qpci_config_writew(d, cap + PCI_MSI_DATA_32, data);
	}
	/* One vector (MME 0), enabled. */
	ctrl &= ~PCI_MSI_FLAGS_QSIZE;
	qpci_config_writew(d, cap + PCI_MSI_FLAGS, ctrl | PCI_MSI_FLAGS_ENABLE);
}

void qpci_msi_disable(struct qpci_dev *d)
{
	uint8_t cap = qpci_find_cap(d, PCI_CAP_ID_MSI, 0);
	uint16_t ctrl;

	if (!cap)
		qtest_fatal(d->bus->qts, "no MSI capability");
	ctrl = qpci_config_readw(d, cap + PCI_MSI_FLAGS);
	qpci_config_writew(d, cap + PCI_MSI_FLAGS, ctrl & ~PCI_MSI_FLAGS_ENABLE);
}

static uint8_t msix_cap(struct qpci_dev *d)
{
	uint8_t cap = qpci_find_cap(d, PCI_CAP_ID_MSIX, 0);

	if (!cap)
		qtest_fatal(d->bus->qts, "no MSI-X capability");
	return cap;
}

unsigned qpci_msix_table_size(struct qpci_dev *d)
{
	return (qpci_config_readw(d, msix_cap(d) + PCI_MSIX_FLAGS) & PCI_MSIX_FLAGS_QSIZE) + 1;
}

/* BAR and offset of the table (pba: of the PBA); the BAR is placed if it is not yet. */
static void msix_where(struct qpci_dev *d, bool pba, unsigned *bar, uint64_t *off)
{
	uint32_t v = qpci_config_readl(d, msix_cap(d) + (pba ? PCI_MSIX_PBA : PCI_MSIX_TABLE));

	*bar = v & PCI_MSIX_TABLE_BIR;
	*off = v & PCI_MSIX_TABLE_OFFSET;
	if (!d->bars[*bar].addr && !qpci_iomap(d, *bar, NULL))
		qtest_fatal(d->bus->qts, "MSI-X BIR %u is not a BAR", *bar);
}

void qpci_msix_enable(struct qpci_dev *d)
{
	uint8_t cap = msix_cap(d);
	uint16_t ctrl = qpci_config_readw(d, cap + PCI_MSIX_FLAGS);
	unsigned n = qpci_msix_table_size(d);

	for (unsigned v = 0; v < n; v++)
		qpci_msix_mask(d, v, true);
	ctrl &= ~PCI_MSIX_FLAGS_MASKALL;
	qpci_config_writew(d, cap + PCI_MSIX_FLAGS, ctrl | PCI_MSIX_FLAGS_ENABLE);
}

void qpci_msix_disable(struct qpci_dev *d)
{
	uint8_t cap = msix_cap(d);
	uint16_t ctrl = qpci_config_readw(d, cap + PCI_MSIX_FLAGS);

	qpci_config_writew(d, cap + PCI_MSIX_FLAGS, ctrl & ~PCI_MSIX_FLAGS_ENABLE);
}

void qpci_msix_set_vector(struct qpci_dev *d, unsigned vec, uint64_t addr, uint32_t data)
{
	unsigned bar;
	uint64_t off;

	msix_where(d, false, &bar, &off);
	off += (uint64_t)vec * PCI_MSIX_ENTRY_SIZE;
	qpci_io_writel(d, bar, off + PCI_MSIX_ENTRY_LOWER_ADDR, (uint32_t)addr);
	qpci_io_writel(d, bar, off + PCI_MSIX_ENTRY_UPPER_ADDR, (uint32_t)(addr >> 32));
	qpci_io_writel(d, bar, off + PCI_MSIX_ENTRY_DATA, data);
}

void qpci_msix_mask(struct qpci_dev *d, unsigned vec, bool masked)
{
	unsigned bar;
	uint64_t off;
	uint32_t ctl;

	msix_where(d, false, &bar, &off);
	off += (uint64_t)vec * PCI_MSIX_ENTRY_SIZE + PCI_MSIX_ENTRY_VECTOR_CTRL;
	ctl = qpci_io_readl(d, bar, off);
	ctl = masked ? ctl | PCI_MSIX_ENTRY_CTRL_MASKBIT : ctl & ~PCI_MSIX_ENTRY_CTRL_MASKBIT;
	qpci_io_writel(d, bar, off, ctl);
}

bool qpci_msix_pending(struct qpci_dev *d, unsigned vec)
{
	unsigned bar;
	uint64_t off;

	msix_where(d, true, &bar, &off);
	return qpci_io_readl(d, bar, off + vec / 32 * 4) >> (vec % 32) & 1;
}
