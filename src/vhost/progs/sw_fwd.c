// SPDX-License-Identifier: GPL-2.0-only
/*
 * The vswitch's forwarding workers. Each worker owns a fixed set of sources
 * — transmit queues (and control queues) of the vhost-user ports, and the
 * tap — dealt round-robin at start-up, so a source is only ever read by one
 * thread. With --poll a worker spins over its sources; otherwise it sleeps
 * in epoll on their kick eventfds (added and removed as the front-ends start
 * and stop queues) and the tap.
 *
 * One visit to a transmit queue: pop up to SW_BATCH chains, skip each one's
 * virtio-net header, learn the source addresses, look up the destinations,
 * then for each destination port deliver its frames in one go (one lock,
 * one used-index publish, one notify), and finally push the whole batch back
 * to the sender (one more publish and notify when the library unlocks).
 * Frame bytes are copied once, from the sender's buffers into the
 * receiver's.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "iovirt/virtio.h"
#include "sw.h"

#define SW_CTRL_QIDX 0xffffu	/* a source slot for the port's control queue */
#define SW_POLL_BATCHES 4	/* batches per transmit queue per polling round */

u64 sw_coarse_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (u64)ts.tv_sec * 1000000000ull + (u64)ts.tv_nsec;
}

static bool mac_is_group(const u8 *mac)
{
	return mac[0] & 1;
}

/* The first 12 bytes of a frame (destination, source), gathered if split. */
static const u8 *frame_macs(const struct sw_pkt *k, u8 *tmp)
{
	if (k->iov[0].iov_len >= 12)
		return k->iov[0].iov_base;
	virtio_iov_to_buf(k->iov, k->niov, 0, tmp, 12);
	return tmp;
}

static void deliver(struct sw_worker *w, struct sw_port *p, struct sw_pkt **list, unsigned cnt,
		    unsigned pair)
{
	if (p->kind == SW_PORT_TAP)
		sw_tap_deliver(w, p, list, cnt);
	else if (p->kind == SW_PORT_GEN)
		sw_gen_deliver(p, list, cnt);
	else
		sw_port_deliver(w, p, list, cnt, pair);
}

void sw_forward(struct sw_worker *w, struct sw_port *src, unsigned pair, unsigned n)
{
	struct vswitch *sw = w->sw;
	struct sw_pkt *list[SW_BATCH];
	u64 learnt = ~0ull, looked = ~0ull; /* no MAC is all ones in 64 bits */
	int found = SW_PORT_NONE, first = SW_PORT_DROP;
	unsigned cnt = 0;
	bool flood = false, uniform = true;

	for (unsigned i = 0; i < n; i++) {
		struct sw_pkt *k = &w->pkt[i];
		u8 tmp[12];
		const u8 *m;
		u64 sa, da;

		if (k->dst == SW_PORT_DROP)
			continue; /* dropped at the source */
		m = frame_macs(k, tmp);
		/* GUEST: addresses are only compared and hashed. */
		sa = sw_mac48(m + 6);
		da = sw_mac48(m);
		/*
		 * A batch is one instant (one `now`) from one port: a source seen
		 * earlier in it was learnt already, and a destination looked up
		 * already has the same answer — unless a learning in between
		 * changed the table, which forgets the remembered lookup.
		 */
		if (sa != learnt) {
			sw_mac_learn(&sw->mac, m + 6, src->id, w->now);
			learnt = sa;
			looked = ~0ull;
		}
		if (mac_is_group(m)) {
			k->dst = SW_PORT_NONE;
		} else {
			if (da != looked) {
				found = sw_mac_lookup(&sw->mac, m, w->now);
				looked = da;
			}
			k->dst = found;
		}
		/* A station talking to itself through us: filtered, as a bridge does. */
		if (k->dst == src->id) {
			k->dst = SW_PORT_DROP;
			continue;
		}
		flood |= k->dst == SW_PORT_NONE;
		if (!cnt)
			first = k->dst;
		uniform &= k->dst == first;
		list[cnt++] = k;
	}
	if (!cnt)
		return;
	/* The usual batch: one destination (or one flood) for all its frames. */
	if (uniform) {
		if (first >= 0) {
			deliver(w, &sw->port[first], list, cnt, pair);
			return;
		}
		for (unsigned d = 0; d < sw->nports; d++)
			if (&sw->port[d] != src)
				deliver(w, &sw->port[d], list, cnt, pair);
		return;
	}
	for (unsigned d = 0; d < sw->nports; d++) {
		struct sw_port *p = &sw->port[d];

		if (p == src)
			continue;
		cnt = 0;
		for (unsigned i = 0; i < n; i++)
			if (w->pkt[i].dst == (int)d || (flood && w->pkt[i].dst == SW_PORT_NONE))
				list[cnt++] = &w->pkt[i];
		if (cnt)
			deliver(w, p, list, cnt, pair);
	}
}

/* Pop up to SW_BATCH frames from transmit queue q of port p and forward them. q locked. */
static unsigned tx_batch(struct sw_worker *w, struct sw_port *p, struct vu_queue *q,
			 unsigned pair)
{
	size_t hdr_len = p->hdr_len;
	unsigned bad = 0;
	u64 bytes = 0;
	int n;

	n = vu_queue_pop_batch(q, w->tx, SW_BATCH);
	if (n <= 0)
		return 0;
	/* The addresses of every frame asked for before any is read (see virtq_pop_batch). */
	for (int j = 0; j < n; j++) {
		const struct virtq_elem *e = &w->tx[j];

		if (e->out_num && e->iov[0].iov_len > hdr_len)
			__builtin_prefetch((const u8 *)e->iov[0].iov_base + hdr_len);
		else if (e->out_num > 1)
			__builtin_prefetch(e->iov[1].iov_base);
	}
	for (int j = 0; j < n; j++) {
		struct virtq_elem *e = &w->tx[j];
		struct sw_pkt *k = &w->pkt[j];
		size_t skip = hdr_len;
		unsigned i = 0;

		/*
		 * §5.1.6.2: header, then the frame, all device-readable. Skip the
		 * header in place (the chain is only pushed back, never re-read).
		 * Usually both are in the one buffer.
		 */
		if (likely(e->out_num == 1 && e->iov[0].iov_len > hdr_len)) {
			e->iov[0].iov_base = (u8 *)e->iov[0].iov_base + hdr_len;
			e->iov[0].iov_len -= hdr_len;
			skip = 0;
		}
		while (i < e->out_num && skip) {
			size_t take = MIN(skip, e->iov[i].iov_len);

			e->iov[i].iov_base = (u8 *)e->iov[i].iov_base + take;
			e->iov[i].iov_len -= take;
			skip -= take;
			if (!e->iov[i].iov_len)
				i++;
		}
		*k = (struct sw_pkt){ .iov = e->iov + i, .niov = e->out_num - i,
				      .len = (u32)(e->out_len - MIN(e->out_len, hdr_len)) };
		/* GUEST: a chain shorter than header + Ethernet header carries no frame. */
		if (e->out_len < hdr_len + 14 || e->out_len > hdr_len + SW_FRAME_MAX) {
			k->dst = SW_PORT_DROP;
			bad++;
			continue;
		}
		bytes += k->len;
	}
	if ((unsigned)n > bad) {
		atomic_fetch_add_explicit(&p->st.rx_packets, (unsigned)n - bad, memory_order_relaxed);
		atomic_fetch_add_explicit(&p->st.rx_bytes, bytes, memory_order_relaxed);
	}
	if (bad)
		atomic_fetch_add_explicit(&p->st.rx_dropped, bad, memory_order_relaxed);
	w->now = sw_coarse_ns();
	sw_forward(w, p, pair, (unsigned)n);
	/* Transmit buffers are read-only to us: nothing written (§5.1.6.2). */
	vu_queue_push_batch(q, w->tx, NULL, (unsigned)n);
	return (unsigned)n;
}

void sw_handle_queue(struct vu_dev *dev, struct vu_queue *q)
{
	struct sw_port *p = vu_dev_opaque(dev);
	unsigned idx = vu_queue_index(q);
	struct sw_source *s;
	struct sw_worker *w;

	if (idx == p->ctrl_idx && (vu_dev_features(dev) & BIT64(VIRTIO_NET_F_CTRL_VQ))) {
		sw_port_ctrl(p, q);
		return;
	}
	/* Only transmit queues are processed; receive rings are filled by deliveries. */
	if (!(idx & 1) || idx / 2 >= p->max_pairs)
		return;
	s = p->tx_src[idx / 2];
	w = s->w;
	if (p->sw->poll) {
		for (unsigned b = 0; b < SW_POLL_BATCHES; b++)
			if (tx_batch(w, p, q, s->pair) < SW_BATCH)
				break;
		return;
	}
	/* Event mode: drain with kicks off, then turn them on and look once more (§2.7.10). */
	for (;;) {
		vu_queue_disable_notify(q);
		while (tx_batch(w, p, q, s->pair) == SW_BATCH)
			;
		if (!vu_queue_enable_notify(q))
			break;
	}
}

/* ---- Sources and workers ---- */

void sw_watch_queue(struct sw_port *p, struct vu_queue *q, bool on)
{
	unsigned idx = vu_queue_index(q);
	struct sw_source *s = idx & 1 ? p->tx_src[idx / 2] : p->ctrl_src;
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = s };
	int fd = vu_queue_kick_fd(q);

	if (!s)
		return;
	if (fd < 0) {
		if (on)
			pr_warn("%s: queue %u has no kick fd (the front-end polls): run with --poll",
				p->name, vu_queue_index(q));
		return;
	}
	/* A stale event for a removed fd is harmless: the slot names (port, queue), not the fd. */
	if (epoll_ctl(s->w->epfd, on ? EPOLL_CTL_ADD : EPOLL_CTL_DEL, fd, &ev) < 0 && on)
		pr_err("%s: cannot watch queue %u: %s", p->name, vu_queue_index(q),
		       strerror(errno));
}

/* Visit one source; true if it had work. */
static bool source_visit(struct sw_worker *w, struct sw_source *s)
{
	struct sw_port *p = s->port;
	bool work = false;

	if (p->kind == SW_PORT_TAP)
		return sw_tap_poll(w, p);
	if (p->kind == SW_PORT_GEN)
		return sw_gen_poll(w, p);
	/* An idle queue costs one load, not two locks (polling visits it all the time). */
	if (!(atomic_load_explicit(&p->tx_ready, memory_order_relaxed) &
	      (s->qidx == SW_CTRL_QIDX ? SW_CTRL_READY : BIT64(s->pair))))
		return false;
	pthread_rwlock_rdlock(&p->lock);
	if (p->dev) {
		unsigned idx = s->qidx == SW_CTRL_QIDX ? p->ctrl_idx : s->qidx;
		struct vu_queue *q = vu_dev_queue(p->dev, idx);

		/* -EIO, broken rings: the library told the front-end, which resets the device. */
		if (q)
			work = vu_queue_process(q) == 0;
	}
	pthread_rwlock_unlock(&p->lock);
	return work;
}

static void *worker_poll(void *opaque)
{
	struct sw_worker *w = opaque;

	while (!atomic_load_explicit(&w->sw->stop, memory_order_relaxed))
		for (unsigned i = 0; i < w->nsrc; i++)
			source_visit(w, &w->src[i]);
	return NULL;
}

static void *worker_event(void *opaque)
{
	struct sw_worker *w = opaque;
	struct epoll_event ev[32];

	for (;;) {
		int n = epoll_wait(w->epfd, ev, ARRAY_SIZE(ev), -1);

		if (n < 0 && errno != EINTR) {
			pr_err("vswitch worker %u: epoll: %s", w->id, strerror(errno));
			break;
		}
		for (int i = 0; i < n; i++) {
			if (!ev[i].data.ptr)
				return NULL; /* the stop eventfd */
			source_visit(w, ev[i].data.ptr);
		}
	}
	return NULL;
}

static void source_add(struct vswitch *sw, struct sw_port *p, unsigned qidx, unsigned pair,
		       unsigned *next)
{
	struct sw_worker *w = &sw->workers[(*next)++ % sw->nworkers];
	struct sw_source *s = &w->src[w->nsrc++];

	*s = (struct sw_source){ .port = p, .qidx = qidx, .pair = pair, .w = w };
	if (p->kind == SW_PORT_VHOST && qidx == SW_CTRL_QIDX)
		p->ctrl_src = s;
	else if (p->kind == SW_PORT_VHOST)
		p->tx_src[pair] = s;
}

static int worker_init(struct vswitch *sw, struct sw_worker *w, unsigned id)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };

	w->sw = sw;
	w->id = id;
	for (unsigned i = 0; i < SW_BATCH; i++)
		virtq_elem_init(&w->tx[i], w->tx_iov[i], SW_TX_IOV);
	for (unsigned i = 0; i < SW_RX_CHAINS; i++)
		virtq_elem_init(&w->rx[i], w->rx_iov[i], SW_RX_IOV);
	w->epfd = epoll_create1(EPOLL_CLOEXEC);
	w->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (w->epfd < 0 || w->stop_fd < 0 || epoll_ctl(w->epfd, EPOLL_CTL_ADD, w->stop_fd, &ev))
		return -errno;
	for (unsigned i = 0; i < w->nsrc; i++) {
		struct sw_port *p = w->src[i].port;

		if (p->kind != SW_PORT_TAP)
			continue;
		if (!w->frames) {
			w->frames = malloc((size_t)SW_BATCH *
					   (SW_FRAME_MAX + sizeof(struct virtio_net_hdr_mrg_rxbuf)));
			if (!w->frames)
				return -ENOMEM;
		}
		ev.data.ptr = &w->src[i];
		if (!sw->poll && epoll_ctl(w->epfd, EPOLL_CTL_ADD, p->tap.fds[0], &ev))
			return -errno;
	}
	return 0;
}

int sw_workers_setup(struct vswitch *sw)
{
	unsigned next = 0;
	int ret;

	sw->workers = calloc(sw->nworkers, sizeof(*sw->workers));
	if (!sw->workers)
		return -ENOMEM;
	for (unsigned t = 0; t < sw->nworkers; t++) {
		sw->workers[t].epfd = -1;
		sw->workers[t].stop_fd = -1;
	}
	/* Deal the sources: pair k of every port, then the control queues and the tap. */
	for (unsigned k = 0; k < SW_MAX_PAIRS; k++)
		for (unsigned d = 0; d < sw->nports; d++)
			if (sw->port[d].kind == SW_PORT_VHOST && k < sw->port[d].max_pairs)
				source_add(sw, &sw->port[d], 2 * k + 1, k, &next);
	for (unsigned d = 0; d < sw->nports; d++) {
		if (sw->port[d].kind == SW_PORT_VHOST)
			source_add(sw, &sw->port[d], SW_CTRL_QIDX, 0, &next);
		else
			source_add(sw, &sw->port[d], 0, 0, &next);
	}
	for (unsigned t = 0; t < sw->nworkers; t++) {
		ret = worker_init(sw, &sw->workers[t], t);
		if (ret)
			return ret;
	}
	return 0;
}

int sw_workers_start(struct vswitch *sw)
{
	int ret = sw_workers_setup(sw);

	if (ret)
		return ret;
	for (unsigned t = 0; t < sw->nworkers; t++) {
		struct sw_worker *w = &sw->workers[t];

		ret = -pthread_create(&w->thread, NULL, sw->poll ? worker_poll : worker_event, w);
		if (ret)
			return ret;
		w->started = true;
	}
	return 0;
}

void sw_workers_stop(struct vswitch *sw)
{
	u64 one = 1;

	if (!sw->workers)
		return;
	atomic_store(&sw->stop, true);
	for (unsigned t = 0; t < sw->nworkers; t++) {
		struct sw_worker *w = &sw->workers[t];

		if (w->stop_fd >= 0 && write(w->stop_fd, &one, sizeof(one)) < 0)
			pr_warn("vswitch worker %u: stop: %s", t, strerror(errno));
		if (w->started)
			pthread_join(w->thread, NULL);
		if (w->epfd >= 0)
			close(w->epfd);
		if (w->stop_fd >= 0)
			close(w->stop_fd);
		free(w->frames);
	}
	free(sw->workers);
	sw->workers = NULL;
}
