// SPDX-License-Identifier: GPL-2.0-only
/*
 * Split virtqueues, device side (virtio 1.2 §2.7): take chain heads from the
 * available ring, walk the descriptor table, return heads through the used
 * ring, and decide on notifications both ways with VRING_AVAIL_F_NO_INTERRUPT
 * / VRING_USED_F_NO_NOTIFY or, with VIRTIO_F_EVENT_IDX, used_event /
 * avail_event (§2.7.7, §2.7.10).
 *
 * The avail idx is read only when every entry seen so far has been taken
 * (shadow_avail_idx), and used idx is published once per flush, so a batch
 * costs one shared-cache-line read and one write whatever its size.
 */
#include "virtq_priv.h"

/* One table descriptor, each field read once (the guest may rewrite it). */
static void virtq_split_load(const struct vring_desc *g, struct virtq_desc *d)
{
	d->addr = le64_to_cpu(READ_ONCE(g->addr));
	d->len = le32_to_cpu(READ_ONCE(g->len));
	d->flags = le16_to_cpu(READ_ONCE(g->flags));
	d->next = le16_to_cpu(READ_ONCE(g->next));
}

/*
 * Validate and map the chain from head, whose descriptor the caller loaded
 * into *d; nothing but *e changes.
 */
static enum virtq_error virtq_split_walk(struct virtq *vq, struct virtq_desc *d,
					 struct virtq_elem *e)
{
	struct virtq_walk w;
	u16 size = vq->cfg.size;
	unsigned ttl = size - 1;

	virtq_walk_start(&w, vq, e);
	for (;;) {
		enum virtq_error err;

		e->ndescs++;
		if (d->flags & VRING_DESC_F_INDIRECT) {
			/*
			 * §2.7.5.3.1: INDIRECT and NEXT are exclusive, so an indirect
			 * descriptor ends the chain (after any direct ones: §2.7.5.3.2).
			 * Its WRITE flag is ignored.
			 */
			if (d->flags & VRING_DESC_F_NEXT)
				return VIRTQ_ERR_INDIRECT_NEXT;
			return virtq_walk_indirect(&w, d->addr, d->len);
		}
		err = virtq_walk_buf(&w, d->addr, d->len, d->flags & VRING_DESC_F_WRITE);
		if (err)
			return err;
		if (!(d->flags & VRING_DESC_F_NEXT))
			return VIRTQ_OK;
		if (d->next >= size)
			return VIRTQ_ERR_NEXT_RANGE;
		/* §2.7.5: the table is the longest chain there can be; more steps is a loop. */
		if (!ttl--)
			return VIRTQ_ERR_CHAIN_LOOP;
		/* GUEST: next < size, checked just above. */
		virtq_split_load(&vq->desc[d->next], d);
	}
}

/* Largest batch whose heads are read (and descriptors fetched) ahead of the walks. */
#define VIRTQ_SPLIT_AHEAD 64

int virtq_split_pop_batch(struct virtq *vq, struct virtq_elem *e, unsigned n)
{
	u16 size = vq->cfg.size, last = vq->last_avail_idx;
	u16 heads[VIRTQ_SPLIT_AHEAD];
	unsigned avail, room, i;
	enum virtq_error err = VIRTQ_OK;

	n = MIN(n, (unsigned)VIRTQ_SPLIT_AHEAD);
	avail = (u16)(vq->shadow_avail_idx - last);
	if (avail < n) {
		/*
		 * Acquire: the ring entries and descriptors the driver wrote before
		 * publishing idx (§2.7.13.3) must not be read before idx itself.
		 * Read once per batch, and only when what we saw is not enough.
		 */
		u16 idx = virtq_load_acquire16(&vq->avail->idx);

		/* GUEST: §2.7.6 the ring holds size entries; a bigger jump is garbage. */
		if ((u16)(idx - last) > size)
			return virtq_fail(vq, VIRTQ_ERR_AVAIL_IDX);
		vq->shadow_avail_idx = idx;
		avail = (u16)(idx - last);
	}
	n = MIN(n, avail);
	if (!n)
		return 0;
	/*
	 * size chains in flight use every descriptor: another head can only be a
	 * descriptor we still hold (the driver broke §2.7.13.1). Pop what fits;
	 * the next call meets the violation.
	 */
	room = size - vq->inflight;
	if (!room)
		return virtq_fail(vq, VIRTQ_ERR_AVAIL_IDX);
	n = MIN(n, room);
	/*
	 * Every head first, each one's descriptor fetched meanwhile: the driver
	 * wrote them on its own core, and asking for all of them before walking
	 * any lets those cache misses overlap instead of following each other.
	 */
	for (i = 0; i < n; i++) {
		/* GUEST: the ring index is masked; the head value is checked below. */
		heads[i] = le16_to_cpu(READ_ONCE(vq->avail->ring[(u16)(last + i) & (size - 1)]));
		if (heads[i] < size)
			__builtin_prefetch(&vq->desc[heads[i]]);
	}
	for (i = 0; i < n; i++) {
		const struct vring_desc *g;
		struct virtq_desc d;

		if (heads[i] >= size) {
			err = VIRTQ_ERR_HEAD_RANGE;
			break;
		}
		/* GUEST: heads[i] < size. Each field is read once. */
		g = &vq->desc[heads[i]];
		d.flags = le16_to_cpu(READ_ONCE(g->flags));
		d.addr = le64_to_cpu(READ_ONCE(g->addr));
		d.len = le32_to_cpu(READ_ONCE(g->len));
		/* Most chains are one direct descriptor: no walker for those. */
		err = VIRTQ_WALK_SLOW;
		if (likely(!(d.flags & (VRING_DESC_F_NEXT | VRING_DESC_F_INDIRECT))))
			err = virtq_walk_one(vq, d.addr, d.len, d.flags & VRING_DESC_F_WRITE, &e[i]);
		if (unlikely(err == VIRTQ_WALK_SLOW)) {
			d.next = le16_to_cpu(READ_ONCE(g->next));
			err = virtq_split_walk(vq, &d, &e[i]);
		}
		if (unlikely(err))
			break;
		e[i].id = heads[i];
	}
	/* The chains before a bad one are good and handed out; the queue is broken after them. */
	vq->last_avail_idx = (u16)(last + i);
	vq->inflight += i;
	if (err) {
		virtq_fail(vq, err);
		if (!i)
			return -EIO;
	}
	return (int)i;
}

/* vhost-user inflight resubmission: a head the previous back-end popped, walked again. */
int virtq_split_pop_head(struct virtq *vq, u16 head, struct virtq_elem *e)
{
	struct virtq_desc d;
	enum virtq_error err;

	if (vq->inflight >= vq->cfg.size)
		return 0;
	/* PEER: the head comes from the inflight area, which the front-end holds. */
	if (head >= vq->cfg.size)
		return virtq_fail(vq, VIRTQ_ERR_HEAD_RANGE);
	virtq_split_load(&vq->desc[head], &d);
	err = virtq_split_walk(vq, &d, e);
	if (err)
		return virtq_fail(vq, err);
	e->id = head;
	vq->inflight++;
	return 1;
}

/* The avail entry is read again by the next pop (the driver cannot have reused it). */
void virtq_split_unpop(struct virtq *vq, const struct virtq_elem *e)
{
	(void)e;
	vq->last_avail_idx--;
	vq->inflight--;
}

void virtq_split_push(struct virtq *vq, const struct virtq_elem *e, u32 written)
{
	struct vring_used_elem *u;

	if (unlikely(!vq->inflight || e->id >= vq->cfg.size)) {
		virtq_fail(vq, VIRTQ_ERR_USED_ID);
		return;
	}
	/* Plain stores: nobody reads the entry before used->idx covers it (flush). */
	u = &vq->used->ring[vq->used_idx & (vq->cfg.size - 1)];
	u->id = cpu_to_le32(e->id);
	u->len = cpu_to_le32(written);
	vq->used_idx++;
	vq->inflight--;
}

void virtq_split_push_batch(struct virtq *vq, const struct virtq_elem *e, const u32 *written,
			    unsigned n)
{
	u16 mask = vq->cfg.size - 1;

	for (unsigned i = 0; i < n; i++) {
		struct vring_used_elem *u;
		u32 len = written ? (u32)MIN((u64)written[i], e[i].in_len) : 0;

		if (unlikely(!vq->inflight || e[i].id >= vq->cfg.size)) {
			virtq_fail(vq, VIRTQ_ERR_USED_ID);
			return;
		}
		/* Plain stores: nobody reads the entry before used->idx covers it (flush). */
		u = &vq->used->ring[vq->used_idx & mask];
		u->id = cpu_to_le32(e[i].id);
		u->len = cpu_to_le32(len);
		vq->used_idx++;
		vq->inflight--;
	}
}

void virtq_split_flush(struct virtq *vq)
{
	if (vq->used_idx == vq->used_pub)
		return;
	/* Release: the used entries written by push are visible before idx covers them. */
	virtq_store_release16(&vq->used->idx, vq->used_idx);
	vq->used_pub = vq->used_idx;
}

bool virtq_split_should_notify(struct virtq *vq)
{
	u16 old = vq->signalled_used, new_idx = vq->used_pub;
	bool valid = vq->signalled_used_valid;

	if (valid && new_idx == old)
		return false; /* nothing published since the last decision */
	vq->signalled_used = new_idx;
	vq->signalled_used_valid = true;
	/*
	 * Full barrier: used->idx (stored by flush) must be visible before we read
	 * the driver's suppression state, or the driver could re-enable after
	 * seeing the old idx while we read the old "disabled" (§2.7.7.2).
	 */
	virtq_mb();
	if (!vq->cfg.event_idx)
		return !(virtq_load16(&vq->avail->flags) & VRING_AVAIL_F_NO_INTERRUPT);
	if (!valid)
		return true;
	/* §2.7.7.2: notify when the entries published since old include used_event. */
	return virtq_need_event(virtq_load16(vq->used_event), new_idx, old);
}

/*
 * §2.7.10: without EVENT_IDX, VRING_USED_F_NO_NOTIFY in used->flags, written
 * only when it changes. With EVENT_IDX, enabling writes avail_event = the
 * newest avail idx seen ("kick me for anything past this"); disabling writes
 * nothing: avail_event then lies behind every new buffer, so the driver
 * kicks at most once, for the first buffer after it, until we enable again.
 */
void virtq_split_set_notify(struct virtq *vq, bool on)
{
	if (vq->cfg.event_idx) {
		if (on)
			virtq_store16(vq->avail_event, vq->shadow_avail_idx);
	} else if (on != vq->notify_on) {
		virtq_store16(&vq->used->flags, on ? 0 : VRING_USED_F_NO_NOTIFY);
	}
	vq->notify_on = on;
}

bool virtq_split_has_avail(struct virtq *vq)
{
	return vq->last_avail_idx != vq->shadow_avail_idx ||
	       virtq_load16(&vq->avail->idx) != vq->last_avail_idx;
}

/* A fresh queue: indices at 0 and kicks enabled (the used ring is ours to write). */
void virtq_split_start(struct virtq *vq)
{
	vq->notify_on = false;
	virtq_split_set_notify(vq, true);
}

/*
 * vhost-user SET_VRING_BASE: the next avail index comes from the front-end,
 * the next used index from the used ring itself. Chains the previous owner
 * popped and did not push are no longer ours.
 */
void virtq_split_set_base(struct virtq *vq, u32 base)
{
	vq->last_avail_idx = (u16)base;
	vq->shadow_avail_idx = (u16)base;
	vq->used_idx = virtq_load16(&vq->used->idx);
	vq->used_pub = vq->used_idx;
	vq->inflight = 0;
	vq->signalled_used_valid = false;
	virtq_split_start(vq);
}
