/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The libFuzzer entry point every fuzz_<target>.c defines. The same file is
 * linked either with libFuzzer (clang, -fsanitize=fuzzer) or with replay.c,
 * which feeds it the committed corpus under `meson test --suite fuzz`.
 */
#ifndef IOVIRT_FUZZ_H
#define IOVIRT_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A broken invariant: say which, then crash so libFuzzer (or the test) records it. */
#define FUZZ_ASSERT(cond)                                                                          \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, __LINE__,       \
				#cond);                                                            \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

#endif
