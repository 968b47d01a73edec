// SPDX-License-Identifier: GPL-2.0-only
/*
 * The guest memory a front-end shares (vhost-user SET_MEM_TABLE, ADD_MEM_REG,
 * REM_MEM_REG): each region arrives as an fd plus (guest address, size,
 * user address, mmap offset). Before anything is mapped, every fd must be a
 * regular file whose size covers mmap_offset + size, and no region may
 * overlap another in guest-physical or in user address space. The regions are
 * kept as two struct gmem over the same mappings, so every later lookup is
 * the checked gmem code. Swapping the set happens with every queue fenced;
 * removing memory first stops the queues, so no element the device holds
 * can point into a mapping that goes away.
 */
#include <errno.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vu_priv.h"

void vu_mem_init(struct vu_mem *mem)
{
	mem->nr = 0;
	gmem_init(&mem->by_gpa);
	gmem_init(&mem->by_uva);
}

static void mmap_release(struct vu_mmap *m)
{
	if (m->map)
		munmap(m->map, m->map_len);
	if (m->fd >= 0)
		close(m->fd);
	m->map = NULL;
	m->fd = -1;
}

void vu_mem_destroy(struct vu_mem *mem)
{
	for (unsigned i = 0; i < mem->nr; i++)
		mmap_release(&mem->m[i]);
	gmem_destroy(&mem->by_gpa);
	gmem_destroy(&mem->by_uva);
	mem->nr = 0;
}

/* The fd must be a regular file (memfd, tmpfs, hugetlbfs) covering the region. */
static int mmap_check_fd(struct vu_dev *dev, const struct vu_mem_region *r, int fd,
			 struct stat *st)
{
	if (fstat(fd, st) < 0)
		return vu_violation(dev, "memory region fd cannot be stat'ed");
	if (!S_ISREG(st->st_mode))
		return vu_violation(dev, "memory region fd is not a regular file");
	/* GUEST: mmap_offset + size was checked not to wrap by vu_msg_check(). */
	if ((u64)st->st_size < r->mmap_offset + r->memory_size)
		return vu_violation(dev, "memory region mmap_offset + size (0x%llx) beyond its fd (0x%llx)",
				    (unsigned long long)(r->mmap_offset + r->memory_size),
				    (unsigned long long)st->st_size);
	return 0;
}

/* Map one checked region. Takes ownership of *fd on success. */
static int mmap_region(struct vu_mmap *m, const struct vu_mem_region *r, int *fd,
		       const struct stat *st)
{
	u64 align = (u64)sysconf(_SC_PAGESIZE);
	void *p;

	/* hugetlbfs wants offset and length in huge pages; st_blksize says how big. */
	if ((u64)st->st_blksize > align && !((u64)st->st_blksize & ((u64)st->st_blksize - 1)))
		align = (u64)st->st_blksize;
	m->reg = *r;
	m->dups = 0;
	m->map_off = ALIGN_DOWN(r->mmap_offset, align);
	m->map_len = ALIGN_UP(r->mmap_offset - m->map_off + r->memory_size, align);
	if (!m->map_len)
		return -EINVAL;
	p = mmap(NULL, m->map_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE, *fd,
		 (off_t)m->map_off);
	if (p == MAP_FAILED)
		return -errno;
	madvise(p, m->map_len, MADV_DONTDUMP);
	m->map = p;
	m->hva = (u8 *)p + (r->mmap_offset - m->map_off);
	m->fd = *fd;
	m->st_dev = st->st_dev;
	m->st_ino = st->st_ino;
	*fd = -1;
	return 0;
}

/* Build both lookups for a region set into fresh gmems. */
static int mem_build(const struct vu_mmap *m, unsigned nr, struct gmem *by_gpa,
		     struct gmem *by_uva)
{
	int ret = 0;

	gmem_init(by_gpa);
	gmem_init(by_uva);
	for (unsigned i = 0; i < nr && !ret; i++) {
		struct gmem_region g = {
			.gpa = m[i].reg.guest_phys_addr,
			.size = m[i].reg.memory_size,
			.hva = m[i].hva,
			.fd = m[i].fd,
			.fd_offset = m[i].reg.mmap_offset,
			.user_addr = m[i].reg.userspace_addr,
			.owned = false,
		};

		ret = gmem_add(by_gpa, &g);
		if (!ret) {
			g.gpa = m[i].reg.userspace_addr;
			ret = gmem_add(by_uva, &g);
		}
	}
	if (ret) {
		gmem_destroy(by_gpa);
		gmem_destroy(by_uva);
	}
	return ret;
}

/* Install a new region array: fence the queues, swap the lookups, unfence. */
static int mem_install(struct vu_dev *dev, const struct vu_mmap *m, unsigned nr)
{
	struct gmem by_gpa, by_uva, old_gpa, old_uva;
	int ret;

	ret = mem_build(m, nr, &by_gpa, &by_uva);
	if (ret)
		return ret;
	vu_queues_lock_all(dev);
	old_gpa = dev->mem.by_gpa;
	old_uva = dev->mem.by_uva;
	if (m != dev->mem.m)
		memcpy(dev->mem.m, m, nr * sizeof(*m));
	dev->mem.nr = nr;
	dev->mem.by_gpa = by_gpa;
	dev->mem.by_uva = by_uva;
	vu_queues_unlock_all(dev);
	gmem_destroy(&old_gpa);
	gmem_destroy(&old_uva);
	return 0;
}

static bool same_region(const struct vu_mmap *m, const struct vu_mem_region *r,
			const struct stat *st)
{
	return m->reg.guest_phys_addr == r->guest_phys_addr &&
	       m->reg.memory_size == r->memory_size &&
	       m->reg.userspace_addr == r->userspace_addr && m->reg.mmap_offset == r->mmap_offset &&
	       m->st_dev == st->st_dev && m->st_ino == st->st_ino;
}

int vu_mem_set_table(struct vu_dev *dev, const struct vu_mem_table *t, int *fds)
{
	struct vu_mmap nm[VHOST_USER_MEM_TABLE_MAX];
	bool was_active[VU_MAX_QUEUES];
	struct vu_mmap old[VU_MAX_MEM_SLOTS];
	struct stat st[VHOST_USER_MEM_TABLE_MAX];
	unsigned old_nr = dev->mem.nr, i;
	bool same = t->nregions == old_nr;
	int ret;

	for (i = 0; i < t->nregions; i++) {
		ret = mmap_check_fd(dev, &t->regions[i], fds[i], &st[i]);
		if (ret)
			return ret;
		if (same && !same_region(&dev->mem.m[i], &t->regions[i], &st[i]))
			same = false;
	}
	/* QEMU resends the whole table on every hotplug; unchanged means nothing to do. */
	if (same)
		return 0;

	for (i = 0; i < t->nregions; i++) {
		nm[i].fd = -1;
		nm[i].map = NULL;
		ret = mmap_region(&nm[i], &t->regions[i], &fds[i], &st[i]);
		if (ret)
			goto err_unmap;
	}
	/* Regions are going away: stop the queues so no element points into them. */
	vu_queues_suspend(dev, was_active);
	memcpy(old, dev->mem.m, old_nr * sizeof(old[0]));
	ret = mem_install(dev, nm, t->nregions);
	if (ret) {
		vu_queues_resume(dev, was_active);
		goto err_unmap;
	}
	for (i = 0; i < old_nr; i++)
		mmap_release(&old[i]);
	/* Rings are mapped again in the new memory; a ring outside it is the peer's fault. */
	return vu_queues_resume(dev, was_active);

err_unmap:
	/* The fds of regions not yet mapped stay in fds[] for the caller to close. */
	while (i--)
		mmap_release(&nm[i]);
	return ret;
}

static const char *overlap_existing(const struct vu_mem *mem, const struct vu_mem_region *r)
{
	for (unsigned i = 0; i < mem->nr; i++) {
		const struct vu_mem_region *o = &mem->m[i].reg;

		if (r->guest_phys_addr <= o->guest_phys_addr + (o->memory_size - 1) &&
		    o->guest_phys_addr <= r->guest_phys_addr + (r->memory_size - 1))
			return "added region overlaps another in guest-physical space";
		if (r->userspace_addr <= o->userspace_addr + (o->memory_size - 1) &&
		    o->userspace_addr <= r->userspace_addr + (r->memory_size - 1))
			return "added region overlaps another in user address space";
	}
	return NULL;
}

int vu_mem_add_region(struct vu_dev *dev, const struct vu_mem_region *r, int *fd)
{
	struct vu_mmap m[VU_MAX_MEM_SLOTS];
	const char *why;
	struct stat st;
	unsigned nr = dev->mem.nr;
	int ret;

	/*
	 * QEMU's vhost-user net with several queue pairs has one vhost_dev per
	 * pair on the one connection, each adding (and later removing) every
	 * region: an exact duplicate (same addresses, offset and file) is
	 * counted, not refused. Its fd is closed by the caller.
	 */
	ret = mmap_check_fd(dev, r, *fd, &st);
	if (ret)
		return ret;
	for (unsigned i = 0; i < nr; i++) {
		if (same_region(&dev->mem.m[i], r, &st)) {
			dev->mem.m[i].dups++;
			return 0;
		}
	}
	if (nr >= VU_MAX_MEM_SLOTS)
		return vu_violation(dev, "ADD_MEM_REG beyond the %u slots of GET_MAX_MEM_SLOTS",
				    VU_MAX_MEM_SLOTS);
	why = overlap_existing(&dev->mem, r);
	if (why)
		return vu_violation(dev, "%s", why);
	memcpy(m, dev->mem.m, nr * sizeof(m[0]));
	m[nr].fd = -1;
	m[nr].map = NULL;
	ret = mmap_region(&m[nr], r, fd, &st);
	if (ret)
		return ret;
	/* Nothing is unmapped: queues need only be fenced while the lookups change. */
	ret = mem_install(dev, m, nr + 1);
	if (ret) {
		*fd = m[nr].fd;
		m[nr].fd = -1;
		mmap_release(&m[nr]);
	}
	return ret;
}

int vu_mem_rem_region(struct vu_dev *dev, const struct vu_mem_region *r)
{
	struct vu_mmap m[VU_MAX_MEM_SLOTS], gone;
	bool was_active[VU_MAX_QUEUES];
	unsigned nr = dev->mem.nr, i;
	int ret;

	/* vhost-user REM_MEM_REG: identified by guest address, user address and size. */
	for (i = 0; i < nr; i++) {
		const struct vu_mem_region *o = &dev->mem.m[i].reg;

		if (o->guest_phys_addr == r->guest_phys_addr &&
		    o->userspace_addr == r->userspace_addr && o->memory_size == r->memory_size)
			break;
	}
	if (i == nr) {
		dev_warn_rl(&dev->rl, dev->name, "REM_MEM_REG of a region that is not mapped");
		return -ENOENT;
	}
	if (dev->mem.m[i].dups) {
		dev->mem.m[i].dups--;
		return 0;
	}
	gone = dev->mem.m[i];
	memcpy(m, dev->mem.m, i * sizeof(m[0]));
	memcpy(&m[i], &dev->mem.m[i + 1], (nr - i - 1) * sizeof(m[0]));
	vu_queues_suspend(dev, was_active);
	ret = mem_install(dev, m, nr - 1);
	if (ret) {
		vu_queues_resume(dev, was_active);
		return ret;
	}
	mmap_release(&gone);
	return vu_queues_resume(dev, was_active);
}

void *vu_mem_uva_to_hva(const struct vu_mem *mem, u64 uaddr, u64 len)
{
	return gmem_map_whole(&mem->by_uva, uaddr, len);
}

bool vu_mem_uva_to_gpa(const struct vu_mem *mem, u64 uaddr, gpa_t *gpa)
{
	const struct gmem_region *r = gmem_find(&mem->by_uva, uaddr);

	if (!r)
		return false;
	/* by_uva keys regions by user address; the region's GPA is kept by index. */
	for (unsigned i = 0; i < mem->nr; i++) {
		if (mem->m[i].hva == r->hva) {
			*gpa = mem->m[i].reg.guest_phys_addr + (uaddr - r->gpa);
			return true;
		}
	}
	return false;
}

bool vu_mem_hva_to_gpa(const struct vu_mem *mem, const void *hva, u64 *len, gpa_t *gpa)
{
	const u8 *p = hva;

	for (unsigned i = 0; i < mem->nr; i++) {
		const struct vu_mmap *m = &mem->m[i];

		if (p >= m->hva && (u64)(p - m->hva) < m->reg.memory_size) {
			u64 off = (u64)(p - m->hva);

			*gpa = m->reg.guest_phys_addr + off;
			if (*len > m->reg.memory_size - off)
				*len = m->reg.memory_size - off;
			return true;
		}
	}
	return false;
}
