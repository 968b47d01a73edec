// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for the vhost-user back-end library (src/vhost/lib/): a test
 * front-end drives a connection through a socketpair with real memfds and
 * eventfds — negotiation, memory table, rings, data path, dirty log,
 * inflight resubmission after a restart, the IOTLB — and then every hostile
 * message, each of which must close that connection with all fds closed.
 */
#include <stdlib.h>
#include <errno.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/vhost.h>
#include <linux/virtio_config.h>

#include "check.h"
#include "iovirt/vhost_user.h"
#include "src/vhost/lib/vu_priv.h"
#include "src/vhost/vu_sock.h"
#include "vu_test_frontend.h"
#include "open_fds.h"

struct tdev {
	struct vu_dev *dev;
	int last;		/* last vu_dev_dispatch result */
	bool closed;
	unsigned starts, stops;
	bool hold;		/* pop but never complete (a crash in the middle of I/O) */
	unsigned handled;
	u8 config[16];
};

static void handle_queue(struct vu_dev *dev, struct vu_queue *q)
{
	struct tdev *t = vu_dev_opaque(dev);
	struct iovec iov[8];
	struct virtq_elem e;

	virtq_elem_init(&e, iov, 8);
	while (vu_queue_pop(q, &e) == 1) {
		u8 data[256];
		u64 n = 0;

		t->handled++;
		if (t->hold) {
			virtq_elem_init(&e, iov, 8);
			continue;
		}
		/* Echo: copy the readable part into the writable part. */
		for (unsigned i = 0; i < e.out_num; i++) {
			u64 k = MIN(e.iov[i].iov_len, sizeof(data) - n);

			memcpy(data + n, e.iov[i].iov_base, k);
			n += k;
		}
		u64 w = 0;
		for (unsigned i = e.out_num; i < e.out_num + e.in_num && w < n; i++) {
			u64 k = MIN(e.iov[i].iov_len, n - w);

			memcpy(e.iov[i].iov_base, data + w, k);
			w += k;
		}
		vu_queue_push(q, &e, (u32)w);
		virtq_elem_init(&e, iov, 8);
	}
}

static void queue_start(struct vu_dev *dev, struct vu_queue *q)
{
	((struct tdev *)vu_dev_opaque(dev))->starts++;
}

static void queue_stop(struct vu_dev *dev, struct vu_queue *q)
{
	((struct tdev *)vu_dev_opaque(dev))->stops++;
}

static int get_config(struct vu_dev *dev, u32 off, void *buf, u32 len)
{
	struct tdev *t = vu_dev_opaque(dev);

	if (off + len > sizeof(t->config))
		return -EINVAL;
	memcpy(buf, t->config + off, len);
	return 0;
}

static const struct vu_dev_ops ops = {
	.features = BIT64(VIRTIO_F_VERSION_1) | BIT64(VIRTIO_F_IOMMU_PLATFORM),
	.num_queues = 2,
	.max_queue_size = 1024,
	.inflight = true,
	.get_config = get_config,
	.queue_start = queue_start,
	.queue_stop = queue_stop,
	.handle_queue = handle_queue,
};

static void pump(void *opaque)
{
	struct tdev *t = opaque;

	if (t->closed)
		return;
	t->last = vu_dev_dispatch(t->dev);
	if (t->last) {
		/* What a host program does: drop the connection. */
		vu_dev_free(t->dev);
		t->dev = NULL;
		t->closed = true;
	}
}

#define ALL_PROTO                                                                                  \
	(BIT64(VHOST_USER_PROTOCOL_F_MQ) | BIT64(VHOST_USER_PROTOCOL_F_REPLY_ACK) |                \
	 BIT64(VHOST_USER_PROTOCOL_F_CONFIG) | BIT64(VHOST_USER_PROTOCOL_F_LOG_SHMFD) |            \
	 BIT64(VHOST_USER_PROTOCOL_F_INFLIGHT_SHMFD) | BIT64(VHOST_USER_PROTOCOL_F_STATUS) |       \
	 BIT64(VHOST_USER_PROTOCOL_F_CONFIGURE_MEM_SLOTS) |                                        \
	 BIT64(VHOST_USER_PROTOCOL_F_BACKEND_REQ) | BIT64(VHOST_USER_PROTOCOL_F_RESET_DEVICE))

enum level { FRESH, NEGOTIATED, MEMORY, RING };

static void conn_open(struct tdev *t, struct vu_fe *fe, enum level lvl, u64 features)
{
	int sv[2];

	memset(t, 0, sizeof(*t));
	memcpy(t->config, "iovirt-config-16", 16);
	CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	t->dev = vu_dev_new(sv[1], &ops, t, "test-dev");
	CHECK(t->dev != NULL);
	vu_fe_init(fe, sv[0]);
	fe->pump = pump;
	fe->pump_opaque = t;
	if (lvl >= NEGOTIATED)
		CHECK_EQ(vu_fe_negotiate(fe, features, ALL_PROTO), 0);
	if (lvl >= MEMORY) {
		CHECK_EQ(vu_fe_add_memory(fe, 0, 0x100000), 0);
		CHECK_EQ(vu_fe_add_memory(fe, 0x200000, 0x100000), 0);
		CHECK_EQ(vu_fe_set_mem_table(fe), 0);
	}
	if (lvl >= RING)
		CHECK_EQ(vu_fe_setup_ring(fe, 0, 16, 0x10000), 0);
}

static void conn_close(struct tdev *t, struct vu_fe *fe)
{
	if (t->dev)
		vu_dev_free(t->dev);
	t->dev = NULL;
	vu_fe_destroy(fe);
}

/* Make one echo request available on ring idx and kick; returns its head. */
static int echo(struct vu_fe *fe, unsigned idx, const char *s, unsigned outlen)
{
	gpa_t gpa[2] = { 0x30000, 0x200800 };
	u32 len[2] = { (u32)strlen(s), outlen };
	bool wr[2] = { false, true };
	int head;

	memcpy(vu_fe_gpa(fe, gpa[0], len[0]), s, len[0]);
	memset(vu_fe_gpa(fe, gpa[1], outlen), 0, outlen);
	head = vu_fe_add_chain(fe, idx, 2, gpa, len, wr);
	vu_fe_kick(fe, idx);
	return head;
}

static void test_happy_path(void)
{
	struct tdev t;
	struct vu_fe fe;
	struct vu_queue *q;
	u64 v;
	u32 id, len, base;
	int head;

	conn_open(&t, &fe, RING, BIT64(VIRTIO_F_VERSION_1));
	CHECK(fe.features & BIT64(VHOST_USER_F_PROTOCOL_FEATURES));
	CHECK(fe.features & BIT64(VHOST_F_LOG_ALL));
	CHECK_EQ(fe.proto, ALL_PROTO);
	CHECK_EQ(vu_dev_features(t.dev), BIT64(VIRTIO_F_VERSION_1) |
						 BIT64(VHOST_USER_F_PROTOCOL_FEATURES));
	CHECK_EQ(vu_fe_get_u64(&fe, VHOST_USER_GET_QUEUE_NUM, &v), 0);
	CHECK_EQ(v, 2);
	CHECK_EQ(vu_fe_get_u64(&fe, VHOST_USER_GET_MAX_MEM_SLOTS, &v), 0);
	CHECK_EQ(v, VU_MAX_MEM_SLOTS);
	v = 0x0f;
	CHECK_EQ(vu_fe_request_ack(&fe, VHOST_USER_SET_STATUS, &v, 8, NULL, 0), 0);
	CHECK_EQ(vu_fe_get_u64(&fe, VHOST_USER_GET_STATUS, &v), 0);
	CHECK_EQ(v, 0x0f);

	/* GET_CONFIG answers with the device's bytes and the request's size. */
	{
		struct vu_config c = { .offset = 7, .size = 6 };
		struct vu_msg r;

		CHECK_EQ(vu_fe_send(&fe, VHOST_USER_GET_CONFIG, VHOST_USER_VERSION, &c, 12 + 6, NULL,
				    0),
			 0);
		CHECK_EQ(vu_fe_recv(&fe, &r), 0);
		CHECK_EQ(r.hdr.size, 18);
		CHECK(!memcmp(r.p.config.region, "config", 6));
		c.offset = 12;
		c.size = 8; /* beyond the device's 16 bytes: a zero-size reply says "failed" */
		CHECK_EQ(vu_fe_send(&fe, VHOST_USER_GET_CONFIG, VHOST_USER_VERSION, &c, 12 + 8, NULL,
				    0),
			 0);
		CHECK_EQ(vu_fe_recv(&fe, &r), 0);
		CHECK_EQ(r.hdr.size, 0);
	}

	/* The ring started (kick) and was enabled: the device heard once. */
	CHECK_EQ(t.starts, 1);
	q = vu_dev_queue(t.dev, 0);
	CHECK(vu_queue_kick_fd(q) >= 0);
	head = echo(&fe, 0, "hello vhost", 32);
	CHECK_EQ(vu_queue_process(q), 0);
	CHECK_EQ(vu_fe_get_used(&fe, 0, &id, &len), 1);
	CHECK_EQ(id, (u32)head);
	CHECK_EQ(len, 11);
	CHECK(!memcmp(vu_fe_gpa(&fe, 0x200800, 11), "hello vhost", 11));
	CHECK(vu_fe_wait_call(&fe, 0, 0));
	CHECK_EQ(vu_fe_get_used(&fe, 0, &id, &len), 0);

	/* An unchanged memory table is a no-op: the queue keeps running. */
	CHECK_EQ(vu_fe_set_mem_table(&fe), 0);
	CHECK_EQ(t.stops, 0);
	/* ADD then REM of a region; the remove stops and restarts the queue. */
	{
		struct vu_mem_reg_msg mr = { .region = { .guest_phys_addr = 0x400000,
							.memory_size = 0x10000,
							.userspace_addr = 0x10000000000ull } };
		int fd = memfd_create("extra", MFD_CLOEXEC);

		CHECK_EQ(ftruncate(fd, 0x10000), 0);
		CHECK_EQ(vu_fe_request_ack(&fe, VHOST_USER_ADD_MEM_REG, &mr, sizeof(mr), &fd, 1), 0);
		CHECK_EQ(t.stops, 0);
		CHECK_EQ(vu_fe_request_ack(&fe, VHOST_USER_REM_MEM_REG, &mr, sizeof(mr), NULL, 0), 0);
		CHECK_EQ(t.stops, 1);
		CHECK_EQ(t.starts, 2);
		/* Removing it again: refused, connection kept. */
		CHECK_EQ(vu_fe_request_ack(&fe, VHOST_USER_REM_MEM_REG, &mr, sizeof(mr), NULL, 0),
			 -EIO);
		close(fd);
	}
	/* The ring still works in the new table. */
	head = echo(&fe, 0, "again", 32);
	CHECK_EQ(vu_queue_process(q), 0);
	CHECK_EQ(vu_fe_get_used(&fe, 0, &id, &len), 1);
	CHECK_EQ(len, 5);

	/* Unknown request with need_reply: failure reply, connection kept. */
	v = 0;
	CHECK_EQ(vu_fe_request_ack(&fe, VHOST_USER_SEND_RARP, &v, 8, NULL, 0), -EIO);
	CHECK(!t.closed);

	/* GET_VRING_BASE stops the ring and gives the next avail index. */
	CHECK_EQ(vu_fe_stop_ring(&fe, 0, &base), 0);
	CHECK_EQ(base, 2);
	CHECK_EQ(t.stops, 2);
	CHECK_EQ(vu_queue_kick_fd(q), -1);
	conn_close(&t, &fe);
}

static void test_dirty_log(void)
{
	struct tdev t;
	struct vu_fe fe;
	struct vu_log lg = { .mmap_size = 0x1000, .mmap_offset = 0 };
	u64 feat = BIT64(VIRTIO_F_VERSION_1) | BIT64(VHOST_F_LOG_ALL);
	int lfd = memfd_create("log", MFD_CLOEXEC);
	u8 *bits;
	u32 id, len;
	struct vu_msg r;

	CHECK_EQ(ftruncate(lfd, 0x1000), 0);
	bits = mmap(NULL, 0x1000, PROT_READ | PROT_WRITE, MAP_SHARED, lfd, 0);
	conn_open(&t, &fe, MEMORY, feat);
	CHECK_EQ(vu_fe_send(&fe, VHOST_USER_SET_LOG_BASE, VHOST_USER_VERSION, &lg, sizeof(lg), &lfd,
			    1),
		 0);
	CHECK_EQ(vu_fe_recv(&fe, &r), 0); /* LOG_SHMFD: always answered */
	CHECK_EQ(r.p.u64, 0);
	CHECK_EQ(vu_fe_setup_ring(&fe, 0, 16, 0x10000), 0);
	/* Log the used ring too. */
	{
		struct vhost_vring_addr a = {
			.index = 0,
			.flags = BIT(VHOST_VRING_F_LOG),
			.desc_user_addr = (u64)(uintptr_t)fe.ring[0].desc,
			.avail_user_addr = (u64)(uintptr_t)fe.ring[0].avail,
			.used_user_addr = (u64)(uintptr_t)fe.ring[0].used,
			.log_guest_addr = fe.ring[0].used_gpa,
		};
		CHECK_EQ(vu_fe_request_ack(&fe, VHOST_USER_SET_VRING_ADDR, &a, sizeof(a), NULL, 0), 0);
	}
	CHECK_EQ(t.stops, 0); /* same rings: logging switched on the fly */
	echo(&fe, 0, "logged", 32);
	CHECK_EQ(vu_queue_process(vu_dev_queue(t.dev, 0)), 0);
	CHECK_EQ(vu_fe_get_used(&fe, 0, &id, &len), 1);
	/* Page of 0x200800 (the written buffer) and of the used ring; not the read buffer. */
	CHECK(bits[0x200 / 8] & (1 << (0x200 % 8)));
	CHECK(bits[(fe.ring[0].used_gpa >> 12) / 8] & (1 << ((fe.ring[0].used_gpa >> 12) % 8)));
	CHECK(!(bits[0x30 / 8] & (1 << (0x30 % 8))));
	conn_close(&t, &fe);
	munmap(bits, 0x1000);
	close(lfd);
}

static void test_inflight(void)
{
	struct tdev t;
	struct vu_fe fe;
	struct vu_inflight in = { .num_queues = 2, .queue_size = 16 };
	struct vu_msg r;
	u32 id, len;
	int head1, head2, ifd;

	conn_open(&t, &fe, MEMORY, BIT64(VIRTIO_F_VERSION_1));
	CHECK_EQ(vu_fe_send(&fe, VHOST_USER_GET_INFLIGHT_FD, VHOST_USER_VERSION, &in, sizeof(in),
			    NULL, 0),
		 0);
	CHECK_EQ(vu_fe_recv(&fe, &r), 0);
	CHECK(r.p.inflight.mmap_size > 0);
	ifd = fe.last_fd;
	fe.last_fd = -1;
	CHECK(ifd >= 0);
	in = r.p.inflight;
	CHECK_EQ(vu_fe_request_ack(&fe, VHOST_USER_SET_INFLIGHT_FD, &in, sizeof(in), &ifd, 1), 0);
	CHECK_EQ(vu_fe_setup_ring(&fe, 0, 16, 0x10000), 0);
	/* The device takes two requests and crashes before completing them. */
	t.hold = true;
	head1 = echo(&fe, 0, "first", 32);
	CHECK_EQ(vu_queue_process(vu_dev_queue(t.dev, 0)), 0);
	head2 = echo(&fe, 0, "second", 32);
	CHECK_EQ(vu_queue_process(vu_dev_queue(t.dev, 0)), 0);
	CHECK_EQ(t.handled, 2);
	vu_dev_free(t.dev); /* the crash */
	t.dev = NULL;
	close(fe.sock);

	/* A new back-end: same guest memory, the inflight area handed back. */
	{
		int sv[2];

		CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
		t.dev = vu_dev_new(sv[1], &ops, &t, "restarted");
		t.hold = false;
		t.handled = 0;
		fe.sock = sv[0];
		CHECK_EQ(vu_fe_negotiate(&fe, BIT64(VIRTIO_F_VERSION_1), ALL_PROTO), 0);
		CHECK_EQ(vu_fe_set_mem_table(&fe), 0);
		CHECK_EQ(vu_fe_request_ack(&fe, VHOST_USER_SET_INFLIGHT_FD, &in, sizeof(in), &ifd,
					   1),
			 0);
		/* The crashed back-end could not answer GET_VRING_BASE: base = used idx = 0. */
		CHECK_EQ(vu_fe_send_ring(&fe, 0, 0), 0);
	}
	vu_fe_kick(&fe, 0);
	CHECK_EQ(vu_queue_process(vu_dev_queue(t.dev, 0)), 0);
	/* Both in-flight requests were resubmitted and completed, oldest first. */
	CHECK_EQ(t.handled, 2);
	CHECK_EQ(vu_fe_get_used(&fe, 0, &id, &len), 1);
	CHECK_EQ(id, (u32)head1);
	CHECK_EQ(vu_fe_get_used(&fe, 0, &id, &len), 1);
	CHECK_EQ(id, (u32)head2);
	CHECK_EQ(vu_fe_get_used(&fe, 0, &id, &len), 0);
	conn_close(&t, &fe);
	close(ifd);
}

static void test_iotlb(void)
{
	struct tdev t;
	struct vu_fe fe;
	u64 feat = BIT64(VIRTIO_F_VERSION_1) | BIT64(VIRTIO_F_IOMMU_PLATFORM);
	int bsv[2];
	struct vhost_iotlb_msg im = { .type = VHOST_IOTLB_UPDATE, .perm = VHOST_ACCESS_RW };

	conn_open(&t, &fe, MEMORY, feat);
	CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, bsv), 0);
	CHECK_EQ(vu_fe_request_ack(&fe, VHOST_USER_SET_BACKEND_REQ_FD, NULL, 0, &bsv[1], 1), 0);
	close(bsv[1]);
	/* IOVA 0x80000000.. → guest memory at GPA 0 (user address = its hva). */
	im.iova = 0x80000000;
	im.size = 0x100000;
	im.uaddr = (u64)(uintptr_t)vu_fe_gpa(&fe, 0, 1);
	CHECK_EQ(vu_fe_request_ack(&fe, VHOST_USER_IOTLB_MSG, &im, sizeof(im), NULL, 0), 0);
	/* An update outside shared memory is refused (status), not fatal. */
	im.iova = 0x90000000;
	im.uaddr = 0x1000;
	CHECK_EQ(vu_fe_request_ack(&fe, VHOST_USER_IOTLB_MSG, &im, sizeof(im), NULL, 0), -EIO);
	/* Invalidate half, then translate through what is left, and miss the rest. */
	im.type = VHOST_IOTLB_INVALIDATE;
	im.iova = 0x80080000;
	im.size = 0x80000;
	CHECK_EQ(vu_fe_request_ack(&fe, VHOST_USER_IOTLB_MSG, &im, sizeof(im), NULL, 0), 0);
	{
		struct vu_dev_stats st;
		struct vu_msg miss;
		const void *p;
		u64 len = 0x100;
		u64 ua;
		int fds[8];
		unsigned nfds;
		const char *why;

		/* Direct lookups through the translator used by the rings. */
		p = vu_fe_gpa(&fe, 0x1000, 1);
		CHECK_EQ(vu_iotlb_xlate_ops.translate(t.dev, 0, 0x80001000, &len, DMA_PERM_READ, &ua),
			 0);
		CHECK_EQ(ua, (u64)(uintptr_t)p);
		CHECK_EQ(len, 0x100);
		len = 0x100;
		CHECK_EQ(vu_iotlb_xlate_ops.translate(t.dev, 0, 0x80090000, &len, DMA_PERM_READ, &ua),
			 -EFAULT);
		vu_dev_get_stats(t.dev, &st);
		CHECK_EQ(st.iotlb_misses, 1);
		/* The miss went to the front-end on the back-end channel. */
		CHECK_EQ(vu_sock_recv(bsv[0], &miss, fds, &nfds, &why), 0);
		CHECK_EQ(miss.hdr.request, VHOST_USER_BACKEND_IOTLB_MSG);
		CHECK_EQ(miss.p.iotlb.type, VHOST_IOTLB_MISS);
		CHECK_EQ(miss.p.iotlb.iova, 0x80090000);
		CHECK_EQ(miss.p.iotlb.perm, VHOST_ACCESS_RO);
	}
	close(bsv[0]);
	conn_close(&t, &fe);
}

struct poller {
	struct vu_queue *q;
	bool stop;		/* set by the main thread (atomic) */
	unsigned rounds;
	unsigned errors;	/* counted here, checked by the main thread */
};

static void *poll_thread(void *arg)
{
	struct poller *p = arg;

	while (!__atomic_load_n(&p->stop, __ATOMIC_ACQUIRE)) {
		if (vu_queue_process(p->q) < 0)
			p->errors++;
		p->rounds++;
	}
	return NULL;
}

/*
 * Poll mode with the data path on its own thread while the message thread
 * changes memory (which stops and restarts the ring) and switches logging.
 */
static void test_poll_thread(void)
{
	struct tdev t;
	struct vu_fe fe;
	struct poller p = { 0 };
	pthread_t th;
	unsigned done = 0;

	conn_open(&t, &fe, RING, BIT64(VIRTIO_F_VERSION_1));
	p.q = vu_dev_queue(t.dev, 0);
	vu_queue_set_poll(p.q, true);
	/* Without EVENT_IDX the driver is told not to kick (virtio 1.2 §2.7.10). */
	CHECK(fe.ring[0].used->flags & VRING_USED_F_NO_NOTIFY);
	CHECK_EQ(pthread_create(&th, NULL, poll_thread, &p), 0);
	for (unsigned i = 0; i < 200; i++) {
		u32 id, len;
		gpa_t gpa[2] = { 0x30000, 0x200800 + (i % 4) * 0x100 };
		u32 l[2] = { 8, 64 };
		bool wr[2] = { false, true };

		memcpy(vu_fe_gpa(&fe, 0x30000, 8), "polled!!", 8);
		/* Keep at most a few chains in flight: the ring has 16 slots. */
		while (fe.ring[0].avail_idx - fe.ring[0].last_used >= 4) {
			if (vu_fe_get_used(&fe, 0, &id, &len) == 1) {
				CHECK_EQ(len, 8);
				done++;
			}
		}
		CHECK(vu_fe_add_chain(&fe, 0, 2, gpa, l, wr) >= 0);
		if (i % 50 == 25) {
			/* A region comes and goes: the ring stops and starts under the poller. */
			struct vu_mem_reg_msg mr = { .region = { 0x400000, 0x10000,
								0x10000000000ull, 0 } };
			int fd = memfd_create("extra", MFD_CLOEXEC);

			CHECK_EQ(ftruncate(fd, 0x10000), 0);
			CHECK_EQ(vu_fe_request_ack(&fe, VHOST_USER_ADD_MEM_REG, &mr, sizeof(mr), &fd,
						   1),
				 0);
			CHECK_EQ(vu_fe_request_ack(&fe, VHOST_USER_REM_MEM_REG, &mr, sizeof(mr), NULL,
						   0),
				 0);
			close(fd);
		}
	}
	while (done < 200) {
		u32 id, len;

		if (vu_fe_get_used(&fe, 0, &id, &len) == 1)
			done++;
	}
	__atomic_store_n(&p.stop, true, __ATOMIC_RELEASE);
	pthread_join(th, NULL);
	CHECK_EQ(done, 200);
	CHECK(p.rounds > 0);
	CHECK_EQ(p.errors, 0);
	CHECK(t.stops >= 4);
	CHECK_EQ(t.starts, t.stops + 1);
	conn_close(&t, &fe);
}

/* ---- Hostile peers: each message must close the connection and leak nothing. ---- */

typedef void (*attack_fn)(struct vu_fe *fe);

static void hostile(const char *what, enum level lvl, attack_fn fn)
{
	unsigned base = open_fds();
	struct tdev t;
	struct vu_fe fe;

	conn_open(&t, &fe, lvl, BIT64(VIRTIO_F_VERSION_1));
	fn(&fe);
	if (!t.closed || t.last != -EPROTO)
		fprintf(stderr, "attack not refused: %s\n", what);
	CHECK(t.closed);
	CHECK_EQ(t.last, -EPROTO);
	conn_close(&t, &fe);
	if (open_fds() != base)
		fprintf(stderr, "fd leak after: %s\n", what);
	CHECK_EQ(open_fds(), base);
}

static void send_state(struct vu_fe *fe, u32 req, u32 idx, u32 num)
{
	struct vhost_vring_state st = { .index = idx, .num = num };

	CHECK_EQ(vu_fe_send(fe, req, VHOST_USER_VERSION, &st, sizeof(st), NULL, 0), 0);
}

static int memfd_sized(u64 size)
{
	int fd = memfd_create("t", MFD_CLOEXEC);

	CHECK_EQ(ftruncate(fd, (off_t)size), 0);
	return fd;
}

static void a_mem_missing_fd(struct vu_fe *fe)
{
	struct vu_mem_table tb = { .nregions = 2 };
	int fd = memfd_sized(0x10000);

	tb.regions[0] = (struct vu_mem_region){ 0, 0x10000, 0x1000000, 0 };
	tb.regions[1] = (struct vu_mem_region){ 0x10000, 0x10000, 0x2000000, 0 };
	vu_fe_send(fe, VHOST_USER_SET_MEM_TABLE, VHOST_USER_VERSION, &tb, 8 + 64, &fd, 1);
	close(fd);
}

static void a_mem_extra_fd(struct vu_fe *fe)
{
	struct vu_mem_table tb = { .nregions = 1 };
	int fds[3] = { memfd_sized(0x10000), memfd_sized(0x10000), eventfd(0, EFD_CLOEXEC) };

	tb.regions[0] = (struct vu_mem_region){ 0, 0x10000, 0x1000000, 0 };
	vu_fe_send(fe, VHOST_USER_SET_MEM_TABLE, VHOST_USER_VERSION, &tb, 8 + 32, fds, 3);
	for (int i = 0; i < 3; i++)
		close(fds[i]);
}

static void a_mem_beyond_fd(struct vu_fe *fe)
{
	struct vu_mem_table tb = { .nregions = 1 };
	int fd = memfd_sized(0x10000);

	tb.regions[0] = (struct vu_mem_region){ 0, 0x10000, 0x1000000, 0x1000 };
	vu_fe_send(fe, VHOST_USER_SET_MEM_TABLE, VHOST_USER_VERSION, &tb, 8 + 32, &fd, 1);
	close(fd);
}

static void a_mem_overlap(struct vu_fe *fe)
{
	struct vu_mem_table tb = { .nregions = 2 };
	int fds[2] = { memfd_sized(0x10000), memfd_sized(0x10000) };

	tb.regions[0] = (struct vu_mem_region){ 0, 0x10000, 0x1000000, 0 };
	tb.regions[1] = (struct vu_mem_region){ 0x8000, 0x10000, 0x2000000, 0 };
	vu_fe_send(fe, VHOST_USER_SET_MEM_TABLE, VHOST_USER_VERSION, &tb, 8 + 64, fds, 2);
	close(fds[0]);
	close(fds[1]);
}

static void a_mem_not_file(struct vu_fe *fe)
{
	struct vu_mem_table tb = { .nregions = 1 };
	int fd = eventfd(0, EFD_CLOEXEC);

	tb.regions[0] = (struct vu_mem_region){ 0, 0x10000, 0x1000000, 0 };
	vu_fe_send(fe, VHOST_USER_SET_MEM_TABLE, VHOST_USER_VERSION, &tb, 8 + 32, &fd, 1);
	close(fd);
}

static void a_mem_too_many(struct vu_fe *fe)
{
	struct vu_mem_table tb = { .nregions = 9 };

	vu_fe_send(fe, VHOST_USER_SET_MEM_TABLE, VHOST_USER_VERSION, &tb, 8 + 256, NULL, 0);
}

static void a_add_overlap(struct vu_fe *fe)
{
	struct vu_mem_reg_msg mr = { .region = { 0xff000, 0x10000, 0x30000000000ull, 0 } };
	int fd = memfd_sized(0x10000);

	vu_fe_send(fe, VHOST_USER_ADD_MEM_REG, VHOST_USER_VERSION, &mr, sizeof(mr), &fd, 1);
	close(fd);
}

static void a_num_not_pow2(struct vu_fe *fe)
{
	send_state(fe, VHOST_USER_SET_VRING_NUM, 0, 100);
}

static void a_num_too_big(struct vu_fe *fe)
{
	send_state(fe, VHOST_USER_SET_VRING_NUM, 0, 65536);
}

static void a_num_zero(struct vu_fe *fe)
{
	send_state(fe, VHOST_USER_SET_VRING_NUM, 0, 0);
}

static void a_queue_index(struct vu_fe *fe)
{
	send_state(fe, VHOST_USER_SET_VRING_NUM, 2, 16);
}

static void a_kick_index(struct vu_fe *fe)
{
	u64 v = 200;
	int fd = eventfd(0, EFD_CLOEXEC);

	vu_fe_send(fe, VHOST_USER_SET_VRING_KICK, VHOST_USER_VERSION, &v, 8, &fd, 1);
	close(fd);
}

static void a_kick_early(struct vu_fe *fe)
{
	u64 v = 1;
	int fd = eventfd(0, EFD_CLOEXEC);

	vu_fe_send(fe, VHOST_USER_SET_VRING_KICK, VHOST_USER_VERSION, &v, 8, &fd, 1);
	close(fd);
}

static void ring_at(struct vu_fe *fe, u64 desc, u64 avail, u64 used)
{
	struct vhost_vring_addr a = { .index = 1, .desc_user_addr = desc,
				      .avail_user_addr = avail, .used_user_addr = used };
	u64 v = 1;
	int fd = eventfd(0, EFD_CLOEXEC);

	send_state(fe, VHOST_USER_SET_VRING_NUM, 1, 256);
	vu_fe_send(fe, VHOST_USER_SET_VRING_ADDR, VHOST_USER_VERSION, &a, sizeof(a), NULL, 0);
	vu_fe_send(fe, VHOST_USER_SET_VRING_KICK, VHOST_USER_VERSION, &v, 8, &fd, 1);
	close(fd);
}

static void a_ring_outside(struct vu_fe *fe)
{
	u64 b = (u64)(uintptr_t)vu_fe_gpa(fe, 0, 1);

	ring_at(fe, b + 0x2000000, b + 0x1000, b + 0x2000);
}

static void a_ring_straddles(struct vu_fe *fe)
{
	u64 b = (u64)(uintptr_t)vu_fe_gpa(fe, 0, 1);

	/* 256 descriptors (4 KiB) starting 1 KiB before the region's end. */
	ring_at(fe, b + 0x100000 - 0x400, b + 0x1000, b + 0x2000);
}

static void a_ring_misaligned(struct vu_fe *fe)
{
	u64 b = (u64)(uintptr_t)vu_fe_gpa(fe, 0, 1);

	ring_at(fe, b + 0x1008, b + 0x3000, b + 0x4000);
}

static void a_base_reserved(struct vu_fe *fe)
{
	send_state(fe, VHOST_USER_SET_VRING_NUM, 0, 16);
	send_state(fe, VHOST_USER_SET_VRING_BASE, 0, 0x10000);
}

static void a_enable_two(struct vu_fe *fe)
{
	send_state(fe, VHOST_USER_SET_VRING_ENABLE, 0, 2);
}

static void a_unknown(struct vu_fe *fe)
{
	vu_fe_send(fe, 1234, VHOST_USER_VERSION, NULL, 0, NULL, 0);
}

static void a_extra_fd(struct vu_fe *fe)
{
	int fd = eventfd(0, EFD_CLOEXEC);

	vu_fe_send(fe, VHOST_USER_GET_FEATURES, VHOST_USER_VERSION, NULL, 0, &fd, 1);
	close(fd);
}

static void a_bad_size(struct vu_fe *fe)
{
	u32 v = 1;

	vu_fe_send(fe, VHOST_USER_SET_FEATURES, VHOST_USER_VERSION, &v, 4, NULL, 0);
}

static void a_features_not_offered(struct vu_fe *fe)
{
	u64 v = BIT64(VIRTIO_F_VERSION_1) | BIT64(50);

	vu_fe_send(fe, VHOST_USER_SET_FEATURES, VHOST_USER_VERSION, &v, 8, NULL, 0);
}

static void a_config_not_negotiated(struct vu_fe *fe)
{
	struct vu_config c = { .size = 4 };

	vu_fe_send(fe, VHOST_USER_GET_CONFIG, VHOST_USER_VERSION, &c, 16, NULL, 0);
}

static void a_status_big(struct vu_fe *fe)
{
	u64 v = 0x100;

	vu_fe_send(fe, VHOST_USER_SET_STATUS, VHOST_USER_VERSION, &v, 8, NULL, 0);
}

static void a_iotlb_no_iommu(struct vu_fe *fe)
{
	struct vhost_iotlb_msg im = { .type = VHOST_IOTLB_UPDATE, .size = 4096 };

	vu_fe_send(fe, VHOST_USER_IOTLB_MSG, VHOST_USER_VERSION, &im, sizeof(im), NULL, 0);
}

static void a_version(struct vu_fe *fe)
{
	vu_fe_send(fe, VHOST_USER_GET_FEATURES, 2, NULL, 0, NULL, 0);
}

static void a_inflight_size(struct vu_fe *fe)
{
	struct vu_inflight in = { .mmap_size = 4096, .num_queues = 2, .queue_size = 16 };
	int fd = memfd_sized(4096);

	vu_fe_send(fe, VHOST_USER_SET_INFLIGHT_FD, VHOST_USER_VERSION, &in, sizeof(in), &fd, 1);
	close(fd);
}

static void a_log_beyond(struct vu_fe *fe)
{
	struct vu_log lg = { .mmap_size = 0x10000, .mmap_offset = 0 };
	int fd = memfd_sized(0x1000);

	vu_fe_send(fe, VHOST_USER_SET_LOG_BASE, VHOST_USER_VERSION, &lg, sizeof(lg), &fd, 1);
	close(fd);
}

static void test_hostile(void)
{
	hostile("SET_MEM_TABLE missing fd", NEGOTIATED, a_mem_missing_fd);
	hostile("SET_MEM_TABLE extra fds", NEGOTIATED, a_mem_extra_fd);
	hostile("SET_MEM_TABLE beyond fd size", NEGOTIATED, a_mem_beyond_fd);
	hostile("SET_MEM_TABLE overlap", NEGOTIATED, a_mem_overlap);
	hostile("SET_MEM_TABLE non-file fd", NEGOTIATED, a_mem_not_file);
	hostile("SET_MEM_TABLE 9 regions", NEGOTIATED, a_mem_too_many);
	hostile("ADD_MEM_REG overlap", MEMORY, a_add_overlap);
	hostile("SET_VRING_NUM 100", NEGOTIATED, a_num_not_pow2);
	hostile("SET_VRING_NUM 65536", NEGOTIATED, a_num_too_big);
	hostile("SET_VRING_NUM 0", NEGOTIATED, a_num_zero);
	hostile("queue index 2 of 2", NEGOTIATED, a_queue_index);
	hostile("kick index 200", NEGOTIATED, a_kick_index);
	hostile("kick before ring setup", MEMORY, a_kick_early);
	hostile("ring outside memory", MEMORY, a_ring_outside);
	hostile("ring straddles region end", MEMORY, a_ring_straddles);
	hostile("ring misaligned", MEMORY, a_ring_misaligned);
	hostile("base reserved bits", MEMORY, a_base_reserved);
	hostile("SET_VRING_ENABLE 2", NEGOTIATED, a_enable_two);
	hostile("unknown request", NEGOTIATED, a_unknown);
	hostile("fd on GET_FEATURES", FRESH, a_extra_fd);
	hostile("SET_FEATURES 4 bytes", FRESH, a_bad_size);
	hostile("SET_FEATURES not offered", FRESH, a_features_not_offered);
	hostile("GET_CONFIG not negotiated", FRESH, a_config_not_negotiated);
	hostile("SET_STATUS 0x100", NEGOTIATED, a_status_big);
	hostile("IOTLB without IOMMU", NEGOTIATED, a_iotlb_no_iommu);
	hostile("version 2", FRESH, a_version);
	hostile("SET_INFLIGHT_FD wrong size", NEGOTIATED, a_inflight_size);
	hostile("SET_LOG_BASE beyond fd", NEGOTIATED, a_log_beyond);
}

int main(void)
{
	log_set_level(getenv("VU_TEST_VERBOSE") ? LOG_DEBUG : LOG_ERR); /* the hostile cases log one line each by design */
	test_happy_path();
	test_dirty_log();
	test_inflight();
	test_iotlb();
	test_poll_thread();
	test_hostile();
	return check_done();
}
