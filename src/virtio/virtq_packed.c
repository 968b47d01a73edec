// SPDX-License-Identifier: GPL-2.0-only
/*
 * Packed virtqueues, device side (virtio 1.2 §2.8): one descriptor ring that
 * the driver fills and we overwrite with used descriptors, availability told
 * by the AVAIL/USED flag bits against a wrap counter on each side (§2.8.1),
 * chains of consecutive descriptors answered by one used descriptor at the
 * chain's first slot (§2.8.6), and notifications steered by the two event
 * suppression structures (§2.8.10, §2.8.14).
 *
 * A batch of used descriptors is published by writing the flags of the
 * first one last (flush): the driver polls only its next used slot (§2.8.2),
 * so it sees the whole batch at once, as a driver publishes a chain.
 */
#include "virtq_priv.h"

#define VIRTQ_PACKED_AVAIL (1u << VRING_PACKED_DESC_F_AVAIL)
#define VIRTQ_PACKED_USED  (1u << VRING_PACKED_DESC_F_USED)
#define VIRTQ_PACKED_WRAP  (1u << VRING_PACKED_EVENT_F_WRAP_CTR)

/* §2.8.1: available when AVAIL matches the driver's wrap counter and USED does not. */
static bool virtq_packed_is_avail(u16 flags, bool wrap)
{
	return !!(flags & VIRTQ_PACKED_AVAIL) == wrap && !!(flags & VIRTQ_PACKED_USED) != wrap;
}

/*
 * A ring position as a number in [0, 2 * size): slot + size while the wrap
 * counter is 0. Differences taken mod 2 * size order the positions the
 * device went through, which the event offset/wrap pair names (§2.8.10).
 */
static u32 virtq_packed_linear(const struct virtq *vq, u32 slot, bool wrap)
{
	return (slot + (wrap ? 0 : vq->cfg.size)) % (2u * vq->cfg.size);
}

static void virtq_packed_advance(const struct virtq *vq, u16 *slot, bool *wrap, u16 n)
{
	u32 s = *slot + n;

	if (s >= vq->cfg.size) {
		s -= vq->cfg.size;
		*wrap = !*wrap;
	}
	*slot = (u16)s;
}

int virtq_packed_pop(struct virtq *vq, struct virtq_elem *e)
{
	u16 size = vq->cfg.size, slot = vq->last_avail_idx, n = 0, id;
	bool wrap = vq->avail_wrap;
	struct virtq_walk w;
	u16 flags;

	/*
	 * Acquire: the driver writes the rest of the chain before the first
	 * descriptor's flags (§2.8.21.1); nothing of it may be read before them.
	 */
	flags = virtq_load_acquire16(&vq->pdesc[slot].flags);
	if (!virtq_packed_is_avail(flags, wrap))
		return 0;
	/* Most chains are one direct descriptor: no walker state for those. */
	if (likely(!(flags & (VRING_DESC_F_NEXT | VRING_DESC_F_INDIRECT)))) {
		/* GUEST: slot < size always. */
		const struct vring_packed_desc *g = &vq->pdesc[slot];
		enum virtq_error err;

		id = le16_to_cpu(READ_ONCE(g->id));
		err = virtq_walk_one(vq, le64_to_cpu(READ_ONCE(g->addr)),
				     le32_to_cpu(READ_ONCE(g->len)), flags & VRING_DESC_F_WRITE, e);
		if (likely(err != VIRTQ_WALK_SLOW)) {
			if (err)
				return virtq_fail(vq, err);
			n = 1;
			goto done;
		}
	}
	virtq_walk_start(&w, vq, e);
	for (;;) {
		/* GUEST: slot < size always (advance wraps it). */
		const struct vring_packed_desc *g = &vq->pdesc[slot];
		u64 addr = le64_to_cpu(READ_ONCE(g->addr));
		u32 len = le32_to_cpu(READ_ONCE(g->len));
		enum virtq_error err;

		/* §2.8.6: the buffer id is in the last descriptor; read each one's. */
		id = le16_to_cpu(READ_ONCE(g->id));
		n++;
		if (flags & VRING_DESC_F_INDIRECT) {
			/* §2.8.19: an indirect descriptor is a list of its own: no NEXT on
			 * it, and none in front of it. */
			if (n > 1 || (flags & VRING_DESC_F_NEXT))
				return virtq_fail(vq, VIRTQ_ERR_INDIRECT_NEXT);
			err = virtq_walk_indirect(&w, addr, len);
		} else {
			err = virtq_walk_buf(&w, addr, len, flags & VRING_DESC_F_WRITE);
		}
		if (err)
			return virtq_fail(vq, err);
		if (!(flags & VRING_DESC_F_NEXT))
			break;
		/* §2.8.17: no list longer than the queue size; more is a loop. */
		if (n == size)
			return virtq_fail(vq, VIRTQ_ERR_CHAIN_LOOP);
		virtq_packed_advance(vq, &slot, &wrap, 1);
		/* Already ordered by the acquire above: the driver wrote these first. */
		flags = virtq_load16(&vq->pdesc[slot].flags);
	}
done:
	/*
	 * GUEST: ids index the driver's (and an in-flight tracker's) per-buffer
	 * state; like split heads they must be below the queue size.
	 */
	if (id >= size)
		return virtq_fail(vq, VIRTQ_ERR_HEAD_RANGE);
	/*
	 * Descriptors we hold are not the driver's to reuse (§2.8.16): more of
	 * them in flight than the ring has means this chain overlaps ours.
	 */
	if ((u32)vq->inflight_descs + n > size)
		return virtq_fail(vq, VIRTQ_ERR_AVAIL_IDX);
	virtq_packed_advance(vq, &slot, &wrap, 1);
	vq->last_avail_idx = slot;
	vq->avail_wrap = wrap;
	vq->inflight++;
	vq->inflight_descs += n;
	e->id = id;
	e->ndescs = n;
	return 1;
}

/*
 * The same as virtq_packed_pop n times, with the one-descriptor chains (what
 * a network driver makes available) taken in this loop: same checks, in the
 * same order; anything else goes through virtq_packed_pop.
 */
int virtq_packed_pop_batch(struct virtq *vq, struct virtq_elem *e, unsigned n)
{
	u16 size = vq->cfg.size, slot = vq->last_avail_idx;
	bool wrap = vq->avail_wrap;
	enum virtq_error err = VIRTQ_OK;
	unsigned i;

	for (i = 0; i < n; i++) {
		/* GUEST: slot < size always (advance wraps it). */
		const struct vring_packed_desc *g = &vq->pdesc[slot];
		/* Acquire: nothing of the chain is read before its flags (§2.8.21.1). */
		u16 flags = virtq_load_acquire16(&g->flags), id;
		int ret;

		if (!virtq_packed_is_avail(flags, wrap))
			break;
		if (likely(!(flags & (VRING_DESC_F_NEXT | VRING_DESC_F_INDIRECT)))) {
			id = le16_to_cpu(READ_ONCE(g->id));
			err = virtq_walk_one(vq, le64_to_cpu(READ_ONCE(g->addr)),
					     le32_to_cpu(READ_ONCE(g->len)), flags & VRING_DESC_F_WRITE,
					     &e[i]);
			if (likely(err != VIRTQ_WALK_SLOW)) {
				if (unlikely(err))
					break;
				/* GUEST: ids index per-buffer state: below the queue size. */
				if (unlikely(id >= size)) {
					err = VIRTQ_ERR_HEAD_RANGE;
					break;
				}
				/* Descriptors we hold are not the driver's to reuse (§2.8.16). */
				if (unlikely(vq->inflight_descs >= size)) {
					err = VIRTQ_ERR_AVAIL_IDX;
					break;
				}
				e[i].id = id;
				vq->inflight++;
				vq->inflight_descs++;
				virtq_packed_advance(vq, &slot, &wrap, 1);
				continue;
			}
			err = VIRTQ_OK;
		}
		vq->last_avail_idx = slot;
		vq->avail_wrap = wrap;
		ret = virtq_packed_pop(vq, &e[i]);
		if (ret <= 0)
			return i ? (int)i : ret; /* a broken queue says so at the next call */
		slot = vq->last_avail_idx;
		wrap = vq->avail_wrap;
	}
	vq->last_avail_idx = slot;
	vq->avail_wrap = wrap;
	if (unlikely(err)) {
		/* The chains before the bad one are handed out; the queue is broken after them. */
		virtq_fail(vq, err);
		if (!i)
			return -EIO;
	}
	return (int)i;
}

/*
 * Step back over the chain's descriptors: they are still marked available
 * (§2.8.1: only a used descriptor written by us changes them), so the next
 * pop walks them again.
 */
void virtq_packed_unpop(struct virtq *vq, const struct virtq_elem *e)
{
	u16 n = e->ndescs;

	if (unlikely(!n || n > vq->inflight_descs))
		return;
	if (vq->last_avail_idx >= n) {
		vq->last_avail_idx -= n;
	} else {
		vq->last_avail_idx = (u16)(vq->last_avail_idx + vq->cfg.size - n);
		vq->avail_wrap = !vq->avail_wrap;
	}
	vq->inflight--;
	vq->inflight_descs -= n;
}

static inline void virtq_packed_push_one(struct virtq *vq, const struct virtq_elem *e,
					 u32 written)
{
	u16 slot = vq->used_idx, flags;
	struct vring_packed_desc *g;

	if (unlikely(!vq->inflight || !e->ndescs || e->ndescs > vq->inflight_descs ||
		     e->id >= vq->cfg.size)) {
		virtq_fail(vq, VIRTQ_ERR_USED_ID);
		return;
	}
	/* §2.8.1: used = AVAIL and USED both equal to our wrap counter; §2.8.3: WRITE
	 * says that len bytes were written. */
	flags = vq->used_wrap ? VIRTQ_PACKED_AVAIL | VIRTQ_PACKED_USED : 0;
	if (written)
		flags |= VRING_DESC_F_WRITE;
	/* GUEST: slot < size; it is a slot of a chain we popped (used trails avail). */
	g = &vq->pdesc[slot];
	WRITE_ONCE(g->id, cpu_to_le16(e->id));
	WRITE_ONCE(g->len, cpu_to_le32(written));
	if (!vq->pending) {
		/* The batch's first used descriptor: its flags publish the batch (flush). */
		vq->pending_slot = slot;
		vq->pending_flags = flags;
	} else {
		/* Release: id/len before flags. The driver reads this slot only after
		 * the batch's first one, which flush publishes. */
		virtq_store_release16(&g->flags, flags);
	}
	vq->pending++;
	/* §2.8.6: the next used descriptor goes after the whole chain. */
	virtq_packed_advance(vq, &vq->used_idx, &vq->used_wrap, e->ndescs);
	vq->inflight--;
	vq->inflight_descs -= e->ndescs;
}

void virtq_packed_push(struct virtq *vq, const struct virtq_elem *e, u32 written)
{
	virtq_packed_push_one(vq, e, written);
}

void virtq_packed_push_batch(struct virtq *vq, const struct virtq_elem *e, const u32 *written,
			     unsigned n)
{
	for (unsigned i = 0; i < n && !vq->error; i++)
		virtq_packed_push_one(vq, &e[i],
				      written ? (u32)MIN((u64)written[i], e[i].in_len) : 0);
}

void virtq_packed_flush(struct virtq *vq)
{
	if (!vq->pending)
		return;
	/* Release: every used descriptor of the batch is complete before this flag. */
	virtq_store_release16(&vq->pdesc[vq->pending_slot].flags, vq->pending_flags);
	vq->pending = 0;
}

bool virtq_packed_should_notify(struct virtq *vq)
{
	u32 ring2 = 2u * vq->cfg.size;
	u32 old = vq->signalled_used,
	    new_pos = virtq_packed_linear(vq, vq->used_idx, vq->used_wrap);
	bool valid = vq->signalled_used_valid;
	u32 ev, off_wrap, event;

	if (valid && new_pos == old)
		return false; /* nothing published since the last decision */
	vq->signalled_used = (u16)new_pos;
	vq->signalled_used_valid = true;
	/*
	 * Full barrier: our used flags must be visible before we read the driver
	 * event structure, or a driver re-enabling meanwhile and we reading its
	 * old DISABLE would both wait (§2.8.22).
	 */
	virtq_mb();
	/* One 32-bit read: offset/wrap and flags from the same driver write. */
	ev = le32_to_cpu(__atomic_load_n((const u32 *)vq->driver_event, __ATOMIC_RELAXED));
	off_wrap = ev & 0xffff;
	switch ((ev >> 16) & 3) {
	case VRING_PACKED_EVENT_FLAG_DISABLE:
		return false;
	case VRING_PACKED_EVENT_FLAG_DESC:
		/* Only meaningful with EVENT_IDX (§2.8.10); else treat as enabled. */
		if (!vq->cfg.event_idx || !valid)
			return true;
		/* GUEST: a hostile offset only yields a wrong yes/no, never an access. */
		event = virtq_packed_linear(vq, off_wrap & 0x7fff, off_wrap & VIRTQ_PACKED_WRAP);
		/* Notify when the descriptor at event was used in [old, new). */
		return (new_pos + ring2 - event - 1) % ring2 < (new_pos + ring2 - old) % ring2;
	default:
		/* ENABLE, or the reserved value 3: a spurious interrupt is harmless. */
		return true;
	}
}

/*
 * §2.8.10: our structure steers the driver's kicks. Disable and plain enable
 * are written only when they change; with EVENT_IDX, enable names the next
 * descriptor we will look at, so the driver kicks when it makes that one
 * available. Offset, wrap and flags go out in one 32-bit store.
 */
void virtq_packed_set_notify(struct virtq *vq, bool on)
{
	u32 v;

	if (!on) {
		if (vq->notify_on)
			virtq_store16(&vq->device_event->flags, VRING_PACKED_EVENT_FLAG_DISABLE);
	} else if (vq->cfg.event_idx) {
		v = vq->last_avail_idx | (vq->avail_wrap ? VIRTQ_PACKED_WRAP : 0);
		v |= (u32)VRING_PACKED_EVENT_FLAG_DESC << 16;
		__atomic_store_n((u32 *)vq->device_event, cpu_to_le32(v), __ATOMIC_RELAXED);
	} else if (!vq->notify_on) {
		virtq_store16(&vq->device_event->flags, VRING_PACKED_EVENT_FLAG_ENABLE);
	}
	vq->notify_on = on;
}

bool virtq_packed_has_avail(struct virtq *vq)
{
	return virtq_packed_is_avail(virtq_load16(&vq->pdesc[vq->last_avail_idx].flags),
				     vq->avail_wrap);
}

/* §2.8.1: both wrap counters start at 1; kicks enabled. */
void virtq_packed_start(struct virtq *vq)
{
	vq->avail_wrap = true;
	vq->used_wrap = true;
	vq->notify_on = false;
	virtq_packed_set_notify(vq, true);
}

/* vhost-user SET_VRING_BASE (indices checked < size by the caller). */
void virtq_packed_set_base(struct virtq *vq, u32 base)
{
	vq->last_avail_idx = base & 0x7fff;
	vq->avail_wrap = base & 0x8000;
	vq->used_idx = (base >> 16) & 0x7fff;
	vq->used_wrap = base & 0x80000000u;
	vq->inflight = 0;
	vq->inflight_descs = 0;
	vq->pending = 0;
	vq->signalled_used_valid = false;
	vq->notify_on = false;
	virtq_packed_set_notify(vq, true);
}
