/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A vhost-user back-end for tests of front-ends: the project's back-end
 * library (src/vhost/lib) serving a RAM disk (virtio-blk requests IN, OUT,
 * FLUSH, GET_ID) or a packet sink (virtio-net: transmit rings counted), on a
 * listening socket, in a thread of its own. The test can make it misbehave
 * as a real back-end would: hold requests without completing them, drop the
 * connection as a crash does, stop listening for a while, change its config
 * space and say so (CONFIG_CHANGE_MSG).
 */
#ifndef IOVIRT_TEST_VU_TEST_BACKEND_H
#define IOVIRT_TEST_VU_TEST_BACKEND_H

#include "iovirt/types.h"

struct vtb;

enum vtb_kind { VTB_BLK, VTB_NET };

struct vtb_opts {
	enum vtb_kind kind;
	unsigned num_queues; /* rings */
	u64 disk_size;	     /* VTB_BLK: bytes */
	bool inflight;	     /* offer INFLIGHT_SHMFD */
	u64 features;	     /* virtio bits offered (0: a sensible set for the kind) */
};

struct vtb *vtb_start(const char *path, const struct vtb_opts *o);
void vtb_stop(struct vtb *b);

/* Pop requests but do not complete them (they are in flight at the next crash). */
void vtb_set_hold(struct vtb *b, bool hold);
/* Drop the connection as a crash would (requests held are abandoned). Waits until done. */
void vtb_crash(struct vtb *b);
/* Close (false) or reopen (true) the listening socket. */
void vtb_listen(struct vtb *b, bool on);
/* Set the capacity (sectors) and send CONFIG_CHANGE_MSG. Waits until sent. */
void vtb_change_capacity(struct vtb *b, u64 sectors);

u8 *vtb_disk(struct vtb *b);
/* Requests executed (blk) or frames received on transmit rings (net). */
unsigned vtb_done(struct vtb *b);
/* Requests popped while holding. */
unsigned vtb_held(struct vtb *b);
unsigned vtb_connections(struct vtb *b);
bool vtb_connected(struct vtb *b);
/* State of ring q on the current connection (false when none). */
bool vtb_ring_started(struct vtb *b, unsigned q);
bool vtb_ring_enabled(struct vtb *b, unsigned q);
/* The value of the last SET_VRING_BASE for ring q, while it runs (as sent, raw). */
u32 vtb_ring_base(struct vtb *b, unsigned q);
/* The user addresses the front-end gave for ring q. */
void vtb_ring_addrs(struct vtb *b, unsigned q, u64 *desc, u64 *avail, u64 *used);
/* Acked virtio features and protocol features of the current connection. */
u64 vtb_features(struct vtb *b);
u64 vtb_protocol(struct vtb *b);
/* Writes of every sector number seen (blk), to count duplicates. */
unsigned vtb_writes_of(struct vtb *b, u64 sector);

#endif
