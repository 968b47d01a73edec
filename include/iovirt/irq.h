/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The interrupt layer, in one place: GSI allocation, the routing table
 * (IOAPIC pins and MSI messages), irqfd binding and line levels. A back-end
 * does the delivery — KVM's in-kernel irqchip in a VM, the qtest server in
 * the device harness. Interrupt remapping plugs in as a hook that translates
 * each MSI before its route is installed, so the translation is cached in the
 * route (ARCHITECTURE rule 3) and refreshed by irq_router_refresh().
 */
#ifndef IOVIRT_IRQ_H
#define IOVIRT_IRQ_H

#include <pthread.h>

#include "types.h"

#define IRQ_NR_PINS 24	   /* IOAPIC pins == GSIs 0..23 */
#define IRQ_MAX_GSI 1024   /* GSIs 24.. are MSI routes */

enum irq_route_type { IRQ_ROUTE_NONE, IRQ_ROUTE_PIN, IRQ_ROUTE_MSI };

struct irq_route {
	enum irq_route_type type;
	u64 addr;	/* MSI address as the device wrote it */
	u32 data;
	u16 rid;	/* requester ID, for remapping */
	bool blocked;	/* remapping refused this message: route parked */
	u64 xaddr;	/* after remapping (== addr without it) */
	u32 xdata;
};

struct irq_backend_ops {
	int (*set_line)(void *o, unsigned gsi, int level);
	/* Install the whole table (KVM_SET_GSI_ROUTING takes the whole set). */
	int (*set_routes)(void *o, const struct irq_route *routes, unsigned nr);
	int (*irqfd)(void *o, unsigned gsi, int fd, bool assign);
	/* Deliver one MSI now (already remapped). */
	int (*msi_send)(void *o, u64 addr, u32 data);
};

/*
 * Interrupt remapping (VT-d §5.1): translate a device's MSI into the message
 * to deliver. Returns 0, or -EPERM when the message is refused (the hook
 * records the fault itself).
 */
struct irq_remap_ops {
	int (*remap)(void *o, u16 rid, u64 addr, u32 data, u64 *xaddr, u32 *xdata);
};

struct irq_router {
	const struct irq_backend_ops *ops;
	void *opaque;
	const struct irq_remap_ops *remap;
	void *remap_opaque;
	pthread_mutex_t lock; /* guards routes[] and the back-end's route table */
	struct irq_route routes[IRQ_MAX_GSI];
};

void irq_router_init(struct irq_router *r, const struct irq_backend_ops *ops, void *opaque);
void irq_router_destroy(struct irq_router *r);
int irq_router_commit(struct irq_router *r) __must_check;

/* Level of an IOAPIC pin (GSI < IRQ_NR_PINS). */
int irq_line_set(struct irq_router *r, unsigned gsi, int level);

/* Remapping: install or remove the hook; refresh re-translates every MSI route. */
void irq_router_set_remap(struct irq_router *r, const struct irq_remap_ops *ops, void *o);
int irq_router_refresh(struct irq_router *r) __must_check;

/*
 * One MSI source with its own GSI and irqfd: MSI-X vectors, MSI. Firing is a
 * write to the eventfd; the kernel (or the qtest loop) delivers the message
 * that the route holds.
 */
struct msi_irq {
	struct irq_router *router;
	unsigned gsi;	/* 0: none allocated */
	int efd;
	u16 rid;
};

int msi_irq_init(struct msi_irq *m, struct irq_router *r, u16 rid) __must_check;
void msi_irq_destroy(struct msi_irq *m);
/* Point the vector at (addr, data); remapping applies here. */
int msi_irq_set(struct msi_irq *m, u64 addr, u32 data) __must_check;
/* Raise it: an eventfd write; safe from any thread. */
void msi_irq_fire(struct msi_irq *m);
/*
 * Detach (false) or re-attach (true) the eventfd from the GSI. While detached
 * a write to efd (by another process holding it) only counts in the eventfd;
 * MSI-X masking uses this for vectors whose fd was handed out.
 */
int msi_irq_attach(struct msi_irq *m, bool attach) __must_check;
/* One-shot MSI without a route (rare paths: fault events). */
int irq_msi_send(struct irq_router *r, u16 rid, u64 addr, u32 data);

#endif
