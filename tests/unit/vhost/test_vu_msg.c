// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for src/vhost/vu_msg.c: the request table and the stateless validator. */
#include <stddef.h>

#include "check.h"
#include "src/vhost/vu_msg.h"

static struct vu_msg msg(u32 req, u32 size)
{
	struct vu_msg m;

	memset(&m, 0, sizeof(m));
	m.hdr.request = req;
	m.hdr.flags = VHOST_USER_VERSION;
	m.hdr.size = size;
	return m;
}

static void test_table(void)
{
	CHECK_STREQ(vu_req_name(VHOST_USER_SET_MEM_TABLE), "SET_MEM_TABLE");
	CHECK_STREQ(vu_req_name(VHOST_USER_GET_STATUS), "GET_STATUS");
	CHECK_STREQ(vu_req_name(VHOST_USER_POSTCOPY_ADVISE), "POSTCOPY_ADVISE");
	CHECK_STREQ(vu_req_name(9999), "?");
	CHECK(vu_req_info(VHOST_USER_SEND_RARP) == NULL);
	CHECK(vu_req_info(0) == NULL);
	CHECK(vu_req_info(VHOST_USER_MAX) == NULL);
	CHECK(vu_req_info(VHOST_USER_GET_FEATURES)->reply);
	CHECK(!vu_req_info(VHOST_USER_SET_FEATURES)->reply);
	CHECK_EQ(vu_req_info(VHOST_USER_ADD_MEM_REG)->pfeat, VHOST_USER_PROTOCOL_F_CONFIGURE_MEM_SLOTS);
	/* Wire sizes the protocol fixes. */
	CHECK_EQ(sizeof(struct vu_msg_hdr), 12);
	CHECK_EQ(sizeof(struct vhost_vring_addr), 40);
	CHECK_EQ(sizeof(struct vu_mem_reg_msg), 40);
	CHECK_EQ(sizeof(struct vhost_iotlb_msg), 32);
	CHECK_EQ(sizeof(struct vu_inflight), 24);
	CHECK_EQ(offsetof(struct vu_mem_table, regions), 8);
}

static void test_header(void)
{
	struct vu_msg m = msg(VHOST_USER_GET_FEATURES, 0);

	CHECK(vu_msg_check(&m, 0) == NULL);
	m.hdr.flags = 2;
	CHECK(vu_msg_check(&m, 0) != NULL); /* version 2 */
	m.hdr.flags = VHOST_USER_VERSION | VHOST_USER_REPLY_MASK;
	CHECK(vu_msg_check(&m, 0) != NULL);
	m.hdr.flags = VHOST_USER_VERSION | VHOST_USER_NEED_REPLY_MASK;
	CHECK(vu_msg_check(&m, 0) == NULL);
	m.hdr.size = VHOST_USER_PAYLOAD_MAX + 1;
	CHECK(vu_msg_check(&m, 0) != NULL);
	/* Unknown requests pass here; the dispatcher refuses them. */
	m = msg(VHOST_USER_SEND_RARP, 8);
	CHECK(vu_msg_check(&m, 0) == NULL);
}

static void test_sizes(void)
{
	static const struct {
		u32 req, good;
	} fixed[] = {
		{ VHOST_USER_GET_FEATURES, 0 },	  { VHOST_USER_SET_FEATURES, 8 },
		{ VHOST_USER_SET_OWNER, 0 },	  { VHOST_USER_SET_VRING_NUM, 8 },
		{ VHOST_USER_SET_VRING_ADDR, 40 }, { VHOST_USER_GET_VRING_BASE, 8 },
		{ VHOST_USER_SET_LOG_BASE, 16 },  { VHOST_USER_IOTLB_MSG, 32 },
		{ VHOST_USER_GET_INFLIGHT_FD, 24 }, { VHOST_USER_SET_STATUS, 8 },
		{ VHOST_USER_GET_QUEUE_NUM, 0 },  { VHOST_USER_SET_VRING_ENABLE, 8 },
	};

	for (unsigned i = 0; i < ARRAY_SIZE(fixed); i++) {
		const struct vu_req_info *ri = vu_req_info(fixed[i].req);
		unsigned nfds = ri->fds == VU_FD_ONE ? 1 : 0;
		struct vu_msg m = msg(fixed[i].req, fixed[i].good);

		CHECK(vu_msg_check(&m, nfds) == NULL);
		m.hdr.size = fixed[i].good + 1;
		CHECK(vu_msg_check(&m, nfds) != NULL);
		m.hdr.size = fixed[i].good + 8;
		CHECK(vu_msg_check(&m, nfds) != NULL);
		if (fixed[i].good) {
			m.hdr.size = fixed[i].good - 1;
			CHECK(vu_msg_check(&m, nfds) != NULL);
		}
	}
}

static void test_fds(void)
{
	struct vu_msg m = msg(VHOST_USER_SET_VRING_KICK, 8);

	m.p.u64 = 3;
	CHECK(vu_msg_check(&m, 1) == NULL);
	CHECK(vu_msg_check(&m, 0) != NULL); /* missing */
	CHECK(vu_msg_check(&m, 2) != NULL); /* extra */
	m.p.u64 = 3 | VHOST_USER_VRING_NOFD_MASK;
	CHECK(vu_msg_check(&m, 0) == NULL);
	CHECK(vu_msg_check(&m, 1) != NULL);
	m.p.u64 = 3 | (1ull << 9); /* reserved bit */
	CHECK(vu_msg_check(&m, 1) != NULL);

	m = msg(VHOST_USER_GET_FEATURES, 0);
	CHECK(vu_msg_check(&m, 1) != NULL);
	m = msg(VHOST_USER_SET_BACKEND_REQ_FD, 0);
	CHECK(vu_msg_check(&m, 1) == NULL);
	CHECK(vu_msg_check(&m, 0) != NULL);
	m = msg(VHOST_USER_REM_MEM_REG, 40);
	m.p.memreg.region.memory_size = 4096;
	CHECK(vu_msg_check(&m, 0) == NULL);
	CHECK(vu_msg_check(&m, 1) == NULL); /* old front-ends: accepted, closed unused */
	CHECK(vu_msg_check(&m, 2) != NULL);
	m = msg(VHOST_USER_ADD_MEM_REG, 40);
	m.p.memreg.region.memory_size = 4096;
	CHECK(vu_msg_check(&m, 1) == NULL);
	CHECK(vu_msg_check(&m, 0) != NULL);
	m.p.memreg.region.memory_size = 0;
	CHECK(vu_msg_check(&m, 1) != NULL);
}

static struct vu_msg mem_table(unsigned n, unsigned slots)
{
	struct vu_msg m = msg(VHOST_USER_SET_MEM_TABLE, 8 + 32 * slots);

	m.p.mem.nregions = n;
	for (unsigned i = 0; i < n; i++) {
		m.p.mem.regions[i].guest_phys_addr = i * 0x100000ull;
		m.p.mem.regions[i].memory_size = 0x100000;
		m.p.mem.regions[i].userspace_addr = 0x7f0000000000ull + i * 0x200000ull;
		m.p.mem.regions[i].mmap_offset = 0;
	}
	return m;
}

static void test_mem_table(void)
{
	struct vu_msg m;

	m = mem_table(2, 2);
	CHECK(vu_msg_check(&m, 2) == NULL);
	CHECK(vu_msg_check(&m, 1) != NULL);
	CHECK(vu_msg_check(&m, 3) != NULL);
	/* Linux's virtio_uml: a two-slot table carrying one region. */
	m = mem_table(1, 2);
	CHECK(vu_msg_check(&m, 1) == NULL);
	m = mem_table(8, 8);
	CHECK(vu_msg_check(&m, 8) == NULL);
	m = mem_table(3, 2); /* payload shorter than nregions */
	CHECK(vu_msg_check(&m, 3) != NULL);
	m = mem_table(2, 2);
	m.p.mem.nregions = 9;
	CHECK(vu_msg_check(&m, 8) != NULL);
	m = mem_table(2, 2);
	m.hdr.size = 8 + 32 * 2 + 4; /* not whole regions */
	CHECK(vu_msg_check(&m, 2) != NULL);
	m.hdr.size = 4;
	CHECK(vu_msg_check(&m, 2) != NULL);

	/* Overlap in guest-physical space. */
	m = mem_table(2, 2);
	m.p.mem.regions[1].guest_phys_addr = 0xff000;
	CHECK(vu_msg_check(&m, 2) != NULL);
	/* Touching is fine. */
	m.p.mem.regions[1].guest_phys_addr = 0x100000;
	CHECK(vu_msg_check(&m, 2) == NULL);
	/* Overlap in user address space. */
	m = mem_table(2, 2);
	m.p.mem.regions[1].userspace_addr = m.p.mem.regions[0].userspace_addr + 0xfffff;
	CHECK(vu_msg_check(&m, 2) != NULL);
	/* Empty and wrapping regions. */
	m = mem_table(2, 2);
	m.p.mem.regions[1].memory_size = 0;
	CHECK(vu_msg_check(&m, 2) != NULL);
	m = mem_table(1, 1);
	m.p.mem.regions[0].guest_phys_addr = ~0ull - 0x1000;
	CHECK(vu_msg_check(&m, 1) != NULL);
	m = mem_table(1, 1);
	m.p.mem.regions[0].userspace_addr = ~0ull - 0x1000;
	CHECK(vu_msg_check(&m, 1) != NULL);
	m = mem_table(1, 1);
	m.p.mem.regions[0].mmap_offset = ~0ull - 0x1000;
	CHECK(vu_msg_check(&m, 1) != NULL);
	/* An empty table is well-formed. */
	m = mem_table(0, 0);
	CHECK(vu_msg_check(&m, 0) == NULL);
}

static void test_config(void)
{
	struct vu_msg m = msg(VHOST_USER_GET_CONFIG, VHOST_USER_CONFIG_HDR_SIZE + 60);

	m.p.config.size = 60;
	CHECK(vu_msg_check(&m, 0) == NULL);
	m.p.config.size = 61;
	CHECK(vu_msg_check(&m, 0) != NULL);
	m.p.config.size = 60;
	m.p.config.offset = 200;
	CHECK(vu_msg_check(&m, 0) != NULL); /* 200 + 60 > 256 */
	m.p.config.offset = 0xffffffff;
	CHECK(vu_msg_check(&m, 0) != NULL);
	m.p.config.offset = 0;
	m.p.config.size = 300;
	m.hdr.size = VHOST_USER_CONFIG_HDR_SIZE + 300;
	CHECK(vu_msg_check(&m, 0) != NULL);
	m.hdr.size = 8;
	CHECK(vu_msg_check(&m, 0) != NULL);
}

int main(void)
{
	test_table();
	test_header();
	test_sizes();
	test_fds();
	test_mem_table();
	test_config();
	return check_done();
}
