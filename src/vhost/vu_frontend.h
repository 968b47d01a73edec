/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The vhost-user front-end's private state, shared by the generic part
 * (vu_frontend.c: connection, negotiation, rings, reconnection) and the
 * device types (vu_frontend_blk.c, vu_frontend_net.c), which say which
 * feature bits the VMM implements itself and which it forwards, where the
 * config space comes from, and what the VMM runs itself (net's control
 * queue).
 *
 * Locks, outermost first: vd->lock (virtio device registers, held by the
 * device model around activate/reset) → fe->lock (the connection: socket,
 * negotiated state, every ring's vhost-side state; held across a request and
 * its reply) → fe->cfg_lock (the config space copy, so a config read never
 * waits for the back-end). The front-end's thread takes fe->lock, never
 * vd->lock.
 */
#ifndef IOVIRT_VHOST_VU_FRONTEND_H
#define IOVIRT_VHOST_VU_FRONTEND_H

#include <pthread.h>

#include "iovirt/vhost_frontend.h"
#include "iovirt/virtio.h"
#include "vu_msg.h"

struct vhost_fe;

struct vhost_fe_type {
	const char *kind; /* "vhost-user-blk" */
	u32 device_id;
	/* Virtio bits the VMM implements (offered whatever the back-end says). */
	u64 local_features;
	/* Bits the back-end implements: offered when it offers them, acked to it. */
	u64 forward_features;
	/* Protocol features the type uses beyond the generic ones. */
	u64 protocol_features;
	/* Config space comes from GET_CONFIG (needs PROTOCOL_F_CONFIG). */
	bool backend_config;
	/* GET_INFLIGHT_FD at start, SET_INFLIGHT_FD after a reconnect. */
	bool inflight;
	/* GET_QUEUE_NUM counts queue pairs (vhost-user-net) rather than rings. */
	bool queue_num_pairs;
	/* Optional hooks. */
	bool (*features_ok)(struct vhost_fe *fe, u64 features);
	/* At creation: the bits the guest is offered, from the candidate set. */
	u64 (*offer)(struct vhost_fe *fe, u64 features);
	void (*config_write)(struct vhost_fe *fe, u32 off, const void *data, unsigned len);
	/* DRIVER_OK, fe->lock held, before the rings are handed over. */
	int (*activate)(struct vhost_fe *fe);
	/* Reset, fe->lock held, after the rings were taken back. */
	void (*reset)(struct vhost_fe *fe);
	/* Rings handed over with the negotiated features (net without MQ: the first pair). */
	unsigned (*active_rings)(struct vhost_fe *fe);
	/* Whether ring q starts enabled (net: pairs beyond the first wait for the driver). */
	bool (*ring_enabled)(struct vhost_fe *fe, unsigned q);
	/* fe->config was fetched again from the back-end (fe->lock held). */
	void (*config_fetched)(struct vhost_fe *fe);
	/* The back-end came (true) or went (false); fe->lock held. */
	void (*connection_changed)(struct vhost_fe *fe, bool up);
	/*
	 * At creation, after the first negotiation: the queues the device has,
	 * the first nr_rings of which go to the back-end, and the bits the VMM
	 * adds itself (beyond local_features). fe->backend_features,
	 * fe->backend_queues and, with backend_config, fe->config are known.
	 */
	int (*setup)(struct vhost_fe *fe, unsigned *nr_queues, unsigned *nr_rings, u64 *local);
	u32 config_size; /* bytes of device config space */
};

/* One ring as handed to the back-end. */
struct vhost_fe_ring {
	struct vhost_fe *fe;
	unsigned idx;
	bool started; /* SET_VRING_KICK sent on the current connection */
	bool enabled; /* what SET_VRING_ENABLE last said (or should say) */
	bool restore; /* base must come from guest memory (back-end lost) */
	u32 base;     /* next avail index (split), or the packed pair */
	int own_call; /* our eventfd when the transport has no irqfd */
	int err_fd;   /* the back-end signals ring errors here */
};

struct vhost_fe {
	struct virtio_dev vd;
	const struct vhost_fe_type *type;
	struct vm *vm;
	char name[32];	/* "vhost-user-blk0" */
	char path[108]; /* the back-end's socket */
	struct vhost_fe_params params;
	struct virtio_dev_ops ops; /* the device model's view of this device */
	unsigned nr_rings;	   /* rings the back-end processes: 0..nr_rings-1 */
	void *priv;		   /* the device type's state */

	pthread_mutex_t lock;	 /* see the file comment */
	int sock;		 /* -1: disconnected */
	int backend_sock;	 /* our end of the back-end channel, or -1 */
	bool running;		 /* the device is active (DRIVER_OK seen, not reset) */
	bool closing;		 /* being destroyed: no reconnection */
	u64 offered_fwd;	 /* forwarded bits offered to the guest (fixed at creation) */
	u64 backend_features;	 /* GET_FEATURES (current connection) */
	unsigned backend_queues; /* GET_QUEUE_NUM (0: not told) */
	u64 protocol;		 /* acked protocol features (current connection) */
	u64 acked;		 /* SET_FEATURES of the running device */
	struct vhost_fe_ring rings[VIRTIO_MAX_QUEUES];
	/* Inflight area: the back-end's, kept here across its restarts. */
	int infl_fd;
	struct vu_inflight infl;
	/* Reconnection. */
	int timer_fd;
	unsigned backoff_ms;
	struct virtio_iothread thread; /* the front-end's own thread (events, reconnection) */
	struct vhost_fe_stats stats;
	struct ratelimit rl;

	pthread_mutex_t cfg_lock; /* guards config[] */
	u8 config[VHOST_USER_MAX_CONFIG_SIZE];
};

/*
 * Creation, for the device types: connect (bounded wait), negotiate, let
 * the type decide the queues (setup), build the virtio device and put it on
 * its transport (virtio-mmio when `mmio`). On error everything is
 * undone and one line said why.
 */
int vhost_fe_create(struct vm *vm, const struct vhost_fe_type *type, const char *name,
		    const char *path, const struct vhost_fe_params *p, bool packed, bool mmio,
		    void *priv, struct vhost_fe **out) __must_check;

/*
 * A request with fe->lock held. With `reply`, the reply is checked
 * (vu_reply_check) and returned in *reply (its fd, GET_INFLIGHT_FD only, in
 * *reply_fd). Without, a REPLY_ACK status is awaited when negotiated and a
 * non-zero status is -EREMOTEIO. A transport error or a broken reply
 * disconnects (one log line) and returns -ENOTCONN.
 */
int vhost_fe_request(struct vhost_fe *fe, u32 request, const void *payload, u32 size,
		     const int *fds, unsigned nfds, struct vu_msg *reply, int *reply_fd);
int vhost_fe_request_ex(struct vhost_fe *fe, u32 request, const void *payload, u32 size,
			const int *fds, unsigned nfds, struct vu_msg *reply, int *reply_fd,
			bool refusal_fatal);
int vhost_fe_get_u64(struct vhost_fe *fe, u32 request, u64 *v);
int vhost_fe_set_u64(struct vhost_fe *fe, u32 request, u64 v);
int vhost_fe_set_state(struct vhost_fe *fe, u32 request, unsigned q, u32 num);
/* After connecting (vu_frontend_conn.c); `first` at creation. fe->lock held. */
int vhost_fe_negotiate(struct vhost_fe *fe, bool first);
/* Close the connection: one log line, rings frozen, reconnection armed. fe->lock held. */
void vhost_fe_disconnect(struct vhost_fe *fe, bool violation, const char *fmt, ...) __printf(3, 4);
void vhost_fe_arm_timer(struct vhost_fe *fe, unsigned ms);
/* Event handlers of the request socket and the back-end channel (take fe->lock). */
void vhost_fe_sock_event(void *opaque, u32 events);
void vhost_fe_backend_event(void *opaque, u32 events);
/* Enable or disable ring q on the back-end (fe->lock held; remembered while disconnected). */
int vhost_fe_ring_enable(struct vhost_fe *fe, unsigned q, bool enable);
/* Fetch config [0, len) from the back-end into fe->config (fe->lock held). */
int vhost_fe_fetch_config(struct vhost_fe *fe, u32 len);

static inline bool vhost_fe_has_proto(const struct vhost_fe *fe, unsigned bit)
{
	return fe->protocol & BIT64(bit);
}

#endif
