// SPDX-License-Identifier: GPL-2.0-only
/*
 * virtio-mmio, version 2 (virtio 1.2 §4.2.2): a 4 KiB register window in a
 * platform MMIO slot with one interrupt line. The guest finds it through ACPI
 * (LNRO0005, described by the ACPI builder from vm->platform_devs) or, when
 * ACPI does not describe it, the kernel command line
 * (virtio_mmio.device=4K@ADDR:IRQ, appended by the loader).
 *
 * Control registers take 32-bit aligned accesses only (§4.2.2.2); the device
 * configuration at 0x100 any width. QueueNotify is an ioeventfd per queue
 * (datamatch on the queue index). The interrupt line follows
 * InterruptStatus: raised on an event, lowered when the driver acknowledges
 * the last bit; each event also pulses it so an edge-triggered pin sees every
 * one (command-line devices get the ISA default, edge).
 */
#include <errno.h>
#include <linux/virtio_mmio.h>
#include <stdlib.h>

#include "iovirt/layout.h"
#include "iovirt/virtio.h"
#include "iovirt/vm.h"

#define VM_MAGIC	0x74726976	/* "virt" */
#define VM_VERSION	2
#define VM_VENDOR	0x1af4

/* IOAPIC pins free for platform devices: no ISA device, no PCI INTx. */
static const u8 mmio_irqs[] = { 5, 6, 7, 9, 10, 11, 20, 21, 22, 23 };

struct virtio_mmio {
	struct virtio_dev *vd;
	struct vm *vm;
	struct dma_as dma;
	u64 base;
	unsigned gsi;
	bool ioeventfds;	/* kick ioeventfds bound */

	/* Guards the selectors; may be held while calling into virtio_dev. */
	pthread_mutex_t lock;
	u32 dfsel, gfsel, queue_sel, shm_sel;
	/* Guards int_status with the line level; the only lock I/O threads take here. */
	pthread_mutex_t int_lock;
	u32 int_status;
	struct ratelimit rl;
};

static void mmio_raise(struct virtio_mmio *m, u32 bit)
{
	struct irq_router *r = &m->vm->irq;

	pthread_mutex_lock(&m->int_lock);
	if (m->int_status)
		irq_line_set(r, m->gsi, 0); /* make a fresh edge */
	m->int_status |= bit;
	irq_line_set(r, m->gsi, 1);
	pthread_mutex_unlock(&m->int_lock);
}

static void mmio_notify_queue(struct virtio_dev *vd, unsigned q)
{
	mmio_raise(vd->transport, VIRTIO_MMIO_INT_VRING);
}

static void mmio_notify_config(struct virtio_dev *vd)
{
	mmio_raise(vd->transport, VIRTIO_MMIO_INT_CONFIG);
}

static int mmio_queue_irqfd(struct virtio_dev *vd, unsigned q)
{
	return -1; /* a shared level line: no per-queue eventfd */
}

static const struct virtio_transport_ops mmio_transport_ops = {
	.notify_queue = mmio_notify_queue,
	.notify_config = mmio_notify_config,
	.queue_irqfd = mmio_queue_irqfd,
};

static void mmio_ack(struct virtio_mmio *m, u32 bits)
{
	pthread_mutex_lock(&m->int_lock);
	m->int_status &= ~bits;
	if (!m->int_status)
		irq_line_set(&m->vm->irq, m->gsi, 0);
	pthread_mutex_unlock(&m->int_lock);
}

static void mmio_reset_transport(struct virtio_mmio *m)
{
	pthread_mutex_lock(&m->lock);
	m->dfsel = m->gfsel = m->queue_sel = m->shm_sel = 0;
	pthread_mutex_unlock(&m->lock);
	mmio_ack(m, ~0u);
}

static u32 mmio_reg_read(struct virtio_mmio *m, u64 off)
{
	struct virtio_dev *vd = m->vd;
	struct virtio_queue *q = virtio_dev_queue(vd, m->queue_sel);

	switch (off) {
	case VIRTIO_MMIO_MAGIC_VALUE:
		return VM_MAGIC;
	case VIRTIO_MMIO_VERSION:
		return VM_VERSION;
	case VIRTIO_MMIO_DEVICE_ID:
		return vd->ops->device_id;
	case VIRTIO_MMIO_VENDOR_ID:
		return VM_VENDOR;
	case VIRTIO_MMIO_DEVICE_FEATURES:
		return virtio_dev_read_device_features(vd, m->dfsel);
	case VIRTIO_MMIO_QUEUE_NUM_MAX:
		return q ? q->max_size : 0; /* 0: the queue does not exist */
	case VIRTIO_MMIO_QUEUE_READY:
		return q ? q->enabled : 0;
	case VIRTIO_MMIO_INTERRUPT_STATUS:
		return __atomic_load_n(&m->int_status, __ATOMIC_ACQUIRE);
	case VIRTIO_MMIO_STATUS:
		return virtio_dev_read_status(vd);
	case VIRTIO_MMIO_QUEUE_DESC_LOW:
		return q ? (u32)q->desc : 0;
	case VIRTIO_MMIO_QUEUE_DESC_HIGH:
		return q ? (u32)(q->desc >> 32) : 0;
	case VIRTIO_MMIO_QUEUE_AVAIL_LOW:
		return q ? (u32)q->driver : 0;
	case VIRTIO_MMIO_QUEUE_AVAIL_HIGH:
		return q ? (u32)(q->driver >> 32) : 0;
	case VIRTIO_MMIO_QUEUE_USED_LOW:
		return q ? (u32)q->device : 0;
	case VIRTIO_MMIO_QUEUE_USED_HIGH:
		return q ? (u32)(q->device >> 32) : 0;
	case VIRTIO_MMIO_SHM_LEN_LOW:
	case VIRTIO_MMIO_SHM_LEN_HIGH:
	case VIRTIO_MMIO_SHM_BASE_LOW:
	case VIRTIO_MMIO_SHM_BASE_HIGH:
		return 0xffffffff; /* §4.2.2: no shared memory region with this id */
	case VIRTIO_MMIO_CONFIG_GENERATION:
		return __atomic_load_n(&vd->config_generation, __ATOMIC_ACQUIRE);
	default:
		/* Write-only registers and holes read as 0. */
		return 0;
	}
}

/* Replace the low or high half of a 64-bit queue address. */
static void set_half(u64 *addr, bool high, u32 v)
{
	if (high)
		*addr = (*addr & 0xffffffffull) | ((u64)v << 32);
	else
		*addr = (*addr & ~0xffffffffull) | v;
}

static void mmio_reg_write(struct virtio_mmio *m, u64 off, u32 v)
{
	struct virtio_dev *vd = m->vd;
	struct virtio_queue *q;

	switch (off) {
	case VIRTIO_MMIO_DEVICE_FEATURES_SEL:
		m->dfsel = v;
		return;
	case VIRTIO_MMIO_DRIVER_FEATURES:
		virtio_dev_write_driver_features(vd, m->gfsel, v);
		return;
	case VIRTIO_MMIO_DRIVER_FEATURES_SEL:
		m->gfsel = v;
		return;
	case VIRTIO_MMIO_QUEUE_SEL:
		m->queue_sel = v;
		return;
	case VIRTIO_MMIO_QUEUE_NOTIFY:
		/* Without VIRTIO_F_NOTIFICATION_DATA the value is the queue index. */
		virtio_dev_queue_kick(vd, v);
		return;
	case VIRTIO_MMIO_INTERRUPT_ACK:
		mmio_ack(m, v);
		return;
	case VIRTIO_MMIO_SHM_SEL:
		m->shm_sel = v;
		return;
	}
	q = virtio_dev_queue(vd, m->queue_sel);
	if (!q)
		return;
	if (off == VIRTIO_MMIO_QUEUE_READY) {
		/* §4.2.2: reads return what was last written (Linux checks a 0 sticks). */
		if (v)
			virtio_dev_queue_enable(vd, m->queue_sel);
		else
			virtio_dev_queue_disable(vd, m->queue_sel);
		return;
	}
	switch (off) {
	case VIRTIO_MMIO_QUEUE_NUM:
	case VIRTIO_MMIO_QUEUE_DESC_LOW:
	case VIRTIO_MMIO_QUEUE_DESC_HIGH:
	case VIRTIO_MMIO_QUEUE_AVAIL_LOW:
	case VIRTIO_MMIO_QUEUE_AVAIL_HIGH:
	case VIRTIO_MMIO_QUEUE_USED_LOW:
	case VIRTIO_MMIO_QUEUE_USED_HIGH:
		if (!virtio_dev_queue_writable(vd, m->queue_sel))
			return;
		break;
	default:
		dev_warn_rl(&m->rl, vd->name, "write 0x%x to register 0x%llx ignored", v,
			    (unsigned long long)off);
		return;
	}
	switch (off) {
	case VIRTIO_MMIO_QUEUE_NUM:
		q->size = v > 0xffff ? 0 : (u16)v; /* 0 is refused at DRIVER_OK */
		break;
	case VIRTIO_MMIO_QUEUE_DESC_LOW:
	case VIRTIO_MMIO_QUEUE_DESC_HIGH:
		set_half(&q->desc, off == VIRTIO_MMIO_QUEUE_DESC_HIGH, v);
		break;
	case VIRTIO_MMIO_QUEUE_AVAIL_LOW:
	case VIRTIO_MMIO_QUEUE_AVAIL_HIGH:
		set_half(&q->driver, off == VIRTIO_MMIO_QUEUE_AVAIL_HIGH, v);
		break;
	default:
		set_half(&q->device, off == VIRTIO_MMIO_QUEUE_USED_HIGH, v);
		break;
	}
}

static void mmio_read(void *opaque, u64 off, void *data, unsigned len)
{
	struct virtio_mmio *m = opaque;
	u32 v;

	if (off >= VIRTIO_MMIO_CONFIG) {
		virtio_dev_config_read(m->vd, (u32)(off - VIRTIO_MMIO_CONFIG), data, len);
		return;
	}
	memset(data, 0, len);
	if (len != 4 || off % 4) {
		dev_warn_rl(&m->rl, m->vd->name, "%u-byte read at 0x%llx (registers are 32-bit)",
			    len, (unsigned long long)off);
		return;
	}
	pthread_mutex_lock(&m->lock);
	v = mmio_reg_read(m, off);
	pthread_mutex_unlock(&m->lock);
	stn_le(data, 4, v);
}

static void mmio_write(void *opaque, u64 off, const void *data, unsigned len)
{
	struct virtio_mmio *m = opaque;
	u32 v;

	if (off >= VIRTIO_MMIO_CONFIG) {
		virtio_dev_config_write(m->vd, (u32)(off - VIRTIO_MMIO_CONFIG), data, len);
		return;
	}
	if (len != 4 || off % 4) {
		dev_warn_rl(&m->rl, m->vd->name, "%u-byte write at 0x%llx (registers are 32-bit)",
			    len, (unsigned long long)off);
		return;
	}
	v = (u32)ldn_le(data, 4);
	if (off == VIRTIO_MMIO_STATUS) {
		/* Not under m->lock: a reset joins I/O threads (they take only int_lock). */
		virtio_dev_write_status(m->vd, (u8)v);
		if (!(u8)v)
			mmio_reset_transport(m);
		return;
	}
	pthread_mutex_lock(&m->lock);
	mmio_reg_write(m, off, v);
	pthread_mutex_unlock(&m->lock);
}

static const struct bus_ops mmio_ops = {
	.read = mmio_read,
	.write = mmio_write,
};

static void mmio_unbind(struct virtio_mmio *m)
{
	if (!m->ioeventfds)
		return;
	for (unsigned q = 0; q < m->vd->nr_queues; q++)
		vm_ioeventfd_del(m->vm, false, m->base + VIRTIO_MMIO_QUEUE_NOTIFY, 4, true, q,
				 m->vd->queues[q].kick_fd);
	m->ioeventfds = false;
}

static void mmio_destroy(void *opaque)
{
	struct virtio_mmio *m = opaque;

	virtio_dev_write_status(m->vd, 0);
	mmio_unbind(m);
	bus_remove(&m->vm->mmio, m->base, m);
	pthread_mutex_destroy(&m->lock);
	pthread_mutex_destroy(&m->int_lock);
	free(m);
}

static const struct vm_device_ops mmio_vm_ops = {
	.name = "virtio-mmio",
	.destroy = mmio_destroy,
};

int virtio_mmio_create(struct vm *vm, struct virtio_dev *vd)
{
	unsigned slot = vm->next_platform_slot;
	struct vm_platform_dev *pd;
	struct virtio_mmio *m;
	int ret;

	if (slot >= ARRAY_SIZE(mmio_irqs) || slot >= PLATFORM_MMIO_SLOTS) {
		pr_err("%s: no free virtio-mmio slot (at most %zu devices)", vd->name,
		       ARRAY_SIZE(mmio_irqs));
		return -ENOSPC;
	}
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->vd = vd;
	m->vm = vm;
	m->base = PLATFORM_MMIO_BASE + slot * PLATFORM_MMIO_SLOT;
	m->gsi = mmio_irqs[slot];
	m->rl = (struct ratelimit)RATELIMIT_INIT;
	pthread_mutex_init(&m->lock, NULL);
	pthread_mutex_init(&m->int_lock, NULL);
	/* Platform devices have no PCI requester ID. */
	dma_as_init(&m->dma, &vm->gmem, 0, vd->name);
	virtio_dev_set_transport(vd, &mmio_transport_ops, m, &m->dma);

	ret = bus_add(&vm->mmio, m->base, PLATFORM_MMIO_SLOT, &mmio_ops, m, vd->name);
	if (ret)
		goto err;
	for (unsigned q = 0; q < vd->nr_queues; q++) {
		ret = vm_ioeventfd_add(vm, false, m->base + VIRTIO_MMIO_QUEUE_NOTIFY, 4, true, q,
				       vd->queues[q].kick_fd);
		if (ret) {
			while (q--)
				vm_ioeventfd_del(vm, false, m->base + VIRTIO_MMIO_QUEUE_NOTIFY, 4,
						 true, q, vd->queues[q].kick_fd);
			goto err_bus;
		}
	}
	m->ioeventfds = true;
	ret = vm_add_device(vm, &mmio_vm_ops, m);
	if (ret)
		goto err_unbind;

	pd = &vm->platform_devs[slot];
	*pd = (struct vm_platform_dev){
		.hid = "LNRO0005",
		.name = vd->name,
		.addr = m->base,
		.size = PLATFORM_MMIO_SLOT,
		.gsi = m->gsi,
	};
	vm->next_platform_slot = slot + 1;
	return 0;

err_unbind:
	mmio_unbind(m);
err_bus:
	bus_remove(&vm->mmio, m->base, m);
err:
	pr_err("%s: cannot create its virtio-mmio device: %s", vd->name, strerror(-ret));
	pthread_mutex_destroy(&m->lock);
	pthread_mutex_destroy(&m->int_lock);
	free(m);
	return ret;
}
