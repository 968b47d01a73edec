// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for virtq_unpop (src/virtio/virtq.c, virtq_split.c,
 * virtq_packed.c): chains given back in reverse pop order come out of the
 * next pops again with the same ids and buffers, on split and packed rings,
 * across the packed ring's wrap, with multi-descriptor chains, and the
 * in-flight accounting stays right so that pushes afterwards are accepted.
 */
#include "virtq_fixture.h"

static int add(struct fx *f, gpa_t gpa, unsigned n, u32 len)
{
	struct mock_buf b[4];

	for (unsigned i = 0; i < n; i++)
		b[i] = (struct mock_buf){ fx_addr(f, gpa + i * 0x1000), len, true };
	return mock_vq_add(&f->m, b, n, false);
}

/* Pop one chain into *e with its own iovecs. */
static int pop(struct fx *f, struct virtq_elem *e, struct iovec *iov)
{
	virtq_elem_init(e, iov, 8);
	return virtq_pop(&f->vq, e);
}

static void test_unpop(unsigned flags, u16 size, unsigned rounds, bool iommu)
{
	struct virtq_elem e[3];
	struct iovec iov[3][8];
	struct fx f;
	int id[3];

	fx_mem_init(&f);
	if (iommu)
		fx_use_iommu(&f);
	CHECK_EQ(fx_queue(&f, size, flags), 0);
	for (unsigned r = 0; r < rounds; r++) {
		/* Chains of 1, 2 and 1 descriptors: the packed ring wraps now and then. */
		id[0] = add(&f, FX_DATA, 1, 64);
		id[1] = add(&f, FX_DATA + 0x4000, 2, 100);
		id[2] = add(&f, FX_DATA + 0x8000, 1, 32);
		CHECK(id[0] >= 0 && id[1] >= 0 && id[2] >= 0);
		for (unsigned i = 0; i < 3; i++) {
			CHECK_EQ(pop(&f, &e[i], iov[i]), 1);
			CHECK_EQ(e[i].id, id[i]);
		}
		CHECK_EQ(f.vq.inflight, 3);
		/* Give back the last two, newest first. */
		virtq_unpop(&f.vq, &e[2]);
		virtq_unpop(&f.vq, &e[1]);
		CHECK_EQ(f.vq.inflight, 1);
		CHECK(virtq_has_avail(&f.vq));
		for (unsigned i = 1; i < 3; i++) {
			struct virtq_elem again;
			struct iovec iov2[8];

			CHECK_EQ(pop(&f, &again, iov2), 1);
			CHECK_EQ(again.id, e[i].id);
			CHECK_EQ(again.ndescs, e[i].ndescs);
			CHECK_EQ(again.in_len, e[i].in_len);
			CHECK(again.iov[0].iov_base == e[i].iov[0].iov_base);
			CHECK(again.iov[0].iov_base == fx_host(&f, FX_DATA + 0x4000 * i, 1));
		}
		{
			struct virtq_elem none;
			struct iovec iov3[8];

			CHECK_EQ(pop(&f, &none, iov3), 0);
		}
		/* All three are ours again: push them in order, the driver gets each once. */
		for (unsigned i = 0; i < 3; i++)
			virtq_push(&f.vq, &e[i], 8);
		virtq_flush(&f.vq);
		for (unsigned i = 0; i < 3; i++) {
			u32 len = 0;

			CHECK_EQ(mock_vq_get_used(&f.m, &len), id[i]);
			CHECK_EQ(len, 8);
		}
		CHECK_EQ(f.vq.inflight, 0);
		CHECK_EQ(f.vq.error, VIRTQ_OK);
	}
	fx_fini(&f);
}

/* Giving back what was never popped changes nothing. */
static void test_unpop_nothing(void)
{
	struct iovec iov[8];
	struct virtq_elem e;
	struct fx f;

	fx_init(&f, 8, MOCK_VQ_PACKED);
	virtq_elem_init(&e, iov, 8);
	e.ndescs = 1;
	virtq_unpop(&f.vq, &e);
	CHECK_EQ(f.vq.last_avail_idx, 0);
	CHECK_EQ(f.vq.inflight, 0);
	CHECK_EQ(f.vq.error, VIRTQ_OK);
	CHECK_EQ(fx_pop(&f), 0);
	fx_fini(&f);
}

int main(void)
{
	test_unpop(0, 8, 7, false);
	test_unpop(MOCK_VQ_EVENT_IDX, 4, 5, true);
	test_unpop(MOCK_VQ_PACKED, 8, 7, false);
	test_unpop(MOCK_VQ_PACKED, 5, 9, false);
	test_unpop(MOCK_VQ_PACKED | MOCK_VQ_EVENT_IDX, 4, 6, true);
	test_unpop_nothing();
	return check_done();
}
