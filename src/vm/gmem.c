// SPDX-License-Identifier: GPL-2.0-only
/*
 * Guest memory regions and the only GPA → HVA translation in the project.
 * Lookups (gmem_find, gmem_map: inline in gmem.h, they are on every
 * descriptor's path) binary-search the sorted region array; every range is
 * checked for overflow and for the end of its region before a pointer is
 * returned.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "iovirt/gmem.h"
#include "iovirt/log.h"

void gmem_init(struct gmem *g)
{
	g->r = NULL;
	g->nr = 0;
	g->cap = 0;
}

void gmem_destroy(struct gmem *g)
{
	for (unsigned i = 0; i < g->nr; i++) {
		struct gmem_region *r = &g->r[i];

		if (!r->owned)
			continue;
		munmap(r->hva, r->size);
		if (r->fd >= 0)
			close(r->fd);
	}
	free(g->r);
	gmem_init(g);
}

int gmem_add(struct gmem *g, const struct gmem_region *nr)
{
	unsigned pos;

	if (!nr->size || !range_ok(nr->gpa, nr->size - 1))
		return -EINVAL;
	for (pos = 0; pos < g->nr; pos++) {
		const struct gmem_region *r = &g->r[pos];

		if (nr->gpa <= r->gpa + r->size - 1 && r->gpa <= nr->gpa + nr->size - 1)
			return -EEXIST;
		if (nr->gpa < r->gpa)
			break;
	}
	if (g->nr == g->cap) {
		unsigned cap = g->cap ? g->cap * 2 : 4;
		struct gmem_region *n = realloc(g->r, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		g->r = n;
		g->cap = cap;
	}
	memmove(&g->r[pos + 1], &g->r[pos], (g->nr - pos) * sizeof(*g->r));
	g->r[pos] = *nr;
	g->nr++;
	return 0;
}

int gmem_add_memfd(struct gmem *g, gpa_t gpa, u64 size, bool huge)
{
	struct gmem_region r = { .gpa = gpa, .size = size, .owned = true };
	unsigned flags = MFD_CLOEXEC | (huge ? MFD_HUGETLB : 0);
	int fd, ret;

	fd = memfd_create(huge ? "iovirt-ram-huge" : "iovirt-ram", flags);
	if (fd < 0)
		return -errno;
	if (ftruncate(fd, (off_t)size) < 0) {
		ret = -errno;
		goto err_close;
	}
	/* MAP_NORESERVE: guest RAM is touched lazily; the host's overcommit decides. */
	r.hva = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE, fd, 0);
	if (r.hva == MAP_FAILED) {
		ret = -errno;
		goto err_close;
	}
	madvise(r.hva, size, MADV_DONTDUMP);
	/*
	 * Transparent huge pages for guest RAM where the host allows them on
	 * shared memory (/sys/kernel/mm/transparent_hugepage/shmem_enabled
	 * "advise"; "always" needs no advice, "never" — Debian's default —
	 * ignores it). Each 2 MiB page is then one KVM stage-2 fault and one
	 * TLB entry instead of 512: measured in the nested lab, an L3 Linux
	 * boot spends about a second less in page faults (bench/lab/boot).
	 * Best effort: an error only means 4 KiB pages.
	 */
	if (!huge)
		madvise(r.hva, size, MADV_HUGEPAGE);
	r.fd = fd;
	ret = gmem_add(g, &r);
	if (ret)
		goto err_unmap;
	return 0;

err_unmap:
	munmap(r.hva, size);
err_close:
	close(fd);
	return ret;
}

void *gmem_map_whole(const struct gmem *g, gpa_t gpa, u64 len)
{
	u64 got = len;
	void *p;

	if (!len || !range_ok(gpa, len))
		return NULL;
	p = gmem_map(g, gpa, &got);
	return p && got == len ? p : NULL;
}

/* True when all of [gpa, gpa+len) is guest memory (possibly over several regions). */
static bool gmem_covers(const struct gmem *g, gpa_t gpa, u64 len)
{
	if (!range_ok(gpa, len))
		return false;
	while (len) {
		u64 n = len;

		if (!gmem_map(g, gpa, &n))
			return false;
		gpa += n;
		len -= n;
	}
	return true;
}

int gmem_read(const struct gmem *g, gpa_t gpa, void *buf, u64 len)
{
	u8 *dst = buf;

	if (!gmem_covers(g, gpa, len))
		return -EFAULT;
	while (len) {
		u64 n = len;
		void *src = gmem_map(g, gpa, &n);

		memcpy(dst, src, n);
		dst += n;
		gpa += n;
		len -= n;
	}
	return 0;
}

int gmem_write(const struct gmem *g, gpa_t gpa, const void *buf, u64 len)
{
	const u8 *src = buf;

	if (!gmem_covers(g, gpa, len))
		return -EFAULT;
	while (len) {
		u64 n = len;
		void *dst = gmem_map(g, gpa, &n);

		memcpy(dst, src, n);
		src += n;
		gpa += n;
		len -= n;
	}
	return 0;
}

u64 gmem_total(const struct gmem *g)
{
	u64 t = 0;

	for (unsigned i = 0; i < g->nr; i++)
		t += g->r[i].size;
	return t;
}
