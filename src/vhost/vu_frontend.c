// SPDX-License-Identifier: GPL-2.0-only
/*
 * The vhost-user front-end, generic part: one connection to a back-end
 * process per virtio device, driven the way the protocol describes it
 * (QEMU docs/interop/vhost-user.rst, front-end side).
 *
 * Connection (client mode; requests, replies and negotiation are in
 * vu_frontend_conn.c): GET_FEATURES, GET/SET_PROTOCOL_FEATURES (MQ,
 * REPLY_ACK, BACKEND_REQ, STATUS, RESET_DEVICE, and CONFIG/INFLIGHT_SHMFD
 * for the types that use them), GET_QUEUE_NUM, SET_OWNER,
 * SET_BACKEND_REQ_FD. With REPLY_ACK every request without a reply of its
 * own asks for one, so each step is known to be done before the next.
 *
 * DRIVER_OK ("start"): SET_FEATURES (what the guest accepted of the bits the
 * back-end implements), SET_MEM_TABLE (our memfd regions, user address =
 * our mapping), GET/SET_INFLIGHT_FD, then for each live ring SET_VRING_NUM,
 * BASE, ADDR (user addresses of the rings), CALL (the transport's irqfd, or
 * an eventfd of ours when it has none), ERR, KICK (the transport's
 * ioeventfd), ENABLE; SET_STATUS. Reset ("stop"): disable, GET_VRING_BASE
 * (the back-end finishes what it popped), SET_STATUS 0, RESET_DEVICE.
 *
 * Failure: the back-end's replies are checked (vu_reply_check); a broken
 * reply, a timeout or EOF closes the connection with one log line. The
 * device stays as the guest sees it, its rings frozen: kicks pile up in the
 * kick eventfds. The front-end's thread retries the socket with back-off,
 * negotiates again (the new back-end must offer every bit the guest was
 * offered), and if the device was running restores each split ring from the
 * used index in guest memory (the back-end's own progress, whatever it
 * managed to publish) and the inflight area, restarts it and kicks it. A
 * packed ring has no used index in memory: it restarts from the inflight
 * area alone (the back-end keeps both ring positions there), so without one
 * the device needs a reset.
 */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <linux/vhost.h>

#include "iovirt/gmem.h"
#include "iovirt/vhost_user.h"
#include "iovirt/vm.h"
#include "vu_frontend.h"
#include "vu_sock.h"

/* --- Rings --- */

/* SET_VRING_KICK/CALL/ERR: ring index, and the fd (or the no-fd bit). */
static int fe_set_ring_fd(struct vhost_fe *fe, u32 request, unsigned q, int fd)
{
	u64 v = q;

	if (fd < 0)
		v |= VHOST_USER_VRING_NOFD_MASK;
	return vhost_fe_request(fe, request, &v, sizeof(v), &fd, fd < 0 ? 0 : 1, NULL, NULL);
}

/* Our mapping of [gpa, gpa+len): the user address the back-end translates. */
static u64 fe_uaddr(struct vhost_fe *fe, u64 gpa, u64 len)
{
	return (u64)(uintptr_t)gmem_map_whole(&fe->vm->gmem, gpa, len);
}

/* Where ring q starts again after the back-end was lost. -EIO: it cannot be known. */
static int fe_restore_base(struct vhost_fe *fe, unsigned q, u32 *base)
{
	struct virtio_queue *vq = &fe->vd.queues[q];
	u16 *used_idx;

	if (virtio_has_feature(&fe->vd, VIRTIO_F_RING_PACKED)) {
		/*
		 * Neither position is in guest memory (vhost-user
		 * SET_VRING_BASE: "both indices are supplied"), and the lost
		 * back-end could not answer GET_VRING_BASE. The inflight area
		 * has them (used_idx and its wrap counter, plus the descriptors
		 * in flight): the back-end recovers from there; the base we
		 * send is the one of the ring's start, as QEMU does.
		 */
		return fe->infl_fd >= 0 && fe->type->inflight &&
				       vhost_fe_has_proto(fe, VHOST_USER_PROTOCOL_F_INFLIGHT_SHMFD)
			       ? 0
			       : -EIO;
	}
	/* GUEST: the used ring was checked in guest memory at DRIVER_OK; idx is at +2. */
	used_idx = gmem_map_whole(&fe->vm->gmem, vq->device + 2, sizeof(*used_idx));
	if (!used_idx)
		return -EIO;
	/*
	 * Split ring: every chain below used->idx was completed; the ones the
	 * back-end popped and did not complete are in its inflight area (and
	 * resubmitted from there) or are taken again from the avail ring.
	 */
	*base = le16_to_cpu(__atomic_load_n(used_idx, __ATOMIC_ACQUIRE));
	return 0;
}

static int fe_ring_start(struct vhost_fe *fe, unsigned q)
{
	struct virtio_queue *vq = &fe->vd.queues[q];
	struct vhost_fe_ring *r = &fe->rings[q];
	bool packed = virtio_has_feature(&fe->vd, VIRTIO_F_RING_PACKED);
	bool ev = virtio_has_feature(&fe->vd, VIRTIO_RING_F_EVENT_IDX);
	u64 n = vq->size;
	struct vhost_vring_addr a = {.index = q};
	int call, ret;

	if (r->restore) {
		ret = fe_restore_base(fe, q, &r->base);
		if (ret) {
			virtio_dev_set_needs_reset(&fe->vd, "packed ring state lost with the "
							    "vhost-user back-end (no inflight area)");
			return 0;
		}
		r->restore = false;
	}
	/* virtio 1.2 §2.7 (split) and §2.8 (packed) ring sizes. */
	a.desc_user_addr = fe_uaddr(fe, vq->desc, 16 * n);
	a.avail_user_addr = fe_uaddr(fe, vq->driver, packed ? 4 : 4 + 2 * n + (ev ? 2 : 0));
	a.used_user_addr = fe_uaddr(fe, vq->device, packed ? 4 : 4 + 8 * n + (ev ? 2 : 0));
	a.log_guest_addr = vq->device;
	if (!a.desc_user_addr || !a.avail_user_addr || !a.used_user_addr) {
		/* virtq_init mapped them at DRIVER_OK; only a gmem/dma mismatch gets here. */
		virtio_dev_set_needs_reset(&fe->vd, "ring not in shareable guest memory");
		return 0;
	}
	call = virtio_dev_queue_irqfd(&fe->vd, q);
	if (call < 0)
		call = r->own_call;
	ret = vhost_fe_set_state(fe, VHOST_USER_SET_VRING_NUM, q, vq->size);
	if (!ret)
		ret = vhost_fe_set_state(fe, VHOST_USER_SET_VRING_BASE, q, r->base);
	if (!ret)
		ret = vhost_fe_request(fe, VHOST_USER_SET_VRING_ADDR, &a, sizeof(a), NULL, 0, NULL,
				       NULL);
	if (!ret)
		ret = fe_set_ring_fd(fe, VHOST_USER_SET_VRING_CALL, q, call);
	if (!ret)
		ret = fe_set_ring_fd(fe, VHOST_USER_SET_VRING_ERR, q, r->err_fd);
	if (!ret)
		ret = fe_set_ring_fd(fe, VHOST_USER_SET_VRING_KICK, q, vq->kick_fd);
	if (ret)
		return ret;
	r->started = true;
	/* vhost-user "Ring states": with protocol features rings start disabled. */
	if (fe->backend_features & BIT64(VHOST_USER_F_PROTOCOL_FEATURES))
		return vhost_fe_set_state(fe, VHOST_USER_SET_VRING_ENABLE, q, r->enabled);
	return 0;
}

int vhost_fe_ring_enable(struct vhost_fe *fe, unsigned q, bool enable)
{
	struct vhost_fe_ring *r = &fe->rings[q];

	r->enabled = enable;
	if (!r->started || !(fe->backend_features & BIT64(VHOST_USER_F_PROTOCOL_FEATURES)))
		return 0;
	return vhost_fe_set_state(fe, VHOST_USER_SET_VRING_ENABLE, q, enable);
}

static int fe_set_mem_table(struct vhost_fe *fe)
{
	const struct gmem *g = &fe->vm->gmem;
	struct vu_mem_table t = {.nregions = g->nr};
	int fds[VHOST_USER_MEM_TABLE_MAX];

	/* Checked at creation: every region is an fd, at most eight of them. */
	for (unsigned i = 0; i < g->nr; i++) {
		t.regions[i] = (struct vu_mem_region){
			.guest_phys_addr = g->r[i].gpa,
			.memory_size = g->r[i].size,
			.userspace_addr = (u64)(uintptr_t)g->r[i].hva,
			.mmap_offset = g->r[i].fd_offset,
		};
		fds[i] = g->r[i].fd;
	}
	return vhost_fe_request(fe, VHOST_USER_SET_MEM_TABLE, &t,
				offsetof(struct vu_mem_table, regions) +
					g->nr * sizeof(struct vu_mem_region),
				fds, g->nr, NULL, NULL);
}

static void fe_drop_inflight(struct vhost_fe *fe)
{
	if (fe->infl_fd >= 0)
		close(fe->infl_fd);
	fe->infl_fd = -1;
	memset(&fe->infl, 0, sizeof(fe->infl));
	fe->stats.inflight_fd = 0;
}

static bool fe_inflight_fd_ok(int fd, const struct vu_inflight *in)
{
	struct stat st;

	return fstat(fd, &st) == 0 && range_ok(in->mmap_offset, in->mmap_size) &&
	       (u64)st.st_size >= in->mmap_offset + in->mmap_size;
}

/* vhost-user "Inflight I/O tracking": one area per device life, handed back after restarts. */
static int fe_inflight(struct vhost_fe *fe)
{
	struct vu_msg r;
	int fd, ret;

	if (!fe->type->inflight || !vhost_fe_has_proto(fe, VHOST_USER_PROTOCOL_F_INFLIGHT_SHMFD))
		return 0;
	if (fe->infl_fd < 0) {
		struct vu_inflight in = {
			.num_queues = (u16)fe->nr_rings,
			.queue_size = fe->vd.queues[0].max_size,
		};

		ret = vhost_fe_request(fe, VHOST_USER_GET_INFLIGHT_FD, &in, sizeof(in), NULL, 0, &r,
				       &fd);
		if (ret)
			return ret;
		if (!r.p.inflight.mmap_size) {
			dev_warn_rl(&fe->rl, fe->name,
				    "back-end has no inflight area: requests in "
				    "flight at a crash may be lost");
			return 0;
		}
		/*
		 * The area is the back-end's to lay out (split or packed, for
		 * the features just set): we keep its size and hand it back
		 * as given, but not an fd too small for what it claims.
		 */
		if (!fe_inflight_fd_ok(fd, &r.p.inflight)) {
			close(fd);
			dev_warn_rl(&fe->rl, fe->name,
				    "back-end's inflight area (0x%llx at 0x%llx) is not in its fd: "
				    "requests in flight at a crash may be lost",
				    (unsigned long long)r.p.inflight.mmap_size,
				    (unsigned long long)r.p.inflight.mmap_offset);
			return 0;
		}
		fe->infl_fd = fd;
		fe->infl = r.p.inflight;
		/* What it gave for our request: the description of our queues, not its own. */
		fe->infl.num_queues = in.num_queues;
		fe->infl.queue_size = in.queue_size;
		fe->stats.inflight_fd = 1;
	}
	return vhost_fe_request(fe, VHOST_USER_SET_INFLIGHT_FD, &fe->infl, sizeof(fe->infl),
				&fe->infl_fd, 1, NULL, NULL);
}

/* Hand the running device to the connected back-end (fe->lock held). */
static int fe_start(struct vhost_fe *fe)
{
	u64 acked = fe->vd.features & fe->type->forward_features & fe->backend_features;
	unsigned nr;
	int ret;

	acked |= fe->backend_features & BIT64(VHOST_USER_F_PROTOCOL_FEATURES);
	fe->acked = acked;
	fe->stats.acked_features = acked;
	ret = vhost_fe_set_u64(fe, VHOST_USER_SET_FEATURES, acked);
	if (!ret)
		ret = fe_set_mem_table(fe);
	if (!ret)
		ret = fe_inflight(fe);
	nr = fe->type->active_rings ? MIN(fe->type->active_rings(fe), fe->nr_rings) : fe->nr_rings;
	for (unsigned q = 0; !ret && q < nr; q++)
		if (fe->vd.queues[q].live)
			ret = fe_ring_start(fe, q);
	if (!ret && vhost_fe_has_proto(fe, VHOST_USER_PROTOCOL_F_STATUS))
		ret = vhost_fe_set_u64(fe, VHOST_USER_SET_STATUS,
				       virtio_dev_read_status(&fe->vd) &
					       ~VIRTIO_CONFIG_S_NEEDS_RESET);
	if (ret)
		return ret;
	/*
	 * A kick the lost back-end drained but never acted on would be missed:
	 * one spurious kick per ring makes the new one look.
	 */
	for (unsigned q = 0; q < fe->nr_rings; q++)
		if (fe->rings[q].started)
			virtio_dev_queue_kick(&fe->vd, q);
	return 0;
}

/* Take the rings back (fe->lock held): the back-end stops and finishes what it popped. */
static void fe_stop(struct vhost_fe *fe)
{
	bool pf = fe->backend_features & BIT64(VHOST_USER_F_PROTOCOL_FEATURES);

	for (unsigned q = 0; q < fe->nr_rings; q++)
		if (fe->rings[q].started && pf)
			vhost_fe_set_state(fe, VHOST_USER_SET_VRING_ENABLE, q, 0);
	for (unsigned q = 0; q < fe->nr_rings; q++) {
		struct vhost_fe_ring *r = &fe->rings[q];
		struct vhost_vring_state st = {.index = q};
		struct vu_msg m;

		/* vhost-user "Ring states": GET_VRING_BASE stops the ring. */
		if (r->started && !vhost_fe_request(fe, VHOST_USER_GET_VRING_BASE, &st, sizeof(st),
						    NULL, 0, &m, NULL))
			r->base = m.p.state.num;
	}
	if (fe->sock >= 0 && vhost_fe_has_proto(fe, VHOST_USER_PROTOCOL_F_STATUS))
		vhost_fe_set_u64(fe, VHOST_USER_SET_STATUS, 0);
	if (fe->sock >= 0 && vhost_fe_has_proto(fe, VHOST_USER_PROTOCOL_F_RESET_DEVICE))
		vhost_fe_request(fe, VHOST_USER_RESET_DEVICE, NULL, 0, NULL, 0, NULL, NULL);
	for (unsigned q = 0; q < fe->nr_rings; q++) {
		struct vhost_fe_ring *r = &fe->rings[q];

		r->started = r->restore = false;
		r->base = 0;
		r->enabled = true;
		virtio_eventfd_drain(r->own_call);
		virtio_eventfd_drain(r->err_fd);
	}
	/* A new device life gets a new inflight area (vhost-user GET_INFLIGHT_FD). */
	fe_drop_inflight(fe);
}

/* --- Connecting --- */

/* Take a connected socket: timeouts, events, negotiation. fe->lock held. */
static int fe_attach(struct vhost_fe *fe, int sock, bool first)
{
	struct timeval tv = {.tv_sec = fe->params.reply_timeout_ms / 1000,
			     .tv_usec = (fe->params.reply_timeout_ms % 1000) * 1000};
	int ret;

	/* A back-end that stops answering (or reading) is cut off, not waited for. */
	if (setsockopt(sock, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
	    setsockopt(sock, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0) {
		ret = -errno;
		close(sock);
		return ret;
	}
	ret = evloop_add(&fe->thread.loop, sock, EPOLLIN | EPOLLRDHUP, vhost_fe_sock_event, fe);
	if (ret) {
		close(sock);
		return ret;
	}
	fe->sock = sock;
	fe->stats.connected = true;
	ret = vhost_fe_negotiate(fe, first);
	if (!ret && fe->backend_sock >= 0)
		ret = evloop_add(&fe->thread.loop, fe->backend_sock, EPOLLIN,
				 vhost_fe_backend_event, fe);
	if (!ret && fe->type->backend_config)
		ret = vhost_fe_fetch_config(fe, fe->type->config_size);
	if (ret) {
		vhost_fe_disconnect(fe, false, "negotiation failed: %s", strerror(-ret));
		return ret == -ENOTCONN ? -ECONNRESET : ret;
	}
	fe->stats.connects++;
	fe->backoff_ms = fe->params.reconnect_min_ms;
	fe->stats.backend_features = fe->backend_features;
	fe->stats.protocol_features = fe->protocol;
	return 0;
}

/* --- Events on the front-end's thread --- */

/* A ring's interrupt when the transport gave no irqfd (INTx, virtio-mmio). */
static void fe_call_event(void *opaque, u32 events)
{
	struct vhost_fe_ring *r = opaque;

	if (virtio_eventfd_drain(r->own_call))
		virtio_dev_notify(&r->fe->vd, r->idx);
}

static void fe_err_event(void *opaque, u32 events)
{
	struct vhost_fe_ring *r = opaque;

	if (!virtio_eventfd_drain(r->err_fd))
		return;
	__atomic_fetch_add(&r->fe->stats.ring_errors, 1, __ATOMIC_RELAXED);
	dev_warn_rl(&r->fe->rl, r->fe->name, "back-end reported an error on ring %u", r->idx);
}

/* Reconnection: one attempt per timer expiry, with back-off. */
static void fe_timer_event(void *opaque, u32 events)
{
	struct vhost_fe *fe = opaque;
	u8 old[VHOST_USER_MAX_CONFIG_SIZE];
	u64 v;
	int sock;

	if (read(fe->timer_fd, &v, sizeof(v)) != sizeof(v))
		return;
	pthread_mutex_lock(&fe->lock);
	if (fe->sock >= 0 || fe->closing)
		goto out;
	sock = vu_connect(fe->path, 0);
	if (sock < 0) {
		pr_debug("%s: back-end at %s not there yet: %s", fe->name, fe->path,
			 strerror(-sock));
		vhost_fe_arm_timer(fe, fe->backoff_ms);
		fe->backoff_ms = MIN(fe->backoff_ms * 2, fe->params.reconnect_max_ms);
		goto out;
	}
	pthread_mutex_lock(&fe->cfg_lock);
	memcpy(old, fe->config, sizeof(old));
	pthread_mutex_unlock(&fe->cfg_lock);
	if (fe_attach(fe, sock, false))
		goto out; /* it disconnected again, with its line, and re-armed the timer */
	pr_info("%s: back-end at %s is back%s", fe->name, fe->path,
		fe->running ? ": restarting its rings" : "");
	if (fe->type->connection_changed)
		fe->type->connection_changed(fe, true);
	if (fe->running && fe_start(fe))
		goto out;
	/* A back-end that came back different (a resized disk) says so through config. */
	if (fe->type->backend_config && memcmp(old, fe->config, fe->type->config_size))
		virtio_dev_config_changed(&fe->vd);
out:
	pthread_mutex_unlock(&fe->lock);
}

/* --- The virtio device --- */

static void fe_config_read(struct virtio_dev *vd, u32 off, void *data, unsigned len)
{
	struct vhost_fe *fe = vd->opaque;

	/* [off, off+len) is inside config_size ≤ sizeof(fe->config) (virtio_dev checked). */
	pthread_mutex_lock(&fe->cfg_lock);
	memcpy(data, fe->config + off, len);
	pthread_mutex_unlock(&fe->cfg_lock);
}

static void fe_config_write(struct virtio_dev *vd, u32 off, const void *data, unsigned len)
{
	struct vhost_fe *fe = vd->opaque;

	if (fe->type->config_write)
		fe->type->config_write(fe, off, data, len);
}

static bool fe_features_ok(struct virtio_dev *vd, u64 features)
{
	struct vhost_fe *fe = vd->opaque;

	return !fe->type->features_ok || fe->type->features_ok(fe, features);
}

static int fe_activate(struct virtio_dev *vd)
{
	struct vhost_fe *fe = vd->opaque;
	int ret = 0;

	pthread_mutex_lock(&fe->lock);
	if (fe->type->activate)
		ret = fe->type->activate(fe);
	for (unsigned q = 0; q < fe->nr_rings; q++) {
		struct vhost_fe_ring *r = &fe->rings[q];

		r->enabled = fe->type->ring_enabled ? fe->type->ring_enabled(fe, q) : true;
		r->restore = r->started = false;
		/*
		 * vhost-user SET_VRING_BASE, packed: next avail descriptor with
		 * its wrap counter in bits 0-15, the used pair in bits 16-31;
		 * virtio 1.2 §2.8.1: both start at slot 0 with wrap counter 1.
		 * (DPDK's vhost library takes a 0 as given: the driver's first
		 * descriptors would never look available.)
		 */
		r->base = virtio_has_feature(&fe->vd, VIRTIO_F_RING_PACKED) ? 0x80008000u : 0;
	}
	fe->running = true;
	fe->stats.running = true;
	/* Without a back-end now, the rings start when it is back (fe_timer_event). */
	if (!ret && fe->sock >= 0)
		fe_start(fe);
	if (ret) {
		fe->running = false;
		fe->stats.running = false;
	}
	pthread_mutex_unlock(&fe->lock);
	return ret;
}

static void fe_reset(struct virtio_dev *vd)
{
	struct vhost_fe *fe = vd->opaque;

	pthread_mutex_lock(&fe->lock);
	if (fe->type->reset)
		fe->type->reset(fe);
	fe_stop(fe);
	fe->running = false;
	fe->stats.running = false;
	pthread_mutex_unlock(&fe->lock);
}

/* --- Creation and destruction --- */

static void fe_free(struct vhost_fe *fe)
{
	if (fe->sock >= 0)
		close(fe->sock);
	if (fe->backend_sock >= 0)
		close(fe->backend_sock);
	for (unsigned q = 0; q < VIRTIO_MAX_QUEUES; q++) {
		if (fe->rings[q].own_call >= 0)
			close(fe->rings[q].own_call);
		if (fe->rings[q].err_fd >= 0)
			close(fe->rings[q].err_fd);
	}
	if (fe->timer_fd >= 0)
		close(fe->timer_fd);
	fe_drop_inflight(fe);
	pthread_mutex_destroy(&fe->lock);
	pthread_mutex_destroy(&fe->cfg_lock);
	free(fe->priv);
	free(fe);
}

static void fe_destroy(void *opaque)
{
	struct vhost_fe *fe = opaque;

	pthread_mutex_lock(&fe->lock);
	fe->closing = true; /* no reconnection from here on */
	pthread_mutex_unlock(&fe->lock);
	/* The transport, torn down first, already reset the device: this is a no-op then. */
	virtio_dev_destroy(&fe->vd);
	virtio_iothread_stop(&fe->thread);
	fe_free(fe);
}

static const struct vm_device_ops fe_vm_ops = {
	.name = "vhost-user",
	.destroy = fe_destroy,
};

struct vhost_fe *vhost_fe_find(struct vm *vm, const char *name)
{
	for (unsigned i = 0; i < vm->nr_devices; i++) {
		struct vhost_fe *fe = vm->devices[i].dev;

		if (vm->devices[i].ops == &fe_vm_ops && !strcmp(fe->name, name))
			return fe;
	}
	return NULL;
}

void vhost_fe_get_stats(struct vhost_fe *fe, struct vhost_fe_stats *st)
{
	pthread_mutex_lock(&fe->lock);
	*st = fe->stats;
	st->ring_errors = __atomic_load_n(&fe->stats.ring_errors, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&fe->lock);
}

/* Guest memory must be memfd regions the back-end can map, at most eight. */
static int fe_check_memory(const struct vm *vm, const char *name)
{
	const struct gmem *g = &vm->gmem;

	if (!g->nr || g->nr > VHOST_USER_MEM_TABLE_MAX) {
		pr_err("%s: guest memory has %u regions; vhost-user shares 1 to %u", name, g->nr,
		       VHOST_USER_MEM_TABLE_MAX);
		return -EINVAL;
	}
	for (unsigned i = 0; i < g->nr; i++) {
		if (g->r[i].fd < 0) {
			pr_err("%s: guest memory at 0x%llx is not shareable (no fd)", name,
			       (unsigned long long)g->r[i].gpa);
			return -EINVAL;
		}
	}
	return 0;
}

static int fe_rings_init(struct vhost_fe *fe)
{
	for (unsigned q = 0; q < fe->nr_rings; q++) {
		struct vhost_fe_ring *r = &fe->rings[q];
		int ret;

		r->own_call = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		r->err_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (r->own_call < 0 || r->err_fd < 0)
			return -errno;
		ret = evloop_add(&fe->thread.loop, r->own_call, EPOLLIN, fe_call_event, r);
		if (!ret)
			ret = evloop_add(&fe->thread.loop, r->err_fd, EPOLLIN, fe_err_event, r);
		if (ret)
			return ret;
	}
	return 0;
}

int vhost_fe_create(struct vm *vm, const struct vhost_fe_type *type, const char *name,
		    const char *path, const struct vhost_fe_params *p, bool packed, bool mmio,
		    void *priv, struct vhost_fe **out)
{
	unsigned nq = 0, nr_rings = 0;
	u64 local = 0, features;
	struct vhost_fe *fe;
	struct stat st;
	int sock, ret;

	if (!stat(path, &st) && !S_ISSOCK(st.st_mode)) {
		pr_err("%s: %s is not a unix socket", name, path);
		free(priv);
		return -ENOTSOCK;
	}
	if (strlen(path) >= sizeof(fe->path)) {
		pr_err("%s: socket path %s is too long", name, path);
		free(priv);
		return -ENAMETOOLONG;
	}
	ret = fe_check_memory(vm, name);
	if (ret) {
		free(priv);
		return ret;
	}
	fe = calloc(1, sizeof(*fe));
	if (!fe) {
		free(priv);
		return -ENOMEM;
	}
	fe->type = type;
	fe->vm = vm;
	fe->priv = priv;
	snprintf(fe->name, sizeof(fe->name), "%s", name);
	snprintf(fe->path, sizeof(fe->path), "%s", path);
	if (p)
		fe->params = *p;
	if (!fe->params.connect_timeout_ms)
		fe->params.connect_timeout_ms = VHOST_FE_CONNECT_TIMEOUT_MS;
	if (!fe->params.reply_timeout_ms)
		fe->params.reply_timeout_ms = VHOST_FE_REPLY_TIMEOUT_MS;
	if (!fe->params.reconnect_min_ms)
		fe->params.reconnect_min_ms = VHOST_FE_RECONNECT_MIN_MS;
	if (!fe->params.reconnect_max_ms)
		fe->params.reconnect_max_ms = VHOST_FE_RECONNECT_MAX_MS;
	fe->backoff_ms = fe->params.reconnect_min_ms;
	fe->sock = fe->backend_sock = fe->infl_fd = -1;
	for (unsigned q = 0; q < VIRTIO_MAX_QUEUES; q++)
		fe->rings[q] = (struct vhost_fe_ring){
			.fe = fe, .idx = q, .enabled = true, .own_call = -1, .err_fd = -1};
	fe->rl = (struct ratelimit)RATELIMIT_INIT;
	pthread_mutex_init(&fe->lock, NULL);
	pthread_mutex_init(&fe->cfg_lock, NULL);
	fe->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (fe->timer_fd < 0) {
		ret = -errno;
		goto err_free;
	}
	ret = virtio_iothread_init(&fe->thread, name);
	if (ret)
		goto err_free;
	ret = evloop_add(&fe->thread.loop, fe->timer_fd, EPOLLIN, fe_timer_event, fe);
	if (ret)
		goto err_thread;

	/* Decided: wait a bounded time for the back-end, then refuse to start. */
	sock = vu_connect(path, fe->params.connect_timeout_ms);
	if (sock < 0) {
		ret = sock;
		pr_err("%s: no vhost-user back-end at %s after %u ms: %s", name, path,
		       fe->params.connect_timeout_ms, strerror(-ret));
		goto err_thread;
	}
	pthread_mutex_lock(&fe->lock);
	ret = fe_attach(fe, sock, true);
	pthread_mutex_unlock(&fe->lock);
	if (ret) {
		pr_err("%s: cannot use the vhost-user back-end at %s", name, path);
		goto err_thread;
	}
	ret = type->setup(fe, &nq, &nr_rings, &local);
	if (ret)
		goto err_thread; /* setup said why */
	features = type->local_features | local | (fe->backend_features & type->forward_features);
	if (!packed)
		features &= ~BIT64(VIRTIO_F_RING_PACKED);
	if (type->offer)
		features = type->offer(fe, features);
	fe->offered_fwd = features & type->forward_features & fe->backend_features;
	fe->nr_rings = nr_rings;
	ret = fe_rings_init(fe);
	if (ret)
		goto err_thread;

	fe->ops = (struct virtio_dev_ops){
		.type = type->kind,
		.device_id = type->device_id,
		.config_read = fe_config_read,
		.config_write = fe_config_write,
		.features_ok = fe_features_ok,
		.activate = fe_activate,
		.reset = fe_reset,
	};
	ret = virtio_dev_init(&fe->vd, &fe->ops, fe, name, nq, VIRTIO_QUEUE_SIZE, features,
			      type->config_size);
	if (ret)
		goto err_thread;
	/*
	 * virtio_dev_init adds the bits every in-VMM device has; here the ring
	 * features are the back-end's to offer, and ACCESS_PLATFORM is not
	 * offered (the front-end sends no IOTLB messages).
	 */
	fe->vd.host_features = features;
	ret = virtio_iothread_start(&fe->thread);
	if (ret) {
		virtio_dev_destroy(&fe->vd);
		goto err_thread;
	}
	/* Registered before its transport, so the transport is torn down first. */
	ret = vm_add_device(vm, &fe_vm_ops, fe);
	if (ret) {
		pr_err("%s: too many devices", name);
		fe_destroy(fe);
		return ret;
	}
	pr_info("%s: vhost-user back-end at %s: features 0x%llx, protocol 0x%llx, %u rings", name,
		path, (unsigned long long)fe->backend_features, (unsigned long long)fe->protocol,
		nr_rings);
	if (out)
		*out = fe;
	return mmio ? virtio_mmio_create(vm, &fe->vd) : virtio_pci_create(vm, &fe->vd);

err_thread:
	pthread_mutex_lock(&fe->lock);
	fe->closing = true;
	pthread_mutex_unlock(&fe->lock);
	virtio_iothread_stop(&fe->thread);
err_free:
	fe_free(fe);
	return ret;
}
