// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target: virtio-blk request parsing and execution (blk_req.c) on a
 * real 64 KiB image through io_uring, with arbitrary chains. The input is
 *
 *	u8 mode		bit 0 read-only image, bit 1 FLUSH negotiated (else
 *			write-through), bit 2 DISCARD, bit 3 WRITE_ZEROES,
 *			bit 4 a tiny io_uring (2 entries: the -EBUSY path)
 *	u8 nout, nin	readable and writable buffers (each ≤ 8)
 *	u16 len[nout + nin]	their lengths (≤ 8 KiB each)
 *	the rest	the readable bytes, in order (header, data, segments)
 *
 * Every buffer is its own heap allocation, so AddressSanitizer catches any
 * access past one. Invariants checked: the request finishes; the used length
 * never exceeds the writable bytes; a written status is OK, IOERR or UNSUPP;
 * a request that fails or is refused leaves the image untouched, and a
 * read-only image is never written.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "fuzz.h"
#include "iovirt/blk_req.h"
#include "iovirt/log.h"
#include "iovirt/virtio.h"

#define IMG_SIZE (64u << 10)
#define MAX_BUFS 8
#define MAX_BUF_LEN 8192

struct fz_state {
	char path[64];
	struct blk_file rw, ro;
	struct uring_q uq, tiny;
	u8 before[IMG_SIZE], after[IMG_SIZE];
	bool ready;
};

static struct fz_state *st;

static void fz_setup(void)
{
	int fd;

	st = calloc(1, sizeof(*st));
	if (!st)
		abort();
	snprintf(st->path, sizeof(st->path), "/tmp/iovirt-fuzz-blk-%d", (int)getpid());
	fd = open(st->path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || ftruncate(fd, IMG_SIZE))
		abort();
	for (unsigned i = 0; i < IMG_SIZE; i += 512) {
		u8 sec[512];

		memset(sec, (int)(i / 512), sizeof(sec));
		if (pwrite(fd, sec, sizeof(sec), i) != (ssize_t)sizeof(sec))
			abort();
	}
	close(fd);
	if (blk_file_open(&st->rw, st->path, false, false) ||
	    blk_file_open(&st->ro, st->path, true, false) || uring_q_init(&st->uq, 64) ||
	    uring_q_init(&st->tiny, 2))
		abort();
	/* The image goes away with the process; the open fds keep it alive until then. */
	unlink(st->path);
	log_set_level(LOG_ERR); /* rate-limited guest warnings would only slow us down */
	st->ready = true;
}

static void image(u8 *buf)
{
	FUZZ_ASSERT(pread(st->rw.fd, buf, IMG_SIZE, 0) == IMG_SIZE);
}

struct fz_done {
	struct blk_req_ctx *c;
	bool finished;
};

static void fz_complete(void *opaque, void *tag, int res)
{
	struct fz_done *d = opaque;

	if (blk_req_complete(d->c, tag, res))
		d->finished = true;
}

/* Run a started request to its end (submitting what completions queue). */
static void fz_run(struct blk_req_ctx *c)
{
	struct fz_done d = { c, false };
	struct pollfd p = { .fd = c->uq->efd, .events = POLLIN };

	for (int spins = 0; !d.finished; spins++) {
		FUZZ_ASSERT(spins < 100000);
		FUZZ_ASSERT(uring_q_submit(c->uq) == 0);
		uring_q_reap(c->uq, fz_complete, &d);
		if (!d.finished && poll(&p, 1, 100) > 0)
			uring_q_ack(c->uq);
	}
	FUZZ_ASSERT(c->uq->inflight == 0 && c->uq->queued == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct blk_req r;
	struct blk_req_ctx c;
	u8 *bufs[2 * MAX_BUFS] = { 0 };
	u8 mode, nout, nin;
	size_t pos = 3;
	u64 in_len = 0;
	u32 type = 0xffffffff;
	int ret;

	if (!st || !st->ready)
		fz_setup();
	if (size < 3)
		return 0;
	mode = data[0];
	nout = data[1] % (MAX_BUFS + 1);
	nin = data[2] % (MAX_BUFS + 1);
	if (size < pos + 2u * (nout + nin))
		return 0;

	blk_req_ctx_init(&c, mode & 1 ? &st->ro : &st->rw, mode & 16 ? &st->tiny : &st->uq,
			 "fuzz-disk", "fuzz-serial", 512);
	c.features = (mode & 2 ? BIT64(VIRTIO_BLK_F_FLUSH) : 0) |
		     (mode & 4 ? BIT64(VIRTIO_BLK_F_DISCARD) : 0) |
		     (mode & 8 ? BIT64(VIRTIO_BLK_F_WRITE_ZEROES) : 0);
	blk_req_init(&r);
	r.elem.out_num = nout;
	r.elem.in_num = nin;
	r.elem.out_len = r.elem.in_len = 0;
	for (unsigned i = 0; i < (unsigned)nout + nin; i++) {
		size_t len = ((size_t)data[pos] | (size_t)data[pos + 1] << 8) % (MAX_BUF_LEN + 1);

		pos += 2;
		/* Exactly len bytes (at least 1 allocated, so ASan sees a 0-length overrun). */
		bufs[i] = malloc(len ? len : 1);
		if (!bufs[i])
			abort();
		memset(bufs[i], 0xee, len ? len : 1);
		r.iov[i] = (struct iovec){ bufs[i], len };
		if (i < nout)
			r.elem.out_len += len;
		else
			r.elem.in_len += len;
	}
	in_len = r.elem.in_len;
	/* The readable bytes come from the input. */
	for (unsigned i = 0; i < nout && pos < size; i++) {
		size_t n = MIN(r.iov[i].iov_len, size - pos);

		memcpy(bufs[i], data + pos, n);
		pos += n;
	}
	if (r.elem.out_len >= 4)
		virtio_iov_to_buf(r.iov, nout, 0, &type, 4);
	image(st->before);

	ret = blk_req_start(&c, &r);
	if (ret == -EBUSY) {
		/* Only a full io_uring says busy; ours is idle, so it must be the tiny one
		 * and a request with more segments than it can ever hold. */
		FUZZ_ASSERT(mode & 16);
		image(st->after);
		FUZZ_ASSERT(!memcmp(st->before, st->after, IMG_SIZE));
		blk_req_abandon(&r);
		goto out;
	}
	FUZZ_ASSERT(ret == BLK_REQ_DONE || ret == BLK_REQ_QUEUED);
	if (ret == BLK_REQ_QUEUED)
		fz_run(&c);
	FUZZ_ASSERT(blk_req_used_len(&r) <= in_len);
	if (r.status_ptr) {
		u8 s = *r.status_ptr;

		FUZZ_ASSERT(s == VIRTIO_BLK_S_OK || s == VIRTIO_BLK_S_IOERR ||
			    s == VIRTIO_BLK_S_UNSUPP);
		FUZZ_ASSERT(blk_req_used_len(&r) >= 1);
		image(st->after);
		if (s != VIRTIO_BLK_S_OK || (mode & 1) || type == VIRTIO_BLK_T_IN ||
		    type == VIRTIO_BLK_T_GET_ID || type == VIRTIO_BLK_T_FLUSH)
			FUZZ_ASSERT(!memcmp(st->before, st->after, IMG_SIZE));
	} else {
		FUZZ_ASSERT(blk_req_used_len(&r) == 0);
	}
out:
	for (unsigned i = 0; i < (unsigned)nout + nin; i++)
		free(bufs[i]);
	return 0;
}
