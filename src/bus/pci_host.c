// SPDX-License-Identifier: GPL-2.0-only
/*
 * The PCIe host bridge: bus 0 of segment 0, reached through the ECAM window
 * (PCIe 6.0 §7.2.2: bus 27:20, device 19:15, function 14:12, register 11:0 of
 * the offset) and through the PC's configuration mechanism #1 at 0xCF8/0xCFC
 * (PCI 3.0 §3.2.2.3.2), which Linux on x86 uses for the first 256 bytes. It
 * plays firmware too: at registration it places each BAR, naturally aligned,
 * in the I/O, 32-bit or 64-bit window the ACPI tables describe, and leaves
 * COMMAND at 0 for the guest to enable. INTx is routed with the usual swizzle
 * to GSIs 16..19, level-triggered and shared, so the assertions of all
 * functions on one line are counted.
 */
#include <errno.h>
#include <stdlib.h>

#include "iovirt/layout.h"
#include "iovirt/log.h"
#include "iovirt/vm.h"
#include "pci_internal.h"

#define CF8_ENABLE 0x80000000u
/* Bus 23:16, device 15:11, function 10:8, register 7:2; 30:24 and 1:0 reserved (read 0). */
#define CF8_MASK (CF8_ENABLE | 0x00fffffcu)
#define CF8_PORTS 8

/* Subsystem IDs of the bridge: Red Hat's "QEMU Virtual Machine", treated generically. */
#define PCI_HOST_SUBSYS_VENDOR 0x1af4
#define PCI_HOST_SUBSYS_ID 0x1100

unsigned pci_host_intx_gsi(unsigned slot, unsigned pin)
{
	return IRQ_PCI_INTX_FIRST + (slot + pin) % PCI_HOST_INTX_LINES;
}

u16 pci_rid(const struct pci_dev *d)
{
	return (u16)(d->bus << 8 | d->devfn);
}

struct pci_dev *pci_host_find(struct pci_host *h, u8 bus, u8 devfn)
{
	struct pci_dev *d;

	if (bus != 0)
		return NULL;
	pthread_mutex_lock(&h->lock);
	d = h->devs[devfn];
	pthread_mutex_unlock(&h->lock);
	return d;
}

static void pci_host_bad(struct pci_host *h, const char *what, u64 off, unsigned len)
{
	h->bad_accesses++;
	dev_warn_rl(&h->rl, "pci-host", "malformed %s access at 0x%llx len %u", what,
		    (unsigned long long)off, len);
}

/*
 * One config cycle to (bus, devfn, reg). No function there: reads return all
 * ones and writes are dropped, as a master abort does (§7.2.2.2).
 */
static void pci_host_cfg_read(struct pci_host *h, u8 bus, u8 devfn, u16 reg, void *data,
			      unsigned len)
{
	struct pci_dev *d = pci_host_find(h, bus, devfn);

	stn_le(data, len, d ? pci_cfg_read(d, reg, len) : 0xffffffffu);
}

static void pci_host_cfg_write(struct pci_host *h, u8 bus, u8 devfn, u16 reg, u32 val,
			       unsigned len)
{
	struct pci_dev *d = pci_host_find(h, bus, devfn);

	if (d)
		pci_cfg_write(d, reg, len, val);
}

/* ECAM: config requests larger than a dword or crossing one are not supported (§7.2.2.2). */
static void pci_ecam_read(void *opaque, u64 off, void *data, unsigned len)
{
	struct pci_host *h = opaque;

	if (!pci_cfg_access_ok(off & 0xfff, len)) {
		memset(data, 0xff, len);
		pci_host_bad(h, "ECAM read", off, len);
		return;
	}
	pci_host_cfg_read(h, (u8)(off >> 20), (u8)(off >> 12), off & 0xfff, data, len);
}

static void pci_ecam_write(void *opaque, u64 off, const void *data, unsigned len)
{
	struct pci_host *h = opaque;

	if (!pci_cfg_access_ok(off & 0xfff, len)) {
		pci_host_bad(h, "ECAM write", off, len);
		return;
	}
	pci_host_cfg_write(h, (u8)(off >> 20), (u8)(off >> 12), off & 0xfff,
			   (u32)ldn_le(data, len), len);
}

static const struct bus_ops pci_ecam_ops = {
	.read = pci_ecam_read,
	.write = pci_ecam_write,
};

/*
 * 0xCFC..0xCFF carry the data of the dword CONFIG_ADDRESS selects, byte lane
 * by byte lane; only a dword access to 0xCF8 touches CONFIG_ADDRESS. With the
 * enable bit clear the data port generates no config cycle.
 */
static bool pci_cf8_target(struct pci_host *h, u64 off, unsigned len, u8 *bus, u8 *devfn,
			   u16 *reg)
{
	u32 addr;

	if (off < 4 || off - 4 + len > 4)
		return false;
	pthread_mutex_lock(&h->lock);
	addr = h->config_address;
	pthread_mutex_unlock(&h->lock);
	if (!(addr & CF8_ENABLE))
		return false;
	*bus = (u8)(addr >> 16);
	*devfn = (u8)(addr >> 8);
	*reg = (u16)((addr & 0xfc) + (off - 4));
	return true;
}

static void pci_cf8_read(void *opaque, u64 off, void *data, unsigned len)
{
	struct pci_host *h = opaque;
	u16 reg;
	u8 bus, devfn;

	if (off == 0 && len == 4) {
		pthread_mutex_lock(&h->lock);
		stn_le(data, 4, h->config_address);
		pthread_mutex_unlock(&h->lock);
		return;
	}
	if (!pci_cf8_target(h, off, len, &bus, &devfn, &reg)) {
		memset(data, 0xff, len);
		return;
	}
	pci_host_cfg_read(h, bus, devfn, reg, data, len);
}

static void pci_cf8_write(void *opaque, u64 off, const void *data, unsigned len)
{
	struct pci_host *h = opaque;
	u16 reg;
	u8 bus, devfn;

	if (off == 0 && len == 4) {
		pthread_mutex_lock(&h->lock);
		h->config_address = (u32)ldn_le(data, 4) & CF8_MASK;
		pthread_mutex_unlock(&h->lock);
		return;
	}
	if (pci_cf8_target(h, off, len, &bus, &devfn, &reg))
		pci_host_cfg_write(h, bus, devfn, reg, (u32)ldn_le(data, len), len);
}

static const struct bus_ops pci_cf8_ops = {
	.read = pci_cf8_read,
	.write = pci_cf8_write,
};

/* --- INTx --------------------------------------------------------------------------- */

/* Bring the function's contribution to its GSI in line with level and INTx Disable. */
static void pci_intx_sync_locked(struct pci_dev *d)
{
	struct pci_host *h = d->host;
	u8 pin = d->cfg[PCI_INTERRUPT_PIN];	/* read-only after registration */
	bool want = d->intx_level && !d->intx_disabled;
	unsigned gsi, line;

	if (want == d->intx_asserted || pin < 1 || pin > 4)
		return;
	gsi = pci_host_intx_gsi(PCI_SLOT(d->devfn), pin - 1u);
	line = gsi - IRQ_PCI_INTX_FIRST;
	d->intx_asserted = want;
	if (want) {
		if (h->intx_count[line]++ == 0)
			irq_line_set(h->irq, gsi, 1);
	} else {
		if (--h->intx_count[line] == 0)
			irq_line_set(h->irq, gsi, 0);
	}
}

void pci_set_intx(struct pci_dev *d, int level)
{
	struct pci_host *h = d->host;

	if (!h)
		return;
	pthread_mutex_lock(&h->intx_lock);
	d->intx_level = level != 0;
	pci_intx_sync_locked(d);
	pthread_mutex_unlock(&h->intx_lock);
}

void pci_intx_update(struct pci_dev *d)
{
	struct pci_host *h = d->host;
	bool disabled = pci_get(d->cfg, PCI_COMMAND, 2) & PCI_COMMAND_INTX_DISABLE;

	pthread_mutex_lock(&h->intx_lock);
	d->intx_disabled = disabled;
	pci_intx_sync_locked(d);
	pthread_mutex_unlock(&h->intx_lock);
}

bool pci_intx_status(struct pci_dev *d)
{
	struct pci_host *h = d->host;
	bool level;

	if (!h)
		return false;
	pthread_mutex_lock(&h->intx_lock);
	level = d->intx_level;
	pthread_mutex_unlock(&h->intx_lock);
	return level;
}

/* --- registration: the firmware's part ------------------------------------------------ */

static struct pci_window *pci_host_window(struct pci_host *h, enum pci_bar_type type,
					  bool prefetch)
{
	switch (type) {
	case PCI_BAR_IO:
		return &h->io;
	case PCI_BAR_MEM32:
		return &h->mmio32;
	case PCI_BAR_MEM64:
		/* Non-prefetchable 64-bit BARs stay below 4 GiB, as firmware does for bridges. */
		return prefetch ? &h->mmio64 : &h->mmio32;
	default:
		return NULL;
	}
}

int pci_host_alloc(struct pci_host *h, enum pci_bar_type type, bool prefetch, u64 size,
		   u64 align, u64 *addr)
{
	struct pci_window *w = pci_host_window(h, type, prefetch);
	u64 a;

	if (!w || !size || !align || (align & (align - 1)))
		return -EINVAL;
	a = ALIGN_UP(w->next, align);
	if (a < w->next || a > w->end || w->end - a < size)
		return -ENOSPC;
	w->next = a + size;
	*addr = a;
	return 0;
}

/* Assign every BAR a naturally aligned address; the caller restores the windows on failure. */
static int pci_host_place_bars(struct pci_host *h, struct pci_dev *d)
{
	for (unsigned i = 0; i < PCI_NUM_BARS; i++) {
		const struct pci_bar *b = &d->bars[i];
		u16 reg = PCI_BASE_ADDRESS_0 + 4 * i;
		u64 a;
		int ret;

		if (b->type == PCI_BAR_NONE)
			continue;
		ret = pci_host_alloc(h, b->type, b->prefetch, b->size, b->size, &a);
		if (ret)
			return ret;
		pci_put(d->cfg, reg, 4, pci_get(d->cfg, reg, 4) | (u32)a);
		if (b->type == PCI_BAR_MEM64)
			pci_put(d->cfg, reg + 4, 4, (u32)(a >> 32));
	}
	return 0;
}

static int pci_host_pick_devfn(struct pci_host *h)
{
	for (unsigned slot = 0; slot < 32; slot++) {
		bool used = false;

		for (unsigned fn = 0; fn < 8; fn++)
			used |= h->devs[PCI_DEVFN(slot, fn)] || h->reserved[PCI_DEVFN(slot, fn)];
		if (!used)
			return PCI_DEVFN(slot, 0);
	}
	return -ENOSPC;
}

/*
 * A slot with functions other than 0 must say so in function 0's Header Type
 * (§7.5.1.1.9). Called without h->lock: cfg_lock may be held when h->lock is
 * taken, never the other way round.
 */
static void pci_host_mark_multifunction(struct pci_host *h, u8 devfn)
{
	struct pci_dev *fn0;
	bool others = false;

	pthread_mutex_lock(&h->lock);
	fn0 = h->devs[PCI_DEVFN(PCI_SLOT(devfn), 0)];
	for (unsigned fn = 1; fn < 8; fn++)
		others |= h->devs[PCI_DEVFN(PCI_SLOT(devfn), fn)] != NULL;
	pthread_mutex_unlock(&h->lock);
	if (!fn0 || !others)
		return;
	pthread_mutex_lock(&fn0->cfg_lock);
	fn0->cfg[PCI_HEADER_TYPE] |= 0x80;
	fn0->reset_cfg[PCI_HEADER_TYPE] |= 0x80;
	pthread_mutex_unlock(&fn0->cfg_lock);
}

int pci_register(struct pci_host *h, struct pci_dev *d, int devfn)
{
	struct pci_window io, m32, m64;
	u8 pin = d->cfg[PCI_INTERRUPT_PIN];
	int ret;

	if (d->registered || d->host)
		return -EBUSY;
	if (pin > 4)
		return -EINVAL;
	pthread_mutex_lock(&h->lock);
	io = h->io;
	m32 = h->mmio32;
	m64 = h->mmio64;
	if (devfn < 0)
		devfn = pci_host_pick_devfn(h);
	if (devfn < 0 || devfn >= PCI_DEVFNS) {
		ret = devfn < 0 ? devfn : -EINVAL;
		goto out;
	}
	/* A PF's VF routing IDs are reserved for its VFs. */
	if (h->devs[devfn] || (h->reserved[devfn] && h->reserved[devfn] != d->pf)) {
		ret = -EEXIST;
		goto out;
	}
	d->bus = 0;
	d->devfn = (u8)devfn;
	d->host = h;
	pci_cfg_freeze(d);
	if (!d->pf) {	/* VF BARs are the PF's (§9.3.4.1.11) */
		ret = pci_host_place_bars(h, d);
		if (ret)
			goto err_bars;
	}
	if (d->sriov) {
		ret = sriov_register(d);
		if (ret)
			goto err_bars;
	}
	/* What a BIOS writes to Interrupt Line: the GSI of the pin (ACPI guests use _PRT). */
	if (pin)
		d->cfg[PCI_INTERRUPT_LINE] =
			(u8)pci_host_intx_gsi(PCI_SLOT(d->devfn), pin - 1u);
	dma_as_init(&d->dma, h->gmem, pci_rid(d), d->name);
	if (d->msix) {
		ret = msix_register(d);
		if (ret)
			goto err_msix;
	}
	h->devs[devfn] = d;
	pthread_mutex_unlock(&h->lock);
	/* VFs are not found by scanning and do not count as functions of a slot. */
	if (!d->pf)
		pci_host_mark_multifunction(h, d->devfn);
	return 0;

err_msix:
	if (d->sriov)
		sriov_release(d);
err_bars:
	d->host = NULL;
	h->io = io;
	h->mmio32 = m32;
	h->mmio64 = m64;
	d->registered = false;
	/* The image frozen before placement: no BAR, VF BAR or Interrupt Line assigned. */
	memcpy(d->cfg, d->reset_cfg, sizeof(d->cfg));
out:
	pthread_mutex_unlock(&h->lock);
	return ret;
}

void pci_unregister(struct pci_dev *d)
{
	struct pci_host *h = d->host;

	if (h) {
		pthread_mutex_lock(&h->lock);
		if (h->devs[d->devfn] == d)
			h->devs[d->devfn] = NULL;
		pthread_mutex_unlock(&h->lock);
		/* Config cycles can no longer find it; off the buses and the INTx line. */
		pthread_mutex_lock(&d->cfg_lock);
		if (d->sriov)
			sriov_unregister(d);
		pci_put(d->cfg, PCI_COMMAND, 2, 0);
		d->vf_mse = false;
		pci_bars_update(d);
		pthread_mutex_unlock(&d->cfg_lock);
		pci_set_intx(d, 0);
		if (d->msix)
			msix_unregister(d);
		if (d->sriov) {
			pthread_mutex_lock(&h->lock);
			sriov_release(d);
			pthread_mutex_unlock(&h->lock);
		}
		d->host = NULL;
		d->registered = false;
	}
	sriov_destroy(d);
}

/* --- the host bridge itself ------------------------------------------------------------ */

void pci_host_destroy(struct pci_host *h)
{
	if (!h)
		return;
	if (h->vm && h->vm->pci == h)
		h->vm->pci = NULL;
	pci_unregister(&h->bridge);
	bus_remove(h->mmio, PCI_ECAM_BASE, h);
	bus_remove(h->pio, PIO_PCI_CONFIG, h);
	pthread_mutex_destroy(&h->bridge.cfg_lock);
	pthread_mutex_destroy(&h->intx_lock);
	pthread_mutex_destroy(&h->lock);
	free(h);
}

static void pci_host_destroy_dev(void *h)
{
	pci_host_destroy(h);
}

static const struct vm_device_ops pci_host_dev_ops = {
	.name = "pci-host",
	.destroy = pci_host_destroy_dev,
};

int pci_host_create(struct vm *vm)
{
	struct pci_host *h = calloc(1, sizeof(*h));
	int ret;

	if (!h)
		return -ENOMEM;
	h->vm = vm;
	h->pio = &vm->pio;
	h->mmio = &vm->mmio;
	h->irq = &vm->irq;
	h->gmem = &vm->gmem;
	h->rl = (struct ratelimit)RATELIMIT_INIT;
	pthread_mutex_init(&h->lock, NULL);
	pthread_mutex_init(&h->intx_lock, NULL);
	h->io = (struct pci_window){ PCI_PIO_BASE, (u64)PCI_PIO_BASE + PCI_PIO_SIZE };
	h->mmio32 = (struct pci_window){ PCI_MMIO32_BASE, PCI_MMIO32_BASE + PCI_MMIO32_SIZE };
	h->mmio64 = (struct pci_window){ vm->mmio64_base, vm->mmio64_base + PCI_MMIO64_SIZE };

	/* Device 00.0: a host bridge with no BARs and no interrupt. */
	pci_dev_init(&h->bridge, "pci-host-bridge", PCI_HOST_VENDOR_ID, PCI_HOST_DEVICE_ID,
		     PCI_CLASS_BRIDGE_HOST << 8, 0, PCI_HOST_SUBSYS_VENDOR, PCI_HOST_SUBSYS_ID);
	h->bridge.cfg[PCI_INTERRUPT_PIN] = 0;
	ret = pci_register(h, &h->bridge, PCI_DEVFN(0, 0));
	if (ret)
		goto err_free;
	ret = bus_add(&vm->mmio, PCI_ECAM_BASE, PCI_ECAM_SIZE, &pci_ecam_ops, h, "pci-ecam");
	if (ret)
		goto err_free;
	ret = bus_add(&vm->pio, PIO_PCI_CONFIG, CF8_PORTS, &pci_cf8_ops, h, "pci-cf8");
	if (ret)
		goto err_ecam;
	ret = vm_add_device(vm, &pci_host_dev_ops, h);
	if (ret)
		goto err_cf8;
	vm->pci = h;
	return 0;

err_cf8:
	bus_remove(&vm->pio, PIO_PCI_CONFIG, h);
err_ecam:
	bus_remove(&vm->mmio, PCI_ECAM_BASE, h);
err_free:
	pci_unregister(&h->bridge);
	pthread_mutex_destroy(&h->bridge.cfg_lock);
	pthread_mutex_destroy(&h->intx_lock);
	pthread_mutex_destroy(&h->lock);
	free(h);
	return ret;
}
