// SPDX-License-Identifier: GPL-2.0-only
/*
 * A load generator for vhost-user block back-ends: the project's test
 * front-end (tests/lib/vu_test_frontend.c) drives one split ring of 256
 * entries as a busy-polling virtio-blk driver would, keeping `iodepth`
 * requests in flight (each request owns three fixed descriptors: header,
 * data, status), with used-buffer interrupts turned off
 * (VRING_AVAIL_F_NO_INTERRUPT) and a kick only when the back-end asks for
 * one (VRING_USED_F_NO_NOTIFY clear). It prints one line:
 * "iops N mbps M errors E". The same program drives every back-end, so the
 * figures compare back-ends, not drivers.
 *
 * usage: bench-vhost-blk-load SOCKET randread|seqread|randwrite BLOCK IODEPTH SECONDS
 */
#include <linux/virtio_blk.h>
#include <linux/virtio_config.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "iovirt/vhost_user.h"
#include "vu_test_frontend.h"

#define QSIZE 256
#define MEM (64ull << 20)
#define HDR_GPA 0x100000ull
#define DATA_GPA 0x200000ull
#define MAXDEPTH 64

static u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * 1000000000ull + (u64)ts.tv_nsec;
}

static u64 rng = 0x9e3779b97f4a7c15ull;

static u64 rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

int main(int argc, char **argv)
{
	struct vring_desc *desc;
	struct vu_fe_ring *r;
	struct vu_fe fe;
	u64 capacity = 0, seq = 0, done = 0, errors = 0, t0, t_end;
	unsigned bs, depth, secs;
	bool random, write;
	int sock;

	if (argc != 6) {
		fprintf(stderr, "usage: %s SOCKET randread|seqread|randwrite BLOCK IODEPTH SECONDS\n",
			argv[0]);
		return 2;
	}
	write = !strcmp(argv[2], "randwrite");
	random = write || !strcmp(argv[2], "randread");
	bs = (unsigned)atoi(argv[3]);
	depth = (unsigned)atoi(argv[4]);
	secs = (unsigned)atoi(argv[5]);
	if (!bs || bs % 512 || bs > 1u << 20 || !depth || depth > MAXDEPTH || !secs) {
		fprintf(stderr, "bad arguments\n");
		return 2;
	}
	sock = vu_connect(argv[1], 5000);
	if (sock < 0) {
		fprintf(stderr, "cannot connect to %s\n", argv[1]);
		return 1;
	}
	vu_fe_init(&fe, sock);
	if (vu_fe_add_memory(&fe, 0, MEM) ||
	    vu_fe_negotiate(&fe, BIT64(VIRTIO_F_VERSION_1) | BIT64(VIRTIO_BLK_F_FLUSH) |
				 BIT64(VIRTIO_BLK_F_SEG_MAX) | BIT64(VIRTIO_BLK_F_BLK_SIZE),
			    BIT64(VHOST_USER_PROTOCOL_F_MQ) | BIT64(VHOST_USER_PROTOCOL_F_REPLY_ACK) |
				    BIT64(VHOST_USER_PROTOCOL_F_CONFIG)) ||
	    vu_fe_set_mem_table(&fe)) {
		fprintf(stderr, "negotiation failed\n");
		return 1;
	}
	if (vu_fe_get_config(&fe, 0, &capacity, sizeof(capacity)) || !capacity) {
		fprintf(stderr, "no capacity from GET_CONFIG\n");
		return 1;
	}
	if (DATA_GPA + (u64)depth * bs > MEM || vu_fe_setup_ring(&fe, 0, QSIZE, 0)) {
		fprintf(stderr, "ring setup failed\n");
		return 1;
	}
	r = &fe.ring[0];
	desc = r->desc;
	/* Interrupts off: we poll the used ring. */
	r->avail->flags = VRING_AVAIL_F_NO_INTERRUPT;
	capacity = capacity * 512 / bs; /* in blocks */

	/* Slot k: descriptors 3k (header), 3k+1 (data), 3k+2 (status). */
	for (unsigned k = 0; k < depth; k++) {
		struct virtio_blk_outhdr *h = vu_fe_gpa(&fe, HDR_GPA + k * 64ull, 16);

		h->type = write ? VIRTIO_BLK_T_OUT : VIRTIO_BLK_T_IN;
		desc[3 * k] = (struct vring_desc){ HDR_GPA + k * 64ull, 16, VRING_DESC_F_NEXT,
						   (u16)(3 * k + 1) };
		desc[3 * k + 1] = (struct vring_desc){ DATA_GPA + (u64)k * bs, bs,
						       VRING_DESC_F_NEXT |
							       (write ? 0 : VRING_DESC_F_WRITE),
						       (u16)(3 * k + 2) };
		desc[3 * k + 2] = (struct vring_desc){ HDR_GPA + k * 64ull + 32, 1,
						       VRING_DESC_F_WRITE, 0 };
	}

#define SUBMIT(k)                                                                                  \
	do {                                                                                       \
		struct virtio_blk_outhdr *h_ = vu_fe_gpa(&fe, HDR_GPA + (k) * 64ull, 16);          \
		u64 blk_ = random ? rnd() % capacity : seq++ % capacity;                           \
		h_->sector = blk_ * (bs / 512);                                                    \
		r->avail->ring[r->avail_idx % QSIZE] = (u16)(3 * (k));                             \
		r->avail_idx++;                                                                    \
	} while (0)

	for (unsigned k = 0; k < depth; k++)
		SUBMIT(k);
	__atomic_store_n(&r->avail->idx, r->avail_idx, __ATOMIC_RELEASE);
	vu_fe_kick(&fe, 0);
	t0 = now_ns();
	t_end = t0 + (u64)secs * 1000000000ull;
	while (now_ns() < t_end) {
		u16 used = __atomic_load_n(&r->used->idx, __ATOMIC_ACQUIRE);
		bool any = false;

		while (r->last_used != used) {
			struct vring_used_elem *e = &r->used->ring[r->last_used % QSIZE];
			unsigned k = e->id / 3;
			u8 *status = vu_fe_gpa(&fe, HDR_GPA + k * 64ull + 32, 1);

			if (*status != VIRTIO_BLK_S_OK)
				errors++;
			r->last_used++;
			done++;
			SUBMIT(k);
			any = true;
		}
		if (any) {
			__atomic_store_n(&r->avail->idx, r->avail_idx, __ATOMIC_RELEASE);
			/* Full barrier, then read the back-end's flag (virtio 1.2 §2.7.10). */
			__atomic_thread_fence(__ATOMIC_SEQ_CST);
			if (!(__atomic_load_n(&r->used->flags, __ATOMIC_RELAXED) & VRING_USED_F_NO_NOTIFY))
				vu_fe_kick(&fe, 0);
		}
	}
	{
		double s = (double)(now_ns() - t0) / 1e9;

		printf("iops %.0f mbps %.1f errors %llu\n", (double)done / s,
		       (double)done * bs / s / 1e6, (unsigned long long)errors);
	}
	vu_fe_destroy(&fe);
	return errors ? 1 : 0;
}
