// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for src/virtio/net.c and net_ctrl.c: virtio-net on virtio-pci
 * with a real multi-queue tap in a private network namespace, driven like
 * Linux's virtio_net: config space (MAC, link up, max_virtqueue_pairs), the
 * features offered and their dependencies (FEATURES_OK refused for
 * GUEST_TSO4 without GUEST_CSUM), a frame sent by the guest seen on an
 * AF_PACKET socket on the tap (header + frame in separate buffers, zero
 * copy), a frame from the host received into mergeable buffers spanning two
 * of them (num_buffers = 2), and every control command: MQ pairs, RX mode,
 * MAC table and address, guest offloads — with the malformed variants a
 * hostile driver can send. Bad configurations fail before the guest starts.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <linux/virtio_net.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "vdrv.h"
#include "iovirt/config.h"
#include "iovirt/tap.h"

#define TAP "vnettest0"
#define RINGS 0x100000ull
#define TXBUF 0x800000ull
#define RXBUF 0x900000ull
#define CTRLBUF 0xa00000ull
#define ETYPE 0x88b5
#define RXQ(p) (2 * (p))
#define TXQ(p) (2 * (p) + 1)
#define CTRLQ 4

static int if_up(const char *name)
{
	struct ifreq ifr = { 0 };
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	int ret;

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	ret = ioctl(s, SIOCGIFFLAGS, &ifr);
	ifr.ifr_flags |= IFF_UP;
	if (!ret)
		ret = ioctl(s, SIOCSIFFLAGS, &ifr);
	close(s);
	return ret;
}

static void sysctl_write(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);

	if (fd >= 0) {
		if (write(fd, val, strlen(val)) < 0)
			perror(path);
		close(fd);
	}
}

static const u64 want =
	BIT64(VIRTIO_F_VERSION_1) | BIT64(VIRTIO_F_ACCESS_PLATFORM) |
	BIT64(VIRTIO_RING_F_EVENT_IDX) | BIT64(VIRTIO_RING_F_INDIRECT_DESC) |
	BIT64(VIRTIO_NET_F_CSUM) | BIT64(VIRTIO_NET_F_GUEST_CSUM) | BIT64(VIRTIO_NET_F_MAC) |
	BIT64(VIRTIO_NET_F_MRG_RXBUF) | BIT64(VIRTIO_NET_F_STATUS) | BIT64(VIRTIO_NET_F_CTRL_VQ) |
	BIT64(VIRTIO_NET_F_CTRL_RX) | BIT64(VIRTIO_NET_F_MQ) | BIT64(VIRTIO_NET_F_CTRL_MAC_ADDR) |
	BIT64(VIRTIO_NET_F_CTRL_GUEST_OFFLOADS) | BIT64(VIRTIO_NET_F_HOST_TSO4);

static void test_config(struct vdrv *v)
{
	u64 f = vdrv_device_features(v);
	u8 mac[6];

	for (unsigned i = 0; i < 6; i++)
		mac[i] = (u8)vdrv_cfg_rd(v, offsetof(struct virtio_net_config, mac) + i, 1);
	/* A stable, locally administered unicast default. */
	CHECK_EQ(mac[0], 0x02);
	CHECK_EQ(mac[1], 0x69);
	CHECK_EQ(mac[2], 0x6f);
	CHECK_EQ(vdrv_cfg_rd(v, offsetof(struct virtio_net_config, status), 2),
		 VIRTIO_NET_S_LINK_UP);
	CHECK_EQ(vdrv_cfg_rd(v, offsetof(struct virtio_net_config, max_virtqueue_pairs), 2), 2);
	CHECK_EQ(vd_common_rd(v, VIRTIO_PCI_COMMON_NUMQ, 2), 5);
	CHECK(f & BIT64(VIRTIO_NET_F_MRG_RXBUF));
	CHECK(f & BIT64(VIRTIO_NET_F_MQ));
	CHECK(f & BIT64(VIRTIO_NET_F_CTRL_VQ));
	CHECK(f & BIT64(VIRTIO_NET_F_GUEST_TSO4));
	CHECK(f & BIT64(VIRTIO_NET_F_HOST_TSO6));
	CHECK(!(f & BIT64(VIRTIO_NET_F_GUEST_UFO)));
	CHECK(!(f & BIT64(VIRTIO_NET_F_HOST_UFO)));
	CHECK(!(f & BIT64(VIRTIO_NET_F_CTRL_VLAN)));
	/* §5.1.3.1: GUEST_TSO4 needs GUEST_CSUM; MQ needs CTRL_VQ. */
	CHECK(!vdrv_negotiate(v, BIT64(VIRTIO_F_VERSION_1) | BIT64(VIRTIO_NET_F_GUEST_TSO4)));
	CHECK(!vdrv_negotiate(v, BIT64(VIRTIO_F_VERSION_1) | BIT64(VIRTIO_NET_F_MQ)));
	CHECK(vdrv_negotiate(v, BIT64(VIRTIO_F_VERSION_1) | BIT64(VIRTIO_NET_F_GUEST_TSO4) |
					BIT64(VIRTIO_NET_F_GUEST_CSUM)));
}

static void start(struct vdrv *v)
{
	CHECK(vdrv_negotiate(v, want));
	vdrv_msix_enable(v, 6);
	vd_common_wr(v, VIRTIO_PCI_COMMON_MSIX, 2, 5);
	for (unsigned q = 0; q < 5; q++)
		CHECK(vdrv_setup_queue(v, q, RINGS + q * 0x40000ull, 64, MOCK_VQ_EVENT_IDX, q));
	vdrv_driver_ok(v);
	CHECK_EQ(vdrv_status(v), 0xf);
}

static int packet_socket(void)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL),
				   .sll_ifindex = (int)if_nametoindex(TAP) };
	int ps = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK, htons(ETH_P_ALL));

	CHECK(ps >= 0);
	CHECK_EQ(bind(ps, (struct sockaddr *)&sll, sizeof(sll)), 0);
	return ps;
}

static void make_frame(u8 *f, size_t len, const char *tag)
{
	memset(f, 0, len);
	memset(f, 0xff, 6);
	memcpy(f + 6, "\x02\x00\x00\x00\x00\x01", 6);
	f[12] = ETYPE >> 8;
	f[13] = ETYPE & 0xff;
	for (size_t i = 14; i < len; i++)
		f[i] = (u8)(i * 3);
	memcpy(f + 14, tag, strlen(tag));
}

static void test_tx(struct vdrv *v, int ps)
{
	u8 *hdr = vdrv_host(v, TXBUF, 12), *frame = vdrv_host(v, TXBUF + 0x100, 200);
	struct mock_buf b[2] = { { TXBUF, 12, false }, { TXBUF + 0x100, 200, false } };
	u8 got[2048];
	bool seen = false;
	u32 len;
	int id;

	memset(hdr, 0, 12);
	make_frame(frame, 200, "guest-to-host");
	id = vdrv_add(v, TXQ(0), b, 2);
	CHECK(id >= 0);
	CHECK_EQ(vdrv_wait_used(v, TXQ(0), &len), id);
	CHECK_EQ(len, 0);
	/* Every frame on the tap until ours (wait.h: the only bound is a hang). */
	{
		struct test_wait w;

		test_wait_start(&w);
		do {
			struct sockaddr_ll from;
			socklen_t fl = sizeof(from);
			ssize_t n = recvfrom(ps, got, sizeof(got), 0, (struct sockaddr *)&from, &fl);

			if (n >= 0 && from.sll_pkttype != PACKET_OUTGOING && n == 200 &&
			    !memcmp(got, frame, 200))
				seen = true;
		} while (!seen && test_wait_more(&w));
	}
	CHECK(seen);
}

/* The guest address of the RX buffer the driver added as `id`. */
static gpa_t rx_addr(const int *ids, int id)
{
	for (unsigned i = 0; i < 8; i++)
		if (ids[i] == id)
			return RXBUF + i * 0x1000;
	CHECK(!"unknown rx buffer id");
	return RXBUF;
}

static void test_rx(struct vdrv *v, int ps)
{
	u8 frame[1000];
	u32 len[8] = { 0 };
	int ids[8];
	bool done = false;

	/* Eight 512-byte mergeable buffers: the device needs three to take any frame. */
	for (unsigned i = 0; i < 8; i++) {
		struct mock_buf b = { RXBUF + i * 0x1000, 512, true };

		memset(vdrv_host(v, b.addr, 512), 0xee, 512);
		ids[i] = vdrv_add(v, RXQ(0), &b, 1);
		CHECK(ids[i] >= 0);
	}
	make_frame(frame, sizeof(frame), "host-to-guest");
	CHECK_EQ(send(ps, frame, sizeof(frame), 0), (ssize_t)sizeof(frame));
	/* Skip anything else the host sent; ours is header + 1000 bytes in two buffers. */
	for (int round = 0; round < 8 && !done; round++) {
		int id = vdrv_wait_used(v, RXQ(0), &len[0]);
		const struct virtio_net_hdr_mrg_rxbuf *h;
		const u8 *p;

		CHECK(id >= 0);
		if (id < 0)
			return;
		p = vdrv_host(v, rx_addr(ids, id), 512);
		h = (const void *)p;
		if (p[12 + 12] != (ETYPE >> 8) || p[12 + 13] != (ETYPE & 0xff)) {
			for (unsigned k = 1; k < le16_to_cpu(h->num_buffers); k++)
				CHECK(vdrv_wait_used(v, RXQ(0), &len[1]) >= 0);
			continue;
		}
		done = true;
		CHECK_EQ(le16_to_cpu(h->num_buffers), 2);
		CHECK_EQ(len[0], 512);
		CHECK(!memcmp(p + 12, frame, 500));
		id = vdrv_wait_used(v, RXQ(0), &len[1]);
		CHECK(id >= 0);
		CHECK_EQ(len[1], 12 + 1000 - 512);
		if (id >= 0)
			CHECK(!memcmp(vdrv_host(v, rx_addr(ids, id), 500), frame + 500, 500));
	}
	CHECK(done);
	CHECK(vdrv_msix_count(v, RXQ(0)) >= 1);
}

/* One control command; returns the ack byte. */
static u8 ctrl(struct vdrv *v, u8 class, u8 cmd, const void *data, u32 len)
{
	u8 *p = vdrv_host(v, CTRLBUF, 4096);
	struct mock_buf b[3] = { { CTRLBUF, 2, false }, { CTRLBUF + 0x10, len, false },
				 { CTRLBUF + 0x800, 1, true } };
	u32 used;
	int id;

	p[0] = class;
	p[1] = cmd;
	if (len)
		memcpy(p + 0x10, data, len);
	p[0x800] = 0xee;
	if (len) {
		id = vdrv_add(v, CTRLQ, b, 3);
	} else {
		b[1] = b[2];
		id = vdrv_add(v, CTRLQ, b, 2);
	}
	CHECK(id >= 0);
	CHECK_EQ(vdrv_wait_used(v, CTRLQ, &used), id);
	CHECK_EQ(used, 1);
	return p[0x800];
}

static void test_ctrl(struct vdrv *v)
{
	u16 pairs;
	u8 on = 1, mac[6] = { 0x02, 0x11, 0x22, 0x33, 0x44, 0x55 };
	u8 table[4 + 6 + 4 + 12];
	u64 offloads;

	pairs = cpu_to_le16(2);
	CHECK_EQ(ctrl(v, VIRTIO_NET_CTRL_MQ, VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET, &pairs, 2),
		 VIRTIO_NET_OK);
	pairs = cpu_to_le16(3);
	CHECK_EQ(ctrl(v, VIRTIO_NET_CTRL_MQ, VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET, &pairs, 2),
		 VIRTIO_NET_ERR);
	pairs = 0;
	CHECK_EQ(ctrl(v, VIRTIO_NET_CTRL_MQ, VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET, &pairs, 2),
		 VIRTIO_NET_ERR);
	CHECK_EQ(ctrl(v, VIRTIO_NET_CTRL_MQ, VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET, &pairs, 1),
		 VIRTIO_NET_ERR);
	CHECK_EQ(ctrl(v, VIRTIO_NET_CTRL_MQ, VIRTIO_NET_CTRL_MQ_RSS_CONFIG, &pairs, 2),
		 VIRTIO_NET_ERR);
	pairs = cpu_to_le16(1);
	CHECK_EQ(ctrl(v, VIRTIO_NET_CTRL_MQ, VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET, &pairs, 2),
		 VIRTIO_NET_OK);

	CHECK_EQ(ctrl(v, VIRTIO_NET_CTRL_RX, VIRTIO_NET_CTRL_RX_PROMISC, &on, 1), VIRTIO_NET_OK);
	CHECK_EQ(ctrl(v, VIRTIO_NET_CTRL_RX, VIRTIO_NET_CTRL_RX_ALLMULTI, &on, 1), VIRTIO_NET_OK);
	CHECK_EQ(ctrl(v, VIRTIO_NET_CTRL_RX, VIRTIO_NET_CTRL_RX_ALLUNI, &on, 1), VIRTIO_NET_ERR);
	CHECK_EQ(ctrl(v, VIRTIO_NET_CTRL_RX, VIRTIO_NET_CTRL_RX_PROMISC, &pairs, 2),
		 VIRTIO_NET_ERR);

	CHECK_EQ(ctrl(v, VIRTIO_NET_CTRL_MAC, VIRTIO_NET_CTRL_MAC_ADDR_SET, mac, 6), VIRTIO_NET_OK);
	CHECK_EQ(vdrv_cfg_rd(v, 5, 1), 0x55);
	CHECK_EQ(vdrv_cfg_rd(v, 1, 1), 0x11);
	mac[0] = 0x03; /* multicast */
	CHECK_EQ(ctrl(v, VIRTIO_NET_CTRL_MAC, VIRTIO_NET_CTRL_MAC_ADDR_SET, mac, 6),
		 VIRTIO_NET_ERR);
	CHECK_EQ(ctrl(v, VIRTIO_NET_CTRL_MAC, VIRTIO_NET_CTRL_MAC_ADDR_SET, mac, 5),
		 VIRTIO_NET_ERR);
	CHECK_EQ(vdrv_cfg_rd(v, 0, 1), 0x02);

	/* MAC table: 1 unicast, 2 multicast — exactly; a byte short or long is refused. */
	memset(table, 0, sizeof(table));
	stn_le(table, 4, 1);
	stn_le(table + 10, 4, 2);
	CHECK_EQ(ctrl(v, VIRTIO_NET_CTRL_MAC, VIRTIO_NET_CTRL_MAC_TABLE_SET, table, sizeof(table)),
		 VIRTIO_NET_OK);
	CHECK_EQ(ctrl(v, VIRTIO_NET_CTRL_MAC, VIRTIO_NET_CTRL_MAC_TABLE_SET, table,
		      sizeof(table) - 1),
		 VIRTIO_NET_ERR);
	stn_le(table + 10, 4, 0xffffffff);
	CHECK_EQ(ctrl(v, VIRTIO_NET_CTRL_MAC, VIRTIO_NET_CTRL_MAC_TABLE_SET, table, sizeof(table)),
		 VIRTIO_NET_ERR);

	/* Offloads: only what was negotiated (GUEST_CSUM, not TSO4). */
	offloads = cpu_to_le64(BIT64(VIRTIO_NET_F_GUEST_CSUM));
	CHECK_EQ(ctrl(v, VIRTIO_NET_CTRL_GUEST_OFFLOADS, 0, &offloads, 8), VIRTIO_NET_OK);
	offloads = 0;
	CHECK_EQ(ctrl(v, VIRTIO_NET_CTRL_GUEST_OFFLOADS, 0, &offloads, 8), VIRTIO_NET_OK);
	offloads = cpu_to_le64(BIT64(VIRTIO_NET_F_GUEST_TSO4) | BIT64(VIRTIO_NET_F_GUEST_CSUM));
	CHECK_EQ(ctrl(v, VIRTIO_NET_CTRL_GUEST_OFFLOADS, 0, &offloads, 8), VIRTIO_NET_ERR);

	/* Classes whose features were not offered, a header alone, garbage. */
	CHECK_EQ(ctrl(v, VIRTIO_NET_CTRL_VLAN, VIRTIO_NET_CTRL_VLAN_ADD, &pairs, 2),
		 VIRTIO_NET_ERR);
	CHECK_EQ(ctrl(v, VIRTIO_NET_CTRL_ANNOUNCE, VIRTIO_NET_CTRL_ANNOUNCE_ACK, NULL, 0),
		 VIRTIO_NET_ERR);
	CHECK_EQ(ctrl(v, 200, 7, NULL, 0), VIRTIO_NET_ERR);
	CHECK(!(vdrv_status(v) & VIRTIO_CONFIG_S_NEEDS_RESET));
}

static void test_bad_config(struct pci_fixture *f)
{
	struct net_config nc = { .tap_fd = -1 };

	nc.tap = TAP "x";
	nc.queues = TAP_MAX_QUEUES + 1;
	CHECK_EQ(virtio_net_create(&f->vm, &nc, 5), -EINVAL);
	nc.queues = 2;
	nc.tap = NULL;
	nc.tap_fd = 0; /* one queue only */
	CHECK_EQ(virtio_net_create(&f->vm, &nc, 5), -EINVAL);
	nc.queues = 1; /* and stdin is no tap */
	CHECK(virtio_net_create(&f->vm, &nc, 5) < 0);
	nc.tap_fd = -1;
	CHECK_EQ(virtio_net_create(&f->vm, &nc, 5), -EINVAL);
}

int main(void)
{
	struct pci_fixture f;
	struct net_config nc = { .tap = TAP, .tap_fd = -1, .queues = 2 };
	struct vdrv v;
	int ps;

	if (access("/dev/net/tun", R_OK | W_OK))
		CHECK_SKIP("/dev/net/tun is not usable here");
	if (unshare(CLONE_NEWNET))
		CHECK_SKIP("cannot create a network namespace (%s): needs CAP_SYS_ADMIN",
			   strerror(errno));
	/* No IPv6 chatter (router solicitations, MLD) on the test link. */
	sysctl_write("/proc/sys/net/ipv6/conf/default/disable_ipv6", "1");
	sysctl_write("/proc/sys/net/ipv6/conf/all/disable_ipv6", "1");

	vdrv_fixture(&f, 1);
	test_bad_config(&f);
	CHECK_EQ(virtio_net_create(&f.vm, &nc, 0), 0);
	CHECK_EQ(if_up(TAP), 0);
	ps = packet_socket();
	CHECK_EQ(vdrv_probe(&v, &f, VIRTIO_ID_NET, 0), 0);
	test_config(&v);
	start(&v);
	test_tx(&v, ps);
	test_rx(&v, ps);
	test_ctrl(&v);
	/* Reset with receive buffers stashed in the device. */
	vdrv_reset(&v);
	start(&v);
	test_tx(&v, ps);
	vdrv_reset(&v);
	close(ps);
	pci_fixture_fini(&f);
	return check_done();
}
