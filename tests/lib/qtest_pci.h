/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * PCI for tests, the way firmware and a driver do it over qtest: config space
 * through 0xCF8/0xCFC or ECAM, enumeration, BAR sizing and placement from a
 * window of our own, capability walks, MSI and MSI-X set-up. Works the same
 * on iovirt and on QEMU's q35 (whose ECAM must first be enabled through the
 * MCH's PCIEXBAR register; qpci_enable_ecam() does that there).
 */
#ifndef IOVIRT_TEST_QTEST_PCI_H
#define IOVIRT_TEST_QTEST_PCI_H

#include <stdbool.h>
#include <stdint.h>

struct qtest_state;

/* Windows the tests place BARs in: inside both machines' 32-bit PCI hole / PCI port range. */
#define QPCI_MMIO_BASE 0xc0000000ull
#define QPCI_MMIO_END 0xe0000000ull
#define QPCI_PIO_BASE 0xc000u
#define QPCI_PIO_END 0x10000u
#define QPCI_ECAM_BASE 0xe0000000ull

struct qpci_bus {
	struct qtest_state *qts;
	uint64_t ecam;		/* 0: config through 0xCF8/0xCFC */
	uint64_t mmio_next;
	uint32_t pio_next;
};

struct qpci_bar {
	uint64_t addr;		/* 0: not placed */
	uint64_t size;
	bool io;
	bool is64;
	bool prefetch;
};

struct qpci_dev {
	struct qpci_bus *bus;
	uint8_t busnr;
	uint8_t devfn;
	struct qpci_bar bars[6];
};

void qpci_init(struct qpci_bus *b, struct qtest_state *s);
/* Switch config accesses to ECAM at QPCI_ECAM_BASE (enabling it on q35). */
void qpci_enable_ecam(struct qpci_bus *b);

/* Config space. Offsets ≥ 0x100 need ECAM. */
uint8_t qpci_config_readb(struct qpci_dev *d, uint16_t off);
uint16_t qpci_config_readw(struct qpci_dev *d, uint16_t off);
uint32_t qpci_config_readl(struct qpci_dev *d, uint16_t off);
void qpci_config_writeb(struct qpci_dev *d, uint16_t off, uint8_t v);
void qpci_config_writew(struct qpci_dev *d, uint16_t off, uint16_t v);
void qpci_config_writel(struct qpci_dev *d, uint16_t off, uint32_t v);

/* A function at bus:devfn (no check that it exists). */
void qpci_dev_at(struct qpci_bus *b, uint8_t busnr, uint8_t devfn, struct qpci_dev *d);
/* The first function on bus 0 with this vendor/device (device 0xffff: any); false if none. */
bool qpci_find(struct qpci_bus *b, uint16_t vendor, uint16_t device, struct qpci_dev *out);

/* Size a BAR (decoding off while it is probed), without placing it. */
struct qpci_bar qpci_bar_probe(struct qpci_dev *d, unsigned bar);
/* Size and place a BAR from the bus's window; returns its address (0: no such BAR). */
uint64_t qpci_iomap(struct qpci_dev *d, unsigned bar, uint64_t *size);
/* Place every BAR, then set I/O, memory and bus-master enable — pci_enable_device + pci_set_master. */
void qpci_device_enable(struct qpci_dev *d);

/* Register access in a placed BAR (port or memory, as the BAR is). */
uint8_t qpci_io_readb(struct qpci_dev *d, unsigned bar, uint64_t off);
uint16_t qpci_io_readw(struct qpci_dev *d, unsigned bar, uint64_t off);
uint32_t qpci_io_readl(struct qpci_dev *d, unsigned bar, uint64_t off);
uint64_t qpci_io_readq(struct qpci_dev *d, unsigned bar, uint64_t off);
void qpci_io_writeb(struct qpci_dev *d, unsigned bar, uint64_t off, uint8_t v);
void qpci_io_writew(struct qpci_dev *d, unsigned bar, uint64_t off, uint16_t v);
void qpci_io_writel(struct qpci_dev *d, unsigned bar, uint64_t off, uint32_t v);
void qpci_io_writeq(struct qpci_dev *d, unsigned bar, uint64_t off, uint64_t v);

/* Capability list: offset of the first capability `id` after `after` (0: from the start); 0 if none. */
uint8_t qpci_find_cap(struct qpci_dev *d, uint8_t id, uint8_t after);

/* MSI (PCI 3.0 §6.8.1): one vector to (addr, data), enabled; or disabled. */
void qpci_msi_enable(struct qpci_dev *d, uint64_t addr, uint16_t data);
void qpci_msi_disable(struct qpci_dev *d);

/* MSI-X (PCI 3.0 §6.8.2): enable with the function mask clear; vectors start masked. */
void qpci_msix_enable(struct qpci_dev *d);
void qpci_msix_disable(struct qpci_dev *d);
unsigned qpci_msix_table_size(struct qpci_dev *d);
void qpci_msix_set_vector(struct qpci_dev *d, unsigned vec, uint64_t addr, uint32_t data);
void qpci_msix_mask(struct qpci_dev *d, unsigned vec, bool masked);
bool qpci_msix_pending(struct qpci_dev *d, unsigned vec);

#endif
