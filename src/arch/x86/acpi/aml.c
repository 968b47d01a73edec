// SPDX-License-Identifier: GPL-2.0-only
/*
 * The AML encoder (ACPI 6.4 §20, "ACPI Machine Language Specification").
 * Objects that carry a PkgLength reserve four bytes for it when opened; when
 * closed, the content length is known, the shortest encoding is written and
 * the content moved down over the unused bytes, so nothing is ever encoded
 * twice and no size has to be computed by hand.
 */
#include <errno.h>
#include <stdlib.h>

#include "aml.h"

#define PKGLEN_RESERVED 4

void aml_init(struct aml *a)
{
	memset(a, 0, sizeof(*a));
}

void aml_free(struct aml *a)
{
	free(a->buf);
	aml_init(a);
}

static void aml_fail(struct aml *a, int err)
{
	if (!a->err)
		a->err = err;
}

int aml_finish(struct aml *a)
{
	if (!a->err && a->depth)
		a->err = -EINVAL;	/* an object left open */
	return a->err;
}

static bool aml_reserve(struct aml *a, size_t n)
{
	size_t cap;
	u8 *p;

	if (a->err)
		return false;
	if (n <= a->cap - a->len)
		return true;
	if (n > AML_PKGLEN_MAX) {
		aml_fail(a, -E2BIG);
		return false;
	}
	cap = a->cap ? a->cap : 256;
	while (cap - a->len < n)
		cap *= 2;
	p = realloc(a->buf, cap);
	if (!p) {
		aml_fail(a, -ENOMEM);
		return false;
	}
	a->buf = p;
	a->cap = cap;
	return true;
}

void aml_bytes(struct aml *a, const void *p, size_t n)
{
	if (!aml_reserve(a, n))
		return;
	memcpy(a->buf + a->len, p, n);
	a->len += n;
}

void aml_u8(struct aml *a, u8 v)
{
	aml_bytes(a, &v, 1);
}

void aml_u16(struct aml *a, u16 v)
{
	u8 b[2];

	stn_le(b, 2, v);
	aml_bytes(a, b, 2);
}

void aml_u32(struct aml *a, u32 v)
{
	u8 b[4];

	stn_le(b, 4, v);
	aml_bytes(a, b, 4);
}

void aml_u64(struct aml *a, u64 v)
{
	u8 b[8];

	stn_le(b, 8, v);
	aml_bytes(a, b, 8);
}

/*
 * §20.2.4: bits 7–6 of the lead byte count the bytes that follow (0–3). With
 * none, bits 5–0 are the length (< 64); otherwise bits 3–0 are its low nibble
 * and each following byte the next eight bits. The length counts the
 * PkgLength bytes themselves.
 */
unsigned aml_pkglen_encode(u32 len, u8 out[4])
{
	unsigned n;

	if (len < 0x40) {
		out[0] = (u8)len;
		return 1;
	}
	if (len < 0x1000)
		n = 2;
	else if (len < 0x100000)
		n = 3;
	else if (len <= AML_PKGLEN_MAX)
		n = 4;
	else
		return 0;
	out[0] = (u8)(((n - 1) << 6) | (len & 0xf));
	for (unsigned i = 1; i < n; i++)
		out[i] = (u8)(len >> (4 + 8 * (i - 1)));
	return n;
}

unsigned aml_pkglen_size(size_t content)
{
	/* The largest total length each width holds (§20.2.4). */
	static const u64 max[4] = { 0x3f, 0xfff, 0xfffff, AML_PKGLEN_MAX };

	for (unsigned n = 1; n <= 4; n++)
		if (content + n <= max[n - 1])
			return n;
	return 0;
}

/* Count one element of the innermost package, if a package is innermost. */
static void aml_elem(struct aml *a)
{
	if (a->depth && a->open[a->depth - 1].kind == AML_FRAME_PACKAGE)
		a->open[a->depth - 1].nelem++;
}

/* Integer encoding, without counting it as an element (§20.2.3). */
static void aml_put_int(struct aml *a, u64 v)
{
	if (v == 0) {
		aml_u8(a, AML_ZERO_OP);
	} else if (v == 1) {
		aml_u8(a, AML_ONE_OP);
	} else if (v == ~0ull) {
		/* Ones is 64 bits wide in a table of revision ≥ 2, as our DSDT is. */
		aml_u8(a, AML_ONES_OP);
	} else if (v <= 0xff) {
		aml_u8(a, AML_BYTE_PREFIX);
		aml_u8(a, (u8)v);
	} else if (v <= 0xffff) {
		aml_u8(a, AML_WORD_PREFIX);
		aml_u16(a, (u16)v);
	} else if (v <= 0xffffffffull) {
		aml_u8(a, AML_DWORD_PREFIX);
		aml_u32(a, (u32)v);
	} else {
		aml_u8(a, AML_QWORD_PREFIX);
		aml_u64(a, v);
	}
}

static unsigned aml_int_size(u64 v)
{
	if (v <= 1 || v == ~0ull)
		return 1;
	if (v <= 0xff)
		return 2;
	if (v <= 0xffff)
		return 3;
	if (v <= 0xffffffffull)
		return 5;
	return 9;
}

void aml_int(struct aml *a, u64 v)
{
	aml_elem(a);
	aml_put_int(a, v);
}

void aml_string(struct aml *a, const char *s)
{
	aml_elem(a);
	for (const char *p = s; *p; p++) {
		if ((u8)*p > 0x7f) {
			aml_fail(a, -EINVAL);	/* AsciiChar is 0x01–0x7F (§20.2.3) */
			return;
		}
	}
	aml_u8(a, AML_STRING_PREFIX);
	aml_bytes(a, s, strlen(s) + 1);
}

s64 aml_eisaid_value(const char *id)
{
	u32 v = 0;

	if (strlen(id) != 7)
		return -EINVAL;
	for (unsigned i = 0; i < 3; i++) {
		if (id[i] < 'A' || id[i] > 'Z')
			return -EINVAL;
		v = (v << 5) | (u32)(id[i] - 0x40);
	}
	for (unsigned i = 3; i < 7; i++) {
		char c = id[i];
		unsigned d;

		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (c >= 'A' && c <= 'F')
			d = (unsigned)(c - 'A' + 10);
		else
			return -EINVAL;
		v = (v << 4) | d;
	}
	/*
	 * Bits 30–16 hold the three letters, 15–0 the product number; the value
	 * is stored as the bytes of that 32-bit number most significant first
	 * (§19.6.35), i.e. byte-swapped as a little-endian integer.
	 */
	return (s64)__builtin_bswap32(v);
}

void aml_eisaid(struct aml *a, const char *id)
{
	s64 v = aml_eisaid_value(id);

	if (v < 0) {
		aml_fail(a, (int)v);
		return;
	}
	aml_int(a, (u64)v);
}

void aml_hid(struct aml *a, const char *id)
{
	if (aml_eisaid_value(id) >= 0)
		aml_eisaid(a, id);
	else
		aml_string(a, id);
}

/*
 * ToUUID (§19.6.142): the string's 16 bytes in text order are stored with
 * the first three groups little-endian: 3 2 1 0 5 4 7 6 8 9 10 ... 15.
 */
void aml_uuid(struct aml *a, const char *uuid)
{
	static const u8 order[16] = { 3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15 };
	u8 text[16], out[16];
	unsigned n = 0;

	if (strlen(uuid) != 36) {
		aml_fail(a, -EINVAL);
		return;
	}
	for (unsigned i = 0; i < 36;) {
		int hi, lo;

		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (uuid[i] != '-') {
				aml_fail(a, -EINVAL);
				return;
			}
			i++;
			continue;
		}
		hi = hex_digit_value(uuid[i]);
		lo = hex_digit_value(uuid[i + 1]);
		if (hi < 0 || lo < 0) {
			aml_fail(a, -EINVAL);
			return;
		}
		text[n++] = (u8)(hi << 4 | lo);
		i += 2;
	}
	for (unsigned i = 0; i < 16; i++)
		out[i] = text[order[i]];
	aml_buffer(a, out, sizeof(out));
}

static bool name_lead_ok(char c)
{
	return (c >= 'A' && c <= 'Z') || c == '_';
}

static bool name_char_ok(char c)
{
	return name_lead_ok(c) || (c >= '0' && c <= '9');
}

/* NameString (§20.2.2), not counted as a package element. */
static void aml_put_namestring(struct aml *a, const char *path)
{
	const char *p = path;
	u8 segs[255][4];
	unsigned nseg = 0;

	if (*p == '\\') {
		aml_u8(a, AML_ROOT_CHAR);
		p++;
	} else {
		while (*p == '^') {
			aml_u8(a, AML_PARENT_PREFIX);
			p++;
		}
	}
	while (*p) {
		unsigned n = 0;

		if (nseg == ARRAY_SIZE(segs)) {
			aml_fail(a, -E2BIG);
			return;
		}
		memset(segs[nseg], '_', 4);
		while (*p && *p != '.') {
			if (n == 4 || !(n ? name_char_ok(*p) : name_lead_ok(*p))) {
				aml_fail(a, -EINVAL);
				return;
			}
			segs[nseg][n++] = (u8)*p++;
		}
		if (!n) {
			aml_fail(a, -EINVAL);	/* empty segment: "A..B", trailing '.' */
			return;
		}
		nseg++;
		if (*p == '.') {
			p++;
			if (!*p) {
				aml_fail(a, -EINVAL);
				return;
			}
		}
	}
	if (nseg == 0) {
		aml_u8(a, 0x00);	/* NullName */
		return;
	}
	if (nseg == 2) {
		aml_u8(a, AML_DUAL_NAME_PREFIX);
	} else if (nseg > 2) {
		aml_u8(a, AML_MULTI_NAME_PREFIX);
		aml_u8(a, (u8)nseg);
	}
	aml_bytes(a, segs, 4 * nseg);
}

void aml_namestring(struct aml *a, const char *path)
{
	aml_elem(a);
	aml_put_namestring(a, path);
}

void aml_name(struct aml *a, const char *name)
{
	aml_u8(a, AML_NAME_OP);
	aml_put_namestring(a, name);
}

/* Open an object: opcode bytes already written; reserve its PkgLength. */
static void aml_open(struct aml *a, enum aml_frame_kind kind)
{
	u8 zero[PKGLEN_RESERVED + 1] = { 0 };

	if (a->err)
		return;
	if (a->depth == AML_MAX_DEPTH) {
		aml_fail(a, -E2BIG);
		return;
	}
	a->open[a->depth++] = (struct aml_frame){ .start = a->len, .kind = kind };
	/* A package also reserves its NumElements byte right after. */
	aml_bytes(a, zero, PKGLEN_RESERVED + (kind == AML_FRAME_PACKAGE));
}

/* Move [from, len) by `delta` bytes (either way), growing the buffer if needed. */
static bool aml_shift(struct aml *a, size_t from, long delta)
{
	if (delta > 0 && !aml_reserve(a, (size_t)delta))
		return false;
	memmove(a->buf + from + delta, a->buf + from, a->len - from);
	a->len += delta;
	return true;
}

void aml_end(struct aml *a)
{
	struct aml_frame f;
	size_t body_start, body;
	unsigned n, isize = 0;
	u8 pl[4];

	if (a->err)
		return;
	if (!a->depth) {
		aml_fail(a, -EINVAL);
		return;
	}
	f = a->open[--a->depth];
	body_start = f.start + PKGLEN_RESERVED;
	body = a->len - body_start;
	if (f.kind == AML_FRAME_PACKAGE) {
		/* PackageOp's NumElements is one byte (§20.2.5.4). */
		if (f.nelem > 0xff) {
			aml_fail(a, -E2BIG);
			return;
		}
		a->buf[body_start] = (u8)f.nelem;
	} else if (f.kind == AML_FRAME_BUFFER) {
		/* DefBuffer := BufferOp PkgLength BufferSize ByteList; BufferSize is a TermArg. */
		isize = aml_int_size(body);
	}
	n = aml_pkglen_size(body + isize);
	if (!n) {
		aml_fail(a, -E2BIG);
		return;
	}
	if (!aml_shift(a, body_start, (long)(n + isize) - PKGLEN_RESERVED))
		return;
	aml_pkglen_encode((u32)(body + isize + n), pl);
	memcpy(a->buf + f.start, pl, n);
	if (f.kind == AML_FRAME_BUFFER) {
		/* Write the size integer into the gap between PkgLength and the bytes. */
		size_t save = a->len;

		a->len = f.start + n;
		aml_put_int(a, body);
		a->len = save;
	}
}

void aml_scope_begin(struct aml *a, const char *name)
{
	aml_u8(a, AML_SCOPE_OP);
	aml_open(a, AML_FRAME_PLAIN);
	aml_put_namestring(a, name);
}

void aml_device_begin(struct aml *a, const char *name)
{
	aml_u8(a, AML_EXT_PREFIX);
	aml_u8(a, AML_EXT_DEVICE_OP);
	aml_open(a, AML_FRAME_PLAIN);
	aml_put_namestring(a, name);
}

void aml_method_begin(struct aml *a, const char *name, unsigned nargs, bool serialized)
{
	if (nargs > 7) {
		aml_fail(a, -EINVAL);
		return;
	}
	aml_u8(a, AML_METHOD_OP);
	aml_open(a, AML_FRAME_PLAIN);
	aml_put_namestring(a, name);
	/* MethodFlags: bits 0–2 ArgCount, bit 3 SerializeFlag, bits 4–7 SyncLevel 0. */
	aml_u8(a, (u8)(nargs | (serialized ? 0x08 : 0)));
}

void aml_if_begin(struct aml *a)
{
	aml_u8(a, AML_IF_OP);
	aml_open(a, AML_FRAME_PLAIN);
}

void aml_else_begin(struct aml *a)
{
	aml_u8(a, AML_ELSE_OP);
	aml_open(a, AML_FRAME_PLAIN);
}

void aml_package_begin(struct aml *a)
{
	aml_elem(a);
	aml_u8(a, AML_PACKAGE_OP);
	aml_open(a, AML_FRAME_PACKAGE);
}

void aml_buffer_begin(struct aml *a)
{
	aml_elem(a);
	aml_u8(a, AML_BUFFER_OP);
	aml_open(a, AML_FRAME_BUFFER);
}

void aml_buffer(struct aml *a, const void *data, size_t n)
{
	aml_buffer_begin(a);
	aml_bytes(a, data, n);
	aml_end(a);
}

void aml_op(struct aml *a, u8 op)
{
	aml_u8(a, op);
}

void aml_arg(struct aml *a, unsigned n)
{
	if (n > 6) {
		aml_fail(a, -EINVAL);
		return;
	}
	aml_u8(a, (u8)(AML_ARG0_OP + n));
}

void aml_local(struct aml *a, unsigned n)
{
	if (n > 7) {
		aml_fail(a, -EINVAL);
		return;
	}
	aml_u8(a, (u8)(AML_LOCAL0_OP + n));
}

void aml_null_target(struct aml *a)
{
	aml_u8(a, 0x00);	/* NullName: the result is not stored */
}

/* ---- Resource descriptors (ACPI 6.4 §6.4) ---- */

/* Large resource item names (§6.4.3) and small ones (§6.4.2), as their tag bytes. */
#define RES_END_TAG		0x79	/* small item 0xF, length 1 */
#define RES_IO			0x47	/* small item 0x8, length 7 */
#define RES_IRQ_NOFLAGS		0x22	/* small item 0x4, length 2 */
#define RES_MEMORY32_FIXED	0x86
#define RES_DWORD_ADDRESS	0x87
#define RES_WORD_ADDRESS	0x88
#define RES_EXT_INTERRUPT	0x89
#define RES_QWORD_ADDRESS	0x8a

/* Address space descriptor fields (§6.4.3.5). */
#define ADDR_TYPE_MEMORY	0
#define ADDR_TYPE_IO		1
#define ADDR_TYPE_BUS		2
#define ADDR_GF_MIN_FIXED	BIT(2)	/* _MIF */
#define ADDR_GF_MAX_FIXED	BIT(3)	/* _MAF */
#define ADDR_IO_ENTIRE_RANGE	3	/* _RNG */
#define ADDR_MEM_RW		BIT(0)	/* _RW */

void aml_resource_begin(struct aml *a)
{
	aml_buffer_begin(a);
}

void aml_resource_end(struct aml *a)
{
	if (!a->err && (!a->depth || a->open[a->depth - 1].kind != AML_FRAME_BUFFER)) {
		aml_fail(a, -EINVAL);
		return;
	}
	/* End Tag (§6.4.2.9): a zero checksum means "treat the template as valid". */
	aml_u8(a, RES_END_TAG);
	aml_u8(a, 0);
	aml_end(a);
}

/*
 * The three address space descriptors share one layout and differ in field
 * width (§6.4.3.5.1–3): type, general flags, type-specific flags, then
 * granularity, min, max, translation offset and length, each `w` bytes.
 * Every window we describe is produced by the bridge (GeneralFlags bit 0
 * clear), at a fixed place (MinFixed, MaxFixed) and decoded positively.
 */
static void aml_res_address(struct aml *a, u8 tag, unsigned w, u8 type, u8 tflags, u64 min,
			    u64 max)
{
	/* The length, max - min + 1, must fit the field too. */
	if (min > max || (w < 8 && max - min >= (1ull << (8 * w)) - 1)) {
		aml_fail(a, -EINVAL);
		return;
	}
	aml_u8(a, tag);
	aml_u16(a, (u16)(3 + 5 * w));
	aml_u8(a, type);
	aml_u8(a, ADDR_GF_MIN_FIXED | ADDR_GF_MAX_FIXED);
	aml_u8(a, tflags);
	{
		u64 fields[5] = { 0, min, max, 0, max - min + 1 };
		u8 b[8];

		for (unsigned i = 0; i < 5; i++) {
			stn_le(b, w, fields[i]);
			aml_bytes(a, b, w);
		}
	}
}

void aml_res_word_bus(struct aml *a, u16 min, u16 max)
{
	aml_res_address(a, RES_WORD_ADDRESS, 2, ADDR_TYPE_BUS, 0, min, max);
}

void aml_res_word_io(struct aml *a, u16 min, u16 max)
{
	aml_res_address(a, RES_WORD_ADDRESS, 2, ADDR_TYPE_IO, ADDR_IO_ENTIRE_RANGE, min, max);
}

static u8 mem_flags(enum aml_mem_cache cache, bool rw)
{
	return (u8)((rw ? ADDR_MEM_RW : 0) | ((cache & 3) << 1));
}

void aml_res_dword_memory(struct aml *a, enum aml_mem_cache cache, bool rw, u32 min, u32 max)
{
	aml_res_address(a, RES_DWORD_ADDRESS, 4, ADDR_TYPE_MEMORY, mem_flags(cache, rw), min,
			max);
}

void aml_res_qword_memory(struct aml *a, enum aml_mem_cache cache, bool rw, u64 min, u64 max)
{
	/* max - min + 1 must fit in the Length field. */
	if (min == 0 && max == ~0ull) {
		aml_fail(a, -EINVAL);
		return;
	}
	aml_res_address(a, RES_QWORD_ADDRESS, 8, ADDR_TYPE_MEMORY, mem_flags(cache, rw), min,
			max);
}

/* I/O Port Descriptor (§6.4.2.5): Information bit 0 = 16-bit decode. */
void aml_res_io(struct aml *a, u16 min, u16 max, u8 align, u8 len)
{
	if (min > max || !len) {
		aml_fail(a, -EINVAL);
		return;
	}
	aml_u8(a, RES_IO);
	aml_u8(a, 1);
	aml_u16(a, min);
	aml_u16(a, max);
	aml_u8(a, align);
	aml_u8(a, len);
}

/* 32-Bit Fixed Memory Range Descriptor (§6.4.3.4). */
void aml_res_memory32_fixed(struct aml *a, bool rw, u32 base, u32 len)
{
	if (!len || (u64)base + len - 1 > 0xffffffffull) {
		aml_fail(a, -EINVAL);
		return;
	}
	aml_u8(a, RES_MEMORY32_FIXED);
	aml_u16(a, 9);
	aml_u8(a, rw ? 1 : 0);
	aml_u32(a, base);
	aml_u32(a, len);
}

/*
 * Extended Interrupt Descriptor (§6.4.3.6), one interrupt, no resource
 * source. Flags: bit 0 consumer, bit 1 edge (_HE), bit 2 active-low (_LL),
 * bit 3 shared (_SHR).
 */
void aml_res_interrupt(struct aml *a, bool level, bool active_low, bool shared, u32 gsi)
{
	aml_u8(a, RES_EXT_INTERRUPT);
	aml_u16(a, 6);
	aml_u8(a, (u8)(BIT(0) | (level ? 0 : BIT(1)) | (active_low ? BIT(2) : 0) |
		       (shared ? BIT(3) : 0)));
	aml_u8(a, 1);
	aml_u32(a, gsi);
}

/* IRQ Descriptor without the information byte (§6.4.2.1): ISA edge, high, exclusive. */
void aml_res_irq_noflags(struct aml *a, unsigned irq)
{
	if (irq > 15) {
		aml_fail(a, -EINVAL);
		return;
	}
	aml_u8(a, RES_IRQ_NOFLAGS);
	aml_u16(a, (u16)BIT(irq));
}
