// SPDX-License-Identifier: GPL-2.0-only
/*
 * virtio-rng (virtio 1.2 §5.4): one requestq; every chain's writable buffers
 * are filled from the host's getrandom() and returned with the number of
 * bytes written. A request is capped at RNG_MAX_REQUEST bytes so one huge
 * chain cannot keep the thread busy (the driver just asks again).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/random.h>

#include "iovirt/virtio.h"
#include "iovirt/vm.h"

#define RNG_QUEUE_SIZE	64
#define RNG_IOV		64
#define RNG_MAX_REQUEST	(64u << 10)

struct virtio_rng {
	struct virtio_dev vd;
	struct virtio_iothread thread;
	bool started;
	struct virtq_elem elem;
	struct iovec iov[RNG_IOV];
	u64 bytes;
};

/* Fill the writable part of e with random bytes; returns how many. */
static u32 rng_fill(void *opaque, struct virtq_elem *e)
{
	struct virtio_rng *rng = opaque;
	u32 total = 0;

	for (unsigned i = e->out_num; i < e->out_num + e->in_num && total < RNG_MAX_REQUEST; i++) {
		/* GUEST: a writable buffer virtq_pop mapped; we write at most its length. */
		u8 *p = e->iov[i].iov_base;
		size_t want = MIN(e->iov[i].iov_len, (size_t)(RNG_MAX_REQUEST - total));
		size_t got = 0;

		while (got < want) {
			ssize_t n = getrandom(p + got, want - got, 0);

			if (n < 0) {
				if (errno == EINTR)
					continue;
				goto out; /* never expected: report what we have */
			}
			got += (size_t)n;
		}
		total += (u32)got;
	}
out:
	rng->bytes += total;
	return total;
}

static void rng_kick(void *opaque, u32 events)
{
	struct virtio_rng *rng = opaque;

	rng->elem.iov = rng->iov;
	rng->elem.iov_max = RNG_IOV;
	virtio_dev_serve_queue(&rng->vd, 0, &rng->elem, rng_fill, rng, "requestq");
}

static void rng_reset(struct virtio_dev *vd)
{
	struct virtio_rng *rng = vd->opaque;

	if (rng->started)
		virtio_iothread_stop(&rng->thread);
	rng->started = false;
}

static int rng_activate(struct virtio_dev *vd)
{
	struct virtio_rng *rng = vd->opaque;
	int ret;

	if (!vd->queues[0].live)
		return 0;
	ret = virtio_iothread_init(&rng->thread, "virtio-rng");
	if (ret)
		return ret;
	ret = evloop_add(&rng->thread.loop, vd->queues[0].kick_fd, EPOLLIN, rng_kick, rng);
	if (!ret)
		ret = virtio_iothread_start(&rng->thread);
	if (ret) {
		virtio_iothread_stop(&rng->thread);
		return ret;
	}
	rng->started = true;
	virtio_dev_queue_kick(vd, 0);
	return 0;
}

static const struct virtio_dev_ops rng_ops = {
	.type = "virtio-rng",
	.device_id = VIRTIO_ID_RNG,
	.activate = rng_activate,
	.reset = rng_reset,
};

static void rng_destroy(void *opaque)
{
	struct virtio_rng *rng = opaque;

	virtio_dev_destroy(&rng->vd);
	free(rng);
}

static const struct vm_device_ops rng_vm_ops = {
	.name = "virtio-rng",
	.destroy = rng_destroy,
};

int virtio_rng_create(struct vm *vm)
{
	struct virtio_rng *rng = calloc(1, sizeof(*rng));
	int ret;

	if (!rng)
		return -ENOMEM;
	/* §5.4.4: no device-specific configuration and no feature bits. */
	ret = virtio_dev_init(&rng->vd, &rng_ops, rng, "virtio-rng0", 1, RNG_QUEUE_SIZE, 0, 0);
	if (ret) {
		free(rng);
		return ret;
	}
	ret = vm_add_device(vm, &rng_vm_ops, rng);
	if (ret) {
		virtio_dev_destroy(&rng->vd);
		free(rng);
		return ret;
	}
	return virtio_pci_create(vm, &rng->vd);
}
