// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for src/virtio/virtq_chain.c and the validation in the split
 * and packed pop paths: one case per rule a hostile driver can break, run on
 * both ring formats where the rule exists in both. Each case must give its
 * own error code, -EIO, exactly one warning, no change to guest memory or to
 * the queue's indices, and a queue that stays broken. Guest memory sits
 * between PROT_NONE guards, so an access outside it would crash the test.
 */
#include "virtq_fixture.h"

#define SPLIT  1u
#define PACKED 2u
#define BOTH   (SPLIT | PACKED)

#define TABLE (FX_DATA + 0x8000) /* where cases put their indirect tables */

/* A descriptor as a case writes it; `next` is the split next or the packed id. */
struct rd {
	u64 addr;
	u32 len;
	u16 flags;
	u16 next;
};

static bool is_packed(const struct fx *f)
{
	return f->m.flags & MOCK_VQ_PACKED;
}

/* Split: descriptors at table indices 0..n-1, head 0. Packed: n ring slots. */
static void put_chain(struct fx *f, const struct rd *d, unsigned n)
{
	if (is_packed(f)) {
		struct vring_packed_desc p[16];

		for (unsigned i = 0; i < n; i++)
			p[i] = (struct vring_packed_desc){d[i].addr, d[i].len, d[i].next,
							  d[i].flags};
		mock_vq_packed_raw(&f->m, p, n);
	} else {
		for (unsigned i = 0; i < n; i++)
			*mock_vq_desc(&f->m, (u16)i) =
				(struct vring_desc){d[i].addr, d[i].len, d[i].flags, d[i].next};
		mock_vq_split_raw(&f->m, 0);
	}
}

/* An indirect table at TABLE in the queue's format. */
static void put_table(struct fx *f, const struct rd *d, unsigned n)
{
	u8 *t = fx_host(f, TABLE, n * 16);

	for (unsigned i = 0; i < n; i++) {
		if (is_packed(f))
			((struct vring_packed_desc *)t)[i] =
				(struct vring_packed_desc){d[i].addr, d[i].len, 0, d[i].flags};
		else
			((struct vring_desc *)t)[i] =
				(struct vring_desc){d[i].addr, d[i].len, d[i].flags, d[i].next};
	}
}

#define N VRING_DESC_F_NEXT
#define W VRING_DESC_F_WRITE
#define I VRING_DESC_F_INDIRECT

static void head_range(struct fx *f)
{
	if (is_packed(f)) {
		struct rd d = {FX_DATA, 8, 0, 8}; /* buffer id 8 in a queue of 8 */

		put_chain(f, &d, 1);
	} else {
		mock_vq_split_raw(&f->m, 8);
	}
}

static void next_range(struct fx *f)
{
	struct rd d = {FX_DATA, 8, N, 8};

	put_chain(f, &d, 1);
}

static void loop(struct fx *f)
{
	struct rd d[2] = {{FX_DATA, 8, N, 1}, {FX_DATA, 8, N, 0}};

	put_chain(f, d, 2);
}

/* Packed: every one of the 8 slots says NEXT. Split: 8 distinct, then back to 0. */
static void too_long(struct fx *f)
{
	struct rd d[8];

	for (u16 i = 0; i < 8; i++)
		d[i] = (struct rd){FX_DATA, 8, N, (u16)((i + 1) % 8)};
	put_chain(f, d, 8);
}

static void nested_indirect(struct fx *f)
{
	struct rd t[2] = {{FX_DATA, 8, N, 1}, {TABLE, 32, I, 0}};
	struct rd d = {TABLE, 32, I, 0};

	put_table(f, t, 2);
	put_chain(f, &d, 1);
}

static void indirect_with_next(struct fx *f)
{
	struct rd t = {FX_DATA, 8, 0, 0};
	struct rd d[2] = {{TABLE, 16, I | N, 1}, {FX_DATA, 8, 0, 0}};

	put_table(f, &t, 1);
	put_chain(f, d, 2);
}

/* Packed §2.8.19: no INDIRECT in a list linked by NEXT. (Split allows it last.) */
static void indirect_in_list(struct fx *f)
{
	struct rd t = {FX_DATA, 8, 0, 0};
	struct rd d[2] = {{FX_DATA, 8, N, 0}, {TABLE, 16, I, 0}};

	put_table(f, &t, 1);
	put_chain(f, d, 2);
}

static void indirect_len_zero(struct fx *f)
{
	struct rd d = {TABLE, 0, I, 0};

	put_chain(f, &d, 1);
}

static void indirect_len_odd(struct fx *f)
{
	struct rd d = {TABLE, 24, I, 0};

	put_chain(f, &d, 1);
}

static void indirect_len_big(struct fx *f)
{
	struct rd d = {TABLE, 9 * 16, I, 0}; /* more entries than the queue size 8 */

	put_chain(f, &d, 1);
}

static void indirect_next_range(struct fx *f)
{
	struct rd t[2] = {{FX_DATA, 8, N, 5}, {FX_DATA, 8, 0, 0}};
	struct rd d = {TABLE, 32, I, 0};

	put_table(f, t, 2);
	put_chain(f, &d, 1);
}

static void indirect_loop(struct fx *f)
{
	struct rd t[2] = {{FX_DATA, 8, N, 1}, {FX_DATA, 8, N, 0}};
	struct rd d = {TABLE, 32, I, 0};

	put_table(f, t, 2);
	put_chain(f, &d, 1);
}

static void indirect_outside(struct fx *f)
{
	struct rd d = {FX_HOLE + 0x1000, 32, I, 0};

	put_chain(f, &d, 1);
}

/* A table that runs off the end of guest memory (the slow, copying path). */
static void indirect_cross_end(struct fx *f)
{
	u8 *t = fx_host(f, FX_HOLE - 16, 16);
	struct rd d = {FX_HOLE - 16, 32, I, 0};

	/* Entry 0 is fine and leads on to entry 1, which is not guest memory. */
	if (is_packed(f))
		*(struct vring_packed_desc *)t = (struct vring_packed_desc){FX_DATA, 8, 0, 0};
	else
		*(struct vring_desc *)t = (struct vring_desc){FX_DATA, 8, N, 1};
	put_chain(f, &d, 1);
}

static void buf_outside(struct fx *f)
{
	struct rd d = {FX_HOLE + 0x1000, 8, 0, 0};

	put_chain(f, &d, 1);
}

static void buf_cross_end(struct fx *f)
{
	struct rd d[2] = {{FX_DATA, 8, N, 1}, {FX_HOLE - 0x10, 0x20, W, 0}};

	put_chain(f, d, 2);
}

static void buf_wrap(struct fx *f)
{
	struct rd d = {~0ull - 0xf, 0x100, 0, 0};

	put_chain(f, &d, 1);
}

static void buf_iommu_denied(struct fx *f)
{
	struct rd d = {FX_IOVA_DENIED, 8, 0, 0};

	fx_use_iommu(f);
	put_chain(f, &d, 1);
}

static void buf_iommu_readonly(struct fx *f)
{
	struct rd d[2] = {{FX_IOVA + FX_DATA, 8, N, 1}, {FX_IOVA_RDONLY, 8, W, 0}};

	fx_use_iommu(f);
	put_chain(f, d, 2);
}

static void order(struct fx *f)
{
	struct rd d[2] = {{FX_DATA, 8, W | N, 1}, {FX_DATA, 8, 0, 0}};

	put_chain(f, d, 2);
}

static void order_in_table(struct fx *f)
{
	struct rd t[2] = {{FX_DATA, 8, W | N, 1}, {FX_DATA, 8, 0, 0}};
	struct rd d = {TABLE, 32, I, 0};

	put_table(f, t, 2);
	put_chain(f, &d, 1);
}

static void too_many_segs(struct fx *f)
{
	struct rd d[3] = {{FX_DATA, 8, N, 1}, {FX_DATA, 8, N, 2}, {FX_DATA, 8, 0, 0}};

	f->e.iov_max = 2;
	put_chain(f, d, 3);
}

/* 2^32 - 1 bytes plus 2 more: possible only with a guest that has 4 GiB (sparse here). */
static void total_len(struct fx *f)
{
	struct rd d[2] = {{SZ_4G, 0xffffffffu, N, 1}, {SZ_4G, 2, 0, 0}};

	CHECK_EQ(gmem_add_memfd(&f->g, SZ_4G, SZ_4G + SZ_4K, false), 0);
	put_chain(f, d, 2);
}

static void avail_jump(struct fx *f)
{
	struct rd d = {FX_DATA, 8, 0, 0};

	put_chain(f, &d, 1);
	f->m.avail->idx = 9; /* 9 new entries in a ring of 8 */
}

/* Split: the driver offers a 9th chain while 8 are in flight (one descriptor reused). */
static void split_overcommit(struct fx *f)
{
	struct rd d = {FX_DATA, 8, 0, 0};
	struct iovec iov;
	struct virtq_elem e;

	*mock_vq_desc(&f->m, 0) = (struct vring_desc){d.addr, d.len, 0, 0};
	for (int i = 0; i < 8; i++)
		mock_vq_split_raw(&f->m, 0);
	for (int i = 0; i < 8; i++) {
		virtq_elem_init(&e, &iov, 1);
		CHECK_EQ(virtq_pop(&f->vq, &e), 1);
	}
	mock_vq_split_raw(&f->m, 0);
}

/* Packed: a new list overlaps slots of one we still hold. */
static void packed_overcommit(struct fx *f)
{
	struct rd d[5];
	struct iovec iov[8];
	struct virtq_elem e;

	for (int i = 0; i < 5; i++)
		d[i] = (struct rd){FX_DATA, 8, i < 4 ? N : 0, 0};
	put_chain(f, d, 5);
	virtq_elem_init(&e, iov, 8);
	CHECK_EQ(virtq_pop(&f->vq, &e), 1);
	CHECK_EQ(e.ndescs, 5);
	put_chain(f, d + 1, 4); /* 5 + 4 slots > 8 */
}

struct hcase {
	const char *name;
	unsigned formats;
	unsigned flags;
	enum virtq_error want;
	void (*build)(struct fx *f);
};

static const struct hcase cases[] = {
	{"head out of range", BOTH, 0, VIRTQ_ERR_HEAD_RANGE, head_range},
	{"next out of range", SPLIT, 0, VIRTQ_ERR_NEXT_RANGE, next_range},
	{"loop", SPLIT, 0, VIRTQ_ERR_CHAIN_LOOP, loop},
	{"chain longer than the queue", BOTH, 0, VIRTQ_ERR_CHAIN_LOOP, too_long},
	{"indirect in indirect", BOTH, MOCK_VQ_INDIRECT, VIRTQ_ERR_NESTED_INDIRECT,
	 nested_indirect},
	{"indirect with next", BOTH, MOCK_VQ_INDIRECT, VIRTQ_ERR_INDIRECT_NEXT, indirect_with_next},
	{"indirect inside a list", PACKED, MOCK_VQ_INDIRECT, VIRTQ_ERR_INDIRECT_NEXT,
	 indirect_in_list},
	{"indirect length 0", BOTH, MOCK_VQ_INDIRECT, VIRTQ_ERR_INDIRECT_LEN, indirect_len_zero},
	{"indirect length 24", BOTH, MOCK_VQ_INDIRECT, VIRTQ_ERR_INDIRECT_LEN, indirect_len_odd},
	{"indirect table too large", BOTH, MOCK_VQ_INDIRECT, VIRTQ_ERR_INDIRECT_LEN,
	 indirect_len_big},
	{"indirect not negotiated", BOTH, 0, VIRTQ_ERR_INDIRECT_FEATURE, indirect_len_odd},
	{"indirect next out of range", SPLIT, MOCK_VQ_INDIRECT, VIRTQ_ERR_NEXT_RANGE,
	 indirect_next_range},
	{"indirect loop", SPLIT, MOCK_VQ_INDIRECT, VIRTQ_ERR_CHAIN_LOOP, indirect_loop},
	{"indirect table outside memory", BOTH, MOCK_VQ_INDIRECT, VIRTQ_ERR_BUF_ADDR,
	 indirect_outside},
	{"indirect table across the end of memory", BOTH, MOCK_VQ_INDIRECT, VIRTQ_ERR_BUF_ADDR,
	 indirect_cross_end},
	{"buffer outside memory", BOTH, 0, VIRTQ_ERR_BUF_ADDR, buf_outside},
	{"buffer across the end of memory", BOTH, 0, VIRTQ_ERR_BUF_ADDR, buf_cross_end},
	{"buffer wraps 2^64", BOTH, 0, VIRTQ_ERR_BUF_ADDR, buf_wrap},
	{"buffer refused by the IOMMU", BOTH, 0, VIRTQ_ERR_BUF_ADDR, buf_iommu_denied},
	{"writable buffer on a read-only IOMMU page", BOTH, 0, VIRTQ_ERR_BUF_ADDR,
	 buf_iommu_readonly},
	{"readable after writable", BOTH, 0, VIRTQ_ERR_ORDER, order},
	{"readable after writable in a table", BOTH, MOCK_VQ_INDIRECT, VIRTQ_ERR_ORDER,
	 order_in_table},
	{"more segments than the iovec", BOTH, 0, VIRTQ_ERR_TOO_MANY_SEGS, too_many_segs},
	{"total length over 2^32", BOTH, 0, VIRTQ_ERR_TOTAL_LEN, total_len},
	{"avail idx jump", SPLIT, 0, VIRTQ_ERR_AVAIL_IDX, avail_jump},
	{"more chains than descriptors", SPLIT, 0, VIRTQ_ERR_AVAIL_IDX, split_overcommit},
	{"list overlapping one in flight", PACKED, 0, VIRTQ_ERR_AVAIL_IDX, packed_overcommit},
};

static void run_case(const struct hcase *c, bool packed)
{
	u64 span = mock_vq_footprint(8, c->flags | (packed ? MOCK_VQ_PACKED : 0));
	u16 last_avail, used_idx;
	bool avail_wrap;
	u8 *ring, *snap;
	u64 warns;
	int r;
	struct fx f;

	fx_init(&f, 8, c->flags | (packed ? MOCK_VQ_PACKED : 0));
	c->build(&f);
	ring = fx_host(&f, FX_RING, span);
	snap = malloc(span);
	memcpy(snap, ring, span);
	last_avail = f.vq.last_avail_idx;
	avail_wrap = f.vq.avail_wrap;
	used_idx = f.vq.used_idx;
	warns = f.vq.rl.count;

	r = virtq_pop(&f.vq, &f.e);
	if (r != -EIO || f.vq.error != c->want)
		fprintf(stderr, "case \"%s\" (%s): pop %d, error %s\n", c->name,
			packed ? "packed" : "split", r, virtq_error_str(f.vq.error));
	CHECK_EQ(r, -EIO);
	CHECK_EQ(f.vq.error, c->want);
	CHECK_EQ(f.vq.rl.count, warns + 1);
	/* No side effect: the rings (and tables) unchanged, nothing consumed. */
	CHECK(!memcmp(snap, ring, span));
	CHECK_EQ(f.vq.last_avail_idx, last_avail);
	CHECK_EQ(f.vq.avail_wrap, avail_wrap);
	CHECK_EQ(f.vq.used_idx, used_idx);
	/* Broken for good: no more pops, pushes, flushes or notifications. */
	CHECK_EQ(virtq_pop(&f.vq, &f.e), -EIO);
	CHECK_EQ(f.vq.error, c->want);
	CHECK_EQ(f.vq.rl.count, warns + 1);
	virtq_push(&f.vq, &f.e, 0);
	virtq_flush(&f.vq);
	CHECK(!virtq_should_notify(&f.vq));
	CHECK(!virtq_has_avail(&f.vq));
	CHECK(!memcmp(snap, ring, span));
	free(snap);
	fx_fini(&f);
}

/* Not violations: what a hostile-looking but legal chain gives. */
static void test_legal_oddities(void)
{
	struct rd d[2] = {{FX_HOLE + 0x1000, 0, N, 1}, {FX_DATA, 8, W, 0}};
	struct fx f;

	for (int packed = 0; packed < 2; packed++) {
		/* A zero-length element carries no bytes: no iovec, its address is not used. */
		fx_init(&f, 8, packed ? MOCK_VQ_PACKED : 0);
		put_chain(&f, d, 2);
		CHECK_EQ(fx_pop(&f), 1);
		CHECK_EQ(f.e.out_num, 0);
		CHECK_EQ(f.e.in_num, 1);
		CHECK_EQ(f.e.ndescs, 2);
		CHECK_EQ(f.vq.error, VIRTQ_OK);
		fx_fini(&f);

		/* A chain as long as the queue is allowed. */
		fx_init(&f, 8, packed ? MOCK_VQ_PACKED : 0);
		{
			struct rd l[8];

			for (u16 i = 0; i < 8; i++)
				l[i] = (struct rd){FX_DATA + i, 1, i < 7 ? N : 0, (u16)(i + 1)};
			if (packed)
				l[7].next = 3; /* the buffer id, from the last descriptor */
			put_chain(&f, l, 8);
		}
		CHECK_EQ(fx_pop(&f), 1);
		CHECK_EQ(f.e.out_num, 8);
		CHECK_EQ(f.e.ndescs, 8);
		CHECK_EQ(f.e.id, packed ? 3 : 0);
		fx_fini(&f);

		/* A misaligned indirect table is read through the copying path. */
		fx_init(&f, 8, MOCK_VQ_INDIRECT | (packed ? MOCK_VQ_PACKED : 0));
		{
			struct rd t[2] = {{FX_DATA, 8, N, 1}, {FX_DATA + 8, 8, W, 0}};
			struct rd ind = {TABLE + 4, 32, I, 0};
			u8 *host = fx_host(&f, TABLE, 64);

			put_table(&f, t, 2);
			memmove(host + 4, host, 32);
			put_chain(&f, &ind, 1);
		}
		CHECK_EQ(fx_pop(&f), 1);
		CHECK_EQ(f.e.out_num, 1);
		CHECK_EQ(f.e.in_num, 1);
		CHECK(f.e.iov[1].iov_base == fx_host(&f, FX_DATA + 8, 8));
		fx_fini(&f);
	}
	/* An indirect table across two regions (host-discontiguous): copied entry by entry. */
	fx_init(&f, 8, MOCK_VQ_INDIRECT);
	{
		struct vring_desc *t0 = fx_host(&f, FX_B - 16, 16), *t1 = fx_host(&f, FX_B, 16);

		*t0 = (struct vring_desc){FX_DATA, 8, N, 1};
		*t1 = (struct vring_desc){FX_DATA + 16, 16, W, 0};
		*mock_vq_desc(&f.m, 0) = (struct vring_desc){FX_B - 16, 32, I, 0};
		mock_vq_split_raw(&f.m, 0);
	}
	CHECK_EQ(fx_pop(&f), 1);
	CHECK_EQ(f.e.out_len, 8);
	CHECK_EQ(f.e.in_len, 16);
	fx_fini(&f);
}

int main(void)
{
	for (unsigned i = 0; i < ARRAY_SIZE(cases); i++) {
		if (cases[i].formats & SPLIT)
			run_case(&cases[i], false);
		if (cases[i].formats & PACKED)
			run_case(&cases[i], true);
	}
	test_legal_oddities();
	for (int e = 0; e < VIRTQ_ERR_COUNT; e++)
		CHECK(virtq_error_str(e)[0] != '\0');
	return check_done();
}
