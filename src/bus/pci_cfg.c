// SPDX-License-Identifier: GPL-2.0-only
/*
 * A function's 4 KiB configuration space (PCIe 6.0 §7.5.1): the type 0
 * header, BAR registers and the decoding they drive. Every guest write goes
 * through one helper that applies the per-byte write mask and write-1-to-clear
 * mask, so read-only bits hold by construction; then the registers with side
 * effects (COMMAND, the BARs, MSI-X control, PCIe Device Control) are looked
 * at again to bring the bus mappings, INTx and the MSI-X state in line.
 */
#include <errno.h>

#include "iovirt/log.h"
#include "pci_internal.h"

/* COMMAND bits a PCIe function implements (§7.5.1.1.3); IO/MEM are added per BARs. */
#define PCI_CMD_WMASK_BASE                                                                         \
	(PCI_COMMAND_MASTER | PCI_COMMAND_PARITY | PCI_COMMAND_SERR | PCI_COMMAND_INTX_DISABLE)
/* STATUS error bits, all RW1C (§7.5.1.1.4). */
#define PCI_STATUS_W1C                                                                             \
	(PCI_STATUS_PARITY | PCI_STATUS_SIG_TARGET_ABORT | PCI_STATUS_REC_TARGET_ABORT |          \
	 PCI_STATUS_REC_MASTER_ABORT | PCI_STATUS_SIG_SYSTEM_ERROR | PCI_STATUS_DETECTED_PARITY)
#define PCI_IO_SPACE_END 0x10000ull	/* x86 port space */
#define PCI_IO_BAR_MAX 256u		/* PCI 3.0 §6.2.5.1: at most 256 bytes per I/O BAR */

void pci_dev_init(struct pci_dev *d, const char *name, u16 vendor, u16 device, u32 class_code,
		  u8 revision, u16 subsys_vendor, u16 subsys_id)
{
	memset(d, 0, sizeof(*d));
	pthread_mutex_init(&d->cfg_lock, NULL);
	d->name = name;
	d->rl = (struct ratelimit)RATELIMIT_INIT;
	d->next_cap = PCI_STD_HEADER_SIZEOF;
	d->next_ext_cap = PCI_CFG_SPACE_SIZE;

	pci_put(d->cfg, PCI_VENDOR_ID, 2, vendor);
	pci_put(d->cfg, PCI_DEVICE_ID, 2, device);
	pci_put(d->cfg, PCI_CLASS_REVISION, 4, (class_code & 0xffffff) << 8 | revision);
	d->cfg[PCI_HEADER_TYPE] = PCI_HEADER_TYPE_NORMAL;
	pci_put(d->cfg, PCI_SUBSYSTEM_VENDOR_ID, 2, subsys_vendor);
	pci_put(d->cfg, PCI_SUBSYSTEM_ID, 2, subsys_id);
	d->cfg[PCI_INTERRUPT_PIN] = 1;	/* INTA; a function without INTx clears it */

	pci_set_wmask(d, PCI_COMMAND, 2, PCI_CMD_WMASK_BASE);
	pci_put(d->w1cmask, PCI_STATUS, 2, PCI_STATUS_W1C);
	/* Cache Line Size has no effect on PCIe but must be read-write (§7.5.1.1.7). */
	pci_set_wmask(d, PCI_CACHE_LINE_SIZE, 1, 0xff);
	pci_set_wmask(d, PCI_INTERRUPT_LINE, 1, 0xff);
}

void pci_set_wmask(struct pci_dev *d, u16 off, unsigned len, u32 mask)
{
	if (len > 4 || off + len > PCI_CFG_SPACE_SIZE_EXP)
		return;
	pci_put(d->wmask, off, len, mask);
}

int pci_set_bar(struct pci_dev *d, unsigned idx, enum pci_bar_type type, bool prefetch,
		u64 size, const struct bus_ops *ops, void *opaque)
{
	u16 reg = PCI_BASE_ADDRESS_0 + 4 * idx;
	u32 flags, lo_mask, hi_mask = 0;

	if (d->registered)
		return -EBUSY;
	if (idx >= PCI_NUM_BARS || !ops || !size || (size & (size - 1)))
		return -EINVAL;
	if (d->bars[idx].type != PCI_BAR_NONE ||
	    (idx > 0 && d->bars[idx - 1].type == PCI_BAR_MEM64))
		return -EBUSY;
	/* Address bits below the size are read-only 0: that is what sizing reads back. */
	lo_mask = ~(u32)(size - 1);
	switch (type) {
	case PCI_BAR_IO:
		if (prefetch || size < 4 || size > PCI_IO_BAR_MAX)
			return -EINVAL;
		flags = PCI_BASE_ADDRESS_SPACE_IO;
		lo_mask &= PCI_BASE_ADDRESS_IO_MASK;
		break;
	case PCI_BAR_MEM32:
		if (size < 16 || size > SZ_1G * 2)
			return -EINVAL;
		flags = PCI_BASE_ADDRESS_MEM_TYPE_32;
		lo_mask &= PCI_BASE_ADDRESS_MEM_MASK;
		break;
	case PCI_BAR_MEM64:
		if (size < 16 || idx + 1 >= PCI_NUM_BARS)
			return -EINVAL;
		if (d->bars[idx + 1].type != PCI_BAR_NONE)
			return -EBUSY;
		flags = PCI_BASE_ADDRESS_MEM_TYPE_64;
		lo_mask = size > SZ_4G ? 0 : lo_mask & PCI_BASE_ADDRESS_MEM_MASK;
		hi_mask = ~(u32)((size - 1) >> 32);
		break;
	default:
		return -EINVAL;
	}
	if (prefetch)
		flags |= PCI_BASE_ADDRESS_MEM_PREFETCH;
	d->bars[idx] = (struct pci_bar){ .type = type, .prefetch = prefetch, .size = size,
					 .ops = ops, .opaque = opaque };
	pci_put(d->cfg, reg, 4, flags);
	pci_set_wmask(d, reg, 4, lo_mask);
	if (type == PCI_BAR_MEM64)
		pci_set_wmask(d, reg + 4, 4, hi_mask);
	return 0;
}

/*
 * The address BAR idx decodes now, or false when it decodes nothing: its
 * COMMAND enable bit is clear, it is unassigned (0), or it holds the sizing
 * pattern (all address bits set, §7.5.1.2.1) — never map those.
 */
static bool pci_bar_decode(const struct pci_dev *d, unsigned idx, u64 *addr)
{
	const struct pci_bar *b = &d->bars[idx];
	u16 cmd = pci_get(d->cfg, PCI_COMMAND, 2);
	u32 lo = pci_get(d->cfg, PCI_BASE_ADDRESS_0 + 4 * idx, 4);
	u64 a, all = 0xffffffffull;

	/* A VF decodes where its PF's VF BARs say, while the PF's VF MSE is set (sriov.c). */
	if (d->pf) {
		*addr = d->vf_addr[idx];
		return b->type != PCI_BAR_NONE && d->vf_mse && *addr;
	}
	switch (b->type) {
	case PCI_BAR_IO:
		if (!(cmd & PCI_COMMAND_IO))
			return false;
		a = lo & PCI_BASE_ADDRESS_IO_MASK;
		break;
	case PCI_BAR_MEM32:
		if (!(cmd & PCI_COMMAND_MEMORY))
			return false;
		a = lo & PCI_BASE_ADDRESS_MEM_MASK;
		break;
	case PCI_BAR_MEM64:
		if (!(cmd & PCI_COMMAND_MEMORY))
			return false;
		a = (lo & PCI_BASE_ADDRESS_MEM_MASK) |
		    (u64)pci_get(d->cfg, PCI_BASE_ADDRESS_0 + 4 * (idx + 1), 4) << 32;
		all = ~0ull;
		break;
	default:
		return false;
	}
	/* The low bits are read-only 0, so a is size-aligned and a | (size-1) cannot wrap. */
	if (a == 0 || (a | (b->size - 1)) == all)
		return false;
	if (b->type == PCI_BAR_IO && a + b->size > PCI_IO_SPACE_END)
		return false;
	*addr = a;
	return true;
}

void pci_bars_update(struct pci_dev *d)
{
	struct pci_host *h = d->host;

	if (!h)
		return;
	for (unsigned i = 0; i < PCI_NUM_BARS; i++) {
		struct pci_bar *b = &d->bars[i];
		struct bus *bus = b->type == PCI_BAR_IO ? h->pio : h->mmio;
		u64 addr = 0, old = b->mapped ? b->addr : 0, now;
		bool want;
		int ret;

		if (b->type == PCI_BAR_NONE)
			continue;
		want = pci_bar_decode(d, i, &addr);
		if (b->mapped && want && addr == b->addr)
			continue;
		if (b->mapped) {
			bus_remove(bus, b->addr, b->opaque);
			b->mapped = false;
		}
		if (want) {
			ret = bus_add(bus, addr, b->size, b->ops, b->opaque, d->name);
			if (!ret) {
				b->mapped = true;
				b->addr = addr;
			} else {
				/* Retried on the next COMMAND or BAR write. */
				d->bad_accesses++;
				dev_warn_rl(&d->rl, d->name,
					    "BAR%u at 0x%llx+0x%llx not decoded: %s", i,
					    (unsigned long long)addr, (unsigned long long)b->size,
					    strerror(-ret));
			}
		}
		now = b->mapped ? b->addr : 0;
		if (now != old && d->ops && d->ops->bar_moved)
			d->ops->bar_moved(d, i, old, now);
	}
}

/*
 * The one place a guest write meets the masks: bits in wmask take the new
 * value, a 1 written to a bit in w1cmask clears it, every other bit keeps its
 * value (§7.4 register attributes RW, RW1C, RO/HwInit).
 */
static void pci_cfg_apply(struct pci_dev *d, u16 off, unsigned len, u32 val)
{
	for (unsigned i = 0; i < len; i++) {
		u8 b = (u8)(val >> (8 * i));
		u8 w = d->wmask[off + i], c = d->w1cmask[off + i];
		u8 *p = &d->cfg[off + i];

		/* Atomic byte stores: pci_bus_master_enabled() reads COMMAND without the lock. */
		__atomic_store_n(p, (u8)(((*p & ~w) | (b & w)) & ~(b & c)), __ATOMIC_RELAXED);
	}
}

static bool pci_cfg_claimed(const struct pci_dev *d, u16 off, unsigned len)
{
	for (unsigned i = off; i < off + len; i++)
		if (d->claimed[i / 8] & (1u << (i % 8)))
			return true;
	return false;
}

static u32 pci_ones(unsigned len)
{
	return len >= 4 ? 0xffffffffu : (1u << (8 * len)) - 1;
}

static void pci_cfg_bad(struct pci_dev *d, const char *what, u16 off, unsigned len)
{
	d->bad_accesses++;
	dev_warn_rl(&d->rl, d->name, "malformed config %s at 0x%x len %u", what, off, len);
}

u32 pci_cfg_read(struct pci_dev *d, u16 off, unsigned len)
{
	u32 v;

	if (!pci_cfg_access_ok(off, len)) {
		pci_cfg_bad(d, "read", off, len);
		return pci_ones(len);
	}
	pthread_mutex_lock(&d->cfg_lock);
	v = pci_get(d->cfg, off, len);
	/* STATUS.Interrupt_Status is the device's INTx level, kept under the INTx lock. */
	if (pci_overlaps(off, len, PCI_STATUS, 1) && pci_intx_status(d))
		v |= (u32)PCI_STATUS_INTERRUPT << (8 * (PCI_STATUS - off));
	if (d->ops && d->ops->cfg_read && pci_cfg_claimed(d, off, len))
		d->ops->cfg_read(d, off, len, &v);
	pthread_mutex_unlock(&d->cfg_lock);
	return v;
}

/* PCIe Device Control.Initiate_FLR written as 1 on a function that advertises FLR (§6.6.2). */
static bool pci_cfg_flr_requested(const struct pci_dev *d, u16 off, unsigned len, u32 val)
{
	u16 byte = d->pcie_cap + PCI_EXP_DEVCTL + 1;

	if (!d->pcie_cap || !pci_overlaps(off, len, byte, 1))
		return false;
	if (!(pci_get(d->cfg, d->pcie_cap + PCI_EXP_DEVCAP, 4) & PCI_EXP_DEVCAP_FLR))
		return false;
	return (val >> (8 * (byte - off))) & (PCI_EXP_DEVCTL_BCR_FLR >> 8);
}

static void pci_dev_reset_locked(struct pci_dev *d)
{
	for (unsigned i = 0; i < PCI_CFG_SPACE_SIZE_EXP; i++) {
		u8 m = d->wmask[i] | d->w1cmask[i];

		if (m)
			d->cfg[i] = (u8)((d->cfg[i] & ~m) | (d->reset_cfg[i] & m));
	}
	pci_bars_update(d);	/* COMMAND is 0 again: everything unmapped */
	if (d->msix)
		msix_reset(d);
	if (d->sriov)
		sriov_reset(d);	/* VF Enable clear: the VFs go away */
	if (d->host) {
		pci_intx_update(d);
		pci_set_intx(d, 0);
	}
	if (d->ops && d->ops->reset)
		d->ops->reset(d);
}

void pci_dev_reset(struct pci_dev *d)
{
	pthread_mutex_lock(&d->cfg_lock);
	pci_dev_reset_locked(d);
	pthread_mutex_unlock(&d->cfg_lock);
}

void pci_cfg_write(struct pci_dev *d, u16 off, unsigned len, u32 val)
{
	if (!pci_cfg_access_ok(off, len)) {
		pci_cfg_bad(d, "write", off, len);
		return;
	}
	pthread_mutex_lock(&d->cfg_lock);
	pci_cfg_apply(d, off, len, val);
	if (pci_overlaps(off, len, PCI_COMMAND, 2) ||
	    pci_overlaps(off, len, PCI_BASE_ADDRESS_0, 4 * PCI_NUM_BARS))
		pci_bars_update(d);
	if (pci_overlaps(off, len, PCI_COMMAND + 1, 1) && d->host)
		pci_intx_update(d);
	if (d->msix)
		msix_cfg_written(d, off, len);
	if (d->sriov)
		sriov_cfg_written(d, off, len);
	if (pci_cfg_flr_requested(d, off, len, val))
		pci_dev_reset_locked(d);
	else if (d->ops && d->ops->cfg_write)
		d->ops->cfg_write(d, off, len, val);
	pthread_mutex_unlock(&d->cfg_lock);
}

bool pci_bus_master_enabled(const struct pci_dev *d)
{
	return __atomic_load_n(&d->cfg[PCI_COMMAND], __ATOMIC_RELAXED) & PCI_COMMAND_MASTER;
}

void pci_cfg_freeze(struct pci_dev *d)
{
	u16 cmd = pci_get(d->wmask, PCI_COMMAND, 2);

	/* I/O and Memory Space Enable are hardwired to 0 without such BARs (§7.5.1.1.3). */
	for (unsigned i = 0; i < PCI_NUM_BARS; i++) {
		if (d->bars[i].type == PCI_BAR_IO)
			cmd |= PCI_COMMAND_IO;
		else if (d->bars[i].type != PCI_BAR_NONE)
			cmd |= PCI_COMMAND_MEMORY;
	}
	/*
	 * A VF's decode enables and BARs are in its PF (VF MSE, VF BARn): here
	 * they read 0, as does Interrupt Disable, a VF having no INTx (§9.3.4.1.3).
	 */
	if (d->pf) {
		cmd &= ~(PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_INTX_DISABLE);
		for (unsigned i = 0; i < PCI_NUM_BARS; i++) {
			pci_put(d->cfg, PCI_BASE_ADDRESS_0 + 4 * i, 4, 0);
			pci_set_wmask(d, PCI_BASE_ADDRESS_0 + 4 * i, 4, 0);
		}
	}
	pci_set_wmask(d, PCI_COMMAND, 2, cmd);
	if (d->pcie_cap && d->ops && d->ops->reset) {
		u16 devcap = d->pcie_cap + PCI_EXP_DEVCAP;

		pci_put(d->cfg, devcap, 4, pci_get(d->cfg, devcap, 4) | PCI_EXP_DEVCAP_FLR);
	}
	/* BAR address bits are still 0 here: after FLR the guest reprograms them. */
	memcpy(d->reset_cfg, d->cfg, sizeof(d->reset_cfg));
	d->registered = true;
}
