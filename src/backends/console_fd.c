// SPDX-License-Identifier: GPL-2.0-only
/*
 * A console back-end over a pair of host fds (stdin/stdout, a pipe, a
 * socket). Input: the in fd is watched edge-triggered on the event loop; each
 * event (or a "room again" kick from the device) pumps as many bytes as the
 * port has room for, reading no more than that, so input the guest cannot
 * take yet stays in the host fd. Output: written synchronously by the calling
 * (vCPU) thread, waiting for POLLOUT when the fd is full — guest output is
 * never dropped or reordered. An input epoll cannot watch (a regular file,
 * /dev/null) is always readable: the kicks alone drive it, until EOF.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "iovirt/console.h"
#include "iovirt/evloop.h"
#include "iovirt/log.h"

#define CONSOLE_FD_BUF 4096

struct console_fd {
	struct console con;
	struct evloop *loop;
	int in_fd;		/* -1 once input is gone (EOF, error, unpollable) */
	int out_fd;
	bool out_is_sock;	/* send(MSG_NOSIGNAL): a closed peer is an error, not SIGPIPE */
	int kick_fd;		/* eventfd: the port has room again */
	bool in_watched;

	pthread_mutex_t tx_lock; /* guards out_fd writes: one writer at a time keeps order */

	pthread_mutex_t rx_lock; /* guards port, has_port and pend*; held while port callbacks run */
	struct console_port port;
	bool has_port;
	u8 pend[CONSOLE_FD_BUF]; /* read from the host, refused by the port (rare: loopback race) */
	size_t pend_off, pend_len;

	/* Set by the pump before it stops for lack of room; rx_ready kicks only then. */
	bool want_room;

	struct ratelimit rl;
	u64 tx_errors;
};

static struct console_fd *to_cfd(struct console *c)
{
	return container_of(c, struct console_fd, con);
}

static int cfd_write(struct console *c, const void *buf, size_t len)
{
	struct console_fd *f = to_cfd(c);
	const u8 *p = buf;
	int ret = 0;

	pthread_mutex_lock(&f->tx_lock);
	while (len) {
		ssize_t n;

		if (f->out_is_sock)
			n = send(f->out_fd, p, len, MSG_NOSIGNAL);
		else
			n = write(f->out_fd, p, len);
		if (n > 0) {
			p += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			/* Someone made the fd non-blocking: wait, never drop. */
			struct pollfd pfd = { .fd = f->out_fd, .events = POLLOUT };

			if (poll(&pfd, 1, -1) < 0 && errno != EINTR) {
				ret = -errno;
				break;
			}
			continue;
		}
		ret = n < 0 ? -errno : -EIO;
		break;
	}
	if (ret) {
		f->tx_errors++;
		dev_warn_rl(&f->rl, f->con.name, "output lost: %s", strerror(-ret));
	}
	pthread_mutex_unlock(&f->tx_lock);
	return ret;
}

/* Input is gone for good (EOF, error): stop watching it. Called with rx_lock. */
static void cfd_input_gone(struct console_fd *f, int err)
{
	if (err)
		pr_warn("%s: input: %s; guest input stops", f->con.name, strerror(err));
	else
		pr_debug("%s: input reached end of file", f->con.name);
	if (f->in_watched) {
		evloop_del(f->loop, f->in_fd);
		f->in_watched = false;
	}
	f->in_fd = -1;
}

/*
 * Hand the port what it has room for. Loops until the host has nothing more
 * (poll says not readable) or the port is full; in the latter case want_room
 * is left set, so the next rx_ready() kicks us. Called with rx_lock.
 */
static void cfd_pump(struct console_fd *f)
{
	while (f->has_port) {
		size_t room;
		ssize_t n;

		/*
		 * Announce the wait before looking at the room: a port draining
		 * between the two then still finds want_room set and kicks.
		 */
		__atomic_store_n(&f->want_room, true, __ATOMIC_SEQ_CST);
		room = f->port.rx_room(f->port.opaque);
		if (!room)
			return;
		__atomic_store_n(&f->want_room, false, __ATOMIC_SEQ_CST);

		if (f->pend_len) {
			size_t took = f->port.rx(f->port.opaque, f->pend + f->pend_off,
						 MIN(f->pend_len, room));

			f->pend_off += took;
			f->pend_len -= took;
			if (!took) {
				__atomic_store_n(&f->want_room, true, __ATOMIC_SEQ_CST);
				if (!f->port.rx_room(f->port.opaque))
					return;
			}
			continue;
		}
		if (f->in_fd < 0)
			return;
		{
			struct pollfd pfd = { .fd = f->in_fd, .events = POLLIN };

			if (poll(&pfd, 1, 0) <= 0)
				return;
			if (!(pfd.revents & (POLLIN | POLLHUP | POLLERR)))
				return;
		}
		n = read(f->in_fd, f->pend, MIN(room, sizeof(f->pend)));
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)
				continue;
			cfd_input_gone(f, errno);
			return;
		}
		if (n == 0) {
			cfd_input_gone(f, 0);
			return;
		}
		f->pend_off = 0;
		f->pend_len = (size_t)n;
	}
}

static void cfd_in_event(void *opaque, u32 events)
{
	struct console_fd *f = opaque;

	pthread_mutex_lock(&f->rx_lock);
	cfd_pump(f);
	pthread_mutex_unlock(&f->rx_lock);
}

static void cfd_kick_event(void *opaque, u32 events)
{
	struct console_fd *f = opaque;
	u64 v;

	if (read(f->kick_fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		pr_debug("%s: kick: %s", f->con.name, strerror(errno));
	cfd_in_event(f, events);
}

static void cfd_rx_ready(struct console *c)
{
	struct console_fd *f = to_cfd(c);
	u64 one = 1;

	if (!__atomic_exchange_n(&f->want_room, false, __ATOMIC_SEQ_CST))
		return;
	if (write(f->kick_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		pr_debug("%s: kick: %s", f->con.name, strerror(errno));
}

static int cfd_attach(struct console *c, const struct console_port *port)
{
	struct console_fd *f = to_cfd(c);
	u64 one = 1;
	int ret = 0;

	pthread_mutex_lock(&f->rx_lock);
	if (f->has_port) {
		ret = -EBUSY;
	} else {
		f->port = *port;
		f->has_port = true;
	}
	pthread_mutex_unlock(&f->rx_lock);
	/* Input may already be waiting in the fd: edge-triggered, so pump once. */
	if (!ret && write(f->kick_fd, &one, sizeof(one)) < 0)
		ret = -errno;
	return ret;
}

static void cfd_detach(struct console *c)
{
	struct console_fd *f = to_cfd(c);

	pthread_mutex_lock(&f->rx_lock);
	f->has_port = false;
	pthread_mutex_unlock(&f->rx_lock);
}

static void cfd_destroy(struct console *c)
{
	struct console_fd *f = to_cfd(c);

	if (f->in_watched)
		evloop_del(f->loop, f->in_fd);
	evloop_del(f->loop, f->kick_fd);
	close(f->kick_fd);
	pthread_mutex_destroy(&f->tx_lock);
	pthread_mutex_destroy(&f->rx_lock);
	free(f);
}

static const struct console_ops console_fd_ops = {
	.write = cfd_write,
	.rx_ready = cfd_rx_ready,
	.attach = cfd_attach,
	.detach = cfd_detach,
	.destroy = cfd_destroy,
};

int console_fd_create(struct evloop *loop, int in_fd, int out_fd, const char *name,
		      struct console **out)
{
	struct console_fd *f = calloc(1, sizeof(*f));
	struct stat st;
	int ret;

	if (!f)
		return -ENOMEM;
	f->con.ops = &console_fd_ops;
	f->con.name = name;
	f->loop = loop;
	f->in_fd = in_fd;
	f->out_fd = out_fd;
	f->rl = (struct ratelimit)RATELIMIT_INIT;
	pthread_mutex_init(&f->tx_lock, NULL);
	pthread_mutex_init(&f->rx_lock, NULL);
	if (fstat(out_fd, &st) < 0) {
		ret = -errno;
		goto err_free;
	}
	f->out_is_sock = S_ISSOCK(st.st_mode);
	f->kick_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (f->kick_fd < 0) {
		ret = -errno;
		goto err_free;
	}
	ret = evloop_add(loop, f->kick_fd, EPOLLIN, cfd_kick_event, f);
	if (ret)
		goto err_kick;
	if (in_fd >= 0) {
		ret = evloop_add(loop, in_fd, EPOLLIN | EPOLLET, cfd_in_event, f);
		if (ret == -EPERM) {
			/*
			 * A regular file or /dev/null: always readable, so the
			 * kicks alone (attach, then each "room again") drive it.
			 */
			pr_debug("%s: input fd %d is not pollable: read as room allows", name, in_fd);
		} else if (ret == -EBADF) {
			/* No stdin at all (closed by whoever started us): no input. */
			pr_debug("%s: input fd %d is not open; no guest input", name, in_fd);
			f->in_fd = -1;
		} else if (ret) {
			goto err_loop;
		} else {
			f->in_watched = true;
		}
	}
	*out = &f->con;
	return 0;

err_loop:
	evloop_del(loop, f->kick_fd);
err_kick:
	close(f->kick_fd);
err_free:
	pthread_mutex_destroy(&f->tx_lock);
	pthread_mutex_destroy(&f->rx_lock);
	free(f);
	return ret;
}
