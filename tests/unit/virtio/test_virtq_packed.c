// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for src/virtio/virtq_packed.c driven by the driver-side mock:
 * round trips, multi-descriptor lists answered by one used descriptor at the
 * list's first slot, indirect tables, out-of-order completion, batches
 * published by the first descriptor's flags, wrap counters flipping on a
 * queue whose size is not a power of two, both event suppression
 * structures with and without EVENT_IDX, GET/SET_VRING_BASE, and an IOMMU.
 */
#include "virtq_fixture.h"

#define AVAIL_F (1u << VRING_PACKED_DESC_F_AVAIL)
#define USED_F	(1u << VRING_PACKED_DESC_F_USED)

static int add1(struct fx *f, gpa_t gpa, u32 len, bool write)
{
	struct mock_buf b = {fx_addr(f, gpa), len, write};

	return mock_vq_add(&f->m, &b, 1, false);
}

static int addn(struct fx *f, unsigned n, u32 len)
{
	struct mock_buf b[8];

	for (unsigned i = 0; i < n; i++)
		b[i] = (struct mock_buf){fx_addr(f, FX_DATA + 0x100 * i), len, i == n - 1};
	return mock_vq_add(&f->m, b, n, false);
}

static int round_trip(struct fx *f, u32 written, u32 *len)
{
	CHECK_EQ(fx_pop(f), 1);
	virtq_push(&f->vq, &f->e, written);
	virtq_flush(&f->vq);
	return mock_vq_get_used(&f->m, len);
}

static void test_single(void)
{
	struct vring_packed_desc *d;
	struct fx f;
	u32 len;
	int id;

	fx_init(&f, 8, MOCK_VQ_PACKED);
	CHECK_EQ(fx_pop(&f), 0);
	id = add1(&f, FX_DATA, 64, true);
	CHECK_EQ(fx_pop(&f), 1);
	CHECK_EQ(f.e.id, id);
	CHECK_EQ(f.e.ndescs, 1);
	CHECK_EQ(f.e.in_num, 1);
	CHECK(f.e.iov[0].iov_base == fx_host(&f, FX_DATA, 64));
	CHECK_EQ(fx_pop(&f), 0);
	virtq_push(&f.vq, &f.e, 10);
	d = &f.m.pdesc[0];
	CHECK_EQ(d->flags & (AVAIL_F | USED_F), AVAIL_F); /* not published yet */
	CHECK_EQ(mock_vq_get_used(&f.m, &len), -EAGAIN);
	virtq_flush(&f.vq);
	/* §2.8.1: used = AVAIL and USED both equal to the wrap counter (1). */
	CHECK_EQ(d->flags & (AVAIL_F | USED_F), AVAIL_F | USED_F);
	CHECK(d->flags & VRING_DESC_F_WRITE); /* §2.8.3: data was written */
	CHECK_EQ(d->len, 10);
	CHECK_EQ(mock_vq_get_used(&f.m, &len), id);
	CHECK_EQ(len, 10);
	/* Nothing written: no WRITE flag. */
	id = add1(&f, FX_DATA, 64, false);
	CHECK_EQ(round_trip(&f, 0, &len), id);
	CHECK_EQ(f.m.pdesc[1].flags & VRING_DESC_F_WRITE, 0);
	fx_fini(&f);
}

static void test_lists(void)
{
	struct virtq_elem e[3];
	struct iovec iov[3][8];
	int ids[3];
	struct fx f;
	u32 len;

	fx_init(&f, 8, MOCK_VQ_PACKED);
	/* Lists of 2, 1 and 3 descriptors: slots 0-1, 2, 3-5. */
	ids[0] = addn(&f, 2, 16);
	ids[1] = addn(&f, 1, 16);
	ids[2] = addn(&f, 3, 16);
	for (int i = 0; i < 3; i++) {
		virtq_elem_init(&e[i], iov[i], 8);
		CHECK_EQ(virtq_pop(&f.vq, &e[i]), 1);
		CHECK_EQ(e[i].id, ids[i]);
	}
	CHECK_EQ(e[0].ndescs, 2);
	CHECK_EQ(e[2].ndescs, 3);
	CHECK_EQ(e[2].out_num, 2);
	CHECK_EQ(e[2].in_num, 1);
	CHECK_EQ(f.vq.inflight_descs, 6);
	/* Complete out of order: the 3-list, then the 2-list, then the 1-list.
	 * Used descriptors go to slots 0, 3 and 5: each one after the previous
	 * one's descriptor count (§2.8.6). */
	virtq_push(&f.vq, &e[2], 3);
	virtq_push(&f.vq, &e[0], 1);
	virtq_push(&f.vq, &e[1], 2);
	/* Later ones are written, but the first slot's flags hold the batch back. */
	CHECK_EQ(mock_vq_get_used(&f.m, &len), -EAGAIN);
	virtq_flush(&f.vq);
	CHECK_EQ(f.m.pdesc[0].id, ids[2]);
	CHECK_EQ(f.m.pdesc[3].id, ids[0]);
	CHECK_EQ(f.m.pdesc[5].id, ids[1]);
	CHECK_EQ(mock_vq_get_used(&f.m, &len), ids[2]);
	CHECK_EQ(len, 3);
	CHECK_EQ(mock_vq_get_used(&f.m, &len), ids[0]);
	CHECK_EQ(len, 1);
	CHECK_EQ(mock_vq_get_used(&f.m, &len), ids[1]);
	CHECK_EQ(len, 2);
	CHECK_EQ(mock_vq_get_used(&f.m, &len), -EAGAIN);
	CHECK_EQ(f.vq.used_idx, 6);
	CHECK_EQ(f.vq.inflight_descs, 0);
	CHECK_EQ(f.m.num_free, 8);
	fx_fini(&f);
}

static void test_indirect(void)
{
	struct mock_buf b[3] = {
		{FX_DATA, 10, false},
		{FX_DATA + 0x400, 20, false},
		{FX_DATA + 0x800, 30, true},
	};
	struct fx f;
	u32 len;
	int id;

	fx_init(&f, 4, MOCK_VQ_PACKED | MOCK_VQ_INDIRECT);
	id = mock_vq_add(&f.m, b, 3, true);
	CHECK_EQ(f.m.num_free, 3);
	CHECK_EQ(fx_pop(&f), 1);
	CHECK_EQ(f.e.id, id);
	CHECK_EQ(f.e.ndescs, 1);
	CHECK_EQ(f.e.out_num, 2);
	CHECK_EQ(f.e.in_num, 1);
	CHECK_EQ(f.e.out_len, 30);
	CHECK(f.e.iov[2].iov_base == fx_host(&f, FX_DATA + 0x800, 1));
	virtq_push(&f.vq, &f.e, 30);
	virtq_flush(&f.vq);
	CHECK_EQ(mock_vq_get_used(&f.m, &len), id);
	CHECK_EQ(len, 30);
	/* A full table of the queue size is fine; the 4 entries are sequential. */
	{
		struct mock_buf c[4];

		for (int i = 0; i < 4; i++)
			c[i] = (struct mock_buf){FX_DATA + 0x10 * i, 4, i >= 2};
		id = mock_vq_add(&f.m, c, 4, true);
	}
	CHECK_EQ(round_trip(&f, 8, &len), id);
	CHECK_EQ(f.e.out_num, 2);
	CHECK_EQ(f.e.in_num, 2);
	fx_fini(&f);
}

/* Size 5 (packed sizes need not be powers of 2): lists straddle the ring end. */
static void test_wrap(void)
{
	unsigned flips = 0;
	bool last_wrap;
	struct fx f;
	u32 len;

	fx_init(&f, 5, MOCK_VQ_PACKED | MOCK_VQ_EVENT_IDX);
	last_wrap = f.vq.used_wrap;
	for (int i = 0; i < 300; i++) {
		unsigned n = 1 + (unsigned)i % 3;
		int id = addn(&f, n, (u32)i + 1);

		CHECK(id >= 0);
		mock_vq_enable_cb(&f.m);
		CHECK_EQ(fx_pop(&f), 1);
		CHECK_EQ(f.e.id, id);
		CHECK_EQ(f.e.ndescs, n);
		CHECK_EQ(f.e.in_len, (u64)i + 1);
		virtq_push(&f.vq, &f.e, (u32)i);
		virtq_flush(&f.vq);
		/* The driver asked for the next used descriptor: every one notifies. */
		CHECK(virtq_should_notify(&f.vq));
		CHECK_EQ(mock_vq_get_used(&f.m, &len), id);
		CHECK_EQ(len, (u32)i);
		if (f.vq.used_wrap != last_wrap) {
			flips++;
			last_wrap = f.vq.used_wrap;
		}
	}
	/* 600 descriptors through a ring of 5: 120 laps. */
	CHECK_EQ(flips, 120);
	CHECK_EQ(f.vq.avail_wrap, f.m.avail_wrap);
	CHECK_EQ(f.vq.last_avail_idx, f.m.next_avail);
	CHECK_EQ(f.vq.used_idx, f.m.next_used);
	CHECK_EQ(f.vq.error, VIRTQ_OK);
	fx_fini(&f);
}

/* Our interrupts, driver event suppression structure (§2.8.10). */
static void test_interrupts(void)
{
	struct virtq_elem e[3];
	struct iovec iov[3];
	struct fx f;
	u32 len;

	/* Without EVENT_IDX: ENABLE / DISABLE; DESC is not valid and means enable. */
	fx_init(&f, 8, MOCK_VQ_PACKED);
	add1(&f, FX_DATA, 4, false);
	round_trip(&f, 0, &len);
	CHECK(virtq_should_notify(&f.vq));
	CHECK(!virtq_should_notify(&f.vq));
	mock_vq_disable_cb(&f.m);
	add1(&f, FX_DATA, 4, false);
	round_trip(&f, 0, &len);
	CHECK(!virtq_should_notify(&f.vq));
	CHECK(!mock_vq_enable_cb(&f.m));
	add1(&f, FX_DATA, 4, false);
	round_trip(&f, 0, &len);
	CHECK(virtq_should_notify(&f.vq));
	f.m.driver_event->flags = VRING_PACKED_EVENT_FLAG_DESC;
	f.m.driver_event->off_wrap = 7; /* ignored */
	add1(&f, FX_DATA, 4, false);
	round_trip(&f, 0, &len);
	CHECK(virtq_should_notify(&f.vq));
	fx_fini(&f);

	/* With EVENT_IDX: notify when the named descriptor (offset + wrap) is used. */
	fx_init(&f, 4, MOCK_VQ_PACKED | MOCK_VQ_EVENT_IDX);
	add1(&f, FX_DATA, 4, false);
	round_trip(&f, 0, &len);
	CHECK(virtq_should_notify(&f.vq)); /* first decision: always */
	mock_vq_enable_cb_at(&f.m, 3);	   /* slot 0 of the next lap: wrap counter 0 */
	CHECK_EQ(f.m.driver_event->off_wrap, 0);
	for (int i = 0; i < 2; i++) {
		add1(&f, FX_DATA, 4, false);
		round_trip(&f, 0, &len);
		CHECK(!virtq_should_notify(&f.vq));
	}
	add1(&f, FX_DATA, 4, false);
	round_trip(&f, 0, &len);
	CHECK(!f.vq.used_wrap);
	CHECK(!virtq_should_notify(&f.vq)); /* slot 3 used; the event is slot 0, lap 2 */
	add1(&f, FX_DATA, 4, false);
	round_trip(&f, 0, &len);
	CHECK(virtq_should_notify(&f.vq));
	/* A batch of three crossing the event notifies once. */
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
	for (int i = 0; i < 3; i++)
		CHECK(mock_vq_get_used(&f.m, &len) >= 0);
	/* An event already passed (one descriptor behind the next used) does not fire. */
	{
		u32 lin = (f.m.next_used + (f.m.used_wrap ? 0u : 4u) + 7u) % 8u;

		f.m.driver_event->off_wrap = (u16)(lin % 4) | (lin < 4 ? 0x8000 : 0);
		f.m.driver_event->flags = VRING_PACKED_EVENT_FLAG_DESC;
	}
	add1(&f, FX_DATA, 4, false);
	round_trip(&f, 0, &len);
	CHECK(!virtq_should_notify(&f.vq));
	mock_vq_disable_cb(&f.m);
	add1(&f, FX_DATA, 4, false);
	round_trip(&f, 0, &len);
	CHECK(!virtq_should_notify(&f.vq));
	fx_fini(&f);
}

/* The driver's kicks, device event suppression structure (§2.8.10). */
static void test_kicks(void)
{
	struct fx f;
	u32 len;

	fx_init(&f, 8, MOCK_VQ_PACKED);
	CHECK_EQ(f.m.device_event->flags, VRING_PACKED_EVENT_FLAG_ENABLE);
	add1(&f, FX_DATA, 4, false);
	CHECK(mock_vq_kick_prepare(&f.m));
	virtq_disable_notify(&f.vq);
	CHECK_EQ(f.m.device_event->flags, VRING_PACKED_EVENT_FLAG_DISABLE);
	add1(&f, FX_DATA, 4, false);
	CHECK(!mock_vq_kick_prepare(&f.m));
	CHECK(virtq_enable_notify(&f.vq)); /* two waiting */
	round_trip(&f, 0, &len);
	round_trip(&f, 0, &len);
	CHECK(!virtq_enable_notify(&f.vq));
	add1(&f, FX_DATA, 4, false);
	CHECK(mock_vq_kick_prepare(&f.m));
	fx_fini(&f);

	/* EVENT_IDX: enable names our next descriptor (offset + wrap). */
	fx_init(&f, 4, MOCK_VQ_PACKED | MOCK_VQ_EVENT_IDX);
	CHECK_EQ(f.m.device_event->flags, VRING_PACKED_EVENT_FLAG_DESC);
	CHECK_EQ(f.m.device_event->off_wrap, 0x8000); /* slot 0, wrap 1 */
	add1(&f, FX_DATA, 4, false);
	CHECK(mock_vq_kick_prepare(&f.m));
	add1(&f, FX_DATA, 4, false);
	CHECK(!mock_vq_kick_prepare(&f.m));
	virtq_disable_notify(&f.vq);
	CHECK_EQ(f.m.device_event->flags, VRING_PACKED_EVENT_FLAG_DISABLE);
	for (int i = 0; i < 2; i++)
		round_trip(&f, 0, &len);
	CHECK(!virtq_enable_notify(&f.vq));
	CHECK_EQ(f.m.device_event->off_wrap, 0x8002);
	CHECK_EQ(f.m.device_event->flags, VRING_PACKED_EVENT_FLAG_DESC);
	add1(&f, FX_DATA, 4, false);
	add1(&f, FX_DATA, 4, false); /* slots 2, 3: the kick is for slot 2 */
	CHECK(mock_vq_kick_prepare(&f.m));
	for (int i = 0; i < 2; i++)
		round_trip(&f, 0, &len);
	CHECK(!virtq_enable_notify(&f.vq));
	CHECK_EQ(f.m.device_event->off_wrap, 0x0000); /* slot 0, wrap 0 */
	add1(&f, FX_DATA, 4, false);
	CHECK(mock_vq_kick_prepare(&f.m));
	fx_fini(&f);
}

static void test_base(void)
{
	struct virtq vq2;
	struct virtq_config cfg;
	struct fx f;
	u32 base, len;
	int id;

	fx_init(&f, 5, MOCK_VQ_PACKED);
	/* 2 + 2 + 2 descriptors: avail at slot 1 of lap 2, used likewise. */
	for (int i = 0; i < 3; i++) {
		addn(&f, 2, 8);
		round_trip(&f, 0, &len);
	}
	base = virtq_get_base(&f.vq);
	CHECK_EQ(base & 0xffff, 1); /* slot 1, avail wrap 0 */
	CHECK_EQ(base >> 16, 1);    /* slot 1, used wrap 0 */
	/* One more popped, not pushed: avail moves on, used does not. */
	addn(&f, 3, 8);
	CHECK_EQ(fx_pop(&f), 1);
	base = virtq_get_base(&f.vq);
	CHECK_EQ(base & 0xffff, 4);
	CHECK_EQ(base >> 16, 1);
	memset(&vq2, 0, sizeof(vq2));
	mock_vq_config(&f.m, &cfg);
	CHECK_EQ(virtq_init(&vq2, &cfg, &f.dma, "test-vq2"), 0);
	CHECK_EQ(virtq_set_base(&vq2, 5), -EINVAL); /* slot 5 of a ring of 5 */
	CHECK_EQ(virtq_set_base(&vq2, 5u << 16), -EINVAL);
	CHECK_EQ(vq2.last_avail_idx, 0);
	CHECK_EQ(virtq_set_base(&vq2, base), 0);
	CHECK_EQ(virtq_get_base(&vq2), base);
	CHECK(!vq2.avail_wrap);
	/* The chain popped by the first owner is not the new owner's; the first
	 * owner completes it, and the new owner pops the next one from slot 4. */
	virtq_push(&f.vq, &f.e, 0);
	virtq_flush(&f.vq);
	CHECK(mock_vq_get_used(&f.m, &len) >= 0);
	id = add1(&f, FX_DATA, 4, false);
	CHECK_EQ(virtq_pop(&vq2, &f.e), 1);
	CHECK_EQ(f.e.id, id);
	CHECK(vq2.avail_wrap); /* slot 4 was the last: lap 3 */
	fx_fini(&f);
}

static void test_iommu(void)
{
	struct fx f;
	u32 len;
	int id;

	fx_mem_init(&f);
	fx_use_iommu(&f);
	CHECK_EQ(fx_queue(&f, 8, MOCK_VQ_PACKED | MOCK_VQ_INDIRECT), 0);
	id = add1(&f, FX_DATA + 0xff0, 0x20, true);
	CHECK_EQ(fx_pop(&f), 1);
	CHECK_EQ(f.e.in_num, 2); /* two IOMMU pages */
	virtq_push(&f.vq, &f.e, 0x20);
	virtq_flush(&f.vq);
	CHECK_EQ(mock_vq_get_used(&f.m, &len), id);
	CHECK_EQ(f.faults, 0);
	fx_fini(&f);

	/* The descriptor ring is written back: a read-only page will not do. */
	fx_mem_init(&f);
	fx_use_iommu(&f);
	CHECK_EQ(mock_vq_init(&f.m, &f.g, FX_IOVA_RDONLY - FX_IOVA, 8, MOCK_VQ_PACKED), 0);
	{
		struct virtq_config cfg;

		mock_vq_config(&f.m, &cfg);
		cfg.desc_addr += FX_IOVA;
		cfg.driver_addr += FX_IOVA;
		cfg.device_addr += FX_IOVA;
		CHECK_EQ(virtq_init(&f.vq, &cfg, &f.dma, "t"), -EFAULT);
		CHECK_EQ(f.vq.error, VIRTQ_ERR_RING_ADDR);
		CHECK(f.faults >= 1);
	}
	fx_fini(&f);
}

static void test_init_checks(void)
{
	struct virtq_config cfg;
	struct fx f;

	fx_mem_init(&f);
	CHECK_EQ(mock_vq_init(&f.m, &f.g, FX_RING, 100, MOCK_VQ_PACKED), 0);
	mock_vq_config(&f.m, &cfg);
	CHECK_EQ(virtq_init(&f.vq, &cfg, &f.dma, "t"), 0); /* 100: fine for packed */
	cfg.driver_addr += 2;				   /* event structures are 4-aligned */
	CHECK_EQ(virtq_init(&f.vq, &cfg, &f.dma, "t"), -EFAULT);
	CHECK_EQ(f.vq.error, VIRTQ_ERR_RING_ADDR);
	cfg.driver_addr -= 2;
	cfg.device_addr = FX_HOLE - 2;
	CHECK_EQ(virtq_init(&f.vq, &cfg, &f.dma, "t"), -EFAULT);
	cfg.device_addr = f.m.device_gpa;
	cfg.size = 0;
	CHECK_EQ(virtq_init(&f.vq, &cfg, &f.dma, "t"), -EINVAL);
	CHECK_EQ(f.vq.error, VIRTQ_ERR_QUEUE_SIZE);
	/* Rings given as host pointers (vhost-user): alignment still checked. */
	cfg.size = 100;
	CHECK_EQ(virtq_init_hva(&f.vq, &cfg, &f.dma, fx_host(&f, f.m.desc_gpa, 1),
				fx_host(&f, f.m.driver_gpa, 1), fx_host(&f, f.m.device_gpa, 1),
				"t"),
		 0);
	CHECK_EQ(virtq_init_hva(&f.vq, &cfg, &f.dma, fx_host(&f, f.m.desc_gpa + 8, 1),
				fx_host(&f, f.m.driver_gpa, 1), fx_host(&f, f.m.device_gpa, 1),
				"t"),
		 -EFAULT);
	CHECK_EQ(virtq_init_hva(&f.vq, &cfg, &f.dma, NULL, fx_host(&f, f.m.driver_gpa, 1),
				fx_host(&f, f.m.device_gpa, 1), "t"),
		 -EFAULT);
	cfg.size = 32769;
	CHECK_EQ(virtq_init_hva(&f.vq, &cfg, &f.dma, fx_host(&f, f.m.desc_gpa, 1),
				fx_host(&f, f.m.driver_gpa, 1), fx_host(&f, f.m.device_gpa, 1),
				"t"),
		 -EINVAL);
	CHECK_EQ(f.vq.error, VIRTQ_ERR_QUEUE_SIZE);
	fx_fini(&f);
}

/* Device bugs on push: an id never popped, or more descriptors than in flight. */
static void test_used_id(void)
{
	struct virtq_elem bogus;
	struct fx f;

	fx_init(&f, 8, MOCK_VQ_PACKED);
	addn(&f, 2, 8);
	CHECK_EQ(fx_pop(&f), 1);
	bogus = f.e;
	bogus.ndescs = 3; /* only 2 are in flight */
	virtq_push(&f.vq, &bogus, 0);
	CHECK_EQ(f.vq.error, VIRTQ_ERR_USED_ID);
	virtq_flush(&f.vq);
	CHECK_EQ(f.m.pdesc[0].flags & USED_F, 0); /* nothing published */
	fx_fini(&f);

	fx_init(&f, 8, MOCK_VQ_PACKED);
	virtq_elem_init(&bogus, NULL, 0);
	bogus.ndescs = 1;
	virtq_push(&f.vq, &bogus, 0); /* nothing in flight */
	CHECK_EQ(f.vq.error, VIRTQ_ERR_USED_ID);
	fx_fini(&f);
}

int main(void)
{
	test_single();
	test_lists();
	test_indirect();
	test_wrap();
	test_interrupts();
	test_kicks();
	test_base();
	test_iommu();
	test_init_checks();
	test_used_id();
	return check_done();
}
