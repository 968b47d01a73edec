// SPDX-License-Identifier: GPL-2.0-only
/*
 * The vhost-user socket: framing of messages with their SCM_RIGHTS
 * descriptors, and the listen/accept/connect helpers a back-end program uses
 * for server and client mode. Nothing here blocks for long: connection
 * sockets get a receive timeout, so a peer that sends half a message cannot
 * stall the thread that reads it.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "iovirt/log.h"
#include "iovirt/vhost_user.h"
#include "vu_sock.h"

/* Linux's SCM_MAX_FD: the most fds one sendmsg can pass. */
#define VU_SCM_MAX_FD 253

void vu_close_fds(int *fds, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		if (fds[i] >= 0)
			close(fds[i]);
		fds[i] = -1;
	}
}

/*
 * Take the descriptors out of a received control buffer. Anything other than
 * SCM_RIGHTS, or more fds than fit, marks the message bad; the fds are kept
 * (up to the array size) so that the caller closes them, and any beyond are
 * closed here.
 */
static bool collect_fds(struct msghdr *mh, int *fds, unsigned *nfds, const char **why)
{
	bool ok = true;

	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		unsigned n;
		int *src;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) {
			*why = "ancillary data that is not SCM_RIGHTS";
			ok = false;
			continue;
		}
		n = (unsigned)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
		src = (int *)CMSG_DATA(c);
		for (unsigned i = 0; i < n; i++) {
			int fd;

			memcpy(&fd, &src[i], sizeof(fd));
			if (*nfds < VHOST_USER_MAX_FDS) {
				fds[(*nfds)++] = fd;
			} else {
				close(fd);
				*why = "more than 8 file descriptors";
				ok = false;
			}
		}
	}
	if (mh->msg_flags & MSG_CTRUNC) {
		/* The kernel dropped (and closed) what did not fit. */
		*why = "more than 8 file descriptors";
		ok = false;
	}
	return ok;
}

/* Read exactly len bytes (collecting fds on the way). 0, -ECONNRESET at EOF, -EPROTO, -errno. */
static int recv_full(int sock, void *buf, size_t len, int *fds, unsigned *nfds, const char **why,
		     bool first)
{
	/*
	 * Room for every fd the kernel lets one message carry (SCM_MAX_FD),
	 * not just the eight the protocol allows: extra fds are received and
	 * closed here, whether or not the kernel would report truncation.
	 */
	union {
		char buf[CMSG_SPACE(VU_SCM_MAX_FD * sizeof(int))];
		struct cmsghdr align;
	} ctl;
	size_t got = 0;

	while (got < len) {
		struct iovec iov = { .iov_base = (char *)buf + got, .iov_len = len - got };
		struct msghdr mh = {
			.msg_iov = &iov,
			.msg_iovlen = 1,
			.msg_control = ctl.buf,
			.msg_controllen = sizeof(ctl.buf),
		};
		ssize_t n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				if (first && !got)
					return -EAGAIN;
				*why = "truncated message (peer stalled)";
				return -EPROTO;
			}
			return -errno;
		}
		if (!collect_fds(&mh, fds, nfds, why))
			return -EPROTO;
		if (n == 0) {
			if (first && !got)
				return -ECONNRESET;
			*why = "truncated message";
			return -EPROTO;
		}
		got += (size_t)n;
	}
	return 0;
}

int vu_sock_recv(int sock, struct vu_msg *m, int *fds, unsigned *nfds, const char **why)
{
	int ret;

	*nfds = 0;
	*why = NULL;
	ret = recv_full(sock, &m->hdr, sizeof(m->hdr), fds, nfds, why, true);
	if (ret)
		goto err;
	if (m->hdr.size > VHOST_USER_PAYLOAD_MAX) {
		*why = "payload larger than any request";
		ret = -EPROTO;
		goto err;
	}
	ret = recv_full(sock, &m->p, m->hdr.size, fds, nfds, why, false);
	if (ret)
		goto err;
	return 0;

err:
	vu_close_fds(fds, *nfds);
	*nfds = 0;
	return ret;
}

int vu_sock_send(int sock, const struct vu_msg *m, const int *fds, unsigned nfds)
{
	union {
		char buf[CMSG_SPACE(VHOST_USER_MAX_FDS * sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov[2] = {
		{ .iov_base = (void *)&m->hdr, .iov_len = sizeof(m->hdr) },
		{ .iov_base = (void *)&m->p, .iov_len = m->hdr.size },
	};
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = 2 };

	if (nfds > VHOST_USER_MAX_FDS || m->hdr.size > VHOST_USER_PAYLOAD_MAX)
		return -EINVAL;
	if (nfds) {
		struct cmsghdr *c;

		memset(ctl.buf, 0, sizeof(ctl.buf));
		mh.msg_control = ctl.buf;
		mh.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(nfds * sizeof(int));
		memcpy(CMSG_DATA(c), fds, nfds * sizeof(int));
	}
	while (mh.msg_iovlen) {
		ssize_t n = sendmsg(sock, &mh, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		/* The fds went with the first byte; the rest is plain data. */
		mh.msg_control = NULL;
		mh.msg_controllen = 0;
		while (mh.msg_iovlen && (size_t)n >= mh.msg_iov->iov_len) {
			n -= (ssize_t)mh.msg_iov->iov_len;
			mh.msg_iov++;
			mh.msg_iovlen--;
		}
		if (mh.msg_iovlen) {
			mh.msg_iov->iov_base = (char *)mh.msg_iov->iov_base + n;
			mh.msg_iov->iov_len -= (size_t)n;
		}
	}
	return 0;
}

static int sockaddr_fill(struct sockaddr_un *sa, const char *path)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa->sun_path))
		return -ENAMETOOLONG;
	strcpy(sa->sun_path, path);
	return 0;
}

int vu_listen(const char *path)
{
	struct sockaddr_un sa;
	struct stat st;
	int fd, ret;

	ret = sockaddr_fill(&sa, path);
	if (ret)
		return ret;
	/* A stale socket file from an earlier run would make bind() fail. */
	if (!lstat(path, &st) && S_ISSOCK(st.st_mode))
		unlink(path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 16) < 0) {
		ret = -errno;
		close(fd);
		return ret;
	}
	return fd;
}

int vu_accept(int listen_fd)
{
	int fd;

	do {
		fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
	} while (fd < 0 && errno == EINTR);
	return fd < 0 ? -errno : fd;
}

int vu_connect(const char *path, unsigned timeout_ms)
{
	u64 deadline = clock_ns() + (u64)timeout_ms * 1000000ull;
	struct sockaddr_un sa;
	int ret;

	ret = sockaddr_fill(&sa, path);
	if (ret)
		return ret;
	for (;;) {
		int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		struct timespec ts = { .tv_nsec = 50 * 1000000 };

		if (fd < 0)
			return -errno;
		if (!connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
			return fd;
		ret = -errno;
		close(fd);
		/* The server may not be up yet: retry until the deadline. */
		if ((ret != -ENOENT && ret != -ECONNREFUSED && ret != -EAGAIN) ||
		    clock_ns() >= deadline)
			return ret;
		nanosleep(&ts, NULL);
	}
}
