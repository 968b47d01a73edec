// SPDX-License-Identifier: GPL-2.0-only
/*
 * The test back-end (see vu_test_backend.h): one thread polls the listening
 * socket, the connection and each started ring's kick eventfd, and runs the
 * library's dispatch and data path; requests from the test come through a
 * mutex and are carried out by that thread, so the library is only ever
 * entered from one thread.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <linux/virtio_blk.h>
#include <linux/virtio_config.h>
#include <linux/virtio_net.h>
#include <linux/virtio_ring.h>

#include "iovirt/vhost_user.h"
#include "iovirt/virtio.h"
#include "src/vhost/lib/vu_priv.h"
#include "vu_test_backend.h"

#define VTB_MAX_Q	16
#define VTB_MAX_SECTORS 4096

enum vtb_cmd { VTB_NONE, VTB_CRASH, VTB_LISTEN_ON, VTB_LISTEN_OFF, VTB_CAPACITY, VTB_QUIT };

struct vtb {
	struct vtb_opts o;
	struct vu_dev_ops ops;
	char path[108];
	int listen_fd;
	struct vu_dev *dev;
	pthread_t thread;
	pthread_mutex_t lock; /* guards cmd, arg and the state the test reads */
	pthread_cond_t cond;
	enum vtb_cmd cmd;
	u64 arg;
	bool hold;
	unsigned done, held, conns;
	u8 *disk;
	struct virtio_blk_config config;
	u8 writes[VTB_MAX_SECTORS];
	bool qon[VTB_MAX_Q];
};

static void blk_request(struct vtb *b, struct virtq_elem *e, u32 *written)
{
	struct virtio_blk_outhdr h;
	size_t got = virtio_iov_to_buf(e->iov, e->out_num, 0, &h, sizeof(h));
	struct iovec *in = e->iov + e->out_num;
	u64 off, len, inlen = e->in_len;
	u8 status = VIRTIO_BLK_S_OK;

	*written = 0;
	if (got != sizeof(h) || !inlen) {
		status = VIRTIO_BLK_S_IOERR;
		goto out;
	}
	off = h.sector * 512;
	switch (h.type) {
	case VIRTIO_BLK_T_IN:
		len = inlen - 1;
		if (off > b->o.disk_size || len > b->o.disk_size - off) {
			status = VIRTIO_BLK_S_IOERR;
			break;
		}
		*written = (u32)virtio_iov_from_buf(in, e->in_num, 0, b->disk + off, len);
		break;
	case VIRTIO_BLK_T_OUT:
		len = e->out_len - sizeof(h);
		if (off > b->o.disk_size || len > b->o.disk_size - off) {
			status = VIRTIO_BLK_S_IOERR;
			break;
		}
		virtio_iov_to_buf(e->iov, e->out_num, sizeof(h), b->disk + off, len);
		pthread_mutex_lock(&b->lock);
		for (u64 s = h.sector; s < h.sector + len / 512 && s < VTB_MAX_SECTORS; s++)
			b->writes[s]++;
		pthread_mutex_unlock(&b->lock);
		break;
	case VIRTIO_BLK_T_FLUSH:
		break;
	case VIRTIO_BLK_T_GET_ID:
		*written = (u32)virtio_iov_from_buf(in, e->in_num, 0, "vtb-disk", 9);
		break;
	default:
		status = VIRTIO_BLK_S_UNSUPP;
	}
out:
	/* The status is the last writable byte. */
	if (inlen) {
		virtio_iov_from_buf(in, e->in_num, inlen - 1, &status, 1);
		*written += 1;
	}
}

/* Buffers may be available: pop and serve them, kicks off meanwhile (virtio 1.2 §2.7.10). */
static void serve(struct vtb *b, struct vu_queue *q)
{
	struct iovec iov[64];
	struct virtq_elem e;

	virtq_elem_init(&e, iov, ARRAY_SIZE(iov));
	while (vu_queue_pop(q, &e) == 1) {
		u32 written = 0;
		bool hold;

		pthread_mutex_lock(&b->lock);
		hold = b->hold;
		if (hold)
			b->held++;
		pthread_mutex_unlock(&b->lock);
		if (hold) {
			/* Abandoned: still in flight in the inflight area at the crash. */
			virtq_elem_init(&e, iov, ARRAY_SIZE(iov));
			continue;
		}
		if (b->o.kind == VTB_BLK)
			blk_request(b, &e, &written);
		/* net: receive rings get nothing; transmit frames are consumed. */
		if (b->o.kind == VTB_BLK || vu_queue_index(q) % 2 == 1) {
			vu_queue_push(q, &e, written);
			pthread_mutex_lock(&b->lock);
			b->done++;
			pthread_mutex_unlock(&b->lock);
		}
		virtq_elem_init(&e, iov, ARRAY_SIZE(iov));
	}
}

static void handle_queue(struct vu_dev *dev, struct vu_queue *q)
{
	struct vtb *b = vu_dev_opaque(dev);

	for (;;) {
		virtq_disable_notify(&q->vq);
		serve(b, q);
		if (q->vq.error != VIRTQ_OK || !virtq_enable_notify(&q->vq))
			break;
	}
}

static void queue_start(struct vu_dev *dev, struct vu_queue *q)
{
	struct vtb *b = vu_dev_opaque(dev);

	if (vu_queue_index(q) < VTB_MAX_Q)
		b->qon[vu_queue_index(q)] = true;
}

static void queue_stop(struct vu_dev *dev, struct vu_queue *q)
{
	struct vtb *b = vu_dev_opaque(dev);

	if (vu_queue_index(q) < VTB_MAX_Q)
		b->qon[vu_queue_index(q)] = false;
}

static int get_config(struct vu_dev *dev, u32 off, void *buf, u32 len)
{
	struct vtb *b = vu_dev_opaque(dev);

	if (b->o.kind != VTB_BLK)
		return -ENOTSUP;
	memset(buf, 0, len);
	if (off < sizeof(b->config))
		memcpy(buf, (u8 *)&b->config + off, MIN(len, (u32)sizeof(b->config) - off));
	return 0;
}

static int set_config(struct vu_dev *dev, u32 off, const void *buf, u32 len, u32 flags)
{
	struct vtb *b = vu_dev_opaque(dev);

	if (off != offsetof(struct virtio_blk_config, wce) || len != 1)
		return -EPERM;
	b->config.wce = *(const u8 *)buf;
	return 0;
}

static void drop_conn(struct vtb *b)
{
	if (!b->dev)
		return;
	vu_dev_free(b->dev);
	b->dev = NULL;
	memset(b->qon, 0, sizeof(b->qon));
}

static void run_cmd(struct vtb *b)
{
	pthread_mutex_lock(&b->lock);
	switch (b->cmd) {
	case VTB_CRASH:
		pthread_mutex_unlock(&b->lock);
		drop_conn(b);
		pthread_mutex_lock(&b->lock);
		break;
	case VTB_LISTEN_OFF:
		if (b->listen_fd >= 0)
			close(b->listen_fd);
		b->listen_fd = -1;
		unlink(b->path);
		break;
	case VTB_LISTEN_ON:
		if (b->listen_fd < 0)
			b->listen_fd = vu_listen(b->path);
		break;
	case VTB_CAPACITY:
		b->config.capacity = b->arg;
		if (b->dev && vu_dev_config_changed(b->dev))
			fprintf(stderr, "vtb: cannot send CONFIG_CHANGE_MSG\n");
		break;
	default:
		break;
	}
	if (b->cmd != VTB_QUIT)
		b->cmd = VTB_NONE;
	pthread_cond_broadcast(&b->cond);
	pthread_mutex_unlock(&b->lock);
}

static void *vtb_main(void *arg)
{
	struct vtb *b = arg;

	for (;;) {
		struct pollfd p[2 + VTB_MAX_Q];
		unsigned qidx[VTB_MAX_Q], n = 0, nq = 0;
		enum vtb_cmd cmd;

		pthread_mutex_lock(&b->lock);
		cmd = b->cmd;
		pthread_mutex_unlock(&b->lock);
		if (cmd == VTB_QUIT)
			break;
		if (cmd != VTB_NONE)
			run_cmd(b);
		p[n++] = (struct pollfd){.fd = b->listen_fd, .events = POLLIN};
		p[n++] = (struct pollfd){.fd = b->dev ? vu_dev_fd(b->dev) : -1, .events = POLLIN};
		for (unsigned q = 0; b->dev && q < b->o.num_queues; q++) {
			int fd = b->qon[q] ? vu_queue_kick_fd(vu_dev_queue(b->dev, q)) : -1;

			if (fd >= 0) {
				qidx[nq++] = q;
				p[n++] = (struct pollfd){.fd = fd, .events = POLLIN};
			}
		}
		if (poll(p, n, 5) <= 0)
			continue;
		if (p[0].revents & POLLIN) {
			int fd = vu_accept(b->listen_fd);

			if (fd >= 0) {
				drop_conn(b); /* one front-end at a time: the newest */
				b->dev = vu_dev_new(fd, &b->ops, b, "vtb");
				pthread_mutex_lock(&b->lock);
				b->conns++;
				pthread_mutex_unlock(&b->lock);
			}
			continue;
		}
		if (p[1].revents) {
			if (vu_dev_dispatch(b->dev))
				drop_conn(b);
			continue;
		}
		for (unsigned i = 0; i < nq; i++)
			if (p[2 + i].revents & POLLIN)
				vu_queue_process(vu_dev_queue(b->dev, qidx[i]));
	}
	drop_conn(b);
	return NULL;
}

struct vtb *vtb_start(const char *path, const struct vtb_opts *o)
{
	struct vtb *b = calloc(1, sizeof(*b));

	if (!b)
		return NULL;
	b->o = *o;
	if (!b->o.num_queues || b->o.num_queues > VTB_MAX_Q)
		b->o.num_queues = 1;
	if (!b->o.features)
		b->o.features =
			b->o.kind == VTB_BLK
				? BIT64(VIRTIO_F_VERSION_1) | BIT64(VIRTIO_RING_F_EVENT_IDX) |
					  BIT64(VIRTIO_RING_F_INDIRECT_DESC) |
					  BIT64(VIRTIO_BLK_F_FLUSH) | BIT64(VIRTIO_BLK_F_BLK_SIZE) |
					  BIT64(VIRTIO_BLK_F_SEG_MAX) |
					  BIT64(VIRTIO_BLK_F_CONFIG_WCE) |
					  (b->o.num_queues > 1 ? BIT64(VIRTIO_BLK_F_MQ) : 0)
				: BIT64(VIRTIO_F_VERSION_1) | BIT64(VIRTIO_RING_F_EVENT_IDX) |
					  BIT64(VIRTIO_NET_F_MRG_RXBUF) | BIT64(VIRTIO_NET_F_CSUM);
	snprintf(b->path, sizeof(b->path), "%s", path);
	b->ops = (struct vu_dev_ops){
		.features = b->o.features,
		.num_queues = (u16)b->o.num_queues,
		.max_queue_size = 1024,
		.inflight = b->o.inflight,
		.get_config = b->o.kind == VTB_BLK ? get_config : NULL,
		.set_config = set_config,
		.queue_start = queue_start,
		.queue_stop = queue_stop,
		.handle_queue = handle_queue,
	};
	if (b->o.kind == VTB_BLK) {
		if (!b->o.disk_size)
			b->o.disk_size = 1 << 20;
		b->disk = calloc(1, b->o.disk_size);
		b->config.capacity = b->o.disk_size / 512;
		b->config.blk_size = 512;
		b->config.seg_max = 62;
		b->config.num_queues = (u16)b->o.num_queues;
		b->config.wce = 1;
	}
	pthread_mutex_init(&b->lock, NULL);
	pthread_cond_init(&b->cond, NULL);
	b->listen_fd = vu_listen(path);
	if (b->listen_fd < 0 || pthread_create(&b->thread, NULL, vtb_main, b)) {
		if (b->listen_fd >= 0)
			close(b->listen_fd);
		free(b->disk);
		free(b);
		return NULL;
	}
	return b;
}

/* Have the thread carry out cmd and wait for it. */
static void vtb_do(struct vtb *b, enum vtb_cmd cmd, u64 arg)
{
	pthread_mutex_lock(&b->lock);
	while (b->cmd != VTB_NONE)
		pthread_cond_wait(&b->cond, &b->lock);
	b->cmd = cmd;
	b->arg = arg;
	while (b->cmd == cmd && cmd != VTB_QUIT)
		pthread_cond_wait(&b->cond, &b->lock);
	pthread_mutex_unlock(&b->lock);
}

void vtb_stop(struct vtb *b)
{
	if (!b)
		return;
	vtb_do(b, VTB_QUIT, 0);
	pthread_join(b->thread, NULL);
	if (b->listen_fd >= 0)
		close(b->listen_fd);
	unlink(b->path);
	pthread_mutex_destroy(&b->lock);
	pthread_cond_destroy(&b->cond);
	free(b->disk);
	free(b);
}

void vtb_set_hold(struct vtb *b, bool hold)
{
	pthread_mutex_lock(&b->lock);
	b->hold = hold;
	pthread_mutex_unlock(&b->lock);
}

void vtb_crash(struct vtb *b)
{
	vtb_do(b, VTB_CRASH, 0);
}

void vtb_listen(struct vtb *b, bool on)
{
	vtb_do(b, on ? VTB_LISTEN_ON : VTB_LISTEN_OFF, 0);
}

void vtb_change_capacity(struct vtb *b, u64 sectors)
{
	vtb_do(b, VTB_CAPACITY, sectors);
}

u8 *vtb_disk(struct vtb *b)
{
	return b->disk;
}

#define VTB_GET(type, expr)                                                                        \
	({                                                                                         \
		type _v;                                                                           \
		pthread_mutex_lock(&b->lock);                                                      \
		_v = (expr);                                                                       \
		pthread_mutex_unlock(&b->lock);                                                    \
		_v;                                                                                \
	})

unsigned vtb_done(struct vtb *b)
{
	return VTB_GET(unsigned, b->done);
}

unsigned vtb_held(struct vtb *b)
{
	return VTB_GET(unsigned, b->held);
}

unsigned vtb_connections(struct vtb *b)
{
	return VTB_GET(unsigned, b->conns);
}

unsigned vtb_writes_of(struct vtb *b, u64 sector)
{
	return sector < VTB_MAX_SECTORS ? VTB_GET(unsigned, b->writes[sector]) : 0;
}

/*
 * The rest reads the library's connection state from the test thread while
 * the back-end thread may be dispatching: good enough for tests that first
 * wait for the front-end to be done talking (its calls are synchronous).
 */
bool vtb_connected(struct vtb *b)
{
	return READ_ONCE(b->dev) != NULL;
}

bool vtb_ring_started(struct vtb *b, unsigned q)
{
	struct vu_dev *d = READ_ONCE(b->dev);

	return d && q < d->nq && d->q[q].started;
}

bool vtb_ring_enabled(struct vtb *b, unsigned q)
{
	struct vu_dev *d = READ_ONCE(b->dev);

	return d && q < d->nq && d->q[q].enabled;
}

u32 vtb_ring_base(struct vtb *b, unsigned q)
{
	struct vu_dev *d = READ_ONCE(b->dev);

	/* The library keeps SET_VRING_BASE's value until the ring stops. */
	return d && q < d->nq ? d->q[q].base : 0;
}

void vtb_ring_addrs(struct vtb *b, unsigned q, u64 *desc, u64 *avail, u64 *used)
{
	struct vu_dev *d = READ_ONCE(b->dev);

	*desc = *avail = *used = 0;
	if (!d || q >= d->nq)
		return;
	*desc = d->q[q].addr.desc_user_addr;
	*avail = d->q[q].addr.avail_user_addr;
	*used = d->q[q].addr.used_user_addr;
}

u64 vtb_features(struct vtb *b)
{
	struct vu_dev *d = READ_ONCE(b->dev);

	return d ? vu_dev_features(d) : 0;
}

u64 vtb_protocol(struct vtb *b)
{
	struct vu_dev *d = READ_ONCE(b->dev);

	return d ? vu_dev_protocol_features(d) : 0;
}
