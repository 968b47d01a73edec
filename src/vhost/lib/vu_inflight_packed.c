// SPDX-License-Identifier: GPL-2.0-only
/*
 * Inflight I/O tracking for packed rings (vhost-user "Inflight I/O
 * tracking", packed virtqueue layout). A packed ring has no used index in
 * memory and its descriptor slots are overwritten by used descriptors, so
 * the region holds a copy of every descriptor the back-end fetched, in
 * entries taken from a free list: a chain's head entry is marked in flight
 * and says how many entries the chain has and which is its last. The ring
 * positions are kept there too: used_idx/used_wrap_counter, with "old"
 * copies as of the last batch completed, so that a half-done batch can be
 * rolled back.
 *
 * The steps are the spec's: on fetch, entries filled from free_head and
 * old_free_head moved past the chain; on completion, the chains' entries
 * put back on the free list and used_idx advanced just before the batch is
 * published (virtq_flush writes the flags of the batch's first used
 * descriptor last), then the heads cleared and the "old" fields committed.
 * The completion steps run for the whole batch inside vu_queue_notify, so a
 * fetch never falls between them.
 *
 * Recovery (a new back-end, the region handed back): if used_idx moved past
 * old_used_idx, the flags of the ring slot at old_used_idx tell whether the
 * batch reached the driver (commit) or not (roll back). Entries on the free
 * list are not in flight; the heads still marked are resubmitted in fetch
 * order from their copies, and the ring continues at the used position plus
 * every descriptor they hold — the front-end cannot know either position
 * after a crash (QEMU keeps the base of the last start), so the region is
 * the authority. Used descriptors the dead back-end wrote past the committed
 * position but never published are scrubbed, or the driver would take them
 * for completions once it got there.
 *
 * The region lives in memory the front-end can write at any time. Nothing
 * read from it at run time is trusted: we keep a private mirror of the
 * links (free list, chains, ids) and only write the region, except when
 * recovering, where every value is read once and checked, and a region
 * that makes no sense closes the connection.
 */
#include <errno.h>
#include <stdlib.h>

#include <linux/virtio_ring.h>

#include "vu_priv.h"

#define INFL_NONE 0xffff
#define RING_AVAIL (1u << VRING_PACKED_DESC_F_AVAIL)
#define RING_USED (1u << VRING_PACKED_DESC_F_USED)

/* Our private view of a queue's packed region. */
struct vu_infl_packed {
	u16 num;		/* ring size = entries used in the region */
	u16 free_head;		/* mirror of the region's free_head */
	u16 *next;		/* mirror of desc[].next: free list and chain links */
	u16 *last;		/* head entry → last entry of its chain */
	u16 *len;		/* head entry → entries (ring descriptors) of its chain */
	u16 *id_head;		/* buffer id → head entry of the chain in flight, or INFL_NONE */
	u16 *pushed;		/* head entries completed since the last publish */
	u16 nr_pushed;
	/* Resubmission: copies of the chains in flight, in resubmit order. */
	struct virtq_saved_desc *saved;
	u32 saved_pos;
};

u64 vu_inflight_packed_region_size(u16 queue_size)
{
	return ALIGN_UP(sizeof(struct vu_queue_region_packed) +
				(u64)queue_size * sizeof(struct vu_desc_state_packed),
			64ull);
}

static struct vu_infl_packed *pk_alloc(u16 num)
{
	struct vu_infl_packed *pk = calloc(1, sizeof(*pk) + 5 * sizeof(u16) * (size_t)num);
	u16 *a;

	if (!pk)
		return NULL;
	a = (u16 *)(pk + 1);
	pk->num = num;
	pk->next = a;
	pk->last = a + num;
	pk->len = a + 2 * num;
	pk->id_head = a + 3 * num;
	pk->pushed = a + 4 * num;
	for (u32 i = 0; i < num; i++)
		pk->id_head[i] = INFL_NONE;
	return pk;
}

void vu_inflight_packed_stop(struct vu_queue *q)
{
	if (!q->infl_pk)
		return;
	free(q->infl_pk->saved);
	free(q->infl_pk);
	q->infl_pk = NULL;
}

/*
 * Tracking cannot go on (a driver reusing a buffer id in flight, or holding
 * more descriptors than its ring has): say so, and mark the region blank so
 * that a restart does not resubmit from a record we stopped keeping.
 */
static void untrack(struct vu_queue *q, const char *why, unsigned v)
{
	struct vu_queue_region_packed *r = q->infl;

	dev_warn_rl(&q->rl, q->name, "inflight tracking stopped: %s %u", why, v);
	__atomic_store_n(&r->version, 0, __ATOMIC_RELEASE);
	q->infl = NULL;
	vu_inflight_packed_stop(q);
}

/* The ring position the virtq is at: avail (next to fetch) or used (next to write). */
static void ring_pos(struct vu_queue *q, bool used, u16 *slot, bool *wrap)
{
	u32 base = virtq_get_base(&q->vq);
	u16 half = used ? (u16)(base >> 16) : (u16)base;

	*slot = half & 0x7fff;
	*wrap = half & 0x8000;
}

static void pos_advance(u16 num, u16 *slot, bool *wrap, u32 n)
{
	u32 s = *slot + n % num;

	if (n >= num)
		*wrap = !*wrap; /* only n == num happens: a whole ring */
	if (s >= num) {
		s -= num;
		*wrap = !*wrap;
	}
	*slot = (u16)s;
}

/* A fresh (or foreign) region: every entry free, the ring where the front-end put it. */
static int packed_init(struct vu_queue *q, struct vu_queue_region_packed *r)
{
	u64 size = vu_inflight_packed_region_size(q->dev->infl.queue_size);
	u16 num = q->num, aslot, uslot;
	struct vu_infl_packed *pk;
	bool awrap, uwrap;

	ring_pos(q, false, &aslot, &awrap);
	ring_pos(q, true, &uslot, &uwrap);
	if (aslot != uslot || awrap != uwrap) {
		/* Chains fetched by someone who kept no record: we cannot resubmit them. */
		dev_warn_rl(&q->rl, q->name,
			    "ring restarts with descriptors in flight and a blank inflight "
			    "region: untracked");
		return 0;
	}
	pk = pk_alloc(num);
	if (!pk)
		return -ENOMEM;
	memset(r, 0, size);
	r->desc_num = num;
	for (u32 i = 0; i < num; i++) {
		r->desc[i].next = (u16)(i + 1); /* num ends the list */
		pk->next[i] = (u16)(i + 1);
	}
	r->used_idx = r->old_used_idx = uslot;
	r->used_wrap_counter = r->old_used_wrap_counter = uwrap;
	/* The layout is complete before the version says there is one. */
	__atomic_store_n(&r->version, VU_INFLIGHT_VERSION, __ATOMIC_RELEASE);
	q->infl_pk = pk;
	q->infl = r;
	q->infl_counter = 1;
	return 0;
}

/*
 * Check the chains of the heads in o[0..n) (fetch order) and copy them:
 * entries within the region, each in one chain only, the count and the last
 * entry as the head says, distinct buffer ids below the ring size.
 */
static int packed_collect(struct vu_queue *q, struct vu_queue_region_packed *r,
			  struct vu_infl_packed *pk, const struct vu_infl_order *o, unsigned n,
			  u8 *mark, u32 *total)
{
	u16 num = q->num;

	*total = 0;
	for (unsigned k = 0; k < n; k++) {
		u16 h = o[k].entry, cnt = READ_ONCE(r->desc[h].num), lastv = READ_ONCE(r->desc[h].last);
		u16 i = h, id = 0;

		if (!cnt || cnt > num)
			return vu_violation(q->dev, "%s: inflight chain at entry %u has %u entries",
					    q->name, h, cnt);
		/* PEER: each step checked against the region and against the other chains. */
		for (u16 j = 0; j < cnt; j++) {
			struct vu_desc_state_packed *d;
			struct virtq_saved_desc *s;

			if (i >= num || mark[i])
				return vu_violation(q->dev,
						    "%s: inflight chain at entry %u %s at entry %u",
						    q->name, h,
						    i >= num ? "leaves the region" : "overlaps another",
						    i);
			mark[i] = 1;
			d = &r->desc[i];
			s = &pk->saved[*total + j];
			s->addr = READ_ONCE(d->addr);
			s->len = READ_ONCE(d->len);
			s->flags = READ_ONCE(d->flags);
			s->id = id = READ_ONCE(d->id);
			if (j + 1 == cnt)
				break;
			pk->next[i] = READ_ONCE(d->next);
			i = pk->next[i];
		}
		if (i != lastv)
			return vu_violation(q->dev, "%s: inflight chain at entry %u ends at %u, not %u",
					    q->name, h, i, lastv);
		if (id >= num || pk->id_head[id] != INFL_NONE)
			return vu_violation(q->dev, "%s: inflight chain at entry %u has buffer id %u%s",
					    q->name, h, id,
					    id >= num ? " beyond the ring" : " of another");
		pk->id_head[id] = h;
		pk->last[h] = lastv;
		pk->len[h] = cnt;
		*total += cnt;
	}
	return 0;
}

/*
 * Slots between the committed used position and the avail position belong
 * to chains in flight. Any that look used were written by the dead back-end
 * for a batch it never published: make them look available again, as the
 * driver left them, before the driver's next used slot reaches them.
 */
static void packed_scrub(struct vu_queue *q, u16 slot, bool wrap, u32 n)
{
	for (u32 k = 0; k < n; k++) {
		/* GUEST: slot < num, advanced with the ring's wrap. */
		u16 *fp = &q->vq.pdesc[slot].flags;
		u16 f = le16_to_cpu(READ_ONCE(*fp));
		u16 used = wrap ? RING_AVAIL | RING_USED : 0;

		if ((f & (RING_AVAIL | RING_USED)) == used)
			WRITE_ONCE(*fp, cpu_to_le16((u16)((f & ~(RING_AVAIL | RING_USED)) |
							  (wrap ? RING_AVAIL : RING_USED))));
		pos_advance(q->num, &slot, &wrap, 1);
	}
}

static int packed_recover(struct vu_queue *q, struct vu_queue_region_packed *r)
{
	u16 num = q->num, fh = READ_ONCE(r->free_head), ofh = READ_ONCE(r->old_free_head);
	u16 ui = READ_ONCE(r->used_idx), oui = READ_ONCE(r->old_used_idx);
	u8 uw = READ_ONCE(r->used_wrap_counter), ouw = READ_ONCE(r->old_used_wrap_counter);
	struct vu_infl_order *o = NULL;
	struct vu_infl_packed *pk;
	u16 aslot, prev_a, prev_u, first = num;
	bool awrap, prev_aw, prev_uw;
	u8 *mark = NULL;
	unsigned n = 0;
	u32 total = 0;
	u64 max = 0;
	int ret;

	if (fh > num || ofh > num || ui >= num || oui >= num || uw > 1 || ouw > 1)
		return vu_violation(q->dev,
				    "%s: inflight region header out of range (free_head %u/%u, "
				    "used_idx %u/%u, wrap %u/%u, ring %u)",
				    q->name, fh, ofh, ui, oui, uw, ouw, num);
	if (ui != oui || uw != ouw) {
		/*
		 * A batch was being completed. Its first used descriptor at
		 * old_used_idx is the one the flush writes last: still as the
		 * driver made it available (AVAIL = wrap, USED = !wrap) means
		 * the batch never reached the driver.
		 */
		u16 f = le16_to_cpu(READ_ONCE(q->vq.pdesc[oui].flags)) & (RING_AVAIL | RING_USED);

		if (f != (ouw ? RING_AVAIL : RING_USED)) {
			ofh = fh;
			oui = ui;
			ouw = uw;
		}
	}
	/* Roll back (or forward): the state of the last batch the driver saw. */
	fh = ofh;
	ui = oui;
	uw = ouw;

	pk = pk_alloc(num);
	o = calloc(num, sizeof(*o));
	mark = calloc(num, 1);
	if (!pk || !o || !mark) {
		ret = -ENOMEM;
		goto out;
	}
	/* Entries on the free list hold nothing in flight (a batch completed, a fetch cut short). */
	for (u32 i = fh, ttl = num; i < num && ttl; ttl--) {
		WRITE_ONCE(r->desc[i].inflight, 0);
		i = READ_ONCE(r->desc[i].next);
	}
	for (u16 i = 0; i < num; i++) {
		u8 infl = READ_ONCE(r->desc[i].inflight);
		u64 c = READ_ONCE(r->desc[i].counter);

		if (infl > 1) {
			ret = vu_violation(q->dev, "%s: inflight region entry %u has inflight=%u",
					   q->name, i, infl);
			goto out;
		}
		if (infl) {
			o[n++] = (struct vu_infl_order){ .counter = c, .entry = i };
			if (c > max)
				max = c;
		}
	}
	vu_inflight_sort(o, n);
	if (n) {
		pk->saved = calloc(num, sizeof(*pk->saved));
		q->resubmit = calloc(n, sizeof(*q->resubmit));
		if (!pk->saved || !q->resubmit) {
			ret = -ENOMEM;
			goto out;
		}
	}
	ret = packed_collect(q, r, pk, o, n, mark, &total);
	if (ret)
		goto out;

	/* A new free list of every entry no chain holds; the region says so before it says "committed". */
	for (u16 i = num; i--;) {
		if (mark[i])
			continue;
		pk->next[i] = first;
		WRITE_ONCE(r->desc[i].next, first);
		first = i;
	}
	pk->free_head = first;
	WRITE_ONCE(r->free_head, first);
	WRITE_ONCE(r->old_free_head, first);
	WRITE_ONCE(r->used_wrap_counter, uw);
	WRITE_ONCE(r->old_used_wrap_counter, uw);
	WRITE_ONCE(r->used_idx, ui);
	__atomic_store_n(&r->old_used_idx, ui, __ATOMIC_RELEASE);

	/* Every descriptor fetched is either used or held by a chain in flight. */
	aslot = ui;
	awrap = uw;
	pos_advance(num, &aslot, &awrap, total);
	packed_scrub(q, ui, uw, total);
	ring_pos(q, false, &prev_a, &prev_aw);
	ring_pos(q, true, &prev_u, &prev_uw);
	ret = virtq_set_base(&q->vq, (u32)(aslot | (awrap ? 0x8000 : 0)) |
					     (u32)(ui | (uw ? 0x8000 : 0)) << 16);
	if (ret)
		goto out;
	pr_info("%s: ring resumes at avail %u/%u, used %u/%u from the inflight region "
		"(front-end said %u/%u, %u/%u)",
		q->name, aslot, awrap, ui, uw, prev_a, prev_aw, prev_u, prev_uw);
	for (unsigned k = 0; k < n; k++)
		q->resubmit[k] = o[k].entry;
	q->nr_resubmit = n;
	q->next_resubmit = 0;
	q->infl_counter = max + 1;
	q->infl_pk = pk;
	q->infl = r;
	pk = NULL;
	if (n)
		pr_info("%s: %u request(s) in flight before a restart are handed out again",
			q->name, n);
out:
	if (pk) {
		free(pk->saved);
		free(pk);
	}
	free(o);
	free(mark);
	return ret;
}

int vu_inflight_packed_start(struct vu_queue *q, struct vu_queue_region_packed *r)
{
	u16 version = READ_ONCE(r->version);

	if (version > VU_INFLIGHT_VERSION)
		return vu_violation(q->dev, "%s: inflight region version %u unknown", q->name,
				    version);
	/* Fresh (zero), or laid out for a ring of another size: start clean. */
	if (version != VU_INFLIGHT_VERSION)
		return packed_init(q, r);
	if (READ_ONCE(r->desc_num) != q->num) {
		pr_info("%s: inflight region for a ring of %u, this one has %u: started clean",
			q->name, READ_ONCE(r->desc_num), q->num);
		return packed_init(q, r);
	}
	return packed_recover(q, r);
}

int vu_inflight_packed_resubmit(struct vu_queue *q, struct virtq_elem *e)
{
	struct vu_infl_packed *pk = q->infl_pk;
	u16 h = q->resubmit[q->next_resubmit];
	int ret;

	ret = virtq_pop_saved(&q->vq, pk->saved + pk->saved_pos, pk->len[h], e);
	if (ret != 1)
		return ret;
	pk->saved_pos += pk->len[h];
	if (++q->next_resubmit == q->nr_resubmit) {
		free(pk->saved);
		pk->saved = NULL;
	}
	return 1;
}

/* vhost-user "When receiving available buffers from the driver". */
void vu_inflight_packed_pop(struct vu_queue *q, const struct virtq_elem *e)
{
	struct vu_queue_region_packed *r = q->infl;
	struct vu_infl_packed *pk = q->infl_pk;
	u16 num = q->num, n = e->ndescs, h = pk->free_head, i = h, slot, last = h;
	bool wrap;

	if (e->id >= num || !n || n > num)
		return;
	if (pk->id_head[e->id] != INFL_NONE) {
		untrack(q, "the driver reused the buffer id in flight:", e->id);
		return;
	}
	for (u16 k = 0; k < n; k++, i = pk->next[i]) {
		if (i >= num) {
			untrack(q, "more descriptors in flight than the ring holds:", n);
			return;
		}
	}
	/* The chain's first slot: the avail position before this pop. */
	ring_pos(q, false, &slot, &wrap);
	slot = slot >= n ? slot - n : (u16)(slot + num - n);

	WRITE_ONCE(r->desc[h].num, 0);
	WRITE_ONCE(r->desc[h].counter, q->infl_counter++);
	/* Counter and count before the entry says "in flight". */
	__atomic_store_n(&r->desc[h].inflight, 1, __ATOMIC_RELEASE);
	i = h;
	for (u16 k = 0; k < n; k++) {
		/* GUEST: slot < num; the chain was just validated there by virtq_pop. */
		const struct vring_packed_desc *g = &q->vq.pdesc[slot];
		struct vu_desc_state_packed *d = &r->desc[i];

		if (k + 1 == n)
			WRITE_ONCE(r->desc[h].last, i);
		WRITE_ONCE(r->desc[h].num, (u16)(k + 1));
		WRITE_ONCE(d->addr, le64_to_cpu(READ_ONCE(g->addr)));
		WRITE_ONCE(d->len, le32_to_cpu(READ_ONCE(g->len)));
		WRITE_ONCE(d->flags, le16_to_cpu(READ_ONCE(g->flags)));
		/* The id that counts is the last one's (§2.8.6): the one virtq_pop used. */
		WRITE_ONCE(d->id, k + 1 == n ? e->id : le16_to_cpu(READ_ONCE(g->id)));
		last = i;
		i = pk->next[i];
		WRITE_ONCE(r->free_head, i);
		if (++slot == num)
			slot = 0;
	}
	pk->free_head = i;
	pk->last[h] = last;
	pk->len[h] = n;
	pk->id_head[e->id] = h;
	/* The fetch is complete: a crash from here on resubmits this chain. */
	__atomic_store_n(&r->old_free_head, i, __ATOMIC_RELEASE);
}

/* The chain popped last given back: its entries go back to the front of the free list. */
void vu_inflight_packed_unpop(struct vu_queue *q, const struct virtq_elem *e)
{
	struct vu_queue_region_packed *r = q->infl;
	struct vu_infl_packed *pk = q->infl_pk;
	u16 h, l;

	if (e->id >= q->num || (h = pk->id_head[e->id]) == INFL_NONE)
		return;
	pk->id_head[e->id] = INFL_NONE;
	__atomic_store_n(&r->desc[h].inflight, 0, __ATOMIC_RELEASE);
	l = pk->last[h];
	pk->next[l] = pk->free_head;
	WRITE_ONCE(r->desc[l].next, pk->free_head);
	pk->free_head = h;
	WRITE_ONCE(r->free_head, h);
	__atomic_store_n(&r->old_free_head, h, __ATOMIC_RELEASE);
	if (q->infl_counter > 1)
		q->infl_counter--;
}

/* Completed, not yet published: remembered for vu_inflight_packed_flushing. */
void vu_inflight_packed_push(struct vu_queue *q, const struct virtq_elem *e)
{
	struct vu_infl_packed *pk = q->infl_pk;
	u16 h;

	if (e->id >= q->num || (h = pk->id_head[e->id]) == INFL_NONE || pk->nr_pushed >= q->num)
		return;
	pk->id_head[e->id] = INFL_NONE;
	pk->pushed[pk->nr_pushed++] = h;
}

/* vhost-user "When supplying used buffers to the driver", the steps before the flags. */
void vu_inflight_packed_flushing(struct vu_queue *q)
{
	struct vu_queue_region_packed *r = q->infl;
	struct vu_infl_packed *pk = q->infl_pk;
	u16 slot;
	bool wrap;

	if (!pk->nr_pushed || q->vq.error != VIRTQ_OK)
		return;
	for (u16 k = 0; k < pk->nr_pushed; k++) {
		u16 h = pk->pushed[k], l = pk->last[h];

		pk->next[l] = pk->free_head;
		WRITE_ONCE(r->desc[l].next, pk->free_head);
		pk->free_head = h;
		WRITE_ONCE(r->free_head, h);
	}
	ring_pos(q, true, &slot, &wrap);
	WRITE_ONCE(r->used_wrap_counter, wrap);
	/* used_idx moves last: recovery then looks at the ring to know if the batch went out. */
	__atomic_store_n(&r->used_idx, slot, __ATOMIC_RELEASE);
}

/* After virtq_flush published the batch: the heads are done, the state committed. */
void vu_inflight_packed_flushed(struct vu_queue *q)
{
	struct vu_queue_region_packed *r = q->infl;
	struct vu_infl_packed *pk = q->infl_pk;
	u16 slot;
	bool wrap;

	if (!pk->nr_pushed || q->vq.error != VIRTQ_OK)
		return;
	for (u16 k = 0; k < pk->nr_pushed; k++)
		__atomic_store_n(&r->desc[pk->pushed[k]].inflight, 0, __ATOMIC_RELEASE);
	pk->nr_pushed = 0;
	ring_pos(q, true, &slot, &wrap);
	WRITE_ONCE(r->old_free_head, pk->free_head);
	WRITE_ONCE(r->old_used_wrap_counter, wrap);
	__atomic_store_n(&r->old_used_idx, slot, __ATOMIC_RELEASE);
}
