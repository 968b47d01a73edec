/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The host side of a block device: a raw image file (or block device) and
 * per-thread io_uring queues that run reads, writes, flushes, discards and
 * write-zeroes against it. Shared by the in-VMM virtio-blk, the IDE disk and
 * the vhost-user block back-end. No knowledge of virtio here: requests are
 * (op, iovec, byte offset, length, tag) and completions are (tag, result).
 */
#ifndef IOVIRT_BLKFILE_H
#define IOVIRT_BLKFILE_H

#include <sys/uio.h>

#include "types.h"

struct io_uring;

struct blk_file {
	int fd;
	u64 size;		/* bytes, a multiple of 512 (a partial last sector is not exposed) */
	bool readonly;
	bool direct;		/* O_DIRECT: cache=none */
	bool is_blockdev;
	u32 align;		/* buffer and offset alignment O_DIRECT needs (else 1) */
	/* fallocate modes the image's file system has (probed at open: tmpfs has
	 * PUNCH_HOLE but no ZERO_RANGE, some have neither); always true for a
	 * block device, whose fallocate has both */
	bool can_punch_hole;
	bool can_zero_range;
};

/* Open the image. One line on stderr naming the path and the reason on failure. */
int blk_file_open(struct blk_file *f, const char *path, bool readonly, bool direct) __must_check;
void blk_file_close(struct blk_file *f);

enum blk_io_op {
	BLK_IO_READ,
	BLK_IO_WRITE,
	BLK_IO_FLUSH,		/* fdatasync: durable once it completes */
	BLK_IO_DISCARD,		/* punch a hole: reads return zeroes afterwards */
	BLK_IO_WRITE_ZEROES,	/* zero the range (keeping it allocated unless unmap) */
	BLK_IO_WRITE_ZEROES_UNMAP,
};

/* One io_uring per I/O thread. Completions signal `efd` (for the thread's epoll). */
struct uring_q {
	struct io_uring *ring;
	int efd;
	unsigned depth;
	unsigned queued;	/* prepared, not yet submitted */
	unsigned inflight;	/* submitted, not yet reaped */
};

typedef void (*uring_complete_fn)(void *opaque, void *tag, int res);

int uring_q_init(struct uring_q *q, unsigned depth) __must_check;
void uring_q_destroy(struct uring_q *q);

/*
 * Prepare one request; it is sent by the next uring_q_submit(). -EBUSY when the
 * queue is full (reap, then retry). iov must stay valid until completion.
 * `len` is used by the ops without an iovec (discard, write-zeroes).
 */
int uring_q_prep(struct uring_q *q, const struct blk_file *f, enum blk_io_op op,
		 const struct iovec *iov, unsigned niov, u64 off, u64 len, void *tag) __must_check;
/* Submit everything prepared in one system call. Returns 0 or -errno. */
int uring_q_submit(struct uring_q *q) __must_check;
/* Reap completed requests, calling cb(opaque, tag, res) with res = bytes done or -errno. */
unsigned uring_q_reap(struct uring_q *q, uring_complete_fn cb, void *opaque);
/* Clear the completion eventfd (call before reaping in an event loop). */
void uring_q_ack(struct uring_q *q);

#endif
