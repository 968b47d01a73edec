// SPDX-License-Identifier: GPL-2.0-only
/*
 * The vswitch's uplink: a tap device with 12-byte virtio-net headers
 * (IFF_VNET_HDR, Documentation/networking/tuntap.rst), so frames cross to
 * the host's network stack with the same framing the guests use. No
 * offloads are turned on (TUNSETOFFLOAD 0): the kernel hands us whole,
 * checksummed frames, which any port can take. Frames read from the tap go
 * through a buffer of the worker that owns the tap (the tap gives no
 * zero-copy read); frames written to it are gathered straight from the
 * sender's buffers with writev.
 */
#include <errno.h>
#include <stdio.h>
#include <unistd.h>

#include "sw.h"

#define SW_TAP_HDR sizeof(struct virtio_net_hdr_mrg_rxbuf)

int sw_port_init_tap(struct vswitch *sw, struct sw_port *p, const char *ifname)
{
	int ret;

	p->kind = SW_PORT_TAP;
	p->hdr_len = SW_TAP_HDR;
	ret = tap_open(&p->tap, ifname, 1, SW_TAP_HDR);
	if (ret)
		return ret; /* tap_open said why */
	ret = tap_set_offload(&p->tap, 0);
	if (ret) {
		pr_err("tap %s: TUNSETOFFLOAD: %s", ifname, strerror(-ret));
		tap_close(&p->tap);
	}
	return ret;
}

void sw_tap_deliver(struct sw_worker *w, struct sw_port *p, struct sw_pkt **pkts, unsigned n)
{
	static const struct virtio_net_hdr_mrg_rxbuf hdr; /* no offload: all zero */
	u64 sent = 0, bytes = 0;
	int fd = p->tap.fds[0];

	for (unsigned i = 0; i < n; i++) {
		struct iovec iov[SW_TX_IOV + 1];
		const struct sw_pkt *k = pkts[i];
		unsigned niov = MIN(k->niov, (unsigned)SW_TX_IOV);

		iov[0] = (struct iovec){ (void *)&hdr, SW_TAP_HDR };
		memcpy(iov + 1, k->iov, niov * sizeof(*iov));
		/* EAGAIN: the tap's queue is full (nobody reads the host side): a drop. */
		if (writev(fd, iov, niov + 1) == (ssize_t)(SW_TAP_HDR + k->len)) {
			sent++;
			bytes += k->len;
		}
	}
	if (sent) {
		atomic_fetch_add_explicit(&p->st.tx_packets, sent, memory_order_relaxed);
		atomic_fetch_add_explicit(&p->st.tx_bytes, bytes, memory_order_relaxed);
	}
	if (sent < n)
		atomic_fetch_add_explicit(&p->st.tx_dropped, n - sent, memory_order_relaxed);
}

bool sw_tap_poll(struct sw_worker *w, struct sw_port *p)
{
	int fd = p->tap.fds[0];
	unsigned n = 0, bad = 0;
	u64 bytes = 0;

	while (n < SW_BATCH) {
		u8 *buf = w->frames + (size_t)n * (SW_FRAME_MAX + SW_TAP_HDR);
		const struct virtio_net_hdr *h = (const void *)buf;
		ssize_t len = read(fd, buf, SW_FRAME_MAX + SW_TAP_HDR);

		if (len < 0)
			break; /* EAGAIN: drained */
		/* A runt, or a GSO frame (never asked for) that no port could take. */
		if ((size_t)len < SW_TAP_HDR + 14 || h->gso_type != VIRTIO_NET_HDR_GSO_NONE) {
			bad++;
			continue;
		}
		w->frame_iov[n] = (struct iovec){ buf + SW_TAP_HDR, (size_t)len - SW_TAP_HDR };
		w->pkt[n] = (struct sw_pkt){ .iov = &w->frame_iov[n], .niov = 1,
					     .len = (u32)(len - SW_TAP_HDR) };
		bytes += w->pkt[n].len;
		n++;
	}
	if (bad)
		atomic_fetch_add_explicit(&p->st.rx_dropped, bad, memory_order_relaxed);
	if (!n)
		return bad;
	atomic_fetch_add_explicit(&p->st.rx_packets, n, memory_order_relaxed);
	atomic_fetch_add_explicit(&p->st.rx_bytes, bytes, memory_order_relaxed);
	sw_forward(w, p, 0, n);
	return true;
}
