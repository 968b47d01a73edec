// SPDX-License-Identifier: GPL-2.0-only
/*
 * MCFG (PCI Firmware Specification 3.3 §4.1.2): one allocation, the ECAM
 * window of segment 0 for buses 0..PCI_ECAM_BUSES-1. The same window is
 * reserved twice for the guest, as Linux insists on before it trusts MMCONFIG
 * (arch/x86/pci/mmconfig-shared.c): by e820 (e820.c) and by a PNP0C02
 * motherboard-resource device in the DSDT (dsdt.c).
 */
#include "iovirt/layout.h"
#include "tables.h"

int acpi_build_mcfg(const struct acpi_config *c, struct aml *out)
{
	struct acpi_mcfg m;
	struct mcfg_allocation a = {
		.Base_Address = cpu_to_le64(PCI_ECAM_BASE),
		.PCI_Segment_Group_Number = 0,
		.Start_Bus_Number = 0,
		.End_Bus_Number = (u8)(PCI_ECAM_BUSES - 1),
	};

	_Static_assert(PCI_ECAM_BUSES >= 1 && PCI_ECAM_BUSES <= 256, "ECAM bus count");
	memset(&m, 0, sizeof(m));
	acpi_header_init(&m.Header, "MCFG", sizeof(m) + sizeof(a), 1);
	aml_bytes(out, &m, sizeof(m));
	aml_bytes(out, &a, sizeof(a));
	return out->err;
}
