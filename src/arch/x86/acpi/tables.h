/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The binary layout of the ACPI tables iovirt writes (ACPI 6.4 §5.2; DMAR
 * from the Intel VT-d specification §8; MCFG from the PCI Firmware
 * specification 3.3 §4.1.2), with field names as the specifications spell
 * them, and the per-table builders that acpi.c strings together. Each
 * builder appends one whole table (header included, checksum left zero) to a
 * struct aml byte buffer; acpi.c places the tables, links them and sums them.
 */
#ifndef IOVIRT_ACPI_TABLES_H
#define IOVIRT_ACPI_TABLES_H

#include "iovirt/acpi.h"
#include "aml.h"

#define ACPI_OEM_ID		"IOVIRT"
#define ACPI_OEM_TABLE_ID	"IOVIRT  "
#define ACPI_OEM_REVISION	1
#define ACPI_CREATOR_ID		"IOVT"
#define ACPI_CREATOR_REVISION	1

/* Root System Description Pointer, revision 2 (§5.2.5.3). */
struct acpi_rsdp {
	char Signature[8];		/* "RSD PTR " */
	u8 Checksum;			/* over the first 20 bytes */
	char OEMID[6];
	u8 Revision;			/* 2: ACPI 2.0 and later */
	u32 RsdtAddress;
	u32 Length;			/* of this whole structure: 36 */
	u64 XsdtAddress;
	u8 ExtendedChecksum;		/* over all 36 bytes */
	u8 Reserved[3];
} __packed;
_Static_assert(sizeof(struct acpi_rsdp) == 36, "RSDP size");
#define ACPI_RSDP_V1_LEN 20

/* System Description Table Header (§5.2.6). */
struct acpi_header {
	char Signature[4];
	u32 Length;
	u8 Revision;
	u8 Checksum;
	char OEMID[6];
	char OEMTableID[8];
	u32 OEMRevision;
	char CreatorID[4];
	u32 CreatorRevision;
} __packed;
_Static_assert(sizeof(struct acpi_header) == 36, "header size");

/* Generic Address Structure (§5.2.3.2). */
struct acpi_gas {
	u8 AddressSpaceID;		/* 0 system memory, 1 system I/O */
	u8 RegisterBitWidth;
	u8 RegisterBitOffset;
	u8 AccessSize;			/* 1 byte, 2 word, 3 dword, 4 qword */
	u64 Address;
} __packed;
_Static_assert(sizeof(struct acpi_gas) == 12, "GAS size");
#define ACPI_GAS_SYSTEM_IO	1
#define ACPI_GAS_ACCESS_BYTE	1

/* Fixed ACPI Description Table, revision 6 (§5.2.9, Table 5.9). */
struct acpi_fadt {
	struct acpi_header Header;	/* "FACP" */
	u32 FIRMWARE_CTRL;
	u32 DSDT;
	u8 Reserved0;
	u8 Preferred_PM_Profile;
	u16 SCI_INT;
	u32 SMI_CMD;
	u8 ACPI_ENABLE;
	u8 ACPI_DISABLE;
	u8 S4BIOS_REQ;
	u8 PSTATE_CNT;
	u32 PM1a_EVT_BLK;
	u32 PM1b_EVT_BLK;
	u32 PM1a_CNT_BLK;
	u32 PM1b_CNT_BLK;
	u32 PM2_CNT_BLK;
	u32 PM_TMR_BLK;
	u32 GPE0_BLK;
	u32 GPE1_BLK;
	u8 PM1_EVT_LEN;
	u8 PM1_CNT_LEN;
	u8 PM2_CNT_LEN;
	u8 PM_TMR_LEN;
	u8 GPE0_BLK_LEN;
	u8 GPE1_BLK_LEN;
	u8 GPE1_BASE;
	u8 CST_CNT;
	u16 P_LVL2_LAT;
	u16 P_LVL3_LAT;
	u16 FLUSH_SIZE;
	u16 FLUSH_STRIDE;
	u8 DUTY_OFFSET;
	u8 DUTY_WIDTH;
	u8 DAY_ALRM;
	u8 MON_ALRM;
	u8 CENTURY;
	u16 IAPC_BOOT_ARCH;
	u8 Reserved1;
	u32 Flags;
	struct acpi_gas RESET_REG;
	u8 RESET_VALUE;
	u16 ARM_BOOT_ARCH;
	u8 FADT_Minor_Version;
	u64 X_FIRMWARE_CTRL;
	u64 X_DSDT;
	struct acpi_gas X_PM1a_EVT_BLK;
	struct acpi_gas X_PM1b_EVT_BLK;
	struct acpi_gas X_PM1a_CNT_BLK;
	struct acpi_gas X_PM1b_CNT_BLK;
	struct acpi_gas X_PM2_CNT_BLK;
	struct acpi_gas X_PM_TMR_BLK;
	struct acpi_gas X_GPE0_BLK;
	struct acpi_gas X_GPE1_BLK;
	struct acpi_gas SLEEP_CONTROL_REG;
	struct acpi_gas SLEEP_STATUS_REG;
	u64 Hypervisor_Vendor_Identity;
} __packed;
_Static_assert(sizeof(struct acpi_fadt) == 276, "FADT size");
_Static_assert(offsetof(struct acpi_fadt, Flags) == 112, "FADT Flags offset");
_Static_assert(offsetof(struct acpi_fadt, X_DSDT) == 140, "FADT X_DSDT offset");
_Static_assert(offsetof(struct acpi_fadt, SLEEP_CONTROL_REG) == 244, "FADT sleep ctl offset");

/* FADT Flags (Table 5.10). */
#define FADT_F_PWR_BUTTON	BIT(4)	/* no fixed-feature power button */
#define FADT_F_SLP_BUTTON	BIT(5)	/* no fixed-feature sleep button */
#define FADT_F_RESET_REG_SUP	BIT(10)
#define FADT_F_HW_REDUCED_ACPI	BIT(20)
/* IA-PC Boot Architecture Flags (Table 5.11). */
#define FADT_BOOT_LEGACY_DEVICES	BIT(0)
#define FADT_BOOT_8042			BIT(1)
#define FADT_BOOT_VGA_NOT_PRESENT	BIT(2)
#define FADT_BOOT_CMOS_RTC_NOT_PRESENT	BIT(5)

/* Multiple APIC Description Table (§5.2.12). */
struct acpi_madt {
	struct acpi_header Header;	/* "APIC" */
	u32 Local_Interrupt_Controller_Address;
	u32 Flags;			/* bit 0 PCAT_COMPAT */
} __packed;
#define MADT_PCAT_COMPAT BIT(0)

enum {
	MADT_TYPE_LOCAL_APIC = 0,
	MADT_TYPE_IO_APIC = 1,
	MADT_TYPE_INTERRUPT_SOURCE_OVERRIDE = 2,
	MADT_TYPE_LOCAL_APIC_NMI = 4,
	MADT_TYPE_LOCAL_X2APIC = 9,
	MADT_TYPE_LOCAL_X2APIC_NMI = 10,
};

struct madt_local_apic {		/* §5.2.12.2 */
	u8 Type, Length;
	u8 ACPI_Processor_UID;
	u8 APIC_ID;
	u32 Flags;
} __packed;
_Static_assert(sizeof(struct madt_local_apic) == 8, "LAPIC size");
#define MADT_LAPIC_ENABLED BIT(0)

struct madt_io_apic {			/* §5.2.12.3 */
	u8 Type, Length;
	u8 IO_APIC_ID;
	u8 Reserved;
	u32 IO_APIC_Address;
	u32 Global_System_Interrupt_Base;
} __packed;
_Static_assert(sizeof(struct madt_io_apic) == 12, "IOAPIC size");

struct madt_interrupt_source_override {	/* §5.2.12.5 */
	u8 Type, Length;
	u8 Bus;				/* 0: ISA */
	u8 Source;			/* bus-relative IRQ */
	u32 Global_System_Interrupt;
	u16 Flags;			/* MPS INTI flags */
} __packed;
_Static_assert(sizeof(struct madt_interrupt_source_override) == 10, "ISO size");
/* MPS INTI flags (Table 5.26): polarity bits 1–0, trigger mode bits 3–2. */
#define MPS_INTI_POLARITY_HIGH	0x1
#define MPS_INTI_POLARITY_LOW	0x3
#define MPS_INTI_TRIGGER_EDGE	(0x1 << 2)
#define MPS_INTI_TRIGGER_LEVEL	(0x3 << 2)

struct madt_local_apic_nmi {		/* §5.2.12.7 */
	u8 Type, Length;
	u8 ACPI_Processor_UID;		/* 0xFF: all processors */
	u16 Flags;
	u8 Local_APIC_LINT;
} __packed;
_Static_assert(sizeof(struct madt_local_apic_nmi) == 6, "LAPIC NMI size");

struct madt_local_x2apic {		/* §5.2.12.12 */
	u8 Type, Length;
	u16 Reserved;
	u32 X2APIC_ID;
	u32 Flags;
	u32 ACPI_Processor_UID;
} __packed;
_Static_assert(sizeof(struct madt_local_x2apic) == 16, "x2APIC size");

struct madt_local_x2apic_nmi {		/* §5.2.12.13 */
	u8 Type, Length;
	u16 Flags;
	u32 ACPI_Processor_UID;		/* 0xFFFFFFFF: all processors */
	u8 Local_x2APIC_LINT;
	u8 Reserved[3];
} __packed;
_Static_assert(sizeof(struct madt_local_x2apic_nmi) == 12, "x2APIC NMI size");

/* MCFG (PCI Firmware 3.3 §4.1.2): header, 8 reserved bytes, then allocations. */
struct acpi_mcfg {
	struct acpi_header Header;	/* "MCFG" */
	u8 Reserved[8];
} __packed;

struct mcfg_allocation {
	u64 Base_Address;
	u16 PCI_Segment_Group_Number;
	u8 Start_Bus_Number;
	u8 End_Bus_Number;
	u32 Reserved;
} __packed;
_Static_assert(sizeof(struct mcfg_allocation) == 16, "MCFG allocation size");

/* DMA Remapping Reporting table (VT-d 4.1 §8.1). */
struct acpi_dmar {
	struct acpi_header Header;	/* "DMAR" */
	u8 Host_Address_Width;		/* maximum DMA physical address width - 1 */
	u8 Flags;
	u8 Reserved[10];
} __packed;
_Static_assert(sizeof(struct acpi_dmar) == 48, "DMAR size");
#define DMAR_INTR_REMAP		BIT(0)
#define DMAR_X2APIC_OPT_OUT	BIT(1)

struct dmar_drhd {			/* §8.3 */
	u16 Type;			/* 0 */
	u16 Length;
	u8 Flags;			/* bit 0 INCLUDE_PCI_ALL */
	u8 Size;			/* register set: 2^Size pages */
	u16 Segment_Number;
	u64 Register_Base_Address;
} __packed;
_Static_assert(sizeof(struct dmar_drhd) == 16, "DRHD size");
#define DRHD_INCLUDE_PCI_ALL BIT(0)

struct dmar_device_scope {		/* §8.3.1, with a one-entry path */
	u8 Type;			/* 3: IOAPIC */
	u8 Length;
	u16 Reserved;
	u8 Enumeration_ID;		/* the IOAPIC ID */
	u8 Start_Bus_Number;
	u8 Path_Device;
	u8 Path_Function;
} __packed;
_Static_assert(sizeof(struct dmar_device_scope) == 8, "device scope size");
#define DMAR_SCOPE_IOAPIC 3

/* The IOAPIC's ID in the MADT (and the DMAR device scope). */
#define ACPI_IOAPIC_ID 0
/* The IOAPIC input ISA IRQ 0 (the PIT) is wired to, as on every PC. */
#define ACPI_GSI_TIMER 2
/* The i8042's keyboard interrupt (ISA IRQ 1). */
#define ACPI_ISA_IRQ_KEYBOARD 1
/* Devices on the root bus: the _PRT has a row for each slot and pin. */
#define ACPI_PCI_SLOTS 32

/* Fill a table header (checksum left 0; acpi.c sums the table once it is placed). */
void acpi_header_init(struct acpi_header *h, const char sig[4], u32 len, u8 rev);

/* Table builders: append one table to `out`. 0 or -errno (the config is checked first). */
int acpi_build_fadt(const struct acpi_config *c, struct aml *out) __must_check;
int acpi_build_madt(const struct acpi_config *c, struct aml *out) __must_check;
int acpi_build_mcfg(const struct acpi_config *c, struct aml *out) __must_check;
int acpi_build_dmar(const struct acpi_config *c, struct aml *out) __must_check;
int acpi_build_dsdt(const struct acpi_config *c, struct aml *out) __must_check;

#endif
