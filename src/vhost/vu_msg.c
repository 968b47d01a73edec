// SPDX-License-Identifier: GPL-2.0-only
/*
 * The vhost-user request table and the stateless validator every received
 * request passes before its handler runs. The peer is hostile: a request is
 * refused for a wrong version or reply bit, a payload size other than its type
 * requires, any fd more or less than its type carries, and for a memory table
 * whose regions are empty, wrap around, or overlap in guest-physical or in
 * front-end user address space. Checks that need connection state (queue
 * index range, ring sizes, fd sizes) are done by the handlers.
 */
#include <stddef.h>

#include "vu_msg.h"

static const struct vu_req_info req_table[VHOST_USER_MAX] = {
#define VU_ROW(id, n, sz, fd, g, pf, rep)                                                          \
	[id] = { .name = #n, .size = sz, .fds = fd, .gate = g, .pfeat = pf, .reply = rep },
	VU_REQUESTS(VU_ROW)
#undef VU_ROW
};

/* Names of protocol requests the library refuses, for the log line. */
static const char *const other_names[VHOST_USER_MAX] = {
	[VHOST_USER_SEND_RARP] = "SEND_RARP",
	[VHOST_USER_NET_SET_MTU] = "NET_SET_MTU",
	[VHOST_USER_SET_VRING_ENDIAN] = "SET_VRING_ENDIAN",
	[26] = "CREATE_CRYPTO_SESSION",
	[27] = "CLOSE_CRYPTO_SESSION",
	[VHOST_USER_POSTCOPY_ADVISE] = "POSTCOPY_ADVISE",
	[29] = "POSTCOPY_LISTEN",
	[30] = "POSTCOPY_END",
	[33] = "GPU_SET_SOCKET",
	[VHOST_USER_VRING_KICK] = "VRING_KICK",
	[41] = "GET_SHARED_OBJECT",
	[42] = "SET_DEVICE_STATE_FD",
	[43] = "CHECK_DEVICE_STATE",
};

const struct vu_req_info *vu_req_info(u32 request)
{
	if (request >= VHOST_USER_MAX || !req_table[request].name)
		return NULL;
	return &req_table[request];
}

const char *vu_req_name(u32 request)
{
	const struct vu_req_info *ri = vu_req_info(request);

	if (ri)
		return ri->name;
	if (request < VHOST_USER_MAX && other_names[request])
		return other_names[request];
	return "?";
}

/* True when [a, a+alen) and [b, b+blen) intersect; lengths are > 0 and do not wrap. */
static bool ranges_overlap(u64 a, u64 alen, u64 b, u64 blen)
{
	return a <= b + (blen - 1) && b <= a + (alen - 1);
}

/* One region, alone: non-empty, and no address range wraps the 64-bit space. */
static const char *region_check(const struct vu_mem_region *r)
{
	if (!r->memory_size)
		return "memory region of size 0";
	if (!range_ok(r->guest_phys_addr, r->memory_size - 1))
		return "memory region wraps in guest-physical space";
	if (!range_ok(r->userspace_addr, r->memory_size - 1))
		return "memory region wraps in user address space";
	if (!range_ok(r->mmap_offset, r->memory_size - 1))
		return "memory region mmap_offset + size wraps";
	return NULL;
}

static const char *mem_table_check(const struct vu_msg *m)
{
	const struct vu_mem_table *t = &m->p.mem;
	u32 sz = m->hdr.size;
	const char *why;

	/*
	 * DPDK's virtio-user and QEMU send exactly 8 + 32·nregions bytes;
	 * Linux's virtio_uml sends its whole two-slot table even for one
	 * region. So: a whole number of region slots, at least nregions of
	 * them, at most the eight the protocol defines.
	 */
	if (sz < offsetof(struct vu_mem_table, regions))
		return "SET_MEM_TABLE payload shorter than its header";
	if ((sz - offsetof(struct vu_mem_table, regions)) % sizeof(struct vu_mem_region))
		return "SET_MEM_TABLE payload not a whole number of regions";
	if (t->nregions > VHOST_USER_MEM_TABLE_MAX)
		return "SET_MEM_TABLE with more than 8 regions";
	if (sz < offsetof(struct vu_mem_table, regions) + t->nregions * sizeof(struct vu_mem_region))
		return "SET_MEM_TABLE payload shorter than nregions";
	for (u32 i = 0; i < t->nregions; i++) {
		const struct vu_mem_region *a = &t->regions[i];

		why = region_check(a);
		if (why)
			return why;
		for (u32 j = 0; j < i; j++) {
			const struct vu_mem_region *b = &t->regions[j];

			if (ranges_overlap(a->guest_phys_addr, a->memory_size, b->guest_phys_addr,
					   b->memory_size))
				return "memory regions overlap in guest-physical space";
			if (ranges_overlap(a->userspace_addr, a->memory_size, b->userspace_addr,
					   b->memory_size))
				return "memory regions overlap in user address space";
		}
	}
	return NULL;
}

static const char *size_check(const struct vu_msg *m, enum vu_size_rule rule)
{
	static const u32 fixed[] = {
		[VU_SZ_NONE] = 0,
		[VU_SZ_U64] = sizeof(u64),
		[VU_SZ_STATE] = sizeof(struct vhost_vring_state),
		[VU_SZ_ADDR] = sizeof(struct vhost_vring_addr),
		[VU_SZ_MEMREG] = sizeof(struct vu_mem_reg_msg),
		[VU_SZ_LOG] = sizeof(struct vu_log),
		[VU_SZ_IOTLB] = sizeof(struct vhost_iotlb_msg),
		[VU_SZ_INFLIGHT] = sizeof(struct vu_inflight),
	};
	u32 sz = m->hdr.size;

	switch (rule) {
	case VU_SZ_MEM:
		return mem_table_check(m);
	case VU_SZ_CONFIG:
		if (sz < VHOST_USER_CONFIG_HDR_SIZE)
			return "config payload shorter than its header";
		if (m->p.config.size > VHOST_USER_MAX_CONFIG_SIZE)
			return "config size larger than 256";
		if (sz != VHOST_USER_CONFIG_HDR_SIZE + m->p.config.size)
			return "config payload size does not match config.size";
		if (m->p.config.offset > VHOST_USER_MAX_CONFIG_SIZE - m->p.config.size)
			return "config offset + size beyond 256";
		return NULL;
	case VU_SZ_MEMREG:
		if (sz != fixed[rule])
			return "payload size wrong for the request";
		return region_check(&m->p.memreg.region);
	default:
		return sz == fixed[rule] ? NULL : "payload size wrong for the request";
	}
}

static const char *fd_check(const struct vu_msg *m, enum vu_fd_rule rule, unsigned nfds)
{
	unsigned want;

	switch (rule) {
	case VU_FD_NONE:
		want = 0;
		break;
	case VU_FD_ONE:
		want = 1;
		break;
	case VU_FD_VRING:
		if (m->p.u64 & ~(u64)(VHOST_USER_VRING_IDX_MASK | VHOST_USER_VRING_NOFD_MASK))
			return "reserved bits set in a vring fd request";
		want = (m->p.u64 & VHOST_USER_VRING_NOFD_MASK) ? 0 : 1;
		break;
	case VU_FD_MEM:
		want = m->p.mem.nregions;
		break;
	case VU_FD_ZERO_OR_ONE:
		return nfds <= 1 ? NULL : "more than one fd";
	default:
		return "bad fd rule";
	}
	if (nfds < want)
		return "missing file descriptor";
	if (nfds > want)
		return "unexpected file descriptor";
	return NULL;
}

const char *vu_msg_check(const struct vu_msg *m, unsigned nfds)
{
	const struct vu_req_info *ri = vu_req_info(m->hdr.request);
	const char *why;

	if ((m->hdr.flags & VHOST_USER_VERSION_MASK) != VHOST_USER_VERSION)
		return "protocol version is not 1";
	if (m->hdr.flags & VHOST_USER_REPLY_MASK)
		return "reply flag set on a request";
	if (m->hdr.size > VHOST_USER_PAYLOAD_MAX)
		return "payload larger than any request";
	if (!ri)
		return NULL; /* refused by the dispatcher, which knows whether a reply is wanted */
	why = size_check(m, ri->size);
	if (why)
		return why;
	return fd_check(m, ri->fds, nfds);
}

const char *vu_reply_check(const struct vu_msg *r, const struct vu_msg *sent, unsigned nfds)
{
	const struct vu_req_info *ri = vu_req_info(sent->hdr.request);
	bool body = ri && ri->reply;	/* a reply of its own, not a REPLY_ACK status */
	u32 sz = r->hdr.size;

	if (r->hdr.flags != (VHOST_USER_VERSION | VHOST_USER_REPLY_MASK))
		return "reply flags are not version 1 with the reply bit";
	if (r->hdr.request != sent->hdr.request)
		return "reply to another request";
	if (sz > VHOST_USER_PAYLOAD_MAX)
		return "reply payload larger than any message";
	if (!body) {
		if (sz != sizeof(u64))
			return "REPLY_ACK status is not a u64";
		return nfds ? "unexpected file descriptor with a reply" : NULL;
	}
	switch (sent->hdr.request) {
	case VHOST_USER_GET_VRING_BASE:
		if (sz != sizeof(struct vhost_vring_state))
			return "GET_VRING_BASE reply is not a vring state";
		if (r->p.state.index != sent->p.state.index)
			return "GET_VRING_BASE reply for another ring";
		break;
	case VHOST_USER_GET_CONFIG:
		/* vhost-user GET_CONFIG: the request's size, or 0 for "failed". */
		if (sz && sz != sent->hdr.size)
			return "GET_CONFIG reply size differs from the request";
		if (sz && (r->p.config.offset != sent->p.config.offset ||
			   r->p.config.size != sent->p.config.size))
			return "GET_CONFIG reply for another config window";
		break;
	case VHOST_USER_GET_INFLIGHT_FD:
		if (sz != sizeof(struct vu_inflight))
			return "GET_INFLIGHT_FD reply is not an inflight description";
		/* A zero mmap_size without an fd says the back-end could not. */
		if (r->p.inflight.mmap_size && nfds != 1)
			return nfds ? "more than one fd with GET_INFLIGHT_FD" :
				      "GET_INFLIGHT_FD reply without its fd";
		if (!r->p.inflight.mmap_size && nfds)
			return "GET_INFLIGHT_FD failure reply with an fd";
		return NULL;
	default:
		if (sz != sizeof(u64))
			return "reply is not a u64";
		break;
	}
	return nfds ? "unexpected file descriptor with a reply" : NULL;
}

const char *vu_backend_msg_check(const struct vu_msg *m, unsigned nfds)
{
	u32 sz = m->hdr.size;

	if ((m->hdr.flags & VHOST_USER_VERSION_MASK) != VHOST_USER_VERSION)
		return "protocol version is not 1";
	if (m->hdr.flags & ~(VHOST_USER_VERSION_MASK | VHOST_USER_NEED_REPLY_MASK))
		return "reply or reserved flag set on a back-end request";
	if (sz > VHOST_USER_PAYLOAD_MAX)
		return "payload larger than any message";
	switch (m->hdr.request) {
	case VHOST_USER_BACKEND_CONFIG_CHANGE_MSG:
		if (sz)
			return "CONFIG_CHANGE_MSG with a payload";
		break;
	case VHOST_USER_BACKEND_IOTLB_MSG:
		if (sz != sizeof(struct vhost_iotlb_msg))
			return "IOTLB_MSG payload size wrong";
		break;
	case VHOST_USER_BACKEND_VRING_HOST_NOTIFIER_MSG:
		if (sz != sizeof(struct vu_vring_area))
			return "VRING_HOST_NOTIFIER_MSG payload size wrong";
		return nfds > 1 ? "more than one fd with VRING_HOST_NOTIFIER_MSG" : NULL;
	case VHOST_USER_BACKEND_VRING_CALL:
	case VHOST_USER_BACKEND_VRING_ERR:
		if (sz != sizeof(struct vhost_vring_state))
			return "in-band notification payload size wrong";
		break;
	default:
		break;	/* unknown: the front-end refuses it */
	}
	return nfds ? "unexpected file descriptor" : NULL;
}
