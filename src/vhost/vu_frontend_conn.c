// SPDX-License-Identifier: GPL-2.0-only
/*
 * The vhost-user front-end's connection: requests and the checks of their
 * replies (a hostile back-end's reply is validated like a request is on the
 * other side, vu_reply_check), negotiation after every connect, the
 * back-end channel (CONFIG_CHANGE_MSG; anything not negotiated is refused),
 * and losing the connection: one log line, rings frozen, the reconnection
 * timer armed. Every function here runs with fe->lock held, except the two
 * event handlers, which take it.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "vu_frontend.h"
#include "vu_sock.h"

/* Protocol features every type may use. */
#define FE_PROTO_BASE                                                                              \
	(BIT64(VHOST_USER_PROTOCOL_F_MQ) | BIT64(VHOST_USER_PROTOCOL_F_REPLY_ACK) |                \
	 BIT64(VHOST_USER_PROTOCOL_F_BACKEND_REQ) | BIT64(VHOST_USER_PROTOCOL_F_STATUS) |          \
	 BIT64(VHOST_USER_PROTOCOL_F_RESET_DEVICE))

/* --- Connection loss --- */

/* Close the connection (fe->lock held): one log line, rings frozen, reconnection armed. */
void vhost_fe_disconnect(struct vhost_fe *fe, bool violation, const char *fmt, ...)
{
	char why[160];
	va_list ap;

	if (fe->sock < 0)
		return;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (violation)
		fe->stats.violations++;
	dev_warn_rl(&fe->rl, fe->name, "back-end at %s: %s%s; %s", fe->path,
		    violation ? "protocol violation: " : "", why,
		    fe->running ? "I/O stalls until it is back" : "reconnecting");
	evloop_del(&fe->thread.loop, fe->sock);
	close(fe->sock);
	fe->sock = -1;
	if (fe->backend_sock >= 0) {
		evloop_del(&fe->thread.loop, fe->backend_sock);
		close(fe->backend_sock);
		fe->backend_sock = -1;
	}
	for (unsigned q = 0; q < fe->nr_rings; q++) {
		struct vhost_fe_ring *r = &fe->rings[q];

		/* The back-end's last avail index died with it: guest memory tells. */
		if (r->started)
			r->restore = true;
		r->started = false;
	}
	fe->protocol = 0;
	fe->stats.connected = false;
	fe->stats.disconnects++;
	if (fe->type->connection_changed)
		fe->type->connection_changed(fe, false);
	/* Back-off grows while attempts fail; a successful negotiation resets it. */
	vhost_fe_arm_timer(fe, fe->backoff_ms);
	fe->backoff_ms = MIN(fe->backoff_ms * 2, fe->params.reconnect_max_ms);
}

void vhost_fe_arm_timer(struct vhost_fe *fe, unsigned ms)
{
	struct itimerspec its = {
		.it_value = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000},
	};

	if (fe->timer_fd >= 0 && timerfd_settime(fe->timer_fd, 0, &its, NULL) < 0)
		pr_warn("%s: reconnection timer: %s", fe->name, strerror(errno));
}

/* --- Requests --- */

int vhost_fe_request_ex(struct vhost_fe *fe, u32 request, const void *payload, u32 size,
			const int *fds, unsigned nfds, struct vu_msg *reply, int *reply_fd,
			bool refusal_fatal)
{
	const struct vu_req_info *ri = vu_req_info(request);
	bool has_reply = ri && ri->reply;
	bool ack = !has_reply && vhost_fe_has_proto(fe, VHOST_USER_PROTOCOL_F_REPLY_ACK);
	struct vu_msg m = {.hdr = {.request = request, .flags = VHOST_USER_VERSION, .size = size}};
	struct vu_msg r;
	int rfds[VHOST_USER_MAX_FDS];
	unsigned rn = 0;
	const char *why;
	int ret;

	if (reply_fd)
		*reply_fd = -1;
	if (fe->sock < 0)
		return -ENOTCONN;
	if (size > sizeof(m.p))
		return -EINVAL;
	if (size)
		memcpy(&m.p, payload, size);
	if (ack)
		m.hdr.flags |= VHOST_USER_NEED_REPLY_MASK;
	ret = vu_sock_send(fe->sock, &m, fds, nfds);
	if (ret) {
		vhost_fe_disconnect(fe, false, "cannot send %s: %s", vu_req_name(request),
				    strerror(-ret));
		return -ENOTCONN;
	}
	if (!has_reply && !ack)
		return 0;
	ret = vu_sock_recv(fe->sock, &r, rfds, &rn, &why);
	if (ret == -ECONNRESET) {
		vhost_fe_disconnect(fe, false, "closed the connection (waiting for %s)",
				    vu_req_name(request));
		return -ENOTCONN;
	}
	if (ret == -EAGAIN) {
		vhost_fe_disconnect(fe, false, "no reply to %s within %u ms", vu_req_name(request),
				    fe->params.reply_timeout_ms);
		return -ENOTCONN;
	}
	if (ret == -EPROTO) {
		vhost_fe_disconnect(fe, true, "reply to %s: %s", vu_req_name(request), why);
		return -ENOTCONN;
	}
	if (ret) {
		vhost_fe_disconnect(fe, false, "reading the reply to %s: %s", vu_req_name(request),
				    strerror(-ret));
		return -ENOTCONN;
	}
	why = vu_reply_check(&r, &m, rn);
	if (why) {
		vu_close_fds(rfds, rn);
		vhost_fe_disconnect(fe, true, "reply to %s: %s", vu_req_name(request), why);
		return -ENOTCONN;
	}
	if (!has_reply) {
		if (!r.p.u64)
			return 0;
		if (refusal_fatal)
			vhost_fe_disconnect(fe, false, "refused %s (status 0x%llx)",
					    vu_req_name(request), (unsigned long long)r.p.u64);
		return refusal_fatal ? -ENOTCONN : -EREMOTEIO;
	}
	if (reply)
		*reply = r;
	if (rn && reply_fd) {
		*reply_fd = rfds[0];
		rfds[0] = -1;
	}
	vu_close_fds(rfds, rn);
	return 0;
}

int vhost_fe_request(struct vhost_fe *fe, u32 request, const void *payload, u32 size,
		     const int *fds, unsigned nfds, struct vu_msg *reply, int *reply_fd)
{
	return vhost_fe_request_ex(fe, request, payload, size, fds, nfds, reply, reply_fd, true);
}

int vhost_fe_get_u64(struct vhost_fe *fe, u32 request, u64 *v)
{
	struct vu_msg r;
	int ret = vhost_fe_request(fe, request, NULL, 0, NULL, 0, &r, NULL);

	if (!ret)
		*v = r.p.u64;
	return ret;
}

int vhost_fe_set_u64(struct vhost_fe *fe, u32 request, u64 v)
{
	return vhost_fe_request(fe, request, &v, sizeof(v), NULL, 0, NULL, NULL);
}

int vhost_fe_set_state(struct vhost_fe *fe, u32 request, unsigned q, u32 num)
{
	struct vhost_vring_state st = {.index = q, .num = num};

	return vhost_fe_request(fe, request, &st, sizeof(st), NULL, 0, NULL, NULL);
}

int vhost_fe_fetch_config(struct vhost_fe *fe, u32 len)
{
	struct vu_config c = {.offset = 0, .size = len};
	struct vu_msg r;
	int ret;

	if (!vhost_fe_has_proto(fe, VHOST_USER_PROTOCOL_F_CONFIG))
		return -ENOTSUP;
	ret = vhost_fe_request(fe, VHOST_USER_GET_CONFIG, &c, VHOST_USER_CONFIG_HDR_SIZE + len,
			       NULL, 0, &r, NULL);
	if (ret)
		return ret;
	if (!r.hdr.size) {
		/* vhost-user GET_CONFIG: an empty reply is the back-end's "failed". */
		dev_warn_rl(&fe->rl, fe->name, "back-end could not read its config space");
		return -EREMOTEIO;
	}
	pthread_mutex_lock(&fe->cfg_lock);
	memcpy(fe->config, r.p.config.region, len);
	pthread_mutex_unlock(&fe->cfg_lock);
	if (fe->type->config_fetched)
		fe->type->config_fetched(fe);
	return 0;
}

/* --- Negotiation --- */

/*
 * After connecting: features, protocol features, queues, ownership, the
 * back-end channel. `first`: at creation (the offer to the guest is made
 * from what we learn); later the back-end must offer at least that again.
 */
int vhost_fe_negotiate(struct vhost_fe *fe, bool first)
{
	u64 bf, pf = 0, want, qn = 0;
	int sv[2], ret;

	ret = vhost_fe_get_u64(fe, VHOST_USER_GET_FEATURES, &bf);
	if (ret)
		return ret;
	if (!(bf & BIT64(VIRTIO_F_VERSION_1))) {
		vhost_fe_disconnect(fe, false, "it does not offer VIRTIO_F_VERSION_1");
		return -ENOTSUP;
	}
	if (!first && (bf & fe->offered_fwd) != fe->offered_fwd) {
		vhost_fe_disconnect(fe, false,
				    "it no longer offers features 0x%llx the guest was offered",
				    (unsigned long long)(fe->offered_fwd & ~bf));
		return -ENOTSUP;
	}
	fe->backend_features = bf;
	if (bf & BIT64(VHOST_USER_F_PROTOCOL_FEATURES)) {
		ret = vhost_fe_get_u64(fe, VHOST_USER_GET_PROTOCOL_FEATURES, &pf);
		if (ret)
			return ret;
		want = pf & (FE_PROTO_BASE | fe->type->protocol_features);
		/* The back-end channel is only for config changes here. */
		if (!(want & BIT64(VHOST_USER_PROTOCOL_F_CONFIG)))
			want &= ~BIT64(VHOST_USER_PROTOCOL_F_BACKEND_REQ);
		ret = vhost_fe_set_u64(fe, VHOST_USER_SET_PROTOCOL_FEATURES, want);
		if (ret)
			return ret;
		/* From here on REPLY_ACK (if acked) applies to our requests. */
		fe->protocol = want;
	}
	if (fe->type->backend_config && !vhost_fe_has_proto(fe, VHOST_USER_PROTOCOL_F_CONFIG)) {
		vhost_fe_disconnect(fe, false, "it does not offer PROTOCOL_F_CONFIG (%s needs it)",
				    fe->type->kind);
		return -ENOTSUP;
	}
	if (vhost_fe_has_proto(fe, VHOST_USER_PROTOCOL_F_MQ)) {
		ret = vhost_fe_get_u64(fe, VHOST_USER_GET_QUEUE_NUM, &qn);
		if (ret)
			return ret;
	}
	fe->backend_queues = qn ? (unsigned)MIN(qn, (u64)VIRTIO_MAX_QUEUES) : 0;
	if (!first && qn) {
		unsigned need = fe->type->queue_num_pairs ? fe->nr_rings / 2 : fe->nr_rings;

		if (qn < need) {
			vhost_fe_disconnect(fe, false, "it has %llu queues, the device uses %u",
					    (unsigned long long)qn, need);
			return -ENOTSUP;
		}
	}
	ret = vhost_fe_request(fe, VHOST_USER_SET_OWNER, NULL, 0, NULL, 0, NULL, NULL);
	if (ret)
		return ret;
	if (vhost_fe_has_proto(fe, VHOST_USER_PROTOCOL_F_BACKEND_REQ)) {
		struct timeval tv = {.tv_sec = fe->params.reply_timeout_ms / 1000,
				     .tv_usec = (fe->params.reply_timeout_ms % 1000) * 1000};

		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
			return -errno;
		/* Half a message on the channel must not hold our thread (and fe->lock). */
		if (setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
		    setsockopt(sv[0], SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0) {
			ret = -errno;
			close(sv[0]);
			close(sv[1]);
			return ret;
		}
		ret = vhost_fe_request(fe, VHOST_USER_SET_BACKEND_REQ_FD, NULL, 0, &sv[1], 1, NULL,
				       NULL);
		close(sv[1]);
		if (ret) {
			close(sv[0]);
			return ret;
		}
		fe->backend_sock = sv[0];
	}
	return 0;
}

/* --- Events on the front-end's thread --- */

/*
 * The request socket: nothing may arrive on it while no request is
 * outstanding (requests hold fe->lock across their reply), so data here is a
 * violation and EOF is the back-end gone.
 */
void vhost_fe_sock_event(void *opaque, u32 events)
{
	struct vhost_fe *fe = opaque;
	ssize_t n;
	char c;

	pthread_mutex_lock(&fe->lock);
	if (fe->sock < 0)
		goto out;
	n = recv(fe->sock, &c, 1, MSG_PEEK | MSG_DONTWAIT);
	if (n > 0)
		vhost_fe_disconnect(fe, true,
				    "message on the request socket with no request outstanding");
	else if (n == 0)
		vhost_fe_disconnect(fe, false, "closed the connection");
	else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
		vhost_fe_disconnect(fe, false, "connection error: %s", strerror(errno));
	else if (events & (EPOLLHUP | EPOLLERR))
		vhost_fe_disconnect(fe, false, "connection hung up");
out:
	pthread_mutex_unlock(&fe->lock);
}

static void fe_backend_reply(struct vhost_fe *fe, const struct vu_msg *req, u64 status)
{
	struct vu_msg r = {
		.hdr = {.request = req->hdr.request,
			.flags = VHOST_USER_VERSION | VHOST_USER_REPLY_MASK,
			.size = sizeof(u64)},
		.p.u64 = status,
	};

	if (vu_sock_send(fe->backend_sock, &r, NULL, 0))
		dev_warn_rl(&fe->rl, fe->name, "cannot answer the back-end's request %u",
			    req->hdr.request);
}

/* A request from the back-end (vhost-user "Back-end communication"). */
void vhost_fe_backend_event(void *opaque, u32 events)
{
	struct vhost_fe *fe = opaque;
	int fds[VHOST_USER_MAX_FDS];
	unsigned nfds = 0;
	const char *why;
	struct vu_msg m;
	bool ok;
	int ret;

	pthread_mutex_lock(&fe->lock);
	if (fe->backend_sock < 0)
		goto out;
	ret = vu_sock_recv(fe->backend_sock, &m, fds, &nfds, &why);
	if (ret == -EAGAIN)
		goto out;
	if (ret == -ECONNRESET) {
		/* It closed its end of the channel: no more config changes, nothing else. */
		pr_info("%s: back-end closed its request channel", fe->name);
		evloop_del(&fe->thread.loop, fe->backend_sock);
		close(fe->backend_sock);
		fe->backend_sock = -1;
		goto out;
	}
	if (ret) {
		vhost_fe_disconnect(fe, ret == -EPROTO, "request channel: %s",
				    ret == -EPROTO ? why : strerror(-ret));
		goto out;
	}
	why = vu_backend_msg_check(&m, nfds);
	vu_close_fds(fds, nfds);
	if (why) {
		vhost_fe_disconnect(fe, true, "back-end request %u: %s", m.hdr.request, why);
		goto out;
	}
	ok = m.hdr.request == VHOST_USER_BACKEND_CONFIG_CHANGE_MSG &&
	     vhost_fe_has_proto(fe, VHOST_USER_PROTOCOL_F_CONFIG);
	if (!ok)
		dev_warn_rl(&fe->rl, fe->name, "back-end request %u refused: not negotiated",
			    m.hdr.request);
	/* Answer first: a back-end waiting for it must not block our GET_CONFIG. */
	if (m.hdr.flags & VHOST_USER_NEED_REPLY_MASK)
		fe_backend_reply(fe, &m, ok ? 0 : 1);
	if (!ok)
		goto out;
	fe->stats.config_changes++;
	if (fe->type->backend_config && vhost_fe_fetch_config(fe, fe->type->config_size))
		goto out;
	/* virtio 1.2 §2.5.2: the driver re-reads config on the interrupt. */
	virtio_dev_config_changed(&fe->vd);
out:
	pthread_mutex_unlock(&fe->lock);
}
