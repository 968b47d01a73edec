// SPDX-License-Identifier: GPL-2.0-only
/*
 * vhost-user-blk (virtio 1.2 §5.2 over vhost-user): the back-end does
 * everything a block device does, config space included — capacity,
 * block size, segment limits and the rest come from GET_CONFIG (and again
 * after a CONFIG_CHANGE_MSG or a reconnection). The VMM adds nothing of its
 * own: it offers the guest the block features the back-end offers, chooses
 * how many queues to use (num_queues in config is the VMM's), forwards the
 * one writable field (writeback, with CONFIG_WCE) with SET_CONFIG, and keeps
 * the inflight area so a restarted back-end resubmits what was in flight.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include <linux/virtio_blk.h>

#include "iovirt/config.h"
#include "iovirt/vm.h"
#include "vu_frontend.h"

#define VU_BLK_MAX_QUEUES 64

struct vu_blk {
	unsigned want_queues; /* --disk queues=N, 0: one per vCPU (as the back-end allows) */
	unsigned ncpus;
};

static int vu_blk_setup(struct vhost_fe *fe, unsigned *nr_queues, unsigned *nr_rings, u64 *local)
{
	struct vu_blk *b = fe->priv;
	bool mq = fe->backend_features & BIT64(VIRTIO_BLK_F_MQ);
	unsigned cap = mq ? (fe->backend_queues ? fe->backend_queues : 1) : 1;
	unsigned nq = b->want_queues;

	cap = MIN(cap, (unsigned)VU_BLK_MAX_QUEUES);
	if (!nq)
		nq = MAX(1u, MIN(b->ncpus, cap));
	if (nq > cap) {
		pr_err("%s: queues=%u asked, the back-end at %s has %u%s", fe->name, nq, fe->path,
		       cap, mq ? "" : " (no VIRTIO_BLK_F_MQ)");
		return -EINVAL;
	}
	/* §5.2.4: num_queues is what this device has; the back-end may allow more. */
	if (mq) {
		__le16 n = cpu_to_le16((u16)nq);

		pthread_mutex_lock(&fe->cfg_lock);
		memcpy(fe->config + offsetof(struct virtio_blk_config, num_queues), &n, sizeof(n));
		pthread_mutex_unlock(&fe->cfg_lock);
	}
	*nr_queues = *nr_rings = nq;
	*local = 0;
	return 0;
}

/* After every GET_CONFIG: keep our num_queues. */
static void vu_blk_fix_config(struct vhost_fe *fe)
{
	__le16 n = cpu_to_le16((u16)fe->nr_rings);

	if (!(fe->vd.host_features & BIT64(VIRTIO_BLK_F_MQ)))
		return;
	pthread_mutex_lock(&fe->cfg_lock);
	memcpy(fe->config + offsetof(struct virtio_blk_config, num_queues), &n, sizeof(n));
	pthread_mutex_unlock(&fe->cfg_lock);
}

static void vu_blk_config_write(struct vhost_fe *fe, u32 off, const void *data, unsigned len)
{
	const u32 wce = offsetof(struct virtio_blk_config, wce);
	struct vu_config c = {.offset = wce, .size = 1, .flags = VHOST_USER_CONFIG_F_WRITABLE};
	int ret;

	/* A refusal (-EREMOTEIO) keeps the connection: the field just stays. */
	/* §5.2.4: writeback is the one field a driver writes, with CONFIG_WCE. */
	if (off != wce || len != 1 || !virtio_has_feature(&fe->vd, VIRTIO_BLK_F_CONFIG_WCE)) {
		dev_warn_rl(&fe->rl, fe->name, "config write [%u, +%u) to a read-only field", off,
			    len);
		return;
	}
	c.region[0] = *(const u8 *)data;
	pthread_mutex_lock(&fe->lock);
	ret = fe->sock < 0 ? -ENOTCONN
			   : vhost_fe_request_ex(fe, VHOST_USER_SET_CONFIG, &c,
						 VHOST_USER_CONFIG_HDR_SIZE + 1, NULL, 0, NULL,
						 NULL, false);
	if (!ret) {
		pthread_mutex_lock(&fe->cfg_lock);
		fe->config[wce] = c.region[0];
		pthread_mutex_unlock(&fe->cfg_lock);
	} else {
		dev_warn_rl(&fe->rl, fe->name, "writeback mode not changed: %s", strerror(-ret));
	}
	pthread_mutex_unlock(&fe->lock);
}

static const struct vhost_fe_type vu_blk_type = {
	.kind = "vhost-user-blk",
	.device_id = VIRTIO_ID_BLOCK,
	.forward_features = BIT64(VIRTIO_F_VERSION_1) | BIT64(VIRTIO_RING_F_EVENT_IDX) |
			    BIT64(VIRTIO_RING_F_INDIRECT_DESC) | BIT64(VIRTIO_F_RING_PACKED) |
			    BIT64(VIRTIO_BLK_F_SIZE_MAX) | BIT64(VIRTIO_BLK_F_SEG_MAX) |
			    BIT64(VIRTIO_BLK_F_GEOMETRY) | BIT64(VIRTIO_BLK_F_RO) |
			    BIT64(VIRTIO_BLK_F_BLK_SIZE) | BIT64(VIRTIO_BLK_F_FLUSH) |
			    BIT64(VIRTIO_BLK_F_TOPOLOGY) | BIT64(VIRTIO_BLK_F_CONFIG_WCE) |
			    BIT64(VIRTIO_BLK_F_MQ) | BIT64(VIRTIO_BLK_F_DISCARD) |
			    BIT64(VIRTIO_BLK_F_WRITE_ZEROES),
	.protocol_features =
		BIT64(VHOST_USER_PROTOCOL_F_CONFIG) | BIT64(VHOST_USER_PROTOCOL_F_INFLIGHT_SHMFD),
	.backend_config = true,
	.inflight = true,
	.config_write = vu_blk_config_write,
	.config_fetched = vu_blk_fix_config,
	.setup = vu_blk_setup,
	/* Up to max_discard_seg..write_zeroes_may_unmap (SECURE_ERASE is not forwarded). */
	.config_size = offsetof(struct virtio_blk_config, max_secure_erase_sectors),
};

int vhost_user_blk_create(struct vm *vm, const struct disk_config *dc, unsigned index,
			  const struct vhost_fe_params *p)
{
	struct vu_blk *b = calloc(1, sizeof(*b));
	char name[32];

	if (!b)
		return -ENOMEM;
	snprintf(name, sizeof(name), "vhost-user-blk%u", index);
	/* The image, its mode and its serial are the back-end's: say so rather than pretend. */
	if (dc->readonly || dc->serial || dc->poll_us || dc->sched_batch ||
	    dc->cache != DISK_CACHE_WRITEBACK)
		pr_warn("%s: readonly, serial, poll, sched and cache are the back-end's to set: ignored",
			name);
	b->want_queues = dc->queues;
	b->ncpus = vm->cfg ? vm->cfg->ncpus : 1;
	return vhost_fe_create(vm, &vu_blk_type, name, dc->vhost_user, p, dc->packed,
			       dc->transport == TRANSPORT_MMIO, b, NULL);
}
