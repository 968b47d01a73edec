// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fuzz target for the front-end's checks of what a hostile back-end sends
 * (vu_reply_check, vu_backend_msg_check in src/vhost/vu_msg.c). The input is
 * the request the front-end sent (header and payload), then the reply
 * (header and payload), then an fd count. Checks: no crash, no sanitizer
 * report, and every accepted reply has exactly the shape the protocol gives
 * that request's reply — the properties the front-end then relies on
 * without looking again.
 *
 * Layout: u8 nfds; struct vu_msg_hdr sent; payload; struct vu_msg_hdr reply; payload.
 * Payload sizes come from the headers, clamped to what is left.
 */
#include <stdio.h>
#include <stdlib.h>

#include "fuzz.h"
#include "src/vhost/vu_msg.h"

static size_t take_msg(const u8 *data, size_t size, struct vu_msg *m)
{
	size_t n;

	memset(m, 0, sizeof(*m));
	if (size < sizeof(m->hdr))
		return size;
	memcpy(&m->hdr, data, sizeof(m->hdr));
	n = MIN((size_t)m->hdr.size, size - sizeof(m->hdr));
	n = MIN(n, sizeof(m->p));
	memcpy(&m->p, data + sizeof(m->hdr), n);
	return sizeof(m->hdr) + n;
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	struct vu_msg sent, reply;
	const struct vu_req_info *ri;
	unsigned nfds;
	size_t used;

	if (size < 1)
		return 0;
	nfds = data[0] % 10;
	data++;
	size--;
	used = take_msg(data, size, &sent);
	take_msg(data + used, size - used, &reply);
	/* The front-end only sends sizes that fit the payload. */
	if (sent.hdr.size > sizeof(sent.p))
		sent.hdr.size = sizeof(sent.p);
	ri = vu_req_info(sent.hdr.request);
	if (!vu_reply_check(&reply, &sent, nfds)) {
		FUZZ_ASSERT(reply.hdr.flags == (VHOST_USER_VERSION | VHOST_USER_REPLY_MASK));
		FUZZ_ASSERT(reply.hdr.request == sent.hdr.request);
		FUZZ_ASSERT(reply.hdr.size <= VHOST_USER_PAYLOAD_MAX);
		if (!ri || !ri->reply) {
			FUZZ_ASSERT(reply.hdr.size == sizeof(u64) && !nfds);
		} else if (sent.hdr.request == VHOST_USER_GET_VRING_BASE) {
			FUZZ_ASSERT(reply.hdr.size == sizeof(struct vhost_vring_state));
			FUZZ_ASSERT(reply.p.state.index == sent.p.state.index && !nfds);
		} else if (sent.hdr.request == VHOST_USER_GET_CONFIG) {
			FUZZ_ASSERT(!reply.hdr.size || reply.hdr.size == sent.hdr.size);
			FUZZ_ASSERT(!nfds);
		} else if (sent.hdr.request == VHOST_USER_GET_INFLIGHT_FD) {
			FUZZ_ASSERT(reply.hdr.size == sizeof(struct vu_inflight));
			FUZZ_ASSERT(nfds == (reply.p.inflight.mmap_size ? 1u : 0u));
		} else {
			FUZZ_ASSERT(reply.hdr.size == sizeof(u64) && !nfds);
		}
	}
	if (!vu_backend_msg_check(&reply, nfds)) {
		FUZZ_ASSERT((reply.hdr.flags & VHOST_USER_VERSION_MASK) == VHOST_USER_VERSION);
		FUZZ_ASSERT(!(reply.hdr.flags & VHOST_USER_REPLY_MASK));
		FUZZ_ASSERT(reply.hdr.size <= VHOST_USER_PAYLOAD_MAX);
		FUZZ_ASSERT(nfds <= 1);
		if (reply.hdr.request == VHOST_USER_BACKEND_CONFIG_CHANGE_MSG)
			FUZZ_ASSERT(!reply.hdr.size && !nfds);
	}
	return 0;
}
