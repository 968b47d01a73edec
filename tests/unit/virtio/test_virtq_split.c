// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for src/virtio/virtq_split.c (and the common virtq.c) driven by
 * the driver-side mock: round trips of one- and multi-descriptor chains,
 * indirect tables, batched push/flush, index wrap-around at 65535, both
 * directions of notification suppression with and without EVENT_IDX,
 * GET/SET_VRING_BASE, an IOMMU that refuses pages, buffers across two guest
 * memory regions, and ring checks at init.
 */
#include "virtq_fixture.h"

static int add1(struct fx *f, gpa_t gpa, u32 len, bool write)
{
	struct mock_buf b = {fx_addr(f, gpa), len, write};

	return mock_vq_add(&f->m, &b, 1, false);
}

/* Pop, push `written`, flush; return the id the driver got back. */
static int round_trip(struct fx *f, u32 written, u32 *len)
{
	CHECK_EQ(fx_pop(f), 1);
	virtq_push(&f->vq, &f->e, written);
	virtq_flush(&f->vq);
	return mock_vq_get_used(&f->m, len);
}

static void test_single(void)
{
	struct fx f;
	u32 len = 99;
	int id;

	fx_init(&f, 8, 0);
	f.e.id = 77;
	CHECK_EQ(fx_pop(&f), 0); /* empty: the elem is left alone */
	CHECK_EQ(f.e.id, 77);
	memcpy(fx_host(&f, FX_DATA, 4), "ping", 4);
	id = add1(&f, FX_DATA, 4, false);
	CHECK_EQ(id, 0);
	CHECK_EQ(fx_pop(&f), 1);
	CHECK_EQ(f.e.id, id);
	CHECK_EQ(f.e.out_num, 1);
	CHECK_EQ(f.e.in_num, 0);
	CHECK_EQ(f.e.out_len, 4);
	CHECK(f.e.iov[0].iov_base == fx_host(&f, FX_DATA, 4));
	CHECK(!memcmp(f.e.iov[0].iov_base, "ping", 4));
	CHECK_EQ(fx_pop(&f), 0);
	/* Nothing visible to the driver before the flush. */
	virtq_push(&f.vq, &f.e, 0);
	CHECK_EQ(mock_vq_get_used(&f.m, &len), -EAGAIN);
	virtq_flush(&f.vq);
	CHECK_EQ(mock_vq_get_used(&f.m, &len), id);
	CHECK_EQ(len, 0);
	CHECK_EQ(f.vq.inflight, 0);
	CHECK_EQ(f.vq.error, VIRTQ_OK);
	fx_fini(&f);
}

static void test_multi(void)
{
	struct mock_buf b[4];
	struct fx f;
	u32 len;
	int id;

	fx_init(&f, 16, 0);
	b[0] = (struct mock_buf){FX_DATA, 16, false};
	b[1] = (struct mock_buf){FX_DATA + 0x100, 100, false};
	b[2] = (struct mock_buf){FX_DATA + 0x1000, 512, true};
	b[3] = (struct mock_buf){FX_DATA + 0x2000, 1, true};
	id = mock_vq_add(&f.m, b, 4, false);
	CHECK(id >= 0);
	CHECK_EQ(fx_pop(&f), 1);
	CHECK_EQ(f.e.id, id);
	CHECK_EQ(f.e.ndescs, 4);
	CHECK_EQ(f.e.out_num, 2);
	CHECK_EQ(f.e.in_num, 2);
	CHECK_EQ(f.e.out_len, 116);
	CHECK_EQ(f.e.in_len, 513);
	CHECK(f.e.iov[1].iov_base == fx_host(&f, FX_DATA + 0x100, 1));
	CHECK_EQ(f.e.iov[2].iov_len, 512);
	CHECK(f.e.iov[3].iov_base == fx_host(&f, FX_DATA + 0x2000, 1));
	memset(f.e.iov[2].iov_base, 0x5a, 512);
	*(u8 *)f.e.iov[3].iov_base = 0;
	virtq_push(&f.vq, &f.e, 513);
	virtq_flush(&f.vq);
	CHECK_EQ(mock_vq_get_used(&f.m, &len), id);
	CHECK_EQ(len, 513);
	CHECK_EQ(((u8 *)fx_host(&f, FX_DATA + 0x1000, 512))[511], 0x5a);
	/* All 4 descriptors came back to the driver. */
	CHECK_EQ(f.m.num_free, 16);
	/* A written length beyond the writable part is clamped. */
	id = add1(&f, FX_DATA, 8, true);
	CHECK_EQ(round_trip(&f, 1000, &len), id);
	CHECK_EQ(len, 8);
	fx_fini(&f);
}

static void test_indirect(void)
{
	struct mock_buf b[3] = {
		{FX_DATA, 10, false},
		{FX_DATA + 0x400, 20, true},
		{FX_DATA + 0x800, 30, true},
	};
	struct vring_desc *d;
	struct fx f;
	u32 len;
	int id;

	fx_init(&f, 8, MOCK_VQ_INDIRECT);
	id = mock_vq_add(&f.m, b, 3, true);
	CHECK_EQ(f.m.num_free, 7); /* one ring descriptor for three buffers */
	CHECK_EQ(fx_pop(&f), 1);
	CHECK_EQ(f.e.id, id);
	CHECK_EQ(f.e.out_num, 1);
	CHECK_EQ(f.e.in_num, 2);
	CHECK_EQ(f.e.in_len, 50);
	CHECK(f.e.iov[2].iov_base == fx_host(&f, FX_DATA + 0x800, 1));
	virtq_push(&f.vq, &f.e, 50);
	virtq_flush(&f.vq);
	CHECK_EQ(mock_vq_get_used(&f.m, &len), id);
	CHECK_EQ(len, 50);

	/* §2.7.5.3.2: direct descriptors followed by one indirect one. The WRITE
	 * flag on the indirect descriptor itself is ignored. */
	d = mock_vq_desc(&f.m, 5);
	*d = (struct vring_desc){FX_DATA + 0x40, 8, VRING_DESC_F_NEXT, 6};
	d = mock_vq_desc(&f.m, 6);
	*d = (struct vring_desc){f.m.ind_gpa, 2 * 16, VRING_DESC_F_INDIRECT | VRING_DESC_F_WRITE,
				 0};
	memset(f.m.ind, 0, 32);
	d = (struct vring_desc *)f.m.ind;
	d[0] = (struct vring_desc){FX_DATA + 0x80, 4, VRING_DESC_F_NEXT, 1};
	d[1] = (struct vring_desc){FX_DATA + 0xc0, 4, VRING_DESC_F_WRITE, 0};
	mock_vq_split_raw(&f.m, 5);
	CHECK_EQ(fx_pop(&f), 1);
	CHECK_EQ(f.e.id, 5);
	CHECK_EQ(f.e.out_num, 2);
	CHECK_EQ(f.e.in_num, 1);
	CHECK_EQ(f.e.out_len, 12);
	CHECK_EQ(f.vq.error, VIRTQ_OK);
	fx_fini(&f);
}

/* Pop several, push in another order, flush once: the driver sees push order. */
static void test_batch(void)
{
	struct virtq_elem e[4];
	struct iovec iov[4][2];
	u16 used_before;
	struct fx f;
	int ids[4];
	u32 len;

	fx_init(&f, 8, 0);
	for (int i = 0; i < 4; i++)
		ids[i] = add1(&f, FX_DATA + 0x100 * i, 64, true);
	for (int i = 0; i < 4; i++) {
		virtq_elem_init(&e[i], iov[i], 2);
		CHECK_EQ(virtq_pop(&f.vq, &e[i]), 1);
		CHECK_EQ(e[i].id, ids[i]);
	}
	CHECK_EQ(f.vq.inflight, 4);
	used_before = f.m.used->idx;
	for (int i = 3; i >= 0; i--)
		virtq_push(&f.vq, &e[i], (u32)i);
	CHECK_EQ(f.m.used->idx, used_before); /* published only by flush */
	virtq_flush(&f.vq);
	CHECK_EQ(f.m.used->idx, (u16)(used_before + 4));
	for (int i = 3; i >= 0; i--) {
		CHECK_EQ(mock_vq_get_used(&f.m, &len), ids[i]);
		CHECK_EQ(len, i);
	}
	fx_fini(&f);
}

/* Free-running indices through 65535 -> 0, from a vhost-user style base. */
static void test_wrap(void)
{
	struct mock_buf b[2];
	struct fx f;
	u32 len;

	fx_init(&f, 4, MOCK_VQ_EVENT_IDX);
	f.m.avail_idx = 65530;
	f.m.avail->idx = 65530;
	f.m.used->idx = 65530;
	f.m.last_used = 65530;
	f.m.kick_old = 65530;
	CHECK_EQ(virtq_set_base(&f.vq, 65530), 0);
	CHECK_EQ(f.vq.used_idx, 65530);
	for (int i = 0; i < 20; i++) {
		int id;

		b[0] = (struct mock_buf){FX_DATA, 8, false};
		b[1] = (struct mock_buf){FX_DATA + 0x100, (u32)i + 1, true};
		mock_vq_enable_cb(&f.m); /* used_event = next entry: every push notifies */
		id = mock_vq_add(&f.m, b, 2, false);
		CHECK(id >= 0);
		CHECK_EQ(fx_pop(&f), 1);
		CHECK_EQ(f.e.id, id);
		CHECK_EQ(f.e.in_len, (u64)i + 1);
		virtq_push(&f.vq, &f.e, (u32)i + 1);
		virtq_flush(&f.vq);
		CHECK(virtq_should_notify(&f.vq));
		CHECK_EQ(mock_vq_get_used(&f.m, &len), id);
		CHECK_EQ(len, (u32)i + 1);
	}
	CHECK_EQ(f.vq.last_avail_idx, 14); /* 65530 + 20 mod 2^16 */
	CHECK_EQ(f.m.used->idx, 14);
	CHECK_EQ(virtq_get_base(&f.vq), 14);
	fx_fini(&f);

	/* And a long run from 0 through several wraps of a tiny queue. */
	fx_init(&f, 2, 0);
	for (int i = 0; i < 70000; i++) {
		int id = add1(&f, FX_DATA, 4, false);

		if (round_trip(&f, 0, &len) != id) {
			CHECK(!"round trip lost a buffer");
			break;
		}
	}
	CHECK_EQ(f.vq.last_avail_idx, (u16)70000);
	CHECK_EQ(f.vq.error, VIRTQ_OK);
	fx_fini(&f);
}

/* Our interrupts without EVENT_IDX: VRING_AVAIL_F_NO_INTERRUPT (§2.7.7). */
static void test_interrupt_flags(void)
{
	struct fx f;
	u32 len;

	fx_init(&f, 8, 0);
	add1(&f, FX_DATA, 4, false);
	round_trip(&f, 0, &len);
	CHECK(virtq_should_notify(&f.vq));
	CHECK(!virtq_should_notify(&f.vq)); /* nothing new since */
	mock_vq_disable_cb(&f.m);
	add1(&f, FX_DATA, 4, false);
	round_trip(&f, 0, &len);
	CHECK(!virtq_should_notify(&f.vq));
	CHECK(!mock_vq_enable_cb(&f.m));
	add1(&f, FX_DATA, 4, false);
	round_trip(&f, 0, &len);
	CHECK(virtq_should_notify(&f.vq));
	fx_fini(&f);
}

/* Our interrupts with EVENT_IDX: used_event (§2.7.7.2). */
static void test_interrupt_event_idx(void)
{
	struct virtq_elem e[3];
	struct iovec iov[3];
	struct fx f;
	u32 len;

	fx_init(&f, 8, MOCK_VQ_EVENT_IDX);
	add1(&f, FX_DATA, 4, false);
	round_trip(&f, 0, &len);
	CHECK(virtq_should_notify(&f.vq)); /* first decision: always */
	/* Interrupt when the third entry from now is used. */
	mock_vq_enable_cb_at(&f.m, 2);
	add1(&f, FX_DATA, 4, false);
	round_trip(&f, 0, &len);
	CHECK(!virtq_should_notify(&f.vq));
	add1(&f, FX_DATA, 4, false);
	round_trip(&f, 0, &len);
	CHECK(!virtq_should_notify(&f.vq));
	add1(&f, FX_DATA, 4, false);
	round_trip(&f, 0, &len);
	CHECK(virtq_should_notify(&f.vq));
	/* A batch that crosses the event notifies once. */
	mock_vq_enable_cb_at(&f.m, 1);
	for (int i = 0; i < 3; i++) {
		add1(&f, FX_DATA, 4, false);
		virtq_elem_init(&e[i], &iov[i], 1);
		CHECK_EQ(virtq_pop(&f.vq, &e[i]), 1);
	}
	for (int i = 0; i < 3; i++)
		virtq_push(&f.vq, &e[i], 0);
	virtq_flush(&f.vq);
	CHECK(virtq_should_notify(&f.vq));
	CHECK(!virtq_should_notify(&f.vq));
	for (int i = 0; i < 3; i++)
		CHECK(mock_vq_get_used(&f.m, &len) >= 0);
	/* Disabled: used_event lies behind. */
	mock_vq_disable_cb(&f.m);
	add1(&f, FX_DATA, 4, false);
	round_trip(&f, 0, &len);
	CHECK(!virtq_should_notify(&f.vq));
	fx_fini(&f);
}

/* The driver's kicks without EVENT_IDX: VRING_USED_F_NO_NOTIFY (§2.7.10). */
static void test_kick_flags(void)
{
	struct fx f;
	u32 len;

	fx_init(&f, 8, 0);
	add1(&f, FX_DATA, 4, false);
	CHECK(mock_vq_kick_prepare(&f.m));
	virtq_disable_notify(&f.vq);
	CHECK_EQ(f.m.used->flags, VRING_USED_F_NO_NOTIFY);
	add1(&f, FX_DATA, 4, false);
	CHECK(!mock_vq_kick_prepare(&f.m));
	/* Re-enabling finds the two buffers waiting: the caller must not sleep. */
	CHECK(virtq_enable_notify(&f.vq));
	CHECK_EQ(f.m.used->flags, 0);
	round_trip(&f, 0, &len);
	round_trip(&f, 0, &len);
	CHECK(!virtq_enable_notify(&f.vq));
	add1(&f, FX_DATA, 4, false);
	CHECK(mock_vq_kick_prepare(&f.m));
	CHECK(virtq_has_avail(&f.vq));
	fx_fini(&f);
}

/* The driver's kicks with EVENT_IDX: avail_event (§2.7.10). */
static void test_kick_event_idx(void)
{
	struct fx f;
	u32 len;

	fx_init(&f, 8, MOCK_VQ_EVENT_IDX);
	CHECK_EQ(*(u16 *)&f.m.used->ring[8], 0); /* avail_event written at init */
	add1(&f, FX_DATA, 4, false);
	CHECK(mock_vq_kick_prepare(&f.m)); /* entry 0 crosses avail_event 0 */
	add1(&f, FX_DATA, 4, false);
	CHECK(!mock_vq_kick_prepare(&f.m)); /* already kicked for this round */
	virtq_disable_notify(&f.vq);
	round_trip(&f, 0, &len);
	round_trip(&f, 0, &len);
	CHECK(!virtq_enable_notify(&f.vq));
	CHECK_EQ(*(u16 *)&f.m.used->ring[8], 2);
	add1(&f, FX_DATA, 4, false);
	CHECK(mock_vq_kick_prepare(&f.m));
	add1(&f, FX_DATA, 4, false);
	CHECK(!mock_vq_kick_prepare(&f.m));
	/* Pop one of the two: re-enabling says "more to do". */
	virtq_disable_notify(&f.vq);
	round_trip(&f, 0, &len);
	CHECK(virtq_enable_notify(&f.vq));
	round_trip(&f, 0, &len);
	CHECK(!virtq_enable_notify(&f.vq));
	add1(&f, FX_DATA, 4, false);
	CHECK(mock_vq_kick_prepare(&f.m));
	CHECK(f.m.kicks_suppressed == 2);
	fx_fini(&f);
}

static void test_base(void)
{
	struct virtq vq2;
	struct fx f;
	u32 len;
	int id;

	fx_init(&f, 16, 0);
	for (int i = 0; i < 3; i++) {
		add1(&f, FX_DATA, 4, false);
		round_trip(&f, 0, &len);
	}
	add1(&f, FX_DATA, 4, false);
	add1(&f, FX_DATA, 4, false);
	CHECK_EQ(fx_pop(&f), 1);
	CHECK_EQ(fx_pop(&f), 1);
	CHECK_EQ(virtq_get_base(&f.vq), 5);
	/* A new owner (a restarted back-end) continues from the base. */
	memset(&vq2, 0, sizeof(vq2));
	{
		struct virtq_config cfg;

		mock_vq_config(&f.m, &cfg);
		CHECK_EQ(virtq_init(&vq2, &cfg, &f.dma, "test-vq2"), 0);
	}
	CHECK_EQ(virtq_set_base(&vq2, 0x10000), -EINVAL);
	CHECK_EQ(virtq_set_base(&vq2, 5), 0);
	CHECK_EQ(vq2.used_idx, 3); /* read back from the used ring */
	id = add1(&f, FX_DATA, 4, true);
	CHECK_EQ(virtq_pop(&vq2, &f.e), 1);
	CHECK_EQ(f.e.id, id);
	virtq_push(&vq2, &f.e, 4);
	virtq_flush(&vq2);
	CHECK_EQ(mock_vq_get_used(&f.m, &len), id);
	CHECK_EQ(virtq_get_base(&vq2), 6);
	/* Not initialised: refused. */
	virtq_reset(&vq2);
	CHECK_EQ(virtq_set_base(&vq2, 1), -EINVAL);
	CHECK_EQ(virtq_pop(&vq2, &f.e), 0);
	fx_fini(&f);
}

/* Behind an IOMMU: rings and buffers by IOVA, page-sized pieces, refusals. */
static void test_iommu(void)
{
	struct fx f;
	u32 len;
	int id;

	fx_mem_init(&f);
	fx_use_iommu(&f);
	CHECK_EQ(fx_queue(&f, 16, MOCK_VQ_INDIRECT), 0);
	/* 0x1800 bytes from the middle of a page: two translations, two iovecs. */
	id = add1(&f, FX_DATA + 0x800, 0x1800, true);
	CHECK_EQ(fx_pop(&f), 1);
	CHECK_EQ(f.e.id, id);
	CHECK_EQ(f.e.in_num, 2);
	CHECK_EQ(f.e.iov[0].iov_len, 0x800);
	CHECK_EQ(f.e.iov[1].iov_len, 0x1000);
	CHECK(f.e.iov[1].iov_base == fx_host(&f, FX_DATA + 0x1000, 1));
	virtq_push(&f.vq, &f.e, 0);
	virtq_flush(&f.vq);
	CHECK_EQ(mock_vq_get_used(&f.m, &len), id);
	/* A read-only page is fine for a readable buffer. */
	add1(&f, FX_IOVA_RDONLY - FX_IOVA, 64, false);
	CHECK_EQ(fx_pop(&f), 1);
	CHECK_EQ(f.faults, 0);
	virtq_push(&f.vq, &f.e, 0);
	/* ... and refused for a writable one: the IOMMU records a fault. */
	add1(&f, FX_IOVA_RDONLY - FX_IOVA, 64, true);
	CHECK_EQ(fx_pop(&f), -EIO);
	CHECK_EQ(f.vq.error, VIRTQ_ERR_BUF_ADDR);
	CHECK_EQ(f.faults, 1);
	fx_fini(&f);

	/* An indirect table on a refused page. */
	fx_mem_init(&f);
	fx_use_iommu(&f);
	CHECK_EQ(fx_queue(&f, 16, MOCK_VQ_INDIRECT), 0);
	*mock_vq_desc(&f.m, 0) = (struct vring_desc){FX_IOVA_DENIED, 32, VRING_DESC_F_INDIRECT, 0};
	mock_vq_split_raw(&f.m, 0);
	CHECK_EQ(fx_pop(&f), -EIO);
	CHECK_EQ(f.vq.error, VIRTQ_ERR_BUF_ADDR);
	CHECK(f.faults >= 1);
	fx_fini(&f);

	/* Rings: a refused page, or an address outside the IOMMU window. */
	fx_mem_init(&f);
	fx_use_iommu(&f);
	CHECK_EQ(mock_vq_init(&f.m, &f.g, FX_RING, 16, 0), 0);
	{
		struct virtq_config cfg;

		mock_vq_config(&f.m, &cfg);
		cfg.desc_addr = FX_IOVA_DENIED;
		cfg.driver_addr += FX_IOVA;
		cfg.device_addr += FX_IOVA;
		CHECK_EQ(virtq_init(&f.vq, &cfg, &f.dma, "t"), -EFAULT);
		CHECK_EQ(f.vq.error, VIRTQ_ERR_RING_ADDR);
		CHECK_EQ(virtq_pop(&f.vq, &f.e), -EIO);
		cfg.desc_addr = f.m.desc_gpa; /* a GPA is not an IOVA here */
		CHECK_EQ(virtq_init(&f.vq, &cfg, &f.dma, "t"), -EFAULT);
		cfg.desc_addr = f.m.desc_gpa + FX_IOVA; /* 4 KiB pages, host-contiguous: fine */
		CHECK_EQ(virtq_init(&f.vq, &cfg, &f.dma, "t"), 0);
		CHECK_EQ(f.vq.error, VIRTQ_OK);
	}
	fx_fini(&f);
}

/* A buffer across the end of region A into region B: two iovecs. */
static void test_two_regions(void)
{
	struct fx f;
	u32 len;
	int id;

	fx_init(&f, 8, 0);
	id = add1(&f, FX_B - 0x100, 0x200, true);
	CHECK_EQ(fx_pop(&f), 1);
	CHECK_EQ(f.e.id, id);
	CHECK_EQ(f.e.in_num, 2);
	CHECK(f.e.iov[0].iov_base == f.host_a + FX_REGION - 0x100);
	CHECK_EQ(f.e.iov[0].iov_len, 0x100);
	CHECK(f.e.iov[1].iov_base == f.host_b);
	CHECK_EQ(f.e.iov[1].iov_len, 0x100);
	CHECK_EQ(f.e.in_len, 0x200);
	virtq_push(&f.vq, &f.e, 0x200);
	virtq_flush(&f.vq);
	CHECK_EQ(mock_vq_get_used(&f.m, &len), id);
	/* With room for one iovec only, the same buffer is too many segments. */
	add1(&f, FX_B - 0x100, 0x200, true);
	f.e.iov_max = 1;
	CHECK_EQ(virtq_pop(&f.vq, &f.e), -EIO);
	CHECK_EQ(f.vq.error, VIRTQ_ERR_TOO_MANY_SEGS);
	fx_fini(&f);
}

/* Ring placement and size checks at init (§2.7 alignment and size table). */
static void test_init_checks(void)
{
	struct virtq_config cfg;
	struct fx f;

	fx_mem_init(&f);
	CHECK_EQ(mock_vq_init(&f.m, &f.g, FX_RING, 256, 0), 0);
	mock_vq_config(&f.m, &cfg);
	cfg.size = 0;
	CHECK_EQ(virtq_init(&f.vq, &cfg, &f.dma, "t"), -EINVAL);
	CHECK_EQ(f.vq.error, VIRTQ_ERR_QUEUE_SIZE);
	CHECK_EQ(virtq_pop(&f.vq, &f.e), -EIO);
	cfg.size = 12;
	CHECK_EQ(virtq_init(&f.vq, &cfg, &f.dma, "t"), -EINVAL);
	CHECK_EQ(f.vq.error, VIRTQ_ERR_QUEUE_SIZE);
	cfg.size = 256;
	cfg.desc_addr = FX_RING + 8; /* 16-byte alignment */
	CHECK_EQ(virtq_init(&f.vq, &cfg, &f.dma, "t"), -EFAULT);
	CHECK_EQ(f.vq.error, VIRTQ_ERR_RING_ADDR);
	cfg.desc_addr = FX_RING;
	cfg.device_addr += 2; /* 4-byte alignment of the used ring */
	CHECK_EQ(virtq_init(&f.vq, &cfg, &f.dma, "t"), -EFAULT);
	cfg.device_addr -= 2;
	cfg.driver_addr = FX_HOLE + 0x1000; /* outside guest memory */
	CHECK_EQ(virtq_init(&f.vq, &cfg, &f.dma, "t"), -EFAULT);
	cfg.driver_addr = FX_HOLE - 0x100; /* runs off the end of guest memory */
	CHECK_EQ(virtq_init(&f.vq, &cfg, &f.dma, "t"), -EFAULT);
	cfg.driver_addr = f.m.driver_gpa;
	cfg.desc_addr = FX_B - 0x800; /* across two regions: not host-contiguous */
	CHECK_EQ(virtq_init(&f.vq, &cfg, &f.dma, "t"), -EFAULT);
	cfg.desc_addr = ~0ull - 0xfff; /* wraps around 2^64 */
	CHECK_EQ(virtq_init(&f.vq, &cfg, &f.dma, "t"), -EFAULT);
	CHECK_EQ(virtq_pop(&f.vq, &f.e), -EIO);
	cfg.desc_addr = f.m.desc_gpa;
	CHECK_EQ(virtq_init(&f.vq, &cfg, &f.dma, "t"), 0);
	CHECK_EQ(f.vq.error, VIRTQ_OK);
	CHECK_EQ(virtq_pop(&f.vq, &f.e), 0);
	fx_fini(&f);
}

/* The device returning what it never took is its own bug: caught, not published. */
static void test_used_id(void)
{
	struct virtq_elem bogus;
	struct fx f;

	fx_init(&f, 8, 0);
	virtq_elem_init(&bogus, NULL, 0);
	bogus.id = 3;
	virtq_push(&f.vq, &bogus, 0);
	virtq_flush(&f.vq);
	CHECK_EQ(f.vq.error, VIRTQ_ERR_USED_ID);
	CHECK_EQ(f.m.used->idx, 0);
	CHECK_EQ(virtq_pop(&f.vq, &f.e), -EIO);
	CHECK(!virtq_should_notify(&f.vq));
	CHECK(!virtq_enable_notify(&f.vq));
	/* A reset clears it; the rate limit's counter is kept. */
	virtq_reset(&f.vq);
	CHECK_EQ(f.vq.error, VIRTQ_OK);
	CHECK_EQ(f.vq.rl.count, 1);
	CHECK_STREQ(f.vq.name, "test-vq");
	fx_fini(&f);
}

/* vhost-user inflight resubmission: walk a given head again, no avail entry taken. */
static void test_pop_head(void)
{
	struct fx f;
	u32 len;
	int id;

	fx_init(&f, 8, 0);
	id = add1(&f, FX_DATA, 32, true);
	CHECK_EQ(fx_pop(&f), 1);
	/* A restarted back-end resubmits it: same chain, nothing consumed. */
	f.e.id = 0xffff;
	CHECK_EQ(virtq_pop_head(&f.vq, (u16)id, &f.e), 1);
	CHECK_EQ(f.e.id, id);
	CHECK_EQ(f.e.in_len, 32);
	CHECK_EQ(f.vq.last_avail_idx, 1);
	CHECK_EQ(f.vq.inflight, 2);
	virtq_push(&f.vq, &f.e, 32);
	virtq_flush(&f.vq);
	CHECK_EQ(mock_vq_get_used(&f.m, &len), id);
	CHECK_EQ(virtq_pop_head(&f.vq, 8, &f.e), -EIO); /* PEER: head out of range */
	CHECK_EQ(f.vq.error, VIRTQ_ERR_HEAD_RANGE);
	fx_fini(&f);

	fx_init(&f, 8, MOCK_VQ_PACKED);
	CHECK_EQ(virtq_pop_head(&f.vq, 0, &f.e), 0); /* split only */
	fx_fini(&f);
}

int main(void)
{
	test_single();
	test_multi();
	test_indirect();
	test_batch();
	test_wrap();
	test_interrupt_flags();
	test_interrupt_event_idx();
	test_kick_flags();
	test_kick_event_idx();
	test_base();
	test_iommu();
	test_two_regions();
	test_init_checks();
	test_used_id();
	test_pop_head();
	CHECK_STREQ(virtq_error_str(VIRTQ_ERR_COUNT), "unknown virtqueue error");
	return check_done();
}
