// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for src/virtio/virtio_pci.c (virtio 1.2 §4.1) with virtio-rng
 * as the device, driven the way Linux's virtio_pci_modern driver does it
 * (tests/unit/virtio/vdrv.h) on the PCI test fixture: IDs, class, revision,
 * the four capabilities in a 64-bit BAR, notify_off_multiplier; negotiation
 * and a request with MSI-X (one vector per queue plus config, invalid
 * vectors read back as NO_VECTOR) and with INTx + ISR (read-to-clear, line
 * level); reset reads back 0 and clears the transport; the kick ioeventfd
 * follows a BAR the guest moves; the VIRTIO_PCI_CAP_PCI_CFG window; hostile
 * common-config accesses (split across fields, read-only fields, queue_select
 * out of range); NEEDS_RESET raises the config vector.
 */
#include "vdrv.h"

#define RING 0x100000ull
#define BUF 0x200000ull

static void test_identity(struct vdrv *v)
{
	struct pci_fixture *f = v->f;
	u8 devfn = v->devfn;

	CHECK_EQ(ecam_read(f, devfn, PCI_VENDOR_ID, 2), 0x1af4);
	CHECK_EQ(ecam_read(f, devfn, PCI_DEVICE_ID, 2), 0x1040 + VIRTIO_ID_RNG);
	CHECK(ecam_read(f, devfn, PCI_REVISION_ID, 1) >= 1);
	CHECK(ecam_read(f, devfn, PCI_SUBSYSTEM_ID, 2) >= 0x40);
	CHECK_EQ(ecam_read(f, devfn, PCI_SUBSYSTEM_VENDOR_ID, 2), 0x1af4);
	CHECK_EQ(ecam_read(f, devfn, PCI_CLASS_REVISION, 4) >> 8, 0xff0000);
	CHECK_EQ(ecam_read(f, devfn, PCI_INTERRUPT_PIN, 1), 1);
	/* BAR4: 64-bit prefetchable memory, 16 KiB, above 4 GiB window or not. */
	CHECK_EQ(ecam_read(f, devfn, PCI_BASE_ADDRESS_4, 4) & 0xf,
		 PCI_BASE_ADDRESS_MEM_TYPE_64 | PCI_BASE_ADDRESS_MEM_PREFETCH);
	CHECK(vdrv_bar_addr(v, 4) != 0);
	CHECK_EQ(v->common, vdrv_bar_addr(v, 4));
	CHECK_EQ(v->isr, vdrv_bar_addr(v, 4) + 0x1000);
	CHECK_EQ(v->devcfg, vdrv_bar_addr(v, 4) + 0x2000);
	CHECK_EQ(v->notify, vdrv_bar_addr(v, 4) + 0x3000);
	CHECK_EQ(v->notify_mult, 4);
	CHECK(v->cfg_cap != 0);
	CHECK(v->msix_cap != 0);
	/* One vector per queue plus one for config changes. */
	CHECK_EQ((ecam_read(f, devfn, v->msix_cap + PCI_MSIX_FLAGS, 2) & PCI_MSIX_FLAGS_QSIZE) + 1,
		 2);
	CHECK(pci_find_cap(v->pd, PCI_CAP_ID_EXP) != 0);
}

static void test_common_cfg(struct vdrv *v)
{
	u64 f = vdrv_device_features(v);

	CHECK(f & BIT64(VIRTIO_F_VERSION_1));
	CHECK(f & BIT64(VIRTIO_F_ACCESS_PLATFORM));
	CHECK_EQ(vd_common_rd(v, VIRTIO_PCI_COMMON_NUMQ, 2), 1);
	/* A queue that does not exist has size 0. */
	vd_common_wr(v, VIRTIO_PCI_COMMON_Q_SELECT, 2, 7);
	CHECK_EQ(vd_common_rd(v, VIRTIO_PCI_COMMON_Q_SELECT, 2), 7);
	CHECK_EQ(vd_common_rd(v, VIRTIO_PCI_COMMON_Q_SIZE, 2), 0);
	vd_common_wr(v, VIRTIO_PCI_COMMON_Q_ENABLE, 2, 1);
	CHECK_EQ(vd_common_rd(v, VIRTIO_PCI_COMMON_Q_ENABLE, 2), 0);
	vd_common_wr(v, VIRTIO_PCI_COMMON_Q_SELECT, 2, 0);
	CHECK_EQ(vd_common_rd(v, VIRTIO_PCI_COMMON_Q_SIZE, 2), 64);
	CHECK_EQ(vd_common_rd(v, VIRTIO_PCI_COMMON_Q_NOFF, 2), 0);
	/* Read-only fields ignore writes. */
	vd_common_wr(v, VIRTIO_PCI_COMMON_NUMQ, 2, 9);
	CHECK_EQ(vd_common_rd(v, VIRTIO_PCI_COMMON_NUMQ, 2), 1);
	vd_common_wr(v, VIRTIO_PCI_COMMON_DF, 4, 0);
	vd_common_wr(v, VIRTIO_PCI_COMMON_DFSELECT, 4, 1);
	CHECK_EQ(vd_common_rd(v, VIRTIO_PCI_COMMON_DF, 4), (u32)(f >> 32));
	/* An access across two fields is refused: reads 0, writes nothing. */
	CHECK_EQ(vd_common_rd(v, VIRTIO_PCI_COMMON_NUMQ, 4), 0);
	vd_common_wr(v, VIRTIO_PCI_COMMON_Q_SELECT - 1, 4, 0xffffffff);
	CHECK_EQ(vd_common_rd(v, VIRTIO_PCI_COMMON_Q_SELECT, 2), 0);
	CHECK_EQ(vdrv_status(v), 0);
	/* Past the common structure: zeroes. */
	CHECK_EQ(vd_common_rd(v, 0x40, 4), 0);
	/* 64-bit queue address: whole and in halves. */
	vd_common_wr(v, VIRTIO_PCI_COMMON_Q_DESCLO, 8, 0x1122334455667788ull);
	CHECK_EQ(vd_common_rd(v, VIRTIO_PCI_COMMON_Q_DESCLO, 8), 0x1122334455667788ull);
	CHECK_EQ(vd_common_rd(v, VIRTIO_PCI_COMMON_Q_DESCHI, 4), 0x11223344);
	vd_common_wr(v, VIRTIO_PCI_COMMON_Q_DESCHI, 4, 0);
	CHECK_EQ(vd_common_rd(v, VIRTIO_PCI_COMMON_Q_DESCLO, 8), 0x55667788);
	/* The ISR is read-only; the notify area reads 0. */
	vd_wr(v, v->isr, 1, 3);
	CHECK_EQ(vd_rd(v, v->isr, 1), 0);
	CHECK_EQ(vd_rd(v, v->notify, 2), 0);
}

/* One 64-byte request; true if it came back full of something other than zeroes. */
static bool rng_request(struct vdrv *v)
{
	struct mock_buf b = { BUF, 64, true };
	u8 *p = vdrv_host(v, BUF, 64);
	u32 len = 0;
	int id;

	memset(p, 0, 64);
	id = vdrv_add(v, 0, &b, 1);
	CHECK(id >= 0);
	CHECK_EQ(vdrv_wait_used(v, 0, &len), id);
	CHECK_EQ(len, 64);
	for (int i = 0; i < 64; i++)
		if (p[i])
			return true;
	return false;
}

static void test_msix(struct vdrv *v)
{
	CHECK(vdrv_negotiate(v, BIT64(VIRTIO_F_VERSION_1) | BIT64(VIRTIO_RING_F_EVENT_IDX)));
	vdrv_msix_enable(v, 2);
	/* A vector that does not exist reads back as NO_VECTOR (§4.1.5.1.2). */
	vd_common_wr(v, VIRTIO_PCI_COMMON_MSIX, 2, 5);
	CHECK_EQ(vd_common_rd(v, VIRTIO_PCI_COMMON_MSIX, 2), VIRTIO_MSI_NO_VECTOR);
	vd_common_wr(v, VIRTIO_PCI_COMMON_MSIX, 2, 1);
	CHECK_EQ(vd_common_rd(v, VIRTIO_PCI_COMMON_MSIX, 2), 1);
	vd_common_wr(v, VIRTIO_PCI_COMMON_Q_SELECT, 2, 0);
	vd_common_wr(v, VIRTIO_PCI_COMMON_Q_MSIX, 2, 2);
	CHECK_EQ(vd_common_rd(v, VIRTIO_PCI_COMMON_Q_MSIX, 2), VIRTIO_MSI_NO_VECTOR);
	CHECK(vdrv_setup_queue(v, 0, RING, 32, MOCK_VQ_EVENT_IDX, 0));
	CHECK(!vdrv_setup_queue(v, 0, RING, 32, 0, 0)); /* enabled already */
	vdrv_driver_ok(v);
	CHECK_EQ(vdrv_status(v), 0xf);
	CHECK(rng_request(v));
	CHECK(WAIT_UNTIL(vdrv_msix_count(v, 0) >= 1));
	CHECK_EQ(vdrv_msix_count(v, 1), 0);
	CHECK(rng_request(v));
	/* Queue registers cannot change under a running device. */
	vd_common_wr(v, VIRTIO_PCI_COMMON_Q_SIZE, 2, 8);
	CHECK_EQ(vd_common_rd(v, VIRTIO_PCI_COMMON_Q_SIZE, 2), 32);

	/* Reset: reads back 0 at once; vectors and queues are back to their reset values. */
	vdrv_set_status(v, 0);
	CHECK_EQ(vdrv_status(v), 0);
	CHECK_EQ(vd_common_rd(v, VIRTIO_PCI_COMMON_MSIX, 2), VIRTIO_MSI_NO_VECTOR);
	CHECK_EQ(vd_common_rd(v, VIRTIO_PCI_COMMON_Q_MSIX, 2), VIRTIO_MSI_NO_VECTOR);
	CHECK_EQ(vd_common_rd(v, VIRTIO_PCI_COMMON_Q_SIZE, 2), 64);
	CHECK_EQ(vd_common_rd(v, VIRTIO_PCI_COMMON_Q_ENABLE, 2), 0);
	CHECK_EQ(vd_common_rd(v, VIRTIO_PCI_COMMON_Q_DESCLO, 8), 0);
}

static void test_intx(struct vdrv *v)
{
	struct pci_fixture *f = v->f;
	unsigned gsi = pci_host_intx_gsi(PCI_SLOT(v->devfn), 0);
	u16 ctrl = (u16)ecam_read(f, v->devfn, v->msix_cap + PCI_MSIX_FLAGS, 2);

	ecam_write(f, v->devfn, v->msix_cap + PCI_MSIX_FLAGS, 2, ctrl & ~PCI_MSIX_FLAGS_ENABLE);
	v->msix = false;
	CHECK(vdrv_negotiate(v, BIT64(VIRTIO_F_VERSION_1)));
	CHECK(vdrv_setup_queue(v, 0, RING, 16, 0, 0));
	vdrv_driver_ok(v);
	CHECK_EQ(f->fi.line[gsi], 0);
	CHECK(rng_request(v));
	CHECK(WAIT_UNTIL(__atomic_load_n(&f->fi.line[gsi], __ATOMIC_ACQUIRE)));
	CHECK_EQ(f->fi.line[gsi], 1);
	/* ISR: bit 0 (queue), cleared by the read, which also lowers INTx. */
	CHECK_EQ(vd_rd(v, v->isr, 1), 1);
	CHECK_EQ(f->fi.line[gsi], 0);
	CHECK_EQ(vd_rd(v, v->isr, 1), 0);
	vdrv_reset(v);
}

static void test_bar_move(struct vdrv *v)
{
	struct pci_fixture *f = v->f;
	u64 old = vdrv_bar_addr(v, 4), neu = old + 0x100000;

	/* Linux leaves BARs where firmware put them, but a guest may move them. */
	ecam_write(f, v->devfn, PCI_COMMAND, 2, PCI_COMMAND_MASTER);
	ecam_write(f, v->devfn, PCI_BASE_ADDRESS_4, 4, (u32)neu);
	ecam_write(f, v->devfn, PCI_BASE_ADDRESS_5, 4, (u32)(neu >> 32));
	ecam_write(f, v->devfn, PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	CHECK_EQ(vdrv_bar_addr(v, 4), neu);
	vdrv_map_caps(v);
	CHECK_EQ(v->common, neu);
	/* Nothing left at the old notify address; the ioeventfd moved with the BAR. */
	CHECK(!bus_has_range(&f->vm.mmio, old, 0x4000));
	CHECK(bus_has_range(&f->vm.mmio, neu, 0x4000));
	CHECK(vdrv_negotiate(v, BIT64(VIRTIO_F_VERSION_1)));
	CHECK(vdrv_setup_queue(v, 0, RING, 16, 0, 0));
	vdrv_driver_ok(v);
	CHECK(rng_request(v));
	{
		unsigned found = 0;

		pthread_rwlock_rdlock(&f->vm.mmio.lock);
		for (unsigned i = 0; i < f->vm.mmio.nr_ioev; i++) {
			CHECK(f->vm.mmio.ioevs[i].addr != old + 0x3000);
			found += f->vm.mmio.ioevs[i].addr == neu + 0x3000;
		}
		pthread_rwlock_unlock(&f->vm.mmio.lock);
		CHECK_EQ(found, 1);
	}
	vdrv_reset(v);
}

/* §4.1.4.9: BAR access through the VIRTIO_PCI_CAP_PCI_CFG window. */
static void test_pci_cfg_window(struct vdrv *v)
{
	struct pci_fixture *f = v->f;
	u8 cap = v->cfg_cap;
	u16 data = cap + offsetof(struct virtio_pci_cfg_cap, pci_cfg_data);

	vdrv_set_status(v, VIRTIO_CONFIG_S_ACKNOWLEDGE);
	ecam_write(f, v->devfn, cap + VIRTIO_PCI_CAP_BAR, 1, 4);
	ecam_write(f, v->devfn, cap + VIRTIO_PCI_CAP_OFFSET, 4, VIRTIO_PCI_COMMON_STATUS);
	ecam_write(f, v->devfn, cap + VIRTIO_PCI_CAP_LENGTH, 4, 1);
	CHECK_EQ(ecam_read(f, v->devfn, data, 1), VIRTIO_CONFIG_S_ACKNOWLEDGE);
	/* A write through the window reaches the register. */
	ecam_write(f, v->devfn, data, 1, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
	CHECK_EQ(vdrv_status(v), VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
	/* num_queues, 2 bytes. */
	ecam_write(f, v->devfn, cap + VIRTIO_PCI_CAP_OFFSET, 4, VIRTIO_PCI_COMMON_NUMQ);
	ecam_write(f, v->devfn, cap + VIRTIO_PCI_CAP_LENGTH, 4, 2);
	CHECK_EQ(ecam_read(f, v->devfn, data, 4) & 0xffff, 1);
	/* A bad window (other BAR, odd length, misaligned) reads 0 and writes nothing. */
	ecam_write(f, v->devfn, cap + VIRTIO_PCI_CAP_LENGTH, 4, 3);
	CHECK_EQ(ecam_read(f, v->devfn, data, 4), 0);
	ecam_write(f, v->devfn, cap + VIRTIO_PCI_CAP_OFFSET, 4, VIRTIO_PCI_COMMON_STATUS);
	ecam_write(f, v->devfn, cap + VIRTIO_PCI_CAP_LENGTH, 4, 1);
	ecam_write(f, v->devfn, cap + VIRTIO_PCI_CAP_BAR, 1, 0);
	ecam_write(f, v->devfn, data, 1, 0);
	CHECK_EQ(vdrv_status(v), VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
	ecam_write(f, v->devfn, cap + VIRTIO_PCI_CAP_BAR, 1, 4);
	ecam_write(f, v->devfn, cap + VIRTIO_PCI_CAP_OFFSET, 4, 0x3fff0);
	CHECK_EQ(ecam_read(f, v->devfn, data, 1), 0);
	/* Reset through the window. */
	ecam_write(f, v->devfn, cap + VIRTIO_PCI_CAP_OFFSET, 4, VIRTIO_PCI_COMMON_STATUS);
	ecam_write(f, v->devfn, data, 1, 0);
	CHECK_EQ(vdrv_status(v), 0);
}

static void test_needs_reset(struct vdrv *v)
{
	CHECK(vdrv_negotiate(v, BIT64(VIRTIO_F_VERSION_1)));
	vdrv_msix_enable(v, 2);
	vd_common_wr(v, VIRTIO_PCI_COMMON_MSIX, 2, 1);
	CHECK(vdrv_setup_queue(v, 0, RING, 16, 0, 0));
	vdrv_driver_ok(v);
	vdrv_msix_count(v, 1);
	/* A descriptor whose next points outside the table. */
	{
		struct vring_desc *d = mock_vq_desc(&v->vq[0], 0);

		d->addr = BUF;
		d->len = 16;
		d->flags = VRING_DESC_F_NEXT | VRING_DESC_F_WRITE;
		d->next = 200;
		mock_vq_split_raw(&v->vq[0], 0);
		vdrv_kick(v, 0);
	}
	CHECK(WAIT_UNTIL(vdrv_status(v) & VIRTIO_CONFIG_S_NEEDS_RESET));
	CHECK(WAIT_UNTIL(vdrv_msix_count(v, 1)));
	CHECK_EQ(vdrv_msix_count(v, 1), 1);
	/* The driver resets; the device works again. */
	CHECK(vdrv_negotiate(v, BIT64(VIRTIO_F_VERSION_1)));
	CHECK(vdrv_setup_queue(v, 0, RING, 16, 0, 0));
	vdrv_driver_ok(v);
	CHECK_EQ(vdrv_status(v), 0xf);
	CHECK(rng_request(v));
	vdrv_reset(v);
}

/* DRIVER_OK with Bus Master Enable clear: NEEDS_RESET, and no DMA at all. */
static void test_no_bus_master(struct vdrv *v)
{
	struct mock_buf b = { BUF, 64, true };
	u32 len;

	ecam_write(v->f, v->devfn, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	CHECK(vdrv_negotiate(v, BIT64(VIRTIO_F_VERSION_1)));
	CHECK(vdrv_setup_queue(v, 0, RING, 16, 0, 0));
	CHECK(vdrv_add(v, 0, &b, 1) >= 0);
	vdrv_driver_ok(v);
	CHECK(vdrv_status(v) & VIRTIO_CONFIG_S_NEEDS_RESET);
	vdrv_kick(v, 0);
	usleep(10000);
	CHECK_EQ(mock_vq_get_used(&v->vq[0], &len), -EAGAIN);
	ecam_write(v->f, v->devfn, PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	vdrv_reset(v);
	CHECK(vdrv_negotiate(v, BIT64(VIRTIO_F_VERSION_1)));
	CHECK(vdrv_setup_queue(v, 0, RING, 16, 0, 0));
	vdrv_driver_ok(v);
	CHECK_EQ(vdrv_status(v), 0xf);
	CHECK(rng_request(v));
	vdrv_reset(v);
}

int main(void)
{
	struct pci_fixture f;
	struct vdrv v;

	vdrv_fixture(&f, 1);
	CHECK_EQ(virtio_rng_create(&f.vm), 0);
	CHECK_EQ(vdrv_probe(&v, &f, VIRTIO_ID_RNG, 0), 0);
	test_identity(&v);
	test_common_cfg(&v);
	test_msix(&v);
	test_intx(&v);
	test_bar_move(&v);
	test_pci_cfg_window(&v);
	test_needs_reset(&v);
	test_no_bus_master(&v);
	pci_fixture_fini(&f);
	return check_done();
}
