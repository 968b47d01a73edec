/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The host side of a guest console, shared by every device that is one (the
 * 16550 UART, virtio-console). A console moves bytes both ways:
 *
 *  - guest → host: console_write() blocks until every byte is handed to the
 *    host (a slow terminal slows the guest down; nothing is ever dropped or
 *    reordered);
 *  - host → guest: the back-end asks the attached port how much room it has
 *    and hands over at most that much, so input the device cannot take yet
 *    stays in the host fd (backpressure). When the port drains it calls
 *    console_rx_ready() and the back-end reads again.
 *
 * One port is attached at a time. The RX callbacks run on the back-end's
 * event-loop thread; console_write() and console_rx_ready() may be called
 * from any thread (vCPUs).
 */
#ifndef IOVIRT_CONSOLE_H
#define IOVIRT_CONSOLE_H

#include "types.h"

struct console;
struct evloop;

/* The device end of a console. */
struct console_port {
	/* How many bytes the device can take now (0: full, or not listening). */
	size_t (*rx_room)(void *opaque);
	/* Bytes from the host; returns how many it took (≤ len; the rest is kept). */
	size_t (*rx)(void *opaque, const u8 *buf, size_t len);
	void *opaque;
};

struct console_ops {
	int (*write)(struct console *c, const void *buf, size_t len);
	void (*rx_ready)(struct console *c);
	int (*attach)(struct console *c, const struct console_port *port);
	void (*detach)(struct console *c);
	void (*destroy)(struct console *c);
};

struct console {
	const struct console_ops *ops;
	const char *name;
};

/* Write all of buf to the host; blocks while the host is not ready. 0 or -errno. */
static inline int console_write(struct console *c, const void *buf, size_t len)
{
	return c->ops->write(c, buf, len);
}

/* The port has room again: resume reading the host. Cheap when nobody waits. */
static inline void console_rx_ready(struct console *c)
{
	c->ops->rx_ready(c);
}

/* Start delivering host input to port (copied). -EBUSY if one is attached. */
static inline int __must_check console_attach(struct console *c, const struct console_port *port)
{
	return c->ops->attach(c, port);
}

/* Stop delivering input; after it returns no port callback runs. */
static inline void console_detach(struct console *c)
{
	c->ops->detach(c);
}

static inline void console_destroy(struct console *c)
{
	c->ops->destroy(c);
}

/*
 * A console over two host fds, serviced by `loop`: bytes read from in_fd
 * (-1: no input) go to the port, guest output goes to out_fd. The fds stay
 * the caller's (not closed by destroy). in_fd must not be shared with a
 * reader elsewhere; it is never switched to non-blocking mode (a terminal's
 * stdin and stdout are often one open file, so O_NONBLOCK would leak onto
 * stdout). An in_fd that epoll cannot watch (a regular file, /dev/null) is
 * read as the port makes room, until end of file.
 */
int console_fd_create(struct evloop *loop, int in_fd, int out_fd, const char *name,
		      struct console **out) __must_check;

#endif
