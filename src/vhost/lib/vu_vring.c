// SPDX-License-Identifier: GPL-2.0-only
/*
 * Rings of a vhost-user connection: the SET_VRING_* / GET_VRING_BASE
 * requests, the ring state machine of vhost-user "Ring states" (a ring is
 * started by its kick fd, stopped by GET_VRING_BASE, and enabled or disabled
 * independently), the glue that maps the rings the front-end names by user
 * address (or IOVA behind the IOMMU) and hands them to the shared virtq code,
 * and the data path entry points the device uses.
 *
 * A ring is checked when it is mapped: size (a power of two for split rings,
 * at most 32768), the base index within the ring, every part of the ring
 * whole inside one mapped region and naturally aligned.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <linux/vhost.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ring.h>

#include "vu_priv.h"

void vu_queue_init(struct vu_dev *dev, struct vu_queue *q, unsigned idx)
{
	memset(q, 0, sizeof(*q));
	q->dev = dev;
	q->idx = idx;
	q->kick_fd = -1;
	q->call_fd = -1;
	q->err_fd = -1;
	q->rl = (struct ratelimit)RATELIMIT_INIT;
	pthread_mutex_init(&q->lock, NULL);
	snprintf(q->name, sizeof(q->name), "%s q%u", dev->name, idx);
}

void vu_queue_destroy(struct vu_queue *q)
{
	int *fds[] = { &q->kick_fd, &q->call_fd, &q->err_fd };

	for (unsigned i = 0; i < ARRAY_SIZE(fds); i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
	vu_inflight_queue_stop(q);
	pthread_mutex_destroy(&q->lock);
}

unsigned vu_queue_index(const struct vu_queue *q)
{
	return q->idx;
}

struct vu_dev *vu_queue_dev(const struct vu_queue *q)
{
	return q->dev;
}

int vu_queue_kick_fd(const struct vu_queue *q)
{
	return q->kick_fd;
}

bool vu_queue_ready(const struct vu_queue *q)
{
	return q->active && !q->rings_stale && q->vq.error == VIRTQ_OK;
}

bool vu_any_queue_active(const struct vu_dev *dev)
{
	for (unsigned i = 0; i < dev->nq; i++)
		if (dev->q[i].active)
			return true;
	return false;
}

void vu_queues_lock_all(struct vu_dev *dev)
{
	for (unsigned i = 0; i < dev->nq; i++)
		pthread_mutex_lock(&dev->q[i].lock);
}

void vu_queues_unlock_all(struct vu_dev *dev)
{
	for (unsigned i = dev->nq; i--;)
		pthread_mutex_unlock(&dev->q[i].lock);
}

static bool packed(const struct vu_dev *dev)
{
	return vu_has_feature(dev, VIRTIO_F_RING_PACKED);
}

static bool iommu(const struct vu_dev *dev)
{
	return vu_has_feature(dev, VIRTIO_F_IOMMU_PLATFORM);
}

/* Sizes of the three ring parts (virtio 1.2 §2.7.2 split, §2.8.10 packed). */
static void ring_sizes(const struct vu_queue *q, u64 len[3], u64 align[3])
{
	u64 ev = vu_has_feature(q->dev, VIRTIO_RING_F_EVENT_IDX) ? 2 : 0;

	if (packed(q->dev)) {
		len[0] = 16ull * q->num;
		len[1] = 4;
		len[2] = 4;
		align[0] = 16;
		align[1] = 4;
		align[2] = 4;
	} else {
		len[0] = 16ull * q->num;
		len[1] = 4 + 2ull * q->num + ev;
		len[2] = 4 + 8ull * q->num + ev;
		align[0] = 16;
		align[1] = 2;
		align[2] = 4;
	}
}

/*
 * A ring address (user address, or IOVA behind the IOMMU) to a host pointer
 * for the whole part. -EPROTO (with dev->why) when the front-end named memory
 * it did not share; -EAGAIN when an IOTLB miss is outstanding.
 */
static int ring_map_part(struct vu_queue *q, const char *part, u64 addr, u64 len, u64 align,
			 void **hva)
{
	struct vu_dev *dev = q->dev;
	u64 uaddr = addr;

	if (!IS_ALIGNED(addr, align))
		return vu_violation(dev, "%s: %s ring address 0x%llx not %llu-byte aligned",
				    q->name, part, (unsigned long long)addr,
				    (unsigned long long)align);
	if (iommu(dev)) {
		u64 got = len;

		if (vu_iotlb_translate(dev, addr, &got, VHOST_ACCESS_RW, &uaddr, true))
			return -EAGAIN;
		/* The whole ring must sit in one IOTLB entry's contiguous span. */
		if (got < len)
			return -EAGAIN;
	}
	*hva = vu_mem_uva_to_hva(&dev->mem, uaddr, len);
	if (!*hva)
		return vu_violation(dev, "%s: %s ring 0x%llx+0x%llx outside shared memory",
				    q->name, part, (unsigned long long)addr,
				    (unsigned long long)len);
	/* GUEST: alignment of the host pointer holds only if the region keeps it. */
	if (!IS_ALIGNED((uintptr_t)*hva, align))
		return vu_violation(dev, "%s: %s ring misaligned in its region", q->name, part);
	return 0;
}

/* No descriptor of a mapped packed ring was ever marked used. */
static bool packed_ring_fresh(const struct vu_queue *q)
{
	for (u32 i = 0; i < q->num; i++)
		/* GUEST: i < num, the ring's size as mapped. */
		if (le16_to_cpu(READ_ONCE(q->vq.pdesc[i].flags)) & BIT(VRING_PACKED_DESC_F_USED))
			return false;
	return true;
}

/*
 * The base to start the ring from. Packed rings: QEMU and DPDK's virtio-user
 * send only bits 0-15 (next avail descriptor and its wrap counter) and leave
 * the used half zero. With nothing in flight — always the case once the
 * back-end completed everything before GET_VRING_BASE — the next used slot
 * is the next avail slot with the same wrap counter, so a zero used half
 * means exactly that.
 */
static u32 ring_base(const struct vu_queue *q)
{
	u32 base = q->base;

	if (!packed(q->dev))
		return base;
	/*
	 * Linux's virtio_uml sends 0 for a new packed ring, which names wrap
	 * counter 0 where §2.8.1 starts both at 1. A 0 is genuine only after
	 * the ring went round once, and then the device has written used
	 * descriptors (USED set, §2.8.1); a ring with no USED bit anywhere has
	 * never been used: it starts at slot 0 with wrap counter 1.
	 */
	if (!base && packed_ring_fresh(q))
		base = 0x8000;
	if (!(base >> 16))
		base |= base << 16;
	return base;
}

/* Check SET_VRING_BASE's value against the ring (vhost-user "vring descriptor index"). */
static int base_check(struct vu_queue *q)
{
	if (packed(q->dev)) {
		if ((q->base & 0x7fff) >= q->num || ((q->base >> 16) & 0x7fff) >= q->num)
			return vu_violation(q->dev, "%s: packed ring base 0x%x past the ring size %u",
					    q->name, q->base, q->num);
	} else if (q->base > 0xffff) {
		return vu_violation(q->dev, "%s: split ring base 0x%x has reserved bits", q->name,
				    q->base);
	}
	return 0;
}

/*
 * Map the rings and start the virtq with the saved base. Caller holds q->lock
 * or the queue is not active. 0, -EPROTO, -EAGAIN (IOTLB miss pending: the data
 * path tries again), or the virtq's error.
 */
static int rings_map(struct vu_queue *q)
{
	struct vu_dev *dev = q->dev;
	struct virtq_config cfg = {
		.size = q->num,
		.packed = packed(dev),
		.event_idx = vu_has_feature(dev, VIRTIO_RING_F_EVENT_IDX),
		.indirect = vu_has_feature(dev, VIRTIO_RING_F_INDIRECT_DESC),
		.desc_addr = q->addr.desc_user_addr,
		.driver_addr = q->addr.avail_user_addr,
		.device_addr = q->addr.used_user_addr,
	};
	static const char *const part[] = { "descriptor", "driver", "device" };
	u64 addr[3] = { q->addr.desc_user_addr, q->addr.avail_user_addr, q->addr.used_user_addr };
	u64 len[3], align[3];
	void *hva[3];
	int ret;

	ring_sizes(q, len, align);
	for (unsigned i = 0; i < 3; i++) {
		ret = ring_map_part(q, part[i], addr[i], len[i], align[i], &hva[i]);
		if (ret)
			return ret;
	}
	if (iommu(dev)) {
		/* Buffers are IOVAs: IOTLB → user address → our mapping. */
		dma_as_init(&q->dma, &dev->mem.by_uva, 0, q->name);
		q->dma.xlate = &vu_iotlb_xlate_ops;
		q->dma.xlate_opaque = dev;
	} else {
		/* Buffers are guest-physical; rings were named by user address. */
		dma_as_init(&q->dma, &dev->mem.by_gpa, 0, q->name);
		for (unsigned i = 0; i < 3; i++) {
			gpa_t gpa;

			if (vu_mem_uva_to_gpa(&dev->mem, addr[i], &gpa))
				(&cfg.desc_addr)[i] = gpa;
		}
	}
	ret = virtq_init_hva(&q->vq, &cfg, &q->dma, hva[0], hva[1], hva[2], q->name);
	if (ret)
		return vu_violation(dev, "%s: ring refused by virtq: %d", q->name, ret);
	if (virtq_set_base(&q->vq, ring_base(q)))
		return vu_violation(dev, "%s: base 0x%x refused by virtq", q->name, q->base);
	if (q->poll)
		virtq_disable_notify(&q->vq);
	q->rings_stale = false;
	return vu_inflight_queue_start(q);
}

/* Tell the device, with the data path fenced first (see vu_dev_ops.queue_stop). */
static void queue_deactivate(struct vu_queue *q)
{
	if (!q->active)
		return;
	pthread_mutex_lock(&q->lock);
	q->active = false;
	pthread_mutex_unlock(&q->lock);
	if (q->dev->ops->queue_stop)
		q->dev->ops->queue_stop(q->dev, q);
	/* Elements the device pushed while draining are published now. */
	pthread_mutex_lock(&q->lock);
	vu_queue_notify(q);
	pthread_mutex_unlock(&q->lock);
}

void vu_queue_update(struct vu_queue *q)
{
	bool want = q->started && q->enabled;

	if (want && !q->active) {
		pthread_mutex_lock(&q->lock);
		q->active = true;
		pthread_mutex_unlock(&q->lock);
		if (q->dev->ops->queue_start)
			q->dev->ops->queue_start(q->dev, q);
	} else if (!want && q->active) {
		queue_deactivate(q);
	}
}

/* Stop: device told, base saved, rings forgotten. The kick fd stays until replaced. */
void vu_queue_stop(struct vu_queue *q)
{
	queue_deactivate(q);
	pthread_mutex_lock(&q->lock);
	if (q->started) {
		q->base = virtq_get_base(&q->vq);
		vu_inflight_queue_stop(q);
		virtq_reset(&q->vq);
		q->started = false;
	}
	pthread_mutex_unlock(&q->lock);
}

void vu_queues_suspend(struct vu_dev *dev, bool *was_started)
{
	for (unsigned i = 0; i < dev->nq; i++) {
		was_started[i] = dev->q[i].started;
		vu_queue_stop(&dev->q[i]);
	}
}

int vu_queues_resume(struct vu_dev *dev, const bool *was_started)
{
	for (unsigned i = 0; i < dev->nq; i++) {
		struct vu_queue *q = &dev->q[i];
		int ret;

		if (!was_started[i])
			continue;
		pthread_mutex_lock(&q->lock);
		ret = rings_map(q);
		if (ret == -EAGAIN) {
			q->rings_stale = true;
			ret = 0;
		}
		if (!ret)
			q->started = true;
		pthread_mutex_unlock(&q->lock);
		if (ret)
			return ret;
		vu_queue_update(q);
	}
	return 0;
}

void vu_queues_mark_stale(struct vu_dev *dev, u64 iova, u64 size)
{
	for (unsigned i = 0; i < dev->nq; i++) {
		struct vu_queue *q = &dev->q[i];
		u64 addr[3] = { q->addr.desc_user_addr, q->addr.avail_user_addr,
				q->addr.used_user_addr };
		u64 len[3], align[3];

		if (!q->started)
			continue;
		ring_sizes(q, len, align);
		for (unsigned j = 0; j < 3; j++) {
			if (addr[j] <= iova + (size - 1) && iova <= addr[j] + (len[j] - 1)) {
				pthread_mutex_lock(&q->lock);
				q->rings_stale = true;
				pthread_mutex_unlock(&q->lock);
				break;
			}
		}
	}
}

/* Replace one of a queue's eventfds with the data path fenced. */
static void swap_fd(struct vu_queue *q, int *slot, int *fd)
{
	pthread_mutex_lock(&q->lock);
	if (*slot >= 0)
		close(*slot);
	*slot = *fd;
	*fd = -1;
	pthread_mutex_unlock(&q->lock);
}

static int handle_num(struct vu_queue *q, u32 num)
{
	struct vu_dev *dev = q->dev;
	u32 max = dev->ops->max_queue_size ? dev->ops->max_queue_size : VIRTQ_MAX_SIZE;

	if (!num || num > VIRTQ_MAX_SIZE || num > max)
		return vu_violation(dev, "%s: SET_VRING_NUM %u outside 1..%u", q->name, num,
				    MIN(max, (u32)VIRTQ_MAX_SIZE));
	/* virtio 1.2 §2.7: a split queue size is a power of 2. */
	if (!packed(dev) && (num & (num - 1)))
		return vu_violation(dev, "%s: SET_VRING_NUM %u not a power of 2 (split ring)",
				    q->name, num);
	vu_queue_stop(q);
	q->num = (u16)num;
	return 0;
}

static int handle_addr(struct vu_queue *q, const struct vhost_vring_addr *a)
{
	struct vu_dev *dev = q->dev;
	bool same;

	if (a->flags & ~BIT(VHOST_VRING_F_LOG))
		return vu_violation(dev, "%s: SET_VRING_ADDR flags 0x%x unknown", q->name, a->flags);
	same = q->addr_set && a->desc_user_addr == q->addr.desc_user_addr &&
	       a->avail_user_addr == q->addr.avail_user_addr &&
	       a->used_user_addr == q->addr.used_user_addr;
	if (!same)
		vu_queue_stop(q);
	/* Same rings: only logging changes, on the fly (vhost-user "Migration"). */
	pthread_mutex_lock(&q->lock);
	q->addr = *a;
	q->addr_set = true;
	q->log_used = a->flags & BIT(VHOST_VRING_F_LOG);
	pthread_mutex_unlock(&q->lock);
	return 0;
}

static int handle_get_base(struct vu_queue *q, struct vhost_vring_state *st)
{
	vu_queue_stop(q);
	st->index = q->idx;
	st->num = q->base;
	/* The next start comes with a new kick fd (vhost-user "Ring states"). */
	pthread_mutex_lock(&q->lock);
	if (q->kick_fd >= 0)
		close(q->kick_fd);
	q->kick_fd = -1;
	pthread_mutex_unlock(&q->lock);
	return 0;
}

static int handle_kick(struct vu_queue *q, int *fd)
{
	struct vu_dev *dev = q->dev;
	int ret;

	if (!q->num || !q->addr_set)
		return vu_violation(dev, "%s: SET_VRING_KICK before SET_VRING_NUM/ADDR", q->name);
	if (*fd >= 0) {
		int fl = fcntl(*fd, F_GETFL);

		/* The kick fd is read only when readable, but never block on a spurious call. */
		if (fl < 0 || fcntl(*fd, F_SETFL, fl | O_NONBLOCK) < 0)
			return vu_violation(dev, "%s: kick fd is not usable", q->name);
	}
	/* A new kick fd: the host must watch it, so the device hears stop then start. */
	queue_deactivate(q);
	swap_fd(q, &q->kick_fd, fd);
	if (!q->started) {
		ret = base_check(q);
		if (ret)
			return ret;
		pthread_mutex_lock(&q->lock);
		ret = rings_map(q);
		if (ret == -EAGAIN) {
			q->rings_stale = true;
			ret = 0;
		}
		if (!ret)
			q->started = true;
		pthread_mutex_unlock(&q->lock);
		if (ret)
			return ret;
	}
	vu_queue_update(q);
	return 0;
}

int vu_vring_handle(struct vu_dev *dev, struct vu_msg *m, int *fds, unsigned nfds)
{
	u32 idx;
	struct vu_queue *q;

	(void)nfds;
	switch (m->hdr.request) {
	case VHOST_USER_SET_VRING_KICK:
	case VHOST_USER_SET_VRING_CALL:
	case VHOST_USER_SET_VRING_ERR:
		idx = (u32)(m->p.u64 & VHOST_USER_VRING_IDX_MASK);
		break;
	case VHOST_USER_SET_VRING_ADDR:
		idx = m->p.addr.index;
		break;
	case VHOST_USER_SET_VRING_NUM:
	case VHOST_USER_SET_VRING_BASE:
	case VHOST_USER_GET_VRING_BASE:
	case VHOST_USER_SET_VRING_ENABLE:
		idx = m->p.state.index;
		break;
	default:
		return vu_violation(dev, "request %u has no handler", m->hdr.request);
	}
	if (idx >= dev->nq)
		return vu_violation(dev, "%s for queue %u of %u", vu_req_name(m->hdr.request), idx,
				    dev->nq);
	q = &dev->q[idx];

	switch (m->hdr.request) {
	case VHOST_USER_SET_VRING_NUM:
		return handle_num(q, m->p.state.num);
	case VHOST_USER_SET_VRING_ADDR:
		return handle_addr(q, &m->p.addr);
	case VHOST_USER_SET_VRING_BASE:
		vu_queue_stop(q);
		q->base = m->p.state.num;
		if (q->num)
			return base_check(q);
		return 0;
	case VHOST_USER_GET_VRING_BASE:
		m->hdr.size = sizeof(m->p.state);
		return handle_get_base(q, &m->p.state);
	case VHOST_USER_SET_VRING_KICK:
		return handle_kick(q, &fds[0]);
	case VHOST_USER_SET_VRING_CALL:
		swap_fd(q, &q->call_fd, &fds[0]);
		return 0;
	case VHOST_USER_SET_VRING_ERR:
		swap_fd(q, &q->err_fd, &fds[0]);
		return 0;
	case VHOST_USER_SET_VRING_ENABLE:
		if (m->p.state.num > 1)
			return vu_violation(dev, "%s: SET_VRING_ENABLE %u is not 0 or 1", q->name,
					    m->p.state.num);
		q->enabled = m->p.state.num;
		vu_queue_update(q);
		return 0;
	default:
		return vu_violation(dev, "request %u has no handler", m->hdr.request);
	}
}

/* ---- Data path ---- */

static void eventfd_signal(int fd)
{
	u64 one = 1;

	if (fd >= 0 && write(fd, &one, sizeof(one)) < 0) {
		/* EAGAIN: the counter is saturated, the peer will see it anyway. */
	}
}

void vu_queue_set_poll(struct vu_queue *q, bool poll)
{
	pthread_mutex_lock(&q->lock);
	q->poll = poll;
	if (q->started && !q->rings_stale) {
		if (poll)
			virtq_disable_notify(&q->vq);
		else if (virtq_enable_notify(&q->vq))
			eventfd_signal(q->kick_fd); /* buffers came while off: look again */
	}
	pthread_mutex_unlock(&q->lock);
}

void vu_queue_lock(struct vu_queue *q)
{
	pthread_mutex_lock(&q->lock);
}

void vu_queue_unlock(struct vu_queue *q)
{
	vu_queue_notify(q);
	pthread_mutex_unlock(&q->lock);
}

/* Called with q->lock: map the rings again after an IOTLB change. */
static bool rings_usable(struct vu_queue *q)
{
	if (!q->rings_stale)
		return true;
	return rings_map(q) == 0;
}

int vu_queue_process(struct vu_queue *q)
{
	int ret = 0;

	pthread_mutex_lock(&q->lock);
	/* Under the lock: the message thread may replace (close) the kick fd. */
	if (q->kick_fd >= 0 && !q->poll) {
		u64 v;

		/* Drained even when not active, so a level-triggered loop does not spin. */
		if (read(q->kick_fd, &v, sizeof(v)) < 0) {
			/* EAGAIN: a spurious wakeup. */
		}
	}
	if (!q->active || !rings_usable(q))
		goto out;
	if (q->vq.error != VIRTQ_OK) {
		ret = -EIO;
		goto out;
	}
	if (q->poll && q->next_resubmit >= q->nr_resubmit && !virtq_has_avail(&q->vq))
		goto out;
	q->dev->ops->handle_queue(q->dev, q);
	if (q->vq.error != VIRTQ_OK)
		ret = -EIO;
out:
	vu_queue_unlock(q);
	return ret;
}

int vu_queue_pop(struct vu_queue *q, struct virtq_elem *e)
{
	int ret;

	if (!q->active || !rings_usable(q))
		return 0;
	if (q->next_resubmit < q->nr_resubmit) {
		ret = vu_inflight_resubmit(q, e);
		if (ret == 1)
			return 1;
	} else {
		ret = virtq_pop(&q->vq, e);
		if (ret == 1) {
			vu_inflight_pop(q, e);
			return 1;
		}
	}
	if (ret < 0) {
		/* The virtq logged the rule; tell the front-end through the error fd. */
		eventfd_signal(q->err_fd);
	}
	return ret;
}

int vu_queue_pop_batch(struct vu_queue *q, struct virtq_elem *e, unsigned n)
{
	int ret = 0;

	if (!q->active || !rings_usable(q))
		return 0;
	/* Heads handed out again after a restart come first, one at a time. */
	if (q->next_resubmit < q->nr_resubmit)
		return n ? vu_queue_pop(q, e) : 0;
	/*
	 * Packed inflight tracking copies each chain's descriptors from the
	 * ring slots just before the avail position, so it must run after each
	 * single pop, not after a batch.
	 */
	if (q->infl && q->vq.cfg.packed) {
		unsigned k = 0;

		while (k < n && (ret = vu_queue_pop(q, &e[k])) > 0)
			k++;
		return k ? (int)k : ret;
	}
	ret = virtq_pop_batch(&q->vq, e, n);
	if (ret > 0 && q->infl) {
		for (int i = 0; i < ret; i++)
			vu_inflight_pop(q, &e[i]);
	}
	/* Broken now (-EIO, or a bad chain after the good ones returned): tell the front-end. */
	if (ret < 0 || (ret > 0 && q->vq.error != VIRTQ_OK))
		eventfd_signal(q->err_fd);
	return ret;
}

void vu_queue_unpop(struct vu_queue *q, const struct virtq_elem *e)
{
	if (!q->started || q->rings_stale)
		return;
	vu_inflight_unpop(q, e);
	virtq_unpop(&q->vq, e);
}

void vu_queue_disable_notify(struct vu_queue *q)
{
	if (q->started && !q->rings_stale && !q->poll)
		virtq_disable_notify(&q->vq);
}

bool vu_queue_enable_notify(struct vu_queue *q)
{
	if (!q->started || q->rings_stale)
		return false;
	if (q->poll)
		return virtq_has_avail(&q->vq);
	return virtq_enable_notify(&q->vq);
}

void vu_queue_push(struct vu_queue *q, const struct virtq_elem *e, u32 written)
{
	if (vu_log_active(q->dev)) {
		u64 left = written;

		for (unsigned i = e->out_num; i < e->out_num + e->in_num && left; i++) {
			u64 n = MIN(left, (u64)e->iov[i].iov_len);

			vu_log_hva(q->dev, e->iov[i].iov_base, n);
			left -= n;
		}
	}
	vu_inflight_push(q, e);
	virtq_push(&q->vq, e, written);
	q->batch_len++;
}

void vu_queue_push_batch(struct vu_queue *q, const struct virtq_elem *e, const u32 *written,
			 unsigned n)
{
	if (unlikely(vu_log_active(q->dev) || q->infl)) {
		for (unsigned i = 0; i < n; i++)
			vu_queue_push(q, &e[i], written ? written[i] : 0);
		return;
	}
	virtq_push_batch(&q->vq, e, written, n);
	q->batch_len += n;
}

/* Log the device-written ring part (split: used ring at log_guest_addr; packed: descriptors). */
static void log_ring(struct vu_queue *q)
{
	u64 len[3], align[3];

	ring_sizes(q, len, align);
	if (packed(q->dev)) {
		gpa_t gpa;

		if (!iommu(q->dev) && vu_mem_uva_to_gpa(&q->dev->mem, q->addr.desc_user_addr, &gpa))
			vu_log_gpa(q->dev, gpa, len[0]);
		vu_log_gpa(q->dev, q->addr.log_guest_addr, len[2]);
	} else {
		vu_log_gpa(q->dev, q->addr.log_guest_addr, len[2]);
	}
}

void vu_queue_notify(struct vu_queue *q)
{
	if (!q->batch_len || !q->started)
		return;
	vu_inflight_flushing(q);
	virtq_flush(&q->vq);
	vu_inflight_flushed(q);
	q->batch_len = 0;
	if (q->log_used && vu_log_active(q->dev))
		log_ring(q);
	if (vu_log_active(q->dev))
		vu_log_signal(q->dev);
	if (virtq_should_notify(&q->vq))
		eventfd_signal(q->call_fd);
}
