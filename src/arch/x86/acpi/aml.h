/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A small AML encoder (ACPI 6.4 §20): enough to write a DSDT in C whose
 * content depends on the machine. Output goes into a growable byte buffer;
 * objects with a PkgLength (Scope, Device, Method, If, Else, Package, Buffer)
 * are opened with *_begin and closed with aml_end(), which then writes the
 * shortest PkgLength encoding and, for a package, its element count. Errors
 * are sticky: the first one is kept in a->err and later calls do nothing, so
 * a builder checks once, at aml_finish().
 *
 * Expressions are written in prefix order as AML stores them: the caller
 * emits an operator, then its operands, then its target. The ASL each call
 * sequence stands for is given in a comment next to it.
 */
#ifndef IOVIRT_ACPI_AML_H
#define IOVIRT_ACPI_AML_H

#include "iovirt/types.h"

/* Opcodes (ACPI 6.4 §20.2.5). Extended ones are AML_EXT_PREFIX followed by the second byte. */
enum {
	AML_ZERO_OP = 0x00,
	AML_ONE_OP = 0x01,
	AML_NAME_OP = 0x08,
	AML_BYTE_PREFIX = 0x0a,
	AML_WORD_PREFIX = 0x0b,
	AML_DWORD_PREFIX = 0x0c,
	AML_STRING_PREFIX = 0x0d,
	AML_QWORD_PREFIX = 0x0e,
	AML_SCOPE_OP = 0x10,
	AML_BUFFER_OP = 0x11,
	AML_PACKAGE_OP = 0x12,
	AML_METHOD_OP = 0x14,
	AML_DUAL_NAME_PREFIX = 0x2e,
	AML_MULTI_NAME_PREFIX = 0x2f,
	AML_EXT_PREFIX = 0x5b,
	AML_ROOT_CHAR = 0x5c,
	AML_PARENT_PREFIX = 0x5e,
	AML_LOCAL0_OP = 0x60,
	AML_ARG0_OP = 0x68,
	AML_STORE_OP = 0x70,
	AML_AND_OP = 0x7b,
	AML_OR_OP = 0x7d,
	AML_CREATE_DWORD_FIELD_OP = 0x8a,
	AML_LNOT_OP = 0x92,
	AML_LEQUAL_OP = 0x93,
	AML_LGREATER_OP = 0x94,
	AML_LLESS_OP = 0x95,
	AML_IF_OP = 0xa0,
	AML_ELSE_OP = 0xa1,
	AML_RETURN_OP = 0xa4,
	AML_ONES_OP = 0xff,
	AML_EXT_DEVICE_OP = 0x82,	/* after AML_EXT_PREFIX */
};

/* Largest PkgLength value: 28 bits (§20.2.4). */
#define AML_PKGLEN_MAX 0x0fffffffu
/* Nesting depth of open objects. */
#define AML_MAX_DEPTH 16

enum aml_frame_kind { AML_FRAME_PLAIN, AML_FRAME_PACKAGE, AML_FRAME_BUFFER };

struct aml_frame {
	size_t start;		/* offset of the reserved PkgLength bytes */
	enum aml_frame_kind kind;
	unsigned nelem;		/* PACKAGE: elements written so far */
};

struct aml {
	u8 *buf;
	size_t len, cap;
	struct aml_frame open[AML_MAX_DEPTH];
	unsigned depth;
	int err;		/* first error: -ENOMEM, -EINVAL, -E2BIG */
};

void aml_init(struct aml *a);
void aml_free(struct aml *a);
/* 0 when every object was closed and nothing failed, else the first error. */
int aml_finish(struct aml *a) __must_check;

/* Raw bytes (table headers and fixed structures are built with these too). */
void aml_bytes(struct aml *a, const void *p, size_t n);
void aml_u8(struct aml *a, u8 v);
void aml_u16(struct aml *a, u16 v);
void aml_u32(struct aml *a, u32 v);
void aml_u64(struct aml *a, u64 v);

/*
 * PkgLength (§20.2.4): the encoding of a package whose length, counting the
 * PkgLength bytes themselves, is `len`. Returns the byte count (1–4), or 0 if
 * len needs more than 28 bits.
 */
unsigned aml_pkglen_encode(u32 len, u8 out[4]);
/* Bytes PkgLength takes in front of `content` bytes; 0 if too long. */
unsigned aml_pkglen_size(size_t content);

/* Data objects. */
void aml_int(struct aml *a, u64 v);		/* Zero/One/Ones or the shortest prefix */
void aml_string(struct aml *a, const char *s);	/* ASCII 0x01–0x7f */
void aml_buffer(struct aml *a, const void *data, size_t n);
void aml_eisaid(struct aml *a, const char *id);	/* EISAID("PNP0A08") */
void aml_uuid(struct aml *a, const char *uuid);	/* ToUUID("33db4d5b-...") */
/* A _HID/_CID value: EISAID for a 7-character PNP ID, else a string (ACPI ID "LNRO0005"). */
void aml_hid(struct aml *a, const char *id);
/* The compressed EISA ID as an integer, or -EINVAL if `id` is not AAA#### (A-Z, hex). */
s64 aml_eisaid_value(const char *id);

/*
 * A NameString (§20.2.2): "\\_SB.PCI0", "^FOO", "_CRS". Segments shorter than
 * four characters are padded with '_'; the characters must be A-Z, 0-9 or _
 * and a segment cannot start with a digit.
 */
void aml_namestring(struct aml *a, const char *path);

/* Name(NAME, <next data object>) */
void aml_name(struct aml *a, const char *name);

/* Objects with a PkgLength, closed by aml_end(). */
void aml_scope_begin(struct aml *a, const char *name);
void aml_device_begin(struct aml *a, const char *name);
void aml_method_begin(struct aml *a, const char *name, unsigned nargs, bool serialized);
void aml_if_begin(struct aml *a);	/* the predicate follows */
void aml_else_begin(struct aml *a);	/* directly after the If's aml_end() */
void aml_package_begin(struct aml *a);	/* elements counted up to 255 */
void aml_buffer_begin(struct aml *a);	/* BufferSize is computed at aml_end() */
void aml_end(struct aml *a);

/* Terms inside methods. */
void aml_op(struct aml *a, u8 op);
void aml_arg(struct aml *a, unsigned n);	/* Arg0..Arg6 */
void aml_local(struct aml *a, unsigned n);	/* Local0..Local7 */
void aml_null_target(struct aml *a);		/* no target for And/Or/... */

/*
 * Resource descriptors (§6.4), written inside aml_resource_begin()/aml_resource_end()
 * (a Buffer closed by the End Tag). Flags use the spec's meaning.
 */
enum aml_res_decode { AML_POS_DECODE = 0, AML_SUB_DECODE = 1 };
enum aml_mem_cache {
	AML_NON_CACHEABLE = 0,
	AML_CACHEABLE = 1,
	AML_WRITE_COMBINING = 2,
	AML_PREFETCHABLE = 3,
};

void aml_resource_begin(struct aml *a);
void aml_resource_end(struct aml *a);

/* WordBusNumber(ResourceProducer, MinFixed, MaxFixed, PosDecode, 0, min, max, 0, len) */
void aml_res_word_bus(struct aml *a, u16 min, u16 max);
/* WordIO(ResourceProducer, MinFixed, MaxFixed, PosDecode, EntireRange, 0, min, max, 0, len) */
void aml_res_word_io(struct aml *a, u16 min, u16 max);
/* DWordMemory(ResourceProducer, PosDecode, MinFixed, MaxFixed, cache, ReadWrite|ReadOnly,
 *             0, min, max, 0, len) */
void aml_res_dword_memory(struct aml *a, enum aml_mem_cache cache, bool rw, u32 min, u32 max);
/* QWordMemory(ResourceProducer, PosDecode, MinFixed, MaxFixed, cache, ReadWrite|ReadOnly,
 *             0, min, max, 0, len) */
void aml_res_qword_memory(struct aml *a, enum aml_mem_cache cache, bool rw, u64 min, u64 max);
/* IO(Decode16, min, max, align, len) */
void aml_res_io(struct aml *a, u16 min, u16 max, u8 align, u8 len);
/* Memory32Fixed(ReadWrite|ReadOnly, base, len) */
void aml_res_memory32_fixed(struct aml *a, bool rw, u32 base, u32 len);
/* Interrupt(ResourceConsumer, Level|Edge, ActiveHigh|ActiveLow, Exclusive|Shared) {gsi} */
void aml_res_interrupt(struct aml *a, bool level, bool active_low, bool shared, u32 gsi);
/* IRQNoFlags() {irq}: ISA, edge, active-high, exclusive */
void aml_res_irq_noflags(struct aml *a, unsigned irq);

#endif
