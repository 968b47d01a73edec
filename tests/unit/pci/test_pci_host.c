// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for src/bus/pci_host.c: the host bridge as Linux finds it (ECAM
 * and 0xCF8/0xCFC giving the same view, absent functions reading all ones,
 * the type 1 probe), hostile config accesses, firmware BAR placement and slot
 * choice, the multifunction bit, and INTx routing with shared lines.
 */
#include <errno.h>
#include <pthread.h>

#include "check.h"
#include "pci_fixture.h"
#include "src/bus/pci_internal.h"	/* white-box: the host's counters */

static void test_bridge_identity(void)
{
	struct pci_fixture f;

	CHECK_EQ(pci_fixture_init(&f), 0);
	CHECK(f.vm.pci != NULL);
	CHECK_EQ(ecam_read(&f, 0, PCI_VENDOR_ID, 2), PCI_HOST_VENDOR_ID);
	CHECK_EQ(ecam_read(&f, 0, PCI_DEVICE_ID, 2), PCI_HOST_DEVICE_ID);
	CHECK_EQ(ecam_read(&f, 0, PCI_CLASS_REVISION, 4) >> 8, 0x060000);
	CHECK_EQ(ecam_read(&f, 0, PCI_HEADER_TYPE, 1), PCI_HEADER_TYPE_NORMAL);
	CHECK_EQ(ecam_read(&f, 0, PCI_INTERRUPT_PIN, 1), 0);
	CHECK_EQ(cf8_read(&f, 0, 0, PCI_VENDOR_ID, 4), 0x00081b36);
	/* No BARs: the bridge's decode bits are hardwired to 0. */
	ecam_write(&f, 0, PCI_COMMAND, 2, 0xffff);
	CHECK_EQ(ecam_read(&f, 0, PCI_COMMAND, 2) & (PCI_COMMAND_IO | PCI_COMMAND_MEMORY), 0);
	CHECK_EQ(ecam_read(&f, 0, PCI_BASE_ADDRESS_0, 4), 0);
	pci_fixture_fini(&f);
}

/* Linux's pci_check_type1(): a byte write to 0xCFB, then CONFIG_ADDRESS must read back. */
static void test_cf8_mechanism(void)
{
	struct pci_fixture f;
	u32 v, a;
	u8 b;
	u16 w;

	CHECK_EQ(pci_fixture_init(&f), 0);
	b = 0x01;
	bus_write(&f.vm.pio, 0xcfb, &b, 1);
	a = 0x80000000u;
	bus_write(&f.vm.pio, 0xcf8, &a, 4);
	v = 0;
	bus_read(&f.vm.pio, 0xcf8, &v, 4);
	CHECK_EQ(v, 0x80000000u);
	/* A byte access to 0xCF8..0xCFB is not a CONFIG_ADDRESS access. */
	b = 0x00;
	bus_write(&f.vm.pio, 0xcf8, &b, 1);
	bus_write(&f.vm.pio, 0xcfb, &b, 1);
	bus_read(&f.vm.pio, 0xcf8, &v, 4);
	CHECK_EQ(v, 0x80000000u);
	b = 0;
	bus_read(&f.vm.pio, 0xcf9, &b, 1);
	CHECK_EQ(b, 0xff);
	w = 0;
	bus_read(&f.vm.pio, 0xcfa, &w, 2);
	CHECK_EQ(w, 0xffff);
	/* Reserved bits 30:24 and 1:0 read 0. */
	a = 0xffffffffu;
	bus_write(&f.vm.pio, 0xcf8, &a, 4);
	bus_read(&f.vm.pio, 0xcf8, &v, 4);
	CHECK_EQ(v, 0x80fffffcu);

	/* Byte lanes of CONFIG_DATA. */
	a = 0x80000000u | PCI_VENDOR_ID;
	bus_write(&f.vm.pio, 0xcf8, &a, 4);
	for (unsigned i = 0; i < 4; i++) {
		b = 0;
		bus_read(&f.vm.pio, 0xcfc + i, &b, 1);
		CHECK_EQ(b, (0x00081b36u >> (8 * i)) & 0xff);
	}
	w = 0;
	bus_read(&f.vm.pio, 0xcfe, &w, 2);
	CHECK_EQ(w, 0x0008);
	/* A word at 0xCFF would cross the dword: not a config cycle. */
	w = 0;
	bus_read(&f.vm.pio, 0xcff, &w, 2);
	CHECK_EQ(w, 0xffff);

	/* Enable bit clear: no config cycle, reads all ones, writes dropped. */
	a = PCI_INTERRUPT_LINE & 0xfc;
	bus_write(&f.vm.pio, 0xcf8, &a, 4);
	v = 0;
	bus_read(&f.vm.pio, 0xcfc, &v, 4);
	CHECK_EQ(v, 0xffffffffu);
	v = 0x12345678;
	b = 0x42;
	bus_write(&f.vm.pio, 0xcfc, &b, 1);
	CHECK_EQ(ecam_read(&f, 0, PCI_INTERRUPT_LINE, 1), 0);
	cf8_write(&f, 0, 0, PCI_INTERRUPT_LINE, 1, 0x42);
	CHECK_EQ(ecam_read(&f, 0, PCI_INTERRUPT_LINE, 1), 0x42);
	pci_fixture_fini(&f);
}

static void setup_dev(struct pci_fixture *f, struct tdev *t, const char *name, int devfn)
{
	tdev_init(t, name);
	CHECK_EQ(pci_set_bar(&t->pci, 0, PCI_BAR_IO, false, 32, &tdev_bar_ops, t), 0);
	CHECK_EQ(pci_set_bar(&t->pci, 1, PCI_BAR_MEM32, false, 4096, &tdev_bar_ops, t), 0);
	CHECK_EQ(pci_set_bar(&t->pci, 2, PCI_BAR_MEM64, true, SZ_1M, &tdev_bar_ops, t), 0);
	CHECK_EQ(pci_set_bar(&t->pci, 4, PCI_BAR_MEM64, false, 16384, &tdev_bar_ops, t), 0);
	CHECK(pci_add_pcie_cap(&t->pci) > 0);
	CHECK_EQ(pci_register(f->vm.pci, &t->pci, devfn), 0);
}

static void test_ecam_matches_cf8(void)
{
	struct pci_fixture f;
	struct tdev t;
	static const u8 devfns[] = { 0x00, 0x08, 0x09, 0x10, 0xff };

	CHECK_EQ(pci_fixture_init(&f), 0);
	setup_dev(&f, &t, "t", -1);
	CHECK_EQ(t.pci.devfn, PCI_DEVFN(1, 0));
	for (unsigned k = 0; k < ARRAY_SIZE(devfns); k++) {
		for (unsigned reg = 0; reg < 256; reg++) {
			CHECK_EQ(ecam_read(&f, devfns[k], reg, 1), cf8_read(&f, 0, devfns[k], reg, 1));
			if ((reg & 1) == 0)
				CHECK_EQ(ecam_read(&f, devfns[k], reg, 2),
					 cf8_read(&f, 0, devfns[k], reg, 2));
			if ((reg & 3) == 0)
				CHECK_EQ(ecam_read(&f, devfns[k], reg, 4),
					 cf8_read(&f, 0, devfns[k], reg, 4));
		}
	}
	/* A write through one mechanism is seen through the other. */
	cf8_write(&f, 0, t.pci.devfn, PCI_INTERRUPT_LINE, 1, 0x0b);
	CHECK_EQ(ecam_read(&f, t.pci.devfn, PCI_INTERRUPT_LINE, 1), 0x0b);
	ecam_write(&f, t.pci.devfn, PCI_CACHE_LINE_SIZE, 1, 0x10);
	CHECK_EQ(cf8_read(&f, 0, t.pci.devfn, PCI_CACHE_LINE_SIZE, 1), 0x10);
	tdev_fini(&t);
	pci_fixture_fini(&f);
}

static void test_absent_functions(void)
{
	struct pci_fixture f;
	u64 v;

	CHECK_EQ(pci_fixture_init(&f), 0);
	for (unsigned devfn = 1; devfn < 256; devfn++) {
		CHECK_EQ(ecam_read(&f, (u8)devfn, PCI_VENDOR_ID, 4), 0xffffffffu);
		ecam_write(&f, (u8)devfn, PCI_COMMAND, 2, 0x7);
	}
	CHECK_EQ(cf8_read(&f, 0, PCI_DEVFN(31, 7), 0, 2), 0xffff);
	/* Other buses are empty: bus 1 device 0 and bus 255 at the top of the window. */
	v = 0;
	bus_read(&f.vm.mmio, ecam_addr(1, 0, 0), &v, 4);
	CHECK_EQ(v, 0xffffffffu);
	bus_read(&f.vm.mmio, ecam_addr(255, 0xff, 0xffc), &v, 4);
	CHECK_EQ(v & 0xffffffff, 0xffffffffu);
	CHECK_EQ(cf8_read(&f, 7, 0, 0, 4), 0xffffffffu);
	/* Bus 1 device 0 is not bus 0 device 0 aliased. */
	CHECK_EQ(cf8_read(&f, 1, 0, 0, 4), 0xffffffffu);
	pci_fixture_fini(&f);
}

static void test_hostile_ecam(void)
{
	struct pci_fixture f;
	struct pci_host *h;
	u64 v;

	CHECK_EQ(pci_fixture_init(&f), 0);
	h = f.vm.pci;
	/* 8-byte config access: not supported, all ones. */
	v = 0;
	bus_read(&f.vm.mmio, ecam_addr(0, 0, 0), &v, 8);
	CHECK_EQ(v, ~0ull);
	/* Crossing a dword boundary: all ones; write dropped. */
	CHECK_EQ(ecam_read(&f, 0, 3, 2), 0xffff);
	CHECK_EQ(ecam_read(&f, 0, 0x3e, 4), 0xffffffffu);
	ecam_write(&f, 0, PCI_INTERRUPT_LINE - 1, 2, 0x5555);
	CHECK_EQ(ecam_read(&f, 0, PCI_INTERRUPT_LINE, 1), 0);
	/* Unaligned but inside one dword is a legal byte-enable pattern. */
	CHECK_EQ(ecam_read(&f, 0, 1, 2), 0x081b);
	CHECK_EQ(ecam_read(&f, 0, 1, 3), 0xffffff);
	/* Last byte of the 4 KiB space; a word there would cross it. */
	CHECK_EQ(ecam_read(&f, 0, 0xfff, 1), 0);
	CHECK_EQ(ecam_read(&f, 0, 0xfff, 2), 0xffff);
	/* The last byte of the ECAM window, and one past it. */
	v = 0;
	CHECK(bus_read(&f.vm.mmio, PCI_ECAM_BASE + PCI_ECAM_SIZE - 1, &v, 1));
	CHECK(!bus_read(&f.vm.mmio, PCI_ECAM_BASE + PCI_ECAM_SIZE - 2, &v, 4));
	CHECK(h->bad_accesses >= 6);
	/* The bridge itself was not disturbed. */
	CHECK_EQ(ecam_read(&f, 0, 0, 4), 0x00081b36);
	pci_fixture_fini(&f);
}

static bool in_window(u64 a, u64 size, u64 base, u64 len)
{
	return a >= base && a + size <= base + len;
}

static void test_bar_placement(void)
{
	struct pci_fixture f;
	struct tdev a, b, mf;
	u32 lo, hi;
	u64 addr[2][4];

	CHECK_EQ(pci_fixture_init(&f), 0);
	setup_dev(&f, &a, "a", -1);
	setup_dev(&f, &b, "b", -1);
	CHECK_EQ(a.pci.devfn, PCI_DEVFN(1, 0));
	CHECK_EQ(b.pci.devfn, PCI_DEVFN(2, 0));
	for (unsigned k = 0; k < 2; k++) {
		u8 devfn = k ? b.pci.devfn : a.pci.devfn;

		/* The guest enables decoding itself. */
		CHECK_EQ(ecam_read(&f, devfn, PCI_COMMAND, 2), 0);
		lo = ecam_read(&f, devfn, PCI_BASE_ADDRESS_0, 4);
		CHECK_EQ(lo & 3, PCI_BASE_ADDRESS_SPACE_IO);
		addr[k][0] = lo & PCI_BASE_ADDRESS_IO_MASK;
		CHECK(in_window(addr[k][0], 32, PCI_PIO_BASE, PCI_PIO_SIZE));
		CHECK(IS_ALIGNED(addr[k][0], 32));
		lo = ecam_read(&f, devfn, PCI_BASE_ADDRESS_1, 4);
		CHECK_EQ(lo & 0xf, 0);
		addr[k][1] = lo & ~0xfu;
		CHECK(in_window(addr[k][1], 4096, PCI_MMIO32_BASE, PCI_MMIO32_SIZE));
		lo = ecam_read(&f, devfn, PCI_BASE_ADDRESS_2, 4);
		hi = ecam_read(&f, devfn, PCI_BASE_ADDRESS_3, 4);
		CHECK_EQ(lo & 0xf, PCI_BASE_ADDRESS_MEM_TYPE_64 | PCI_BASE_ADDRESS_MEM_PREFETCH);
		addr[k][2] = (lo & ~0xfull) | (u64)hi << 32;
		CHECK(in_window(addr[k][2], SZ_1M, FIXTURE_MMIO64_BASE, PCI_MMIO64_SIZE));
		CHECK(IS_ALIGNED(addr[k][2], SZ_1M));
		lo = ecam_read(&f, devfn, PCI_BASE_ADDRESS_4, 4);
		hi = ecam_read(&f, devfn, PCI_BASE_ADDRESS_5, 4);
		CHECK_EQ(lo & 0xf, PCI_BASE_ADDRESS_MEM_TYPE_64);
		addr[k][3] = (lo & ~0xfull) | (u64)hi << 32;
		CHECK(in_window(addr[k][3], 16384, PCI_MMIO32_BASE, PCI_MMIO32_SIZE));
		CHECK(IS_ALIGNED(addr[k][3], 16384));
	}
	for (unsigned i = 0; i < 4; i++)
		CHECK(addr[0][i] != addr[1][i]);
	CHECK(addr[0][1] + 4096 <= addr[0][3] || addr[0][3] + 16384 <= addr[0][1]);

	/* Slot rules: explicit devfn, duplicates, then the multifunction bit. */
	tdev_init(&mf, "mf");
	CHECK_EQ(pci_register(f.vm.pci, &mf.pci, PCI_DEVFN(1, 0)), -EEXIST);
	CHECK_EQ(pci_register(f.vm.pci, &mf.pci, 256), -EINVAL);
	CHECK_EQ(ecam_read(&f, a.pci.devfn, PCI_HEADER_TYPE, 1), 0);
	CHECK_EQ(pci_register(f.vm.pci, &mf.pci, PCI_DEVFN(1, 3)), 0);
	CHECK_EQ(pci_register(f.vm.pci, &mf.pci, PCI_DEVFN(1, 4)), -EBUSY);
	CHECK_EQ(ecam_read(&f, a.pci.devfn, PCI_HEADER_TYPE, 1), 0x80);
	CHECK_EQ(ecam_read(&f, PCI_DEVFN(1, 3), PCI_VENDOR_ID, 2), 0x1b36);
	CHECK(pci_host_find(f.vm.pci, 0, PCI_DEVFN(1, 3)) == &mf.pci);
	CHECK(pci_host_find(f.vm.pci, 1, PCI_DEVFN(1, 3)) == NULL);
	CHECK_EQ(pci_rid(&mf.pci), 0x000b);
	CHECK_EQ(mf.pci.dma.rid, 0x000b);
	/* Slot 1 is taken (functions 0 and 3): the next free one is 3. */
	{
		struct tdev c;

		tdev_init(&c, "c");
		CHECK_EQ(pci_register(f.vm.pci, &c.pci, -1), 0);
		CHECK_EQ(c.pci.devfn, PCI_DEVFN(3, 0));
		tdev_fini(&c);
		CHECK_EQ(ecam_read(&f, PCI_DEVFN(3, 0), 0, 4), 0xffffffffu);
	}
	/* Layout is frozen once registered. */
	CHECK_EQ(pci_set_bar(&mf.pci, 0, PCI_BAR_MEM32, false, 4096, &tdev_bar_ops, &mf),
		 -EBUSY);
	CHECK_EQ(pci_add_cap(&mf.pci, PCI_CAP_ID_VNDR, NULL, 0), -EBUSY);
	tdev_fini(&mf);
	tdev_fini(&b);
	tdev_fini(&a);
	pci_fixture_fini(&f);
}

static void test_window_exhaustion(void)
{
	struct pci_fixture f;
	struct tdev big[3];

	CHECK_EQ(pci_fixture_init(&f), 0);
	/* Two 256 MiB BARs fill the 512 MiB 32-bit window; a third does not fit. */
	for (unsigned i = 0; i < 3; i++) {
		tdev_init(&big[i], "big");
		CHECK_EQ(pci_set_bar(&big[i].pci, 0, PCI_BAR_MEM32, false, 256 * SZ_1M,
				     &tdev_bar_ops, &big[i]), 0);
	}
	CHECK_EQ(pci_register(f.vm.pci, &big[0].pci, -1), 0);
	CHECK_EQ(pci_register(f.vm.pci, &big[1].pci, -1), 0);
	CHECK_EQ(pci_register(f.vm.pci, &big[2].pci, -1), -ENOSPC);
	CHECK(!big[2].pci.registered);
	CHECK_EQ(ecam_read(&f, PCI_DEVFN(3, 0), 0, 4), 0xffffffffu);
	tdev_fini(&big[2]);
	tdev_fini(&big[1]);
	tdev_fini(&big[0]);
	pci_fixture_fini(&f);
}

static void test_intx(void)
{
	struct pci_fixture f;
	struct tdev a, b;
	unsigned gsi;

	CHECK_EQ(pci_host_intx_gsi(0, 0), 16);
	CHECK_EQ(pci_host_intx_gsi(1, 0), 17);
	CHECK_EQ(pci_host_intx_gsi(1, 3), 16);
	CHECK_EQ(pci_host_intx_gsi(31, 2), 17);

	CHECK_EQ(pci_fixture_init(&f), 0);
	tdev_init(&a, "a");
	CHECK_EQ(pci_register(f.vm.pci, &a.pci, PCI_DEVFN(1, 0)), 0);	/* INTA → 17 */
	tdev_init(&b, "b");
	b.pci.cfg[PCI_INTERRUPT_PIN] = 4;				/* INTD → (2+3)%4 → 17 */
	CHECK_EQ(pci_register(f.vm.pci, &b.pci, PCI_DEVFN(2, 0)), 0);
	gsi = pci_host_intx_gsi(1, 0);
	CHECK_EQ(gsi, pci_host_intx_gsi(2, 3));
	/* Firmware wrote the GSI to Interrupt Line; Interrupt Pin is read-only. */
	CHECK_EQ(ecam_read(&f, a.pci.devfn, PCI_INTERRUPT_LINE, 1), gsi);
	ecam_write(&f, a.pci.devfn, PCI_INTERRUPT_PIN, 1, 3);
	CHECK_EQ(ecam_read(&f, a.pci.devfn, PCI_INTERRUPT_PIN, 1), 1);

	pci_set_intx(&a.pci, 1);
	CHECK_EQ(f.fi.line[gsi], 1);
	CHECK(ecam_read(&f, a.pci.devfn, PCI_STATUS, 2) & PCI_STATUS_INTERRUPT);
	CHECK(ecam_read(&f, a.pci.devfn, PCI_COMMAND, 4) & (PCI_STATUS_INTERRUPT << 16));
	CHECK_EQ(ecam_read(&f, b.pci.devfn, PCI_STATUS, 2) & PCI_STATUS_INTERRUPT, 0);
	/* Shared line: b asserts too, a drops: the line stays up until b drops. */
	pci_set_intx(&b.pci, 1);
	pci_set_intx(&a.pci, 0);
	CHECK_EQ(f.fi.line[gsi], 1);
	CHECK_EQ(ecam_read(&f, a.pci.devfn, PCI_STATUS, 2) & PCI_STATUS_INTERRUPT, 0);
	pci_set_intx(&b.pci, 1);	/* repeated level: no double count */
	pci_set_intx(&b.pci, 0);
	CHECK_EQ(f.fi.line[gsi], 0);

	/* INTx Disable masks the pin but not the status bit (§7.5.1.1.3/.4). */
	pci_set_intx(&a.pci, 1);
	CHECK_EQ(f.fi.line[gsi], 1);
	ecam_write(&f, a.pci.devfn, PCI_COMMAND, 2, PCI_COMMAND_INTX_DISABLE);
	CHECK_EQ(f.fi.line[gsi], 0);
	CHECK(ecam_read(&f, a.pci.devfn, PCI_STATUS, 2) & PCI_STATUS_INTERRUPT);
	pci_set_intx(&b.pci, 1);
	CHECK_EQ(f.fi.line[gsi], 1);
	pci_set_intx(&b.pci, 0);
	CHECK_EQ(f.fi.line[gsi], 0);
	ecam_write(&f, a.pci.devfn, PCI_COMMAND, 2, 0);
	CHECK_EQ(f.fi.line[gsi], 1);
	/* The status bit is read-only to the guest. */
	ecam_write(&f, a.pci.devfn, PCI_STATUS, 2, 0xffff);
	CHECK(ecam_read(&f, a.pci.devfn, PCI_STATUS, 2) & PCI_STATUS_INTERRUPT);
	/* Unregistering an asserting function releases the line. */
	tdev_fini(&a);
	CHECK_EQ(f.fi.line[gsi], 0);
	tdev_fini(&b);
	pci_fixture_fini(&f);
}

struct hammer {
	struct pci_fixture *f;
	u8 devfn;
	unsigned iters;
	unsigned seed;
};

/* Concurrent vCPUs: one toggles decoding, one moves the BAR; the bus must stay consistent. */
static void *hammer_thread(void *arg)
{
	struct hammer *hm = arg;

	for (unsigned i = 0; i < hm->iters; i++) {
		hm->seed = hm->seed * 1103515245u + 12345u;
		switch ((hm->seed >> 16) % 4) {
		case 0:
			ecam_write(hm->f, hm->devfn, PCI_COMMAND, 2, (hm->seed >> 8) & 0x7);
			break;
		case 1:
			ecam_write(hm->f, hm->devfn, PCI_BASE_ADDRESS_1, 4,
				   PCI_MMIO32_BASE + ((hm->seed >> 4) & 0xf) * 0x1000);
			break;
		case 2:
			(void)ecam_read(hm->f, hm->devfn, PCI_BASE_ADDRESS_1, 4);
			break;
		default:
			ecam_write(hm->f, hm->devfn, PCI_BASE_ADDRESS_1, 4, 0xffffffff);
			break;
		}
	}
	return NULL;
}

static void test_concurrent_config(void)
{
	struct pci_fixture f;
	struct tdev t;
	struct hammer hm[2];
	pthread_t th[2];
	u64 a;
	bool want;

	CHECK_EQ(pci_fixture_init(&f), 0);
	tdev_init(&t, "t");
	CHECK_EQ(pci_set_bar(&t.pci, 1, PCI_BAR_MEM32, false, 4096, &tdev_bar_ops, &t), 0);
	CHECK_EQ(pci_register(f.vm.pci, &t.pci, -1), 0);
	for (unsigned i = 0; i < 2; i++) {
		hm[i] = (struct hammer){ &f, t.pci.devfn, 20000, 7 + i };
		CHECK_EQ(pthread_create(&th[i], NULL, hammer_thread, &hm[i]), 0);
	}
	for (unsigned i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	CHECK(bus_ranges_sane(&f.vm.mmio));
	/* The final mapping matches the final registers. */
	a = ecam_read(&f, t.pci.devfn, PCI_BASE_ADDRESS_1, 4) & ~0xfull;
	want = (ecam_read(&f, t.pci.devfn, PCI_COMMAND, 2) & PCI_COMMAND_MEMORY) && a &&
	       a != 0xfffff000ull;
	CHECK_EQ(t.pci.bars[1].mapped, want);
	if (want)
		CHECK(bus_has_range(&f.vm.mmio, a, 4096));
	tdev_fini(&t);
	CHECK_EQ(f.vm.mmio.nr, 1); /* only ECAM left */
	pci_fixture_fini(&f);
}

int main(void)
{
	log_set_level(LOG_ERR);
	test_bridge_identity();
	test_cf8_mechanism();
	test_ecam_matches_cf8();
	test_absent_functions();
	test_hostile_ecam();
	test_bar_placement();
	test_window_exhaustion();
	test_intx();
	test_concurrent_config();
	return check_done();
}
