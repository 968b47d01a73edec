/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the two virtio transport fuzz targets (fuzz_virtio_mmio.c,
 * fuzz_virtio_pci.c) share: a small virtio device on the real device model
 * (src/virtio/virtio_dev.c) whose "I/O thread" is the fuzzer itself — its
 * queues are served synchronously with virtio_dev_serve_queue when the input
 * says so — guest memory with a hole, driver-side rings built with
 * tests/lib/mock_vq.c, and the invariants of the device model that hold
 * whatever the transport:
 *
 *  - status holds only the driver's bits and NEEDS_RESET; DRIVER_OK needs
 *    FEATURES_OK, FEATURES_OK needs features that were offered, VERSION_1
 *    and the device's own check;
 *  - the device is active (activate called and reset owed) only with
 *    DRIVER_OK; with DRIVER_OK and no NEEDS_RESET every enabled queue is live;
 *  - a live queue has a valid size and its rings lie inside guest memory;
 *  - every buffer a served chain maps lies inside guest memory, and the
 *    length reported used is what the device wrote;
 *  - after a reset nothing is live, active, negotiated or set up.
 *
 * Header-only, one copy per target.
 */
#ifndef IOVIRT_FUZZ_FZ_VIRTIO_H
#define IOVIRT_FUZZ_FZ_VIRTIO_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "fuzz.h"
#include "mock_vq.h"
#include "pci_fixture.h"
#include "iovirt/virtio.h"

#define FZ_NQ		3	/* queues of the device */
#define FZ_QMAX		64	/* their maximum size */
#define FZ_CONFIG	16	/* bytes of device config */
#define FZ_IOV		16
#define FZ_MEM0		0x000000ull	/* guest memory: 1 MiB ... */
#define FZ_MEM0_SIZE	0x100000ull
#define FZ_MEM1		0x200000ull	/* ... a hole, and 64 KiB more */
#define FZ_MEM1_SIZE	0x010000ull
#define FZ_RING(q)	(0x10000ull + (u64)(q) * 0x20000ull)	/* mock_vq of a 64 ring: 72 KiB */
#define FZ_BUFS		0x80000ull	/* buffers from here to the end of memory (and beyond) */
#define FZ_DEV_FEATURES	(BIT64(0) | BIT64(1) | BIT64(2) | BIT64(VIRTIO_F_RING_PACKED))
#define FZ_NOTE_CHAINS	256

struct fzdev {
	struct virtio_dev vd;
	const struct gmem *gmem;
	u8 config[FZ_CONFIG];
	unsigned activations, resets;
	bool fail_activate;
	struct virtq_elem e;
	struct iovec iov[FZ_IOV];
	u64 served;
	/* The driver side: a mock ring per queue set up through the registers. */
	struct mock_vq mq[FZ_NQ];
	bool mq_set[FZ_NQ];
	u32 in_len[FZ_NQ][FZ_QMAX];	/* writable bytes of each chain in flight, by id */
};

/* --- the device ------------------------------------------------------------------------ */

static void fz_config_read(struct virtio_dev *vd, u32 off, void *data, unsigned len)
{
	struct fzdev *d = vd->opaque;

	FUZZ_ASSERT(off <= FZ_CONFIG && len <= FZ_CONFIG - off);
	memcpy(data, d->config + off, len);
}

static void fz_config_write(struct virtio_dev *vd, u32 off, const void *data, unsigned len)
{
	struct fzdev *d = vd->opaque;

	FUZZ_ASSERT(off <= FZ_CONFIG && len <= FZ_CONFIG - off);
	memcpy(d->config + off, data, len);
	/* Byte 0 is a "command": the device answers with a config change (§2.5.2). */
	if (!off)
		virtio_dev_config_changed(vd);
}

/* Device-type rule for the refusal path: feature bit 1 needs bit 0. */
static bool fz_features_ok(struct virtio_dev *vd, u64 f)
{
	return !(f & BIT64(1)) || (f & BIT64(0));
}

static int fz_activate(struct virtio_dev *vd)
{
	struct fzdev *d = vd->opaque;

	FUZZ_ASSERT(d->activations == d->resets);
	if (d->fail_activate)
		return -ENOSPC;
	d->activations++;
	return 0;
}

static void fz_reset(struct virtio_dev *vd)
{
	struct fzdev *d = vd->opaque;

	d->resets++;
	FUZZ_ASSERT(d->activations == d->resets);
}

static const struct virtio_dev_ops fz_ops = {
	.type = "virtio-fuzz",
	.device_id = VIRTIO_ID_RNG,
	.config_read = fz_config_read,
	.config_write = fz_config_write,
	.features_ok = fz_features_ok,
	.activate = fz_activate,
	.reset = fz_reset,
};

static int fzdev_init(struct fzdev *d, struct pci_fixture *f)
{
	int ret;

	memset(d, 0, sizeof(*d));
	d->gmem = &f->vm.gmem;
	ret = gmem_add_memfd(&f->vm.gmem, FZ_MEM0, FZ_MEM0_SIZE, false);
	if (!ret)
		ret = gmem_add_memfd(&f->vm.gmem, FZ_MEM1, FZ_MEM1_SIZE, false);
	if (!ret)
		ret = virtio_dev_init(&d->vd, &fz_ops, d, "fz", FZ_NQ, FZ_QMAX, FZ_DEV_FEATURES,
				      FZ_CONFIG);
	return ret;
}

/* The transport's destroy (pci_fixture_fini) resets the device; then this. */
static void fzdev_fini(struct fzdev *d)
{
	for (unsigned q = 0; q < FZ_NQ; q++)
		if (d->mq_set[q])
			mock_vq_destroy(&d->mq[q]);
	virtio_dev_destroy(&d->vd);
}

/* Is [p, p + len) inside one guest memory region's host mapping? */
static bool fz_in_mem(const struct gmem *g, const void *p, u64 len)
{
	const u8 *b = p;

	for (unsigned i = 0; i < g->nr; i++) {
		const struct gmem_region *r = &g->r[i];

		if (b >= r->hva && b <= r->hva + r->size && len <= (u64)(r->hva + r->size - b))
			return true;
	}
	return false;
}

/* The I/O thread's work for one chain: check every buffer, fill the writable ones. */
static u32 fz_handle(void *opaque, struct virtq_elem *e)
{
	struct fzdev *d = opaque;
	u64 out = 0, in = 0;

	FUZZ_ASSERT(e->out_num + e->in_num <= e->iov_max);
	for (unsigned i = 0; i < e->out_num + e->in_num; i++) {
		const struct iovec *v = &e->iov[i];

		/* GUEST: the whole point: a mapped buffer never leaves guest memory. */
		FUZZ_ASSERT(fz_in_mem(d->gmem, v->iov_base, v->iov_len));
		if (i < e->out_num) {
			out += v->iov_len;
		} else {
			memset(v->iov_base, 0xd0 + (int)(i & 7), v->iov_len);
			in += v->iov_len;
		}
	}
	FUZZ_ASSERT(out == e->out_len && in == e->in_len);
	d->served++;
	return (u32)MIN(in, (u64)UINT32_MAX);
}

/* What an I/O thread does when kicked: every live queue served, as a device would. */
static void fz_serve(struct fzdev *d)
{
	struct virtio_dev *vd = &d->vd;

	for (unsigned q = 0; q < vd->nr_queues; q++) {
		if (!vd->active || !vd->queues[q].live || virtio_dev_broken(vd))
			continue;
		virtq_elem_init(&d->e, d->iov, FZ_IOV);
		virtio_dev_serve_queue(vd, q, &d->e, fz_handle, d, "fuzz queue");
	}
}

/* --- the driver side ------------------------------------------------------------------ */

/* Does the device look at the mock ring of queue q (same size and addresses)? */
static bool fz_mq_matches(struct fzdev *d, unsigned q)
{
	const struct virtio_queue *vq = &d->vd.queues[q];
	struct virtq_config c;

	if (!d->mq_set[q])
		return false;
	mock_vq_config(&d->mq[q], &c);
	return vq->live && vq->size == c.size && vq->desc == c.desc_addr &&
	       vq->driver == c.driver_addr && vq->device == c.device_addr &&
	       vq->vq.cfg.packed == c.packed && vq->vq.cfg.event_idx == c.event_idx;
}

/* Lay out a mock ring for queue q; returns its config for the registers, or false. */
static bool fz_mq_setup(struct fzdev *d, unsigned q, u16 size, bool packed, bool event_idx,
			struct virtq_config *c)
{
	unsigned flags = (packed ? MOCK_VQ_PACKED : 0) | (event_idx ? MOCK_VQ_EVENT_IDX : 0) |
			 MOCK_VQ_INDIRECT;

	if (d->mq_set[q])
		mock_vq_destroy(&d->mq[q]);
	d->mq_set[q] = false;
	if (!size || size > FZ_QMAX || mock_vq_init(&d->mq[q], d->gmem, FZ_RING(q), size, flags))
		return false;
	d->mq_set[q] = true;
	mock_vq_config(&d->mq[q], c);
	return true;
}

/*
 * A chain of nb buffers (4 input bytes each) on queue q; flags bit 0: through
 * an indirect table, bit 1: keep the input's order (writable before readable
 * is a violation, §2.7.4.2). True if the driver must kick.
 */
static bool fz_mq_add(struct fzdev *d, unsigned q, unsigned flags, const u8 *p, unsigned nb)
{
	struct mock_buf b[8];
	unsigned nout = 0;
	u32 in = 0;
	int id;

	if (!d->mq_set[q] || !nb || nb > 8)
		return false;
	for (unsigned i = 0; i < nb; i++, p += 4) {
		/* Mostly inside guest memory, sometimes across its end, into the hole or past it. */
		u64 addr = FZ_BUFS + ((u64)p[0] << 12 | (u64)(p[1] & 0xf) << 8) + (p[1] >> 4) * 16;
		u32 len = (u32)p[2] << 4 | (p[3] & 0xf);

		if (p[3] & 0x80)
			addr = (u64)p[0] << 56 | (u64)p[1] << 16 | p[2];
		b[i] = (struct mock_buf){ addr, len, (p[3] & 0x10) != 0 };
	}
	if (!(flags & 2))
		for (unsigned i = 0; i < nb; i++)
			if (!b[i].write) {
				struct mock_buf t = b[nout];

				b[nout++] = b[i];
				b[i] = t;
			}
	for (unsigned i = 0; i < nb; i++)
		if (b[i].write)
			in += b[i].len;
	id = mock_vq_add(&d->mq[q], b, nb, flags & 1);
	if (id < 0)
		return false;
	if ((unsigned)id < FZ_QMAX)
		d->in_len[q][id] = in;
	return mock_vq_kick_prepare(&d->mq[q]);
}

/* Take the used entries of queue q; when the device really uses this ring, check them. */
static void fz_mq_reap(struct fzdev *d, unsigned q)
{
	u32 len;
	int id;

	if (!d->mq_set[q])
		return;
	for (unsigned n = 0; n < FZ_QMAX; n++) {
		bool ours = fz_mq_matches(d, q) && !virtio_dev_broken(&d->vd);

		id = mock_vq_get_used(&d->mq[q], &len);
		if (id < 0)
			break;
		if (ours) {
			FUZZ_ASSERT((unsigned)id < FZ_QMAX);
			FUZZ_ASSERT(len == d->in_len[q][id]);
		}
	}
}

/* Forget the driver-side rings (the device was reset). */
static void fz_mq_forget(struct fzdev *d)
{
	for (unsigned q = 0; q < FZ_NQ; q++) {
		if (d->mq_set[q])
			mock_vq_destroy(&d->mq[q]);
		d->mq_set[q] = false;
	}
}

/* --- invariants ----------------------------------------------------------------------- */

static void fz_check_ring(struct fzdev *d, struct virtio_queue *q)
{
	const struct virtq *vq = &q->vq;
	u64 n = q->size, ev = vq->cfg.event_idx ? 2 : 0;

	FUZZ_ASSERT(n && n <= q->max_size && vq->cfg.size == n);
	if (vq->cfg.packed) {
		FUZZ_ASSERT(fz_in_mem(d->gmem, vq->pdesc, 16 * n));
		FUZZ_ASSERT(fz_in_mem(d->gmem, vq->driver_event, 4));
		FUZZ_ASSERT(fz_in_mem(d->gmem, vq->device_event, 4));
	} else {
		FUZZ_ASSERT(!(n & (n - 1)));
		FUZZ_ASSERT(fz_in_mem(d->gmem, vq->desc, 16 * n));
		FUZZ_ASSERT(fz_in_mem(d->gmem, vq->avail, 4 + 2 * n + ev));
		FUZZ_ASSERT(fz_in_mem(d->gmem, vq->used, 4 + 8 * n + ev));
	}
}

static void fz_check_dev(struct fzdev *d)
{
	struct virtio_dev *vd = &d->vd;
	u8 st = virtio_dev_read_status(vd);
	const u8 driver_bits = VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER |
			       VIRTIO_CONFIG_S_DRIVER_OK | VIRTIO_CONFIG_S_FEATURES_OK |
			       VIRTIO_CONFIG_S_FAILED;
	bool broken = virtio_dev_broken(vd);

	FUZZ_ASSERT(!(st & ~(driver_bits | VIRTIO_CONFIG_S_NEEDS_RESET)));
	FUZZ_ASSERT(!!(st & VIRTIO_CONFIG_S_NEEDS_RESET) == broken);
	FUZZ_ASSERT(!(st & VIRTIO_CONFIG_S_DRIVER_OK) || (st & VIRTIO_CONFIG_S_FEATURES_OK));
	if (st & VIRTIO_CONFIG_S_FEATURES_OK) {
		FUZZ_ASSERT((st & (VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER)) ==
			    (VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER));
		FUZZ_ASSERT(!(vd->features & ~vd->host_features));
		FUZZ_ASSERT(vd->features & BIT64(VIRTIO_F_VERSION_1));
		FUZZ_ASSERT(fz_features_ok(vd, vd->features));
		/* §3.1.1: fixed once FEATURES_OK is set. */
		FUZZ_ASSERT(vd->features == vd->driver_features);
	} else {
		FUZZ_ASSERT(!vd->active);
	}
	FUZZ_ASSERT(vd->active == (d->activations == d->resets + 1));
	FUZZ_ASSERT(!vd->active || (st & VIRTIO_CONFIG_S_DRIVER_OK));
	for (unsigned i = 0; i < vd->nr_queues; i++) {
		struct virtio_queue *q = &vd->queues[i];

		FUZZ_ASSERT(q->max_size == FZ_QMAX);
		if (q->live) {
			FUZZ_ASSERT(q->enabled && (st & VIRTIO_CONFIG_S_DRIVER_OK));
			fz_check_ring(d, q);
		}
		/* A running device has every queue the driver enabled, or says it is broken. */
		if ((st & VIRTIO_CONFIG_S_DRIVER_OK) && !broken && q->enabled)
			FUZZ_ASSERT(q->live && vd->active);
	}
	if ((st & VIRTIO_CONFIG_S_DRIVER_OK) && !broken)
		FUZZ_ASSERT(vd->active);
}

/* Right after a reset (status 0 written): the model is back where it started. */
static void fz_check_reset(struct fzdev *d)
{
	struct virtio_dev *vd = &d->vd;

	FUZZ_ASSERT(virtio_dev_read_status(vd) == 0 && !virtio_dev_broken(vd));
	FUZZ_ASSERT(!vd->active && d->activations == d->resets);
	FUZZ_ASSERT(vd->driver_features == 0 && !vd->driver_features_hi && vd->features == 0);
	for (unsigned i = 0; i < vd->nr_queues; i++) {
		struct virtio_queue *q = &vd->queues[i];

		FUZZ_ASSERT(!q->live && !q->enabled && q->size == q->max_size);
		FUZZ_ASSERT(!q->desc && !q->driver && !q->device);
		FUZZ_ASSERT(q->msix_vector == VIRTIO_NO_VECTOR);
	}
}

#endif
