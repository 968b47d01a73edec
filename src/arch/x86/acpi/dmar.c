// SPDX-License-Identifier: GPL-2.0-only
/*
 * The DMAR table (Intel VT-d 4.1 §8): one remapping unit (DRHD) at VTD_ADDR
 * covering every PCI device of segment 0 (INCLUDE_PCI_ALL), whose device
 * scope names the IOAPIC so that the guest can remap its interrupts too
 * (§8.3.1.1: an IOAPIC under remapping must be listed; Linux disables
 * interrupt remapping otherwise). Built only when the machine has the IOMMU.
 */
#include "iovirt/layout.h"
#include "tables.h"

#define DMAR_REVISION 1
#define DRHD_TYPE 0
#define DRHD_SIZE_4K 0		/* register set: 2^0 pages */

int acpi_build_dmar(const struct acpi_config *c, struct aml *out)
{
	struct acpi_dmar d;
	struct dmar_drhd u;
	struct dmar_device_scope s = {
		.Type = DMAR_SCOPE_IOAPIC,
		.Length = sizeof(s),
		.Enumeration_ID = ACPI_IOAPIC_ID,
		.Start_Bus_Number = (u8)(c->ioapic_sid >> 8),
		.Path_Device = (u8)((c->ioapic_sid >> 3) & 0x1f),
		.Path_Function = (u8)(c->ioapic_sid & 7),
	};

	memset(&d, 0, sizeof(d));
	acpi_header_init(&d.Header, "DMAR", sizeof(d) + sizeof(u) + sizeof(s), DMAR_REVISION);
	/* §8.1: Host Address Width is the maximum DMA physical address width minus one. */
	d.Host_Address_Width = (u8)(c->dmar_haw - 1);
	d.Flags = c->dmar_intr_remap ? DMAR_INTR_REMAP : 0;
	memset(&u, 0, sizeof(u));
	u.Type = cpu_to_le16(DRHD_TYPE);
	u.Length = cpu_to_le16(sizeof(u) + sizeof(s));
	u.Flags = DRHD_INCLUDE_PCI_ALL;
	u.Size = DRHD_SIZE_4K;
	u.Segment_Number = 0;
	u.Register_Base_Address = cpu_to_le64(VTD_ADDR);
	aml_bytes(out, &d, sizeof(d));
	aml_bytes(out, &u, sizeof(u));
	aml_bytes(out, &s, sizeof(s));
	return out->err;
}
