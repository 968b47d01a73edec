/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The vhost-user back-end library: it speaks the published protocol (QEMU
 * docs/interop/vhost-user.rst) on one unix socket per connection, maps the
 * front-end's guest memory, and hands each device implementation its
 * virtqueues through the shared virtq code. It owns no event loop and no
 * thread: the host program watches the fds the library gives it (the
 * connection socket, each queue's kick eventfd) and calls in when they are
 * readable — or busy-polls queues on a core of its own.
 *
 * Threads. Messages of one connection are handled on one thread (the caller
 * of vu_dev_dispatch). Each queue's data path may run on another thread; a
 * per-queue lock, taken by vu_queue_process() around the device's handler
 * and by vu_queue_lock() for work done outside it (asynchronous completions,
 * a switch filling another port's queue), fences it against ring and memory
 * changes made by the message thread.
 *
 * A malformed message closes that connection only: vu_dev_dispatch() logs one
 * line naming the violation and returns an error; the host program then
 * calls vu_dev_free(). Other connections are not affected.
 */
#ifndef IOVIRT_VHOST_USER_H
#define IOVIRT_VHOST_USER_H

#include "types.h"
#include "virtq.h"

struct vu_dev;
struct vu_queue;

/* Queues per device and memory slots per connection the library supports. */
#define VU_MAX_QUEUES 64
#define VU_MAX_MEM_SLOTS 32

struct vu_dev_ops {
	/*
	 * Virtio feature bits the device offers (VIRTIO_F_VERSION_1, ring
	 * features the virtq code implements, device bits). The library adds
	 * VHOST_USER_F_PROTOCOL_FEATURES and VHOST_F_LOG_ALL itself.
	 */
	u64 features;
	u16 num_queues;		/* GET_QUEUE_NUM; queue indexes are 0..num_queues-1 */
	u16 max_queue_size;	/* largest SET_VRING_NUM accepted (0: 32768) */
	bool inflight;		/* offer INFLIGHT_SHMFD (devices that complete out of order) */

	/* After SET_FEATURES. A nonzero return refuses the features (reply failure). */
	int (*set_features)(struct vu_dev *dev, u64 features);
	/* Config space (offers VHOST_USER_PROTOCOL_F_CONFIG when get_config is set). 0 or -errno. */
	int (*get_config)(struct vu_dev *dev, u32 offset, void *buf, u32 len);
	int (*set_config)(struct vu_dev *dev, u32 offset, const void *buf, u32 len, u32 flags);
	/*
	 * A queue became ready (rings mapped, started and enabled): the host
	 * program starts watching vu_queue_kick_fd(q) or polling it.
	 */
	void (*queue_start)(struct vu_dev *dev, struct vu_queue *q);
	/*
	 * A queue stops (GET_VRING_BASE, disable, memory change, reset,
	 * disconnect). The data path is already fenced out of the handler;
	 * before returning, the device completes (vu_queue_push under
	 * vu_queue_lock) or abandons every element it popped from q, and stops
	 * watching the kick fd.
	 */
	void (*queue_stop)(struct vu_dev *dev, struct vu_queue *q);
	/* Buffers may be available on q: pop, process, push. Called with q locked. */
	void (*handle_queue)(struct vu_dev *dev, struct vu_queue *q);
};

/*
 * Sockets. vu_listen: a server socket at path (a stale socket file is
 * replaced); vu_accept: the next connection; vu_connect: client mode,
 * retrying for up to timeout_ms while the server is not there yet.
 * Each returns an fd or -errno.
 */
int vu_listen(const char *path) __must_check;
int vu_accept(int listen_fd) __must_check;
int vu_connect(const char *path, unsigned timeout_ms) __must_check;

/* A connection on socket `sock` (the device takes ownership of it). NULL on ENOMEM. */
struct vu_dev *vu_dev_new(int sock, const struct vu_dev_ops *ops, void *opaque, const char *name);
/* Stop every queue (queue_stop), unmap, close every fd. */
void vu_dev_free(struct vu_dev *dev);

int vu_dev_fd(const struct vu_dev *dev);
void *vu_dev_opaque(const struct vu_dev *dev);
const char *vu_dev_name(const struct vu_dev *dev);
u64 vu_dev_features(const struct vu_dev *dev);		/* negotiated virtio features */
u64 vu_dev_protocol_features(const struct vu_dev *dev);
u8 vu_dev_status(const struct vu_dev *dev);		/* last SET_STATUS */

/*
 * The socket is readable: read and handle one message, reply if the protocol
 * says so. 0: go on. -ECONNRESET: the peer closed. -EPROTO: the peer broke the
 * protocol (one line was logged). Either way the host program then frees dev.
 */
int vu_dev_dispatch(struct vu_dev *dev) __must_check;

/* Tell the front-end the config space changed (BACKEND_CONFIG_CHANGE_MSG). */
int vu_dev_config_changed(struct vu_dev *dev) __must_check;

/* Statistics: protocol violations seen, IOTLB misses sent, pages logged. */
struct vu_dev_stats {
	u64 messages;
	u64 iotlb_misses;
	u64 log_writes;
};
void vu_dev_get_stats(const struct vu_dev *dev, struct vu_dev_stats *st);

/* ---- Queues ---- */

struct vu_queue *vu_dev_queue(struct vu_dev *dev, unsigned idx);
unsigned vu_queue_index(const struct vu_queue *q);
struct vu_dev *vu_queue_dev(const struct vu_queue *q);
/* The kick eventfd to watch in event mode, or -1 (front-end asked for polling). */
int vu_queue_kick_fd(const struct vu_queue *q);
/* Started (rings mapped, kick set) and enabled. Call with q locked. */
bool vu_queue_ready(const struct vu_queue *q);

/*
 * Poll mode: the front-end is told not to kick (notification suppression)
 * and the host program calls vu_queue_process(q) in its loop.
 */
void vu_queue_set_poll(struct vu_queue *q, bool poll);

/*
 * The entry point for the data path, in both modes: drain the kick eventfd
 * (event mode), then, if the queue is ready and has buffers, call the
 * device's handle_queue with q locked; publish what it pushed and notify the
 * driver if needed. Returns 0, or -EIO when the queue is broken.
 */
int vu_queue_process(struct vu_queue *q);

/* Lock a queue for work outside handle_queue; unlock publishes and notifies. */
void vu_queue_lock(struct vu_queue *q);
void vu_queue_unlock(struct vu_queue *q);

/*
 * With q locked: pop the next chain (1), nothing (0), -EIO broken. Buffers in
 * e->iov are host pointers into guest memory, valid until the element is
 * pushed or queue_stop returns. Elements in flight when a back-end restarted
 * (inflight tracking) come back first.
 */
int vu_queue_pop(struct vu_queue *q, struct virtq_elem *e) __must_check;
/*
 * With q locked: up to n chains into e[0..n) (iov/iov_max set by the caller),
 * as n calls of vu_queue_pop would take them but with the ring read ahead
 * (virtq_pop_batch). Returns how many (0: none), or -EIO when broken.
 */
int vu_queue_pop_batch(struct vu_queue *q, struct virtq_elem *e, unsigned n) __must_check;
/*
 * With q locked: give back the chains popped last (most recent first) so the
 * next pop returns them again — receive buffers a packet turned out not to
 * fit in. Not for elements handed out again after a restart (inflight).
 */
void vu_queue_unpop(struct vu_queue *q, const struct virtq_elem *e);
/*
 * With q locked, event mode: stop the driver's kicks while draining the ring,
 * and turn them on again when done. vu_queue_enable_notify returns true when
 * buffers came meanwhile: pop again rather than wait (virtio 1.2 §2.7.10).
 * With EVENT_IDX a device that never re-enables hears only one more kick.
 * In poll mode kicks stay off and enable returns whether buffers are there.
 */
void vu_queue_disable_notify(struct vu_queue *q);
bool vu_queue_enable_notify(struct vu_queue *q);
/* With q locked: return a chain with `written` bytes written (dirty-logged). */
void vu_queue_push(struct vu_queue *q, const struct virtq_elem *e, u32 written);
/* With q locked: vu_queue_push of e[0..n), written[i] bytes each (NULL: none written). */
void vu_queue_push_batch(struct vu_queue *q, const struct virtq_elem *e, const u32 *written,
			 unsigned n);
/* With q locked: publish pushed chains and signal the call fd if the driver wants it. */
void vu_queue_notify(struct vu_queue *q);

#endif
