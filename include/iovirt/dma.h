/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The one DMA API (ARCHITECTURE rule 1). Every guest memory access a device
 * makes goes through a struct dma_as: the device's requester ID and the
 * address space it sees. Without an IOMMU an I/O-virtual address is a
 * guest-physical one and only the range is checked; behind an IOMMU the
 * translator maps IOVA → GPA with the device's domain and permissions, and a
 * refusal is a fault the IOMMU records — never a host memory access.
 */
#ifndef IOVIRT_DMA_H
#define IOVIRT_DMA_H

#include "gmem.h"
#include "types.h"

/* Access direction, from the device's point of view. */
enum dma_perm {
	DMA_PERM_READ = 1,  /* device reads guest memory (e.g. a TX buffer) */
	DMA_PERM_WRITE = 2, /* device writes guest memory (e.g. an RX buffer) */
};

struct dma_xlate_ops {
	/*
	 * Translate iova for requester rid. On entry *len is the length wanted;
	 * on success *gpa is set and *len trimmed to what is contiguous; returns
	 * 0. On refusal the translator records the fault and returns -EFAULT.
	 */
	int (*translate)(void *opaque, u16 rid, iova_t iova, u64 *len, unsigned perm, gpa_t *gpa);
};

struct dma_as {
	const struct gmem *gmem;
	const struct dma_xlate_ops *xlate; /* NULL: identity (no IOMMU) */
	void *xlate_opaque;
	u16 rid;	  /* PCI requester ID: bus << 8 | devfn */
	const char *name; /* device name, for messages */
};

void dma_as_init(struct dma_as *as, const struct gmem *g, u16 rid, const char *name);

/* dma_map through the translator (behind an IOMMU); use dma_map. */
void *dma_map_xlate(const struct dma_as *as, iova_t iova, u64 *len, unsigned perm);

/*
 * Host pointer for iova with the access `perm`. *len in: wanted; out: the span
 * contiguous in host memory (> 0). NULL when translation or the range fails.
 * Inline: it runs for every descriptor, and without an IOMMU it is the range
 * check and the gmem lookup alone.
 */
static inline void *dma_map(const struct dma_as *as, iova_t iova, u64 *len, unsigned perm)
{
	if (unlikely(!*len || !range_ok(iova, *len - 1)))
		return NULL;
	if (unlikely(as->xlate != NULL))
		return dma_map_xlate(as, iova, len, perm);
	return gmem_map(as->gmem, iova, len);
}

/* Copy from/to device-visible memory; -EFAULT when any byte is refused. */
int dma_read(const struct dma_as *as, iova_t iova, void *buf, u64 len) __must_check;
int dma_write(const struct dma_as *as, iova_t iova, const void *buf, u64 len) __must_check;

#endif
