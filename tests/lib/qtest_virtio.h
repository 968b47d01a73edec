/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A virtio-pci modern driver for tests (virtio 1.2 §4.1), doing what Linux's
 * virtio_pci_modern does in the order it does it: enable the function, find
 * the vendor capabilities (common, ISR, notify, then device config) and check
 * them against their BARs, reset and wait for status 0, ACKNOWLEDGE, DRIVER,
 * negotiate features (VERSION_1 required), FEATURES_OK and read it back, set
 * up each queue (size, addresses, notify offset, MSI-X vector read back),
 * enable the queues, DRIVER_OK. Queues are split rings in guest memory the
 * test allocates; MSI-X vectors, when used, point at guest RAM (where the
 * message's data lands), as QEMU's libqos does.
 */
#ifndef IOVIRT_TEST_QTEST_VIRTIO_H
#define IOVIRT_TEST_QTEST_VIRTIO_H

#include <stdbool.h>
#include <stdint.h>

#include "qtest_alloc.h"
#include "qtest_pci.h"

#define QVIRTIO_NO_VECTOR 0xffff

struct qvirtio_dev {
	struct qpci_dev pci;
	struct qtest_state *qts;
	struct qguest_alloc *alloc;
	uint16_t virtio_id;
	/* Where each structure is: BAR and offset inside it. */
	unsigned common_bar, isr_bar, notify_bar, device_bar;
	uint64_t common_off, isr_off, notify_off, device_off;
	uint32_t notify_len, device_len;
	uint32_t notify_mult;
	bool has_device_cfg;
	uint64_t features;		/* negotiated */
	bool msix;
	uint64_t msi_page;		/* guest RAM the vectors write to: 4 bytes per vector */
};

struct qvirtqueue {
	struct qvirtio_dev *dev;
	uint16_t index;
	uint16_t size;
	uint64_t desc, avail, used;	/* guest addresses */
	uint64_t notify_addr_off;	/* offset in the notify BAR */
	uint16_t free_head;
	uint16_t num_free;
	uint16_t avail_idx;		/* next avail slot (shadow) */
	uint16_t last_used;		/* next used entry to read */
	uint16_t vector;
};

/* A buffer in a chain: device-readable or device-writable guest memory. */
struct qvirtio_buf {
	uint64_t addr;
	uint32_t len;
	bool write;
};

/*
 * Find a modern virtio-pci function for virtio device `virtio_id` (PCI ID
 * 0x1040 + id, or transitional 0x1000–0x103f with that subsystem ID), enable
 * it and map its structures. false (with the reason printed) if it is not
 * there or breaks a rule of §4.1.4.
 */
bool qvirtio_pci_probe(struct qvirtio_dev *d, struct qpci_bus *bus, struct qguest_alloc *a,
		       uint16_t virtio_id);
/* Reset (status 0, waiting for it to read back 0), then ACKNOWLEDGE | DRIVER. */
void qvirtio_reset(struct qvirtio_dev *d);
uint64_t qvirtio_device_features(struct qvirtio_dev *d);
/* Write the driver features and FEATURES_OK; false when the device refuses them. */
bool qvirtio_set_features(struct qvirtio_dev *d, uint64_t features);
/* Use MSI-X: the config vector is 0, queue q gets vector q + 1, each aimed at the MSI page. */
void qvirtio_use_msix(struct qvirtio_dev *d);
/* Set up queue `index` with up to max_size entries (0: the device's size). false if absent. */
bool qvirtqueue_setup(struct qvirtio_dev *d, struct qvirtqueue *vq, uint16_t index,
		      uint16_t max_size);
void qvirtio_driver_ok(struct qvirtio_dev *d);
uint8_t qvirtio_get_status(struct qvirtio_dev *d);
void qvirtio_set_status(struct qvirtio_dev *d, uint8_t status);

/* Device config (§4.1.4.6), read in a generation-stable way for multi-byte fields. */
uint8_t qvirtio_config_readb(struct qvirtio_dev *d, uint32_t off);
uint16_t qvirtio_config_readw(struct qvirtio_dev *d, uint32_t off);
uint32_t qvirtio_config_readl(struct qvirtio_dev *d, uint32_t off);
uint64_t qvirtio_config_readq(struct qvirtio_dev *d, uint32_t off);

/* Queue a chain (readable buffers first); returns its head id. */
uint16_t qvirtqueue_add(struct qvirtqueue *vq, const struct qvirtio_buf *bufs, unsigned n);
/* Publish everything added and notify the device. */
void qvirtqueue_kick(struct qvirtqueue *vq);
/* Take the next used entry; false when there is none yet. */
bool qvirtqueue_get_used(struct qvirtqueue *vq, uint16_t *id, uint32_t *len);
/* Wait (QTEST_WAIT_UNTIL: clock steps of step_ns, at most tries) for a used entry. */
bool qvirtqueue_wait_used(struct qvirtqueue *vq, uint16_t *id, uint32_t *len, uint64_t step_ns,
			  unsigned tries);
/* Has vector `vec` written its message into the MSI page since the last clear? */
bool qvirtio_msi_seen(struct qvirtio_dev *d, unsigned vec);
void qvirtio_msi_clear(struct qvirtio_dev *d, unsigned vec);
/* The data vector `vec` is programmed with. */
#define QVIRTIO_MSI_DATA(vec) (0x4000u + (vec))

#endif
