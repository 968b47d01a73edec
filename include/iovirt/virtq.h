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
 */
#ifndef IOVIRT_VIRTQ_H
#define IOVIRT_VIRTQ_H

#include <sys/uio.h>

#include "dma.h"
#include "log.h"
#include "types.h"

#define VIRTQ_MAX_SIZE 32768

struct virtq_config {
	u16 size;		/* power of two for split rings; any ≤ 32768 for packed */
	bool packed;		/* VIRTIO_F_RING_PACKED negotiated */
	bool event_idx;		/* VIRTIO_F_EVENT_IDX negotiated */
	bool indirect;		/* VIRTIO_F_INDIRECT_DESC negotiated */
	/* Ring addresses as the driver wrote them (GPA, or IOVA behind an IOMMU). */
	u64 desc_addr;		/* descriptor table / packed descriptor ring */
	u64 driver_addr;	/* avail ring / driver event suppression */
	u64 device_addr;	/* used ring / device event suppression */
};

/* Why a queue broke: each is one rule a hostile driver can violate. */
enum virtq_error {
	VIRTQ_OK,
	VIRTQ_ERR_RING_ADDR,		/* a ring is not in (contiguous) guest memory */
	VIRTQ_ERR_AVAIL_IDX,		/* avail idx moved more than the queue size */
	VIRTQ_ERR_HEAD_RANGE,		/* head index ≥ queue size */
	VIRTQ_ERR_NEXT_RANGE,		/* next index ≥ queue (or indirect table) size */
	VIRTQ_ERR_CHAIN_LOOP,		/* chain longer than the queue: a loop */
	VIRTQ_ERR_NESTED_INDIRECT,	/* an indirect table inside an indirect table */
	VIRTQ_ERR_INDIRECT_LEN,		/* indirect table length 0 or not a multiple of 16 */
	VIRTQ_ERR_INDIRECT_NEXT,	/* an indirect descriptor that also has NEXT (§2.7.5.3.1) */
	VIRTQ_ERR_INDIRECT_FEATURE,	/* INDIRECT used but not negotiated */
	VIRTQ_ERR_BUF_ADDR,		/* a buffer outside guest memory / refused by the IOMMU */
	VIRTQ_ERR_TOTAL_LEN,		/* chain longer than 2^32 bytes */
	VIRTQ_ERR_ORDER,		/* a readable buffer after a writable one (§2.7.4.2) */
	VIRTQ_ERR_TOO_MANY_SEGS,	/* more buffers than the caller's iovec holds */
	VIRTQ_ERR_USED_ID,		/* device pushed an id it did not pop (device bug) */
	VIRTQ_ERR_COUNT
};

const char *virtq_error_str(enum virtq_error e);

struct virtq {
	struct virtq_config cfg;
	const struct dma_as *dma;	/* buffers (and rings, unless given as host pointers) */
	const char *name;		/* "virtio-blk0 q0", for messages */
	/* Split ring. */
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;
	/* Packed ring. */
	struct vring_packed_desc *pdesc;
	struct vring_packed_desc_event *driver_event;
	struct vring_packed_desc_event *device_event;
	/* Device-side state. */
	u16 last_avail_idx;	/* split: next avail slot; packed: next descriptor */
	bool avail_wrap;	/* packed: driver ring wrap counter we expect */
	u16 used_idx;		/* split: shadow used idx; packed: next used slot */
	bool used_wrap;		/* packed */
	u16 signalled_used;	/* EVENT_IDX: used idx at the last notification */
	bool signalled_used_valid;
	u16 inflight;		/* chains popped and not yet pushed */
	enum virtq_error error;	/* VIRTQ_OK, or why the queue is broken */
	bool ready;
	struct ratelimit rl;
};

/*
 * One popped chain. iov[0..out_num) are driver→device (readable) buffers,
 * iov[out_num..out_num+in_num) device→driver (writable) ones.
 */
struct virtq_elem {
	u16 id;		/* split: head index; packed: buffer id */
	u16 ndescs;	/* packed: descriptors the chain used in the ring */
	unsigned out_num;
	unsigned in_num;
	u64 out_len;	/* bytes readable */
	u64 in_len;	/* bytes writable */
	struct iovec *iov;
	unsigned iov_max;
};

/* Map the rings through dma (dma_map, whole and contiguous) and reset the state. */
int virtq_init(struct virtq *vq, const struct virtq_config *cfg, const struct dma_as *dma,
	       const char *name) __must_check;
/* Same, with rings already mapped by the caller (vhost-user: front-end VAs → our HVAs). */
int virtq_init_hva(struct virtq *vq, const struct virtq_config *cfg, const struct dma_as *dma,
		   void *desc, void *driver, void *device, const char *name) __must_check;
void virtq_reset(struct virtq *vq);

/* 1: a chain was popped into e; 0: nothing available; -EIO: the queue is broken. */
int virtq_pop(struct virtq *vq, struct virtq_elem *e) __must_check;
/*
 * vhost-user inflight resubmission (split rings): map the chain whose head is
 * `head` exactly as virtq_pop would, without taking an avail entry — a
 * restarted back-end hands out again the requests that were in flight.
 * 1: popped into e; -EIO: the chain is invalid (queue broken).
 */
int virtq_pop_head(struct virtq *vq, u16 head, struct virtq_elem *e) __must_check;
/* Return a chain with `written` bytes written to its writable part. Published by virtq_flush. */
void virtq_push(struct virtq *vq, const struct virtq_elem *e, u32 written);
/* Make pushed entries visible to the driver (store-release of used idx / packed flags). */
void virtq_flush(struct virtq *vq);
/* After a flush: must the driver be notified? (EVENT_IDX used_event / flags, §2.7.7.2). */
bool virtq_should_notify(struct virtq *vq);

/* Notification suppression on our side (§2.7.7, §2.8.10). Returns true if buffers
 * arrived while notifications were off (the caller must look again). */
void virtq_disable_notify(struct virtq *vq);
bool virtq_enable_notify(struct virtq *vq);
bool virtq_has_avail(struct virtq *vq);

/* vhost-user GET/SET_VRING_BASE: the next avail index (packed: bit 15 = wrap counter). */
u32 virtq_get_base(const struct virtq *vq);
void virtq_set_base(struct virtq *vq, u32 base);

#endif
