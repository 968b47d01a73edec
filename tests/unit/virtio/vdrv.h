/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A small virtio-pci modern driver for the device tests, over the PCI test
 * fixture's buses (no KVM, no vCPU). It follows the order of Linux's
 * virtio_pci_modern probe (drivers/virtio/virtio_pci_modern*.c,
 * virtio.c): find the function by ID, walk its vendor capabilities, enable
 * memory decoding and bus mastering, reset and wait for status 0,
 * ACKNOWLEDGE, DRIVER, features, FEATURES_OK and read it back, MSI-X vectors
 * (config first, read back), each queue (size read, addresses in 32-bit
 * halves, vector, enable), DRIVER_OK. Rings live in fixture guest memory and
 * are driven with tests/lib/mock_vq.c. Header-only: each test includes it.
 */
#ifndef IOVIRT_TEST_VDRV_H
#define IOVIRT_TEST_VDRV_H

#include <errno.h>
#include <linux/virtio_pci.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "check.h"
#include "mock_vq.h"
#include "pci_fixture.h"
#include "wait.h"
#include "iovirt/virtio.h"

#define VDRV_MAX_QUEUES 8
#define VDRV_MEM (64ull << 20)

struct vdrv {
	struct pci_fixture *f;
	struct pci_dev *pd;
	u8 devfn;
	u16 device_id;
	u64 common, isr, devcfg, notify;	/* absolute MMIO addresses */
	u32 notify_mult;
	u8 cfg_cap;				/* VIRTIO_PCI_CAP_PCI_CFG offset */
	u8 msix_cap;
	u64 msix_table;
	u16 num_queues;
	u64 features;
	struct mock_vq vq[VDRV_MAX_QUEUES];
	bool vq_set[VDRV_MAX_QUEUES];
	u16 notify_off[VDRV_MAX_QUEUES];
	u64 irqs[VDRV_MAX_QUEUES + 1];		/* MSI-X interrupts seen per vector */
	bool msix;
};

static inline u64 vd_rd(struct vdrv *v, u64 addr, unsigned len)
{
	u64 x = 0;

	bus_read(&v->f->vm.mmio, addr, &x, len);
	return x;
}

static inline void vd_wr(struct vdrv *v, u64 addr, unsigned len, u64 x)
{
	bus_write(&v->f->vm.mmio, addr, &x, len);
}

#define vd_common_rd(v, reg, len) vd_rd(v, (v)->common + (reg), len)
#define vd_common_wr(v, reg, len, x) vd_wr(v, (v)->common + (reg), len, x)

/* The BAR address as the guest's config space says. */
static inline u64 vdrv_bar_addr(struct vdrv *v, unsigned bar)
{
	u32 lo = ecam_read(v->f, v->devfn, PCI_BASE_ADDRESS_0 + 4 * bar, 4);
	u64 a = lo & ~0xfull;

	if ((lo & PCI_BASE_ADDRESS_MEM_TYPE_MASK) == PCI_BASE_ADDRESS_MEM_TYPE_64)
		a |= (u64)ecam_read(v->f, v->devfn, PCI_BASE_ADDRESS_0 + 4 * (bar + 1), 4) << 32;
	return a;
}

/* Find the vendor capabilities and map the structures (vp_modern_probe). */
static inline void vdrv_map_caps(struct vdrv *v)
{
	u8 pos = (u8)ecam_read(v->f, v->devfn, PCI_CAPABILITY_LIST, 1);
	int ttl = 48;

	v->common = v->isr = v->devcfg = v->notify = 0;
	while (pos && ttl--) {
		u8 id = (u8)ecam_read(v->f, v->devfn, pos, 1);

		if (id == PCI_CAP_ID_VNDR) {
			u8 type = (u8)ecam_read(v->f, v->devfn, pos + VIRTIO_PCI_CAP_CFG_TYPE, 1);
			u8 bar = (u8)ecam_read(v->f, v->devfn, pos + VIRTIO_PCI_CAP_BAR, 1);
			u32 off = ecam_read(v->f, v->devfn, pos + VIRTIO_PCI_CAP_OFFSET, 4);
			u64 base = bar < 6 ? vdrv_bar_addr(v, bar) + off : 0;

			/* Linux takes the first capability of each type. */
			if (type == VIRTIO_PCI_CAP_COMMON_CFG && !v->common)
				v->common = base;
			else if (type == VIRTIO_PCI_CAP_ISR_CFG && !v->isr)
				v->isr = base;
			else if (type == VIRTIO_PCI_CAP_DEVICE_CFG && !v->devcfg)
				v->devcfg = base;
			else if (type == VIRTIO_PCI_CAP_NOTIFY_CFG && !v->notify) {
				v->notify = base;
				v->notify_mult = ecam_read(v->f, v->devfn, pos + 16, 4);
			} else if (type == VIRTIO_PCI_CAP_PCI_CFG)
				v->cfg_cap = pos;
		} else if (id == PCI_CAP_ID_MSIX) {
			u32 t = ecam_read(v->f, v->devfn, pos + PCI_MSIX_TABLE, 4);

			v->msix_cap = pos;
			v->msix_table = vdrv_bar_addr(v, t & PCI_MSIX_TABLE_BIR) +
					(t & PCI_MSIX_TABLE_OFFSET);
		}
		pos = (u8)ecam_read(v->f, v->devfn, pos + 1, 1);
	}
}

/* Find the function with this virtio device ID and enable it. 0 or -ENODEV. */
static inline int vdrv_probe(struct vdrv *v, struct pci_fixture *f, u16 device_id, unsigned nth)
{
	memset(v, 0, sizeof(*v));
	v->f = f;
	for (unsigned slot = 0; slot < 32; slot++) {
		u8 devfn = PCI_DEVFN(slot, 0);
		u32 id = ecam_read(f, devfn, PCI_VENDOR_ID, 4);

		if (id != (0x1af4u | (u32)(0x1040 + device_id) << 16) || nth--)
			continue;
		v->devfn = devfn;
		v->device_id = device_id;
		v->pd = pci_host_find(f->vm.pci, 0, devfn);
		ecam_write(f, devfn, PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
		vdrv_map_caps(v);
		return v->common && v->isr && v->notify ? 0 : -ENODEV;
	}
	return -ENODEV;
}

static inline u8 vdrv_status(struct vdrv *v)
{
	return (u8)vd_common_rd(v, VIRTIO_PCI_COMMON_STATUS, 1);
}

static inline void vdrv_set_status(struct vdrv *v, u8 s)
{
	vd_common_wr(v, VIRTIO_PCI_COMMON_STATUS, 1, s);
}

/* vp_reset: write 0, then wait until 0 reads back. */
static inline void vdrv_reset(struct vdrv *v)
{
	vdrv_set_status(v, 0);
	CHECK(WAIT_UNTIL(!vdrv_status(v)));
	for (unsigned q = 0; q < VDRV_MAX_QUEUES; q++) {
		if (v->vq_set[q])
			mock_vq_destroy(&v->vq[q]);
		v->vq_set[q] = false;
	}
}

static inline u64 vdrv_device_features(struct vdrv *v)
{
	u64 f;

	vd_common_wr(v, VIRTIO_PCI_COMMON_DFSELECT, 4, 0);
	f = vd_common_rd(v, VIRTIO_PCI_COMMON_DF, 4);
	vd_common_wr(v, VIRTIO_PCI_COMMON_DFSELECT, 4, 1);
	return f | vd_common_rd(v, VIRTIO_PCI_COMMON_DF, 4) << 32;
}

/* Reset, ACKNOWLEDGE, DRIVER, features (wanted ∩ offered), FEATURES_OK; true if accepted. */
static inline bool vdrv_negotiate(struct vdrv *v, u64 wanted)
{
	u64 f;

	vdrv_reset(v);
	vdrv_set_status(v, VIRTIO_CONFIG_S_ACKNOWLEDGE);
	vdrv_set_status(v, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
	f = vdrv_device_features(v) & wanted;
	vd_common_wr(v, VIRTIO_PCI_COMMON_GFSELECT, 4, 0);
	vd_common_wr(v, VIRTIO_PCI_COMMON_GF, 4, (u32)f);
	vd_common_wr(v, VIRTIO_PCI_COMMON_GFSELECT, 4, 1);
	vd_common_wr(v, VIRTIO_PCI_COMMON_GF, 4, f >> 32);
	vdrv_set_status(v, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER |
				   VIRTIO_CONFIG_S_FEATURES_OK);
	v->features = f;
	v->num_queues = (u16)vd_common_rd(v, VIRTIO_PCI_COMMON_NUMQ, 2);
	return vdrv_status(v) & VIRTIO_CONFIG_S_FEATURES_OK;
}

/* Enable MSI-X with nvec vectors aimed at the LAPIC, unmasked. */
static inline void vdrv_msix_enable(struct vdrv *v, unsigned nvec)
{
	u16 ctrl = (u16)ecam_read(v->f, v->devfn, v->msix_cap + PCI_MSIX_FLAGS, 2);

	ecam_write(v->f, v->devfn, v->msix_cap + PCI_MSIX_FLAGS, 2, ctrl | PCI_MSIX_FLAGS_ENABLE);
	for (unsigned i = 0; i < nvec; i++) {
		u64 e = v->msix_table + 16ull * i;

		vd_wr(v, e + PCI_MSIX_ENTRY_LOWER_ADDR, 4, 0xfee00000u);
		vd_wr(v, e + PCI_MSIX_ENTRY_UPPER_ADDR, 4, 0);
		vd_wr(v, e + PCI_MSIX_ENTRY_DATA, 4, 0x40 + i);
		vd_wr(v, e + PCI_MSIX_ENTRY_VECTOR_CTRL, 4, 0);
	}
	v->msix = true;
}

/* Interrupts fired on MSI-X vector vec since the last call (its irqfd's counter). */
static inline u64 vdrv_msix_count(struct vdrv *v, unsigned vec)
{
	int fd = msix_vector_fd(v->pd, vec);
	u64 n = 0;

	if (fd >= 0 && read(fd, &n, sizeof(n)) == sizeof(n))
		v->irqs[vec] += n;
	return v->irqs[vec];
}

/* Set queue q up (setup_vq in virtio_pci_modern.c). Returns false when it does not exist. */
static inline bool vdrv_setup_queue(struct vdrv *v, unsigned q, gpa_t base, u16 size,
				    unsigned flags, u16 vector)
{
	struct virtq_config c;
	u16 max;

	vd_common_wr(v, VIRTIO_PCI_COMMON_Q_SELECT, 2, q);
	max = (u16)vd_common_rd(v, VIRTIO_PCI_COMMON_Q_SIZE, 2);
	if (!max || vd_common_rd(v, VIRTIO_PCI_COMMON_Q_ENABLE, 2))
		return false;
	if (size > max)
		size = max;
	CHECK_EQ(mock_vq_init(&v->vq[q], &v->f->vm.gmem, base, size, flags), 0);
	v->vq_set[q] = true;
	mock_vq_config(&v->vq[q], &c);
	vd_common_wr(v, VIRTIO_PCI_COMMON_Q_SIZE, 2, size);
	vd_common_wr(v, VIRTIO_PCI_COMMON_Q_DESCLO, 4, (u32)c.desc_addr);
	vd_common_wr(v, VIRTIO_PCI_COMMON_Q_DESCHI, 4, c.desc_addr >> 32);
	vd_common_wr(v, VIRTIO_PCI_COMMON_Q_AVAILLO, 4, (u32)c.driver_addr);
	vd_common_wr(v, VIRTIO_PCI_COMMON_Q_AVAILHI, 4, c.driver_addr >> 32);
	vd_common_wr(v, VIRTIO_PCI_COMMON_Q_USEDLO, 4, (u32)c.device_addr);
	vd_common_wr(v, VIRTIO_PCI_COMMON_Q_USEDHI, 4, c.device_addr >> 32);
	v->notify_off[q] = (u16)vd_common_rd(v, VIRTIO_PCI_COMMON_Q_NOFF, 2);
	if (v->msix) {
		vd_common_wr(v, VIRTIO_PCI_COMMON_Q_MSIX, 2, vector);
		CHECK_EQ(vd_common_rd(v, VIRTIO_PCI_COMMON_Q_MSIX, 2), vector);
	}
	vd_common_wr(v, VIRTIO_PCI_COMMON_Q_ENABLE, 2, 1);
	return true;
}

static inline void vdrv_driver_ok(struct vdrv *v)
{
	vdrv_set_status(v, vdrv_status(v) | VIRTIO_CONFIG_S_DRIVER_OK);
}

static inline void vdrv_kick(struct vdrv *v, unsigned q)
{
	vd_wr(v, v->notify + (u64)v->notify_off[q] * v->notify_mult, 2, q);
}

/* Add a chain and kick if the device wants it. Returns the head/id. */
static inline int vdrv_add(struct vdrv *v, unsigned q, const struct mock_buf *b, unsigned n)
{
	int id = mock_vq_add(&v->vq[q], b, n, false);

	if (id >= 0 && mock_vq_kick_prepare(&v->vq[q]))
		vdrv_kick(v, q);
	return id;
}

/* The next used chain of queue q: its id, or -ETIMEDOUT if the device hangs (wait.h). */
static inline int vdrv_wait_used(struct vdrv *v, unsigned q, u32 *len)
{
	int id;

	if (!WAIT_UNTIL((id = mock_vq_get_used(&v->vq[q], len)) != -EAGAIN))
		return -ETIMEDOUT;
	return id;
}

static inline void *vdrv_host(struct vdrv *v, gpa_t gpa, u64 len)
{
	return gmem_map_whole(&v->f->vm.gmem, gpa, len);
}

static inline u64 vdrv_cfg_rd(struct vdrv *v, u32 off, unsigned len)
{
	return vd_rd(v, v->devcfg + off, len);
}

/* Fixture with guest memory at GPA 0 for the rings and buffers. */
static inline void vdrv_fixture(struct pci_fixture *f, unsigned ncpus)
{
	CHECK_EQ(pci_fixture_init(f), 0);
	f->cfg.ncpus = ncpus;
	CHECK_EQ(gmem_add_memfd(&f->vm.gmem, 0, VDRV_MEM, false), 0);
}

#endif
