// SPDX-License-Identifier: GPL-2.0-only
/*
 * The software cost of the virtio-blk data path: 4 KiB random reads from a
 * page-cached image with 32 requests in flight, (a) straight through one
 * io_uring — the reference, what the device's I/O thread itself does — and
 * (b) through iovirt's virtio-blk on virtio-pci, a driver thread adding
 * requests to a split ring and kicking through the notify register (the bus's
 * ioeventfd copy, as KVM's would be), the device thread popping, parsing,
 * submitting, pushing and interrupting. No vCPU and no VM exit: what is
 * measured is everything iovirt adds between ring and io_uring. Prints IOPS
 * and the ratio device/reference (1.0: the device path costs nothing), for
 * the default (event-driven) queue and with adaptive polling.
 *
 * Usage: bench-blk [requests]
 */
#include <fcntl.h>
#include <poll.h>
#include <linux/virtio_blk.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "vdrv.h"
#include "iovirt/blk_req.h"
#include "iovirt/config.h"

#define IMG_SIZE (64u << 20)
#define DEPTH 32
#define BS 4096
#define RINGS 0x100000ull
#define HDR(i) (0x400000ull + (u64)(i) * 0x100)
#define STATUS(i) (0x480000ull + (u64)(i))
#define DATA(i) (0x1000000ull + (u64)(i) * BS)

static u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * 1000000000ull + (u64)ts.tv_nsec;
}

static u64 rnd_state = 88172645463325252ull;

static u64 rnd_sector(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return (rnd_state % (IMG_SIZE / BS)) * (BS / 512);
}

struct ref_done {
	unsigned n;
};

static void ref_cb(void *opaque, void *tag, int res)
{
	struct ref_done *d = opaque;

	if (res != BS)
		fprintf(stderr, "reference read failed: %d\n", res);
	d->n++;
}

/* Reference: the same reads through one io_uring with DEPTH in flight. */
static double bench_ref(const char *path, unsigned total)
{
	static u8 bufs[DEPTH][BS] __attribute__((aligned(4096)));
	struct iovec iov[DEPTH];
	struct blk_file f;
	struct uring_q q;
	struct ref_done d = { 0 };
	unsigned issued = 0;
	u64 t0;

	if (blk_file_open(&f, path, true, false) || uring_q_init(&q, DEPTH))
		exit(1);
	t0 = now_ns();
	while (d.n < total) {
		while (issued < total && issued - d.n < DEPTH) {
			unsigned slot = issued % DEPTH;

			iov[slot] = (struct iovec){ bufs[slot], BS };
			if (uring_q_prep(&q, &f, BLK_IO_READ, &iov[slot], 1, rnd_sector() * 512, BS,
					 NULL))
				break;
			issued++;
		}
		if (uring_q_submit(&q))
			exit(1);
		uring_q_reap(&q, ref_cb, &d);
	}
	t0 = now_ns() - t0;
	uring_q_destroy(&q);
	blk_file_close(&f);
	return total * 1e9 / (double)t0;
}

/* Queue a read into slot i's buffers; returns the chain's id. */
static int add_read(struct vdrv *v, unsigned i)
{
	struct virtio_blk_outhdr *h = vdrv_host(v, HDR(i), sizeof(*h));
	struct mock_buf b[3] = { { HDR(i), 16, false }, { DATA(i), BS, true },
				 { STATUS(i), 1, true } };
	int id;

	h->type = cpu_to_le32(VIRTIO_BLK_T_IN);
	h->sector = cpu_to_le64(rnd_sector());
	id = mock_vq_add(&v->vq[0], b, 3, false);
	if (id < 0 || id >= 128) {
		fprintf(stderr, "ring full\n");
		exit(1);
	}
	return id;
}

/* The device path: DEPTH requests kept in flight on queue 0 of disk `nth`. */
static double bench_dev(struct pci_fixture *f, unsigned nth, unsigned total, unsigned flags)
{
	unsigned issued = 0, done = 0, nfree = DEPTH, free_slots[DEPTH], slot_of[128], got;
	struct vdrv v;
	u64 t0, irqs = 0, kicks = 0;
	int irqfd;

	if (vdrv_probe(&v, f, VIRTIO_ID_BLOCK, nth) ||
	    !vdrv_negotiate(&v, BIT64(VIRTIO_F_VERSION_1) | BIT64(VIRTIO_RING_F_EVENT_IDX) |
					BIT64(VIRTIO_F_RING_PACKED) * !!(flags & MOCK_VQ_PACKED)))
		exit(1);
	vdrv_msix_enable(&v, 2);
	if (!vdrv_setup_queue(&v, 0, RINGS, 128, flags, 0))
		exit(1);
	vdrv_driver_ok(&v);
	irqfd = msix_vector_fd(v.pd, 0);
	for (unsigned i = 0; i < DEPTH; i++)
		free_slots[i] = i;
	mock_vq_disable_cb(&v.vq[0]);
	t0 = now_ns();
	while (done < total) {
		u32 len;
		int id;

		/* A slot's buffers are reused only once its request came back. */
		while (issued < total && nfree) {
			unsigned slot = free_slots[--nfree];

			slot_of[add_read(&v, slot)] = slot;
			issued++;
		}
		if (mock_vq_kick_prepare(&v.vq[0])) {
			vdrv_kick(&v, 0);
			kicks++;
		}
		got = 0;
		while ((id = mock_vq_get_used(&v.vq[0], &len)) >= 0) {
			if (len != BS + 1)
				fprintf(stderr, "device read failed (len %u)\n", len);
			free_slots[nfree++] = slot_of[id];
			done++;
			got++;
		}
		/* Nothing back: sleep until the interrupt, as a guest's driver does. */
		if (!got && !mock_vq_enable_cb(&v.vq[0])) {
			struct pollfd p = { .fd = irqfd, .events = POLLIN };
			u64 n;

			if (poll(&p, 1, 1000) > 0 && read(irqfd, &n, sizeof(n)) == sizeof(n))
				irqs += n;
		}
		mock_vq_disable_cb(&v.vq[0]);
	}
	t0 = now_ns() - t0;
	printf("    (%s%s: %.2f kicks and %.2f interrupts per request)\n",
	       flags & MOCK_VQ_PACKED ? "packed" : "split", nth == 1 ? ", polling" : "",
	       (double)kicks / total, (double)irqs / total);
	vdrv_reset(&v);
	return total * 1e9 / (double)t0;
}

int main(int argc, char **argv)
{
	unsigned total = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 0) : 200000;
	char path[] = "/tmp/iovirt-bench-blk-XXXXXX";
	struct disk_config dc = { 0 };
	struct pci_fixture f;
	double ref, dev, pol, pk;
	static u8 chunk[1 << 20];
	int fd = mkstemp(path);

	if (fd < 0)
		return 1;
	memset(chunk, 0x5a, sizeof(chunk));
	for (unsigned i = 0; i < IMG_SIZE / sizeof(chunk); i++)
		if (write(fd, chunk, sizeof(chunk)) != (ssize_t)sizeof(chunk))
			return 1;
	close(fd);
	log_set_level(LOG_ERR);
	vdrv_fixture(&f, 1);
	dc.path = path;
	dc.queues = 1;
	if (virtio_blk_create(&f.vm, &dc, 0))
		return 1;
	dc.poll_us = 50;
	if (virtio_blk_create(&f.vm, &dc, 1))
		return 1;
	dc.poll_us = 0;
	dc.packed = true;
	if (virtio_blk_create(&f.vm, &dc, 2))
		return 1;

	bench_ref(path, total / 4); /* warm the page cache */
	ref = bench_ref(path, total);
	dev = bench_dev(&f, 0, total, MOCK_VQ_EVENT_IDX);
	pol = bench_dev(&f, 1, total, MOCK_VQ_EVENT_IDX);
	pk = bench_dev(&f, 2, total, MOCK_VQ_EVENT_IDX | MOCK_VQ_PACKED);
	printf("4 KiB random reads, %u in flight, %u requests, page-cached image\n", DEPTH, total);
	printf("  io_uring alone (reference)      %10.0f IOPS\n", ref);
	printf("  virtio-blk, split ring          %10.0f IOPS  ratio %.2f\n", dev, dev / ref);
	printf("  virtio-blk, split, poll=50us    %10.0f IOPS  ratio %.2f\n", pol, pol / ref);
	printf("  virtio-blk, packed ring         %10.0f IOPS  ratio %.2f\n", pk, pk / ref);
	pci_fixture_fini(&f);
	unlink(path);
	return check_failures ? 1 : 0;
}
