// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for src/arch/x86/acpi/aml.c: PkgLength at every encoding
 * boundary (ACPI 6.4 §20.2.4), integer, name, EISAID and UUID encodings,
 * package counting, buffers, resource descriptors byte for byte against the
 * layouts of §6.4, and the sticky errors for everything the encoder refuses.
 */
#include <errno.h>

#include "check.h"
#include "src/arch/x86/acpi/aml.h"

/* An independent PkgLength decoder: returns the value, sets *n to the bytes used. */
static u32 pkglen_decode(const u8 *p, unsigned *n)
{
	unsigned follow = p[0] >> 6;
	u32 v;

	*n = follow + 1;
	if (!follow)
		return p[0] & 0x3f;
	v = p[0] & 0x0f;
	for (unsigned i = 1; i <= follow; i++)
		v |= (u32)p[i] << (4 + 8 * (i - 1));
	return v;
}

static bool bytes_eq(const struct aml *a, const u8 *want, size_t n)
{
	if (a->len != n || memcmp(a->buf, want, n)) {
		fprintf(stderr, "  got (%zu):", a->len);
		for (size_t i = 0; i < a->len && i < 64; i++)
			fprintf(stderr, " %02x", a->buf[i]);
		fprintf(stderr, "\n  want(%zu):", n);
		for (size_t i = 0; i < n && i < 64; i++)
			fprintf(stderr, " %02x", want[i]);
		fprintf(stderr, "\n");
		return false;
	}
	return true;
}

#define CHECK_BYTES(a, ...)                                                                        \
	do {                                                                                       \
		static const u8 _w[] = { __VA_ARGS__ };                                            \
		CHECK(bytes_eq(a, _w, sizeof(_w)));                                                \
	} while (0)

static void test_pkglen_encode(void)
{
	static const struct {
		u32 v;
		unsigned n;
		u8 b[4];
	} cases[] = {
		{ 0, 1, { 0x00 } },
		{ 1, 1, { 0x01 } },
		{ 63, 1, { 0x3f } },
		{ 64, 2, { 0x40, 0x04 } },
		{ 0x123, 2, { 0x43, 0x12 } },
		{ 4095, 2, { 0x4f, 0xff } },
		{ 4096, 3, { 0x80, 0x00, 0x01 } },
		{ 0xfffff, 3, { 0x8f, 0xff, 0xff } },
		{ 0x100000, 4, { 0xc0, 0x00, 0x00, 0x01 } },
		{ 0x0fffffff, 4, { 0xcf, 0xff, 0xff, 0xff } },
	};
	u8 out[4];

	for (unsigned i = 0; i < ARRAY_SIZE(cases); i++) {
		unsigned n = aml_pkglen_encode(cases[i].v, out), dn;

		CHECK_EQ(n, cases[i].n);
		CHECK(!memcmp(out, cases[i].b, cases[i].n));
		CHECK_EQ(pkglen_decode(out, &dn), cases[i].v);
		CHECK_EQ(dn, n);
	}
	/* 28 bits is the most a PkgLength holds. */
	CHECK_EQ(aml_pkglen_encode(0x10000000, out), 0);
	CHECK_EQ(aml_pkglen_encode(0xffffffff, out), 0);

	/* Round trip across the whole range, at a stride that crosses every boundary. */
	for (u32 v = 0; v <= 0x0fffffff; v += (v < 0x2000 ? 1 : 4093)) {
		unsigned n = aml_pkglen_encode(v, out), dn;

		CHECK(n >= 1 && n <= 4);
		if (pkglen_decode(out, &dn) != v || dn != n) {
			CHECK_EQ(pkglen_decode(out, &dn), v);
			break;
		}
	}

	/* The size needed for `content` bytes counts the PkgLength itself. */
	CHECK_EQ(aml_pkglen_size(0), 1);
	CHECK_EQ(aml_pkglen_size(62), 1);	/* 63 */
	CHECK_EQ(aml_pkglen_size(63), 2);	/* 64 does not fit one byte */
	CHECK_EQ(aml_pkglen_size(4093), 2);	/* 4095 */
	CHECK_EQ(aml_pkglen_size(4094), 3);	/* 4096 */
	CHECK_EQ(aml_pkglen_size(0xffffc), 3);	/* 2^20 - 1 */
	CHECK_EQ(aml_pkglen_size(0xffffd), 4);	/* 2^20 */
	CHECK_EQ(aml_pkglen_size(0x0ffffffb), 4);
	CHECK_EQ(aml_pkglen_size(0x0ffffffc), 0);
}

/*
 * A Scope whose content (name + padding) is `content` bytes: the encoder must
 * pick the shortest PkgLength that holds content + itself, and the value must
 * cover exactly what follows the opcode. Minimal encoding never produces the
 * values 64 or 4096 themselves: 62 content bytes give 63 in one byte, 63 give
 * 65 in two.
 */
static void check_scope_content(u32 content, unsigned want_n)
{
	struct aml a;
	size_t pad = content - 4;	/* minus the NameSeg */
	u8 *fill = calloc(1, pad ? pad : 1);
	unsigned n;

	aml_init(&a);
	aml_scope_begin(&a, "ABCD");
	aml_bytes(&a, fill, pad);
	aml_end(&a);
	CHECK_EQ(aml_finish(&a), 0);
	CHECK_EQ(a.buf[0], AML_SCOPE_OP);
	CHECK_EQ(pkglen_decode(a.buf + 1, &n), content + want_n);
	CHECK_EQ(n, want_n);
	CHECK_EQ(a.len, 1 + content + want_n);
	CHECK(!memcmp(a.buf + 1 + n, "ABCD", 4));
	aml_free(&a);
	free(fill);
}

static void test_pkglen_in_objects(void)
{
	check_scope_content(62, 1);		/* 63 */
	check_scope_content(63, 2);		/* 65 */
	check_scope_content(4093, 2);		/* 4095 */
	check_scope_content(4094, 3);		/* 4097 */
	check_scope_content(0xffffc, 3);	/* 2^20 - 1 */
	check_scope_content(0xffffd, 4);	/* 2^20 + 1 */

	/* Nested objects: the inner length is final before the outer one is written. */
	{
		struct aml a;
		unsigned n1, n2;
		u32 outer, inner;

		aml_init(&a);
		aml_scope_begin(&a, "\\_SB");
		aml_device_begin(&a, "DEV0");
		for (unsigned i = 0; i < 40; i++)
			aml_u32(&a, 0xdeadbeef);	/* 160 bytes: two-byte inner PkgLength */
		aml_end(&a);
		aml_end(&a);
		CHECK_EQ(aml_finish(&a), 0);
		outer = pkglen_decode(a.buf + 1, &n1);
		CHECK_EQ(1 + outer, a.len);
		/* after PkgLength: '\' '_SB_', then ExtOp DeviceOp */
		CHECK_EQ(a.buf[1 + n1 + 5], AML_EXT_PREFIX);
		CHECK_EQ(a.buf[1 + n1 + 6], AML_EXT_DEVICE_OP);
		inner = pkglen_decode(a.buf + 1 + n1 + 7, &n2);
		CHECK_EQ(n2, 2);
		CHECK_EQ(inner, n2 + 4 + 160);
		CHECK_EQ(1 + n1 + 5 + 2 + inner, a.len);
		aml_free(&a);
	}
}

static void check_int(u64 v, const u8 *want, size_t n)
{
	struct aml a;

	aml_init(&a);
	aml_int(&a, v);
	CHECK_EQ(aml_finish(&a), 0);
	if (!bytes_eq(&a, want, n))
		CHECK_EQ(v, ~v);	/* report which value */
	aml_free(&a);
}

#define CHECK_INT(v, ...)                                                                          \
	do {                                                                                       \
		static const u8 _w[] = { __VA_ARGS__ };                                            \
		check_int(v, _w, sizeof(_w));                                                      \
	} while (0)

static void test_integers(void)
{
	CHECK_INT(0, 0x00);
	CHECK_INT(1, 0x01);
	CHECK_INT(2, 0x0a, 0x02);
	CHECK_INT(0xff, 0x0a, 0xff);
	CHECK_INT(0x100, 0x0b, 0x00, 0x01);
	CHECK_INT(0xffff, 0x0b, 0xff, 0xff);
	CHECK_INT(0x10000, 0x0c, 0x00, 0x00, 0x01, 0x00);
	CHECK_INT(0xffffffff, 0x0c, 0xff, 0xff, 0xff, 0xff);
	CHECK_INT(0x100000000ull, 0x0e, 0, 0, 0, 0, 1, 0, 0, 0);
	CHECK_INT(0x0000001fffffffffull, 0x0e, 0xff, 0xff, 0xff, 0xff, 0x1f, 0, 0, 0);
	CHECK_INT(~0ull, 0xff);
	CHECK_INT(~0ull - 1, 0x0e, 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff);
}

static void check_name(const char *path, const u8 *want, size_t n)
{
	struct aml a;

	aml_init(&a);
	aml_namestring(&a, path);
	CHECK_EQ(aml_finish(&a), 0);
	if (!bytes_eq(&a, want, n))
		CHECK_STREQ(path, "(encoding above)");
	aml_free(&a);
}

#define CHECK_NAME(p, ...)                                                                         \
	do {                                                                                       \
		static const u8 _w[] = { __VA_ARGS__ };                                            \
		check_name(p, _w, sizeof(_w));                                                     \
	} while (0)

static void check_bad_name(const char *path)
{
	struct aml a;

	aml_init(&a);
	aml_namestring(&a, path);
	if (aml_finish(&a) != -EINVAL)
		CHECK_STREQ(path, "(should be refused)");
	aml_free(&a);
}

static void test_names(void)
{
	CHECK_NAME("_CRS", '_', 'C', 'R', 'S');
	CHECK_NAME("_SB", '_', 'S', 'B', '_');
	CHECK_NAME("A", 'A', '_', '_', '_');
	CHECK_NAME("\\_SB", '\\', '_', 'S', 'B', '_');
	CHECK_NAME("\\_SB.PCI0", '\\', 0x2e, '_', 'S', 'B', '_', 'P', 'C', 'I', '0');
	CHECK_NAME("^^AB", '^', '^', 'A', 'B', '_', '_');
	CHECK_NAME("A.B.C", 0x2f, 3, 'A', '_', '_', '_', 'B', '_', '_', '_', 'C', '_', '_', '_');
	CHECK_NAME("\\", '\\', 0x00);
	CHECK_NAME("", 0x00);

	check_bad_name("1ABC");		/* a NameSeg starts with a letter or '_' */
	check_bad_name("ABCDE");	/* at most four characters */
	check_bad_name("abcd");		/* lower case is not a NameChar */
	check_bad_name("A..B");
	check_bad_name("A.");
	check_bad_name(".A");
	check_bad_name("A-B");
	check_bad_name("\\^A");		/* root and parent prefixes do not mix */
}

static void test_strings_ids(void)
{
	struct aml a;

	aml_init(&a);
	aml_string(&a, "ACPI0007");
	CHECK_EQ(aml_finish(&a), 0);
	CHECK_BYTES(&a, 0x0d, 'A', 'C', 'P', 'I', '0', '0', '0', '7', 0x00);
	aml_free(&a);

	aml_init(&a);
	aml_string(&a, "\x80");
	CHECK_EQ(aml_finish(&a), -EINVAL);
	aml_free(&a);

	/* EISAID (§19.6.35): 3 compressed letters and 4 hex digits, stored byte-swapped. */
	CHECK_EQ(aml_eisaid_value("PNP0A03"), 0x030ad041);
	CHECK_EQ(aml_eisaid_value("PNP0A08"), 0x080ad041);
	CHECK_EQ(aml_eisaid_value("PNP0C02"), 0x020cd041);
	CHECK_EQ(aml_eisaid_value("PNP0501"), 0x0105d041);
	CHECK_EQ(aml_eisaid_value("PNP0A0"), -EINVAL);
	CHECK_EQ(aml_eisaid_value("PNP0A033"), -EINVAL);
	CHECK_EQ(aml_eisaid_value("pnp0A03"), -EINVAL);
	CHECK_EQ(aml_eisaid_value("PNP0A0G"), -EINVAL);
	CHECK_EQ(aml_eisaid_value("P1P0A03"), -EINVAL);

	aml_init(&a);
	aml_eisaid(&a, "PNP0A08");
	CHECK_BYTES(&a, 0x0c, 0x41, 0xd0, 0x0a, 0x08);
	aml_free(&a);

	/* _HID: EISAID for a PNP ID, a string for an ACPI ID. */
	aml_init(&a);
	aml_hid(&a, "LNRO0005");
	CHECK_BYTES(&a, 0x0d, 'L', 'N', 'R', 'O', '0', '0', '0', '5', 0x00);
	aml_free(&a);

	/* ToUUID (§19.6.142): first three groups little-endian. */
	aml_init(&a);
	aml_uuid(&a, "33DB4D5B-1FF7-401C-9657-7441C03DD766");
	CHECK_EQ(aml_finish(&a), 0);
	CHECK_BYTES(&a, 0x11, 0x13, 0x0a, 0x10, 0x5b, 0x4d, 0xdb, 0x33, 0xf7, 0x1f, 0x1c, 0x40,
		    0x96, 0x57, 0x74, 0x41, 0xc0, 0x3d, 0xd7, 0x66);
	aml_free(&a);

	static const char *const bad_uuids[] = {
		"33DB4D5B-1FF7-401C-9657-7441C03DD76",	/* short */
		"33DB4D5B-1FF7-401C-9657-7441C03DD7666",	/* long */
		"33DB4D5B 1FF7-401C-9657-7441C03DD766",	/* separator */
		"33DB4D5B-1FF7-401C-9657-7441C03DD76G",	/* digit */
	};
	for (unsigned i = 0; i < ARRAY_SIZE(bad_uuids); i++) {
		aml_init(&a);
		aml_uuid(&a, bad_uuids[i]);
		CHECK_EQ(aml_finish(&a), -EINVAL);
		aml_free(&a);
	}
}

static void test_packages_buffers(void)
{
	struct aml a;

	/* Package() { 2, "A", Package() { 3 } }: NumElements counted per level. */
	aml_init(&a);
	aml_package_begin(&a);
	aml_int(&a, 2);
	aml_string(&a, "A");
	aml_package_begin(&a);
	aml_int(&a, 3);
	aml_end(&a);
	aml_end(&a);
	CHECK_EQ(aml_finish(&a), 0);
	CHECK_BYTES(&a, 0x12, 0x0c, 0x03, 0x0a, 0x02, 0x0d, 'A', 0x00, 0x12, 0x04, 0x01, 0x0a,
		    0x03);
	aml_free(&a);

	/* 255 elements fit PackageOp; 256 do not. */
	aml_init(&a);
	aml_package_begin(&a);
	for (unsigned i = 0; i < 255; i++)
		aml_int(&a, 0);
	aml_end(&a);
	CHECK_EQ(aml_finish(&a), 0);
	CHECK_EQ(a.buf[0], AML_PACKAGE_OP);
	CHECK_EQ(a.buf[3], 255);	/* after a two-byte PkgLength */
	aml_free(&a);
	aml_init(&a);
	aml_package_begin(&a);
	for (unsigned i = 0; i < 256; i++)
		aml_int(&a, 0);
	aml_end(&a);
	CHECK_EQ(aml_finish(&a), -E2BIG);
	aml_free(&a);

	/* Buffer: BufferSize is a minimal integer; the PkgLength counts it too. */
	aml_init(&a);
	aml_buffer(&a, "\x01\x02", 2);
	CHECK_BYTES(&a, 0x11, 0x05, 0x0a, 0x02, 0x01, 0x02);
	aml_free(&a);
	aml_init(&a);
	aml_buffer(&a, "", 0);
	CHECK_BYTES(&a, 0x11, 0x02, 0x00);
	aml_free(&a);
	aml_init(&a);
	aml_buffer(&a, "\x07", 1);
	CHECK_BYTES(&a, 0x11, 0x03, 0x01, 0x07);
	aml_free(&a);
	{
		static u8 big[0x1000];
		unsigned n;

		/* 0x100 bytes: WordConst size (3 bytes), 0x103 + 2 = two-byte PkgLength. */
		aml_init(&a);
		aml_buffer(&a, big, 0x100);
		CHECK_EQ(aml_finish(&a), 0);
		CHECK_EQ(pkglen_decode(a.buf + 1, &n), 2 + 3 + 0x100);
		CHECK_EQ(n, 2);
		CHECK_EQ(a.buf[3], AML_WORD_PREFIX);
		CHECK_EQ(a.len, 1 + 2 + 3 + 0x100);
		aml_free(&a);
		/* 0xff bytes: BytePrefix size; 0xff + 2 + 2 PkgLength. */
		aml_init(&a);
		aml_buffer(&a, big, 0xff);
		CHECK_EQ(pkglen_decode(a.buf + 1, &n), 2 + 2 + 0xff);
		CHECK_EQ(a.buf[3], AML_BYTE_PREFIX);
		CHECK_EQ(a.buf[4], 0xff);
		aml_free(&a);
		/* Crossing to a three-byte PkgLength. */
		aml_init(&a);
		aml_buffer(&a, big, 0x1000);
		CHECK_EQ(pkglen_decode(a.buf + 1, &n), 3 + 3 + 0x1000);
		CHECK_EQ(n, 3);
		CHECK_EQ(a.len, 1 + 3 + 3 + 0x1000);
		aml_free(&a);
	}

	/* Buffers inside a package count as one element each. */
	aml_init(&a);
	aml_package_begin(&a);
	aml_buffer(&a, "\x01", 1);
	aml_uuid(&a, "33DB4D5B-1FF7-401C-9657-7441C03DD766");
	aml_end(&a);
	CHECK_EQ(aml_finish(&a), 0);
	CHECK_EQ(a.buf[2], 2);
	aml_free(&a);
}

static void test_methods_and_terms(void)
{
	struct aml a;

	/* Method(_STA, 0, NotSerialized) { Return(0x0F) } */
	aml_init(&a);
	aml_method_begin(&a, "_STA", 0, false);
	aml_op(&a, AML_RETURN_OP);
	aml_int(&a, 0x0f);
	aml_end(&a);
	CHECK_EQ(aml_finish(&a), 0);
	CHECK_BYTES(&a, 0x14, 0x09, '_', 'S', 'T', 'A', 0x00, 0xa4, 0x0a, 0x0f);
	aml_free(&a);

	/* Flags: ArgCount in bits 0-2, Serialized in bit 3. */
	aml_init(&a);
	aml_method_begin(&a, "M", 7, true);
	aml_end(&a);
	CHECK_BYTES(&a, 0x14, 0x06, 'M', '_', '_', '_', 0x0f);
	aml_free(&a);
	aml_init(&a);
	aml_method_begin(&a, "M", 8, false);
	CHECK_EQ(aml_finish(&a), -EINVAL);
	aml_free(&a);

	/* If (LEqual(Arg0, One)) { Store(Local7, Arg6) } Else { } */
	aml_init(&a);
	aml_if_begin(&a);
	aml_op(&a, AML_LEQUAL_OP);
	aml_arg(&a, 0);
	aml_int(&a, 1);
	aml_op(&a, AML_STORE_OP);
	aml_local(&a, 7);
	aml_arg(&a, 6);
	aml_end(&a);
	aml_else_begin(&a);
	aml_end(&a);
	CHECK_EQ(aml_finish(&a), 0);
	CHECK_BYTES(&a, 0xa0, 0x07, 0x93, 0x68, 0x01, 0x70, 0x67, 0x6e, 0xa1, 0x01);
	aml_free(&a);

	aml_init(&a);
	aml_arg(&a, 7);
	CHECK_EQ(aml_finish(&a), -EINVAL);
	aml_free(&a);
	aml_init(&a);
	aml_local(&a, 8);
	CHECK_EQ(aml_finish(&a), -EINVAL);
	aml_free(&a);

	/* Name(_UID, 0x10) */
	aml_init(&a);
	aml_name(&a, "_UID");
	aml_int(&a, 0x10);
	CHECK_BYTES(&a, 0x08, '_', 'U', 'I', 'D', 0x0a, 0x10);
	aml_free(&a);
}

static void test_errors(void)
{
	struct aml a;
	size_t len;

	/* aml_end with nothing open. */
	aml_init(&a);
	aml_end(&a);
	CHECK_EQ(aml_finish(&a), -EINVAL);
	aml_free(&a);

	/* An object left open. */
	aml_init(&a);
	aml_device_begin(&a, "DEV0");
	CHECK_EQ(aml_finish(&a), -EINVAL);
	aml_free(&a);

	/* Errors are sticky: nothing is written after the first one. */
	aml_init(&a);
	aml_int(&a, 5);
	aml_namestring(&a, "bad!");
	len = a.len;
	aml_int(&a, 6);
	aml_scope_begin(&a, "GOOD");
	aml_end(&a);
	CHECK_EQ(a.len, len);
	CHECK_EQ(aml_finish(&a), -EINVAL);
	aml_free(&a);

	/* Nesting deeper than AML_MAX_DEPTH. */
	aml_init(&a);
	for (unsigned i = 0; i <= AML_MAX_DEPTH; i++)
		aml_scope_begin(&a, "S");
	CHECK_EQ(aml_finish(&a), -E2BIG);
	aml_free(&a);

	/* A resource template end outside a buffer. */
	aml_init(&a);
	aml_scope_begin(&a, "S");
	aml_resource_end(&a);
	CHECK_EQ(aml_finish(&a), -EINVAL);
	aml_free(&a);

	/* aml_free leaves a reusable, empty encoder. */
	aml_init(&a);
	aml_free(&a);
	CHECK_EQ(a.len, 0);
	CHECK_EQ(aml_finish(&a), 0);
}

/* One descriptor inside a template; returns the encoder for inspection of its bytes. */
#define RES_START 4	/* BufferOp, PkgLength (1), BytePrefix size (2) */

static void test_resources(void)
{
	struct aml a;

	/* ResourceTemplate() { IO(Decode16, 0x3F8, 0x3F8, 1, 8) IRQNoFlags() {4} } */
	aml_init(&a);
	aml_resource_begin(&a);
	aml_res_io(&a, 0x3f8, 0x3f8, 1, 8);
	aml_res_irq_noflags(&a, 4);
	aml_resource_end(&a);
	CHECK_EQ(aml_finish(&a), 0);
	CHECK_BYTES(&a, 0x11, 0x10, 0x0a, 0x0d, 0x47, 0x01, 0xf8, 0x03, 0xf8, 0x03, 0x01, 0x08,
		    0x22, 0x10, 0x00, 0x79, 0x00);
	aml_free(&a);

	/* WordBusNumber(ResourceProducer, MinFixed, MaxFixed, PosDecode, 0, 0, 0xFF, 0, 0x100) */
	aml_init(&a);
	aml_res_word_bus(&a, 0, 0xff);
	CHECK_BYTES(&a, 0x88, 0x0d, 0x00, 0x02, 0x0c, 0x00, 0, 0, 0, 0, 0xff, 0, 0, 0, 0x00, 0x01);
	aml_free(&a);

	/* WordIO(..., EntireRange, 0, 0xC000, 0xFFFF, 0, 0x4000) */
	aml_init(&a);
	aml_res_word_io(&a, 0xc000, 0xffff);
	CHECK_BYTES(&a, 0x88, 0x0d, 0x00, 0x01, 0x0c, 0x03, 0, 0, 0x00, 0xc0, 0xff, 0xff, 0, 0,
		    0x00, 0x40);
	aml_free(&a);

	/* DWordMemory(..., NonCacheable, ReadWrite, 0, 0xC0000000, 0xDFFFFFFF, 0, 0x20000000) */
	aml_init(&a);
	aml_res_dword_memory(&a, AML_NON_CACHEABLE, true, 0xc0000000, 0xdfffffff);
	CHECK_BYTES(&a, 0x87, 0x17, 0x00, 0x00, 0x0c, 0x01, 0, 0, 0, 0, 0x00, 0x00, 0x00, 0xc0,
		    0xff, 0xff, 0xff, 0xdf, 0, 0, 0, 0, 0x00, 0x00, 0x00, 0x20);
	aml_free(&a);

	/* QWordMemory(..., Cacheable, ReadWrite, 0, 0x10_0000_0000, 0x1F_FFFF_FFFF, 0, 0x10_0000_0000) */
	aml_init(&a);
	aml_res_qword_memory(&a, AML_CACHEABLE, true, 0x1000000000ull, 0x1fffffffffull);
	CHECK_BYTES(&a, 0x8a, 0x2b, 0x00, 0x00, 0x0c, 0x03, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		    0x10, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0x1f, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		    0, 0, 0, 0x10, 0, 0, 0);
	aml_free(&a);

	/* Memory32Fixed(ReadWrite, 0xE0000000, 0x10000000) */
	aml_init(&a);
	aml_res_memory32_fixed(&a, true, 0xe0000000, 0x10000000);
	CHECK_BYTES(&a, 0x86, 0x09, 0x00, 0x01, 0x00, 0x00, 0x00, 0xe0, 0x00, 0x00, 0x00, 0x10);
	aml_free(&a);

	/* Interrupt(ResourceConsumer, Edge, ActiveHigh, Exclusive) {5}, and Level, Low, Shared. */
	aml_init(&a);
	aml_res_interrupt(&a, false, false, false, 5);
	aml_res_interrupt(&a, true, true, true, 0x123);
	CHECK_BYTES(&a, 0x89, 0x06, 0x00, 0x03, 0x01, 0x05, 0x00, 0x00, 0x00, 0x89, 0x06, 0x00,
		    0x0d, 0x01, 0x23, 0x01, 0x00, 0x00);
	aml_free(&a);

	/* Refused: windows that are empty, inverted, too long for their field, or wrap. */
	{
		struct aml b;

#define CHECK_RES_BAD(call)                                                                        \
	do {                                                                                       \
		aml_init(&b);                                                                      \
		call;                                                                              \
		CHECK_EQ(aml_finish(&b), -EINVAL);                                                 \
		aml_free(&b);                                                                      \
	} while (0)
		CHECK_RES_BAD(aml_res_word_bus(&b, 5, 4));
		CHECK_RES_BAD(aml_res_word_io(&b, 0, 0xffff));	/* length 0x10000 */
		CHECK_RES_BAD(aml_res_dword_memory(&b, AML_NON_CACHEABLE, true, 0, 0xffffffff));
		CHECK_RES_BAD(aml_res_qword_memory(&b, AML_CACHEABLE, true, 0, ~0ull));
		CHECK_RES_BAD(aml_res_qword_memory(&b, AML_CACHEABLE, true, 2, 1));
		CHECK_RES_BAD(aml_res_io(&b, 0x10, 0x0f, 1, 1));
		CHECK_RES_BAD(aml_res_io(&b, 0x10, 0x10, 1, 0));
		CHECK_RES_BAD(aml_res_memory32_fixed(&b, true, 0xfffff000, 0x2000));
		CHECK_RES_BAD(aml_res_memory32_fixed(&b, true, 0x1000, 0));
		CHECK_RES_BAD(aml_res_irq_noflags(&b, 16));
#undef CHECK_RES_BAD
	}
	/* The largest windows that do fit. */
	aml_init(&a);
	aml_res_word_io(&a, 0, 0xfffe);
	aml_res_dword_memory(&a, AML_NON_CACHEABLE, false, 1, 0xffffffff);
	aml_res_qword_memory(&a, AML_PREFETCHABLE, false, 1, ~0ull);
	aml_res_memory32_fixed(&a, false, 0xfffff000, 0x1000);
	CHECK_EQ(aml_finish(&a), 0);
	/* QWordMemory's type-specific flags: prefetchable (3 << 1), read-only. */
	CHECK_EQ(a.buf[16 + 26 + 5], 0x06);
	aml_free(&a);
}

int main(void)
{
	test_pkglen_encode();
	test_pkglen_in_objects();
	test_integers();
	test_names();
	test_strings_ids();
	test_packages_buffers();
	test_methods_and_terms();
	test_errors();
	test_resources();
	return check_done();
}
