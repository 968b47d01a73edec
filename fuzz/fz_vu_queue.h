/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The queue handler of the vhost-user fuzz targets' back-end: it pops what
 * the (fuzzed) front-end made available, fills every writable byte and
 * pushes the chain back, so the rings and the inflight area are really used.
 * Include it in one fuzz_<target>.c; `completed` counts the chains (reset it
 * per input).
 */
#ifndef IOVIRT_FZ_VU_QUEUE_H
#define IOVIRT_FZ_VU_QUEUE_H

#include <string.h>

#include "iovirt/vhost_user.h"

/* Chains the device completed in this input (for FUZZ_VERBOSE). */
static unsigned completed;

static void handle_queue(struct vu_dev *dev, struct vu_queue *q)
{
	struct iovec iov[16];
	struct virtq_elem e;
	unsigned n = 0;

	virtq_elem_init(&e, iov, 16);
	/* Bounded: a hostile ring is refilled by nobody, but stay finite anyway. */
	while (n++ < 64 && vu_queue_pop(q, &e) == 1) {
		u32 w = 0;

		for (unsigned i = e.out_num; i < e.out_num + e.in_num; i++) {
			memset(e.iov[i].iov_base, 0xa5, e.iov[i].iov_len);
			w += (u32)e.iov[i].iov_len;
		}
		vu_queue_push(q, &e, w);
		completed++;
		virtq_elem_init(&e, iov, 16);
	}
}

#endif
