// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fuzz target for what iovirt-vswitch does with the frames its ports send
 * (src/vhost/progs/sw_fwd.c, sw_mac.c, sw_port.c): three vhost-user ports
 * on the real back-end library, each driven in this thread by the test
 * front-end (tests/lib/vu_test_frontend.c) as a virtio-net driver would —
 * features chosen by the input (mergeable buffers or not, VERSION_1 or the
 * legacy 10-byte header, two queue pairs with a control queue or one) — and
 * one forwarding worker whose sources the fuzzer visits itself, as a
 * polling worker thread would. Steps (u8 op, then operands):
 *
 *  - a frame on a port's transmit queue: any length (runts, jumbo, past the
 *    largest frame), destination and source from a palette (stations,
 *    broadcast, multicast) or raw, any header bytes, the header and frame
 *    cut into any buffers, sometimes a writable buffer after them;
 *  - receive buffers posted: one to three per chain, any sizes, sometimes
 *    a readable buffer first;
 *  - a transmit queue processed (vu_queue_process), after which every
 *    port's used rings are read back and checked;
 *  - VIRTIO_NET_CTRL_MQ on the control queue (valid, out of range, malformed,
 *    without an ack byte);
 *  - a port reconnected with other features (its addresses are forgotten).
 *
 * Each frame carries a unique tag (its EtherType) and a payload derived from
 * it. A shadow MAC table (IEEE 802.1D learning: source → port, group
 * addresses never learned, a departed port's addresses forgotten) says where
 * each frame must go. Invariants: a frame is never delivered to the port it
 * came from, nor twice to one port, nor anywhere but where the shadow table
 * says (flooded when unknown or group, else to the learned port, dropped
 * when learned on the sender); it arrives intact, after a header that is
 * zero but num_buffers (the number of receive chains it took, 1 without
 * mergeable buffers), only into queue pairs the driver enabled; each chain's
 * used length is what was written, only into its writable buffers;
 * transmit chains come back with 0 written; counters add up (rx packets +
 * rx dropped = chains taken, rx bytes = their frame bytes, tx packets =
 * frames that arrived, tx packets + tx dropped = frames owed); the MAC table
 * holds exactly the shadow table's addresses, at the same ports, each once.
 * When the table had to evict (a bucket full) the shadow table can no
 * longer say where unicast goes: only what does not depend on it is checked.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "fuzz.h"
#include "src/vhost/progs/sw.h"
#include "vu_test_frontend.h"

#define NPORTS		3
#define PAIRS		2
#define NQ		(2 * PAIRS + 1)
#define QSIZE		64
#define MEM		(2ull << 20)
#define RING_GPA(q)	(0x2000ull * (q))
#define AREA_GPA(q)	(0x20000ull + 0x40000ull * (q))	/* a 4 KiB slot per descriptor */
#define SLOT		4096u
#define MAX_TAGS	4096
#define MAX_DESC	20	/* 17 slots hold a frame past SW_FRAME_MAX */

struct in {
	const u8 *p;
	size_t n;
};

static u32 take(struct in *in, unsigned bytes)
{
	u32 v = 0;

	for (unsigned i = 0; i < bytes; i++) {
		v |= (u32)(in->n ? *in->p : 0) << (8 * i);
		if (in->n) {
			in->p++;
			in->n--;
		}
	}
	return v;
}

/* A chain the front-end made available and the switch has not used yet. */
struct chain {
	u16 head, ndesc;
	int tag;			/* transmit: the frame's tag (-1: none) */
	gpa_t gpa[MAX_DESC];
	u32 len[MAX_DESC];
	bool wr[MAX_DESC];
};

struct ring {
	bool set;
	struct chain c[QSIZE];
	unsigned first, n;	/* FIFO of chains in flight */
	unsigned descs;		/* descriptors they hold */
};

struct pfe {
	struct vu_fe fe;
	bool up;
	bool mrg, v1, mq;
	unsigned hdr_len;
	unsigned pairs;		/* queue pairs the driver uses (VIRTIO_NET_CTRL_MQ) */
	unsigned ctrl;		/* control queue index, or 0: none */
	struct ring r[NQ];
};

/* One frame sent by the fuzzer. */
struct frame {
	int src;
	unsigned pair;
	u32 len;		/* frame bytes (after the virtio-net header) */
	u8 dst[6], smac[6];
	bool owed[NPORTS];	/* where it must arrive (unless the port has no room) */
	bool got[NPORTS];
};

struct shadow_ent {
	u8 mac[6];
	int port;
};

struct world {
	struct vswitch sw;
	struct pfe pf[NPORTS];
	struct frame fr[MAX_TAGS];
	unsigned ntags;
	struct shadow_ent sh[256];
	unsigned nsh;
	bool relaxed;		/* the table evicted: unicast destinations unknown */
	u64 owed_now[NPORTS], got_now[NPORTS];
	u64 got_bytes_now[NPORTS];
};

static u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (u64)ts.tv_sec * 1000000000ull + (u64)ts.tv_nsec;
}

static u8 payload_byte(unsigned tag, unsigned i)
{
	return (u8)(tag * 7 + i * 13 + 1);
}

/* The frame's bytes: dst, src, tag as EtherType, payload. */
static u8 frame_byte(const struct frame *f, unsigned tag, u32 i)
{
	if (i < 6)
		return f->dst[i];
	if (i < 12)
		return f->smac[i - 6];
	if (i < 14)
		return i == 12 ? (u8)(tag >> 8) : (u8)tag;
	return payload_byte(tag, i);
}

/* ---- the front-ends ---- */

static void pump(void *opaque)
{
	struct sw_port *p = opaque;

	/* Our front-end speaks the protocol right: the back-end never refuses it. */
	FUZZ_ASSERT(p->dev && vu_dev_dispatch(p->dev) == 0);
}

static void ring_add(struct pfe *pf, unsigned q, const struct chain *c0)
{
	struct ring *r = &pf->r[q];
	struct chain *c = &r->c[(r->first + r->n) % QSIZE];
	int head;

	*c = *c0;
	head = vu_fe_add_chain(&pf->fe, q, c->ndesc, c->gpa, c->len, c->wr);
	FUZZ_ASSERT(head >= 0);
	c->head = (u16)head;
	r->n++;
	r->descs += c->ndesc;
}

/* Room for a chain of n descriptors; the slot address of its i-th descriptor. */
static bool ring_room(struct pfe *pf, unsigned q, unsigned n)
{
	return pf->r[q].set && pf->r[q].n < QSIZE && pf->r[q].descs + n <= QSIZE;
}

static gpa_t slot_gpa(struct pfe *pf, unsigned q, unsigned i)
{
	return AREA_GPA(q) + (gpa_t)((pf->fe.ring[q].free_head + i) % QSIZE) * SLOT;
}

/* The next used entry of ring q: the chain it completes (rings are used in order). */
static bool ring_used(struct pfe *pf, unsigned q, struct chain *c, u32 *len)
{
	struct ring *r = &pf->r[q];
	u32 id;

	if (!r->set || vu_fe_get_used(&pf->fe, q, &id, len) != 1)
		return false;
	FUZZ_ASSERT(r->n);
	*c = r->c[r->first];
	FUZZ_ASSERT(id == c->head);
	r->first = (r->first + 1) % QSIZE;
	r->n--;
	r->descs -= c->ndesc;
	return true;
}

static void port_connect(struct world *w, unsigned i, unsigned cfg)
{
	struct pfe *pf = &w->pf[i];
	struct sw_port *p = &w->sw.port[i];
	u64 f = BIT64(VIRTIO_NET_F_STATUS) | BIT64(VIRTIO_RING_F_EVENT_IDX);
	int sv[2];

	memset(pf, 0, sizeof(*pf));
	pf->mrg = cfg & 1;
	pf->v1 = cfg & 2;
	pf->mq = cfg & 4;
	if (pf->mrg)
		f |= BIT64(VIRTIO_NET_F_MRG_RXBUF);
	if (pf->v1)
		f |= BIT64(VIRTIO_F_VERSION_1);
	if (pf->mq)
		f |= BIT64(VIRTIO_NET_F_MQ) | BIT64(VIRTIO_NET_F_CTRL_VQ);
	if (cfg & 8)
		f &= ~BIT64(VIRTIO_RING_F_EVENT_IDX);
	pf->hdr_len = pf->mrg || pf->v1 ? 12 : 10;
	pf->pairs = PAIRS; /* all of them until the driver says otherwise */
	pf->ctrl = pf->mq ? 2 * PAIRS : 0;

	FUZZ_ASSERT(!socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	/* What prog.c's endpoint_attach does with a new connection. */
	p->ep.dev = vu_dev_new(sv[1], p->ep.ops, p->ep.opaque, p->ep.name);
	FUZZ_ASSERT(p->ep.dev);
	p->ep.attach(&p->ep);
	vu_fe_init(&pf->fe, sv[0]);
	pf->fe.pump = pump;
	pf->fe.pump_opaque = p;
	FUZZ_ASSERT(!vu_fe_add_memory(&pf->fe, 0, MEM));
	FUZZ_ASSERT(!vu_fe_negotiate(&pf->fe, f,
				     BIT64(VHOST_USER_PROTOCOL_F_MQ) |
					     BIT64(VHOST_USER_PROTOCOL_F_REPLY_ACK) |
					     BIT64(VHOST_USER_PROTOCOL_F_CONFIG)));
	FUZZ_ASSERT(p->hdr_len == pf->hdr_len && p->mrg == pf->mrg);
	FUZZ_ASSERT(!vu_fe_set_mem_table(&pf->fe));
	for (unsigned q = 0; q < NQ; q++) {
		if (q >= 2 && !pf->mq)
			break;
		FUZZ_ASSERT(!vu_fe_setup_ring(&pf->fe, q, QSIZE, RING_GPA(q)));
		pf->r[q].set = true;
	}
	pf->up = true;
}

static void port_disconnect(struct world *w, unsigned i)
{
	struct sw_port *p = &w->sw.port[i];
	struct pfe *pf = &w->pf[i];

	if (!pf->up)
		return;
	/* prog.c's endpoint_drop: detach (the port forgets its stations), then free. */
	p->ep.detach(&p->ep);
	vu_dev_free(p->ep.dev);
	p->ep.dev = NULL;
	vu_fe_destroy(&pf->fe);
	pf->up = false;
	for (unsigned k = 0; k < w->nsh;)
		if (w->sh[k].port == (int)i)
			w->sh[k] = w->sh[--w->nsh];
		else
			k++;
}

/* ---- the shadow table ---- */

static struct shadow_ent *shadow_find(struct world *w, const u8 *mac)
{
	for (unsigned k = 0; k < w->nsh; k++)
		if (!memcmp(w->sh[k].mac, mac, 6))
			return &w->sh[k];
	return NULL;
}

static void shadow_learn(struct world *w, const u8 *mac, int port)
{
	struct shadow_ent *e;

	if (mac[0] & 1)
		return;
	e = shadow_find(w, mac);
	if (e) {
		e->port = port;
	} else if (w->nsh < ARRAY_SIZE(w->sh)) {
		memcpy(w->sh[w->nsh].mac, mac, 6);
		w->sh[w->nsh++].port = port;
	} else {
		w->relaxed = true;
	}
}

static void check_table(struct world *w)
{
	struct sw_mac_table *t = &w->sw.mac;
	u64 now = now_ns();
	unsigned live = 0;

	if (atomic_load(&t->evicted))
		w->relaxed = true;
	/* Bounded, each entry a known port, each address once. */
	for (unsigned b = 0; b < SW_MAC_BUCKETS; b++)
		for (unsigned i = 0; i < SW_MAC_WAYS; i++) {
			u64 k = atomic_load(&t->ent[b][i].key);

			if (!k)
				continue;
			live++;
			FUZZ_ASSERT((k & 0xffff) >= 1 && (k & 0xffff) <= NPORTS);
			/* Never a group address: the key is sw_mac48(mac) << 16, and
			 * sw_mac48 keeps the bytes in memory order, mac[0] lowest. */
			FUZZ_ASSERT(!((k >> 16) & 1));
			for (unsigned j = i + 1; j < SW_MAC_WAYS; j++) {
				u64 o = atomic_load(&t->ent[b][j].key);

				FUZZ_ASSERT(!o || o >> 16 != k >> 16);
			}
		}
	FUZZ_ASSERT(live <= SW_MAC_BUCKETS * SW_MAC_WAYS);
	FUZZ_ASSERT(sw_mac_count(t, now) == live); /* nothing ages during a run */
	if (w->relaxed)
		return;
	FUZZ_ASSERT(live == w->nsh);
	for (unsigned k = 0; k < w->nsh; k++)
		FUZZ_ASSERT(sw_mac_lookup(t, w->sh[k].mac, now) == w->sh[k].port);
}

/* ---- steps ---- */

static const u8 palette[][6] = {
	{ 0x02, 0, 0, 0, 0, 1 }, { 0x02, 0, 0, 0, 0, 2 }, { 0x02, 0, 0, 0, 0, 3 },
	{ 0x02, 0, 0, 0, 0, 4 }, { 0x52, 0x54, 0, 0x12, 0x34, 0x56 },
	{ 0xff, 0xff, 0xff, 0xff, 0xff, 0xff }, { 0x01, 0x00, 0x5e, 0, 0, 1 },
	{ 0x33, 0x33, 0, 0, 0, 1 },
};

static void pick_mac(struct in *in, u8 *mac)
{
	u32 s = take(in, 1);

	if (s < 0xf0) {
		memcpy(mac, palette[s % ARRAY_SIZE(palette)], 6);
	} else {
		for (unsigned i = 0; i < 6; i++)
			mac[i] = (u8)take(in, 1);
	}
}

/*
 * A frame on port i's transmit queue of pair k. sel: bits 0-1 port, 2 pair.
 * shape: bits 0-2 buffers (1-6), 3 the header alone in the first, 4 a
 * writable buffer after the frame, 5-7 where to cut, 15 header bytes from the
 * input (else zero). lsel: bits 14-15 the size class (0, 1: 14 + bits 0-13 %
 * 1500; 2: a runt of bits 0-7 % 14 bytes, + 14 unless bit 8; 3: bit 13 set:
 * SW_FRAME_MAX - 2 + bits 0-1, else 10 × bits 0-12).
 */
static void send_frame(struct world *w, struct in *in)
{
	u32 sel = take(in, 1), shape = take(in, 2), lsel = take(in, 2);
	unsigned i = (sel & 3) % NPORTS, k = (sel >> 2) & 1, q;
	struct pfe *pf = &w->pf[i];
	struct chain c = { .tag = -1 };
	struct frame scratch, *f = &scratch;
	unsigned nseg = 1 + (shape & 7) % 6, tag = w->ntags;
	u32 len, total, off = 0;
	u8 hdr[12];
	u8 *p;

	if (!pf->up || (k && !pf->mq))
		k = 0;
	q = 2 * k + 1;
	if (tag < MAX_TAGS)
		f = &w->fr[tag];
	memset(f, 0, sizeof(*f));
	pick_mac(in, f->dst);
	pick_mac(in, f->smac);
	for (unsigned b = 0; b < sizeof(hdr); b++)
		hdr[b] = (shape & 0x8000) ? (u8)take(in, 1) : 0;
	switch (lsel >> 14) {
	case 0:
	case 1:
		len = 14 + (lsel & 0x3fff) % 1500;
		break;
	case 2:
		len = (lsel & 0xff) % 14 + (lsel & 0x100 ? 0 : 14);
		break;
	default:
		len = lsel & 0x2000 ? SW_FRAME_MAX - 2 + (lsel & 3) : 10 * (lsel & 0x1fff);
		break;
	}
	total = pf->hdr_len + len;
	if (!pf->up || tag >= MAX_TAGS)
		return;
	/* Split header + frame in nseg buffers (each ≤ a slot); the header alone first
	 * when bit 3 says so, as Linux does without ANY_LAYOUT. */
	if (total > MAX_DESC * SLOT)
		len = MAX_DESC * SLOT - pf->hdr_len, total = MAX_DESC * SLOT;
	if (total > nseg * SLOT)
		nseg = (total + SLOT - 1) / SLOT;
	if (nseg + (shape & 0x10 ? 1 : 0) > MAX_DESC)
		nseg = MAX_DESC - 1;
	if (total > nseg * SLOT) /* only one big frame fits: cut it */
		len = nseg * SLOT - pf->hdr_len, total = nseg * SLOT;
	if (!ring_room(pf, q, nseg + 1))
		return;
	for (unsigned s = 0; s < nseg; s++) {
		u32 left = total - off, piece;

		if (s + 1 == nseg)
			piece = left;
		else if (s == 0 && (shape & 8))
			piece = MIN(pf->hdr_len, left);
		else
			piece = MIN(SLOT, (u32)((u64)left * (((shape >> 5) & 7) + 1) / 9));
		if (left - piece > (nseg - s - 1) * SLOT)
			piece = left - (nseg - s - 1) * SLOT;
		if (piece > SLOT)
			piece = SLOT;
		c.gpa[s] = slot_gpa(pf, q, s);
		c.len[s] = piece;
		c.wr[s] = false;
		p = vu_fe_gpa(&pf->fe, c.gpa[s], SLOT);
		FUZZ_ASSERT(p);
		for (u32 b = 0; b < piece; b++) {
			u32 pos = off + b;

			p[b] = pos < pf->hdr_len ? hdr[pos] : frame_byte(f, tag, pos - pf->hdr_len);
		}
		off += piece;
	}
	FUZZ_ASSERT(off == total);
	c.ndesc = (u16)nseg;
	/* A writable buffer at the end of a transmit chain: nothing may be written there. */
	if (shape & 0x10) {
		c.gpa[nseg] = slot_gpa(pf, q, nseg);
		c.len[nseg] = 64;
		c.wr[nseg] = true;
		memset(vu_fe_gpa(&pf->fe, c.gpa[nseg], 64), 0x77, 64);
		c.ndesc++;
	}
	f->src = (int)i;
	f->pair = k;
	f->len = len;
	c.tag = (int)tag;
	w->ntags++;
	ring_add(pf, q, &c);
}

/* Receive chains on port i's receive queue of pair k. */
static void post_rx(struct world *w, struct in *in)
{
	static const u32 sizes[8] = { 2048, 1526, 4096, 256, 64, 1, 12, 1000 };
	u32 sel = take(in, 1), shape = take(in, 2);
	unsigned i = (sel & 3) % NPORTS, k = (sel >> 2) & 1, q = 2 * k, n = 1 + (sel >> 3) % 8;
	struct pfe *pf = &w->pf[i];

	if (!pf->up || (k && !pf->mq))
		return;
	for (unsigned m = 0; m < n; m++) {
		struct chain c = { .tag = -1 };
		unsigned nd = 1 + shape % 3, first_ro = (shape >> 2) & 1 && !(shape & 0x8000);

		if (!ring_room(pf, q, nd + first_ro))
			return;
		for (unsigned d = 0; d < nd + first_ro; d++) {
			bool ro = first_ro && d == 0;

			c.gpa[d] = slot_gpa(pf, q, d);
			c.len[d] = sizes[(shape >> (3 + 3 * (d % 4))) & 7];
			c.wr[d] = !ro;
			memset(vu_fe_gpa(&pf->fe, c.gpa[d], SLOT), ro ? 0x66 : 0x55, SLOT);
		}
		c.ndesc = (u16)(nd + first_ro);
		ring_add(pf, q, &c);
		shape = shape * 31 + 7;
	}
}

/* Gather what the switch wrote into a used receive chain, checking where it wrote. */
static u32 chain_read(struct pfe *pf, const struct chain *c, u32 used, u8 *out, u32 cap)
{
	u32 got = 0;

	for (unsigned d = 0; d < c->ndesc; d++) {
		const u8 *p = vu_fe_gpa(&pf->fe, c->gpa[d], SLOT);
		u32 n;

		if (!c->wr[d]) {
			/* Device-readable: never written. */
			for (u32 b = 0; b < c->len[d]; b++)
				FUZZ_ASSERT(p[b] == 0x66);
			continue;
		}
		n = MIN(c->len[d], used - got);
		FUZZ_ASSERT(got + n <= cap);
		memcpy(out + got, p, n);
		/* Past what was written the buffer is as posted. */
		for (u32 b = n; b < c->len[d]; b++)
			FUZZ_ASSERT(p[b] == 0x55);
		got += n;
	}
	FUZZ_ASSERT(got == used);
	return got;
}

static u32 writable(const struct chain *c)
{
	u32 n = 0;

	for (unsigned d = 0; d < c->ndesc; d++)
		n += c->wr[d] ? c->len[d] : 0;
	return n;
}

/* Every frame that arrived on port i: intact, owed there, once, in an enabled pair. */
static void reap_rx(struct world *w, unsigned i)
{
	static u8 buf[2 * 65536];
	struct pfe *pf = &w->pf[i];

	for (unsigned k = 0; k < PAIRS; k++) {
		struct chain c;
		u32 used;

		while (ring_used(pf, 2 * k, &c, &used)) {
			u32 got, nb = 1, tag;
			struct frame *f;

			FUZZ_ASSERT(k < pf->pairs);
			FUZZ_ASSERT(used <= writable(&c));
			got = chain_read(pf, &c, used, buf, sizeof(buf));
			FUZZ_ASSERT(got >= pf->hdr_len);
			if (pf->hdr_len == 12)
				nb = (u32)ldn_le(buf + 10, 2);
			FUZZ_ASSERT(nb >= 1 && (pf->mrg || nb == 1));
			/* §5.1.6.4: the first chain holds the whole header; more chains follow. */
			for (u32 b = 1; b < nb; b++) {
				u32 more;

				FUZZ_ASSERT(ring_used(pf, 2 * k, &c, &more));
				FUZZ_ASSERT(more <= writable(&c));
				got += chain_read(pf, &c, more, buf + got, sizeof(buf) - got);
			}
			for (u32 b = 0; b < pf->hdr_len; b++)
				if (b != 10 && b != 11)
					FUZZ_ASSERT(buf[b] == 0);
			FUZZ_ASSERT(got >= pf->hdr_len + 14);
			tag = (u32)buf[pf->hdr_len + 12] << 8 | buf[pf->hdr_len + 13];
			FUZZ_ASSERT(tag < w->ntags);
			f = &w->fr[tag];
			FUZZ_ASSERT(f->src != (int)i);		/* never back to its source */
			FUZZ_ASSERT(f->owed[i] && !f->got[i]);	/* where it is owed, once */
			FUZZ_ASSERT(got - pf->hdr_len == f->len);
			for (u32 b = 0; b < f->len; b++)
				FUZZ_ASSERT(buf[pf->hdr_len + b] == frame_byte(f, tag, b));
			f->got[i] = true;
			w->got_now[i]++;
			w->got_bytes_now[i] += f->len;
		}
	}
}

struct stats {
	u64 rxp, rxb, rxd, txp, txb, txd;
};

static void stats_get(struct sw_port *p, struct stats *s)
{
	s->rxp = atomic_load(&p->st.rx_packets);
	s->rxb = atomic_load(&p->st.rx_bytes);
	s->rxd = atomic_load(&p->st.rx_dropped);
	s->txp = atomic_load(&p->st.tx_packets);
	s->txb = atomic_load(&p->st.tx_bytes);
	s->txd = atomic_load(&p->st.tx_dropped);
}

/* A worker's visit to port i's transmit queue of pair k, then everything checked. */
static void process(struct world *w, unsigned i, unsigned k)
{
	struct pfe *pf = &w->pf[i];
	struct stats before[NPORTS], after[NPORTS];
	u64 taken = 0, good = 0, bytes = 0;
	struct chain c;
	u32 used;
	int ret;

	if (!pf->up || !pf->r[2 * k + 1].set)
		return;
	for (unsigned d = 0; d < NPORTS; d++) {
		stats_get(&w->sw.port[d], &before[d]);
		w->owed_now[d] = w->got_now[d] = w->got_bytes_now[d] = 0;
	}
	ret = vu_queue_process(vu_dev_queue(w->sw.port[i].dev, 2 * k + 1));
	FUZZ_ASSERT(ret == 0);
	/* An eviction in this batch: from here the shadow table cannot say where unicast goes. */
	if (atomic_load(&w->sw.mac.evicted))
		w->relaxed = true;
	/* What the switch took from the queue, in order: learn, look up, as it did. */
	while (ring_used(pf, 2 * k + 1, &c, &used)) {
		struct frame *f = &w->fr[c.tag];
		struct shadow_ent *e;
		int dst;

		FUZZ_ASSERT(used == 0); /* transmit buffers are only read */
		if (c.wr[c.ndesc - 1])
			for (u32 b = 0; b < 64; b++)
				FUZZ_ASSERT(((u8 *)vu_fe_gpa(&pf->fe, c.gpa[c.ndesc - 1], 64))[b] == 0x77);
		taken++;
		if (f->len < 14 || f->len > SW_FRAME_MAX)
			continue; /* a runt or too big: dropped at the source */
		good++;
		bytes += f->len;
		shadow_learn(w, f->smac, (int)i);
		e = (f->dst[0] & 1) ? NULL : shadow_find(w, f->dst);
		dst = e ? e->port : SW_PORT_NONE;
		if (dst == (int)i)
			continue; /* the station is behind its own port: filtered */
		for (unsigned d = 0; d < NPORTS; d++) {
			bool owed = d != i && (w->relaxed || dst == SW_PORT_NONE || dst == (int)d);

			f->owed[d] = owed;
			w->owed_now[d] += owed;
		}
	}
	/* Poll mode takes everything that was there (≤ 4 batches of 32 ≥ the ring). */
	FUZZ_ASSERT(pf->r[2 * k + 1].n == 0);
	check_table(w);
	for (unsigned d = 0; d < NPORTS; d++) {
		if (d != i && w->pf[d].up)
			reap_rx(w, d);
		stats_get(&w->sw.port[d], &after[d]);
	}
	FUZZ_ASSERT(after[i].rxp - before[i].rxp == good);
	FUZZ_ASSERT(after[i].rxd - before[i].rxd == taken - good);
	FUZZ_ASSERT(after[i].rxb - before[i].rxb == bytes);
	for (unsigned d = 0; d < NPORTS; d++) {
		u64 txp = after[d].txp - before[d].txp, txd = after[d].txd - before[d].txd;

		FUZZ_ASSERT(txp == w->got_now[d]);
		FUZZ_ASSERT(after[d].txb - before[d].txb == w->got_bytes_now[d]);
		if (!w->relaxed)
			FUZZ_ASSERT(txp + txd == w->owed_now[d]);
		if (d == i)
			FUZZ_ASSERT(txp == 0 && txd == 0);
	}
}

/* VIRTIO_NET_CTRL_MQ on port i's control queue (§5.1.6.5.5). */
static void ctrl_mq(struct world *w, struct in *in)
{
	u32 sel = take(in, 1), v = take(in, 2);
	unsigned i = (sel & 3) % NPORTS, q;
	struct pfe *pf = &w->pf[i];
	struct chain c = { .tag = -1 }, u;
	u8 cmd[4] = { VIRTIO_NET_CTRL_MQ, VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET, (u8)v, (u8)(v >> 8) };
	bool ack = !(sel & 0x80), ok;
	u32 used;
	u8 *p;

	if (!pf->up || !pf->ctrl)
		return;
	q = pf->ctrl;
	if (sel & 0x40)
		cmd[(sel >> 3) & 3] ^= (u8)(1u << ((sel >> 5) & 1));
	if (!ring_room(pf, q, 3))
		return;
	/* Header, data (cut where the input says), ack: Linux's virtnet_send_command. */
	c.gpa[0] = slot_gpa(pf, q, 0);
	c.len[0] = 1 + (sel >> 2) % 3;
	c.gpa[1] = slot_gpa(pf, q, 1);
	c.len[1] = 4 - c.len[0];
	p = vu_fe_gpa(&pf->fe, c.gpa[0], SLOT);
	memcpy(p, cmd, c.len[0]);
	memcpy(vu_fe_gpa(&pf->fe, c.gpa[1], SLOT), cmd + c.len[0], c.len[1]);
	c.ndesc = 2;
	if (ack) {
		c.gpa[2] = slot_gpa(pf, q, 2);
		c.len[2] = 1;
		c.wr[2] = true;
		*(u8 *)vu_fe_gpa(&pf->fe, c.gpa[2], 1) = 0xee;
		c.ndesc = 3;
	}
	ring_add(pf, q, &c);
	FUZZ_ASSERT(vu_queue_process(vu_dev_queue(w->sw.port[i].dev, q)) == 0);
	FUZZ_ASSERT(ring_used(pf, q, &u, &used));
	ok = cmd[0] == VIRTIO_NET_CTRL_MQ && cmd[1] == VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET &&
	     ldn_le(cmd + 2, 2) >= 1 && ldn_le(cmd + 2, 2) <= PAIRS;
	if (!ack) {
		FUZZ_ASSERT(used == 0);
	} else {
		u8 a = *(u8 *)vu_fe_gpa(&pf->fe, u.gpa[2], 1);

		FUZZ_ASSERT(used >= 1);
		FUZZ_ASSERT(a == (ok ? VIRTIO_NET_OK : VIRTIO_NET_ERR));
	}
	/* The pairs change with an OK (without an ack byte, either way: nothing says). */
	if (ack && ok)
		pf->pairs = (unsigned)ldn_le(cmd + 2, 2);
	if (!ack) {
		unsigned now = atomic_load(&w->sw.port[i].rx_pairs);

		FUZZ_ASSERT(now == pf->pairs || (ok && now == ldn_le(cmd + 2, 2)));
		pf->pairs = now;
	}
	FUZZ_ASSERT(atomic_load(&w->sw.port[i].rx_pairs) == pf->pairs);
}

static void step(struct world *w, struct in *in)
{
	u32 op = take(in, 1);

	switch (op % 12) {
	case 0:
	case 1:
	case 2:
	case 3:
		send_frame(w, in);
		break;
	case 4:
	case 5:
		op = take(in, 1);
		process(w, (op & 3) % NPORTS, (op >> 2) & 1 && w->pf[(op & 3) % NPORTS].mq);
		break;
	case 6:
	case 7:
		post_rx(w, in);
		break;
	case 8:
		ctrl_mq(w, in);
		break;
	case 9:
		op = take(in, 1);
		port_disconnect(w, (op & 3) % NPORTS);
		port_connect(w, (op & 3) % NPORTS, op >> 2);
		check_table(w);
		break;
	case 10: /* a polling worker's round: every transmit queue */
		for (unsigned i = 0; i < NPORTS; i++)
			for (unsigned k = 0; k < PAIRS; k++)
				process(w, i, k && w->pf[i].mq);
		break;
	default: /* a frame, sent at once */
		send_frame(w, in);
		op = take(in, 1);
		process(w, (op & 3) % NPORTS, 0);
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct world *w = calloc(1, sizeof(*w));
	struct vswitch *sw;
	struct in in = { data, size };

	log_set_level(LOG_ERR);
	if (!w)
		abort();
	sw = &w->sw;
	/* sw_main.c's set-up: --poll, --queues 2, one thread, ports that connect as clients. */
	sw->poll = true;
	sw_mac_init(&sw->mac, 3600ull * 1000000000ull);
	sw->ops = sw_port_ops_template;
	sw->ops.num_queues = NQ;
	sw->nworkers = 1;
	for (unsigned i = 0; i < NPORTS; i++) {
		struct sw_port *p = &sw->port[i];

		p->sw = sw;
		p->id = (int)i;
		snprintf(p->name, sizeof(p->name), "fuzz port %u", i);
		FUZZ_ASSERT(!sw_port_init_vhost(sw, p, "/nonexistent/fuzz.sock", true, PAIRS));
		sw->nports++;
	}
	FUZZ_ASSERT(!sw_workers_setup(sw));
	for (unsigned i = 0; i < NPORTS; i++)
		port_connect(w, i, take(&in, 1));
	for (unsigned n = 0; in.n && n < 1024; n++)
		step(w, &in);
	for (unsigned i = 0; i < NPORTS; i++)
		process(w, i, 0);
	for (unsigned i = 0; i < NPORTS; i++) {
		sw_port_fini(&sw->port[i]); /* detaches and frees the connection */
		if (w->pf[i].up)
			vu_fe_destroy(&w->pf[i].fe);
	}
	sw_workers_stop(sw);
	sw_mac_destroy(&sw->mac);
	free(w);
	return 0;
}
