// SPDX-License-Identifier: GPL-2.0-only
/*
 * The machine: which devices exist and in which order they are created.
 * This list is the only place that decides it (no constructors); ACPI tables
 * come last because they describe what the devices before them allocated.
 */
#include "iovirt/acpi.h"
#include "iovirt/log.h"
#include "iovirt/vm.h"
#include "iovirt/x86.h"

int machine_create(struct vm *vm)
{
	struct acpi_config acpi;
	int ret;

	ret = acpi_pm_create(vm);
	if (ret) {
		pr_err("acpi-pm: %s", strerror(-ret));
		return ret;
	}

	/* Last: the ACPI tables describe every device created above. */
	acpi_config_init(&acpi, vm);
	return acpi_tables_install(vm, &acpi);
}
