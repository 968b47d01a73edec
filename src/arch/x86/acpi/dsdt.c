// SPDX-License-Identifier: GPL-2.0-only
/*
 * The DSDT (ACPI 6.4 §5.2.11.1): the namespace of this machine, in AML.
 *
 *   \_SB.COSC   the _OSC of every processor device
 *   \_SB.Cnnn   one processor device (ACPI0007) per vCPU, _UID = MADT UID
 *   \_SB.PCI0   the PCIe host bridge (PNP0A08/PNP0A03): bus range and the
 *               I/O, 32-bit and 64-bit windows it forwards, _OSC, _PRT
 *   \_SB.MRES   motherboard resources (PNP0C02): the ECAM window of MCFG
 *   \_SB.COM1, PS2K, RTC_   the legacy devices the machine has
 *   \_SB.VRnn   the platform (virtio-mmio) devices
 *   \_S5        the soft-off sleep type pm.c acts on
 *
 * Written against the spec's ASL; the comments give the ASL each block
 * encodes, which is also what `iasl -d` prints for it.
 */
#include <stdio.h>

#include "iovirt/layout.h"
#include "tables.h"

#define DSDT_REVISION 2		/* 64-bit integers */

/* PCI Firmware Specification 3.3 §4.5.1: the _OSC UUID for PCI host bridges. */
#define PCI_HOST_OSC_UUID "33DB4D5B-1FF7-401C-9657-7441C03DD766"
/* §4.5.1 status bits (DWORD 1). */
#define OSC_FAILURE		BIT(1)
#define OSC_UNRECOGNIZED_UUID	BIT(2)
#define OSC_UNRECOGNIZED_REV	BIT(3)
#define OSC_CAPS_MASKED		BIT(4)
/*
 * §4.5.1 control bits (DWORD 3) we grant: SHPC hotplug (1), PME (2), AER (3),
 * PCIe capability structure (4), LTR (5), DPC (7). Native PCIe hotplug (0) is
 * kept: there is no hotplug-capable port to give. Bit 6 is reserved.
 */
#define OSC_CONTROL_GRANTED	0xbe
/* Processor _OSC (ACPI 6.4 §6.2.11, §8.4): Intel's processor vendor-specific UUID, the
 * capabilities _PDC also carries; what Linux passes for x86 processors. */
#define PROCESSOR_OSC_UUID "4077A616-290C-47BE-9EBD-D87058713953"

static void name_int(struct aml *a, const char *name, u64 v)
{
	aml_name(a, name);
	aml_int(a, v);
}

static void name_hid(struct aml *a, const char *id)
{
	aml_name(a, "_HID");
	aml_hid(a, id);
}

/* Or(CDW1, bits, CDW1) */
static void osc_set_status(struct aml *a, u32 bits)
{
	aml_op(a, AML_OR_OP);
	aml_namestring(a, "CDW1");
	aml_int(a, bits);
	aml_namestring(a, "CDW1");
}

/*
 * The frame both _OSC methods share (ACPI 6.4 §6.2.11): Method(name, 4) {
 * CreateDWordField(Arg3, 0, CDW1) If (LEqual(Arg0, ToUUID(uuid))) { ...
 * The body between begin and end is the If's; end closes it with
 * Else { CDW1 |= unrecognized UUID } and Return(Arg3).
 */
static void osc_method_begin(struct aml *a, const char *name, const char *uuid)
{
	aml_method_begin(a, name, 4, false);
	aml_op(a, AML_CREATE_DWORD_FIELD_OP);
	aml_arg(a, 3);
	aml_int(a, 0);
	aml_namestring(a, "CDW1");

	aml_if_begin(a);
	aml_op(a, AML_LEQUAL_OP);
	aml_arg(a, 0);
	aml_uuid(a, uuid);
}

static void osc_method_end(struct aml *a)
{
	aml_end(a);
	aml_else_begin(a);
	osc_set_status(a, OSC_UNRECOGNIZED_UUID);
	aml_end(a);

	aml_op(a, AML_RETURN_OP);
	aml_arg(a, 3);
	aml_end(a);
}

/*
 * Method(COSC, 4) {                  // _OSC of the processors (§6.2.11, §8.4)
 *     CreateDWordField(Arg3, 0, CDW1)
 *     If (LEqual(Arg0, ToUUID(PROCESSOR_OSC_UUID))) {
 *         If (LLess(Arg2, 2)) { Or(CDW1, OSC_FAILURE, CDW1) }   // no capabilities DWORD
 *         If (LNot(LEqual(Arg1, One))) { Or(CDW1, OSC_UNRECOGNIZED_REV, CDW1) }
 *     } Else {
 *         Or(CDW1, OSC_UNRECOGNIZED_UUID, CDW1)
 *     }
 *     Return(Arg3)
 * }
 * The OS states the processor power-management features it supports; the
 * platform has none to hand out (no _CST, _PSS, _CPC), so the capabilities
 * come back unchanged. Linux ≥ 6.6 evaluates this on every processor device
 * and logs a failure, falling back to _PDC, when a device has no _OSC.
 */
static void dsdt_cpu_osc(struct aml *a)
{
	osc_method_begin(a, "COSC", PROCESSOR_OSC_UUID);
	{
		aml_if_begin(a);
		aml_op(a, AML_LLESS_OP);
		aml_arg(a, 2);
		aml_int(a, 2);
		osc_set_status(a, OSC_FAILURE);
		aml_end(a);

		aml_if_begin(a);
		aml_op(a, AML_LNOT_OP);
		aml_op(a, AML_LEQUAL_OP);
		aml_arg(a, 1);
		aml_int(a, 1);
		osc_set_status(a, OSC_UNRECOGNIZED_REV);
		aml_end(a);
	}
	osc_method_end(a);
}

/*
 * Device(Cnnn) { Name(_HID, "ACPI0007") Name(_UID, n)
 *     Method(_OSC, 4) { Return(COSC(Arg0, Arg1, Arg2, Arg3)) } }
 * for each vCPU (§8.4). COSC is found by the namespace search up from Cnnn
 * (§5.3), and is defined first so a disassembler knows its argument count.
 */
static void dsdt_cpus(const struct acpi_config *c, struct aml *a)
{
	dsdt_cpu_osc(a);
	for (unsigned i = 0; i < c->ncpus; i++) {
		char name[16];

		snprintf(name, sizeof(name), "C%03X", i & 0xfff);
		aml_device_begin(a, name);
		name_hid(a, "ACPI0007");
		name_int(a, "_UID", i);
		aml_method_begin(a, "_OSC", 4, false);
		aml_op(a, AML_RETURN_OP);
		aml_namestring(a, "COSC");	/* MethodInvocation: the name, then its args */
		for (unsigned arg = 0; arg < 4; arg++)
			aml_arg(a, arg);
		aml_end(a);
		aml_end(a);
	}
}

/*
 * Name(_CRS, ResourceTemplate() {
 *     WordBusNumber(ResourceProducer, MinFixed, MaxFixed, PosDecode, 0, 0, 0xFF, 0, 0x100)
 *     IO(Decode16, 0x0CF8, 0x0CF8, 0x01, 0x08)
 *     WordIO(..., EntireRange, 0, PCI_PIO_BASE, PCI_PIO_BASE + PCI_PIO_SIZE - 1, 0, SIZE)
 *     DWordMemory(..., NonCacheable, ReadWrite, 0, PCI_MMIO32_BASE, ..., 0, PCI_MMIO32_SIZE)
 *     QWordMemory(..., Cacheable, ReadWrite, 0, mmio64_base, ..., 0, mmio64_size)
 * })
 * (PCI Firmware 3.3 §4.1.3: the bridge's bus range and the windows it
 * forwards; the 0xCF8 ports are the bridge's own, consumed, not forwarded.)
 */
static void dsdt_pci_crs(const struct acpi_config *c, struct aml *a)
{
	aml_name(a, "_CRS");
	aml_resource_begin(a);
	aml_res_word_bus(a, 0, PCI_ECAM_BUSES - 1);
	aml_res_io(a, PIO_PCI_CONFIG, PIO_PCI_CONFIG, 1, 8);
	aml_res_word_io(a, PCI_PIO_BASE, PCI_PIO_BASE + PCI_PIO_SIZE - 1);
	aml_res_dword_memory(a, AML_NON_CACHEABLE, true, PCI_MMIO32_BASE,
			     PCI_MMIO32_BASE + PCI_MMIO32_SIZE - 1);
	if (c->mmio64_size)
		aml_res_qword_memory(a, AML_CACHEABLE, true, c->mmio64_base,
				     c->mmio64_base + c->mmio64_size - 1);
	aml_resource_end(a);
}

/*
 * Method(_OSC, 4) {                                  // PCI Firmware 3.3 §4.5
 *     CreateDWordField(Arg3, 0, CDW1)
 *     If (LEqual(Arg0, ToUUID(PCI_HOST_OSC_UUID))) {
 *         If (LLess(Arg2, 3)) { Or(CDW1, OSC_FAILURE, CDW1)  Return(Arg3) }
 *         CreateDWordField(Arg3, 8, CDW3)
 *         And(CDW3, OSC_CONTROL_GRANTED, Local0)
 *         If (LNot(LEqual(Arg1, One))) { Or(CDW1, OSC_UNRECOGNIZED_REV, CDW1) }
 *         If (LNot(LEqual(CDW3, Local0))) { Or(CDW1, OSC_CAPS_MASKED, CDW1) }
 *         Store(Local0, CDW3)
 *     } Else {
 *         Or(CDW1, OSC_UNRECOGNIZED_UUID, CDW1)
 *     }
 *     Return(Arg3)
 * }
 * The support field (DWORD 2) needs no answer: every control is granted or
 * not whatever the OS supports. With the query flag set the same answer is
 * right, since nothing here changes state.
 */
static void dsdt_pci_osc(struct aml *a)
{
	osc_method_begin(a, "_OSC", PCI_HOST_OSC_UUID);
	{
		aml_if_begin(a);
		aml_op(a, AML_LLESS_OP);
		aml_arg(a, 2);
		aml_int(a, 3);
		osc_set_status(a, OSC_FAILURE);
		aml_op(a, AML_RETURN_OP);
		aml_arg(a, 3);
		aml_end(a);

		aml_op(a, AML_CREATE_DWORD_FIELD_OP);
		aml_arg(a, 3);
		aml_int(a, 8);
		aml_namestring(a, "CDW3");

		aml_op(a, AML_AND_OP);
		aml_namestring(a, "CDW3");
		aml_int(a, OSC_CONTROL_GRANTED);
		aml_local(a, 0);

		aml_if_begin(a);
		aml_op(a, AML_LNOT_OP);
		aml_op(a, AML_LEQUAL_OP);
		aml_arg(a, 1);
		aml_int(a, 1);
		osc_set_status(a, OSC_UNRECOGNIZED_REV);
		aml_end(a);

		aml_if_begin(a);
		aml_op(a, AML_LNOT_OP);
		aml_op(a, AML_LEQUAL_OP);
		aml_namestring(a, "CDW3");
		aml_local(a, 0);
		osc_set_status(a, OSC_CAPS_MASKED);
		aml_end(a);

		aml_op(a, AML_STORE_OP);
		aml_local(a, 0);
		aml_namestring(a, "CDW3");
	}
	osc_method_end(a);
}

/*
 * Name(_PRT, Package() { Package() { 0xSSSSFFFF, pin, Zero, gsi }, ... })
 * (§6.2.13): every slot and pin wired straight to an IOAPIC input (no link
 * devices), as the PCI host routes it.
 */
static void dsdt_pci_prt(const struct acpi_config *c, struct aml *a)
{
	aml_name(a, "_PRT");
	aml_package_begin(a);
	for (unsigned slot = 0; slot < ACPI_PCI_SLOTS; slot++) {
		for (unsigned pin = 0; pin < 4; pin++) {
			aml_package_begin(a);
			aml_int(a, ((u64)slot << 16) | 0xffff);	/* any function of the slot */
			aml_int(a, pin);
			aml_int(a, 0);				/* Source: none, a GSI */
			aml_int(a, c->intx_gsi(slot, pin));
			aml_end(a);
		}
	}
	aml_end(a);
}

static void dsdt_pci(const struct acpi_config *c, struct aml *a)
{
	aml_device_begin(a, "PCI0");
	name_hid(a, "PNP0A08");		/* PCI Express root bridge */
	aml_name(a, "_CID");
	aml_eisaid(a, "PNP0A03");	/* ... compatible with a PCI root bridge */
	name_int(a, "_SEG", 0);
	name_int(a, "_BBN", 0);
	name_int(a, "_UID", 0);
	dsdt_pci_crs(c, a);
	dsdt_pci_osc(a);
	dsdt_pci_prt(c, a);
	aml_end(a);
}

/*
 * Device(MRES) { Name(_HID, EisaId("PNP0C02")) Name(_UID, 0)
 *     Name(_CRS, ResourceTemplate() { Memory32Fixed(ReadWrite, PCI_ECAM_BASE, PCI_ECAM_SIZE) }) }
 * PCI Firmware 3.3 §4.1.2: the MCFG area must be claimed by a motherboard
 * resource device; Linux checks this before it uses MMCONFIG.
 */
static void dsdt_motherboard(struct aml *a)
{
	_Static_assert(PCI_ECAM_BASE + PCI_ECAM_SIZE <= SZ_4G, "ECAM below 4 GiB");
	aml_device_begin(a, "MRES");
	name_hid(a, "PNP0C02");
	name_int(a, "_UID", 0);
	aml_name(a, "_CRS");
	aml_resource_begin(a);
	aml_res_memory32_fixed(a, true, PCI_ECAM_BASE, PCI_ECAM_SIZE);
	aml_resource_end(a);
	aml_end(a);
}

/* Device(name) { _HID, _UID, _CRS { IO(Decode16, port, port, 1, len) ... IRQNoFlags() {irq} } } */
static void dsdt_isa_device(struct aml *a, const char *name, const char *hid, unsigned uid,
			    const u16 *ports, const u8 *lens, unsigned nports, unsigned irq)
{
	aml_device_begin(a, name);
	name_hid(a, hid);
	name_int(a, "_UID", uid);
	aml_name(a, "_CRS");
	aml_resource_begin(a);
	for (unsigned i = 0; i < nports; i++)
		aml_res_io(a, ports[i], ports[i], 1, lens[i]);
	aml_res_irq_noflags(a, irq);
	aml_resource_end(a);
	aml_end(a);
}

static void dsdt_legacy(const struct acpi_config *c, struct aml *a)
{
	if (c->com1) {
		static const u16 port[] = { PIO_COM1 };
		static const u8 len[] = { 8 };

		dsdt_isa_device(a, "COM1", "PNP0501", 1, port, len, 1, IRQ_COM1);
	}
	if (c->i8042) {
		/* The keyboard port of the 8042; no AUX (mouse) port is offered. */
		static const u16 port[] = { PIO_I8042_DATA, PIO_I8042_CMD };
		static const u8 len[] = { 1, 1 };

		dsdt_isa_device(a, "PS2K", "PNP0303", 0, port, len, 2, ACPI_ISA_IRQ_KEYBOARD);
	}
	if (c->rtc) {
		static const u16 port[] = { PIO_RTC };
		static const u8 len[] = { 2 };

		dsdt_isa_device(a, "RTC_", "PNP0B00", 0, port, len, 1, IRQ_RTC);
	}
}

/*
 * Device(VRnn) { Name(_HID, hid) Name(_UID, n)
 *     Name(_CRS, ResourceTemplate() {
 *         Memory32Fixed(ReadWrite, base, size)
 *         Interrupt(ResourceConsumer, Edge|Level, ActiveHigh, Exclusive) { gsi } }) }
 * Linux's virtio-mmio driver binds LNRO0005 this way (drivers/virtio/virtio_mmio.c).
 */
static void dsdt_platform(const struct acpi_config *c, struct aml *a)
{
	for (unsigned i = 0; i < c->nr_platform; i++) {
		const struct acpi_platform_dev *d = &c->platform[i];
		char name[16];

		snprintf(name, sizeof(name), "VR%02X", i & 0xff);
		aml_device_begin(a, name);
		name_hid(a, d->hid);
		name_int(a, "_UID", i);
		aml_name(a, "_CRS");
		aml_resource_begin(a);
		aml_res_memory32_fixed(a, true, (u32)d->base, (u32)d->size);
		aml_res_interrupt(a, d->level, false, false, d->gsi);
		aml_resource_end(a);
		aml_end(a);
	}
}

int acpi_build_dsdt(const struct acpi_config *c, struct aml *out)
{
	struct acpi_header h;
	size_t start = out->len;

	acpi_header_init(&h, "DSDT", 0, DSDT_REVISION);
	aml_bytes(out, &h, sizeof(h));

	aml_scope_begin(out, "\\_SB");
	dsdt_cpus(c, out);
	dsdt_pci(c, out);
	dsdt_motherboard(out);
	dsdt_legacy(c, out);
	dsdt_platform(c, out);
	aml_end(out);

	/*
	 * Name(\_S5, Package() { ACPI_S5_SLP_TYP, ACPI_S5_SLP_TYP }) (§7.4.2):
	 * SLP_TYPa/SLP_TYPb; on a hardware-reduced platform the guest writes it to
	 * SLEEP_CONTROL_REG (§4.8.3.7).
	 */
	aml_name(out, "\\_S5");
	aml_package_begin(out);
	aml_int(out, ACPI_S5_SLP_TYP);
	aml_int(out, ACPI_S5_SLP_TYP);
	aml_end(out);

	if (aml_finish(out))
		return out->err;
	stn_le(out->buf + start + offsetof(struct acpi_header, Length), 4, out->len - start);
	return 0;
}
