// SPDX-License-Identifier: GPL-2.0-only
/*
 * The software cost of the virtio-net transmit path: frames of 64 and 1514
 * bytes written to a tap with vnet headers, (a) by one thread calling
 * writev() on a tap fd itself — the reference, the system call the device
 * makes per frame — and (b) through iovirt's virtio-net on virtio-pci: a
 * driver thread adding chains (header + frame) to the transmit ring, kicking
 * through the notify register when EVENT_IDX asks for it and sleeping on the
 * interrupt, the device thread popping and writing each chain to the tap with
 * one writev straight from guest memory. No VM: what is measured is what
 * iovirt adds around the writev. Prints packets per second and the ratio
 * device/reference, plus kicks and interrupts per frame. Runs in a private
 * network namespace (needs root), else says SKIPPED and exits 77.
 *
 * Usage: bench-net [frames]
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/virtio_net.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>

#include "vdrv.h"
#include "iovirt/config.h"
#include "iovirt/tap.h"

#define RINGS 0x100000ull
#define FRAMES 0x800000ull
#define SLOT 2048
#define QSIZE 256
#define NET_HDR 12	/* struct virtio_net_hdr_v1 */

static u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * 1000000000ull + (u64)ts.tv_nsec;
}

static void if_up(const char *name)
{
	struct ifreq ifr = { 0 };
	int s = socket(AF_INET, SOCK_DGRAM, 0);

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(s, SIOCGIFFLAGS, &ifr) == 0) {
		ifr.ifr_flags |= IFF_UP;
		if (ioctl(s, SIOCSIFFLAGS, &ifr))
			perror("SIOCSIFFLAGS");
	}
	close(s);
}

static void make_frame(u8 *p, unsigned len)
{
	memset(p, 0, NET_HDR + len);
	memset(p + 12, 0xff, 6);
	memcpy(p + 18, "\x02\x00\x00\x00\x00\x01", 6);
	p[24] = 0x88;
	p[25] = 0xb5;
}

static double bench_ref(unsigned len, unsigned total)
{
	static u8 buf[NET_HDR + 1514];
	struct iovec iov = { buf, NET_HDR + len };
	struct tap t;
	u64 t0;

	if (tap_open(&t, "bnetref0", 1, NET_HDR))
		exit(1);
	if_up("bnetref0");
	make_frame(buf, len);
	t0 = now_ns();
	for (unsigned i = 0; i < total; i++)
		if (writev(t.fds[0], &iov, 1) < 0 && errno != EAGAIN)
			exit(1);
	t0 = now_ns() - t0;
	tap_close(&t);
	return total * 1e9 / (double)t0;
}

static double bench_dev(struct pci_fixture *f, unsigned len, unsigned total)
{
	u64 feat = BIT64(VIRTIO_F_VERSION_1) | BIT64(VIRTIO_RING_F_EVENT_IDX) |
		   BIT64(VIRTIO_NET_F_MRG_RXBUF) | BIT64(VIRTIO_NET_F_CTRL_VQ);
	unsigned issued = 0, done = 0;
	u64 t0, kicks = 0, irqs = 0;
	struct vdrv v;
	int irqfd;

	if (vdrv_probe(&v, f, VIRTIO_ID_NET, 0) || !vdrv_negotiate(&v, feat))
		exit(1);
	vdrv_msix_enable(&v, 4);
	if (!vdrv_setup_queue(&v, 0, RINGS, QSIZE, MOCK_VQ_EVENT_IDX, 0) ||
	    !vdrv_setup_queue(&v, 1, RINGS + 0x40000, QSIZE, MOCK_VQ_EVENT_IDX, 1))
		exit(1);
	vdrv_driver_ok(&v);
	irqfd = msix_vector_fd(v.pd, 1);
	for (unsigned i = 0; i < QSIZE; i++)
		make_frame(vdrv_host(&v, FRAMES + (u64)i * SLOT, NET_HDR + len), len);
	mock_vq_disable_cb(&v.vq[1]);
	t0 = now_ns();
	while (done < total) {
		unsigned got = 0;
		u32 used;

		while (issued < total && issued - done < QSIZE) {
			struct mock_buf b = { FRAMES + (u64)(issued % QSIZE) * SLOT, NET_HDR + len,
					      false };

			if (mock_vq_add(&v.vq[1], &b, 1, false) < 0)
				break;
			issued++;
		}
		if (mock_vq_kick_prepare(&v.vq[1])) {
			vdrv_kick(&v, 1);
			kicks++;
		}
		while (mock_vq_get_used(&v.vq[1], &used) >= 0) {
			done++;
			got++;
		}
		if (!got && !mock_vq_enable_cb(&v.vq[1])) {
			struct pollfd p = { .fd = irqfd, .events = POLLIN };
			u64 n;

			if (poll(&p, 1, 1000) > 0 && read(irqfd, &n, sizeof(n)) == sizeof(n))
				irqs += n;
		}
		mock_vq_disable_cb(&v.vq[1]);
	}
	t0 = now_ns() - t0;
	printf("    (%u-byte frames: %.3f kicks and %.3f interrupts per frame)\n", len,
	       (double)kicks / total, (double)irqs / total);
	vdrv_reset(&v);
	return total * 1e9 / (double)t0;
}

int main(int argc, char **argv)
{
	unsigned total = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 0) : 200000;
	struct net_config nc = { .tap = "bnet0", .tap_fd = -1, .queues = 1 };
	static const unsigned lens[] = { 64, 1514 };
	struct pci_fixture f;
	double ref[2], dev[2];

	if (access("/dev/net/tun", R_OK | W_OK) || unshare(CLONE_NEWNET)) {
		printf("SKIPPED: needs /dev/net/tun and a private network namespace (root)\n");
		return 77;
	}
	log_set_level(LOG_ERR);
	vdrv_fixture(&f, 1);
	if (virtio_net_create(&f.vm, &nc, 0))
		return 1;
	if_up("bnet0");
	for (unsigned i = 0; i < 2; i++) {
		ref[i] = bench_ref(lens[i], total);
		dev[i] = bench_dev(&f, lens[i], total);
	}
	printf("virtio-net transmit to a tap, %u frames each\n", total);
	for (unsigned i = 0; i < 2; i++)
		printf("  %4u bytes: writev alone %9.0f pps, virtio-net %9.0f pps, ratio %.2f\n",
		       lens[i], ref[i], dev[i], dev[i] / ref[i]);
	pci_fixture_fini(&f);
	return check_failures ? 1 : 0;
}
