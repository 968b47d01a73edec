// SPDX-License-Identifier: GPL-2.0-only
/*
 * virtio-blk (virtio 1.2 §5.2) on a raw image: one I/O thread per queue, each
 * with its own io_uring; by default one queue per vCPU (VIRTIO_BLK_F_MQ).
 *
 * A queue's thread wakes on the kick eventfd (bound to the transport's
 * ioeventfd) or on its io_uring's completion eventfd. A kick drains the ring
 * with guest notifications off — pop, parse (blk_req.c), prepare — then one
 * io_uring submit for the whole batch, re-enables notifications and looks
 * again, so a buffer made available meanwhile is never missed (§2.7.10).
 * Completions are reaped in batches: push each, one flush and at most one
 * interrupt per batch (EVENT_IDX decides, §2.7.7.2). When io_uring is full
 * the popped request waits in `stalled` with notifications left off; the next
 * completion resumes the queue.
 *
 * A ring the driver broke (virtq_pop: -EIO) puts the device in NEEDS_RESET;
 * its threads stop processing until the driver resets it. Reset stops and
 * joins the threads and waits for every io_uring operation in flight before
 * it returns, so no completion writes guest memory after the driver took it
 * back.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>

#include "iovirt/blk_req.h"
#include "iovirt/config.h"
#include "iovirt/virtio.h"
#include "iovirt/vm.h"

#define BLK_MAX_QUEUES 64

struct virtio_blk;

struct blk_queue {
	struct virtio_blk *blk;
	unsigned idx;
	struct virtq *vq;
	struct virtio_iothread thread;
	struct uring_q uq;
	struct blk_req_ctx ctx;
	struct blk_req *reqs;		/* pool: one per ring entry */
	struct blk_req **free;		/* stack of unused requests */
	unsigned nfree;
	struct blk_req *stalled;	/* popped, waiting for io_uring room */
	unsigned pushed;		/* pushed since the last flush */
	bool blocked;			/* popping stopped for a free request or io_uring room;
					 * notifications are off, the next completion resumes */
	bool started;
	bool stopping;			/* reset: completions are dropped, not pushed */
};

struct virtio_blk {
	struct virtio_dev vd;
	struct blk_file file;
	struct virtio_blk_config config;
	u32 blk_size;
	u64 poll_ns;
	bool sched_batch;		/* queue threads SCHED_BATCH (--disk ...,sched=batch) */
	char serial[VIRTIO_BLK_ID_BYTES + 1];
	unsigned nr_queues;
	struct blk_queue *queues;
};

/* Push what completed, then one interrupt if the driver wants one. */
static void blkq_flush(struct blk_queue *bq)
{
	if (!bq->pushed)
		return;
	bq->pushed = 0;
	virtq_flush(bq->vq);
	if (virtq_should_notify(bq->vq))
		virtio_dev_notify(&bq->blk->vd, bq->idx);
}

static void blkq_release(struct blk_queue *bq, struct blk_req *r)
{
	bq->free[bq->nfree++] = r;
}

static void blkq_finish(struct blk_queue *bq, struct blk_req *r)
{
	if (!bq->stopping && !virtio_dev_broken(&bq->blk->vd)) {
		virtq_push(bq->vq, &r->elem, blk_req_used_len(r));
		bq->pushed++;
	}
	blkq_release(bq, r);
}

static void blkq_submit(struct blk_queue *bq)
{
	int ret = uring_q_submit(&bq->uq);

	/* -EAGAIN/-EBUSY: the kernel is short of resources; the entries stay
	 * prepared and go with the next submit (the next completion or kick). */
	if (ret && ret != -EAGAIN && ret != -EBUSY)
		dev_warn_rl(&bq->ctx.rl, bq->blk->vd.name, "queue %u: io_uring submit: %s", bq->idx,
			    strerror(-ret));
}

/*
 * Pop and start requests until the ring is empty (returns true) or we must
 * wait for a completion (false: no request free, io_uring full, or broken).
 */
static bool blkq_pop_batch(struct blk_queue *bq)
{
	struct virtio_dev *vd = &bq->blk->vd;

	while (!virtio_dev_broken(vd)) {
		struct blk_req *r = bq->stalled;
		int ret;

		if (r) {
			bq->stalled = NULL;
		} else {
			if (!bq->nfree) {
				bq->blocked = true;
				return false;
			}
			r = bq->free[bq->nfree - 1];
			blk_req_init(r);
			ret = virtq_pop(bq->vq, &r->elem);
			if (ret == 0)
				return true;
			if (ret < 0) {
				char why[80];

				snprintf(why, sizeof(why), "queue %u: %s", bq->idx,
					 virtq_error_str(bq->vq->error));
				virtio_dev_set_needs_reset(vd, why);
				return false;
			}
			bq->nfree--;
		}
		ret = blk_req_start(&bq->ctx, r);
		if (ret == -EBUSY) {
			bq->stalled = r;
			bq->blocked = true;
			return false;
		}
		if (ret == BLK_REQ_DONE)
			blkq_finish(bq, r);
	}
	return false;
}

/* Drain the ring; with `rearm`, re-enable notifications and re-check at the end. */
static bool blkq_process(struct blk_queue *bq, bool rearm)
{
	bool found = false;

	if (virtio_dev_broken(&bq->blk->vd))
		return false;
	for (;;) {
		unsigned before = bq->nfree;
		bool empty;

		virtq_disable_notify(bq->vq);
		empty = blkq_pop_batch(bq);
		found |= bq->nfree != before || bq->stalled;
		if (!empty || !rearm)
			break; /* a completion resumes us; notifications stay off meanwhile */
		if (!virtq_enable_notify(bq->vq))
			break;
	}
	blkq_submit(bq);
	blkq_flush(bq);
	return found;
}

static void blkq_on_complete(void *opaque, void *tag, int res)
{
	struct blk_queue *bq = opaque;
	struct blk_req *r = tag;

	if (blk_req_complete(&bq->ctx, r, res))
		blkq_finish(bq, r);
}

/* Reap completions; true if there were any. */
static bool blkq_reap(struct blk_queue *bq)
{
	if (!uring_q_reap(&bq->uq, blkq_on_complete, bq))
		return false;
	blkq_submit(bq); /* write-through flushes queued by completions */
	blkq_flush(bq);
	/* Popping stopped with guest notifications off: only we can resume it. */
	if (bq->blocked) {
		bq->blocked = false;
		blkq_process(bq, true);
	}
	return true;
}

static void blkq_kick(void *opaque, u32 events)
{
	struct blk_queue *bq = opaque;

	virtio_eventfd_drain(bq->blk->vd.queues[bq->idx].kick_fd);
	/* When polling, the thread polls right after this and re-arms before it sleeps. */
	blkq_process(bq, !bq->thread.poll_fn);
}

static void blkq_uring(void *opaque, u32 events)
{
	struct blk_queue *bq = opaque;

	uring_q_ack(&bq->uq);
	blkq_reap(bq);
}

/* Adaptive polling (--disk ...,poll=USEC): look at the ring and the completions directly. */
static bool blkq_poll(void *opaque, bool sleeping)
{
	struct blk_queue *bq = opaque;
	bool work;

	if (sleeping) {
		if (virtio_dev_broken(&bq->blk->vd) || !virtq_enable_notify(bq->vq))
			return false;
		blkq_process(bq, true);
		return true;
	}
	work = blkq_process(bq, false);
	work |= blkq_reap(bq);
	return work;
}

/* Wait for every io_uring operation in flight, dropping the results (reset path). */
static void blkq_drain_uring(struct blk_queue *bq)
{
	struct pollfd p = { .fd = bq->uq.efd, .events = POLLIN };

	if (uring_q_submit(&bq->uq))
		bq->uq.queued = 0;
	while (bq->uq.inflight) {
		uring_q_reap(&bq->uq, blkq_on_complete, bq);
		if (bq->uq.inflight && poll(&p, 1, 100) > 0)
			uring_q_ack(&bq->uq);
	}
}

static void blkq_stop(struct blk_queue *bq)
{
	if (!bq->started)
		return;
	virtio_iothread_stop(&bq->thread);
	/* The driver is taking the rings back: completions are not pushed. */
	bq->stopping = true;
	blkq_drain_uring(bq);
	if (bq->stalled)
		blk_req_abandon(bq->stalled);
	bq->stalled = NULL;
	uring_q_destroy(&bq->uq);
	free(bq->reqs);
	free(bq->free);
	bq->reqs = NULL;
	bq->free = NULL;
	bq->started = false;
}

static int blkq_start(struct virtio_blk *blk, unsigned idx)
{
	struct blk_queue *bq = &blk->queues[idx];
	struct virtio_queue *q = &blk->vd.queues[idx];
	unsigned n = q->size;
	char name[48];
	int ret;

	memset(bq, 0, sizeof(*bq));
	bq->blk = blk;
	bq->idx = idx;
	bq->vq = &q->vq;
	bq->reqs = calloc(n, sizeof(*bq->reqs));
	bq->free = calloc(n, sizeof(*bq->free));
	if (!bq->reqs || !bq->free) {
		ret = -ENOMEM;
		goto err_free;
	}
	for (unsigned i = 0; i < n; i++) {
		blk_req_init(&bq->reqs[i]);
		bq->reqs[i].owner = bq;
		bq->free[i] = &bq->reqs[i];
	}
	bq->nfree = n;
	/* Depth: every ring entry in flight, with room for multi-segment discards. */
	ret = uring_q_init(&bq->uq, MAX(n, (unsigned)BLK_REQ_DWZ_SEG_MAX * 2));
	if (ret)
		goto err_free;
	blk_req_ctx_init(&bq->ctx, &blk->file, &bq->uq, blk->vd.name, blk->serial,
			 blk->blk_size);
	bq->ctx.features = blk->vd.features;
	snprintf(name, sizeof(name), "%s-q%u", blk->vd.name, idx);
	ret = virtio_iothread_init(&bq->thread, name);
	if (ret)
		goto err_uring;
	ret = evloop_add(&bq->thread.loop, q->kick_fd, EPOLLIN, blkq_kick, bq);
	if (!ret)
		ret = evloop_add(&bq->thread.loop, bq->uq.efd, EPOLLIN, blkq_uring, bq);
	if (ret)
		goto err_thread;
	bq->thread.sched_batch = blk->sched_batch;
	if (blk->poll_ns) {
		bq->thread.poll_ns = blk->poll_ns;
		bq->thread.poll_fn = blkq_poll;
		bq->thread.poll_opaque = bq;
	}
	ret = virtio_iothread_start(&bq->thread);
	if (ret)
		goto err_thread;
	/* Kicks that came before the thread are still counted in the eventfd. */
	bq->started = true;
	return 0;

err_thread:
	virtio_iothread_stop(&bq->thread);
err_uring:
	uring_q_destroy(&bq->uq);
err_free:
	free(bq->reqs);
	free(bq->free);
	bq->reqs = NULL;
	bq->free = NULL;
	return ret;
}

static void blk_reset(struct virtio_dev *vd)
{
	struct virtio_blk *blk = vd->opaque;

	for (unsigned i = 0; i < blk->nr_queues; i++)
		blkq_stop(&blk->queues[i]);
}

static int blk_activate(struct virtio_dev *vd)
{
	struct virtio_blk *blk = vd->opaque;
	int ret;

	for (unsigned i = 0; i < blk->nr_queues; i++) {
		/* Without VIRTIO_BLK_F_MQ the driver sets up queue 0 only. */
		if (!vd->queues[i].live)
			continue;
		ret = blkq_start(blk, i);
		if (ret) {
			blk_reset(vd);
			return ret;
		}
	}
	return 0;
}

static void blk_config_read(struct virtio_dev *vd, u32 off, void *data, unsigned len)
{
	struct virtio_blk *blk = vd->opaque;

	memcpy(data, (const u8 *)&blk->config + off, len);
}

static const struct virtio_dev_ops blk_ops = {
	.type = "virtio-blk",
	.device_id = VIRTIO_ID_BLOCK,
	.config_read = blk_config_read,
	/* writeback (wce) is writable only with VIRTIO_BLK_F_CONFIG_WCE, not offered */
	.activate = blk_activate,
	.reset = blk_reset,
};

static void blk_destroy(void *opaque)
{
	struct virtio_blk *blk = opaque;

	virtio_dev_destroy(&blk->vd);
	blk_file_close(&blk->file);
	free(blk->queues);
	free(blk);
}

static const struct vm_device_ops blk_vm_ops = {
	.name = "virtio-blk",
	.destroy = blk_destroy,
};

int virtio_blk_create(struct vm *vm, const struct disk_config *dc, unsigned index)
{
	unsigned nq = dc->queues ? dc->queues : vm->cfg->ncpus;
	struct virtio_blk *blk;
	char name[32];
	u64 features;
	int ret;

	snprintf(name, sizeof(name), "virtio-blk%u", index);
	if (!dc->path) {
		pr_err("%s: no image path", name);
		return -EINVAL;
	}
	if (!nq)
		nq = 1;
	if (nq > BLK_MAX_QUEUES) {
		pr_err("%s: %u queues asked, at most %u", name, nq, BLK_MAX_QUEUES);
		return -EINVAL;
	}
	blk = calloc(1, sizeof(*blk));
	if (!blk)
		return -ENOMEM;
	blk->queues = calloc(nq, sizeof(*blk->queues));
	if (!blk->queues) {
		free(blk);
		return -ENOMEM;
	}
	blk->nr_queues = nq;
	blk->poll_ns = (u64)dc->poll_us * 1000;
	blk->sched_batch = dc->sched_batch;
	if (dc->serial)
		snprintf(blk->serial, sizeof(blk->serial), "%s", dc->serial);
	ret = blk_file_open(&blk->file, dc->path, dc->readonly, dc->cache == DISK_CACHE_NONE);
	if (ret)
		goto err_free; /* blk_file_open said why */
	blk_req_probe_align(&blk->file);
	/* O_DIRECT on a 4 KiB-sector device: the guest must see 4 KiB logical blocks. */
	blk->blk_size = MAX(512u, blk->file.align);
	blk_req_fill_config(&blk->config, &blk->file, blk->blk_size, (u16)nq, VIRTIO_QUEUE_SIZE);

	features = blk_req_features(&blk->file, nq > 1);
	if (dc->packed)
		features |= BIT64(VIRTIO_F_RING_PACKED);
	ret = virtio_dev_init(&blk->vd, &blk_ops, blk, name, nq, VIRTIO_QUEUE_SIZE, features,
			      offsetof(struct virtio_blk_config, max_secure_erase_sectors));
	if (ret)
		goto err_close;
	/* Registered before its transport, so the transport is torn down first. */
	ret = vm_add_device(vm, &blk_vm_ops, blk);
	if (ret) {
		virtio_dev_destroy(&blk->vd);
		goto err_close;
	}
	if (dc->transport == TRANSPORT_MMIO)
		return virtio_mmio_create(vm, &blk->vd);
	return virtio_pci_create(vm, &blk->vd);

err_close:
	blk_file_close(&blk->file);
err_free:
	free(blk->queues);
	free(blk);
	return ret;
}
