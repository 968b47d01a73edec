// SPDX-License-Identifier: GPL-2.0-only
/*
 * virtio-pci, modern (non-transitional) interface (virtio 1.2 §4.1): vendor
 * 0x1af4, device 0x1040 + device ID, revision 1. One 64-bit memory BAR holds
 * the four structures the vendor capabilities point at:
 *
 *   BAR4 + 0x0000  common configuration (struct virtio_pci_common_cfg)
 *   BAR4 + 0x1000  ISR status (read to clear; INTx only)
 *   BAR4 + 0x2000  device-specific configuration
 *   BAR4 + 0x3000  notifications: queue q at q * 4 (notify_off_multiplier 4),
 *                  each an ioeventfd, so a kick never leaves the kernel
 *
 * MSI-X (BAR1) has one vector per queue plus one for configuration changes;
 * with MSI-X off, interrupts are INTA# with the ISR register (§4.1.4.5). The
 * VIRTIO_PCI_CAP_PCI_CFG window (§4.1.4.9) gives config-space access to the
 * BAR for firmware that has not mapped it.
 */
#include <errno.h>
#include <linux/virtio_pci.h>
#include <stdlib.h>

#include "iovirt/pci.h"
#include "iovirt/virtio.h"
#include "iovirt/vm.h"

#define VP_BAR			4
#define VP_MSIX_BAR		1
#define VP_COMMON_OFF		0x0000
#define VP_ISR_OFF		0x1000
#define VP_DEVICE_OFF		0x2000
#define VP_NOTIFY_OFF		0x3000
#define VP_REGION_SIZE		0x1000
#define VP_BAR_SIZE		0x4000
#define VP_NOTIFY_MULT		4
#define VP_VENDOR		0x1af4	/* Red Hat, Inc. (virtio) */
#define VP_ISR_QUEUE		0x1	/* §4.1.4.5: bit 0, a queue interrupt */

struct virtio_pci {
	struct pci_dev pci;
	struct virtio_dev *vd;
	struct vm *vm;
	unsigned nvec;		/* MSI-X vectors: queues + config */
	u8 pci_cfg_cap;		/* offset of the VIRTIO_PCI_CAP_PCI_CFG capability */

	/* Guards the selectors and vectors below and the ioeventfd binding. It may
	 * be held while calling into virtio_dev (which takes vd->lock), so I/O
	 * threads never take it. */
	pthread_mutex_t lock;
	u32 dfselect;
	u32 gfselect;
	u16 queue_select;
	u16 config_vector;
	u64 notify_addr;	/* where the kick ioeventfds are bound, 0: not bound */
	/* Guards isr with the INTx level; innermost, the only lock I/O threads take
	 * here (a reset holding vd->lock joins them, so they must never wait on
	 * vp->lock). */
	pthread_mutex_t isr_lock;
	u8 isr;
	struct ratelimit rl;
};

static const struct {
	u32 id;
	u32 class_code;
} vp_classes[] = {
	{ VIRTIO_ID_BLOCK, 0x010000 },	 /* mass storage, SCSI (as Linux and QEMU expect) */
	{ VIRTIO_ID_NET, 0x020000 },	 /* network, Ethernet */
	{ VIRTIO_ID_CONSOLE, 0x078000 }, /* communication, other */
	{ VIRTIO_ID_RNG, 0xff0000 },	 /* unassigned class */
};

/* --- Interrupts (called from I/O threads) --- */

static void vp_raise_intx(struct virtio_pci *vp, u8 isr_bit)
{
	pthread_mutex_lock(&vp->isr_lock);
	vp->isr |= isr_bit;
	pci_set_intx(&vp->pci, 1);
	pthread_mutex_unlock(&vp->isr_lock);
}

static void vp_notify_queue(struct virtio_dev *vd, unsigned q)
{
	struct virtio_pci *vp = vd->transport;

	if (msix_enabled(&vp->pci)) {
		u16 vec = READ_ONCE(vd->queues[q].msix_vector);

		if (vec < vp->nvec)
			msix_notify(&vp->pci, vec);
		return;
	}
	vp_raise_intx(vp, VP_ISR_QUEUE);
}

static void vp_notify_config(struct virtio_dev *vd)
{
	struct virtio_pci *vp = vd->transport;

	if (msix_enabled(&vp->pci)) {
		u16 vec = READ_ONCE(vp->config_vector);

		if (vec < vp->nvec)
			msix_notify(&vp->pci, vec);
		return;
	}
	vp_raise_intx(vp, VIRTIO_PCI_ISR_CONFIG);
}

static int vp_queue_irqfd(struct virtio_dev *vd, unsigned q)
{
	struct virtio_pci *vp = vd->transport;
	u16 vec = READ_ONCE(vd->queues[q].msix_vector);

	if (!msix_enabled(&vp->pci) || vec >= vp->nvec)
		return -1;
	return msix_vector_fd(&vp->pci, vec);
}

static const struct virtio_transport_ops vp_transport_ops = {
	.notify_queue = vp_notify_queue,
	.notify_config = vp_notify_config,
	.queue_irqfd = vp_queue_irqfd,
};

/* --- Kick ioeventfds: bound to the notify area wherever the BAR is --- */

static void vp_unbind_ioeventfds(struct virtio_pci *vp)
{
	if (!vp->notify_addr)
		return;
	for (unsigned q = 0; q < vp->vd->nr_queues; q++)
		vm_ioeventfd_del(vp->vm, false, vp->notify_addr + q * VP_NOTIFY_MULT, 0, false, 0,
				 vp->vd->queues[q].kick_fd);
	vp->notify_addr = 0;
}

static void vp_bind_ioeventfds(struct virtio_pci *vp, u64 bar_addr)
{
	u64 base = bar_addr + VP_NOTIFY_OFF;

	for (unsigned q = 0; q < vp->vd->nr_queues; q++) {
		/* Any write width (len 0): KVM's fast MMIO path, no instruction decode. */
		int ret = vm_ioeventfd_add(vp->vm, false, base + q * VP_NOTIFY_MULT, 0, false, 0,
					   vp->vd->queues[q].kick_fd);

		if (ret) {
			/* The notify register still works, through an MMIO exit. */
			pr_warn("%s: queue %u kick ioeventfd: %s (notifications will exit)",
				vp->vd->name, q, strerror(-ret));
			while (q--)
				vm_ioeventfd_del(vp->vm, false, base + q * VP_NOTIFY_MULT, 0, false,
						 0, vp->vd->queues[q].kick_fd);
			return;
		}
	}
	vp->notify_addr = base;
}

static void vp_bar_moved(struct pci_dev *d, unsigned bar, u64 old_addr, u64 new_addr)
{
	struct virtio_pci *vp = d->opaque;

	if (bar != VP_BAR)
		return;
	pthread_mutex_lock(&vp->lock);
	vp_unbind_ioeventfds(vp);
	if (new_addr)
		vp_bind_ioeventfds(vp, new_addr);
	pthread_mutex_unlock(&vp->lock);
}

/* --- Common configuration (§4.1.4.3) --- */

/* The field that holds byte `off`: its offset and size. Returns false past the end. */
static bool common_field(u32 off, u32 *foff, unsigned *fsize)
{
	static const u8 sizes[][2] = {
		{ VIRTIO_PCI_COMMON_DFSELECT, 4 }, { VIRTIO_PCI_COMMON_DF, 4 },
		{ VIRTIO_PCI_COMMON_GFSELECT, 4 }, { VIRTIO_PCI_COMMON_GF, 4 },
		{ VIRTIO_PCI_COMMON_MSIX, 2 },	   { VIRTIO_PCI_COMMON_NUMQ, 2 },
		{ VIRTIO_PCI_COMMON_STATUS, 1 },   { VIRTIO_PCI_COMMON_CFGGENERATION, 1 },
		{ VIRTIO_PCI_COMMON_Q_SELECT, 2 }, { VIRTIO_PCI_COMMON_Q_SIZE, 2 },
		{ VIRTIO_PCI_COMMON_Q_MSIX, 2 },   { VIRTIO_PCI_COMMON_Q_ENABLE, 2 },
		{ VIRTIO_PCI_COMMON_Q_NOFF, 2 },   { VIRTIO_PCI_COMMON_Q_DESCLO, 8 },
		{ VIRTIO_PCI_COMMON_Q_AVAILLO, 8 }, { VIRTIO_PCI_COMMON_Q_USEDLO, 8 },
		{ VIRTIO_PCI_COMMON_Q_NDATA, 2 },  { VIRTIO_PCI_COMMON_Q_RESET, 2 },
	};

	for (unsigned i = 0; i < ARRAY_SIZE(sizes); i++) {
		if (off >= sizes[i][0] && off < (u32)sizes[i][0] + sizes[i][1]) {
			*foff = sizes[i][0];
			*fsize = sizes[i][1];
			return true;
		}
	}
	return false;
}

/* The whole value of the field at foff. */
static u64 common_get(struct virtio_pci *vp, u32 foff)
{
	struct virtio_dev *vd = vp->vd;
	struct virtio_queue *q;
	u16 sel;

	switch (foff) {
	case VIRTIO_PCI_COMMON_DFSELECT:
		return vp->dfselect;
	case VIRTIO_PCI_COMMON_DF:
		return virtio_dev_read_device_features(vd, vp->dfselect);
	case VIRTIO_PCI_COMMON_GFSELECT:
		return vp->gfselect;
	case VIRTIO_PCI_COMMON_GF:
		return virtio_dev_read_driver_features(vd, vp->gfselect);
	case VIRTIO_PCI_COMMON_MSIX:
		return vp->config_vector;
	case VIRTIO_PCI_COMMON_NUMQ:
		return vd->nr_queues;
	case VIRTIO_PCI_COMMON_STATUS:
		return virtio_dev_read_status(vd);
	case VIRTIO_PCI_COMMON_CFGGENERATION:
		return __atomic_load_n(&vd->config_generation, __ATOMIC_ACQUIRE);
	case VIRTIO_PCI_COMMON_Q_SELECT:
		return vp->queue_select;
	}
	sel = vp->queue_select;
	q = virtio_dev_queue(vd, sel);
	if (!q)
		return 0; /* §4.1.4.3.1: queue_size 0 marks a queue that does not exist */
	switch (foff) {
	case VIRTIO_PCI_COMMON_Q_SIZE:
		return q->size;
	case VIRTIO_PCI_COMMON_Q_MSIX:
		return q->msix_vector;
	case VIRTIO_PCI_COMMON_Q_ENABLE:
		return q->enabled;
	case VIRTIO_PCI_COMMON_Q_NOFF:
		return sel; /* queue q notifies at q * notify_off_multiplier */
	case VIRTIO_PCI_COMMON_Q_DESCLO:
		return q->desc;
	case VIRTIO_PCI_COMMON_Q_AVAILLO:
		return q->driver;
	case VIRTIO_PCI_COMMON_Q_USEDLO:
		return q->device;
	default:
		return 0; /* queue_notify_data, queue_reset: features not offered */
	}
}

/* A vector the driver asks for: kept if it exists, else NO_VECTOR (§4.1.5.1.2). */
static u16 vp_vector(struct virtio_pci *vp, u64 v)
{
	return v < vp->nvec ? (u16)v : VIRTIO_NO_VECTOR;
}

/* Transport state that a device reset clears too. */
static void vp_reset_transport(struct virtio_pci *vp)
{
	pthread_mutex_lock(&vp->lock);
	vp->dfselect = vp->gfselect = 0;
	vp->queue_select = 0;
	vp->config_vector = VIRTIO_NO_VECTOR;
	pthread_mutex_unlock(&vp->lock);
	pthread_mutex_lock(&vp->isr_lock);
	vp->isr = 0;
	pci_set_intx(&vp->pci, 0);
	pthread_mutex_unlock(&vp->isr_lock);
}

static void common_set(struct virtio_pci *vp, u32 foff, u64 v)
{
	struct virtio_dev *vd = vp->vd;
	struct virtio_queue *q;
	unsigned sel;

	switch (foff) {
	case VIRTIO_PCI_COMMON_DFSELECT:
		vp->dfselect = (u32)v;
		return;
	case VIRTIO_PCI_COMMON_GFSELECT:
		vp->gfselect = (u32)v;
		return;
	case VIRTIO_PCI_COMMON_GF:
		virtio_dev_write_driver_features(vd, vp->gfselect, (u32)v);
		return;
	case VIRTIO_PCI_COMMON_MSIX:
		WRITE_ONCE(vp->config_vector, vp_vector(vp, v));
		return;
	case VIRTIO_PCI_COMMON_STATUS:
		/* Synchronous: when this write returns a reset is complete, so the
		 * driver's read-back of 0 (§4.1.4.3.2) is always true. */
		if (((u8)v & VIRTIO_CONFIG_S_DRIVER_OK) && !pci_bus_master_enabled(&vp->pci) &&
		    !(virtio_dev_read_status(vd) & VIRTIO_CONFIG_S_DRIVER_OK)) {
			/* PCIe 6.0 §7.5.1.1.3: no DMA without Bus Master Enable (the driver
			 * forgot pci_set_master). Broken before the queues start, so they
			 * never touch guest memory; the config interrupt follows. */
			virtio_dev_set_needs_reset(vd, "DRIVER_OK with bus mastering disabled");
			virtio_dev_write_status(vd, (u8)v);
			vp_notify_config(vd);
			return;
		}
		virtio_dev_write_status(vd, (u8)v);
		if (!(u8)v)
			vp_reset_transport(vp);
		return;
	case VIRTIO_PCI_COMMON_Q_SELECT:
		vp->queue_select = (u16)v;
		return;
	case VIRTIO_PCI_COMMON_DF:
	case VIRTIO_PCI_COMMON_NUMQ:
	case VIRTIO_PCI_COMMON_CFGGENERATION:
	case VIRTIO_PCI_COMMON_Q_NOFF:
	case VIRTIO_PCI_COMMON_Q_NDATA:
	case VIRTIO_PCI_COMMON_Q_RESET:
		return; /* read-only, or a feature not offered */
	}
	sel = vp->queue_select;
	q = virtio_dev_queue(vd, sel);
	if (!q)
		return;
	switch (foff) {
	case VIRTIO_PCI_COMMON_Q_MSIX:
		WRITE_ONCE(q->msix_vector, vp_vector(vp, v));
		return;
	case VIRTIO_PCI_COMMON_Q_ENABLE:
		if (v == 1)
			virtio_dev_queue_enable(vd, sel);
		return;
	}
	if (!virtio_dev_queue_writable(vd, sel))
		return;
	switch (foff) {
	case VIRTIO_PCI_COMMON_Q_SIZE:
		q->size = (u16)v;
		break;
	case VIRTIO_PCI_COMMON_Q_DESCLO:
		q->desc = v;
		break;
	case VIRTIO_PCI_COMMON_Q_AVAILLO:
		q->driver = v;
		break;
	case VIRTIO_PCI_COMMON_Q_USEDLO:
		q->device = v;
		break;
	}
}

/*
 * Accesses must stay inside one field; narrower ones (the 32-bit halves of the
 * 64-bit queue addresses, §4.1.3.1) read or merge the bytes they cover.
 */
static void common_read(struct virtio_pci *vp, u32 off, void *data, unsigned len)
{
	u32 foff;
	unsigned fsize;
	u64 v;

	if (!common_field(off, &foff, &fsize) || off + len > foff + fsize) {
		dev_warn_rl(&vp->rl, vp->vd->name, "common cfg read [0x%x, +%u) not a field", off,
			    len);
		memset(data, 0, len);
		return;
	}
	pthread_mutex_lock(&vp->lock);
	v = common_get(vp, foff);
	pthread_mutex_unlock(&vp->lock);
	stn_le(data, len, v >> (8 * (off - foff)));
}

static void common_write(struct virtio_pci *vp, u32 off, const void *data, unsigned len)
{
	u32 foff;
	unsigned fsize;
	u64 v, mask, cur;

	if (!common_field(off, &foff, &fsize) || off + len > foff + fsize) {
		dev_warn_rl(&vp->rl, vp->vd->name, "common cfg write [0x%x, +%u) not a field", off,
			    len);
		return;
	}
	v = ldn_le(data, len);
	if (len < fsize) {
		unsigned shift = 8 * (off - foff);

		mask = (len == 8 ? ~0ull : ((1ull << (8 * len)) - 1)) << shift;
		pthread_mutex_lock(&vp->lock);
		cur = common_get(vp, foff);
		pthread_mutex_unlock(&vp->lock);
		v = (cur & ~mask) | ((v << shift) & mask);
	}
	if (foff == VIRTIO_PCI_COMMON_STATUS) {
		/* Not under vp->lock: a reset joins I/O threads that may be raising INTx. */
		common_set(vp, foff, v);
		return;
	}
	pthread_mutex_lock(&vp->lock);
	common_set(vp, foff, v);
	pthread_mutex_unlock(&vp->lock);
}

/* --- The BAR --- */

static void vp_bar_read(void *opaque, u64 off, void *data, unsigned len)
{
	struct virtio_pci *vp = opaque;

	if (off < VP_COMMON_OFF + VP_REGION_SIZE) {
		common_read(vp, (u32)off, data, len);
	} else if (off < VP_ISR_OFF + VP_REGION_SIZE) {
		memset(data, 0, len);
		if (off == VP_ISR_OFF) {
			/* §4.1.4.5: reading ISR clears it and de-asserts INTx. */
			pthread_mutex_lock(&vp->isr_lock);
			*(u8 *)data = vp->isr;
			vp->isr = 0;
			pci_set_intx(&vp->pci, 0);
			pthread_mutex_unlock(&vp->isr_lock);
		}
	} else if (off < VP_DEVICE_OFF + VP_REGION_SIZE) {
		virtio_dev_config_read(vp->vd, (u32)(off - VP_DEVICE_OFF), data, len);
	} else {
		memset(data, 0, len); /* notify area: write-only */
	}
}

static void vp_bar_write(void *opaque, u64 off, const void *data, unsigned len)
{
	struct virtio_pci *vp = opaque;

	if (off < VP_COMMON_OFF + VP_REGION_SIZE) {
		common_write(vp, (u32)off, data, len);
	} else if (off < VP_ISR_OFF + VP_REGION_SIZE) {
		/* ISR is read-only. */
	} else if (off < VP_DEVICE_OFF + VP_REGION_SIZE) {
		virtio_dev_config_write(vp->vd, (u32)(off - VP_DEVICE_OFF), data, len);
	} else {
		/* A kick that no ioeventfd caught (not bound yet, or no KVM). */
		u64 rel = off - VP_NOTIFY_OFF;

		if (rel % VP_NOTIFY_MULT == 0)
			virtio_dev_queue_kick(vp->vd, (unsigned)(rel / VP_NOTIFY_MULT));
	}
}

static const struct bus_ops vp_bar_ops = {
	.read = vp_bar_read,
	.write = vp_bar_write,
};

/* --- VIRTIO_PCI_CAP_PCI_CFG: BAR access through config space (§4.1.4.9) --- */

/* The window's bar/offset/length, if they describe a valid access to our BAR. */
static bool vp_cfg_window(struct virtio_pci *vp, u32 *off, unsigned *len)
{
	const u8 *cap = vp->pci.cfg + vp->pci_cfg_cap;
	u32 o = (u32)ldn_le(cap + VIRTIO_PCI_CAP_OFFSET, 4);
	u32 l = (u32)ldn_le(cap + VIRTIO_PCI_CAP_LENGTH, 4);

	if (cap[VIRTIO_PCI_CAP_BAR] != VP_BAR || (l != 1 && l != 2 && l != 4) || o % l ||
	    o >= VP_BAR_SIZE)
		return false;
	*off = o;
	*len = l;
	return true;
}

static void vp_cfg_read(struct pci_dev *d, u16 off, unsigned len, u32 *val)
{
	struct virtio_pci *vp = d->opaque;
	u16 data_off = vp->pci_cfg_cap + offsetof(struct virtio_pci_cfg_cap, pci_cfg_data);
	u8 buf[4] = { 0 };
	u32 boff;
	unsigned blen;

	if (off < data_off || off >= data_off + 4)
		return;
	if (vp_cfg_window(vp, &boff, &blen))
		vp_bar_read(vp, boff, buf, blen);
	*val = (u32)ldn_le(buf + (off - data_off), MIN(len, 4u - (off - data_off)));
}

static void vp_cfg_write(struct pci_dev *d, u16 off, unsigned len, u32 val)
{
	struct virtio_pci *vp = d->opaque;
	u16 data_off = vp->pci_cfg_cap + offsetof(struct virtio_pci_cfg_cap, pci_cfg_data);
	u32 boff;
	unsigned blen;

	if (off + len <= data_off || off >= data_off + 4)
		return;
	/* The generic write already stored the bytes in pci_cfg_data. */
	if (vp_cfg_window(vp, &boff, &blen))
		vp_bar_write(vp, boff, d->cfg + data_off, blen);
}

static void vp_pci_reset(struct pci_dev *d)
{
	struct virtio_pci *vp = d->opaque;

	virtio_dev_write_status(vp->vd, 0);
	vp_reset_transport(vp);
}

static const struct pci_dev_ops vp_pci_ops = {
	.cfg_read = vp_cfg_read,
	.cfg_write = vp_cfg_write,
	.bar_moved = vp_bar_moved,
	.reset = vp_pci_reset,
};

static int vp_add_cap(struct pci_dev *d, u8 type, u32 off, u32 len, const void *extra,
		      unsigned extra_len)
{
	u8 body[sizeof(struct virtio_pci_cfg_cap)] = { 0 };
	struct virtio_pci_cap cap = {
		.cap_len = (u8)(sizeof(cap) + extra_len),
		.cfg_type = type,
		.bar = VP_BAR,
		.offset = cpu_to_le32(off),
		.length = cpu_to_le32(len),
	};

	/* pci_add_cap writes the id/next header itself: the body starts at cap_len. */
	memcpy(body, (u8 *)&cap + 2, sizeof(cap) - 2);
	if (extra_len)
		memcpy(body + sizeof(cap) - 2, extra, extra_len);
	return pci_add_cap(d, PCI_CAP_ID_VNDR, body, (u8)(sizeof(cap) - 2 + extra_len));
}

static void vp_destroy(void *opaque)
{
	struct virtio_pci *vp = opaque;

	virtio_dev_write_status(vp->vd, 0);
	pci_unregister(&vp->pci);
	pthread_mutex_lock(&vp->lock);
	vp_unbind_ioeventfds(vp);
	pthread_mutex_unlock(&vp->lock);
	msix_destroy(&vp->pci);
	pthread_mutex_destroy(&vp->lock);
	pthread_mutex_destroy(&vp->isr_lock);
	free(vp);
}

static const struct vm_device_ops vp_vm_ops = {
	.name = "virtio-pci",
	.destroy = vp_destroy,
};

int virtio_pci_create(struct vm *vm, struct virtio_dev *vd)
{
	u32 class_code = 0xff0000;
	u32 mult = cpu_to_le32(VP_NOTIFY_MULT);
	u8 cfg_data[4] = { 0 };
	struct virtio_pci *vp;
	int ret, off;

	vp = calloc(1, sizeof(*vp));
	if (!vp)
		return -ENOMEM;
	vp->vd = vd;
	vp->vm = vm;
	vp->nvec = vd->nr_queues + 1;
	vp->config_vector = VIRTIO_NO_VECTOR;
	vp->rl = (struct ratelimit)RATELIMIT_INIT;
	pthread_mutex_init(&vp->lock, NULL);
	pthread_mutex_init(&vp->isr_lock, NULL);
	for (unsigned i = 0; i < ARRAY_SIZE(vp_classes); i++)
		if (vp_classes[i].id == vd->ops->device_id)
			class_code = vp_classes[i].class_code;

	/* §4.1.2: 0x1040 + device ID, revision ≥ 1, subsystem ID ≥ 0x40 (modern only). */
	pci_dev_init(&vp->pci, vd->name, VP_VENDOR,
		     (u16)(0x1040 + vd->ops->device_id), class_code, 1,
		     VP_VENDOR, (u16)(0x1040 + vd->ops->device_id));
	vp->pci.ops = &vp_pci_ops;
	vp->pci.opaque = vp;
	vp->pci.cfg[PCI_INTERRUPT_PIN] = 1; /* INTA# */
	ret = pci_set_bar(&vp->pci, VP_BAR, PCI_BAR_MEM64, true, VP_BAR_SIZE, &vp_bar_ops, vp);
	if (ret)
		goto err;
	ret = msix_init(&vp->pci, vp->nvec, VP_MSIX_BAR);
	if (ret)
		goto err;

	ret = vp_add_cap(&vp->pci, VIRTIO_PCI_CAP_COMMON_CFG, VP_COMMON_OFF, VP_REGION_SIZE, NULL,
			 0);
	if (ret >= 0)
		ret = vp_add_cap(&vp->pci, VIRTIO_PCI_CAP_ISR_CFG, VP_ISR_OFF, VP_REGION_SIZE, NULL,
				 0);
	if (ret >= 0)
		ret = vp_add_cap(&vp->pci, VIRTIO_PCI_CAP_DEVICE_CFG, VP_DEVICE_OFF, VP_REGION_SIZE,
				 NULL, 0);
	if (ret >= 0)
		ret = vp_add_cap(&vp->pci, VIRTIO_PCI_CAP_NOTIFY_CFG, VP_NOTIFY_OFF,
				 vd->nr_queues * VP_NOTIFY_MULT, &mult, sizeof(mult));
	if (ret >= 0) {
		off = vp_add_cap(&vp->pci, VIRTIO_PCI_CAP_PCI_CFG, 0, 0, cfg_data, sizeof(cfg_data));
		ret = off;
	}
	if (ret < 0)
		goto err_msix;
	/* The PCI_CFG window: bar, offset, length and data are the driver's to write. */
	vp->pci_cfg_cap = (u8)off;
	pci_set_wmask(&vp->pci, (u16)(off + VIRTIO_PCI_CAP_BAR), 1, 0xff);
	pci_set_wmask(&vp->pci, (u16)(off + VIRTIO_PCI_CAP_OFFSET), 4, 0xffffffff);
	pci_set_wmask(&vp->pci, (u16)(off + VIRTIO_PCI_CAP_LENGTH), 4, 0xffffffff);
	pci_set_wmask(&vp->pci, (u16)(off + offsetof(struct virtio_pci_cfg_cap, pci_cfg_data)), 4,
		      0xffffffff);
	pci_claim_cfg(&vp->pci, (u16)(off + offsetof(struct virtio_pci_cfg_cap, pci_cfg_data)), 4);
	/* On the PCIe root bus as an integrated endpoint, like the host's other functions. */
	ret = pci_add_pcie_cap(&vp->pci);
	if (ret < 0)
		goto err_msix;

	virtio_dev_set_transport(vd, &vp_transport_ops, vp, &vp->pci.dma);
	ret = pci_register(vm->pci, &vp->pci, -1);
	if (ret)
		goto err_msix;
	ret = vm_add_device(vm, &vp_vm_ops, vp);
	if (ret) {
		pr_err("%s: too many devices", vd->name);
		pci_unregister(&vp->pci);
		goto err_msix;
	}
	return 0;

err_msix:
	msix_destroy(&vp->pci);
err:
	pr_err("%s: cannot create its virtio-pci function: %s", vd->name, strerror(-ret));
	pthread_mutex_destroy(&vp->lock);
	pthread_mutex_destroy(&vp->isr_lock);
	free(vp);
	return ret;
}
