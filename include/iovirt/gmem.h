/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Guest memory: a set of guest-physical regions, each backed by host memory
 * (normally a memfd, so that a vhost-user back-end can map the same pages).
 *
 * This is the only module that turns a guest address into a host pointer.
 * Every accessor takes (addr, len) and checks the whole range, with overflow:
 * gmem_map() returns a pointer and the length that is contiguous from there,
 * so callers that cross a region boundary loop. The same code serves the VMM
 * and a vhost-user back-end (whose regions come from SET_MEM_TABLE).
 */
#ifndef IOVIRT_GMEM_H
#define IOVIRT_GMEM_H

#include "types.h"

struct gmem_region {
	gpa_t gpa;	/* first guest-physical address */
	u64 size;	/* bytes */
	u8 *hva;	/* host mapping of gpa */
	int fd;		/* backing fd (memfd) or -1 */
	u64 fd_offset;	/* offset of gpa within fd */
	u64 user_addr;	/* vhost-user: the front-end's virtual address of gpa */
	bool owned;	/* unmap/close on gmem_destroy */
};

/*
 * Regions are sorted by gpa and never overlap. The set is built before the
 * devices that read it start; a vhost-user back-end swaps whole sets.
 */
struct gmem {
	struct gmem_region *r;
	unsigned nr;
	unsigned cap;
};

void gmem_init(struct gmem *g);
void gmem_destroy(struct gmem *g);

/* Create an anonymous memfd-backed region (hugetlb when `huge`) and add it. */
int gmem_add_memfd(struct gmem *g, gpa_t gpa, u64 size, bool huge) __must_check;
/* Add an existing host mapping. `owned`: munmap and close it on destroy. */
int gmem_add(struct gmem *g, const struct gmem_region *r) __must_check;

/*
 * The region holding gpa, or NULL. Inline, like gmem_map below: every
 * descriptor of every virtqueue goes through here, and a guest has few
 * regions (one to a handful), so the search is a couple of compares that a
 * call would cost more than. The first region is tried before the search:
 * with one region (DPDK's virtio-user, a small guest) that is the whole
 * lookup, and in a VMM it is low memory, where most buffers are.
 */
static inline const struct gmem_region *gmem_find(const struct gmem *g, gpa_t gpa)
{
	const struct gmem_region *r = g->r;
	unsigned lo, hi;

	/* Unsigned: gpa below r->gpa wraps to a huge offset and fails the size check. */
	if (likely(g->nr) && likely(gpa - r->gpa < r->size))
		return r;
	lo = 1;
	hi = g->nr;
	while (lo < hi) {
		unsigned mid = (lo + hi) / 2;

		r = &g->r[mid];
		if (gpa < r->gpa)
			hi = mid;
		else if (gpa - r->gpa >= r->size)
			lo = mid + 1;
		else
			return r;
	}
	return NULL;
}

/*
 * Host pointer for gpa. On entry *len is the length wanted; on return it is
 * the length contiguous in host memory from there (≤ wanted, > 0). NULL when
 * gpa is not guest memory or *len is 0.
 */
static inline void *gmem_map(const struct gmem *g, gpa_t gpa, u64 *len)
{
	const struct gmem_region *r = gmem_find(g, gpa);
	u64 off, avail;

	if (unlikely(!r || !*len))
		return NULL;
	/* In the region: off < size, so avail ≥ 1 and [off, off + *len) stays inside. */
	off = gpa - r->gpa;
	avail = r->size - off;
	if (*len > avail)
		*len = avail;
	return r->hva + off;
}

/* Host pointer for the whole [gpa, gpa+len), or NULL if it is not one contiguous span. */
void *gmem_map_whole(const struct gmem *g, gpa_t gpa, u64 len);

/* Copy to/from guest memory; -EFAULT if any byte is outside it (nothing is copied then). */
int gmem_read(const struct gmem *g, gpa_t gpa, void *buf, u64 len) __must_check;
int gmem_write(const struct gmem *g, gpa_t gpa, const void *buf, u64 len) __must_check;

/* Total bytes of guest memory. */
u64 gmem_total(const struct gmem *g);

#endif
