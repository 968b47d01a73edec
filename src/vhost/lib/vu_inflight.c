// SPDX-License-Identifier: GPL-2.0-only
/*
 * Inflight I/O tracking (vhost-user "Inflight I/O tracking", split rings):
 * the back-end keeps, in memory the front-end holds on to, which heads it
 * popped and has not completed, in what order, and the last batch it
 * completed. A back-end that crashed or restarted gets the area back with
 * SET_INFLIGHT_FD and resubmits the requests that were in flight, oldest
 * first, before taking new ones from the ring.
 *
 * The area is ours to lay out: queue i's region starts at i times
 * vu_inflight_queue_region_size(queue_size). Every value read from it is
 * checked, since the front-end (or a crashed back-end) may have scribbled.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/virtio_ring.h>

#include "vu_priv.h"

#define VU_INFLIGHT_VERSION 1

u64 vu_inflight_queue_region_size(u16 queue_size)
{
	return ALIGN_UP(sizeof(struct vu_queue_region_split) +
				(u64)queue_size * sizeof(struct vu_desc_state_split),
			64ull);
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
			     int fd)
{
	vu_queues_lock_all(dev);
	vu_inflight_destroy(&dev->infl);
	dev->infl.map = map;
	dev->infl.map_len = map_len;
	dev->infl.size = in->mmap_size;
	dev->infl.num_queues = in->num_queues;
	dev->infl.queue_size = in->queue_size;
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
	size = vu_inflight_queue_region_size(in->queue_size) * in->num_queues;
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
	inflight_install(dev, p, size, in, fd);
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
	struct stat st;
	u64 want;
	void *p;
	int ret;

	ret = inflight_check(dev, in);
	if (ret)
		return ret;
	want = vu_inflight_queue_region_size(in->queue_size) * in->num_queues;
	if (in->mmap_size != want)
		return vu_violation(dev, "SET_INFLIGHT_FD size 0x%llx, the layout needs 0x%llx",
				    (unsigned long long)in->mmap_size, (unsigned long long)want);
	if (!range_ok(in->mmap_offset, in->mmap_size) || fstat(*fd, &st) < 0 ||
	    !S_ISREG(st.st_mode) || (u64)st.st_size < in->mmap_offset + in->mmap_size)
		return vu_violation(dev, "SET_INFLIGHT_FD area beyond its fd");
	if (in->mmap_offset % (u64)sysconf(_SC_PAGESIZE))
		return vu_violation(dev, "SET_INFLIGHT_FD offset not page aligned");
	p = mmap(NULL, in->mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED, *fd,
		 (off_t)in->mmap_offset);
	if (p == MAP_FAILED)
		return -errno;
	inflight_install(dev, p, in->mmap_size, in, *fd);
	*fd = -1;
	return 0;
}

static int cmp_counter(const void *a, const void *b, void *arg)
{
	const struct vu_desc_state_split *d = arg;
	u64 ca = d[*(const u16 *)a].counter, cb = d[*(const u16 *)b].counter;

	return ca < cb ? -1 : ca > cb;
}

/*
 * Recover a region a previous back-end left (vhost-user "When reconnecting"):
 * undo the half-committed last batch, then list the heads still in flight in
 * the order they were fetched.
 */
static int inflight_recover(struct vu_queue *q, struct vu_queue_region_split *r, u16 used_idx)
{
	u16 batch = (u16)(used_idx - READ_ONCE(r->used_idx));
	u16 head = READ_ONCE(r->last_batch_head);
	unsigned n = 0;
	u64 max = 0;

	/* GUEST: the batch list is walked at most `num` steps, every index checked. */
	for (u16 i = 0; i < batch && i < q->num; i++) {
		if (head >= q->num)
			break;
		r->desc[head].inflight = 0;
		head = READ_ONCE(r->desc[head].next);
	}
	r->used_idx = used_idx;

	free(q->resubmit);
	q->resubmit = NULL;
	q->nr_resubmit = q->next_resubmit = 0;
	for (u16 i = 0; i < q->num; i++) {
		if (READ_ONCE(r->desc[i].inflight) == 1)
			n++;
		if (r->desc[i].counter > max)
			max = r->desc[i].counter;
	}
	q->infl_counter = max + 1;
	if (!n)
		return 0;
	q->resubmit = calloc(n, sizeof(*q->resubmit));
	if (!q->resubmit)
		return -ENOMEM;
	for (u16 i = 0; i < q->num; i++)
		if (READ_ONCE(r->desc[i].inflight) == 1)
			q->resubmit[q->nr_resubmit++] = i;
	qsort_r(q->resubmit, q->nr_resubmit, sizeof(u16), cmp_counter, r->desc);
	pr_info("%s: %u request(s) in flight before a restart are handed out again", q->name,
		q->nr_resubmit);
	return 0;
}

/* Heads still in flight after recovery (they count as popped). */
static unsigned inflight_count(const struct vu_queue *q)
{
	return q->nr_resubmit;
}

int vu_inflight_queue_start(struct vu_queue *q)
{
	struct vu_inflight_area *a = &q->dev->infl;
	struct vu_queue_region_split *r;
	u16 used_idx;

	q->infl = NULL;
	if (!a->map || q->idx >= a->num_queues || q->vq.cfg.packed)
		return 0;
	if (q->num > a->queue_size) {
		dev_warn_rl(&q->rl, q->name, "ring of %u larger than the inflight area's %u: untracked",
			    q->num, a->queue_size);
		return 0;
	}
	r = (void *)((u8 *)a->map + vu_inflight_queue_region_size(a->queue_size) * q->idx);
	used_idx = le16_to_cpu(READ_ONCE(q->vq.used->idx));
	if (READ_ONCE(r->version) != VU_INFLIGHT_VERSION || READ_ONCE(r->desc_num) != q->num) {
		/* Fresh (zero) or for another ring: start clean. */
		memset(r, 0, vu_inflight_queue_region_size(a->queue_size));
		r->version = VU_INFLIGHT_VERSION;
		r->desc_num = q->num;
		r->used_idx = used_idx;
		q->infl_counter = 1;
		q->infl = r;
		return 0;
	}
	q->infl = r;
	if (inflight_recover(q, r, used_idx))
		return -ENOMEM;
	/*
	 * Every chain popped before the restart is either used or in flight,
	 * so the next one to take from the ring is used_idx + in flight —
	 * whatever base the front-end restored.
	 */
	return virtq_set_base(&q->vq, (u16)(used_idx + inflight_count(q)));
}

void vu_inflight_queue_stop(struct vu_queue *q)
{
	q->infl = NULL;
	free(q->resubmit);
	q->resubmit = NULL;
	q->nr_resubmit = q->next_resubmit = 0;
}

void vu_inflight_pop(struct vu_queue *q, u16 head)
{
	struct vu_queue_region_split *r = q->infl;

	if (!r || head >= q->num)
		return;
	r->desc[head].counter = q->infl_counter++;
	/* The counter must be in memory before the entry counts as in flight. */
	__atomic_store_n(&r->desc[head].inflight, 1, __ATOMIC_RELEASE);
}

/* A pop given back: the head is the driver's again, not in flight. */
void vu_inflight_unpop(struct vu_queue *q, u16 head)
{
	struct vu_queue_region_split *r = q->infl;

	if (!r || head >= q->num)
		return;
	__atomic_store_n(&r->desc[head].inflight, 0, __ATOMIC_RELEASE);
	if (q->infl_counter > 1)
		q->infl_counter--;
}

void vu_inflight_push(struct vu_queue *q, u16 head)
{
	struct vu_queue_region_split *r = q->infl;

	if (!r || head >= q->num)
		return;
	r->desc[head].next = r->last_batch_head;
	r->last_batch_head = head;
}

void vu_inflight_flushed(struct vu_queue *q)
{
	struct vu_queue_region_split *r = q->infl;
	u16 head, used_idx;

	if (!r)
		return;
	/* The used idx is published: clear the batch, then record the idx it reached. */
	used_idx = le16_to_cpu(READ_ONCE(q->vq.used->idx));
	head = r->last_batch_head;
	for (u16 i = (u16)(used_idx - r->used_idx); i && head < q->num; i--) {
		__atomic_store_n(&r->desc[head].inflight, 0, __ATOMIC_RELEASE);
		head = r->desc[head].next;
	}
	__atomic_store_n(&r->used_idx, used_idx, __ATOMIC_RELEASE);
}
