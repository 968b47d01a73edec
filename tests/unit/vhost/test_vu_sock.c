// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for src/vhost/vu_sock.c: messages with real fds over a
 * socketpair, and every malformed stream closing what it received.
 */
#include <errno.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "check.h"
#include "iovirt/vhost_user.h"
#include "src/vhost/vu_sock.h"
#include "open_fds.h"

static void pair(int sv[2])
{
	struct timeval tv = { .tv_usec = 200000 };

	CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	setsockopt(sv[1], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
}

static void test_roundtrip(void)
{
	struct vu_msg m = { .hdr = { VHOST_USER_SET_VRING_CALL, VHOST_USER_VERSION, 8 } }, r;
	int sv[2], fds[8], got[8], mfd;
	unsigned base, nfds;
	const char *why;

	pair(sv);
	base = open_fds();
	mfd = memfd_create("t", MFD_CLOEXEC);
	m.p.u64 = 5;
	fds[0] = mfd;
	CHECK_EQ(vu_sock_send(sv[0], &m, fds, 1), 0);
	CHECK_EQ(vu_sock_recv(sv[1], &r, got, &nfds, &why), 0);
	CHECK_EQ(nfds, 1);
	CHECK_EQ(r.hdr.request, VHOST_USER_SET_VRING_CALL);
	CHECK_EQ(r.hdr.size, 8);
	CHECK_EQ(r.p.u64, 5);
	CHECK(got[0] != mfd && got[0] >= 0);
	vu_close_fds(got, nfds);
	close(mfd);
	CHECK_EQ(open_fds(), base);

	/* Eight fds is the maximum and works. */
	for (unsigned i = 0; i < 8; i++)
		fds[i] = memfd_create("t", MFD_CLOEXEC);
	CHECK_EQ(vu_sock_send(sv[0], &m, fds, 8), 0);
	CHECK_EQ(vu_sock_recv(sv[1], &r, got, &nfds, &why), 0);
	CHECK_EQ(nfds, 8);
	vu_close_fds(got, nfds);
	vu_close_fds(fds, 8);
	CHECK_EQ(open_fds(), base);
	close(sv[0]);
	close(sv[1]);
}

/* Send raw bytes with n fds attached (bypassing vu_sock_send's limits). */
static void raw_send(int s, const void *buf, size_t len, int nfd)
{
	char ctl[CMSG_SPACE(16 * sizeof(int))];
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	int fds[16];

	if (nfd) {
		struct cmsghdr *c;

		memset(ctl, 0, sizeof(ctl));
		mh.msg_control = ctl;
		mh.msg_controllen = CMSG_SPACE(nfd * sizeof(int));
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(nfd * sizeof(int));
		for (int i = 0; i < nfd; i++)
			fds[i] = memfd_create("t", MFD_CLOEXEC);
		memcpy(CMSG_DATA(c), fds, nfd * sizeof(int));
	}
	CHECK_EQ(sendmsg(s, &mh, 0), (ssize_t)len);
	for (int i = 0; i < nfd; i++)
		close(fds[i]);
}

static void test_hostile(void)
{
	struct vu_msg_hdr h = { VHOST_USER_SET_FEATURES, VHOST_USER_VERSION, 8 };
	int sv[2], got[8];
	unsigned base, nfds;
	const char *why;
	struct vu_msg r;
	u8 buf[64] = { 0 };

	/* Nine fds: refused, and every one closed. */
	pair(sv);
	base = open_fds();
	memcpy(buf, &h, sizeof(h));
	raw_send(sv[0], buf, 20, 9);
	CHECK_EQ(vu_sock_recv(sv[1], &r, got, &nfds, &why), -EPROTO);
	CHECK(why != NULL);
	CHECK_EQ(nfds, 0);
	CHECK_EQ(open_fds(), base);
	/* The stream is dead after a violation: every case gets a fresh connection. */
	close(sv[0]);
	close(sv[1]);
	pair(sv);

	/* Payload bigger than any request: refused before reading it. */
	h.size = 100000;
	memcpy(buf, &h, sizeof(h));
	raw_send(sv[0], buf, 12, 2);
	CHECK_EQ(vu_sock_recv(sv[1], &r, got, &nfds, &why), -EPROTO);
	CHECK_EQ(open_fds(), base);
	close(sv[0]);
	close(sv[1]);

	/* Truncated: header says 8 bytes, 3 come, then the peer stalls. */
	pair(sv);
	h.size = 8;
	memcpy(buf, &h, sizeof(h));
	raw_send(sv[0], buf, 15, 1);
	CHECK_EQ(vu_sock_recv(sv[1], &r, got, &nfds, &why), -EPROTO);
	CHECK_EQ(open_fds(), base);
	/* ... or closes. */
	raw_send(sv[0], buf, 15, 1);
	close(sv[0]);
	CHECK_EQ(vu_sock_recv(sv[1], &r, got, &nfds, &why), -EPROTO);
	CHECK_EQ(open_fds(), base - 1);
	close(sv[1]);

	/* A clean close between messages is a reset, not a violation. */
	pair(sv);
	close(sv[0]);
	CHECK_EQ(vu_sock_recv(sv[1], &r, got, &nfds, &why), -ECONNRESET);
	close(sv[1]);
	CHECK_EQ(open_fds(), base - 2);
}

static void test_listen_connect(void)
{
	char path[64];
	int l, c, a;

	snprintf(path, sizeof(path), "/tmp/vu-test-%d.sock", getpid());
	/* Nobody listening: connect gives up after its timeout. */
	CHECK(vu_connect(path, 100) < 0);
	l = vu_listen(path);
	CHECK(l >= 0);
	c = vu_connect(path, 1000);
	CHECK(c >= 0);
	a = vu_accept(l);
	CHECK(a >= 0);
	close(a);
	close(c);
	close(l);
	/* A stale socket file is replaced. */
	l = vu_listen(path);
	CHECK(l >= 0);
	close(l);
	unlink(path);
}

int main(void)
{
	test_roundtrip();
	test_hostile();
	test_listen_connect();
	return check_done();
}
