// SPDX-License-Identifier: GPL-2.0-only
/*
 * The test vhost-user front-end (see vu_test_frontend.h): a driver's view of
 * split rings in memfd guest memory, and the front-end's half of the
 * protocol, written from the specification like any other peer.
 */
#include <errno.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <linux/vhost.h>

#include "src/vhost/vu_sock.h"
#include "vu_test_frontend.h"

int vu_fe_init(struct vu_fe *fe, int sock)
{
	memset(fe, 0, sizeof(*fe));
	fe->sock = sock;
	fe->backend_sock = -1;
	fe->last_fd = -1;
	gmem_init(&fe->mem);
	for (unsigned i = 0; i < ARRAY_SIZE(fe->ring); i++) {
		fe->ring[i].kick = -1;
		fe->ring[i].call = -1;
	}
	return 0;
}

void vu_fe_destroy(struct vu_fe *fe)
{
	for (unsigned i = 0; i < ARRAY_SIZE(fe->ring); i++) {
		if (fe->ring[i].kick >= 0)
			close(fe->ring[i].kick);
		if (fe->ring[i].call >= 0)
			close(fe->ring[i].call);
	}
	if (fe->backend_sock >= 0)
		close(fe->backend_sock);
	if (fe->sock >= 0)
		close(fe->sock);
	gmem_destroy(&fe->mem);
	fe->sock = -1;
}

int vu_fe_send(struct vu_fe *fe, u32 req, u32 flags, const void *payload, u32 size,
	       const int *fds, unsigned nfds)
{
	struct vu_msg m = { .hdr = { .request = req, .flags = flags, .size = size } };
	int ret;

	if (size > sizeof(m.p))
		return -EINVAL;
	if (size)
		memcpy(&m.p, payload, size);
	ret = vu_sock_send(fe->sock, &m, fds, nfds);
	if (!ret && fe->pump)
		fe->pump(fe->pump_opaque);
	return ret;
}

int vu_fe_recv(struct vu_fe *fe, struct vu_msg *reply)
{
	int fds[VHOST_USER_MAX_FDS];
	const char *why;
	unsigned nfds;
	int ret;

	ret = vu_sock_recv(fe->sock, reply, fds, &nfds, &why);
	if (ret)
		return ret;
	/* A reply fd (GET_INFLIGHT_FD) is kept for the caller. */
	if (nfds) {
		for (unsigned i = 1; i < nfds; i++)
			close(fds[i]);
		fe->last_fd = fds[0];
	}
	if (reply->hdr.flags != (VHOST_USER_VERSION | VHOST_USER_REPLY_MASK))
		return -EPROTO;
	return 0;
}

int vu_fe_get_u64(struct vu_fe *fe, u32 req, u64 *v)
{
	struct vu_msg r;
	int ret;

	ret = vu_fe_send(fe, req, VHOST_USER_VERSION, NULL, 0, NULL, 0);
	if (ret)
		return ret;
	ret = vu_fe_recv(fe, &r);
	if (ret)
		return ret;
	if (r.hdr.request != req || r.hdr.size != sizeof(u64))
		return -EPROTO;
	*v = r.p.u64;
	return 0;
}

int vu_fe_request_ack(struct vu_fe *fe, u32 req, const void *payload, u32 size, const int *fds,
		      unsigned nfds)
{
	struct vu_msg r;
	int ret;

	ret = vu_fe_send(fe, req, VHOST_USER_VERSION | VHOST_USER_NEED_REPLY_MASK, payload, size,
			 fds, nfds);
	if (ret)
		return ret;
	ret = vu_fe_recv(fe, &r);
	if (ret)
		return ret;
	if (r.hdr.request != req || r.hdr.size != sizeof(u64))
		return -EPROTO;
	return r.p.u64 ? -EIO : 0;
}

int vu_fe_negotiate(struct vu_fe *fe, u64 features, u64 proto)
{
	u64 offered = 0;
	int ret;

	ret = vu_fe_send(fe, VHOST_USER_SET_OWNER, VHOST_USER_VERSION, NULL, 0, NULL, 0);
	if (!ret)
		ret = vu_fe_get_u64(fe, VHOST_USER_GET_FEATURES, &fe->features);
	if (ret)
		return ret;
	if (fe->features & BIT64(VHOST_USER_F_PROTOCOL_FEATURES)) {
		ret = vu_fe_get_u64(fe, VHOST_USER_GET_PROTOCOL_FEATURES, &offered);
		if (ret)
			return ret;
		fe->proto = offered & proto;
		ret = vu_fe_send(fe, VHOST_USER_SET_PROTOCOL_FEATURES, VHOST_USER_VERSION,
				 &fe->proto, sizeof(u64), NULL, 0);
		if (ret)
			return ret;
		features |= BIT64(VHOST_USER_F_PROTOCOL_FEATURES);
	}
	fe->acked = features & fe->features;
	return vu_fe_request_ack(fe, VHOST_USER_SET_FEATURES, &fe->acked, sizeof(u64), NULL, 0);
}

int vu_fe_add_memory(struct vu_fe *fe, gpa_t gpa, u64 size)
{
	return gmem_add_memfd(&fe->mem, gpa, size, false);
}

int vu_fe_set_mem_table(struct vu_fe *fe)
{
	struct vu_mem_table t = { .nregions = fe->mem.nr };
	int fds[VHOST_USER_MEM_TABLE_MAX];

	if (fe->mem.nr > VHOST_USER_MEM_TABLE_MAX)
		return -E2BIG;
	for (unsigned i = 0; i < fe->mem.nr; i++) {
		const struct gmem_region *r = &fe->mem.r[i];

		t.regions[i] = (struct vu_mem_region){
			.guest_phys_addr = r->gpa,
			.memory_size = r->size,
			.userspace_addr = (u64)(uintptr_t)r->hva,
			.mmap_offset = 0,
		};
		fds[i] = r->fd;
	}
	return vu_fe_request_ack(fe, VHOST_USER_SET_MEM_TABLE, &t, 8 + 32 * t.nregions, fds,
				 t.nregions);
}

void *vu_fe_gpa(struct vu_fe *fe, gpa_t gpa, u64 len)
{
	return gmem_map_whole(&fe->mem, gpa, len);
}

static u64 uva(struct vu_fe *fe, gpa_t gpa)
{
	return (u64)(uintptr_t)vu_fe_gpa(fe, gpa, 1);
}

int vu_fe_layout_ring(struct vu_fe *fe, unsigned idx, u16 num, gpa_t gpa)
{
	struct vu_fe_ring *r = &fe->ring[idx];
	u64 desc_len = 16ull * num, avail_len = 6 + 2ull * num;

	r->num = num;
	r->desc_gpa = gpa;
	r->avail_gpa = gpa + desc_len;
	r->used_gpa = ALIGN_UP(r->avail_gpa + avail_len, 4096ull);
	r->desc = vu_fe_gpa(fe, r->desc_gpa, desc_len);
	r->avail = vu_fe_gpa(fe, r->avail_gpa, avail_len);
	r->used = vu_fe_gpa(fe, r->used_gpa, 6 + 8ull * num);
	if (!r->desc || !r->avail || !r->used)
		return -EFAULT;
	memset(r->desc, 0, desc_len);
	memset(r->avail, 0, avail_len);
	memset(r->used, 0, 6 + 8ull * num);
	r->avail_idx = r->last_used = r->free_head = 0;
	return 0;
}

void vu_fe_attach_ring(struct vu_fe *fe, unsigned idx, u16 num, gpa_t desc, gpa_t driver,
		       gpa_t device)
{
	struct vu_fe_ring *r = &fe->ring[idx];

	r->num = num;
	r->desc_gpa = desc;
	r->avail_gpa = driver;
	r->used_gpa = device;
	r->desc = NULL;
	r->avail = NULL;
	r->used = NULL;
}

int vu_fe_setup_ring(struct vu_fe *fe, unsigned idx, u16 num, gpa_t gpa)
{
	int ret = vu_fe_layout_ring(fe, idx, num, gpa);

	return ret ? ret : vu_fe_send_ring(fe, idx, 0);
}

int vu_fe_send_ring(struct vu_fe *fe, unsigned idx, u32 base)
{
	struct vu_fe_ring *r = &fe->ring[idx];
	struct vhost_vring_state st = { .index = idx };
	struct vhost_vring_addr a = { .index = idx };
	u64 fdmsg;
	int ret;

	if (r->kick < 0)
		r->kick = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (r->call < 0)
		r->call = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	st.num = r->num;
	ret = vu_fe_request_ack(fe, VHOST_USER_SET_VRING_NUM, &st, sizeof(st), NULL, 0);
	st.num = base;
	if (!ret)
		ret = vu_fe_request_ack(fe, VHOST_USER_SET_VRING_BASE, &st, sizeof(st), NULL, 0);
	a.desc_user_addr = uva(fe, r->desc_gpa);
	a.avail_user_addr = uva(fe, r->avail_gpa);
	a.used_user_addr = uva(fe, r->used_gpa);
	a.log_guest_addr = r->used_gpa;
	if (!ret)
		ret = vu_fe_request_ack(fe, VHOST_USER_SET_VRING_ADDR, &a, sizeof(a), NULL, 0);
	fdmsg = idx;
	if (!ret)
		ret = vu_fe_request_ack(fe, VHOST_USER_SET_VRING_CALL, &fdmsg, sizeof(fdmsg),
					&r->call, 1);
	if (!ret)
		ret = vu_fe_request_ack(fe, VHOST_USER_SET_VRING_KICK, &fdmsg, sizeof(fdmsg),
					&r->kick, 1);
	if (!ret && (fe->acked & BIT64(VHOST_USER_F_PROTOCOL_FEATURES))) {
		st.num = 1;
		ret = vu_fe_request_ack(fe, VHOST_USER_SET_VRING_ENABLE, &st, sizeof(st), NULL, 0);
	}
	return ret;
}

int vu_fe_add_chain(struct vu_fe *fe, unsigned idx, unsigned n, const gpa_t *gpa, const u32 *len,
		    const bool *writable)
{
	struct vu_fe_ring *r = &fe->ring[idx];
	u16 head = r->free_head;

	if (!n || n > r->num)
		return -1;
	for (unsigned i = 0; i < n; i++) {
		u16 d = (u16)((head + i) % r->num);

		r->desc[d].addr = gpa[i];
		r->desc[d].len = len[i];
		r->desc[d].flags = (writable[i] ? VRING_DESC_F_WRITE : 0) |
				   (i + 1 < n ? VRING_DESC_F_NEXT : 0);
		r->desc[d].next = (u16)((d + 1) % r->num);
	}
	r->free_head = (u16)((head + n) % r->num);
	r->avail->ring[r->avail_idx % r->num] = head;
	r->avail_idx++;
	/* Release: descriptors and the ring entry before idx (virtio 1.2 §2.7.13.3). */
	__atomic_store_n(&r->avail->idx, r->avail_idx, __ATOMIC_RELEASE);
	return head;
}

void vu_fe_kick(struct vu_fe *fe, unsigned idx)
{
	u64 one = 1;

	if (write(fe->ring[idx].kick, &one, sizeof(one)) < 0) {
		/* a saturated counter still reads as a kick */
	}
}

int vu_fe_get_used(struct vu_fe *fe, unsigned idx, u32 *id, u32 *len)
{
	struct vu_fe_ring *r = &fe->ring[idx];
	u16 used = __atomic_load_n(&r->used->idx, __ATOMIC_ACQUIRE);
	struct vring_used_elem *e;

	if (used == r->last_used)
		return 0;
	e = &r->used->ring[r->last_used % r->num];
	*id = e->id;
	*len = e->len;
	r->last_used++;
	return 1;
}

bool vu_fe_wait_call(struct vu_fe *fe, unsigned idx, int timeout_ms)
{
	struct pollfd p = { .fd = fe->ring[idx].call, .events = POLLIN };
	u64 v;

	if (poll(&p, 1, timeout_ms) != 1)
		return false;
	return read(p.fd, &v, sizeof(v)) == sizeof(v);
}

int vu_fe_stop_ring(struct vu_fe *fe, unsigned idx, u32 *base)
{
	struct vhost_vring_state st = { .index = idx };
	struct vu_msg r;
	int ret;

	ret = vu_fe_send(fe, VHOST_USER_GET_VRING_BASE, VHOST_USER_VERSION, &st, sizeof(st), NULL,
			 0);
	if (!ret)
		ret = vu_fe_recv(fe, &r);
	if (ret)
		return ret;
	if (r.hdr.request != VHOST_USER_GET_VRING_BASE || r.hdr.size != sizeof(st) ||
	    r.p.state.index != idx)
		return -EPROTO;
	*base = r.p.state.num;
	return 0;
}

int vu_fe_get_config(struct vu_fe *fe, u32 offset, void *buf, u32 len)
{
	struct vu_config c = { .offset = offset, .size = len };
	struct vu_msg r;
	int ret;

	if (len > sizeof(c.region))
		return -EINVAL;
	ret = vu_fe_send(fe, VHOST_USER_GET_CONFIG, VHOST_USER_VERSION, &c,
			 VHOST_USER_CONFIG_HDR_SIZE + len, NULL, 0);
	if (!ret)
		ret = vu_fe_recv(fe, &r);
	if (ret)
		return ret;
	if (r.hdr.request != VHOST_USER_GET_CONFIG)
		return -EPROTO;
	/* vhost-user GET_CONFIG: a reply without the config says the back-end failed. */
	if (r.hdr.size != VHOST_USER_CONFIG_HDR_SIZE + len)
		return -EIO;
	memcpy(buf, r.p.config.region, len);
	return 0;
}

int vu_fe_get_inflight(struct vu_fe *fe, u16 nq, u16 qsize, int *fd, u64 *size)
{
	struct vu_inflight in = { .num_queues = nq, .queue_size = qsize };
	struct vu_msg r;
	int ret;

	ret = vu_fe_send(fe, VHOST_USER_GET_INFLIGHT_FD, VHOST_USER_VERSION, &in, sizeof(in), NULL,
			 0);
	if (!ret)
		ret = vu_fe_recv(fe, &r);
	if (ret)
		return ret;
	if (r.hdr.request != VHOST_USER_GET_INFLIGHT_FD || r.hdr.size != sizeof(in))
		return -EPROTO;
	if (!r.p.inflight.mmap_size || fe->last_fd < 0)
		return -EIO;
	*fd = fe->last_fd;
	fe->last_fd = -1;
	*size = r.p.inflight.mmap_size;
	return 0;
}

int vu_fe_set_inflight(struct vu_fe *fe, u16 nq, u16 qsize, int fd, u64 size)
{
	struct vu_inflight in = { .mmap_size = size, .num_queues = nq, .queue_size = qsize };

	return vu_fe_request_ack(fe, VHOST_USER_SET_INFLIGHT_FD, &in, sizeof(in), &fd, 1);
}
