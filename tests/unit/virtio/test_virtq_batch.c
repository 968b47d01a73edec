// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for virtq_pop_batch / virtq_push_batch and the one-descriptor
 * fast path of virtq_pop, split and packed, with and without the fake IOMMU:
 * a batch pops exactly what as many virtq_pop calls pop (the same chains, the
 * same iovecs, on twin queues fed the same mix of one-descriptor, multi,
 * indirect, zero-length and region-crossing chains); a bad chain in the
 * middle of a batch hands out the good ones before it and breaks the queue;
 * a refused one-descriptor buffer is one IOMMU fault; the in-flight limit;
 * a batch push is what as many pushes are (clamped lengths included).
 */
#include "virtq_fixture.h"

#define NCHAINS 24

static void addv(struct fx *f, const struct mock_buf *b, unsigned n, bool indirect)
{
	struct mock_buf c[8];

	for (unsigned i = 0; i < n; i++)
		c[i] = (struct mock_buf){ fx_addr(f, b[i].addr), b[i].len, b[i].write };
	CHECK(mock_vq_add(&f->m, c, n, indirect) >= 0);
}

/* Chain k of the mix both twins get. */
static void add_mix(struct fx *f, unsigned k)
{
	gpa_t a = FX_DATA + 0x1000ull * (k % 16);
	struct mock_buf b[3] = {
		{ a, 60 + k, false },
		{ a + 0x400, 100, true },
		{ a + 0x800, 1, true },
	};

	switch (k % 6) {
	case 0: /* one readable descriptor: the fast path */
		addv(f, b, 1, false);
		break;
	case 1: /* one writable descriptor */
		addv(f, &b[1], 1, false);
		break;
	case 2: /* a chain of three */
		addv(f, b, 3, false);
		break;
	case 3: /* an indirect table (the mock lays its tables out by GPA: none behind the IOMMU) */
		addv(f, b, 3, !f->iommu);
		break;
	case 4: /* one descriptor of zero bytes: the walker's case */
		b[0].len = 0;
		addv(f, b, 1, false);
		break;
	case 5: /* one descriptor across the boundary of the two regions: two iovecs */
		b[0].addr = FX_B - 32;
		b[0].len = 64;
		addv(f, b, 1, false);
		break;
	}
}

/* An iovec as an offset into guest memory (the twins have their own mappings). */
static u64 host_off(const struct fx *f, const void *p)
{
	const u8 *h = p;

	if (h >= f->host_a && h < f->host_a + FX_REGION)
		return (u64)(h - f->host_a);
	CHECK(h >= f->host_b && h < f->host_b + FX_REGION);
	return FX_REGION + (u64)(h - f->host_b);
}

static void check_same(const struct fx *fa, const struct virtq_elem *a, const struct fx *fb,
		       const struct virtq_elem *b)
{
	CHECK_EQ(a->id, b->id);
	CHECK_EQ(a->ndescs, b->ndescs);
	CHECK_EQ(a->out_num, b->out_num);
	CHECK_EQ(a->in_num, b->in_num);
	CHECK_EQ(a->out_len, b->out_len);
	CHECK_EQ(a->in_len, b->in_len);
	for (unsigned i = 0; i < a->out_num + a->in_num; i++) {
		CHECK_EQ(a->iov[i].iov_len, b->iov[i].iov_len);
		CHECK_EQ(host_off(fa, a->iov[i].iov_base), host_off(fb, b->iov[i].iov_base));
	}
}

/* A batch pops what single pops pop; a batch push publishes what single pushes do. */
static void test_same_as_single(unsigned flags, bool iommu)
{
	static struct iovec iov[NCHAINS][8];
	struct virtq_elem e[NCHAINS];
	struct fx fa, fb;
	unsigned got = 0;
	u32 written[NCHAINS];

	fx_mem_init(&fa);
	fx_mem_init(&fb);
	if (iommu) {
		fx_use_iommu(&fa);
		fx_use_iommu(&fb);
	}
	CHECK_EQ(fx_queue(&fa, 64, flags | MOCK_VQ_INDIRECT), 0);
	CHECK_EQ(fx_queue(&fb, 64, flags | MOCK_VQ_INDIRECT), 0);
	for (unsigned k = 0; k < NCHAINS; k++) {
		add_mix(&fa, k);
		add_mix(&fb, k);
	}
	for (unsigned k = 0; k < NCHAINS; k++)
		virtq_elem_init(&e[k], iov[k], 8);
	/* Uneven batches: 1, 5, 7, ... and one asking for more than there is. */
	for (unsigned want = 1; got < NCHAINS; want += 4) {
		int r = virtq_pop_batch(&fa.vq, &e[got], MIN(want, NCHAINS - got + 3));

		CHECK(r > 0);
		got += (unsigned)r;
	}
	CHECK_EQ(got, NCHAINS);
	/* Chain 0 is the one-descriptor frame at FX_DATA. */
	CHECK(e[0].iov[0].iov_base == fx_host(&fa, FX_DATA, 1));
	CHECK_EQ(virtq_pop_batch(&fa.vq, e, 4), 0);
	CHECK_EQ(fa.vq.inflight, NCHAINS);
	for (unsigned k = 0; k < NCHAINS; k++) {
		CHECK_EQ(fx_pop(&fb), 1);
		check_same(&fa, &e[k], &fb, &fb.e);
		/* A length beyond the writable part is clamped, as by virtq_push. */
		written[k] = k * 7;
		virtq_push(&fb.vq, &fb.e, written[k]);
	}
	CHECK_EQ(fa.vq.error, VIRTQ_OK);
	virtq_push_batch(&fa.vq, e, written, NCHAINS);
	virtq_flush(&fa.vq);
	virtq_flush(&fb.vq);
	CHECK_EQ(fa.vq.inflight, 0);
	for (unsigned k = 0; k < NCHAINS; k++) {
		u32 la, lb;

		CHECK_EQ(mock_vq_get_used(&fa.m, &la), mock_vq_get_used(&fb.m, &lb));
		CHECK_EQ(la, lb);
		CHECK_EQ(la, (u32)MIN((u64)written[k], e[k].in_len));
	}
	CHECK_EQ(fa.faults, 0);
	fx_fini(&fa);
	fx_fini(&fb);
}

/* Split: a head past the ring in the middle of a batch. */
static void test_bad_head_mid_batch(void)
{
	static struct iovec iov[8][4];
	struct virtq_elem e[8];
	struct fx f;

	fx_init(&f, 16, 0);
	for (unsigned k = 0; k < 3; k++)
		add_mix(&f, 0);
	mock_vq_split_raw(&f.m, 16); /* GUEST: head == size */
	add_mix(&f, 0);
	for (unsigned k = 0; k < 8; k++)
		virtq_elem_init(&e[k], iov[k], 4);
	CHECK_EQ(virtq_pop_batch(&f.vq, e, 8), 3);
	CHECK_EQ(f.vq.error, VIRTQ_ERR_HEAD_RANGE);
	CHECK_EQ(f.vq.inflight, 3);
	CHECK_EQ(virtq_pop_batch(&f.vq, e, 8), -EIO);
	CHECK_EQ(virtq_pop(&f.vq, &f.e), -EIO);
	fx_fini(&f);
}

/* Split: a one-descriptor chain with NEXT pointing past the table, after good ones. */
static void test_bad_next_mid_batch(void)
{
	static struct iovec iov[8][4];
	struct virtq_elem e[8];
	struct vring_desc *d;
	struct fx f;
	struct mock_buf b = { FX_DATA, 64, false };
	int h0, h1;
	u16 x = 0;

	fx_init(&f, 16, 0);
	h0 = mock_vq_add(&f.m, &b, 1, false);
	h1 = mock_vq_add(&f.m, &b, 1, false);
	while (x == h0 || x == h1)
		x++;
	/* A descriptor the driver does not use, made a chain head by hand. */
	d = mock_vq_desc(&f.m, x);
	d->addr = FX_DATA;
	d->len = 64;
	d->flags = VRING_DESC_F_NEXT;
	d->next = 200;
	mock_vq_split_raw(&f.m, x);
	for (unsigned k = 0; k < 8; k++)
		virtq_elem_init(&e[k], iov[k], 4);
	CHECK_EQ(virtq_pop_batch(&f.vq, e, 8), 2);
	CHECK_EQ(f.vq.error, VIRTQ_ERR_NEXT_RANGE);
	CHECK_EQ(virtq_pop_batch(&f.vq, e, 8), -EIO);
	fx_fini(&f);
}

/* Packed: a one-descriptor chain outside guest memory after two good ones. */
static void test_packed_bad_buf_mid_batch(void)
{
	static struct iovec iov[8][4];
	struct vring_packed_desc d = { .addr = FX_HOLE + 0x1000, .len = 64, .id = 2 };
	struct virtq_elem e[8];
	struct fx f;

	fx_init(&f, 16, MOCK_VQ_PACKED);
	add_mix(&f, 0);
	add_mix(&f, 0);
	mock_vq_packed_raw(&f.m, &d, 1);
	for (unsigned k = 0; k < 8; k++)
		virtq_elem_init(&e[k], iov[k], 4);
	CHECK_EQ(virtq_pop_batch(&f.vq, e, 8), 2);
	CHECK_EQ(f.vq.error, VIRTQ_ERR_BUF_ADDR);
	CHECK_EQ(virtq_pop_batch(&f.vq, e, 8), -EIO);
	fx_fini(&f);
}

/* Packed: a one-descriptor chain whose id is past the ring. */
static void test_packed_bad_id(void)
{
	struct vring_packed_desc d = { .addr = FX_DATA, .len = 64, .id = 16 };
	struct fx f;

	fx_init(&f, 16, MOCK_VQ_PACKED);
	mock_vq_packed_raw(&f.m, &d, 1);
	CHECK_EQ(virtq_pop(&f.vq, &f.e), -EIO);
	CHECK_EQ(f.vq.error, VIRTQ_ERR_HEAD_RANGE);
	CHECK_EQ(f.vq.inflight, 0);
	fx_fini(&f);
}

/* A refused one-descriptor buffer is one fault, however the chain is walked. */
static void test_fast_refusal(unsigned flags)
{
	struct mock_buf b = { FX_IOVA_DENIED + 0x10, 64, false };
	struct fx f;

	fx_mem_init(&f);
	fx_use_iommu(&f);
	CHECK_EQ(fx_queue(&f, 16, flags), 0);
	CHECK(mock_vq_add(&f.m, &b, 1, false) >= 0);
	CHECK_EQ(virtq_pop(&f.vq, &f.e), -EIO);
	CHECK_EQ(f.vq.error, VIRTQ_ERR_BUF_ADDR);
	CHECK_EQ(f.faults, 1);
	fx_fini(&f);

	/* Read-only page, device-writable buffer: refused for the permission. */
	b = (struct mock_buf){ FX_IOVA_RDONLY, 64, true };
	fx_mem_init(&f);
	fx_use_iommu(&f);
	CHECK_EQ(fx_queue(&f, 16, flags), 0);
	CHECK(mock_vq_add(&f.m, &b, 1, false) >= 0);
	CHECK_EQ(virtq_pop(&f.vq, &f.e), -EIO);
	CHECK_EQ(f.vq.error, VIRTQ_ERR_BUF_ADDR);
	CHECK_EQ(f.faults, 1);
	fx_fini(&f);
}

/* No iovec at all: the fast path must not write one. */
static void test_no_iov(unsigned flags)
{
	struct virtq_elem e;
	struct fx f;

	fx_init(&f, 16, flags);
	add_mix(&f, 0);
	virtq_elem_init(&e, NULL, 0);
	CHECK_EQ(virtq_pop(&f.vq, &e), -EIO);
	CHECK_EQ(f.vq.error, VIRTQ_ERR_TOO_MANY_SEGS);
	fx_fini(&f);
}

/*
 * Split: the driver makes more heads available than the ring has while we
 * hold every descriptor: a batch pops what fits and the next one breaks.
 */
static void test_inflight_limit(void)
{
	static struct iovec iov[12][4];
	struct virtq_elem e[12];
	struct fx f;

	fx_init(&f, 8, 0);
	for (unsigned k = 0; k < 8; k++)
		add_mix(&f, 0);
	for (unsigned k = 0; k < 12; k++)
		virtq_elem_init(&e[k], iov[k], 4);
	CHECK_EQ(virtq_pop_batch(&f.vq, e, 6), 6);
	/* GUEST: two more heads (descriptors we hold) on top of the two left. */
	mock_vq_split_raw(&f.m, 0);
	mock_vq_split_raw(&f.m, 1);
	CHECK_EQ(virtq_pop_batch(&f.vq, &e[6], 6), 2);
	CHECK_EQ(f.vq.error, VIRTQ_OK);
	CHECK_EQ(virtq_pop_batch(&f.vq, &e[8], 4), -EIO);
	CHECK_EQ(f.vq.error, VIRTQ_ERR_AVAIL_IDX);
	fx_fini(&f);
}

/* A batch push of an element never popped breaks the queue, as a single push does. */
static void test_push_batch_bogus(void)
{
	static struct iovec iov[2][4];
	struct virtq_elem e[2];
	struct fx f;

	fx_init(&f, 8, 0);
	add_mix(&f, 0);
	virtq_elem_init(&e[0], iov[0], 4);
	virtq_elem_init(&e[1], iov[1], 4);
	CHECK_EQ(virtq_pop_batch(&f.vq, e, 2), 1);
	e[1] = e[0];
	e[1].id = 9; /* past the ring */
	virtq_push_batch(&f.vq, e, NULL, 2);
	CHECK_EQ(f.vq.error, VIRTQ_ERR_USED_ID);
	fx_fini(&f);
}

int main(void)
{
	test_same_as_single(0, false);
	test_same_as_single(0, true);
	test_same_as_single(MOCK_VQ_PACKED, false);
	test_same_as_single(MOCK_VQ_PACKED, true);
	test_bad_head_mid_batch();
	test_bad_next_mid_batch();
	test_packed_bad_buf_mid_batch();
	test_packed_bad_id();
	test_fast_refusal(0);
	test_fast_refusal(MOCK_VQ_PACKED);
	test_no_iov(0);
	test_no_iov(MOCK_VQ_PACKED);
	test_inflight_limit();
	test_push_batch_bogus();
	return check_done();
}
