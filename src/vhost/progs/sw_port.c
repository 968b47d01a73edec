// SPDX-License-Identifier: GPL-2.0-only
/*
 * A vhost-user port of the vswitch: a virtio-net device (virtio 1.2 §5.1)
 * whose driver is the front-end's guest. Queue layout (§5.1.2): receiveq k
 * is 2k, transmitq k is 2k+1, and the control queue follows the last pair
 * (2 * max_virtqueue_pairs with VIRTIO_NET_F_MQ, 2 without). QEMU and DPDK
 * keep the control queue to themselves and turn pairs on and off with
 * SET_VRING_ENABLE; user-mode Linux hands it to us, so VIRTIO_NET_CTRL_MQ is
 * answered here.
 *
 * Receive (the switch sending into the port): a frame goes into one receive
 * chain, or with VIRTIO_NET_F_MRG_RXBUF into as many as it needs, with the
 * count in the header's num_buffers (§5.1.6.4). The bytes are copied straight
 * from the sender's buffers. A frame that does not fit in what the driver
 * made available is dropped and the chains it took are given back. All
 * frames of a batch for this port go in under one queue lock: one used-index
 * publish and at most one interrupt.
 *
 * No offloads are offered (no CSUM, no GSO): frames are whole and
 * checksummed on every port, so any port can take a frame from any other.
 */
#include <errno.h>
#include <stdio.h>

#include <linux/virtio_config.h>
#include <linux/virtio_ring.h>

#include "iovirt/virtio.h"
#include "sw.h"

#define SW_CONFIG_MAX 256

static struct sw_port *port_of(struct vu_dev *dev)
{
	return vu_dev_opaque(dev);
}

static bool is_ctrl(const struct sw_port *p, struct vu_dev *dev, unsigned idx)
{
	return idx == p->ctrl_idx && (vu_dev_features(dev) & BIT64(VIRTIO_NET_F_CTRL_VQ));
}

/* ---- Control (control thread) ---- */

static int port_set_features(struct vu_dev *dev, u64 f)
{
	struct sw_port *p = port_of(dev);

	/* §5.1.6: the 12-byte header with VERSION_1 or mergeable buffers, else the legacy 10. */
	p->hdr_len = f & (BIT64(VIRTIO_F_VERSION_1) | BIT64(VIRTIO_NET_F_MRG_RXBUF)) ?
			     sizeof(struct virtio_net_hdr_mrg_rxbuf) :
			     sizeof(struct virtio_net_hdr);
	p->mrg = f & BIT64(VIRTIO_NET_F_MRG_RXBUF);
	p->ctrl_idx = f & BIT64(VIRTIO_NET_F_MQ) ? 2 * p->max_pairs : 2;
	atomic_store(&p->rx_pairs, p->max_pairs);
	return 0;
}

static int port_get_config(struct vu_dev *dev, u32 offset, void *buf, u32 len)
{
	struct sw_port *p = port_of(dev);
	u8 raw[SW_CONFIG_MAX] = { 0 };
	struct virtio_net_config cfg = { 0 };

	/* No VIRTIO_NET_F_MAC: the driver picks its own address (§5.1.5). */
	cfg.status = cpu_to_le16(VIRTIO_NET_S_LINK_UP);
	cfg.max_virtqueue_pairs = cpu_to_le16((u16)p->max_pairs);
	memcpy(raw, &cfg, sizeof(cfg));
	/* PEER: offset + len ≤ 256 was checked by the library (vu_msg_check). */
	if ((u64)offset + len > sizeof(raw))
		return -EINVAL;
	memcpy(buf, raw + offset, len);
	return 0;
}

static void port_queue_start(struct vu_dev *dev, struct vu_queue *q)
{
	struct sw_port *p = port_of(dev);
	unsigned idx = vu_queue_index(q);

	if (is_ctrl(p, dev, idx)) {
		atomic_fetch_or(&p->tx_ready, SW_CTRL_READY);
		if (p->sw->poll)
			vu_queue_set_poll(q, true);
		else
			sw_watch_queue(p, q, true);
		return;
	}
	if (idx / 2 >= p->max_pairs)
		return;
	if (!(idx & 1)) {
		/*
		 * Receive buffers are taken when a frame comes, not when the
		 * driver adds them: its kicks are of no use, so they are off.
		 */
		vu_queue_set_poll(q, true);
		atomic_fetch_or(&p->rx_ready, BIT64(idx / 2));
		return;
	}
	/* The hint first: a kick seen before it would be skipped, and seen again. */
	atomic_fetch_or(&p->tx_ready, BIT64(idx / 2));
	if (p->sw->poll)
		vu_queue_set_poll(q, true);
	else
		sw_watch_queue(p, q, true);
}

static void port_queue_stop(struct vu_dev *dev, struct vu_queue *q)
{
	struct sw_port *p = port_of(dev);
	unsigned idx = vu_queue_index(q);

	/* Nothing is held across batches: every popped chain was pushed or given back. */
	if (is_ctrl(p, dev, idx) || (idx & 1)) {
		if (!p->sw->poll)
			sw_watch_queue(p, q, false);
		atomic_fetch_and(&p->tx_ready, is_ctrl(p, dev, idx) ? ~SW_CTRL_READY : ~BIT64(idx / 2));
	} else if (idx / 2 < p->max_pairs) {
		atomic_fetch_and(&p->rx_ready, ~BIT64(idx / 2));
	}
}

const struct vu_dev_ops sw_port_ops_template = {
	/*
	 * Not VIRTIO_F_ACCESS_PLATFORM: a driver without DMA API (user-mode
	 * Linux) cannot set up its rings once it is negotiated.
	 * VIRTIO_F_IN_ORDER (virtio 1.2 §2.7.9 split, §2.8.8 packed): every
	 * queue is used in the order it was made available — a transmit batch
	 * is pushed back in pop order, receive chains are pushed in pop order
	 * and those not filled are given back (unpop) from the last one, the
	 * control queue is answered one command at a time — and DPDK's
	 * virtio driver takes its cheaper in-order paths with it.
	 */
	.features = BIT64(VIRTIO_F_VERSION_1) | BIT64(VIRTIO_F_IN_ORDER) |
		    BIT64(VIRTIO_NET_F_MRG_RXBUF) |
		    BIT64(VIRTIO_NET_F_STATUS) | BIT64(VIRTIO_NET_F_CTRL_VQ) |
		    BIT64(VIRTIO_NET_F_MQ) | BIT64(VIRTIO_F_RING_PACKED) |
		    BIT64(VIRTIO_RING_F_EVENT_IDX) | BIT64(VIRTIO_RING_F_INDIRECT_DESC),
	.max_queue_size = SW_QUEUE_SIZE,
	.set_features = port_set_features,
	.get_config = port_get_config,
	.queue_start = port_queue_start,
	.queue_stop = port_queue_stop,
	.handle_queue = sw_handle_queue,
};

static void port_attach(struct prog_endpoint *ep)
{
	struct sw_port *p = container_of(ep, struct sw_port, ep);

	pthread_rwlock_wrlock(&p->lock);
	p->dev = ep->dev;
	pthread_rwlock_unlock(&p->lock);
	pr_info("%s: front-end connected", p->name);
}

static void port_detach(struct prog_endpoint *ep)
{
	struct sw_port *p = container_of(ep, struct sw_port, ep);

	/* Every worker using the connection leaves it before this returns. */
	pthread_rwlock_wrlock(&p->lock);
	p->dev = NULL;
	pthread_rwlock_unlock(&p->lock);
	/* Its stations are gone with it: flood until they show up again. */
	sw_mac_flush_port(&p->sw->mac, p->id);
}

int sw_port_init_vhost(struct vswitch *sw, struct sw_port *p, const char *path, bool client,
		       unsigned pairs)
{
	pthread_rwlockattr_t a;

	p->kind = SW_PORT_VHOST;
	p->max_pairs = pairs;
	p->hdr_len = sizeof(struct virtio_net_hdr_mrg_rxbuf);
	p->ctrl_idx = 2 * pairs;
	atomic_init(&p->rx_ready, 0);
	atomic_init(&p->tx_ready, 0);
	atomic_init(&p->rx_pairs, pairs);
	pthread_rwlockattr_init(&a);
	pthread_rwlockattr_setkind_np(&a, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&p->lock, &a);
	pthread_rwlockattr_destroy(&a);
	p->ep.path = path;
	p->ep.client = client;
	p->ep.ops = &sw->ops;
	p->ep.opaque = p;
	p->ep.attach = port_attach;
	p->ep.detach = port_detach;
	snprintf(p->ep.name, sizeof(p->ep.name), "%s", p->name);
	return prog_endpoint_open(&p->ep);
}

void sw_port_fini(struct sw_port *p)
{
	if (p->kind == SW_PORT_VHOST) {
		prog_endpoint_close(&p->ep);
		pthread_rwlock_destroy(&p->lock);
	} else if (p->kind == SW_PORT_GEN) {
		sw_gen_fini(p);
	} else {
		tap_close(&p->tap);
	}
}

/* ---- Control queue (a worker, q locked) ---- */

/* §5.1.6.5: { u8 class; u8 command; data...; u8 ack (device-writable) }. */
void sw_port_ctrl(struct sw_port *p, struct vu_queue *q)
{
	struct iovec iov[16];
	struct virtq_elem e;

	virtq_elem_init(&e, iov, ARRAY_SIZE(iov));
	while (vu_queue_pop(q, &e) == 1) {
		struct virtio_net_ctrl_hdr h = { 0 };
		u8 ack = VIRTIO_NET_ERR;
		u16 pairs;

		/* GUEST: the command is copied out of the chain; nothing is trusted in place. */
		if (virtio_iov_to_buf(e.iov, e.out_num, 0, &h, sizeof(h)) == sizeof(h) &&
		    h.class == VIRTIO_NET_CTRL_MQ && h.cmd == VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET &&
		    virtio_iov_to_buf(e.iov, e.out_num, sizeof(h), &pairs, 2) == 2) {
			pairs = le16_to_cpu(pairs);
			/* §5.1.6.5.5: between 1 and max_virtqueue_pairs. */
			if (pairs >= VIRTIO_NET_CTRL_MQ_VQ_PAIRS_MIN && pairs <= p->max_pairs) {
				atomic_store(&p->rx_pairs, pairs);
				ack = VIRTIO_NET_OK;
				pr_info("%s: driver uses %u queue pair(s)", p->name, pairs);
			}
		}
		/*
		 * The ack follows the driver's part: the first device-writable byte,
		 * and 1 byte used (§2.7.8.2: len bytes written from the first writable
		 * buffer on), however much room the driver gave. A chain without one
		 * gets nothing.
		 */
		if (virtio_iov_from_buf(e.iov + e.out_num, e.in_num, 0, &ack, 1) == 1)
			vu_queue_push(q, &e, 1);
		else
			vu_queue_push(q, &e, 0);
		virtq_elem_init(&e, iov, ARRAY_SIZE(iov));
	}
}

/* ---- Receive: frames into the port's receive rings (a worker) ---- */

/* A write cursor over the device-writable buffers of the chains rx[0..k). */
struct rx_cursor {
	struct virtq_elem *rx;
	u32 *written;
	unsigned chain, i, end;
	size_t off;
};

static void cursor_start(struct rx_cursor *c, struct virtq_elem *rx, u32 *written)
{
	c->rx = rx;
	c->written = written;
	c->chain = 0;
	c->i = rx[0].out_num;
	c->end = rx[0].out_num + rx[0].in_num;
	c->off = 0;
	c->written[0] = 0;
}

/* Copy len bytes at the cursor; the caller made sure the chains hold them. */
static void cursor_put(struct rx_cursor *c, const u8 *src, size_t len)
{
	while (len) {
		struct iovec *v;
		size_t n;

		if (c->i == c->end) {
			struct virtq_elem *e = &c->rx[++c->chain];

			c->i = e->out_num;
			c->end = e->out_num + e->in_num;
			c->off = 0;
			c->written[c->chain] = 0;
			continue;
		}
		v = &c->rx[c->chain].iov[c->i];
		n = MIN(len, v->iov_len - c->off);
		/* GUEST: v was mapped writable by virtq_pop for iov_len bytes; off + n ≤ iov_len. */
		memcpy((u8 *)v->iov_base + c->off, src, n);
		c->off += n;
		c->written[c->chain] += (u32)n;
		src += n;
		len -= n;
		if (c->off == v->iov_len) {
			c->i++;
			c->off = 0;
		}
	}
}

/*
 * memcpy for a frame: a short one (most of them) in 16-byte moves inline,
 * the last one ending at the frame's end (overlapping the one before: no
 * byte outside [0, len) of either buffer is touched), a long one by the
 * C library's copy.
 */
static inline void frame_copy(u8 *dst, const u8 *src, size_t len)
{
	if (len > 256 || len < 16) {
		memcpy(dst, src, len);
		return;
	}
	for (size_t off = 0; off + 16 < len; off += 16)
		memcpy(dst + off, src + off, 16);
	memcpy(dst + len - 16, src + len - 16, 16);
}

/*
 * One frame into the k chains rx[0..k), which hold it (and the header in
 * the first); written[0..k) gets the bytes written to each. §5.1.6.4:
 * num_buffers is the number of chains (1 without mergeable buffers).
 */
static void rx_copy(struct virtq_elem *rx, u32 *written, unsigned k, const struct sw_pkt *pkt,
		    unsigned hdr_len)
{
	struct virtio_net_hdr_mrg_rxbuf hdr = { .num_buffers = cpu_to_le16((u16)k) };
	struct rx_cursor c;

	/* The usual case: one frame buffer into one receive buffer. */
	if (k == 1 && pkt->niov == 1 && !rx->out_num &&
	    rx->iov[0].iov_len >= (u64)hdr_len + pkt->len) {
		u8 *dst = rx->iov[0].iov_base;

		/* GUEST: dst was mapped writable for iov_len ≥ hdr_len + len bytes. */
		if (hdr_len == sizeof(hdr))
			memcpy(dst, &hdr, sizeof(hdr));
		else
			memcpy(dst, &hdr, hdr_len);
		frame_copy(dst + hdr_len, pkt->iov[0].iov_base, pkt->len);
		written[0] = hdr_len + pkt->len;
		return;
	}
	for (unsigned i = 1; i < k; i++)
		written[i] = 0;
	cursor_start(&c, rx, written);
	cursor_put(&c, (const u8 *)&hdr, hdr_len);
	for (unsigned i = 0; i < pkt->niov; i++)
		cursor_put(&c, pkt->iov[i].iov_base, pkt->iov[i].iov_len);
}

/* Chains rx[0..used) filled: publish them; rx[used..popped) unfilled: give them back. */
static void rx_settle(struct sw_worker *w, struct vu_queue *q, unsigned used, unsigned popped)
{
	vu_queue_push_batch(q, w->rx, w->rx_written, used);
	while (popped > used)
		vu_queue_unpop(q, &w->rx[--popped]);
}

/*
 * Frames into receive queue q (locked), in order; returns how many went in
 * (their bytes in *bytes). Receive chains are popped in batches as the
 * frames need them: one chain a frame, or with mergeable buffers as many as
 * it takes. A frame that does not fit in the chains it would take is
 * dropped and they go to the next frame; when the ring has nothing more,
 * the frames left are dropped. Chains taken and not filled are given back.
 */
static unsigned rx_deliver(struct sw_worker *w, struct vu_queue *q, struct sw_pkt **pkts,
			   unsigned n, unsigned hdr_len, bool mrg, u64 *bytes)
{
	unsigned popped = 0, used = 0, sent = 0, max = mrg ? SW_RX_CHAINS : 1;
	bool empty = false;

	for (unsigned i = 0; i < n; i++) {
		const struct sw_pkt *k = pkts[i];
		u64 need = (u64)hdr_len + k->len, have = 0;
		unsigned c = 0;

		while (have < need && c < max) {
			if (used + c == popped) {
				int r;

				if (empty)
					break;
				if (popped == SW_RX_CHAINS) {
					/*
					 * No room for more chains: settle the frames
					 * so far and take this one's chains again.
					 */
					rx_settle(w, q, used, popped);
					popped = used = c = 0;
					have = 0;
					continue;
				}
				r = vu_queue_pop_batch(q, &w->rx[popped],
						       MIN(SW_RX_CHAINS - popped, n - i));
				if (r <= 0) {
					empty = true;
					break;
				}
				/*
				 * The receive buffers, to be written, asked for ahead:
				 * two lines each, since the header sits at the end of
				 * the driver's headroom and the frame starts the next
				 * line (DPDK: 12 bytes before a 64-byte boundary).
				 */
				for (int j = 0; j < r; j++) {
					const struct virtq_elem *e = &w->rx[popped + j];

					if (!e->in_num || e->out_num)
						continue;
					sw_prefetchw(e->iov[0].iov_base);
					if (e->iov[0].iov_len > 64)
						sw_prefetchw((const u8 *)e->iov[0].iov_base + 64);
				}
				popped += (unsigned)r;
			}
			have += w->rx[used + c].in_len;
			c++;
		}
		if (!c)
			break; /* no buffers at all: the rest are dropped too */
		/* The first chain must hold the whole header (§5.1.6.4: it starts the first buffer). */
		if (have < need || w->rx[used].in_len < hdr_len)
			continue;
		rx_copy(&w->rx[used], &w->rx_written[used], c, k, hdr_len);
		used += c;
		sent++;
		*bytes += k->len;
	}
	rx_settle(w, q, used, popped);
	return sent;
}

/* The receive queue for frames from source pair `pair`: spread over the usable pairs. */
static int rx_queue_pick(struct sw_port *p, unsigned pair)
{
	u64 ready = atomic_load_explicit(&p->rx_ready, memory_order_relaxed);
	unsigned pairs = atomic_load_explicit(&p->rx_pairs, memory_order_relaxed);
	unsigned count, nth;

	if (pairs < 64)
		ready &= BIT64(pairs) - 1;
	count = (unsigned)__builtin_popcountll(ready);
	if (!count)
		return -1;
	for (nth = pair % count; nth; nth--)
		ready &= ready - 1;
	return 2 * __builtin_ctzll(ready);
}

void sw_port_deliver(struct sw_worker *w, struct sw_port *p, struct sw_pkt **pkts, unsigned n,
		     unsigned pair)
{
	u64 sent = 0, bytes = 0;
	struct vu_queue *q;
	int qidx;

	pthread_rwlock_rdlock(&p->lock);
	qidx = rx_queue_pick(p, pair);
	if (!p->dev || qidx < 0)
		goto out;
	q = vu_dev_queue(p->dev, (unsigned)qidx);
	vu_queue_lock(q);
	sent = rx_deliver(w, q, pkts, n, p->hdr_len, p->mrg, &bytes);
	vu_queue_unlock(q); /* one publish, at most one interrupt */
out:
	pthread_rwlock_unlock(&p->lock);
	if (sent) {
		atomic_fetch_add_explicit(&p->st.tx_packets, sent, memory_order_relaxed);
		atomic_fetch_add_explicit(&p->st.tx_bytes, bytes, memory_order_relaxed);
	}
	if (sent < n)
		atomic_fetch_add_explicit(&p->st.tx_dropped, n - sent, memory_order_relaxed);
}
