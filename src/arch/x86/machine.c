// SPDX-License-Identifier: GPL-2.0-only
/*
 * The machine: which devices exist and in which order they are created.
 * This list is the only place that decides it (no constructors); ACPI tables
 * come last because they describe what the devices before them allocated.
 */
#include <errno.h>

#include "iovirt/acpi.h"
#include "iovirt/devices.h"
#include "iovirt/edu.h"
#include "iovirt/layout.h"
#include "iovirt/log.h"
#include "iovirt/pci.h"
#include "iovirt/vhost_frontend.h"
#include "iovirt/virtio.h"
#include "iovirt/vm.h"
#include "iovirt/x86.h"

/* The legacy PC devices; COM1 gets the stdio console only with --console serial. */
static int machine_create_legacy(struct vm *vm)
{
	struct console *con = NULL;
	int ret;

	if (vm->cfg->console == CONSOLE_SERIAL) {
		ret = console_stdio_create(vm, &con);
		if (ret) {
			pr_err("console: %s", strerror(-ret));
			return ret;
		}
	}
	ret = uart_create(vm, PIO_COM1, IRQ_COM1, con, NULL);
	if (ret) {
		pr_err("uart: %s", strerror(-ret));
		return ret;
	}
	ret = i8042_create(vm);
	if (ret) {
		pr_err("i8042: %s", strerror(-ret));
		return ret;
	}
	ret = rtc_create(vm);
	if (ret) {
		pr_err("rtc: %s", strerror(-ret));
		return ret;
	}
	return 0;
}

/* The virtio devices, in command-line order: disks, NICs, console, rng. */
static int machine_create_virtio(struct vm *vm)
{
	const struct vm_config *cfg = vm->cfg;
	int ret;

	for (unsigned i = 0; i < cfg->nr_disks; i++) {
		/* vhost-user: waits up to 10 s for the back-end's socket, then fails. */
		if (cfg->disks[i].vhost_user)
			ret = vhost_user_blk_create(vm, &cfg->disks[i], i, NULL);
		else
			ret = virtio_blk_create(vm, &cfg->disks[i], i);
		if (ret)
			return ret;
	}
	for (unsigned i = 0; i < cfg->nr_nets; i++) {
		if (cfg->nets[i].vhost_user)
			ret = vhost_user_net_create(vm, &cfg->nets[i], i, NULL);
		else
			ret = virtio_net_create(vm, &cfg->nets[i], i);
		if (ret)
			return ret;
	}
	if (cfg->console == CONSOLE_VIRTIO) {
		struct console *con;

		ret = console_stdio_create(vm, &con);
		if (!ret)
			ret = virtio_console_create(vm, con);
		if (ret) {
			pr_err("virtio-console: %s", strerror(-ret));
			return ret;
		}
	}
	if (cfg->rng) {
		ret = virtio_rng_create(vm);
		if (ret) {
			pr_err("virtio-rng: %s", strerror(-ret));
			return ret;
		}
	}
	return 0;
}

/* virtio-mmio slots go into the DSDT (LNRO0005); the loader skips them on the command line. */
static int machine_acpi_platform(struct vm *vm, struct acpi_config *acpi)
{
	for (unsigned i = 0; i < vm->next_platform_slot; i++) {
		struct vm_platform_dev *pd = &vm->platform_devs[i];
		/* Level: the line follows the device's interrupt status register. */
		int ret = acpi_config_add_platform(acpi, pd->addr, pd->size, pd->gsi, true,
						   pd->hid);

		if (ret) {
			pr_err("%s: cannot describe it in ACPI: %s", pd->name, strerror(-ret));
			return ret;
		}
		pd->in_acpi = true;
	}
	return 0;
}

int machine_create(struct vm *vm)
{
	struct acpi_config acpi;
	int ret;

	ret = machine_create_legacy(vm);
	if (ret)
		return ret;

	/* The PCIe host bridge first: every PCI device registers on it. */
	ret = pci_host_create(vm);
	if (ret) {
		pr_err("pci-host: %s", strerror(-ret));
		return ret;
	}
	ret = acpi_pm_create(vm);
	if (ret) {
		pr_err("acpi-pm: %s", strerror(-ret));
		return ret;
	}
	if (vm->cfg->edu) {
		ret = edu_create(vm);
		if (ret) {
			pr_err("edu: %s", strerror(-ret));
			return ret;
		}
	}

	ret = machine_create_virtio(vm);
	if (ret)
		return ret;

	/* Last: the ACPI tables describe every device created above. */
	acpi_config_init(&acpi, vm);
	ret = machine_acpi_platform(vm, &acpi);
	if (ret)
		return ret;
	return acpi_tables_install(vm, &acpi);
}
