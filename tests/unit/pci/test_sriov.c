// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for src/bus/sriov.c, following Linux's drivers/pci/iov.c:
 * sriov_init() (System Page Size, VF BAR sizing through the capability,
 * NumVFs probing), sriov_enable() (NumVFs, then VF Enable | VF MSE, then the
 * VFs' config space), VF BAR decode per VF, VF MSI-X, disable/re-enable,
 * page sizes, PF FLR, and the host's reservation of VF routing IDs.
 */
#include <errno.h>

#include "check.h"
#include "pci_fixture.h"
#include "src/bus/pci_internal.h"	/* white-box: raw register accessors */

#define NVF 4
#define VF_DID 0x0006
#define VF_BAR0 16384

struct sriov_world {
	struct pci_fixture f;
	struct tdev pf;
	struct tdev vf[NVF];
	struct pci_dev *vfp[NVF];
	unsigned changed_calls, last_num;
	u16 cap;		/* SR-IOV capability in the PF, found by walking */
};

static struct sriov_world *the_world;

static void pf_sriov_changed(struct pci_dev *pf, unsigned n)
{
	the_world->changed_calls++;
	the_world->last_num = n;
}

static struct pci_dev_ops pf_ops;

static void vf_build(struct tdev *t)
{
	tdev_init(t, "vf");
	pci_put(t->pci.cfg, PCI_DEVICE_ID, 2, VF_DID);
	CHECK_EQ(pci_set_bar(&t->pci, 0, PCI_BAR_MEM64, true, VF_BAR0, &tdev_bar_ops, t), 0);
	CHECK_EQ(msix_init(&t->pci, 2, 3), 0);
	CHECK(pci_add_pcie_cap(&t->pci) > 0);
}

static int world_setup(struct sriov_world *w, int pf_devfn, u16 offset, u16 stride)
{
	int ret;

	the_world = w;
	CHECK_EQ(pci_fixture_init(&w->f), 0);
	tdev_init(&w->pf, "pf");
	pf_ops = tdev_ops;
	pf_ops.sriov_changed = pf_sriov_changed;
	w->pf.pci.ops = &pf_ops;
	CHECK_EQ(pci_set_bar(&w->pf.pci, 0, PCI_BAR_MEM32, false, 4096, &tdev_bar_ops, &w->pf), 0);
	CHECK(pci_add_pcie_cap(&w->pf.pci) > 0);
	for (unsigned i = 0; i < NVF; i++) {
		vf_build(&w->vf[i]);
		w->vfp[i] = &w->vf[i].pci;
	}
	CHECK_EQ(pci_sriov_init(&w->pf.pci, w->vfp, NVF, offset, stride), 0);
	ret = pci_register(w->f.vm.pci, &w->pf.pci, pf_devfn);
	if (ret)
		return ret;
	for (w->cap = 0x100; w->cap;) {
		u32 hdr = ecam_read(&w->f, w->pf.pci.devfn, w->cap, 4);

		if (PCI_EXT_CAP_ID(hdr) == PCI_EXT_CAP_ID_SRIOV)
			break;
		w->cap = (u16)PCI_EXT_CAP_NEXT(hdr);
	}
	CHECK(w->cap >= 0x100);
	return 0;
}

static void world_teardown(struct sriov_world *w)
{
	tdev_fini(&w->pf);
	for (unsigned i = 0; i < NVF; i++)
		tdev_fini(&w->vf[i]);
	pci_fixture_fini(&w->f);
}

static u32 pf_read(struct sriov_world *w, u16 reg, unsigned len)
{
	return ecam_read(&w->f, w->pf.pci.devfn, w->cap + reg, len);
}

static void pf_write(struct sriov_world *w, u16 reg, unsigned len, u32 v)
{
	ecam_write(&w->f, w->pf.pci.devfn, w->cap + reg, len, v);
}

static u8 vf_devfn(struct sriov_world *w, unsigned i)
{
	return (u8)(w->pf.pci.devfn + pf_read(w, PCI_SRIOV_VF_OFFSET, 2) +
		    i * pf_read(w, PCI_SRIOV_VF_STRIDE, 2));
}

/* Linux's __pci_read_base() on a VF BAR register of the capability: per-VF size. */
static u64 size_vf_bar(struct sriov_world *w, unsigned n, u64 *base)
{
	u16 reg = PCI_SRIOV_BAR + 4 * n;
	u32 l = pf_read(w, reg, 4), h = pf_read(w, reg + 4, 4), sl, sh;
	u64 m;

	pf_write(w, reg, 4, 0xffffffff);
	sl = pf_read(w, reg, 4);
	pf_write(w, reg, 4, l);
	pf_write(w, reg + 4, 4, 0xffffffff);
	sh = pf_read(w, reg + 4, 4);
	pf_write(w, reg + 4, 4, h);
	*base = ((u64)h << 32 | l) & ~0xfull;
	m = ((u64)sh << 32 | sl) & ~0xfull;
	return m & ~(m - 1);
}

static void test_capability(void)
{
	struct sriov_world w;
	u64 base;

	CHECK_EQ(world_setup(&w, -1, 8, 1), 0);
	CHECK_EQ(pf_read(&w, PCI_SRIOV_TOTAL_VF, 2), NVF);
	CHECK_EQ(pf_read(&w, PCI_SRIOV_INITIAL_VF, 2), NVF);
	CHECK_EQ(pf_read(&w, PCI_SRIOV_VF_OFFSET, 2), 8);
	CHECK_EQ(pf_read(&w, PCI_SRIOV_VF_STRIDE, 2), 1);
	CHECK_EQ(pf_read(&w, PCI_SRIOV_VF_DID, 2), VF_DID);
	CHECK_EQ(pf_read(&w, PCI_SRIOV_SUP_PGSIZE, 4), 0x553);
	CHECK_EQ(pf_read(&w, PCI_SRIOV_SYS_PGSIZE, 4), 1);
	CHECK_EQ(pf_read(&w, PCI_SRIOV_FUNC_LINK, 1), PCI_FUNC(w.pf.pci.devfn));
	CHECK_EQ(pf_read(&w, PCI_SRIOV_CTRL, 2), 0);
	CHECK_EQ(pf_read(&w, PCI_SRIOV_NUM_VF, 2), 0);
	/* Read-only fields resist writes; only VFE, VF MSE and ARI are writable in Control. */
	pf_write(&w, PCI_SRIOV_TOTAL_VF, 2, 99);
	pf_write(&w, PCI_SRIOV_VF_OFFSET, 4, 0xffffffff);
	pf_write(&w, PCI_SRIOV_CAP, 4, 0xffffffff);
	CHECK_EQ(pf_read(&w, PCI_SRIOV_TOTAL_VF, 2), NVF);
	CHECK_EQ(pf_read(&w, PCI_SRIOV_VF_OFFSET, 2), 8);
	CHECK_EQ(pf_read(&w, PCI_SRIOV_CAP, 4), 0);
	pf_write(&w, PCI_SRIOV_CTRL, 2, PCI_SRIOV_CTRL_ARI | PCI_SRIOV_CTRL_VFM);
	CHECK_EQ(pf_read(&w, PCI_SRIOV_CTRL, 2), PCI_SRIOV_CTRL_ARI);
	pf_write(&w, PCI_SRIOV_CTRL, 2, 0);
	/* VF BARs: sizes and flags as the VFs declared them, placed by the host. */
	CHECK_EQ(size_vf_bar(&w, 0, &base), VF_BAR0);
	CHECK_EQ(pf_read(&w, PCI_SRIOV_BAR, 4) & 0xf,
		 PCI_BASE_ADDRESS_MEM_TYPE_64 | PCI_BASE_ADDRESS_MEM_PREFETCH);
	CHECK(base >= FIXTURE_MMIO64_BASE && IS_ALIGNED(base, VF_BAR0));
	CHECK_EQ(pf_read(&w, PCI_SRIOV_BAR + 12, 4) & 0xf, 0);	/* VF BAR3: MSI-X, 32-bit */
	{
		u32 l = pf_read(&w, PCI_SRIOV_BAR + 12, 4);

		pf_write(&w, PCI_SRIOV_BAR + 12, 4, 0xffffffff);
		CHECK_EQ(pf_read(&w, PCI_SRIOV_BAR + 12, 4), 0xfffff000);
		pf_write(&w, PCI_SRIOV_BAR + 12, 4, l);
		CHECK(l >= PCI_MMIO32_BASE);
	}
	CHECK_EQ(pf_read(&w, PCI_SRIOV_BAR + 8, 4), 0);	/* VF BAR2: none */
	/* Before VF Enable the VFs do not exist, and nobody else may take their IDs. */
	for (unsigned i = 0; i < NVF; i++)
		CHECK_EQ(ecam_read(&w.f, vf_devfn(&w, i), PCI_CLASS_REVISION, 4), 0xffffffff);
	{
		struct tdev other;

		tdev_init(&other, "other");
		CHECK_EQ(pci_register(w.f.vm.pci, &other.pci, vf_devfn(&w, 2)), -EEXIST);
		CHECK_EQ(pci_register(w.f.vm.pci, &other.pci, -1), 0);
		CHECK(PCI_SLOT(other.pci.devfn) != PCI_SLOT(vf_devfn(&w, 0)));
		tdev_fini(&other);
	}
	world_teardown(&w);
}

static void test_enable_and_decode(void)
{
	struct sriov_world w;
	u64 base0, base3, v;
	u8 devfn;

	CHECK_EQ(world_setup(&w, -1, 8, 1), 0);
	/* sriov_init: System Page Size = PAGE_SIZE, NumVFs probed then left 0. */
	pf_write(&w, PCI_SRIOV_SYS_PGSIZE, 4, 1);
	for (unsigned n = 1; n <= NVF; n++) {
		pf_write(&w, PCI_SRIOV_NUM_VF, 2, n);
		CHECK_EQ(pf_read(&w, PCI_SRIOV_VF_OFFSET, 2), 8);
	}
	pf_write(&w, PCI_SRIOV_NUM_VF, 2, 0);
	size_vf_bar(&w, 0, &base0);
	base3 = pf_read(&w, PCI_SRIOV_BAR + 12, 4) & ~0xfull;

	/* sriov_enable(3). */
	pf_write(&w, PCI_SRIOV_NUM_VF, 2, 3);
	pf_write(&w, PCI_SRIOV_CTRL, 2, PCI_SRIOV_CTRL_VFE | PCI_SRIOV_CTRL_MSE);
	CHECK_EQ(w.changed_calls, 1);
	CHECK_EQ(w.last_num, 3);
	for (unsigned i = 0; i < 3; i++) {
		devfn = vf_devfn(&w, i);
		CHECK(pci_host_find(w.f.vm.pci, 0, devfn) == &w.vf[i].pci);
		CHECK_EQ(pci_rid(&w.vf[i].pci), devfn);
		CHECK_EQ(w.vf[i].pci.dma.rid, devfn);
		/* VF config space (§9.3.4): IDs FFFFh, class as built, no BARs, no INTx. */
		CHECK_EQ(ecam_read(&w.f, devfn, PCI_VENDOR_ID, 4), 0xffffffff);
		CHECK_EQ(ecam_read(&w.f, devfn, PCI_CLASS_REVISION, 4), 0xff000001);
		CHECK_EQ(ecam_read(&w.f, devfn, PCI_INTERRUPT_PIN, 1), 0);
		CHECK_EQ(ecam_read(&w.f, devfn, PCI_HEADER_TYPE, 1), 0);
		for (u16 r = PCI_BASE_ADDRESS_0; r <= PCI_BASE_ADDRESS_5; r += 4) {
			ecam_write(&w.f, devfn, r, 4, 0xffffffff);
			CHECK_EQ(ecam_read(&w.f, devfn, r, 4), 0);
		}
		ecam_write(&w.f, devfn, PCI_COMMAND, 2, 0xffff);
		CHECK_EQ(ecam_read(&w.f, devfn, PCI_COMMAND, 2),
			 PCI_COMMAND_MASTER | PCI_COMMAND_PARITY | PCI_COMMAND_SERR);
		/* VF i's BAR0 decodes at base + i * size, and reaches VF i. */
		CHECK(bus_has_range(&w.f.vm.mmio, base0 + i * VF_BAR0, VF_BAR0));
		v = 0;
		CHECK(bus_read(&w.f.vm.mmio, base0 + i * VF_BAR0 + 0x40, &v, 4));
		CHECK_EQ(w.vf[i].last_off, 0x40);
		CHECK(bus_has_range(&w.f.vm.mmio, base3 + i * 4096, 4096));
	}
	/* VF 3 was not enabled. */
	CHECK_EQ(ecam_read(&w.f, vf_devfn(&w, 3), PCI_CLASS_REVISION, 4), 0xffffffff);
	CHECK(!bus_has_range(&w.f.vm.mmio, base0 + 3 * VF_BAR0, VF_BAR0));
	/* NumVFs and System Page Size are frozen while VF Enable is set. */
	pf_write(&w, PCI_SRIOV_NUM_VF, 2, 1);
	CHECK_EQ(pf_read(&w, PCI_SRIOV_NUM_VF, 2), 3);
	pf_write(&w, PCI_SRIOV_SYS_PGSIZE, 4, 0x10);
	CHECK_EQ(pf_read(&w, PCI_SRIOV_SYS_PGSIZE, 4), 1);
	/* The PF's own decode does not gate the VFs. */
	CHECK_EQ(ecam_read(&w.f, w.pf.pci.devfn, PCI_COMMAND, 2) & PCI_COMMAND_MEMORY, 0);

	/* VF MSI-X: the table in VF BAR3 of VF 1; the route carries VF 1's requester ID. */
	{
		u64 t = base3 + 1 * 4096;
		u32 x;
		u16 cap = pci_find_cap(&w.vf[1].pci, PCI_CAP_ID_MSIX);
		unsigned gsi;
		int fd;

		devfn = vf_devfn(&w, 1);
		ecam_write(&w.f, devfn, cap + PCI_MSIX_FLAGS, 2, PCI_MSIX_FLAGS_ENABLE);
		x = 0xfee00000;
		bus_write(&w.f.vm.mmio, t + 16 + PCI_MSIX_ENTRY_LOWER_ADDR, &x, 4);
		x = 0x4055;
		bus_write(&w.f.vm.mmio, t + 16 + PCI_MSIX_ENTRY_DATA, &x, 4);
		x = 0;
		bus_write(&w.f.vm.mmio, t + 16 + PCI_MSIX_ENTRY_VECTOR_CTRL, &x, 4);
		fd = msix_vector_fd(&w.vf[1].pci, 1);
		CHECK(fd >= 0);
		gsi = 0;
		for (unsigned k = 0; k < w.f.fi.nr_irqfd; k++)
			if (w.f.fi.irqfd_log[k].fd == fd && w.f.fi.irqfd_log[k].assign)
				gsi = w.f.fi.irqfd_log[k].gsi;
		CHECK(gsi >= IRQ_NR_PINS);
		CHECK_EQ(w.f.vm.irq.routes[gsi].data, 0x4055);
		CHECK_EQ(w.f.vm.irq.routes[gsi].rid, devfn);
		msix_notify(&w.vf[1].pci, 1);
		CHECK_EQ(efd_take(fd), 1);
	}

	/* Moving the VF BAR moves every VF; VF MSE off unmaps them all. */
	w.vf[2].moves = 0;
	pf_write(&w, PCI_SRIOV_BAR, 4, (u32)(base0 + 0x100000) | 0xc);
	CHECK(bus_has_range(&w.f.vm.mmio, base0 + 0x100000 + 2 * VF_BAR0, VF_BAR0));
	CHECK(!bus_has_range(&w.f.vm.mmio, base0 + 2 * VF_BAR0, VF_BAR0));
	CHECK_EQ(w.vf[2].moves, 1);
	CHECK_EQ(w.vf[2].moved_new, base0 + 0x100000 + 2 * VF_BAR0);
	pf_write(&w, PCI_SRIOV_CTRL, 2, PCI_SRIOV_CTRL_VFE);
	CHECK_EQ(w.f.vm.mmio.nr, 1);	/* only ECAM: the PF's own decode is off too */
	pf_write(&w, PCI_SRIOV_CTRL, 2, PCI_SRIOV_CTRL_VFE | PCI_SRIOV_CTRL_MSE);
	CHECK(bus_has_range(&w.f.vm.mmio, base0 + 0x100000, VF_BAR0));
	/* Sizing the VF BAR with decode on never maps the all-ones pattern. */
	pf_write(&w, PCI_SRIOV_BAR + 4, 4, 0xffffffff);
	pf_write(&w, PCI_SRIOV_BAR, 4, 0xffffffff);
	CHECK(!w.vf[0].pci.bars[0].mapped);
	CHECK(bus_ranges_sane(&w.f.vm.mmio));
	world_teardown(&w);
}

static void test_disable_reenable_pagesize(void)
{
	struct sriov_world w;
	u64 base0, v;
	u8 devfn;

	CHECK_EQ(world_setup(&w, -1, 8, 2), 0);
	pf_write(&w, PCI_SRIOV_NUM_VF, 2, 2);
	pf_write(&w, PCI_SRIOV_CTRL, 2, PCI_SRIOV_CTRL_VFE | PCI_SRIOV_CTRL_MSE);
	devfn = vf_devfn(&w, 1);
	CHECK_EQ(devfn, w.pf.pci.devfn + 8 + 2);
	ecam_write(&w.f, devfn, PCI_COMMAND, 2, PCI_COMMAND_MASTER);
	CHECK(pci_bus_master_enabled(&w.vf[1].pci));
	/* Disable: the VFs vanish, their ranges go, they are reset. */
	pf_write(&w, PCI_SRIOV_CTRL, 2, 0);
	CHECK_EQ(w.last_num, 0);
	CHECK_EQ(ecam_read(&w.f, devfn, PCI_CLASS_REVISION, 4), 0xffffffff);
	CHECK_EQ(w.f.vm.mmio.nr, 1);
	CHECK_EQ(w.vf[1].resets, 1);
	CHECK(!pci_bus_master_enabled(&w.vf[1].pci));
	/* Larger pages: per-VF size rounds up, VF i at base + i * 64 KiB. */
	pf_write(&w, PCI_SRIOV_SYS_PGSIZE, 4, 0x3);	/* two sizes: refused */
	CHECK_EQ(pf_read(&w, PCI_SRIOV_SYS_PGSIZE, 4), 1);
	pf_write(&w, PCI_SRIOV_SYS_PGSIZE, 4, 0x2);	/* 8 KiB: below the 16 KiB BAR */
	CHECK_EQ(size_vf_bar(&w, 0, &base0), VF_BAR0);
	pf_write(&w, PCI_SRIOV_SYS_PGSIZE, 4, 0x10);	/* 64 KiB */
	CHECK_EQ(size_vf_bar(&w, 0, &base0), 0x10000);
	pf_write(&w, PCI_SRIOV_SYS_PGSIZE, 4, 0x4);	/* 16 KiB is not supported: ignored */
	CHECK_EQ(pf_read(&w, PCI_SRIOV_SYS_PGSIZE, 4), 0x10);
	pf_write(&w, PCI_SRIOV_BAR, 4, 0x400000 | 0xc);
	pf_write(&w, PCI_SRIOV_BAR + 4, 4, 0x3);
	pf_write(&w, PCI_SRIOV_CTRL, 2, PCI_SRIOV_CTRL_VFE | PCI_SRIOV_CTRL_MSE);
	CHECK(bus_has_range(&w.f.vm.mmio, 0x300400000ull, 0x10000));
	CHECK(bus_has_range(&w.f.vm.mmio, 0x300410000ull, 0x10000));
	CHECK(bus_read(&w.f.vm.mmio, 0x300410000ull + 0x8000, &v, 4));
	CHECK_EQ(w.vf[1].last_off, 0x8000);
	/* The re-enabled VF starts from reset. */
	CHECK_EQ(ecam_read(&w.f, devfn, PCI_COMMAND, 2), 0);
	/* VF FLR resets that VF only, and it keeps decoding (VF MSE is the PF's). */
	ecam_write(&w.f, devfn, w.vf[1].pci.pcie_cap + PCI_EXP_DEVCTL, 2, PCI_EXP_DEVCTL_BCR_FLR);
	CHECK_EQ(w.vf[1].resets, 2);
	CHECK_EQ(w.vf[0].resets, 1);
	CHECK(bus_has_range(&w.f.vm.mmio, 0x300410000ull, 0x10000));
	/* PF FLR: VFs gone, SR-IOV state back to reset. */
	ecam_write(&w.f, w.pf.pci.devfn, w.pf.pci.pcie_cap + PCI_EXP_DEVCTL, 2,
		   PCI_EXP_DEVCTL_BCR_FLR);
	CHECK_EQ(w.pf.resets, 1);
	CHECK_EQ(pf_read(&w, PCI_SRIOV_CTRL, 2), 0);
	CHECK_EQ(pf_read(&w, PCI_SRIOV_NUM_VF, 2), 0);
	CHECK_EQ(pf_read(&w, PCI_SRIOV_SYS_PGSIZE, 4), 1);
	CHECK_EQ(pf_read(&w, PCI_SRIOV_BAR, 4), 0xc);
	CHECK_EQ(ecam_read(&w.f, devfn, PCI_CLASS_REVISION, 4), 0xffffffff);
	CHECK_EQ(w.f.vm.mmio.nr, 1);
	/* NumVFs beyond TotalVFs: VF Enable enables none (undefined by the spec). */
	pf_write(&w, PCI_SRIOV_NUM_VF, 2, NVF + 1);
	pf_write(&w, PCI_SRIOV_CTRL, 2, PCI_SRIOV_CTRL_VFE);
	CHECK_EQ(w.last_num, 0);
	CHECK_EQ(ecam_read(&w.f, vf_devfn(&w, 0), 0, 4), 0xffffffff);
	world_teardown(&w);
}

static void test_init_errors(void)
{
	struct sriov_world w;
	struct tdev pf, bad;
	struct pci_dev *one[1];

	/* VFs beyond devfn 255 cannot exist on bus 0. */
	CHECK_EQ(world_setup(&w, PCI_DEVFN(31, 0), 8, 1), -ENOSPC);
	CHECK(!w.pf.pci.registered);
	world_teardown(&w);
	/* A VF routing ID already taken. */
	{
		struct pci_fixture f2;
		struct tdev occ;

		CHECK_EQ(pci_fixture_init(&f2), 0);
		tdev_init(&occ, "occ");
		CHECK_EQ(pci_register(f2.vm.pci, &occ.pci, PCI_DEVFN(2, 1)), 0);
		tdev_init(&pf, "pf");
		CHECK(pci_add_pcie_cap(&pf.pci) > 0);
		vf_build(&bad);
		one[0] = &bad.pci;
		CHECK_EQ(pci_sriov_init(&pf.pci, one, 1, 9, 1), 0);
		CHECK_EQ(pci_register(f2.vm.pci, &pf.pci, PCI_DEVFN(1, 0)), -EEXIST);
		CHECK(!pf.pci.registered);
		CHECK_EQ(pci_register(f2.vm.pci, &pf.pci, PCI_DEVFN(3, 0)), 0);
		tdev_fini(&pf);
		tdev_fini(&bad);
		tdev_fini(&occ);
		pci_fixture_fini(&f2);
	}
	/* Refused layouts. */
	tdev_init(&pf, "pf");
	vf_build(&bad);
	one[0] = &bad.pci;
	CHECK_EQ(pci_sriov_init(&pf.pci, one, 1, 8, 1), -EINVAL);	/* no PCIe capability */
	CHECK(pci_add_pcie_cap(&pf.pci) > 0);
	CHECK_EQ(pci_sriov_init(&pf.pci, one, 0, 8, 1), -EINVAL);
	CHECK_EQ(pci_sriov_init(&pf.pci, one, 1, 0, 1), -EINVAL);
	{
		struct tdev a, b;
		struct pci_dev *two[2] = { &a.pci, &b.pci };

		vf_build(&a);
		tdev_init(&b, "b");	/* a different BAR layout */
		CHECK_EQ(pci_set_bar(&b.pci, 0, PCI_BAR_MEM64, true, 2 * VF_BAR0, &tdev_bar_ops, &b),
			 0);
		CHECK_EQ(pci_sriov_init(&pf.pci, two, 2, 8, 1), -EINVAL);
		tdev_fini(&b);
		tdev_init(&b, "b-io");	/* VFs have no I/O space */
		CHECK_EQ(pci_set_bar(&b.pci, 0, PCI_BAR_IO, false, 16, &tdev_bar_ops, &b), 0);
		two[0] = &b.pci;
		CHECK_EQ(pci_sriov_init(&pf.pci, two, 1, 8, 1), -EINVAL);
		tdev_fini(&b);
		tdev_fini(&a);
	}
	CHECK_EQ(pci_sriov_init(&pf.pci, one, 1, 8, 1), 0);
	CHECK_EQ(pci_sriov_init(&pf.pci, one, 1, 8, 1), -EBUSY);
	CHECK(bad.pci.pf == &pf.pci);
	tdev_fini(&pf);	/* never registered: pci_unregister still frees the SR-IOV state */
	CHECK(pf.pci.sriov == NULL);
	CHECK(bad.pci.pf == NULL);
	tdev_fini(&bad);
}

int main(void)
{
	log_set_level(LOG_ERR);
	test_capability();
	test_enable_and_decode();
	test_disable_reenable_pagesize();
	test_init_errors();
	return check_done();
}
