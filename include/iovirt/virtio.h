/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The virtio device model, independent of its transport (virtio 1.2 §2, §3).
 *
 * A device (blk, net, console, rng) fills a struct virtio_dev_ops and calls
 * virtio_dev_init(); a transport (virtio-pci modern, virtio-mmio v2) owns the
 * registers and forwards what the driver writes to the virtio_dev_* calls
 * below: feature words, status, queue set-up, device config. The device model
 * runs the status machine and feature negotiation (§2.1, §2.2, §3.1.1), brings
 * the virtqueues up on DRIVER_OK and down on reset, and puts the device in
 * DEVICE_NEEDS_RESET when a queue breaks (§2.1.2). Devices never see their
 * transport: they call virtio_dev_notify() and the transport picks MSI-X,
 * INTx + ISR or the MMIO interrupt line.
 *
 * Threads: register writes arrive on vCPU threads and are serialised by
 * vd->lock; queue processing runs on I/O threads (struct virtio_iothread),
 * which the device starts in ops->activate and stops (joins) in ops->reset.
 * Only vd->status's NEEDS_RESET bit and interrupt delivery are touched from
 * I/O threads, both lock-free.
 */
#ifndef IOVIRT_VIRTIO_H
#define IOVIRT_VIRTIO_H

#include <linux/virtio_config.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_ring.h>
#include <pthread.h>

#include "dma.h"
#include "evloop.h"
#include "log.h"
#include "types.h"
#include "virtq.h"

struct vm;

#define VIRTIO_MAX_QUEUES	65	/* 64 blk queues, or 32 net pairs + control */
#define VIRTIO_QUEUE_SIZE	256	/* default maximum ring size a device offers */
#define VIRTIO_NO_VECTOR	0xffff	/* VIRTIO_MSI_NO_VECTOR */

/* Feature bits every iovirt device offers (added by virtio_dev_init). */
#define VIRTIO_COMMON_FEATURES                                                                     \
	(BIT64(VIRTIO_F_VERSION_1) | BIT64(VIRTIO_F_ACCESS_PLATFORM) |                             \
	 BIT64(VIRTIO_RING_F_EVENT_IDX) | BIT64(VIRTIO_RING_F_INDIRECT_DESC))

struct virtio_dev;

/* Filled by each device type; constant. */
struct virtio_dev_ops {
	const char *type;	/* "virtio-blk", for messages */
	u32 device_id;		/* VIRTIO_ID_BLOCK, ... */
	/* Device-specific config space, [off, off+len) already checked against config_size. */
	void (*config_read)(struct virtio_dev *vd, u32 off, void *data, unsigned len);
	void (*config_write)(struct virtio_dev *vd, u32 off, const void *data, unsigned len);
	/* Device-specific checks of the features the driver accepted (dependencies between
	 * bits, §5.x.3.1). false refuses FEATURES_OK. Optional. */
	bool (*features_ok)(struct virtio_dev *vd, u64 features);
	/* DRIVER_OK: the enabled queues are live (vq ready) with vd->features negotiated.
	 * Start processing (I/O threads). Nonzero puts the device in NEEDS_RESET. */
	int (*activate)(struct virtio_dev *vd);
	/* Device reset: on return no I/O thread touches a queue or guest memory any more
	 * and nothing is in flight. Called only after a successful activate. */
	void (*reset)(struct virtio_dev *vd);
};

/* Filled by the transport. Called from any thread, lock-free where noted. */
struct virtio_transport_ops {
	/* Used buffers on queue q (I/O thread). */
	void (*notify_queue)(struct virtio_dev *vd, unsigned q);
	/* Configuration change (§2.5.2): device config or NEEDS_RESET. */
	void (*notify_config)(struct virtio_dev *vd);
	/* The eventfd that raises queue q's interrupt (vhost-user call fd), or -1 when the
	 * transport cannot offer one (INTx, MSI-X off, vector unassigned). */
	int (*queue_irqfd)(struct virtio_dev *vd, unsigned q);
};

/* One virtqueue as the driver configured it (§2.6, §4.1.4.3, §4.2.2). */
struct virtio_queue {
	u16 max_size;		/* what the device offers */
	u16 size;		/* queue_size / QueueNum as the driver wrote it */
	bool enabled;		/* queue_enable / QueueReady written 1 */
	u64 desc;		/* ring addresses (GPA, or IOVA behind an IOMMU) */
	u64 driver;
	u64 device;
	u16 msix_vector;	/* PCI: queue_msix_vector (VIRTIO_NO_VECTOR when none) */
	int kick_fd;		/* eventfd the transport's ioeventfd signals */
	bool live;		/* vq initialised at DRIVER_OK */
	struct virtq vq;	/* device-side ring state (owned by the I/O thread once live) */
	char name[48];		/* "virtio-blk0 q1" */
};

struct virtio_dev {
	const struct virtio_dev_ops *ops;
	void *opaque;			/* the device's own state */
	char name[32];			/* "virtio-blk0" */
	u32 config_size;		/* bytes of device config space */
	u64 host_features;		/* offered */
	u64 driver_features;		/* as the driver writes them */
	bool driver_features_hi;	/* driver set bits ≥ 64 (never offered) */
	u64 features;			/* negotiated: valid from FEATURES_OK on */
	u8 status;			/* device_status; NEEDS_RESET set atomically */
	u8 config_generation;		/* bumped on every config change */
	bool broken;			/* NEEDS_RESET raised: I/O threads stop */
	bool active;			/* ops->activate succeeded, ops->reset owed */
	unsigned nr_queues;
	struct virtio_queue queues[VIRTIO_MAX_QUEUES];

	const struct dma_as *dma;	/* every guest access (set by the transport) */
	const struct virtio_transport_ops *tops;
	void *transport;

	/* Guards status/feature/queue registers against concurrent vCPUs; held across
	 * activate and reset, never taken by I/O threads. */
	pthread_mutex_t lock;
	struct ratelimit rl;		/* driver protocol violations */
	u64 needs_reset_count;
};

/*
 * Set up the model. `features` are the device-type bits; VIRTIO_COMMON_FEATURES are
 * added. Creates one kick eventfd per queue. Returns 0 or -errno.
 */
int virtio_dev_init(struct virtio_dev *vd, const struct virtio_dev_ops *ops, void *opaque,
		    const char *name, unsigned nr_queues, u16 queue_max_size, u64 features,
		    u32 config_size) __must_check;
/* Reset (stopping the device) and close the kick eventfds. */
void virtio_dev_destroy(struct virtio_dev *vd);
void virtio_dev_set_transport(struct virtio_dev *vd, const struct virtio_transport_ops *tops,
			      void *transport, const struct dma_as *dma);

/* --- Register interface, called by transports (vCPU threads) --- */
u32 virtio_dev_read_device_features(struct virtio_dev *vd, u32 sel);
u32 virtio_dev_read_driver_features(struct virtio_dev *vd, u32 sel);
void virtio_dev_write_driver_features(struct virtio_dev *vd, u32 sel, u32 val);
u8 virtio_dev_read_status(struct virtio_dev *vd);
/* device_status write (§2.1): 0 resets; FEATURES_OK and DRIVER_OK are checked. */
void virtio_dev_write_status(struct virtio_dev *vd, u8 val);
/* The queue q's registers, or NULL when q does not exist. */
struct virtio_queue *virtio_dev_queue(struct virtio_dev *vd, unsigned q);
/* Whether the driver may still change queue q's size/addresses (not yet enabled/live). */
bool virtio_dev_queue_writable(struct virtio_dev *vd, unsigned q);
/* queue_enable / QueueReady = 1. */
void virtio_dev_queue_enable(struct virtio_dev *vd, unsigned q);
/* QueueReady = 0 (virtio-mmio): honoured before DRIVER_OK only. */
void virtio_dev_queue_disable(struct virtio_dev *vd, unsigned q);
/* A notification that reached the register (no ioeventfd bound): signal the kick fd. */
void virtio_dev_queue_kick(struct virtio_dev *vd, unsigned q);
void virtio_dev_config_read(struct virtio_dev *vd, u32 off, void *data, unsigned len);
void virtio_dev_config_write(struct virtio_dev *vd, u32 off, const void *data, unsigned len);

/* --- Device side (I/O threads) --- */
static inline bool virtio_has_feature(const struct virtio_dev *vd, unsigned bit)
{
	return vd->features & BIT64(bit);
}

/* Interrupt for used buffers on queue q. */
void virtio_dev_notify(struct virtio_dev *vd, unsigned q);
/* Device config changed (generation bumped, config interrupt). */
void virtio_dev_config_changed(struct virtio_dev *vd);
/*
 * A queue broke (virtq_pop returned -EIO) or the device cannot go on: set
 * DEVICE_NEEDS_RESET, one log line naming the device, a config interrupt.
 * Idempotent; the device stops processing until the driver resets it.
 */
void virtio_dev_set_needs_reset(struct virtio_dev *vd, const char *why);
static inline bool virtio_dev_broken(const struct virtio_dev *vd)
{
	return __atomic_load_n(&vd->broken, __ATOMIC_ACQUIRE);
}
/*
 * Serve queue q until the driver has nothing more for it: each chain is popped
 * into elem (its iov and iov_max set by the caller), handed to handle(), which
 * returns the bytes it wrote into the chain, and pushed; the batch is
 * published with one interrupt (if the driver wants it). Notifications stay
 * off while serving (§2.7.10); a broken ring puts the device in
 * DEVICE_NEEDS_RESET naming `what`. For request queues served whole on one
 * thread, whose requests complete at once (console transmitq, rng requestq).
 */
typedef u32 (*virtio_handle_fn)(void *opaque, struct virtq_elem *e);
void virtio_dev_serve_queue(struct virtio_dev *vd, unsigned q, struct virtq_elem *elem,
			    virtio_handle_fn handle, void *opaque, const char *what);
/* Eventfd raising queue q's interrupt, or -1 (see virtio_transport_ops.queue_irqfd). */
int virtio_dev_queue_irqfd(struct virtio_dev *vd, unsigned q);

/*
 * An I/O thread: one evloop, one pthread. Devices add their kick/back-end fds
 * before virtio_iothread_start() and stop it in ops->reset. Optional adaptive
 * polling: when poll_ns > 0, after waking the thread calls poll_fn(opaque,
 * false) until it has found no work for poll_ns (guest notifications stay off
 * meanwhile); then poll_fn(opaque, true) re-enables them and re-checks: true
 * there means work arrived and polling goes on, false lets the thread sleep.
 */
typedef bool (*virtio_poll_fn)(void *opaque, bool sleeping);

struct virtio_iothread {
	struct evloop loop;
	pthread_t thread;
	bool running;
	bool initialised;
	u64 poll_ns;
	virtio_poll_fn poll_fn;
	void *poll_opaque;
	/*
	 * Run as SCHED_BATCH: a kick or a completion that wakes this thread does
	 * not preempt the thread running on that CPU (on a shared CPU, the vCPU
	 * that kicked). The guest then goes on queueing requests, with kicks
	 * suppressed, until its vCPU halts or its time slice ends, and the
	 * thread serves them in one batch with one interrupt. Set before start.
	 */
	bool sched_batch;
	char name[48];
};

int virtio_iothread_init(struct virtio_iothread *t, const char *name) __must_check;
int virtio_iothread_start(struct virtio_iothread *t) __must_check;
/* Stop and join the thread, then destroy its loop (handlers included). */
void virtio_iothread_stop(struct virtio_iothread *t);

/* Read (and clear) an eventfd; true if it had been signalled. */
bool virtio_eventfd_drain(int fd);

/*
 * Copy helpers over an iovec array (the buffers of a popped chain): they stop at
 * the end of the array and return the bytes copied.
 */
size_t virtio_iov_to_buf(const struct iovec *iov, unsigned n, size_t off, void *buf, size_t len);
size_t virtio_iov_from_buf(const struct iovec *iov, unsigned n, size_t off, const void *buf,
			   size_t len);
size_t virtio_iov_size(const struct iovec *iov, unsigned n);

/* --- Devices and transports (created by the machine) --- */
struct disk_config;
struct net_config;

/* Place vd on the PCI host bridge (virtio-pci modern, §4.1). */
int virtio_pci_create(struct vm *vm, struct virtio_dev *vd) __must_check;
/* Place vd in the next platform MMIO slot (virtio-mmio v2, §4.2). */
int virtio_mmio_create(struct vm *vm, struct virtio_dev *vd) __must_check;

int virtio_blk_create(struct vm *vm, const struct disk_config *dc, unsigned index) __must_check;
int virtio_net_create(struct vm *vm, const struct net_config *nc, unsigned index) __must_check;
struct console;
/* virtio-console on a console back-end (attached as its port). */
int virtio_console_create(struct vm *vm, struct console *con) __must_check;
int virtio_rng_create(struct vm *vm) __must_check;

#endif
