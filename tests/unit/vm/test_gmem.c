// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for src/vm/gmem.c and src/vm/dma.c: range checks, overflow, region edges. */
#include <errno.h>

#include "check.h"
#include "iovirt/dma.h"
#include "iovirt/gmem.h"

static int fake_xlate(void *o, u16 rid, iova_t iova, u64 *len, unsigned perm, gpa_t *gpa)
{
	/* IOVA 0x10000000.. maps to GPA 0x1000.., 4 KiB pages, read-only; everything else faults. */
	(void)o;
	(void)rid;
	if (iova < 0x10000000 || iova >= 0x10004000 || (perm & DMA_PERM_WRITE))
		return -EFAULT;
	*gpa = iova - 0x10000000 + 0x1000;
	if (*len > 0x1000 - (iova & 0xfff))
		*len = 0x1000 - (iova & 0xfff);
	return 0;
}

/* The region a plain scan finds for gpa: what gmem_find must agree with. */
static const struct gmem_region *scan_find(const struct gmem *g, gpa_t gpa)
{
	for (unsigned i = 0; i < g->nr; i++)
		if (gpa >= g->r[i].gpa && gpa - g->r[i].gpa < g->r[i].size)
			return &g->r[i];
	return NULL;
}

/*
 * gmem_find and gmem_map against the scan at every region edge (and a step
 * either side), for sets of 0 to 5 regions, including one at address 0 and
 * one ending at the top of the address space; dma_map without a translator
 * must agree with gmem_map and refuse a length that wraps.
 */
static void check_lookup(void)
{
	static const struct {
		gpa_t gpa;
		u64 size;
	} regs[] = {
		{ 0x0, 0x1000 },	     { 0x3000, 0x2000 },    { 0x100000000ull, 0x10000 },
		{ 0x100010000ull, 0x1000 }, { ~0ull - 0xfff, 0x1000 },
	};
	static u8 backing[ARRAY_SIZE(regs)][0x10000]; /* as big as the biggest region */

	for (unsigned nr = 0; nr <= ARRAY_SIZE(regs); nr++) {
		struct gmem g;
		struct dma_as as;

		gmem_init(&g);
		/* Added last-first, so that sorting is exercised too. */
		for (unsigned i = nr; i--;) {
			struct gmem_region r = { .gpa = regs[i].gpa, .size = regs[i].size,
						 .hva = backing[i], .fd = -1 };

			CHECK_EQ(gmem_add(&g, &r), 0);
		}
		dma_as_init(&as, &g, 0, "lookup");
		for (unsigned i = 0; i < ARRAY_SIZE(regs); i++) {
			const gpa_t edges[] = { regs[i].gpa, regs[i].gpa + regs[i].size - 1 };

			for (unsigned k = 0; k < 2; k++) {
				for (int d = -1; d <= 1; d++) {
					gpa_t a = edges[k] + (gpa_t)(s64)d;
					const struct gmem_region *want = scan_find(&g, a);
					u64 len = 0x10000, dlen = 0x10000;
					u8 *p = gmem_map(&g, a, &len);
					u8 *q = dma_map(&as, a, &dlen, DMA_PERM_READ);

					CHECK(gmem_find(&g, a) == want);
					CHECK(p == (want ? want->hva + (a - want->gpa) : NULL));
					if (want && !range_ok(a, 0x10000 - 1))
						CHECK(q == NULL); /* the wanted span wraps */
					else
						CHECK(q == p);
					if (p) {
						CHECK(len >= 1 && len <= want->size - (a - want->gpa));
						CHECK(len == MIN(0x10000ull, want->size - (a - want->gpa)));
					}
					len = 0;
					CHECK(gmem_map(&g, a, &len) == NULL);
				}
			}
		}
		gmem_destroy(&g);
	}
}

int main(void)
{
	static const struct dma_xlate_ops xops = { .translate = fake_xlate };
	struct gmem g;
	struct dma_as as;
	u8 buf[64] = { 0 };
	u64 len;
	void *p;

	gmem_init(&g);
	CHECK_EQ(gmem_add_memfd(&g, 0, 0x10000, false), 0);
	CHECK_EQ(gmem_add_memfd(&g, 0x20000, 0x10000, false), 0);
	/* Overlap and zero size are refused. */
	CHECK_EQ(gmem_add_memfd(&g, 0xf000, 0x2000, false), -EEXIST);
	{
		struct gmem_region r = { .gpa = 0x50000, .size = 0, .fd = -1 };

		CHECK_EQ(gmem_add(&g, &r), -EINVAL);
		r.gpa = ~0ull - 10;
		r.size = 100;
		CHECK_EQ(gmem_add(&g, &r), -EINVAL);
	}
	CHECK_EQ(gmem_total(&g), 0x20000);

	/* gmem_map trims to the region end. */
	len = 0x100;
	p = gmem_map(&g, 0xff80, &len);
	CHECK(p != NULL);
	CHECK_EQ(len, 0x80);
	len = 1;
	CHECK(gmem_map(&g, 0x10000, &len) == NULL); /* the hole */
	len = 16;
	CHECK(gmem_map(&g, ~0ull - 4, &len) == NULL);
	CHECK(gmem_map_whole(&g, 0xff80, 0x100) == NULL);
	CHECK(gmem_map_whole(&g, 0xff00, 0x100) != NULL);
	CHECK(gmem_map_whole(&g, ~0ull - 2, 8) == NULL); /* wraps */

	/* Read/write across a hole fails whole; inside a region succeeds. */
	CHECK_EQ(gmem_write(&g, 0xfff0, buf, 32), -EFAULT);
	memset(buf, 0xab, sizeof(buf));
	CHECK_EQ(gmem_write(&g, 0x20010, buf, 32), 0);
	memset(buf, 0, sizeof(buf));
	CHECK_EQ(gmem_read(&g, 0x20010, buf, 32), 0);
	CHECK_EQ(buf[31], 0xab);
	CHECK_EQ(gmem_read(&g, ~0ull - 8, buf, 32), -EFAULT);

	/* DMA without a translator is identity; with one, permissions and faults apply. */
	dma_as_init(&as, &g, 0x0008, "test");
	CHECK_EQ(dma_write(&as, 0x1000, "hello", 5), 0);
	as.xlate = &xops;
	CHECK_EQ(dma_read(&as, 0x10000000, buf, 5), 0);
	CHECK(!memcmp(buf, "hello", 5));
	CHECK_EQ(dma_write(&as, 0x10000000, "x", 1), -EFAULT);
	CHECK_EQ(dma_read(&as, 0x0, buf, 1), -EFAULT);
	/* A read that crosses translated pages is stitched together. */
	CHECK_EQ(dma_read(&as, 0x10000ff8, buf, 16), 0);
	len = 0x2000;
	CHECK(dma_map(&as, 0x10000800, &len, DMA_PERM_READ) != NULL);
	CHECK_EQ(len, 0x800);
	len = 0;
	CHECK(dma_map(&as, 0x10000800, &len, DMA_PERM_READ) == NULL);

	gmem_destroy(&g);
	check_lookup();
	return check_done();
}
