// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fuzz target for the recovery of packed-ring inflight regions (vhost-user
 * "Inflight I/O tracking", src/vhost/lib/vu_inflight_packed.c). The input is
 * what a restarted back-end finds: the queue region a hostile front-end (or
 * a back-end killed mid-write) hands back, the descriptor ring as the guest
 * left it, and the base SET_VRING_BASE names. A back-end of the library gets
 * the area (GET_INFLIGHT_FD, then the bytes, then SET_INFLIGHT_FD), starts
 * the ring — recovery — and serves it, completing whatever it resubmits or
 * pops. Then, if it accepted the region, it is freed and a second back-end
 * takes the same area: what the library itself wrote must always be
 * accepted again. Checks: no crash, no sanitizer report, that invariant,
 * and no file descriptor left open.
 *
 * Input: the region (32 + 32 * 8 bytes, for a ring of 8), the descriptor
 * ring (8 x 16 bytes), u32 base (indices reduced to the ring). Short inputs
 * are padded with zeros.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/vhost.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ring.h>

#include "fuzz.h"
#include "iovirt/log.h"
#include "iovirt/vhost_user.h"
#include "src/vhost/vu_sock.h"

#define GUEST_SIZE 0x100000u
#define UADDR 0x7f0000000000ull
#define QSIZE 8
#define RING_GPA 0x1000u
#define REGION_BYTES (32 + 32 * QSIZE)
#define FEATURES                                                                                   \
	(BIT64(VIRTIO_F_VERSION_1) | BIT64(VIRTIO_F_RING_PACKED) |                                 \
	 BIT64(VIRTIO_RING_F_INDIRECT_DESC))

static unsigned completed;

static void handle_queue(struct vu_dev *dev, struct vu_queue *q)
{
	struct iovec iov[16];
	struct virtq_elem e;
	unsigned n = 0;

	virtq_elem_init(&e, iov, 16);
	while (n++ < 64 && vu_queue_pop(q, &e) == 1) {
		u32 w = 0;

		for (unsigned i = e.out_num; i < e.out_num + e.in_num; i++) {
			memset(e.iov[i].iov_base, 0xa5, e.iov[i].iov_len);
			w += (u32)e.iov[i].iov_len;
		}
		vu_queue_push(q, &e, w);
		completed++;
		virtq_elem_init(&e, iov, 16);
	}
}

static const struct vu_dev_ops ops = {
	.features = FEATURES,
	.num_queues = 1,
	.inflight = true,
	.handle_queue = handle_queue,
};

static unsigned open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	unsigned n = 0;

	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

/* One request to the back-end, handled at once. The reply (if any) and its fd are read. */
static int request(struct vu_dev *dev, int s, u32 req, const void *p, u32 size, int fd,
		   struct vu_msg *reply, int *reply_fd)
{
	struct vu_msg m = { .hdr = { .request = req, .flags = VHOST_USER_VERSION, .size = size } };
	int fds[VHOST_USER_MAX_FDS];
	const char *why;
	unsigned nfds;
	int ret;

	if (size)
		memcpy(&m.p, p, size);
	if (vu_sock_send(s, &m, fd >= 0 ? &fd : NULL, fd >= 0 ? 1 : 0))
		return -EIO;
	ret = vu_dev_dispatch(dev);
	if (ret || !reply)
		return ret;
	ret = vu_sock_recv(s, reply, fds, &nfds, &why);
	if (ret)
		return ret;
	for (unsigned i = 0; i < nfds; i++) {
		if (!i && reply_fd)
			*reply_fd = fds[0];
		else
			close(fds[i]);
	}
	return 0;
}

/* A back-end on a fresh connection with the area: negotiation, memory, ring. 0 or its error. */
static int serve(int guest, int area, u64 area_size, u32 base)
{
	struct vu_mem_table t = { .nregions = 1 };
	struct vu_inflight in = { .mmap_size = area_size, .num_queues = 1, .queue_size = QSIZE };
	struct vhost_vring_state st = { .index = 0 };
	struct vhost_vring_addr a = {
		.index = 0,
		.desc_user_addr = UADDR + RING_GPA,
		.avail_user_addr = UADDR + RING_GPA + 0x100,
		.used_user_addr = UADDR + RING_GPA + 0x200,
	};
	u64 v;
	int sv[2], kick, ret;
	struct vu_dev *dev;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		abort();
	dev = vu_dev_new(sv[1], &ops, NULL, "fuzz");
	if (!dev)
		abort();
	t.regions[0] = (struct vu_mem_region){ .guest_phys_addr = 0, .memory_size = GUEST_SIZE,
					       .userspace_addr = UADDR };
	kick = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	v = FEATURES | BIT64(VHOST_USER_F_PROTOCOL_FEATURES);
	ret = request(dev, sv[0], VHOST_USER_SET_FEATURES, &v, 8, -1, NULL, NULL);
	v = BIT64(VHOST_USER_PROTOCOL_F_INFLIGHT_SHMFD);
	if (!ret)
		ret = request(dev, sv[0], VHOST_USER_SET_PROTOCOL_FEATURES, &v, 8, -1, NULL, NULL);
	if (!ret)
		ret = request(dev, sv[0], VHOST_USER_SET_MEM_TABLE, &t,
			      8 + sizeof(struct vu_mem_region), guest, NULL, NULL);
	if (!ret)
		ret = request(dev, sv[0], VHOST_USER_SET_INFLIGHT_FD, &in, sizeof(in), area, NULL,
			      NULL);
	st.num = QSIZE;
	if (!ret)
		ret = request(dev, sv[0], VHOST_USER_SET_VRING_NUM, &st, sizeof(st), -1, NULL, NULL);
	st.num = base;
	if (!ret)
		ret = request(dev, sv[0], VHOST_USER_SET_VRING_BASE, &st, sizeof(st), -1, NULL,
			      NULL);
	if (!ret)
		ret = request(dev, sv[0], VHOST_USER_SET_VRING_ADDR, &a, sizeof(a), -1, NULL, NULL);
	v = 0;
	if (!ret)
		ret = request(dev, sv[0], VHOST_USER_SET_VRING_KICK, &v, 8, kick, NULL, NULL);
	st.num = 1;
	if (!ret)
		ret = request(dev, sv[0], VHOST_USER_SET_VRING_ENABLE, &st, sizeof(st), -1, NULL,
			      NULL);
	for (unsigned i = 0; !ret && i < 4; i++)
		if (vu_queue_process(vu_dev_queue(dev, 0)) < 0)
			break;
	vu_dev_free(dev);
	close(sv[0]);
	close(kick);
	return ret;
}

/* The area as GET_INFLIGHT_FD makes it (sealed memfd, packed layout after SET_FEATURES). */
static int get_area(int guest, u64 *size)
{
	struct vu_inflight in = { .num_queues = 1, .queue_size = QSIZE };
	struct vu_msg r;
	int sv[2], fd = -1;
	struct vu_dev *dev;
	u64 v;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		abort();
	dev = vu_dev_new(sv[1], &ops, NULL, "fuzz-get");
	if (!dev)
		abort();
	v = FEATURES | BIT64(VHOST_USER_F_PROTOCOL_FEATURES);
	if (request(dev, sv[0], VHOST_USER_SET_FEATURES, &v, 8, -1, NULL, NULL))
		abort();
	v = BIT64(VHOST_USER_PROTOCOL_F_INFLIGHT_SHMFD);
	if (request(dev, sv[0], VHOST_USER_SET_PROTOCOL_FEATURES, &v, 8, -1, NULL, NULL) ||
	    request(dev, sv[0], VHOST_USER_GET_INFLIGHT_FD, &in, sizeof(in), -1, &r, &fd) ||
	    fd < 0 || r.p.inflight.mmap_size < REGION_BYTES)
		abort();
	*size = r.p.inflight.mmap_size;
	vu_dev_free(dev);
	close(sv[0]);
	(void)guest;
	return fd;
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	unsigned base_fds = open_fds();
	u8 in[REGION_BYTES + 16 * QSIZE + 4] = { 0 };
	u64 area_size;
	int guest, area, ret;
	u8 *mem, *region;
	u32 base, b;

	completed = 0;
	log_set_level(getenv("FUZZ_VERBOSE") ? LOG_DEBUG : LOG_ERR);
	memcpy(in, data, MIN(size, sizeof(in)));
	guest = memfd_create("fz-guest", MFD_CLOEXEC);
	if (guest < 0 || ftruncate(guest, GUEST_SIZE) < 0)
		abort();
	mem = mmap(NULL, GUEST_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, guest, 0);
	if (mem == MAP_FAILED)
		abort();
	area = get_area(guest, &area_size);
	region = mmap(NULL, area_size, PROT_READ | PROT_WRITE, MAP_SHARED, area, 0);
	if (region == MAP_FAILED)
		abort();
	memcpy(region, in, REGION_BYTES);
	memcpy(mem + RING_GPA, in + REGION_BYTES, 16 * QSIZE);
	memcpy(&b, in + REGION_BYTES + 16 * QSIZE, 4);
	/* Indices within the ring (a base beyond it is refused before any recovery). */
	base = ((b & 0x7fff) % QSIZE) | (b & 0x8000) | ((((b >> 16) & 0x7fff) % QSIZE) << 16) |
	       (b & 0x80000000u);

	ret = serve(guest, area, area_size, base);
	if (ret != -EPROTO) {
		/* Accepted (or refused for another reason): our own writes are accepted again. */
		ret = serve(guest, area, area_size, base);
		FUZZ_ASSERT(ret != -EPROTO);
	}
	if (getenv("FUZZ_VERBOSE"))
		fprintf(stderr, "fuzz_vu_inflight: %u chains completed\n", completed);
	munmap(region, area_size);
	munmap(mem, GUEST_SIZE);
	close(area);
	close(guest);
	if (open_fds() != base_fds) {
		fprintf(stderr, "fuzz_vu_inflight: %u fds open, %u expected\n", open_fds(), base_fds);
		abort();
	}
	return 0;
}
