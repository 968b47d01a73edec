/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the vhost-user back-end programs (iovirt-vhost-blk, iovirt-vswitch)
 * share: the control loop that owns their sockets and connections, and the
 * small command-line helpers. Each socket is an endpoint: in server mode it
 * listens and accepts one front-end at a time, in client mode it connects and
 * keeps retrying; either way, when the front-end goes away (or breaks the
 * protocol) its connection is freed and the endpoint waits for the next one.
 * The loop runs on the main thread; the data path runs on the programs' own
 * threads, which never touch the sockets.
 */
#ifndef IOVIRT_VHOST_PROGS_PROG_H
#define IOVIRT_VHOST_PROGS_PROG_H

#include <signal.h>

#include "iovirt/vhost_user.h"

struct prog_endpoint {
	/* Set by the program before prog_endpoint_open. */
	const char *path;
	bool client;			/* connect to path instead of listening on it */
	const struct vu_dev_ops *ops;
	void *opaque;			/* vu_dev_opaque() of its connections */
	char name[48];			/* for messages: "vswitch port 1" */
	/*
	 * A connection was made (attach), or is about to be freed (detach).
	 * Both run on the control thread. detach must make ep->dev unreachable
	 * from every other thread before it returns; the loop then frees it.
	 */
	void (*attach)(struct prog_endpoint *ep);
	void (*detach)(struct prog_endpoint *ep);
	/* State of the loop. */
	int listen_fd;
	struct vu_dev *dev;		/* the connection, or NULL */
	u64 next_try_ns;		/* client mode: next connection attempt */
	unsigned connections;		/* accepted or made so far */
};

/* Server mode: listen now (one line on failure). Client mode: nothing yet. */
int prog_endpoint_open(struct prog_endpoint *ep) __must_check;
/* Free the connection (detach first) and stop listening. */
void prog_endpoint_close(struct prog_endpoint *ep);

/*
 * Block the signals the control loop handles (SIGINT, SIGTERM, SIGHUP,
 * SIGUSR1) in this thread and every thread it creates afterwards, ignore
 * SIGPIPE, and return a signalfd that reads them. Call before any thread.
 */
int prog_signals_init(void) __must_check;

/* A signal arrived; return false to make prog_run return. */
typedef bool (*prog_signal_fn)(void *opaque, int sig);

/*
 * The control loop: accept/connect, dispatch every message of every
 * connection, free broken or closed ones and wait for the next. Returns 0
 * when on_signal said stop, or -errno when poll fails.
 */
int prog_run(struct prog_endpoint *const *eps, unsigned n, int sigfd, prog_signal_fn on_signal,
	     void *opaque);

/* Parse a decimal unsigned in [min, max]; false (nothing written) otherwise. */
bool prog_parse_uint(const char *s, unsigned min, unsigned max, unsigned *out);

#endif
