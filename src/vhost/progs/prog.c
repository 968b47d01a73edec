// SPDX-License-Identifier: GPL-2.0-only
/*
 * The control loop of the vhost-user back-end programs (see prog.h): one
 * poll(2) over the signalfd and, per endpoint, either its connection socket
 * or its listening socket; client endpoints without a connection retry every
 * PROG_RETRY_MS. A message is dispatched as soon as its socket is readable;
 * a connection whose peer closed or broke the protocol is detached (the
 * program fences its data path) and freed, and its endpoint waits again.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "prog.h"

#define PROG_RETRY_MS 100

int prog_endpoint_open(struct prog_endpoint *ep)
{
	ep->listen_fd = -1;
	ep->dev = NULL;
	ep->next_try_ns = 0;
	if (ep->client)
		return 0;
	ep->listen_fd = vu_listen(ep->path);
	if (ep->listen_fd < 0) {
		int ret = ep->listen_fd;

		pr_err("%s: cannot listen on '%s': %s", ep->name, ep->path, strerror(-ret));
		ep->listen_fd = -1;
		return ret;
	}
	return 0;
}

static void endpoint_drop(struct prog_endpoint *ep)
{
	if (!ep->dev)
		return;
	if (ep->detach)
		ep->detach(ep);
	vu_dev_free(ep->dev);
	ep->dev = NULL;
	/* A client reconnects at once: the server may be restarting right now. */
	ep->next_try_ns = 0;
}

void prog_endpoint_close(struct prog_endpoint *ep)
{
	endpoint_drop(ep);
	if (ep->listen_fd >= 0) {
		close(ep->listen_fd);
		unlink(ep->path);
	}
	ep->listen_fd = -1;
}

static void endpoint_attach(struct prog_endpoint *ep, int sock)
{
	ep->dev = vu_dev_new(sock, ep->ops, ep->opaque, ep->name);
	if (!ep->dev) {
		pr_err("%s: out of memory for a connection", ep->name);
		close(sock);
		return;
	}
	ep->connections++;
	pr_info("%s: front-end connected on '%s'", ep->name, ep->path);
	if (ep->attach)
		ep->attach(ep);
}

static void endpoint_try_connect(struct prog_endpoint *ep, u64 now)
{
	int sock;

	if (now < ep->next_try_ns)
		return;
	/* One attempt (timeout 0): the loop must not block on a missing server. */
	sock = vu_connect(ep->path, 0);
	if (sock < 0) {
		ep->next_try_ns = now + PROG_RETRY_MS * 1000000ull;
		return;
	}
	endpoint_attach(ep, sock);
}

int prog_signals_init(void)
{
	sigset_t set;
	int fd;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR1);
	if (pthread_sigmask(SIG_BLOCK, &set, NULL))
		return -EINVAL;
	fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	return fd < 0 ? -errno : fd;
}

int prog_run(struct prog_endpoint *const *eps, unsigned n, int sigfd, prog_signal_fn on_signal,
	     void *opaque)
{
	struct pollfd *p = calloc(n + 1, sizeof(*p));
	int ret = 0;

	if (!p)
		return -ENOMEM;
	for (;;) {
		int timeout = -1;
		u64 now = clock_ns();

		for (unsigned i = 0; i < n; i++)
			if (eps[i]->client && !eps[i]->dev)
				endpoint_try_connect(eps[i], now);
		p[0] = (struct pollfd){ .fd = sigfd, .events = POLLIN };
		for (unsigned i = 0; i < n; i++) {
			struct prog_endpoint *ep = eps[i];

			p[i + 1] = (struct pollfd){ .fd = -1, .events = POLLIN };
			if (ep->dev)
				p[i + 1].fd = vu_dev_fd(ep->dev);
			else if (!ep->client)
				p[i + 1].fd = ep->listen_fd;
			else
				timeout = PROG_RETRY_MS;
		}
		if (poll(p, n + 1, timeout) < 0) {
			if (errno == EINTR)
				continue;
			ret = -errno;
			break;
		}
		if (p[0].revents & POLLIN) {
			struct signalfd_siginfo si;
			bool go_on = true;

			while (read(sigfd, &si, sizeof(si)) == sizeof(si))
				go_on &= on_signal(opaque, (int)si.ssi_signo);
			if (!go_on)
				break;
		}
		for (unsigned i = 0; i < n; i++) {
			struct prog_endpoint *ep = eps[i];

			if (!p[i + 1].revents || p[i + 1].fd < 0)
				continue;
			if (ep->dev) {
				/* -ECONNRESET or -EPROTO (the library said why): wait for the next one. */
				if (vu_dev_dispatch(ep->dev)) {
					pr_info("%s: front-end gone, waiting for the next", ep->name);
					endpoint_drop(ep);
				}
			} else if (!ep->client) {
				int sock = vu_accept(ep->listen_fd);

				if (sock >= 0)
					endpoint_attach(ep, sock);
			}
		}
	}
	free(p);
	return ret;
}

bool prog_parse_uint(const char *s, unsigned min, unsigned max, unsigned *out)
{
	char *end;
	unsigned long v;

	if (!s || !*s || *s == '-')
		return false;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < min || v > max || v > UINT_MAX)
		return false;
	*out = (unsigned)v;
	return true;
}
