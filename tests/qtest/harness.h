/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Shared by the harness tests: pick the target from argv[1] ("iovirt" or
 * "qemu"), skip loudly when it cannot run here, and CHECK_SPEC — an assertion
 * about what a specification defines. It fails the test on iovirt; on QEMU a
 * violation is printed as "NOTE: QEMU deviates from <spec>: ..." and does not
 * fail: where QEMU and the specification disagree, the specification wins and
 * the test says so.
 */
#ifndef IOVIRT_TEST_HARNESS_H
#define IOVIRT_TEST_HARNESS_H

#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "check.h"
#include "qtest_client.h"

static int spec_notes;

static inline enum qtest_target harness_target(int argc, char **argv)
{
	enum qtest_target t;
	char why[256];

	if (argc < 2 || (strcmp(argv[1], "iovirt") && strcmp(argv[1], "qemu"))) {
		fprintf(stderr, "usage: %s iovirt|qemu\n", argv[0]);
		exit(2);
	}
	t = strcmp(argv[1], "qemu") ? QTEST_IOVIRT : QTEST_QEMU;
	if (!qtest_target_available(t, why, sizeof(why)))
		CHECK_SKIP("%s", why);
	return t;
}

#define CHECK_SPEC(s, cond, ref, ...)                                                              \
	do {                                                                                       \
		check_count++;                                                                     \
		if (!(cond)) {                                                                     \
			if (qtest_is_qemu(s)) {                                                    \
				spec_notes++;                                                      \
				fprintf(stderr, "NOTE: QEMU deviates from %s: ", ref);             \
			} else {                                                                   \
				check_failures++;                                                  \
				fprintf(stderr, "%s:%d: %s violated: ", __FILE__, __LINE__, ref);  \
			}                                                                          \
			fprintf(stderr, __VA_ARGS__);                                              \
			fputc('\n', stderr);                                                       \
		}                                                                                  \
	} while (0)

/*
 * End the session. iovirt must then exit by itself with status 0 — which also
 * catches a sanitizer report or a leak at its teardown.
 */
static inline int harness_done(struct qtest_state *s)
{
	bool is_iovirt = !qtest_is_qemu(s);
	int status;

	if (spec_notes)
		fprintf(stderr, "%d place(s) where QEMU deviates from a specification (noted, "
				"not failed)\n", spec_notes);
	status = qtest_quit(s);
	if (is_iovirt) {
		check_count++;
		if (status < 0 || !WIFEXITED(status) || WEXITSTATUS(status)) {
			check_failures++;
			fprintf(stderr, "iovirt did not exit cleanly after the session (status %d)\n",
				status);
		}
	}
	return check_done();
}

#endif
