// SPDX-License-Identifier: GPL-2.0-only
/*
 * vhost-user-net (virtio 1.2 §5.1 over vhost-user): the back-end (a switch,
 * DPDK's vhost PMD) moves packets on the receive/transmit pairs; the VMM
 * keeps what is the device's rather than the datapath's — config space (MAC,
 * link status, max_virtqueue_pairs) and the control queue (§5.1.6.5: RX
 * mode, MAC address, number of queue pairs), which it runs on the
 * front-end's thread with the same command parser as the in-VMM device.
 * Changing the number of pairs enables or disables rings on the back-end
 * (SET_VRING_ENABLE), as the protocol's multiple-queue section says. Ring
 * indexes on the wire are the virtio ones (pair i: 2i receive, 2i+1
 * transmit); the control queue, last, is never handed over. The link is
 * reported down while the back-end is away.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>

#include <linux/virtio_net.h>

#include "iovirt/config.h"
#include "iovirt/vm.h"
#include "src/virtio/net_ctrl.h"
#include "vu_frontend.h"

#define VU_NET_MAX_PAIRS 16
#define VU_NET_CTRL_MAX	 4096 /* largest control command read (MAC tables included) */

struct vu_net {
	unsigned pairs; /* max_virtqueue_pairs */
	u8 mac[6];
	bool ctrl_live;	 /* the control queue is watched (fe->lock) */
	unsigned ctrl_q; /* its index while the device runs */
	struct net_ctrl_state ctrl;
	struct virtq_elem elem;
	struct iovec iov[64];
	u8 buf[VU_NET_CTRL_MAX];
};

/* §5.1.2: the control queue is 2N, N = max_virtqueue_pairs with MQ, else 1. */
static unsigned ctrlq(struct vhost_fe *fe)
{
	struct vu_net *n = fe->priv;

	return virtio_has_feature(&fe->vd, VIRTIO_NET_F_MQ) ? 2 * n->pairs : 2;
}

/* The receive/transmit rings the back-end gets: every pair with MQ, else the first. */
static unsigned vu_net_active_rings(struct vhost_fe *fe)
{
	return ctrlq(fe);
}

static void vu_net_set_config(struct vhost_fe *fe, const u8 mac[6], bool link_up)
{
	struct vu_net *n = fe->priv;
	struct virtio_net_config c = {
		.status = cpu_to_le16(link_up ? VIRTIO_NET_S_LINK_UP : 0),
		.max_virtqueue_pairs = cpu_to_le16((u16)n->pairs),
	};

	memcpy(c.mac, mac, 6);
	pthread_mutex_lock(&fe->cfg_lock);
	memcpy(fe->config, &c, offsetof(struct virtio_net_config, mtu));
	pthread_mutex_unlock(&fe->cfg_lock);
}

static int vu_net_setup(struct vhost_fe *fe, unsigned *nr_queues, unsigned *nr_rings, u64 *local)
{
	struct vu_net *n = fe->priv;

	if (fe->backend_queues && fe->backend_queues < n->pairs) {
		pr_err("%s: queues=%u asked, the back-end at %s has %u", fe->name, n->pairs,
		       fe->path, fe->backend_queues);
		return -EINVAL;
	}
	/*
	 * MQ needs the control queue, which is ours; a back-end that offers the
	 * bit gets it acked too (DPDK keeps only the first pair without it).
	 */
	*local = n->pairs > 1 ? BIT64(VIRTIO_NET_F_MQ) : 0;
	*nr_rings = 2 * n->pairs;
	*nr_queues = 2 * n->pairs + 1;
	vu_net_set_config(fe, n->mac, true);
	return 0;
}

/* The bits of f whose requirement (virtio 1.2 §5.1.3.1) is not in f. */
static u64 vu_net_unmet(u64 f)
{
	/* Offloads need the checksum feature they build on; commands the ctrl queue. */
	static const struct {
		unsigned bit;
		u64 needs_any;
	} deps[] = {
		{VIRTIO_NET_F_GUEST_TSO4, BIT64(VIRTIO_NET_F_GUEST_CSUM)},
		{VIRTIO_NET_F_GUEST_TSO6, BIT64(VIRTIO_NET_F_GUEST_CSUM)},
		{VIRTIO_NET_F_GUEST_UFO, BIT64(VIRTIO_NET_F_GUEST_CSUM)},
		{VIRTIO_NET_F_GUEST_ECN,
		 BIT64(VIRTIO_NET_F_GUEST_TSO4) | BIT64(VIRTIO_NET_F_GUEST_TSO6)},
		{VIRTIO_NET_F_HOST_TSO4, BIT64(VIRTIO_NET_F_CSUM)},
		{VIRTIO_NET_F_HOST_TSO6, BIT64(VIRTIO_NET_F_CSUM)},
		{VIRTIO_NET_F_HOST_UFO, BIT64(VIRTIO_NET_F_CSUM)},
		{VIRTIO_NET_F_HOST_ECN,
		 BIT64(VIRTIO_NET_F_HOST_TSO4) | BIT64(VIRTIO_NET_F_HOST_TSO6)},
		{VIRTIO_NET_F_CTRL_RX, BIT64(VIRTIO_NET_F_CTRL_VQ)},
		{VIRTIO_NET_F_MQ, BIT64(VIRTIO_NET_F_CTRL_VQ)},
		{VIRTIO_NET_F_CTRL_MAC_ADDR, BIT64(VIRTIO_NET_F_CTRL_VQ)},
	};

	u64 unmet = 0;

	for (unsigned i = 0; i < ARRAY_SIZE(deps); i++)
		if ((f & BIT64(deps[i].bit)) && !(f & deps[i].needs_any))
			unmet |= BIT64(deps[i].bit);
	return unmet;
}

static bool vu_net_features_ok(struct vhost_fe *fe, u64 f)
{
	return !vu_net_unmet(f);
}

/*
 * virtio 1.2 §2.2.1: a device should not offer a feature whose requirement
 * it does not offer, and a driver must not accept one. DPDK's vhost PMD with
 * TSO off (its default) clears HOST_TSO4/6 but still offers HOST_ECN, and
 * Linux's virtio_net accepts it, which FEATURES_OK would then refuse: the
 * guest is offered only bits whose requirements are offered too (dropping
 * one can leave another without its own, hence the loop).
 */
static u64 vu_net_offer(struct vhost_fe *fe, u64 f)
{
	u64 unmet;

	while ((unmet = vu_net_unmet(f)))
		f &= ~unmet;
	return f;
}

/* One control command: the ack is the last writable byte (§5.1.6.5). fe->lock held. */
static void vu_net_ctrl_one(struct vhost_fe *fe, struct vu_net *n, struct virtq *vq)
{
	struct virtq_elem *e = &n->elem;
	struct iovec *in = e->iov + e->out_num;
	u8 ack = VIRTIO_NET_ERR;
	int last = -1;

	if (e->out_len <= sizeof(n->buf)) {
		size_t len = virtio_iov_to_buf(e->iov, e->out_num, 0, n->buf, e->out_len);

		ack = net_ctrl_handle(&n->ctrl, n->buf, len);
	}
	if (ack == VIRTIO_NET_OK && n->ctrl.pairs_changed) {
		/* §5.1.6.5.5: pairs beyond the count neither receive nor transmit. */
		for (unsigned q = 0; q < fe->nr_rings; q++)
			vhost_fe_ring_enable(fe, q, q / 2 < n->ctrl.pairs);
	}
	if (ack == VIRTIO_NET_OK && n->ctrl.mac_changed) {
		vu_net_set_config(fe, n->ctrl.mac, fe->sock >= 0);
		virtio_dev_config_changed(&fe->vd);
	}
	for (unsigned i = e->in_num; i-- > 0;) {
		if (in[i].iov_len) {
			last = (int)i;
			break;
		}
	}
	if (last < 0) {
		dev_warn_rl(&fe->rl, fe->name, "control command with no ack byte");
		virtq_push(vq, e, 0);
		return;
	}
	/* GUEST: in[last] is a writable buffer virtq_pop mapped; its last byte is inside. */
	((u8 *)in[last].iov_base)[in[last].iov_len - 1] = ack;
	virtq_push(vq, e, 1);
}

static void vu_net_ctrl_kick(void *opaque, u32 events)
{
	struct vhost_fe *fe = opaque;
	struct vu_net *n = fe->priv;
	struct virtio_queue *q = &fe->vd.queues[n->ctrl_q];
	unsigned pushed = 0;
	int ret = 0;

	pthread_mutex_lock(&fe->lock);
	/* Reset takes fe->lock to unwatch the queue: past this check it is ours. */
	if (!n->ctrl_live || virtio_dev_broken(&fe->vd))
		goto out;
	virtio_eventfd_drain(q->kick_fd);
	for (;;) {
		virtq_disable_notify(&q->vq);
		virtq_elem_init(&n->elem, n->iov, ARRAY_SIZE(n->iov));
		while ((ret = virtq_pop(&q->vq, &n->elem)) > 0) {
			vu_net_ctrl_one(fe, n, &q->vq);
			pushed++;
			virtq_elem_init(&n->elem, n->iov, ARRAY_SIZE(n->iov));
		}
		if (ret < 0 || !virtq_enable_notify(&q->vq))
			break;
	}
	if (pushed) {
		virtq_flush(&q->vq);
		if (virtq_should_notify(&q->vq))
			virtio_dev_notify(&fe->vd, n->ctrl_q);
	}
	if (ret < 0)
		virtio_dev_set_needs_reset(&fe->vd, "control queue broken");
out:
	pthread_mutex_unlock(&fe->lock);
}

static int vu_net_activate(struct vhost_fe *fe)
{
	struct vu_net *n = fe->priv;
	struct virtio_queue *q;
	int ret;

	n->ctrl_q = ctrlq(fe);
	q = &fe->vd.queues[n->ctrl_q];
	net_ctrl_init(&n->ctrl, fe->vd.features, n->pairs, n->mac);
	if (!q->live)
		return 0;
	ret = evloop_add(&fe->thread.loop, q->kick_fd, EPOLLIN, vu_net_ctrl_kick, fe);
	if (ret)
		return ret;
	n->ctrl_live = true;
	return 0;
}

static void vu_net_reset(struct vhost_fe *fe)
{
	struct vu_net *n = fe->priv;

	if (n->ctrl_live)
		evloop_del(&fe->thread.loop, fe->vd.queues[n->ctrl_q].kick_fd);
	n->ctrl_live = false;
	/* A MAC set through the control queue lasts until reset. */
	vu_net_set_config(fe, n->mac, fe->sock >= 0);
}

static bool vu_net_ring_enabled(struct vhost_fe *fe, unsigned q)
{
	struct vu_net *n = fe->priv;

	/* §5.1.6.5.5: after reset only the first pair is in use. */
	return q / 2 < n->ctrl.pairs;
}

static void vu_net_connection_changed(struct vhost_fe *fe, bool up)
{
	struct vu_net *n = fe->priv;

	vu_net_set_config(fe, n->ctrl_live ? n->ctrl.mac : n->mac, up);
	/* §5.1.4: with VIRTIO_NET_F_STATUS the driver learns of the link through config. */
	if (fe->running && virtio_has_feature(&fe->vd, VIRTIO_NET_F_STATUS))
		virtio_dev_config_changed(&fe->vd);
}

static const struct vhost_fe_type vu_net_type = {
	.kind = "vhost-user-net",
	.device_id = VIRTIO_ID_NET,
	.local_features = BIT64(VIRTIO_NET_F_MAC) | BIT64(VIRTIO_NET_F_STATUS) |
			  BIT64(VIRTIO_NET_F_CTRL_VQ) | BIT64(VIRTIO_NET_F_CTRL_RX) |
			  BIT64(VIRTIO_NET_F_CTRL_MAC_ADDR),
	.forward_features = BIT64(VIRTIO_F_VERSION_1) | BIT64(VIRTIO_RING_F_EVENT_IDX) |
			    BIT64(VIRTIO_RING_F_INDIRECT_DESC) | BIT64(VIRTIO_F_RING_PACKED) |
			    BIT64(VIRTIO_NET_F_CSUM) | BIT64(VIRTIO_NET_F_GUEST_CSUM) |
			    BIT64(VIRTIO_NET_F_GUEST_TSO4) | BIT64(VIRTIO_NET_F_GUEST_TSO6) |
			    BIT64(VIRTIO_NET_F_GUEST_ECN) | BIT64(VIRTIO_NET_F_GUEST_UFO) |
			    BIT64(VIRTIO_NET_F_HOST_TSO4) | BIT64(VIRTIO_NET_F_HOST_TSO6) |
			    BIT64(VIRTIO_NET_F_HOST_ECN) | BIT64(VIRTIO_NET_F_HOST_UFO) |
			    BIT64(VIRTIO_NET_F_MRG_RXBUF) | BIT64(VIRTIO_NET_F_MQ),
	.queue_num_pairs = true,
	.features_ok = vu_net_features_ok,
	.offer = vu_net_offer,
	.activate = vu_net_activate,
	.reset = vu_net_reset,
	.ring_enabled = vu_net_ring_enabled,
	.active_rings = vu_net_active_rings,
	.connection_changed = vu_net_connection_changed,
	.setup = vu_net_setup,
	.config_size = offsetof(struct virtio_net_config, mtu),
};

/* A locally administered MAC derived from the socket path, stable across runs. */
static void vu_net_default_mac(u8 mac[6], const char *seed, unsigned index)
{
	u32 h = 2166136261u; /* FNV-1a */

	for (const char *c = seed; *c; c++)
		h = (h ^ (u8)*c) * 16777619u;
	h = (h ^ index) * 16777619u;
	mac[0] = 0x02;
	mac[1] = 0x69;
	mac[2] = 0x76;
	mac[3] = (u8)(h >> 16);
	mac[4] = (u8)(h >> 8);
	mac[5] = (u8)h;
}

int vhost_user_net_create(struct vm *vm, const struct net_config *nc, unsigned index,
			  const struct vhost_fe_params *p)
{
	struct vu_net *n;
	char name[32];

	snprintf(name, sizeof(name), "vhost-user-net%u", index);
	if (nc->queues > VU_NET_MAX_PAIRS) {
		pr_err("%s: %u queue pairs asked, at most %u", name, nc->queues, VU_NET_MAX_PAIRS);
		return -EINVAL;
	}
	n = calloc(1, sizeof(*n));
	if (!n)
		return -ENOMEM;
	n->pairs = nc->queues ? nc->queues : 1;
	if (nc->sched_batch)
		pr_warn("%s: sched is the back-end's to set: ignored", name);
	if (nc->mac_set)
		memcpy(n->mac, nc->mac, 6);
	else
		vu_net_default_mac(n->mac, nc->vhost_user, index);
	return vhost_fe_create(vm, &vu_net_type, name, nc->vhost_user, p, nc->packed,
			       nc->transport == TRANSPORT_MMIO, n, NULL);
}
