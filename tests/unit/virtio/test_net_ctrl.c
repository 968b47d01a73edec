// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for src/virtio/net_ctrl.c on its own (no tap, no device):
 * net_ctrl_exec() on popped chains — the command gathered from split
 * buffers, the ack in the last writable byte past empty ones, a chain with
 * no writable byte not run at all — and the GUEST_OFFLOADS_SET sets the tap
 * cannot take refused (ECN without TSO4/TSO6: found by fuzz_net_ctrl, the
 * device said OK and TUNSETOFFLOAD then failed with EINVAL). The commands
 * through a whole virtio-net device are in test_virtio_net.c.
 */
#include <linux/if_tun.h>

#include "check.h"
#include "src/virtio/net_ctrl.h"

static const u8 mac[6] = { 0x02, 0x69, 0x6f, 0, 0, 1 };

static u8 offloads(struct net_ctrl_state *s, u64 o)
{
	u8 cmd[10] = { VIRTIO_NET_CTRL_GUEST_OFFLOADS, VIRTIO_NET_CTRL_GUEST_OFFLOADS_SET };

	stn_le(cmd + 2, 8, o);
	return net_ctrl_handle(s, cmd, sizeof(cmd));
}

static void test_offloads_tap_sets(void)
{
	u64 csum = BIT64(VIRTIO_NET_F_GUEST_CSUM), tso4 = BIT64(VIRTIO_NET_F_GUEST_TSO4),
	    tso6 = BIT64(VIRTIO_NET_F_GUEST_TSO6), ecn = BIT64(VIRTIO_NET_F_GUEST_ECN);
	struct net_ctrl_state s;

	net_ctrl_init(&s, BIT64(VIRTIO_NET_F_CTRL_VQ) | BIT64(VIRTIO_NET_F_CTRL_GUEST_OFFLOADS) |
				  csum | tso4 | tso6 | ecn,
		      1, mac);
	CHECK_EQ(net_tun_offloads(s.guest_offloads),
		 TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_TSO_ECN);
	/* The regression: ECN left on with TSO off is not a set tun accepts. */
	CHECK_EQ(offloads(&s, csum | ecn), VIRTIO_NET_ERR);
	CHECK(!s.offloads_changed);
	CHECK_EQ(s.guest_offloads, csum | tso4 | tso6 | ecn);
	CHECK_EQ(offloads(&s, ecn), VIRTIO_NET_ERR);
	CHECK_EQ(offloads(&s, csum | tso6 | ecn), VIRTIO_NET_OK);
	CHECK(s.offloads_changed);
	CHECK_EQ(net_tun_offloads(s.guest_offloads), TUN_F_CSUM | TUN_F_TSO6 | TUN_F_TSO_ECN);
	CHECK_EQ(offloads(&s, tso4), VIRTIO_NET_ERR); /* TSO needs CSUM */
	CHECK_EQ(offloads(&s, csum), VIRTIO_NET_OK);
	CHECK_EQ(offloads(&s, 0), VIRTIO_NET_OK);
	CHECK_EQ(net_tun_offloads(s.guest_offloads), 0);
	/* Not negotiated: refused even with its dependencies. */
	net_ctrl_init(&s, BIT64(VIRTIO_NET_F_CTRL_GUEST_OFFLOADS) | csum, 1, mac);
	CHECK_EQ(offloads(&s, csum | tso4), VIRTIO_NET_ERR);
}

static void test_exec_chains(void)
{
	u8 buf[64], ack = 0xaa;
	u8 c0[1] = { VIRTIO_NET_CTRL_MQ }, c1[2] = { VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET, 3 },
	   c2[1] = { 0 };
	u8 w0[3] = { 0xee, 0xee, 0xee }, w1[1] = { 0xee };
	struct iovec iov[5] = { { c0, 1 }, { c1, 2 }, { c2, 1 }, { w0, 3 }, { w1, 0 } };
	struct virtq_elem e;
	struct net_ctrl_state s;

	net_ctrl_init(&s, BIT64(VIRTIO_NET_F_CTRL_VQ) | BIT64(VIRTIO_NET_F_MQ), 4, mac);
	/* class | cmd, le16 pairs split over three buffers; ack in w0 (w1 is empty). */
	virtq_elem_init(&e, iov, 5);
	e.out_num = 3;
	e.out_len = 4;
	e.in_num = 2;
	e.in_len = 3;
	CHECK_EQ(net_ctrl_exec(&s, &e, buf, sizeof(buf), &ack), 1);
	CHECK_EQ(ack, VIRTIO_NET_OK);
	CHECK_EQ(s.pairs, 3);
	CHECK(s.pairs_changed);
	CHECK_EQ(w0[0], 0xee);
	CHECK_EQ(w0[1], 0xee);
	CHECK_EQ(w0[2], VIRTIO_NET_OK);
	CHECK_EQ(w1[0], 0xee);

	/* No writable byte at all: nothing to answer in, so the command is not run. */
	c1[1] = 2;
	e.in_num = 1;
	iov[3].iov_len = 0;
	e.in_len = 0;
	CHECK_EQ(net_ctrl_exec(&s, &e, buf, sizeof(buf), &ack), 0);
	CHECK_EQ(s.pairs, 3);
	CHECK(!s.pairs_changed);
	e.in_num = 0;
	CHECK_EQ(net_ctrl_exec(&s, &e, buf, sizeof(buf), &ack), 0);
	CHECK_EQ(s.pairs, 3);

	/* A command longer than the device's buffer: ERR, not a partial parse. */
	iov[3].iov_len = 3;
	e.in_num = 1;
	e.in_len = 3;
	CHECK_EQ(net_ctrl_exec(&s, &e, buf, 3, &ack), 1);
	CHECK_EQ(ack, VIRTIO_NET_ERR);
	CHECK_EQ(w0[2], VIRTIO_NET_ERR);
	CHECK_EQ(s.pairs, 3);
	CHECK_EQ(net_ctrl_exec(&s, &e, buf, 4, &ack), 1);
	CHECK_EQ(ack, VIRTIO_NET_OK);
	CHECK_EQ(s.pairs, 2);
}

int main(void)
{
	log_set_level(LOG_ERR);
	test_offloads_tap_sets();
	test_exec_chains();
	return check_done();
}
