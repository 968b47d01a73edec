// SPDX-License-Identifier: GPL-2.0-only
/*
 * The ACPI tables' link to the VM: a configuration read from what the
 * machine created (CPU count, the 64-bit window, which legacy devices sit on
 * the PIO bus, the PCI host's INTx routing), and the tables written into
 * guest memory at ACPI_TABLES_ADDR, where boot.c points boot_params and where
 * a BIOS-area scan would find the RSDP too.
 */
#include <errno.h>
#include <stdlib.h>

#include "iovirt/acpi.h"
#include "iovirt/layout.h"
#include "iovirt/log.h"
#include "iovirt/pci.h"
#include "iovirt/vm.h"

/* True when a device on the PIO bus claims `port`. */
static bool pio_claimed(struct bus *b, u64 port)
{
	bool found = false;

	pthread_rwlock_rdlock(&b->lock);
	for (unsigned i = 0; i < b->nr; i++) {
		if (port >= b->ranges[i].base && port - b->ranges[i].base < b->ranges[i].len) {
			found = true;
			break;
		}
	}
	pthread_rwlock_unlock(&b->lock);
	return found;
}

void acpi_config_init(struct acpi_config *c, struct vm *vm)
{
	memset(c, 0, sizeof(*c));
	c->ncpus = vm->cfg->ncpus;
	c->mmio64_base = vm->mmio64_base;
	c->mmio64_size = PCI_MMIO64_SIZE;
	c->intx_gsi = pci_host_intx_gsi;
	/* Describe a legacy device only if the machine really created it. */
	c->com1 = pio_claimed(&vm->pio, PIO_COM1);
	c->i8042 = pio_claimed(&vm->pio, PIO_I8042_DATA) && pio_claimed(&vm->pio, PIO_I8042_CMD);
	c->rtc = pio_claimed(&vm->pio, PIO_RTC);
}

int acpi_tables_install(struct vm *vm, const struct acpi_config *c)
{
	u8 *buf = calloc(1, ACPI_TABLES_SIZE);
	int ret;

	if (!buf)
		return -ENOMEM;
	ret = acpi_build(c, buf, ACPI_TABLES_SIZE, ACPI_TABLES_ADDR);
	if (ret < 0) {
		pr_err("acpi: cannot build the tables: %s", strerror(-ret));
		goto out;
	}
	pr_debug("acpi: %d bytes of tables at 0x%llx", ret, (unsigned long long)ACPI_TABLES_ADDR);
	ret = gmem_write(&vm->gmem, ACPI_TABLES_ADDR, buf, (u64)ret);
	if (ret)
		pr_err("acpi: cannot write the tables to guest memory: %s", strerror(-ret));
out:
	free(buf);
	return ret < 0 ? ret : 0;
}
