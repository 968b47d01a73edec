/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The host side of a NIC: a tap device with IFF_VNET_HDR, one fd per queue
 * (IFF_MULTI_QUEUE), with the offloads the guest negotiated pushed to the
 * kernel. Used by virtio-net, e1000 and the vswitch's uplink.
 */
#ifndef IOVIRT_TAP_H
#define IOVIRT_TAP_H

#include <net/if.h>

#include "types.h"

#define TAP_MAX_QUEUES 16

struct tap {
	char name[IFNAMSIZ];
	int fds[TAP_MAX_QUEUES];
	unsigned nr_queues;
	bool created;	/* we created a non-persistent interface */
};

/*
 * Open (creating it if absent) tap `name` with `queues` queues, vnet headers
 * of `vnet_hdr_len` bytes (10 or 12), non-blocking. One line on failure.
 */
int tap_open(struct tap *t, const char *name, unsigned queues, unsigned vnet_hdr_len) __must_check;
/* Use an fd opened by someone else (one queue); checks it is a tap with vnet headers. */
int tap_open_fd(struct tap *t, int fd, unsigned vnet_hdr_len) __must_check;
void tap_close(struct tap *t);
/* TUN_F_CSUM | TUN_F_TSO4 | ...: what the kernel may hand us (the guest's RX offloads). */
int tap_set_offload(struct tap *t, unsigned tun_flags) __must_check;
int tap_set_vnet_hdr_len(struct tap *t, unsigned len) __must_check;
/* Attach or detach queue q (TUNSETQUEUE): a detached queue receives nothing. */
int tap_set_queue_enabled(struct tap *t, unsigned q, bool enabled) __must_check;

#endif
