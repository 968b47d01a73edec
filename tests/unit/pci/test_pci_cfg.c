// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for src/bus/pci_cfg.c, driven through ECAM as a guest would:
 * BAR sizing the way Linux's __pci_read_base() does it, decode ranges that
 * appear, move and disappear on the buses with the COMMAND bits, read-only
 * bits that resist writes, write-1-to-clear status bits, FLR, the device's
 * config hooks, and hostile accesses.
 */
#include <errno.h>

#include "check.h"
#include "pci_fixture.h"
#include "src/bus/pci_internal.h"	/* white-box: raw register accessors */

struct sized_bar {
	u64 base;	/* as programmed before sizing */
	u64 size;
	u32 flags;
	bool is64;
};

/*
 * What Linux does per BAR: turn decoding off, write all ones, read the mask
 * back, restore; for a 64-bit BAR the same on the upper dword; then the size
 * is the lowest set address bit of the mask.
 */
static struct sized_bar linux_size_bar(struct pci_fixture *f, u8 devfn, unsigned idx)
{
	struct sized_bar r = { 0 };
	u16 reg = PCI_BASE_ADDRESS_0 + 4 * idx;
	u16 cmd = (u16)ecam_read(f, devfn, PCI_COMMAND, 2);
	u32 l, sz, lh = 0, szh = 0;
	u64 mask, m64;

	ecam_write(f, devfn, PCI_COMMAND, 2, cmd & ~(PCI_COMMAND_IO | PCI_COMMAND_MEMORY));
	l = ecam_read(f, devfn, reg, 4);
	ecam_write(f, devfn, reg, 4, 0xffffffff);
	sz = ecam_read(f, devfn, reg, 4);
	ecam_write(f, devfn, reg, 4, l);
	r.is64 = !(l & PCI_BASE_ADDRESS_SPACE_IO) &&
		 (l & PCI_BASE_ADDRESS_MEM_TYPE_MASK) == PCI_BASE_ADDRESS_MEM_TYPE_64;
	if (r.is64) {
		lh = ecam_read(f, devfn, reg + 4, 4);
		ecam_write(f, devfn, reg + 4, 4, 0xffffffff);
		szh = ecam_read(f, devfn, reg + 4, 4);
		ecam_write(f, devfn, reg + 4, 4, lh);
	}
	ecam_write(f, devfn, PCI_COMMAND, 2, cmd);
	if (l & PCI_BASE_ADDRESS_SPACE_IO) {
		r.flags = l & ~PCI_BASE_ADDRESS_IO_MASK;
		mask = PCI_BASE_ADDRESS_IO_MASK & 0xffff;
		r.base = l & mask;
		m64 = sz & mask;
	} else {
		r.flags = l & ~PCI_BASE_ADDRESS_MEM_MASK;
		mask = r.is64 ? ~0xfull : PCI_BASE_ADDRESS_MEM_MASK;
		r.base = ((u64)lh << 32 | l) & mask;
		m64 = ((u64)szh << 32 | sz) & mask;
	}
	r.size = m64 ? m64 & ~(m64 - 1) : 0;
	return r;
}

static void test_bar_sizing(void)
{
	struct pci_fixture f;
	struct tdev t;
	struct sized_bar s;
	u8 devfn;

	CHECK_EQ(pci_fixture_init(&f), 0);
	tdev_init(&t, "t");
	CHECK_EQ(pci_set_bar(&t.pci, 0, PCI_BAR_IO, false, 64, &tdev_bar_ops, &t), 0);
	CHECK_EQ(pci_set_bar(&t.pci, 1, PCI_BAR_MEM32, true, 8192, &tdev_bar_ops, &t), 0);
	CHECK_EQ(pci_set_bar(&t.pci, 2, PCI_BAR_MEM64, true, 8 * SZ_1G, &tdev_bar_ops, &t), 0);
	CHECK_EQ(pci_set_bar(&t.pci, 4, PCI_BAR_MEM64, false, 16, &tdev_bar_ops, &t), 0);
	CHECK_EQ(pci_register(f.vm.pci, &t.pci, -1), 0);
	devfn = t.pci.devfn;

	s = linux_size_bar(&f, devfn, 0);
	CHECK_EQ(s.size, 64);
	CHECK_EQ(s.flags, PCI_BASE_ADDRESS_SPACE_IO);
	CHECK(s.base >= PCI_PIO_BASE && IS_ALIGNED(s.base, 64));
	s = linux_size_bar(&f, devfn, 1);
	CHECK_EQ(s.size, 8192);
	CHECK_EQ(s.flags, PCI_BASE_ADDRESS_MEM_PREFETCH);
	CHECK(!s.is64);
	s = linux_size_bar(&f, devfn, 2);
	CHECK(s.is64);
	CHECK_EQ(s.size, 8 * SZ_1G);
	CHECK_EQ(s.flags, PCI_BASE_ADDRESS_MEM_TYPE_64 | PCI_BASE_ADDRESS_MEM_PREFETCH);
	CHECK(IS_ALIGNED(s.base, 8 * SZ_1G) && s.base >= FIXTURE_MMIO64_BASE);
	/* The raw sizing reads: low dword of a >4 GiB BAR has no writable address bit. */
	ecam_write(&f, devfn, PCI_BASE_ADDRESS_2, 4, 0xffffffff);
	CHECK_EQ(ecam_read(&f, devfn, PCI_BASE_ADDRESS_2, 4), 0x0000000c);
	ecam_write(&f, devfn, PCI_BASE_ADDRESS_3, 4, 0xffffffff);
	CHECK_EQ(ecam_read(&f, devfn, PCI_BASE_ADDRESS_3, 4), 0xfffffffe);
	s = linux_size_bar(&f, devfn, 4);
	CHECK(s.is64);
	CHECK_EQ(s.size, 16);
	CHECK_EQ(s.flags, PCI_BASE_ADDRESS_MEM_TYPE_64);
	CHECK(s.base < SZ_4G);
	/* I/O BAR: bits 1:0 read 01, address bits below the size read 0. */
	ecam_write(&f, devfn, PCI_BASE_ADDRESS_0, 4, 0xffffffff);
	CHECK_EQ(ecam_read(&f, devfn, PCI_BASE_ADDRESS_0, 4), 0xffffffc1);
	/* Sizing with a 16-bit write pattern (what some firmware does) on the low word. */
	ecam_write(&f, devfn, PCI_BASE_ADDRESS_1, 2, 0xffff);
	CHECK_EQ(ecam_read(&f, devfn, PCI_BASE_ADDRESS_1, 2), 0xe008);
	/* Unused BAR slots and the expansion ROM read 0 whatever is written. */
	for (u16 reg = PCI_BASE_ADDRESS_0; reg <= PCI_ROM_ADDRESS; reg += 4) {
		if (reg <= PCI_BASE_ADDRESS_5 || reg == PCI_CARDBUS_CIS || reg == PCI_SUBSYSTEM_VENDOR_ID)
			continue;
		ecam_write(&f, devfn, reg, 4, 0xffffffff);
		CHECK_EQ(ecam_read(&f, devfn, reg, 4), 0);
	}
	/* Nothing was decoded during sizing. */
	CHECK_EQ(t.moves, 0);
	CHECK(bus_ranges_sane(&f.vm.mmio));
	tdev_fini(&t);
	pci_fixture_fini(&f);
}

static void test_bar_decoding(void)
{
	struct pci_fixture f;
	struct tdev t;
	u8 devfn;
	u64 io, m32, m64, v;
	u32 x;

	CHECK_EQ(pci_fixture_init(&f), 0);
	tdev_init(&t, "t");
	CHECK_EQ(pci_set_bar(&t.pci, 0, PCI_BAR_IO, false, 32, &tdev_bar_ops, &t), 0);
	CHECK_EQ(pci_set_bar(&t.pci, 1, PCI_BAR_MEM32, false, 4096, &tdev_bar_ops, &t), 0);
	CHECK_EQ(pci_set_bar(&t.pci, 2, PCI_BAR_MEM64, true, SZ_2M, &tdev_bar_ops, &t), 0);
	CHECK_EQ(pci_register(f.vm.pci, &t.pci, -1), 0);
	devfn = t.pci.devfn;
	io = ecam_read(&f, devfn, PCI_BASE_ADDRESS_0, 4) & PCI_BASE_ADDRESS_IO_MASK;
	m32 = ecam_read(&f, devfn, PCI_BASE_ADDRESS_1, 4) & PCI_BASE_ADDRESS_MEM_MASK;
	m64 = (ecam_read(&f, devfn, PCI_BASE_ADDRESS_2, 4) & PCI_BASE_ADDRESS_MEM_MASK) |
	      (u64)ecam_read(&f, devfn, PCI_BASE_ADDRESS_3, 4) << 32;

	/* COMMAND = 0 after firmware: nothing decodes. */
	CHECK(!bus_read(&f.vm.mmio, m32, &v, 4));
	CHECK(!bus_read(&f.vm.pio, io, &v, 1));
	/* Memory Space Enable: both memory BARs appear, I/O does not. */
	ecam_write(&f, devfn, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	CHECK(bus_has_range(&f.vm.mmio, m32, 4096));
	CHECK(bus_has_range(&f.vm.mmio, m64, SZ_2M));
	CHECK(!bus_has_range(&f.vm.pio, io, 32));
	v = 0;
	CHECK(bus_read(&f.vm.mmio, m32 + 0x10, &v, 4));
	CHECK_EQ(v, TDEV_READ_TAG | 0x10);
	CHECK(bus_read(&f.vm.mmio, m64 + SZ_1M + 8, &v, 8));
	CHECK_EQ(t.last_off, SZ_1M + 8);
	x = 0xabcd;
	CHECK(bus_write(&f.vm.mmio, m32 + 0xffc, &x, 4));
	CHECK_EQ(t.last_off, 0xffc);
	CHECK_EQ(t.last_val, 0xabcd);
	/* I/O Space Enable adds the I/O BAR. */
	ecam_write(&f, devfn, PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_IO);
	CHECK(bus_has_range(&f.vm.pio, io, 32));
	CHECK(bus_read(&f.vm.pio, io + 3, &v, 1));
	CHECK_EQ(t.last_off, 3);

	/* Moving a decoded BAR: off the old address, on the new, the device is told. */
	t.moves = 0;
	ecam_write(&f, devfn, PCI_BASE_ADDRESS_1, 4, (u32)(m32 + 0x100000));
	CHECK(!bus_has_range(&f.vm.mmio, m32, 4096));
	CHECK(bus_has_range(&f.vm.mmio, m32 + 0x100000, 4096));
	CHECK_EQ(t.moves, 1);
	CHECK_EQ(t.last_moved_bar, 1);
	CHECK_EQ(t.moved_old, m32);
	CHECK_EQ(t.moved_new, m32 + 0x100000);
	CHECK_EQ(t.pci.bars[1].addr, m32 + 0x100000);
	/* Sizing with decode on (a careless guest): the all-ones pattern is never mapped. */
	ecam_write(&f, devfn, PCI_BASE_ADDRESS_1, 4, 0xffffffff);
	CHECK(!t.pci.bars[1].mapped);
	CHECK_EQ(t.moved_new, 0);
	CHECK(!bus_read(&f.vm.mmio, 0xfffff000ull, &v, 4));
	ecam_write(&f, devfn, PCI_BASE_ADDRESS_1, 4, (u32)m32);
	CHECK(bus_has_range(&f.vm.mmio, m32, 4096));
	/* Address 0 is unassigned. */
	ecam_write(&f, devfn, PCI_BASE_ADDRESS_1, 4, 0);
	CHECK(!t.pci.bars[1].mapped);
	ecam_write(&f, devfn, PCI_BASE_ADDRESS_1, 4, (u32)m32);
	/* An I/O BAR beyond the 64 KiB port space decodes nothing. */
	ecam_write(&f, devfn, PCI_BASE_ADDRESS_0, 4, 0x10000 | PCI_BASE_ADDRESS_SPACE_IO);
	CHECK(!t.pci.bars[0].mapped);
	ecam_write(&f, devfn, PCI_BASE_ADDRESS_0, 4, 0xffe0);
	CHECK(bus_has_range(&f.vm.pio, 0xffe0, 32));
	ecam_write(&f, devfn, PCI_BASE_ADDRESS_0, 4, (u32)io);

	/* A 64-bit move the way Linux does it: decode off, low, high, decode on. */
	ecam_write(&f, devfn, PCI_COMMAND, 2, PCI_COMMAND_IO);
	CHECK(!bus_has_range(&f.vm.mmio, m64, SZ_2M));
	CHECK(!bus_has_range(&f.vm.mmio, m32, 4096));
	ecam_write(&f, devfn, PCI_BASE_ADDRESS_2, 4, 0x00200000 | 0xc);
	ecam_write(&f, devfn, PCI_BASE_ADDRESS_3, 4, 0x3);
	ecam_write(&f, devfn, PCI_COMMAND, 2, PCI_COMMAND_IO | PCI_COMMAND_MEMORY);
	CHECK(bus_has_range(&f.vm.mmio, 0x300200000ull, SZ_2M));
	CHECK_EQ(ecam_read(&f, devfn, PCI_BASE_ADDRESS_2, 4), 0x0020000c);
	/* Turning decode off removes everything, and the device hears about each BAR. */
	t.moves = 0;
	ecam_write(&f, devfn, PCI_COMMAND, 2, 0);
	CHECK_EQ(t.moves, 3);
	CHECK_EQ(f.vm.mmio.nr, 1);
	CHECK_EQ(f.vm.pio.nr, 1);
	CHECK(bus_ranges_sane(&f.vm.mmio));
	tdev_fini(&t);
	pci_fixture_fini(&f);
}

/* A BAR programmed over another device's decoded BAR is refused, then retried. */
static void test_bar_conflict(void)
{
	struct pci_fixture f;
	struct tdev a, b;
	u64 ma, mb;

	CHECK_EQ(pci_fixture_init(&f), 0);
	tdev_init(&a, "a");
	tdev_init(&b, "b");
	CHECK_EQ(pci_set_bar(&a.pci, 0, PCI_BAR_MEM32, false, 4096, &tdev_bar_ops, &a), 0);
	CHECK_EQ(pci_set_bar(&b.pci, 0, PCI_BAR_MEM32, false, 4096, &tdev_bar_ops, &b), 0);
	CHECK_EQ(pci_register(f.vm.pci, &a.pci, -1), 0);
	CHECK_EQ(pci_register(f.vm.pci, &b.pci, -1), 0);
	ma = ecam_read(&f, a.pci.devfn, PCI_BASE_ADDRESS_0, 4);
	mb = ecam_read(&f, b.pci.devfn, PCI_BASE_ADDRESS_0, 4);
	ecam_write(&f, a.pci.devfn, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	ecam_write(&f, b.pci.devfn, PCI_BASE_ADDRESS_0, 4, (u32)ma);
	ecam_write(&f, b.pci.devfn, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	CHECK(!b.pci.bars[0].mapped);
	CHECK(b.pci.bad_accesses > 0);
	CHECK(bus_ranges_sane(&f.vm.mmio));
	/* a moves away; b's next COMMAND write maps it. */
	ecam_write(&f, a.pci.devfn, PCI_BASE_ADDRESS_0, 4, (u32)mb);
	ecam_write(&f, b.pci.devfn, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	CHECK(b.pci.bars[0].mapped);
	CHECK(bus_has_range(&f.vm.mmio, ma, 4096));
	CHECK(bus_has_range(&f.vm.mmio, mb, 4096));
	/* Nor can a BAR cover the ECAM window. */
	ecam_write(&f, a.pci.devfn, PCI_BASE_ADDRESS_0, 4, (u32)PCI_ECAM_BASE);
	CHECK(!a.pci.bars[0].mapped);
	CHECK_EQ(ecam_read(&f, 0, 0, 2), PCI_HOST_VENDOR_ID);
	tdev_fini(&b);
	tdev_fini(&a);
	pci_fixture_fini(&f);
}

/* Every header byte that is not RW or RW1C keeps its value whatever the guest writes. */
static void test_readonly_bits(void)
{
	struct pci_fixture f;
	struct tdev t;
	u8 before[64], devfn;
	static const u32 patterns[] = { 0xffffffff, 0, 0xa5a5a5a5, 0x5a5a5a5a };

	CHECK_EQ(pci_fixture_init(&f), 0);
	tdev_init(&t, "t");
	CHECK_EQ(pci_set_bar(&t.pci, 1, PCI_BAR_MEM32, false, 4096, &tdev_bar_ops, &t), 0);
	CHECK_EQ(pci_register(f.vm.pci, &t.pci, -1), 0);
	devfn = t.pci.devfn;
	for (unsigned i = 0; i < 64; i++)
		before[i] = (u8)ecam_read(&f, devfn, i, 1);
	for (unsigned p = 0; p < ARRAY_SIZE(patterns); p++) {
		for (unsigned len = 1; len <= 4; len *= 2) {
			for (unsigned off = 0; off < 64; off += len) {
				u32 now;

				ecam_write(&f, devfn, off, len, patterns[p]);
				now = ecam_read(&f, devfn, off, len);
				for (unsigned i = 0; i < len; i++) {
					u8 ro = (u8)~(t.pci.wmask[off + i] | t.pci.w1cmask[off + i]);

					CHECK_EQ((now >> (8 * i)) & ro, before[off + i] & ro);
				}
			}
		}
	}
	/* The spec's answers for the specific registers, not just "the masks hold". */
	CHECK_EQ(ecam_read(&f, devfn, PCI_VENDOR_ID, 4), 0x00051b36);
	CHECK_EQ(ecam_read(&f, devfn, PCI_CLASS_REVISION, 4), 0xff000001);
	CHECK_EQ(ecam_read(&f, devfn, PCI_SUBSYSTEM_VENDOR_ID, 4), 0x11001af4);
	CHECK_EQ(ecam_read(&f, devfn, PCI_HEADER_TYPE, 1), 0);
	CHECK_EQ(ecam_read(&f, devfn, PCI_LATENCY_TIMER, 1), 0);
	CHECK_EQ(ecam_read(&f, devfn, PCI_BIST, 1), 0);
	CHECK_EQ(ecam_read(&f, devfn, PCI_CAPABILITY_LIST, 1), 0);
	CHECK_EQ(ecam_read(&f, devfn, PCI_INTERRUPT_PIN, 1), 1);
	CHECK_EQ(ecam_read(&f, devfn, PCI_MIN_GNT, 2), 0);
	ecam_write(&f, devfn, PCI_COMMAND, 2, 0xffff);
	/* No I/O BAR: I/O Space Enable is hardwired to 0. */
	CHECK_EQ(ecam_read(&f, devfn, PCI_COMMAND, 2),
		 PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER | PCI_COMMAND_PARITY | PCI_COMMAND_SERR |
			 PCI_COMMAND_INTX_DISABLE);
	CHECK(pci_bus_master_enabled(&t.pci));
	ecam_write(&f, devfn, PCI_COMMAND, 2, 0);
	CHECK(!pci_bus_master_enabled(&t.pci));
	ecam_write(&f, devfn, PCI_CACHE_LINE_SIZE, 1, 0x40);
	CHECK_EQ(ecam_read(&f, devfn, PCI_CACHE_LINE_SIZE, 1), 0x40);
	ecam_write(&f, devfn, PCI_INTERRUPT_LINE, 1, 0x0a);
	CHECK_EQ(ecam_read(&f, devfn, PCI_INTERRUPT_LINE, 1), 0x0a);
	/* Above the header nothing is writable on a function with no capabilities. */
	for (unsigned off = 0x40; off < 0x1000; off += 4) {
		ecam_write(&f, devfn, off, 4, 0xffffffff);
		if (ecam_read(&f, devfn, off, 4) != 0) {
			CHECK_EQ(off, 0);
			break;
		}
	}
	tdev_fini(&t);
	pci_fixture_fini(&f);
}

static void test_status_w1c(void)
{
	struct pci_fixture f;
	struct tdev t;
	u8 devfn;
	const u16 errs = PCI_STATUS_DETECTED_PARITY | PCI_STATUS_SIG_SYSTEM_ERROR |
			 PCI_STATUS_REC_MASTER_ABORT | PCI_STATUS_REC_TARGET_ABORT |
			 PCI_STATUS_SIG_TARGET_ABORT | PCI_STATUS_PARITY;

	CHECK_EQ(pci_fixture_init(&f), 0);
	tdev_init(&t, "t");
	CHECK(pci_add_pcie_cap(&t.pci) > 0);
	CHECK_EQ(pci_register(f.vm.pci, &t.pci, -1), 0);
	devfn = t.pci.devfn;
	/* The device model records errors (as hardware would). */
	pci_put(t.pci.cfg, PCI_STATUS, 2, pci_get(t.pci.cfg, PCI_STATUS, 2) | errs);
	CHECK_EQ(ecam_read(&f, devfn, PCI_STATUS, 2), errs | PCI_STATUS_CAP_LIST);
	/* Writing 0 changes nothing; a 1 clears exactly that bit; CAP_LIST is read-only. */
	ecam_write(&f, devfn, PCI_STATUS, 2, 0);
	CHECK_EQ(ecam_read(&f, devfn, PCI_STATUS, 2), errs | PCI_STATUS_CAP_LIST);
	ecam_write(&f, devfn, PCI_STATUS, 2, PCI_STATUS_REC_MASTER_ABORT | PCI_STATUS_CAP_LIST);
	CHECK_EQ(ecam_read(&f, devfn, PCI_STATUS, 2),
		 (errs & ~PCI_STATUS_REC_MASTER_ABORT) | PCI_STATUS_CAP_LIST);
	/* A dword write to COMMAND that carries zeros in STATUS clears nothing (Linux does this). */
	ecam_write(&f, devfn, PCI_COMMAND, 4, PCI_COMMAND_MASTER);
	CHECK_EQ(ecam_read(&f, devfn, PCI_STATUS, 2),
		 (errs & ~PCI_STATUS_REC_MASTER_ABORT) | PCI_STATUS_CAP_LIST);
	ecam_write(&f, devfn, PCI_STATUS + 1, 1, 0xff);
	CHECK_EQ(ecam_read(&f, devfn, PCI_STATUS, 2), PCI_STATUS_CAP_LIST);
	/* PCIe Device Status error bits are RW1C too. */
	{
		u16 sta = t.pci.pcie_cap + PCI_EXP_DEVSTA;

		pci_put(t.pci.cfg, sta, 2, PCI_EXP_DEVSTA_CED | PCI_EXP_DEVSTA_URD);
		ecam_write(&f, devfn, sta, 2, PCI_EXP_DEVSTA_CED | PCI_EXP_DEVSTA_TRPND);
		CHECK_EQ(ecam_read(&f, devfn, sta, 2), PCI_EXP_DEVSTA_URD);
	}
	tdev_fini(&t);
	pci_fixture_fini(&f);
}

static void test_flr(void)
{
	struct pci_fixture f;
	struct tdev t, n;
	u8 devfn;
	u16 devctl;
	u32 bar1;

	CHECK_EQ(pci_fixture_init(&f), 0);
	tdev_init(&t, "t");
	CHECK_EQ(pci_set_bar(&t.pci, 1, PCI_BAR_MEM32, false, 4096, &tdev_bar_ops, &t), 0);
	CHECK(pci_add_pcie_cap(&t.pci) > 0);
	CHECK_EQ(pci_register(f.vm.pci, &t.pci, -1), 0);
	devfn = t.pci.devfn;
	devctl = t.pci.pcie_cap + PCI_EXP_DEVCTL;
	CHECK(ecam_read(&f, devfn, t.pci.pcie_cap + PCI_EXP_DEVCAP, 4) & PCI_EXP_DEVCAP_FLR);
	bar1 = ecam_read(&f, devfn, PCI_BASE_ADDRESS_1, 4);
	ecam_write(&f, devfn, PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	ecam_write(&f, devfn, PCI_INTERRUPT_LINE, 1, 0x33);
	ecam_write(&f, devfn, devctl, 2, PCI_EXP_DEVCTL_PAYLOAD_256B);
	pci_set_intx(&t.pci, 1);
	CHECK(t.pci.bars[1].mapped);
	/* Initiate FLR: config space to reset values, decoding gone, device reset. */
	ecam_write(&f, devfn, devctl, 2, PCI_EXP_DEVCTL_BCR_FLR | PCI_EXP_DEVCTL_PAYLOAD_256B);
	CHECK_EQ(t.resets, 1);
	CHECK_EQ(ecam_read(&f, devfn, PCI_COMMAND, 2), 0);
	CHECK(!t.pci.bars[1].mapped);
	CHECK_EQ(ecam_read(&f, devfn, PCI_BASE_ADDRESS_1, 4), 0);
	CHECK_EQ(ecam_read(&f, devfn, devctl, 2),
		 PCI_EXP_DEVCTL_RELAX_EN | PCI_EXP_DEVCTL_NOSNOOP_EN | PCI_EXP_DEVCTL_READRQ_512B);
	CHECK_EQ(ecam_read(&f, devfn, PCI_STATUS, 2) & PCI_STATUS_INTERRUPT, 0);
	CHECK_EQ(f.fi.line[pci_host_intx_gsi(PCI_SLOT(devfn), 0)], 0);
	/* IDs survive; the guest restores the BAR and everything works again. */
	CHECK_EQ(ecam_read(&f, devfn, PCI_VENDOR_ID, 2), 0x1b36);
	ecam_write(&f, devfn, PCI_BASE_ADDRESS_1, 4, bar1);
	ecam_write(&f, devfn, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	CHECK(bus_has_range(&f.vm.mmio, bar1, 4096));

	/* Without a reset hook FLR is not advertised and the bit does nothing. */
	tdev_init(&n, "n");
	n.pci.ops = NULL;
	CHECK(pci_add_pcie_cap(&n.pci) > 0);
	CHECK_EQ(pci_add_pcie_cap(&n.pci), -EEXIST);
	CHECK_EQ(pci_register(f.vm.pci, &n.pci, -1), 0);
	CHECK_EQ(ecam_read(&f, n.pci.devfn, n.pci.pcie_cap + PCI_EXP_DEVCAP, 4) &
			 PCI_EXP_DEVCAP_FLR, 0);
	ecam_write(&f, n.pci.devfn, PCI_COMMAND, 2, PCI_COMMAND_MASTER);
	ecam_write(&f, n.pci.devfn, n.pci.pcie_cap + PCI_EXP_DEVCTL, 2, PCI_EXP_DEVCTL_BCR_FLR);
	CHECK_EQ(ecam_read(&f, n.pci.devfn, PCI_COMMAND, 2), PCI_COMMAND_MASTER);
	CHECK_EQ(ecam_read(&f, n.pci.devfn, n.pci.pcie_cap + PCI_EXP_DEVCTL, 2), 0);
	tdev_fini(&n);
	tdev_fini(&t);
	pci_fixture_fini(&f);
}

/* A device-specific register: reads come from the hook, writes reach it after the masks. */
static void hook_cfg_read(struct pci_dev *d, u16 off, unsigned len, u32 *val)
{
	*val = 0xc0ffee00u >> (8 * (off - 0x48));
}

static void test_device_hooks(void)
{
	struct pci_fixture f;
	struct tdev t;
	struct pci_dev_ops ops = tdev_ops;
	u8 devfn;

	CHECK_EQ(pci_fixture_init(&f), 0);
	tdev_init(&t, "t");
	ops.cfg_read = hook_cfg_read;
	t.pci.ops = &ops;
	pci_claim_cfg(&t.pci, 0x48, 4);
	pci_set_wmask(&t.pci, 0x4c, 2, 0x0ff0);
	CHECK_EQ(pci_register(f.vm.pci, &t.pci, -1), 0);
	devfn = t.pci.devfn;
	CHECK_EQ(ecam_read(&f, devfn, 0x48, 4), 0xc0ffee00u);
	CHECK_EQ(ecam_read(&f, devfn, 0x4a, 2), 0xc0ff);
	CHECK_EQ(cf8_read(&f, 0, devfn, 0x49, 1), 0xee);
	CHECK_EQ(ecam_read(&f, devfn, 0x44, 4), 0);	/* unclaimed: generic */
	t.cfg_writes = 0;
	ecam_write(&f, devfn, 0x4c, 2, 0xffff);
	CHECK_EQ(ecam_read(&f, devfn, 0x4c, 2), 0x0ff0);
	CHECK_EQ(t.cfg_writes, 1);
	tdev_fini(&t);
	pci_fixture_fini(&f);
}

static void test_api_errors(void)
{
	struct tdev t;

	tdev_init(&t, "t");
	CHECK_EQ(pci_set_bar(&t.pci, 6, PCI_BAR_MEM32, false, 4096, &tdev_bar_ops, &t), -EINVAL);
	CHECK_EQ(pci_set_bar(&t.pci, 0, PCI_BAR_MEM32, false, 3000, &tdev_bar_ops, &t), -EINVAL);
	CHECK_EQ(pci_set_bar(&t.pci, 0, PCI_BAR_MEM32, false, 8, &tdev_bar_ops, &t), -EINVAL);
	CHECK_EQ(pci_set_bar(&t.pci, 0, PCI_BAR_IO, false, 512, &tdev_bar_ops, &t), -EINVAL);
	CHECK_EQ(pci_set_bar(&t.pci, 0, PCI_BAR_IO, true, 16, &tdev_bar_ops, &t), -EINVAL);
	CHECK_EQ(pci_set_bar(&t.pci, 0, PCI_BAR_MEM32, false, 4096, NULL, &t), -EINVAL);
	CHECK_EQ(pci_set_bar(&t.pci, 5, PCI_BAR_MEM64, false, 4096, &tdev_bar_ops, &t), -EINVAL);
	CHECK_EQ(pci_set_bar(&t.pci, 0, PCI_BAR_NONE, false, 4096, &tdev_bar_ops, &t), -EINVAL);
	CHECK_EQ(pci_set_bar(&t.pci, 2, PCI_BAR_MEM64, false, 4096, &tdev_bar_ops, &t), 0);
	CHECK_EQ(pci_set_bar(&t.pci, 3, PCI_BAR_MEM32, false, 4096, &tdev_bar_ops, &t), -EBUSY);
	CHECK_EQ(pci_set_bar(&t.pci, 2, PCI_BAR_MEM32, false, 4096, &tdev_bar_ops, &t), -EBUSY);
	CHECK_EQ(pci_set_bar(&t.pci, 1, PCI_BAR_MEM64, false, 4096, &tdev_bar_ops, &t), -EBUSY);
	/* Malformed direct accesses: all ones, nothing written, counted. */
	CHECK_EQ(pci_cfg_read(&t.pci, 0x1000, 1), 0xff);
	CHECK_EQ(pci_cfg_read(&t.pci, 0xffe, 4), 0xffffffff);
	CHECK_EQ(pci_cfg_read(&t.pci, 2, 3), 0xffffff);
	CHECK_EQ(pci_cfg_read(&t.pci, 0, 8), 0xffffffff);
	pci_cfg_write(&t.pci, PCI_INTERRUPT_LINE, 8, 0x12);
	CHECK_EQ(pci_cfg_read(&t.pci, PCI_INTERRUPT_LINE, 1), 0);
	CHECK_EQ(t.pci.bad_accesses, 5);
	/* Unregistered: INTx goes nowhere, nothing crashes. */
	pci_set_intx(&t.pci, 1);
	CHECK_EQ(pci_cfg_read(&t.pci, PCI_STATUS, 2) & PCI_STATUS_INTERRUPT, 0);
	pci_unregister(&t.pci);
	tdev_fini(&t);
}

int main(void)
{
	log_set_level(LOG_ERR);
	test_bar_sizing();
	test_bar_decoding();
	test_bar_conflict();
	test_readonly_bits();
	test_status_w1c();
	test_flr();
	test_device_hooks();
	test_api_errors();
	return check_done();
}
