// SPDX-License-Identifier: GPL-2.0-only
/*
 * Raw image files driven through io_uring. Each I/O thread owns a struct
 * uring_q; requests are prepared one by one and submitted in a batch, and the
 * ring's completion eventfd wakes the thread's event loop. Flush is
 * IORING_OP_FSYNC with DATASYNC: it covers every write that completed before
 * it was submitted, which is exactly the virtio-blk and ATA FLUSH contract.
 */
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "iovirt/blkfile.h"
#include "iovirt/log.h"

/*
 * Which fallocate modes does the file's file system have? Asked past the end
 * of the file with KEEP_SIZE, where no data changes: a punched hole there
 * frees nothing; a zeroed range there leaves unwritten blocks past EOF, which
 * a truncate to the same size frees again (ext4 and XFS drop blocks past EOF
 * on truncate). A file system without a mode says EOPNOTSUPP before looking
 * at the range.
 */
static void blk_file_probe_fallocate(struct blk_file *f, off_t file_size)
{
	const int keep = FALLOC_FL_KEEP_SIZE;
	off_t off = (file_size + 4095) & ~(off_t)4095;

	f->can_punch_hole = !fallocate(f->fd, FALLOC_FL_PUNCH_HOLE | keep, off, 4096);
	f->can_zero_range = !fallocate(f->fd, FALLOC_FL_ZERO_RANGE | keep, off, 4096);
	if (f->can_zero_range && ftruncate(f->fd, file_size))
		pr_debug("disk: could not free the fallocate probe's block: %s", strerror(errno));
}

int blk_file_open(struct blk_file *f, const char *path, bool readonly, bool direct)
{
	int flags = (readonly ? O_RDONLY : O_RDWR) | O_CLOEXEC | (direct ? O_DIRECT : 0);
	struct stat st;
	int ret;

	memset(f, 0, sizeof(*f));
	f->fd = open(path, flags);
	if (f->fd < 0 && errno == EINVAL && direct) {
		pr_err("disk '%s': cache=none needs O_DIRECT, which this file system refuses", path);
		return -EINVAL;
	}
	if (f->fd < 0) {
		ret = -errno;
		pr_err("cannot open disk image '%s'%s: %s", path, readonly ? "" : " for writing",
		       strerror(-ret));
		return ret;
	}
	if (fstat(f->fd, &st) < 0) {
		ret = -errno;
		goto err;
	}
	if (S_ISBLK(st.st_mode)) {
		u64 bytes;
		int ssz = 512;

		if (ioctl(f->fd, BLKGETSIZE64, &bytes) < 0) {
			ret = -errno;
			goto err;
		}
		ioctl(f->fd, BLKSSZGET, &ssz);
		f->size = bytes;
		f->is_blockdev = true;
		f->align = direct ? (u32)ssz : 1;
		f->can_punch_hole = f->can_zero_range = !readonly;
	} else if (S_ISREG(st.st_mode)) {
		f->size = (u64)st.st_size;
		/* 4 KiB is safe for O_DIRECT on every local file system. */
		f->align = direct ? 4096 : 1;
		if (!readonly)
			blk_file_probe_fallocate(f, st.st_size);
	} else {
		pr_err("disk image '%s' is neither a regular file nor a block device", path);
		ret = -EINVAL;
		goto err_quiet;
	}
	f->size &= ~511ull;
	f->readonly = readonly;
	f->direct = direct;
	return 0;

err:
	pr_err("disk image '%s': %s", path, strerror(-ret));
err_quiet:
	close(f->fd);
	f->fd = -1;
	return ret;
}

void blk_file_close(struct blk_file *f)
{
	if (f->fd >= 0)
		close(f->fd);
	f->fd = -1;
}

int uring_q_init(struct uring_q *q, unsigned depth)
{
	int ret;

	memset(q, 0, sizeof(*q));
	q->ring = calloc(1, sizeof(*q->ring));
	if (!q->ring)
		return -ENOMEM;
	ret = io_uring_queue_init(depth, q->ring, 0);
	if (ret < 0)
		goto err_free;
	q->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (q->efd < 0) {
		ret = -errno;
		goto err_ring;
	}
	ret = io_uring_register_eventfd(q->ring, q->efd);
	if (ret < 0)
		goto err_efd;
	q->depth = depth;
	return 0;

err_efd:
	close(q->efd);
err_ring:
	io_uring_queue_exit(q->ring);
err_free:
	free(q->ring);
	q->ring = NULL;
	return ret;
}

void uring_q_destroy(struct uring_q *q)
{
	if (!q->ring)
		return;
	io_uring_queue_exit(q->ring);
	close(q->efd);
	free(q->ring);
	q->ring = NULL;
}

int uring_q_prep(struct uring_q *q, const struct blk_file *f, enum blk_io_op op,
		 const struct iovec *iov, unsigned niov, u64 off, u64 len, void *tag)
{
	struct io_uring_sqe *sqe;

	if (q->queued + q->inflight >= q->depth)
		return -EBUSY;
	sqe = io_uring_get_sqe(q->ring);
	if (!sqe)
		return -EBUSY;
	switch (op) {
	case BLK_IO_READ:
		io_uring_prep_readv(sqe, f->fd, iov, niov, off);
		break;
	case BLK_IO_WRITE:
		io_uring_prep_writev(sqe, f->fd, iov, niov, off);
		break;
	case BLK_IO_FLUSH:
		io_uring_prep_fsync(sqe, f->fd, IORING_FSYNC_DATASYNC);
		break;
	case BLK_IO_DISCARD:
		io_uring_prep_fallocate(sqe, f->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
					off, len);
		break;
	case BLK_IO_WRITE_ZEROES:
		io_uring_prep_fallocate(sqe, f->fd, FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE, off,
					len);
		break;
	case BLK_IO_WRITE_ZEROES_UNMAP:
		/* Unmapping is allowed, not required: zero in place without holes. */
		io_uring_prep_fallocate(sqe, f->fd,
					(f->can_punch_hole ? FALLOC_FL_PUNCH_HOLE :
							     FALLOC_FL_ZERO_RANGE) |
						FALLOC_FL_KEEP_SIZE,
					off, len);
		break;
	default:
		return -EINVAL;
	}
	io_uring_sqe_set_data(sqe, tag);
	q->queued++;
	return 0;
}

int uring_q_submit(struct uring_q *q)
{
	int ret;

	if (!q->queued)
		return 0;
	ret = io_uring_submit(q->ring);
	if (ret < 0)
		return ret;
	q->inflight += (unsigned)ret;
	q->queued -= (unsigned)ret;
	return 0;
}

void uring_q_ack(struct uring_q *q)
{
	u64 v;

	if (read(q->efd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		pr_debug("uring eventfd read: %s", strerror(errno));
}

unsigned uring_q_reap(struct uring_q *q, uring_complete_fn cb, void *opaque)
{
	struct io_uring_cqe *cqe;
	unsigned n = 0;

	while (io_uring_peek_cqe(q->ring, &cqe) == 0) {
		void *tag = io_uring_cqe_get_data(cqe);
		int res = cqe->res;

		io_uring_cqe_seen(q->ring, cqe);
		q->inflight--;
		n++;
		cb(opaque, tag, res);
	}
	return n;
}
