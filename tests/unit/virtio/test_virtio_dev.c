// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for src/virtio/virtio_dev.c, the transport-independent device:
 * the status machine and feature negotiation (virtio 1.2 §2.1, §2.2, §3.1.1)
 * with the edge cases a driver can produce — features not offered, no
 * VERSION_1, feature words past 64 bits, FEATURES_OK or DRIVER_OK out of
 * order, cleared bits, NEEDS_RESET written by the driver — queue set-up
 * checks at DRIVER_OK, reset (the device's reset hook runs and quiesces, all
 * state returns to its initial values), and DEVICE_NEEDS_RESET when a ring
 * breaks: status bit, one config interrupt, processing stops, other devices
 * untouched. Also the I/O thread helper with and without polling.
 *
 * The device under test is an echo device on an I/O thread; the transport is
 * a fake that counts interrupts. Rings are built by tests/lib/mock_vq.c.
 */
#include <errno.h>
#include <sched.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "check.h"
#include "mock_vq.h"
#include "wait.h"
#include "iovirt/virtio.h"

#define MEM_SIZE (4u << 20)
#define RING0 0x10000ull
#define RING1 0x30000ull
#define DATA 0x100000ull

struct fake_transport {
	unsigned queue_irqs[4];
	unsigned config_irqs;
};

static void ft_notify_queue(struct virtio_dev *vd, unsigned q)
{
	struct fake_transport *t = vd->transport;

	__atomic_fetch_add(&t->queue_irqs[q], 1, __ATOMIC_SEQ_CST);
}

static void ft_notify_config(struct virtio_dev *vd)
{
	struct fake_transport *t = vd->transport;

	__atomic_fetch_add(&t->config_irqs, 1, __ATOMIC_SEQ_CST);
}

static const struct virtio_transport_ops ft_ops = {
	.notify_queue = ft_notify_queue,
	.notify_config = ft_notify_config,
};

/* The echo device: pushes every chain back with its writable length, on an I/O thread. */
struct echo {
	struct virtio_dev vd;
	struct virtio_iothread thread;
	struct virtq_elem e;
	struct iovec iov[16];
	u8 config[8];
	unsigned activations, resets;
	u64 features_at_activate;
	bool refuse_features;		/* features_ok hook says no */
	unsigned chains;
	unsigned polls;
	unsigned sleeps;	/* polls that found nothing before sleeping: the thread sleeps */
};

static void echo_kick(void *opaque, u32 events)
{
	struct echo *d = opaque;
	struct virtq *vq = &d->vd.queues[0].vq;
	int ret;

	virtio_eventfd_drain(d->vd.queues[0].kick_fd);
	if (virtio_dev_broken(&d->vd))
		return;
	for (;;) {
		virtq_disable_notify(vq);
		virtq_elem_init(&d->e, d->iov, ARRAY_SIZE(d->iov));
		while ((ret = virtq_pop(vq, &d->e)) > 0) {
			virtq_push(vq, &d->e, (u32)d->e.in_len);
			__atomic_fetch_add(&d->chains, 1, __ATOMIC_SEQ_CST);
		}
		virtq_flush(vq);
		if (virtq_should_notify(vq))
			virtio_dev_notify(&d->vd, 0);
		if (ret < 0) {
			virtio_dev_set_needs_reset(&d->vd, virtq_error_str(vq->error));
			return;
		}
		if (!virtq_enable_notify(vq))
			break;
	}
}

static bool echo_poll(void *opaque, bool sleeping)
{
	struct echo *d = opaque;

	__atomic_fetch_add(&d->polls, 1, __ATOMIC_SEQ_CST);
	if (sleeping)
		__atomic_fetch_add(&d->sleeps, 1, __ATOMIC_SEQ_CST);
	return false;
}

static int echo_activate(struct virtio_dev *vd)
{
	struct echo *d = vd->opaque;
	int ret;

	d->activations++;
	d->features_at_activate = vd->features;
	ret = virtio_iothread_init(&d->thread, "echo");
	if (ret)
		return ret;
	ret = evloop_add(&d->thread.loop, vd->queues[0].kick_fd, EPOLLIN, echo_kick, d);
	if (!ret)
		ret = virtio_iothread_start(&d->thread);
	if (ret)
		virtio_iothread_stop(&d->thread);
	return ret;
}

static void echo_reset(struct virtio_dev *vd)
{
	struct echo *d = vd->opaque;

	d->resets++;
	virtio_iothread_stop(&d->thread);
}

static bool echo_features_ok(struct virtio_dev *vd, u64 f)
{
	struct echo *d = vd->opaque;

	return !d->refuse_features;
}

static void echo_config_read(struct virtio_dev *vd, u32 off, void *data, unsigned len)
{
	struct echo *d = vd->opaque;

	memcpy(data, d->config + off, len);
}

static void echo_config_write(struct virtio_dev *vd, u32 off, const void *data, unsigned len)
{
	struct echo *d = vd->opaque;

	memcpy(d->config + off, data, len);
}

static const struct virtio_dev_ops echo_ops = {
	.type = "echo",
	.device_id = 42,
	.config_read = echo_config_read,
	.config_write = echo_config_write,
	.features_ok = echo_features_ok,
	.activate = echo_activate,
	.reset = echo_reset,
};

static struct gmem g;
static struct dma_as dma;

static void echo_init(struct echo *d, struct fake_transport *t, const char *name, u64 features)
{
	memset(d, 0, sizeof(*d));
	memset(t, 0, sizeof(*t));
	CHECK_EQ(virtio_dev_init(&d->vd, &echo_ops, d, name, 2, 64, features, sizeof(d->config)),
		 0);
	virtio_dev_set_transport(&d->vd, &ft_ops, t, &dma);
}

static void write_features(struct virtio_dev *vd, u64 f)
{
	virtio_dev_write_driver_features(vd, 0, (u32)f);
	virtio_dev_write_driver_features(vd, 1, (u32)(f >> 32));
}

static u64 read_features(struct virtio_dev *vd)
{
	return virtio_dev_read_device_features(vd, 0) |
	       (u64)virtio_dev_read_device_features(vd, 1) << 32;
}

#define S_AD (VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER)
#define S_FOK (S_AD | VIRTIO_CONFIG_S_FEATURES_OK)
#define S_OK (S_FOK | VIRTIO_CONFIG_S_DRIVER_OK)

/* The driver's side of §3.1.1 up to FEATURES_OK; returns the status read back. */
static u8 negotiate(struct virtio_dev *vd, u64 f)
{
	virtio_dev_write_status(vd, 0);
	virtio_dev_write_status(vd, VIRTIO_CONFIG_S_ACKNOWLEDGE);
	virtio_dev_write_status(vd, S_AD);
	write_features(vd, f);
	virtio_dev_write_status(vd, S_FOK);
	return virtio_dev_read_status(vd);
}

/* Set queue q up on a mock ring at base. */
static void setup_queue(struct virtio_dev *vd, unsigned q, struct mock_vq *m, gpa_t base,
			u16 size, unsigned flags)
{
	struct virtio_queue *vq = virtio_dev_queue(vd, q);
	struct virtq_config c;

	CHECK(vq != NULL);
	CHECK_EQ(mock_vq_init(m, &g, base, size, flags), 0);
	mock_vq_config(m, &c);
	CHECK(virtio_dev_queue_writable(vd, q));
	vq->size = size;
	vq->desc = c.desc_addr;
	vq->driver = c.driver_addr;
	vq->device = c.device_addr;
	virtio_dev_queue_enable(vd, q);
}

static int wait_used(struct mock_vq *m, u32 *len)
{
	int id;

	if (!WAIT_UNTIL((id = mock_vq_get_used(m, len)) != -EAGAIN))
		return -ETIMEDOUT;
	return id;
}

static void test_features(void)
{
	struct echo d;
	struct fake_transport t;
	u64 f;

	echo_init(&d, &t, "echo0", BIT64(3));
	f = read_features(&d.vd);
	CHECK(f & BIT64(VIRTIO_F_VERSION_1));
	CHECK(f & BIT64(VIRTIO_F_ACCESS_PLATFORM));
	CHECK(f & BIT64(VIRTIO_RING_F_EVENT_IDX));
	CHECK(f & BIT64(VIRTIO_RING_F_INDIRECT_DESC));
	CHECK(f & BIT64(3));
	CHECK(!(f & BIT64(VIRTIO_F_RING_PACKED)));
	CHECK(!(f & BIT64(VIRTIO_F_IN_ORDER)));
	CHECK_EQ(virtio_dev_read_device_features(&d.vd, 2), 0);
	CHECK_EQ(virtio_dev_read_device_features(&d.vd, 0xffffffff), 0);

	/* Accepted: a subset with VERSION_1. */
	CHECK_EQ(negotiate(&d.vd, BIT64(VIRTIO_F_VERSION_1) | BIT64(3)), S_FOK);
	CHECK_EQ(d.vd.features, BIT64(VIRTIO_F_VERSION_1) | BIT64(3));
	CHECK_EQ(virtio_dev_read_driver_features(&d.vd, 1), 1);
	/* Features are frozen after FEATURES_OK. */
	virtio_dev_write_driver_features(&d.vd, 0, 0);
	CHECK_EQ(virtio_dev_read_driver_features(&d.vd, 0), BIT(3));
	CHECK_EQ(d.vd.features, BIT64(VIRTIO_F_VERSION_1) | BIT64(3));

	/* Refused: a feature not offered; FEATURES_OK reads back clear. */
	CHECK_EQ(negotiate(&d.vd, BIT64(VIRTIO_F_VERSION_1) | BIT64(4)), S_AD);
	CHECK_EQ(negotiate(&d.vd, BIT64(VIRTIO_F_VERSION_1) | BIT64(VIRTIO_F_RING_PACKED)), S_AD);
	/* Refused: a legacy driver (no VERSION_1). */
	CHECK_EQ(negotiate(&d.vd, BIT64(3)), S_AD);
	/* Refused: bits in feature word 2. */
	virtio_dev_write_status(&d.vd, 0);
	virtio_dev_write_status(&d.vd, S_AD);
	write_features(&d.vd, BIT64(VIRTIO_F_VERSION_1));
	virtio_dev_write_driver_features(&d.vd, 2, 1);
	virtio_dev_write_status(&d.vd, S_FOK);
	CHECK_EQ(virtio_dev_read_status(&d.vd), S_AD);
	/* ... and a reset forgets them. */
	CHECK_EQ(negotiate(&d.vd, BIT64(VIRTIO_F_VERSION_1)), S_FOK);
	/* Refused: the device's own dependency check. */
	d.refuse_features = true;
	CHECK_EQ(negotiate(&d.vd, BIT64(VIRTIO_F_VERSION_1)), S_AD);
	d.refuse_features = false;
	/* Refused: FEATURES_OK without ACKNOWLEDGE|DRIVER. */
	virtio_dev_write_status(&d.vd, 0);
	write_features(&d.vd, BIT64(VIRTIO_F_VERSION_1));
	virtio_dev_write_status(&d.vd, VIRTIO_CONFIG_S_FEATURES_OK);
	CHECK_EQ(virtio_dev_read_status(&d.vd), 0);
	virtio_dev_write_status(&d.vd, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_FEATURES_OK);
	CHECK_EQ(virtio_dev_read_status(&d.vd), VIRTIO_CONFIG_S_ACKNOWLEDGE);
	/* ACCESS_PLATFORM may be refused without an IOMMU... */
	CHECK_EQ(negotiate(&d.vd, BIT64(VIRTIO_F_VERSION_1)), S_FOK);
	virtio_dev_write_status(&d.vd, 0);
	CHECK_EQ(d.activations, 0);
	virtio_dev_destroy(&d.vd);
}

static int fake_xlate(void *o, u16 rid, iova_t iova, u64 *len, unsigned perm, gpa_t *gpa)
{
	*gpa = iova;
	return 0;
}

static const struct dma_xlate_ops fake_xlate_ops = { .translate = fake_xlate };

static void test_access_platform_iommu(void)
{
	struct echo d;
	struct fake_transport t;
	struct dma_as iommu_dma = dma;

	/* ...but not behind one: the device cannot bypass it. */
	iommu_dma.xlate = &fake_xlate_ops;
	echo_init(&d, &t, "echo-iommu", 0);
	virtio_dev_set_transport(&d.vd, &ft_ops, &t, &iommu_dma);
	CHECK_EQ(negotiate(&d.vd, BIT64(VIRTIO_F_VERSION_1)), S_AD);
	CHECK_EQ(negotiate(&d.vd, BIT64(VIRTIO_F_VERSION_1) | BIT64(VIRTIO_F_ACCESS_PLATFORM)),
		 S_FOK);
	virtio_dev_destroy(&d.vd);
}

static void test_status_order(void)
{
	struct echo d;
	struct fake_transport t;
	struct mock_vq m;

	echo_init(&d, &t, "echo1", 0);
	/* DRIVER_OK without FEATURES_OK: refused, nothing activated. */
	virtio_dev_write_status(&d.vd, S_AD);
	virtio_dev_write_status(&d.vd, S_AD | VIRTIO_CONFIG_S_DRIVER_OK);
	CHECK_EQ(virtio_dev_read_status(&d.vd), S_AD);
	CHECK_EQ(d.activations, 0);
	/* The driver cannot set NEEDS_RESET, nor clear a bit by writing a smaller value. */
	CHECK_EQ(negotiate(&d.vd, BIT64(VIRTIO_F_VERSION_1)), S_FOK);
	virtio_dev_write_status(&d.vd, S_FOK | VIRTIO_CONFIG_S_NEEDS_RESET);
	CHECK_EQ(virtio_dev_read_status(&d.vd), S_FOK);
	virtio_dev_write_status(&d.vd, VIRTIO_CONFIG_S_ACKNOWLEDGE);
	CHECK_EQ(virtio_dev_read_status(&d.vd), S_FOK);

	/* Queue set-up, then DRIVER_OK: activate sees the negotiated features. */
	setup_queue(&d.vd, 0, &m, RING0, 16, 0);
	virtio_dev_write_status(&d.vd, S_OK);
	CHECK_EQ(virtio_dev_read_status(&d.vd), S_OK);
	CHECK_EQ(d.activations, 1);
	CHECK_EQ(d.features_at_activate, BIT64(VIRTIO_F_VERSION_1));
	CHECK(d.vd.queues[0].live);
	CHECK(!d.vd.queues[1].live); /* never enabled */
	/* Queue registers are frozen while running. */
	CHECK(!virtio_dev_queue_writable(&d.vd, 0));
	CHECK(!virtio_dev_queue_writable(&d.vd, 1));
	virtio_dev_queue_enable(&d.vd, 1);
	CHECK(!d.vd.queues[1].enabled);
	CHECK(virtio_dev_queue(&d.vd, 2) == NULL);
	/* Writing DRIVER_OK again does not activate twice. */
	virtio_dev_write_status(&d.vd, S_OK);
	CHECK_EQ(d.activations, 1);

	/* Reset: the device quiesced, every register back to its initial value. */
	virtio_dev_write_status(&d.vd, 0);
	CHECK_EQ(d.resets, 1);
	CHECK_EQ(virtio_dev_read_status(&d.vd), 0);
	CHECK_EQ(d.vd.features, 0);
	CHECK_EQ(virtio_dev_read_driver_features(&d.vd, 0), 0);
	CHECK(!d.vd.queues[0].live);
	CHECK(!d.vd.queues[0].enabled);
	CHECK_EQ(d.vd.queues[0].size, 64);
	CHECK_EQ(d.vd.queues[0].desc, 0);
	CHECK_EQ(d.vd.queues[0].msix_vector, VIRTIO_NO_VECTOR);
	CHECK(virtio_dev_queue_writable(&d.vd, 0));
	/* A second reset has nothing to quiesce. */
	virtio_dev_write_status(&d.vd, 0);
	CHECK_EQ(d.resets, 1);
	mock_vq_destroy(&m);
	virtio_dev_destroy(&d.vd);
}

static void test_queue_checks(void)
{
	struct echo d;
	struct fake_transport t;
	struct mock_vq m;

	echo_init(&d, &t, "echo2", 0);
	/* A split ring whose size is not a power of two. */
	CHECK_EQ(negotiate(&d.vd, BIT64(VIRTIO_F_VERSION_1)), S_FOK);
	setup_queue(&d.vd, 0, &m, RING0, 16, 0);
	d.vd.queues[0].size = 12;
	virtio_dev_write_status(&d.vd, S_OK);
	CHECK(virtio_dev_read_status(&d.vd) & VIRTIO_CONFIG_S_NEEDS_RESET);
	CHECK_EQ(d.activations, 0);
	CHECK_EQ(t.config_irqs, 1);
	CHECK(virtio_dev_broken(&d.vd));
	mock_vq_destroy(&m);

	/* Larger than the maximum. */
	CHECK_EQ(negotiate(&d.vd, BIT64(VIRTIO_F_VERSION_1)), S_FOK);
	CHECK(!virtio_dev_broken(&d.vd));
	setup_queue(&d.vd, 0, &m, RING0, 16, 0);
	d.vd.queues[0].size = 128;
	virtio_dev_write_status(&d.vd, S_OK);
	CHECK(virtio_dev_read_status(&d.vd) & VIRTIO_CONFIG_S_NEEDS_RESET);
	mock_vq_destroy(&m);

	/* Rings outside guest memory. */
	CHECK_EQ(negotiate(&d.vd, BIT64(VIRTIO_F_VERSION_1)), S_FOK);
	setup_queue(&d.vd, 0, &m, RING0, 16, 0);
	d.vd.queues[0].device = MEM_SIZE - 8;
	virtio_dev_write_status(&d.vd, S_OK);
	CHECK(virtio_dev_read_status(&d.vd) & VIRTIO_CONFIG_S_NEEDS_RESET);
	CHECK_EQ(d.activations, 0);
	CHECK_EQ(d.vd.needs_reset_count, 3);
	mock_vq_destroy(&m);
	virtio_dev_write_status(&d.vd, 0);
	CHECK_EQ(virtio_dev_read_status(&d.vd), 0);
	virtio_dev_destroy(&d.vd);
}

static void kick(struct virtio_dev *vd, unsigned q)
{
	virtio_dev_queue_kick(vd, q);
}

static void test_run_and_break(void)
{
	struct echo a, b;
	struct fake_transport ta, tb;
	struct mock_vq ma, mb;
	struct mock_buf buf[2] = { { DATA, 64, false }, { DATA + 0x1000, 256, true } };
	u32 len = 0;
	int id;

	echo_init(&a, &ta, "echo-a", 0);
	echo_init(&b, &tb, "echo-b", 0);
	CHECK_EQ(negotiate(&a.vd, BIT64(VIRTIO_F_VERSION_1) | BIT64(VIRTIO_RING_F_EVENT_IDX)),
		 S_FOK);
	CHECK_EQ(negotiate(&b.vd, BIT64(VIRTIO_F_VERSION_1)), S_FOK);
	setup_queue(&a.vd, 0, &ma, RING0, 16, MOCK_VQ_EVENT_IDX);
	setup_queue(&b.vd, 0, &mb, RING1, 16, 0);
	virtio_dev_write_status(&a.vd, S_OK);
	virtio_dev_write_status(&b.vd, S_OK);

	/* Normal traffic on both. */
	id = mock_vq_add(&ma, buf, 2, false);
	CHECK(id >= 0);
	if (mock_vq_kick_prepare(&ma))
		kick(&a.vd, 0);
	CHECK_EQ(wait_used(&ma, &len), id);
	CHECK_EQ(len, 256);
	id = mock_vq_add(&mb, buf, 2, false);
	kick(&b.vd, 0);
	CHECK_EQ(wait_used(&mb, &len), id);
	/* The used entry is published before the interrupt is counted: wait for it. */
	CHECK(WAIT_UNTIL(__atomic_load_n(&ta.queue_irqs[0], __ATOMIC_ACQUIRE) >= 1));
	CHECK(WAIT_UNTIL(__atomic_load_n(&tb.queue_irqs[0], __ATOMIC_ACQUIRE) >= 1));

	/* A hostile driver: avail idx jumps by more than the ring size. */
	ma.avail->idx = (u16)(ma.avail->idx + 100);
	kick(&a.vd, 0);
	/* broken, then the status bit, then the config interrupt: wait for the last. */
	CHECK(WAIT_UNTIL(__atomic_load_n(&ta.config_irqs, __ATOMIC_SEQ_CST)));
	CHECK(virtio_dev_broken(&a.vd));
	CHECK(virtio_dev_read_status(&a.vd) & VIRTIO_CONFIG_S_NEEDS_RESET);
	CHECK_EQ(ta.config_irqs, 1);
	/* It stays quiet: more kicks change nothing, one config interrupt only. */
	kick(&a.vd, 0);
	usleep(2000);
	CHECK_EQ(ta.config_irqs, 1);
	CHECK_EQ(a.vd.needs_reset_count, 1);

	/* The other device is untouched. */
	CHECK(!virtio_dev_broken(&b.vd));
	id = mock_vq_add(&mb, buf, 2, false);
	kick(&b.vd, 0);
	CHECK_EQ(wait_used(&mb, &len), id);
	CHECK_EQ(tb.config_irqs, 0);

	/* The driver resets the broken device and sets it up again: it works. */
	virtio_dev_write_status(&a.vd, 0);
	CHECK_EQ(a.resets, 1);
	CHECK_EQ(virtio_dev_read_status(&a.vd), 0);
	CHECK(!virtio_dev_broken(&a.vd));
	mock_vq_destroy(&ma);
	CHECK_EQ(negotiate(&a.vd, BIT64(VIRTIO_F_VERSION_1)), S_FOK);
	setup_queue(&a.vd, 0, &ma, RING0, 16, 0);
	virtio_dev_write_status(&a.vd, S_OK);
	id = mock_vq_add(&ma, buf, 2, false);
	kick(&a.vd, 0);
	CHECK_EQ(wait_used(&ma, &len), id);
	CHECK_EQ(a.activations, 2);

	/* Reset with the thread running: it is joined before the reset returns. */
	virtio_dev_write_status(&a.vd, 0);
	CHECK(!a.thread.running);
	virtio_dev_write_status(&b.vd, 0);
	mock_vq_destroy(&ma);
	mock_vq_destroy(&mb);
	virtio_dev_destroy(&a.vd);
	virtio_dev_destroy(&b.vd);
}

static void test_config_space(void)
{
	struct echo d;
	struct fake_transport t;
	u8 buf[16];

	echo_init(&d, &t, "echo3", 0);
	memcpy(d.config, "abcdefgh", 8);
	virtio_dev_config_read(&d.vd, 2, buf, 4);
	CHECK(!memcmp(buf, "cdef", 4));
	/* Past the end: zeroes, the device hook is not called. */
	memset(buf, 0xee, sizeof(buf));
	virtio_dev_config_read(&d.vd, 6, buf, 4);
	CHECK_EQ(buf[0], 0);
	CHECK_EQ(buf[3], 0);
	virtio_dev_config_read(&d.vd, 0xfffffffe, buf, 4);
	CHECK_EQ(buf[0], 0);
	virtio_dev_config_write(&d.vd, 7, "XY", 2);
	CHECK(!memcmp(d.config, "abcdefgh", 8));
	virtio_dev_config_write(&d.vd, 0xffffffff, "XY", 2);
	virtio_dev_config_write(&d.vd, 6, "XY", 2);
	CHECK(!memcmp(d.config, "abcdefXY", 8));
	/* A config change bumps the generation; no interrupt before DRIVER_OK. */
	CHECK_EQ(d.vd.config_generation, 0);
	virtio_dev_config_changed(&d.vd);
	CHECK_EQ(d.vd.config_generation, 1);
	CHECK_EQ(t.config_irqs, 0);
	virtio_dev_destroy(&d.vd);
}

static void count_event(void *opaque, u32 events)
{
	struct echo *d = opaque;

	virtio_eventfd_drain(d->vd.queues[0].kick_fd);
	__atomic_fetch_add(&d->chains, 1, __ATOMIC_SEQ_CST);
}

static void test_iothread(void)
{
	struct virtio_iothread t;
	struct echo d;
	struct fake_transport ft;
	unsigned polls;

	echo_init(&d, &ft, "echo4", 0);
	CHECK_EQ(virtio_iothread_init(&t, "a-very-long-thread-name-indeed"), 0);
	CHECK_EQ(evloop_add(&t.loop, d.vd.queues[0].kick_fd, EPOLLIN, count_event, &d), 0);
	t.poll_ns = 200000;
	t.poll_fn = echo_poll;
	t.poll_opaque = &d;
	CHECK_EQ(virtio_iothread_start(&t), 0);
	usleep(2000);
	CHECK_EQ(__atomic_load_n(&d.polls, __ATOMIC_SEQ_CST), 0); /* asleep: no event yet */
	virtio_dev_queue_kick(&d.vd, 0);
	CHECK(WAIT_UNTIL(__atomic_load_n(&d.polls, __ATOMIC_SEQ_CST)));
	CHECK_EQ(__atomic_load_n(&d.chains, __ATOMIC_SEQ_CST), 1);
	/*
	 * With nothing found, the thread goes back to sleep after the poll
	 * window: its last poll (sleeping = true) found nothing, and no poll
	 * follows without a new event.
	 */
	CHECK(WAIT_UNTIL(__atomic_load_n(&d.sleeps, __ATOMIC_SEQ_CST) == 1));
	polls = __atomic_load_n(&d.polls, __ATOMIC_SEQ_CST);
	usleep(20000);
	CHECK_EQ(__atomic_load_n(&d.polls, __ATOMIC_SEQ_CST), polls);
	CHECK_EQ(__atomic_load_n(&d.sleeps, __ATOMIC_SEQ_CST), 1);
	virtio_iothread_stop(&t);
	CHECK(!t.running);
	virtio_iothread_stop(&t); /* idempotent */
	virtio_dev_destroy(&d.vd);
}

/* The handler records the scheduling class its thread runs in. */
static void sched_event(void *opaque, u32 events)
{
	int *policy = opaque;

	__atomic_store_n(policy, sched_getscheduler(0), __ATOMIC_SEQ_CST);
}

/* sched_batch: the thread runs as SCHED_BATCH; without it, as the creator (SCHED_OTHER). */
static void test_iothread_sched(void)
{
	for (int batch = 0; batch < 2; batch++) {
		struct virtio_iothread t;
		int policy = -1;
		int efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);

		CHECK(efd >= 0);
		CHECK_EQ(virtio_iothread_init(&t, "sched"), 0);
		/* Edge-triggered: one call, the eventfd is never read. */
		CHECK_EQ(evloop_add(&t.loop, efd, EPOLLIN | EPOLLET, sched_event, &policy), 0);
		t.sched_batch = batch;
		CHECK_EQ(virtio_iothread_start(&t), 0);
		CHECK_EQ(eventfd_write(efd, 1), 0);
		CHECK(WAIT_UNTIL(__atomic_load_n(&policy, __ATOMIC_SEQ_CST) != -1));
		CHECK_EQ(policy, batch ? SCHED_BATCH : SCHED_OTHER);
		virtio_iothread_stop(&t);
		close(efd);
	}
}

int main(void)
{
	gmem_init(&g);
	CHECK_EQ(gmem_add_memfd(&g, 0, MEM_SIZE, false), 0);
	dma_as_init(&dma, &g, 0x18, "test");

	test_features();
	test_access_platform_iommu();
	test_status_order();
	test_queue_checks();
	test_run_and_break();
	test_config_space();
	test_iothread();
	test_iothread_sched();

	gmem_destroy(&g);
	return check_done();
}
