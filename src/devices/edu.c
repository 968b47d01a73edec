// SPDX-License-Identifier: GPL-2.0-only
/*
 * edu: the educational PCI device of QEMU's docs/specs/edu.rst, ID 1234:11e8,
 * revision 0x10, class 00ff00, one 1 MiB memory BAR, INTx (pin A) and a
 * single-vector 64-bit MSI capability without per-vector masking. Its purpose
 * here is DMA on command: the test writes source, destination, count and
 * command, and the device copies between guest memory (through its own
 * struct dma_as, so an IOMMU in front of it applies) and its 4 KiB buffer,
 * which DMA commands address as 0x40000..0x40fff.
 *
 * Register file (BAR 0; include/iovirt/edu.h names them). Accesses below 0x80
 * must be 4 bytes, from 0x80 on 4 or 8 bytes; any other access reads all ones
 * and writes nothing (edu.rst: "only size == 4 accesses are allowed").
 *
 * Where this model departs from QEMU's hw/misc/edu.c, following edu.rst:
 *  - A DMA whose buffer range leaves 0x40000..0x40fff, or whose guest address
 *    is refused (not guest memory, an IOMMU fault, bus mastering off), does
 *    not abort the VMM (QEMU 7.2's model calls hw_error; later ones log and
 *    copy past the end of the buffer). The transfer is skipped, the command
 *    completes, and the command register's EDU_DMA_ERROR bit (0x8, read-only,
 *    cleared when the next transfer starts) records the failure; the DMA
 *    interrupt is still raised if it was asked for.
 *  - No 28-bit clamp of DMA addresses: edu.rst's default dma_mask only tells
 *    the driver what to set; this device reaches all 64 bits, as the IOMMU
 *    tests need.
 *  - The factorial is computed at once (n! mod 2^32, which is 0 for n >= 34),
 *    so the "computing" status bit is never seen set; the factorial interrupt
 *    follows as edu.rst says.
 *  - The 64-bit DMA registers also take a 4-byte write to their upper half
 *    (offset + 4), after a 4-byte write to the lower half, which zero-extends
 *    as in QEMU: Linux's lo_hi_writeq order works.
 *  - DMA completes EDU_DMA_DELAY_NS after RUN on the VM clock (virtual under
 *    the harness: a test steps the clock; QEMU waits 100 ms).
 *  - While MSI is enabled INTx is never asserted, and enabling MSI drops an
 *    asserted INTx (PCI 3.0 §6.8.1: a function with MSI enabled must not use
 *    INTx); disabling it re-asserts INTx if interrupts are still pending.
 */
#include <errno.h>
#include <stdlib.h>

#include "iovirt/edu.h"
#include "iovirt/log.h"
#include "iovirt/pci.h"
#include "iovirt/vclock.h"
#include "iovirt/vm.h"

#define EDU_REVISION 0x10
#define EDU_CLASS 0x00ff00	/* base 00 (pre-class-code device), sub ff: as QEMU's edu */
#define EDU_MSI_BODY_LEN 12	/* control, address low/high, data: a 64-bit MSI without masking */

struct edu {
	struct pci_dev pdev;
	struct vm *vm;
	struct vclock_timer dma_timer;
	struct msi_irq msi;
	bool msi_ready;			/* msi holds a GSI */
	u8 msi_cap;			/* offset of the MSI capability */

	pthread_mutex_t lock;		/* guards everything below */
	u32 liveness;
	u32 fact;
	u32 status;
	u32 irq_status;
	u64 dma_src, dma_dst, dma_cnt, dma_cmd;
	bool msi_enabled;		/* mirror of the MSI capability, set by the config hook */
	u8 buf[EDU_DMA_BUF_SIZE];
	struct ratelimit rl;
	u64 dma_errors;
};

/* ---- interrupts ---- */

static void edu_irq_update_locked(struct edu *e)
{
	/* INTx is level: asserted while any status bit is set and MSI is off. */
	pci_set_intx(&e->pdev, e->irq_status && !e->msi_enabled);
}

static void edu_raise_locked(struct edu *e, u32 bits)
{
	e->irq_status |= bits;
	if (!e->irq_status)
		return;
	if (e->msi_enabled) {
		/* MSI is an edge: every raise is one message (edu.rst's ISR still acks). */
		if (e->msi_ready)
			msi_irq_fire(&e->msi);
	} else {
		edu_irq_update_locked(e);
	}
}

static void edu_lower_locked(struct edu *e, u32 bits)
{
	e->irq_status &= ~bits;
	if (!e->msi_enabled)
		edu_irq_update_locked(e);
}

/*
 * Config-space hook (runs under the function's cfg_lock): follow the MSI
 * capability. The message goes into the vector's route, so firing it is one
 * eventfd write.
 */
static void edu_cfg_write(struct pci_dev *d, u16 off, unsigned len, u32 val)
{
	struct edu *e = d->opaque;
	u8 cap = e->msi_cap;
	u16 ctrl;
	u64 addr;
	u32 data;
	bool enabled;

	if (off + len <= cap || off >= cap + 2 + EDU_MSI_BODY_LEN)
		return;
	ctrl = (u16)(d->cfg[cap + PCI_MSI_FLAGS] | d->cfg[cap + PCI_MSI_FLAGS + 1] << 8);
	addr = ldn_le(&d->cfg[cap + PCI_MSI_ADDRESS_LO], 4) |
	       ldn_le(&d->cfg[cap + PCI_MSI_ADDRESS_HI], 4) << 32;
	data = (u32)ldn_le(&d->cfg[cap + PCI_MSI_DATA_64], 2);
	enabled = ctrl & PCI_MSI_FLAGS_ENABLE;
	if (e->msi_ready && msi_irq_set(&e->msi, addr, data))
		dev_warn_rl(&e->rl, d->name, "MSI route update failed");
	pthread_mutex_lock(&e->lock);
	if (enabled != e->msi_enabled) {
		e->msi_enabled = enabled;
		edu_irq_update_locked(e);
	}
	pthread_mutex_unlock(&e->lock);
}

static void edu_reset(struct pci_dev *d)
{
	struct edu *e = d->opaque;

	vclock_timer_del(&e->dma_timer);
	pthread_mutex_lock(&e->lock);
	e->liveness = e->fact = e->status = e->irq_status = 0;
	e->dma_src = e->dma_dst = e->dma_cnt = e->dma_cmd = 0;
	e->msi_enabled = false;
	pthread_mutex_unlock(&e->lock);
}

static const struct pci_dev_ops edu_pci_ops = {
	.cfg_write = edu_cfg_write,
	.reset = edu_reset,
};

/* ---- DMA ---- */

/* The buffer part of a transfer: inside 0x40000..0x40fff, without wrapping. */
static bool edu_buf_range(u64 addr, u64 cnt, u64 *off)
{
	/* GUEST: addr and cnt are register values; checked before indexing buf. */
	if (addr < EDU_DMA_BUF_ADDR || cnt > EDU_DMA_BUF_SIZE ||
	    addr - EDU_DMA_BUF_ADDR > EDU_DMA_BUF_SIZE - cnt)
		return false;
	*off = addr - EDU_DMA_BUF_ADDR;
	return true;
}

static void edu_dma_done(void *opaque)
{
	struct edu *e = opaque;
	bool to_ram, ok = false;
	u64 off = 0;
	int ret = 0;

	pthread_mutex_lock(&e->lock);
	if (!(e->dma_cmd & EDU_DMA_RUN))
		goto out;
	to_ram = e->dma_cmd & EDU_DMA_TO_RAM;
	if (!edu_buf_range(to_ram ? e->dma_src : e->dma_dst, e->dma_cnt, &off)) {
		dev_warn_rl(&e->rl, e->pdev.name, "DMA of 0x%llx bytes at buffer address 0x%llx "
			    "leaves the 4 KiB buffer at 0x40000", (unsigned long long)e->dma_cnt,
			    (unsigned long long)(to_ram ? e->dma_src : e->dma_dst));
	} else if (!pci_bus_master_enabled(&e->pdev)) {
		/* PCIe 6.0 §7.5.1.1.3: no requests without Bus Master Enable. */
		dev_warn_rl(&e->rl, e->pdev.name, "DMA with bus mastering disabled");
	} else {
		/* GUEST: the RAM-side address goes through the device's DMA space only. */
		if (to_ram)
			ret = dma_write(&e->pdev.dma, e->dma_dst, e->buf + off, e->dma_cnt);
		else
			ret = dma_read(&e->pdev.dma, e->dma_src, e->buf + off, e->dma_cnt);
		if (ret)
			dev_warn_rl(&e->rl, e->pdev.name, "DMA %s 0x%llx+0x%llx refused",
				    to_ram ? "to" : "from",
				    (unsigned long long)(to_ram ? e->dma_dst : e->dma_src),
				    (unsigned long long)e->dma_cnt);
		ok = !ret;
	}
	e->dma_cmd &= ~(u64)EDU_DMA_RUN;
	if (!ok) {
		e->dma_cmd |= EDU_DMA_ERROR;
		e->dma_errors++;
	}
	if (e->dma_cmd & EDU_DMA_IRQ)
		edu_raise_locked(e, EDU_IRQ_DMA);
out:
	pthread_mutex_unlock(&e->lock);
}

/* ---- registers ---- */

static u32 edu_factorial(u32 n)
{
	u32 r = 1;

	/* 34! has 32 factors of two: from there on the 32-bit result is 0. */
	if (n >= 34)
		return 0;
	while (n > 1)
		r *= n--;
	return r;
}

/* The 64-bit DMA register an offset falls in, or NULL. */
static u64 *edu_dma_reg(struct edu *e, u64 off)
{
	switch (off & ~7ull) {
	case EDU_REG_DMA_SRC: return &e->dma_src;
	case EDU_REG_DMA_DST: return &e->dma_dst;
	case EDU_REG_DMA_CNT: return &e->dma_cnt;
	case EDU_REG_DMA_CMD: return &e->dma_cmd;
	default: return NULL;
	}
}

static bool edu_size_ok(u64 off, unsigned len)
{
	if (off < 0x80)
		return len == 4 && !(off & 3);
	return (len == 4 && !(off & 3)) || (len == 8 && !(off & 7));
}

static void edu_mmio_read(void *opaque, u64 off, void *data, unsigned len)
{
	struct edu *e = opaque;
	u64 v = ~0ull, *reg;

	if (!edu_size_ok(off, len)) {
		memset(data, 0xff, len);
		return;
	}
	pthread_mutex_lock(&e->lock);
	switch (off) {
	case EDU_REG_ID:
		v = EDU_ID_VALUE;
		break;
	case EDU_REG_LIVENESS:
		v = e->liveness;
		break;
	case EDU_REG_FACT:
		v = e->fact;
		break;
	case EDU_REG_STATUS:
		v = e->status;
		break;
	case EDU_REG_IRQ_STATUS:
		v = e->irq_status;
		break;
	default:
		reg = edu_dma_reg(e, off);
		if (reg)
			v = (off & 4) ? *reg >> 32 : *reg;
		break;
	}
	pthread_mutex_unlock(&e->lock);
	stn_le(data, len, v);
}

static void edu_mmio_write(void *opaque, u64 off, const void *data, unsigned len)
{
	struct edu *e = opaque;
	u64 v, *reg;

	if (!edu_size_ok(off, len))
		return;
	v = ldn_le(data, len);
	pthread_mutex_lock(&e->lock);
	switch (off) {
	case EDU_REG_LIVENESS:
		e->liveness = ~(u32)v;
		break;
	case EDU_REG_FACT:
		if (e->status & EDU_STATUS_COMPUTING)
			break;
		e->fact = edu_factorial((u32)v);
		if (e->status & EDU_STATUS_IRQFACT)
			edu_raise_locked(e, EDU_IRQ_FACT);
		break;
	case EDU_REG_STATUS:
		/* Only the interrupt-on-factorial bit is writable; COMPUTING is read-only. */
		e->status = (e->status & ~EDU_STATUS_IRQFACT) | ((u32)v & EDU_STATUS_IRQFACT);
		break;
	case EDU_REG_IRQ_RAISE:
		edu_raise_locked(e, (u32)v);
		break;
	case EDU_REG_IRQ_ACK:
		edu_lower_locked(e, (u32)v);
		break;
	default:
		reg = edu_dma_reg(e, off);
		/* The DMA registers are frozen while a transfer runs (as in QEMU). */
		if (!reg || (e->dma_cmd & EDU_DMA_RUN))
			break;
		if (reg == &e->dma_cmd) {
			if (off & 4 || !(v & EDU_DMA_RUN))
				break;
			e->dma_cmd = v & (EDU_DMA_RUN | EDU_DMA_TO_RAM | EDU_DMA_IRQ);
			vclock_timer_mod(&e->dma_timer,
					 vclock_now(&e->vm->clock) + EDU_DMA_DELAY_NS);
		} else if (off & 4) {
			*reg = (*reg & 0xffffffffull) | (u64)(u32)v << 32;
		} else {
			*reg = v; /* a 4-byte write zero-extends, as in QEMU */
		}
		break;
	}
	pthread_mutex_unlock(&e->lock);
}

static const struct bus_ops edu_bar_ops = {
	.read = edu_mmio_read,
	.write = edu_mmio_write,
};

/* ---- life cycle ---- */

static void edu_destroy(void *opaque)
{
	struct edu *e = opaque;

	pci_unregister(&e->pdev);
	vclock_timer_del(&e->dma_timer);
	if (e->msi_ready)
		msi_irq_destroy(&e->msi);
	if (e->dma_errors)
		pr_debug("edu: %llu failed DMA transfers", (unsigned long long)e->dma_errors);
	pthread_mutex_destroy(&e->lock);
	pthread_mutex_destroy(&e->pdev.cfg_lock);
	free(e);
}

static const struct vm_device_ops edu_dev_ops = {
	.name = "edu",
	.destroy = edu_destroy,
};

static int edu_add_msi_cap(struct edu *e)
{
	u8 body[EDU_MSI_BODY_LEN] = { 0 };
	int off;

	/* Message Control: 64-bit capable, one vector (MMC 0), no per-vector masking. */
	stn_le(body, 2, PCI_MSI_FLAGS_64BIT);
	off = pci_add_cap(&e->pdev, PCI_CAP_ID_MSI, body, sizeof(body));
	if (off < 0)
		return off;
	e->msi_cap = (u8)off;
	/* PCI 3.0 §6.8.1: Enable and Multiple Message Enable are RW; address bits 1:0 are 0. */
	pci_set_wmask(&e->pdev, (u16)(off + PCI_MSI_FLAGS), 2,
		      PCI_MSI_FLAGS_ENABLE | PCI_MSI_FLAGS_QSIZE);
	pci_set_wmask(&e->pdev, (u16)(off + PCI_MSI_ADDRESS_LO), 4, 0xfffffffc);
	pci_set_wmask(&e->pdev, (u16)(off + PCI_MSI_ADDRESS_HI), 4, 0xffffffff);
	pci_set_wmask(&e->pdev, (u16)(off + PCI_MSI_DATA_64), 2, 0xffff);
	return 0;
}

int edu_create(struct vm *vm)
{
	struct edu *e;
	int ret;

	if (!vm->pci)
		return -ENODEV;
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->vm = vm;
	e->rl = (struct ratelimit)RATELIMIT_INIT;
	pthread_mutex_init(&e->lock, NULL);
	vclock_timer_init(&e->dma_timer, &vm->clock, edu_dma_done, e);
	pci_dev_init(&e->pdev, "edu", EDU_VENDOR_ID, EDU_DEVICE_ID, EDU_CLASS, EDU_REVISION,
		     0x1af4, 0x1100);
	e->pdev.ops = &edu_pci_ops;
	e->pdev.opaque = e;
	ret = pci_set_bar(&e->pdev, 0, PCI_BAR_MEM32, false, EDU_BAR_SIZE, &edu_bar_ops, e);
	if (ret)
		goto err_free;
	ret = edu_add_msi_cap(e);
	if (ret)
		goto err_free;
	ret = pci_register(vm->pci, &e->pdev, -1);
	if (ret)
		goto err_free;
	/* The vector's route needs the requester ID, known once registered. */
	ret = msi_irq_init(&e->msi, &vm->irq, pci_rid(&e->pdev));
	if (ret)
		goto err_unregister;
	e->msi_ready = true;
	ret = vm_add_device(vm, &edu_dev_ops, e);
	if (ret)
		goto err_msi;
	return 0;

err_msi:
	msi_irq_destroy(&e->msi);
err_unregister:
	pci_unregister(&e->pdev);
err_free:
	pthread_mutex_destroy(&e->lock);
	pthread_mutex_destroy(&e->pdev.cfg_lock);
	free(e);
	return ret;
}
