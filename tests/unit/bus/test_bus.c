// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for src/bus/bus.c: range rules, dispatch with offsets, ioeventfds. */
#include <errno.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "check.h"
#include "iovirt/bus.h"

struct fake {
	u64 last_off;
	u64 last_val;
	unsigned last_len;
	int reads, writes;
};

static void fake_read(void *dev, u64 off, void *data, unsigned len)
{
	struct fake *f = dev;

	f->reads++;
	f->last_off = off;
	stn_le(data, len, 0x1122334455667788ull);
}

static void fake_write(void *dev, u64 off, const void *data, unsigned len)
{
	struct fake *f = dev;

	f->writes++;
	f->last_off = off;
	f->last_len = len;
	f->last_val = ldn_le(data, len);
}

static const struct bus_ops fake_ops = { fake_read, fake_write };

int main(void)
{
	struct bus b;
	struct fake f1 = { 0 }, f2 = { 0 };
	u8 data[8];
	u32 v;
	u64 cnt;
	int efd;

	CHECK_EQ(bus_init(&b, "test"), 0);
	CHECK_EQ(bus_add(&b, 0x1000, 0x100, &fake_ops, &f1, "f1"), 0);
	CHECK_EQ(bus_add(&b, 0x2000, 0x10, &fake_ops, &f2, "f2"), 0);
	CHECK_EQ(bus_add(&b, 0x10ff, 1, &fake_ops, &f2, "overlap"), -EEXIST);
	CHECK_EQ(bus_add(&b, 0x0f00, 0x101, &fake_ops, &f2, "overlap2"), -EEXIST);
	CHECK_EQ(bus_add(&b, 0x3000, 0, &fake_ops, &f2, "zero"), -EINVAL);
	CHECK_EQ(bus_add(&b, ~0ull - 1, 4, &fake_ops, &f2, "wrap"), -EINVAL);
	CHECK_EQ(bus_add(&b, ~0ull - 3, 4, &fake_ops, &f2, "top"), 0);

	v = 0xdeadbeef;
	CHECK(bus_write(&b, 0x1010, &v, 4));
	CHECK_EQ(f1.last_off, 0x10);
	CHECK_EQ(f1.last_val, 0xdeadbeef);
	CHECK_EQ(f1.last_len, 4);
	CHECK(bus_read(&b, 0x2004, data, 2));
	CHECK_EQ(f2.last_off, 4);
	CHECK_EQ(ldn_le(data, 2), 0x7788);
	/* Unclaimed reads are all ones; straddling the end of a range is unclaimed. */
	CHECK(!bus_read(&b, 0x1800, data, 4));
	CHECK_EQ(ldn_le(data, 4), 0xffffffff);
	CHECK(!bus_read(&b, 0x20fe, data, 4));
	CHECK(!bus_write(&b, 0x200e, &v, 4));
	CHECK(!bus_read(&b, ~0ull, data, 4));
	CHECK_EQ(b.unhandled, 4);

	/* Remove, then the range is free again. */
	CHECK_EQ(bus_remove(&b, 0x2000, &f1), -ENOENT);
	CHECK_EQ(bus_remove(&b, 0x2000, &f2), 0);
	CHECK(!bus_read(&b, 0x2000, data, 1));
	CHECK_EQ(bus_add(&b, 0x2000, 0x10, &fake_ops, &f2, "f2"), 0);

	/* ioeventfd: a matching write signals and does not reach the device. */
	efd = eventfd(0, EFD_NONBLOCK);
	CHECK(efd >= 0);
	{
		struct bus_ioeventfd ev = { .addr = 0x1020, .len = 2, .match = true, .data = 3,
					    .fd = efd };
		u16 q = 3;
		int before = f1.writes;

		CHECK_EQ(bus_add_ioeventfd(&b, &ev), 0);
		CHECK_EQ(bus_add_ioeventfd(&b, &ev), -EEXIST);
		CHECK(bus_write(&b, 0x1020, &q, 2));
		CHECK_EQ(f1.writes, before);
		CHECK_EQ(read(efd, &cnt, 8), 8);
		CHECK_EQ(cnt, 1);
		q = 4; /* no match: goes to the device */
		CHECK(bus_write(&b, 0x1020, &q, 2));
		CHECK_EQ(f1.writes, before + 1);
		CHECK(read(efd, &cnt, 8) < 0);
		CHECK_EQ(bus_remove_ioeventfd(&b, 0x1020, efd), 0);
	}
	close(efd);
	bus_destroy(&b);
	return check_done();
}
