// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for src/bus/pci_cap.c: capability and extended-capability lists
 * walked through ECAM the way a guest walks them (with a hop limit, checking
 * every pointer stays in range and the walk ends), the PCI Express capability
 * as Linux reads it, and guest writes that try to bend the chains.
 */
#include <errno.h>

#include "check.h"
#include "pci_fixture.h"

struct walk {
	unsigned n;
	u8 ids[64];
	u16 offs[64];
	bool loop;	/* ran out of hops */
	bool bad;	/* a pointer out of range or misaligned */
};

/* The walk Linux's __pci_find_next_cap_ttl() makes: at most 48 hops, pointers ≥ 0x40. */
static struct walk walk_caps(struct pci_fixture *f, u8 devfn)
{
	struct walk w = { 0 };
	u8 pos;
	unsigned ttl = 48;

	if (!(ecam_read(f, devfn, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST))
		return w;
	pos = (u8)ecam_read(f, devfn, PCI_CAPABILITY_LIST, 1);
	while (pos) {
		if (!ttl--) {
			w.loop = true;
			break;
		}
		if (pos < 0x40 || (pos & 3)) {
			w.bad = true;
			break;
		}
		w.offs[w.n] = pos;
		w.ids[w.n++] = (u8)ecam_read(f, devfn, pos, 1);
		pos = (u8)ecam_read(f, devfn, pos + 1, 1);
	}
	return w;
}

/* Extended list (PCIe 6.0 §7.6.3): from 0x100, next ≥ 0x100, dword aligned, at most 480 hops. */
static struct walk walk_ext_caps(struct pci_fixture *f, u8 devfn)
{
	struct walk w = { 0 };
	u16 pos = 0x100;
	unsigned ttl = 480;

	while (pos) {
		u32 hdr = ecam_read(f, devfn, pos, 4);

		if (!hdr)
			break;
		if (!ttl--) {
			w.loop = true;
			break;
		}
		if (w.n < ARRAY_SIZE(w.offs)) {
			w.offs[w.n] = pos;
			w.ids[w.n] = (u8)PCI_EXT_CAP_ID(hdr);
		}
		w.n++;
		pos = (u16)PCI_EXT_CAP_NEXT(hdr);
		if (pos && (pos < 0x100 || pos > 0xffc || (pos & 3))) {
			w.bad = true;
			break;
		}
	}
	return w;
}

static void test_standard_caps(void)
{
	struct pci_fixture f;
	struct tdev t;
	struct walk w;
	u8 body[30];
	int o1, o2, o3, o4;

	CHECK_EQ(pci_fixture_init(&f), 0);
	tdev_init(&t, "t");
	for (unsigned i = 0; i < sizeof(body); i++)
		body[i] = (u8)(0x80 + i);
	/* A vendor-specific capability's second byte after the header is its length. */
	o1 = pci_add_cap(&t.pci, PCI_CAP_ID_VNDR, body, 3);
	o2 = pci_add_pcie_cap(&t.pci);
	o3 = pci_add_cap(&t.pci, PCI_CAP_ID_VNDR, body, 14);
	o4 = pci_add_cap(&t.pci, PCI_CAP_ID_PM, body, 6);
	CHECK_EQ(o1, 0x40);
	CHECK_EQ(o2, 0x48);	/* 0x40 + 5 rounded up to a dword */
	CHECK_EQ(o3, 0x48 + PCI_EXP_SLTSTA2 + 2);	/* the full v2 structure */
	CHECK(o4 > o3 && (o4 & 3) == 0);
	CHECK_EQ(pci_find_cap(&t.pci, PCI_CAP_ID_EXP), o2);
	CHECK_EQ(pci_find_cap(&t.pci, PCI_CAP_ID_PM), o4);
	CHECK_EQ(pci_find_cap(&t.pci, PCI_CAP_ID_MSI), 0);
	CHECK_EQ(pci_register(f.vm.pci, &t.pci, -1), 0);

	w = walk_caps(&f, t.pci.devfn);
	CHECK(!w.loop && !w.bad);
	CHECK_EQ(w.n, 4);
	CHECK_EQ(w.ids[0], PCI_CAP_ID_VNDR);
	CHECK_EQ(w.ids[1], PCI_CAP_ID_EXP);
	CHECK_EQ(w.ids[2], PCI_CAP_ID_VNDR);
	CHECK_EQ(w.ids[3], PCI_CAP_ID_PM);
	CHECK_EQ(w.offs[3], o4);
	CHECK_EQ(ecam_read(&f, t.pci.devfn, o3 + 2, 2), 0x8180);
	CHECK_EQ(ecam_read(&f, t.pci.devfn, o3 + 4, 4), 0x85848382);
	/* The guest cannot rewire the chain or change capability contents. */
	ecam_write(&f, t.pci.devfn, PCI_CAPABILITY_LIST, 1, 0x48);
	ecam_write(&f, t.pci.devfn, o1 + 1, 1, o1);
	ecam_write(&f, t.pci.devfn, o3, 4, 0xffffffff);
	w = walk_caps(&f, t.pci.devfn);
	CHECK(!w.loop && !w.bad);
	CHECK_EQ(w.n, 4);
	CHECK_EQ(ecam_read(&f, t.pci.devfn, o3 + 2, 2), 0x8180);
	tdev_fini(&t);
	pci_fixture_fini(&f);
}

/* Fill 0x40..0xFF to the last byte; the list must still end, inside the space. */
static void test_cap_space_full(void)
{
	struct pci_fixture f;
	struct tdev t;
	struct walk w;
	u8 body[253] = { 0 };
	int off, n = 0;

	CHECK_EQ(pci_fixture_init(&f), 0);
	tdev_init(&t, "t");
	while ((off = pci_add_cap(&t.pci, PCI_CAP_ID_VNDR, body, 10)) > 0)
		n++;
	CHECK_EQ(off, -ENOSPC);
	CHECK_EQ(n, 16);	/* 12-byte capabilities from 0x40: 0x40..0xFC */
	CHECK_EQ(pci_add_cap(&t.pci, PCI_CAP_ID_VNDR, NULL, 0), -ENOSPC);
	CHECK_EQ(pci_register(f.vm.pci, &t.pci, -1), 0);
	w = walk_caps(&f, t.pci.devfn);
	CHECK(!w.loop && !w.bad);
	CHECK_EQ(w.n, 16);
	CHECK_EQ(w.offs[15], 0xf4);
	tdev_fini(&t);

	/* A single capability may take the whole area, exactly. */
	tdev_init(&t, "t2");
	CHECK_EQ(pci_add_cap(&t.pci, PCI_CAP_ID_VNDR, body, 190), 0x40);
	CHECK_EQ(pci_add_cap(&t.pci, PCI_CAP_ID_VNDR, body, 0), -ENOSPC);
	tdev_fini(&t);
	tdev_init(&t, "t3");
	CHECK_EQ(pci_add_cap(&t.pci, PCI_CAP_ID_VNDR, body, 191), -ENOSPC);
	CHECK_EQ(pci_add_cap(&t.pci, PCI_CAP_ID_VNDR, body, 253), -ENOSPC);
	tdev_fini(&t);
	pci_fixture_fini(&f);
}

static void test_ext_caps(void)
{
	struct pci_fixture f;
	struct tdev t;
	struct walk w;
	u8 body[64];
	int e1, e2, e3;
	u8 devfn;

	CHECK_EQ(pci_fixture_init(&f), 0);
	tdev_init(&t, "t");
	CHECK(pci_add_pcie_cap(&t.pci) > 0);
	for (unsigned i = 0; i < sizeof(body); i++)
		body[i] = (u8)i;
	e1 = pci_add_ext_cap(&t.pci, PCI_EXT_CAP_ID_DSN, 1, body, 8);
	e2 = pci_add_ext_cap(&t.pci, PCI_EXT_CAP_ID_VNDR, 1, body, 13);
	e3 = pci_add_ext_cap(&t.pci, PCI_EXT_CAP_ID_ARI, 1, body, 4);
	CHECK_EQ(e1, 0x100);
	CHECK_EQ(e2, 0x10c);
	CHECK_EQ(e3, 0x120);	/* 0x10c + 4 + 13 = 0x11d, dword aligned */
	CHECK_EQ(pci_add_ext_cap(&t.pci, 0x1234, 16, body, 4), -ENOSPC);	/* version is 4 bits */
	CHECK_EQ(pci_find_ext_cap(&t.pci, PCI_EXT_CAP_ID_ARI), e3);
	CHECK_EQ(pci_find_ext_cap(&t.pci, PCI_EXT_CAP_ID_SRIOV), 0);
	CHECK_EQ(pci_register(f.vm.pci, &t.pci, -1), 0);
	devfn = t.pci.devfn;
	w = walk_ext_caps(&f, devfn);
	CHECK(!w.loop && !w.bad);
	CHECK_EQ(w.n, 3);
	CHECK_EQ(w.ids[0], PCI_EXT_CAP_ID_DSN);
	CHECK_EQ(w.ids[1], PCI_EXT_CAP_ID_VNDR);
	CHECK_EQ(w.ids[2], PCI_EXT_CAP_ID_ARI);
	CHECK_EQ(PCI_EXT_CAP_VER(ecam_read(&f, devfn, e2, 4)), 1);
	CHECK_EQ(ecam_read(&f, devfn, e1 + 4, 4), 0x03020100);
	/* Read-only to the guest. */
	ecam_write(&f, devfn, e1, 4, 0);
	ecam_write(&f, devfn, e2 + 2, 2, 0x1000);
	w = walk_ext_caps(&f, devfn);
	CHECK(!w.loop && !w.bad);
	CHECK_EQ(w.n, 3);
	/* The extended space is only reachable through ECAM: CF8 stops at 0xFF. */
	CHECK_EQ(cf8_read(&f, 0, devfn, 0x100 & 0xff, 4), ecam_read(&f, devfn, 0, 4));
	tdev_fini(&t);

	/* A PCIe function with no extended capability: a zero header at 0x100 (§7.6.3). */
	tdev_init(&t, "plain");
	CHECK(pci_add_pcie_cap(&t.pci) > 0);
	CHECK_EQ(pci_register(f.vm.pci, &t.pci, -1), 0);
	CHECK_EQ(ecam_read(&f, t.pci.devfn, 0x100, 4), 0);
	w = walk_ext_caps(&f, t.pci.devfn);
	CHECK_EQ(w.n, 0);
	tdev_fini(&t);

	/* Fill the extended space: the last one ends exactly at 0x1000. */
	tdev_init(&t, "full");
	CHECK_EQ(pci_add_ext_cap(&t.pci, PCI_EXT_CAP_ID_VNDR, 1, NULL, 0), 0x100);
	{
		static u8 big[0xef0];	/* 0x104 + 4 + 0xef0 = 0xff8 */

		CHECK_EQ(pci_add_ext_cap(&t.pci, PCI_EXT_CAP_ID_VNDR, 1, big, sizeof(big)), 0x104);
		CHECK_EQ(pci_add_ext_cap(&t.pci, PCI_EXT_CAP_ID_VNDR, 1, big, 4), 0xff8);
		CHECK_EQ(pci_add_ext_cap(&t.pci, PCI_EXT_CAP_ID_VNDR, 1, NULL, 0), -ENOSPC);
	}
	CHECK_EQ(pci_register(f.vm.pci, &t.pci, -1), 0);
	w = walk_ext_caps(&f, t.pci.devfn);
	CHECK(!w.loop && !w.bad);
	CHECK_EQ(w.n, 3);
	tdev_fini(&t);
	pci_fixture_fini(&f);
}

/* What Linux's set_pcie_port_type() and pcie_capability_*() see. */
static void test_pcie_cap(void)
{
	struct pci_fixture f;
	struct tdev t;
	u8 devfn;
	u16 pos;

	CHECK_EQ(pci_fixture_init(&f), 0);
	tdev_init(&t, "t");
	CHECK(pci_add_pcie_cap(&t.pci) > 0);
	CHECK_EQ(pci_register(f.vm.pci, &t.pci, -1), 0);
	devfn = t.pci.devfn;
	pos = t.pci.pcie_cap;
	CHECK_EQ(pos, pci_find_cap(&t.pci, PCI_CAP_ID_EXP));
	CHECK_EQ(ecam_read(&f, devfn, pos + PCI_EXP_FLAGS, 2) & PCI_EXP_FLAGS_VERS, 2);
	CHECK_EQ((ecam_read(&f, devfn, pos + PCI_EXP_FLAGS, 2) & PCI_EXP_FLAGS_TYPE) >> 4,
		 PCI_EXP_TYPE_RC_END);
	CHECK(ecam_read(&f, devfn, pos + PCI_EXP_DEVCAP, 4) & PCI_EXP_DEVCAP_RBER);
	CHECK_EQ(ecam_read(&f, devfn, pos + PCI_EXP_DEVCAP, 4) & PCI_EXP_DEVCAP_PAYLOAD, 0);
	/* Device Control: MPS, MRRS and the enables are RW; reserved bits are not. */
	ecam_write(&f, devfn, pos + PCI_EXP_DEVCTL, 2, 0x7fff);	/* bit 15 would be FLR */
	CHECK_EQ(ecam_read(&f, devfn, pos + PCI_EXP_DEVCTL, 2), 0x79ff);
	ecam_write(&f, devfn, pos + PCI_EXP_DEVCTL, 2, PCI_EXP_DEVCTL_READRQ_4096B);
	CHECK_EQ(ecam_read(&f, devfn, pos + PCI_EXP_DEVCTL, 2), PCI_EXP_DEVCTL_READRQ_4096B);
	/* An RCiEP has no link: Link and Slot registers read 0 and stay 0. */
	for (u16 r = PCI_EXP_LNKCAP; r < PCI_EXP_DEVCAP2; r += 4) {
		ecam_write(&f, devfn, pos + r, 4, 0xffffffff);
		CHECK_EQ(ecam_read(&f, devfn, pos + r, 4), 0);
	}
	for (u16 r = PCI_EXP_DEVCAP2; r < PCI_EXP_SLTSTA2 + 2; r += 4) {
		ecam_write(&f, devfn, pos + r, 4, 0xffffffff);
		CHECK_EQ(ecam_read(&f, devfn, pos + r, 4), 0);
	}
	/* Extended config space is real: a write there does not alias the header. */
	CHECK_EQ(ecam_read(&f, devfn, 0x100, 4), 0);
	CHECK(ecam_read(&f, devfn, 0x100, 4) != ecam_read(&f, devfn, 0, 4));
	tdev_fini(&t);
	pci_fixture_fini(&f);
}

int main(void)
{
	log_set_level(LOG_ERR);
	test_standard_caps();
	test_cap_space_full();
	test_ext_caps();
	test_pcie_cap();
	return check_done();
}
