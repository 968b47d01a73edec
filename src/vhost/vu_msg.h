/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The vhost-user wire format (QEMU docs/interop/vhost-user.rst): the message
 * header, every payload layout, the request numbers, and the one table that
 * says for each front-end request how big its payload must be, how many file
 * descriptors travel with it, which negotiated feature it needs and whether
 * it always gets a reply. Shared by the back-end library, the VMM's front-end
 * and the test front-end. All numbers are in host byte order (the protocol
 * says "machine native"), so no conversion appears here.
 */
#ifndef IOVIRT_VHOST_VU_MSG_H
#define IOVIRT_VHOST_VU_MSG_H

#include <linux/vhost_types.h>

#include "iovirt/types.h"

/* Header flags (vhost-user "Header"). */
#define VHOST_USER_VERSION 0x1u
#define VHOST_USER_VERSION_MASK 0x3u
#define VHOST_USER_REPLY_MASK (1u << 2)
#define VHOST_USER_NEED_REPLY_MASK (1u << 3)

/* Virtio feature bit 30, reused by vhost-user to announce protocol features. */
#define VHOST_USER_F_PROTOCOL_FEATURES 30

/* SET_VRING_KICK/CALL/ERR payload: bits 0-7 ring index, bit 8 "no fd". */
#define VHOST_USER_VRING_IDX_MASK 0xffu
#define VHOST_USER_VRING_NOFD_MASK (1u << 8)

/* SET_MEM_TABLE carries at most this many regions (and fds). */
#define VHOST_USER_MEM_TABLE_MAX 8
/* The most fds any one message may carry. */
#define VHOST_USER_MAX_FDS 8
/* GET/SET_CONFIG: the virtio config space is at most this big. */
#define VHOST_USER_MAX_CONFIG_SIZE 256
/* Dirty log granule (vhost-user "Migration"). */
#define VHOST_LOG_PAGE 0x1000ull

/* Protocol feature bits (vhost-user "Protocol features"). */
enum vhost_user_protocol_feature {
	VHOST_USER_PROTOCOL_F_MQ = 0,
	VHOST_USER_PROTOCOL_F_LOG_SHMFD = 1,
	VHOST_USER_PROTOCOL_F_RARP = 2,
	VHOST_USER_PROTOCOL_F_REPLY_ACK = 3,
	VHOST_USER_PROTOCOL_F_NET_MTU = 4,
	VHOST_USER_PROTOCOL_F_BACKEND_REQ = 5,
	VHOST_USER_PROTOCOL_F_CROSS_ENDIAN = 6,
	VHOST_USER_PROTOCOL_F_CRYPTO_SESSION = 7,
	VHOST_USER_PROTOCOL_F_PAGEFAULT = 8,
	VHOST_USER_PROTOCOL_F_CONFIG = 9,
	VHOST_USER_PROTOCOL_F_BACKEND_SEND_FD = 10,
	VHOST_USER_PROTOCOL_F_HOST_NOTIFIER = 11,
	VHOST_USER_PROTOCOL_F_INFLIGHT_SHMFD = 12,
	VHOST_USER_PROTOCOL_F_RESET_DEVICE = 13,
	VHOST_USER_PROTOCOL_F_INBAND_NOTIFICATIONS = 14,
	VHOST_USER_PROTOCOL_F_CONFIGURE_MEM_SLOTS = 15,
	VHOST_USER_PROTOCOL_F_STATUS = 16,
	VHOST_USER_PROTOCOL_F_XEN_MMAP = 17,
	VHOST_USER_PROTOCOL_F_SHARED_OBJECT = 18,
	VHOST_USER_PROTOCOL_F_DEVICE_STATE = 19,
};

struct vu_msg_hdr {
	u32 request;
	u32 flags;
	u32 size; /* payload bytes that follow */
} __packed;

/* "Memory region description". */
struct vu_mem_region {
	u64 guest_phys_addr;
	u64 memory_size;
	u64 userspace_addr;
	u64 mmap_offset;
};

/* "Multiple memory regions description" (SET_MEM_TABLE). */
struct vu_mem_table {
	u32 nregions;
	u32 padding;
	struct vu_mem_region regions[VHOST_USER_MEM_TABLE_MAX];
};

/* "Single memory region description" (ADD_MEM_REG, REM_MEM_REG). */
struct vu_mem_reg_msg {
	u64 padding;
	struct vu_mem_region region;
};

/* "Log description" (SET_LOG_BASE). */
struct vu_log {
	u64 mmap_size;
	u64 mmap_offset;
};

/* "Virtio device config space" (GET_CONFIG, SET_CONFIG). */
#define VHOST_USER_CONFIG_HDR_SIZE 12u
#define VHOST_USER_CONFIG_F_WRITABLE 0u
#define VHOST_USER_CONFIG_F_MIGRATION 1u
struct vu_config {
	u32 offset;
	u32 size;
	u32 flags;
	u8 region[VHOST_USER_MAX_CONFIG_SIZE];
};

/* "Vring area description" (BACKEND_VRING_HOST_NOTIFIER_MSG). */
struct vu_vring_area {
	u64 u64;
	u64 size;
	u64 offset;
};

/* "Inflight description" (GET/SET_INFLIGHT_FD). */
struct vu_inflight {
	u64 mmap_size;
	u64 mmap_offset;
	u16 num_queues;
	u16 queue_size;
};

union vu_payload {
	u64 u64;
	struct vhost_vring_state state;
	struct vhost_vring_addr addr;
	struct vu_mem_table mem;
	struct vu_mem_reg_msg memreg;
	struct vu_log log;
	struct vhost_iotlb_msg iotlb;
	struct vu_config config;
	struct vu_vring_area area;
	struct vu_inflight inflight;
};

/* The largest payload any request may carry; bigger sizes are refused unread. */
#define VHOST_USER_PAYLOAD_MAX sizeof(union vu_payload)

/*
 * A message as held in memory. Not packed: the payload sits aligned after the
 * 12-byte header, and the socket code sends and receives the two parts
 * separately, so no payload field is ever accessed unaligned.
 */
struct vu_msg {
	struct vu_msg_hdr hdr;
	union vu_payload p;
};

/*
 * How a request's payload size is checked. Most are one fixed size; the two
 * variable ones are checked against their own count field.
 */
enum vu_size_rule {
	VU_SZ_NONE,	/* no payload */
	VU_SZ_U64,
	VU_SZ_STATE,
	VU_SZ_ADDR,
	VU_SZ_MEM,	/* 8 + 32·k bytes, nregions ≤ k ≤ 8 */
	VU_SZ_MEMREG,
	VU_SZ_LOG,
	VU_SZ_IOTLB,
	VU_SZ_CONFIG,	/* 12 + config.size, config.size ≤ 256 */
	VU_SZ_INFLIGHT,
};

/* How many fds must come with a request (all others are refused). */
enum vu_fd_rule {
	VU_FD_NONE,	/* exactly 0 */
	VU_FD_ONE,	/* exactly 1 */
	VU_FD_VRING,	/* 1, or 0 when VHOST_USER_VRING_NOFD_MASK is set */
	VU_FD_MEM,	/* exactly nregions */
	VU_FD_ZERO_OR_ONE, /* REM_MEM_REG: the spec lets old front-ends pass one */
};

/* Which negotiated feature a request needs (else it is a protocol violation). */
enum vu_gate {
	VU_GATE_NONE,
	VU_GATE_PROTO,		/* needs protocol feature `pfeat` (after SET_PROTOCOL_FEATURES) */
	VU_GATE_PROTO_OFFER,	/* needs VHOST_USER_F_PROTOCOL_FEATURES offered (GET/SET_PROTOCOL_FEATURES) */
	VU_GATE_IOMMU,		/* needs VIRTIO_F_IOMMU_PLATFORM acked by SET_FEATURES */
};

/*
 * The front-end request table: X(id, NAME, size rule, fd rule, gate, protocol
 * feature for VU_GATE_PROTO, always replies). A request not in this table is
 * one the library does not implement.
 */
#define VU_REQUESTS(X)                                                                             \
	X(1, GET_FEATURES, VU_SZ_NONE, VU_FD_NONE, VU_GATE_NONE, 0, true)                          \
	X(2, SET_FEATURES, VU_SZ_U64, VU_FD_NONE, VU_GATE_NONE, 0, false)                          \
	X(3, SET_OWNER, VU_SZ_NONE, VU_FD_NONE, VU_GATE_NONE, 0, false)                            \
	X(4, RESET_OWNER, VU_SZ_NONE, VU_FD_NONE, VU_GATE_NONE, 0, false)                          \
	X(5, SET_MEM_TABLE, VU_SZ_MEM, VU_FD_MEM, VU_GATE_NONE, 0, false)                          \
	X(6, SET_LOG_BASE, VU_SZ_LOG, VU_FD_ONE, VU_GATE_PROTO, VHOST_USER_PROTOCOL_F_LOG_SHMFD,   \
	  true)                                                                                    \
	X(7, SET_LOG_FD, VU_SZ_NONE, VU_FD_ONE, VU_GATE_NONE, 0, false)                            \
	X(8, SET_VRING_NUM, VU_SZ_STATE, VU_FD_NONE, VU_GATE_NONE, 0, false)                       \
	X(9, SET_VRING_ADDR, VU_SZ_ADDR, VU_FD_NONE, VU_GATE_NONE, 0, false)                       \
	X(10, SET_VRING_BASE, VU_SZ_STATE, VU_FD_NONE, VU_GATE_NONE, 0, false)                     \
	X(11, GET_VRING_BASE, VU_SZ_STATE, VU_FD_NONE, VU_GATE_NONE, 0, true)                      \
	X(12, SET_VRING_KICK, VU_SZ_U64, VU_FD_VRING, VU_GATE_NONE, 0, false)                      \
	X(13, SET_VRING_CALL, VU_SZ_U64, VU_FD_VRING, VU_GATE_NONE, 0, false)                      \
	X(14, SET_VRING_ERR, VU_SZ_U64, VU_FD_VRING, VU_GATE_NONE, 0, false)                       \
	X(15, GET_PROTOCOL_FEATURES, VU_SZ_NONE, VU_FD_NONE, VU_GATE_PROTO_OFFER, 0, true)         \
	X(16, SET_PROTOCOL_FEATURES, VU_SZ_U64, VU_FD_NONE, VU_GATE_PROTO_OFFER, 0, false)         \
	X(17, GET_QUEUE_NUM, VU_SZ_NONE, VU_FD_NONE, VU_GATE_PROTO, VHOST_USER_PROTOCOL_F_MQ,      \
	  true)                                                                                    \
	X(18, SET_VRING_ENABLE, VU_SZ_STATE, VU_FD_NONE, VU_GATE_NONE, 0, false)                   \
	X(21, SET_BACKEND_REQ_FD, VU_SZ_NONE, VU_FD_ONE, VU_GATE_PROTO,                            \
	  VHOST_USER_PROTOCOL_F_BACKEND_REQ, false)                                                \
	X(22, IOTLB_MSG, VU_SZ_IOTLB, VU_FD_NONE, VU_GATE_IOMMU, 0, true)                          \
	X(24, GET_CONFIG, VU_SZ_CONFIG, VU_FD_NONE, VU_GATE_PROTO, VHOST_USER_PROTOCOL_F_CONFIG,   \
	  true)                                                                                    \
	X(25, SET_CONFIG, VU_SZ_CONFIG, VU_FD_NONE, VU_GATE_PROTO, VHOST_USER_PROTOCOL_F_CONFIG,   \
	  false)                                                                                   \
	X(31, GET_INFLIGHT_FD, VU_SZ_INFLIGHT, VU_FD_NONE, VU_GATE_PROTO,                          \
	  VHOST_USER_PROTOCOL_F_INFLIGHT_SHMFD, true)                                              \
	X(32, SET_INFLIGHT_FD, VU_SZ_INFLIGHT, VU_FD_ONE, VU_GATE_PROTO,                           \
	  VHOST_USER_PROTOCOL_F_INFLIGHT_SHMFD, false)                                             \
	X(34, RESET_DEVICE, VU_SZ_NONE, VU_FD_NONE, VU_GATE_PROTO,                                 \
	  VHOST_USER_PROTOCOL_F_RESET_DEVICE, false)                                               \
	X(36, GET_MAX_MEM_SLOTS, VU_SZ_NONE, VU_FD_NONE, VU_GATE_PROTO,                            \
	  VHOST_USER_PROTOCOL_F_CONFIGURE_MEM_SLOTS, true)                                         \
	X(37, ADD_MEM_REG, VU_SZ_MEMREG, VU_FD_ONE, VU_GATE_PROTO,                                 \
	  VHOST_USER_PROTOCOL_F_CONFIGURE_MEM_SLOTS, false)                                        \
	X(38, REM_MEM_REG, VU_SZ_MEMREG, VU_FD_ZERO_OR_ONE, VU_GATE_PROTO,                         \
	  VHOST_USER_PROTOCOL_F_CONFIGURE_MEM_SLOTS, false)                                        \
	X(39, SET_STATUS, VU_SZ_U64, VU_FD_NONE, VU_GATE_PROTO, VHOST_USER_PROTOCOL_F_STATUS,      \
	  false)                                                                                   \
	X(40, GET_STATUS, VU_SZ_NONE, VU_FD_NONE, VU_GATE_PROTO, VHOST_USER_PROTOCOL_F_STATUS,     \
	  true)

enum vu_request {
	VHOST_USER_NONE = 0,
#define VU_ENUM(id, name, sz, fd, gate, pf, reply) VHOST_USER_##name = id,
	VU_REQUESTS(VU_ENUM)
#undef VU_ENUM
	/* Known to the protocol, not implemented by the library: refused. */
	VHOST_USER_SEND_RARP = 19,
	VHOST_USER_NET_SET_MTU = 20,
	VHOST_USER_SET_VRING_ENDIAN = 23,
	VHOST_USER_POSTCOPY_ADVISE = 28,
	VHOST_USER_VRING_KICK = 35,
	VHOST_USER_MAX = 44,
};

/* Requests the back-end sends to the front-end on the back-end channel. */
enum vu_backend_request {
	VHOST_USER_BACKEND_IOTLB_MSG = 1,
	VHOST_USER_BACKEND_CONFIG_CHANGE_MSG = 2,
	VHOST_USER_BACKEND_VRING_HOST_NOTIFIER_MSG = 3,
	VHOST_USER_BACKEND_VRING_CALL = 4,
	VHOST_USER_BACKEND_VRING_ERR = 5,
};

struct vu_req_info {
	const char *name;	/* "SET_MEM_TABLE" */
	enum vu_size_rule size;
	enum vu_fd_rule fds;
	enum vu_gate gate;
	u8 pfeat;		/* protocol feature bit, for VU_GATE_PROTO */
	bool reply;		/* the request always gets a reply */
};

/* Table entry for a front-end request, or NULL when the library does not implement it. */
const struct vu_req_info *vu_req_info(u32 request);
/* Printable name of any request number, "UNKNOWN(n)" style names come back as "?". */
const char *vu_req_name(u32 request);

/*
 * Stateless checks of one received request: header flags, payload size for its
 * type, fd count, and the structure of variable payloads (region count and
 * overlap, config bounds). Returns NULL when valid, else a short phrase naming
 * the violated rule (for the one log line that closes the connection).
 */
const char *vu_msg_check(const struct vu_msg *m, unsigned nfds);

/*
 * The front-end's side: checks of what a (hostile) back-end sends. A reply to
 * `request` must carry the version and the reply flag and nothing else, the
 * request number it answers, the payload that request's reply has (a u64
 * status for REPLY_ACK and the u64 getters, a vring state for GET_VRING_BASE,
 * the asked-for config window or nothing for GET_CONFIG, an inflight
 * description for GET_INFLIGHT_FD) and no fd, except the one inflight fd.
 * `sent` is the request as it was sent (GET_CONFIG and GET_VRING_BASE replies
 * are checked against it). NULL when valid, else the rule it broke.
 */
const char *vu_reply_check(const struct vu_msg *reply, const struct vu_msg *sent, unsigned nfds);
/*
 * A request on the back-end channel (vhost-user "Back-end message types"):
 * version, no reply flag, and the payload size and fd count of the types
 * known here. NULL when well formed (a known type may still be refused by
 * the front-end when its feature was not negotiated).
 */
const char *vu_backend_msg_check(const struct vu_msg *m, unsigned nfds);

/* Payload bytes a reply of this kind carries. */
#define VU_REPLY_SIZE_U64 sizeof(u64)

#endif
