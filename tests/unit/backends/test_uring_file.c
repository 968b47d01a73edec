// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for src/backends/uring_file.c against a real temporary file:
 * read/write round trip, flush, discard (a hole reads back as zeroes and frees
 * blocks), write-zeroes, read-only refusal, batching and queue-full.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "check.h"
#include "wait.h"
#include "iovirt/blkfile.h"

struct done {
	int res[64];
	void *tag[64];
	unsigned n;
};

static void on_done(void *opaque, void *tag, int res)
{
	struct done *d = opaque;

	d->tag[d->n] = tag;
	d->res[d->n] = res;
	d->n++;
}

static void wait_all(struct uring_q *q, struct done *d, unsigned want)
{
	WAIT_UNTIL((uring_q_reap(q, on_done, d), d->n >= want));
}

/*
 * tmpfs (the lab keeps its images there) has PUNCH_HOLE but no ZERO_RANGE:
 * the open must say so, leave the file as it was, and write-zeroes with
 * unmap must still work (it punches).
 */
static void test_tmpfs(void)
{
	char path[] = "/dev/shm/iovirt-uring-XXXXXX";
	static u8 buf[8192] __attribute__((aligned(4096)));
	struct done d = { 0 };
	struct blk_file f;
	struct uring_q q;
	struct statfs sfs;
	struct stat st0, st1;
	int fd = mkstemp(path);

	if (fd < 0 || fstatfs(fd, &sfs) || sfs.f_type != TMPFS_MAGIC) {
		printf("# no tmpfs at /dev/shm: the tmpfs probe is not checked\n");
		if (fd >= 0) {
			close(fd);
			unlink(path);
		}
		return;
	}
	CHECK_EQ(ftruncate(fd, 1 << 20), 0);
	memset(buf, 0x5a, sizeof(buf));
	CHECK_EQ(pwrite(fd, buf, sizeof(buf), 0), (ssize_t)sizeof(buf));
	CHECK_EQ(fstat(fd, &st0), 0);
	close(fd);

	CHECK_EQ(blk_file_open(&f, path, false, false), 0);
	CHECK(f.can_punch_hole);
	CHECK(!f.can_zero_range);
	CHECK_EQ(stat(path, &st1), 0);
	CHECK_EQ(st1.st_size, st0.st_size);
	CHECK_EQ(st1.st_blocks, st0.st_blocks);

	/* Zeroes with unmap: a hole, which reads back as zeroes. */
	CHECK_EQ(uring_q_init(&q, 4), 0);
	CHECK_EQ(uring_q_prep(&q, &f, BLK_IO_WRITE_ZEROES_UNMAP, NULL, 0, 0, 4096, NULL), 0);
	CHECK_EQ(uring_q_submit(&q), 0);
	wait_all(&q, &d, 1);
	CHECK_EQ(d.n, 1);
	CHECK_EQ(d.res[0], 0);
	CHECK_EQ(pread(f.fd, buf, sizeof(buf), 0), (ssize_t)sizeof(buf));
	CHECK_EQ(buf[0], 0);
	CHECK_EQ(buf[4095], 0);
	CHECK_EQ(buf[4096], 0x5a);
	uring_q_destroy(&q);
	blk_file_close(&f);

	/* Read-only: nothing is probed, nothing offered. */
	CHECK_EQ(blk_file_open(&f, path, true, false), 0);
	CHECK(!f.can_punch_hole && !f.can_zero_range);
	blk_file_close(&f);
	unlink(path);
}

int main(void)
{
	char path[] = "/tmp/iovirt-uring-XXXXXX";
	static u8 buf[1 << 20] __attribute__((aligned(4096)));
	static u8 rd[1 << 20] __attribute__((aligned(4096)));
	struct blk_file f, ro;
	struct uring_q q;
	struct done d = { 0 };
	struct iovec iov;
	struct stat st;
	int fd = mkstemp(path);

	CHECK(fd >= 0);
	CHECK_EQ(ftruncate(fd, 8 << 20), 0);
	close(fd);

	CHECK_EQ(blk_file_open(&f, "/nonexistent/disk.img", false, false), -ENOENT);
	CHECK_EQ(blk_file_open(&f, "/tmp", false, false), -EISDIR);
	CHECK_EQ(stat(path, &st), 0);
	{
		blkcnt_t before = st.st_blocks;

		CHECK_EQ(blk_file_open(&f, path, false, false), 0);
		/* The fallocate probe past the end leaves the file as it was. */
		CHECK_EQ(stat(path, &st), 0);
		CHECK_EQ(st.st_blocks, before);
		CHECK_EQ(st.st_size, 8 << 20);
	}
	CHECK_EQ(f.size, 8 << 20);
	CHECK_EQ(uring_q_init(&q, 8), 0);

	for (unsigned i = 0; i < sizeof(buf); i++)
		buf[i] = (u8)(i * 7 + 3);
	iov = (struct iovec){ buf, sizeof(buf) };
	CHECK_EQ(uring_q_prep(&q, &f, BLK_IO_WRITE, &iov, 1, 1 << 20, 0, (void *)1), 0);
	CHECK_EQ(uring_q_prep(&q, &f, BLK_IO_FLUSH, NULL, 0, 0, 0, (void *)2), 0);
	CHECK_EQ(uring_q_submit(&q), 0);
	wait_all(&q, &d, 2);
	CHECK_EQ(d.n, 2);
	for (unsigned i = 0; i < d.n; i++) {
		if (d.tag[i] == (void *)1)
			CHECK_EQ(d.res[i], sizeof(buf));
		else
			CHECK_EQ(d.res[i], 0);
	}

	d.n = 0;
	iov = (struct iovec){ rd, sizeof(rd) };
	CHECK_EQ(uring_q_prep(&q, &f, BLK_IO_READ, &iov, 1, 1 << 20, 0, (void *)3), 0);
	CHECK_EQ(uring_q_submit(&q), 0);
	wait_all(&q, &d, 1);
	CHECK_EQ(d.res[0], sizeof(rd));
	CHECK(!memcmp(buf, rd, sizeof(buf)));

	/* Discard frees the blocks and reads back zeroes. */
	CHECK_EQ(stat(path, &st), 0);
	{
		blkcnt_t before = st.st_blocks;

		d.n = 0;
		CHECK_EQ(uring_q_prep(&q, &f, BLK_IO_DISCARD, NULL, 0, 1 << 20, 1 << 20, NULL), 0);
		CHECK_EQ(uring_q_submit(&q), 0);
		wait_all(&q, &d, 1);
		CHECK_EQ(d.res[0], 0);
		CHECK_EQ(stat(path, &st), 0);
		CHECK(st.st_blocks < before);
	}
	d.n = 0;
	CHECK_EQ(uring_q_prep(&q, &f, BLK_IO_READ, &iov, 1, 1 << 20, 0, NULL), 0);
	CHECK_EQ(uring_q_submit(&q), 0);
	wait_all(&q, &d, 1);
	{
		bool zero = true;

		for (unsigned i = 0; i < sizeof(rd); i++)
			zero &= rd[i] == 0;
		CHECK(zero);
	}

	/* Write-zeroes over written data. */
	iov = (struct iovec){ buf, 4096 };
	d.n = 0;
	CHECK_EQ(uring_q_prep(&q, &f, BLK_IO_WRITE, &iov, 1, 0, 0, NULL), 0);
	CHECK_EQ(uring_q_submit(&q), 0);
	wait_all(&q, &d, 1);
	d.n = 0;
	CHECK_EQ(uring_q_prep(&q, &f, BLK_IO_WRITE_ZEROES, NULL, 0, 0, 4096, NULL), 0);
	CHECK_EQ(uring_q_submit(&q), 0);
	wait_all(&q, &d, 1);
	CHECK_EQ(d.res[0], 0);
	iov = (struct iovec){ rd, 4096 };
	memset(rd, 0xff, 4096);
	d.n = 0;
	CHECK_EQ(uring_q_prep(&q, &f, BLK_IO_READ, &iov, 1, 0, 0, NULL), 0);
	CHECK_EQ(uring_q_submit(&q), 0);
	wait_all(&q, &d, 1);
	CHECK_EQ(rd[0], 0);
	CHECK_EQ(rd[4095], 0);

	/* Queue full: depth 8 requests, the ninth is refused until reaped. */
	d.n = 0;
	for (unsigned i = 0; i < 8; i++)
		CHECK_EQ(uring_q_prep(&q, &f, BLK_IO_FLUSH, NULL, 0, 0, 0, NULL), 0);
	CHECK_EQ(uring_q_prep(&q, &f, BLK_IO_FLUSH, NULL, 0, 0, 0, NULL), -EBUSY);
	CHECK_EQ(uring_q_submit(&q), 0);
	wait_all(&q, &d, 8);
	CHECK_EQ(d.n, 8);
	CHECK_EQ(q.inflight, 0);

	/* A read-only open refuses writes with EBADF from the kernel: data untouched. */
	CHECK_EQ(blk_file_open(&ro, path, true, false), 0);
	d.n = 0;
	iov = (struct iovec){ buf, 4096 };
	CHECK_EQ(uring_q_prep(&q, &ro, BLK_IO_WRITE, &iov, 1, 0, 0, NULL), 0);
	CHECK_EQ(uring_q_submit(&q), 0);
	wait_all(&q, &d, 1);
	CHECK_EQ(d.res[0], -EBADF);
	blk_file_close(&ro);

	CHECK(f.can_punch_hole);

	uring_q_destroy(&q);
	blk_file_close(&f);
	unlink(path);
	test_tmpfs();
	return check_done();
}
