// SPDX-License-Identifier: GPL-2.0-only
/*
 * Single Root I/O Virtualization (PCIe 6.0 §9): the SR-IOV extended
 * capability of a physical function, and the life of its virtual functions.
 * The PF's capability holds the VFs' BARs (one register set for all VFs: VF i
 * decodes at the base + i * per-VF size), the System Page Size every per-VF
 * size is rounded up to, NumVFs, and VF Enable / VF MSE. Setting VF Enable
 * registers NumVFs prepared functions on the host at their routing IDs;
 * clearing it (or a PF FLR) takes them off and resets them. VFs on a root
 * bus without ARI keep to bus 0, which the host checks when the PF registers.
 *
 * Locking: everything here runs with the PF's cfg_lock held; a VF's cfg_lock
 * is taken inside it (PF before VF) to push its decode state.
 */
#include <errno.h>
#include <stdlib.h>

#include "iovirt/layout.h"
#include "iovirt/log.h"
#include "pci_internal.h"

/* §9.3.3.12: a PF supports at least 4 KB, 8 KB, 64 KB, 256 KB, 1 MB and 4 MB pages. */
#define SRIOV_SUP_PGSIZE 0x553u
#define SRIOV_CTRL_WMASK (PCI_SRIOV_CTRL_VFE | PCI_SRIOV_CTRL_MSE | PCI_SRIOV_CTRL_ARI)

struct pci_sriov {
	struct pci_dev **vfs;
	u16 total, offset, stride;
	u16 cap;		/* offset of the capability in the PF */
	u16 enabled;		/* VFs registered now (VF Enable was seen set) */
	bool vfe;		/* VF Enable as last acted on */
	u32 pgsz;		/* System Page Size in bytes */
	struct pci_bar bar[PCI_NUM_BARS]; /* the VFs' BAR layout as declared (type, size) */
};

static u32 sriov_get(const struct pci_dev *pf, u16 reg, unsigned len)
{
	return pci_get(pf->cfg, pf->sriov->cap + reg, len);
}

static void sriov_put(struct pci_dev *pf, u16 reg, unsigned len, u32 v)
{
	pci_put(pf->cfg, pf->sriov->cap + reg, len, v);
}

/* The VFs' BAR layout (VF 0's at pci_sriov_init, which checked that all VFs agree). */
static const struct pci_bar *sriov_tmpl(const struct pci_dev *pf, unsigned idx)
{
	return &pf->sriov->bar[idx];
}

/* Per-VF size of VF BAR idx: the VF's BAR rounded up to the System Page Size (§9.3.3.13). */
static u64 sriov_vf_size(const struct pci_dev *pf, unsigned idx)
{
	return MAX(sriov_tmpl(pf, idx)->size, (u64)pf->sriov->pgsz);
}

/* VF BAR registers: type bits read-only, address bits below the per-VF size read 0. */
static void sriov_bar_masks(struct pci_dev *pf)
{
	for (unsigned i = 0; i < PCI_NUM_BARS; i++) {
		const struct pci_bar *b = sriov_tmpl(pf, i);
		u16 reg = pf->sriov->cap + PCI_SRIOV_BAR + 4 * i;
		u64 size = sriov_vf_size(pf, i);
		u32 lo;

		if (b->type == PCI_BAR_NONE)
			continue;
		lo = size > SZ_4G ? 0 : ~(u32)(size - 1) & PCI_BASE_ADDRESS_MEM_MASK;
		pci_set_wmask(pf, reg, 4, lo);
		/* Clear address bits a larger page size just made read-only. */
		pci_put(pf->cfg, reg, 4, pci_get(pf->cfg, reg, 4) & (lo | 0xf));
		if (b->type == PCI_BAR_MEM64)
			pci_set_wmask(pf, reg + 4, 4, ~(u32)((size - 1) >> 32));
	}
}

int pci_sriov_init(struct pci_dev *pf, struct pci_dev **vfs, u16 total_vfs, u16 vf_offset,
		   u16 vf_stride)
{
	u8 body[PCI_EXT_CAP_SRIOV_SIZEOF - 4] = { 0 };
	struct pci_sriov *s;
	int off;

	if (pf->registered || pf->sriov || pf->pf)
		return -EBUSY;
	/* The capability lives in extended space: the PF must be a PCIe function. */
	if (!pf->pcie_cap || !vfs || !total_vfs || !vf_offset || (total_vfs > 1 && !vf_stride))
		return -EINVAL;
	for (unsigned i = 0; i < total_vfs; i++) {
		struct pci_dev *vf = vfs[i];

		if (!vf || vf->registered || vf->pf || vf->sriov || vf == pf)
			return -EINVAL;
		for (unsigned b = 0; b < PCI_NUM_BARS; b++) {
			const struct pci_bar *x = &vf->bars[b], *t = &vfs[0]->bars[b];

			/* VFs have no I/O space (§9.3.4.1.11), and every VF looks alike. */
			if (x->type == PCI_BAR_IO || x->type != t->type ||
			    x->prefetch != t->prefetch || x->size != t->size)
				return -EINVAL;
			/* TotalVFs of them, at the largest page size, must fit the 64-bit window. */
			if (t->size && MAX(t->size, 4 * SZ_1M) * total_vfs > PCI_MMIO64_SIZE)
				return -E2BIG;
		}
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->vfs = vfs;
	s->total = total_vfs;
	s->offset = vf_offset;
	s->stride = vf_stride;
	s->pgsz = 4096;
	memcpy(s->bar, vfs[0]->bars, sizeof(s->bar));
	pci_put(body, PCI_SRIOV_INITIAL_VF - 4, 2, total_vfs);
	pci_put(body, PCI_SRIOV_TOTAL_VF - 4, 2, total_vfs);
	pci_put(body, PCI_SRIOV_VF_OFFSET - 4, 2, vf_offset);
	pci_put(body, PCI_SRIOV_VF_STRIDE - 4, 2, vf_stride);
	pci_put(body, PCI_SRIOV_VF_DID - 4, 2, pci_get(vfs[0]->cfg, PCI_DEVICE_ID, 2));
	pci_put(body, PCI_SRIOV_SUP_PGSIZE - 4, 4, SRIOV_SUP_PGSIZE);
	pci_put(body, PCI_SRIOV_SYS_PGSIZE - 4, 4, 1);	/* 4 KB */
	for (unsigned b = 0; b < PCI_NUM_BARS; b++) {
		const struct pci_bar *t = &s->bar[b];

		if (t->type != PCI_BAR_NONE)
			pci_put(body, PCI_SRIOV_BAR - 4 + 4 * b, 4,
				(t->type == PCI_BAR_MEM64 ? PCI_BASE_ADDRESS_MEM_TYPE_64 : 0) |
					(t->prefetch ? PCI_BASE_ADDRESS_MEM_PREFETCH : 0));
	}
	off = pci_add_ext_cap(pf, PCI_EXT_CAP_ID_SRIOV, 1, body, sizeof(body));
	if (off < 0) {
		free(s);
		return off;
	}
	s->cap = (u16)off;
	pf->sriov = s;
	/* No VF migration: only VF Enable, VF MSE and ARI Capable Hierarchy are writable. */
	pci_set_wmask(pf, off + PCI_SRIOV_CTRL, 2, SRIOV_CTRL_WMASK);
	pci_set_wmask(pf, off + PCI_SRIOV_NUM_VF, 2, 0xffff);
	pci_set_wmask(pf, off + PCI_SRIOV_SYS_PGSIZE, 4, SRIOV_SUP_PGSIZE);
	sriov_bar_masks(pf);

	for (unsigned i = 0; i < total_vfs; i++) {
		struct pci_dev *vf = vfs[i];

		vf->pf = pf;
		vf->vf_index = (u16)i;
		/* A VF's Vendor and Device ID read FFFFh (§9.3.4.1.1-2); no INTx (§9.3.4.1.14). */
		pci_put(vf->cfg, PCI_VENDOR_ID, 4, 0xffffffff);
		vf->cfg[PCI_INTERRUPT_PIN] = 0;
	}
	return 0;
}

static u8 sriov_vf_devfn(const struct pci_dev *pf, unsigned i)
{
	const struct pci_sriov *s = pf->sriov;

	return (u8)(pf->devfn + s->offset + s->stride * i);
}

void sriov_release(struct pci_dev *pf)
{
	struct pci_host *h = pf->host;

	for (unsigned i = 0; i < PCI_DEVFNS; i++)
		if (h->reserved[i] == pf)
			h->reserved[i] = NULL;
}

int sriov_register(struct pci_dev *pf)
{
	struct pci_sriov *s = pf->sriov;
	struct pci_host *h = pf->host;
	int ret;

	/* Every VF's routing ID on bus 0, unused, distinct from the PF. */
	if (pf->devfn + s->offset + (unsigned)s->stride * (s->total - 1u) >= PCI_DEVFNS)
		return -ENOSPC;
	for (unsigned i = 0; i < s->total; i++) {
		u8 devfn = sriov_vf_devfn(pf, i);

		if (h->devs[devfn] || h->reserved[devfn] || devfn == pf->devfn) {
			ret = -EEXIST;
			goto err;
		}
		h->reserved[devfn] = pf;
	}
	/* The Function Dependency Link names the PF itself: no dependencies (§9.3.3.8). */
	sriov_put(pf, PCI_SRIOV_FUNC_LINK, 1, PCI_FUNC(pf->devfn));
	/* Firmware's part: room for TotalVFs of every VF BAR, aligned to the per-VF size. */
	for (unsigned i = 0; i < PCI_NUM_BARS; i++) {
		const struct pci_bar *b = sriov_tmpl(pf, i);
		u64 size = sriov_vf_size(pf, i), a;
		u16 reg = PCI_SRIOV_BAR + 4 * i;

		if (b->type == PCI_BAR_NONE)
			continue;
		ret = pci_host_alloc(h, b->type, b->prefetch, size * s->total, size, &a);
		if (ret)
			goto err;
		sriov_put(pf, reg, 4, sriov_get(pf, reg, 4) | (u32)a);
		if (b->type == PCI_BAR_MEM64)
			sriov_put(pf, reg + 4, 4, (u32)(a >> 32));
	}
	return 0;

err:
	/* Back to the reset image: no VF BAR placed. */
	memcpy(&pf->cfg[s->cap], &pf->reset_cfg[s->cap], PCI_EXT_CAP_SRIOV_SIZEOF);
	sriov_release(pf);
	return ret;
}

/*
 * Push the decode state to the registered VFs: VF i's BAR n at
 * VF BARn + i * size while VF Enable and VF MSE are set. A base of 0 or the
 * sizing pattern decodes nothing, as for ordinary BARs.
 */
static void sriov_update_decode(struct pci_dev *pf)
{
	struct pci_sriov *s = pf->sriov;
	u16 ctrl = (u16)sriov_get(pf, PCI_SRIOV_CTRL, 2);
	bool mse = (ctrl & PCI_SRIOV_CTRL_VFE) && (ctrl & PCI_SRIOV_CTRL_MSE);
	u64 base[PCI_NUM_BARS] = { 0 };

	for (unsigned n = 0; n < PCI_NUM_BARS; n++) {
		const struct pci_bar *b = sriov_tmpl(pf, n);
		u64 size = sriov_vf_size(pf, n), all = 0xffffffffull, a;
		u16 reg = PCI_SRIOV_BAR + 4 * n;

		if (b->type == PCI_BAR_NONE)
			continue;
		a = sriov_get(pf, reg, 4) & PCI_BASE_ADDRESS_MEM_MASK;
		if (b->type == PCI_BAR_MEM64) {
			a |= (u64)sriov_get(pf, reg + 4, 4) << 32;
			all = ~0ull;
		}
		/* GUEST: the whole region must fit the address space, or nothing decodes. */
		if (a && (a | (size - 1)) != all && all - a >= size * s->enabled - 1)
			base[n] = a;
	}
	for (unsigned i = 0; i < s->enabled; i++) {
		struct pci_dev *vf = s->vfs[i];

		pthread_mutex_lock(&vf->cfg_lock);
		vf->vf_mse = mse;
		for (unsigned n = 0; n < PCI_NUM_BARS; n++)
			vf->vf_addr[n] = base[n] ? base[n] + i * sriov_vf_size(pf, n) : 0;
		pci_bars_update(vf);
		pthread_mutex_unlock(&vf->cfg_lock);
	}
}

static void sriov_enable(struct pci_dev *pf)
{
	struct pci_sriov *s = pf->sriov;
	u16 num = (u16)sriov_get(pf, PCI_SRIOV_NUM_VF, 2);
	int ret = 0;

	if (num > s->total) {
		/* §9.3.3.7: undefined; enabling none is the harmless reading. */
		dev_warn_rl(&pf->rl, pf->name, "VF Enable with NumVFs %u > TotalVFs %u", num,
			    s->total);
		num = 0;
	}
	/* NumVFs and System Page Size must not change while VFs exist (§9.3.3.7, .13). */
	pci_set_wmask(pf, s->cap + PCI_SRIOV_NUM_VF, 2, 0);
	pci_set_wmask(pf, s->cap + PCI_SRIOV_SYS_PGSIZE, 4, 0);
	for (s->enabled = 0; s->enabled < num; s->enabled++) {
		struct pci_dev *vf = s->vfs[s->enabled];

		for (unsigned n = 0; n < PCI_NUM_BARS; n++)
			if (vf->bars[n].type != PCI_BAR_NONE)
				vf->bars[n].size = sriov_vf_size(pf, n);
		ret = pci_register(pf->host, vf, sriov_vf_devfn(pf, s->enabled));
		if (ret) {
			dev_warn_rl(&pf->rl, pf->name, "VF %u not enabled: %s", s->enabled,
				    strerror(-ret));
			break;
		}
	}
	s->vfe = true;
	if (pf->ops && pf->ops->sriov_changed)
		pf->ops->sriov_changed(pf, s->enabled);
}

static void sriov_disable(struct pci_dev *pf)
{
	struct pci_sriov *s = pf->sriov;

	while (s->enabled) {
		struct pci_dev *vf = s->vfs[--s->enabled];

		pci_unregister(vf);
		/* A VF that comes back is a new function: reset state, device reset. */
		pci_dev_reset(vf);
		pthread_mutex_lock(&vf->cfg_lock);
		vf->vf_mse = false;
		memset(vf->vf_addr, 0, sizeof(vf->vf_addr));
		pthread_mutex_unlock(&vf->cfg_lock);
	}
	s->vfe = false;
	pci_set_wmask(pf, s->cap + PCI_SRIOV_NUM_VF, 2, 0xffff);
	pci_set_wmask(pf, s->cap + PCI_SRIOV_SYS_PGSIZE, 4, SRIOV_SUP_PGSIZE);
	if (pf->ops && pf->ops->sriov_changed)
		pf->ops->sriov_changed(pf, 0);
}

void sriov_cfg_written(struct pci_dev *pf, u16 off, unsigned len)
{
	struct pci_sriov *s = pf->sriov;
	u32 pg;
	bool vfe;

	if (!pci_overlaps(off, len, s->cap, PCI_EXT_CAP_SRIOV_SIZEOF))
		return;
	/* System Page Size: exactly one supported size, else the write is undone. */
	pg = sriov_get(pf, PCI_SRIOV_SYS_PGSIZE, 4);
	if (!pg || (pg & (pg - 1))) {
		dev_warn_rl(&pf->rl, pf->name, "System Page Size 0x%x refused", pg);
		sriov_put(pf, PCI_SRIOV_SYS_PGSIZE, 4, s->pgsz >> 12);
	} else if ((pg << 12) != s->pgsz) {
		s->pgsz = pg << 12;
		sriov_bar_masks(pf);
	}
	vfe = sriov_get(pf, PCI_SRIOV_CTRL, 2) & PCI_SRIOV_CTRL_VFE;
	if (vfe && !s->vfe)
		sriov_enable(pf);
	else if (!vfe && s->vfe)
		sriov_disable(pf);
	sriov_update_decode(pf);
}

void sriov_reset(struct pci_dev *pf)
{
	struct pci_sriov *s = pf->sriov;

	/* The reset image has VF Enable clear; NumVFs was locked while enabled. */
	if (s->vfe)
		sriov_disable(pf);
	sriov_put(pf, PCI_SRIOV_CTRL, 2, 0);
	sriov_put(pf, PCI_SRIOV_NUM_VF, 2, 0);
	sriov_put(pf, PCI_SRIOV_SYS_PGSIZE, 4, 1);
	s->pgsz = 4096;
	sriov_bar_masks(pf);
}

void sriov_unregister(struct pci_dev *pf)
{
	if (pf->sriov->vfe)
		sriov_disable(pf);
}

void sriov_destroy(struct pci_dev *pf)
{
	struct pci_sriov *s = pf->sriov;

	if (!s)
		return;
	for (unsigned i = 0; i < s->total; i++)
		s->vfs[i]->pf = NULL;
	pf->sriov = NULL;
	free(s);
}
