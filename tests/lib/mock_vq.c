// SPDX-License-Identifier: GPL-2.0-only
/*
 * The driver side of a virtqueue, written from the virtio 1.2 driver
 * requirements (§2.7.13 and §2.7.14 split, §2.8.21 and §2.8.22 packed) and
 * the behaviour of Linux's virtio_ring.c: descriptors come from a free list,
 * a chain is published by one store-release (avail idx, or the first
 * descriptor's flags), and kicks and interrupts are negotiated through
 * EVENT_IDX or the flags. See mock_vq.h.
 */
#include <errno.h>
#include <stdlib.h>

#include "mock_vq.h"

#define AVAIL_F (1u << VRING_PACKED_DESC_F_AVAIL)
#define USED_F	(1u << VRING_PACKED_DESC_F_USED)
#define WRAP_F	(1u << VRING_PACKED_EVENT_F_WRAP_CTR)

static u16 ld16(const u16 *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

static u16 ld16_acquire(const u16 *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static void st16(u16 *p, u16 v)
{
	__atomic_store_n(p, v, __ATOMIC_RELAXED);
}

static void st16_release(u16 *p, u16 v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

/* Driver side of the store→load ordering the device needs too (§2.7.13.4). */
static void mb(void)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

static bool need_event(u16 event, u16 new_idx, u16 old)
{
	return (u16)(new_idx - event - 1) < (u16)(new_idx - old);
}

struct mock_layout {
	u64 desc, driver, device, ind, end; /* offsets from base */
};

static void mock_vq_layout(u16 size, unsigned flags, struct mock_layout *l)
{
	u64 n = size;

	l->desc = 0;
	l->driver = 16 * n;
	if (flags & MOCK_VQ_PACKED) {
		l->device = l->driver + 64; /* separate cache lines, as a driver would */
		l->ind = ALIGN_UP(l->device + 64, 4096);
	} else {
		l->device = ALIGN_UP(l->driver + 6 + 2 * n, 64);
		l->ind = ALIGN_UP(l->device + 6 + 8 * n, 4096);
	}
	l->end = l->ind + n * MOCK_VQ_IND_MAX * 16;
}

u64 mock_vq_footprint(u16 size, unsigned flags)
{
	struct mock_layout l;

	mock_vq_layout(size, flags, &l);
	return l.end;
}

int mock_vq_init(struct mock_vq *m, const struct gmem *g, gpa_t base, u16 size, unsigned flags)
{
	struct mock_layout l;
	u8 *p;

	memset(m, 0, sizeof(*m));
	if (!size || size > VIRTQ_MAX_SIZE)
		return -EINVAL;
	mock_vq_layout(size, flags, &l);
	p = gmem_map_whole(g, base, l.end);
	if (!p)
		return -EFAULT;
	memset(p, 0, l.end); /* §2.8.13: the descriptor ring is zero-initialized */
	m->g = g;
	m->size = size;
	m->flags = flags;
	m->desc_gpa = base + l.desc;
	m->driver_gpa = base + l.driver;
	m->device_gpa = base + l.device;
	m->ind_gpa = base + l.ind;
	m->ind = p + l.ind;
	if (flags & MOCK_VQ_PACKED) {
		m->pdesc = (void *)(p + l.desc);
		m->driver_event = (void *)(p + l.driver);
		m->device_event = (void *)(p + l.device);
		m->avail_wrap = true;
		m->used_wrap = true;
	} else {
		m->desc = (void *)(p + l.desc);
		m->avail = (void *)(p + l.driver);
		m->used = (void *)(p + l.device);
	}
	m->free_stack = calloc(size, sizeof(*m->free_stack));
	m->state = calloc(size, sizeof(*m->state));
	if (!m->free_stack || !m->state) {
		mock_vq_destroy(m);
		return -ENOMEM;
	}
	/* Pushed in reverse so that descriptors / ids are handed out from 0 up. */
	for (unsigned i = 0; i < size; i++)
		m->free_stack[i] = (u16)(size - 1 - i);
	m->nfree_stack = size;
	m->num_free = size;
	return 0;
}

void mock_vq_destroy(struct mock_vq *m)
{
	free(m->free_stack);
	free(m->state);
	m->free_stack = NULL;
	m->state = NULL;
}

void mock_vq_config(const struct mock_vq *m, struct virtq_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->size = m->size;
	cfg->packed = m->flags & MOCK_VQ_PACKED;
	cfg->event_idx = m->flags & MOCK_VQ_EVENT_IDX;
	cfg->indirect = m->flags & MOCK_VQ_INDIRECT;
	cfg->desc_addr = m->desc_gpa;
	cfg->driver_addr = m->driver_gpa;
	cfg->device_addr = m->device_gpa;
}

/* The indirect table the mock keeps for head/id `slot`. */
static gpa_t mock_vq_ind_gpa(const struct mock_vq *m, u16 slot)
{
	return m->ind_gpa + (u64)slot * MOCK_VQ_IND_MAX * 16;
}

static void mock_vq_fill_table(struct mock_vq *m, u16 slot, const struct mock_buf *b, unsigned n)
{
	u8 *t = m->ind + (size_t)slot * MOCK_VQ_IND_MAX * 16;

	for (unsigned i = 0; i < n; i++) {
		if (m->flags & MOCK_VQ_PACKED) {
			struct vring_packed_desc *d = (void *)(t + i * 16);

			d->addr = b[i].addr;
			d->len = b[i].len;
			d->id = 0;
			d->flags = b[i].write ? VRING_DESC_F_WRITE : 0; /* §2.8.19: WRITE only */
		} else {
			struct vring_desc *d = (void *)(t + i * 16);

			d->addr = b[i].addr;
			d->len = b[i].len;
			d->flags = (b[i].write ? VRING_DESC_F_WRITE : 0) |
				   (i + 1 < n ? VRING_DESC_F_NEXT : 0);
			d->next = (u16)(i + 1 < n ? i + 1 : 0);
		}
	}
}

static int mock_vq_add_split(struct mock_vq *m, const struct mock_buf *b, unsigned n, bool indirect)
{
	u16 need = indirect ? 1 : (u16)n, head, prev = 0;

	if (m->num_free < need)
		return -ENOSPC;
	head = m->free_stack[m->nfree_stack - 1];
	for (unsigned i = 0; i < need; i++) {
		u16 d = m->free_stack[--m->nfree_stack];
		struct vring_desc *vd = &m->desc[d];

		if (i)
			m->desc[prev].next = d;
		if (indirect) {
			mock_vq_fill_table(m, head, b, n);
			vd->addr = mock_vq_ind_gpa(m, head);
			vd->len = n * 16;
			vd->flags = VRING_DESC_F_INDIRECT;
		} else {
			vd->addr = b[i].addr;
			vd->len = b[i].len;
			vd->flags = (b[i].write ? VRING_DESC_F_WRITE : 0) |
				    (i + 1 < need ? VRING_DESC_F_NEXT : 0);
		}
		vd->next = 0;
		prev = d;
	}
	m->num_free -= need;
	m->state[head].ndescs = need;
	m->state[head].busy = true;
	m->avail->ring[m->avail_idx & (m->size - 1)] = head;
	/* §2.7.13.3: descriptors and ring entry before idx. */
	st16_release(&m->avail->idx, ++m->avail_idx);
	return head;
}

static void mock_vq_packed_step(const struct mock_vq *m, u16 *slot, bool *wrap, u16 n)
{
	u32 s = *slot + n;

	if (s >= m->size) {
		s -= m->size;
		*wrap = !*wrap;
	}
	*slot = (u16)s;
}

static int mock_vq_add_packed(struct mock_vq *m, const struct mock_buf *b, unsigned n,
			      bool indirect)
{
	u16 need = indirect ? 1 : (u16)n, id, slot = m->next_avail, first = m->next_avail;
	u16 first_flags = 0;
	bool wrap = m->avail_wrap;

	if (m->num_free < need || !m->nfree_stack)
		return -ENOSPC;
	id = m->free_stack[--m->nfree_stack];
	if (indirect)
		mock_vq_fill_table(m, id, b, n);
	for (unsigned i = 0; i < need; i++) {
		struct vring_packed_desc *d = &m->pdesc[slot];
		u16 f = wrap ? AVAIL_F : USED_F; /* §2.8.1: AVAIL = wrap, USED = !wrap */

		if (indirect) {
			d->addr = mock_vq_ind_gpa(m, id);
			d->len = n * 16;
			f |= VRING_DESC_F_INDIRECT;
		} else {
			d->addr = b[i].addr;
			d->len = b[i].len;
			f |= (b[i].write ? VRING_DESC_F_WRITE : 0) |
			     (i + 1 < need ? VRING_DESC_F_NEXT : 0);
		}
		d->id = id; /* §2.8.6 needs it in the last; Linux writes it in each */
		if (i)
			d->flags = f;
		else
			first_flags = f;
		mock_vq_packed_step(m, &slot, &wrap, 1);
	}
	m->next_avail = slot;
	m->avail_wrap = wrap;
	m->num_free -= need;
	m->state[id].ndescs = need;
	m->state[id].busy = true;
	/* §2.8.21.1: the first descriptor's flags last, after a write barrier. */
	st16_release(&m->pdesc[first].flags, first_flags);
	return id;
}

int mock_vq_add(struct mock_vq *m, const struct mock_buf *b, unsigned n, bool indirect)
{
	if (!n || (indirect && n > MOCK_VQ_IND_MAX))
		return -EINVAL;
	if (m->flags & MOCK_VQ_PACKED)
		return mock_vq_add_packed(m, b, n, indirect);
	return mock_vq_add_split(m, b, n, indirect);
}

static u16 mock_vq_linear(const struct mock_vq *m, u16 slot, bool wrap)
{
	return (u16)((slot + (wrap ? 0u : m->size)) % (2u * m->size));
}

bool mock_vq_kick_prepare(struct mock_vq *m)
{
	bool kick;

	/* The new avail idx / flags must be visible before we read the device's
	 * suppression state (§2.7.13.4, §2.8.21.2). */
	mb();
	if (m->flags & MOCK_VQ_PACKED) {
		u32 ring2 = 2u * m->size,
		    ev = __atomic_load_n((u32 *)m->device_event, __ATOMIC_RELAXED);
		u16 new_pos = mock_vq_linear(m, m->next_avail, m->avail_wrap), old = m->kick_old;
		u16 off = ev & 0xffff;

		if (new_pos == old)
			return false;
		m->kick_old = new_pos;
		switch ((ev >> 16) & 3) {
		case VRING_PACKED_EVENT_FLAG_DISABLE:
			kick = false;
			break;
		case VRING_PACKED_EVENT_FLAG_DESC: {
			u32 e = mock_vq_linear(m, off & 0x7fff, off & WRAP_F);

			kick = (new_pos + ring2 - e - 1) % ring2 < (new_pos + ring2 - old) % ring2;
			break;
		}
		default:
			kick = true;
		}
	} else {
		u16 old = m->kick_old, new_idx = m->avail_idx;

		if (new_idx == old)
			return false;
		m->kick_old = new_idx;
		if (m->flags & MOCK_VQ_EVENT_IDX)
			kick = need_event(ld16((u16 *)&m->used->ring[m->size]), new_idx, old);
		else
			kick = !(ld16(&m->used->flags) & VRING_USED_F_NO_NOTIFY);
	}
	if (!kick)
		m->kicks_suppressed++;
	return kick;
}

static bool mock_vq_packed_used(const struct mock_vq *m, u16 flags)
{
	return !!(flags & AVAIL_F) == m->used_wrap && !!(flags & USED_F) == m->used_wrap;
}

int mock_vq_get_used(struct mock_vq *m, u32 *len)
{
	u16 id;

	if (m->flags & MOCK_VQ_PACKED) {
		struct vring_packed_desc *d = &m->pdesc[m->next_used];

		/* Acquire: id and len were written before the flags (§2.8.22). */
		if (!mock_vq_packed_used(m, ld16_acquire(&d->flags)))
			return -EAGAIN;
		id = d->id;
		*len = d->len;
		if (id >= m->size || !m->state[id].busy)
			return -EPROTO;
		mock_vq_packed_step(m, &m->next_used, &m->used_wrap, m->state[id].ndescs);
		m->num_free += m->state[id].ndescs;
		m->free_stack[m->nfree_stack++] = id;
	} else {
		struct vring_used_elem *u;
		u16 i;

		/* Acquire: the entries were written before idx (§2.7.14). */
		if (ld16_acquire(&m->used->idx) == m->last_used)
			return -EAGAIN;
		u = &m->used->ring[m->last_used & (m->size - 1)];
		if (u->id >= m->size || !m->state[u->id].busy)
			return -EPROTO;
		id = (u16)u->id;
		*len = u->len;
		m->last_used++;
		/* Return the chain's descriptors, following our own next links. */
		i = id;
		for (unsigned k = 0; k < m->state[id].ndescs; k++) {
			m->free_stack[m->nfree_stack++] = i;
			i = m->desc[i].next;
		}
		m->num_free += m->state[id].ndescs;
	}
	m->state[id].busy = false;
	return id;
}

void mock_vq_disable_cb(struct mock_vq *m)
{
	if (m->flags & MOCK_VQ_PACKED)
		st16(&m->driver_event->flags, VRING_PACKED_EVENT_FLAG_DISABLE);
	else if (m->flags & MOCK_VQ_EVENT_IDX)
		st16(&m->avail->ring[m->size], (u16)(m->last_used - 1)); /* behind: no event */
	else
		st16(&m->avail->flags, VRING_AVAIL_F_NO_INTERRUPT);
}

void mock_vq_enable_cb_at(struct mock_vq *m, u16 ahead)
{
	if (m->flags & MOCK_VQ_PACKED) {
		if (m->flags & MOCK_VQ_EVENT_IDX) {
			u16 slot = m->next_used;
			bool wrap = m->used_wrap;
			u32 v;

			mock_vq_packed_step(m, &slot, &wrap, ahead);
			v = slot | (wrap ? WRAP_F : 0) | (u32)VRING_PACKED_EVENT_FLAG_DESC << 16;
			__atomic_store_n((u32 *)m->driver_event, v, __ATOMIC_RELAXED);
		} else {
			st16(&m->driver_event->flags, VRING_PACKED_EVENT_FLAG_ENABLE);
		}
	} else if (m->flags & MOCK_VQ_EVENT_IDX) {
		st16(&m->avail->ring[m->size], (u16)(m->last_used + ahead));
	} else {
		st16(&m->avail->flags, 0);
	}
}

bool mock_vq_enable_cb(struct mock_vq *m)
{
	mock_vq_enable_cb_at(m, 0);
	/* Re-check after re-enabling, or an entry used meanwhile goes unnoticed (§2.8.22). */
	mb();
	if (m->flags & MOCK_VQ_PACKED)
		return mock_vq_packed_used(m, ld16(&m->pdesc[m->next_used].flags));
	return ld16(&m->used->idx) != m->last_used;
}

struct vring_desc *mock_vq_desc(struct mock_vq *m, u16 i)
{
	return &m->desc[i];
}

void mock_vq_split_raw(struct mock_vq *m, u16 head)
{
	m->avail->ring[m->avail_idx & (m->size - 1)] = head;
	st16_release(&m->avail->idx, ++m->avail_idx);
}

void mock_vq_packed_raw(struct mock_vq *m, const struct vring_packed_desc *d, unsigned n)
{
	u16 slot = m->next_avail, first = m->next_avail, first_flags = 0;
	bool wrap = m->avail_wrap;

	for (unsigned i = 0; i < n; i++) {
		struct vring_packed_desc *r = &m->pdesc[slot];
		u16 f = (d[i].flags & ~(AVAIL_F | USED_F)) | (wrap ? AVAIL_F : USED_F);

		r->addr = d[i].addr;
		r->len = d[i].len;
		r->id = d[i].id;
		if (i)
			r->flags = f;
		else
			first_flags = f;
		mock_vq_packed_step(m, &slot, &wrap, 1);
	}
	m->next_avail = slot;
	m->avail_wrap = wrap;
	if (n)
		st16_release(&m->pdesc[first].flags, first_flags);
}
