/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The vhost-user front-end: a virtio device (blk or net, on virtio-pci or
 * virtio-mmio) whose queues are processed by another process, the back-end,
 * reached over a unix socket with the published protocol (QEMU
 * docs/interop/vhost-user.rst). The VMM keeps the device model — status,
 * feature negotiation, transport registers, and for net the control queue
 * and config space — and hands the back-end guest memory (memfd regions,
 * SET_MEM_TABLE), each live ring's addresses, its kick eventfd (signalled by
 * KVM's ioeventfd: a guest kick never exits to the VMM) and its call eventfd
 * (the MSI-X vector's irqfd: KVM injects the interrupt; a masked vector's
 * events become its pending bit).
 *
 * Connection: client mode. At start the VMM waits a bounded time for the
 * socket (a path that exists and is not a socket is an error at once);
 * features the guest is offered are the device model's own bits plus those
 * the back-end offers. If the back-end goes away later (EOF, or a reply that
 * breaks the protocol: one log line naming the rule), the guest keeps running
 * with its I/O stalled, and a thread reconnects with back-off, negotiates
 * again, restores each ring (split: the used index in guest memory is the
 * authority; with INFLIGHT_SHMFD the back-end resubmits what was in flight)
 * and resumes.
 */
#ifndef IOVIRT_VHOST_FRONTEND_H
#define IOVIRT_VHOST_FRONTEND_H

#include "types.h"

struct vm;
struct disk_config;
struct net_config;
struct vhost_fe;

/* Timing of one front-end. Zero fields take the defaults below. */
struct vhost_fe_params {
	unsigned connect_timeout_ms; /* wait for the socket at creation */
	unsigned reply_timeout_ms;   /* a reply later than this: the back-end is gone */
	unsigned reconnect_min_ms;   /* first retry after a disconnect */
	unsigned reconnect_max_ms;   /* back-off ceiling */
};

#define VHOST_FE_CONNECT_TIMEOUT_MS 10000
#define VHOST_FE_REPLY_TIMEOUT_MS   5000
#define VHOST_FE_RECONNECT_MIN_MS   100
#define VHOST_FE_RECONNECT_MAX_MS   2000

/* --disk vhost-user=SOCK[,queues=N][,transport=mmio][,packed=on]. */
int vhost_user_blk_create(struct vm *vm, const struct disk_config *dc, unsigned index,
			  const struct vhost_fe_params *p) __must_check;
/* --net vhost-user=SOCK[,mac=MAC][,queues=N][,transport=mmio][,packed=on]. */
int vhost_user_net_create(struct vm *vm, const struct net_config *nc, unsigned index,
			  const struct vhost_fe_params *p) __must_check;

/* The front-end of device `name` ("vhost-user-blk0") on vm, or NULL (tests, monitoring). */
struct vhost_fe *vhost_fe_find(struct vm *vm, const char *name);

struct vhost_fe_stats {
	bool connected;
	bool running; /* rings handed to the back-end (DRIVER_OK) */
	u64 connects; /* successful negotiations, the first included */
	u64 disconnects;
	u64 violations;	       /* back-end messages that broke the protocol */
	u64 config_changes;    /* CONFIG_CHANGE_MSG received */
	u64 ring_errors;       /* events on a ring's error fd */
	u64 backend_features;  /* GET_FEATURES of the current connection */
	u64 protocol_features; /* acked */
	u64 acked_features;    /* SET_FEATURES */
	unsigned inflight_fd;  /* 1 when an inflight area is held */
};
void vhost_fe_get_stats(struct vhost_fe *fe, struct vhost_fe_stats *st);

#endif
