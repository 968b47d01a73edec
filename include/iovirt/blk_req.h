/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * virtio-blk request processing as a library (virtio 1.2 §5.2.6): it takes a
 * popped chain (struct virtq_elem, host iovecs), parses and checks the
 * request, and runs it on a raw image through a per-thread io_uring queue.
 * No VM dependency: the in-VMM virtio-blk device and the vhost-user block
 * back-end (another process) both use it unchanged; the caller pops, pushes
 * and notifies.
 *
 * Flow: blk_req_start() either finishes the request at once (bad request,
 * GET_ID, ...: returns BLK_REQ_DONE) or prepares io_uring operations
 * (BLK_REQ_QUEUED; the caller submits once per batch), or returns -EBUSY with
 * nothing changed when the io_uring queue is full (call again after reaping).
 * Each io_uring completion goes to blk_req_complete(); when it returns true the
 * request is finished and blk_req_used_len() is the length to push.
 *
 * The guest is hostile: a short header, a missing or read-only status byte, a
 * bad type, a sector range past the end or overflowing, a write to a read-only
 * disk, malformed discard segments, lengths not a multiple of 512 — each gets
 * the status the spec asks for, without touching the file.
 */
#ifndef IOVIRT_BLK_REQ_H
#define IOVIRT_BLK_REQ_H

#include <linux/virtio_blk.h>

#include "blkfile.h"
#include "log.h"
#include "types.h"
#include "virtq.h"

#define BLK_REQ_IOV_MAX		1024	/* iovecs of one chain (io_uring's IOV_MAX too) */
#define BLK_REQ_SEG_MAX		254	/* seg_max offered: queue size − header − status */
#define BLK_REQ_DWZ_SEG_MAX	32	/* max_discard_seg, max_write_zeroes_seg */
#define BLK_REQ_DWZ_SECTORS_MAX	(1u << 22)	/* 2 GiB per discard/write-zeroes segment */
#define BLK_REQ_BOUNCE_MAX	(64u << 20)	/* largest unaligned request bounced (cache=none) */

enum blk_req_state { BLK_REQ_NEW, BLK_REQ_PARSED, BLK_REQ_INFLIGHT, BLK_REQ_FLUSHING };

enum { BLK_REQ_QUEUED = 0, BLK_REQ_DONE = 1 };

struct blk_req_stats {
	u64 reads, writes, flushes, discards, write_zeroes, get_id;
	u64 bytes_read, bytes_written;
	u64 ioerr, unsupp, bad;		/* requests answered IOERR, UNSUPP, unanswerable */
	u64 bounced;			/* cache=none requests copied through an aligned buffer */
};

/* One queue's context: owned by the thread that runs the queue. */
struct blk_req_ctx {
	const struct blk_file *file;
	struct uring_q *uq;
	const char *name;		/* the device, for messages */
	u64 features;			/* negotiated VIRTIO_BLK_F_* (FLUSH clear: write-through) */
	u32 blk_size;			/* logical block size offered (≥ 512) */
	char serial[VIRTIO_BLK_ID_BYTES];	/* NUL-padded, not terminated at 20 */
	struct ratelimit rl;
	struct blk_req_stats stats;
};

struct blk_req {
	struct virtq_elem elem;		/* elem.iov = iov, elem.iov_max = BLK_REQ_IOV_MAX */
	void *owner;			/* the caller's (e.g. its queue) */
	/* Private to blk_req.c. */
	enum blk_req_state state;
	u32 type;
	u8 status;			/* VIRTIO_BLK_S_* to write */
	u8 *status_ptr;			/* GUEST: last writable byte of the chain, or NULL */
	u64 off, len;			/* byte range on the image (IN/OUT) */
	struct iovec *data;		/* data iovecs: a window into iov[] */
	unsigned ndata;
	void *bounce;			/* O_DIRECT copy of an unaligned buffer */
	struct iovec bounce_iov;
	unsigned pending;		/* io_uring operations not yet completed */
	u32 used_len;			/* bytes written to the writable part */
	struct virtio_blk_discard_write_zeroes seg[BLK_REQ_DWZ_SEG_MAX];
	unsigned nseg;
	/* Last: a pool of requests touches only the pages its chains use. */
	struct iovec iov[BLK_REQ_IOV_MAX];
};

void blk_req_ctx_init(struct blk_req_ctx *c, const struct blk_file *f, struct uring_q *uq,
		      const char *name, const char *serial, u32 blk_size);
/* Prepare a request for virtq_pop: r->elem points at r->iov. */
void blk_req_init(struct blk_req *r);
/* BLK_REQ_DONE, BLK_REQ_QUEUED, or -EBUSY (uring full: nothing changed, retry later). */
int blk_req_start(struct blk_req_ctx *c, struct blk_req *r) __must_check;
/* One io_uring completion for r. true: the request is finished (status written). */
bool blk_req_complete(struct blk_req_ctx *c, struct blk_req *r, int res);
/* After BLK_REQ_DONE or a true completion: the used length to push. */
static inline u32 blk_req_used_len(const struct blk_req *r)
{
	return r->used_len;
}
/* Give up a request whose completion will never be pushed (device reset): frees bounce. */
void blk_req_abandon(struct blk_req *r);

/*
 * cache=none: find the smallest O_DIRECT alignment the file accepts (512..4096)
 * and store it in f->align. The logical block size to offer is MAX(512, f->align).
 */
void blk_req_probe_align(struct blk_file *f);

/* Fill a struct virtio_blk_config for a disk (capacity, limits, queues). */
void blk_req_fill_config(struct virtio_blk_config *cfg, const struct blk_file *f, u32 blk_size,
			 u16 num_queues, u16 queue_size);
/* The VIRTIO_BLK_F_* bits a disk offers. */
u64 blk_req_features(const struct blk_file *f, bool multiqueue);

#endif
