/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A guest-memory allocator for tests: hands out page-aligned ranges of guest
 * RAM inside [start, end) (rings, buffers, MSI landing pads), first fit, with
 * coalescing frees. It only keeps books on the test's side; the memory itself
 * is reached through the qtest protocol. A double or stray free ends the test.
 */
#ifndef IOVIRT_TEST_QTEST_ALLOC_H
#define IOVIRT_TEST_QTEST_ALLOC_H

#include <stdint.h>

struct qtest_state;

#define QALLOC_MAX_BLOCKS 256

struct qguest_alloc {
	struct qtest_state *qts;
	uint64_t start, end;
	uint64_t align;
	unsigned nr;
	struct {
		uint64_t addr, size;
		int used;
	} blk[QALLOC_MAX_BLOCKS];	/* sorted by addr, covering [start, end) */
};

/* Manage [start, end) of guest RAM; align is a power of two (4096 usually). */
void qalloc_init(struct qguest_alloc *a, struct qtest_state *s, uint64_t start, uint64_t end,
		 uint64_t align);
/* A zeroed range of at least size bytes; ends the test when memory is exhausted. */
uint64_t guest_alloc(struct qguest_alloc *a, uint64_t size);
void guest_free(struct qguest_alloc *a, uint64_t addr);
/* Bytes not allocated (for leak checks). */
uint64_t guest_free_bytes(const struct qguest_alloc *a);

#endif
