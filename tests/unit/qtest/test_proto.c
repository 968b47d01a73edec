// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for src/qtest/proto.c: number parsing with every strtoull(base 0)
 * form and every way to get it wrong, word splitting, hex and base64 codecs
 * (round trips at every length, malformed inputs refused).
 */
#include <errno.h>
#include <stdlib.h>

#include "check.h"
#include "iovirt/qtest.h"

static void test_parse_u64(void)
{
	static const struct {
		const char *s;
		int ret;
		u64 v;
	} cases[] = {
		{ "0", 0, 0 },
		{ "7", 0, 7 },
		{ "4096", 0, 4096 },
		{ "0x0", 0, 0 },
		{ "0x1F", 0, 0x1f },
		{ "0XfF", 0, 0xff },
		{ "010", 0, 8 },
		{ "0xffffffffffffffff", 0, ~0ull },
		{ "18446744073709551615", 0, ~0ull },
		{ "01777777777777777777777", 0, ~0ull },
		{ "0x10000000000000000", -ERANGE, 0 },
		{ "18446744073709551616", -ERANGE, 0 },
		{ "99999999999999999999999", -ERANGE, 0 },
		{ "", -EINVAL, 0 },
		{ "0x", -EINVAL, 0 },
		{ "-1", -EINVAL, 0 },
		{ "+1", -EINVAL, 0 },
		{ " 1", -EINVAL, 0 },
		{ "1 ", -EINVAL, 0 },
		{ "08", -EINVAL, 0 },
		{ "0xg", -EINVAL, 0 },
		{ "12abc", -EINVAL, 0 },
		{ "1e3", -EINVAL, 0 },
		{ "0b101", -EINVAL, 0 },
	};

	for (unsigned i = 0; i < ARRAY_SIZE(cases); i++) {
		u64 v = 0xabad1dea;
		int ret = qtest_parse_u64(cases[i].s, &v);

		if (ret != cases[i].ret)
			fprintf(stderr, "parse '%s': %d\n", cases[i].s, ret);
		CHECK_EQ(ret, cases[i].ret);
		if (!cases[i].ret)
			CHECK_EQ(v, cases[i].v);
		else
			CHECK_EQ(v, 0xabad1dea); /* untouched on error */
	}
	CHECK_EQ(qtest_parse_u64(NULL, &(u64){ 0 }), -EINVAL);
}

static void test_split(void)
{
	char line[] = "  readl \t 0x10   ";
	char many[] = "a b c d e f g h i";
	char empty[] = " \t ";
	char *w[8];

	CHECK_EQ(qtest_split(line, w, 8), 2);
	CHECK_STREQ(w[0], "readl");
	CHECK_STREQ(w[1], "0x10");
	CHECK_EQ(qtest_split(many, w, 8), -E2BIG);
	CHECK_EQ(qtest_split(empty, w, 8), 0);
}

static void test_hex(void)
{
	u8 buf[8], in[256];
	char out[2 * 256 + 1];

	memset(buf, 0xee, sizeof(buf));
	CHECK_EQ(qtest_hex_decode("0x0102ff", buf, 4), 0);
	CHECK_EQ(buf[0], 1);
	CHECK_EQ(buf[1], 2);
	CHECK_EQ(buf[2], 0xff);
	CHECK_EQ(buf[3], 0); /* zero-filled */
	CHECK_EQ(buf[4], 0xee); /* never beyond len */
	CHECK_EQ(qtest_hex_decode("0xAbCd", buf, 2), 0);
	CHECK_EQ(buf[0], 0xab);
	CHECK_EQ(buf[1], 0xcd);
	CHECK_EQ(qtest_hex_decode("0x", buf, 2), 0);
	CHECK_EQ(buf[0], 0);
	CHECK_EQ(qtest_hex_decode("0x010203", buf, 2), -E2BIG);
	CHECK_EQ(qtest_hex_decode("0x012", buf, 4), -EINVAL);
	CHECK_EQ(qtest_hex_decode("0x0g", buf, 4), -EINVAL);
	CHECK_EQ(qtest_hex_decode("0x 1", buf, 4), -EINVAL);
	CHECK_EQ(qtest_hex_decode("0102", buf, 4), -EINVAL);
	CHECK_EQ(qtest_hex_decode("", buf, 4), -EINVAL);

	for (unsigned i = 0; i < sizeof(in); i++)
		in[i] = (u8)(i * 37 + 11);
	qtest_hex_encode(in, sizeof(in), out);
	CHECK_EQ(strlen(out), 2 * sizeof(in));
	{
		char pre[2 * 256 + 3] = "0x";
		u8 back[256];

		strcat(pre, out);
		CHECK_EQ(qtest_hex_decode(pre, back, sizeof(back)), 0);
		CHECK(!memcmp(in, back, sizeof(in)));
	}
	qtest_hex_encode(in, 0, out);
	CHECK_STREQ(out, "");
}

static void test_b64(void)
{
	static const struct {
		const char *plain, *enc;
	} vectors[] = { /* RFC 4648 §10 */
		{ "", "" },	       { "f", "Zg==" },	      { "fo", "Zm8=" },
		{ "foo", "Zm9v" },     { "foob", "Zm9vYg==" }, { "fooba", "Zm9vYmE=" },
		{ "foobar", "Zm9vYmFy" },
	};
	static const char *const bad[] = {
		"Zg=", "Z===", "Zm9v=", "Zm 9v", "Zm9v!", "=Zm9", "Zh==", "Zm9=", "Z", "Zm9vY",
		"Zg==Zg==",
	};
	char enc[64];
	u8 dec[64], big[1000], back[1000];

	for (unsigned i = 0; i < ARRAY_SIZE(vectors); i++) {
		size_t n = strlen(vectors[i].plain);
		ssize_t got;

		CHECK_EQ(qtest_b64_encode((const u8 *)vectors[i].plain, n, enc),
			 strlen(vectors[i].enc));
		CHECK_STREQ(enc, vectors[i].enc);
		got = qtest_b64_decode(vectors[i].enc, dec, sizeof(dec));
		CHECK_EQ(got, n);
		CHECK(!memcmp(dec, vectors[i].plain, n));
	}
	/* Unpadded input is accepted (GLib's decoder is lenient the same way). */
	CHECK_EQ(qtest_b64_decode("Zm8", dec, sizeof(dec)), 2);
	CHECK_EQ(qtest_b64_decode("Zg", dec, sizeof(dec)), 1);
	for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
		ssize_t got = qtest_b64_decode(bad[i], dec, sizeof(dec));

		if (got >= 0)
			fprintf(stderr, "b64 '%s' accepted\n", bad[i]);
		CHECK_EQ(got, -EINVAL);
	}
	CHECK_EQ(qtest_b64_decode("Zm9vYmFy", dec, 5), -E2BIG);
	CHECK_EQ(qtest_b64_decode("Zm9vYmFy", dec, 6), 6);

	/* Every length round-trips. */
	for (unsigned i = 0; i < sizeof(big); i++)
		big[i] = (u8)rand();
	for (size_t n = 0; n <= sizeof(big); n += (n < 20 ? 1 : 97)) {
		char *e = malloc(QTEST_B64_LEN(n) + 1);

		CHECK_EQ(qtest_b64_encode(big, n, e), QTEST_B64_LEN(n));
		CHECK_EQ(qtest_b64_decode(e, back, sizeof(back)), n);
		CHECK(!memcmp(big, back, n));
		free(e);
	}
}

int main(void)
{
	test_parse_u64();
	test_split();
	test_hex();
	test_b64();
	return check_done();
}
