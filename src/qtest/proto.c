// SPDX-License-Identifier: GPL-2.0-only
/*
 * Text helpers of the qtest protocol: strict number parsing, splitting a line
 * into words, and the two data encodings (0x-prefixed hex and base64). Every
 * input comes from the test client and is checked completely; nothing here
 * allocates or keeps state.
 */
#include <errno.h>

#include "iovirt/qtest.h"

int qtest_parse_u64(const char *s, u64 *out)
{
	unsigned base = 10;
	u64 v = 0;

	if (!s || !*s)
		return -EINVAL;
	/* strtoull(base 0) conventions, which QEMU's server uses: 0x hex, 0 octal. */
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
		if (!*s)
			return -EINVAL;
	} else if (s[0] == '0' && s[1]) {
		base = 8;
		s++;
	}
	for (; *s; s++) {
		int d = hex_digit_value(*s);

		if (d < 0 || (unsigned)d >= base)
			return -EINVAL;
		if (v > (~0ull - (unsigned)d) / base)
			return -ERANGE;
		v = v * base + (unsigned)d;
	}
	*out = v;
	return 0;
}

int qtest_split(char *line, char **words, unsigned max)
{
	unsigned n = 0;
	char *p = line;

	for (;;) {
		while (*p == ' ' || *p == '\t')
			*p++ = '\0';
		if (!*p)
			break;
		if (n == max)
			return -E2BIG;
		words[n++] = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
	}
	return (int)n;
}

int qtest_hex_decode(const char *s, u8 *out, size_t len)
{
	size_t ndig, i;

	if (s[0] != '0' || (s[1] != 'x' && s[1] != 'X'))
		return -EINVAL;
	s += 2;
	ndig = strlen(s);
	/* Whole bytes only; QEMU silently drops a trailing half byte. */
	if (ndig % 2)
		return -EINVAL;
	if (ndig / 2 > len)
		return -E2BIG;
	for (i = 0; i < ndig / 2; i++) {
		int hi = hex_digit_value(s[2 * i]), lo = hex_digit_value(s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -EINVAL;
		out[i] = (u8)(hi << 4 | lo);
	}
	/* Shorter data than SIZE is zero-filled (QEMU's documented behaviour). */
	memset(out + i, 0, len - i);
	return 0;
}

void qtest_hex_encode(const u8 *in, size_t len, char *out)
{
	static const char hex[] = "0123456789abcdef";

	for (size_t i = 0; i < len; i++) {
		out[2 * i] = hex[in[i] >> 4];
		out[2 * i + 1] = hex[in[i] & 0xf];
	}
	out[2 * len] = '\0';
}

static const char b64_alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t qtest_b64_encode(const u8 *in, size_t len, char *out)
{
	size_t o = 0, i;

	for (i = 0; i + 3 <= len; i += 3) {
		u32 v = (u32)in[i] << 16 | (u32)in[i + 1] << 8 | in[i + 2];

		out[o++] = b64_alphabet[v >> 18];
		out[o++] = b64_alphabet[(v >> 12) & 63];
		out[o++] = b64_alphabet[(v >> 6) & 63];
		out[o++] = b64_alphabet[v & 63];
	}
	if (len - i == 1) {
		u32 v = (u32)in[i] << 16;

		out[o++] = b64_alphabet[v >> 18];
		out[o++] = b64_alphabet[(v >> 12) & 63];
		out[o++] = '=';
		out[o++] = '=';
	} else if (len - i == 2) {
		u32 v = (u32)in[i] << 16 | (u32)in[i + 1] << 8;

		out[o++] = b64_alphabet[v >> 18];
		out[o++] = b64_alphabet[(v >> 12) & 63];
		out[o++] = b64_alphabet[(v >> 6) & 63];
		out[o++] = '=';
	}
	out[o] = '\0';
	return o;
}

static int b64_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

ssize_t qtest_b64_decode(const char *s, u8 *out, size_t max)
{
	size_t n = strlen(s), pad = 0, o = 0;
	u32 acc = 0;
	unsigned bits = 0;

	/* Padding: at most two '=' and only at the very end, completing a quantum. */
	while (pad < n && s[n - 1 - pad] == '=')
		pad++;
	if (pad > 2 || (pad && n % 4))
		return -EINVAL;
	n -= pad;
	/* A lone sextet cannot encode a byte. */
	if (n % 4 == 1)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		int v = b64_value(s[i]);

		if (v < 0)
			return -EINVAL;
		acc = acc << 6 | (u32)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (o == max)
				return -E2BIG;
			out[o++] = (u8)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	/* The unused low bits of the last sextet must be zero (canonical encoding). */
	if (acc)
		return -EINVAL;
	return (ssize_t)o;
}
