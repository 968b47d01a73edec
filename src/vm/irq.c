// SPDX-License-Identifier: GPL-2.0-only
/*
 * GSI routing table, MSI vectors with irqfd, and line levels. The table lives
 * here so there is one place that knows every route; the back-end (KVM or the
 * qtest server) only installs what it is given.
 */
#include <errno.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "iovirt/irq.h"
#include "iovirt/log.h"

void irq_router_init(struct irq_router *r, const struct irq_backend_ops *ops, void *opaque)
{
	memset(r, 0, sizeof(*r));
	r->ops = ops;
	r->opaque = opaque;
	pthread_mutex_init(&r->lock, NULL);
	for (unsigned i = 0; i < IRQ_NR_PINS; i++)
		r->routes[i].type = IRQ_ROUTE_PIN;
}

void irq_router_destroy(struct irq_router *r)
{
	pthread_mutex_destroy(&r->lock);
}

static int irq_commit_locked(struct irq_router *r)
{
	return r->ops->set_routes(r->opaque, r->routes, IRQ_MAX_GSI);
}

int irq_router_commit(struct irq_router *r)
{
	int ret;

	pthread_mutex_lock(&r->lock);
	ret = irq_commit_locked(r);
	pthread_mutex_unlock(&r->lock);
	return ret;
}

int irq_line_set(struct irq_router *r, unsigned gsi, int level)
{
	if (gsi >= IRQ_NR_PINS)
		return -EINVAL;
	return r->ops->set_line(r->opaque, gsi, level);
}

/* Translate one MSI route through the remapping hook, if any. */
static void irq_route_translate(struct irq_router *r, struct irq_route *rt)
{
	rt->blocked = false;
	rt->xaddr = rt->addr;
	rt->xdata = rt->data;
	if (r->remap && r->remap->remap(r->remap_opaque, rt->rid, rt->addr, rt->data, &rt->xaddr,
					&rt->xdata))
		rt->blocked = true;
}

void irq_router_set_remap(struct irq_router *r, const struct irq_remap_ops *ops, void *o)
{
	pthread_mutex_lock(&r->lock);
	r->remap = ops;
	r->remap_opaque = o;
	pthread_mutex_unlock(&r->lock);
}

int irq_router_refresh(struct irq_router *r)
{
	int ret;

	pthread_mutex_lock(&r->lock);
	for (unsigned i = IRQ_NR_PINS; i < IRQ_MAX_GSI; i++)
		if (r->routes[i].type == IRQ_ROUTE_MSI)
			irq_route_translate(r, &r->routes[i]);
	ret = irq_commit_locked(r);
	pthread_mutex_unlock(&r->lock);
	return ret;
}

static int irq_gsi_alloc(struct irq_router *r, u16 rid)
{
	int gsi = -ENOSPC;

	pthread_mutex_lock(&r->lock);
	for (unsigned i = IRQ_NR_PINS; i < IRQ_MAX_GSI; i++) {
		if (r->routes[i].type == IRQ_ROUTE_NONE) {
			/* A new vector starts as a message to nowhere: blocked until programmed. */
			r->routes[i] = (struct irq_route){ .type = IRQ_ROUTE_MSI, .rid = rid,
							   .blocked = true };
			gsi = (int)i;
			break;
		}
	}
	pthread_mutex_unlock(&r->lock);
	return gsi;
}

int msi_irq_init(struct msi_irq *m, struct irq_router *r, u16 rid)
{
	int gsi, ret;

	m->router = r;
	m->rid = rid;
	m->gsi = 0;
	m->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (m->efd < 0)
		return -errno;
	gsi = irq_gsi_alloc(r, rid);
	if (gsi < 0) {
		ret = gsi;
		goto err_close;
	}
	m->gsi = (unsigned)gsi;
	ret = irq_router_commit(r);
	if (ret)
		goto err_free;
	ret = r->ops->irqfd(r->opaque, m->gsi, m->efd, true);
	if (ret)
		goto err_free;
	return 0;

err_free:
	pthread_mutex_lock(&r->lock);
	r->routes[m->gsi].type = IRQ_ROUTE_NONE;
	pthread_mutex_unlock(&r->lock);
	m->gsi = 0;
err_close:
	close(m->efd);
	m->efd = -1;
	return ret;
}

void msi_irq_destroy(struct msi_irq *m)
{
	struct irq_router *r = m->router;

	if (!m->gsi)
		return;
	r->ops->irqfd(r->opaque, m->gsi, m->efd, false);
	pthread_mutex_lock(&r->lock);
	r->routes[m->gsi].type = IRQ_ROUTE_NONE;
	irq_commit_locked(r);
	pthread_mutex_unlock(&r->lock);
	close(m->efd);
	m->efd = -1;
	m->gsi = 0;
}

int msi_irq_set(struct msi_irq *m, u64 addr, u32 data)
{
	struct irq_router *r = m->router;
	struct irq_route *rt;
	int ret = 0;

	pthread_mutex_lock(&r->lock);
	rt = &r->routes[m->gsi];
	if (rt->addr != addr || rt->data != data || rt->blocked) {
		rt->addr = addr;
		rt->data = data;
		irq_route_translate(r, rt);
		ret = irq_commit_locked(r);
	}
	pthread_mutex_unlock(&r->lock);
	return ret;
}

void msi_irq_fire(struct msi_irq *m)
{
	u64 one = 1;

	if (write(m->efd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		pr_debug("msi gsi %u: eventfd write: %d", m->gsi, errno);
}

int msi_irq_attach(struct msi_irq *m, bool attach)
{
	if (!m->gsi)
		return -EINVAL;
	return m->router->ops->irqfd(m->router->opaque, m->gsi, m->efd, attach);
}

int irq_msi_send(struct irq_router *r, u16 rid, u64 addr, u32 data)
{
	struct irq_route rt = { .type = IRQ_ROUTE_MSI, .rid = rid, .addr = addr, .data = data };

	pthread_mutex_lock(&r->lock);
	irq_route_translate(r, &rt);
	pthread_mutex_unlock(&r->lock);
	if (rt.blocked)
		return -EPERM;
	return r->ops->msi_send(r->opaque, rt.xaddr, rt.xdata);
}
