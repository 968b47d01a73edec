// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for src/virtio/blk_req.c, the virtio-blk request library, against
 * a real temporary image through io_uring. Chains are built by hand as a
 * popped virtq_elem would look (host iovecs, readable then writable), so every
 * layout a hostile driver can produce is reachable: short or split headers, a
 * missing or shared status byte, bad types, ranges past the end or wrapping,
 * lengths not a multiple of 512, writes to a read-only disk, malformed
 * discard/write-zeroes segments; and the normal paths: read/write round trip,
 * flush, write-through when FLUSH is not negotiated, discard freeing blocks,
 * write-zeroes, GET_ID, O_DIRECT bounce buffers, a full io_uring, two queues.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "check.h"
#include "wait.h"
#include "iovirt/blk_req.h"
#include "iovirt/virtio.h"

#define DISK_SIZE (8u << 20)

static char path[] = "/tmp/iovirt-blkreq-XXXXXX";

struct done {
	struct blk_req_ctx *c;
	unsigned finished;
};

static void on_complete(void *opaque, void *tag, int res)
{
	struct done *d = opaque;

	if (blk_req_complete(d->c, tag, res))
		d->finished++;
}

/* One round: submit what is queued (completions queue more), reap; true once `want` finished. */
static bool drain_round(struct blk_req_ctx *c, struct done *d, unsigned want)
{
	CHECK_EQ(uring_q_submit(c->uq), 0);
	uring_q_reap(c->uq, on_complete, d);
	return d->finished >= want;
}

/* Run everything queued until `want` requests finished. */
static void drain(struct blk_req_ctx *c, unsigned want)
{
	struct done d = { c, 0 };

	WAIT_UNTIL(drain_round(c, &d, want));
	CHECK_EQ(d.finished, want);
}

/* A chain: out iovecs then in iovecs, as virtq_pop leaves them. */
static void chain(struct blk_req *r, const struct iovec *out, unsigned nout,
		  const struct iovec *in, unsigned nin)
{
	blk_req_init(r);
	r->elem.out_num = nout;
	r->elem.in_num = nin;
	r->elem.out_len = r->elem.in_len = 0;
	for (unsigned i = 0; i < nout; i++) {
		r->iov[i] = out[i];
		r->elem.out_len += out[i].iov_len;
	}
	for (unsigned i = 0; i < nin; i++) {
		r->iov[nout + i] = in[i];
		r->elem.in_len += in[i].iov_len;
	}
}

/* Start and, if queued, run to completion. Returns the used length. */
static u32 run(struct blk_req_ctx *c, struct blk_req *r)
{
	int ret = blk_req_start(c, r);

	CHECK(ret == BLK_REQ_DONE || ret == BLK_REQ_QUEUED);
	if (ret == BLK_REQ_QUEUED)
		drain(c, 1);
	return blk_req_used_len(r);
}

static struct virtio_blk_outhdr hdr(u32 type, u64 sector)
{
	return (struct virtio_blk_outhdr){ .type = cpu_to_le32(type), .sector = cpu_to_le64(sector) };
}

static u32 rw(struct blk_req_ctx *c, u32 type, u64 sector, void *buf, size_t len, u8 *status)
{
	static struct blk_req r;
	struct virtio_blk_outhdr h = hdr(type, sector);
	struct iovec out[2] = { { &h, sizeof(h) }, { buf, len } };
	struct iovec in[2] = { { buf, len }, { status, 1 } };

	*status = 0xee;
	if (type == VIRTIO_BLK_T_IN)
		chain(&r, out, 1, in, 2);
	else
		chain(&r, out, 2, in + 1, 1);
	return run(c, &r);
}

static void file_read(u64 off, void *buf, size_t len)
{
	int fd = open(path, O_RDONLY);

	CHECK(fd >= 0);
	CHECK_EQ(pread(fd, buf, len, (off_t)off), (ssize_t)len);
	close(fd);
}

static bool all_bytes(const u8 *p, size_t len, u8 v)
{
	for (size_t i = 0; i < len; i++)
		if (p[i] != v)
			return false;
	return true;
}

static u64 file_blocks(void)
{
	struct stat st;

	CHECK_EQ(stat(path, &st), 0);
	return (u64)st.st_blocks;
}

static u32 dwz(struct blk_req_ctx *c, u32 type, const struct virtio_blk_discard_write_zeroes *seg,
	       size_t seg_bytes, u8 *status)
{
	static struct blk_req r;
	struct virtio_blk_outhdr h = hdr(type, 0);
	struct iovec out[2] = { { &h, sizeof(h) }, { (void *)seg, seg_bytes } };
	struct iovec in = { status, 1 };

	*status = 0xee;
	chain(&r, out, 2, &in, 1);
	return run(c, &r);
}

static void test_rw(struct blk_req_ctx *c)
{
	static u8 wbuf[16384] __attribute__((aligned(4096)));
	static u8 rbuf[16384] __attribute__((aligned(4096)));
	static u8 fbuf[16384];
	u8 st;

	for (unsigned i = 0; i < sizeof(wbuf); i++)
		wbuf[i] = (u8)(i * 13 + 1);
	CHECK_EQ(rw(c, VIRTIO_BLK_T_OUT, 8, wbuf, sizeof(wbuf), &st), 1);
	CHECK_EQ(st, VIRTIO_BLK_S_OK);
	file_read(8 * 512, fbuf, sizeof(fbuf));
	CHECK(!memcmp(fbuf, wbuf, sizeof(wbuf)));

	memset(rbuf, 0, sizeof(rbuf));
	CHECK_EQ(rw(c, VIRTIO_BLK_T_IN, 8, rbuf, sizeof(rbuf), &st), sizeof(rbuf) + 1);
	CHECK_EQ(st, VIRTIO_BLK_S_OK);
	CHECK(!memcmp(rbuf, wbuf, sizeof(wbuf)));
	CHECK_EQ(c->stats.reads, 1);
	CHECK_EQ(c->stats.writes, 1);

	/* Header split 3 + 13 bytes; data in 3 buffers; status shares the last data buffer. */
	{
		static struct blk_req r;
		struct virtio_blk_outhdr h = hdr(VIRTIO_BLK_T_IN, 9);
		static u8 tail[513];
		struct iovec out[2] = { { &h, 3 }, { (u8 *)&h + 3, 13 } };
		struct iovec in[3] = { { rbuf, 512 }, { rbuf + 512, 1024 }, { tail, 513 } };

		memset(rbuf, 0, sizeof(rbuf));
		tail[512] = 0xee;
		chain(&r, out, 2, in, 3);
		CHECK_EQ(run(c, &r), 2048 + 1);
		CHECK_EQ(tail[512], VIRTIO_BLK_S_OK);
		CHECK(!memcmp(rbuf, wbuf + 512, 1536));
		CHECK(!memcmp(tail, wbuf + 2048, 512));
	}

	/* Zero-length data: nothing to do, OK. */
	CHECK_EQ(rw(c, VIRTIO_BLK_T_IN, 0, rbuf, 0, &st), 1);
	CHECK_EQ(st, VIRTIO_BLK_S_OK);

	/* Last sector of the disk: allowed. */
	CHECK_EQ(rw(c, VIRTIO_BLK_T_OUT, DISK_SIZE / 512 - 1, wbuf, 512, &st), 1);
	CHECK_EQ(st, VIRTIO_BLK_S_OK);
}

static void test_hostile(struct blk_req_ctx *c)
{
	static u8 buf[4096];
	static u8 before[DISK_SIZE / 16], after[DISK_SIZE / 16];
	static struct blk_req r;
	u8 st;
	u64 bad0 = c->stats.bad;

	file_read(DISK_SIZE - sizeof(before), before, sizeof(before));
	memset(buf, 0x5a, sizeof(buf));

	/* Past the end, partly. */
	CHECK_EQ(rw(c, VIRTIO_BLK_T_OUT, DISK_SIZE / 512 - 1, buf, 1024, &st), 1);
	CHECK_EQ(st, VIRTIO_BLK_S_IOERR);
	CHECK_EQ(rw(c, VIRTIO_BLK_T_IN, DISK_SIZE / 512, buf, 512, &st), 1);
	CHECK_EQ(st, VIRTIO_BLK_S_IOERR);
	/* Sector whose byte offset overflows 64 bits, and one that wraps to a small offset. */
	CHECK_EQ(rw(c, VIRTIO_BLK_T_OUT, UINT64_MAX, buf, 512, &st), 1);
	CHECK_EQ(st, VIRTIO_BLK_S_IOERR);
	CHECK_EQ(rw(c, VIRTIO_BLK_T_OUT, (UINT64_MAX >> 9) + 1, buf, 512, &st), 1);
	CHECK_EQ(st, VIRTIO_BLK_S_IOERR);
	CHECK_EQ(rw(c, VIRTIO_BLK_T_OUT, 1ull << 55, buf, 512, &st), 1);
	CHECK_EQ(st, VIRTIO_BLK_S_IOERR);
	/* Not a multiple of 512. */
	CHECK_EQ(rw(c, VIRTIO_BLK_T_OUT, DISK_SIZE / 512 - 8, buf, 100, &st), 1);
	CHECK_EQ(st, VIRTIO_BLK_S_IOERR);
	CHECK_EQ(rw(c, VIRTIO_BLK_T_IN, 0, buf, 513, &st), 1);
	CHECK_EQ(st, VIRTIO_BLK_S_IOERR);
	/* None of these touched the file. */
	file_read(DISK_SIZE - sizeof(after), after, sizeof(after));
	CHECK(!memcmp(before, after, sizeof(before)));

	/* Unknown and not-offered types: UNSUPP. */
	{
		u32 types[] = { 2, 3, 5, 10, 14, 15, 16, 99, 0x80000000u };

		for (unsigned i = 0; i < ARRAY_SIZE(types); i++) {
			CHECK_EQ(rw(c, types[i], 0, buf, 512, &st), 1);
			CHECK_EQ(st, VIRTIO_BLK_S_UNSUPP);
		}
	}

	/* Short header: 10 readable bytes. */
	{
		struct virtio_blk_outhdr h = hdr(VIRTIO_BLK_T_OUT, 0);
		struct iovec out = { &h, 10 };
		struct iovec in = { &st, 1 };

		st = 0xee;
		chain(&r, &out, 1, &in, 1);
		CHECK_EQ(run(c, &r), 1);
		CHECK_EQ(st, VIRTIO_BLK_S_IOERR);
		/* No readable part at all. */
		chain(&r, NULL, 0, &in, 1);
		st = 0xee;
		CHECK_EQ(run(c, &r), 1);
		CHECK_EQ(st, VIRTIO_BLK_S_IOERR);
	}

	/* No writable byte: the status cannot be written; nothing is, used length 0. */
	{
		struct virtio_blk_outhdr h = hdr(VIRTIO_BLK_T_OUT, 0);
		struct iovec out[2] = { { &h, sizeof(h) }, { buf, 512 } };
		struct iovec in = { &st, 0 };

		chain(&r, out, 2, NULL, 0);
		CHECK_EQ(run(c, &r), 0);
		/* A zero-length writable buffer is no status byte either. */
		chain(&r, out, 2, &in, 1);
		CHECK_EQ(run(c, &r), 0);
		CHECK_EQ(c->stats.bad, bad0 + 4); /* two short headers, two without status */
	}

	/* Status after zero-length buffers: the last *byte* is the status. */
	{
		struct virtio_blk_outhdr h = hdr(VIRTIO_BLK_T_FLUSH, 0);
		struct iovec out = { &h, sizeof(h) };
		u8 two[2] = { 0xee, 0xee };
		struct iovec in[3] = { { two, 2 }, { buf, 0 }, { buf, 0 } };

		chain(&r, &out, 1, in, 3);
		CHECK_EQ(run(c, &r), 1);
		CHECK_EQ(two[1], VIRTIO_BLK_S_OK);
		CHECK_EQ(two[0], 0xee);
	}
}

static void test_get_id(struct blk_req_ctx *c)
{
	static struct blk_req r;
	struct virtio_blk_outhdr h = hdr(VIRTIO_BLK_T_GET_ID, 0);
	struct iovec out = { &h, sizeof(h) };
	u8 id[21];
	struct iovec in = { id, sizeof(id) };

	memset(id, 0xee, sizeof(id));
	chain(&r, &out, 1, &in, 1);
	CHECK_EQ(run(c, &r), 21);
	CHECK(!memcmp(id, "0123456789abcdefghij", 20));
	CHECK_EQ(id[20], VIRTIO_BLK_S_OK);

	/* A 5-byte buffer gets 5 bytes. */
	in.iov_len = 6;
	memset(id, 0xee, sizeof(id));
	chain(&r, &out, 1, &in, 1);
	CHECK_EQ(run(c, &r), 6);
	CHECK(!memcmp(id, "01234", 5));
	CHECK_EQ(id[5], VIRTIO_BLK_S_OK);
}

static void test_flush(struct blk_req_ctx *c)
{
	static struct blk_req r;
	static u8 buf[4096];
	struct virtio_blk_outhdr h = hdr(VIRTIO_BLK_T_FLUSH, 0);
	struct iovec out = { &h, sizeof(h) };
	u8 st = 0xee;
	struct iovec in = { &st, 1 };
	u64 flushes = c->stats.flushes;
	u64 saved = c->features;
	int ret;

	chain(&r, &out, 1, &in, 1);
	CHECK_EQ(run(c, &r), 1);
	CHECK_EQ(st, VIRTIO_BLK_S_OK);
	CHECK_EQ(c->stats.flushes, flushes + 1);

	/*
	 * FLUSH offered but not negotiated (§5.2.6.2): a write completes only
	 * once it is stable — the write, then an fdatasync, then the status.
	 */
	c->features &= ~BIT64(VIRTIO_BLK_F_FLUSH);
	{
		struct virtio_blk_outhdr wh = hdr(VIRTIO_BLK_T_OUT, 100);
		struct iovec wout[2] = { { &wh, sizeof(wh) }, { buf, sizeof(buf) } };
		struct done d = { c, 0 };

		memset(buf, 0x77, sizeof(buf));
		st = 0xee;
		chain(&r, wout, 2, &in, 1);
		ret = blk_req_start(c, &r);
		CHECK_EQ(ret, BLK_REQ_QUEUED);
		CHECK_EQ(uring_q_submit(c->uq), 0);
		/* First completion is the write: it queues the fdatasync, status untouched. */
		WAIT_UNTIL((uring_q_reap(c->uq, on_complete, &d), c->uq->queued || d.finished));
		CHECK_EQ(d.finished, 0);
		CHECK_EQ(c->uq->queued, 1);
		CHECK_EQ(st, 0xee);
		drain(c, 1);
		CHECK_EQ(st, VIRTIO_BLK_S_OK);
		CHECK_EQ(blk_req_used_len(&r), 1);
	}
	c->features = saved;
}

static void test_discard(struct blk_req_ctx *c)
{
	static u8 buf[1 << 20];
	static u8 rd[1 << 20];
	struct virtio_blk_discard_write_zeroes seg[BLK_REQ_DWZ_SEG_MAX + 1];
	u64 blocks_full, blocks_after;
	u8 st;
	int fd;

	/* Fill 2 MiB at 4 MiB with data and make it durable. */
	memset(buf, 0xab, sizeof(buf));
	CHECK_EQ(rw(c, VIRTIO_BLK_T_OUT, 8192, buf, sizeof(buf), &st), 1);
	CHECK_EQ(rw(c, VIRTIO_BLK_T_OUT, 8192 + 2048, buf, sizeof(buf), &st), 1);
	fd = open(path, O_RDONLY);
	fsync(fd);
	close(fd);
	blocks_full = file_blocks();

	/* Discard 1 MiB in two segments: blocks are freed, reads return zeroes. */
	seg[0] = (struct virtio_blk_discard_write_zeroes){ cpu_to_le64(8192), cpu_to_le32(1024), 0 };
	seg[1] = (struct virtio_blk_discard_write_zeroes){ cpu_to_le64(9216), cpu_to_le32(1024), 0 };
	CHECK_EQ(dwz(c, VIRTIO_BLK_T_DISCARD, seg, 2 * sizeof(seg[0]), &st), 1);
	CHECK_EQ(st, VIRTIO_BLK_S_OK);
	blocks_after = file_blocks();
	CHECK(blocks_after + 2000 <= blocks_full);
	CHECK_EQ(rw(c, VIRTIO_BLK_T_IN, 8192, rd, sizeof(rd), &st), sizeof(rd) + 1);
	CHECK(all_bytes(rd, sizeof(rd), 0));
	CHECK_EQ(c->stats.discards, 1);

	/* Write-zeroes without unmap: zeroes, blocks stay allocated. */
	seg[0] = (struct virtio_blk_discard_write_zeroes){ cpu_to_le64(8192 + 2048), cpu_to_le32(512),
							   0 };
	CHECK_EQ(dwz(c, VIRTIO_BLK_T_WRITE_ZEROES, seg, sizeof(seg[0]), &st), 1);
	CHECK_EQ(st, VIRTIO_BLK_S_OK);
	CHECK_EQ(rw(c, VIRTIO_BLK_T_IN, 8192 + 2048, rd, 512 * 512, &st), 512 * 512 + 1);
	CHECK(all_bytes(rd, 512 * 512, 0));
	CHECK_EQ(rw(c, VIRTIO_BLK_T_IN, 8192 + 2048 + 512, rd, 512, &st), 513);
	CHECK(all_bytes(rd, 512, 0xab));
	/* Write-zeroes with unmap: zeroes and blocks freed. */
	blocks_full = file_blocks();
	seg[0] = (struct virtio_blk_discard_write_zeroes){ cpu_to_le64(8192 + 2048 + 512),
							   cpu_to_le32(1536),
							   cpu_to_le32(VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP) };
	CHECK_EQ(dwz(c, VIRTIO_BLK_T_WRITE_ZEROES, seg, sizeof(seg[0]), &st), 1);
	CHECK_EQ(st, VIRTIO_BLK_S_OK);
	CHECK(file_blocks() + 1000 <= blocks_full);
	CHECK_EQ(rw(c, VIRTIO_BLK_T_IN, 8192 + 2048 + 512, rd, 1536 * 512 / 2, &st),
		 1536 * 512 / 2 + 1);
	CHECK(all_bytes(rd, 1536 * 512 / 2, 0));
	CHECK_EQ(c->stats.write_zeroes, 2);

	/* Hostile segments. */
	seg[0] = (struct virtio_blk_discard_write_zeroes){ 0, cpu_to_le32(8),
							   cpu_to_le32(VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP) };
	CHECK_EQ(dwz(c, VIRTIO_BLK_T_DISCARD, seg, sizeof(seg[0]), &st), 1);
	CHECK_EQ(st, VIRTIO_BLK_S_UNSUPP); /* unmap on discard */
	seg[0].flags = cpu_to_le32(2);
	CHECK_EQ(dwz(c, VIRTIO_BLK_T_WRITE_ZEROES, seg, sizeof(seg[0]), &st), 1);
	CHECK_EQ(st, VIRTIO_BLK_S_UNSUPP); /* reserved flag */
	seg[0].flags = 0;
	CHECK_EQ(dwz(c, VIRTIO_BLK_T_DISCARD, seg, 15, &st), 1);
	CHECK_EQ(st, VIRTIO_BLK_S_IOERR); /* not whole segments */
	CHECK_EQ(dwz(c, VIRTIO_BLK_T_DISCARD, seg, 0, &st), 1);
	CHECK_EQ(st, VIRTIO_BLK_S_IOERR); /* no segment */
	for (unsigned i = 0; i < ARRAY_SIZE(seg); i++)
		seg[i] = (struct virtio_blk_discard_write_zeroes){ cpu_to_le64(i * 8), cpu_to_le32(8),
								   0 };
	CHECK_EQ(dwz(c, VIRTIO_BLK_T_DISCARD, seg, sizeof(seg), &st), 1);
	CHECK_EQ(st, VIRTIO_BLK_S_UNSUPP); /* more than max_discard_seg */
	seg[0] = (struct virtio_blk_discard_write_zeroes){ cpu_to_le64(DISK_SIZE / 512 - 4),
							   cpu_to_le32(8), 0 };
	CHECK_EQ(dwz(c, VIRTIO_BLK_T_DISCARD, seg, sizeof(seg[0]), &st), 1);
	CHECK_EQ(st, VIRTIO_BLK_S_IOERR); /* past the end */
	seg[0] = (struct virtio_blk_discard_write_zeroes){ cpu_to_le64(UINT64_MAX - 3),
							   cpu_to_le32(8), 0 };
	CHECK_EQ(dwz(c, VIRTIO_BLK_T_WRITE_ZEROES, seg, sizeof(seg[0]), &st), 1);
	CHECK_EQ(st, VIRTIO_BLK_S_IOERR); /* wraps */
	seg[0] = (struct virtio_blk_discard_write_zeroes){ 0, cpu_to_le32(0xffffffff), 0 };
	CHECK_EQ(dwz(c, VIRTIO_BLK_T_WRITE_ZEROES, seg, sizeof(seg[0]), &st), 1);
	CHECK_EQ(st, VIRTIO_BLK_S_IOERR); /* more than max_write_zeroes_sectors */
	/* The second segment is bad: nothing at all is done. */
	memset(buf, 0xcd, 4096);
	CHECK_EQ(rw(c, VIRTIO_BLK_T_OUT, 0, buf, 4096, &st), 1);
	seg[0] = (struct virtio_blk_discard_write_zeroes){ 0, cpu_to_le32(8), 0 };
	seg[1] = (struct virtio_blk_discard_write_zeroes){ cpu_to_le64(DISK_SIZE / 512), cpu_to_le32(1),
							   0 };
	CHECK_EQ(dwz(c, VIRTIO_BLK_T_WRITE_ZEROES, seg, 2 * sizeof(seg[0]), &st), 1);
	CHECK_EQ(st, VIRTIO_BLK_S_IOERR);
	CHECK_EQ(rw(c, VIRTIO_BLK_T_IN, 0, rd, 4096, &st), 4097);
	CHECK(all_bytes(rd, 4096, 0xcd));
	/* Zero-sector segments are no-ops. */
	seg[0].num_sectors = 0;
	CHECK_EQ(dwz(c, VIRTIO_BLK_T_DISCARD, seg, sizeof(seg[0]), &st), 1);
	CHECK_EQ(st, VIRTIO_BLK_S_OK);

	/* Not negotiated: UNSUPP. */
	c->features &= ~BIT64(VIRTIO_BLK_F_DISCARD);
	CHECK_EQ(dwz(c, VIRTIO_BLK_T_DISCARD, seg, sizeof(seg[0]), &st), 1);
	CHECK_EQ(st, VIRTIO_BLK_S_UNSUPP);
	c->features |= BIT64(VIRTIO_BLK_F_DISCARD);
}

static void test_readonly(struct uring_q *uq)
{
	struct blk_file f;
	struct blk_req_ctx c;
	static u8 buf[4096], orig[4096];
	struct virtio_blk_discard_write_zeroes seg = { 0, cpu_to_le32(8), 0 };
	u8 st;

	CHECK_EQ(blk_file_open(&f, path, true, false), 0);
	blk_req_ctx_init(&c, &f, uq, "ro-disk", NULL, 512);
	c.features = blk_req_features(&f, false) | BIT64(VIRTIO_BLK_F_DISCARD) |
		     BIT64(VIRTIO_BLK_F_WRITE_ZEROES);
	CHECK(c.features & BIT64(VIRTIO_BLK_F_RO));
	CHECK(!(blk_req_features(&f, false) & BIT64(VIRTIO_BLK_F_DISCARD)));
	file_read(0, orig, sizeof(orig));
	memset(buf, 0x11, sizeof(buf));
	CHECK_EQ(rw(&c, VIRTIO_BLK_T_OUT, 0, buf, sizeof(buf), &st), 1);
	CHECK_EQ(st, VIRTIO_BLK_S_IOERR);
	CHECK_EQ(dwz(&c, VIRTIO_BLK_T_DISCARD, &seg, sizeof(seg), &st), 1);
	CHECK_EQ(st, VIRTIO_BLK_S_IOERR);
	CHECK_EQ(dwz(&c, VIRTIO_BLK_T_WRITE_ZEROES, &seg, sizeof(seg), &st), 1);
	CHECK_EQ(st, VIRTIO_BLK_S_IOERR);
	CHECK_EQ(rw(&c, VIRTIO_BLK_T_IN, 0, buf, sizeof(buf), &st), sizeof(buf) + 1);
	CHECK_EQ(st, VIRTIO_BLK_S_OK);
	CHECK(!memcmp(buf, orig, sizeof(buf)));
	/* GET_ID with no serial: twenty NULs. */
	{
		static struct blk_req r;
		struct virtio_blk_outhdr h = hdr(VIRTIO_BLK_T_GET_ID, 0);
		struct iovec out = { &h, sizeof(h) };
		u8 id[21];
		struct iovec in = { id, sizeof(id) };

		memset(id, 0xee, sizeof(id));
		chain(&r, &out, 1, &in, 1);
		CHECK_EQ(run(&c, &r), 21);
		CHECK(all_bytes(id, 20, 0));
	}
	blk_file_close(&f);
}

static void test_busy(struct blk_req_ctx *c)
{
	static struct blk_req r[5];
	static u8 buf[5][512];
	struct virtio_blk_outhdr h[5];
	u8 st[5];
	struct iovec out[5][2], in[5];
	struct uring_q small, *saved = c->uq;

	CHECK_EQ(uring_q_init(&small, 4), 0);
	c->uq = &small;
	for (unsigned i = 0; i < 5; i++) {
		h[i] = hdr(VIRTIO_BLK_T_OUT, 200 + i);
		memset(buf[i], (int)i + 1, 512);
		out[i][0] = (struct iovec){ &h[i], sizeof(h[i]) };
		out[i][1] = (struct iovec){ buf[i], 512 };
		in[i] = (struct iovec){ &st[i], 1 };
		st[i] = 0xee;
		chain(&r[i], out[i], 2, &in[i], 1);
		if (i < 4)
			CHECK_EQ(blk_req_start(c, &r[i]), BLK_REQ_QUEUED);
	}
	/* Queue full: -EBUSY with nothing changed, then the same request goes through. */
	CHECK_EQ(blk_req_start(c, &r[4]), -EBUSY);
	CHECK_EQ(blk_req_start(c, &r[4]), -EBUSY);
	CHECK_EQ(st[4], 0xee);
	drain(c, 4);
	CHECK_EQ(blk_req_start(c, &r[4]), BLK_REQ_QUEUED);
	drain(c, 1);
	for (unsigned i = 0; i < 5; i++) {
		u8 fb[512];

		CHECK_EQ(st[i], VIRTIO_BLK_S_OK);
		file_read((200 + i) * 512ull, fb, 512);
		CHECK(all_bytes(fb, 512, (u8)(i + 1)));
	}
	uring_q_destroy(&small);
	c->uq = saved;
}

static void test_direct(struct uring_q *uq)
{
	struct blk_file f;
	struct blk_req_ctx c;
	static u8 raw[3 * 4096] __attribute__((aligned(4096)));
	u8 *odd = raw + 3; /* misaligned for O_DIRECT */
	static u8 fb[4096];
	u8 st;

	if (blk_file_open(&f, path, false, true)) {
		fprintf(stderr, "O_DIRECT not supported on /tmp: bounce test not run\n");
		return;
	}
	CHECK_EQ(f.align, 4096);
	blk_req_probe_align(&f);
	CHECK(f.align >= 512 && f.align <= 4096);
	blk_req_ctx_init(&c, &f, uq, "direct", NULL, f.align);
	c.features = blk_req_features(&f, false);
	for (unsigned i = 0; i < 4096; i++)
		odd[i] = (u8)(i ^ 0x5c);
	CHECK_EQ(rw(&c, VIRTIO_BLK_T_OUT, 64, odd, 4096, &st), 1);
	CHECK_EQ(st, VIRTIO_BLK_S_OK);
	CHECK_EQ(c.stats.bounced, 1);
	file_read(64 * 512, fb, sizeof(fb));
	CHECK(!memcmp(fb, odd, 4096));
	memset(raw, 0, sizeof(raw));
	CHECK_EQ(rw(&c, VIRTIO_BLK_T_IN, 64, odd, 4096, &st), 4097);
	CHECK_EQ(st, VIRTIO_BLK_S_OK);
	CHECK(!memcmp(fb, odd, 4096));
	CHECK_EQ(c.stats.bounced, 2);
	/* Aligned buffers go straight through. */
	CHECK_EQ(rw(&c, VIRTIO_BLK_T_IN, 64, raw + 4096, 4096, &st), 4097);
	CHECK_EQ(c.stats.bounced, 2);
	CHECK(!memcmp(fb, raw + 4096, 4096));
	blk_file_close(&f);
}

/* Two queues (two io_urings) on one image: what one wrote, the other reads. */
static void test_multiqueue(struct blk_file *f)
{
	struct uring_q q0, q1;
	struct blk_req_ctx c0, c1;
	static u8 w[8192], rd[8192];
	u8 st;

	CHECK_EQ(uring_q_init(&q0, 64), 0);
	CHECK_EQ(uring_q_init(&q1, 64), 0);
	blk_req_ctx_init(&c0, f, &q0, "mq0", NULL, 512);
	blk_req_ctx_init(&c1, f, &q1, "mq1", NULL, 512);
	c0.features = c1.features = blk_req_features(f, true);
	CHECK(c0.features & BIT64(VIRTIO_BLK_F_MQ));
	for (unsigned round = 0; round < 4; round++) {
		memset(w, 0x30 + (int)round, sizeof(w));
		CHECK_EQ(rw(round & 1 ? &c1 : &c0, VIRTIO_BLK_T_OUT, 300, w, sizeof(w), &st), 1);
		CHECK_EQ(rw(round & 1 ? &c0 : &c1, VIRTIO_BLK_T_IN, 300, rd, sizeof(rd), &st),
			 sizeof(rd) + 1);
		CHECK(!memcmp(w, rd, sizeof(w)));
	}
	uring_q_destroy(&q0);
	uring_q_destroy(&q1);
}

/*
 * Features follow what the image's file system can do: on tmpfs (no
 * ZERO_RANGE) WRITE_ZEROES is not offered — Linux's mkfs.ext4 sent
 * WRITE_ZEROES without unmap there and got I/O errors — but DISCARD is.
 */
static void test_features_tmpfs(void)
{
	char shm[] = "/dev/shm/iovirt-blkreq-XXXXXX";
	struct blk_file sf;
	struct statfs sfs;
	u64 feat;
	int fd = mkstemp(shm);

	if (fd < 0 || fstatfs(fd, &sfs) || sfs.f_type != TMPFS_MAGIC) {
		printf("# no tmpfs at /dev/shm: WRITE_ZEROES on tmpfs not checked\n");
		if (fd >= 0) {
			close(fd);
			unlink(shm);
		}
		return;
	}
	CHECK_EQ(ftruncate(fd, 1 << 20), 0);
	close(fd);
	CHECK_EQ(blk_file_open(&sf, shm, false, false), 0);
	feat = blk_req_features(&sf, false);
	CHECK(feat & BIT64(VIRTIO_BLK_F_DISCARD));
	CHECK(!(feat & BIT64(VIRTIO_BLK_F_WRITE_ZEROES)));
	blk_file_close(&sf);
	unlink(shm);
}

static void test_config(const struct blk_file *f)
{
	struct virtio_blk_config cfg;

	blk_req_fill_config(&cfg, f, 512, 4, 256);
	CHECK_EQ(le64_to_cpu(cfg.capacity), DISK_SIZE / 512);
	CHECK_EQ(le32_to_cpu(cfg.seg_max), 254);
	CHECK_EQ(le32_to_cpu(cfg.blk_size), 512);
	CHECK_EQ(le16_to_cpu(cfg.num_queues), 4);
	CHECK_EQ(le32_to_cpu(cfg.max_discard_seg), BLK_REQ_DWZ_SEG_MAX);
	CHECK_EQ(le32_to_cpu(cfg.discard_sector_alignment), 1);
	blk_req_fill_config(&cfg, f, 4096, 1, 64);
	CHECK_EQ(le32_to_cpu(cfg.seg_max), 62);
	CHECK_EQ(le32_to_cpu(cfg.discard_sector_alignment), 8);
}

int main(void)
{
	struct blk_file f;
	struct uring_q uq;
	struct blk_req_ctx c;
	int fd = mkstemp(path);

	CHECK(fd >= 0);
	CHECK_EQ(ftruncate(fd, DISK_SIZE), 0);
	close(fd);
	CHECK_EQ(blk_file_open(&f, path, false, false), 0);
	CHECK_EQ(uring_q_init(&uq, 64), 0);
	blk_req_ctx_init(&c, &f, &uq, "test-disk", "0123456789abcdefghijKLMN", 512);
	c.features = blk_req_features(&f, false);
	CHECK(c.features & BIT64(VIRTIO_BLK_F_FLUSH));
	CHECK(!(c.features & BIT64(VIRTIO_BLK_F_RO)));
	/* /tmp here is ext4: both fallocate modes, both features. */
	CHECK(f.can_punch_hole == !!(c.features & BIT64(VIRTIO_BLK_F_DISCARD)));
	CHECK(f.can_zero_range == !!(c.features & BIT64(VIRTIO_BLK_F_WRITE_ZEROES)));

	test_rw(&c);
	test_hostile(&c);
	test_get_id(&c);
	test_flush(&c);
	test_discard(&c);
	test_busy(&c);
	test_readonly(&uq);
	test_direct(&uq);
	test_multiqueue(&f);
	test_config(&f);
	test_features_tmpfs();

	uring_q_destroy(&uq);
	blk_file_close(&f);
	unlink(path);
	return check_done();
}
