// SPDX-License-Identifier: GPL-2.0-only
/*
 * dma_map/dma_read/dma_write: requester ID + IOVA → (IOMMU) → GPA → gmem.
 * A copy either happens whole or not at all for untranslated spaces; behind an
 * IOMMU a refusal part-way leaves the bytes before it written, as real DMA does.
 */
#include <errno.h>

#include "iovirt/dma.h"

void dma_as_init(struct dma_as *as, const struct gmem *g, u16 rid, const char *name)
{
	as->gmem = g;
	as->xlate = NULL;
	as->xlate_opaque = NULL;
	as->rid = rid;
	as->name = name;
}

/* The IOMMU half of dma_map (dma.h), which did the range check already. */
void *dma_map_xlate(const struct dma_as *as, iova_t iova, u64 *len, unsigned perm)
{
	gpa_t gpa;

	if (as->xlate->translate(as->xlate_opaque, as->rid, iova, len, perm, &gpa))
		return NULL;
	return gmem_map(as->gmem, gpa, len);
}

int dma_read(const struct dma_as *as, iova_t iova, void *buf, u64 len)
{
	u8 *dst = buf;

	if (!as->xlate)
		return gmem_read(as->gmem, iova, buf, len);
	while (len) {
		u64 n = len;
		void *src = dma_map(as, iova, &n, DMA_PERM_READ);

		if (!src)
			return -EFAULT;
		memcpy(dst, src, n);
		dst += n;
		iova += n;
		len -= n;
	}
	return 0;
}

int dma_write(const struct dma_as *as, iova_t iova, const void *buf, u64 len)
{
	const u8 *src = buf;

	if (!as->xlate)
		return gmem_write(as->gmem, iova, buf, len);
	while (len) {
		u64 n = len;
		void *dst = dma_map(as, iova, &n, DMA_PERM_WRITE);

		if (!dst)
			return -EFAULT;
		memcpy(dst, src, n);
		src += n;
		iova += n;
		len -= n;
	}
	return 0;
}
