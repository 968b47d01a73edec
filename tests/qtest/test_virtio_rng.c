// SPDX-License-Identifier: GPL-2.0-only
/*
 * A virtio-pci modern device driven by the test library's driver (the order of
 * Linux's virtio_pci_modern probe), with the entropy device (virtio 1.2 §5.4)
 * as the simplest one: capabilities, reset, feature negotiation, a queue with
 * an MSI-X vector aimed at guest RAM, requests of several sizes, reset
 * clearing the queue. Against QEMU's virtio-rng-pci
 * (disable-legacy=on) this checks the driver library itself; against iovirt
 * it is the device test once `--rng` exists (until then it is SKIPPED).
 *
 * Usage: test_virtio_rng iovirt|qemu
 */
#include <linux/virtio_config.h>
#include <linux/virtio_ids.h>
#include <linux/pci_regs.h>
#include <linux/virtio_pci.h>

#include "harness.h"
#include "qtest_virtio.h"

#define STEP_NS 1000000ull

static struct qtest_state *s;

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

int main(int argc, char **argv)
{
	enum qtest_target t = harness_target(argc, argv);
	struct qtest_machine m = { .virtio_rng = true };
	struct qpci_bus bus;
	struct qguest_alloc ram;
	struct qvirtio_dev dev;
	struct qvirtqueue vq;
	uint64_t f, buf;
	uint16_t id;
	uint32_t len;
	uint8_t data[256];

	s = qtest_start(t, &m);
	qpci_init(&bus, s);
	qalloc_init(&ram, s, 0x400000, 0x8000000, 4096);
	if (!qvirtio_pci_probe(&dev, &bus, &ram, VIRTIO_ID_RNG)) {
		if (t == QTEST_IOVIRT) {
			qtest_quit(s);
			CHECK_SKIP("iovirt --rng gives no virtio-rng-pci function yet");
		}
		qtest_fatal(s, "no modern virtio-rng-pci");
	}
	/* §4.1.2: a modern-only function uses device ID 0x1040 + 4. */
	CHECK_EQ(qpci_config_readw(&dev.pci, PCI_DEVICE_ID), 0x1040 + VIRTIO_ID_RNG);
	CHECK(qpci_config_readb(&dev.pci, PCI_REVISION_ID) >= 1);
	CHECK_EQ(qvirtio_get_status(&dev), VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);

	f = qvirtio_device_features(&dev);
	CHECK(f & (1ull << VIRTIO_F_VERSION_1));
	/*
	 * A driver must not accept what was not offered (§2.2.1); what a device
	 * does then is not specified, so only a clean restart is checked.
	 */
	qvirtio_set_features(&dev, (1ull << VIRTIO_F_VERSION_1) | (1ull << 60));
	qvirtio_reset(&dev);
	CHECK_EQ(qvirtio_get_status(&dev), VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
	CHECK(qvirtio_set_features(&dev, 1ull << VIRTIO_F_VERSION_1));
	qvirtio_use_msix(&dev);
	CHECK(qvirtqueue_setup(&dev, &vq, 0, 16));
	CHECK(!qvirtqueue_setup(&dev, &(struct qvirtqueue){ 0 }, 1, 0)); /* one queue only */
	qvirtio_driver_ok(&dev);
	CHECK(qvirtio_get_status(&dev) & VIRTIO_CONFIG_S_DRIVER_OK);

	buf = guest_alloc(&ram, 4096);
	for (unsigned n = 1; n <= sizeof(data); n *= 4) {
		struct qvirtio_buf b = { buf, n, true };
		uint16_t head;

		qtest_memset(s, buf, 0, sizeof(data));
		qvirtio_msi_clear(&dev, vq.vector);
		head = qvirtqueue_add(&vq, &b, 1);
		qvirtqueue_kick(&vq);
		CHECK(qvirtqueue_wait_used(&vq, &id, &len, STEP_NS, 2000));
		CHECK_EQ(id, head);
		/* §5.4.6: the device fills the buffer with up to its length. */
		CHECK(len >= 1 && len <= n);
		qtest_memread(s, buf, data, sizeof(data));
		CHECK(all_zero(data + len, sizeof(data) - len));
		if (len >= 16)
			CHECK(!all_zero(data, len));
		/* The used buffer notification: the vector's message in RAM. */
		CHECK(QTEST_WAIT_UNTIL(s, qvirtio_msi_seen(&dev, vq.vector), STEP_NS, 1000));
	}
	/* Several requests in flight at once. */
	{
		struct qvirtio_buf b[4];
		unsigned got = 0;

		for (unsigned i = 0; i < 4; i++) {
			b[i] = (struct qvirtio_buf){ buf + 64 * i, 64, true };
			qvirtqueue_add(&vq, &b[i], 1);
		}
		qvirtqueue_kick(&vq);
		while (got < 4 && qvirtqueue_wait_used(&vq, &id, &len, STEP_NS, 2000))
			got++;
		CHECK_EQ(got, 4);
		CHECK_EQ(vq.num_free, vq.size);
	}

	/* §4.1.4.3.2: reset reads back 0 and the queue is no longer enabled. */
	qvirtio_set_status(&dev, 0);
	CHECK(QTEST_WAIT_UNTIL(s, !qvirtio_get_status(&dev), STEP_NS, 1000));
	qpci_io_writew(&dev.pci, dev.common_bar, dev.common_off + VIRTIO_PCI_COMMON_Q_SELECT, 0);
	CHECK_EQ(qpci_io_readw(&dev.pci, dev.common_bar,
			       dev.common_off + VIRTIO_PCI_COMMON_Q_ENABLE), 0);
	return harness_done(s);
}
