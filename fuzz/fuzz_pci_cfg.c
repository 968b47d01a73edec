// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fuzz target for the PCI host bridge: a host with three functions (I/O,
 * 32-bit and 64-bit BARs, MSI-X, a PCIe capability with FLR, a second
 * function in one slot, an SR-IOV PF with two VFs) driven by a random stream of what guests and devices
 * do — ECAM and CF8/CFC config accesses of every size and alignment, BAR and
 * MSI-X table accesses at whatever address the BARs decode, INTx levels and
 * MSI-X notifications. After every operation the invariants are checked:
 * the buses' ranges never overlap, a BAR is mapped only while its decode bit
 * is set, read-only config bits never change, and each INTx line's level is
 * the OR of what the functions on it drive.
 */
#include <stdio.h>
#include <stdlib.h>

#include "fuzz.h"
#include "pci_fixture.h"

#define NDEV 5	/* a, b (SR-IOV PF), c (function 1 of b's slot), two VFs of b */

static const unsigned lens[] = { 1, 2, 4, 8, 3, 4, 4, 2 };

struct world {
	struct pci_fixture f;
	struct tdev dev[NDEV];
	struct pci_dev *vfs[2];
	/* Read-only bits and their values when first registered (VFs: when first enabled). */
	bool seen[NDEV];
	u8 romask[NDEV][PCI_CFG_SPACE_SIZE_EXP];
	u8 ro[NDEV][PCI_CFG_SPACE_SIZE_EXP];
};

static void snapshot_ro(struct world *w, unsigned k)
{
	struct pci_dev *d = &w->dev[k].pci;

	for (unsigned i = 0; i < PCI_CFG_SPACE_SIZE_EXP; i++) {
		w->romask[k][i] = (u8)~(d->wmask[i] | d->w1cmask[i]);
		w->ro[k][i] = d->cfg[i] & w->romask[k][i];
	}
	w->seen[k] = true;
}

static int world_init(struct world *w)
{
	struct tdev *a = &w->dev[0], *b = &w->dev[1], *c = &w->dev[2];
	u8 vbody[12] = { 0, 12, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };

	if (pci_fixture_init(&w->f))
		return -1;
	tdev_init(a, "fz-a");
	tdev_init(b, "fz-b");
	tdev_init(c, "fz-c");
	if (pci_set_bar(&a->pci, 0, PCI_BAR_IO, false, 32, &tdev_bar_ops, a) ||
	    pci_set_bar(&a->pci, 1, PCI_BAR_MEM32, false, 4096, &tdev_bar_ops, a) ||
	    msix_init(&a->pci, 8, 2) || pci_add_pcie_cap(&a->pci) < 0 ||
	    pci_add_cap(&a->pci, PCI_CAP_ID_VNDR, vbody, sizeof(vbody)) < 0 ||
	    pci_add_ext_cap(&a->pci, PCI_EXT_CAP_ID_DSN, 1, vbody, 8) < 0 ||
	    pci_register(w->f.vm.pci, &a->pci, -1))
		return -1;
	for (unsigned i = 0; i < 2; i++) {
		struct tdev *vf = &w->dev[3 + i];

		tdev_init(vf, "fz-vf");
		if (pci_set_bar(&vf->pci, 0, PCI_BAR_MEM64, true, 16384, &tdev_bar_ops, vf) ||
		    msix_init(&vf->pci, 2, 2) || pci_add_pcie_cap(&vf->pci) < 0)
			return -1;
		w->vfs[i] = &vf->pci;
	}
	b->pci.cfg[PCI_INTERRUPT_PIN] = 2;
	if (pci_set_bar(&b->pci, 0, PCI_BAR_MEM64, true, SZ_1M, &tdev_bar_ops, b) ||
	    pci_set_bar(&b->pci, 2, PCI_BAR_MEM32, false, 16, &tdev_bar_ops, b) ||
	    pci_add_pcie_cap(&b->pci) < 0 || pci_sriov_init(&b->pci, w->vfs, 2, 16, 1) ||
	    pci_register(w->f.vm.pci, &b->pci, -1))
		return -1;
	c->pci.ops = NULL;
	if (pci_set_bar(&c->pci, 5, PCI_BAR_IO, false, 4, &tdev_bar_ops, c) ||
	    pci_add_pcie_cap(&c->pci) < 0 ||
	    pci_register(w->f.vm.pci, &c->pci, PCI_DEVFN(PCI_SLOT(b->pci.devfn), 1)))
		return -1;
	for (unsigned k = 0; k < 3; k++)
		snapshot_ro(w, k);
	return 0;
}

static void world_fini(struct world *w)
{
	/* The PF first: it disables its VFs. */
	tdev_fini(&w->dev[1]);
	for (unsigned k = NDEV; k--;)
		if (k != 1)
			tdev_fini(&w->dev[k]);
	pci_fixture_fini(&w->f);
}

/* Registers worth hitting more often than a uniform offset would. */
static u16 pick_reg(struct world *w, struct pci_dev *d, u32 r)
{
	static const u16 header[] = { PCI_COMMAND, PCI_STATUS, PCI_BASE_ADDRESS_0,
				      PCI_BASE_ADDRESS_1, PCI_BASE_ADDRESS_2, PCI_BASE_ADDRESS_3,
				      PCI_BASE_ADDRESS_4, PCI_BASE_ADDRESS_5, PCI_ROM_ADDRESS,
				      PCI_INTERRUPT_LINE, PCI_CAPABILITY_LIST };
	u16 sel = r & 0xfff, sr = pci_find_ext_cap(d, PCI_EXT_CAP_ID_SRIOV);

	switch ((r >> 12) % 5) {
	case 0:
		return sel;
	case 1:
		return header[sel % ARRAY_SIZE(header)] + ((r >> 14) & 3);
	case 2:
		return (u16)(pci_find_cap(d, PCI_CAP_ID_MSIX) + ((sel % 12) & ~1));
	case 3:
		return (u16)(d->pcie_cap ? d->pcie_cap + (sel % 0x3c) : sel);
	default:
		return (u16)(sr ? sr + (sel % PCI_EXT_CAP_SRIOV_SIZEOF) : sel);
	}
}

/* An address some BAR of some device decodes, from what its registers say now. */
static u64 pick_bar_addr(struct world *w, u32 r, bool *io)
{
	struct pci_dev *d = &w->dev[r % NDEV].pci;
	unsigned idx = (r >> 2) % PCI_NUM_BARS;
	struct pci_bar *b = &d->bars[idx];
	u64 off = (r >> 8) & 0xfff;

	*io = b->type == PCI_BAR_IO;
	if (b->mapped)
		return b->addr + (b->size ? off % (b->size + 8) : 0);
	return (*io ? PCI_PIO_BASE : PCI_MMIO32_BASE) + ((r >> 8) & 0xffff);
}

static void check_invariants(struct world *w, bool full)
{
	unsigned want[4] = { 0 }, mapped_io = 0, mapped_mem = 0;

	FUZZ_ASSERT(bus_ranges_sane(&w->f.vm.mmio));
	FUZZ_ASSERT(bus_ranges_sane(&w->f.vm.pio));
	for (unsigned k = 0; k < NDEV; k++) {
		struct pci_dev *d = &w->dev[k].pci;
		u16 cmd = (u16)ldn_le(&d->cfg[PCI_COMMAND], 2);
		unsigned n = full ? PCI_CFG_SPACE_SIZE_EXP : PCI_STD_HEADER_SIZEOF;

		if (d->registered && !w->seen[k])
			snapshot_ro(w, k);	/* a VF, enabled for the first time */
		for (unsigned i = 0; i < PCI_NUM_BARS; i++) {
			struct pci_bar *b = &d->bars[i];

			if (!b->mapped)
				continue;
			if (b->type == PCI_BAR_IO)
				mapped_io++;
			else
				mapped_mem++;
			FUZZ_ASSERT(d->registered);
			if (d->pf)	/* a VF decodes by its PF's VF Enable and VF MSE */
				FUZZ_ASSERT(d->vf_mse && d->vf_addr[i] == b->addr);
			else
				FUZZ_ASSERT(cmd & (b->type == PCI_BAR_IO ? PCI_COMMAND_IO
									 : PCI_COMMAND_MEMORY));
			FUZZ_ASSERT(bus_has_range(b->type == PCI_BAR_IO ? &w->f.vm.pio
									: &w->f.vm.mmio,
						  b->addr, b->size));
		}
		for (unsigned i = 0; w->seen[k] && i < n; i++)
			FUZZ_ASSERT((d->cfg[i] & w->romask[k][i]) == w->ro[k][i]);
		if (d->intx_level && !d->intx_disabled && d->cfg[PCI_INTERRUPT_PIN])
			want[pci_host_intx_gsi(PCI_SLOT(d->devfn), d->cfg[PCI_INTERRUPT_PIN] - 1u) -
			     IRQ_PCI_INTX_FIRST] = 1;
	}
	for (unsigned l = 0; l < 4; l++)
		FUZZ_ASSERT(w->f.fi.line[IRQ_PCI_INTX_FIRST + l] == (int)want[l]);
	/* Nothing stale: besides ECAM and CF8, every range on a bus is a decoded BAR. */
	FUZZ_ASSERT(w->f.vm.mmio.nr == 1 + mapped_mem);
	FUZZ_ASSERT(w->f.vm.pio.nr == 1 + mapped_io);
}

static void step(struct world *w, struct fuzz_in *in)
{
	u32 op = fuzz_take(in, 1), sel = fuzz_take(in, 1), r = fuzz_take(in, 2), v = fuzz_take(in, 4);
	unsigned k = sel % NDEV, len = lens[(sel >> 4) & 7];
	struct pci_dev *d = &w->dev[k].pci;
	u64 x = v | (u64)fuzz_take(in, 1) << 32, addr;
	u8 devfn = (r >> 15) ? (u8)(r >> 4) : d->devfn;
	bool io;

	switch (op % 14) {
	case 0: /* ECAM read, mostly of a present function */
		(void)ecam_read(&w->f, devfn, pick_reg(w, d, r), len);
		break;
	case 1:
	case 2: /* ECAM write */
		ecam_write(&w->f, devfn, pick_reg(w, d, r), len, v);
		break;
	case 3: /* raw CONFIG_ADDRESS / CONFIG_DATA port access */
		bus_write(&w->f.vm.pio, PIO_PCI_CONFIG + (r & 7), &x, len);
		break;
	case 4:
		bus_read(&w->f.vm.pio, PIO_PCI_CONFIG + (r & 7), &x, len);
		break;
	case 5: /* a well-formed CF8/CFC pair */
		cf8_write(&w->f, 0, d->devfn, pick_reg(w, d, r) & 0xff, len > 4 ? 4 : len, v);
		break;
	case 6:
		(void)cf8_read(&w->f, (u8)(r >> 14), devfn, r & 0xff, len > 4 ? 4 : len);
		break;
	case 7: /* BAR / MSI-X table access */
	case 8:
		addr = pick_bar_addr(w, r, &io);
		if (op & 1)
			bus_write(io ? &w->f.vm.pio : &w->f.vm.mmio, addr, &x, len);
		else
			bus_read(io ? &w->f.vm.pio : &w->f.vm.mmio, addr, &x, len);
		break;
	case 9:
		msix_notify(&w->dev[0].pci, r % 9);	/* 8 vectors, and one too many */
		msix_notify(&w->dev[3 + (r >> 8) % 2].pci, (r >> 4) % 2);
		break;
	case 10:
		pci_set_intx(d, r & 1);
		break;
	case 11: /* Linux's BAR sizing on one register */
		addr = PCI_BASE_ADDRESS_0 + 4 * (r % PCI_NUM_BARS);
		x = ecam_read(&w->f, d->devfn, (u16)addr, 4);
		ecam_write(&w->f, d->devfn, (u16)addr, 4, 0xffffffff);
		(void)ecam_read(&w->f, d->devfn, (u16)addr, 4);
		ecam_write(&w->f, d->devfn, (u16)addr, 4, (u32)x);
		break;
	case 12:
		if (msix_vector_fd(&w->dev[0].pci, r % 8) >= 0 && (r & 0x100)) {
			u64 one = 1;

			if (write(msix_vector_fd(&w->dev[0].pci, r % 8), &one, 8) != 8)
				abort();
		}
		break;
	default: /* a full config write + read of a random dword */
		pci_cfg_write(d, r & 0xffc, 4, v);
		(void)pci_cfg_read(d, r & 0xffc, 4);
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct world *w = calloc(1, sizeof(*w));
	struct fuzz_in in = { data, size };

	log_set_level(LOG_ERR);
	if (!w || world_init(w)) {
		fprintf(stderr, "fuzz_pci_cfg: set-up failed\n");
		abort();
	}
	check_invariants(w, true);
	for (unsigned n = 0; in.n && n < 4096; n++) {
		step(w, &in);
		check_invariants(w, false);
	}
	check_invariants(w, true);
	world_fini(w);
	free(w);
	return 0;
}
