// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for the VMM's vhost-user front-end (src/vhost/vu_frontend*.c),
 * with the virtio-pci device on the PCI test fixture driven by the test
 * driver (tests/unit/virtio/vdrv.h) and, as the peer, the project's own
 * back-end library serving a RAM disk or a packet sink in a thread
 * (tests/lib/vu_test_backend.c): negotiation, the memory table (the
 * back-end's mapping really is guest memory), ring addresses, requests end
 * to end with KVM-style kick and call eventfds, MSI-X masking, config
 * changes, device reset, a crash with requests in flight and the reconnect
 * that resubmits them once, the net control queue; then scripted hostile
 * back-ends, each of which must cost one log line and a disconnect.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/virtio_blk.h>
#include <linux/virtio_net.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../virtio/vdrv.h"
#include "iovirt/vhost_frontend.h"
#include "iovirt/vhost_user.h"
#include "src/vhost/vu_sock.h"
#include "vu_test_backend.h"

#define RINGS	  0x100000ull
#define HDR(i)	  (0x400000ull + (u64)(i)*0x100)
#define STATUS(i) (0x480000ull + (u64)(i))
#define DATA(i)	  (0x1000000ull + (u64)(i)*0x10000)

static char sock_path[108];

static const struct vhost_fe_params fast = {
	.connect_timeout_ms = 2000,
	.reply_timeout_ms = 1000,
	.reconnect_min_ms = 10,
	.reconnect_max_ms = 50,
};

static struct vhost_fe_stats stats_of(struct pci_fixture *f, const char *name)
{
	struct vhost_fe_stats st = {0};
	struct vhost_fe *fe = vhost_fe_find(&f->vm, name);

	CHECK(fe != NULL);
	if (fe)
		vhost_fe_get_stats(fe, &st);
	return st;
}

/* Wait (wait.h: the bound is a hang) until the connect count reaches n and it is connected. */
static bool connected_n(struct pci_fixture *f, const char *name, u64 n)
{
	struct vhost_fe_stats st = stats_of(f, name);

	return st.connects >= n && st.connected;
}

static bool wait_connects(struct pci_fixture *f, const char *name, u64 n)
{
	return WAIT_UNTIL(connected_n(f, name, n));
}

static bool wait_disconnects(struct pci_fixture *f, const char *name, u64 n)
{
	return WAIT_UNTIL(stats_of(f, name).disconnects >= n);
}

static void put_hdr(struct vdrv *v, unsigned i, u32 type, u64 sector)
{
	struct virtio_blk_outhdr *h = vdrv_host(v, HDR(i), sizeof(*h));

	h->type = cpu_to_le32(type);
	h->ioprio = 0;
	h->sector = cpu_to_le64(sector);
	*(u8 *)vdrv_host(v, STATUS(i), 1) = 0xee;
}

static int add_rw(struct vdrv *v, unsigned i, u32 type, u64 sector, u32 len)
{
	bool in = type == VIRTIO_BLK_T_IN;
	struct mock_buf b[3] = {
		{HDR(i), 16, false},
		{DATA(i), len, in},
		{STATUS(i), 1, true},
	};

	put_hdr(v, i, type, sector);
	return vdrv_add(v, 0, b, 3);
}

static u8 status_of(struct vdrv *v, unsigned i)
{
	return *(u8 *)vdrv_host(v, STATUS(i), 1);
}

/* A blk device on the fixture, driven up to DRIVER_OK with one queue and MSI-X. */
static void blk_up(struct vdrv *v, struct pci_fixture *f)
{
	CHECK_EQ(vdrv_probe(v, f, VIRTIO_ID_BLOCK, 0), 0);
	vdrv_msix_enable(v, 2);
	CHECK(vdrv_negotiate(v, ~0ull));
	vd_common_wr(v, VIRTIO_PCI_COMMON_MSIX, 2, 0);
	CHECK(vdrv_setup_queue(v, 0, RINGS, 128, MOCK_VQ_EVENT_IDX, 1));
	vdrv_driver_ok(v);
	CHECK(vdrv_status(v) & VIRTIO_CONFIG_S_DRIVER_OK);
	CHECK(!(vdrv_status(v) & VIRTIO_CONFIG_S_NEEDS_RESET));
}

/* Free the driver's rings (the device is torn down with the fixture). */
static void drv_fini(struct vdrv *v)
{
	for (unsigned q = 0; q < VDRV_MAX_QUEUES; q++) {
		if (v->vq_set[q])
			mock_vq_destroy(&v->vq[q]);
		v->vq_set[q] = false;
	}
}

static void setup(struct pci_fixture *f, struct vtb **b, const struct vtb_opts *o)
{
	vdrv_fixture(f, 1);
	snprintf(sock_path, sizeof(sock_path), "/tmp/iovirt-vufe-%d.sock", getpid());
	*b = vtb_start(sock_path, o);
	CHECK(*b != NULL);
}

static struct disk_config disk(void)
{
	struct disk_config dc = {.vhost_user = sock_path};

	return dc;
}

static void test_negotiation_and_io(void)
{
	struct vtb_opts o = {
		.kind = VTB_BLK, .num_queues = 1, .disk_size = 1 << 20, .inflight = true};
	struct disk_config dc;
	struct pci_fixture f;
	struct vtb *b;
	struct vdrv v;
	u64 desc, avail, used, feat;
	u32 len = 0;
	int id;

	setup(&f, &b, &o);
	dc = disk();
	CHECK_EQ(vhost_user_blk_create(&f.vm, &dc, 0, &fast), 0);
	struct vhost_fe_stats st = stats_of(&f, "vhost-user-blk0");

	CHECK(st.connected);
	CHECK_EQ(st.connects, 1);
	CHECK(st.backend_features & BIT64(VIRTIO_F_VERSION_1));
	CHECK(st.protocol_features & BIT64(VHOST_USER_PROTOCOL_F_REPLY_ACK));
	CHECK(st.protocol_features & BIT64(VHOST_USER_PROTOCOL_F_CONFIG));
	CHECK(st.protocol_features & BIT64(VHOST_USER_PROTOCOL_F_INFLIGHT_SHMFD));
	CHECK(st.protocol_features & BIT64(VHOST_USER_PROTOCOL_F_BACKEND_REQ));
	/* Not asked for: the front-end sends no dirty log and no IOTLB. */
	CHECK(!(st.protocol_features & BIT64(VHOST_USER_PROTOCOL_F_LOG_SHMFD)));

	CHECK_EQ(vdrv_probe(&v, &f, VIRTIO_ID_BLOCK, 0), 0);
	feat = vdrv_device_features(&v);
	/* The back-end's bits, and nothing the back-end cannot do. */
	CHECK(feat & BIT64(VIRTIO_BLK_F_FLUSH));
	CHECK(feat & BIT64(VIRTIO_BLK_F_BLK_SIZE));
	CHECK(feat & BIT64(VIRTIO_RING_F_EVENT_IDX));
	CHECK(!(feat & BIT64(VIRTIO_F_ACCESS_PLATFORM)));
	CHECK(!(feat & BIT64(VIRTIO_BLK_F_DISCARD)));
	CHECK(!(feat & BIT64(VHOST_USER_F_PROTOCOL_FEATURES)));
	CHECK(!(feat & BIT64(VIRTIO_F_RING_PACKED)));
	/* Config space is the back-end's (GET_CONFIG). */
	CHECK_EQ(vdrv_cfg_rd(&v, offsetof(struct virtio_blk_config, capacity), 8), 2048);
	CHECK_EQ(vdrv_cfg_rd(&v, offsetof(struct virtio_blk_config, seg_max), 4), 62);

	blk_up(&v, &f);
	/* SET_FEATURES: what the driver took of the back-end's bits, plus PROTOCOL_FEATURES. */
	CHECK_EQ(vtb_features(b), (v.features & feat) | BIT64(VHOST_USER_F_PROTOCOL_FEATURES));
	CHECK(vtb_ring_started(b, 0));
	CHECK(vtb_ring_enabled(b, 0));
	/* Ring addresses are our mappings of the rings' guest addresses. */
	vtb_ring_addrs(b, 0, &desc, &avail, &used);
	CHECK_EQ(desc, (u64)(uintptr_t)vdrv_host(&v, v.vq[0].desc_gpa, 1));
	CHECK_EQ(avail, (u64)(uintptr_t)vdrv_host(&v, v.vq[0].driver_gpa, 1));
	CHECK_EQ(used, (u64)(uintptr_t)vdrv_host(&v, v.vq[0].device_gpa, 1));
	CHECK_EQ(stats_of(&f, "vhost-user-blk0").inflight_fd, 1);
	CHECK_EQ(vtb_ring_base(b, 0), 0); /* split: avail index 0 */

	/* A write lands in the back-end's disk through its own mapping of guest memory. */
	memset(vdrv_host(&v, DATA(0), 4096), 0x5a, 4096);
	id = add_rw(&v, 0, VIRTIO_BLK_T_OUT, 8, 4096);
	CHECK(id >= 0);
	CHECK_EQ(vdrv_wait_used(&v, 0, &len), id);
	CHECK_EQ(status_of(&v, 0), VIRTIO_BLK_S_OK);
	CHECK_EQ(vtb_disk(b)[8 * 512], 0x5a);
	CHECK_EQ(vtb_disk(b)[8 * 512 + 4095], 0x5a);
	/* And a read: what the back-end writes through its mapping, we see in ours. */
	memset(vtb_disk(b) + 16 * 512, 0xc3, 512);
	id = add_rw(&v, 1, VIRTIO_BLK_T_IN, 16, 512);
	CHECK_EQ(vdrv_wait_used(&v, 0, &len), id);
	CHECK_EQ(len, 513);
	CHECK_EQ(status_of(&v, 1), VIRTIO_BLK_S_OK);
	CHECK_EQ(*(u8 *)vdrv_host(&v, DATA(1) + 511, 1), 0xc3);
	/* The call fd is the vector's irqfd: the back-end interrupted us directly. */
	CHECK(vdrv_msix_count(&v, 1) >= 1);

	/* Reset: the back-end's ring stops (GET_VRING_BASE), and the device comes back. */
	vdrv_reset(&v);
	CHECK(!vtb_ring_started(b, 0));
	CHECK_EQ(stats_of(&f, "vhost-user-blk0").inflight_fd, 0);
	blk_up(&v, &f);
	CHECK(vtb_ring_started(b, 0));
	memset(vdrv_host(&v, DATA(2), 512), 0x11, 512);
	id = add_rw(&v, 2, VIRTIO_BLK_T_OUT, 40, 512);
	CHECK_EQ(vdrv_wait_used(&v, 0, &len), id);
	CHECK_EQ(vtb_disk(b)[40 * 512], 0x11);
	CHECK_EQ(vtb_connections(b), 1);

	drv_fini(&v);
	pci_fixture_fini(&f);
	vtb_stop(b);
}

/*
 * A fresh packed ring starts with wrap counters 1 (virtio 1.2 §2.8.1):
 * SET_VRING_BASE says so in bit 15 (avail) and bit 31 (used). DPDK's vhost library takes the value as
 * given, so with a 0 it never saw the driver's descriptors (found in the lab
 * with dpdk-testpmd --vdev net_vhost0 and --net ...,packed=on). Our own
 * library copes with a 0 (virtio_uml sends one), so the value is checked
 * as sent, before and after a device reset, and I/O runs.
 */
static void test_packed_fresh_base(void)
{
	struct vtb_opts o = {
		.kind = VTB_BLK, .num_queues = 1, .disk_size = 1 << 20,
		.features = BIT64(VIRTIO_F_VERSION_1) | BIT64(VIRTIO_RING_F_EVENT_IDX) |
			    BIT64(VIRTIO_F_RING_PACKED) | BIT64(VIRTIO_BLK_F_FLUSH) |
			    BIT64(VIRTIO_BLK_F_SEG_MAX)};
	struct disk_config dc;
	struct pci_fixture f;
	struct vtb *b;
	struct vdrv v;
	u32 len = 0;
	int id;

	setup(&f, &b, &o);
	dc = disk();
	dc.packed = true;
	CHECK_EQ(vhost_user_blk_create(&f.vm, &dc, 0, &fast), 0);
	for (int round = 0; round < 2; round++) {
		if (round)
			vdrv_reset(&v);
		CHECK_EQ(vdrv_probe(&v, &f, VIRTIO_ID_BLOCK, 0), 0);
		CHECK(vdrv_device_features(&v) & BIT64(VIRTIO_F_RING_PACKED));
		vdrv_msix_enable(&v, 2);
		CHECK(vdrv_negotiate(&v, ~0ull));
		vd_common_wr(&v, VIRTIO_PCI_COMMON_MSIX, 2, 0);
		CHECK(vdrv_setup_queue(&v, 0, RINGS, 64, MOCK_VQ_PACKED | MOCK_VQ_EVENT_IDX, 1));
		vdrv_driver_ok(&v);
		CHECK(vdrv_status(&v) & VIRTIO_CONFIG_S_DRIVER_OK);
		CHECK(WAIT_UNTIL(vtb_ring_started(b, 0)));
		CHECK(vtb_features(b) & BIT64(VIRTIO_F_RING_PACKED));
		/* Slot 0, wrap counter 1, for the avail and the used position. */
		CHECK_EQ(vtb_ring_base(b, 0), 0x80008000u);
		memset(vdrv_host(&v, DATA(round), 512), 0x21 + round, 512);
		id = add_rw(&v, round, VIRTIO_BLK_T_OUT, 2 + round, 512);
		CHECK(id >= 0);
		CHECK_EQ(vdrv_wait_used(&v, 0, &len), id);
		CHECK_EQ(status_of(&v, round), VIRTIO_BLK_S_OK);
		CHECK_EQ(vtb_disk(b)[(2 + round) * 512], 0x21 + round);
	}
	CHECK_EQ(vtb_connections(b), 1);
	drv_fini(&v);
	pci_fixture_fini(&f);
	vtb_stop(b);
}

/* A masked vector: the back-end's call becomes the pending bit, unmasking delivers it. */
static void test_msix_masking(void)
{
	struct vtb_opts o = {.kind = VTB_BLK, .num_queues = 1};
	struct disk_config dc;
	struct pci_fixture f;
	struct vtb *b;
	struct vdrv v;
	u32 len;
	u64 pba_addr, before;
	int id;

	setup(&f, &b, &o);
	dc = disk();
	CHECK_EQ(vhost_user_blk_create(&f.vm, &dc, 0, &fast), 0);
	blk_up(&v, &f);
	mock_vq_disable_cb(&v.vq[0]);
	mock_vq_enable_cb(&v.vq[0]);
	before = vdrv_msix_count(&v, 1);
	/* Mask vector 1 (the queue's). */
	vd_wr(&v, v.msix_table + 16 + PCI_MSIX_ENTRY_VECTOR_CTRL, 4, 1);
	id = add_rw(&v, 0, VIRTIO_BLK_T_FLUSH, 0, 0);
	CHECK(id >= 0);
	CHECK_EQ(vdrv_wait_used(&v, 0, &len), id);
	/*
	 * PBA: the table has 2 vectors (32 bytes), the PBA right after it. The
	 * back-end signals the call fd after the used entry: wait for the bit.
	 */
	pba_addr = v.msix_table + 32;
	CHECK(WAIT_UNTIL(vd_rd(&v, pba_addr, 8) & 2));
	CHECK_EQ(vdrv_msix_count(&v, 1), before);
	vd_wr(&v, v.msix_table + 16 + PCI_MSIX_ENTRY_VECTOR_CTRL, 4, 0);
	CHECK(!(vd_rd(&v, pba_addr, 8) & 2));
	CHECK_EQ(vdrv_msix_count(&v, 1), before + 1);
	drv_fini(&v);
	pci_fixture_fini(&f);
	vtb_stop(b);
}

/* No MSI-X (INTx): the call fd is the front-end's own eventfd, turned into ISR + INTA#. */
static void test_intx(void)
{
	struct vtb_opts o = {.kind = VTB_BLK, .num_queues = 1};
	struct disk_config dc;
	struct pci_fixture f;
	struct vtb *b;
	struct vdrv v;
	bool seen = false;
	u32 len;
	int id;

	setup(&f, &b, &o);
	dc = disk();
	CHECK_EQ(vhost_user_blk_create(&f.vm, &dc, 0, &fast), 0);
	CHECK_EQ(vdrv_probe(&v, &f, VIRTIO_ID_BLOCK, 0), 0);
	CHECK(vdrv_negotiate(&v, ~0ull));
	CHECK(vdrv_setup_queue(&v, 0, RINGS, 64, 0, 0));
	vdrv_driver_ok(&v);
	CHECK_EQ(vd_rd(&v, v.isr, 1), 0);
	id = add_rw(&v, 0, VIRTIO_BLK_T_FLUSH, 0, 0);
	CHECK_EQ(vdrv_wait_used(&v, 0, &len), id);
	seen = WAIT_UNTIL(vd_rd(&v, v.isr, 1) & 1); /* the read clears it (§4.1.4.5) */
	CHECK(seen);
	CHECK_EQ(vd_rd(&v, v.isr, 1), 0);
	drv_fini(&v);
	pci_fixture_fini(&f);
	vtb_stop(b);
}

/* CONFIG_CHANGE_MSG: the new capacity is fetched and the config interrupt raised. */
static void test_config_change(void)
{
	struct vtb_opts o = {.kind = VTB_BLK, .num_queues = 1};
	struct disk_config dc;
	struct pci_fixture f;
	struct vtb *b;
	struct vdrv v;
	u8 gen;

	setup(&f, &b, &o);
	dc = disk();
	CHECK_EQ(vhost_user_blk_create(&f.vm, &dc, 0, &fast), 0);
	blk_up(&v, &f);
	gen = (u8)vd_common_rd(&v, VIRTIO_PCI_COMMON_CFGGENERATION, 1);
	vdrv_msix_count(&v, 0);
	vtb_change_capacity(b, 4096);
	CHECK(WAIT_UNTIL(stats_of(&f, "vhost-user-blk0").config_changes));
	usleep(10000);	/* a second change would show now: there must be none */
	CHECK_EQ(stats_of(&f, "vhost-user-blk0").config_changes, 1);
	CHECK_EQ(vdrv_cfg_rd(&v, offsetof(struct virtio_blk_config, capacity), 8), 4096);
	CHECK((u8)vd_common_rd(&v, VIRTIO_PCI_COMMON_CFGGENERATION, 1) != gen);
	CHECK(v.irqs[0] < vdrv_msix_count(&v, 0) || v.irqs[0] >= 1);
	/* The writeback byte goes to the back-end with SET_CONFIG. */
	if (v.features & BIT64(VIRTIO_BLK_F_CONFIG_WCE)) {
		vd_wr(&v, v.devcfg + offsetof(struct virtio_blk_config, wce), 1, 0);
		CHECK_EQ(vdrv_cfg_rd(&v, offsetof(struct virtio_blk_config, wce), 1), 0);
	}
	drv_fini(&v);
	pci_fixture_fini(&f);
	vtb_stop(b);
}

/*
 * The back-end crashes with a request popped and not completed, stays away a
 * while (the guest submits more meanwhile), and comes back: the front-end
 * reconnects, restores the ring from guest memory, hands back the inflight
 * area, and every request completes exactly once.
 */
static void test_crash_and_reconnect(void)
{
	struct vtb_opts o = {.kind = VTB_BLK, .num_queues = 1, .inflight = true};
	struct disk_config dc;
	struct pci_fixture f;
	struct vtb *b;
	struct vdrv v;
	u32 len;
	int id0, id1, id2, got[2];

	setup(&f, &b, &o);
	dc = disk();
	CHECK_EQ(vhost_user_blk_create(&f.vm, &dc, 0, &fast), 0);
	blk_up(&v, &f);
	/* One request done before the crash. */
	memset(vdrv_host(&v, DATA(0), 512), 0x01, 512);
	id0 = add_rw(&v, 0, VIRTIO_BLK_T_OUT, 100, 512);
	CHECK_EQ(vdrv_wait_used(&v, 0, &len), id0);

	vtb_set_hold(b, true);
	memset(vdrv_host(&v, DATA(1), 512), 0x02, 512);
	id1 = add_rw(&v, 1, VIRTIO_BLK_T_OUT, 101, 512);
	CHECK(WAIT_UNTIL(vtb_held(b)));
	CHECK_EQ(vtb_held(b), 1);
	vtb_listen(b, false); /* away for a while: reconnection attempts fail */
	vtb_crash(b);
	CHECK(wait_disconnects(&f, "vhost-user-blk0", 1));
	CHECK(!stats_of(&f, "vhost-user-blk0").connected);
	/* The guest goes on: a request submitted while the back-end is gone stalls. */
	memset(vdrv_host(&v, DATA(2), 512), 0x03, 512);
	id2 = add_rw(&v, 2, VIRTIO_BLK_T_OUT, 102, 512);
	usleep(100000);
	CHECK_EQ(mock_vq_get_used(&v.vq[0], &len), -EAGAIN);
	CHECK(vdrv_status(&v) & VIRTIO_CONFIG_S_DRIVER_OK);
	CHECK(!(vdrv_status(&v) & VIRTIO_CONFIG_S_NEEDS_RESET));

	vtb_set_hold(b, false);
	vtb_listen(b, true);
	CHECK(wait_connects(&f, "vhost-user-blk0", 2));
	got[0] = vdrv_wait_used(&v, 0, &len);
	got[1] = vdrv_wait_used(&v, 0, &len);
	CHECK((got[0] == id1 && got[1] == id2) || (got[0] == id2 && got[1] == id1));
	CHECK_EQ(mock_vq_get_used(&v.vq[0], &len), -EAGAIN);
	CHECK_EQ(status_of(&v, 1), VIRTIO_BLK_S_OK);
	CHECK_EQ(status_of(&v, 2), VIRTIO_BLK_S_OK);
	CHECK_EQ(vtb_disk(b)[101 * 512], 0x02);
	CHECK_EQ(vtb_disk(b)[102 * 512], 0x03);
	/* Nothing done twice: the request before the crash was not resubmitted. */
	CHECK_EQ(vtb_writes_of(b, 100), 1);
	CHECK_EQ(vtb_writes_of(b, 101), 1);
	CHECK_EQ(vtb_writes_of(b, 102), 1);
	CHECK_EQ(vtb_connections(b), 2);
	/* And it keeps working. */
	id0 = add_rw(&v, 3, VIRTIO_BLK_T_FLUSH, 0, 0);
	CHECK_EQ(vdrv_wait_used(&v, 0, &len), id0);
	drv_fini(&v);
	pci_fixture_fini(&f);
	vtb_stop(b);
}

/*
 * The same with a packed ring, where neither ring position is in guest
 * memory: the front-end hands the area back with the base of the ring's
 * start, and the back-end resumes from the area — the requests it held are
 * resubmitted once, one it completed before the crash is not, and the ring
 * goes on past the slots they took. Without an area the ring cannot be
 * restored: the device asks for a reset.
 */
static void test_crash_and_reconnect_packed(bool inflight)
{
	struct vtb_opts o = {.kind = VTB_BLK, .num_queues = 1, .inflight = inflight,
			     .features = BIT64(VIRTIO_F_VERSION_1) | BIT64(VIRTIO_F_RING_PACKED) |
					 BIT64(VIRTIO_RING_F_EVENT_IDX) |
					 BIT64(VIRTIO_RING_F_INDIRECT_DESC) | BIT64(VIRTIO_BLK_F_FLUSH)};
	struct disk_config dc;
	struct pci_fixture f;
	struct vtb *b;
	struct vdrv v;
	u32 len;
	int id[6];
	bool seen[6] = {0};

	setup(&f, &b, &o);
	dc = disk();
	dc.packed = true;
	CHECK_EQ(vhost_user_blk_create(&f.vm, &dc, 0, &fast), 0);
	CHECK_EQ(vdrv_probe(&v, &f, VIRTIO_ID_BLOCK, 0), 0);
	vdrv_msix_enable(&v, 2);
	CHECK(vdrv_negotiate(&v, ~0ull));
	vd_common_wr(&v, VIRTIO_PCI_COMMON_MSIX, 2, 0);
	CHECK(vdrv_setup_queue(&v, 0, RINGS, 128, MOCK_VQ_EVENT_IDX | MOCK_VQ_PACKED, 1));
	vdrv_driver_ok(&v);
	CHECK(vdrv_status(&v) & VIRTIO_CONFIG_S_DRIVER_OK);
	CHECK(vtb_features(b) & BIT64(VIRTIO_F_RING_PACKED));
	CHECK_EQ(stats_of(&f, "vhost-user-blk0").inflight_fd, inflight);

	memset(vdrv_host(&v, DATA(0), 512), 0x10, 512);
	id[0] = add_rw(&v, 0, VIRTIO_BLK_T_OUT, 200, 512);
	CHECK_EQ(vdrv_wait_used(&v, 0, &len), id[0]);
	vtb_set_hold(b, true);
	for (unsigned i = 1; i < 4; i++) {
		memset(vdrv_host(&v, DATA(i), 512), 0x10 + i, 512);
		id[i] = add_rw(&v, i, VIRTIO_BLK_T_OUT, 200 + i, 512);
	}
	CHECK(WAIT_UNTIL(vtb_held(b) == 3));
	vtb_listen(b, false);
	vtb_crash(b);
	CHECK(wait_disconnects(&f, "vhost-user-blk0", 1));
	memset(vdrv_host(&v, DATA(4), 512), 0x14, 512);
	id[4] = add_rw(&v, 4, VIRTIO_BLK_T_OUT, 204, 512);
	vtb_set_hold(b, false);
	vtb_listen(b, true);
	CHECK(wait_connects(&f, "vhost-user-blk0", 2));
	if (!inflight) {
		CHECK(WAIT_UNTIL(vdrv_status(&v) & VIRTIO_CONFIG_S_NEEDS_RESET));
		CHECK_EQ(vtb_writes_of(b, 201), 0);
		goto out;
	}
	for (unsigned k = 1; k < 5; k++) {
		int got = vdrv_wait_used(&v, 0, &len);

		for (unsigned i = 1; i < 5; i++)
			if (got == id[i] && !seen[i])
				seen[i] = true;
	}
	CHECK(seen[1] && seen[2] && seen[3] && seen[4]);
	CHECK_EQ(mock_vq_get_used(&v.vq[0], &len), -EAGAIN);
	for (unsigned i = 0; i < 5; i++) {
		CHECK_EQ(vtb_writes_of(b, 200 + i), 1);
		CHECK_EQ(vtb_disk(b)[(200 + i) * 512], 0x10 + i);
		CHECK_EQ(status_of(&v, i), VIRTIO_BLK_S_OK);
	}
	CHECK(!(vdrv_status(&v) & VIRTIO_CONFIG_S_NEEDS_RESET));
	/* And it keeps working, round the ring more than once. */
	for (unsigned i = 0; i < 300; i++) {
		id[5] = add_rw(&v, 5, VIRTIO_BLK_T_FLUSH, 0, 0);
		CHECK_EQ(vdrv_wait_used(&v, 0, &len), id[5]);
	}
out:
	drv_fini(&v);
	pci_fixture_fini(&f);
	vtb_stop(b);
}

/* Creation: a path that is not a socket fails at once; a missing one after the timeout. */
static void test_bad_paths(void)
{
	struct vhost_fe_params p = fast;
	struct disk_config dc = {0};
	struct pci_fixture f;
	char file[] = "/tmp/iovirt-vufe-file-XXXXXX";
	int fd = mkstemp(file);
	u64 t0;

	vdrv_fixture(&f, 1);
	CHECK(fd >= 0);
	dc.vhost_user = file;
	t0 = clock_ns();
	CHECK_EQ(vhost_user_blk_create(&f.vm, &dc, 0, &p), -ENOTSOCK);
	CHECK(clock_ns() - t0 < 100000000ull);
	dc.vhost_user = "/tmp/iovirt-vufe-nobody-here.sock";
	p.connect_timeout_ms = 200;
	t0 = clock_ns();
	CHECK_EQ(vhost_user_blk_create(&f.vm, &dc, 0, &p), -ENOENT);
	CHECK(clock_ns() - t0 >= 190000000ull);
	CHECK_EQ(f.vm.nr_devices, 1); /* the host bridge only */
	close(fd);
	unlink(file);
	pci_fixture_fini(&f);
}

/* --- vhost-user-net: config and control queue are the VMM's --- */

static void ctrl_cmd(struct vdrv *v, unsigned cq, u8 cls, u8 cmd, const void *data, u32 len,
		     u8 *ack)
{
	u8 *hdr = vdrv_host(v, HDR(10), 2);
	struct mock_buf bufs[3] = {
		{HDR(10), 2, false},
		{DATA(10), len, false},
		{STATUS(10), 1, true},
	};
	u32 used;

	hdr[0] = cls;
	hdr[1] = cmd;
	memcpy(vdrv_host(v, DATA(10), len), data, len);
	*(u8 *)vdrv_host(v, STATUS(10), 1) = 0xee;
	CHECK(vdrv_add(v, cq, bufs, 3) >= 0);
	CHECK(vdrv_wait_used(v, cq, &used) >= 0);
	*ack = *(u8 *)vdrv_host(v, STATUS(10), 1);
}

static void test_net(void)
{
	struct vtb_opts o = {.kind = VTB_NET, .num_queues = 4};
	struct net_config nc = {
		.tap_fd = -1, .queues = 2, .mac_set = true, .mac = {0x02, 0, 0, 0, 0, 0x42}};
	struct pci_fixture f;
	struct vtb *b;
	struct vdrv v;
	u64 feat;
	u16 pairs = 2;
	u8 ack;
	u32 len;
	int id;

	setup(&f, &b, &o);
	nc.vhost_user = sock_path;
	CHECK_EQ(vhost_user_net_create(&f.vm, &nc, 0, &fast), 0);
	CHECK_EQ(vdrv_probe(&v, &f, VIRTIO_ID_NET, 0), 0);
	feat = vdrv_device_features(&v);
	CHECK(feat & BIT64(VIRTIO_NET_F_MAC));
	CHECK(feat & BIT64(VIRTIO_NET_F_CTRL_VQ));
	CHECK(feat & BIT64(VIRTIO_NET_F_MQ));
	CHECK(feat & BIT64(VIRTIO_NET_F_MRG_RXBUF));	/* the back-end's */
	CHECK(!(feat & BIT64(VIRTIO_NET_F_HOST_TSO4))); /* not offered by it */
	CHECK_EQ(vdrv_cfg_rd(&v, offsetof(struct virtio_net_config, mac) + 5, 1), 0x42);
	CHECK_EQ(vdrv_cfg_rd(&v, offsetof(struct virtio_net_config, max_virtqueue_pairs), 2), 2);
	CHECK_EQ(vdrv_cfg_rd(&v, offsetof(struct virtio_net_config, status), 2),
		 VIRTIO_NET_S_LINK_UP);
	vdrv_msix_enable(&v, 6);
	CHECK(vdrv_negotiate(&v, ~0ull));
	vd_common_wr(&v, VIRTIO_PCI_COMMON_MSIX, 2, 0);
	for (unsigned q = 0; q < 5; q++)
		CHECK(vdrv_setup_queue(&v, q, RINGS + q * 0x10000, 64, 0, (u16)(q + 1)));
	vdrv_driver_ok(&v);
	CHECK(vdrv_status(&v) & VIRTIO_CONFIG_S_DRIVER_OK);
	/* The control queue stays here; the first pair runs, the second waits for the driver. */
	CHECK(vtb_ring_started(b, 0) && vtb_ring_started(b, 3));
	CHECK(vtb_ring_enabled(b, 0) && vtb_ring_enabled(b, 1));
	CHECK(!vtb_ring_enabled(b, 2) && !vtb_ring_enabled(b, 3));
	ctrl_cmd(&v, 4, VIRTIO_NET_CTRL_MQ, VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET, &pairs, 2, &ack);
	CHECK_EQ(ack, VIRTIO_NET_OK);
	CHECK(vtb_ring_enabled(b, 2) && vtb_ring_enabled(b, 3));
	pairs = 3; /* more than max_virtqueue_pairs */
	ctrl_cmd(&v, 4, VIRTIO_NET_CTRL_MQ, VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET, &pairs, 2, &ack);
	CHECK_EQ(ack, VIRTIO_NET_ERR);
	/* A frame on the second pair's transmit ring reaches the back-end. */
	{
		struct mock_buf tx = {DATA(20), 12 + 60, false};

		memset(vdrv_host(&v, DATA(20), 72), 0, 72);
		id = vdrv_add(&v, 3, &tx, 1);
		CHECK_EQ(vdrv_wait_used(&v, 3, &len), id);
		CHECK_EQ(vtb_done(b), 1);
	}
	/* The back-end goes: the link goes down (config interrupt), and up when it is back. */
	vtb_crash(b);
	CHECK(wait_disconnects(&f, "vhost-user-net0", 1));
	CHECK_EQ(vdrv_cfg_rd(&v, offsetof(struct virtio_net_config, status), 2), 0);
	CHECK(wait_connects(&f, "vhost-user-net0", 2));
	CHECK_EQ(vdrv_cfg_rd(&v, offsetof(struct virtio_net_config, status), 2),
		 VIRTIO_NET_S_LINK_UP);
	CHECK(WAIT_UNTIL(vtb_ring_enabled(b, 3)));
	CHECK(vtb_ring_enabled(b, 2) && vtb_ring_enabled(b, 3));
	drv_fini(&v);
	pci_fixture_fini(&f);
	vtb_stop(b);
}

/* §5.1.2: a driver without MQ has its control queue at 2, which stays in the VMM. */
static void test_net_no_mq(void)
{
	struct vtb_opts o = {.kind = VTB_NET, .num_queues = 4};
	struct net_config nc = {.tap_fd = -1, .queues = 2};
	struct pci_fixture f;
	struct vtb *b;
	struct vdrv v;
	u8 on = 1, ack;

	setup(&f, &b, &o);
	nc.vhost_user = sock_path;
	CHECK_EQ(vhost_user_net_create(&f.vm, &nc, 0, &fast), 0);
	CHECK_EQ(vdrv_probe(&v, &f, VIRTIO_ID_NET, 0), 0);
	CHECK(vdrv_negotiate(&v, ~BIT64(VIRTIO_NET_F_MQ)));
	for (unsigned q = 0; q < 3; q++)
		CHECK(vdrv_setup_queue(&v, q, RINGS + q * 0x10000, 64, 0, 0));
	vdrv_driver_ok(&v);
	CHECK(vdrv_status(&v) & VIRTIO_CONFIG_S_DRIVER_OK);
	CHECK(vtb_ring_started(b, 0) && vtb_ring_started(b, 1));
	CHECK(!vtb_ring_started(b, 2) && !vtb_ring_started(b, 3));
	ctrl_cmd(&v, 2, VIRTIO_NET_CTRL_RX, VIRTIO_NET_CTRL_RX_PROMISC, &on, 1, &ack);
	CHECK_EQ(ack, VIRTIO_NET_OK);
	/* The default MAC is locally administered and unicast. */
	CHECK_EQ(vdrv_cfg_rd(&v, offsetof(struct virtio_net_config, mac), 1) & 3, 2);
	drv_fini(&v);
	pci_fixture_fini(&f);
	vtb_stop(b);
}

/*
 * §2.2.1: a bit whose requirement the back-end does not offer is not offered
 * to the guest. DPDK's vhost PMD (TSO off) offers HOST_ECN and HOST_UFO
 * without HOST_TSO4/6, and Linux accepts whatever is offered: the guest must
 * see a set it can accept whole. GUEST_TSO4 without GUEST_CSUM takes
 * GUEST_ECN down with it.
 */
static void test_net_offer_deps(void)
{
	const u64 base = BIT64(VIRTIO_F_VERSION_1) | BIT64(VIRTIO_RING_F_EVENT_IDX) |
			 BIT64(VIRTIO_NET_F_MRG_RXBUF);
	struct vtb_opts o = {
		.kind = VTB_NET,
		.num_queues = 2,
		.features = base | BIT64(VIRTIO_NET_F_CSUM) | BIT64(VIRTIO_NET_F_GUEST_CSUM) |
			    BIT64(VIRTIO_NET_F_GUEST_TSO4) | BIT64(VIRTIO_NET_F_GUEST_ECN) |
			    BIT64(VIRTIO_NET_F_HOST_ECN) | BIT64(VIRTIO_NET_F_HOST_UFO),
	};
	struct net_config nc = {.tap_fd = -1, .queues = 1};
	struct pci_fixture f;
	struct vtb *b;
	struct vdrv v;
	u64 feat;

	setup(&f, &b, &o);
	nc.vhost_user = sock_path;
	CHECK_EQ(vhost_user_net_create(&f.vm, &nc, 0, &fast), 0);
	CHECK_EQ(vdrv_probe(&v, &f, VIRTIO_ID_NET, 0), 0);
	feat = vdrv_device_features(&v);
	CHECK(!(feat & BIT64(VIRTIO_NET_F_HOST_ECN))); /* no HOST_TSO4/6 */
	CHECK(feat & BIT64(VIRTIO_NET_F_HOST_UFO));    /* CSUM is there */
	CHECK(feat & BIT64(VIRTIO_NET_F_GUEST_TSO4) && feat & BIT64(VIRTIO_NET_F_GUEST_ECN));
	/* A driver that accepts everything offered gets FEATURES_OK, and the back-end its bits. */
	CHECK(vdrv_negotiate(&v, ~0ull));
	for (unsigned q = 0; q < 3; q++)
		CHECK(vdrv_setup_queue(&v, q, RINGS + q * 0x10000, 64, 0, 0));
	vdrv_driver_ok(&v);
	CHECK(vdrv_status(&v) & VIRTIO_CONFIG_S_DRIVER_OK);
	CHECK(WAIT_UNTIL(vtb_ring_started(b, 0)));
	CHECK(vtb_features(b) & BIT64(VIRTIO_NET_F_HOST_UFO));
	CHECK(!(vtb_features(b) & BIT64(VIRTIO_NET_F_HOST_ECN)));
	drv_fini(&v);
	pci_fixture_fini(&f);
	vtb_stop(b);

	/* Without GUEST_CSUM: GUEST_TSO4 goes, and GUEST_ECN, which needed it, too. */
	o.features = base | BIT64(VIRTIO_NET_F_GUEST_TSO4) | BIT64(VIRTIO_NET_F_GUEST_ECN);
	setup(&f, &b, &o);
	CHECK_EQ(vhost_user_net_create(&f.vm, &nc, 0, &fast), 0);
	CHECK_EQ(vdrv_probe(&v, &f, VIRTIO_ID_NET, 0), 0);
	feat = vdrv_device_features(&v);
	CHECK(!(feat & (BIT64(VIRTIO_NET_F_GUEST_TSO4) | BIT64(VIRTIO_NET_F_GUEST_ECN))));
	CHECK(feat & BIT64(VIRTIO_NET_F_MRG_RXBUF));
	CHECK(vdrv_negotiate(&v, ~0ull));
	drv_fini(&v);
	pci_fixture_fini(&f);
	vtb_stop(b);
}

/* --- Hostile back-ends --- */

enum evil {
	EVIL_NONE,
	EVIL_FEATURES_SIZE,    /* GET_FEATURES reply of 4 bytes */
	EVIL_WRONG_REQUEST,    /* GET_PROTOCOL_FEATURES answered as GET_FEATURES */
	EVIL_NO_REPLY_FLAG,    /* reply without the reply bit */
	EVIL_INFLIGHT_NO_FD,   /* GET_INFLIGHT_FD reply without its fd */
	EVIL_ACK_WITH_FD,      /* REPLY_ACK of SET_MEM_TABLE carries an fd */
	EVIL_UNSOLICITED,      /* a message after SET_VRING_ENABLE, unasked */
	EVIL_SILENT,	       /* no reply to GET_VRING_BASE */
	EVIL_BACKEND_GARBAGE,  /* a CONFIG_CHANGE_MSG with a payload on the back-end channel */
	EVIL_VRING_BASE_INDEX, /* GET_VRING_BASE reply for another ring */
	EVIL_INFLIGHT_SHORT,   /* GET_INFLIGHT_FD: an area larger than its fd */
};

struct evil_be {
	enum evil kind;
	int listen_fd;
	pthread_t thread;
	bool quit;
	int conns;
	bool stop_at_evil; /* stop serving after the evil act of the first connection */
};

static void evil_send(int fd, u32 req, u32 flags, const void *p, u32 size, const int *fds,
		      unsigned nfds)
{
	struct vu_msg m = {.hdr = {req, flags, size}};

	memcpy(&m.p, p, size);
	if (vu_sock_send(fd, &m, fds, nfds))
		fprintf(stderr, "evil: send failed\n");
}

/* Serve one connection well enough to be used, except for the one evil act. */
static void evil_serve(struct evil_be *e, int fd, bool evil)
{
	const u32 R = VHOST_USER_VERSION | VHOST_USER_REPLY_MASK;
	u64 proto_acked = 0;
	int backend_fd = -1;

	for (;;) {
		int fds[VHOST_USER_MAX_FDS];
		unsigned nfds;
		const char *why;
		struct vu_msg m;
		u64 v = 0;
		bool need = false;
		int ret = vu_sock_recv(fd, &m, fds, &nfds, &why);

		if (ret == -EAGAIN && !e->quit)
			continue;
		if (ret)
			break;
		need = (m.hdr.flags & VHOST_USER_NEED_REPLY_MASK) &&
		       (proto_acked & BIT64(VHOST_USER_PROTOCOL_F_REPLY_ACK));
		switch (m.hdr.request) {
		case VHOST_USER_GET_FEATURES:
			v = BIT64(VIRTIO_F_VERSION_1) | BIT64(VHOST_USER_F_PROTOCOL_FEATURES) |
			    BIT64(VIRTIO_BLK_F_FLUSH);
			if (evil && e->kind == EVIL_FEATURES_SIZE) {
				evil_send(fd, m.hdr.request, R, &v, 4, NULL, 0);
				goto evil_done;
			}
			evil_send(fd, m.hdr.request, R, &v, 8, NULL, 0);
			break;
		case VHOST_USER_GET_PROTOCOL_FEATURES:
			v = BIT64(VHOST_USER_PROTOCOL_F_REPLY_ACK) |
			    BIT64(VHOST_USER_PROTOCOL_F_CONFIG) |
			    BIT64(VHOST_USER_PROTOCOL_F_BACKEND_REQ) |
			    BIT64(VHOST_USER_PROTOCOL_F_INFLIGHT_SHMFD);
			if (evil && e->kind == EVIL_WRONG_REQUEST) {
				evil_send(fd, VHOST_USER_GET_FEATURES, R, &v, 8, NULL, 0);
				goto evil_done;
			}
			if (evil && e->kind == EVIL_NO_REPLY_FLAG) {
				evil_send(fd, m.hdr.request, VHOST_USER_VERSION, &v, 8, NULL, 0);
				goto evil_done;
			}
			evil_send(fd, m.hdr.request, R, &v, 8, NULL, 0);
			break;
		case VHOST_USER_SET_PROTOCOL_FEATURES:
			proto_acked = m.p.u64;
			break;
		case VHOST_USER_SET_BACKEND_REQ_FD:
			backend_fd = nfds ? fds[0] : -1;
			nfds = 0;
			break;
		case VHOST_USER_GET_CONFIG: {
			struct vu_config c = m.p.config;

			memset(c.region, 0, c.size);
			c.region[0] = 0x80; /* capacity 128 sectors */
			evil_send(fd, m.hdr.request, R, &c, m.hdr.size, NULL, 0);
			break;
		}
		case VHOST_USER_GET_INFLIGHT_FD: {
			struct vu_inflight in = m.p.inflight;
			int mfd = memfd_create("evil-inflight", MFD_CLOEXEC);

			in.mmap_size = 4096;
			in.mmap_offset = 0;
			if (ftruncate(mfd, 4096))
				fprintf(stderr, "evil: ftruncate\n");
			if (evil && e->kind == EVIL_INFLIGHT_NO_FD) {
				evil_send(fd, m.hdr.request, R, &in, sizeof(in), NULL, 0);
				close(mfd);
				goto evil_done;
			}
			/* Not a violation of the protocol, just unusable: the connection goes on. */
			if (evil && e->kind == EVIL_INFLIGHT_SHORT)
				in.mmap_size = 1 << 20;
			evil_send(fd, m.hdr.request, R, &in, sizeof(in), &mfd, 1);
			close(mfd);
			break;
		}
		case VHOST_USER_GET_VRING_BASE: {
			struct vhost_vring_state st = m.p.state;

			if (evil && e->kind == EVIL_SILENT)
				goto evil_done;
			if (evil && e->kind == EVIL_VRING_BASE_INDEX)
				st.index++;
			evil_send(fd, m.hdr.request, R, &st, sizeof(st), NULL, 0);
			if (evil && e->kind == EVIL_VRING_BASE_INDEX)
				goto evil_done;
			break;
		}
		case VHOST_USER_SET_MEM_TABLE:
			if (evil && e->kind == EVIL_ACK_WITH_FD) {
				evil_send(fd, m.hdr.request, R, &v, 8, &fds[0], 1);
				vu_close_fds(fds, nfds);
				goto evil_done;
			}
			break;
		case VHOST_USER_SET_VRING_ENABLE:
			if (evil && e->kind == EVIL_UNSOLICITED) {
				if (need)
					evil_send(fd, m.hdr.request, R, &v, 8, NULL, 0);
				need = false;
				evil_send(fd, VHOST_USER_GET_FEATURES, R, &v, 8, NULL, 0);
				goto evil_done;
			}
			if (evil && e->kind == EVIL_BACKEND_GARBAGE && backend_fd >= 0) {
				if (need)
					evil_send(fd, m.hdr.request, R, &v, 8, NULL, 0);
				need = false;
				evil_send(backend_fd, VHOST_USER_BACKEND_CONFIG_CHANGE_MSG,
					  VHOST_USER_VERSION, &v, 8, NULL, 0);
				goto evil_done;
			}
			break;
		default:
			break;
		}
		vu_close_fds(fds, nfds);
		if (need) {
			v = 0;
			evil_send(fd, m.hdr.request, R, &v, 8, NULL, 0);
		}
		continue;
	evil_done:
		if (e->stop_at_evil) {
			/* Stay connected and silent: the front-end must hang up by itself. */
			while (!e->quit) {
				struct vu_msg x;

				if (vu_sock_recv(fd, &x, fds, &nfds, &why) == -ECONNRESET)
					break;
				vu_close_fds(fds, nfds);
			}
			break;
		}
		evil = false;
	}
	if (backend_fd >= 0)
		close(backend_fd);
}

static void *evil_main(void *arg)
{
	struct evil_be *e = arg;
	struct timeval tv = {.tv_usec = 20000};

	while (!e->quit) {
		struct pollfd p = {.fd = e->listen_fd, .events = POLLIN};
		int fd;

		if (poll(&p, 1, 10) <= 0)
			continue;
		fd = vu_accept(e->listen_fd);
		if (fd < 0)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		evil_serve(e, fd, e->conns++ == 0);
		close(fd);
	}
	return NULL;
}

static void evil_start(struct evil_be *e, enum evil kind)
{
	memset(e, 0, sizeof(*e));
	e->kind = kind;
	e->listen_fd = vu_listen(sock_path);
	CHECK(e->listen_fd >= 0);
	CHECK_EQ(pthread_create(&e->thread, NULL, evil_main, e), 0);
}

static void evil_stop(struct evil_be *e)
{
	e->quit = true;
	pthread_join(e->thread, NULL);
	close(e->listen_fd);
	unlink(sock_path);
}

static unsigned open_fds(void)
{
	unsigned n = 0;

	for (int fd = 0; fd < 1024; fd++)
		n += fcntl(fd, F_GETFD) >= 0;
	return n;
}

/* Broken replies during the first negotiation: creation fails cleanly, nothing leaks. */
static void test_hostile_at_creation(enum evil kind)
{
	struct disk_config dc;
	struct pci_fixture f;
	struct evil_be e;
	unsigned fds_before;

	vdrv_fixture(&f, 1);
	snprintf(sock_path, sizeof(sock_path), "/tmp/iovirt-vufe-%d.sock", getpid());
	fds_before = open_fds();
	evil_start(&e, kind);
	e.stop_at_evil = true;
	dc = disk();
	CHECK(vhost_user_blk_create(&f.vm, &dc, 0, &fast) < 0);
	CHECK_EQ(f.vm.nr_devices, 1);
	evil_stop(&e);
	CHECK_EQ(open_fds(), fds_before);
	pci_fixture_fini(&f);
}

/* Broken replies on a running device: one disconnect, a violation, then a good reconnection. */
static void test_hostile_running(enum evil kind, bool at_reset, bool violation)
{
	struct disk_config dc;
	struct pci_fixture f;
	struct evil_be e;
	struct vdrv v;
	struct vhost_fe_stats st;

	vdrv_fixture(&f, 1);
	snprintf(sock_path, sizeof(sock_path), "/tmp/iovirt-vufe-%d.sock", getpid());
	evil_start(&e, EVIL_NONE);
	dc = disk();
	CHECK_EQ(vhost_user_blk_create(&f.vm, &dc, 0, &fast), 0);
	/* This first connection turns evil once, from now on. */
	e.kind = kind;
	CHECK_EQ(vdrv_probe(&v, &f, VIRTIO_ID_BLOCK, 0), 0);
	CHECK_EQ(vdrv_cfg_rd(&v, 0, 8), 128);
	blk_up(&v, &f);
	if (at_reset)
		vdrv_reset(&v);
	CHECK(wait_disconnects(&f, "vhost-user-blk0", 1));
	st = stats_of(&f, "vhost-user-blk0");
	CHECK_EQ(st.violations, violation ? 1 : 0);
	/* The evil act was once: the front-end is back on a well-behaved connection. */
	CHECK(wait_connects(&f, "vhost-user-blk0", 2));
	CHECK(!(vdrv_status(&v) & VIRTIO_CONFIG_S_NEEDS_RESET));
	evil_stop(&e);
	drv_fini(&v);
	pci_fixture_fini(&f);
}

/* An inflight area its fd cannot hold: not kept (a warning), the device runs without one. */
static void test_inflight_short(void)
{
	struct disk_config dc;
	struct pci_fixture f;
	struct evil_be e;
	struct vdrv v;
	struct vhost_fe_stats st;

	vdrv_fixture(&f, 1);
	snprintf(sock_path, sizeof(sock_path), "/tmp/iovirt-vufe-%d.sock", getpid());
	evil_start(&e, EVIL_INFLIGHT_SHORT);
	dc = disk();
	CHECK_EQ(vhost_user_blk_create(&f.vm, &dc, 0, &fast), 0);
	CHECK_EQ(vdrv_probe(&v, &f, VIRTIO_ID_BLOCK, 0), 0);
	blk_up(&v, &f);
	st = stats_of(&f, "vhost-user-blk0");
	CHECK_EQ(st.inflight_fd, 0);
	CHECK_EQ(st.disconnects, 0);
	CHECK(st.connected);
	evil_stop(&e);
	drv_fini(&v);
	pci_fixture_fini(&f);
}

int main(void)
{
	test_negotiation_and_io();
	test_msix_masking();
	test_intx();
	test_config_change();
	test_crash_and_reconnect();
	test_crash_and_reconnect_packed(true);
	test_crash_and_reconnect_packed(false);
	test_inflight_short();
	test_bad_paths();
	test_net();
	test_net_no_mq();
	test_net_offer_deps();
	test_packed_fresh_base();
	test_hostile_at_creation(EVIL_FEATURES_SIZE);
	test_hostile_at_creation(EVIL_WRONG_REQUEST);
	test_hostile_at_creation(EVIL_NO_REPLY_FLAG);
	test_hostile_running(EVIL_INFLIGHT_NO_FD, false, true);
	test_hostile_running(EVIL_ACK_WITH_FD, false, true);
	test_hostile_running(EVIL_UNSOLICITED, false, true);
	test_hostile_running(EVIL_BACKEND_GARBAGE, false, true);
	test_hostile_running(EVIL_SILENT, true, false);
	test_hostile_running(EVIL_VRING_BASE_INDEX, true, true);
	return check_done();
}
