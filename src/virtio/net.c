// SPDX-License-Identifier: GPL-2.0-only
/*
 * virtio-net (virtio 1.2 §5.1) on a tap device with 12-byte vnet headers:
 * receiveq/transmitq pairs, one I/O thread per pair, plus the control queue
 * (handled on pair 0's thread). With VIRTIO_NET_F_MQ the tap has one queue
 * (fd) per pair (IFF_MULTI_QUEUE); pairs the driver does not use are detached
 * from the tap so no packet is steered to them (§5.1.6.5.5).
 *
 * TX is zero-copy: a chain's readable buffers (header + frame) go to the tap
 * with one writev. RX is zero-copy too: buffers are popped into a per-pair
 * stash until they can hold the largest frame the tap may hand over, the tap
 * is read straight into them with one readv, and only the buffers the frame
 * filled are used — with VIRTIO_NET_F_MRG_RXBUF several, their count in the
 * header's num_buffers (§5.1.6.4); the rest stay stashed for the next frame.
 *
 * The tap fd is edge-triggered: a pair reads until the tap is empty or the
 * guest has no buffers; in the latter case it enables receiveq notifications
 * and the driver's kick resumes it. Guest notifications are off while a queue
 * is being drained and re-enabled with a re-check at the end (§2.7.10), and
 * each batch ends with one used-ring flush and at most one interrupt.
 */
#include <errno.h>
#include <linux/if_ether.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "iovirt/config.h"
#include "iovirt/tap.h"
#include "iovirt/virtio.h"
#include "iovirt/vm.h"
#include "net_ctrl.h"

#define NET_HDR_LEN		12	/* struct virtio_net_hdr_v1 (VERSION_1) */
#define NET_MAX_PAIRS		TAP_MAX_QUEUES
#define NET_RX_STASH		64	/* buffers held for the next frame */
#define NET_RX_ELEM_IOV		32	/* buffers in one receive chain (big-packet mode: 19) */
#define NET_RX_IOV		1024	/* UIO_MAXIOV: one readv */
#define NET_TX_IOV		256
#define NET_RX_BUDGET		64	/* frames per used-ring flush */
#define NET_TX_BUDGET		256	/* chains before letting RX run */
#define NET_RX_ROUND		256	/* frames before letting TX run */
#define NET_MAX_FRAME		(65535 + ETH_HLEN + 4)	/* a GSO frame with a VLAN tag */
#define NET_CTRL_MAX		65536	/* largest control command we read */

struct virtio_net;

struct net_rx_buf {
	struct virtq_elem elem;
	struct iovec iov[NET_RX_ELEM_IOV];
};

struct net_stats {
	u64 rx_packets, rx_bytes, rx_dropped, rx_bad_buf;
	u64 tx_packets, tx_bytes, tx_errors;
};

struct net_pair {
	struct virtio_net *net;
	unsigned idx;
	int tapfd;
	struct virtq *rxq, *txq;	/* NULL when the driver did not set it up */
	struct virtio_iothread thread;
	bool started;
	bool active;			/* pair in use (atomic: written by the ctrl thread) */
	/* RX, owned by this pair's thread. */
	struct net_rx_buf stash[NET_RX_STASH];
	unsigned nstash;
	u64 stash_bytes;
	struct iovec rx_iov[NET_RX_IOV];
	unsigned rx_niov;
	unsigned rx_pushed;
	/* TX. */
	struct virtq_elem txe;
	struct iovec tx_iov[NET_TX_IOV];
	bool tx_stalled;		/* txe popped, the tap said EAGAIN */
	unsigned tx_pushed;
	struct net_stats st;
	struct ratelimit rl;
};

struct virtio_net {
	struct virtio_dev vd;
	struct tap tap;
	unsigned max_pairs;
	u8 mac[6];
	unsigned mtu;			/* of the tap, sizes the RX stash without GSO */
	bool sched_batch;		/* pair threads SCHED_BATCH (--net ...,sched=batch) */
	u64 rx_need;			/* bytes a frame may need (atomic: ctrl thread changes it) */
	bool tap_attached[NET_MAX_PAIRS];	/* tap queue i takes packets (ctrl thread) */
	/* Guards config (the MAC changes from the ctrl thread; vCPUs read it). */
	pthread_mutex_t cfg_lock;
	struct virtio_net_config config;
	/* Control queue (pair 0's thread). */
	struct net_ctrl_state ctrl;
	struct virtq_elem ctrl_elem;
	struct iovec ctrl_iov[64];
	u8 *ctrl_buf;
	struct net_pair *pairs;
};

static unsigned rxq_index(unsigned pair)
{
	return 2 * pair;
}

static unsigned txq_index(unsigned pair)
{
	return 2 * pair + 1;
}

static unsigned ctrlq_index(const struct virtio_net *net)
{
	return 2 * net->max_pairs;
}

/* The largest frame (with header) the tap may hand over, given the guest's offloads. */
static u64 rx_need_for(const struct virtio_net *net, u64 offloads)
{
	u64 gso = BIT64(VIRTIO_NET_F_GUEST_TSO4) | BIT64(VIRTIO_NET_F_GUEST_TSO6) |
		  BIT64(VIRTIO_NET_F_GUEST_UFO);

	if (offloads & gso)
		return NET_HDR_LEN + NET_MAX_FRAME;
	return NET_HDR_LEN + ETH_HLEN + 4 + MAX(net->mtu, 1500u);
}

static void pair_flush(struct net_pair *p, struct virtq *vq, unsigned *pushed, unsigned qidx)
{
	if (!*pushed)
		return;
	*pushed = 0;
	virtq_flush(vq);
	if (virtq_should_notify(vq))
		virtio_dev_notify(&p->net->vd, qidx);
}

static void pair_broken(struct net_pair *p, struct virtq *vq, const char *which)
{
	char why[80];

	snprintf(why, sizeof(why), "%s %u: %s", which, p->idx, virtq_error_str(vq->error));
	virtio_dev_set_needs_reset(&p->net->vd, why);
}

/* --- RX --- */

/* Drop the first k stashed buffers (they were used) and their iovecs. */
static void rx_consume(struct net_pair *p, unsigned k)
{
	unsigned niov = 0;

	for (unsigned i = 0; i < k; i++) {
		niov += p->stash[i].elem.in_num;
		p->stash_bytes -= p->stash[i].elem.in_len;
	}
	memmove(p->stash, p->stash + k, (p->nstash - k) * sizeof(p->stash[0]));
	p->nstash -= k;
	for (unsigned i = 0; i < p->nstash; i++)
		p->stash[i].elem.iov = p->stash[i].iov; /* moved: point at its own array */
	memmove(p->rx_iov, p->rx_iov + niov, (p->rx_niov - niov) * sizeof(p->rx_iov[0]));
	p->rx_niov -= niov;
}

/*
 * Pop receive buffers until the stash can hold a whole frame. Returns false
 * when the ring ran dry first (or broke) and nothing can be read yet.
 */
static bool rx_gather(struct net_pair *p, bool mrg)
{
	u64 need = __atomic_load_n(&p->net->rx_need, __ATOMIC_RELAXED);

	for (;;) {
		struct net_rx_buf *b;
		int ret;

		if (mrg ? p->stash_bytes >= need : p->nstash > 0)
			return true;
		/* Full stash of small buffers: read anyway, a bigger frame is dropped. */
		if (p->nstash == NET_RX_STASH || p->rx_niov + NET_RX_ELEM_IOV > NET_RX_IOV)
			return p->nstash > 0;
		b = &p->stash[p->nstash];
		b->elem.iov = b->iov;
		b->elem.iov_max = NET_RX_ELEM_IOV;
		ret = virtq_pop(p->rxq, &b->elem);
		if (ret == 0)
			return false;
		if (ret < 0) {
			pair_broken(p, p->rxq, "receiveq");
			return false;
		}
		if (b->elem.in_len < NET_HDR_LEN || b->elem.in_len > UINT32_MAX) {
			/* §5.1.6.3.1: every receive buffer holds at least the header. */
			p->st.rx_bad_buf++;
			dev_warn_rl(&p->rl, p->net->vd.name, "receive buffer of %llu bytes dropped",
				    (unsigned long long)b->elem.in_len);
			virtq_push(p->rxq, &b->elem, 0);
			p->rx_pushed++;
			continue;
		}
		/* Only the writable part receives; a readable part is ignored. */
		memcpy(p->rx_iov + p->rx_niov, b->iov + b->elem.out_num,
		       b->elem.in_num * sizeof(struct iovec));
		p->rx_niov += b->elem.in_num;
		p->stash_bytes += b->elem.in_len;
		p->nstash++;
	}
}

/* A frame of n bytes (header included) landed at the front of the stash. */
static void rx_deliver(struct net_pair *p, size_t n)
{
	struct net_rx_buf *b0 = &p->stash[0];
	size_t left = n;
	unsigned k = 0;
	u16 nbuf;

	while (left && k < p->nstash) {
		left -= MIN(left, p->stash[k].elem.in_len);
		k++;
	}
	nbuf = cpu_to_le16((u16)k);
	/* num_buffers (§5.1.6.4); 1 without MRG_RXBUF. The tap leaves it alone. */
	virtio_iov_from_buf(b0->iov + b0->elem.out_num, b0->elem.in_num,
			    offsetof(struct virtio_net_hdr_v1, num_buffers), &nbuf, sizeof(nbuf));
	left = n;
	for (unsigned i = 0; i < k; i++) {
		u32 len = (u32)MIN(left, p->stash[i].elem.in_len);

		virtq_push(p->rxq, &p->stash[i].elem, len);
		left -= len;
	}
	p->rx_pushed += k;
	p->st.rx_packets++;
	p->st.rx_bytes += n - NET_HDR_LEN;
	rx_consume(p, k);
}

static void rx_process(struct net_pair *p)
{
	bool mrg = virtio_has_feature(&p->net->vd, VIRTIO_NET_F_MRG_RXBUF);
	unsigned frames = 0, total = 0;

	if (!p->rxq || virtio_dev_broken(&p->net->vd) ||
	    !__atomic_load_n(&p->active, __ATOMIC_ACQUIRE))
		return;
	virtq_disable_notify(p->rxq);
	for (;;) {
		ssize_t n;

		if (!rx_gather(p, mrg)) {
			if (virtio_dev_broken(&p->net->vd))
				break;
			/* Out of buffers: ask for a kick; look again in case some just came. */
			if (virtq_enable_notify(p->rxq)) {
				virtq_disable_notify(p->rxq);
				continue;
			}
			break;
		}
		n = readv(p->tapfd, p->rx_iov, (int)p->rx_niov);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN) {
				/* The frame did not fit (EFAULT/EINVAL): the tap dropped it. */
				p->st.rx_dropped++;
				dev_warn_rl(&p->rl, p->net->vd.name, "pair %u: tap read: %s",
					    p->idx, strerror(errno));
				continue;
			}
			break;
		}
		if ((size_t)n < NET_HDR_LEN) {
			p->st.rx_dropped++;
			continue;
		}
		rx_deliver(p, (size_t)n);
		if (++frames == NET_RX_BUDGET) {
			pair_flush(p, p->rxq, &p->rx_pushed, rxq_index(p->idx));
			frames = 0;
		}
		if (++total == NET_RX_ROUND) {
			/* A flood must not starve TX on this thread: come back through our
			 * own kick (the tap is edge-triggered and may not signal again). */
			virtio_dev_queue_kick(&p->net->vd, rxq_index(p->idx));
			break;
		}
	}
	pair_flush(p, p->rxq, &p->rx_pushed, rxq_index(p->idx));
}

/* --- TX --- */

static void tx_process(struct net_pair *p)
{
	struct virtio_dev *vd = &p->net->vd;
	unsigned done = 0;

	if (!p->txq || virtio_dev_broken(vd))
		return;
	for (;;) {
		virtq_disable_notify(p->txq);
		while (done < NET_TX_BUDGET) {
			struct virtq_elem *e = &p->txe;
			int ret;

			if (!p->tx_stalled) {
				e->iov = p->tx_iov;
				e->iov_max = NET_TX_IOV;
				ret = virtq_pop(p->txq, e);
				if (ret == 0)
					goto empty;
				if (ret < 0) {
					pair_broken(p, p->txq, "transmitq");
					goto out;
				}
			}
			p->tx_stalled = false;
			if (e->out_len < NET_HDR_LEN || e->out_len > NET_HDR_LEN + NET_MAX_FRAME) {
				p->st.tx_errors++;
				dev_warn_rl(&p->rl, vd->name, "pair %u: transmit chain of %llu bytes "
					    "dropped", p->idx, (unsigned long long)e->out_len);
			} else {
				/* Header and frame straight from guest memory. */
				ssize_t w = writev(p->tapfd, e->iov, (int)e->out_num);

				if (w < 0 && errno == EAGAIN) {
					p->tx_stalled = true; /* EPOLLOUT resumes us */
					goto out;
				}
				if (w < 0 && errno == EIO) {
					/* The tap interface is down on the host: dropped. */
					p->st.tx_errors++;
				} else if (w < 0) {
					/* e.g. EINVAL: a GSO header the kernel refuses. */
					p->st.tx_errors++;
					dev_warn_rl(&p->rl, vd->name, "pair %u: tap write: %s",
						    p->idx, strerror(errno));
				} else {
					p->st.tx_packets++;
					p->st.tx_bytes += (u64)w - NET_HDR_LEN;
				}
			}
			virtq_push(p->txq, e, 0);
			p->tx_pushed++;
			done++;
		}
		/* Budget spent: let RX run and come back through our own kick. */
		pair_flush(p, p->txq, &p->tx_pushed, txq_index(p->idx));
		virtio_dev_queue_kick(vd, txq_index(p->idx));
		return;
empty:
		if (!virtq_enable_notify(p->txq))
			break;
	}
out:
	pair_flush(p, p->txq, &p->tx_pushed, txq_index(p->idx));
}

/* --- Event handlers (the pair's thread) --- */

static void pair_rx_kick(void *opaque, u32 events)
{
	struct net_pair *p = opaque;

	virtio_eventfd_drain(p->net->vd.queues[rxq_index(p->idx)].kick_fd);
	rx_process(p);
}

static void pair_tx_kick(void *opaque, u32 events)
{
	struct net_pair *p = opaque;

	virtio_eventfd_drain(p->net->vd.queues[txq_index(p->idx)].kick_fd);
	tx_process(p);
}

static void pair_tap_event(void *opaque, u32 events)
{
	struct net_pair *p = opaque;

	if (events & (EPOLLIN | EPOLLERR | EPOLLHUP))
		rx_process(p);
	if ((events & EPOLLOUT) && p->tx_stalled)
		tx_process(p);
}

/* --- Control queue --- */

/* Steer the tap's packets to its first n queues only (a detached queue gets none). */
static void net_tap_queues(struct virtio_net *net, unsigned n)
{
	if (net->tap.nr_queues < 2)
		return;
	for (unsigned i = 0; i < net->tap.nr_queues; i++) {
		bool on = i < n;
		int ret;

		if (net->tap_attached[i] == on)
			continue;
		ret = tap_set_queue_enabled(&net->tap, i, on);
		if (ret)
			pr_warn("%s: tap queue %u %s: %s", net->vd.name, i,
				on ? "attach" : "detach", strerror(-ret));
		else
			net->tap_attached[i] = on;
	}
}

/* Make what a control command changed true on the tap and in config space. */
static void ctrl_apply(struct virtio_net *net)
{
	struct net_ctrl_state *s = &net->ctrl;

	if (s->pairs_changed) {
		net_tap_queues(net, s->pairs);
		for (unsigned i = 0; i < net->max_pairs; i++)
			__atomic_store_n(&net->pairs[i].active, i < s->pairs, __ATOMIC_RELEASE);
	}
	if (s->offloads_changed) {
		int ret = tap_set_offload(&net->tap, net_tun_offloads(s->guest_offloads));

		if (ret)
			pr_warn("%s: tap offloads: %s", net->vd.name, strerror(-ret));
		__atomic_store_n(&net->rx_need, rx_need_for(net, s->guest_offloads),
				 __ATOMIC_RELAXED);
	}
	if (s->mac_changed) {
		pthread_mutex_lock(&net->cfg_lock);
		memcpy(net->config.mac, s->mac, 6);
		pthread_mutex_unlock(&net->cfg_lock);
		virtio_dev_config_changed(&net->vd);
	}
}

static void ctrl_one(struct virtio_net *net, struct virtq_elem *e)
{
	u8 ack;
	u32 written = net_ctrl_exec(&net->ctrl, e, net->ctrl_buf, NET_CTRL_MAX, &ack);

	if (!written)
		dev_warn_rl(&net->pairs[0].rl, net->vd.name,
			    "control command with no ack byte: not run");
	else if (ack == VIRTIO_NET_OK)
		ctrl_apply(net);
	virtq_push(&net->vd.queues[ctrlq_index(net)].vq, e, written);
}

static void ctrl_kick(void *opaque, u32 events)
{
	struct virtio_net *net = opaque;
	struct virtio_queue *q = &net->vd.queues[ctrlq_index(net)];
	unsigned pushed = 0;
	int ret;

	virtio_eventfd_drain(q->kick_fd);
	if (virtio_dev_broken(&net->vd))
		return;
	for (;;) {
		virtq_disable_notify(&q->vq);
		net->ctrl_elem.iov = net->ctrl_iov;
		net->ctrl_elem.iov_max = ARRAY_SIZE(net->ctrl_iov);
		while ((ret = virtq_pop(&q->vq, &net->ctrl_elem)) > 0) {
			ctrl_one(net, &net->ctrl_elem);
			pushed++;
		}
		if (ret < 0) {
			pair_broken(&net->pairs[0], &q->vq, "controlq");
			break;
		}
		if (!virtq_enable_notify(&q->vq))
			break;
	}
	pair_flush(&net->pairs[0], &q->vq, &pushed, ctrlq_index(net));
}

/* --- Device ops --- */

static void pair_stop(struct net_pair *p)
{
	if (!p->started)
		return;
	virtio_iothread_stop(&p->thread);
	p->nstash = 0;
	p->stash_bytes = 0;
	p->rx_niov = 0;
	p->tx_stalled = false;
	p->rx_pushed = p->tx_pushed = 0;
	p->started = false;
}

static int pair_start(struct virtio_net *net, unsigned i)
{
	struct net_pair *p = &net->pairs[i];
	struct virtio_queue *rq = &net->vd.queues[rxq_index(i)];
	struct virtio_queue *tq = &net->vd.queues[txq_index(i)];
	struct virtio_queue *cq = &net->vd.queues[ctrlq_index(net)];
	char name[48];
	int ret;

	p->rxq = rq->live ? &rq->vq : NULL;
	p->txq = tq->live ? &tq->vq : NULL;
	if (!p->rxq && !p->txq && !(i == 0 && cq->live))
		return 0;
	__atomic_store_n(&p->active, i < net->ctrl.pairs, __ATOMIC_RELEASE);
	snprintf(name, sizeof(name), "%s-p%u", net->vd.name, i);
	ret = virtio_iothread_init(&p->thread, name);
	if (ret)
		return ret;
	p->thread.sched_batch = net->sched_batch;
	ret = evloop_add(&p->thread.loop, rq->kick_fd, EPOLLIN, pair_rx_kick, p);
	if (!ret)
		ret = evloop_add(&p->thread.loop, tq->kick_fd, EPOLLIN, pair_tx_kick, p);
	if (!ret && i < net->tap.nr_queues)
		ret = evloop_add(&p->thread.loop, p->tapfd, EPOLLIN | EPOLLOUT | EPOLLET,
				 pair_tap_event, p);
	if (!ret && i == 0 && cq->live)
		ret = evloop_add(&p->thread.loop, cq->kick_fd, EPOLLIN, ctrl_kick, net);
	if (!ret)
		ret = virtio_iothread_start(&p->thread);
	if (ret) {
		virtio_iothread_stop(&p->thread);
		return ret;
	}
	p->started = true;
	/* Frames queued in the tap and buffers posted before we started. */
	virtio_dev_queue_kick(&net->vd, rxq_index(i));
	virtio_dev_queue_kick(&net->vd, txq_index(i));
	return 0;
}

static void net_reset(struct virtio_dev *vd)
{
	struct virtio_net *net = vd->opaque;

	for (unsigned i = 0; i < net->max_pairs; i++)
		pair_stop(&net->pairs[i]);
	if (tap_set_offload(&net->tap, 0))
		pr_debug("%s: tap offloads off failed", vd->name);
}

static int net_activate(struct virtio_dev *vd)
{
	struct virtio_net *net = vd->opaque;
	int ret;

	net_ctrl_init(&net->ctrl, vd->features, net->max_pairs, net->mac);
	net->rx_need = rx_need_for(net, net->ctrl.guest_offloads);
	ret = tap_set_offload(&net->tap, net_tun_offloads(net->ctrl.guest_offloads));
	if (ret) {
		pr_warn("%s: tap offloads 0x%x: %s", vd->name,
			net_tun_offloads(net->ctrl.guest_offloads), strerror(-ret));
		return ret;
	}
	/* §5.1.6.5.5: after reset only the first pair is in use. */
	net_tap_queues(net, 1);
	for (unsigned i = 0; i < net->max_pairs; i++) {
		ret = pair_start(net, i);
		if (ret) {
			net_reset(vd);
			return ret;
		}
	}
	return 0;
}

/* §5.1.3.1: feature bits that need others. */
static bool net_features_ok(struct virtio_dev *vd, u64 f)
{
	static const struct {
		unsigned bit;
		u64 needs_any;
	} deps[] = {
		{ VIRTIO_NET_F_GUEST_TSO4, BIT64(VIRTIO_NET_F_GUEST_CSUM) },
		{ VIRTIO_NET_F_GUEST_TSO6, BIT64(VIRTIO_NET_F_GUEST_CSUM) },
		{ VIRTIO_NET_F_GUEST_UFO, BIT64(VIRTIO_NET_F_GUEST_CSUM) },
		{ VIRTIO_NET_F_GUEST_ECN,
		  BIT64(VIRTIO_NET_F_GUEST_TSO4) | BIT64(VIRTIO_NET_F_GUEST_TSO6) },
		{ VIRTIO_NET_F_HOST_TSO4, BIT64(VIRTIO_NET_F_CSUM) },
		{ VIRTIO_NET_F_HOST_TSO6, BIT64(VIRTIO_NET_F_CSUM) },
		{ VIRTIO_NET_F_HOST_UFO, BIT64(VIRTIO_NET_F_CSUM) },
		{ VIRTIO_NET_F_HOST_ECN,
		  BIT64(VIRTIO_NET_F_HOST_TSO4) | BIT64(VIRTIO_NET_F_HOST_TSO6) },
		{ VIRTIO_NET_F_CTRL_RX, BIT64(VIRTIO_NET_F_CTRL_VQ) },
		{ VIRTIO_NET_F_CTRL_VLAN, BIT64(VIRTIO_NET_F_CTRL_VQ) },
		{ VIRTIO_NET_F_GUEST_ANNOUNCE, BIT64(VIRTIO_NET_F_CTRL_VQ) },
		{ VIRTIO_NET_F_MQ, BIT64(VIRTIO_NET_F_CTRL_VQ) },
		{ VIRTIO_NET_F_CTRL_MAC_ADDR, BIT64(VIRTIO_NET_F_CTRL_VQ) },
		{ VIRTIO_NET_F_CTRL_GUEST_OFFLOADS, BIT64(VIRTIO_NET_F_CTRL_VQ) },
	};

	for (unsigned i = 0; i < ARRAY_SIZE(deps); i++)
		if ((f & BIT64(deps[i].bit)) && !(f & deps[i].needs_any))
			return false;
	return true;
}

static void net_config_read(struct virtio_dev *vd, u32 off, void *data, unsigned len)
{
	struct virtio_net *net = vd->opaque;

	pthread_mutex_lock(&net->cfg_lock);
	memcpy(data, (const u8 *)&net->config + off, len);
	pthread_mutex_unlock(&net->cfg_lock);
}

static const struct virtio_dev_ops net_ops = {
	.type = "virtio-net",
	.device_id = VIRTIO_ID_NET,
	.config_read = net_config_read,
	/* §5.1.4: config is read-only for a modern driver (MAC changes via the ctrl queue). */
	.features_ok = net_features_ok,
	.activate = net_activate,
	.reset = net_reset,
};

static void net_destroy(void *opaque)
{
	struct virtio_net *net = opaque;

	virtio_dev_destroy(&net->vd);
	tap_close(&net->tap);
	pthread_mutex_destroy(&net->cfg_lock);
	free(net->ctrl_buf);
	free(net->pairs);
	free(net);
}

static const struct vm_device_ops net_vm_ops = {
	.name = "virtio-net",
	.destroy = net_destroy,
};

/* A stable locally administered MAC when none is given: 02:69:6f ("io") + hash. */
static void net_default_mac(u8 mac[6], const char *seed, unsigned index)
{
	u32 h = 2166136261u; /* FNV-1a */

	for (const char *c = seed; *c; c++)
		h = (h ^ (u8)*c) * 16777619u;
	h = (h ^ index) * 16777619u;
	mac[0] = 0x02;
	mac[1] = 0x69;
	mac[2] = 0x6f;
	mac[3] = (u8)(h >> 16);
	mac[4] = (u8)(h >> 8);
	mac[5] = (u8)h;
}

static unsigned tap_mtu(const char *ifname)
{
	struct ifreq ifr = { 0 };
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	unsigned mtu = 1500;

	if (s < 0)
		return mtu;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(s, SIOCGIFMTU, &ifr) == 0 && ifr.ifr_mtu > 0)
		mtu = (unsigned)ifr.ifr_mtu;
	close(s);
	return MIN(mtu, 65535u);
}

int virtio_net_create(struct vm *vm, const struct net_config *nc, unsigned index)
{
	unsigned pairs = nc->queues ? nc->queues : 1;
	struct virtio_net *net;
	char name[32];
	u64 features;
	int ret;

	snprintf(name, sizeof(name), "virtio-net%u", index);
	if (!nc->tap && nc->tap_fd < 0) {
		pr_err("%s: give tap=NAME or fd=N", name);
		return -EINVAL;
	}
	if (pairs > NET_MAX_PAIRS || 2 * pairs + 1 > VIRTIO_MAX_QUEUES) {
		pr_err("%s: %u queue pairs asked, at most %u", name, pairs, NET_MAX_PAIRS);
		return -EINVAL;
	}
	if (nc->tap_fd >= 0 && pairs > 1) {
		pr_err("%s: fd=%d is one tap queue; queues=%u needs tap=NAME", name, nc->tap_fd,
		       pairs);
		return -EINVAL;
	}
	net = calloc(1, sizeof(*net));
	if (!net)
		return -ENOMEM;
	net->pairs = calloc(pairs, sizeof(*net->pairs));
	net->ctrl_buf = malloc(NET_CTRL_MAX);
	if (!net->pairs || !net->ctrl_buf) {
		ret = -ENOMEM;
		goto err_free;
	}
	net->max_pairs = pairs;
	net->sched_batch = nc->sched_batch;
	pthread_mutex_init(&net->cfg_lock, NULL);
	ret = nc->tap ? tap_open(&net->tap, nc->tap, pairs, NET_HDR_LEN)
		      : tap_open_fd(&net->tap, nc->tap_fd, NET_HDR_LEN);
	if (ret)
		goto err_free; /* tap_open said why */
	net->mtu = tap_mtu(net->tap.name);
	if (nc->mac_set)
		memcpy(net->mac, nc->mac, 6);
	else
		net_default_mac(net->mac, net->tap.name, index);
	for (unsigned i = 0; i < pairs; i++) {
		net->pairs[i].net = net;
		net->pairs[i].idx = i;
		net->pairs[i].tapfd = net->tap.fds[i];
		net->pairs[i].rl = (struct ratelimit)RATELIMIT_INIT;
		net->tap_attached[i] = true;	/* TUNSETIFF attaches every queue it opens */
	}
	memcpy(net->config.mac, net->mac, 6);
	net->config.status = cpu_to_le16(VIRTIO_NET_S_LINK_UP);
	net->config.max_virtqueue_pairs = cpu_to_le16((u16)pairs);

	features = BIT64(VIRTIO_NET_F_CSUM) | BIT64(VIRTIO_NET_F_GUEST_CSUM) |
		   BIT64(VIRTIO_NET_F_CTRL_GUEST_OFFLOADS) | BIT64(VIRTIO_NET_F_MAC) |
		   BIT64(VIRTIO_NET_F_GUEST_TSO4) | BIT64(VIRTIO_NET_F_GUEST_TSO6) |
		   BIT64(VIRTIO_NET_F_GUEST_ECN) | BIT64(VIRTIO_NET_F_HOST_TSO4) |
		   BIT64(VIRTIO_NET_F_HOST_TSO6) | BIT64(VIRTIO_NET_F_HOST_ECN) |
		   BIT64(VIRTIO_NET_F_MRG_RXBUF) | BIT64(VIRTIO_NET_F_STATUS) |
		   BIT64(VIRTIO_NET_F_CTRL_VQ) | BIT64(VIRTIO_NET_F_CTRL_RX) |
		   BIT64(VIRTIO_NET_F_CTRL_MAC_ADDR);
	if (pairs > 1)
		features |= BIT64(VIRTIO_NET_F_MQ);
	if (nc->packed)
		features |= BIT64(VIRTIO_F_RING_PACKED);
	ret = virtio_dev_init(&net->vd, &net_ops, net, name, 2 * pairs + 1, VIRTIO_QUEUE_SIZE,
			      features, offsetof(struct virtio_net_config, mtu));
	if (ret)
		goto err_tap;
	ret = vm_add_device(vm, &net_vm_ops, net);
	if (ret) {
		virtio_dev_destroy(&net->vd);
		goto err_tap;
	}
	if (nc->transport == TRANSPORT_MMIO)
		return virtio_mmio_create(vm, &net->vd);
	return virtio_pci_create(vm, &net->vd);

err_tap:
	tap_close(&net->tap);
err_free:
	pthread_mutex_destroy(&net->cfg_lock);
	free(net->ctrl_buf);
	free(net->pairs);
	free(net);
	return ret;
}
