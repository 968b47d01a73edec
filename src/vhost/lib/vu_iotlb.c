// SPDX-License-Identifier: GPL-2.0-only
/*
 * The device IOTLB of a connection with VIRTIO_F_IOMMU_PLATFORM (vhost-user
 * "IOMMU support"): the front-end pushes IOVA → user address entries with
 * IOTLB_MSG update and removes them with invalidate; the back-end asks for
 * what it lacks with a miss on the back-end channel. Entries are kept sorted
 * by IOVA and never overlap (an update replaces what it covers). Translation
 * checks the permission and trims the length to the entry, so a buffer that
 * spans entries is walked piecewise by the DMA code.
 *
 * A queue thread that misses sends the miss, then waits (bounded) for the
 * update the message thread will insert; the message thread itself never
 * waits on itself.
 */
#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "vu_priv.h"

/* How long a queue thread waits for the front-end to answer a miss. */
#define VU_IOTLB_MISS_WAIT_MS 100

void vu_iotlb_init(struct vu_iotlb *t)
{
	pthread_condattr_t ca;

	pthread_mutex_init(&t->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&t->updated, &ca);
	pthread_condattr_destroy(&ca);
	t->ent = NULL;
	t->nr = 0;
	t->last_miss_valid = false;
}

void vu_iotlb_destroy(struct vu_iotlb *t)
{
	free(t->ent);
	t->ent = NULL;
	t->nr = 0;
	pthread_cond_destroy(&t->updated);
	pthread_mutex_destroy(&t->lock);
}

void vu_iotlb_flush(struct vu_iotlb *t)
{
	pthread_mutex_lock(&t->lock);
	t->nr = 0;
	t->last_miss_valid = false;
	pthread_mutex_unlock(&t->lock);
}

/* Remove [iova, iova+size) from the table, splitting entries that straddle it. */
static int iotlb_remove(struct vu_iotlb *t, u64 iova, u64 size)
{
	u64 end = iova + (size - 1);
	unsigned i = 0;

	while (i < t->nr) {
		struct vu_iotlb_ent *e = &t->ent[i];
		u64 eend = e->iova + (e->size - 1);

		if (eend < iova || e->iova > end) {
			i++;
			continue;
		}
		if (e->iova < iova && eend > end) {
			/* The hole is in the middle: split into two. */
			if (t->nr >= VU_IOTLB_MAX)
				return -ENOSPC;
			memmove(&t->ent[i + 1], &t->ent[i], (t->nr - i) * sizeof(*e));
			t->nr++;
			t->ent[i].size = iova - e->iova;
			t->ent[i + 1].uaddr += end + 1 - t->ent[i + 1].iova;
			t->ent[i + 1].size = eend - end;
			t->ent[i + 1].iova = end + 1;
			return 0;
		}
		if (e->iova < iova) {
			e->size = iova - e->iova;
			i++;
		} else if (eend > end) {
			e->uaddr += end + 1 - e->iova;
			e->size = eend - end;
			e->iova = end + 1;
			i++;
		} else {
			memmove(e, e + 1, (t->nr - i - 1) * sizeof(*e));
			t->nr--;
		}
	}
	return 0;
}

static int iotlb_insert(struct vu_iotlb *t, const struct vu_iotlb_ent *ne)
{
	unsigned pos;
	int ret;

	ret = iotlb_remove(t, ne->iova, ne->size);
	if (ret)
		return ret;
	if (t->nr >= VU_IOTLB_MAX)
		return -ENOSPC;
	if (!t->ent) {
		t->ent = calloc(VU_IOTLB_MAX, sizeof(*t->ent));
		if (!t->ent)
			return -ENOMEM;
	}
	for (pos = 0; pos < t->nr && t->ent[pos].iova < ne->iova; pos++)
		;
	memmove(&t->ent[pos + 1], &t->ent[pos], (t->nr - pos) * sizeof(*ne));
	t->ent[pos] = *ne;
	t->nr++;
	return 0;
}

int vu_iotlb_msg(struct vu_dev *dev, const struct vhost_iotlb_msg *im)
{
	struct vu_iotlb *t = &dev->iotlb;
	int ret;

	switch (im->type) {
	case VHOST_IOTLB_UPDATE: {
		struct vu_iotlb_ent e = {
			.iova = im->iova, .size = im->size, .uaddr = im->uaddr, .perm = im->perm,
		};

		if (!im->size || !range_ok(im->iova, im->size - 1) ||
		    !range_ok(im->uaddr, im->size - 1))
			return vu_violation(dev, "IOTLB update of an empty or wrapping range");
		if (im->perm & ~VHOST_ACCESS_RW)
			return vu_violation(dev, "IOTLB update with permission 0x%x", im->perm);
		/* vhost-user: "Addresses and size must be within vhost memory regions". */
		if (!vu_mem_uva_to_hva(&dev->mem, im->uaddr, im->size)) {
			dev_warn_rl(&dev->rl, dev->name,
				    "IOTLB update to user address 0x%llx+0x%llx outside shared memory",
				    (unsigned long long)im->uaddr, (unsigned long long)im->size);
			return -EFAULT;
		}
		pthread_mutex_lock(&t->lock);
		ret = iotlb_insert(t, &e);
		t->last_miss_valid = false;
		pthread_cond_broadcast(&t->updated);
		pthread_mutex_unlock(&t->lock);
		return ret;
	}
	case VHOST_IOTLB_INVALIDATE:
		if (!im->size || !range_ok(im->iova, im->size - 1))
			return vu_violation(dev, "IOTLB invalidate of an empty or wrapping range");
		pthread_mutex_lock(&t->lock);
		ret = iotlb_remove(t, im->iova, im->size);
		pthread_mutex_unlock(&t->lock);
		/* Rings are host pointers found through the IOTLB: find them again. */
		vu_queues_mark_stale(dev, im->iova, im->size);
		return ret;
	default:
		return vu_violation(dev, "IOTLB message of type %u from the front-end", im->type);
	}
}

/* Look up with t->lock held. */
static int iotlb_lookup(const struct vu_iotlb *t, u64 iova, u64 *len, unsigned perm, u64 *uaddr)
{
	unsigned lo = 0, hi = t->nr;

	while (lo < hi) {
		unsigned mid = (lo + hi) / 2;
		const struct vu_iotlb_ent *e = &t->ent[mid];

		if (iova < e->iova) {
			hi = mid;
		} else if (iova - e->iova >= e->size) {
			lo = mid + 1;
		} else {
			u64 off = iova - e->iova;

			if ((e->perm & perm) != perm)
				return -EACCES;
			*uaddr = e->uaddr + off;
			if (*len > e->size - off)
				*len = e->size - off;
			return 0;
		}
	}
	return -ENOENT;
}

static void send_miss(struct vu_dev *dev, u64 iova, unsigned perm)
{
	struct vhost_iotlb_msg m = { .iova = iova, .perm = (u8)perm, .type = VHOST_IOTLB_MISS };

	dev->stats.iotlb_misses++;
	if (vu_backend_send(dev, VHOST_USER_BACKEND_IOTLB_MSG, &m, sizeof(m)))
		dev_warn_rl(&dev->rl, dev->name, "cannot send IOTLB miss: no back-end channel");
}

int vu_iotlb_translate(struct vu_dev *dev, u64 iova, u64 *len, unsigned perm, u64 *uaddr,
		       bool want_miss)
{
	struct vu_iotlb *t = &dev->iotlb;
	/*
	 * The update can only come through vu_dev_dispatch: a thread that also
	 * runs it (a single-threaded host program) would wait for itself.
	 */
	bool own_thread = dev->ctl_thread_set && pthread_equal(dev->ctl_thread, pthread_self());
	struct timespec deadline;
	int ret;

	pthread_mutex_lock(&t->lock);
	ret = iotlb_lookup(t, iova, len, perm, uaddr);
	if (ret != -ENOENT || !want_miss)
		goto out;
	if (!t->last_miss_valid || t->last_miss_iova != iova) {
		t->last_miss_iova = iova;
		t->last_miss_valid = true;
		pthread_mutex_unlock(&t->lock);
		send_miss(dev, iova, perm);
		pthread_mutex_lock(&t->lock);
	}
	if (own_thread)
		goto out;
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_nsec += VU_IOTLB_MISS_WAIT_MS * 1000000l;
	if (deadline.tv_nsec >= 1000000000l) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000l;
	}
	while (ret == -ENOENT) {
		if (pthread_cond_timedwait(&t->updated, &t->lock, &deadline))
			break;
		ret = iotlb_lookup(t, iova, len, perm, uaddr);
	}
out:
	pthread_mutex_unlock(&t->lock);
	return ret ? -EFAULT : 0;
}

/* The dma_as translator: IOVA → user address, which is the key of mem.by_uva. */
static int xlate(void *opaque, u16 rid, iova_t iova, u64 *len, unsigned perm, gpa_t *out)
{
	unsigned p = 0;

	(void)rid;
	if (perm & DMA_PERM_READ)
		p |= VHOST_ACCESS_RO;
	if (perm & DMA_PERM_WRITE)
		p |= VHOST_ACCESS_WO;
	return vu_iotlb_translate(opaque, iova, len, p, out, true);
}

const struct dma_xlate_ops vu_iotlb_xlate_ops = { .translate = xlate };
