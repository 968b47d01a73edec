// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target: the device side of a virtqueue (split or packed) against
 * arbitrary ring contents. The input is split into queue state | ring bytes
 * | guest memory bytes:
 *
 *	struct fz_hdr (32 bytes)	queue state: size, features, iovec capacity,
 *					push policy, vhost-user base, IOMMU deny /
 *					read-only page masks, optional ring addresses,
 *					heads to resubmit (vhost-user inflight)
 *	2 KiB				ring contents (GPA 0 .. 0x800: descriptors at
 *					0, driver area at 0x400, device area after)
 *	the rest			guest memory from GPA 0x800 on
 *
 * Guest memory is two heap buffers (GPA-adjacent regions of 64 and 16 KiB),
 * so AddressSanitizer reports any access the queue code makes outside them.
 * The harness pops until the queue is empty or broken, reads every readable
 * byte and writes every writable one it is given, pushes in and out of
 * order, flushes, and exercises the notification paths.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "fuzz.h"
#include "iovirt/log.h"
#include "iovirt/virtq.h"

#define FZ_A_SIZE     0x10000u /* region A: GPA [0, 64 KiB) */
#define FZ_B_SIZE     0x4000u  /* region B: GPA [64 KiB, 80 KiB) */
#define FZ_RING_BYTES 0x800u
#define FZ_PENDING    8

enum {
	FZ_PACKED = 1,
	FZ_EVENT_IDX = 2,
	FZ_INDIRECT = 4,
	FZ_IOMMU = 8,
	FZ_SET_BASE = 16,
	FZ_RAW_ADDR = 32,
	FZ_RESUBMIT = 64,
};

struct fz_hdr {
	u8 size;
	u8 flags;
	u8 iov_max;
	u8 push;	 /* bit i: push the i-th popped chain at once, else batch it */
	u32 base;	 /* SET_VRING_BASE value when FZ_SET_BASE */
	u32 deny;	 /* IOMMU: 4 KiB pages that fault */
	u32 rdonly;	 /* IOMMU: pages the device may only read */
	u32 addr[3];	 /* ring addresses when FZ_RAW_ADDR */
	u16 resubmit[2]; /* heads handed out again (vhost-user inflight) when FZ_RESUBMIT */
};

struct fz {
	struct fz_hdr h;
	u8 *a, *b;
};

static int fz_translate(void *opaque, u16 rid, iova_t iova, u64 *len, unsigned perm, gpa_t *gpa)
{
	const struct fz *z = opaque;
	u64 page = iova >> 12;

	(void)rid;
	if (page >= 32 || (z->h.deny & (1u << page)) ||
	    ((perm & DMA_PERM_WRITE) && (z->h.rdonly & (1u << page))))
		return -EFAULT;
	*gpa = iova;
	if (*len > 0x1000 - (iova & 0xfff))
		*len = 0x1000 - (iova & 0xfff);
	return 0;
}

static const struct dma_xlate_ops fz_xlate = {.translate = fz_translate};

/* Every iovec inside one region, and they add up to the lengths reported. */
static void fz_check_elem(const struct fz *z, const struct virtq_elem *e)
{
	u64 total = 0;

	for (unsigned i = 0; i < e->out_num + e->in_num; i++) {
		const u8 *p = e->iov[i].iov_base;
		size_t n = e->iov[i].iov_len;

		FUZZ_ASSERT(n && ((p >= z->a && p + n <= z->a + FZ_A_SIZE) ||
				  (p >= z->b && p + n <= z->b + FZ_B_SIZE)));
		total += n;
	}
	FUZZ_ASSERT(e->out_num + e->in_num <= e->iov_max);
	FUZZ_ASSERT(total == e->out_len + e->in_len && total <= SZ_4G);
}

/* Use the buffers as a device would: read what is readable, fill what is writable. */
static u32 fz_touch(const struct virtq_elem *e)
{
	volatile u8 sink = 0;

	for (unsigned i = 0; i < e->out_num; i++) {
		const u8 *p = e->iov[i].iov_base;

		for (size_t k = 0; k < e->iov[i].iov_len; k++)
			sink ^= p[k];
	}
	for (unsigned i = e->out_num; i < e->out_num + e->in_num; i++)
		memset(e->iov[i].iov_base, 0x5a, e->iov[i].iov_len);
	(void)sink;
	return (u32)MIN(e->in_len, 0xffffffffull);
}

static void fz_run(struct fz *z, struct virtq *vq)
{
	struct {
		struct virtq_elem e;
		struct iovec iov[64];
	} slot[FZ_PENDING];
	unsigned npending = 0, limit = 4u * vq->cfg.size + 8;

	virtq_disable_notify(vq);
	/* A restarted back-end first resubmits what a peer says was in flight. */
	for (unsigned i = 0; (z->h.flags & FZ_RESUBMIT) && i < 2; i++) {
		struct virtq_elem *e = &slot[0].e;
		int r;

		virtq_elem_init(e, slot[0].iov, 1 + z->h.iov_max % 64);
		r = virtq_pop_head(vq, z->h.resubmit[i], e);
		FUZZ_ASSERT(r >= 0 || vq->error != VIRTQ_OK);
		if (r <= 0)
			break;
		FUZZ_ASSERT(e->id == z->h.resubmit[i]);
		fz_check_elem(z, e);
		virtq_push(vq, e, fz_touch(e));
	}
	for (unsigned i = 0; i < limit; i++) {
		struct virtq_elem *e = &slot[npending].e;
		int r;

		virtq_elem_init(e, slot[npending].iov, 1 + z->h.iov_max % 64);
		r = virtq_pop(vq, e);
		if (r < 0) {
			FUZZ_ASSERT(vq->error != VIRTQ_OK);
			break;
		}
		if (r == 0) {
			virtq_flush(vq);
			(void)virtq_should_notify(vq);
			if (!virtq_enable_notify(vq))
				break;
			virtq_disable_notify(vq);
			continue;
		}
		fz_check_elem(z, e);
		if (z->h.push & (1u << (i % 8))) {
			virtq_push(vq, e, fz_touch(e));
		} else if (++npending == FZ_PENDING) {
			/* Complete the batch in reverse: out of order, one flush. */
			while (npending--)
				virtq_push(vq, &slot[npending].e, fz_touch(&slot[npending].e));
			npending = 0;
			virtq_flush(vq);
			(void)virtq_should_notify(vq);
		}
	}
	while (npending--)
		virtq_push(vq, &slot[npending].e, fz_touch(&slot[npending].e));
	virtq_flush(vq);
	(void)virtq_should_notify(vq);
	(void)virtq_get_base(vq);
	/* Everything taken was given back, unless the queue broke. */
	FUZZ_ASSERT(vq->error != VIRTQ_OK || !vq->inflight);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gmem_region ra = {.gpa = 0, .size = FZ_A_SIZE, .fd = -1};
	struct gmem_region rb = {.gpa = FZ_A_SIZE, .size = FZ_B_SIZE, .fd = -1};
	struct virtq_config cfg = {0};
	struct virtq vq;
	struct dma_as dma;
	struct gmem g;
	struct fz z;
	size_t n;

	log_set_level(LOG_ERR); /* the warnings are expected, by the thousand */
	memset(&z, 0, sizeof(z));
	n = MIN(size, sizeof(z.h));
	memcpy(&z.h, data, n);
	data += n;
	size -= n;
	z.a = aligned_alloc(4096, FZ_A_SIZE);
	z.b = aligned_alloc(4096, FZ_B_SIZE);
	if (!z.a || !z.b)
		goto out;
	memset(z.a, 0, FZ_A_SIZE);
	memset(z.b, 0, FZ_B_SIZE);
	/* Ring bytes, then guest memory, laid over A then B. */
	n = MIN(size, FZ_A_SIZE);
	memcpy(z.a, data, n);
	memcpy(z.b, data + n, MIN(size - n, FZ_B_SIZE));

	gmem_init(&g);
	ra.hva = z.a;
	rb.hva = z.b;
	if (gmem_add(&g, &ra) || gmem_add(&g, &rb))
		goto out_gmem;
	dma_as_init(&dma, &g, 0x0008, "fuzz");
	if (z.h.flags & FZ_IOMMU) {
		dma.xlate = &fz_xlate;
		dma.xlate_opaque = &z;
	}

	cfg.packed = z.h.flags & FZ_PACKED;
	cfg.event_idx = z.h.flags & FZ_EVENT_IDX;
	cfg.indirect = z.h.flags & FZ_INDIRECT;
	/* Sizes up to 64: enough for every rule, small enough to fit the ring area. */
	cfg.size = (u16)(cfg.packed ? 1u + z.h.size % 64u : 1u << (z.h.size % 7u));
	if (z.h.flags & FZ_RAW_ADDR) {
		cfg.desc_addr = z.h.addr[0];
		cfg.driver_addr = z.h.addr[1];
		cfg.device_addr = z.h.addr[2];
	} else {
		cfg.desc_addr = 0;
		cfg.driver_addr = 0x400;
		cfg.device_addr = cfg.packed ? 0x440 : 0x500;
	}
	if ((z.h.size & 0x80) && !cfg.packed)
		cfg.size = 3; /* an invalid split size now and then */

	memset(&vq, 0, sizeof(vq));
	if (virtq_init(&vq, &cfg, &dma, "fuzz-vq")) {
		struct virtq_elem e;

		virtq_elem_init(&e, NULL, 0);
		FUZZ_ASSERT(vq.error != VIRTQ_OK && virtq_pop(&vq, &e) == -EIO);
		goto out_gmem;
	}
	if ((z.h.flags & FZ_SET_BASE) && virtq_set_base(&vq, z.h.base) == 0)
		FUZZ_ASSERT(virtq_get_base(&vq) == z.h.base);
	fz_run(&z, &vq);

out_gmem:
	gmem_destroy(&g);
out:
	free(z.a);
	free(z.b);
	return 0;
}
