/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A driver-side virtqueue for tests and benchmarks: it plays the role Linux's
 * drivers/virtio/virtio_ring.c plays in a guest. It lays out a split or
 * packed ring in test guest memory, adds chains of buffers (direct or through
 * an indirect table), decides on kicks with EVENT_IDX or the flags as a
 * driver does, reads used entries back, and turns device interrupts on and
 * off. It uses the same barriers as a real driver, so a device thread can
 * run against it concurrently. Raw helpers write arbitrary (hostile) ring
 * contents for the tests of the device's validation.
 */
#ifndef IOVIRT_TEST_MOCK_VQ_H
#define IOVIRT_TEST_MOCK_VQ_H

#include <linux/virtio_ring.h>

#include "iovirt/gmem.h"
#include "iovirt/virtq.h"

#define MOCK_VQ_PACKED	  1u
#define MOCK_VQ_EVENT_IDX 2u
#define MOCK_VQ_INDIRECT  4u

/* Entries per indirect table the mock can build (one table per buffer id). */
#define MOCK_VQ_IND_MAX 64

struct mock_buf {
	u64 addr; /* GPA (or IOVA) of the buffer */
	u32 len;
	bool write; /* device-writable */
};

struct mock_vq_state {
	u16 ndescs; /* ring slots / table descriptors the buffer took */
	bool busy;
};

struct mock_vq {
	const struct gmem *g;
	u16 size;
	unsigned flags;
	gpa_t desc_gpa, driver_gpa, device_gpa, ind_gpa;
	/* The driver's view of its rings (host pointers into test guest memory). */
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;
	struct vring_packed_desc *pdesc;
	struct vring_packed_desc_event *driver_event; /* written by the driver */
	struct vring_packed_desc_event *device_event; /* read by the driver */
	u8 *ind;
	/* Driver state. */
	u16 num_free;	 /* free descriptors (split) / ring slots (packed) */
	u16 *free_stack; /* split: free descriptor indices; packed: free ids */
	u16 nfree_stack;
	struct mock_vq_state *state; /* per head (split) / id (packed) */
	u16 avail_idx;		     /* split: our avail->idx */
	u16 last_used;		     /* split: next used entry to read */
	u16 kick_old;		     /* avail position at the last kick decision */
	u16 next_avail;		     /* packed */
	bool avail_wrap;
	u16 next_used;
	bool used_wrap;
	u64 kicks_suppressed;
};

/* Bytes of guest memory from `base` that mock_vq_init uses for a queue of `size`. */
u64 mock_vq_footprint(u16 size, unsigned flags);
/* Lay out and zero the rings at base (one gmem region must hold the footprint). */
int mock_vq_init(struct mock_vq *m, const struct gmem *g, gpa_t base, u16 size, unsigned flags);
void mock_vq_destroy(struct mock_vq *m);
/* The configuration a transport would hand to virtq_init. */
void mock_vq_config(const struct mock_vq *m, struct virtq_config *cfg);

/* Add one buffer of n elements (readable first); returns the head/id or -ENOSPC / -EINVAL. */
int mock_vq_add(struct mock_vq *m, const struct mock_buf *b, unsigned n, bool indirect);
/* Must the device be kicked for what was added since the last call? (§2.7.10, §2.8.10) */
bool mock_vq_kick_prepare(struct mock_vq *m);
/* Next used buffer: its head/id, *len = bytes written; -EAGAIN when none. */
int mock_vq_get_used(struct mock_vq *m, u32 *len);

/* Used buffer notifications (the device's interrupts). */
void mock_vq_disable_cb(struct mock_vq *m);
/* Re-enable; true when used buffers are already waiting. */
bool mock_vq_enable_cb(struct mock_vq *m);
/* EVENT_IDX: interrupt only once the device used `ahead` more ring entries/descriptors. */
void mock_vq_enable_cb_at(struct mock_vq *m, u16 ahead);

/* Raw (possibly hostile) ring contents, no bookkeeping. */
struct vring_desc *mock_vq_desc(struct mock_vq *m, u16 i);
void mock_vq_split_raw(struct mock_vq *m, u16 head); /* append head to avail, bump idx */
/* Write n packed descriptors from next_avail with the right AVAIL/USED bits, first last. */
void mock_vq_packed_raw(struct mock_vq *m, const struct vring_packed_desc *d, unsigned n);

#endif
