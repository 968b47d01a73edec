// SPDX-License-Identifier: GPL-2.0-only
/*
 * The harness's interrupt back-end (struct irq_backend_ops), standing where
 * KVM's irqchip stands in a VM:
 *
 *  - an IOAPIC input changing level becomes the async line "IRQ raise N" /
 *    "IRQ lower N" once the client has intercepted the IOAPIC (QEMU reports a
 *    change only, and so do we);
 *  - an MSI (from an irqfd the harness watches, or sent directly) is the
 *    memory write it is: to guest RAM when the address is RAM — QEMU's libqos
 *    tests point MSI-X vectors there and read the data back; to the LAPIC
 *    window (0xFEE00000–0xFEEFFFFF) it is reported as "IRQ msi ADDR DATA" once
 *    the client asked for it (irq_intercept_msi, an iovirt extension: QEMU's
 *    LAPIC swallows such a write invisibly). Anything else is counted and
 *    dropped: writing it to a device's registers from inside that device's
 *    interrupt path could deadlock on the device's own lock.
 *  - an irqfd bound to an IOAPIC pin (KVM's edge-style irqfd) pulses the line.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "iovirt/layout.h"
#include "iovirt/vm.h"
#include "qtest_int.h"

#define LAPIC_WINDOW_SIZE 0x100000ull

static void report_line_locked(struct qtest_server *s, unsigned gsi)
{
	if (!s->intercept_ioapic || s->reported[gsi] == s->level[gsi])
		return;
	s->reported[gsi] = s->level[gsi];
	__atomic_fetch_add(&s->stats.irq_lines, 1, __ATOMIC_RELAXED);
	qtest_sendf(s, "IRQ %s %u\n", s->level[gsi] ? "raise" : "lower", gsi);
}

static int qirq_set_line(void *o, unsigned gsi, int level)
{
	struct qtest_server *s = o;

	if (gsi >= IRQ_NR_PINS)
		return -EINVAL;
	pthread_mutex_lock(&s->irq_lock);
	s->level[gsi] = level ? 1 : 0;
	report_line_locked(s, gsi);
	pthread_mutex_unlock(&s->irq_lock);
	return 0;
}

static int qirq_set_routes(void *o, const struct irq_route *routes, unsigned nr)
{
	/* Routes are read from the router's own table at delivery time. */
	return 0;
}

static void deliver_msi(struct qtest_server *s, u64 addr, u32 data)
{
	u32 le = cpu_to_le32(data);

	if (addr >= LAPIC_ADDR && addr - LAPIC_ADDR < LAPIC_WINDOW_SIZE) {
		bool report;

		__atomic_fetch_add(&s->stats.msi_lapic, 1, __ATOMIC_RELAXED);
		pthread_mutex_lock(&s->irq_lock);
		report = s->intercept_msi;
		pthread_mutex_unlock(&s->irq_lock);
		if (report)
			qtest_sendf(s, "IRQ msi 0x%" PRIx64 " 0x%x\n", addr, data);
		return;
	}
	/* GUEST: addr is the device's MSI address; gmem_write checks it is all RAM. */
	if (!gmem_write(&s->vm->gmem, addr, &le, sizeof(le))) {
		__atomic_fetch_add(&s->stats.msi_ram, 1, __ATOMIC_RELAXED);
		return;
	}
	__atomic_fetch_add(&s->stats.msi_dropped, 1, __ATOMIC_RELAXED);
	dev_warn_rl(&s->rl, "qtest", "MSI to 0x%" PRIx64 " (data 0x%x) is neither RAM nor the "
		    "LAPIC: dropped", addr, data);
}

static int qirq_msi_send(void *o, u64 addr, u32 data)
{
	deliver_msi(o, addr, data);
	return 0;
}

/* An irqfd was signalled: deliver what its route says now (KVM reads the route the same way). */
static void qirq_irqfd_ready(void *opaque, u32 events)
{
	struct qtest_irqfd *q = opaque;
	struct qtest_server *s = q->s;
	struct irq_router *r = &s->vm->irq;
	struct irq_route rt;
	u64 cnt;

	if (read(q->fd, &cnt, sizeof(cnt)) != sizeof(cnt))
		return;
	pthread_mutex_lock(&r->lock);
	rt = r->routes[q->gsi];
	pthread_mutex_unlock(&r->lock);
	switch (rt.type) {
	case IRQ_ROUTE_MSI:
		if (rt.blocked) {
			/* Not programmed yet, or refused by interrupt remapping. */
			__atomic_fetch_add(&s->stats.msi_dropped, 1, __ATOMIC_RELAXED);
			break;
		}
		deliver_msi(s, rt.xaddr, rt.xdata);
		break;
	case IRQ_ROUTE_PIN:
		qirq_set_line(s, q->gsi, 1);
		qirq_set_line(s, q->gsi, 0);
		break;
	default:
		__atomic_fetch_add(&s->stats.msi_dropped, 1, __ATOMIC_RELAXED);
		break;
	}
}

static int qirq_irqfd(void *o, unsigned gsi, int fd, bool assign)
{
	struct qtest_server *s = o;
	struct qtest_irqfd *q;
	int ret = 0;

	if (gsi >= IRQ_MAX_GSI)
		return -EINVAL;
	pthread_mutex_lock(&s->irq_lock);
	q = s->irqfds[gsi];
	if (!assign) {
		if (!q || !q->active || q->fd != fd) {
			ret = -ENOENT;
		} else {
			evloop_del(&s->irq_loop, fd);
			q->active = false;
		}
		goto out;
	}
	if (q && q->active) {
		ret = -EBUSY;
		goto out;
	}
	if (!q) {
		/* Kept until the server is freed: the loop may still hold it this round. */
		q = calloc(1, sizeof(*q));
		if (!q) {
			ret = -ENOMEM;
			goto out;
		}
		q->s = s;
		q->gsi = gsi;
		s->irqfds[gsi] = q;
	}
	q->fd = fd;
	ret = evloop_add(&s->irq_loop, fd, EPOLLIN, qirq_irqfd_ready, q);
	q->active = !ret;
out:
	pthread_mutex_unlock(&s->irq_lock);
	return ret;
}

const struct irq_backend_ops qtest_irq_ops = {
	.set_line = qirq_set_line,
	.set_routes = qirq_set_routes,
	.irqfd = qirq_irqfd,
	.msi_send = qirq_msi_send,
};

void qtest_irq_pump(struct qtest_server *s)
{
	/* A few rounds: delivering one interrupt may signal another (it never loops). */
	for (int i = 0; i < 4; i++)
		if (evloop_run_once(&s->irq_loop, 0) <= 0)
			break;
}

void qtest_irq_intercept(struct qtest_server *s)
{
	pthread_mutex_lock(&s->irq_lock);
	s->intercept_ioapic = true;
	pthread_mutex_unlock(&s->irq_lock);
}

void qtest_irq_intercept_msi(struct qtest_server *s)
{
	pthread_mutex_lock(&s->irq_lock);
	s->intercept_msi = true;
	pthread_mutex_unlock(&s->irq_lock);
}

int qtest_irq_init(struct qtest_server *s)
{
	struct ratelimit rl = RATELIMIT_INIT;

	s->rl = rl;
	pthread_mutex_init(&s->irq_lock, NULL);
	return evloop_init(&s->irq_loop, "qtest-irqfd");
}

void qtest_irq_destroy(struct qtest_server *s)
{
	for (unsigned i = 0; i < IRQ_MAX_GSI; i++) {
		struct qtest_irqfd *q = s->irqfds[i];

		if (q && q->active)
			evloop_del(&s->irq_loop, q->fd);
		free(q);
		s->irqfds[i] = NULL;
	}
	evloop_destroy(&s->irq_loop);
	pthread_mutex_destroy(&s->irq_lock);
}
