// SPDX-License-Identifier: GPL-2.0-only
/*
 * What split and packed virtqueues share: validating the queue size and ring
 * addresses at init (virtio 1.2 §2.7 and §2.8 size and alignment tables),
 * mapping the rings once through the DMA API, the one failure path that
 * marks a queue broken, and the dispatch to virtq_split.c / virtq_packed.c.
 */
#include "virtq_priv.h"

static const char *const virtq_error_names[VIRTQ_ERR_COUNT] = {
	[VIRTQ_OK] = "no error",
	[VIRTQ_ERR_QUEUE_SIZE] = "queue size 0, above 32768, or not a power of 2 for a split ring "
				 "(virtio 1.2 §2.7, §2.8)",
	[VIRTQ_ERR_RING_ADDR] = "ring misaligned or not in guest memory (§2.7.1, §2.8.11)",
	[VIRTQ_ERR_AVAIL_IDX] =
		"more buffers made available than the queue holds (§2.7.6, §2.8.16)",
	[VIRTQ_ERR_HEAD_RANGE] =
		"head index or buffer id not below the queue size (§2.7.5, §2.8.13)",
	[VIRTQ_ERR_NEXT_RANGE] = "next index outside the descriptor table (§2.7.5)",
	[VIRTQ_ERR_CHAIN_LOOP] =
		"descriptor chain longer than the queue: a loop (§2.7.5.3.1, §2.8.17)",
	[VIRTQ_ERR_NESTED_INDIRECT] = "indirect descriptor inside an indirect table "
				      "(§2.7.5.3.1, §2.8.19)",
	[VIRTQ_ERR_INDIRECT_LEN] = "indirect table length 0, not a multiple of 16, or longer than "
				   "the queue (§2.7.5.3)",
	[VIRTQ_ERR_INDIRECT_NEXT] = "indirect descriptor with NEXT or inside a chain (§2.7.5.3.1, "
				    "§2.8.19)",
	[VIRTQ_ERR_INDIRECT_FEATURE] = "indirect descriptor without VIRTIO_F_INDIRECT_DESC "
				       "(§2.7.5.3.1)",
	[VIRTQ_ERR_BUF_ADDR] = "buffer outside guest memory or refused by the IOMMU (§2.7.5)",
	[VIRTQ_ERR_TOTAL_LEN] = "descriptor chain longer than 2^32 bytes (§2.7.5.2)",
	[VIRTQ_ERR_ORDER] =
		"device-readable buffer after a device-writable one (§2.7.4.2, §2.8.17)",
	[VIRTQ_ERR_TOO_MANY_SEGS] = "more buffer segments than the device accepts (§2.7.4.1)",
	[VIRTQ_ERR_USED_ID] = "device returned a buffer it did not take (device bug)",
};

const char *virtq_error_str(enum virtq_error e)
{
	if ((unsigned)e >= VIRTQ_ERR_COUNT)
		return "unknown virtqueue error";
	return virtq_error_names[e];
}

int virtq_fail(struct virtq *vq, enum virtq_error err)
{
	/* The first broken rule is the one reported; the queue stays broken until re-init. */
	if (vq->error == VIRTQ_OK) {
		vq->error = err;
		dev_warn_rl(&vq->rl, vq->name, "virtqueue broken: %s", virtq_error_str(err));
	}
	return -EIO;
}

/*
 * Everything but the rate limit (which survives re-init so that a guest
 * resetting the device in a loop still cannot flood the log) and the
 * identity of the queue goes back to zero.
 */
static void virtq_clear(struct virtq *vq)
{
	struct ratelimit rl = vq->rl;

	memset(vq, 0, sizeof(*vq));
	vq->rl = rl;
}

void virtq_reset(struct virtq *vq)
{
	const struct dma_as *dma = vq->dma;
	const char *name = vq->name;

	virtq_clear(vq);
	vq->dma = dma;
	vq->name = name;
}

static int virtq_setup(struct virtq *vq, const struct virtq_config *cfg, const struct dma_as *dma,
		       const char *name)
{
	virtq_clear(vq);
	vq->cfg = *cfg;
	vq->dma = dma;
	vq->name = name ? name : "virtqueue";
	/* GUEST: the size comes from the driver's queue_size register write. */
	if (!cfg->size || cfg->size > VIRTQ_MAX_SIZE ||
	    (!cfg->packed && (cfg->size & (cfg->size - 1)))) {
		virtq_fail(vq, VIRTQ_ERR_QUEUE_SIZE);
		return -EINVAL;
	}
	return 0;
}

/* Bytes of each ring part (§2.7 and §2.8 size tables); the EVENT_IDX words only when negotiated. */
static void virtq_ring_sizes(const struct virtq_config *cfg, u64 sz[3])
{
	u64 n = cfg->size, ev = cfg->event_idx ? 2 : 0;

	if (cfg->packed) {
		sz[0] = 16 * n;
		sz[1] = sizeof(struct vring_packed_desc_event);
		sz[2] = sizeof(struct vring_packed_desc_event);
	} else {
		sz[0] = 16 * n;
		sz[1] = 4 + 2 * n + ev;
		sz[2] = 4 + 8 * n + ev;
	}
}

static const u64 virtq_split_align[3] = {16, 2, 4};
static const u64 virtq_packed_align[3] = {16, 4, 4};

/*
 * Host pointer for a whole ring part. It may take several dma_map pieces (an
 * IOMMU maps page by page) but they must be contiguous in host memory, since
 * the ring is then accessed as one array.
 */
static void *virtq_map_ring(const struct dma_as *dma, u64 addr, u64 len, unsigned perm, u64 align)
{
	u8 *base = NULL;
	u64 done = 0;

	if (!IS_ALIGNED(addr, align))
		return NULL;
	while (done < len) {
		u64 n = len - done;
		u8 *p = dma_map(dma, addr + done, &n, perm); /* GUEST: range checked by dma_map */

		if (!p || (base && p != base + done))
			return NULL;
		if (!base)
			base = p;
		done += n;
	}
	return base;
}

static void virtq_attach(struct virtq *vq, void *desc, void *driver, void *device)
{
	u16 n = vq->cfg.size;

	if (vq->cfg.packed) {
		vq->pdesc = desc;
		vq->driver_event = driver;
		vq->device_event = device;
		virtq_packed_start(vq);
	} else {
		vq->desc = desc;
		vq->avail = driver;
		vq->used = device;
		/* The EVENT_IDX words sit right after each ring (§2.7.6, §2.7.8). */
		vq->used_event = &vq->avail->ring[n];
		vq->avail_event = (u16 *)&vq->used->ring[n];
		virtq_split_start(vq);
	}
	vq->ready = true;
}

int virtq_init(struct virtq *vq, const struct virtq_config *cfg, const struct dma_as *dma,
	       const char *name)
{
	const u64 *align = cfg->packed ? virtq_packed_align : virtq_split_align;
	/* The device reads the descriptors and the driver area, writes the device area;
	 * a packed ring is written back (used descriptors), a split used ring is read
	 * back by SET_VRING_BASE. */
	const unsigned perm[3] = {
		cfg->packed ? DMA_PERM_READ | DMA_PERM_WRITE : DMA_PERM_READ,
		DMA_PERM_READ,
		cfg->packed ? DMA_PERM_WRITE : DMA_PERM_READ | DMA_PERM_WRITE,
	};
	const u64 addr[3] = {cfg->desc_addr, cfg->driver_addr, cfg->device_addr};
	void *p[3];
	u64 sz[3];
	int ret;

	ret = virtq_setup(vq, cfg, dma, name);
	if (ret)
		return ret;
	virtq_ring_sizes(cfg, sz);
	for (int i = 0; i < 3; i++) {
		p[i] = virtq_map_ring(dma, addr[i], sz[i], perm[i], align[i]);
		if (!p[i]) {
			virtq_fail(vq, VIRTQ_ERR_RING_ADDR);
			return -EFAULT;
		}
	}
	virtq_attach(vq, p[0], p[1], p[2]);
	return 0;
}

int virtq_init_hva(struct virtq *vq, const struct virtq_config *cfg, const struct dma_as *dma,
		   void *desc, void *driver, void *device, const char *name)
{
	const u64 *align = cfg->packed ? virtq_packed_align : virtq_split_align;
	void *p[3] = {desc, driver, device};
	int ret;

	ret = virtq_setup(vq, cfg, dma, name);
	if (ret)
		return ret;
	/* The caller checked that each part lies in the peer's memory; we check alignment. */
	for (int i = 0; i < 3; i++) {
		if (!p[i] || !IS_ALIGNED((uintptr_t)p[i], align[i])) {
			virtq_fail(vq, VIRTQ_ERR_RING_ADDR);
			return -EFAULT;
		}
	}
	virtq_attach(vq, desc, driver, device);
	return 0;
}

int virtq_pop(struct virtq *vq, struct virtq_elem *e)
{
	if (unlikely(vq->error))
		return -EIO;
	if (unlikely(!vq->ready))
		return 0;
	if (vq->cfg.packed)
		return virtq_packed_pop(vq, e);
	return virtq_split_pop_batch(vq, e, 1);
}

int virtq_pop_batch(struct virtq *vq, struct virtq_elem *e, unsigned n)
{
	if (unlikely(vq->error))
		return -EIO;
	if (unlikely(!vq->ready) || !n)
		return 0;
	if (vq->cfg.packed)
		return virtq_packed_pop_batch(vq, e, n);
	return virtq_split_pop_batch(vq, e, n);
}

int virtq_pop_head(struct virtq *vq, u16 head, struct virtq_elem *e)
{
	if (unlikely(vq->error))
		return -EIO;
	if (unlikely(!vq->ready) || vq->cfg.packed)
		return 0;
	return virtq_split_pop_head(vq, head, e);
}

void virtq_unpop(struct virtq *vq, const struct virtq_elem *e)
{
	if (unlikely(vq->error || !vq->ready || !vq->inflight))
		return;
	if (vq->cfg.packed)
		virtq_packed_unpop(vq, e);
	else
		virtq_split_unpop(vq, e);
}

/* A broken queue takes nothing back: the driver will reset the device anyway. */
void virtq_push(struct virtq *vq, const struct virtq_elem *e, u32 written)
{
	if (unlikely(vq->error || !vq->ready))
		return;
	if (written > e->in_len)
		written = (u32)e->in_len;
	if (vq->cfg.packed)
		virtq_packed_push(vq, e, written);
	else
		virtq_split_push(vq, e, written);
}

void virtq_push_batch(struct virtq *vq, const struct virtq_elem *e, const u32 *written, unsigned n)
{
	if (unlikely(vq->error || !vq->ready))
		return;
	if (!vq->cfg.packed) {
		virtq_split_push_batch(vq, e, written, n);
		return;
	}
	virtq_packed_push_batch(vq, e, written, n);
}

void virtq_flush(struct virtq *vq)
{
	if (unlikely(vq->error || !vq->ready))
		return;
	if (vq->cfg.packed)
		virtq_packed_flush(vq);
	else
		virtq_split_flush(vq);
}

bool virtq_should_notify(struct virtq *vq)
{
	if (unlikely(vq->error || !vq->ready))
		return false;
	if (vq->cfg.packed)
		return virtq_packed_should_notify(vq);
	return virtq_split_should_notify(vq);
}

void virtq_disable_notify(struct virtq *vq)
{
	if (unlikely(vq->error || !vq->ready))
		return;
	if (vq->cfg.packed)
		virtq_packed_set_notify(vq, false);
	else
		virtq_split_set_notify(vq, false);
}

bool virtq_has_avail(struct virtq *vq)
{
	if (unlikely(vq->error || !vq->ready))
		return false;
	if (vq->cfg.packed)
		return virtq_packed_has_avail(vq);
	return virtq_split_has_avail(vq);
}

bool virtq_enable_notify(struct virtq *vq)
{
	if (unlikely(vq->error || !vq->ready))
		return false;
	if (vq->cfg.packed)
		virtq_packed_set_notify(vq, true);
	else
		virtq_split_set_notify(vq, true);
	/*
	 * Full barrier: the driver may have added buffers after our last look but
	 * before it could see notifications re-enabled, and so not kicked. Our
	 * store must be visible before we look again (§2.7.10, §2.8.10).
	 */
	virtq_mb();
	return virtq_has_avail(vq);
}

u32 virtq_get_base(const struct virtq *vq)
{
	if (vq->cfg.packed)
		return (u32)(vq->last_avail_idx | (vq->avail_wrap ? 0x8000 : 0)) |
		       (u32)(vq->used_idx | (vq->used_wrap ? 0x8000 : 0)) << 16;
	return vq->last_avail_idx;
}

int virtq_set_base(struct virtq *vq, u32 base)
{
	if (!vq->ready)
		return -EINVAL;
	if (vq->cfg.packed) {
		/* PEER: both indices must name a slot of the ring; refuse before any use. */
		if ((base & 0x7fff) >= vq->cfg.size || ((base >> 16) & 0x7fff) >= vq->cfg.size)
			return -EINVAL;
		virtq_packed_set_base(vq, base);
	} else {
		if (base > 0xffff)
			return -EINVAL;
		virtq_split_set_base(vq, base);
	}
	return 0;
}
