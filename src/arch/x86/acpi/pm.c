// SPDX-License-Identifier: GPL-2.0-only
/*
 * The hardware-reduced ACPI power registers the FADT points at (ACPI 6.4
 * §4.8.3.7–4.8.3.8, §4.8.3.6): SLEEP_CONTROL_REG (SLP_TYPx in bits 2–4,
 * SLP_EN in bit 5), SLEEP_STATUS_REG (WAK_STS, bit 7) and RESET_REG. The guest
 * writes SLP_TYP=5|SLP_EN to power off (S5, as the DSDT's \_S5 says) and the
 * reset value to reboot.
 */
#include <errno.h>
#include <stdlib.h>

#include "iovirt/acpi.h"
#include "iovirt/layout.h"
#include "iovirt/log.h"
#include "iovirt/vm.h"

#define SLP_TYP_SHIFT 2
#define SLP_TYP_MASK 0x7
#define SLP_EN (1 << 5)
#define WAK_STS (1 << 7)

struct acpi_pm {
	struct vm *vm;
};

static void acpi_pm_read(void *dev, u64 off, void *data, unsigned len)
{
	/* No wake events exist: sleep status reads 0, control reads 0. */
	memset(data, 0, len);
}

static void acpi_pm_write(void *dev, u64 off, const void *data, unsigned len)
{
	struct acpi_pm *pm = dev;
	u8 v = *(const u8 *)data;

	switch (off) {
	case PIO_ACPI_SLEEP_CTL - PIO_ACPI_SLEEP_CTL:
		if (!(v & SLP_EN))
			break;
		if (((v >> SLP_TYP_SHIFT) & SLP_TYP_MASK) == ACPI_S5_SLP_TYP) {
			pr_info("guest powered off");
			vm_request_stop(pm->vm, VM_STOP_POWEROFF);
		} else {
			/* S1–S4 are not offered (no \_S1.._S4 in the DSDT). */
			pr_warn("acpi: guest asked for unsupported sleep type %u",
				(v >> SLP_TYP_SHIFT) & SLP_TYP_MASK);
		}
		break;
	case PIO_ACPI_RESET - PIO_ACPI_SLEEP_CTL:
		if (v == ACPI_RESET_VALUE) {
			pr_info("guest requested reset");
			vm_request_stop(pm->vm, VM_STOP_RESET);
		}
		break;
	default:
		break;
	}
}

static const struct bus_ops acpi_pm_ops = {
	.read = acpi_pm_read,
	.write = acpi_pm_write,
};

static const struct vm_device_ops acpi_pm_dev_ops = {
	.name = "acpi-pm",
	.destroy = free,
};

int acpi_pm_create(struct vm *vm)
{
	struct acpi_pm *pm = calloc(1, sizeof(*pm));
	int ret;

	if (!pm)
		return -ENOMEM;
	pm->vm = vm;
	ret = bus_add(&vm->pio, PIO_ACPI_SLEEP_CTL, PIO_ACPI_RESET - PIO_ACPI_SLEEP_CTL + 1,
		      &acpi_pm_ops, pm, "acpi-pm");
	if (!ret)
		ret = vm_add_device(vm, &acpi_pm_dev_ops, pm);
	if (ret)
		free(pm);
	return ret;
}
