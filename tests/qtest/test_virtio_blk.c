// SPDX-License-Identifier: GPL-2.0-only
/*
 * virtio-blk-pci (virtio 1.2 §5.2) through the device harness, driven by the
 * test library's virtio-pci modern driver (Linux's probe order), and the same
 * script against QEMU's virtio-blk-pci as the oracle: what both must agree on
 * (IDs, class, config layout — capacity, seg_max, blk_size — the feature bits
 * a Linux guest relies on, status transitions, request results) is checked
 * on both; where the specification is explicit and QEMU deviates, CHECK_SPEC
 * notes it for QEMU and fails only iovirt.
 *
 * Usage: test_virtio_blk iovirt|qemu
 */
#include <fcntl.h>
#include <linux/pci_regs.h>
#include <linux/virtio_blk.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_pci.h>
#include <linux/virtio_ring.h>
#include <stdlib.h>
#include <unistd.h>

#include "harness.h"
#include "qtest_virtio.h"

#define STEP_NS 1000000ull
#define DISK_SIZE (8u << 20)
#define SERIAL "iovirt-qtest-disk"

static struct qtest_state *s;
static struct qguest_alloc ram;
static struct qvirtqueue vq;

/* One request: header, optional data buffer, status. Returns the status byte. */
static uint8_t request(uint32_t type, uint64_t sector, uint64_t data, uint32_t len, bool in,
		       uint32_t *used)
{
	struct virtio_blk_outhdr h = { .type = type, .sector = sector };
	uint64_t hdr = guest_alloc(&ram, 16), st = guest_alloc(&ram, 1);
	struct qvirtio_buf b[3];
	unsigned n = 0;
	uint16_t head, id;
	uint8_t status = 0xee;

	qtest_memwrite(s, hdr, &h, sizeof(h));
	qtest_memwrite(s, st, &status, 1);
	b[n++] = (struct qvirtio_buf){ hdr, 16, false };
	if (len)
		b[n++] = (struct qvirtio_buf){ data, len, in };
	b[n++] = (struct qvirtio_buf){ st, 1, true };
	head = qvirtqueue_add(&vq, b, n);
	qvirtqueue_kick(&vq);
	CHECK(qvirtqueue_wait_used(&vq, &id, used, STEP_NS, 5000));
	CHECK_EQ(id, head);
	qtest_memread(s, st, &status, 1);
	guest_free(&ram, hdr);
	guest_free(&ram, st);
	return status;
}

/* Feature negotiation by hand (the library insists on VERSION_1, as Linux does). */
static bool raw_features_ok(struct qvirtio_dev *d, uint64_t f)
{
	uint64_t c = d->common_off;

	qpci_io_writel(&d->pci, d->common_bar, c + VIRTIO_PCI_COMMON_GFSELECT, 0);
	qpci_io_writel(&d->pci, d->common_bar, c + VIRTIO_PCI_COMMON_GF, (uint32_t)f);
	qpci_io_writel(&d->pci, d->common_bar, c + VIRTIO_PCI_COMMON_GFSELECT, 1);
	qpci_io_writel(&d->pci, d->common_bar, c + VIRTIO_PCI_COMMON_GF, (uint32_t)(f >> 32));
	qvirtio_set_status(d, qvirtio_get_status(d) | VIRTIO_CONFIG_S_FEATURES_OK);
	return qvirtio_get_status(d) & VIRTIO_CONFIG_S_FEATURES_OK;
}

int main(int argc, char **argv)
{
	enum qtest_target t = harness_target(argc, argv);
	char path[] = "/tmp/iovirt-qtest-blk-XXXXXX";
	char disk_arg[128], drive_arg[160];
	const char *iovirt_extra[] = { "--disk", disk_arg, NULL };
	const char *qemu_extra[] = { "-drive", drive_arg, "-device",
				     "virtio-blk-pci,drive=d0,disable-legacy=on,serial=" SERIAL, NULL };
	struct qtest_machine m = { 0 };
	struct qpci_bus bus;
	struct qvirtio_dev dev;
	uint64_t f, want, buf;
	uint8_t pattern[4096], back[4096], id[20];
	uint32_t used;
	int fd = mkstemp(path);

	CHECK(fd >= 0);
	CHECK_EQ(ftruncate(fd, DISK_SIZE), 0);
	close(fd);
	snprintf(disk_arg, sizeof(disk_arg), "%s,serial=%s", path, SERIAL);
	snprintf(drive_arg, sizeof(drive_arg), "file=%s,if=none,id=d0,format=raw", path);
	m.extra = t == QTEST_IOVIRT ? iovirt_extra : qemu_extra;
	s = qtest_start(t, &m);
	qpci_init(&bus, s);
	qalloc_init(&ram, s, 0x400000, 0x8000000, 4096);
	if (!qvirtio_pci_probe(&dev, &bus, &ram, VIRTIO_ID_BLOCK))
		qtest_fatal(s, "no modern virtio-blk-pci function");

	/* Identity: what Linux's virtio_pci and lspci see. */
	CHECK_EQ(qpci_config_readw(&dev.pci, PCI_VENDOR_ID), 0x1af4);
	CHECK_EQ(qpci_config_readw(&dev.pci, PCI_DEVICE_ID), 0x1040 + VIRTIO_ID_BLOCK);
	CHECK(qpci_config_readb(&dev.pci, PCI_REVISION_ID) >= 1);
	CHECK_EQ(qpci_config_readw(&dev.pci, PCI_CLASS_DEVICE), 0x0100);
	CHECK(qpci_config_readw(&dev.pci, PCI_SUBSYSTEM_ID) >= 0x40);

	/* Features both offer, and that a Linux guest uses. */
	f = qvirtio_device_features(&dev);
	want = (1ull << VIRTIO_F_VERSION_1) | (1ull << VIRTIO_BLK_F_SEG_MAX) |
	       (1ull << VIRTIO_BLK_F_BLK_SIZE) | (1ull << VIRTIO_BLK_F_FLUSH) |
	       (1ull << VIRTIO_BLK_F_TOPOLOGY) | (1ull << VIRTIO_BLK_F_DISCARD) |
	       (1ull << VIRTIO_BLK_F_WRITE_ZEROES) | (1ull << VIRTIO_RING_F_EVENT_IDX) |
	       (1ull << VIRTIO_RING_F_INDIRECT_DESC);
	CHECK_EQ(f & want, want);
	CHECK(!(f & (1ull << VIRTIO_BLK_F_RO)));
	/* Config layout (§5.2.4). */
	CHECK_EQ(qvirtio_config_readq(&dev, offsetof(struct virtio_blk_config, capacity)),
		 DISK_SIZE / 512);
	CHECK_EQ(qvirtio_config_readl(&dev, offsetof(struct virtio_blk_config, blk_size)), 512);
	CHECK_EQ(qvirtio_config_readl(&dev, offsetof(struct virtio_blk_config, seg_max)), 254);
	CHECK(qvirtio_config_readl(&dev, offsetof(struct virtio_blk_config, max_discard_seg)) >= 1);

	/*
	 * §2.2.2: a set with a feature that was not offered is no valid subset,
	 * so FEATURES_OK must not stick.
	 */
	CHECK_SPEC(s, !qvirtio_set_features(&dev, (1ull << VIRTIO_F_VERSION_1) | (1ull << 59)),
		   "virtio 1.2 §2.2.2",
		   "FEATURES_OK accepted with a feature the device did not offer");
	qvirtio_reset(&dev);
	/* §6.1 lets a device refuse a driver without VERSION_1; iovirt, modern-only, does. */
	if (!qtest_is_qemu(s))
		CHECK(!raw_features_ok(&dev, 1ull << VIRTIO_BLK_F_FLUSH));
	qvirtio_reset(&dev);
	CHECK(qvirtio_set_features(&dev, f & want));
	qvirtio_use_msix(&dev);
	CHECK(qvirtqueue_setup(&dev, &vq, 0, 64));
	qvirtio_driver_ok(&dev);
	CHECK(qvirtio_get_status(&dev) & VIRTIO_CONFIG_S_DRIVER_OK);

	/* Write, flush, read back; the image has it. */
	buf = guest_alloc(&ram, 4096);
	for (unsigned i = 0; i < sizeof(pattern); i++)
		pattern[i] = (uint8_t)(i * 7 + 1);
	qtest_memwrite(s, buf, pattern, sizeof(pattern));
	CHECK_EQ(request(VIRTIO_BLK_T_OUT, 16, buf, 4096, false, &used), VIRTIO_BLK_S_OK);
	CHECK_EQ(request(VIRTIO_BLK_T_FLUSH, 0, 0, 0, false, &used), VIRTIO_BLK_S_OK);
	qtest_memset(s, buf, 0, 4096);
	CHECK_EQ(request(VIRTIO_BLK_T_IN, 16, buf, 4096, true, &used), VIRTIO_BLK_S_OK);
	CHECK_EQ(used, 4097);
	qtest_memread(s, buf, back, sizeof(back));
	CHECK(!memcmp(back, pattern, sizeof(back)));
	fd = open(path, O_RDONLY);
	CHECK_EQ(pread(fd, back, sizeof(back), 16 * 512), (ssize_t)sizeof(back));
	close(fd);
	CHECK(!memcmp(back, pattern, sizeof(back)));
	CHECK(qvirtio_msi_seen(&dev, vq.vector));

	/* GET_ID: the serial, NUL-padded. */
	CHECK_EQ(request(VIRTIO_BLK_T_GET_ID, 0, buf, 20, true, &used), VIRTIO_BLK_S_OK);
	qtest_memread(s, buf, id, sizeof(id));
	CHECK(!memcmp(id, SERIAL, strlen(SERIAL)));
	CHECK_EQ(id[strlen(SERIAL)], 0);
	/* Past the end, and an unknown type. */
	CHECK_EQ(request(VIRTIO_BLK_T_IN, DISK_SIZE / 512 - 1, buf, 1024, true, &used),
		 VIRTIO_BLK_S_IOERR);
	CHECK_EQ(request(77, 0, 0, 0, false, &used), VIRTIO_BLK_S_UNSUPP);

	/* §4.1.4.3.2: reset reads back 0; the queue is disabled. */
	qvirtio_set_status(&dev, 0);
	CHECK(QTEST_WAIT_UNTIL(s, !qvirtio_get_status(&dev), STEP_NS, 1000));
	qpci_io_writew(&dev.pci, dev.common_bar, dev.common_off + VIRTIO_PCI_COMMON_Q_SELECT, 0);
	CHECK_EQ(qpci_io_readw(&dev.pci, dev.common_bar,
			       dev.common_off + VIRTIO_PCI_COMMON_Q_ENABLE), 0);
	unlink(path);
	return harness_done(s);
}
