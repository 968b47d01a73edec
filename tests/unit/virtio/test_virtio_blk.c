// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for src/virtio/blk.c: virtio-blk on virtio-pci over a real
 * temporary image, driven like Linux's virtio_blk (tests/unit/virtio/vdrv.h):
 * config space (capacity, seg_max, blk_size, num_queues, discard limits) and
 * the features offered; writes on one queue read back on the other
 * (multiqueue, one I/O thread each) and found in the file; a burst of
 * requests in flight on both queues at once; flush; discard freeing blocks;
 * GET_ID; a read past the end; a read-only disk on a packed ring with
 * indirect descriptors; reset with requests in flight (it returns only once
 * they are done, and the device works again); a broken ring puts one disk in
 * NEEDS_RESET while the other goes on.
 */
#include <fcntl.h>
#include <linux/virtio_blk.h>
#include <sys/stat.h>

#include "vdrv.h"
#include "iovirt/config.h"

#define DISK_SIZE (16u << 20)
#define RINGS_A 0x100000ull		/* disk 0's rings, 512 KiB apart */
#define RINGS_B 0x2000000ull		/* disk 1's */
#define HDR(i) (0x400000ull + (u64)(i) * 0x100)
#define STATUS(i) (0x480000ull + (u64)(i))
#define DATA(i) (0x1000000ull + (u64)(i) * 0x10000)

static char path[] = "/tmp/iovirt-vblk-XXXXXX";

static void put_hdr(struct vdrv *v, unsigned i, u32 type, u64 sector)
{
	struct virtio_blk_outhdr *h = vdrv_host(v, HDR(i), sizeof(*h));

	h->type = cpu_to_le32(type);
	h->ioprio = 0;
	h->sector = cpu_to_le64(sector);
	*(u8 *)vdrv_host(v, STATUS(i), 1) = 0xee;
}

/* Queue request i: header, `len` data bytes at DATA(i) in two buffers, status. */
static int add_rw(struct vdrv *v, unsigned q, unsigned i, u32 type, u64 sector, u32 len,
		  bool kick)
{
	bool in = type == VIRTIO_BLK_T_IN;
	struct mock_buf b[4] = {
		{ HDR(i), 16, false },
		{ DATA(i), len / 2, in },
		{ DATA(i) + len / 2, len - len / 2, in },
		{ STATUS(i), 1, true },
	};
	int id;

	put_hdr(v, i, type, sector);
	id = mock_vq_add(&v->vq[q], b, 4, false);
	if (kick && mock_vq_kick_prepare(&v->vq[q]))
		vdrv_kick(v, q);
	return id;
}

static u8 status_of(struct vdrv *v, unsigned i)
{
	return *(u8 *)vdrv_host(v, STATUS(i), 1);
}

static u8 rw_sync(struct vdrv *v, unsigned q, unsigned i, u32 type, u64 sector, u32 len)
{
	u32 used = 0;
	int id = add_rw(v, q, i, type, sector, len, true);

	CHECK(id >= 0);
	CHECK_EQ(vdrv_wait_used(v, q, &used), id);
	CHECK_EQ(used, type == VIRTIO_BLK_T_IN && status_of(v, i) == 0 ? len + 1 : 1);
	return status_of(v, i);
}

static u8 simple_sync(struct vdrv *v, unsigned q, unsigned i, u32 type, const void *data,
		      u32 len, u32 *used)
{
	struct mock_buf b[3] = { { HDR(i), 16, false }, { DATA(i), len, type == VIRTIO_BLK_T_GET_ID },
				 { STATUS(i), 1, true } };
	int id;

	put_hdr(v, i, type, 0);
	if (data)
		memcpy(vdrv_host(v, DATA(i), len), data, len);
	if (len) {
		id = vdrv_add(v, q, b, 3);
	} else {
		b[1] = b[2];
		id = vdrv_add(v, q, b, 2);
	}
	CHECK(id >= 0);
	CHECK_EQ(vdrv_wait_used(v, q, used), id);
	return status_of(v, i);
}

static void file_read(u64 off, void *buf, size_t len)
{
	int fd = open(path, O_RDONLY);

	CHECK(fd >= 0);
	CHECK_EQ(pread(fd, buf, len, (off_t)off), (ssize_t)len);
	close(fd);
}

static u64 file_blocks(void)
{
	struct stat st;

	CHECK_EQ(stat(path, &st), 0);
	return (u64)st.st_blocks;
}

static const u64 want_features =
	BIT64(VIRTIO_F_VERSION_1) | BIT64(VIRTIO_F_ACCESS_PLATFORM) |
	BIT64(VIRTIO_RING_F_EVENT_IDX) | BIT64(VIRTIO_RING_F_INDIRECT_DESC) |
	BIT64(VIRTIO_BLK_F_SEG_MAX) | BIT64(VIRTIO_BLK_F_BLK_SIZE) | BIT64(VIRTIO_BLK_F_TOPOLOGY) |
	BIT64(VIRTIO_BLK_F_FLUSH) | BIT64(VIRTIO_BLK_F_MQ) | BIT64(VIRTIO_BLK_F_DISCARD) |
	BIT64(VIRTIO_BLK_F_WRITE_ZEROES) | BIT64(VIRTIO_BLK_F_RO) | BIT64(VIRTIO_F_RING_PACKED);

static void start(struct vdrv *v, unsigned nq, unsigned flags, gpa_t rings)
{
	CHECK(mock_vq_footprint(128, flags) <= 0x80000);
	CHECK(vdrv_negotiate(v, want_features));
	vdrv_msix_enable(v, nq + 1);
	vd_common_wr(v, VIRTIO_PCI_COMMON_MSIX, 2, nq);
	for (unsigned q = 0; q < nq; q++)
		CHECK(vdrv_setup_queue(v, q, rings + q * 0x80000ull, 128, flags, q));
	vdrv_driver_ok(v);
	CHECK_EQ(vdrv_status(v), 0xf);
}

static void test_config(struct vdrv *v)
{
	u64 f = vdrv_device_features(v);

	CHECK_EQ(vdrv_cfg_rd(v, offsetof(struct virtio_blk_config, capacity), 8), DISK_SIZE / 512);
	CHECK_EQ(vdrv_cfg_rd(v, offsetof(struct virtio_blk_config, seg_max), 4), 254);
	CHECK_EQ(vdrv_cfg_rd(v, offsetof(struct virtio_blk_config, blk_size), 4), 512);
	CHECK_EQ(vdrv_cfg_rd(v, offsetof(struct virtio_blk_config, num_queues), 2), 2);
	CHECK_EQ(vdrv_cfg_rd(v, offsetof(struct virtio_blk_config, max_discard_seg), 4), 32);
	CHECK_EQ(vdrv_cfg_rd(v, offsetof(struct virtio_blk_config, write_zeroes_may_unmap), 1), 1);
	/* Byte-wise reads see the same bytes. */
	CHECK_EQ(vdrv_cfg_rd(v, offsetof(struct virtio_blk_config, capacity) + 1, 1),
		 ((DISK_SIZE / 512) >> 8) & 0xff);
	CHECK(f & BIT64(VIRTIO_BLK_F_MQ));
	CHECK(f & BIT64(VIRTIO_BLK_F_FLUSH));
	CHECK(f & BIT64(VIRTIO_BLK_F_DISCARD));
	CHECK(f & BIT64(VIRTIO_BLK_F_WRITE_ZEROES));
	CHECK(f & BIT64(VIRTIO_BLK_F_SEG_MAX));
	CHECK(f & BIT64(VIRTIO_RING_F_INDIRECT_DESC));
	CHECK(!(f & BIT64(VIRTIO_BLK_F_RO)));
	CHECK(!(f & BIT64(VIRTIO_F_RING_PACKED)));
	CHECK(!(f & BIT64(VIRTIO_BLK_F_CONFIG_WCE)));
	CHECK(!(f & BIT64(VIRTIO_F_IN_ORDER)));
	CHECK_EQ(vd_common_rd(v, VIRTIO_PCI_COMMON_NUMQ, 2), 2);
}

static void test_rw_mq(struct vdrv *v)
{
	u8 *w = vdrv_host(v, DATA(0), 8192), *r = vdrv_host(v, DATA(1), 8192);
	static u8 fb[8192];

	for (unsigned i = 0; i < 8192; i++)
		w[i] = (u8)(i * 31 + 7);
	CHECK_EQ(rw_sync(v, 0, 0, VIRTIO_BLK_T_OUT, 40, 8192), VIRTIO_BLK_S_OK);
	file_read(40 * 512, fb, sizeof(fb));
	CHECK(!memcmp(fb, w, 8192));
	memset(r, 0, 8192);
	CHECK_EQ(rw_sync(v, 1, 1, VIRTIO_BLK_T_IN, 40, 8192), VIRTIO_BLK_S_OK);
	CHECK(!memcmp(r, w, 8192));
	/* Past the end: IOERR. */
	CHECK_EQ(rw_sync(v, 1, 2, VIRTIO_BLK_T_IN, DISK_SIZE / 512 - 1, 1024), VIRTIO_BLK_S_IOERR);
	CHECK(vdrv_msix_count(v, 0) >= 1);
	CHECK(vdrv_msix_count(v, 1) >= 1);
}

/* A full ring of requests (32 x 4 descriptors) on each queue in flight together. */
static void test_burst(struct vdrv *v)
{
	int ids[2][32];
	u32 used;

	for (unsigned q = 0; q < 2; q++) {
		for (unsigned k = 0; k < 32; k++) {
			unsigned i = q * 32 + k;
			u8 *d = vdrv_host(v, DATA(i), 4096);

			memset(d, (int)(i + 1), 4096);
			ids[q][k] = add_rw(v, q, i, VIRTIO_BLK_T_OUT, 2048 + i * 8, 4096, false);
			CHECK(ids[q][k] >= 0);
		}
	}
	vdrv_kick(v, 0);
	vdrv_kick(v, 1);
	for (unsigned q = 0; q < 2; q++) {
		unsigned got = 0;

		for (unsigned k = 0; k < 32; k++)
			if (vdrv_wait_used(v, q, &used) >= 0)
				got++;
		CHECK_EQ(got, 32);
	}
	for (unsigned i = 0; i < 64; i++) {
		u8 fb[4096], want[4096];

		CHECK_EQ(status_of(v, i), VIRTIO_BLK_S_OK);
		memset(want, (int)(i + 1), sizeof(want));
		file_read((2048 + i * 8) * 512ull, fb, sizeof(fb));
		CHECK(!memcmp(fb, want, sizeof(fb)));
	}
}

static void test_flush_discard_id(struct vdrv *v)
{
	struct virtio_blk_discard_write_zeroes seg = { cpu_to_le64(4096), cpu_to_le32(4096), 0 };
	u8 *d = vdrv_host(v, DATA(0), 1 << 20);
	u64 before;
	u32 used;
	int fd;

	CHECK_EQ(simple_sync(v, 0, 0, VIRTIO_BLK_T_FLUSH, NULL, 0, &used), VIRTIO_BLK_S_OK);
	CHECK_EQ(used, 1);

	/* Fill 2 MiB, make it durable, discard it: the file gives the blocks back. */
	memset(d, 0x6b, 1 << 20);
	CHECK_EQ(rw_sync(v, 0, 0, VIRTIO_BLK_T_OUT, 4096, 1 << 20), VIRTIO_BLK_S_OK);
	CHECK_EQ(rw_sync(v, 0, 0, VIRTIO_BLK_T_OUT, 4096 + 2048, 1 << 20), VIRTIO_BLK_S_OK);
	fd = open(path, O_RDONLY);
	fsync(fd);
	close(fd);
	before = file_blocks();
	CHECK_EQ(simple_sync(v, 1, 1, VIRTIO_BLK_T_DISCARD, &seg, sizeof(seg), &used),
		 VIRTIO_BLK_S_OK);
	CHECK(file_blocks() + 3000 <= before);

	/* GET_ID: the serial, NUL-padded to 20 bytes. */
	memset(vdrv_host(v, DATA(2), 20), 0xee, 20);
	CHECK_EQ(simple_sync(v, 0, 2, VIRTIO_BLK_T_GET_ID, NULL, 20, &used), VIRTIO_BLK_S_OK);
	CHECK_EQ(used, 21);
	CHECK(!memcmp(vdrv_host(v, DATA(2), 20), "iovirt-test-serial\0\0", 20));
}

/* Reset with requests in flight: it returns once they are done; the disk works again. */
static void test_reset_inflight(struct vdrv *v)
{
	for (unsigned i = 0; i < 64; i++)
		CHECK(add_rw(v, i & 1, i, VIRTIO_BLK_T_IN, i * 128, 64 << 10, false) >= 0);
	vdrv_kick(v, 0);
	vdrv_kick(v, 1);
	vdrv_reset(v);
	CHECK_EQ(vdrv_status(v), 0);
	start(v, 2, MOCK_VQ_EVENT_IDX, RINGS_A);
	memset(vdrv_host(v, DATA(0), 4096), 0x42, 4096);
	CHECK_EQ(rw_sync(v, 1, 0, VIRTIO_BLK_T_OUT, 8, 4096), VIRTIO_BLK_S_OK);
	memset(vdrv_host(v, DATA(1), 4096), 0, 4096);
	CHECK_EQ(rw_sync(v, 0, 1, VIRTIO_BLK_T_IN, 8, 4096), VIRTIO_BLK_S_OK);
	CHECK(!memcmp(vdrv_host(v, DATA(1), 4096), vdrv_host(v, DATA(0), 4096), 4096));
}

/* A read-only disk, single queue, packed ring, indirect descriptors. */
static void test_readonly_packed(struct vdrv *v)
{
	u8 orig[4096], fb[4096];
	struct mock_buf b[3] = { { HDR(0), 16, false }, { DATA(0), 4096, false },
				 { STATUS(0), 1, true } };
	u32 used;
	int id;

	CHECK(vdrv_device_features(v) & BIT64(VIRTIO_BLK_F_RO));
	CHECK(vdrv_device_features(v) & BIT64(VIRTIO_F_RING_PACKED));
	CHECK(!(vdrv_device_features(v) & BIT64(VIRTIO_BLK_F_DISCARD)));
	CHECK(!(vdrv_device_features(v) & BIT64(VIRTIO_BLK_F_MQ)));
	start(v, 1, MOCK_VQ_PACKED | MOCK_VQ_EVENT_IDX | MOCK_VQ_INDIRECT, RINGS_B);
	CHECK(v->features & BIT64(VIRTIO_F_RING_PACKED));
	file_read(0, orig, sizeof(orig));
	memset(vdrv_host(v, DATA(0), 4096), 0x99, 4096);
	put_hdr(v, 0, VIRTIO_BLK_T_OUT, 0);
	id = mock_vq_add(&v->vq[0], b, 3, true);
	CHECK(id >= 0);
	vdrv_kick(v, 0);
	CHECK_EQ(vdrv_wait_used(v, 0, &used), id);
	CHECK_EQ(status_of(v, 0), VIRTIO_BLK_S_IOERR);
	file_read(0, fb, sizeof(fb));
	CHECK(!memcmp(fb, orig, sizeof(fb)));
	/* Reads work, through an indirect table too. */
	b[1].write = true;
	put_hdr(v, 0, VIRTIO_BLK_T_IN, 0);
	id = mock_vq_add(&v->vq[0], b, 3, true);
	vdrv_kick(v, 0);
	CHECK_EQ(vdrv_wait_used(v, 0, &used), id);
	CHECK_EQ(status_of(v, 0), VIRTIO_BLK_S_OK);
	CHECK_EQ(used, 4097);
	CHECK(!memcmp(vdrv_host(v, DATA(0), 4096), orig, 4096));
}

static void test_broken_isolated(struct vdrv *a, struct vdrv *b)
{
	/* Ring 0 of disk a: a head index outside the ring. */
	mock_vq_split_raw(&a->vq[0], 1000);
	vdrv_kick(a, 0);
	CHECK(WAIT_UNTIL(vdrv_status(a) & VIRTIO_CONFIG_S_NEEDS_RESET));
	CHECK(WAIT_UNTIL(vdrv_msix_count(a, 2)));
	CHECK_EQ(vdrv_msix_count(a, 2), 1);
	/* Its other queue stops too; disk b goes on. */
	CHECK(add_rw(a, 1, 5, VIRTIO_BLK_T_IN, 0, 512, true) >= 0);
	usleep(20000);
	{
		u32 used;

		CHECK_EQ(mock_vq_get_used(&a->vq[1], &used), -EAGAIN);
	}
	CHECK_EQ(rw_sync(b, 0, 6, VIRTIO_BLK_T_IN, 0, 512), VIRTIO_BLK_S_OK);
	CHECK(!(vdrv_status(b) & VIRTIO_CONFIG_S_NEEDS_RESET));
}

/*
 * Adaptive polling (poll=USEC): while the queue thread polls, guest kicks are
 * switched off, so back-to-back requests need no notification at all.
 */
static void test_polling(struct vdrv *v)
{
	u32 used;

	start(v, 1, MOCK_VQ_EVENT_IDX, RINGS_B);
	memset(vdrv_host(v, DATA(0), 4096), 0x17, 4096);
	CHECK_EQ(rw_sync(v, 0, 0, VIRTIO_BLK_T_OUT, 64, 4096), VIRTIO_BLK_S_OK);
	v->vq[0].kicks_suppressed = 0;
	for (unsigned i = 1; i < 20; i++) {
		CHECK(add_rw(v, 0, i, VIRTIO_BLK_T_IN, 64, 4096, true) >= 0);
		CHECK(vdrv_wait_used(v, 0, &used) >= 0);
		CHECK_EQ(status_of(v, i), VIRTIO_BLK_S_OK);
		CHECK_EQ(*(u8 *)vdrv_host(v, DATA(i) + 4095, 1), 0x17);
	}
	/* Most of those needed no kick (the thread was polling the ring). */
	CHECK(v->vq[0].kicks_suppressed >= 10);
	vdrv_reset(v);
}

/*
 * Every ring entry in flight at once (indirect tables: one descriptor per
 * request), twice over: when the device runs out of request slots it must
 * resume by itself once they complete, with no further kick from the driver.
 */
static void test_ring_full_indirect(struct vdrv *v)
{
	unsigned got = 0;
	u32 used;

	start(v, 1, MOCK_VQ_EVENT_IDX | MOCK_VQ_INDIRECT, RINGS_B);
	for (unsigned round = 0; round < 4; round++) {
		for (unsigned k = 0; k < 128; k++) {
			unsigned i = k;
			struct mock_buf b[3] = { { HDR(i), 16, false }, { DATA(i), 512, true },
						 { STATUS(i), 1, true } };
			struct virtio_blk_outhdr *h = vdrv_host(v, HDR(i), sizeof(*h));

			h->type = cpu_to_le32(VIRTIO_BLK_T_IN);
			h->sector = cpu_to_le64(k);
			CHECK(mock_vq_add(&v->vq[0], b, 3, true) >= 0);
		}
		if (mock_vq_kick_prepare(&v->vq[0]))
			vdrv_kick(v, 0);
		for (unsigned k = 0; k < 128; k++)
			if (vdrv_wait_used(v, 0, &used) >= 0)
				got++;
	}
	CHECK_EQ(got, 4 * 128);
	vdrv_reset(v);
}

int main(void)
{
	struct pci_fixture f;
	struct disk_config dc = { 0 }, ro = { 0 };
	struct vdrv v, v2;
	int fd = mkstemp(path);

	CHECK(fd >= 0);
	CHECK_EQ(ftruncate(fd, DISK_SIZE), 0);
	close(fd);
	vdrv_fixture(&f, 2);

	/* Bad input before the guest starts: one line, an error. */
	dc.path = "/nonexistent/disk.img";
	CHECK_EQ(virtio_blk_create(&f.vm, &dc, 9), -ENOENT);

	dc.path = path;
	dc.queues = 0; /* one per vCPU: 2 */
	dc.serial = "iovirt-test-serial";
	CHECK_EQ(virtio_blk_create(&f.vm, &dc, 0), 0);
	ro.path = path;
	ro.readonly = true;
	ro.packed = true;
	ro.queues = 1;
	CHECK_EQ(virtio_blk_create(&f.vm, &ro, 1), 0);
	dc.queues = 1;
	dc.poll_us = 200000; /* long enough to never sleep between two requests here */
	CHECK_EQ(virtio_blk_create(&f.vm, &dc, 2), 0);

	CHECK_EQ(vdrv_probe(&v, &f, VIRTIO_ID_BLOCK, 0), 0);
	test_config(&v);
	start(&v, 2, MOCK_VQ_EVENT_IDX, RINGS_A);
	test_rw_mq(&v);
	test_burst(&v);
	test_flush_discard_id(&v);
	test_reset_inflight(&v);

	CHECK_EQ(vdrv_probe(&v2, &f, VIRTIO_ID_BLOCK, 1), 0);
	test_readonly_packed(&v2);
	vdrv_reset(&v2);
	/* Disk 1 again, split ring this time. */
	CHECK(vdrv_negotiate(&v2, want_features & ~BIT64(VIRTIO_F_RING_PACKED)));
	vdrv_msix_enable(&v2, 2);
	CHECK(vdrv_setup_queue(&v2, 0, RINGS_B, 64, 0, 0));
	vdrv_driver_ok(&v2);
	test_broken_isolated(&v, &v2);

	vdrv_reset(&v);
	vdrv_reset(&v2);
	{
		struct vdrv v3;

		CHECK_EQ(vdrv_probe(&v3, &f, VIRTIO_ID_BLOCK, 2), 0);
		test_polling(&v3);
		test_ring_full_indirect(&v);
	}
	pci_fixture_fini(&f);
	unlink(path);
	return check_done();
}
