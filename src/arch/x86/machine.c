// SPDX-License-Identifier: GPL-2.0-only
/*
 * The machine: which devices exist and in which order they are created.
 * This list is the only place that decides it (no constructors); ACPI tables
 * come last because they describe what the devices before them allocated.
 */
#include "iovirt/acpi.h"
#include "iovirt/devices.h"
#include "iovirt/edu.h"
#include "iovirt/layout.h"
#include "iovirt/log.h"
#include "iovirt/pci.h"
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

	/* Last: the ACPI tables describe every device created above. */
	acpi_config_init(&acpi, vm);
	return acpi_tables_install(vm, &acpi);
}
