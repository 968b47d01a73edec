// SPDX-License-Identifier: GPL-2.0-only
/*
 * The transport-independent virtio device: status machine and feature
 * negotiation (virtio 1.2 §2.1, §2.2, §3.1.1), virtqueue bring-up on DRIVER_OK
 * and tear-down on reset (§2.4), DEVICE_NEEDS_RESET when the device cannot go
 * on (§2.1.2), and the I/O threads that devices run their queues on.
 *
 * Status rules enforced here, beyond the spec's MUSTs for the device:
 *  - bits only accumulate; writing 0 is the one way to clear them (reset);
 *    a driver clearing a bit is ignored and counted;
 *  - FEATURES_OK needs ACKNOWLEDGE and DRIVER, only features we offered,
 *    VERSION_1 (this is a modern-only device, §7.2), ACCESS_PLATFORM when an
 *    IOMMU translates our DMA, and the device type's dependency checks; when
 *    refused the bit is not set, so the driver reads it back clear (§3.1.1 5);
 *  - DRIVER_OK needs FEATURES_OK; queue rings are checked then, and a queue
 *    that cannot be set up puts the device in NEEDS_RESET, not the VMM down.
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "iovirt/virtio.h"

#define STATUS_DRIVER_BITS                                                                         \
	(VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER | VIRTIO_CONFIG_S_DRIVER_OK |        \
	 VIRTIO_CONFIG_S_FEATURES_OK | VIRTIO_CONFIG_S_FAILED)

int virtio_dev_init(struct virtio_dev *vd, const struct virtio_dev_ops *ops, void *opaque,
		    const char *name, unsigned nr_queues, u16 queue_max_size, u64 features,
		    u32 config_size)
{
	int ret;

	if (!nr_queues || nr_queues > VIRTIO_MAX_QUEUES || !queue_max_size ||
	    queue_max_size > VIRTQ_MAX_SIZE)
		return -EINVAL;
	memset(vd, 0, sizeof(*vd));
	vd->ops = ops;
	vd->opaque = opaque;
	snprintf(vd->name, sizeof(vd->name), "%s", name);
	vd->nr_queues = nr_queues;
	vd->host_features = features | VIRTIO_COMMON_FEATURES;
	vd->config_size = config_size;
	vd->rl = (struct ratelimit)RATELIMIT_INIT;
	pthread_mutex_init(&vd->lock, NULL);
	for (unsigned i = 0; i < nr_queues; i++) {
		struct virtio_queue *q = &vd->queues[i];

		q->max_size = queue_max_size;
		q->size = queue_max_size;
		q->msix_vector = VIRTIO_NO_VECTOR;
		snprintf(q->name, sizeof(q->name), "%s q%u", vd->name, i);
		q->kick_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (q->kick_fd < 0) {
			ret = -errno;
			while (i--)
				close(vd->queues[i].kick_fd);
			pthread_mutex_destroy(&vd->lock);
			return ret;
		}
	}
	return 0;
}

void virtio_dev_set_transport(struct virtio_dev *vd, const struct virtio_transport_ops *tops,
			      void *transport, const struct dma_as *dma)
{
	vd->tops = tops;
	vd->transport = transport;
	vd->dma = dma;
}

bool virtio_eventfd_drain(int fd)
{
	u64 v;

	return read(fd, &v, sizeof(v)) == sizeof(v);
}

/* §2.4: stop the device, forget everything the driver set up. Caller holds vd->lock. */
static void dev_reset_locked(struct virtio_dev *vd)
{
	if (vd->active) {
		/* Quiesce: on return no I/O thread runs and nothing is in flight. */
		vd->ops->reset(vd);
		vd->active = false;
	}
	for (unsigned i = 0; i < vd->nr_queues; i++) {
		struct virtio_queue *q = &vd->queues[i];

		if (q->live)
			virtq_reset(&q->vq);
		q->live = false;
		q->enabled = false;
		q->size = q->max_size;
		q->desc = q->driver = q->device = 0;
		q->msix_vector = VIRTIO_NO_VECTOR;
		virtio_eventfd_drain(q->kick_fd);
	}
	vd->driver_features = 0;
	vd->driver_features_hi = false;
	vd->features = 0;
	__atomic_store_n(&vd->broken, false, __ATOMIC_RELEASE);
	__atomic_store_n(&vd->status, 0, __ATOMIC_RELEASE);
}

void virtio_dev_destroy(struct virtio_dev *vd)
{
	pthread_mutex_lock(&vd->lock);
	dev_reset_locked(vd);
	pthread_mutex_unlock(&vd->lock);
	for (unsigned i = 0; i < vd->nr_queues; i++) {
		if (vd->queues[i].kick_fd >= 0)
			close(vd->queues[i].kick_fd);
		vd->queues[i].kick_fd = -1;
	}
	pthread_mutex_destroy(&vd->lock);
}

u32 virtio_dev_read_device_features(struct virtio_dev *vd, u32 sel)
{
	/* §4.1.4.3 / §4.2.2: 32-bit windows selected by *_feature_select; beyond 64: 0. */
	return sel < 2 ? (u32)(vd->host_features >> (32 * sel)) : 0;
}

u32 virtio_dev_read_driver_features(struct virtio_dev *vd, u32 sel)
{
	u32 v;

	pthread_mutex_lock(&vd->lock);
	v = sel < 2 ? (u32)(vd->driver_features >> (32 * sel)) : 0;
	pthread_mutex_unlock(&vd->lock);
	return v;
}

void virtio_dev_write_driver_features(struct virtio_dev *vd, u32 sel, u32 val)
{
	pthread_mutex_lock(&vd->lock);
	if (vd->status & VIRTIO_CONFIG_S_FEATURES_OK) {
		/* §3.1.1: features are fixed once FEATURES_OK is set. */
		dev_warn_rl(&vd->rl, vd->name, "driver features written after FEATURES_OK: ignored");
	} else if (sel < 2) {
		u64 mask = 0xffffffffull << (32 * sel);

		vd->driver_features = (vd->driver_features & ~mask) | ((u64)val << (32 * sel));
	} else if (val) {
		dev_warn_rl(&vd->rl, vd->name, "driver accepted feature word %u (0x%x): ignored", sel,
			    val);
		/* Remember it so FEATURES_OK is refused: none of those bits was offered. */
		vd->driver_features_hi = true;
	}
	pthread_mutex_unlock(&vd->lock);
}

u8 virtio_dev_read_status(struct virtio_dev *vd)
{
	return __atomic_load_n(&vd->status, __ATOMIC_ACQUIRE);
}

/* §3.1.1 step 5: may FEATURES_OK be set? */
static bool features_acceptable(struct virtio_dev *vd, u8 status)
{
	u64 f = vd->driver_features;

	if ((status & (VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER)) !=
	    (VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER)) {
		dev_warn_rl(&vd->rl, vd->name, "FEATURES_OK before ACKNOWLEDGE|DRIVER: refused");
		return false;
	}
	if ((f & ~vd->host_features) || vd->driver_features_hi) {
		dev_warn_rl(&vd->rl, vd->name, "driver accepted features not offered (0x%llx%s): "
			    "FEATURES_OK refused", (unsigned long long)(f & ~vd->host_features),
			    vd->driver_features_hi ? " and bits above 63" : "");
		return false;
	}
	if (!(f & BIT64(VIRTIO_F_VERSION_1))) {
		dev_warn_rl(&vd->rl, vd->name, "driver did not accept VERSION_1 (legacy driver): "
			    "FEATURES_OK refused");
		return false;
	}
	/* §6.1: with an IOMMU in front of us, bypassing it is not something we offer. */
	if (vd->dma && vd->dma->xlate && !(f & BIT64(VIRTIO_F_ACCESS_PLATFORM))) {
		dev_warn_rl(&vd->rl, vd->name, "driver refused ACCESS_PLATFORM behind an IOMMU: "
			    "FEATURES_OK refused");
		return false;
	}
	if (vd->ops->features_ok && !vd->ops->features_ok(vd, f)) {
		dev_warn_rl(&vd->rl, vd->name, "feature set 0x%llx inconsistent: FEATURES_OK refused",
			    (unsigned long long)f);
		return false;
	}
	return true;
}

/* DRIVER_OK: bring the enabled queues up, then the device. Caller holds vd->lock. */
static void dev_activate_locked(struct virtio_dev *vd)
{
	bool packed = virtio_has_feature(vd, VIRTIO_F_RING_PACKED);
	char why[96];
	int ret;

	for (unsigned i = 0; i < vd->nr_queues; i++) {
		struct virtio_queue *q = &vd->queues[i];
		struct virtq_config c = {
			.size = q->size,
			.packed = packed,
			.event_idx = virtio_has_feature(vd, VIRTIO_RING_F_EVENT_IDX),
			.indirect = virtio_has_feature(vd, VIRTIO_RING_F_INDIRECT_DESC),
			.desc_addr = q->desc,
			.driver_addr = q->driver,
			.device_addr = q->device,
		};

		if (!q->enabled)
			continue;
		/* §2.6: split rings are a power of two; packed rings any size ≤ 32768. */
		if (!q->size || q->size > q->max_size || (!packed && (q->size & (q->size - 1)))) {
			snprintf(why, sizeof(why), "queue %u: size %u invalid (max %u)", i, q->size,
				 q->max_size);
			virtio_dev_set_needs_reset(vd, why);
			return;
		}
		ret = virtq_init(&q->vq, &c, vd->dma, q->name);
		if (ret) {
			snprintf(why, sizeof(why), "queue %u: rings not in guest memory (%s)", i,
				 strerror(-ret));
			virtio_dev_set_needs_reset(vd, why);
			return;
		}
		q->live = true;
	}
	ret = vd->ops->activate(vd);
	if (ret) {
		snprintf(why, sizeof(why), "cannot start: %s", strerror(-ret));
		virtio_dev_set_needs_reset(vd, why);
		return;
	}
	vd->active = true;
}

void virtio_dev_write_status(struct virtio_dev *vd, u8 val)
{
	u8 old, set, added;

	pthread_mutex_lock(&vd->lock);
	if (!val) {
		dev_reset_locked(vd);
		pthread_mutex_unlock(&vd->lock);
		return;
	}
	old = __atomic_load_n(&vd->status, __ATOMIC_ACQUIRE);
	val &= STATUS_DRIVER_BITS; /* NEEDS_RESET is the device's to set */
	if (old & ~val & STATUS_DRIVER_BITS)
		dev_warn_rl(&vd->rl, vd->name, "driver cleared status bits 0x%x: ignored",
			    old & ~val & STATUS_DRIVER_BITS);
	set = old | val;
	added = set & ~old;
	if ((added & VIRTIO_CONFIG_S_FEATURES_OK) && !features_acceptable(vd, set))
		set &= ~VIRTIO_CONFIG_S_FEATURES_OK;
	else if (added & VIRTIO_CONFIG_S_FEATURES_OK)
		vd->features = vd->driver_features;
	if ((added & VIRTIO_CONFIG_S_DRIVER_OK) && !(set & VIRTIO_CONFIG_S_FEATURES_OK)) {
		dev_warn_rl(&vd->rl, vd->name, "DRIVER_OK without FEATURES_OK: refused");
		set &= ~VIRTIO_CONFIG_S_DRIVER_OK;
		added &= ~VIRTIO_CONFIG_S_DRIVER_OK;
	}
	/* OR, not store: an I/O thread may be setting NEEDS_RESET concurrently. */
	__atomic_fetch_or(&vd->status, set & ~VIRTIO_CONFIG_S_DRIVER_OK, __ATOMIC_ACQ_REL);
	if (added & VIRTIO_CONFIG_S_DRIVER_OK) {
		/* Visible before the queues run, so NEEDS_RESET raised during start-up
		 * sends its config interrupt (§2.1.2). */
		__atomic_fetch_or(&vd->status, VIRTIO_CONFIG_S_DRIVER_OK, __ATOMIC_ACQ_REL);
		dev_activate_locked(vd);
	}
	pthread_mutex_unlock(&vd->lock);
}

struct virtio_queue *virtio_dev_queue(struct virtio_dev *vd, unsigned q)
{
	return q < vd->nr_queues ? &vd->queues[q] : NULL;
}

bool virtio_dev_queue_writable(struct virtio_dev *vd, unsigned q)
{
	if (q >= vd->nr_queues)
		return false;
	/* §4.1.4.3.2: configure before enabling; nothing changes under a running device. */
	if (vd->queues[q].enabled || (virtio_dev_read_status(vd) & VIRTIO_CONFIG_S_DRIVER_OK)) {
		dev_warn_rl(&vd->rl, vd->name, "queue %u changed after enabling: ignored", q);
		return false;
	}
	return true;
}

void virtio_dev_queue_enable(struct virtio_dev *vd, unsigned q)
{
	if (q >= vd->nr_queues)
		return;
	if (virtio_dev_read_status(vd) & VIRTIO_CONFIG_S_DRIVER_OK) {
		/* Enabling a queue after DRIVER_OK needs VIRTIO_F_RING_RESET, not offered. */
		dev_warn_rl(&vd->rl, vd->name, "queue %u enabled after DRIVER_OK: ignored", q);
		return;
	}
	vd->queues[q].enabled = true;
}

void virtio_dev_queue_disable(struct virtio_dev *vd, unsigned q)
{
	if (q >= vd->nr_queues)
		return;
	/* Before DRIVER_OK a driver may take a queue back (Linux does on a failed
	 * probe); a running queue only stops with a reset (no VIRTIO_F_RING_RESET). */
	if (virtio_dev_read_status(vd) & VIRTIO_CONFIG_S_DRIVER_OK) {
		dev_warn_rl(&vd->rl, vd->name, "queue %u disabled while running: ignored", q);
		return;
	}
	vd->queues[q].enabled = false;
}

void virtio_dev_queue_kick(struct virtio_dev *vd, unsigned q)
{
	u64 one = 1;

	if (q >= vd->nr_queues)
		return;
	if (write(vd->queues[q].kick_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		pr_debug("%s: kick: %s", vd->queues[q].name, strerror(errno));
}

void virtio_dev_config_read(struct virtio_dev *vd, u32 off, void *data, unsigned len)
{
	memset(data, 0, len);
	if (off > vd->config_size || len > vd->config_size - off) {
		dev_warn_rl(&vd->rl, vd->name, "config read [%u, +%u) outside its %u bytes", off, len,
			    vd->config_size);
		return;
	}
	if (vd->ops->config_read)
		vd->ops->config_read(vd, off, data, len);
}

void virtio_dev_config_write(struct virtio_dev *vd, u32 off, const void *data, unsigned len)
{
	if (off > vd->config_size || len > vd->config_size - off) {
		dev_warn_rl(&vd->rl, vd->name, "config write [%u, +%u) outside its %u bytes", off,
			    len, vd->config_size);
		return;
	}
	if (vd->ops->config_write)
		vd->ops->config_write(vd, off, data, len);
}

void virtio_dev_notify(struct virtio_dev *vd, unsigned q)
{
	if (vd->tops && vd->tops->notify_queue)
		vd->tops->notify_queue(vd, q);
}

void virtio_dev_config_changed(struct virtio_dev *vd)
{
	__atomic_fetch_add(&vd->config_generation, 1, __ATOMIC_ACQ_REL);
	if ((virtio_dev_read_status(vd) & VIRTIO_CONFIG_S_DRIVER_OK) && vd->tops &&
	    vd->tops->notify_config)
		vd->tops->notify_config(vd);
}

void virtio_dev_serve_queue(struct virtio_dev *vd, unsigned q, struct virtq_elem *elem,
			    virtio_handle_fn handle, void *opaque, const char *what)
{
	struct virtq *vq = &vd->queues[q].vq;
	struct iovec *iov = elem->iov;
	unsigned iov_max = elem->iov_max;
	unsigned pushed = 0;
	int ret;

	virtio_eventfd_drain(vd->queues[q].kick_fd);
	if (virtio_dev_broken(vd))
		return;
	for (;;) {
		virtq_disable_notify(vq);
		virtq_elem_init(elem, iov, iov_max);
		while ((ret = virtq_pop(vq, elem)) > 0) {
			virtq_push(vq, elem, handle(opaque, elem));
			pushed++;
			virtq_elem_init(elem, iov, iov_max);
		}
		if (ret < 0) {
			char why[64];

			snprintf(why, sizeof(why), "%s: %s", what, virtq_error_str(vq->error));
			virtio_dev_set_needs_reset(vd, why);
			break;
		}
		/* Re-enabling may find chains that came meanwhile: serve them too. */
		if (!virtq_enable_notify(vq))
			break;
	}
	if (pushed) {
		virtq_flush(vq);
		if (virtq_should_notify(vq))
			virtio_dev_notify(vd, q);
	}
}

void virtio_dev_set_needs_reset(struct virtio_dev *vd, const char *why)
{
	if (__atomic_exchange_n(&vd->broken, true, __ATOMIC_ACQ_REL))
		return;
	__atomic_fetch_or(&vd->status, VIRTIO_CONFIG_S_NEEDS_RESET, __ATOMIC_ACQ_REL);
	__atomic_fetch_add(&vd->needs_reset_count, 1, __ATOMIC_RELAXED);
	/* One line per breakage: `broken` stays set until the driver resets the device. */
	pr_warn("%s: device needs reset: %s", vd->name, why);
	/* §2.1.2: with DRIVER_OK set, tell the driver through a config change notification. */
	if ((virtio_dev_read_status(vd) & VIRTIO_CONFIG_S_DRIVER_OK) && vd->tops &&
	    vd->tops->notify_config)
		vd->tops->notify_config(vd);
}

int virtio_dev_queue_irqfd(struct virtio_dev *vd, unsigned q)
{
	if (q >= vd->nr_queues || !vd->tops || !vd->tops->queue_irqfd)
		return -1;
	return vd->tops->queue_irqfd(vd, q);
}

/* --- I/O threads --- */

int virtio_iothread_init(struct virtio_iothread *t, const char *name)
{
	int ret;

	memset(t, 0, sizeof(*t));
	snprintf(t->name, sizeof(t->name), "%s", name);
	ret = evloop_init(&t->loop, t->name);
	if (ret)
		return ret;
	t->initialised = true;
	return 0;
}

static void *iothread_main(void *arg)
{
	struct virtio_iothread *t = arg;
	char comm[16] = { 0 };

	/* Thread names are at most 15 characters. */
	memcpy(comm, t->name, MIN(strlen(t->name), sizeof(comm) - 1));
	pthread_setname_np(pthread_self(), comm);
	if (t->sched_batch) {
		struct sched_param sp = { .sched_priority = 0 };
		int ret = pthread_setschedparam(pthread_self(), SCHED_BATCH, &sp);

		/* Unprivileged and always allowed on Linux; if not, the thread still works. */
		if (ret)
			pr_warn("%s: SCHED_BATCH: %s", t->name, strerror(ret));
	}
	while (!t->loop.stopping) {
		int ret = evloop_run_once(&t->loop, -1);

		if (ret < 0) {
			pr_err("%s: event loop failed: %s", t->name, strerror(-ret));
			break;
		}
		/*
		 * Adaptive polling: keep looking for work a while before going back to
		 * sleep. poll_fn(false) keeps guest notifications off and processes what
		 * it finds, so a busy guest submits without exits; poll_fn(true), before
		 * sleeping, re-enables them and re-checks (no lost wakeup). poll_fn
		 * also looks for back-end completions itself.
		 */
		if (t->poll_ns && t->poll_fn) {
			u64 deadline = clock_ns() + t->poll_ns;

			for (unsigned spin = 0; !t->loop.stopping; spin++) {
				if (t->poll_fn(t->poll_opaque, false))
					deadline = clock_ns() + t->poll_ns;
				/* The fds (stop, kicks the poll already covers) only now and then:
				 * an epoll_wait per spin would cost more than the poll itself. */
				if (!(spin & 63) && evloop_run_once(&t->loop, 0) < 0)
					break;
				if (clock_ns() < deadline)
					continue;
				if (!t->poll_fn(t->poll_opaque, true))
					break;
				deadline = clock_ns() + t->poll_ns;
			}
		}
	}
	return NULL;
}

int virtio_iothread_start(struct virtio_iothread *t)
{
	int ret = -pthread_create(&t->thread, NULL, iothread_main, t);

	if (!ret)
		t->running = true;
	return ret;
}

void virtio_iothread_stop(struct virtio_iothread *t)
{
	if (t->running) {
		evloop_stop(&t->loop);
		pthread_join(t->thread, NULL);
		t->running = false;
	}
	if (t->initialised) {
		evloop_destroy(&t->loop);
		t->initialised = false;
	}
}
