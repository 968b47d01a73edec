/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A tiny vhost-user front-end for tests and benchmarks: it connects (or is
 * given a socket), negotiates features, shares memfd-backed guest memory,
 * builds split rings in that memory as a driver would, sets them up on the
 * back-end, kicks, and reads completions. It can also send any raw message
 * with any fds, which is how the hostile-peer tests speak.
 *
 * The back-end may be another process or, in unit tests, the same thread:
 * then `pump` is called after every message sent so the back-end handles it
 * before the front-end waits for a reply.
 */
#ifndef IOVIRT_TEST_VU_FRONTEND_H
#define IOVIRT_TEST_VU_FRONTEND_H

#include <linux/virtio_ring.h>

#include "iovirt/gmem.h"
#include "src/vhost/vu_msg.h"

struct vu_fe_ring {
	u16 num;
	gpa_t desc_gpa, avail_gpa, used_gpa;
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;
	u16 avail_idx;		/* next avail slot we fill */
	u16 last_used;		/* next used entry we read */
	u16 free_head;		/* simple allocator: descriptors handed out in order */
	int kick;		/* eventfd we write */
	int call;		/* eventfd the back-end writes */
};

struct vu_fe {
	int sock;
	int backend_sock;	/* our end of the back-end channel, or -1 */
	int last_fd;		/* fd that came with the last reply (caller closes), or -1 */
	struct gmem mem;	/* guest memory, uaddr == our hva */
	u64 features;		/* offered by the back-end */
	u64 proto;		/* acked protocol features */
	u64 acked;		/* acked virtio features */
	void (*pump)(void *opaque);
	void *pump_opaque;
	struct vu_fe_ring ring[8];
};

int vu_fe_init(struct vu_fe *fe, int sock);
void vu_fe_destroy(struct vu_fe *fe);

/* Raw traffic. vu_fe_recv: 0, or -errno (-ECONNRESET when the back-end closed). */
int vu_fe_send(struct vu_fe *fe, u32 req, u32 flags, const void *payload, u32 size,
	       const int *fds, unsigned nfds);
int vu_fe_recv(struct vu_fe *fe, struct vu_msg *reply);

/* A request whose reply is a u64 (GET_*), or whose REPLY_ACK status is wanted. */
int vu_fe_get_u64(struct vu_fe *fe, u32 req, u64 *v);
/* Send a u64/state/other request with need_reply; returns the back-end's status (0 ok). */
int vu_fe_request_ack(struct vu_fe *fe, u32 req, const void *payload, u32 size, const int *fds,
		      unsigned nfds);

/* SET_OWNER, GET/SET_FEATURES, GET/SET_PROTOCOL_FEATURES (REPLY_ACK always asked for). */
int vu_fe_negotiate(struct vu_fe *fe, u64 features, u64 proto);
/* Add a memfd region of guest memory; vu_fe_set_mem_table shares all of them. */
int vu_fe_add_memory(struct vu_fe *fe, gpa_t gpa, u64 size);
int vu_fe_set_mem_table(struct vu_fe *fe);

/* Lay out a split ring of num entries at gpa (desc, avail, used) and set it up on the back-end. */
int vu_fe_setup_ring(struct vu_fe *fe, unsigned idx, u16 num, gpa_t gpa);
/* Send the ring setup again for a ring already laid out (reconnect), with this base. */
int vu_fe_send_ring(struct vu_fe *fe, unsigned idx, u32 base);
/* Host pointer into guest memory, for filling buffers. */
void *vu_fe_gpa(struct vu_fe *fe, gpa_t gpa, u64 len);
/*
 * Make a chain of n buffers available: bufs[i] at gpa[i] with len[i],
 * writable[i] for device-writable ones. Returns the head, or -1.
 */
int vu_fe_add_chain(struct vu_fe *fe, unsigned idx, unsigned n, const gpa_t *gpa, const u32 *len,
		    const bool *writable);
void vu_fe_kick(struct vu_fe *fe, unsigned idx);
/* Next used entry: 1 with *id and *len, 0 when none. */
int vu_fe_get_used(struct vu_fe *fe, unsigned idx, u32 *id, u32 *len);
/* Wait (≤ timeout_ms) for the call eventfd; true when it fired. */
bool vu_fe_wait_call(struct vu_fe *fe, unsigned idx, int timeout_ms);
/* GET_VRING_BASE: stops the ring; the base comes back in *base. */
int vu_fe_stop_ring(struct vu_fe *fe, unsigned idx, u32 *base);

/* GET_CONFIG of len bytes at offset into buf; -EIO when the back-end answers "failed". */
int vu_fe_get_config(struct vu_fe *fe, u32 offset, void *buf, u32 len);
/*
 * Inflight tracking: GET_INFLIGHT_FD for nq queues of qsize (*fd and *size
 * are the area the back-end made; the caller keeps the fd), and
 * SET_INFLIGHT_FD to hand the same area to a restarted back-end.
 */
int vu_fe_get_inflight(struct vu_fe *fe, u16 nq, u16 qsize, int *fd, u64 *size);
int vu_fe_set_inflight(struct vu_fe *fe, u16 nq, u16 qsize, int fd, u64 size);
/* Lay out a split ring without telling the back-end (vu_fe_send_ring does that). */
int vu_fe_layout_ring(struct vu_fe *fe, unsigned idx, u16 num, gpa_t gpa);
/*
 * Use a ring laid out by someone else (a packed ring of mock_vq): its size
 * and the guest-physical addresses of its three parts. vu_fe_send_ring then
 * sets it up on the back-end; the split-ring helpers do not apply to it.
 */
void vu_fe_attach_ring(struct vu_fe *fe, unsigned idx, u16 num, gpa_t desc, gpa_t driver,
		       gpa_t device);

#endif
