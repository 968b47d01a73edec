/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A PCI host bridge on a VM with no KVM, for tests and fuzzing: real PIO and
 * MMIO buses, a real interrupt router over a fake back-end that records what
 * it is asked to do (routes installed, irqfds bound, line levels), and
 * accessors that reach config space the way a guest does — ECAM reads and
 * writes on the MMIO bus, CONFIG_ADDRESS/CONFIG_DATA on the PIO bus.
 * Header-only, so that tests linking only part of the tree can include it.
 */
#ifndef IOVIRT_TEST_PCI_FIXTURE_H
#define IOVIRT_TEST_PCI_FIXTURE_H

#include <unistd.h>

#include "iovirt/layout.h"
#include "iovirt/pci.h"
#include "iovirt/vm.h"

#define FAKE_IRQFD_LOG 4096

struct fake_irqfd {
	unsigned gsi;
	int fd;
	bool assign;
};

struct fake_irq {
	unsigned set_routes_calls;
	const struct irq_route *routes;		/* the table last installed */
	struct fake_irqfd irqfd_log[FAKE_IRQFD_LOG];	/* every irqfd call, in order */
	unsigned nr_irqfd;
	bool bound[IRQ_MAX_GSI];		/* irqfd currently attached */
	int line[IRQ_NR_PINS];
	unsigned line_calls;
	unsigned msi_sends;
	u64 last_msi_addr;
	u32 last_msi_data;
};

static inline int fake_set_line(void *o, unsigned gsi, int level)
{
	struct fake_irq *f = o;

	f->line[gsi] = level;
	f->line_calls++;
	return 0;
}

static inline int fake_set_routes(void *o, const struct irq_route *routes, unsigned nr)
{
	struct fake_irq *f = o;

	f->set_routes_calls++;
	f->routes = routes;
	return 0;
}

static inline int fake_irqfd(void *o, unsigned gsi, int fd, bool assign)
{
	struct fake_irq *f = o;

	if (gsi >= IRQ_MAX_GSI)
		return -22;
	if (f->nr_irqfd < FAKE_IRQFD_LOG)
		f->irqfd_log[f->nr_irqfd++] = (struct fake_irqfd){ gsi, fd, assign };
	/* KVM refuses to bind twice or to unbind what is not bound. */
	if (f->bound[gsi] == assign)
		return -17;
	f->bound[gsi] = assign;
	return 0;
}

static inline int fake_msi_send(void *o, u64 addr, u32 data)
{
	struct fake_irq *f = o;

	f->msi_sends++;
	f->last_msi_addr = addr;
	f->last_msi_data = data;
	return 0;
}

static const struct irq_backend_ops fake_irq_ops = {
	.set_line = fake_set_line,
	.set_routes = fake_set_routes,
	.irqfd = fake_irqfd,
	.msi_send = fake_msi_send,
};

struct pci_fixture {
	struct vm_config cfg;
	struct vm vm;
	struct fake_irq fi;
};

#define FIXTURE_MMIO64_BASE 0x200000000ull

/* 0 or -errno; the host is in f->vm.pci. */
static inline int pci_fixture_init(struct pci_fixture *f)
{
	int ret;

	memset(f, 0, sizeof(*f));
	f->vm.cfg = &f->cfg;
	f->vm.kvm_fd = f->vm.vm_fd = -1;
	gmem_init(&f->vm.gmem);
	ret = bus_init(&f->vm.pio, "pio");
	if (!ret)
		ret = bus_init(&f->vm.mmio, "mmio");
	if (ret)
		return ret;
	irq_router_init(&f->vm.irq, &fake_irq_ops, &f->fi);
	f->vm.mmio64_base = FIXTURE_MMIO64_BASE;
	return pci_host_create(&f->vm);
}

static inline void pci_fixture_fini(struct pci_fixture *f)
{
	while (f->vm.nr_devices) {
		struct vm_device *d = &f->vm.devices[--f->vm.nr_devices];

		if (d->ops->destroy)
			d->ops->destroy(d->dev);
	}
	bus_destroy(&f->vm.pio);
	bus_destroy(&f->vm.mmio);
	irq_router_destroy(&f->vm.irq);
	gmem_destroy(&f->vm.gmem);
}

/* --- config space as the guest sees it ------------------------------------------------- */

static inline u64 ecam_addr(u8 bus, u8 devfn, u16 reg)
{
	return PCI_ECAM_BASE + ((u64)bus << 20) + ((u64)devfn << 12) + reg;
}

static inline u32 ecam_read(struct pci_fixture *f, u8 devfn, u16 reg, unsigned len)
{
	u64 v = 0;

	bus_read(&f->vm.mmio, ecam_addr(0, devfn, reg), &v, len);
	return (u32)v;
}

static inline void ecam_write(struct pci_fixture *f, u8 devfn, u16 reg, unsigned len, u32 v)
{
	bus_write(&f->vm.mmio, ecam_addr(0, devfn, reg), &v, len);
}

static inline u32 cf8_read(struct pci_fixture *f, u8 bus, u8 devfn, u16 reg, unsigned len)
{
	u32 a = 0x80000000u | (u32)bus << 16 | (u32)devfn << 8 | (reg & 0xfc);
	u64 v = 0;

	bus_write(&f->vm.pio, PIO_PCI_CONFIG, &a, 4);
	bus_read(&f->vm.pio, PIO_PCI_CONFIG + 4 + (reg & 3), &v, len);
	return (u32)v;
}

static inline void cf8_write(struct pci_fixture *f, u8 bus, u8 devfn, u16 reg, unsigned len,
			     u32 v)
{
	u32 a = 0x80000000u | (u32)bus << 16 | (u32)devfn << 8 | (reg & 0xfc);

	bus_write(&f->vm.pio, PIO_PCI_CONFIG, &a, 4);
	bus_write(&f->vm.pio, PIO_PCI_CONFIG + 4 + (reg & 3), &v, len);
}

/* The bus invariant: ranges sorted by base and pairwise disjoint. */
static inline bool bus_ranges_sane(struct bus *b)
{
	bool ok = true;

	pthread_rwlock_rdlock(&b->lock);
	for (unsigned i = 1; i < b->nr; i++) {
		const struct bus_range *p = &b->ranges[i - 1], *r = &b->ranges[i];

		if (p->base + (p->len - 1) >= r->base)
			ok = false;
	}
	pthread_rwlock_unlock(&b->lock);
	return ok;
}

/* Is there a range starting at base with this length on the bus? */
static inline bool bus_has_range(struct bus *b, u64 base, u64 len)
{
	bool found = false;

	pthread_rwlock_rdlock(&b->lock);
	for (unsigned i = 0; i < b->nr; i++)
		if (b->ranges[i].base == base && b->ranges[i].len == len)
			found = true;
	pthread_rwlock_unlock(&b->lock);
	return found;
}

/* --- a test function: BARs that record what reaches them ------------------------------ */

struct tdev {
	struct pci_dev pci;
	unsigned reads, writes;
	u64 last_off;
	u64 last_val;
	unsigned last_len;
	unsigned moves;
	unsigned last_moved_bar;
	u64 moved_old, moved_new;
	unsigned resets;
	unsigned cfg_writes;
};

/* What a BAR read returns: the offset, tagged, so a test sees which offset arrived. */
#define TDEV_READ_TAG 0x5a000000u

static inline void tdev_bar_read(void *o, u64 off, void *data, unsigned len)
{
	struct tdev *t = o;

	t->reads++;
	t->last_off = off;
	stn_le(data, len, TDEV_READ_TAG | (u32)off);
}

static inline void tdev_bar_write(void *o, u64 off, const void *data, unsigned len)
{
	struct tdev *t = o;

	t->writes++;
	t->last_off = off;
	t->last_len = len;
	t->last_val = ldn_le(data, len);
}

static const struct bus_ops tdev_bar_ops = {
	.read = tdev_bar_read,
	.write = tdev_bar_write,
};

static inline void tdev_bar_moved(struct pci_dev *d, unsigned bar, u64 old_addr, u64 new_addr)
{
	struct tdev *t = container_of(d, struct tdev, pci);

	t->moves++;
	t->last_moved_bar = bar;
	t->moved_old = old_addr;
	t->moved_new = new_addr;
}

static inline void tdev_reset(struct pci_dev *d)
{
	container_of(d, struct tdev, pci)->resets++;
}

static inline void tdev_cfg_write(struct pci_dev *d, u16 off, unsigned len, u32 val)
{
	container_of(d, struct tdev, pci)->cfg_writes++;
}

static const struct pci_dev_ops tdev_ops = {
	.cfg_write = tdev_cfg_write,
	.bar_moved = tdev_bar_moved,
	.reset = tdev_reset,
};

/* IDs: Red Hat's QEMU test device range (1b36:0005 "QEMU PCI test device"). */
static inline void tdev_init(struct tdev *t, const char *name)
{
	memset(t, 0, sizeof(*t));
	pci_dev_init(&t->pci, name, 0x1b36, 0x0005, 0xff0000, 1, 0x1af4, 0x1100);
	t->pci.ops = &tdev_ops;
	t->pci.opaque = t;
}

static inline void tdev_fini(struct tdev *t)
{
	pci_unregister(&t->pci);
	msix_destroy(&t->pci);
	pthread_mutex_destroy(&t->pci.cfg_lock);
}

/* The eventfd's counter, consumed (0 when it did not fire). */
static inline u64 efd_take(int fd)
{
	u64 v = 0;

	if (read(fd, &v, sizeof(v)) != sizeof(v))
		return 0;
	return v;
}

#endif
