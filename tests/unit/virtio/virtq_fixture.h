/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Test fixture for the virtqueue unit tests: two guest memory regions that
 * are adjacent in guest-physical space but not in host memory, each between
 * PROT_NONE guard areas so that any device access outside guest memory
 * faults at once; a DMA address space that can be switched to a fake
 * IOMMU (4 KiB pages, one refused page, one read-only page); a driver-side
 * mock ring and the device-side queue under test.
 */
#ifndef IOVIRT_TEST_VIRTQ_FIXTURE_H
#define IOVIRT_TEST_VIRTQ_FIXTURE_H

#include <errno.h>
#include <sys/mman.h>

#include "check.h"
#include "mock_vq.h"
#include "iovirt/dma.h"
#include "iovirt/virtq.h"

#define FX_REGION      (1ull << 20)	   /* each region is 1 MiB */
#define FX_A	       0x0ull		   /* region A: GPA [0, 1 MiB) */
#define FX_B	       FX_REGION	   /* region B: GPA [1 MiB, 2 MiB) */
#define FX_HOLE	       (2 * FX_REGION)	   /* nothing from here */
#define FX_RING	       0x10000ull	   /* where the mock lays out its rings */
#define FX_DATA	       0xa0000ull	   /* data buffers */
#define FX_IOVA	       0x80000000ull	   /* IOMMU window: IOVA FX_IOVA + x -> GPA x */
#define FX_IOVA_DENIED (FX_IOVA + 0x90000) /* this page faults */
#define FX_IOVA_RDONLY (FX_IOVA + 0x91000) /* this page is read-only */

struct fx {
	struct gmem g;
	struct dma_as dma;
	struct mock_vq m;
	struct virtq vq;
	struct iovec iov[64];
	struct virtq_elem e;
	u8 *reserve; /* host reservation holding the guards and both regions */
	u8 *host_a, *host_b;
	unsigned faults; /* translations the fake IOMMU refused */
	bool iommu;
};

static int fx_translate(void *opaque, u16 rid, iova_t iova, u64 *len, unsigned perm, gpa_t *gpa)
{
	struct fx *f = opaque;
	u64 page = iova & ~0xfffull;

	(void)rid;
	if (iova < FX_IOVA || iova >= FX_IOVA + FX_HOLE || page == FX_IOVA_DENIED ||
	    (page == FX_IOVA_RDONLY && (perm & DMA_PERM_WRITE))) {
		f->faults++;
		return -EFAULT;
	}
	*gpa = iova - FX_IOVA;
	if (*len > 0x1000 - (iova & 0xfff))
		*len = 0x1000 - (iova & 0xfff);
	return 0;
}

static const struct dma_xlate_ops fx_xlate_ops = {.translate = fx_translate};

/* Guest memory and DMA only (for tests that build their own rings). */
static void fx_mem_init(struct fx *f)
{
	struct gmem_region r = {.fd = -1};

	memset(f, 0, sizeof(*f));
	gmem_init(&f->g);
	/* [guard 1M][A 1M][guard 1M][B 1M][guard 1M] */
	f->reserve = mmap(NULL, 5 * FX_REGION, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (f->reserve == MAP_FAILED)
		CHECK_SKIP("cannot reserve test memory");
	f->host_a = f->reserve + FX_REGION;
	f->host_b = f->reserve + 3 * FX_REGION;
	if (mprotect(f->host_a, FX_REGION, PROT_READ | PROT_WRITE) ||
	    mprotect(f->host_b, FX_REGION, PROT_READ | PROT_WRITE))
		CHECK_SKIP("cannot map test memory");
	r.gpa = FX_A;
	r.size = FX_REGION;
	r.hva = f->host_a;
	CHECK_EQ(gmem_add(&f->g, &r), 0);
	r.gpa = FX_B;
	r.hva = f->host_b;
	CHECK_EQ(gmem_add(&f->g, &r), 0);
	dma_as_init(&f->dma, &f->g, 0x0010, "test-dev");
}

static void fx_use_iommu(struct fx *f)
{
	f->iommu = true;
	f->dma.xlate = &fx_xlate_ops;
	f->dma.xlate_opaque = f;
}

/* The address the driver puts in a descriptor for guest-physical gpa. */
static u64 fx_addr(const struct fx *f, gpa_t gpa)
{
	return f->iommu ? gpa + FX_IOVA : gpa;
}

static void *fx_host(struct fx *f, gpa_t gpa, u64 len)
{
	return gmem_map_whole(&f->g, gpa, len);
}

/* Mock ring at FX_RING and the device queue on it; returns virtq_init's result. */
static int fx_queue(struct fx *f, u16 size, unsigned flags)
{
	struct virtq_config cfg;

	CHECK_EQ(mock_vq_init(&f->m, &f->g, FX_RING, size, flags), 0);
	mock_vq_config(&f->m, &cfg);
	cfg.desc_addr = fx_addr(f, cfg.desc_addr);
	cfg.driver_addr = fx_addr(f, cfg.driver_addr);
	cfg.device_addr = fx_addr(f, cfg.device_addr);
	virtq_elem_init(&f->e, f->iov, ARRAY_SIZE(f->iov));
	return virtq_init(&f->vq, &cfg, &f->dma, "test-vq");
}

static void fx_init(struct fx *f, u16 size, unsigned flags)
{
	fx_mem_init(f);
	CHECK_EQ(fx_queue(f, size, flags), 0);
}

static void fx_fini(struct fx *f)
{
	mock_vq_destroy(&f->m);
	gmem_destroy(&f->g);
	munmap(f->reserve, 5 * FX_REGION);
}

/* Every iovec of the popped elem lies inside one guest memory region. */
static bool fx_iov_in_gmem(const struct fx *f)
{
	for (unsigned i = 0; i < f->e.out_num + f->e.in_num; i++) {
		const u8 *p = f->e.iov[i].iov_base;
		size_t n = f->e.iov[i].iov_len;
		bool in_a = p >= f->host_a && p + n <= f->host_a + FX_REGION;
		bool in_b = p >= f->host_b && p + n <= f->host_b + FX_REGION;

		if (!n || !(in_a || in_b))
			return false;
	}
	return true;
}

/* Pop one chain and check it arrived well-formed. */
static int fx_pop(struct fx *f)
{
	int r = virtq_pop(&f->vq, &f->e);

	if (r == 1)
		CHECK(fx_iov_in_gmem(f));
	return r;
}

#endif
