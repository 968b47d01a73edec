// SPDX-License-Identifier: GPL-2.0-only
/*
 * The descriptor chain walker shared by split and packed rings. The format
 * code reads each ring descriptor once and hands (addr, len, WRITE) here;
 * this file enforces the rules every chain obeys whatever its ring format
 * (readable before writable, total ≤ 2^32, the caller's iovec capacity,
 * every byte inside guest memory with the access the direction needs), turns
 * buffers into iovecs through dma_map, and walks indirect tables. It writes
 * only the caller's elem, so a rejected chain changes no queue state.
 */
#include "virtq_priv.h"

void virtq_walk_start(struct virtq_walk *w, struct virtq *vq, struct virtq_elem *e)
{
	w->vq = vq;
	w->e = e;
	w->total = 0;
	w->seen_write = false;
	/* Only now is e written: a pop that finds nothing leaves the caller's elem alone. */
	e->out_num = 0;
	e->in_num = 0;
	e->out_len = 0;
	e->in_len = 0;
	e->ndescs = 0;
}

enum virtq_error virtq_walk_buf(struct virtq_walk *w, u64 addr, u32 len, bool write)
{
	struct virtq_elem *e = w->e;
	unsigned perm = write ? DMA_PERM_WRITE : DMA_PERM_READ;

	/* §2.7.4.2, §2.8.17: device-writable elements come after all readable ones. */
	if (write)
		w->seen_write = true;
	else if (w->seen_write)
		return VIRTQ_ERR_ORDER;
	/* §2.7.5.2: no chain beyond 2^32 bytes (the used length is 32 bits). */
	w->total += len;
	if (w->total > SZ_4G)
		return VIRTQ_ERR_TOTAL_LEN;
	if (write)
		e->in_len += len;
	else
		e->out_len += len;
	/*
	 * A zero-length element carries nothing: no iovec, no address to check
	 * (dma_map refuses a zero length, and nothing will be accessed there).
	 */
	while (len) {
		unsigned k = e->out_num + e->in_num;
		u64 n = len;
		void *p;

		if (k >= e->iov_max)
			return VIRTQ_ERR_TOO_MANY_SEGS;
		/* GUEST: addr/len from the driver; dma_map checks range, memory and permission
		 * and trims n to what is contiguous, so a buffer may take several iovecs. */
		p = dma_map(w->vq->dma, addr, &n, perm);
		if (!p)
			return VIRTQ_ERR_BUF_ADDR;
		e->iov[k].iov_base = p;
		e->iov[k].iov_len = n;
		if (write)
			e->in_num++;
		else
			e->out_num++;
		addr += n;
		len -= (u32)n;
	}
	return VIRTQ_OK;
}

/*
 * Entry i of an indirect table: straight from the mapping when the table is
 * one aligned host span (the usual case), else copied through dma_read (a
 * table across a region boundary or an IOMMU page, or misaligned). Each field
 * is read once into *d: the guest may be rewriting the table meanwhile.
 */
static bool virtq_indirect_load(const struct virtq_walk *w, const u8 *table, u64 addr, u32 i,
				struct virtq_desc *d)
{
	u16 w12, w14;

	if (table) {
		const u8 *src = table + (size_t)i * 16;

		d->addr = le64_to_cpu(READ_ONCE(*(const u64 *)src));
		d->len = le32_to_cpu(READ_ONCE(*(const u32 *)(src + 8)));
		w12 = le16_to_cpu(READ_ONCE(*(const u16 *)(src + 12)));
		w14 = le16_to_cpu(READ_ONCE(*(const u16 *)(src + 14)));
	} else {
		u8 raw[16];
		u64 v64;
		u32 v32;

		if (dma_read(w->vq->dma, addr + (u64)i * 16, raw, sizeof(raw)))
			return false;
		memcpy(&v64, raw, 8);
		memcpy(&v32, raw + 8, 4);
		memcpy(&w12, raw + 12, 2);
		memcpy(&w14, raw + 14, 2);
		d->addr = le64_to_cpu(v64);
		d->len = le32_to_cpu(v32);
		w12 = le16_to_cpu(w12);
		w14 = le16_to_cpu(w14);
	}
	/* struct vring_desc ends flags, next; struct vring_packed_desc ends id, flags. */
	if (w->vq->cfg.packed) {
		d->flags = w14;
		d->next = 0; /* §2.8.7: the buffer id is reserved in a table */
	} else {
		d->flags = w12;
		d->next = w14;
	}
	return true;
}

enum virtq_error virtq_walk_indirect(struct virtq_walk *w, u64 addr, u32 len)
{
	struct virtq *vq = w->vq;
	u32 count = len / 16, i = 0, ttl;
	const u8 *table;
	u64 n = len;

	if (!vq->cfg.indirect)
		return VIRTQ_ERR_INDIRECT_FEATURE;
	/*
	 * §2.7.5.3: the table is len/16 descriptors; §2.7.5.3.1: no chain longer
	 * than the queue size, so neither is a table. This also bounds the walk.
	 */
	if (!len || len % 16 || count > vq->cfg.size)
		return VIRTQ_ERR_INDIRECT_LEN;
	/* GUEST: the table's range and readability are checked by dma_map. */
	table = dma_map(vq->dma, addr, &n, DMA_PERM_READ);
	if (!table)
		return VIRTQ_ERR_BUF_ADDR;
	if (n < len || !IS_ALIGNED((uintptr_t)table, 16))
		table = NULL; /* slow path: copy each entry (dma_read checks every byte) */
	for (ttl = count;; ttl--) {
		struct virtq_desc d;
		enum virtq_error err;

		/* Split tables chain by next: a loop shows as more steps than entries. */
		if (!ttl)
			return VIRTQ_ERR_CHAIN_LOOP;
		if (!virtq_indirect_load(w, table, addr, i, &d))
			return VIRTQ_ERR_BUF_ADDR;
		/*
		 * §2.7.5.3.1: one table per descriptor, never INDIRECT inside one.
		 * §2.8.19 forbids any flag but WRITE in a packed table: NEXT is
		 * ignored as §2.8.7 says, INDIRECT is refused as for split.
		 */
		if (d.flags & VRING_DESC_F_INDIRECT)
			return VIRTQ_ERR_NESTED_INDIRECT;
		err = virtq_walk_buf(w, d.addr, d.len, d.flags & VRING_DESC_F_WRITE);
		if (err)
			return err;
		if (vq->cfg.packed) {
			/* §2.8.7: a packed table is sequential and ends with the table. */
			if (++i == count)
				return VIRTQ_OK;
			continue;
		}
		if (!(d.flags & VRING_DESC_F_NEXT))
			return VIRTQ_OK;
		/* GUEST: next indexes the table; refuse it past the table's end. */
		if (d.next >= count)
			return VIRTQ_ERR_NEXT_RANGE;
		i = d.next;
	}
}
