// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for src/backends/console_fd.c with a fake port: input is read
 * only as far as the port has room and resumes on rx_ready(); bytes the port
 * refuses are kept, not lost; EOF stops input; an unpollable input fd gives
 * a console without input; output to a closed peer fails without SIGPIPE;
 * a second attach is refused.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "check.h"
#include "iovirt/console.h"
#include "iovirt/evloop.h"

struct fake_port {
	pthread_mutex_t lock;	/* guards everything below */
	size_t room;		/* what rx_room reports */
	size_t refuse;		/* take this many fewer than offered, once */
	u8 got[65536];
	size_t n;
	unsigned calls;
};

static size_t fp_room(void *o)
{
	struct fake_port *p = o;
	size_t r;

	pthread_mutex_lock(&p->lock);
	r = p->room;
	pthread_mutex_unlock(&p->lock);
	return r;
}

static size_t fp_rx(void *o, const u8 *buf, size_t len)
{
	struct fake_port *p = o;
	size_t take;

	pthread_mutex_lock(&p->lock);
	p->calls++;
	take = MIN(len, p->room);
	if (p->refuse) {
		size_t r = MIN(p->refuse, take);

		take -= r;
		p->refuse = 0;
	}
	take = MIN(take, sizeof(p->got) - p->n);
	memcpy(p->got + p->n, buf, take);
	p->n += take;
	p->room -= take;
	pthread_mutex_unlock(&p->lock);
	return take;
}

static void fp_give(struct fake_port *p, size_t room)
{
	pthread_mutex_lock(&p->lock);
	p->room += room;
	pthread_mutex_unlock(&p->lock);
}

static size_t fp_count(struct fake_port *p)
{
	size_t n;

	pthread_mutex_lock(&p->lock);
	n = p->n;
	pthread_mutex_unlock(&p->lock);
	return n;
}

static int unread(int fd)
{
	int n = -1;

	if (ioctl(fd, FIONREAD, &n))
		return -1;
	return n;
}

/* Run the loop until the port holds `want` bytes or 2 s pass. */
static void pump_until(struct evloop *l, struct fake_port *p, size_t want)
{
	for (int i = 0; i < 200 && fp_count(p) < want; i++)
		evloop_run_once(l, 10);
}

static void test_backpressure(void)
{
	struct fake_port *p = calloc(1, sizeof(*p));
	struct console_port cp = { fp_room, fp_rx, p };
	struct console *c;
	struct evloop l;
	u8 data[3000];
	int sv[2];

	pthread_mutex_init(&p->lock, NULL);
	CHECK_EQ(evloop_init(&l, "test"), 0);
	CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (u8)(i * 13 + 1);
	/* Input written before attach is not lost (edge-triggered fd). */
	CHECK_EQ(write(sv[0], data, 100), 100);
	CHECK_EQ(console_fd_create(&l, sv[1], sv[1], "t", &c), 0);
	p->room = 10;
	CHECK_EQ(console_attach(c, &cp), 0);
	CHECK_EQ(console_attach(c, &cp), -EBUSY);
	pump_until(&l, p, 10);
	CHECK_EQ(fp_count(p), 10);
	CHECK_EQ(unread(sv[1]), 90);	/* the rest stays in the host fd */
	/* More input while full: still nothing read. */
	CHECK_EQ(write(sv[0], data + 100, sizeof(data) - 100), (ssize_t)sizeof(data) - 100);
	evloop_run_once(&l, 20);
	CHECK_EQ(fp_count(p), 10);
	/* Room again: the kick resumes reading, exactly the room each time. */
	while (fp_count(p) < sizeof(data)) {
		size_t before = fp_count(p);

		fp_give(p, 700);
		console_rx_ready(c);
		pump_until(&l, p, MIN(before + 700, sizeof(data)));
		if (fp_count(p) == before) {
			CHECK(0);
			break;
		}
		CHECK_EQ((size_t)unread(sv[1]), sizeof(data) - fp_count(p));
	}
	CHECK_EQ(fp_count(p), sizeof(data));
	CHECK(!memcmp(p->got, data, sizeof(data)));

	/* A port that takes less than it said: the remainder is kept and delivered first. */
	p->refuse = 3;
	CHECK_EQ(write(sv[0], "abcdef", 6), 6);
	fp_give(p, 100);
	console_rx_ready(c);
	pump_until(&l, p, sizeof(data) + 6);
	CHECK_EQ(fp_count(p), sizeof(data) + 6);
	CHECK(!memcmp(p->got + sizeof(data), "abcdef", 6));

	/* Output: synchronous and complete. */
	CHECK_EQ(console_write(c, "xyz", 3), 0);
	{
		char buf[4] = { 0 };

		CHECK_EQ(read(sv[0], buf, 3), 3);
		CHECK_STREQ(buf, "xyz");
	}
	/* EOF: input stops and the loop does not spin on it. */
	shutdown(sv[0], SHUT_WR);
	evloop_run_once(&l, 20);
	CHECK_EQ(evloop_run_once(&l, 20), 0);
	/* A closed peer: an error, not a SIGPIPE. */
	close(sv[0]);
	CHECK(console_write(c, "q", 1) < 0);
	console_detach(c);
	console_destroy(c);
	close(sv[1]);
	evloop_destroy(&l);
	pthread_mutex_destroy(&p->lock);
	free(p);
}

/*
 * stdin from a regular file cannot be polled: it is read as the port makes
 * room (the kicks drive it), to the end of the file.
 */
static void test_unpollable(void)
{
	char path[] = "/tmp/iovirt-console-XXXXXX";
	struct fake_port *p = calloc(1, sizeof(*p));
	struct console_port cp = { fp_room, fp_rx, p };
	struct console *c;
	struct evloop l;
	int sv[2], fd;

	pthread_mutex_init(&p->lock, NULL);
	CHECK_EQ(evloop_init(&l, "test"), 0);
	fd = mkstemp(path);
	CHECK(fd >= 0);
	unlink(path);
	CHECK_EQ(write(fd, "from a file", 11), 11);
	CHECK_EQ(lseek(fd, 0, SEEK_SET), 0);
	CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	CHECK_EQ(console_fd_create(&l, fd, sv[1], "t", &c), 0);
	p->room = 4;
	CHECK_EQ(console_attach(c, &cp), 0);
	pump_until(&l, p, 4);
	CHECK_EQ(fp_count(p), 4);
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 4);	/* no more read than the room */
	fp_give(p, 100);
	console_rx_ready(c);
	pump_until(&l, p, 11);
	CHECK_EQ(fp_count(p), 11);
	CHECK(!memcmp(p->got, "from a file", 11));
	console_rx_ready(c);
	CHECK_EQ(evloop_run_once(&l, 20), 0);	/* EOF: nothing more to do */
	CHECK_EQ(console_write(c, "ok", 2), 0);
	CHECK_EQ(unread(sv[0]), 2);
	{
		char junk[8];

		CHECK_EQ(read(sv[0], junk, 2), 2);
	}
	console_detach(c);
	console_destroy(c);
	pthread_mutex_destroy(&p->lock);
	free(p);
	/* No input at all, or a closed input fd. */
	CHECK_EQ(console_fd_create(&l, -1, sv[1], "t", &c), 0);
	console_destroy(c);
	CHECK_EQ(console_fd_create(&l, 1000, sv[1], "t", &c), 0);
	CHECK_EQ(console_write(c, "x", 1), 0);
	console_destroy(c);
	/* A bad output fd is refused at creation. */
	CHECK(console_fd_create(&l, -1, -1, "t", &c) < 0);
	close(fd);
	close(sv[0]);
	close(sv[1]);
	evloop_destroy(&l);
}

/* Output to a non-blocking fd that fills up waits instead of dropping. */
struct drain {
	int fd;
	size_t got;
};

static void *drain_fn(void *arg)
{
	struct drain *d = arg;
	u8 buf[4096];
	ssize_t n;

	usleep(50000);	/* let the writer hit EAGAIN first */
	while ((n = read(d->fd, buf, sizeof(buf))) > 0)
		d->got += (size_t)n;
	return NULL;
}

static void test_nonblocking_output(void)
{
	const size_t total = 4 << 20;
	struct drain d = { 0 };
	struct console *c;
	struct evloop l;
	pthread_t th;
	u8 *buf = calloc(1, total);
	int pfd[2];

	CHECK_EQ(evloop_init(&l, "test"), 0);
	CHECK_EQ(pipe(pfd), 0);
	CHECK_EQ(fcntl(pfd[1], F_SETFL, O_NONBLOCK), 0);
	d.fd = pfd[0];
	CHECK_EQ(pthread_create(&th, NULL, drain_fn, &d), 0);
	CHECK_EQ(console_fd_create(&l, -1, pfd[1], "t", &c), 0);
	CHECK_EQ(console_write(c, buf, total), 0);
	console_destroy(c);
	close(pfd[1]);
	pthread_join(th, NULL);
	CHECK_EQ(d.got, total);
	close(pfd[0]);
	evloop_destroy(&l);
	free(buf);
}

int main(void)
{
	test_backpressure();
	test_unpollable();
	test_nonblocking_output();
	return check_done();
}
