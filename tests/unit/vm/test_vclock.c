// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for src/vm/vclock.c: virtual time moves only when told, timers
 * fire in deadline order seeing their own deadline, callbacks may re-arm and
 * delete timers, a timer re-armed in the past cannot hang an advance; the real
 * clock fires through the event loop's timerfd.
 */
#include "check.h"
#include "iovirt/evloop.h"
#include "iovirt/vclock.h"

struct rec {
	struct vclock_timer t;
	struct vclock_timer *other;	/* deleted by this timer's callback */
	u64 seen[4];
	unsigned n;
	u64 rearm;			/* re-arm this much later (0: no) */
	unsigned max_rearms;
	int order;
};

static int order_counter;

static void cb(void *opaque)
{
	struct rec *r = opaque;

	if (r->n < 4)
		r->seen[r->n] = vclock_now(r->t.clock);
	r->n++;
	r->order = ++order_counter;
	if (r->other)
		vclock_timer_del(r->other);
	if (r->rearm && r->n <= r->max_rearms)
		vclock_timer_mod(&r->t, vclock_now(r->t.clock) + r->rearm);
}

static void always_past(void *opaque)
{
	struct rec *r = opaque;

	r->n++;
	vclock_timer_mod(&r->t, 0);
}

static void test_virtual(void)
{
	struct vclock c;
	struct rec a = { 0 }, b = { 0 }, d = { 0 }, e = { 0 };
	u64 dl;

	vclock_init(&c, true);
	CHECK_EQ(vclock_now(&c), 0);
	CHECK(!vclock_next_deadline(&c, &dl));
	CHECK_EQ(vclock_advance(&c, 50), 50);
	CHECK_EQ(vclock_advance(&c, 10), 50); /* never backwards */

	vclock_timer_init(&a.t, &c, cb, &a);
	vclock_timer_init(&b.t, &c, cb, &b);
	vclock_timer_init(&d.t, &c, cb, &d);
	vclock_timer_mod(&a.t, 300);
	vclock_timer_mod(&b.t, 100);
	vclock_timer_mod(&d.t, 300); /* same deadline as a, armed later: fires after a */
	CHECK(vclock_next_deadline(&c, &dl));
	CHECK_EQ(dl, 100);
	vclock_timer_mod(&b.t, 200); /* moved */
	CHECK(vclock_next_deadline(&c, &dl));
	CHECK_EQ(dl, 200);
	CHECK_EQ(vclock_advance(&c, 199), 199);
	CHECK_EQ(b.n, 0);
	CHECK_EQ(vclock_advance(&c, 1000), 1000);
	CHECK_EQ(b.n, 1);
	CHECK_EQ(b.seen[0], 200);
	CHECK_EQ(a.seen[0], 300);
	CHECK_EQ(d.seen[0], 300);
	CHECK(b.order < a.order && a.order < d.order);
	CHECK(!vclock_timer_pending(&a.t));

	/* A periodic timer re-arming itself, and one deleting another. */
	a.rearm = 10;
	a.max_rearms = 3;
	a.n = 0;
	vclock_timer_mod(&a.t, 1005);
	b.other = &d.t;
	b.n = 0;
	vclock_timer_mod(&b.t, 1001);
	vclock_timer_mod(&d.t, 1002);
	CHECK_EQ(vclock_advance(&c, 2000), 2000);
	CHECK_EQ(a.n, 4);
	CHECK_EQ(a.seen[1], 1015);
	CHECK_EQ(a.seen[3], 1035);
	CHECK_EQ(d.n, 1); /* deleted before its deadline */
	vclock_timer_del(&d.t); /* deleting an idle timer is harmless */

	/* A device bug: re-arming in the past must not hang the advance. */
	vclock_timer_init(&e.t, &c, always_past, &e);
	vclock_timer_mod(&e.t, 2001);
	CHECK_EQ(vclock_advance(&c, 3000), 3000);
	CHECK(e.n > 1000);
	vclock_timer_del(&e.t);
	vclock_destroy(&c);
}

static void test_real(void)
{
	struct evloop l;
	struct vclock c;
	struct rec a = { 0 };
	u64 start;

	CHECK_EQ(evloop_init(&l, "test"), 0);
	vclock_init(&c, false);
	CHECK_EQ(vclock_attach(&c, &l), 0);
	vclock_timer_init(&a.t, &c, cb, &a);
	start = vclock_now(&c);
	vclock_timer_mod(&a.t, start + 2000000); /* 2 ms */
	for (int i = 0; i < 100 && !a.n; i++)
		CHECK(evloop_run_once(&l, 100) >= 0);
	CHECK_EQ(a.n, 1);
	CHECK(a.seen[0] >= start + 2000000);
	/* A deleted timer does not fire. */
	vclock_timer_mod(&a.t, vclock_now(&c) + 1000000);
	vclock_timer_del(&a.t);
	CHECK(evloop_run_once(&l, 20) >= 0);
	CHECK_EQ(a.n, 1);
	vclock_destroy(&c);
	evloop_destroy(&l);
}

int main(void)
{
	test_virtual();
	test_real();
	return check_done();
}
