// SPDX-License-Identifier: GPL-2.0-only
/*
 * A vhost-user connection on the back-end side: reading one request,
 * validating it (vu_msg_check, then the feature it needs), running its
 * handler, and replying exactly as the protocol asks — a reply body for the
 * requests that have one, a u64 status when need_reply (REPLY_ACK) is set.
 * Feature, owner, status, config, reset and back-end channel requests are
 * handled here; memory, rings, log, IOTLB and inflight have files of their
 * own. A violation closes the connection with one log line.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <linux/vhost.h>
#include <linux/virtio_config.h>

#include "../vu_sock.h"
#include "vu_priv.h"

/* A peer that stops mid-message is cut off after this long. */
#define VU_RECV_TIMEOUT_MS 2000

int vu_violation(struct vu_dev *dev, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(dev->why, sizeof(dev->why), fmt, ap);
	va_end(ap);
	return -EPROTO;
}

/* Protocol features the library implements, before looking at the device. */
#define VU_PROTO_BASE                                                                              \
	(BIT64(VHOST_USER_PROTOCOL_F_MQ) | BIT64(VHOST_USER_PROTOCOL_F_LOG_SHMFD) |                \
	 BIT64(VHOST_USER_PROTOCOL_F_REPLY_ACK) | BIT64(VHOST_USER_PROTOCOL_F_BACKEND_REQ) |       \
	 BIT64(VHOST_USER_PROTOCOL_F_RESET_DEVICE) |                                               \
	 BIT64(VHOST_USER_PROTOCOL_F_CONFIGURE_MEM_SLOTS) | BIT64(VHOST_USER_PROTOCOL_F_STATUS))

struct vu_dev *vu_dev_new(int sock, const struct vu_dev_ops *ops, void *opaque, const char *name)
{
	struct timeval tv = { .tv_sec = VU_RECV_TIMEOUT_MS / 1000,
			      .tv_usec = (VU_RECV_TIMEOUT_MS % 1000) * 1000 };
	struct vu_dev *dev;
	unsigned nq = ops->num_queues;

	if (!nq || nq > VU_MAX_QUEUES)
		return NULL;
	dev = calloc(1, sizeof(*dev));
	if (!dev)
		return NULL;
	dev->q = calloc(nq, sizeof(*dev->q));
	if (!dev->q) {
		free(dev);
		return NULL;
	}
	dev->sock = sock;
	dev->ops = ops;
	dev->opaque = opaque;
	snprintf(dev->name, sizeof(dev->name), "%s", name ? name : "vhost-user");
	dev->nq = nq;
	dev->backend_fd = -1;
	dev->reply_fd = -1;
	dev->log.fd = -1;
	dev->infl.fd = -1;
	dev->rl = (struct ratelimit)RATELIMIT_INIT;
	pthread_mutex_init(&dev->backend_lock, NULL);
	vu_mem_init(&dev->mem);
	vu_iotlb_init(&dev->iotlb);
	for (unsigned i = 0; i < nq; i++)
		vu_queue_init(dev, &dev->q[i], i);

	dev->offered = ops->features | BIT64(VHOST_USER_F_PROTOCOL_FEATURES) |
		       BIT64(VHOST_F_LOG_ALL);
	dev->offered_proto = VU_PROTO_BASE;
	if (ops->get_config)
		dev->offered_proto |= BIT64(VHOST_USER_PROTOCOL_F_CONFIG);
	if (ops->inflight)
		dev->offered_proto |= BIT64(VHOST_USER_PROTOCOL_F_INFLIGHT_SHMFD);

	/* Best effort: without it a stalling peer only delays this connection's thread. */
	setsockopt(sock, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return dev;
}

void vu_dev_free(struct vu_dev *dev)
{
	if (!dev)
		return;
	for (unsigned i = 0; i < dev->nq; i++)
		vu_queue_stop(&dev->q[i]);
	vu_dev_drop(dev);
}

void vu_dev_drop(struct vu_dev *dev)
{
	for (unsigned i = 0; i < dev->nq; i++)
		vu_queue_destroy(&dev->q[i]);
	vu_mem_destroy(&dev->mem);
	vu_log_destroy(&dev->log);
	vu_iotlb_destroy(&dev->iotlb);
	vu_inflight_destroy(&dev->infl);
	if (dev->backend_fd >= 0)
		close(dev->backend_fd);
	if (dev->sock >= 0)
		close(dev->sock);
	pthread_mutex_destroy(&dev->backend_lock);
	free(dev->q);
	free(dev);
}

int vu_dev_fd(const struct vu_dev *dev)
{
	return dev->sock;
}

void *vu_dev_opaque(const struct vu_dev *dev)
{
	return dev->opaque;
}

const char *vu_dev_name(const struct vu_dev *dev)
{
	return dev->name;
}

u64 vu_dev_features(const struct vu_dev *dev)
{
	return dev->features;
}

u64 vu_dev_protocol_features(const struct vu_dev *dev)
{
	return dev->proto;
}

u8 vu_dev_status(const struct vu_dev *dev)
{
	return dev->status;
}

void vu_dev_get_stats(const struct vu_dev *dev, struct vu_dev_stats *st)
{
	*st = dev->stats;
}

struct vu_queue *vu_dev_queue(struct vu_dev *dev, unsigned idx)
{
	return idx < dev->nq ? &dev->q[idx] : NULL;
}

static void reply_u64(struct vu_msg *m, u64 v)
{
	m->hdr.size = sizeof(u64);
	m->p.u64 = v;
}

static int handle_set_features(struct vu_dev *dev, u64 f)
{
	u64 changed = f ^ dev->features;

	if (f & ~dev->offered)
		return vu_violation(dev, "SET_FEATURES acks bits 0x%llx that were not offered",
				    (unsigned long long)(f & ~dev->offered));
	/* Only dirty logging may be switched while rings run (vhost-user "Migration"). */
	if (dev->features_set && (changed & ~BIT64(VHOST_F_LOG_ALL)) && vu_any_queue_active(dev))
		return vu_violation(dev, "SET_FEATURES changes 0x%llx while queues run",
				    (unsigned long long)changed);
	if (dev->ops->set_features) {
		int ret = dev->ops->set_features(dev, f);

		if (ret)
			return ret < 0 ? ret : -EINVAL;
	}
	dev->features = f;
	dev->features_set = true;
	/*
	 * vhost-user "Ring states": without VHOST_USER_F_PROTOCOL_FEATURES the
	 * back-end enables every ring at once.
	 */
	if (!(f & BIT64(VHOST_USER_F_PROTOCOL_FEATURES))) {
		for (unsigned i = 0; i < dev->nq; i++) {
			dev->q[i].enabled = true;
			vu_queue_update(&dev->q[i]);
		}
	}
	return 0;
}

static int handle_config(struct vu_dev *dev, struct vu_msg *m)
{
	struct vu_config *c = &m->p.config;
	int ret;

	if (m->hdr.request == VHOST_USER_GET_CONFIG) {
		/* The reply has the request's size; a zero-size reply says "failed". */
		memset(c->region, 0, c->size);
		ret = dev->ops->get_config(dev, c->offset, c->region, c->size);
		if (ret)
			m->hdr.size = 0;
		return 0;
	}
	if (c->flags != VHOST_USER_CONFIG_F_WRITABLE && c->flags != VHOST_USER_CONFIG_F_MIGRATION)
		return vu_violation(dev, "SET_CONFIG with unknown flags 0x%x", c->flags);
	if (!dev->ops->set_config)
		return -ENOTSUP;
	return dev->ops->set_config(dev, c->offset, c->region, c->size, c->flags);
}

/* RESET_DEVICE: back to the state right after SET_OWNER; memory and channel stay. */
static void dev_reset(struct vu_dev *dev)
{
	for (unsigned i = 0; i < dev->nq; i++) {
		struct vu_queue *q = &dev->q[i];

		vu_queue_stop(q);
		vu_queue_destroy(q);
		vu_queue_init(dev, q, i);
	}
	dev->features = 0;
	dev->features_set = false;
	dev->status = 0;
	vu_log_destroy(&dev->log);
	dev->log.fd = -1;
	vu_iotlb_flush(&dev->iotlb);
}

/* Run the handler of a valid, implemented request. m is reused for the reply. */
static int handle(struct vu_dev *dev, struct vu_msg *m, int *fds, unsigned nfds)
{
	switch (m->hdr.request) {
	case VHOST_USER_GET_FEATURES:
		reply_u64(m, dev->offered);
		return 0;
	case VHOST_USER_SET_FEATURES:
		return handle_set_features(dev, m->p.u64);
	case VHOST_USER_GET_PROTOCOL_FEATURES:
		reply_u64(m, dev->offered_proto);
		return 0;
	case VHOST_USER_SET_PROTOCOL_FEATURES:
		if (m->p.u64 & ~dev->offered_proto)
			return vu_violation(dev, "SET_PROTOCOL_FEATURES acks 0x%llx not offered",
					    (unsigned long long)(m->p.u64 & ~dev->offered_proto));
		dev->proto = m->p.u64;
		return 0;
	case VHOST_USER_SET_OWNER:
		return 0;
	case VHOST_USER_RESET_OWNER:
		/* Deprecated; the spec recommends disabling the rings, nothing more. */
		for (unsigned i = 0; i < dev->nq; i++)
			vu_queue_stop(&dev->q[i]);
		return 0;
	case VHOST_USER_RESET_DEVICE:
		dev_reset(dev);
		return 0;
	case VHOST_USER_GET_QUEUE_NUM:
		reply_u64(m, dev->nq);
		return 0;
	case VHOST_USER_GET_MAX_MEM_SLOTS:
		reply_u64(m, VU_MAX_MEM_SLOTS);
		return 0;
	case VHOST_USER_SET_MEM_TABLE:
		return vu_mem_set_table(dev, &m->p.mem, fds);
	case VHOST_USER_ADD_MEM_REG:
		return vu_mem_add_region(dev, &m->p.memreg.region, &fds[0]);
	case VHOST_USER_REM_MEM_REG:
		/* An fd passed by an old front-end is closed unused by the caller. */
		return vu_mem_rem_region(dev, &m->p.memreg.region);
	case VHOST_USER_SET_LOG_BASE: {
		int ret = vu_log_set_base(dev, &m->p.log, &fds[0]);

		/* LOG_SHMFD: the front-end waits for a reply either way. */
		reply_u64(m, ret ? 1 : 0);
		return ret == -EPROTO ? ret : 0;
	}
	case VHOST_USER_SET_LOG_FD:
		vu_log_set_fd(dev, &fds[0]);
		return 0;
	case VHOST_USER_SET_BACKEND_REQ_FD:
		pthread_mutex_lock(&dev->backend_lock);
		if (dev->backend_fd >= 0)
			close(dev->backend_fd);
		dev->backend_fd = fds[0];
		fds[0] = -1;
		pthread_mutex_unlock(&dev->backend_lock);
		return 0;
	case VHOST_USER_GET_CONFIG:
	case VHOST_USER_SET_CONFIG:
		return handle_config(dev, m);
	case VHOST_USER_SET_STATUS:
		if (m->p.u64 > 0xff)
			return vu_violation(dev, "SET_STATUS 0x%llx is not a status byte",
					    (unsigned long long)m->p.u64);
		dev->status = (u8)m->p.u64;
		return 0;
	case VHOST_USER_GET_STATUS:
		reply_u64(m, dev->status);
		return 0;
	case VHOST_USER_IOTLB_MSG: {
		int ret = vu_iotlb_msg(dev, &m->p.iotlb);

		reply_u64(m, ret ? 1 : 0);
		return ret == -EPROTO ? ret : 0;
	}
	case VHOST_USER_GET_INFLIGHT_FD:
		return vu_inflight_get(dev, &m->p.inflight);
	case VHOST_USER_SET_INFLIGHT_FD:
		return vu_inflight_set(dev, &m->p.inflight, &fds[0]);
	default:
		return vu_vring_handle(dev, m, fds, nfds);
	}
}

static int gate_check(struct vu_dev *dev, const struct vu_req_info *ri)
{
	switch (ri->gate) {
	case VU_GATE_PROTO_OFFER:
		return 0; /* always offered by this library */
	case VU_GATE_PROTO:
		if (!vu_has_proto(dev, ri->pfeat))
			return vu_violation(dev, "%s without protocol feature %u negotiated",
					    ri->name, ri->pfeat);
		return 0;
	case VU_GATE_IOMMU:
		if (!vu_has_feature(dev, VIRTIO_F_IOMMU_PLATFORM))
			return vu_violation(dev, "%s without VIRTIO_F_IOMMU_PLATFORM", ri->name);
		return 0;
	default:
		return 0;
	}
}

static int send_reply(struct vu_dev *dev, struct vu_msg *m)
{
	int fd = dev->reply_fd;
	int ret;

	m->hdr.flags = VHOST_USER_VERSION | VHOST_USER_REPLY_MASK;
	ret = vu_sock_send(dev->sock, m, &fd, fd >= 0 ? 1 : 0);
	if (fd >= 0)
		close(fd);
	dev->reply_fd = -1;
	return ret;
}

int vu_dev_dispatch(struct vu_dev *dev)
{
	int fds[VHOST_USER_MAX_FDS];
	const struct vu_req_info *ri;
	const char *why;
	struct vu_msg m;
	unsigned nfds;
	bool need_reply;
	u32 req;
	int ret;

	dev->ctl_thread = pthread_self();
	dev->ctl_thread_set = true;
	dev->in_dispatch = true;
	dev->why[0] = '\0';
	ret = vu_sock_recv(dev->sock, &m, fds, &nfds, &why);
	if (ret == -EAGAIN) {
		ret = 0;
		goto out;
	}
	if (ret == -ECONNRESET)
		goto out;
	if (ret == -EPROTO) {
		vu_violation(dev, "%s", why);
		goto out;
	}
	if (ret) {
		pr_warn("%s: connection lost: %s", dev->name, strerror(-ret));
		ret = -ECONNRESET;
		goto out;
	}
	dev->stats.messages++;
	req = m.hdr.request;
	need_reply = m.hdr.flags & VHOST_USER_NEED_REPLY_MASK;
	why = vu_msg_check(&m, nfds);
	if (why) {
		vu_violation(dev, "%s", why);
		ret = -EPROTO;
		goto close_fds;
	}
	ri = vu_req_info(req);
	if (!ri) {
		vu_close_fds(fds, nfds);
		if (need_reply) {
			/* Not implemented, but the peer asked: say it failed and go on. */
			pr_info("%s: refusing unsupported request %u (%s)", dev->name, req,
				vu_req_name(req));
			reply_u64(&m, 1);
			ret = send_reply(dev, &m);
			goto out;
		}
		vu_violation(dev, "unsupported request %u (%s)", req, vu_req_name(req));
		ret = -EPROTO;
		goto out;
	}
	ret = gate_check(dev, ri);
	if (ret)
		goto close_fds;

	ret = handle(dev, &m, fds, nfds);
	vu_close_fds(fds, nfds); /* whatever the handler did not take */
	if (ret == -EPROTO)
		goto out;
	if (ri->reply) {
		ret = send_reply(dev, &m);
	} else if (need_reply) {
		reply_u64(&m, ret ? 1 : 0);
		ret = send_reply(dev, &m);
	} else {
		if (ret)
			dev_warn_rl(&dev->rl, dev->name, "%s failed: %s", ri->name, strerror(-ret));
		ret = 0;
	}
	goto out;

close_fds:
	vu_close_fds(fds, nfds);
out:
	if (ret == -EPROTO)
		pr_warn("%s: closing connection: %s", dev->name, dev->why[0] ? dev->why : "?");
	if (dev->reply_fd >= 0) {
		close(dev->reply_fd);
		dev->reply_fd = -1;
	}
	dev->in_dispatch = false;
	return ret;
}

int vu_backend_send(struct vu_dev *dev, u32 request, const void *payload, u32 size)
{
	struct vu_msg m = { .hdr = { .request = request, .flags = VHOST_USER_VERSION, .size = size } };
	int ret;

	if (size > VHOST_USER_PAYLOAD_MAX)
		return -EINVAL;
	if (size)	/* CONFIG_CHANGE_MSG has no payload (and payload NULL) */
		memcpy(&m.p, payload, size);
	pthread_mutex_lock(&dev->backend_lock);
	ret = dev->backend_fd >= 0 ? vu_sock_send(dev->backend_fd, &m, NULL, 0) : -ENOTCONN;
	pthread_mutex_unlock(&dev->backend_lock);
	return ret;
}

int vu_dev_config_changed(struct vu_dev *dev)
{
	if (!vu_has_proto(dev, VHOST_USER_PROTOCOL_F_CONFIG) ||
	    !vu_has_proto(dev, VHOST_USER_PROTOCOL_F_BACKEND_REQ))
		return -ENOTSUP;
	return vu_backend_send(dev, VHOST_USER_BACKEND_CONFIG_CHANGE_MSG, NULL, 0);
}
