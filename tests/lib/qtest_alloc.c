// SPDX-License-Identifier: GPL-2.0-only
/*
 * Guest-memory allocator for tests (qtest_alloc.h): an array of blocks that
 * always tiles [start, end), each free or used. Allocation splits the first
 * free block that fits; freeing merges with free neighbours.
 */
#include <string.h>

#include "qtest_alloc.h"
#include "qtest_client.h"

void qalloc_init(struct qguest_alloc *a, struct qtest_state *s, uint64_t start, uint64_t end,
		 uint64_t align)
{
	memset(a, 0, sizeof(*a));
	if (!align || (align & (align - 1)) || start >= end || (start & (align - 1)))
		qtest_fatal(s, "qalloc_init: bad range 0x%lx-0x%lx align 0x%lx",
			    (unsigned long)start, (unsigned long)end, (unsigned long)align);
	a->qts = s;
	a->start = start;
	a->end = end;
	a->align = align;
	a->nr = 1;
	a->blk[0].addr = start;
	a->blk[0].size = end - start;
}

static void insert_at(struct qguest_alloc *a, unsigned i)
{
	if (a->nr == QALLOC_MAX_BLOCKS)
		qtest_fatal(a->qts, "guest_alloc: more than %d blocks", QALLOC_MAX_BLOCKS);
	memmove(&a->blk[i + 1], &a->blk[i], (a->nr - i) * sizeof(a->blk[0]));
	a->nr++;
}

static void remove_at(struct qguest_alloc *a, unsigned i)
{
	memmove(&a->blk[i], &a->blk[i + 1], (a->nr - i - 1) * sizeof(a->blk[0]));
	a->nr--;
}

uint64_t guest_alloc(struct qguest_alloc *a, uint64_t size)
{
	uint64_t want;

	if (!size)
		size = 1;
	want = (size + a->align - 1) & ~(a->align - 1);
	if (want < size)
		qtest_fatal(a->qts, "guest_alloc: size 0x%lx overflows", (unsigned long)size);
	for (unsigned i = 0; i < a->nr; i++) {
		uint64_t addr;

		if (a->blk[i].used || a->blk[i].size < want)
			continue;
		addr = a->blk[i].addr;
		if (a->blk[i].size > want) {
			insert_at(a, i + 1);
			a->blk[i + 1].addr = addr + want;
			a->blk[i + 1].size = a->blk[i].size - want;
			a->blk[i + 1].used = 0;
			a->blk[i].size = want;
		}
		a->blk[i].used = 1;
		qtest_memset(a->qts, addr, 0, want);
		return addr;
	}
	qtest_fatal(a->qts, "guest_alloc: no room for 0x%lx bytes", (unsigned long)size);
}

void guest_free(struct qguest_alloc *a, uint64_t addr)
{
	for (unsigned i = 0; i < a->nr; i++) {
		if (a->blk[i].addr != addr)
			continue;
		if (!a->blk[i].used)
			qtest_fatal(a->qts, "guest_free: 0x%lx freed twice", (unsigned long)addr);
		a->blk[i].used = 0;
		if (i + 1 < a->nr && !a->blk[i + 1].used) {
			a->blk[i].size += a->blk[i + 1].size;
			remove_at(a, i + 1);
		}
		if (i > 0 && !a->blk[i - 1].used) {
			a->blk[i - 1].size += a->blk[i].size;
			remove_at(a, i);
		}
		return;
	}
	qtest_fatal(a->qts, "guest_free: 0x%lx was not allocated", (unsigned long)addr);
}

uint64_t guest_free_bytes(const struct qguest_alloc *a)
{
	uint64_t n = 0;

	for (unsigned i = 0; i < a->nr; i++)
		if (!a->blk[i].used)
			n += a->blk[i].size;
	return n;
}
