// SPDX-License-Identifier: GPL-2.0-only
/*
 * virtio-pci modern driver over qtest (qtest_virtio.h). Section numbers are
 * virtio 1.2's. Every structure the device describes is checked the way Linux
 * checks it before use (BAR in range, length sufficient, alignment), so a
 * device that gets its capabilities wrong fails here as it would in a guest.
 */
#include <linux/pci_regs.h>
#include <linux/virtio_config.h>
#include <linux/virtio_pci.h>
#include <linux/virtio_ring.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "qtest_client.h"
#include "qtest_virtio.h"

#define COMMON_CFG_MIN 56	/* struct virtio_pci_common_cfg up to queue_used_hi */

static uint8_t cfg8(struct qvirtio_dev *d, uint8_t cap, unsigned field)
{
	return qpci_config_readb(&d->pci, cap + field);
}

static uint32_t cfg32(struct qvirtio_dev *d, uint8_t cap, unsigned field)
{
	return qpci_config_readl(&d->pci, cap + field);
}

/*
 * The first vendor capability of cfg_type whose BAR is valid and implemented
 * (§4.1.4: the driver uses the first one it can; a reserved BAR is skipped).
 */
static uint8_t find_virtio_cap(struct qvirtio_dev *d, uint8_t cfg_type)
{
	for (uint8_t pos = qpci_find_cap(&d->pci, PCI_CAP_ID_VNDR, 0); pos;
	     pos = qpci_find_cap(&d->pci, PCI_CAP_ID_VNDR, pos)) {
		uint8_t bar = cfg8(d, pos, VIRTIO_PCI_CAP_BAR);

		if (bar > 5)
			continue;
		if (cfg8(d, pos, VIRTIO_PCI_CAP_CFG_TYPE) == cfg_type && d->pci.bars[bar].size)
			return pos;
	}
	return 0;
}

/* Check a structure's place in its BAR (Linux's vp_modern_map_capability rules). */
static bool map_cap(struct qvirtio_dev *d, uint8_t cap, uint32_t minlen, uint32_t align,
		    unsigned *bar, uint64_t *off, uint32_t *len)
{
	uint32_t offset = cfg32(d, cap, VIRTIO_PCI_CAP_OFFSET);
	uint32_t length = cfg32(d, cap, VIRTIO_PCI_CAP_LENGTH);

	*bar = cfg8(d, cap, VIRTIO_PCI_CAP_BAR);
	if (length < minlen) {
		fprintf(stderr, "virtio cap at 0x%x: length %u < %u\n", cap, length, minlen);
		return false;
	}
	if (offset & (align - 1)) {
		fprintf(stderr, "virtio cap at 0x%x: offset %u not aligned to %u\n", cap, offset,
			align);
		return false;
	}
	if ((uint64_t)offset + minlen > d->pci.bars[*bar].size) {
		fprintf(stderr, "virtio cap at 0x%x: %u@%u beyond BAR %u (0x%lx bytes)\n", cap,
			minlen, offset, *bar, (unsigned long)d->pci.bars[*bar].size);
		return false;
	}
	*off = offset;
	if (len)
		*len = length;
	return true;
}

#define common_w8(d, f, v) qpci_io_writeb(&(d)->pci, (d)->common_bar, (d)->common_off + (f), v)
#define common_w16(d, f, v) qpci_io_writew(&(d)->pci, (d)->common_bar, (d)->common_off + (f), v)
#define common_w32(d, f, v) qpci_io_writel(&(d)->pci, (d)->common_bar, (d)->common_off + (f), v)
#define common_r8(d, f) qpci_io_readb(&(d)->pci, (d)->common_bar, (d)->common_off + (f))
#define common_r16(d, f) qpci_io_readw(&(d)->pci, (d)->common_bar, (d)->common_off + (f))
#define common_r32(d, f) qpci_io_readl(&(d)->pci, (d)->common_bar, (d)->common_off + (f))

bool qvirtio_pci_probe(struct qvirtio_dev *d, struct qpci_bus *bus, struct qguest_alloc *a,
		       uint16_t virtio_id)
{
	uint8_t common, isr, notify, device;
	uint16_t pci_id;
	bool found = false;

	memset(d, 0, sizeof(*d));
	d->qts = bus->qts;
	d->alloc = a;
	d->virtio_id = virtio_id;
	/* Modern: 0x1040 + id; transitional: 0x1000..0x103f with the id as subsystem ID. */
	if (qpci_find(bus, 0x1af4, (uint16_t)(0x1040 + virtio_id), &d->pci)) {
		found = true;
	} else {
		for (pci_id = 0x1000; pci_id < 0x1040 && !found; pci_id++)
			if (qpci_find(bus, 0x1af4, pci_id, &d->pci) &&
			    qpci_config_readw(&d->pci, PCI_SUBSYSTEM_ID) == virtio_id)
				found = true;
	}
	if (!found) {
		fprintf(stderr, "no virtio device %u on the bus\n", virtio_id);
		return false;
	}
	/* pci_enable_device() then pci_set_master(): BARs placed, decoding on. */
	qpci_device_enable(&d->pci);

	common = find_virtio_cap(d, VIRTIO_PCI_CAP_COMMON_CFG);
	if (!common) {
		fprintf(stderr, "virtio: no common config capability (legacy only?)\n");
		return false;
	}
	isr = find_virtio_cap(d, VIRTIO_PCI_CAP_ISR_CFG);
	notify = find_virtio_cap(d, VIRTIO_PCI_CAP_NOTIFY_CFG);
	if (!isr || !notify) {
		fprintf(stderr, "virtio: missing capabilities %u/%u/%u\n", common, isr, notify);
		return false;
	}
	device = find_virtio_cap(d, VIRTIO_PCI_CAP_DEVICE_CFG);
	if (!map_cap(d, common, COMMON_CFG_MIN, 4, &d->common_bar, &d->common_off, NULL) ||
	    !map_cap(d, isr, 1, 1, &d->isr_bar, &d->isr_off, NULL))
		return false;
	d->notify_mult = cfg32(d, notify, VIRTIO_PCI_NOTIFY_CAP_MULT);
	if (!map_cap(d, notify, 2, 2, &d->notify_bar, &d->notify_off, &d->notify_len))
		return false;
	if (device) {
		if (!map_cap(d, device, 0, 4, &d->device_bar, &d->device_off, &d->device_len))
			return false;
		d->has_device_cfg = true;
	}
	qvirtio_reset(d);
	return true;
}

uint8_t qvirtio_get_status(struct qvirtio_dev *d)
{
	return common_r8(d, VIRTIO_PCI_COMMON_STATUS);
}

void qvirtio_set_status(struct qvirtio_dev *d, uint8_t status)
{
	common_w8(d, VIRTIO_PCI_COMMON_STATUS, status);
}

void qvirtio_reset(struct qvirtio_dev *d)
{
	/* §4.1.4.3.2: after writing 0 the driver waits until the device reads back 0. */
	qvirtio_set_status(d, 0);
	if (!QTEST_WAIT_UNTIL(d->qts, !qvirtio_get_status(d), 1000000, 1000))
		qtest_fatal(d->qts, "virtio: device status never read back 0 after reset");
	qvirtio_set_status(d, VIRTIO_CONFIG_S_ACKNOWLEDGE);
	qvirtio_set_status(d, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
}

uint64_t qvirtio_device_features(struct qvirtio_dev *d)
{
	uint64_t f;

	common_w32(d, VIRTIO_PCI_COMMON_DFSELECT, 0);
	f = common_r32(d, VIRTIO_PCI_COMMON_DF);
	common_w32(d, VIRTIO_PCI_COMMON_DFSELECT, 1);
	f |= (uint64_t)common_r32(d, VIRTIO_PCI_COMMON_DF) << 32;
	return f;
}

bool qvirtio_set_features(struct qvirtio_dev *d, uint64_t features)
{
	uint8_t st;

	/* A modern driver insists on VERSION_1 (Linux's vp_finalize_features). */
	if (!(features & (1ull << VIRTIO_F_VERSION_1))) {
		fprintf(stderr, "virtio: VIRTIO_F_VERSION_1 not negotiated\n");
		return false;
	}
	common_w32(d, VIRTIO_PCI_COMMON_GFSELECT, 0);
	common_w32(d, VIRTIO_PCI_COMMON_GF, (uint32_t)features);
	common_w32(d, VIRTIO_PCI_COMMON_GFSELECT, 1);
	common_w32(d, VIRTIO_PCI_COMMON_GF, (uint32_t)(features >> 32));
	st = qvirtio_get_status(d);
	qvirtio_set_status(d, st | VIRTIO_CONFIG_S_FEATURES_OK);
	/* §3.1.1 step 6: re-read; the device clears FEATURES_OK when it refuses. */
	if (!(qvirtio_get_status(d) & VIRTIO_CONFIG_S_FEATURES_OK)) {
		fprintf(stderr, "virtio: device refused features 0x%llx\n",
			(unsigned long long)features);
		return false;
	}
	d->features = features;
	return true;
}

void qvirtio_use_msix(struct qvirtio_dev *d)
{
	unsigned n = qpci_msix_table_size(&d->pci);

	d->msi_page = guest_alloc(d->alloc, 4096);
	qpci_msix_enable(&d->pci);
	for (unsigned v = 0; v < n && v < 1024; v++) {
		qpci_msix_set_vector(&d->pci, v, d->msi_page + 4 * v, QVIRTIO_MSI_DATA(v));
		qpci_msix_mask(&d->pci, v, false);
	}
	d->msix = true;
	/* The config vector, read back to see the device accepted it (Linux does the same). */
	common_w16(d, VIRTIO_PCI_COMMON_MSIX, 0);
	if (common_r16(d, VIRTIO_PCI_COMMON_MSIX) != 0)
		qtest_fatal(d->qts, "virtio: config MSI-X vector 0 refused");
}

bool qvirtqueue_setup(struct qvirtio_dev *d, struct qvirtqueue *vq, uint16_t index,
		      uint16_t max_size)
{
	uint16_t size, noff;
	uint64_t ring;
	size_t desc_sz, avail_sz, used_sz;

	memset(vq, 0, sizeof(*vq));
	vq->dev = d;
	vq->index = index;
	if (index >= common_r16(d, VIRTIO_PCI_COMMON_NUMQ))
		return false;
	common_w16(d, VIRTIO_PCI_COMMON_Q_SELECT, index);
	size = common_r16(d, VIRTIO_PCI_COMMON_Q_SIZE);
	if (!size)
		return false;
	if (common_r16(d, VIRTIO_PCI_COMMON_Q_ENABLE))
		qtest_fatal(d->qts, "virtio: queue %u already enabled before set-up", index);
	if (size & (size - 1))
		qtest_fatal(d->qts, "virtio: queue %u size %u is not a power of 2", index, size);
	/* §4.1.4.3.2: the driver may write a smaller power-of-2 size. */
	if (max_size && max_size < size) {
		size = max_size;
		common_w16(d, VIRTIO_PCI_COMMON_Q_SIZE, size);
	}
	vq->size = size;
	desc_sz = 16u * size;
	avail_sz = 6 + 2u * size;
	used_sz = 6 + 8u * size;
	/* §2.7: descriptor table 16-aligned, avail 2-aligned, used 4-aligned. */
	ring = guest_alloc(d->alloc, desc_sz + avail_sz + 2 + used_sz + 4096);
	vq->desc = ring;
	vq->avail = ring + desc_sz;
	vq->used = (vq->avail + avail_sz + 3) & ~3ull;
	/* Free list through the descriptors' next fields. */
	for (uint16_t i = 0; i < size; i++)
		qtest_writew(d->qts, vq->desc + 16u * i + 14, (uint16_t)(i + 1));
	vq->num_free = size;
	common_w32(d, VIRTIO_PCI_COMMON_Q_DESCLO, (uint32_t)vq->desc);
	common_w32(d, VIRTIO_PCI_COMMON_Q_DESCHI, (uint32_t)(vq->desc >> 32));
	common_w32(d, VIRTIO_PCI_COMMON_Q_AVAILLO, (uint32_t)vq->avail);
	common_w32(d, VIRTIO_PCI_COMMON_Q_AVAILHI, (uint32_t)(vq->avail >> 32));
	common_w32(d, VIRTIO_PCI_COMMON_Q_USEDLO, (uint32_t)vq->used);
	common_w32(d, VIRTIO_PCI_COMMON_Q_USEDHI, (uint32_t)(vq->used >> 32));
	noff = common_r16(d, VIRTIO_PCI_COMMON_Q_NOFF);
	vq->notify_addr_off = d->notify_off + (uint64_t)noff * d->notify_mult;
	/* §4.1.4.4: the notification address must lie within the notify structure. */
	if ((uint64_t)noff * d->notify_mult + 2 > d->notify_len)
		qtest_fatal(d->qts, "virtio: queue %u notify offset %u*%u outside %u bytes", index,
			    noff, d->notify_mult, d->notify_len);
	vq->vector = QVIRTIO_NO_VECTOR;
	if (d->msix) {
		common_w16(d, VIRTIO_PCI_COMMON_Q_MSIX, (uint16_t)(index + 1));
		vq->vector = common_r16(d, VIRTIO_PCI_COMMON_Q_MSIX);
		if (vq->vector != index + 1)
			qtest_fatal(d->qts, "virtio: queue %u MSI-X vector refused", index);
	}
	common_w16(d, VIRTIO_PCI_COMMON_Q_ENABLE, 1);
	return true;
}

void qvirtio_driver_ok(struct qvirtio_dev *d)
{
	qvirtio_set_status(d, qvirtio_get_status(d) | VIRTIO_CONFIG_S_DRIVER_OK);
}

/* §4.1.4.3.1: read twice around config_generation until it holds still. */
static uint64_t config_read(struct qvirtio_dev *d, uint32_t off, unsigned len)
{
	uint8_t gen;
	uint64_t v = 0;
	unsigned tries = 0;

	if (!d->has_device_cfg || off + len > d->device_len)
		qtest_fatal(d->qts, "virtio: config 0x%x+%u outside the device config", off, len);
	do {
		if (++tries > 100)
			qtest_fatal(d->qts, "virtio: config generation never settles");
		gen = common_r8(d, VIRTIO_PCI_COMMON_CFGGENERATION);
		switch (len) {
		case 1: v = qpci_io_readb(&d->pci, d->device_bar, d->device_off + off); break;
		case 2: v = qpci_io_readw(&d->pci, d->device_bar, d->device_off + off); break;
		case 4: v = qpci_io_readl(&d->pci, d->device_bar, d->device_off + off); break;
		default:
			v = qpci_io_readl(&d->pci, d->device_bar, d->device_off + off) |
			    (uint64_t)qpci_io_readl(&d->pci, d->device_bar,
						    d->device_off + off + 4) << 32;
		}
	} while (gen != common_r8(d, VIRTIO_PCI_COMMON_CFGGENERATION));
	return v;
}

uint8_t qvirtio_config_readb(struct qvirtio_dev *d, uint32_t off)
{
	return (uint8_t)config_read(d, off, 1);
}

uint16_t qvirtio_config_readw(struct qvirtio_dev *d, uint32_t off)
{
	return (uint16_t)config_read(d, off, 2);
}

uint32_t qvirtio_config_readl(struct qvirtio_dev *d, uint32_t off)
{
	return (uint32_t)config_read(d, off, 4);
}

uint64_t qvirtio_config_readq(struct qvirtio_dev *d, uint32_t off)
{
	return config_read(d, off, 8);
}

uint16_t qvirtqueue_add(struct qvirtqueue *vq, const struct qvirtio_buf *bufs, unsigned n)
{
	struct qtest_state *s = vq->dev->qts;
	uint16_t head = vq->free_head, idx = head;

	if (!n || n > vq->num_free)
		qtest_fatal(s, "virtqueue %u: %u buffers, %u free", vq->index, n, vq->num_free);
	for (unsigned i = 0; i < n; i++) {
		uint64_t da = vq->desc + 16u * idx;
		uint16_t next = qtest_readw(s, da + 14);
		uint16_t flags = (bufs[i].write ? VRING_DESC_F_WRITE : 0) |
				 (i + 1 < n ? VRING_DESC_F_NEXT : 0);

		qtest_writeq(s, da, bufs[i].addr);
		qtest_writel(s, da + 8, bufs[i].len);
		qtest_writew(s, da + 12, flags);
		idx = next;
	}
	vq->free_head = idx;
	vq->num_free = (uint16_t)(vq->num_free - n);
	/* The avail ring entry; idx is published by the kick. */
	qtest_writew(s, vq->avail + 4 + 2u * (vq->avail_idx % vq->size), head);
	vq->avail_idx++;
	return head;
}

void qvirtqueue_kick(struct qvirtqueue *vq)
{
	struct qvirtio_dev *d = vq->dev;

	/* Ring entries before the index (qtest commands are executed in order). */
	qtest_writew(d->qts, vq->avail + 2, vq->avail_idx);
	qpci_io_writew(&d->pci, d->notify_bar, vq->notify_addr_off, vq->index);
}

bool qvirtqueue_get_used(struct qvirtqueue *vq, uint16_t *id, uint32_t *len)
{
	struct qtest_state *s = vq->dev->qts;
	uint16_t used_idx = qtest_readw(s, vq->used + 2);
	uint64_t e;
	uint32_t head;
	uint16_t n = 1, i;

	if (used_idx == vq->last_used)
		return false;
	e = vq->used + 4 + 8u * (vq->last_used % vq->size);
	head = qtest_readl(s, e);
	if (head >= vq->size)
		qtest_fatal(s, "virtqueue %u: used id %u out of range", vq->index, head);
	if (id)
		*id = (uint16_t)head;
	if (len)
		*len = qtest_readl(s, e + 4);
	vq->last_used++;
	/* Return the chain to the free list. */
	for (i = (uint16_t)head;
	     qtest_readw(s, vq->desc + 16u * i + 12) & VRING_DESC_F_NEXT && n <= vq->size; n++)
		i = qtest_readw(s, vq->desc + 16u * i + 14);
	qtest_writew(s, vq->desc + 16u * i + 14, vq->free_head);
	vq->free_head = (uint16_t)head;
	vq->num_free = (uint16_t)(vq->num_free + n);
	return true;
}

bool qvirtqueue_wait_used(struct qvirtqueue *vq, uint16_t *id, uint32_t *len, uint64_t step_ns,
			  unsigned tries)
{
	return QTEST_WAIT_UNTIL(vq->dev->qts, qvirtqueue_get_used(vq, id, len), step_ns, tries);
}

bool qvirtio_msi_seen(struct qvirtio_dev *d, unsigned vec)
{
	if (!d->msix)
		return false;
	return qtest_readl(d->qts, d->msi_page + 4 * vec) == QVIRTIO_MSI_DATA(vec);
}

void qvirtio_msi_clear(struct qvirtio_dev *d, unsigned vec)
{
	if (d->msix)
		qtest_writel(d->qts, d->msi_page + 4 * vec, 0);
}
