/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A minimal unit-test harness: CHECK* record a failure with file:line and go
 * on; check_done() prints the summary and gives the exit status meson reads
 * (0 pass, 1 fail, 77 skip).
 */
#ifndef IOVIRT_TEST_CHECK_H
#define IOVIRT_TEST_CHECK_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int check_failures;
static int check_count;

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		check_count++;                                                                     \
		if (!(cond)) {                                                                     \
			check_failures++;                                                          \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);   \
		}                                                                                  \
	} while (0)

#define CHECK_EQ(a, b)                                                                             \
	do {                                                                                       \
		unsigned long long _a = (unsigned long long)(a), _b = (unsigned long long)(b);     \
		check_count++;                                                                     \
		if (_a != _b) {                                                                    \
			check_failures++;                                                          \
			fprintf(stderr, "%s:%d: CHECK_EQ failed: %s == %s (0x%llx != 0x%llx)\n",   \
				__FILE__, __LINE__, #a, #b, _a, _b);                               \
		}                                                                                  \
	} while (0)

#define CHECK_STREQ(a, b)                                                                          \
	do {                                                                                       \
		const char *_a = (a), *_b = (b);                                                   \
		check_count++;                                                                     \
		if (!_a || !_b || strcmp(_a, _b)) {                                                \
			check_failures++;                                                          \
			fprintf(stderr, "%s:%d: CHECK_STREQ failed: \"%s\" != \"%s\"\n", __FILE__, \
				__LINE__, _a ? _a : "(null)", _b ? _b : "(null)");                 \
		}                                                                                  \
	} while (0)

/* Skip the whole test program, loudly, with the reason. */
#define CHECK_SKIP(...)                                                                            \
	do {                                                                                       \
		fprintf(stderr, "SKIPPED: ");                                                      \
		fprintf(stderr, __VA_ARGS__);                                                      \
		fprintf(stderr, "\n");                                                             \
		exit(77);                                                                          \
	} while (0)

static inline int check_done(void)
{
	fprintf(stderr, "%d checks, %d failed\n", check_count, check_failures);
	if (!check_count)
		return 1; /* a test that asserts nothing is a defect */
	return check_failures ? 1 : 0;
}

#endif
