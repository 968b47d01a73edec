// SPDX-License-Identifier: GPL-2.0-only
/*
 * Packed-ring chains popped again from saved copies of their descriptors
 * (vhost-user "Inflight I/O tracking", packed layout). A back-end that
 * restarts cannot walk the ring for the requests its predecessor had
 * fetched: once a chain is fetched, the device may write used descriptors
 * over its slots (§2.8.6: one used descriptor at the next used slot, for
 * whichever chain completed). So the predecessor kept copies, and this file
 * turns such a copy into an element under the very rules virtq_pop applies
 * to a chain read from the ring (§2.8.17 length, §2.8.19 indirect, the
 * buffer id below the queue size, the walker's order, total and mapping
 * checks). The copies come from memory the front-end holds, so they are as
 * untrusted as the ring itself.
 */
#include "virtq_priv.h"

int virtq_pop_saved(struct virtq *vq, const struct virtq_saved_desc *d, u16 n,
		    struct virtq_elem *e)
{
	u16 size = vq->cfg.size, id;
	struct virtq_walk w;

	if (unlikely(vq->error))
		return -EIO;
	if (unlikely(!vq->ready) || !vq->cfg.packed || !n)
		return 0;
	/* §2.8.17: no chain is longer than the ring. */
	if (n > size)
		return virtq_fail(vq, VIRTQ_ERR_CHAIN_LOOP);
	/* The slots it took are still ours: no more of them than the ring has. */
	if ((u32)vq->inflight_descs + n > size)
		return 0;
	virtq_walk_start(&w, vq, e);
	for (u16 i = 0; i < n; i++) {
		enum virtq_error err;

		if (d[i].flags & VRING_DESC_F_INDIRECT) {
			/* §2.8.19: an indirect descriptor is alone in its chain. */
			if (n > 1)
				return virtq_fail(vq, VIRTQ_ERR_INDIRECT_NEXT);
			err = virtq_walk_indirect(&w, d[i].addr, d[i].len);
		} else {
			err = virtq_walk_buf(&w, d[i].addr, d[i].len,
					     d[i].flags & VRING_DESC_F_WRITE);
		}
		if (err)
			return virtq_fail(vq, err);
	}
	/* §2.8.6: the id is the last descriptor's. GUEST: indexes per-buffer state. */
	id = d[n - 1].id;
	if (id >= size)
		return virtq_fail(vq, VIRTQ_ERR_HEAD_RANGE);
	vq->inflight++;
	vq->inflight_descs += n;
	e->id = id;
	e->ndescs = n;
	return 1;
}
