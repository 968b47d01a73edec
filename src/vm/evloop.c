// SPDX-License-Identifier: GPL-2.0-only
/*
 * epoll loop with a built-in stop eventfd. Handlers are heap objects whose
 * address is the epoll user data; deleting one while the loop runs defers its
 * free to the end of the current dispatch round, so a handler may delete
 * itself or another without a use-after-free.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "iovirt/evloop.h"
#include "iovirt/log.h"

struct evloop_handler {
	int fd;
	evloop_fn fn;
	void *opaque;
	bool dead;
	struct evloop_handler *next;
};

int evloop_init(struct evloop *l, const char *name)
{
	struct epoll_event ev = { .events = EPOLLIN };
	int ret;

	memset(l, 0, sizeof(*l));
	l->name = name;
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0)
		return -errno;
	l->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (l->stop_fd < 0) {
		ret = -errno;
		goto err_ep;
	}
	ev.data.ptr = NULL; /* NULL user data marks the stop fd */
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, l->stop_fd, &ev) < 0) {
		ret = -errno;
		goto err_stop;
	}
	pthread_mutex_init(&l->lock, NULL);
	return 0;

err_stop:
	close(l->stop_fd);
err_ep:
	close(l->epfd);
	return ret;
}

static void evloop_reap(struct evloop *l)
{
	struct evloop_handler **pp = &l->handlers;

	while (*pp) {
		struct evloop_handler *h = *pp;

		if (h->dead) {
			*pp = h->next;
			free(h);
		} else {
			pp = &h->next;
		}
	}
}

void evloop_destroy(struct evloop *l)
{
	struct evloop_handler *h = l->handlers;

	while (h) {
		struct evloop_handler *n = h->next;

		free(h);
		h = n;
	}
	l->handlers = NULL;
	close(l->stop_fd);
	close(l->epfd);
	pthread_mutex_destroy(&l->lock);
}

int evloop_add(struct evloop *l, int fd, u32 events, evloop_fn fn, void *opaque)
{
	struct evloop_handler *h = calloc(1, sizeof(*h));
	struct epoll_event ev = { .events = events };

	if (!h)
		return -ENOMEM;
	h->fd = fd;
	h->fn = fn;
	h->opaque = opaque;
	ev.data.ptr = h;
	pthread_mutex_lock(&l->lock);
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		int ret = -errno;

		pthread_mutex_unlock(&l->lock);
		free(h);
		return ret;
	}
	h->next = l->handlers;
	l->handlers = h;
	pthread_mutex_unlock(&l->lock);
	return 0;
}

int evloop_del(struct evloop *l, int fd)
{
	int ret = -ENOENT;

	pthread_mutex_lock(&l->lock);
	for (struct evloop_handler *h = l->handlers; h; h = h->next) {
		if (h->fd == fd && !h->dead) {
			epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL);
			h->dead = true;
			ret = 0;
			break;
		}
	}
	pthread_mutex_unlock(&l->lock);
	return ret;
}

int evloop_run_once(struct evloop *l, int timeout_ms)
{
	struct epoll_event evs[32];
	int n = epoll_wait(l->epfd, evs, ARRAY_SIZE(evs), timeout_ms);

	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	for (int i = 0; i < n; i++) {
		struct evloop_handler *h = evs[i].data.ptr;

		if (!h) {
			u64 v;

			if (read(l->stop_fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
				pr_debug("%s: stop fd: %d", l->name, errno);
			l->stopping = true;
			continue;
		}
		if (!__atomic_load_n(&h->dead, __ATOMIC_ACQUIRE))
			h->fn(h->opaque, evs[i].events);
	}
	pthread_mutex_lock(&l->lock);
	evloop_reap(l);
	pthread_mutex_unlock(&l->lock);
	return n;
}

int evloop_run(struct evloop *l)
{
	while (!l->stopping) {
		int ret = evloop_run_once(l, -1);

		if (ret < 0)
			return ret;
	}
	return 0;
}

void evloop_stop(struct evloop *l)
{
	u64 one = 1;

	if (write(l->stop_fd, &one, sizeof(one)) < 0)
		pr_debug("%s: stop: %d", l->name, errno);
}

static void *evloop_thread(void *arg)
{
	struct evloop *l = arg;
	int ret = evloop_run(l);

	if (ret)
		pr_err("%s: event loop failed: %s", l->name, strerror(-ret));
	return NULL;
}

int evloop_start_thread(struct evloop *l, pthread_t *t)
{
	return -pthread_create(t, NULL, evloop_thread, l);
}
