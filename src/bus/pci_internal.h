/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the PCI files of src/bus share and nobody else sees: the host bridge
 * object, the config-space byte accessors, and the hooks by which the generic
 * config write path (pci_cfg.c) tells the host (INTx) and MSI-X (msix.c) that
 * a register they mirror changed.
 *
 * Lock order, outermost first: d->cfg_lock → device locks → msix->lock →
 * host->intx_lock → irq_router.lock, and d->cfg_lock → host->lock (device
 * table, allocators, the CONFIG_ADDRESS latch) → irq_router.lock. Config
 * cycles look the function up under host->lock and drop it before taking
 * cfg_lock. The bus lock is never held across a callback, so calling
 * bus_add/bus_remove with any of these held is safe.
 */
#ifndef IOVIRT_BUS_PCI_INTERNAL_H
#define IOVIRT_BUS_PCI_INTERNAL_H

#include "iovirt/pci.h"

#define PCI_HOST_INTX_LINES 4	/* GSIs IRQ_PCI_INTX_FIRST .. +3 */
#define PCI_DEVFNS 256

struct pci_window {
	u64 next, end;	/* bump allocator over [base, end) */
};

struct pci_host {
	struct vm *vm;
	struct bus *pio;
	struct bus *mmio;
	struct irq_router *irq;
	const struct gmem *gmem;

	pthread_mutex_t lock;	/* guards devs[], the windows and config_address */
	struct pci_dev *devs[PCI_DEVFNS];	/* bus 0, by devfn */
	struct pci_dev *reserved[PCI_DEVFNS];	/* VF routing IDs, by the PF owning them */
	u32 config_address;	/* the 0xCF8 latch */
	struct pci_window io, mmio32, mmio64;

	pthread_mutex_t intx_lock; /* guards intx_count[] and every function's intx_* */
	unsigned intx_count[PCI_HOST_INTX_LINES];

	struct ratelimit rl;	/* malformed ECAM / CF8 accesses */
	u64 bad_accesses;
	struct pci_dev bridge;	/* device 00.0 */
};

/* Little-endian config register accessors on the raw arrays (no masks, no hooks). */
static inline u32 pci_get(const u8 *a, u16 off, unsigned len)
{
	return (u32)ldn_le(a + off, len);
}

static inline void pci_put(u8 *a, u16 off, unsigned len, u32 v)
{
	stn_le(a + off, len, v);
}

/* [off, off+len) intersects [reg, reg+rlen). */
static inline bool pci_overlaps(u16 off, unsigned len, u16 reg, unsigned rlen)
{
	return off < reg + rlen && reg < off + len;
}

/* A config access is well-formed when it is 1, 2 or 4 bytes inside one dword (PCIe byte enables). */
static inline bool pci_cfg_access_ok(u32 off, unsigned len)
{
	return (len == 1 || len == 2 || len == 4) && off < PCI_CFG_SPACE_SIZE_EXP &&
	       (off & 3) + len <= 4;
}

/* pci_cfg.c */
void pci_bars_update(struct pci_dev *d);	/* cfg_lock held */
void pci_cfg_freeze(struct pci_dev *d);		/* at registration: final masks, reset image */

/* pci_host.c: recompute this function's INTx contribution (takes intx_lock). */
void pci_intx_update(struct pci_dev *d);
bool pci_intx_status(struct pci_dev *d);
/* Firmware placement of size bytes aligned to align in the BAR type's window (h->lock held). */
int pci_host_alloc(struct pci_host *h, enum pci_bar_type type, bool prefetch, u64 size,
		   u64 align, u64 *addr) __must_check;

/* msix.c */
int msix_register(struct pci_dev *d) __must_check;	/* allocate the vectors' routes */
void msix_unregister(struct pci_dev *d);		/* free them (the table stays) */
void msix_cfg_written(struct pci_dev *d, u16 off, unsigned len); /* cfg_lock held */
void msix_reset(struct pci_dev *d);			/* cfg_lock held */

/* sriov.c (PF only) */
int sriov_register(struct pci_dev *pf) __must_check;	/* h->lock: reserve VF IDs, place VF BARs */
void sriov_release(struct pci_dev *pf);			/* h->lock: drop the reservations */
void sriov_cfg_written(struct pci_dev *pf, u16 off, unsigned len); /* PF cfg_lock held */
void sriov_reset(struct pci_dev *pf);			/* PF cfg_lock held */
void sriov_unregister(struct pci_dev *pf);		/* PF cfg_lock held: VFs off */
void sriov_destroy(struct pci_dev *pf);

#endif
