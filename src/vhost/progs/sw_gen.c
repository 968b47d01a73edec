// SPDX-License-Identifier: GPL-2.0-only
/*
 * The vswitch's frame generator (--uplink gen=BYTES): a port with no peer
 * that offers a batch of broadcast frames of BYTES bytes at every visit of
 * its polling worker, and takes whatever is forwarded to it (counted as
 * sent, then discarded). It measures the receive side of the switch alone —
 * frames flooded into the vhost-user ports' receive rings as fast as their
 * drivers give buffers — the way DPDK's testpmd txonly drives a vhost port
 * (bench/vhost-net.sh, mode rxonly). The frame is one buffer of the port's,
 * built once; what the switch copies out of it is what it would copy out
 * of a sender's transmit buffer.
 */
#include <errno.h>
#include <stdlib.h>

#include "sw.h"

int sw_port_init_gen(struct sw_port *p, unsigned bytes)
{
	/* A locally administered source, the broadcast destination, the IEEE local experimental type. */
	static const u8 head[14] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0x00,
				     0x00, 0x00, 0x00, 0x01, 0x88, 0xb5 };

	if (bytes < SW_GEN_MIN || bytes > SW_FRAME_MAX)
		return -EINVAL;
	p->kind = SW_PORT_GEN;
	p->gen_frame = calloc(1, bytes);
	if (!p->gen_frame)
		return -ENOMEM;
	memcpy(p->gen_frame, head, sizeof(head));
	for (unsigned i = sizeof(head); i < bytes; i++)
		p->gen_frame[i] = (u8)i;
	p->gen_iov = (struct iovec){ p->gen_frame, bytes };
	return 0;
}

void sw_gen_fini(struct sw_port *p)
{
	free(p->gen_frame);
	p->gen_frame = NULL;
}

bool sw_gen_poll(struct sw_worker *w, struct sw_port *p)
{
	for (unsigned i = 0; i < SW_BATCH; i++)
		w->pkt[i] = (struct sw_pkt){ .iov = &p->gen_iov, .niov = 1,
					     .len = (u32)p->gen_iov.iov_len };
	atomic_fetch_add_explicit(&p->st.rx_packets, SW_BATCH, memory_order_relaxed);
	atomic_fetch_add_explicit(&p->st.rx_bytes, (u64)SW_BATCH * p->gen_iov.iov_len,
				  memory_order_relaxed);
	w->now = sw_coarse_ns();
	sw_forward(w, p, 0, SW_BATCH);
	return true;
}

void sw_gen_deliver(struct sw_port *p, struct sw_pkt **pkts, unsigned n)
{
	u64 bytes = 0;

	for (unsigned i = 0; i < n; i++)
		bytes += pkts[i]->len;
	atomic_fetch_add_explicit(&p->st.tx_packets, n, memory_order_relaxed);
	atomic_fetch_add_explicit(&p->st.tx_bytes, bytes, memory_order_relaxed);
}
