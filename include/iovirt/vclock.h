/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The VM's clock, for devices that keep time (a DMA engine with a latency, a
 * timer register, interrupt throttling). Devices read time and arm timers only
 * through it, so the same device code runs under a guest and, deterministically,
 * under the device harness:
 *
 *  - real: time is the host's CLOCK_MONOTONIC since the VM was created, and
 *    timers fire in the main event loop's thread (one timerfd, armed at the
 *    earliest deadline; vclock_attach()).
 *  - virtual (qtest): time stands still until the test advances it
 *    (vclock_advance(), the protocol's clock_step/clock_set); every timer whose
 *    deadline is passed fires then, in deadline order, in the harness's thread,
 *    and sees vclock_now() equal to its own deadline (QEMU's QEMU_CLOCK_VIRTUAL
 *    under qtest behaves the same way).
 *
 * A timer callback runs without the clock's lock held: it may re-arm or delete
 * any timer. A device deletes its timers before it is freed; the main loop is
 * stopped before devices are destroyed, so no callback can run after that.
 */
#ifndef IOVIRT_VCLOCK_H
#define IOVIRT_VCLOCK_H

#include <pthread.h>

#include "types.h"

struct evloop;
struct vclock;

typedef void (*vclock_timer_fn)(void *opaque);

struct vclock_timer {
	struct vclock *clock;
	vclock_timer_fn fn;
	void *opaque;
	u64 deadline;			/* ns on the clock; valid while armed */
	bool armed;
	struct vclock_timer *next;	/* in clock->armed, sorted by deadline */
};

struct vclock {
	bool is_virtual;
	pthread_mutex_t lock;		/* guards now_ns, armed (the list and each timer's links) */
	u64 now_ns;			/* virtual time */
	u64 base_ns;			/* real: CLOCK_MONOTONIC at creation */
	struct vclock_timer *armed;	/* earliest deadline first */
	int timerfd;			/* real: -1 until attached */
	struct evloop *loop;
	u64 fired;			/* timer callbacks run, for tests */
};

void vclock_init(struct vclock *c, bool is_virtual);
void vclock_destroy(struct vclock *c);
/* Real clock: fire timers from loop (its thread runs the callbacks). */
int vclock_attach(struct vclock *c, struct evloop *loop) __must_check;

/* Nanoseconds since the VM was created (real) or since the test began (virtual). */
u64 vclock_now(struct vclock *c);

void vclock_timer_init(struct vclock_timer *t, struct vclock *c, vclock_timer_fn fn,
		       void *opaque);
/* Arm (or move) the timer to fire when the clock reaches `deadline` ns. */
void vclock_timer_mod(struct vclock_timer *t, u64 deadline);
void vclock_timer_del(struct vclock_timer *t);
bool vclock_timer_pending(struct vclock_timer *t);

/* The earliest armed deadline; false when no timer is armed. */
bool vclock_next_deadline(struct vclock *c, u64 *deadline);
/*
 * Virtual clock: move time forward to `to` (never backwards), running every
 * timer due on the way. Returns the new time.
 */
u64 vclock_advance(struct vclock *c, u64 to);

#endif
