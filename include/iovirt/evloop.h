/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * An epoll event loop owned by one thread. Handlers are registered per fd;
 * evloop_stop() (from any thread) makes evloop_run() return. Each I/O thread
 * owns exactly one loop; nothing else polls its fds.
 */
#ifndef IOVIRT_EVLOOP_H
#define IOVIRT_EVLOOP_H

#include <pthread.h>

#include "types.h"

typedef void (*evloop_fn)(void *opaque, u32 events);

struct evloop_handler;

struct evloop {
	int epfd;
	int stop_fd;		/* eventfd: written by evloop_stop() */
	volatile bool stopping;
	pthread_mutex_t lock;	/* guards the handler list (add/del from other threads) */
	struct evloop_handler *handlers;
	const char *name;
};

int evloop_init(struct evloop *l, const char *name) __must_check;
void evloop_destroy(struct evloop *l);

/* Watch fd for `events` (EPOLLIN, ...) and call fn(opaque, revents). */
int evloop_add(struct evloop *l, int fd, u32 events, evloop_fn fn, void *opaque) __must_check;
int evloop_del(struct evloop *l, int fd);

/* Run until evloop_stop(). Returns 0, or -errno if epoll fails. */
int evloop_run(struct evloop *l);
/* Run one round: wait at most timeout_ms (-1: forever) and dispatch. */
int evloop_run_once(struct evloop *l, int timeout_ms);
void evloop_stop(struct evloop *l);

/* Start a thread running evloop_run(l). */
int evloop_start_thread(struct evloop *l, pthread_t *t) __must_check;

#endif
