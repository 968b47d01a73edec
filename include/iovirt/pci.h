/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * PCI Express: the host bridge (ECAM and 0xCF8/0xCFC), and the one small
 * interface a PCI function uses to exist on it. A device fills a struct
 * pci_dev (IDs, BARs, capabilities), calls pci_register(), and from then on
 * sees only BAR-relative accesses and the config-space hooks it asked for.
 * Config space is 4 KiB per function with per-byte write and write-1-to-clear
 * masks applied by one helper (pci_cfg.c); BARs are sized and placed by the
 * host (the firmware's job, which iovirt does), and mapped on the buses only
 * while the command register enables decoding.
 */
#ifndef IOVIRT_PCI_H
#define IOVIRT_PCI_H

#include <linux/pci_regs.h>
#include <pthread.h>

#include "bus.h"
#include "dma.h"
#include "irq.h"
#include "log.h"
#include "types.h"

#define PCI_CFG_SPACE_SIZE_EXP 4096
#define PCI_NUM_BARS 6
#define PCI_DEVFN(slot, fn) ((u8)(((slot) << 3) | ((fn) & 7)))
#define PCI_SLOT(devfn) (((devfn) >> 3) & 0x1f)
#define PCI_FUNC(devfn) ((devfn) & 7)
#define PCI_CLASS_BRIDGE_HOST 0x0600	/* class/subclass (pci_ids.h is not uapi) */

struct vm;
struct pci_dev;
struct pci_host;
struct pci_sriov;
struct msix;

enum pci_bar_type {
	PCI_BAR_NONE,
	PCI_BAR_IO,
	PCI_BAR_MEM32,
	PCI_BAR_MEM64,	/* uses two BAR slots: idx and idx+1 */
};

struct pci_bar {
	enum pci_bar_type type;
	bool prefetch;
	u64 size;			/* power of two, ≥ 4 (IO), ≥ 16 (MEM; 4 KiB recommended) */
	u64 addr;			/* where it is decoded on the bus (valid while mapped) */
	bool mapped;			/* currently on the PIO/MMIO bus */
	const struct bus_ops *ops;	/* accesses arrive as (opaque, offset in BAR) */
	void *opaque;
};

/*
 * Device hooks. All of them run with d->cfg_lock held, so a hook must not
 * call pci_cfg_read/pci_cfg_write on its own function; it may take the
 * device's own locks (lock order: cfg_lock → device locks). pci_set_intx()
 * and msix_notify() never take cfg_lock, so a device may call them while
 * holding its own locks.
 */
struct pci_dev_ops {
	/* Device-specific config registers (optional): called for offsets the device claimed
	 * with pci_claim_cfg(); `val` holds the generic result on reads. */
	void (*cfg_read)(struct pci_dev *d, u16 off, unsigned len, u32 *val);
	/* Called after every generic write has been applied (optional). */
	void (*cfg_write)(struct pci_dev *d, u16 off, unsigned len, u32 val);
	/* A BAR moved or was (un)mapped: addr is 0 when unmapped (optional). */
	void (*bar_moved)(struct pci_dev *d, unsigned bar, u64 old_addr, u64 new_addr);
	/* Function-level reset (optional; when set, a PCIe function advertises FLR). */
	void (*reset)(struct pci_dev *d);
	/* SR-IOV PF: num_vfs VFs were just enabled, or all disabled (0) (optional). */
	void (*sriov_changed)(struct pci_dev *pf, unsigned num_vfs);
};

struct pci_dev {
	struct pci_host *host;
	const char *name;
	u8 bus;
	u8 devfn;
	u8 cfg[PCI_CFG_SPACE_SIZE_EXP];
	u8 wmask[PCI_CFG_SPACE_SIZE_EXP];	/* bits the guest may write */
	u8 w1cmask[PCI_CFG_SPACE_SIZE_EXP];	/* bits a write of 1 clears */
	u8 claimed[PCI_CFG_SPACE_SIZE_EXP / 8]; /* bytes routed to ops->cfg_read */
	u8 reset_cfg[PCI_CFG_SPACE_SIZE_EXP];	/* writable bytes' values after FLR */
	u8 next_cap;		/* where the next standard capability goes */
	u8 pcie_cap;		/* offset of the PCI Express capability, 0: none */
	u16 next_ext_cap;	/* where the next extended capability goes */
	u16 last_ext_cap;	/* to link a new one */
	bool registered;	/* on a host bridge: layout frozen */
	struct pci_sriov *sriov; /* PF: SR-IOV state (sriov.c), else NULL */
	struct pci_dev *pf;	/* VF: its physical function, else NULL */
	u16 vf_index;		/* VF: i, at routing ID PF + First VF Offset + i * VF Stride */
	bool vf_mse;		/* VF: PF's VF Enable && VF MSE (under the VF's cfg_lock) */
	u64 vf_addr[PCI_NUM_BARS]; /* VF: where each BAR decodes while vf_mse; 0: nowhere */
	struct pci_bar bars[PCI_NUM_BARS];
	struct msix *msix;
	struct dma_as dma;	/* this function's DMA view (requester ID = bus:devfn) */
	const struct pci_dev_ops *ops;
	void *opaque;
	pthread_mutex_t cfg_lock; /* guards cfg/wmask/bars against concurrent vCPUs */
	/* INTx state, guarded by the host's intx_lock (not cfg_lock, see pci_dev_ops). */
	bool intx_level;	/* what the device drives */
	bool intx_disabled;	/* mirror of COMMAND.INTx_Disable */
	bool intx_asserted;	/* counted in the GSI's assert count */
	struct ratelimit rl;	/* guest-caused warnings about this function */
	u64 bad_accesses;	/* malformed config/BAR accesses (counted) */
};

/* Config space set-up (before pci_register). class_code is 24 bits: class, subclass, prog-if. */
void pci_dev_init(struct pci_dev *d, const char *name, u16 vendor, u16 device, u32 class_code,
		  u8 revision, u16 subsys_vendor, u16 subsys_id);
int pci_set_bar(struct pci_dev *d, unsigned idx, enum pci_bar_type type, bool prefetch,
		u64 size, const struct bus_ops *ops, void *opaque) __must_check;
/* Append a capability (body excludes the 2-byte id/next header). Returns its offset or -ENOSPC. */
int pci_add_cap(struct pci_dev *d, u8 id, const void *body, u8 body_len) __must_check;
/* Append a PCIe extended capability at ≥ 0x100. Returns its offset or -ENOSPC. */
int pci_add_ext_cap(struct pci_dev *d, u16 id, u8 version, const void *body,
		    u16 body_len) __must_check;
/*
 * Append the PCI Express capability (version 2) for a function on the root
 * bus: a Root Complex Integrated Endpoint (PCIe 6.0 §7.5.3), which makes the
 * guest use the 4 KiB extended space. Returns its offset or -ENOSPC.
 */
int pci_add_pcie_cap(struct pci_dev *d) __must_check;
/* Offsets of a capability by ID; 0 when absent. */
u8 pci_find_cap(const struct pci_dev *d, u8 id);
u16 pci_find_ext_cap(const struct pci_dev *d, u16 id);
/* Let the guest write `mask` bits of the len-byte register at off (set-up only). */
void pci_set_wmask(struct pci_dev *d, u16 off, unsigned len, u32 mask);
/* Route [off, off+len) of config space to ops->cfg_read. */
void pci_claim_cfg(struct pci_dev *d, u16 off, u16 len);

/* Place the function on the host bridge: slot chosen by the host unless devfn is given
 * (devfn < 0: next free slot, function 0). Allocates BAR addresses. */
int pci_register(struct pci_host *h, struct pci_dev *d, int devfn) __must_check;
/*
 * Take the function off the host: config cycles no longer reach it, its BARs
 * are unmapped, INTx dropped, MSI-X routes freed, a PF's VFs disabled and its
 * SR-IOV state freed (also when it never registered). The struct stays valid
 * (a vCPU may still be finishing an access); msix_destroy() and freeing it
 * are the owner's, after the vCPUs stopped.
 */
void pci_unregister(struct pci_dev *d);
u16 pci_rid(const struct pci_dev *d);
/* COMMAND.Bus_Master_Enable: a device must not DMA while it is clear (PCIe 6.0 §7.5.1.1.3). */
bool pci_bus_master_enabled(const struct pci_dev *d);
/* Function-level reset: config space back to its reset values, then ops->reset. */
void pci_dev_reset(struct pci_dev *d);

/* Config access as the guest makes it (offset within this function's 4 KiB). */
u32 pci_cfg_read(struct pci_dev *d, u16 off, unsigned len);
void pci_cfg_write(struct pci_dev *d, u16 off, unsigned len, u32 val);

/*
 * SR-IOV (PCIe 6.0 §9). The device model builds each VF beforehand as an
 * ordinary function — pci_dev_init() with the VF Device ID, memory BARs
 * (alike in every VF), MSI-X, capabilities — and hands them to
 * pci_sriov_init() before pci_register(pf). The PF gets the SR-IOV extended
 * capability, whose VF BARs take the VFs' BAR layout and are placed by the
 * host; the PF must have the PCIe capability. Setting VF Enable registers
 * NumVFs VFs at routing IDs PF + vf_offset + i * vf_stride on bus 0 (the host
 * reserves them all at registration); VF i's BAR n decodes at VF BARn +
 * i * size while VF MSE is set. A VF's IDs read FFFFh, its BARs and COMMAND
 * decode bits read 0, it has no INTx (§9.3.4). Clearing VF Enable takes the
 * VFs away and resets them (ops->reset).
 */
int pci_sriov_init(struct pci_dev *pf, struct pci_dev **vfs, u16 total_vfs, u16 vf_offset,
		   u16 vf_stride) __must_check;

/* Legacy INTx (pin A..D from the config header), routed by the host: level 0/1. */
void pci_set_intx(struct pci_dev *d, int level);

/* The host bridge (pci_host.c). */
int pci_host_create(struct vm *vm) __must_check;
void pci_host_destroy(struct pci_host *h);
struct pci_dev *pci_host_find(struct pci_host *h, u8 bus, u8 devfn);
/* The GSI that INTx of a device in `slot` uses, pin 0..3 = INTA..INTD (for the DSDT's _PRT). */
unsigned pci_host_intx_gsi(unsigned slot, unsigned pin);
/* The host bridge's IDs (device 00.0). */
#define PCI_HOST_VENDOR_ID 0x1b36	/* Red Hat, Inc. */
#define PCI_HOST_DEVICE_ID 0x0008	/* QEMU PCIe host bridge: Linux binds nothing special to it */

/*
 * MSI-X (msix.c): the table and PBA live in one BAR of the device (table at
 * offset 0, PBA after it). Each vector owns a struct msi_irq: notifying an
 * unmasked vector is one eventfd write (KVM's irqfd delivers it); a masked
 * vector sets its PBA bit and fires when unmasked (PCIe 6.0 §6.1.4.5).
 * msix_init() comes before pci_register(): it claims BAR `bar` (32-bit,
 * non-prefetchable) and adds the capability; the vectors' routes are
 * allocated at registration, when the requester ID is known.
 */
int msix_init(struct pci_dev *d, unsigned nvec, unsigned bar) __must_check;
void msix_destroy(struct pci_dev *d);
void msix_notify(struct pci_dev *d, unsigned vec);
bool msix_enabled(const struct pci_dev *d);
/*
 * The irqfd eventfd of a vector (for vhost-user call fds); -1 if none. Once
 * handed out, the vector's irqfd is detached while it is masked, so a write by
 * the other process is held in the eventfd and becomes a pending bit instead
 * of an interrupt.
 */
int msix_vector_fd(struct pci_dev *d, unsigned vec);

#endif
