// SPDX-License-Identifier: GPL-2.0-only
/*
 * The MADT (ACPI 6.4 §5.2.12): one processor entry per vCPU, the IOAPIC,
 * the ISA interrupt source overrides, and the local NMI wiring.
 *
 * APIC IDs are the vCPU indices (cpuid.c). IDs 0..254 get a Processor Local
 * APIC entry, 255 and up a Processor Local x2APIC entry, as §5.2.12.12 asks
 * (an xAPIC entry cannot hold ID 255 or more, and Linux ignores x2APIC
 * entries below 255 when xAPIC entries exist). The ACPI Processor UID is the
 * APIC ID too; the DSDT's processor devices use the same numbers.
 */
#include "iovirt/layout.h"
#include "tables.h"

#define MADT_REVISION 5		/* ACPI 6.3 and later */
#define XAPIC_MAX_ID 254	/* 255 is the xAPIC broadcast ID */
#define LINT1 1			/* wired to NMI by cpu.c, as a PC BIOS does */
/* MPS INTI flags 0: "conforms to the bus" (ISA: edge, active-high). */
#define MPS_INTI_CONFORMS 0

static void madt_override(struct aml *out, u8 irq, u32 gsi, u16 flags)
{
	struct madt_interrupt_source_override o = {
		.Type = MADT_TYPE_INTERRUPT_SOURCE_OVERRIDE,
		.Length = sizeof(o),
		.Bus = 0,
		.Source = irq,
		.Global_System_Interrupt = cpu_to_le32(gsi),
		.Flags = cpu_to_le16(flags),
	};

	aml_bytes(out, &o, sizeof(o));
}

int acpi_build_madt(const struct acpi_config *c, struct aml *out)
{
	struct acpi_madt m;
	size_t start = out->len;
	bool x2apic = c->ncpus > XAPIC_MAX_ID + 1;

	memset(&m, 0, sizeof(m));
	acpi_header_init(&m.Header, "APIC", 0, MADT_REVISION);
	m.Local_Interrupt_Controller_Address = cpu_to_le32(LAPIC_ADDR);
	/* KVM's in-kernel irqchip has the dual 8259 too; the guest must mask it. */
	m.Flags = cpu_to_le32(MADT_PCAT_COMPAT);
	aml_bytes(out, &m, sizeof(m));

	for (u32 id = 0; id < c->ncpus; id++) {
		if (id <= XAPIC_MAX_ID) {
			struct madt_local_apic l = {
				.Type = MADT_TYPE_LOCAL_APIC,
				.Length = sizeof(l),
				.ACPI_Processor_UID = (u8)id,
				.APIC_ID = (u8)id,
				.Flags = cpu_to_le32(MADT_LAPIC_ENABLED),
			};

			aml_bytes(out, &l, sizeof(l));
		} else {
			struct madt_local_x2apic l = {
				.Type = MADT_TYPE_LOCAL_X2APIC,
				.Length = sizeof(l),
				.X2APIC_ID = cpu_to_le32(id),
				.Flags = cpu_to_le32(MADT_LAPIC_ENABLED),
				.ACPI_Processor_UID = cpu_to_le32(id),
			};

			aml_bytes(out, &l, sizeof(l));
		}
	}

	{
		struct madt_io_apic io = {
			.Type = MADT_TYPE_IO_APIC,
			.Length = sizeof(io),
			.IO_APIC_ID = ACPI_IOAPIC_ID,
			.IO_APIC_Address = cpu_to_le32(IOAPIC_ADDR),
			.Global_System_Interrupt_Base = 0,
		};

		aml_bytes(out, &io, sizeof(io));
	}

	/*
	 * §5.2.12.5: ISA IRQs are identity-mapped to GSIs 0–15, edge and
	 * active-high, except where an override says otherwise. The PIT's
	 * IRQ 0 arrives on IOAPIC pin 2 (as on every PC, and in KVM's routing).
	 */
	madt_override(out, 0, ACPI_GSI_TIMER, MPS_INTI_POLARITY_HIGH | MPS_INTI_TRIGGER_EDGE);
	/*
	 * A level-triggered platform device on an ISA-range GSI needs its
	 * override, or the guest programs the pin edge-triggered.
	 */
	for (unsigned i = 0; i < c->nr_platform; i++) {
		const struct acpi_platform_dev *d = &c->platform[i];

		if (d->level && d->gsi < 16)
			madt_override(out, (u8)d->gsi, d->gsi,
				      MPS_INTI_POLARITY_HIGH | MPS_INTI_TRIGGER_LEVEL);
	}

	/* LINT1 of every processor is the NMI input (§5.2.12.7, §5.2.12.13). */
	{
		struct madt_local_apic_nmi n = {
			.Type = MADT_TYPE_LOCAL_APIC_NMI,
			.Length = sizeof(n),
			.ACPI_Processor_UID = 0xff,
			.Flags = cpu_to_le16(MPS_INTI_CONFORMS),
			.Local_APIC_LINT = LINT1,
		};

		aml_bytes(out, &n, sizeof(n));
	}
	if (x2apic) {
		struct madt_local_x2apic_nmi n = {
			.Type = MADT_TYPE_LOCAL_X2APIC_NMI,
			.Length = sizeof(n),
			.Flags = cpu_to_le16(MPS_INTI_CONFORMS),
			.ACPI_Processor_UID = cpu_to_le32(0xffffffffu),
			.Local_x2APIC_LINT = LINT1,
		};

		aml_bytes(out, &n, sizeof(n));
	}
	if (!out->err)
		stn_le(out->buf + start + offsetof(struct acpi_header, Length), 4, out->len - start);
	return out->err;
}
