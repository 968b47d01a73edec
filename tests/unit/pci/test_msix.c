// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for src/bus/msix.c. The guest side follows Linux's
 * msix_capability_init(): enable with the function masked, mask every entry,
 * program the messages, unmask, then drop the function mask. The interrupt
 * side is a fake back-end that records the routes and irqfd bindings, and
 * the vectors' eventfds are read to see what fired.
 */
#include <errno.h>

#include "check.h"
#include "pci_fixture.h"

struct mx {
	struct pci_fixture f;
	struct tdev t;
	u8 devfn;
	u8 cap;
	unsigned nvec;
	u64 bar;		/* where the MSI-X BAR decodes */
	u64 table, pba;		/* BAR offsets from the capability */
	unsigned first_irqfd;	/* index of vector 0's irqfd bind in the fake's log */
};

static void mx_setup(struct mx *m, unsigned nvec)
{
	u32 v;

	CHECK_EQ(pci_fixture_init(&m->f), 0);
	tdev_init(&m->t, "mx");
	m->nvec = nvec;
	CHECK_EQ(pci_set_bar(&m->t.pci, 0, PCI_BAR_MEM32, false, 4096, &tdev_bar_ops, &m->t), 0);
	CHECK_EQ(msix_init(&m->t.pci, nvec, 2), 0);
	CHECK(pci_add_pcie_cap(&m->t.pci) > 0);
	m->first_irqfd = m->f.fi.nr_irqfd;
	CHECK_EQ(pci_register(m->f.vm.pci, &m->t.pci, -1), 0);
	m->devfn = m->t.pci.devfn;
	/* Find the capability as the guest does. */
	m->cap = (u8)ecam_read(&m->f, m->devfn, PCI_CAPABILITY_LIST, 1);
	while (m->cap && ecam_read(&m->f, m->devfn, m->cap, 1) != PCI_CAP_ID_MSIX)
		m->cap = (u8)ecam_read(&m->f, m->devfn, m->cap + 1, 1);
	CHECK(m->cap != 0);
	v = ecam_read(&m->f, m->devfn, m->cap + PCI_MSIX_TABLE, 4);
	CHECK_EQ(v & PCI_MSIX_TABLE_BIR, 2);
	m->table = v & PCI_MSIX_TABLE_OFFSET;
	v = ecam_read(&m->f, m->devfn, m->cap + PCI_MSIX_PBA, 4);
	CHECK_EQ(v & PCI_MSIX_PBA_BIR, 2);
	m->pba = v & PCI_MSIX_PBA_OFFSET;
	m->bar = ecam_read(&m->f, m->devfn, PCI_BASE_ADDRESS_2, 4) & PCI_BASE_ADDRESS_MEM_MASK;
	ecam_write(&m->f, m->devfn, PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
}

static void mx_fini(struct mx *m)
{
	tdev_fini(&m->t);
	pci_fixture_fini(&m->f);
}

static unsigned vec_gsi(struct mx *m, unsigned v)
{
	return m->f.fi.irqfd_log[m->first_irqfd + v].gsi;
}

static int vec_fd(struct mx *m, unsigned v)
{
	return m->f.fi.irqfd_log[m->first_irqfd + v].fd;
}

static u64 bar_read(struct mx *m, u64 off, unsigned len)
{
	u64 v = 0;

	CHECK(bus_read(&m->f.vm.mmio, m->bar + off, &v, len));
	return v;
}

static void bar_write(struct mx *m, u64 off, unsigned len, u64 v)
{
	CHECK(bus_write(&m->f.vm.mmio, m->bar + off, &v, len));
}

static u64 entry(struct mx *m, unsigned v, unsigned field)
{
	return m->table + v * PCI_MSIX_ENTRY_SIZE + field;
}

static u16 ctrl_read(struct mx *m)
{
	return (u16)ecam_read(&m->f, m->devfn, m->cap + PCI_MSIX_FLAGS, 2);
}

static void ctrl_write(struct mx *m, u16 v)
{
	ecam_write(&m->f, m->devfn, m->cap + PCI_MSIX_FLAGS, 2, v);
}

static bool pending(struct mx *m, unsigned v)
{
	return bar_read(m, m->pba + (v / 64) * 8, 8) & BIT64(v % 64);
}

static const struct irq_route *route(struct mx *m, unsigned v)
{
	return &m->f.vm.irq.routes[vec_gsi(m, v)];
}

/* Linux's order of operations, programming vector i with (0xfee00000 | i << 12, 0x4020 + i). */
static void linux_enable(struct mx *m, unsigned nprog)
{
	u16 ctrl = ctrl_read(m);

	ctrl_write(m, ctrl | PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL);
	for (unsigned i = 0; i < m->nvec; i++)
		bar_write(m, entry(m, i, PCI_MSIX_ENTRY_VECTOR_CTRL), 4,
			  PCI_MSIX_ENTRY_CTRL_MASKBIT);
	for (unsigned i = 0; i < nprog; i++) {
		bar_write(m, entry(m, i, PCI_MSIX_ENTRY_LOWER_ADDR), 4, 0xfee00000u | i << 12);
		bar_write(m, entry(m, i, PCI_MSIX_ENTRY_UPPER_ADDR), 4, 0);
		bar_write(m, entry(m, i, PCI_MSIX_ENTRY_DATA), 4, 0x4020 + i);
		bar_write(m, entry(m, i, PCI_MSIX_ENTRY_VECTOR_CTRL), 4, 0);
	}
	ecam_write(&m->f, m->devfn, PCI_COMMAND, 2,
		   ecam_read(&m->f, m->devfn, PCI_COMMAND, 2) | PCI_COMMAND_INTX_DISABLE);
	ctrl_write(m, (ctrl_read(m) | PCI_MSIX_FLAGS_ENABLE) & ~PCI_MSIX_FLAGS_MASKALL);
}

static void test_layout(void)
{
	struct mx m;

	mx_setup(&m, 4);
	CHECK_EQ(ctrl_read(&m), 3);	/* Table Size is N-1; disabled, unmasked at reset */
	CHECK_EQ(m.table, 0);
	CHECK_EQ(m.pba, 4 * PCI_MSIX_ENTRY_SIZE);
	CHECK(IS_ALIGNED(m.pba, 8));
	CHECK(bus_has_range(&m.f.vm.mmio, m.bar, 4096));
	CHECK(msix_enabled(&m.t.pci) == false);
	/* Every vector has its own GSI and eventfd, bound from the start. */
	for (unsigned i = 0; i < 4; i++) {
		CHECK(m.f.fi.irqfd_log[m.first_irqfd + i].assign);
		CHECK(vec_gsi(&m, i) >= IRQ_NR_PINS);
		CHECK(m.f.fi.bound[vec_gsi(&m, i)]);
		CHECK(vec_fd(&m, i) >= 0);
		/* A new vector's route is parked until the guest programs it. */
		CHECK(route(&m, i)->blocked);
		/* Reset state: masked entries, nothing pending. */
		CHECK_EQ(bar_read(&m, entry(&m, i, PCI_MSIX_ENTRY_VECTOR_CTRL), 4), 1);
		CHECK(!pending(&m, i));
	}
	CHECK(vec_gsi(&m, 0) != vec_gsi(&m, 1));
	/* Only Enable and Function Mask are writable in Message Control. */
	ctrl_write(&m, 0xffff);
	CHECK_EQ(ctrl_read(&m), PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL | 3);
	ecam_write(&m.f, m.devfn, m.cap + PCI_MSIX_TABLE, 4, 0x12345678);
	CHECK_EQ(ecam_read(&m.f, m.devfn, m.cap + PCI_MSIX_TABLE, 4), 2);
	CHECK(msix_enabled(&m.t.pci));
	mx_fini(&m);
}

static void test_delivery_and_masking(void)
{
	struct mx m;

	mx_setup(&m, 4);
	linux_enable(&m, 3);
	CHECK(msix_enabled(&m.t.pci));
	/* Programming reached the routes of the unmasked vectors. */
	for (unsigned i = 0; i < 3; i++) {
		CHECK(!route(&m, i)->blocked);
		CHECK_EQ(route(&m, i)->addr, 0xfee00000u | i << 12);
		CHECK_EQ(route(&m, i)->data, 0x4020 + i);
		CHECK_EQ(route(&m, i)->rid, pci_rid(&m.t.pci));
	}
	CHECK(m.f.fi.routes == m.f.vm.irq.routes);
	CHECK(route(&m, 3)->blocked);	/* never unmasked */
	/* Table reads back what was written, dword and qword. */
	CHECK_EQ(bar_read(&m, entry(&m, 1, PCI_MSIX_ENTRY_LOWER_ADDR), 4), 0xfee01000);
	CHECK_EQ(bar_read(&m, entry(&m, 1, PCI_MSIX_ENTRY_LOWER_ADDR), 8), 0xfee01000);
	CHECK_EQ(bar_read(&m, entry(&m, 1, PCI_MSIX_ENTRY_DATA), 8), 0x4021);

	/* Unmasked vector: one eventfd write. */
	efd_take(vec_fd(&m, 0));
	msix_notify(&m.t.pci, 0);
	CHECK_EQ(efd_take(vec_fd(&m, 0)), 1);
	CHECK(!pending(&m, 0));

	/* Masked vector: pending bit, no interrupt; delivered when unmasked. */
	bar_write(&m, entry(&m, 1, PCI_MSIX_ENTRY_VECTOR_CTRL), 4, 1);
	msix_notify(&m.t.pci, 1);
	msix_notify(&m.t.pci, 1);
	CHECK_EQ(efd_take(vec_fd(&m, 1)), 0);
	CHECK(pending(&m, 1));
	/* The PBA is read-only. */
	bar_write(&m, m.pba, 8, 0);
	CHECK(pending(&m, 1));
	bar_write(&m, entry(&m, 1, PCI_MSIX_ENTRY_VECTOR_CTRL), 4, 0);
	CHECK_EQ(efd_take(vec_fd(&m, 1)), 1);	/* one message for both events */
	CHECK(!pending(&m, 1));

	/* Function Mask: every vector pends, none fires; clearing it delivers each once. */
	ctrl_write(&m, PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL);
	msix_notify(&m.t.pci, 0);
	msix_notify(&m.t.pci, 2);
	CHECK_EQ(efd_take(vec_fd(&m, 0)), 0);
	CHECK_EQ(efd_take(vec_fd(&m, 2)), 0);
	CHECK(pending(&m, 0) && pending(&m, 2) && !pending(&m, 1));
	ctrl_write(&m, PCI_MSIX_FLAGS_ENABLE);
	CHECK_EQ(efd_take(vec_fd(&m, 0)), 1);
	CHECK_EQ(efd_take(vec_fd(&m, 2)), 1);
	CHECK_EQ(efd_take(vec_fd(&m, 1)), 0);
	CHECK(!pending(&m, 0) && !pending(&m, 2));

	/* Pending under the vector mask survives the function mask being toggled. */
	bar_write(&m, entry(&m, 2, PCI_MSIX_ENTRY_VECTOR_CTRL), 4, 1);
	msix_notify(&m.t.pci, 2);
	ctrl_write(&m, PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL);
	ctrl_write(&m, PCI_MSIX_FLAGS_ENABLE);
	CHECK_EQ(efd_take(vec_fd(&m, 2)), 0);
	CHECK(pending(&m, 2));
	bar_write(&m, entry(&m, 2, PCI_MSIX_ENTRY_VECTOR_CTRL), 4, 0);
	CHECK_EQ(efd_take(vec_fd(&m, 2)), 1);

	/* MSI-X disabled: a notification goes nowhere and leaves nothing pending. */
	ctrl_write(&m, 0);
	CHECK(!msix_enabled(&m.t.pci));
	msix_notify(&m.t.pci, 0);
	CHECK_EQ(efd_take(vec_fd(&m, 0)), 0);
	CHECK(!pending(&m, 0));
	ctrl_write(&m, PCI_MSIX_FLAGS_ENABLE);
	CHECK_EQ(efd_take(vec_fd(&m, 0)), 0);

	/* A vector that does not exist: warned about, nothing else. */
	msix_notify(&m.t.pci, 4);
	mx_fini(&m);
}

static void test_reprogramming(void)
{
	struct mx m;
	unsigned commits;

	mx_setup(&m, 4);
	linux_enable(&m, 4);
	/* Linux's msi_write_msg(): mask, write the message with a qword, unmask. */
	bar_write(&m, entry(&m, 3, PCI_MSIX_ENTRY_VECTOR_CTRL), 4, 1);
	bar_write(&m, entry(&m, 3, PCI_MSIX_ENTRY_LOWER_ADDR), 8, 0x00000001fee0f000ull);
	CHECK_EQ(route(&m, 3)->addr, 0xfee03000u);	/* masked: the route is not touched */
	bar_write(&m, entry(&m, 3, PCI_MSIX_ENTRY_DATA), 8, 0x4099);	/* data + unmask */
	CHECK_EQ(route(&m, 3)->addr, 0x1fee0f000ull);
	CHECK_EQ(route(&m, 3)->data, 0x4099);
	CHECK_EQ(bar_read(&m, entry(&m, 3, PCI_MSIX_ENTRY_VECTOR_CTRL), 4), 0);
	/* Rewriting while unmasked (undefined by the spec; QEMU follows it): route follows. */
	bar_write(&m, entry(&m, 3, PCI_MSIX_ENTRY_DATA), 4, 0x40aa);
	CHECK_EQ(route(&m, 3)->data, 0x40aa);
	/* An unchanged message does not reinstall the routing table. */
	commits = m.f.fi.set_routes_calls;
	bar_write(&m, entry(&m, 3, PCI_MSIX_ENTRY_DATA), 4, 0x40aa);
	bar_write(&m, entry(&m, 3, PCI_MSIX_ENTRY_VECTOR_CTRL), 4, 0);
	CHECK_EQ(m.f.fi.set_routes_calls, commits);
	/* Reserved bits: address bits 1:0 and vector control bits 31:1 read 0. */
	bar_write(&m, entry(&m, 0, PCI_MSIX_ENTRY_LOWER_ADDR), 4, 0xfee00003);
	CHECK_EQ(bar_read(&m, entry(&m, 0, PCI_MSIX_ENTRY_LOWER_ADDR), 4), 0xfee00000);
	bar_write(&m, entry(&m, 0, PCI_MSIX_ENTRY_VECTOR_CTRL), 4, 0xfffffffe);
	CHECK_EQ(bar_read(&m, entry(&m, 0, PCI_MSIX_ENTRY_VECTOR_CTRL), 4), 0);
	bar_write(&m, entry(&m, 0, PCI_MSIX_ENTRY_VECTOR_CTRL), 4, 0xffffffff);
	CHECK_EQ(bar_read(&m, entry(&m, 0, PCI_MSIX_ENTRY_VECTOR_CTRL), 4), 1);
	mx_fini(&m);
}

static void test_hostile_table_access(void)
{
	struct mx m;
	u64 v;

	mx_setup(&m, 4);
	linux_enable(&m, 4);
	/* Byte and word writes are not defined for the table (§7.7.2): ignored. */
	bar_write(&m, entry(&m, 0, PCI_MSIX_ENTRY_DATA), 1, 0xff);
	bar_write(&m, entry(&m, 0, PCI_MSIX_ENTRY_DATA), 2, 0xffff);
	CHECK_EQ(bar_read(&m, entry(&m, 0, PCI_MSIX_ENTRY_DATA), 4), 0x4020);
	/* Misaligned dword/qword: ignored; misaligned read: all ones. */
	bar_write(&m, entry(&m, 0, PCI_MSIX_ENTRY_DATA) + 2, 4, 0);
	bar_write(&m, entry(&m, 0, PCI_MSIX_ENTRY_UPPER_ADDR), 8, 0);
	CHECK_EQ(bar_read(&m, entry(&m, 0, PCI_MSIX_ENTRY_DATA), 4), 0x4020);
	CHECK_EQ(bar_read(&m, 6, 4), 0xffffffff);
	CHECK_EQ(bar_read(&m, 4, 8), ~0ull);
	/* Aligned small reads are served. */
	CHECK_EQ(bar_read(&m, entry(&m, 1, PCI_MSIX_ENTRY_LOWER_ADDR) + 2, 2), 0xfee0);
	/* The reserved rest of the BAR reads 0 and ignores writes. */
	bar_write(&m, 0x800, 4, 0xffffffff);
	CHECK_EQ(bar_read(&m, 0x800, 4), 0);
	CHECK_EQ(bar_read(&m, 0xff8, 8), 0);
	/* Straddling the end of the BAR is not the BAR's. */
	v = 0;
	CHECK(!bus_read(&m.f.vm.mmio, m.bar + 0xffc, &v, 8));
	CHECK(m.t.pci.bad_accesses >= 5);
	/* Nothing fired along the way. */
	for (unsigned i = 0; i < 4; i++)
		CHECK_EQ(efd_take(vec_fd(&m, i)), 0);
	mx_fini(&m);
}

/* A vector whose eventfd is written by another process (a vhost-user back-end). */
static void test_external_vector(void)
{
	struct mx m;
	int fd;
	u64 one = 1;

	mx_setup(&m, 4);
	linux_enable(&m, 4);
	fd = msix_vector_fd(&m.t.pci, 2);
	CHECK_EQ(fd, vec_fd(&m, 2));
	CHECK(m.f.fi.bound[vec_gsi(&m, 2)]);
	CHECK_EQ(msix_vector_fd(&m.t.pci, 4), -1);
	/* Masking detaches the irqfd: the back-end's write only counts in the eventfd... */
	bar_write(&m, entry(&m, 2, PCI_MSIX_ENTRY_VECTOR_CTRL), 4, 1);
	CHECK(!m.f.fi.bound[vec_gsi(&m, 2)]);
	CHECK_EQ(write(fd, &one, 8), 8);
	/* ...and shows as the pending bit. */
	CHECK(pending(&m, 2));
	CHECK(!pending(&m, 3));
	/* Unmask: re-attached, and the held event is delivered once. */
	bar_write(&m, entry(&m, 2, PCI_MSIX_ENTRY_VECTOR_CTRL), 4, 0);
	CHECK(m.f.fi.bound[vec_gsi(&m, 2)]);
	CHECK(!pending(&m, 2));
	CHECK_EQ(efd_take(fd), 1);
	/* Function mask detaches too. */
	ctrl_write(&m, PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL);
	CHECK(!m.f.fi.bound[vec_gsi(&m, 2)]);
	CHECK(m.f.fi.bound[vec_gsi(&m, 1)]);	/* vectors nobody else writes stay bound */
	ctrl_write(&m, PCI_MSIX_FLAGS_ENABLE);
	CHECK(m.f.fi.bound[vec_gsi(&m, 2)]);
	CHECK_EQ(efd_take(fd), 0);
	/* Handed out while masked: detached immediately. */
	bar_write(&m, entry(&m, 3, PCI_MSIX_ENTRY_VECTOR_CTRL), 4, 1);
	CHECK(m.f.fi.bound[vec_gsi(&m, 3)]);
	CHECK(msix_vector_fd(&m.t.pci, 3) >= 0);
	CHECK(!m.f.fi.bound[vec_gsi(&m, 3)]);
	mx_fini(&m);
}

/* More than 64 vectors: the PBA spans qwords; FLR resets the whole state. */
static void test_many_vectors_and_flr(void)
{
	struct mx m;

	mx_setup(&m, 70);
	CHECK_EQ(ctrl_read(&m), 69);
	CHECK_EQ(m.pba, 70 * 16);
	linux_enable(&m, 70);
	bar_write(&m, entry(&m, 69, PCI_MSIX_ENTRY_VECTOR_CTRL), 4, 1);
	msix_notify(&m.t.pci, 69);
	CHECK(pending(&m, 69));
	CHECK(!pending(&m, 5));
	CHECK_EQ(bar_read(&m, m.pba + 8, 8), BIT64(5));
	CHECK_EQ(bar_read(&m, m.pba + 8, 1), 1 << 5);
	CHECK_EQ(bar_read(&m, m.pba, 8), 0);
	/* FLR: MSI-X disabled, every vector masked and cleared, nothing pending. */
	ecam_write(&m.f, m.devfn, m.t.pci.pcie_cap + PCI_EXP_DEVCTL, 2, PCI_EXP_DEVCTL_BCR_FLR);
	CHECK_EQ(m.t.resets, 1);
	CHECK_EQ(ctrl_read(&m), 69);
	CHECK(!msix_enabled(&m.t.pci));
	ecam_write(&m.f, m.devfn, PCI_BASE_ADDRESS_2, 4, (u32)m.bar);
	ecam_write(&m.f, m.devfn, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	CHECK(!pending(&m, 69));
	CHECK_EQ(bar_read(&m, entry(&m, 0, PCI_MSIX_ENTRY_LOWER_ADDR), 8), 0);
	CHECK_EQ(bar_read(&m, entry(&m, 7, PCI_MSIX_ENTRY_VECTOR_CTRL), 4), 1);
	msix_notify(&m.t.pci, 0);
	CHECK_EQ(efd_take(vec_fd(&m, 0)), 0);
	mx_fini(&m);
}

static void test_init_errors(void)
{
	struct tdev t;

	tdev_init(&t, "t");
	CHECK_EQ(msix_init(&t.pci, 0, 0), -EINVAL);
	CHECK_EQ(msix_init(&t.pci, 2049, 0), -EINVAL);
	CHECK_EQ(msix_init(&t.pci, 4, 6), -EINVAL);
	CHECK_EQ(pci_set_bar(&t.pci, 0, PCI_BAR_MEM32, false, 4096, &tdev_bar_ops, &t), 0);
	CHECK_EQ(msix_init(&t.pci, 4, 0), -EBUSY);	/* BAR taken */
	CHECK(t.pci.msix == NULL);
	CHECK_EQ(t.pci.cfg[PCI_CAPABILITY_LIST], 0);
	/* 2048 vectors: 32 KiB table + 256-byte PBA → a 64 KiB BAR. */
	CHECK_EQ(msix_init(&t.pci, 2048, 1), 0);
	CHECK_EQ(t.pci.bars[1].size, 65536);
	CHECK_EQ(pci_cfg_read(&t.pci, pci_find_cap(&t.pci, PCI_CAP_ID_MSIX) + PCI_MSIX_FLAGS, 2),
		 0x7ff);
	CHECK_EQ(msix_init(&t.pci, 4, 3), -EBUSY);	/* one MSI-X per function */
	/* Not registered: notify and vector fds do nothing. */
	msix_notify(&t.pci, 0);
	CHECK_EQ(msix_vector_fd(&t.pci, 0), -1);
	tdev_fini(&t);
	CHECK(t.pci.msix == NULL);
}

int main(void)
{
	log_set_level(LOG_ERR);
	test_layout();
	test_delivery_and_masking();
	test_reprogramming();
	test_hostile_table_access();
	test_external_vector();
	test_many_vectors_and_flr();
	test_init_errors();
	return check_done();
}
