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
	return check_done();
}
