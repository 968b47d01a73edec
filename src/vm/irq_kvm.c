// SPDX-License-Identifier: GPL-2.0-only
/*
 * The interrupt router's KVM back-end: KVM_IRQ_LINE for IOAPIC pins,
 * KVM_SET_GSI_ROUTING for the table, KVM_IRQFD, KVM_SIGNAL_MSI.
 */
#include <errno.h>
#include <linux/kvm.h>
#include <stdlib.h>
#include <sys/ioctl.h>

#include "iovirt/log.h"
#include "iovirt/vm.h"

static int kvm_set_line(void *o, unsigned gsi, int level)
{
	struct vm *vm = o;
	struct kvm_irq_level l = { .irq = gsi, .level = (u32)level };

	return ioctl(vm->vm_fd, KVM_IRQ_LINE, &l) < 0 ? -errno : 0;
}

static int kvm_set_routes(void *o, const struct irq_route *routes, unsigned nr)
{
	struct vm *vm = o;
	struct kvm_irq_routing *t;
	unsigned n = 0;
	int ret = 0;

	t = calloc(1, sizeof(*t) + (nr + 16) * sizeof(t->entries[0]));
	if (!t)
		return -ENOMEM;
	for (unsigned gsi = 0; gsi < nr; gsi++) {
		const struct irq_route *r = &routes[gsi];
		struct kvm_irq_routing_entry *e;

		if (r->type == IRQ_ROUTE_PIN) {
			/*
			 * ISA IRQ 0 (the PIT) is wired to IOAPIC pin 2, as the MADT's
			 * interrupt source override says; pin 2 is never the cascade.
			 */
			unsigned pin = gsi == 0 ? 2 : gsi;

			if (gsi < 16 && gsi != 2) {
				e = &t->entries[n++];
				e->gsi = gsi;
				e->type = KVM_IRQ_ROUTING_IRQCHIP;
				e->u.irqchip.irqchip = gsi < 8 ? KVM_IRQCHIP_PIC_MASTER
							       : KVM_IRQCHIP_PIC_SLAVE;
				e->u.irqchip.pin = gsi % 8;
			}
			e = &t->entries[n++];
			e->gsi = gsi;
			e->type = KVM_IRQ_ROUTING_IRQCHIP;
			e->u.irqchip.irqchip = KVM_IRQCHIP_IOAPIC;
			e->u.irqchip.pin = pin;
		} else if (r->type == IRQ_ROUTE_MSI && !r->blocked) {
			e = &t->entries[n++];
			e->gsi = gsi;
			e->type = KVM_IRQ_ROUTING_MSI;
			e->u.msi.address_lo = (u32)r->xaddr;
			e->u.msi.address_hi = (u32)(r->xaddr >> 32);
			e->u.msi.data = r->xdata;
		}
	}
	t->nr = n;
	if (ioctl(vm->vm_fd, KVM_SET_GSI_ROUTING, t) < 0)
		ret = -errno;
	free(t);
	return ret;
}

static int kvm_irqfd(void *o, unsigned gsi, int fd, bool assign)
{
	struct vm *vm = o;
	struct kvm_irqfd irqfd = {
		.fd = (u32)fd,
		.gsi = gsi,
		.flags = assign ? 0 : KVM_IRQFD_FLAG_DEASSIGN,
	};

	return ioctl(vm->vm_fd, KVM_IRQFD, &irqfd) < 0 ? -errno : 0;
}

static int kvm_msi_send(void *o, u64 addr, u32 data)
{
	struct vm *vm = o;
	struct kvm_msi msi = {
		.address_lo = (u32)addr,
		.address_hi = (u32)(addr >> 32),
		.data = data,
	};

	return ioctl(vm->vm_fd, KVM_SIGNAL_MSI, &msi) < 0 ? -errno : 0;
}

const struct irq_backend_ops irq_kvm_ops = {
	.set_line = kvm_set_line,
	.set_routes = kvm_set_routes,
	.irqfd = kvm_irqfd,
	.msi_send = kvm_msi_send,
};
