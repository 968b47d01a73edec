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

/* The fuzzer's input, consumed from the front; past its end every byte reads 0. */
struct fuzz_in {
	const uint8_t *p;
	size_t n;
};

/* The next `bytes` (at most 8) bytes of the input as a little-endian number. */
static inline uint64_t fuzz_take(struct fuzz_in *in, unsigned bytes)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < bytes; i++) {
		v |= (uint64_t)(in->n ? *in->p : 0) << (8 * i);
		if (in->n) {
			in->p++;
			in->n--;
		}
	}
	return v;
}

#endif
