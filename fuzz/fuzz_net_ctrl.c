// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fuzz target for the virtio-net control queue (src/virtio/net_ctrl.c,
 * virtio 1.2 §5.1.6.5): net_ctrl_exec() on chains as virtq_pop hands them
 * over — any class, command and length, the command split over any number
 * of readable buffers, the ack byte anywhere among writable buffers (some
 * empty, or none at all) — on a device with a random feature set and queue
 * pair count. The input is
 *
 *	u8 features	which of CTRL_RX, CTRL_MAC_ADDR, MQ, CTRL_GUEST_OFFLOADS and
 *			the guest offloads were negotiated (fixed up as features_ok
 *			requires; bit 8, ECN, comes with the max_pairs byte's bit 7)
 *	u8 max_pairs	1..16 (bits 0-6, modulo 16)
 *	then commands:	u8 shape (bits 0-3 readable buffers, 4-5 writable ones),
 *			u16 length of each buffer, the readable bytes in order
 *
 * Each buffer is its own heap allocation of exactly its length, so ASan sees
 * any access past one. After every command the invariants are checked
 * against what the spec says the command means: the ack is written iff the
 * chain has a writable byte, into the last one, and is OK or ERR; nothing
 * else in the chain is written; ERR (or no ack) leaves the state as it was;
 * OK needs the command's feature and changes exactly what the command says
 * (pairs within 1..max_pairs, a unicast MAC, offloads that were negotiated
 * and consistent, MAC table sizes that fill the command exactly); the
 * changed flags say what changed.
 */
#include <linux/if_tun.h>
#include <stdio.h>
#include <stdlib.h>

#include "fuzz.h"
#include "iovirt/log.h"
#include "src/virtio/net_ctrl.h"

#define MAX_OUT 15
#define MAX_IN 3
#define MAX_OUT_LEN 4096
#define MAX_IN_LEN 16
#define CMD_MAX 8192	/* the device's command buffer (net.c has 64 KiB) */

struct in {
	const u8 *p;
	size_t n;
};

static unsigned take(struct in *in, unsigned bytes)
{
	unsigned v = 0;

	for (unsigned i = 0; i < bytes; i++) {
		v |= (unsigned)(in->n ? *in->p : 0) << (8 * i);
		if (in->n) {
			in->p++;
			in->n--;
		}
	}
	return v;
}

static const unsigned feature_bits[] = {
	VIRTIO_NET_F_CTRL_RX,	     VIRTIO_NET_F_CTRL_MAC_ADDR, VIRTIO_NET_F_MQ,
	VIRTIO_NET_F_CTRL_GUEST_OFFLOADS, VIRTIO_NET_F_GUEST_CSUM,	 VIRTIO_NET_F_GUEST_TSO4,
	VIRTIO_NET_F_GUEST_TSO6,    VIRTIO_NET_F_GUEST_UFO,	 VIRTIO_NET_F_GUEST_ECN,
};

static bool has(const struct net_ctrl_state *s, unsigned bit)
{
	return s->features & BIT64(bit);
}

/* The state a command may change (the changed flags aside). */
static bool same_state(const struct net_ctrl_state *a, const struct net_ctrl_state *b)
{
	return a->features == b->features && a->max_pairs == b->max_pairs && a->pairs == b->pairs &&
	       !memcmp(a->mac, b->mac, 6) && a->promisc == b->promisc &&
	       a->allmulti == b->allmulti && a->uc_entries == b->uc_entries &&
	       a->mc_entries == b->mc_entries && a->guest_offloads == b->guest_offloads;
}

/*
 * Offloads the device accepted go to the tap as they are: they must be a set
 * TUNSETOFFLOAD takes (Linux tun set_offload: everything needs TUN_F_CSUM,
 * TUN_F_TSO_ECN needs TSO4 or TSO6; anything else left over is -EINVAL).
 */
static void check_tun(unsigned f)
{
	FUZZ_ASSERT(!(f & ~(TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_TSO_ECN | TUN_F_UFO)));
	FUZZ_ASSERT(!(f & ~TUN_F_CSUM) || (f & TUN_F_CSUM));
	FUZZ_ASSERT(!(f & TUN_F_TSO_ECN) || (f & (TUN_F_TSO4 | TUN_F_TSO6)));
}

static void check_always(const struct net_ctrl_state *s)
{
	u64 o = s->guest_offloads;

	FUZZ_ASSERT(s->pairs >= 1 && s->pairs <= s->max_pairs);
	FUZZ_ASSERT(s->pairs == 1 || has(s, VIRTIO_NET_F_MQ));
	FUZZ_ASSERT(!(o & ~(s->features & NET_GUEST_OFFLOADS)));
	check_tun(net_tun_offloads(o));
}

/* What an OK answer to cmd[0..len) must have done to `before`, checked on `after`. */
static void check_ok(const struct net_ctrl_state *b, const struct net_ctrl_state *a,
		     const u8 *cmd, size_t len)
{
	struct net_ctrl_state want = *b;
	const u8 *d = cmd + 2;
	size_t dl = len - 2;

	FUZZ_ASSERT(len >= 2);
	switch (cmd[0]) {
	case VIRTIO_NET_CTRL_RX:
		FUZZ_ASSERT(has(b, VIRTIO_NET_F_CTRL_RX) && dl == 1);
		FUZZ_ASSERT(cmd[1] == VIRTIO_NET_CTRL_RX_PROMISC ||
			    cmd[1] == VIRTIO_NET_CTRL_RX_ALLMULTI);
		if (cmd[1] == VIRTIO_NET_CTRL_RX_PROMISC)
			want.promisc = d[0];
		else
			want.allmulti = d[0];
		break;
	case VIRTIO_NET_CTRL_MAC:
		if (cmd[1] == VIRTIO_NET_CTRL_MAC_ADDR_SET) {
			FUZZ_ASSERT(has(b, VIRTIO_NET_F_CTRL_MAC_ADDR) && dl == 6 && !(d[0] & 1));
			memcpy(want.mac, d, 6);
		} else {
			u32 uc, mc;

			FUZZ_ASSERT(cmd[1] == VIRTIO_NET_CTRL_MAC_TABLE_SET);
			FUZZ_ASSERT(has(b, VIRTIO_NET_F_CTRL_RX) && dl >= 8);
			/* Two tables, each le32 entries then entries × 6 bytes, filling it all. */
			uc = (u32)ldn_le(d, 4);
			FUZZ_ASSERT((u64)uc * 6 + 8 <= dl);
			mc = (u32)ldn_le(d + 4 + (size_t)uc * 6, 4);
			FUZZ_ASSERT(8 + ((u64)uc + mc) * 6 == dl);
			want.uc_entries = uc;
			want.mc_entries = mc;
		}
		break;
	case VIRTIO_NET_CTRL_MQ: {
		u16 n;

		FUZZ_ASSERT(has(b, VIRTIO_NET_F_MQ) && cmd[1] == VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET &&
			    dl == 2);
		n = (u16)ldn_le(d, 2);
		FUZZ_ASSERT(n >= 1 && n <= b->max_pairs);
		want.pairs = n;
		break;
	}
	case VIRTIO_NET_CTRL_GUEST_OFFLOADS:
		FUZZ_ASSERT(has(b, VIRTIO_NET_F_CTRL_GUEST_OFFLOADS) && cmd[1] == 0 && dl == 8);
		want.guest_offloads = ldn_le(d, 8);
		/* §5.1.6.5.6.2: TSO/UFO/ECN offloads only with checksum offload. */
		FUZZ_ASSERT(!(want.guest_offloads & ~BIT64(VIRTIO_NET_F_GUEST_CSUM)) ||
			    (want.guest_offloads & BIT64(VIRTIO_NET_F_GUEST_CSUM)));
		break;
	default:
		/* VLAN, ANNOUNCE and anything else: not offered, never OK. */
		FUZZ_ASSERT(!"unknown class answered OK");
	}
	FUZZ_ASSERT(same_state(a, &want));
	FUZZ_ASSERT(a->pairs_changed == (a->pairs != b->pairs));
	FUZZ_ASSERT(a->offloads_changed == (a->guest_offloads != b->guest_offloads));
	FUZZ_ASSERT(a->mac_changed == (cmd[0] == VIRTIO_NET_CTRL_MAC &&
				       cmd[1] == VIRTIO_NET_CTRL_MAC_ADDR_SET));
}

static void one_command(struct net_ctrl_state *s, u8 *buf, struct in *in)
{
	unsigned shape = take(in, 1), nout = shape & MAX_OUT, nin = (shape >> 4) & MAX_IN;
	struct iovec iov[MAX_OUT + MAX_IN];
	u8 *copy[MAX_OUT + MAX_IN];
	struct virtq_elem e;
	struct net_ctrl_state before = *s;
	u8 cmd[CMD_MAX], ack = 0xaa;
	size_t cmd_len = 0;
	int last = -1;
	u32 written;

	virtq_elem_init(&e, iov, ARRAY_SIZE(iov));
	e.out_num = nout;
	e.in_num = nin;
	for (unsigned i = 0; i < nout + nin; i++) {
		size_t len = take(in, 2) % ((i < nout ? MAX_OUT_LEN : MAX_IN_LEN) + 1);

		/* At least 1 byte allocated, so ASan also sees a write into an empty buffer. */
		iov[i] = (struct iovec){ malloc(len ? len : 1), len };
		copy[i] = malloc(len ? len : 1);
		if (!iov[i].iov_base || !copy[i])
			abort();
	}
	for (unsigned i = 0; i < nout + nin; i++) {
		size_t len = iov[i].iov_len;

		if (i < nout) {
			for (size_t k = 0; k < len; k++)
				((u8 *)iov[i].iov_base)[k] = (u8)take(in, 1);
			if (cmd_len + len <= sizeof(cmd))
				memcpy(cmd + cmd_len, iov[i].iov_base, len);
			cmd_len += len;
			e.out_len += len;
		} else {
			memset(iov[i].iov_base, 0xee, len);
			e.in_len += len;
			if (len)
				last = (int)i;
		}
		memcpy(copy[i], iov[i].iov_base, len);
	}

	written = net_ctrl_exec(s, &e, buf, CMD_MAX, &ack);

	FUZZ_ASSERT(ack == VIRTIO_NET_OK || ack == VIRTIO_NET_ERR);
	if (last < 0) {
		/* No byte to answer in: not run. */
		FUZZ_ASSERT(written == 0);
		FUZZ_ASSERT(same_state(s, &before));
	} else {
		u8 *l = iov[last].iov_base;

		FUZZ_ASSERT(written == 1);
		FUZZ_ASSERT(l[iov[last].iov_len - 1] == ack);
		l[iov[last].iov_len - 1] = copy[last][iov[last].iov_len - 1];
		if (ack == VIRTIO_NET_ERR) {
			FUZZ_ASSERT(same_state(s, &before));
		} else {
			FUZZ_ASSERT(cmd_len <= CMD_MAX);
			check_ok(&before, s, cmd, cmd_len);
		}
	}
	if (ack == VIRTIO_NET_ERR || last < 0)
		FUZZ_ASSERT(!s->pairs_changed && !s->offloads_changed && !s->mac_changed);
	/* Nothing else in the chain was written, readable buffers included. */
	for (unsigned i = 0; i < nout + nin; i++) {
		FUZZ_ASSERT(!memcmp(copy[i], iov[i].iov_base, iov[i].iov_len));
		free(iov[i].iov_base);
		free(copy[i]);
	}
	check_always(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static u8 *buf;
	static const u8 mac[6] = { 0x02, 0x69, 0x6f, 1, 2, 3 };
	struct in in = { data, size };
	struct net_ctrl_state s;
	unsigned fsel, pairs;
	u64 features = BIT64(VIRTIO_NET_F_CTRL_VQ);

	log_set_level(LOG_ERR);
	if (!buf)
		buf = malloc(CMD_MAX); /* exactly CMD_MAX: ASan sees a longer gather */
	if (!buf)
		abort();
	fsel = take(&in, 1);
	pairs = take(&in, 1);
	fsel |= (pairs & 0x80) << 1;
	pairs = 1 + (pairs & 0x7f) % 16;
	for (unsigned i = 0; i < ARRAY_SIZE(feature_bits); i++)
		if (fsel & (1u << i))
			features |= BIT64(feature_bits[i]);
	/* Only what net.c's features_ok lets through (§5.1.3.1). */
	if (features & (BIT64(VIRTIO_NET_F_GUEST_TSO4) | BIT64(VIRTIO_NET_F_GUEST_TSO6) |
			BIT64(VIRTIO_NET_F_GUEST_UFO)))
		features |= BIT64(VIRTIO_NET_F_GUEST_CSUM);
	if (!(features & (BIT64(VIRTIO_NET_F_GUEST_TSO4) | BIT64(VIRTIO_NET_F_GUEST_TSO6))))
		features &= ~BIT64(VIRTIO_NET_F_GUEST_ECN);
	net_ctrl_init(&s, features, pairs, mac);
	FUZZ_ASSERT(s.pairs == 1 && s.promisc && !s.allmulti && !memcmp(s.mac, mac, 6));
	check_always(&s);
	for (unsigned n = 0; in.n && n < 256; n++)
		one_command(&s, buf, &in);
	return 0;
}
