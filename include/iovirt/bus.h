/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * PIO and MMIO dispatch by address range. A device hangs a struct bus_ops on
 * [base, base+len); its callbacks see the offset into that range only, never
 * the absolute address. Ranges may be added and removed at run time (a guest
 * moving a BAR), so lookups take a read lock; callbacks run without it.
 */
#ifndef IOVIRT_BUS_H
#define IOVIRT_BUS_H

#include <pthread.h>

#include "types.h"

struct bus_ops {
	/* `data` is little-endian, `len` is 1, 2, 4 or 8 (ECAM/MMIO), or any size ≤ 8. */
	void (*read)(void *dev, u64 off, void *data, unsigned len);
	void (*write)(void *dev, u64 off, const void *data, unsigned len);
};

struct bus_range {
	u64 base;
	u64 len;
	const struct bus_ops *ops;
	void *dev;
	const char *name;
};

/* A write that only signals an eventfd (a virtqueue kick, KVM_IOEVENTFD's twin). */
struct bus_ioeventfd {
	u64 addr;
	unsigned len;	/* 0: any length */
	bool match;	/* only when the written value equals `data` */
	u64 data;
	int fd;
};

struct bus {
	const char *name;
	pthread_rwlock_t lock; /* guards ranges[] and ioevs[] */
	struct bus_range *ranges; /* sorted by base, non-overlapping */
	unsigned nr, cap;
	struct bus_ioeventfd *ioevs;
	unsigned nr_ioev, cap_ioev;
	u64 unhandled; /* accesses that hit no range (counted, ignored) */
};

int bus_init(struct bus *b, const char *name) __must_check;
void bus_destroy(struct bus *b);

/* Refuses a zero length (-EINVAL), a range that wraps (-EINVAL) or overlaps (-EEXIST). */
int bus_add(struct bus *b, u64 base, u64 len, const struct bus_ops *ops, void *dev,
	    const char *name) __must_check;
/* Remove the range that starts at base and belongs to dev; -ENOENT if none. */
int bus_remove(struct bus *b, u64 base, void *dev);

int bus_add_ioeventfd(struct bus *b, const struct bus_ioeventfd *ev) __must_check;
int bus_remove_ioeventfd(struct bus *b, u64 addr, int fd);

/*
 * Dispatch an access. A read with no device returns all ones; a write with no
 * device is dropped. Returns false when nothing claimed the address.
 */
bool bus_read(struct bus *b, u64 addr, void *data, unsigned len);
bool bus_write(struct bus *b, u64 addr, const void *data, unsigned len);

#endif
