/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ACPI: the tables the guest reads (RSDP at ACPI_TABLES_ADDR, XSDT, FADT
 * hardware-reduced, MADT, MCFG, DSDT, and DMAR when the IOMMU is on) and the
 * power-management registers the FADT points at.
 */
#ifndef IOVIRT_ACPI_H
#define IOVIRT_ACPI_H

#include "types.h"

struct vm;

/* SLP_TYPx value for S5 (soft-off) in the DSDT's \_S5 package and the control register. */
#define ACPI_S5_SLP_TYP 5

/* Sleep-control, sleep-status and reset registers (pm.c). */
int acpi_pm_create(struct vm *vm) __must_check;

#endif
