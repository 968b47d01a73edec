// SPDX-License-Identifier: GPL-2.0-only
/*
 * virtio-net control commands (virtio 1.2 §5.1.6.5). Each command is
 * { u8 class; u8 command; u8 data[]; } from the driver. Every length is checked
 * exactly: a command whose data does not have the size its class defines is
 * answered VIRTIO_NET_ERR and changes nothing. Commands for features that were
 * not negotiated are refused the same way.
 */
#include <linux/if_tun.h>

#include "iovirt/virtio.h"

#include "net_ctrl.h"

void net_ctrl_init(struct net_ctrl_state *s, u64 features, unsigned max_pairs, const u8 mac[6])
{
	memset(s, 0, sizeof(*s));
	s->features = features;
	s->max_pairs = max_pairs;
	s->pairs = 1;
	memcpy(s->mac, mac, 6);
	/* Before the driver sets a mode everything passes, as it does through the tap. */
	s->promisc = true;
	s->guest_offloads = features & NET_GUEST_OFFLOADS;
}

static bool has(const struct net_ctrl_state *s, unsigned bit)
{
	return s->features & BIT64(bit);
}

unsigned net_tun_offloads(u64 o)
{
	unsigned f = 0;

	if (o & BIT64(VIRTIO_NET_F_GUEST_CSUM))
		f |= TUN_F_CSUM;
	if (o & BIT64(VIRTIO_NET_F_GUEST_TSO4))
		f |= TUN_F_TSO4;
	if (o & BIT64(VIRTIO_NET_F_GUEST_TSO6))
		f |= TUN_F_TSO6;
	if (o & BIT64(VIRTIO_NET_F_GUEST_ECN))
		f |= TUN_F_TSO_ECN;
	if (o & BIT64(VIRTIO_NET_F_GUEST_UFO))
		f |= TUN_F_UFO;
	return f;
}

static u8 ctrl_rx(struct net_ctrl_state *s, u8 cmd, const u8 *d, size_t len)
{
	if (!has(s, VIRTIO_NET_F_CTRL_RX) || len != 1)
		return VIRTIO_NET_ERR;
	switch (cmd) {
	case VIRTIO_NET_CTRL_RX_PROMISC:
		s->promisc = d[0];
		return VIRTIO_NET_OK;
	case VIRTIO_NET_CTRL_RX_ALLMULTI:
		s->allmulti = d[0];
		return VIRTIO_NET_OK;
	default:
		/* ALLUNI, NOMULTI, NOUNI, NOBCAST need CTRL_RX_EXTRA: not offered. */
		return VIRTIO_NET_ERR;
	}
}

/* struct virtio_net_ctrl_mac { le32 entries; u8 macs[entries][6]; } — bytes it takes, or 0. */
static size_t mac_table_len(const u8 *d, size_t len, u32 *entries)
{
	u32 n;

	if (len < 4)
		return 0;
	n = le32_to_cpu((u32)ldn_le(d, 4));
	if (n > (len - 4) / 6)
		return 0;
	*entries = n;
	return 4 + (size_t)n * 6;
}

static u8 ctrl_mac(struct net_ctrl_state *s, u8 cmd, const u8 *d, size_t len)
{
	switch (cmd) {
	case VIRTIO_NET_CTRL_MAC_TABLE_SET: {
		u32 uc, mc;
		size_t a, b;

		/* §5.1.6.5.2: a unicast table then a multicast table, nothing after. */
		if (!has(s, VIRTIO_NET_F_CTRL_RX))
			return VIRTIO_NET_ERR;
		a = mac_table_len(d, len, &uc);
		if (!a)
			return VIRTIO_NET_ERR;
		b = mac_table_len(d + a, len - a, &mc);
		if (!b || a + b != len)
			return VIRTIO_NET_ERR;
		s->uc_entries = uc;
		s->mc_entries = mc;
		return VIRTIO_NET_OK;
	}
	case VIRTIO_NET_CTRL_MAC_ADDR_SET:
		if (!has(s, VIRTIO_NET_F_CTRL_MAC_ADDR) || len != 6 || (d[0] & 1))
			return VIRTIO_NET_ERR;
		memcpy(s->mac, d, 6);
		s->mac_changed = true;
		return VIRTIO_NET_OK;
	default:
		return VIRTIO_NET_ERR;
	}
}

static u8 ctrl_mq(struct net_ctrl_state *s, u8 cmd, const u8 *d, size_t len)
{
	u16 n;

	/* RSS_CONFIG and HASH_CONFIG need VIRTIO_NET_F_RSS / HASH_REPORT: not offered. */
	if (!has(s, VIRTIO_NET_F_MQ) || cmd != VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET || len != 2)
		return VIRTIO_NET_ERR;
	n = le16_to_cpu((u16)ldn_le(d, 2));
	/* §5.1.6.5.5: 1 ≤ virtqueue_pairs ≤ max_virtqueue_pairs. */
	if (n < VIRTIO_NET_CTRL_MQ_VQ_PAIRS_MIN || n > s->max_pairs)
		return VIRTIO_NET_ERR;
	if (n != s->pairs) {
		s->pairs = n;
		s->pairs_changed = true;
	}
	return VIRTIO_NET_OK;
}

static u8 ctrl_offloads(struct net_ctrl_state *s, u8 cmd, const u8 *d, size_t len)
{
	u64 o;

	if (!has(s, VIRTIO_NET_F_CTRL_GUEST_OFFLOADS) || cmd != 0 /* _SET */ || len != 8)
		return VIRTIO_NET_ERR;
	o = le64_to_cpu(ldn_le(d, 8));
	/*
	 * §5.1.6.5.6.2: only offloads that were negotiated. And only sets the tap
	 * takes (they go to TUNSETOFFLOAD as they are), the dependencies of the
	 * feature bits (§5.1.3.1): TSO/UFO/ECN need CSUM, ECN needs TSO4 or TSO6.
	 */
	if (o & ~(s->features & NET_GUEST_OFFLOADS))
		return VIRTIO_NET_ERR;
	if ((o & (NET_GUEST_OFFLOADS & ~BIT64(VIRTIO_NET_F_GUEST_CSUM))) &&
	    !(o & BIT64(VIRTIO_NET_F_GUEST_CSUM)))
		return VIRTIO_NET_ERR;
	if ((o & BIT64(VIRTIO_NET_F_GUEST_ECN)) &&
	    !(o & (BIT64(VIRTIO_NET_F_GUEST_TSO4) | BIT64(VIRTIO_NET_F_GUEST_TSO6))))
		return VIRTIO_NET_ERR;
	if (o != s->guest_offloads) {
		s->guest_offloads = o;
		s->offloads_changed = true;
	}
	return VIRTIO_NET_OK;
}

u8 net_ctrl_handle(struct net_ctrl_state *s, const u8 *cmd, size_t len)
{
	s->pairs_changed = s->offloads_changed = s->mac_changed = false;
	if (len < 2)
		return VIRTIO_NET_ERR;
	switch (cmd[0]) {
	case VIRTIO_NET_CTRL_RX:
		return ctrl_rx(s, cmd[1], cmd + 2, len - 2);
	case VIRTIO_NET_CTRL_MAC:
		return ctrl_mac(s, cmd[1], cmd + 2, len - 2);
	case VIRTIO_NET_CTRL_MQ:
		return ctrl_mq(s, cmd[1], cmd + 2, len - 2);
	case VIRTIO_NET_CTRL_GUEST_OFFLOADS:
		return ctrl_offloads(s, cmd[1], cmd + 2, len - 2);
	default:
		/* VLAN and ANNOUNCE: their features are not offered. */
		return VIRTIO_NET_ERR;
	}
}

u32 net_ctrl_exec(struct net_ctrl_state *s, const struct virtq_elem *e, u8 *buf, size_t buf_max,
		  u8 *ack)
{
	const struct iovec *in = e->iov + e->out_num;
	int last = -1;

	s->pairs_changed = s->offloads_changed = s->mac_changed = false;
	*ack = VIRTIO_NET_ERR;
	/* §5.1.6.5: the ack is the last device-writable byte (buffers may be empty). */
	for (unsigned i = e->in_num; i-- > 0;) {
		if (in[i].iov_len) {
			last = (int)i;
			break;
		}
	}
	if (last < 0)
		return 0;
	if (e->out_len <= buf_max) {
		size_t len = virtio_iov_to_buf(e->iov, e->out_num, 0, buf, e->out_len);

		*ack = net_ctrl_handle(s, buf, len);
	}
	/* GUEST: in[last] is a writable buffer virtq_pop mapped; its last byte is inside. */
	((u8 *)in[last].iov_base)[in[last].iov_len - 1] = *ack;
	return 1;
}
