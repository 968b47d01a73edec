// SPDX-License-Identifier: GPL-2.0-only
/*
 * --disk vhost-user=SOCK through the device harness: iovirt runs with no
 * vCPU, its vhost-user-blk device driven by the test library's virtio-pci
 * driver, and the back-end is the project's back-end library serving a RAM
 * disk in this process (tests/lib/vu_test_backend.c) — so every byte the
 * driver reads was put in guest memory by another mapping of it, every
 * interrupt came from the back-end writing the vector's irqfd, and every
 * kick reached the back-end through the notify register's ioeventfd. Then
 * the back-end crashes with a request in flight and comes back: the request
 * completes, once, and the device goes on.
 *
 * Usage: test_vhost_user_blk iovirt
 */
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
#include "vu_test_backend.h"
#include "wait.h"

#define STEP_NS	  1000000ull
#define DISK_SIZE (4u << 20)

static struct qtest_state *s;
static struct qguest_alloc ram;
static struct qvirtqueue vq;

struct req {
	uint64_t hdr, st;
	uint16_t head;
};

static void submit(struct req *r, uint32_t type, uint64_t sector, uint64_t data, uint32_t len,
		   bool in)
{
	struct virtio_blk_outhdr h = {.type = type, .sector = sector};
	struct qvirtio_buf b[3];
	unsigned n = 0;
	uint8_t status = 0xee;

	r->hdr = guest_alloc(&ram, 16);
	r->st = guest_alloc(&ram, 1);
	qtest_memwrite(s, r->hdr, &h, sizeof(h));
	qtest_memwrite(s, r->st, &status, 1);
	b[n++] = (struct qvirtio_buf){r->hdr, 16, false};
	if (len)
		b[n++] = (struct qvirtio_buf){data, len, in};
	b[n++] = (struct qvirtio_buf){r->st, 1, true};
	r->head = qvirtqueue_add(&vq, b, n);
	qvirtqueue_kick(&vq);
}

static uint8_t finish(struct req *r)
{
	uint8_t status;

	qtest_memread(s, r->st, &status, 1);
	guest_free(&ram, r->hdr);
	guest_free(&ram, r->st);
	return status;
}

static uint8_t request(uint32_t type, uint64_t sector, uint64_t data, uint32_t len, bool in,
		       uint32_t *used)
{
	struct req r;
	uint16_t id = 0xffff;

	submit(&r, type, sector, data, len, in);
	CHECK(qvirtqueue_wait_used(&vq, &id, used, STEP_NS, 20000));
	CHECK_EQ(id, r.head);
	return finish(&r);
}

int main(int argc, char **argv)
{
	enum qtest_target t = harness_target(argc, argv);
	char sock[108], disk_arg[160];
	const char *iovirt_extra[] = {"--disk", disk_arg, NULL};
	struct vtb_opts o = {
		.kind = VTB_BLK, .num_queues = 1, .disk_size = DISK_SIZE, .inflight = true};
	struct qtest_machine m = {0};
	struct qpci_bus bus;
	struct qvirtio_dev dev;
	struct req held;
	uint64_t f, buf;
	uint8_t pattern[4096], back[4096];
	uint32_t used;
	uint16_t id;
	struct vtb *b;

	if (t != QTEST_IOVIRT)
		CHECK_SKIP("vhost-user-blk is tested against iovirt only");
	snprintf(sock, sizeof(sock), "/tmp/iovirt-qtest-vublk-%d.sock", getpid());
	b = vtb_start(sock, &o);
	if (!b)
		CHECK_SKIP("cannot listen on %s", sock);
	snprintf(disk_arg, sizeof(disk_arg), "vhost-user=%s", sock);
	m.extra = iovirt_extra;
	s = qtest_start(t, &m);
	qpci_init(&bus, s);
	qalloc_init(&ram, s, 0x400000, 0x8000000, 4096);
	if (!qvirtio_pci_probe(&dev, &bus, &ram, VIRTIO_ID_BLOCK))
		qtest_fatal(s, "no modern virtio-blk-pci function");
	CHECK_EQ(qpci_config_readw(&dev.pci, PCI_DEVICE_ID), 0x1040 + VIRTIO_ID_BLOCK);
	CHECK_EQ(qpci_config_readw(&dev.pci, PCI_CLASS_DEVICE), 0x0100);

	/* The back-end's features and config space. */
	f = qvirtio_device_features(&dev);
	CHECK(f & (1ull << VIRTIO_F_VERSION_1));
	CHECK(f & (1ull << VIRTIO_BLK_F_FLUSH));
	CHECK(!(f & (1ull << VIRTIO_BLK_F_DISCARD)));
	CHECK_EQ(qvirtio_config_readq(&dev, offsetof(struct virtio_blk_config, capacity)),
		 DISK_SIZE / 512);
	CHECK_EQ(qvirtio_config_readl(&dev, offsetof(struct virtio_blk_config, seg_max)), 62);
	CHECK(qvirtio_set_features(&dev, f));
	qvirtio_use_msix(&dev);
	CHECK(qvirtqueue_setup(&dev, &vq, 0, 64));
	qvirtio_driver_ok(&dev);
	CHECK(qvirtio_get_status(&dev) & VIRTIO_CONFIG_S_DRIVER_OK);

	/* Write, flush, read back: the back-end's disk has it, the driver reads it. */
	buf = guest_alloc(&ram, 4096);
	for (unsigned i = 0; i < sizeof(pattern); i++)
		pattern[i] = (uint8_t)(i * 13 + 5);
	qtest_memwrite(s, buf, pattern, sizeof(pattern));
	CHECK_EQ(request(VIRTIO_BLK_T_OUT, 16, buf, 4096, false, &used), VIRTIO_BLK_S_OK);
	CHECK(!memcmp(vtb_disk(b) + 16 * 512, pattern, sizeof(pattern)));
	CHECK_EQ(request(VIRTIO_BLK_T_FLUSH, 0, 0, 0, false, &used), VIRTIO_BLK_S_OK);
	qtest_memset(s, buf, 0, 4096);
	CHECK_EQ(request(VIRTIO_BLK_T_IN, 16, buf, 4096, true, &used), VIRTIO_BLK_S_OK);
	CHECK_EQ(used, 4097);
	qtest_memread(s, buf, back, sizeof(back));
	CHECK(!memcmp(back, pattern, sizeof(back)));
	/* The back-end writes the vector's irqfd after the used entry; the harness delivers it. */
	CHECK(QTEST_WAIT_UNTIL(s, qvirtio_msi_seen(&dev, vq.vector), STEP_NS, 1000));

	/* A crash with a write in flight; the back-end is back a moment later. */
	vtb_set_hold(b, true);
	qtest_memwrite(s, buf, pattern + 1, 512);
	submit(&held, VIRTIO_BLK_T_OUT, 64, buf, 512, false);
	CHECK(WAIT_UNTIL(vtb_held(b)));
	CHECK_EQ(vtb_held(b), 1);
	vtb_crash(b);
	CHECK(!qvirtqueue_get_used(&vq, &id, &used));
	vtb_set_hold(b, false);
	CHECK(qvirtqueue_wait_used(&vq, &id, &used, STEP_NS, 20000));
	CHECK_EQ(id, held.head);
	CHECK_EQ(finish(&held), VIRTIO_BLK_S_OK);
	CHECK(!memcmp(vtb_disk(b) + 64 * 512, pattern + 1, 512));
	CHECK_EQ(vtb_writes_of(b, 64), 1);
	CHECK_EQ(vtb_connections(b), 2);
	/* And it goes on. */
	CHECK_EQ(request(VIRTIO_BLK_T_IN, 64, buf, 512, true, &used), VIRTIO_BLK_S_OK);

	/* Reset: the back-end's ring stops; status reads back 0. */
	qvirtio_set_status(&dev, 0);
	CHECK_EQ(qvirtio_get_status(&dev), 0);
	CHECK(!vtb_ring_started(b, 0));
	guest_free(&ram, buf);
	{
		int ret = harness_done(s);

		vtb_stop(b);
		return ret;
	}
}
