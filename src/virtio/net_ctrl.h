/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * virtio-net control virtqueue commands (virtio 1.2 §5.1.6.5), parsed and
 * checked with no I/O: net.c pops a chain, hands it to net_ctrl_exec() (which
 * gathers the command, runs it and writes the ack) and applies what changed
 * (tap queues, offloads). Private to src/virtio and its tests and fuzz target.
 */
#ifndef IOVIRT_VIRTIO_NET_CTRL_H
#define IOVIRT_VIRTIO_NET_CTRL_H

#include <linux/virtio_net.h>

#include "iovirt/types.h"
#include "iovirt/virtq.h"

/* The offloads VIRTIO_NET_CTRL_GUEST_OFFLOADS_SET may toggle (feature bit positions). */
#define NET_GUEST_OFFLOADS                                                                         \
	(BIT64(VIRTIO_NET_F_GUEST_CSUM) | BIT64(VIRTIO_NET_F_GUEST_TSO4) |                         \
	 BIT64(VIRTIO_NET_F_GUEST_TSO6) | BIT64(VIRTIO_NET_F_GUEST_ECN) |                          \
	 BIT64(VIRTIO_NET_F_GUEST_UFO))

struct net_ctrl_state {
	u64 features;		/* negotiated */
	unsigned max_pairs;	/* max_virtqueue_pairs */
	/* Device state the commands change. */
	unsigned pairs;		/* queue pairs in use (1 after reset, §5.1.6.5.5) */
	u8 mac[6];
	bool promisc, allmulti;
	u32 uc_entries, mc_entries;	/* MAC filter table sizes last set */
	u64 guest_offloads;	/* offloads the guest takes now */
	/* What the last command changed, for the caller to apply. */
	bool pairs_changed, offloads_changed, mac_changed;
};

void net_ctrl_init(struct net_ctrl_state *s, u64 features, unsigned max_pairs, const u8 mac[6]);
/* One command: class, command, data. Returns VIRTIO_NET_OK or VIRTIO_NET_ERR. */
u8 net_ctrl_handle(struct net_ctrl_state *s, const u8 *cmd, size_t len);
/*
 * One control chain as popped: the device-readable part gathered into buf
 * (buf_max bytes; a longer command is answered VIRTIO_NET_ERR), handled, and
 * the ack written into the chain's last device-writable byte. A chain with no
 * writable byte cannot be answered, so it is not run at all (nothing
 * changes). Returns the bytes written into the chain (1, or 0 for no ack
 * byte, the length to push); *ack says what was answered.
 */
u32 net_ctrl_exec(struct net_ctrl_state *s, const struct virtq_elem *e, u8 *buf, size_t buf_max,
		  u8 *ack);
/* TUN_F_* flags for a set of guest offloads (feature bit positions). */
unsigned net_tun_offloads(u64 guest_offloads);

#endif
