/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Internals shared by virtq.c (init and dispatch), virtq_split.c,
 * virtq_packed.c and virtq_chain.c (the descriptor chain walker): the memory
 * barriers with the reason each exists, the one failure path, and the walker
 * that turns validated descriptors into iovecs.
 */
#ifndef IOVIRT_VIRTQ_PRIV_H
#define IOVIRT_VIRTQ_PRIV_H

#include <errno.h>
#include <linux/virtio_ring.h>

#include "iovirt/virtq.h"

/*
 * The rings are shared with another agent (a vCPU, or a front-end process)
 * that writes them concurrently. Indices and flags are read and written
 * exactly once per use through these helpers, never through plain accesses
 * the compiler could repeat or tear.
 *
 * Acquire: after reading avail->idx (split) or a descriptor's flags (packed),
 * the descriptors and ring entries the driver wrote before publishing them
 * must not be read earlier. Release: the used entries we wrote must be
 * visible before used->idx (split) or a used descriptor's flags (packed).
 * On x86-TSO both only stop the compiler; the one reordering x86 does (a
 * later load passing an earlier store) needs virtq_mb().
 */
static inline u16 virtq_load_acquire16(const u16 *p)
{
	return le16_to_cpu(__atomic_load_n(p, __ATOMIC_ACQUIRE));
}

static inline void virtq_store_release16(u16 *p, u16 v)
{
	__atomic_store_n(p, cpu_to_le16(v), __ATOMIC_RELEASE);
}

static inline u16 virtq_load16(const u16 *p)
{
	return le16_to_cpu(__atomic_load_n(p, __ATOMIC_RELAXED));
}

static inline void virtq_store16(u16 *p, u16 v)
{
	__atomic_store_n(p, cpu_to_le16(v), __ATOMIC_RELAXED);
}

/*
 * Full barrier: a store we made (used idx, NO_NOTIFY cleared, avail_event)
 * must be globally visible before a load that follows (used_event, avail
 * idx), or we and the driver can each miss the other's update and both wait
 * forever (§2.7.7.2, §2.7.10). Store→load order is the one x86 does not keep.
 */
static inline void virtq_mb(void)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

/* virtio 1.2 §2.7.7.2 / §2.7.10: has [old, new) crossed event? (mod 2^16) */
static inline bool virtq_need_event(u16 event, u16 new_idx, u16 old)
{
	return (u16)(new_idx - event - 1) < (u16)(new_idx - old);
}

/* One descriptor as read (once) from guest memory, in CPU byte order. */
struct virtq_desc {
	u64 addr;
	u32 len;
	u16 flags;
	u16 next; /* split: next index; packed: buffer id */
};

/*
 * The chain walker's state while one chain is validated. Nothing outside the
 * caller's elem (and this struct) changes until the whole chain is accepted.
 */
struct virtq_walk {
	struct virtq *vq;
	struct virtq_elem *e;
	u64 total;	 /* bytes in the chain so far (≤ 2^32) */
	bool seen_write; /* a writable buffer came already */
};

void virtq_walk_start(struct virtq_walk *w, struct virtq *vq, struct virtq_elem *e);

/* virtq_walk_one's answer when the chain needs the full walker. */
#define VIRTQ_WALK_SLOW VIRTQ_ERR_COUNT

/*
 * The common chain: one direct descriptor (no NEXT, no INDIRECT) whose buffer
 * is one host span — a network frame, a receive buffer. Every rule of the
 * walker holds trivially for it but the mapping, which is checked here as
 * virtq_walk_buf checks it (dma_map: range, memory, permission). VIRTQ_OK:
 * e holds the chain; VIRTQ_ERR_BUF_ADDR: refused (one dma_map call, so a
 * refusal is recorded once); VIRTQ_WALK_SLOW: a zero length, a buffer across
 * a region or IOMMU page, or no iovec — e untouched, walk it in full.
 */
static inline enum virtq_error virtq_walk_one(struct virtq *vq, u64 addr, u32 len, bool write,
					      struct virtq_elem *e)
{
	u64 n = len;
	void *p;

	if (unlikely(!len || !e->iov_max))
		return VIRTQ_WALK_SLOW;
	/* GUEST: addr/len from the driver; dma_map checks range, memory and permission. */
	p = dma_map(vq->dma, addr, &n, write ? DMA_PERM_WRITE : DMA_PERM_READ);
	if (unlikely(!p))
		return VIRTQ_ERR_BUF_ADDR;
	if (unlikely(n != len))
		return VIRTQ_WALK_SLOW;
	e->iov[0].iov_base = p;
	e->iov[0].iov_len = len;
	e->out_num = !write;
	e->in_num = write;
	e->out_len = write ? 0 : len;
	e->in_len = write ? len : 0;
	e->ndescs = 1;
	return VIRTQ_OK;
}
/* Add one direct buffer: order, total length, mapping (dma_map with the direction's perm). */
enum virtq_error virtq_walk_buf(struct virtq_walk *w, u64 addr, u32 len, bool write);
/* Walk an indirect table (§2.7.5.3 split: chained by next; §2.8.8 packed: sequential). */
enum virtq_error virtq_walk_indirect(struct virtq_walk *w, u64 addr, u32 len);

/* Mark the queue broken (the first rule broken wins), warn once (rate-limited): -EIO. */
int virtq_fail(struct virtq *vq, enum virtq_error err);

/* Format-specific halves, called by virtq.c after its common checks. */
void virtq_split_start(struct virtq *vq);
int virtq_split_pop_batch(struct virtq *vq, struct virtq_elem *e, unsigned n);
int virtq_split_pop_head(struct virtq *vq, u16 head, struct virtq_elem *e);
void virtq_split_unpop(struct virtq *vq, const struct virtq_elem *e);
void virtq_split_push(struct virtq *vq, const struct virtq_elem *e, u32 written);
void virtq_split_push_batch(struct virtq *vq, const struct virtq_elem *e, const u32 *written,
			    unsigned n);
void virtq_split_flush(struct virtq *vq);
bool virtq_split_should_notify(struct virtq *vq);
void virtq_split_set_notify(struct virtq *vq, bool on);
bool virtq_split_has_avail(struct virtq *vq);
void virtq_split_set_base(struct virtq *vq, u32 base);

void virtq_packed_start(struct virtq *vq);
int virtq_packed_pop(struct virtq *vq, struct virtq_elem *e);
int virtq_packed_pop_batch(struct virtq *vq, struct virtq_elem *e, unsigned n);
void virtq_packed_unpop(struct virtq *vq, const struct virtq_elem *e);
void virtq_packed_push(struct virtq *vq, const struct virtq_elem *e, u32 written);
void virtq_packed_push_batch(struct virtq *vq, const struct virtq_elem *e, const u32 *written,
			     unsigned n);
void virtq_packed_flush(struct virtq *vq);
bool virtq_packed_should_notify(struct virtq *vq);
void virtq_packed_set_notify(struct virtq *vq, bool on);
bool virtq_packed_has_avail(struct virtq *vq);
void virtq_packed_set_base(struct virtq *vq, u32 base);

#endif
