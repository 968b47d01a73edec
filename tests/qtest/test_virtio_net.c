// SPDX-License-Identifier: GPL-2.0-only
/*
 * virtio-net-pci (virtio 1.2 §5.1) through the device harness, against iovirt
 * and QEMU's virtio-net-pci as the oracle, both on a tap with vnet headers in
 * a private network namespace: IDs and class, the MAC given on the command line in
 * config space, link status, the feature bits a Linux guest negotiates (both
 * must offer them), the §5.1.3.1 dependency rules at FEATURES_OK, the queues
 * (receiveq/transmitq and the control queue), a transmitted frame returned
 * used, control commands answered, and reset.
 *
 * Usage: test_virtio_net iovirt|qemu
 */
#include <errno.h>
#include <linux/pci_regs.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_net.h>
#include <linux/virtio_pci.h>
#include <linux/virtio_ring.h>
#include <sched.h>
#include <unistd.h>

#include "harness.h"
#include "qtest_virtio.h"

#define STEP_NS 1000000ull
#define MAC "52:54:00:12:34:56"

static struct qtest_state *s;
static struct qguest_alloc ram;

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

static uint8_t ctrl(struct qvirtqueue *cq, uint8_t class, uint8_t cmd, const void *data,
		    uint32_t len)
{
	uint64_t h = guest_alloc(&ram, 2), d = guest_alloc(&ram, len ? len : 1),
		 a = guest_alloc(&ram, 1);
	uint8_t hdr[2] = { class, cmd }, ack = 0xee;
	struct qvirtio_buf b[3] = { { h, 2, false }, { d, len, false }, { a, 1, true } };
	uint16_t head, id;
	uint32_t used;

	qtest_memwrite(s, h, hdr, 2);
	if (len)
		qtest_memwrite(s, d, data, len);
	qtest_memwrite(s, a, &ack, 1);
	if (!len)
		b[1] = b[2];
	head = qvirtqueue_add(cq, b, len ? 3 : 2);
	qvirtqueue_kick(cq);
	CHECK(qvirtqueue_wait_used(cq, &id, &used, STEP_NS, 5000));
	CHECK_EQ(id, head);
	qtest_memread(s, a, &ack, 1);
	guest_free(&ram, h);
	guest_free(&ram, d);
	guest_free(&ram, a);
	return ack;
}

int main(int argc, char **argv)
{
	enum qtest_target t = harness_target(argc, argv);
	const char *iovirt_extra[] = { "--net", "tap=qtnet0,mac=" MAC, NULL };
	const char *qemu_extra[] = { "-netdev",
				     "tap,id=n0,ifname=qtnet0,script=no,downscript=no,vnet_hdr=on",
				     "-device",
				     "virtio-net-pci,netdev=n0,disable-legacy=on,mac=" MAC, NULL };
	static const uint8_t mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
	struct qtest_machine m = { 0 };
	struct qpci_bus bus;
	struct qvirtio_dev dev;
	struct qvirtqueue rxq, txq, cq;
	uint64_t f, want, buf;
	uint8_t frame[12 + 60] = { 0 }, on = 1;
	uint16_t id, head;
	uint32_t used;

	/* Both targets on a tap with vnet headers, in a network namespace of our own. */
	if (access("/dev/net/tun", R_OK | W_OK))
		CHECK_SKIP("/dev/net/tun is not usable here");
	if (unshare(CLONE_NEWNET))
		CHECK_SKIP("cannot create a network namespace (%s)", strerror(errno));
	m.extra = t == QTEST_IOVIRT ? iovirt_extra : qemu_extra;
	s = qtest_start(t, &m);
	qpci_init(&bus, s);
	qalloc_init(&ram, s, 0x400000, 0x8000000, 4096);
	if (!qvirtio_pci_probe(&dev, &bus, &ram, VIRTIO_ID_NET))
		qtest_fatal(s, "no modern virtio-net-pci function");

	CHECK_EQ(qpci_config_readw(&dev.pci, PCI_DEVICE_ID), 0x1040 + VIRTIO_ID_NET);
	CHECK_EQ(qpci_config_readw(&dev.pci, PCI_CLASS_DEVICE), 0x0200);
	for (unsigned i = 0; i < 6; i++)
		CHECK_EQ(qvirtio_config_readb(&dev, i), mac[i]);
	CHECK_EQ(qvirtio_config_readw(&dev, offsetof(struct virtio_net_config, status)) &
			 VIRTIO_NET_S_LINK_UP,
		 VIRTIO_NET_S_LINK_UP);

	/* What Linux's virtio_net negotiates with both. */
	f = qvirtio_device_features(&dev);
	want = (1ull << VIRTIO_F_VERSION_1) | (1ull << VIRTIO_NET_F_CSUM) |
	       (1ull << VIRTIO_NET_F_GUEST_CSUM) | (1ull << VIRTIO_NET_F_MAC) |
	       (1ull << VIRTIO_NET_F_GUEST_TSO4) | (1ull << VIRTIO_NET_F_GUEST_TSO6) |
	       (1ull << VIRTIO_NET_F_GUEST_ECN) | (1ull << VIRTIO_NET_F_HOST_TSO4) |
	       (1ull << VIRTIO_NET_F_HOST_TSO6) | (1ull << VIRTIO_NET_F_HOST_ECN) |
	       (1ull << VIRTIO_NET_F_MRG_RXBUF) | (1ull << VIRTIO_NET_F_STATUS) |
	       (1ull << VIRTIO_NET_F_CTRL_VQ) | (1ull << VIRTIO_NET_F_CTRL_RX) |
	       (1ull << VIRTIO_NET_F_CTRL_MAC_ADDR) | (1ull << VIRTIO_NET_F_CTRL_GUEST_OFFLOADS) |
	       (1ull << VIRTIO_RING_F_EVENT_IDX) | (1ull << VIRTIO_RING_F_INDIRECT_DESC);
	CHECK_EQ(f & want, want);

	/* §5.1.3.1: a set that breaks a dependency is no valid subset (§2.2.2). */
	CHECK_SPEC(s,
		   !raw_features_ok(&dev, (1ull << VIRTIO_F_VERSION_1) |
						  (1ull << VIRTIO_NET_F_GUEST_TSO4)),
		   "virtio 1.2 §2.2.2 (§5.1.3.1)", "GUEST_TSO4 accepted without GUEST_CSUM");
	qvirtio_reset(&dev);
	CHECK_SPEC(s,
		   !raw_features_ok(&dev, (1ull << VIRTIO_F_VERSION_1) |
						  (1ull << VIRTIO_NET_F_CTRL_RX)),
		   "virtio 1.2 §2.2.2 (§5.1.3.1)", "CTRL_RX accepted without CTRL_VQ");
	qvirtio_reset(&dev);
	CHECK(qvirtio_set_features(&dev, want));
	qvirtio_use_msix(&dev);
	CHECK(qvirtqueue_setup(&dev, &rxq, 0, 64));
	CHECK(qvirtqueue_setup(&dev, &txq, 1, 64));
	CHECK(qvirtqueue_setup(&dev, &cq, 2, 64));
	CHECK(!qvirtqueue_setup(&dev, &(struct qvirtqueue){ 0 }, 3, 0));
	qvirtio_driver_ok(&dev);
	CHECK(qvirtio_get_status(&dev) & VIRTIO_CONFIG_S_DRIVER_OK);

	/* Transmit a broadcast frame: it comes back used with length 0. */
	buf = guest_alloc(&ram, sizeof(frame));
	memset(frame + 12, 0xff, 6);
	memcpy(frame + 18, mac, 6);
	frame[24] = 0x88;
	frame[25] = 0xb5;
	qtest_memwrite(s, buf, frame, sizeof(frame));
	{
		struct qvirtio_buf b = { buf, sizeof(frame), false };

		head = qvirtqueue_add(&txq, &b, 1);
	}
	qvirtqueue_kick(&txq);
	CHECK(qvirtqueue_wait_used(&txq, &id, &used, STEP_NS, 5000));
	CHECK_EQ(id, head);
	CHECK_EQ(used, 0);

	/* Control queue: RX mode on, a MAC change seen in config, a bad command refused. */
	CHECK_EQ(ctrl(&cq, VIRTIO_NET_CTRL_RX, VIRTIO_NET_CTRL_RX_PROMISC, &on, 1), VIRTIO_NET_OK);
	{
		uint8_t nmac[6] = { 0x52, 0x54, 0x00, 0xab, 0xcd, 0xef };

		CHECK_EQ(ctrl(&cq, VIRTIO_NET_CTRL_MAC, VIRTIO_NET_CTRL_MAC_ADDR_SET, nmac, 6),
			 VIRTIO_NET_OK);
		CHECK_EQ(qvirtio_config_readb(&dev, 5), 0xef);
	}
	CHECK_EQ(ctrl(&cq, VIRTIO_NET_CTRL_MQ, VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET, "\x01\x00", 2),
		 VIRTIO_NET_ERR); /* MQ was not negotiated */
	CHECK_EQ(ctrl(&cq, 0x7f, 0, NULL, 0), VIRTIO_NET_ERR);

	qvirtio_set_status(&dev, 0);
	for (int i = 0; i < 1000 && qvirtio_get_status(&dev); i++)
		qtest_clock_step(s, STEP_NS);
	CHECK_EQ(qvirtio_get_status(&dev), 0);
	(void)rxq;
	return harness_done(s);
}
