// SPDX-License-Identifier: GPL-2.0-only
/*
 * virtio-blk requests (virtio 1.2 §5.2.6) on a raw image through io_uring: the
 * parsing and checking of a popped chain, and the io_uring operations that
 * carry it out. Shared by the in-VMM device (blk.c) and the vhost-user block
 * back-end; it never touches a virtqueue or the VM.
 *
 * A request is { le32 type; le32 reserved; le64 sector; data...; u8 status }
 * where the header is device-readable and the status byte is the last
 * device-writable byte. No framing is assumed (§2.6.4, VERSION_1 implies
 * ANY_LAYOUT): the header may be split over buffers and the status byte may
 * share a buffer with data.
 */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "iovirt/blk_req.h"
#include "iovirt/virtio.h"

#define SECTOR_SHIFT	9
#define SECTOR_SIZE	512u

void blk_req_ctx_init(struct blk_req_ctx *c, const struct blk_file *f, struct uring_q *uq,
		      const char *name, const char *serial, u32 blk_size)
{
	memset(c, 0, sizeof(*c));
	c->file = f;
	c->uq = uq;
	c->name = name;
	c->blk_size = blk_size < SECTOR_SIZE ? SECTOR_SIZE : blk_size;
	c->rl = (struct ratelimit)RATELIMIT_INIT;
	/* GET_ID: NUL-padded, no terminator when 20 bytes long (§5.2.6). */
	if (serial)
		memcpy(c->serial, serial, MIN(strlen(serial), sizeof(c->serial)));
}

void blk_req_init(struct blk_req *r)
{
	r->elem.iov = r->iov;
	r->elem.iov_max = BLK_REQ_IOV_MAX;
	r->state = BLK_REQ_NEW;
	r->status = VIRTIO_BLK_S_OK;
	r->status_ptr = NULL;
	r->bounce = NULL;
	r->pending = 0;
	r->used_len = 0;
	r->nseg = 0;
	r->ndata = 0;
}

/* Write the status byte and compute the used length (§2.7.8: bytes written). */
static void req_finish(struct blk_req_ctx *c, struct blk_req *r, u8 status, u64 data_written)
{
	r->status = status;
	if (status == VIRTIO_BLK_S_IOERR)
		c->stats.ioerr++;
	else if (status == VIRTIO_BLK_S_UNSUPP)
		c->stats.unsupp++;
	free(r->bounce);
	r->bounce = NULL;
	if (!r->status_ptr) {
		r->used_len = 0;
		return;
	}
	WRITE_ONCE(*r->status_ptr, status);
	r->used_len = (u32)data_written + 1;
}

/*
 * Find the status byte (the last writable byte) and take it out of the
 * writable iovecs, so that they describe only data. Returns false when the
 * chain has no writable byte at all.
 */
static bool req_take_status(struct blk_req *r)
{
	struct virtq_elem *e = &r->elem;
	struct iovec *in = e->iov + e->out_num;

	for (unsigned i = e->in_num; i-- > 0;) {
		if (!in[i].iov_len)
			continue;
		/* GUEST: in[i] was mapped writable by virtq_pop; its last byte lies inside it. */
		r->status_ptr = (u8 *)in[i].iov_base + in[i].iov_len - 1;
		in[i].iov_len--;
		r->data = in;
		r->ndata = in[i].iov_len ? i + 1 : i;
		return true;
	}
	return false;
}

/* Point r->data at the readable bytes after the 16-byte header. */
static void req_data_after_header(struct blk_req *r)
{
	struct virtq_elem *e = &r->elem;
	size_t skip = sizeof(struct virtio_blk_outhdr);
	unsigned i = 0;

	while (skip && i < e->out_num) {
		if (e->iov[i].iov_len <= skip) {
			skip -= e->iov[i].iov_len;
			i++;
		} else {
			e->iov[i].iov_base = (u8 *)e->iov[i].iov_base + skip;
			e->iov[i].iov_len -= skip;
			skip = 0;
		}
	}
	r->data = e->iov + i;
	r->ndata = e->out_num - i;
}

/* [sector, sector + bytes) inside the disk, without overflow. */
static bool range_inside(const struct blk_file *f, u64 sector, u64 bytes)
{
	u64 off;

	if (sector > (UINT64_MAX >> SECTOR_SHIFT))
		return false;
	off = sector << SECTOR_SHIFT;
	return bytes <= f->size && off <= f->size - bytes;
}

static int req_parse_rw(struct blk_req_ctx *c, struct blk_req *r, u64 sector, u64 len)
{
	const char *what = r->type == VIRTIO_BLK_T_IN ? "read" : "write";

	if (r->type == VIRTIO_BLK_T_OUT && c->file->readonly) {
		/* §5.2.6.2: IOERR for a write to a read-only device, and write nothing. */
		dev_warn_rl(&c->rl, c->name, "write to a read-only disk refused");
		req_finish(c, r, VIRTIO_BLK_S_IOERR, 0);
		return BLK_REQ_DONE;
	}
	if (len % SECTOR_SIZE) {
		/* §5.2.6.1: data is a multiple of 512 bytes. */
		dev_warn_rl(&c->rl, c->name, "%s of %llu bytes is not a multiple of 512", what,
			    (unsigned long long)len);
		req_finish(c, r, VIRTIO_BLK_S_IOERR, 0);
		return BLK_REQ_DONE;
	}
	if (!range_inside(c->file, sector, len)) {
		dev_warn_rl(&c->rl, c->name, "%s of %llu bytes at sector %llu is past the end",
			    what, (unsigned long long)len, (unsigned long long)sector);
		req_finish(c, r, VIRTIO_BLK_S_IOERR, 0);
		return BLK_REQ_DONE;
	}
	r->off = sector << SECTOR_SHIFT;
	r->len = len;
	if (!len) {
		req_finish(c, r, VIRTIO_BLK_S_OK, 0);
		return BLK_REQ_DONE;
	}
	r->state = BLK_REQ_PARSED;
	return BLK_REQ_QUEUED;
}

/* DISCARD and WRITE_ZEROES: an array of 16-byte segments after the header. */
static int req_parse_dwz(struct blk_req_ctx *c, struct blk_req *r, u64 len)
{
	bool discard = r->type == VIRTIO_BLK_T_DISCARD;
	unsigned feature = discard ? VIRTIO_BLK_F_DISCARD : VIRTIO_BLK_F_WRITE_ZEROES;
	const char *what = discard ? "discard" : "write-zeroes";
	u64 nseg = len / sizeof(struct virtio_blk_discard_write_zeroes);

	if (!(c->features & BIT64(feature))) {
		req_finish(c, r, VIRTIO_BLK_S_UNSUPP, 0);
		return BLK_REQ_DONE;
	}
	if (c->file->readonly) {
		req_finish(c, r, VIRTIO_BLK_S_IOERR, 0);
		return BLK_REQ_DONE;
	}
	if (!len || len % sizeof(struct virtio_blk_discard_write_zeroes)) {
		dev_warn_rl(&c->rl, c->name, "%s data of %llu bytes is not whole segments", what,
			    (unsigned long long)len);
		req_finish(c, r, VIRTIO_BLK_S_IOERR, 0);
		return BLK_REQ_DONE;
	}
	if (nseg > BLK_REQ_DWZ_SEG_MAX) {
		/* More than max_discard_seg / max_write_zeroes_seg: a request we do not take. */
		dev_warn_rl(&c->rl, c->name, "%s of %llu segments (max %u)", what,
			    (unsigned long long)nseg, BLK_REQ_DWZ_SEG_MAX);
		req_finish(c, r, VIRTIO_BLK_S_UNSUPP, 0);
		return BLK_REQ_DONE;
	}
	virtio_iov_to_buf(r->data, r->ndata, 0, r->seg, len);
	r->nseg = 0;
	for (unsigned i = 0; i < nseg; i++) {
		const struct virtio_blk_discard_write_zeroes *s = &r->seg[i];
		u32 flags = le32_to_cpu(s->flags);
		u32 num = le32_to_cpu(s->num_sectors);
		u64 sector = le64_to_cpu(s->sector);

		/* §5.2.6.2: UNSUPP for an unknown flag, and for unmap on a discard. */
		if ((flags & ~VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP) ||
		    (discard && (flags & VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP))) {
			dev_warn_rl(&c->rl, c->name, "%s segment with flags 0x%x", what, flags);
			req_finish(c, r, VIRTIO_BLK_S_UNSUPP, 0);
			return BLK_REQ_DONE;
		}
		if (num > BLK_REQ_DWZ_SECTORS_MAX ||
		    !range_inside(c->file, sector, (u64)num << SECTOR_SHIFT)) {
			dev_warn_rl(&c->rl, c->name, "%s of %u sectors at %llu is out of range",
				    what, num, (unsigned long long)sector);
			req_finish(c, r, VIRTIO_BLK_S_IOERR, 0);
			return BLK_REQ_DONE;
		}
		if (num)
			r->seg[r->nseg++] = *s;
	}
	if (!r->nseg) {
		req_finish(c, r, VIRTIO_BLK_S_OK, 0);
		return BLK_REQ_DONE;
	}
	r->state = BLK_REQ_PARSED;
	return BLK_REQ_QUEUED;
}

static int req_parse(struct blk_req_ctx *c, struct blk_req *r)
{
	struct virtq_elem *e = &r->elem;
	struct virtio_blk_outhdr hdr;
	u64 sector;

	if (!req_take_status(r)) {
		/* Nowhere to put a status: complete with nothing written, tell the host. */
		c->stats.bad++;
		dev_warn_rl(&c->rl, c->name, "request with no writable status byte");
		req_finish(c, r, VIRTIO_BLK_S_IOERR, 0);
		return BLK_REQ_DONE;
	}
	if (e->out_len < sizeof(hdr)) {
		c->stats.bad++;
		dev_warn_rl(&c->rl, c->name, "request header of %llu bytes (need 16)",
			    (unsigned long long)e->out_len);
		req_finish(c, r, VIRTIO_BLK_S_IOERR, 0);
		return BLK_REQ_DONE;
	}
	virtio_iov_to_buf(e->iov, e->out_num, 0, &hdr, sizeof(hdr));
	r->type = le32_to_cpu(hdr.type);
	sector = le64_to_cpu(hdr.sector);

	switch (r->type) {
	case VIRTIO_BLK_T_IN:
		/* data = the writable part minus the status byte (already taken). */
		return req_parse_rw(c, r, sector, e->in_len - 1);
	case VIRTIO_BLK_T_OUT:
		req_data_after_header(r);
		return req_parse_rw(c, r, sector, e->out_len - sizeof(hdr));
	case VIRTIO_BLK_T_FLUSH:
		r->state = BLK_REQ_PARSED;
		return BLK_REQ_QUEUED;
	case VIRTIO_BLK_T_GET_ID: {
		size_t n = MIN(e->in_len - 1, (u64)VIRTIO_BLK_ID_BYTES);

		c->stats.get_id++;
		n = virtio_iov_from_buf(r->data, r->ndata, 0, c->serial, n);
		req_finish(c, r, VIRTIO_BLK_S_OK, n);
		return BLK_REQ_DONE;
	}
	case VIRTIO_BLK_T_DISCARD:
	case VIRTIO_BLK_T_WRITE_ZEROES:
		req_data_after_header(r);
		return req_parse_dwz(c, r, e->out_len - sizeof(hdr));
	default:
		/* GET_LIFETIME, SECURE_ERASE, zoned and SCSI commands: not offered. */
		req_finish(c, r, VIRTIO_BLK_S_UNSUPP, 0);
		return BLK_REQ_DONE;
	}
}

/* O_DIRECT needs every buffer and length aligned; otherwise copy through a bounce buffer. */
static bool req_aligned(const struct blk_file *f, const struct blk_req *r)
{
	if (!f->direct || f->align <= 1)
		return true;
	for (unsigned i = 0; i < r->ndata; i++)
		if (!IS_ALIGNED((uintptr_t)r->data[i].iov_base, f->align) ||
		    !IS_ALIGNED(r->data[i].iov_len, f->align))
			return false;
	return true;
}

static int req_setup_bounce(struct blk_req_ctx *c, struct blk_req *r)
{
	if (r->len > BLK_REQ_BOUNCE_MAX) {
		dev_warn_rl(&c->rl, c->name, "unaligned request of %llu bytes is too large to bounce",
			    (unsigned long long)r->len);
		return -E2BIG;
	}
	if (posix_memalign(&r->bounce, c->file->align, r->len))
		return -ENOMEM;
	if (r->type == VIRTIO_BLK_T_OUT)
		virtio_iov_to_buf(r->data, r->ndata, 0, r->bounce, r->len);
	r->bounce_iov = (struct iovec){ r->bounce, r->len };
	c->stats.bounced++;
	return 0;
}

static unsigned uring_free(const struct uring_q *q)
{
	return q->depth - q->queued - q->inflight;
}

/* Prepare the io_uring operations of a parsed request. */
static int req_submit(struct blk_req_ctx *c, struct blk_req *r)
{
	const struct blk_file *f = c->file;
	unsigned need = r->type == VIRTIO_BLK_T_DISCARD || r->type == VIRTIO_BLK_T_WRITE_ZEROES ?
				r->nseg : 1;
	int ret = 0;

	if (uring_free(c->uq) < need)
		return -EBUSY;
	r->pending = 0;
	switch (r->type) {
	case VIRTIO_BLK_T_IN:
	case VIRTIO_BLK_T_OUT: {
		bool in = r->type == VIRTIO_BLK_T_IN;
		const struct iovec *iov = r->data;
		unsigned niov = r->ndata;

		if (!req_aligned(f, r)) {
			if (req_setup_bounce(c, r)) {
				req_finish(c, r, VIRTIO_BLK_S_IOERR, 0);
				return BLK_REQ_DONE;
			}
			iov = &r->bounce_iov;
			niov = 1;
		}
		ret = uring_q_prep(c->uq, f, in ? BLK_IO_READ : BLK_IO_WRITE, iov, niov, r->off,
				   r->len, r);
		if (!ret)
			r->pending = 1;
		break;
	}
	case VIRTIO_BLK_T_FLUSH:
		ret = uring_q_prep(c->uq, f, BLK_IO_FLUSH, NULL, 0, 0, 0, r);
		if (!ret)
			r->pending = 1;
		break;
	default:
		for (unsigned i = 0; i < r->nseg && !ret; i++) {
			const struct virtio_blk_discard_write_zeroes *s = &r->seg[i];
			enum blk_io_op op = BLK_IO_DISCARD;

			if (r->type == VIRTIO_BLK_T_WRITE_ZEROES)
				op = le32_to_cpu(s->flags) & VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP ?
					     BLK_IO_WRITE_ZEROES_UNMAP :
					     BLK_IO_WRITE_ZEROES;
			ret = uring_q_prep(c->uq, f, op, NULL, 0, le64_to_cpu(s->sector) << SECTOR_SHIFT,
					   (u64)le32_to_cpu(s->num_sectors) << SECTOR_SHIFT, r);
			if (!ret)
				r->pending++;
		}
		break;
	}
	if (ret) {
		/* Capacity was checked: this is an io_uring failure, not a full queue. */
		r->status = VIRTIO_BLK_S_IOERR;
		if (!r->pending) {
			req_finish(c, r, VIRTIO_BLK_S_IOERR, 0);
			return BLK_REQ_DONE;
		}
	}
	r->state = BLK_REQ_INFLIGHT;
	return BLK_REQ_QUEUED;
}

int blk_req_start(struct blk_req_ctx *c, struct blk_req *r)
{
	if (r->state == BLK_REQ_NEW) {
		int ret = req_parse(c, r);

		if (ret == BLK_REQ_DONE)
			return ret;
	}
	return req_submit(c, r);
}

static void req_account(struct blk_req_ctx *c, const struct blk_req *r)
{
	switch (r->type) {
	case VIRTIO_BLK_T_IN:
		c->stats.reads++;
		c->stats.bytes_read += r->len;
		break;
	case VIRTIO_BLK_T_OUT:
		c->stats.writes++;
		c->stats.bytes_written += r->len;
		break;
	case VIRTIO_BLK_T_FLUSH:
		c->stats.flushes++;
		break;
	case VIRTIO_BLK_T_DISCARD:
		c->stats.discards++;
		break;
	case VIRTIO_BLK_T_WRITE_ZEROES:
		c->stats.write_zeroes++;
		break;
	}
}

bool blk_req_complete(struct blk_req_ctx *c, struct blk_req *r, int res)
{
	bool rw = r->type == VIRTIO_BLK_T_IN || r->type == VIRTIO_BLK_T_OUT;

	if (res < 0 || (rw && r->state == BLK_REQ_INFLIGHT && (u64)res != r->len)) {
		if (r->status == VIRTIO_BLK_S_OK)
			dev_warn_rl(&c->rl, c->name, "I/O error on request type %u: %s", r->type,
				    res < 0 ? strerror(-res) : "short transfer");
		r->status = VIRTIO_BLK_S_IOERR;
	}
	if (r->pending && --r->pending)
		return false;

	/*
	 * §5.2.6.2: when FLUSH was offered but not negotiated, a completed write
	 * must already be stable — write-through: fdatasync before completing it.
	 */
	if (r->state == BLK_REQ_INFLIGHT && r->type == VIRTIO_BLK_T_OUT &&
	    r->status == VIRTIO_BLK_S_OK && !(c->features & BIT64(VIRTIO_BLK_F_FLUSH))) {
		free(r->bounce);
		r->bounce = NULL;
		if (uring_q_prep(c->uq, c->file, BLK_IO_FLUSH, NULL, 0, 0, 0, r) == 0) {
			r->pending = 1;
			r->state = BLK_REQ_FLUSHING;
			return false;
		}
		r->status = VIRTIO_BLK_S_IOERR;
	}
	if (r->type == VIRTIO_BLK_T_IN && r->bounce && r->status == VIRTIO_BLK_S_OK)
		virtio_iov_from_buf(r->data, r->ndata, 0, r->bounce, r->len);
	if (r->status == VIRTIO_BLK_S_OK)
		req_account(c, r);
	req_finish(c, r, r->status,
		   r->type == VIRTIO_BLK_T_IN && r->status == VIRTIO_BLK_S_OK ? r->len : 0);
	r->state = BLK_REQ_NEW;
	return true;
}

void blk_req_abandon(struct blk_req *r)
{
	free(r->bounce);
	r->bounce = NULL;
	r->pending = 0;
	r->state = BLK_REQ_NEW;
}

void blk_req_probe_align(struct blk_file *f)
{
	void *buf;

	if (!f->direct || f->is_blockdev || f->size < 4096)
		return;
	if (posix_memalign(&buf, 4096, 2 * 4096))
		return;
	/* The smallest alignment at which offset, length and memory all work. */
	for (u32 a = 512; a < f->align; a <<= 1) {
		if (pread(f->fd, (u8 *)buf + a, a, a) == (ssize_t)a) {
			f->align = a;
			break;
		}
	}
	free(buf);
}

u64 blk_req_features(const struct blk_file *f, bool multiqueue)
{
	u64 feat = BIT64(VIRTIO_BLK_F_SEG_MAX) | BIT64(VIRTIO_BLK_F_BLK_SIZE) |
		   BIT64(VIRTIO_BLK_F_TOPOLOGY) | BIT64(VIRTIO_BLK_F_FLUSH);

	if (multiqueue)
		feat |= BIT64(VIRTIO_BLK_F_MQ);
	if (f->readonly)
		feat |= BIT64(VIRTIO_BLK_F_RO);
	/*
	 * Only what the image's file system can do: a refused fallocate would be
	 * an I/O error in the guest (tmpfs has no ZERO_RANGE, and Linux sends
	 * WRITE_ZEROES without unmap for mkfs.ext4). Without the feature the
	 * guest discards nothing, or writes the zeroes itself.
	 */
	if (!f->readonly && f->can_punch_hole)
		feat |= BIT64(VIRTIO_BLK_F_DISCARD);
	if (!f->readonly && f->can_zero_range)
		feat |= BIT64(VIRTIO_BLK_F_WRITE_ZEROES);
	return feat;
}

void blk_req_fill_config(struct virtio_blk_config *cfg, const struct blk_file *f, u32 blk_size,
			 u16 num_queues, u16 queue_size)
{
	u32 bs = blk_size < SECTOR_SIZE ? SECTOR_SIZE : blk_size;

	memset(cfg, 0, sizeof(*cfg));
	cfg->capacity = cpu_to_le64(f->size >> SECTOR_SHIFT);
	/* seg_max: data buffers per request; header and status take two descriptors. */
	cfg->seg_max = cpu_to_le32(MIN((u32)BLK_REQ_SEG_MAX, (u32)queue_size - 2));
	cfg->blk_size = cpu_to_le32(bs);
	cfg->physical_block_exp = 0;
	cfg->alignment_offset = 0;
	cfg->min_io_size = cpu_to_le16(1);
	cfg->opt_io_size = cpu_to_le32(0);
	cfg->wce = 1;
	cfg->num_queues = cpu_to_le16(num_queues);
	cfg->max_discard_sectors = cpu_to_le32(BLK_REQ_DWZ_SECTORS_MAX);
	cfg->max_discard_seg = cpu_to_le32(BLK_REQ_DWZ_SEG_MAX);
	cfg->discard_sector_alignment = cpu_to_le32(bs >> SECTOR_SHIFT);
	cfg->max_write_zeroes_sectors = cpu_to_le32(BLK_REQ_DWZ_SECTORS_MAX);
	cfg->max_write_zeroes_seg = cpu_to_le32(BLK_REQ_DWZ_SEG_MAX);
	/* Write-zeroes with unmap punches a hole: sectors are deallocated. */
	cfg->write_zeroes_may_unmap = 1;
}
