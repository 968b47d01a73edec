// SPDX-License-Identifier: GPL-2.0-only
/*
 * The VM clock (include/iovirt/vclock.h): a sorted list of armed timers under
 * one lock, driven either by a timerfd in the main loop (real time) or by the
 * device harness moving virtual time forward. Timer lists are short (a few per
 * device), so a sorted singly linked list is the simple right structure.
 */
#include <errno.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "iovirt/evloop.h"
#include "iovirt/log.h"
#include "iovirt/vclock.h"

/*
 * A device that re-arms a timer at or before the current time would make one
 * advance loop forever; after this many callbacks in one advance the rest wait
 * for the next one.
 */
#define VCLOCK_MAX_FIRE_PER_RUN 100000

static u64 host_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * 1000000000ull + (u64)ts.tv_nsec;
}

void vclock_init(struct vclock *c, bool is_virtual)
{
	memset(c, 0, sizeof(*c));
	c->is_virtual = is_virtual;
	c->base_ns = host_mono_ns();
	c->timerfd = -1;
	pthread_mutex_init(&c->lock, NULL);
}

void vclock_destroy(struct vclock *c)
{
	if (c->loop && c->timerfd >= 0)
		evloop_del(c->loop, c->timerfd);
	if (c->timerfd >= 0)
		close(c->timerfd);
	c->timerfd = -1;
	c->loop = NULL;
	c->armed = NULL;
	pthread_mutex_destroy(&c->lock);
}

static u64 now_locked(struct vclock *c)
{
	if (c->is_virtual)
		return c->now_ns;
	return host_mono_ns() - c->base_ns;
}

u64 vclock_now(struct vclock *c)
{
	u64 now;

	if (!c->is_virtual)
		return host_mono_ns() - c->base_ns;
	pthread_mutex_lock(&c->lock);
	now = c->now_ns;
	pthread_mutex_unlock(&c->lock);
	return now;
}

/* Real clock: point the timerfd at the earliest deadline (or disarm it). */
static void rearm_locked(struct vclock *c)
{
	struct itimerspec its = { 0 };

	if (c->is_virtual || c->timerfd < 0)
		return;
	if (c->armed) {
		u64 abs = c->base_ns + c->armed->deadline;

		/* it_value 0 would disarm: a deadline at the epoch is already due anyway. */
		if (!abs)
			abs = 1;
		its.it_value.tv_sec = (time_t)(abs / 1000000000ull);
		its.it_value.tv_nsec = (long)(abs % 1000000000ull);
	}
	if (timerfd_settime(c->timerfd, TFD_TIMER_ABSTIME, &its, NULL) < 0)
		pr_warn("vclock: timerfd_settime: %s", strerror(errno));
}

static void unlink_locked(struct vclock_timer *t)
{
	struct vclock_timer **pp = &t->clock->armed;

	while (*pp && *pp != t)
		pp = &(*pp)->next;
	if (*pp)
		*pp = t->next;
	t->next = NULL;
	t->armed = false;
}

void vclock_timer_init(struct vclock_timer *t, struct vclock *c, vclock_timer_fn fn,
		       void *opaque)
{
	memset(t, 0, sizeof(*t));
	t->clock = c;
	t->fn = fn;
	t->opaque = opaque;
}

void vclock_timer_mod(struct vclock_timer *t, u64 deadline)
{
	struct vclock *c = t->clock;
	struct vclock_timer **pp;

	pthread_mutex_lock(&c->lock);
	if (t->armed)
		unlink_locked(t);
	t->deadline = deadline;
	t->armed = true;
	/* After every timer with an earlier or equal deadline: equal deadlines fire in arming order. */
	for (pp = &c->armed; *pp && (*pp)->deadline <= deadline; pp = &(*pp)->next)
		;
	t->next = *pp;
	*pp = t;
	if (c->armed == t)
		rearm_locked(c);
	pthread_mutex_unlock(&c->lock);
}

void vclock_timer_del(struct vclock_timer *t)
{
	struct vclock *c = t->clock;

	if (!c)
		return;
	pthread_mutex_lock(&c->lock);
	if (t->armed) {
		bool first = c->armed == t;

		unlink_locked(t);
		if (first)
			rearm_locked(c);
	}
	pthread_mutex_unlock(&c->lock);
}

bool vclock_timer_pending(struct vclock_timer *t)
{
	bool armed;

	pthread_mutex_lock(&t->clock->lock);
	armed = t->armed;
	pthread_mutex_unlock(&t->clock->lock);
	return armed;
}

bool vclock_next_deadline(struct vclock *c, u64 *deadline)
{
	bool any;

	pthread_mutex_lock(&c->lock);
	any = c->armed != NULL;
	if (any)
		*deadline = c->armed->deadline;
	pthread_mutex_unlock(&c->lock);
	return any;
}

/*
 * Run every timer due at `upto` (virtual: also moving time to each deadline).
 * Callbacks run unlocked; the list is re-read after each one because a callback
 * may have changed it.
 */
static void run_due(struct vclock *c, u64 upto, bool move_time)
{
	unsigned fired = 0;

	pthread_mutex_lock(&c->lock);
	while (c->armed && c->armed->deadline <= upto) {
		struct vclock_timer *t = c->armed;

		if (fired == VCLOCK_MAX_FIRE_PER_RUN) {
			pr_warn("vclock: %u timer callbacks in one step: a device re-arms a timer "
				"in the past; the rest wait for the next step", fired);
			break;
		}
		unlink_locked(t);
		if (move_time && t->deadline > c->now_ns)
			c->now_ns = t->deadline;
		c->fired++;
		fired++;
		pthread_mutex_unlock(&c->lock);
		t->fn(t->opaque);
		pthread_mutex_lock(&c->lock);
	}
	rearm_locked(c);
	pthread_mutex_unlock(&c->lock);
}

u64 vclock_advance(struct vclock *c, u64 to)
{
	u64 now;

	if (!c->is_virtual)
		return vclock_now(c);
	run_due(c, to, true);
	pthread_mutex_lock(&c->lock);
	if (to > c->now_ns)
		c->now_ns = to;
	now = c->now_ns;
	pthread_mutex_unlock(&c->lock);
	return now;
}

static void vclock_timerfd_ready(void *opaque, u32 events)
{
	struct vclock *c = opaque;
	u64 expirations;
	u64 now;

	if (read(c->timerfd, &expirations, sizeof(expirations)) < 0 && errno != EAGAIN)
		pr_debug("vclock: timerfd read: %s", strerror(errno));
	pthread_mutex_lock(&c->lock);
	now = now_locked(c);
	pthread_mutex_unlock(&c->lock);
	run_due(c, now, false);
}

int vclock_attach(struct vclock *c, struct evloop *loop)
{
	int ret;

	if (c->is_virtual)
		return 0;
	c->timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (c->timerfd < 0)
		return -errno;
	ret = evloop_add(loop, c->timerfd, EPOLLIN, vclock_timerfd_ready, c);
	if (ret) {
		close(c->timerfd);
		c->timerfd = -1;
		return ret;
	}
	c->loop = loop;
	pthread_mutex_lock(&c->lock);
	rearm_locked(c);
	pthread_mutex_unlock(&c->lock);
	return 0;
}
