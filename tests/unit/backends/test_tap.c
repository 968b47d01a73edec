// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for src/backends/tap.c: create a multi-queue tap with vnet
 * headers, set offloads, send a frame through it and see it on an AF_PACKET
 * socket bound to the interface. Needs CAP_NET_ADMIN and /dev/net/tun; runs in
 * a fresh network namespace so nothing of the host is touched.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <linux/if_tun.h>
#include <linux/virtio_net.h>
#include <net/ethernet.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "check.h"
#include "wait.h"
#include "iovirt/tap.h"

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

int main(void)
{
	struct tap t;
	struct {
		struct virtio_net_hdr_mrg_rxbuf h;
		u8 frame[60];
	} pkt = { 0 };
	u8 rx[128];
	int ps;

	if (access("/dev/net/tun", R_OK | W_OK))
		CHECK_SKIP("/dev/net/tun is not usable here");
	if (unshare(CLONE_NEWNET))
		CHECK_SKIP("cannot create a network namespace (%s): needs CAP_SYS_ADMIN",
			   strerror(errno));

	CHECK_EQ(tap_open(&t, "iovtest0", 2, sizeof(struct virtio_net_hdr_mrg_rxbuf)), 0);
	CHECK_EQ(t.nr_queues, 2);
	CHECK_STREQ(t.name, "iovtest0");
	CHECK_EQ(tap_set_offload(&t, TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6), 0);
	/* Opening it single-queue while multi-queue exists is refused with a clear error. */
	{
		struct tap t2;

		CHECK(tap_open(&t2, "iovtest0", 1, 12) < 0);
	}
	CHECK_EQ(if_up("iovtest0"), 0);

	ps = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
	CHECK(ps >= 0);
	{
		struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL),
					   .sll_ifindex = (int)if_nametoindex("iovtest0") };

		CHECK_EQ(bind(ps, (struct sockaddr *)&sll, sizeof(sll)), 0);
	}
	/* A broadcast frame with a distinctive ethertype, written with its vnet header. */
	memset(pkt.frame, 0xff, 6);
	memcpy(pkt.frame + 6, "\x52\x54\x00\x00\x00\x01", 6);
	pkt.frame[12] = 0x88;
	pkt.frame[13] = 0xb5;
	memcpy(pkt.frame + 14, "iovirt-tap-test", 15);
	CHECK_EQ(write(t.fds[1], &pkt, sizeof(pkt)), sizeof(pkt));
	{
		bool seen = false;
		struct test_wait w;

		/* Every frame on the interface until ours (wait.h: the only bound is a hang). */
		test_wait_start(&w);
		do {
			ssize_t n = recv(ps, rx, sizeof(rx), MSG_DONTWAIT);

			if (n == 60 && !memcmp(rx + 14, "iovirt-tap-test", 15))
				seen = true;
		} while (!seen && test_wait_more(&w));
		CHECK(seen);
	}
	close(ps);
	tap_close(&t);

	/* tap_open_fd refuses a non-tap fd. */
	{
		int fd = open("/dev/null", O_RDWR);

		CHECK(tap_open_fd(&t, fd, 12) < 0);
		close(fd);
	}
	return check_done();
}
