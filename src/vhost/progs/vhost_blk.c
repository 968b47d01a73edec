// SPDX-License-Identifier: GPL-2.0-only
/*
 * iovirt-vhost-blk: a virtio-blk device (virtio 1.2 §5.2) served over
 * vhost-user to QEMU, DPDK, user-mode Linux or any other front-end, on a raw
 * image through io_uring. The requests are those of the in-VMM virtio-blk —
 * the same library parses and runs them (src/virtio/blk_req.c) — and the
 * configuration space goes out through GET_CONFIG.
 *
 * Threads: the main thread runs the control loop (prog.c: the socket, every
 * vhost-user message). Each queue the front-end starts gets a thread of its
 * own with its own io_uring: in event mode it sleeps in epoll on the queue's
 * kick eventfd and the io_uring completion eventfd; with --poll it spins on
 * the ring and the completion queue while there is work, and for a short
 * while after (see blkq_poll_thread). A kick drains the ring with the
 * driver's kicks off (pop, parse, prepare), submits the batch in one system
 * call, and turns kicks back on, looking once more (§2.7.10). Completions
 * are pushed in batches: one used-index publish and at most one interrupt
 * per batch. When every request slot or the io_uring is busy, the ring is
 * left alone (kicks stay off) until a completion frees one.
 *
 * Inflight tracking (vhost-user INFLIGHT_SHMFD, split rings): the library
 * records each popped head in memory the front-end keeps, so a back-end
 * killed with SIGKILL and started again hands out the requests that were in
 * flight before any new one, and nothing is lost or done twice.
 *
 * When a queue stops (GET_VRING_BASE, reset, disconnect) its thread is
 * joined and every request it had in flight is finished and pushed before
 * the front-end gets the ring back.
 */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <linux/virtio_config.h>
#include <linux/virtio_ring.h>

#include "iovirt/blk_req.h"
#include "iovirt/evloop.h"
#include "prog.h"

#define PROG "iovirt-vhost-blk"
#define VHOST_BLK_MAX_QUEUES 16
#define VHOST_BLK_QUEUE_SIZE 1024	/* largest ring accepted */
/*
 * seg_max is read before any ring exists: assume the smallest ring front-ends
 * use (QEMU's vhost-user-blk default, 128), since a driver sizes indirect
 * tables by seg_max and a table longer than the ring breaks it (§2.7.5.3.1).
 */
#define VHOST_BLK_SEG_QUEUE 128
#define VHOST_BLK_REQS 256		/* requests in flight per queue */
#define VHOST_BLK_CONFIG_MAX 256	/* bytes of config space answered (zero past ours) */
/* Poll mode: spin this long with nothing to do before sleeping (QEMU's poll-max-ns is 32 µs). */
#define VHOST_BLK_POLL_IDLE_NS 50000ull

struct vhost_blk;

struct blk_queue {
	struct vhost_blk *blk;
	struct vu_queue *q;
	unsigned idx;
	struct uring_q uq;
	struct blk_req_ctx ctx;
	struct blk_req *reqs;		/* pool of VHOST_BLK_REQS */
	struct blk_req **free;		/* stack of unused requests */
	unsigned nfree;
	struct blk_req *stalled;	/* popped, waiting for io_uring room */
	struct evloop loop;		/* event mode */
	pthread_t thread;
	atomic_bool stop;		/* poll mode: leave the loop */
	int wake_fd;			/* poll mode: eventfd that ends a sleep (stop) */
	u64 work;			/* requests popped + completed (poll mode: any work?) */
	u64 sleeps;			/* poll mode: times the thread went to sleep */
	bool running;
	char name[48];
};

struct vhost_blk {
	struct blk_file file;
	u32 blk_size;
	unsigned nr_queues;
	bool poll;
	char serial[VIRTIO_BLK_ID_BYTES + 1];
	u8 config[VHOST_BLK_CONFIG_MAX];	/* struct virtio_blk_config, zero-padded */
	struct vu_dev_ops ops;
	/* Per queue; touched by the control thread only while the queue's thread is stopped. */
	struct blk_queue queues[VHOST_BLK_MAX_QUEUES];
};

static struct blk_queue *blkq_of(struct vu_dev *dev, struct vu_queue *q)
{
	struct vhost_blk *blk = vu_dev_opaque(dev);

	return &blk->queues[vu_queue_index(q)];
}

/* ---- Data path (the queue's thread; q locked) ---- */

static void blkq_finish(struct blk_queue *bq, struct blk_req *r)
{
	vu_queue_push(bq->q, &r->elem, blk_req_used_len(r));
	bq->free[bq->nfree++] = r;
}

static void blkq_submit(struct blk_queue *bq)
{
	int ret = uring_q_submit(&bq->uq);

	/* -EAGAIN/-EBUSY: the kernel is short of resources; the next completion retries. */
	if (ret && ret != -EAGAIN && ret != -EBUSY)
		dev_warn_rl(&bq->ctx.rl, bq->name, "io_uring submit: %s", strerror(-ret));
}

/*
 * Pop and start requests until the ring is empty (true) or we must wait for
 * a completion (false: no request free, io_uring full, or the ring broken).
 */
static bool blkq_pop_batch(struct blk_queue *bq)
{
	for (;;) {
		struct blk_req *r = bq->stalled;
		int ret;

		if (r) {
			bq->stalled = NULL;
		} else {
			if (!bq->nfree)
				return false;
			r = bq->free[bq->nfree - 1];
			blk_req_init(r);
			ret = vu_queue_pop(bq->q, &r->elem);
			if (ret <= 0)
				return ret == 0; /* -EIO: the library told the front-end */
			bq->nfree--;
			bq->work++;
		}
		ret = blk_req_start(&bq->ctx, r);
		if (ret == -EBUSY) {
			bq->stalled = r;
			return false;
		}
		if (ret == BLK_REQ_DONE)
			blkq_finish(bq, r);
	}
}

/* Drain the ring with kicks off; kicks back on only once it is empty. */
static void blkq_process(struct blk_queue *bq)
{
	for (;;) {
		vu_queue_disable_notify(bq->q);
		if (!blkq_pop_batch(bq))
			break; /* a completion resumes us; kicks stay off meanwhile */
		if (!vu_queue_enable_notify(bq->q))
			break;
	}
	blkq_submit(bq);
}

static void blkq_on_complete(void *opaque, void *tag, int res)
{
	struct blk_queue *bq = opaque;
	struct blk_req *r = tag;

	bq->work++;
	if (blk_req_complete(&bq->ctx, r, res))
		blkq_finish(bq, r);
}

/* Reap completions and push them; resume the ring if it waited for room. q locked. */
static bool blkq_reap(struct blk_queue *bq)
{
	bool waited = bq->stalled || !bq->nfree;

	if (!uring_q_reap(&bq->uq, blkq_on_complete, bq))
		return false;
	if (waited)
		blkq_process(bq);
	else
		blkq_submit(bq); /* write-through flushes queued by completions */
	return true;
}

/* vu_dev_ops.handle_queue: a kick (or buffers seen by the poller). */
static void blk_handle_queue(struct vu_dev *dev, struct vu_queue *q)
{
	struct blk_queue *bq = blkq_of(dev, q);

	blkq_process(bq);
	/*
	 * Reads of cached data complete inside the submit call: push them
	 * now, in the same publish, rather than after another trip through
	 * epoll for the completion eventfd.
	 */
	while (blkq_reap(bq))
		;
}

static void blkq_kick(void *opaque, u32 events)
{
	struct blk_queue *bq = opaque;

	/* Drains the kick eventfd, then blk_handle_queue with q locked; publishes on return. */
	if (vu_queue_process(bq->q) == -EIO)
		dev_warn_rl(&bq->ctx.rl, bq->name, "ring broken: waiting for the front-end to reset it");
}

static void blkq_uring(void *opaque, u32 events)
{
	struct blk_queue *bq = opaque;

	uring_q_ack(&bq->uq);
	vu_queue_lock(bq->q);
	blkq_reap(bq);
	vu_queue_unlock(bq->q); /* one publish and at most one interrupt for the batch */
}

static u64 blkq_clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (u64)ts.tv_sec * 1000000000ull + (u64)ts.tv_nsec;
}

/* One look at the ring and the completions; true if it found anything to do. */
static bool blkq_poll_once(struct blk_queue *bq)
{
	u64 before = bq->work;

	vu_queue_process(bq->q);
	if (bq->uq.inflight || bq->uq.queued) {
		vu_queue_lock(bq->q);
		blkq_reap(bq);
		vu_queue_unlock(bq->q);
	}
	return bq->work != before;
}

/*
 * Sleep as event mode does: the driver's kicks on, then wait on the kick
 * fd, the completion eventfd and our wake fd. No wakeup can be missed:
 * turning kicks on looks at the ring once more and signals the kick fd when
 * buffers came meanwhile (vu_queue_set_poll, virtio 1.2 §2.7.10), and the
 * completion eventfd is cleared before the last look at the completion
 * queue, so a completion after that look makes it readable again.
 */
static void blkq_poll_sleep(struct blk_queue *bq)
{
	int kick = vu_queue_kick_fd(bq->q);
	struct pollfd p[3] = {
		{ .fd = bq->wake_fd, .events = POLLIN },
		{ .fd = bq->uq.efd, .events = POLLIN },
		{ .fd = kick, .events = POLLIN },
	};
	u64 v;

	/* A front-end that asked not to kick (no kick fd) is never waited for. */
	if (kick < 0)
		return;
	uring_q_ack(&bq->uq);
	vu_queue_set_poll(bq->q, false);
	if (!blkq_poll_once(bq)) {
		bq->sleeps++;
		if (poll(p, ARRAY_SIZE(p), -1) < 0 && errno != EINTR)
			dev_warn_rl(&bq->ctx.rl, bq->name, "poll: %s", strerror(errno));
	}
	vu_queue_set_poll(bq->q, true);
	/* Nonblocking (the library made it so): a kick we did not sleep through is consumed. */
	if (read(kick, &v, sizeof(v)) < 0) {
		/* EAGAIN: no kick came. */
	}
}

/*
 * Poll mode. The thread spins on the ring and the completion queue — no
 * kick, no eventfd, no system call but io_uring's submit — as long as work
 * comes, and for VHOST_BLK_POLL_IDLE_NS after the last of it; then it
 * sleeps until a kick or a completion (blkq_poll_sleep).
 *
 * With requests in flight and nothing else to do it sleeps at once: a
 * request that did not complete inside the submit is being done by an
 * io_uring worker thread (buffered writes, flushes, discards: every one of
 * them, measured) or a device, and the worker runs on the CPU this thread
 * would spin on — a back-end pinned to one core shares it with its own
 * workers. Spinning there took the worker's time: 4 KiB random writes at
 * queue depth 32 ran at two thirds of event mode's rate. Sleeping on the
 * completion eventfd gives the worker the CPU, as event mode does.
 */
static void *blkq_poll_thread(void *opaque)
{
	struct blk_queue *bq = opaque;
	u64 now, idle_since = 0;
	bool busy = true;

	while (!atomic_load_explicit(&bq->stop, memory_order_relaxed)) {
		if (blkq_poll_once(bq)) {
			busy = true;
			continue;
		}
		/* Idle turns only read the clock (vDSO): when did the idleness start? */
		now = blkq_clock_ns(CLOCK_MONOTONIC);
		if (busy) {
			idle_since = now;
			busy = false;
		}
		if (bq->uq.inflight || now - idle_since >= VHOST_BLK_POLL_IDLE_NS) {
			blkq_poll_sleep(bq);
			busy = true;
		}
	}
	return NULL;
}

/* ---- Queue start/stop (control thread) ---- */

static void blkq_free(struct blk_queue *bq)
{
	uring_q_destroy(&bq->uq);
	free(bq->reqs);
	free(bq->free);
	bq->reqs = NULL;
	bq->free = NULL;
}

static int blkq_alloc(struct blk_queue *bq, struct vu_dev *dev)
{
	struct vhost_blk *blk = bq->blk;
	int ret;

	bq->reqs = calloc(VHOST_BLK_REQS, sizeof(*bq->reqs));
	bq->free = calloc(VHOST_BLK_REQS, sizeof(*bq->free));
	if (!bq->reqs || !bq->free) {
		ret = -ENOMEM;
		goto err;
	}
	for (unsigned i = 0; i < VHOST_BLK_REQS; i++) {
		blk_req_init(&bq->reqs[i]);
		bq->reqs[i].owner = bq;
		bq->free[i] = &bq->reqs[i];
	}
	bq->nfree = VHOST_BLK_REQS;
	bq->stalled = NULL;
	/* Every request in flight, plus room for multi-segment discards. */
	ret = uring_q_init(&bq->uq, VHOST_BLK_REQS + 2 * BLK_REQ_DWZ_SEG_MAX);
	if (ret)
		goto err;
	blk_req_ctx_init(&bq->ctx, &blk->file, &bq->uq, bq->name, blk->serial, blk->blk_size);
	bq->ctx.features = vu_dev_features(dev);
	return 0;
err:
	blkq_free(bq);
	return ret;
}

static void blk_queue_start(struct vu_dev *dev, struct vu_queue *q)
{
	struct blk_queue *bq = blkq_of(dev, q);
	struct vhost_blk *blk = bq->blk;
	int ret;

	bq->q = q;
	snprintf(bq->name, sizeof(bq->name), "vhost-blk q%u", bq->idx);
	ret = blkq_alloc(bq, dev);
	if (ret)
		goto err;
	if (blk->poll) {
		bq->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (bq->wake_fd < 0) {
			ret = -errno;
			goto err_free;
		}
		vu_queue_set_poll(q, true);
		atomic_store(&bq->stop, false);
		ret = -pthread_create(&bq->thread, NULL, blkq_poll_thread, bq);
		if (ret) {
			close(bq->wake_fd);
			goto err_free;
		}
	} else {
		ret = evloop_init(&bq->loop, bq->name);
		if (ret)
			goto err_free;
		ret = evloop_add(&bq->loop, vu_queue_kick_fd(q), EPOLLIN, blkq_kick, bq);
		if (!ret)
			ret = evloop_add(&bq->loop, bq->uq.efd, EPOLLIN, blkq_uring, bq);
		if (!ret)
			ret = evloop_start_thread(&bq->loop, &bq->thread);
		if (ret) {
			evloop_destroy(&bq->loop);
			goto err_free;
		}
	}
	bq->running = true;
	pr_info("%s: started (%s mode)", bq->name, blk->poll ? "poll" : "event");
	return;

err_free:
	blkq_free(bq);
err:
	/* The front-end sees a queue that never completes anything; say why here. */
	pr_err("%s: cannot start: %s", bq->name, strerror(-ret));
}

/*
 * Finish everything in flight: wait for io_uring, push each completion, and
 * run a request that waited for room. The thread is joined, so q is ours
 * (under its lock, as the library asks).
 */
static void blkq_drain(struct blk_queue *bq)
{
	struct pollfd p = { .fd = bq->uq.efd, .events = POLLIN };

	vu_queue_lock(bq->q);
	for (;;) {
		if (bq->stalled) {
			struct blk_req *r = bq->stalled;

			bq->stalled = NULL;
			switch (blk_req_start(&bq->ctx, r)) {
			case -EBUSY:
				bq->stalled = r;
				break;
			case BLK_REQ_DONE:
				blkq_finish(bq, r);
				break;
			}
		}
		if (uring_q_submit(&bq->uq))
			break;
		if (!bq->uq.inflight && !bq->stalled)
			break;
		uring_q_reap(&bq->uq, blkq_on_complete, bq);
		if (bq->uq.inflight && poll(&p, 1, 100) > 0)
			uring_q_ack(&bq->uq);
	}
	vu_queue_unlock(bq->q);
	if (bq->uq.inflight)
		pr_err("%s: io_uring failed with requests in flight", bq->name);
}

static void blk_queue_stop(struct vu_dev *dev, struct vu_queue *q)
{
	struct blk_queue *bq = blkq_of(dev, q);

	if (!bq->running)
		return;
	if (bq->blk->poll) {
		u64 one = 1;

		atomic_store(&bq->stop, true);
		if (write(bq->wake_fd, &one, sizeof(one)) < 0)
			pr_warn("%s: cannot wake the poll thread: %s", bq->name, strerror(errno));
		pthread_join(bq->thread, NULL);
		close(bq->wake_fd);
		pr_info("%s: the poll thread slept %llu times", bq->name,
			(unsigned long long)bq->sleeps);
	} else {
		evloop_stop(&bq->loop);
		pthread_join(bq->thread, NULL);
		evloop_destroy(&bq->loop);
	}
	bq->running = false;
	blkq_drain(bq);
	pr_info("%s: stopped (%llu reads, %llu writes, %llu flushes, %llu errors)", bq->name,
		(unsigned long long)bq->ctx.stats.reads, (unsigned long long)bq->ctx.stats.writes,
		(unsigned long long)bq->ctx.stats.flushes,
		(unsigned long long)(bq->ctx.stats.ioerr + bq->ctx.stats.bad));
	blkq_free(bq);
}

/* ---- Device (control thread) ---- */

static int blk_get_config(struct vu_dev *dev, u32 offset, void *buf, u32 len)
{
	struct vhost_blk *blk = vu_dev_opaque(dev);

	/* PEER: offset and len come from GET_CONFIG; the sum cannot wrap in 64 bits. */
	if ((u64)offset + len > sizeof(blk->config))
		return -EINVAL;
	memcpy(buf, blk->config + offset, len);
	return 0;
}

static int blk_set_config(struct vu_dev *dev, u32 offset, const void *buf, u32 len, u32 flags)
{
	/* Nothing is writable: writeback (wce) would need VIRTIO_BLK_F_CONFIG_WCE. */
	return -EPERM;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: " PROG " --socket PATH --disk IMAGE [--queues N] [--readonly] [--client]\n"
		"       [--poll] [--direct] [--serial ID] [--verbose]\n"
		"  --socket PATH  vhost-user socket: listen on it (connect with --client)\n"
		"  --disk IMAGE   raw image file or block device\n"
		"  --queues N     request queues, 1..%u (default 1), one thread each\n"
		"  --readonly     refuse writes (VIRTIO_BLK_F_RO)\n"
		"  --client       connect to PATH (and reconnect) instead of listening\n"
		"  --poll         busy-poll the rings and completions instead of sleeping\n"
		"  --direct       open the image with O_DIRECT (cache=none)\n"
		"  --serial ID    GET_ID string (default: the image's file name)\n",
		VHOST_BLK_MAX_QUEUES);
}

static bool on_signal(void *opaque, int sig)
{
	return sig == SIGUSR1 || sig == SIGHUP;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "disk", required_argument, NULL, 'd' },
		{ "queues", required_argument, NULL, 'q' },
		{ "readonly", no_argument, NULL, 'r' },
		{ "client", no_argument, NULL, 'c' },
		{ "poll", no_argument, NULL, 'p' },
		{ "direct", no_argument, NULL, 'D' },
		{ "serial", required_argument, NULL, 'S' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	static struct vhost_blk blk;
	struct prog_endpoint ep = { 0 }, *eps[] = { &ep };
	const char *disk = NULL, *serial = NULL;
	bool readonly = false, direct = false;
	struct virtio_blk_config cfg;
	int c, sigfd, ret;

	blk.nr_queues = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			ep.path = optarg;
			break;
		case 'd':
			disk = optarg;
			break;
		case 'q':
			if (!prog_parse_uint(optarg, 1, VHOST_BLK_MAX_QUEUES, &blk.nr_queues)) {
				fprintf(stderr, PROG ": --queues '%s': expected 1..%u\n", optarg,
					VHOST_BLK_MAX_QUEUES);
				return 2;
			}
			break;
		case 'r':
			readonly = true;
			break;
		case 'c':
			ep.client = true;
			break;
		case 'p':
			blk.poll = true;
			break;
		case 'D':
			direct = true;
			break;
		case 'S':
			serial = optarg;
			break;
		case 'v':
			log_set_level(LOG_INFO);
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, PROG ": unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	if (!ep.path || !disk) {
		fprintf(stderr, PROG ": %s is required (see --help)\n", !ep.path ? "--socket" : "--disk");
		return 2;
	}
	if (blk_file_open(&blk.file, disk, readonly, direct))
		return 1; /* blk_file_open said why, in one line */
	if (blk.file.size == 0) {
		fprintf(stderr, PROG ": disk image '%s' is empty\n", disk);
		return 1;
	}
	blk_req_probe_align(&blk.file);
	/* O_DIRECT on a 4 KiB-sector device: the guest must see 4 KiB logical blocks. */
	blk.blk_size = MAX(512u, blk.file.align);
	if (!serial) {
		char *copy = strdup(disk);

		snprintf(blk.serial, sizeof(blk.serial), "%s", copy ? basename(copy) : "iovirt");
		free(copy);
	} else {
		snprintf(blk.serial, sizeof(blk.serial), "%s", serial);
	}
	blk_req_fill_config(&cfg, &blk.file, blk.blk_size, (u16)blk.nr_queues, VHOST_BLK_SEG_QUEUE);
	memcpy(blk.config, &cfg, MIN(sizeof(cfg), sizeof(blk.config)));
	for (unsigned i = 0; i < blk.nr_queues; i++) {
		blk.queues[i].blk = &blk;
		blk.queues[i].idx = i;
	}

	blk.ops = (struct vu_dev_ops){
		/*
		 * Not VIRTIO_F_ACCESS_PLATFORM: a driver without DMA API (user-mode
		 * Linux) cannot set up its rings once it is negotiated.
		 */
		.features = blk_req_features(&blk.file, blk.nr_queues > 1) |
			    BIT64(VIRTIO_F_VERSION_1) | BIT64(VIRTIO_F_RING_PACKED) |
			    BIT64(VIRTIO_RING_F_EVENT_IDX) | BIT64(VIRTIO_RING_F_INDIRECT_DESC),
		.num_queues = (u16)blk.nr_queues,
		.max_queue_size = VHOST_BLK_QUEUE_SIZE,
		.inflight = true,
		.get_config = blk_get_config,
		.set_config = blk_set_config,
		.queue_start = blk_queue_start,
		.queue_stop = blk_queue_stop,
		.handle_queue = blk_handle_queue,
	};
	ep.ops = &blk.ops;
	ep.opaque = &blk;
	snprintf(ep.name, sizeof(ep.name), "vhost-blk");

	sigfd = prog_signals_init();
	if (sigfd < 0) {
		fprintf(stderr, PROG ": cannot set up signals: %s\n", strerror(-sigfd));
		return 1;
	}
	if (prog_endpoint_open(&ep))
		return 1;
	pr_info("serving '%s' (%llu bytes%s, %u queue%s) on '%s'", disk,
		(unsigned long long)blk.file.size, readonly ? ", read-only" : "", blk.nr_queues,
		blk.nr_queues > 1 ? "s" : "", ep.path);
	ret = prog_run(eps, 1, sigfd, on_signal, &blk);
	prog_endpoint_close(&ep);
	blk_file_close(&blk.file);
	close(sigfd);
	return ret ? 1 : 0;
}
