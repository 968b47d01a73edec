// SPDX-License-Identifier: GPL-2.0-only
/*
 * Address-range dispatch for the PIO and MMIO buses: a sorted array of
 * non-overlapping ranges searched by bisection. The number of ranges is small
 * (tens) and changes rarely (BAR moves), so an array beats a tree here.
 */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "iovirt/bus.h"
#include "iovirt/log.h"

int bus_init(struct bus *b, const char *name)
{
	memset(b, 0, sizeof(*b));
	b->name = name;
	return -pthread_rwlock_init(&b->lock, NULL);
}

void bus_destroy(struct bus *b)
{
	free(b->ranges);
	free(b->ioevs);
	pthread_rwlock_destroy(&b->lock);
	memset(b, 0, sizeof(*b));
}

static bool ranges_overlap(u64 a, u64 alen, u64 b, u64 blen)
{
	return a <= b + (blen - 1) && b <= a + (alen - 1);
}

int bus_add(struct bus *b, u64 base, u64 len, const struct bus_ops *ops, void *dev,
	    const char *name)
{
	unsigned pos;
	int ret = 0;

	if (!len || !range_ok(base, len - 1) || !ops)
		return -EINVAL;
	pthread_rwlock_wrlock(&b->lock);
	for (pos = 0; pos < b->nr; pos++) {
		const struct bus_range *r = &b->ranges[pos];

		if (ranges_overlap(base, len, r->base, r->len)) {
			ret = -EEXIST;
			goto out;
		}
		if (base < r->base)
			break;
	}
	if (b->nr == b->cap) {
		unsigned cap = b->cap ? b->cap * 2 : 16;
		struct bus_range *n = realloc(b->ranges, cap * sizeof(*n));

		if (!n) {
			ret = -ENOMEM;
			goto out;
		}
		b->ranges = n;
		b->cap = cap;
	}
	memmove(&b->ranges[pos + 1], &b->ranges[pos], (b->nr - pos) * sizeof(*b->ranges));
	b->ranges[pos] = (struct bus_range){ base, len, ops, dev, name };
	b->nr++;
out:
	pthread_rwlock_unlock(&b->lock);
	return ret;
}

int bus_remove(struct bus *b, u64 base, void *dev)
{
	int ret = -ENOENT;

	pthread_rwlock_wrlock(&b->lock);
	for (unsigned i = 0; i < b->nr; i++) {
		if (b->ranges[i].base == base && b->ranges[i].dev == dev) {
			memmove(&b->ranges[i], &b->ranges[i + 1],
				(b->nr - i - 1) * sizeof(*b->ranges));
			b->nr--;
			ret = 0;
			break;
		}
	}
	pthread_rwlock_unlock(&b->lock);
	return ret;
}

int bus_add_ioeventfd(struct bus *b, const struct bus_ioeventfd *ev)
{
	int ret = 0;

	if (ev->fd < 0 || ev->len > 8)
		return -EINVAL;
	pthread_rwlock_wrlock(&b->lock);
	for (unsigned i = 0; i < b->nr_ioev; i++) {
		const struct bus_ioeventfd *o = &b->ioevs[i];

		if (o->addr == ev->addr && o->match == ev->match && o->data == ev->data) {
			ret = -EEXIST;
			goto out;
		}
	}
	if (b->nr_ioev == b->cap_ioev) {
		unsigned cap = b->cap_ioev ? b->cap_ioev * 2 : 16;
		struct bus_ioeventfd *n = realloc(b->ioevs, cap * sizeof(*n));

		if (!n) {
			ret = -ENOMEM;
			goto out;
		}
		b->ioevs = n;
		b->cap_ioev = cap;
	}
	b->ioevs[b->nr_ioev++] = *ev;
out:
	pthread_rwlock_unlock(&b->lock);
	return ret;
}

int bus_remove_ioeventfd(struct bus *b, u64 addr, int fd)
{
	int ret = -ENOENT;

	pthread_rwlock_wrlock(&b->lock);
	for (unsigned i = 0; i < b->nr_ioev; i++) {
		if (b->ioevs[i].addr == addr && b->ioevs[i].fd == fd) {
			b->ioevs[i] = b->ioevs[--b->nr_ioev];
			ret = 0;
			break;
		}
	}
	pthread_rwlock_unlock(&b->lock);
	return ret;
}

/* Find the range holding [addr, addr+len); copies it out so the lock can be dropped. */
static bool bus_lookup(struct bus *b, u64 addr, unsigned len, struct bus_range *out)
{
	unsigned lo = 0, hi;
	bool found = false;

	pthread_rwlock_rdlock(&b->lock);
	hi = b->nr;
	while (lo < hi) {
		unsigned mid = (lo + hi) / 2;
		const struct bus_range *r = &b->ranges[mid];

		if (addr < r->base) {
			hi = mid;
		} else if (addr - r->base >= r->len) {
			lo = mid + 1;
		} else {
			/* An access that straddles the end of a range is not the device's. */
			if (len <= r->len - (addr - r->base)) {
				*out = *r;
				found = true;
			}
			break;
		}
	}
	pthread_rwlock_unlock(&b->lock);
	return found;
}

bool bus_read(struct bus *b, u64 addr, void *data, unsigned len)
{
	struct bus_range r;

	if (!len || !range_ok(addr, len - 1) || !bus_lookup(b, addr, len, &r)) {
		memset(data, 0xff, len);
		__atomic_fetch_add(&b->unhandled, 1, __ATOMIC_RELAXED);
		return false;
	}
	if (r.ops->read)
		r.ops->read(r.dev, addr - r.base, data, len);
	else
		memset(data, 0xff, len);
	return true;
}

/* Signal a matching ioeventfd, as KVM would have without exiting. */
static bool bus_kick(struct bus *b, u64 addr, const void *data, unsigned len)
{
	bool hit = false;
	u64 one = 1;

	pthread_rwlock_rdlock(&b->lock);
	for (unsigned i = 0; i < b->nr_ioev; i++) {
		const struct bus_ioeventfd *e = &b->ioevs[i];

		if (e->addr != addr || (e->len && e->len != len))
			continue;
		if (e->match && e->data != ldn_le(data, len))
			continue;
		hit = write(e->fd, &one, sizeof(one)) == sizeof(one);
		break;
	}
	pthread_rwlock_unlock(&b->lock);
	return hit;
}

bool bus_write(struct bus *b, u64 addr, const void *data, unsigned len)
{
	struct bus_range r;

	if (b->nr_ioev && bus_kick(b, addr, data, len))
		return true;
	if (!len || !range_ok(addr, len - 1) || !bus_lookup(b, addr, len, &r)) {
		__atomic_fetch_add(&b->unhandled, 1, __ATOMIC_RELAXED);
		return false;
	}
	if (r.ops->write)
		r.ops->write(r.dev, addr - r.base, data, len);
	return true;
}
