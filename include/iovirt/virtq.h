/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The device side of a virtqueue (virtio 1.2 §2.7 split, §2.8 packed), shared
 * by the in-VMM virtio devices and the vhost-user back-ends. It knows nothing
 * of the VM: rings are host pointers found through a struct dma_as (or given
 * directly by a vhost-user back-end), and buffers are mapped through the same
 * dma_as, so an IOMMU in front of the device applies unchanged.
 *
 * A guest is hostile: virtq_pop() validates a whole chain before any side
 * effect (index range, loops via a ttl of the queue size, no nested indirect
 * tables, total length ≤ 2^32, iovec capacity, every buffer inside guest
 * memory with the right permission). A violation marks the queue broken,
 * logs one rate-limited line naming the rule, and returns -EIO; the owner
 * then sets DEVICE_NEEDS_RESET. A broken queue stays broken until re-init.
 *
 * One thread owns a struct virtq (no lock inside). The usual device loop, on
 * each kick:
 *
 *	for (;;) {
 *		virtq_disable_notify(vq);
 *		while ((r = virtq_pop(vq, &e)) > 0)
 *			... virtq_push(vq, &e, written);
 *		virtq_flush(vq);
 *		if (virtq_should_notify(vq))
 *			... interrupt the driver;
 *		if (r < 0)
 *			... DEVICE_NEEDS_RESET, config interrupt, stop;
 *		if (!virtq_enable_notify(vq))
 *			break;		(wait for the next kick)
 *	}
 */
#ifndef IOVIRT_VIRTQ_H
#define IOVIRT_VIRTQ_H

#include <sys/uio.h>

#include "dma.h"
#include "log.h"
#include "types.h"

#define VIRTQ_MAX_SIZE 32768

struct virtq_config {
	u16 size;	/* power of two for split rings; any ≤ 32768 for packed */
	bool packed;	/* VIRTIO_F_RING_PACKED negotiated */
	bool event_idx; /* VIRTIO_F_EVENT_IDX negotiated */
	bool indirect;	/* VIRTIO_F_INDIRECT_DESC negotiated */
	/* Ring addresses as the driver wrote them (GPA, or IOVA behind an IOMMU). */
	u64 desc_addr;	 /* descriptor table / packed descriptor ring */
	u64 driver_addr; /* avail ring / driver event suppression */
	u64 device_addr; /* used ring / device event suppression */
};

/* Why a queue broke: each is one rule a hostile driver (or a buggy device) can violate. */
enum virtq_error {
	VIRTQ_OK,
	VIRTQ_ERR_QUEUE_SIZE,	    /* size 0, > 32768, or not a power of 2 (split) */
	VIRTQ_ERR_RING_ADDR,	    /* a ring misaligned or not in (contiguous) guest memory */
	VIRTQ_ERR_AVAIL_IDX,	    /* avail idx moved by more than the queue size, or more
				     * buffers/descriptors in flight than the ring holds */
	VIRTQ_ERR_HEAD_RANGE,	    /* head index (split) or buffer id (packed) ≥ queue size */
	VIRTQ_ERR_NEXT_RANGE,	    /* next index ≥ queue (or indirect table) size */
	VIRTQ_ERR_CHAIN_LOOP,	    /* chain longer than the queue / table: a loop */
	VIRTQ_ERR_NESTED_INDIRECT,  /* an indirect table inside an indirect table */
	VIRTQ_ERR_INDIRECT_LEN,	    /* indirect table length 0, not a multiple of 16, or
				     * more entries than the queue size */
	VIRTQ_ERR_INDIRECT_NEXT,    /* INDIRECT together with NEXT, or inside a NEXT list */
	VIRTQ_ERR_INDIRECT_FEATURE, /* INDIRECT used but not negotiated */
	VIRTQ_ERR_BUF_ADDR,	    /* a buffer outside guest memory / refused by the IOMMU */
	VIRTQ_ERR_TOTAL_LEN,	    /* chain longer than 2^32 bytes */
	VIRTQ_ERR_ORDER,	    /* a readable buffer after a writable one (§2.7.4.2) */
	VIRTQ_ERR_TOO_MANY_SEGS,    /* more buffers than the caller's iovec holds */
	VIRTQ_ERR_USED_ID,	    /* device pushed an id it did not pop (device bug) */
	VIRTQ_ERR_COUNT
};

const char *virtq_error_str(enum virtq_error e);

struct vring_desc;
struct vring_avail;
struct vring_used;
struct vring_packed_desc;
struct vring_packed_desc_event;

/*
 * The fields below the rings are private to src/virtio/virtq_*.c; they are in
 * the header only so that a queue can be embedded without an allocation.
 */
struct virtq {
	struct virtq_config cfg;
	const struct dma_as *dma; /* buffers (and rings, unless given as host pointers) */
	const char *name;	  /* "virtio-blk0 q0", for messages */
	/* Split ring (host pointers, validated once at init). */
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;
	u16 *used_event;  /* avail->ring[size]: EVENT_IDX, read by us */
	u16 *avail_event; /* used->ring[size]: EVENT_IDX, written by us */
	/* Packed ring. */
	struct vring_packed_desc *pdesc;
	struct vring_packed_desc_event *driver_event; /* read by us: our interrupts */
	struct vring_packed_desc_event *device_event; /* written by us: the driver's kicks */
	/* Device-side state. */
	u16 last_avail_idx;   /* split: next avail slot (free-running); packed: next descriptor */
	u16 shadow_avail_idx; /* split: avail->idx as last read (re-read only when caught up) */
	bool avail_wrap;      /* packed: driver ring wrap counter we expect */
	u16 used_idx;	      /* split: shadow used idx; packed: next used slot */
	bool used_wrap;	      /* packed */
	u16 used_pub;	      /* split: used idx the driver can see (last flush) */
	u16 signalled_used;   /* used position at the last should_notify (packed: linear) */
	bool signalled_used_valid;
	bool notify_on;	  /* driver kicks are enabled (what we last wrote) */
	u16 pending_slot; /* packed: first used descriptor whose flags wait for flush */
	u16 pending_flags;
	u16 pending;		/* packed: used descriptors pushed since the last flush */
	u16 inflight;		/* chains popped and not yet pushed */
	u16 inflight_descs;	/* packed: ring slots those chains occupy */
	enum virtq_error error; /* VIRTQ_OK, or why the queue is broken */
	bool ready;
	struct ratelimit rl;
};

/*
 * One popped chain. iov[0..out_num) are driver→device (readable) buffers,
 * iov[out_num..out_num+in_num) device→driver (writable) ones. The caller
 * provides iov and iov_max; a descriptor can take several iovecs when it
 * crosses a guest memory region or an IOMMU page.
 */
struct virtq_elem {
	u16 id;	    /* split: head index; packed: buffer id; always < queue size */
	u16 ndescs; /* descriptors the chain used in the ring / descriptor table */
	unsigned out_num;
	unsigned in_num;
	u64 out_len; /* bytes readable */
	u64 in_len;  /* bytes writable */
	struct iovec *iov;
	unsigned iov_max;
};

static inline void virtq_elem_init(struct virtq_elem *e, struct iovec *iov, unsigned iov_max)
{
	memset(e, 0, sizeof(*e));
	e->iov = iov;
	e->iov_max = iov_max;
}

/*
 * Map the rings through dma (dma_map, host-contiguous) and reset the state.
 * The struct must start zeroed (or reset): its warning rate limit survives
 * re-init, so a guest resetting the device in a loop cannot flood the log.
 * On failure vq->error says why and virtq_pop returns -EIO.
 */
int virtq_init(struct virtq *vq, const struct virtq_config *cfg, const struct dma_as *dma,
	       const char *name) __must_check;
/* Same, with rings already mapped by the caller (vhost-user: front-end VAs → our HVAs). */
int virtq_init_hva(struct virtq *vq, const struct virtq_config *cfg, const struct dma_as *dma,
		   void *desc, void *driver, void *device, const char *name) __must_check;
/* Forget everything (device reset): the queue is not ready and not broken. */
void virtq_reset(struct virtq *vq);

/* 1: a chain was popped into e; 0: nothing available (e untouched); -EIO: the queue is broken. */
int virtq_pop(struct virtq *vq, struct virtq_elem *e) __must_check;
/*
 * Up to n chains into e[0..n) (each with its iov/iov_max set, as for
 * virtq_pop), exactly as n calls of virtq_pop would take them, but with the
 * ring read ahead: the avail index once, every head, and the descriptors
 * fetched before any chain is walked. Returns how many were popped (0: none
 * available), or -EIO when the queue is broken. A bad chain after good ones
 * breaks the queue, the good ones are returned, and the next call says -EIO.
 */
int virtq_pop_batch(struct virtq *vq, struct virtq_elem *e, unsigned n) __must_check;
/*
 * vhost-user inflight resubmission (split rings): map the chain whose head is
 * `head` exactly as virtq_pop would, without taking an avail entry — a
 * restarted back-end hands out again the requests that were in flight.
 * 1: popped into e; 0: not possible (packed ring, queue not ready, or as many
 * chains in flight as the ring holds); -EIO: the chain is invalid (broken).
 */
int virtq_pop_head(struct virtq *vq, u16 head, struct virtq_elem *e) __must_check;
/*
 * One packed-ring descriptor as a device saved it when it fetched the
 * chain (vhost-user inflight tracking keeps copies: the ring slots may have
 * been overwritten by used descriptors since). CPU byte order.
 */
struct virtq_saved_desc {
	u64 addr;
	u32 len;
	u16 id;
	u16 flags;
};
/*
 * vhost-user inflight resubmission (packed rings): map the chain of n saved
 * descriptors exactly as virtq_pop would have, with the same rules, and
 * count it in flight (n ring slots) without moving the avail position — the
 * caller already placed it past the chain with virtq_set_base. The buffer id
 * is the last descriptor's. 1: popped into e; 0: not possible (split ring,
 * queue not ready, more descriptors in flight than the ring holds); -EIO:
 * the chain is invalid (the queue is broken).
 */
int virtq_pop_saved(struct virtq *vq, const struct virtq_saved_desc *d, u16 n,
		    struct virtq_elem *e) __must_check;
/*
 * Give back chains popped and not pushed, most recent first: the next pop
 * returns them again. A device that pops receive buffers for a packet and
 * finds them too few uses this instead of holding them (vhost-user rx with
 * mergeable buffers). Only the chains popped last, in reverse pop order.
 */
void virtq_unpop(struct virtq *vq, const struct virtq_elem *e);
/*
 * Return a chain with `written` bytes written to its writable part (clamped to
 * in_len). Chains may be pushed in any order. Published by virtq_flush.
 */
void virtq_push(struct virtq *vq, const struct virtq_elem *e, u32 written);
/* virtq_push of e[0..n), written[i] bytes each (written NULL: nothing written to any). */
void virtq_push_batch(struct virtq *vq, const struct virtq_elem *e, const u32 *written,
		      unsigned n);
/* Make pushed entries visible to the driver (store-release of used idx / packed flags). */
void virtq_flush(struct virtq *vq);
/*
 * After a flush: must the driver be interrupted? (EVENT_IDX used_event,
 * VRING_AVAIL_F_NO_INTERRUPT, packed driver event suppression: §2.7.7, §2.8.10).
 * Call once per flush that published something.
 */
bool virtq_should_notify(struct virtq *vq);

/*
 * Suppression of the driver's kicks (§2.7.10, §2.8.10). virtq_enable_notify
 * re-enables them and returns true if buffers are available (the caller must
 * pop again rather than wait: a kick may have been skipped in between).
 */
void virtq_disable_notify(struct virtq *vq);
bool virtq_enable_notify(struct virtq *vq);
bool virtq_has_avail(struct virtq *vq);

/*
 * vhost-user GET/SET_VRING_BASE. Split: the next avail index (used idx is read
 * back from the used ring). Packed: bits 0-14 next avail descriptor, bit 15
 * avail wrap counter, bits 16-30 next used slot, bit 31 used wrap counter.
 * Chains popped and not pushed are forgotten (in-flight tracking keeps elem.id).
 */
u32 virtq_get_base(const struct virtq *vq); /* flush first */
/* After virtq_init*: -EINVAL (nothing changed) when an index is outside the ring. */
int virtq_set_base(struct virtq *vq, u32 base) __must_check;

#endif
