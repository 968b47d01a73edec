// SPDX-License-Identifier: GPL-2.0-only
/*
 * Inflight I/O tracking (vhost-user "Inflight I/O tracking"): the back-end
 * keeps, in memory the front-end holds on to, which requests it fetched and
 * has not completed, in what order, and the last batch it completed. A
 * back-end that crashed or restarted gets the area back with
 * SET_INFLIGHT_FD and resubmits the requests that were in flight, oldest
 * first, before taking new ones from the ring.
 *
 * This file has the area itself (GET/SET_INFLIGHT_FD, sized for the ring
 * format negotiated by then: QEMU sends SET_FEATURES first so that the
 * back-end knows it), the per-queue dispatch, and the split-ring layout;
 * vu_inflight_packed.c has the packed one. Queue i's region starts at i
 * times the region size of the area's queue size. Every value read from the
 * area is checked, since the front-end (or a crashed back-end) may have
 * scribbled: a region that makes no sense closes the connection.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/virtio_ring.h>

#include "vu_priv.h"


u64 vu_inflight_queue_region_size(u16 queue_size, bool packed)
{
	if (packed)
		return vu_inflight_packed_region_size(queue_size);
	return ALIGN_UP(sizeof(struct vu_queue_region_split) +
				(u64)queue_size * sizeof(struct vu_desc_state_split),
			64ull);
}

static bool area_packed(const struct vu_dev *dev)
{
	return vu_has_feature(dev, VIRTIO_F_RING_PACKED);
}

void vu_inflight_destroy(struct vu_inflight_area *a)
{
	if (a->map)
		munmap(a->map, a->map_len);
	if (a->fd >= 0)
		close(a->fd);
	a->map = NULL;
	a->fd = -1;
	a->size = 0;
}

static int inflight_check(struct vu_dev *dev, const struct vu_inflight *in)
{
	if (!in->num_queues || in->num_queues > dev->nq)
		return vu_violation(dev, "inflight area for %u queues (device has %u)",
				    in->num_queues, dev->nq);
	if (!in->queue_size || in->queue_size > VIRTQ_MAX_SIZE)
		return vu_violation(dev, "inflight area for queue size %u", in->queue_size);
	return 0;
}

/* Install a mapped area, with the queues fenced. */
static void inflight_install(struct vu_dev *dev, void *map, u64 map_len, const struct vu_inflight *in,
			     bool packed, int fd)
{
	vu_queues_lock_all(dev);
	vu_inflight_destroy(&dev->infl);
	dev->infl.map = map;
	dev->infl.map_len = map_len;
	dev->infl.size = in->mmap_size;
	dev->infl.num_queues = in->num_queues;
	dev->infl.queue_size = in->queue_size;
	dev->infl.packed = packed;
	dev->infl.fd = fd;
	vu_queues_unlock_all(dev);
}

int vu_inflight_get(struct vu_dev *dev, struct vu_inflight *in)
{
	u64 size;
	void *p;
	int fd, ret;

	ret = inflight_check(dev, in);
	if (ret)
		return ret;
	size = vu_inflight_queue_region_size(in->queue_size, area_packed(dev)) * in->num_queues;
	fd = memfd_create("vu-inflight", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		goto err;
	if (ftruncate(fd, (off_t)size) < 0)
		goto err_close;
	/* The front-end keeps it across our restarts; it must not shrink it under us. */
	fcntl(fd, F_ADD_SEALS, F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL);
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		goto err_close;
	in->mmap_size = size;
	in->mmap_offset = 0;
	dev->reply_fd = dup(fd);
	if (dev->reply_fd < 0) {
		munmap(p, size);
		goto err_close;
	}
	inflight_install(dev, p, size, in, area_packed(dev), fd);
	return 0;

err_close:
	close(fd);
err:
	/* vhost-user: a zero mmap_size without an fd tells the front-end it failed. */
	in->mmap_size = 0;
	in->mmap_offset = 0;
	return 0;
}

int vu_inflight_set(struct vu_dev *dev, const struct vu_inflight *in, int *fd)
{
	bool packed = area_packed(dev);
	struct stat st;
	u64 want;
	void *p;
	int seals, ret;

	ret = inflight_check(dev, in);
	if (ret)
		return ret;
	want = vu_inflight_queue_region_size(in->queue_size, packed) * in->num_queues;
	if (in->mmap_size != want)
		return vu_violation(dev, "SET_INFLIGHT_FD size 0x%llx, the %s layout needs 0x%llx",
				    (unsigned long long)in->mmap_size, packed ? "packed" : "split",
				    (unsigned long long)want);
	if (!range_ok(in->mmap_offset, in->mmap_size) || fstat(*fd, &st) < 0 ||
	    !S_ISREG(st.st_mode) || (u64)st.st_size < in->mmap_offset + in->mmap_size)
		return vu_violation(dev, "SET_INFLIGHT_FD area beyond its fd");
	if (in->mmap_offset % (u64)sysconf(_SC_PAGESIZE))
		return vu_violation(dev, "SET_INFLIGHT_FD offset not page aligned");
	/*
	 * A file the peer can still shrink would fault (SIGBUS) under our data
	 * path. Areas made by GET_INFLIGHT_FD are memfds sealed against that;
	 * anything else is refused, the connection kept (untracked requests).
	 */
	seals = fcntl(*fd, F_GET_SEALS);
	if (seals < 0 || !(seals & F_SEAL_SHRINK)) {
		dev_warn_rl(&dev->rl, dev->name,
			    "SET_INFLIGHT_FD area can shrink under us (no F_SEAL_SHRINK): not used");
		return -EINVAL;
	}
	p = mmap(NULL, in->mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED, *fd,
		 (off_t)in->mmap_offset);
	if (p == MAP_FAILED)
		return -errno;
	inflight_install(dev, p, in->mmap_size, in, packed, *fd);
	*fd = -1;
	return 0;
}

static int cmp_order(const void *a, const void *b)
{
	const struct vu_infl_order *x = a, *y = b;

	if (x->counter != y->counter)
		return x->counter < y->counter ? -1 : 1;
	return x->entry < y->entry ? -1 : x->entry > y->entry;
}

/* Sort private copies (never the shared area: the peer could change it mid-sort). */
void vu_inflight_sort(struct vu_infl_order *o, unsigned n)
{
	qsort(o, n, sizeof(*o), cmp_order);
}

/* The region of queue q in the area, for the area's layout. */
void *vu_inflight_region(const struct vu_queue *q)
{
	const struct vu_inflight_area *a = &q->dev->infl;

	return (u8 *)a->map + vu_inflight_queue_region_size(a->queue_size, a->packed) * q->idx;
}

/*
 * Recover a split region a previous back-end left (vhost-user "When
 * reconnecting"): undo the half-committed last batch, then list the heads
 * still in flight in the order they were fetched.
 */
static int split_recover(struct vu_queue *q, struct vu_queue_region_split *r, u16 used_idx)
{
	u16 batch = (u16)(used_idx - READ_ONCE(r->used_idx));
	u16 head = READ_ONCE(r->last_batch_head);
	struct vu_infl_order *o;
	unsigned n = 0;
	u64 max = 0;

	/* PEER: the batch list is walked at most `num` steps, every index checked. */
	for (u16 i = 0; i < batch && i < q->num; i++) {
		if (head >= q->num)
			break;
		WRITE_ONCE(r->desc[head].inflight, 0);
		head = READ_ONCE(r->desc[head].next);
	}
	WRITE_ONCE(r->used_idx, used_idx);

	o = calloc(q->num, sizeof(*o));
	if (!o)
		return -ENOMEM;
	for (u16 i = 0; i < q->num; i++) {
		u8 infl = READ_ONCE(r->desc[i].inflight);
		u64 c = READ_ONCE(r->desc[i].counter);

		if (infl > 1) {
			free(o);
			return vu_violation(q->dev, "%s: inflight region entry %u has inflight=%u",
					    q->name, i, infl);
		}
		if (c > max)
			max = c;
		if (infl)
			o[n++] = (struct vu_infl_order){ .counter = c, .entry = i };
	}
	q->infl_counter = max + 1;
	if (n) {
		q->resubmit = calloc(n, sizeof(*q->resubmit));
		if (!q->resubmit) {
			free(o);
			return -ENOMEM;
		}
		vu_inflight_sort(o, n);
		for (unsigned i = 0; i < n; i++)
			q->resubmit[i] = o[i].entry;
		q->nr_resubmit = n;
		pr_info("%s: %u request(s) in flight before a restart are handed out again",
			q->name, n);
	}
	free(o);
	return 0;
}

static int split_start(struct vu_queue *q, struct vu_queue_region_split *r)
{
	u64 size = vu_inflight_queue_region_size(q->dev->infl.queue_size, false);
	u16 used_idx = le16_to_cpu(READ_ONCE(q->vq.used->idx)), version = READ_ONCE(r->version);
	int ret;

	if (version > VU_INFLIGHT_VERSION)
		return vu_violation(q->dev, "%s: inflight region version %u unknown", q->name,
				    version);
	if (version != VU_INFLIGHT_VERSION || READ_ONCE(r->desc_num) != q->num) {
		/* Fresh (zero) or for another ring: start clean. */
		memset(r, 0, size);
		r->desc_num = q->num;
		r->used_idx = used_idx;
		__atomic_store_n(&r->version, VU_INFLIGHT_VERSION, __ATOMIC_RELEASE);
		q->infl_counter = 1;
		q->infl = r;
		return 0;
	}
	ret = split_recover(q, r, used_idx);
	if (ret)
		return ret;
	q->infl = r;
	/*
	 * Every chain popped before the restart is either used or in flight,
	 * so the next one to take from the ring is used_idx + in flight —
	 * whatever base the front-end restored.
	 */
	return virtq_set_base(&q->vq, (u16)(used_idx + q->nr_resubmit));
}

int vu_inflight_queue_start(struct vu_queue *q)
{
	struct vu_inflight_area *a = &q->dev->infl;
	int ret;

	vu_inflight_queue_stop(q);
	if (!a->map || q->idx >= a->num_queues)
		return 0;
	if (a->packed != q->vq.cfg.packed) {
		dev_warn_rl(&q->rl, q->name, "inflight area laid out for %s rings: untracked",
			    a->packed ? "packed" : "split");
		return 0;
	}
	if (q->num > a->queue_size) {
		dev_warn_rl(&q->rl, q->name, "ring of %u larger than the inflight area's %u: untracked",
			    q->num, a->queue_size);
		return 0;
	}
	if (a->packed)
		ret = vu_inflight_packed_start(q, vu_inflight_region(q));
	else
		ret = split_start(q, vu_inflight_region(q));
	if (!ret && q->nr_resubmit && q->kick_fd >= 0) {
		u64 one = 1;

		/*
		 * The driver is waiting for these and may have nothing new to
		 * kick about: wake the device for them (libvhost-user does so
		 * too; a front-end's own kick after reconnecting is not
		 * guaranteed).
		 */
		if (write(q->kick_fd, &one, sizeof(one)) < 0) {
			/* EAGAIN: the counter is saturated, a kick is pending anyway. */
		}
	}
	return ret;
}

void vu_inflight_queue_stop(struct vu_queue *q)
{
	vu_inflight_packed_stop(q);
	q->infl = NULL;
	free(q->resubmit);
	q->resubmit = NULL;
	q->nr_resubmit = q->next_resubmit = 0;
}

int vu_inflight_resubmit(struct vu_queue *q, struct virtq_elem *e)
{
	int ret;

	if (q->vq.cfg.packed)
		return vu_inflight_packed_resubmit(q, e);
	ret = virtq_pop_head(&q->vq, q->resubmit[q->next_resubmit], e);
	if (ret == 1)
		q->next_resubmit++;
	return ret;
}

void vu_inflight_pop(struct vu_queue *q, const struct virtq_elem *e)
{
	struct vu_queue_region_split *r = q->infl;

	if (!r)
		return;
	if (q->vq.cfg.packed) {
		vu_inflight_packed_pop(q, e);
		return;
	}
	if (e->id >= q->num)
		return;
	r->desc[e->id].counter = q->infl_counter++;
	/* The counter must be in memory before the entry counts as in flight. */
	__atomic_store_n(&r->desc[e->id].inflight, 1, __ATOMIC_RELEASE);
}

/* A pop given back: the head is the driver's again, not in flight. */
void vu_inflight_unpop(struct vu_queue *q, const struct virtq_elem *e)
{
	struct vu_queue_region_split *r = q->infl;

	if (!r)
		return;
	if (q->vq.cfg.packed) {
		vu_inflight_packed_unpop(q, e);
		return;
	}
	if (e->id >= q->num)
		return;
	__atomic_store_n(&r->desc[e->id].inflight, 0, __ATOMIC_RELEASE);
	if (q->infl_counter > 1)
		q->infl_counter--;
}

void vu_inflight_push(struct vu_queue *q, const struct virtq_elem *e)
{
	struct vu_queue_region_split *r = q->infl;

	if (!r)
		return;
	if (q->vq.cfg.packed) {
		vu_inflight_packed_push(q, e);
		return;
	}
	if (e->id >= q->num)
		return;
	r->desc[e->id].next = r->last_batch_head;
	r->last_batch_head = e->id;
}

void vu_inflight_flushing(struct vu_queue *q)
{
	/* Split: the batch list is built by push; the used idx in the ring is the commit. */
	if (q->infl && q->vq.cfg.packed)
		vu_inflight_packed_flushing(q);
}

void vu_inflight_flushed(struct vu_queue *q)
{
	struct vu_queue_region_split *r = q->infl;
	u16 head, used_idx;

	if (!r)
		return;
	if (q->vq.cfg.packed) {
		vu_inflight_packed_flushed(q);
		return;
	}
	/* The used idx is published: clear the batch, then record the idx it reached. */
	used_idx = le16_to_cpu(READ_ONCE(q->vq.used->idx));
	head = r->last_batch_head;
	for (u16 i = (u16)(used_idx - r->used_idx); i && head < q->num; i--) {
		__atomic_store_n(&r->desc[head].inflight, 0, __ATOMIC_RELEASE);
		head = r->desc[head].next;
	}
	__atomic_store_n(&r->used_idx, used_idx, __ATOMIC_RELEASE);
}
