// SPDX-License-Identifier: GPL-2.0-only
/*
 * Dirty-page logging for live migration (vhost-user "Migration", LOG_SHMFD):
 * the front-end shares a bitmap, one bit per 4 KiB guest page from guest
 * address 0, and the back-end sets the bit of every page it writes — buffer
 * bytes of pushed chains and, when VHOST_VRING_F_LOG is set on a ring, the
 * ring part the device writes. Bits are set with atomic ORs because the
 * front-end reads and clears the bitmap concurrently. Writes past the end of
 * the bitmap are a front-end error: counted and warned about, never done.
 */
#include <errno.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vu_priv.h"

void vu_log_destroy(struct vu_dirty_log *log)
{
	if (log->map)
		munmap(log->map, log->map_len);
	if (log->fd >= 0)
		close(log->fd);
	log->map = NULL;
	log->bits = NULL;
	log->size = 0;
	log->fd = -1;
}

int vu_log_set_base(struct vu_dev *dev, const struct vu_log *msg, int *fd)
{
	u64 page = (u64)sysconf(_SC_PAGESIZE);
	struct stat st;
	u64 off, len;
	void *p;

	if (!msg->mmap_size)
		return vu_violation(dev, "SET_LOG_BASE with an empty log");
	if (!range_ok(msg->mmap_offset, msg->mmap_size))
		return vu_violation(dev, "SET_LOG_BASE offset + size wraps");
	if (fstat(*fd, &st) < 0 || !S_ISREG(st.st_mode))
		return vu_violation(dev, "SET_LOG_BASE fd is not a regular file");
	if ((u64)st.st_size < msg->mmap_offset + msg->mmap_size)
		return vu_violation(dev, "SET_LOG_BASE log (0x%llx bytes at 0x%llx) beyond its fd",
				    (unsigned long long)msg->mmap_size,
				    (unsigned long long)msg->mmap_offset);
	off = ALIGN_DOWN(msg->mmap_offset, page);
	len = msg->mmap_offset - off + msg->mmap_size;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, *fd, (off_t)off);
	if (p == MAP_FAILED)
		return -errno;
	/* The data path reads the log pointers under the queue locks. */
	vu_queues_lock_all(dev);
	if (dev->log.map)
		munmap(dev->log.map, dev->log.map_len);
	dev->log.map = p;
	dev->log.map_len = len;
	dev->log.bits = (u8 *)p + (msg->mmap_offset - off);
	dev->log.size = msg->mmap_size;
	vu_queues_unlock_all(dev);
	/* The mapping keeps the memory; the fd itself is not needed. */
	close(*fd);
	*fd = -1;
	return 0;
}

void vu_log_set_fd(struct vu_dev *dev, int *fd)
{
	vu_queues_lock_all(dev);
	if (dev->log.fd >= 0)
		close(dev->log.fd);
	dev->log.fd = *fd;
	*fd = -1;
	vu_queues_unlock_all(dev);
}

void vu_log_gpa(struct vu_dev *dev, gpa_t gpa, u64 len)
{
	struct vu_dirty_log *log = &dev->log;
	u64 first, last;

	if (!len || !log->bits)
		return;
	if (!range_ok(gpa, len - 1)) {
		dev_warn_rl(&dev->rl, dev->name, "dirty log range wraps");
		return;
	}
	first = gpa / VHOST_LOG_PAGE;
	last = (gpa + len - 1) / VHOST_LOG_PAGE;
	/* GUEST: the front-end sized the log; a page past it is its error, not a write. */
	if (last / 8 >= log->size) {
		dev_warn_rl(&dev->rl, dev->name, "dirty page 0x%llx beyond the log (%llu bytes)",
			    (unsigned long long)last, (unsigned long long)log->size);
		if (first / 8 >= log->size)
			return;
		last = log->size * 8 - 1;
	}
	for (u64 p = first; p <= last; p++)
		__atomic_fetch_or(&log->bits[p / 8], (u8)(1u << (p % 8)), __ATOMIC_RELAXED);
	dev->stats.log_writes += last - first + 1;
	log->dirty = true;
}

void vu_log_hva(struct vu_dev *dev, const void *hva, u64 len)
{
	const u8 *p = hva;

	while (len) {
		u64 n = len;
		gpa_t gpa;

		if (!vu_mem_hva_to_gpa(&dev->mem, p, &n, &gpa)) {
			dev_warn_rl(&dev->rl, dev->name, "dirty log: buffer outside guest memory");
			return;
		}
		vu_log_gpa(dev, gpa, n);
		p += n;
		len -= n;
	}
}

void vu_log_signal(struct vu_dev *dev)
{
	u64 one = 1;

	if (!dev->log.dirty || dev->log.fd < 0)
		return;
	dev->log.dirty = false;
	if (write(dev->log.fd, &one, sizeof(one)) < 0) {
		/* EAGAIN: already signalled and not yet read. */
	}
}
