// SPDX-License-Identifier: GPL-2.0-only
/*
 * virtio-console (virtio 1.2 §5.3), one port without MULTIPORT: receiveq0 and
 * transmitq0, the guest's hvc0. The host side is a struct console (the stdio
 * console of --console virtio).
 *
 * Guest output: the I/O thread pops transmitq chains and hands their readable
 * bytes to console_write(), which blocks rather than drop; a slow terminal
 * slows the guest, nothing is lost or reordered.
 *
 * Guest input: the console back-end asks how much room the port has
 * (rx_room: the writable bytes of one popped receiveq buffer) and delivers at
 * most that (rx: copied in, pushed at once — it is interactive input). With
 * no buffer the back-end keeps its input in the host fd; the driver's next
 * receiveq kick calls console_rx_ready() and delivery resumes. The receiveq
 * belongs to the back-end's thread (under rx_lock); the transmitq and the
 * kicks to the I/O thread.
 *
 * VIRTIO_CONSOLE_F_EMERG_WRITE: a byte written to emerg_wr is output at once,
 * before the queues are up (early boot messages).
 */
#include <errno.h>
#include <linux/virtio_console.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>

#include "iovirt/console.h"
#include "iovirt/virtio.h"
#include "iovirt/vm.h"

#define CON_RXQ		0
#define CON_TXQ		1
#define CON_IOV		64
#define CON_QUEUE_SIZE	128

struct virtio_console {
	struct virtio_dev vd;
	struct console *con;
	struct virtio_console_config config;
	struct virtio_iothread thread;
	bool started;
	/* transmitq, on the I/O thread */
	struct virtq_elem tx_elem;
	struct iovec tx_iov[CON_IOV];
	/* Guards the receiveq and everything below; taken by the console back-end's
	 * thread (inside its own rx lock) and by reset. */
	pthread_mutex_t rx_lock;
	bool rx_running;
	bool rx_have;			/* rx_elem popped, not yet pushed */
	struct virtq_elem rx_elem;
	struct iovec rx_iov[CON_IOV];
	struct ratelimit rl;
	u64 tx_bytes, rx_bytes, tx_errors;
};

/* A receive buffer to fill, popping one if needed. Called with rx_lock. */
static bool con_rx_buffer(struct virtio_console *vc)
{
	struct virtq *vq = &vc->vd.queues[CON_RXQ].vq;
	int ret;

	while (!vc->rx_have) {
		vc->rx_elem.iov = vc->rx_iov;
		vc->rx_elem.iov_max = CON_IOV;
		ret = virtq_pop(vq, &vc->rx_elem);
		if (ret < 0) {
			char why[64];

			snprintf(why, sizeof(why), "receiveq: %s", virtq_error_str(vq->error));
			virtio_dev_set_needs_reset(&vc->vd, why);
			vc->rx_running = false;
			return false;
		}
		if (ret == 0) {
			/* Ask for a kick when buffers come (EVENT_IDX: avail_event moves
			 * on); look once more in case they came meanwhile. */
			if (virtq_enable_notify(vq))
				continue;
			return false;
		}
		if (!vc->rx_elem.in_len) {
			/* Nothing writable: give it back used with 0 bytes. */
			virtq_push(vq, &vc->rx_elem, 0);
			virtq_flush(vq);
			continue;
		}
		vc->rx_have = true;
	}
	return true;
}

static size_t con_rx_room(void *opaque)
{
	struct virtio_console *vc = opaque;
	size_t room = 0;

	pthread_mutex_lock(&vc->rx_lock);
	if (vc->rx_running && !virtio_dev_broken(&vc->vd) && con_rx_buffer(vc))
		room = (size_t)MIN(vc->rx_elem.in_len, (u64)SIZE_MAX);
	pthread_mutex_unlock(&vc->rx_lock);
	return room;
}

static size_t con_rx(void *opaque, const u8 *buf, size_t len)
{
	struct virtio_console *vc = opaque;
	struct virtq *vq = &vc->vd.queues[CON_RXQ].vq;
	size_t n = 0;

	pthread_mutex_lock(&vc->rx_lock);
	if (vc->rx_running && !virtio_dev_broken(&vc->vd) && con_rx_buffer(vc)) {
		struct virtq_elem *e = &vc->rx_elem;

		n = virtio_iov_from_buf(e->iov + e->out_num, e->in_num, 0, buf, len);
		virtq_push(vq, e, (u32)n);
		vc->rx_have = false;
		vc->rx_bytes += n;
		virtq_flush(vq);
		if (virtq_should_notify(vq))
			virtio_dev_notify(&vc->vd, CON_RXQ);
	}
	pthread_mutex_unlock(&vc->rx_lock);
	return n;
}

static void con_rx_kick(void *opaque, u32 events)
{
	struct virtio_console *vc = opaque;

	virtio_eventfd_drain(vc->vd.queues[CON_RXQ].kick_fd);
	console_rx_ready(vc->con);
}

/* One transmitq chain: its readable buffers go out as they are. */
static u32 con_tx_one(void *opaque, struct virtq_elem *e)
{
	struct virtio_console *vc = opaque;

	/* GUEST: the readable buffers virtq_pop mapped. */
	for (unsigned i = 0; i < e->out_num; i++) {
		if (console_write(vc->con, e->iov[i].iov_base, e->iov[i].iov_len)) {
			vc->tx_errors++;
			break;
		}
		vc->tx_bytes += e->iov[i].iov_len;
	}
	return 0;
}

static void con_tx_kick(void *opaque, u32 events)
{
	struct virtio_console *vc = opaque;

	vc->tx_elem.iov = vc->tx_iov;
	vc->tx_elem.iov_max = CON_IOV;
	virtio_dev_serve_queue(&vc->vd, CON_TXQ, &vc->tx_elem, con_tx_one, vc, "transmitq");
}

static void con_reset(struct virtio_dev *vd)
{
	struct virtio_console *vc = vd->opaque;

	if (vc->started)
		virtio_iothread_stop(&vc->thread);
	vc->started = false;
	/* After this no back-end callback touches the receiveq. */
	pthread_mutex_lock(&vc->rx_lock);
	vc->rx_running = false;
	vc->rx_have = false;
	pthread_mutex_unlock(&vc->rx_lock);
}

static int con_activate(struct virtio_dev *vd)
{
	struct virtio_console *vc = vd->opaque;
	int ret;

	ret = virtio_iothread_init(&vc->thread, "virtio-console");
	if (ret)
		return ret;
	if (vd->queues[CON_TXQ].live)
		ret = evloop_add(&vc->thread.loop, vd->queues[CON_TXQ].kick_fd, EPOLLIN,
				 con_tx_kick, vc);
	if (!ret && vd->queues[CON_RXQ].live)
		ret = evloop_add(&vc->thread.loop, vd->queues[CON_RXQ].kick_fd, EPOLLIN,
				 con_rx_kick, vc);
	if (!ret)
		ret = virtio_iothread_start(&vc->thread);
	if (ret) {
		virtio_iothread_stop(&vc->thread);
		return ret;
	}
	vc->started = true;
	pthread_mutex_lock(&vc->rx_lock);
	vc->rx_running = vd->queues[CON_RXQ].live;
	pthread_mutex_unlock(&vc->rx_lock);
	/* Output queued before we started, and input waiting on the host side. */
	virtio_dev_queue_kick(vd, CON_TXQ);
	virtio_dev_queue_kick(vd, CON_RXQ);
	return 0;
}

static void con_config_read(struct virtio_dev *vd, u32 off, void *data, unsigned len)
{
	struct virtio_console *vc = vd->opaque;

	memcpy(data, (const u8 *)&vc->config + off, len);
}

static void con_config_write(struct virtio_dev *vd, u32 off, const void *data, unsigned len)
{
	struct virtio_console *vc = vd->opaque;
	u32 emerg = offsetof(struct virtio_console_config, emerg_wr);

	/* §5.3.4: emerg_wr takes one character (in its low byte) to output now. */
	if (off == emerg && virtio_has_feature(vd, VIRTIO_CONSOLE_F_EMERG_WRITE)) {
		u8 c = *(const u8 *)data;

		if (console_write(vc->con, &c, 1))
			vc->tx_errors++;
	}
}

static const struct virtio_dev_ops con_ops = {
	.type = "virtio-console",
	.device_id = VIRTIO_ID_CONSOLE,
	.config_read = con_config_read,
	.config_write = con_config_write,
	.activate = con_activate,
	.reset = con_reset,
};

static void con_destroy(void *opaque)
{
	struct virtio_console *vc = opaque;

	virtio_dev_destroy(&vc->vd);
	console_detach(vc->con);
	pthread_mutex_destroy(&vc->rx_lock);
	free(vc);
}

static const struct vm_device_ops con_vm_ops = {
	.name = "virtio-console",
	.destroy = con_destroy,
};

int virtio_console_create(struct vm *vm, struct console *con)
{
	struct console_port port;
	struct virtio_console *vc;
	int ret;

	vc = calloc(1, sizeof(*vc));
	if (!vc)
		return -ENOMEM;
	vc->con = con;
	vc->rl = (struct ratelimit)RATELIMIT_INIT;
	pthread_mutex_init(&vc->rx_lock, NULL);
	vc->config.max_nr_ports = cpu_to_le32(1);
	ret = virtio_dev_init(&vc->vd, &con_ops, vc, "virtio-console0", 2, CON_QUEUE_SIZE,
			      BIT64(VIRTIO_CONSOLE_F_EMERG_WRITE), sizeof(vc->config));
	if (ret)
		goto err_free;
	port = (struct console_port){ .rx_room = con_rx_room, .rx = con_rx, .opaque = vc };
	ret = console_attach(con, &port);
	if (ret) {
		pr_err("virtio-console: the console already has a device attached");
		goto err_vd;
	}
	/* Registered before its transport, so the transport is torn down first. */
	ret = vm_add_device(vm, &con_vm_ops, vc);
	if (ret) {
		console_detach(con);
		goto err_vd;
	}
	return virtio_pci_create(vm, &vc->vd);

err_vd:
	virtio_dev_destroy(&vc->vd);
err_free:
	pthread_mutex_destroy(&vc->rx_lock);
	free(vc);
	return ret;
}
