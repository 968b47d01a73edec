// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fuzz target for the vhost-user back-end library: the input is a stream of
 * records, each either bytes written into the harness's guest memfd (so rings
 * and buffers can have content) or a chunk of socket bytes sent with up to
 * seven fds of chosen kinds (the guest memfd, a small memfd, an eventfd, a
 * pipe). The library reads it as a hostile front-end's messages, with the
 * queues processed after every message. Checks: no crash, no sanitizer
 * report, and no file descriptor left open once the connection is freed.
 *
 * Record: u8 ctl. ctl & 0x80: memory write {u32 offset, u8 len, bytes}.
 * Otherwise ctl & 7 fds, one kind byte each, then u16 length, then bytes.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/virtio_config.h>
#include <linux/virtio_ring.h>

#include "iovirt/log.h"
#include "iovirt/vhost_user.h"

#define GUEST_SIZE 0x100000u

int LLVMFuzzerTestOneInput(const u8 *data, size_t size);

/* Chains the device completed in this input (for FUZZ_VERBOSE). */
static unsigned completed;

static void handle_queue(struct vu_dev *dev, struct vu_queue *q)
{
	struct iovec iov[16];
	struct virtq_elem e;
	unsigned n = 0;

	virtq_elem_init(&e, iov, 16);
	/* Bounded: a hostile ring is refilled by nobody, but stay finite anyway. */
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

static int get_config(struct vu_dev *dev, u32 off, void *buf, u32 len)
{
	if (off > 64 || len > 64 - off)
		return -EINVAL;
	memset(buf, 0x5a, len);
	return 0;
}

static int set_config(struct vu_dev *dev, u32 off, const void *buf, u32 len, u32 flags)
{
	return off + len <= 64 ? 0 : -EINVAL;
}

static const struct vu_dev_ops ops = {
	.features = BIT64(VIRTIO_F_VERSION_1) | BIT64(VIRTIO_F_RING_PACKED) |
		    BIT64(VIRTIO_RING_F_EVENT_IDX) | BIT64(VIRTIO_RING_F_INDIRECT_DESC) |
		    BIT64(VIRTIO_F_IOMMU_PLATFORM),
	.num_queues = 4,
	.inflight = true,
	.get_config = get_config,
	.set_config = set_config,
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

/* Read and drop whatever the back-end replied, closing any fd it sent. */
static void drain(int s)
{
	char buf[4096];
	union {
		char b[CMSG_SPACE(16 * sizeof(int))];
		struct cmsghdr a;
	} ctl;

	for (;;) {
		struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.b,
				     .msg_controllen = sizeof(ctl.b) };
		ssize_t n = recvmsg(s, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);

		if (n <= 0)
			return;
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
			int k = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));

			for (int i = 0; i < k; i++) {
				int fd;

				memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(fd));
				close(fd);
			}
		}
	}
}

static int make_fd(u8 kind, int guest)
{
	int p[2], fd;

	switch (kind % 4) {
	case 0:
		return dup(guest);
	case 1:
		return eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	case 2:
		/* Sealed against shrinking, as inflight areas must be (SET_INFLIGHT_FD). */
		fd = memfd_create("fz", MFD_CLOEXEC | MFD_ALLOW_SEALING);
		if (fd >= 0 && (ftruncate(fd, 4096) < 0 || fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK) < 0)) {
			close(fd);
			return -1;
		}
		return fd;
	default:
		if (pipe2(p, O_CLOEXEC) < 0)
			return -1;
		close(p[1]);
		return p[0];
	}
}

static void send_chunk(int s, const u8 *buf, size_t len, const int *fds, unsigned nfds)
{
	union {
		char b[CMSG_SPACE(8 * sizeof(int))];
		struct cmsghdr a;
	} ctl;
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

	if (nfds) {
		struct cmsghdr *c;

		memset(&ctl, 0, sizeof(ctl));
		mh.msg_control = ctl.b;
		mh.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(nfds * sizeof(int));
		memcpy(CMSG_DATA(c), fds, nfds * sizeof(int));
	}
	if (sendmsg(s, &mh, MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
		/* a full socket: the rest of the input is dropped */
	}
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	unsigned base = open_fds();
	struct vu_dev *dev;
	int sv[2], guest;
	u8 *mem;
	size_t pos = 0;

	completed = 0;
	log_set_level(getenv("FUZZ_VERBOSE") ? LOG_DEBUG : LOG_ERR);
	if (size > 65536)
		return 0;
	guest = memfd_create("fz-guest", MFD_CLOEXEC);
	if (guest < 0 || ftruncate(guest, GUEST_SIZE) < 0)
		abort();
	mem = mmap(NULL, GUEST_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, guest, 0);
	if (mem == MAP_FAILED || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		abort();
	dev = vu_dev_new(sv[1], &ops, NULL, "fuzz");
	if (!dev)
		abort();

	while (pos < size) {
		u8 ctl = data[pos++];

		if (ctl & 0x80) {
			u32 off;
			u8 len;

			if (size - pos < 5)
				break;
			memcpy(&off, data + pos, 4);
			len = data[pos + 4];
			pos += 5;
			len = (u8)MIN((size_t)len, size - pos);
			off %= GUEST_SIZE - 256;
			memcpy(mem + off, data + pos, len);
			pos += len;
		} else {
			int fds[7];
			unsigned nfds = ctl & 7;
			u16 len;

			if (size - pos < nfds + 2)
				break;
			for (unsigned i = 0; i < nfds; i++)
				fds[i] = make_fd(data[pos++], guest);
			memcpy(&len, data + pos, 2);
			pos += 2;
			len = (u16)MIN((size_t)len, size - pos);
			send_chunk(sv[0], data + pos, len, fds, nfds);
			for (unsigned i = 0; i < nfds; i++)
				if (fds[i] >= 0)
					close(fds[i]);
			pos += len;
		}
	}
	/* End of input: the peer hangs up, so a half message is seen at once. */
	shutdown(sv[0], SHUT_WR);
	for (unsigned i = 0; i < 4096; i++) {
		int ret = vu_dev_dispatch(dev);

		drain(sv[0]);
		if (ret)
			break;
		for (unsigned q = 0; q < ops.num_queues; q++)
			if (vu_queue_process(vu_dev_queue(dev, q)) < 0)
				break;
	}
	if (getenv("FUZZ_VERBOSE")) {
		struct vu_dev_stats st;

		vu_dev_get_stats(dev, &st);
		fprintf(stderr, "fuzz_vu_msg: %llu messages, %u chains completed\n",
			(unsigned long long)st.messages, completed);
	}
	vu_dev_free(dev);
	drain(sv[0]);
	close(sv[0]);
	munmap(mem, GUEST_SIZE);
	close(guest);
	if (open_fds() != base) {
		fprintf(stderr, "fuzz_vu_msg: %u fds open, %u expected\n", open_fds(), base);
		abort();
	}
	return 0;
}
