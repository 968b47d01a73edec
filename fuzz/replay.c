// SPDX-License-Identifier: GPL-2.0-only
/*
 * Runs a libFuzzer target without libFuzzer, so `meson test` exercises every
 * fuzz target with any compiler: each file in the corpus directories given
 * on the command line, then a fixed number of inputs made by a seeded
 * generator: mutations of the corpus files (a few bytes changed, a cut, a
 * splice), or random bytes when there is no corpus. Deterministic: a
 * failure reproduces with the same seed.
 * Usage: <target>-replay [-n N] [-s SEED] [corpus-dir-or-file ...]
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_SEEDS	 256
#define REPLAY_MAX_INPUT 65536

static uint8_t *seeds[MAX_SEEDS];
static size_t seed_len[MAX_SEEDS];
static unsigned nseeds;

static unsigned run_file(const char *path)
{
	uint8_t *buf = malloc(REPLAY_MAX_INPUT);
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f || !buf) {
		free(buf);
		if (f)
			fclose(f);
		return 0;
	}
	n = fread(buf, 1, REPLAY_MAX_INPUT, f);
	fclose(f);
	LLVMFuzzerTestOneInput(buf, n);
	if (nseeds < MAX_SEEDS) {
		seeds[nseeds] = buf;
		seed_len[nseeds++] = n;
	} else {
		free(buf);
	}
	return 1;
}

static unsigned run_path(const char *path)
{
	struct stat st;
	unsigned n = 0;
	DIR *d;
	struct dirent *e;

	if (stat(path, &st) < 0)
		return 0;
	if (!S_ISDIR(st.st_mode))
		return run_file(path);
	d = opendir(path);
	while (d && (e = readdir(d))) {
		char p[4096];

		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s", path, e->d_name);
		n += run_file(p);
	}
	if (d)
		closedir(d);
	return n;
}

/* xorshift64*: small, seeded, and the same everywhere. */
static uint64_t next(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dull;
}

int main(int argc, char **argv)
{
	unsigned long count = 2000, files = 0;
	uint64_t seed = 0x1234567;
	static uint8_t buf[REPLAY_MAX_INPUT];
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-n") && i + 1 < argc)
			count = strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "-s") && i + 1 < argc)
			seed = strtoull(argv[++i], NULL, 0);
		else
			files += run_path(argv[i]);
	}
	for (unsigned long k = 0; k < count; k++) {
		size_t len;

		if (!nseeds || next(&seed) % 8 == 0) {
			len = next(&seed) % 4096;
			for (size_t j = 0; j < len; j++)
				buf[j] = (uint8_t)next(&seed);
		} else {
			unsigned s = (unsigned)(next(&seed) % nseeds), flips;

			len = seed_len[s];
			memcpy(buf, seeds[s], len);
			if (len && next(&seed) % 4 == 0)
				len = next(&seed) % len; /* cut */
			flips = 1 + (unsigned)(next(&seed) % 8);
			for (unsigned j = 0; j < flips && len; j++)
				buf[next(&seed) % len] ^= (uint8_t)(1u << (next(&seed) % 8));
			if (len && next(&seed) % 4 == 0)
				buf[next(&seed) % len] = (uint8_t)next(&seed);
		}
		LLVMFuzzerTestOneInput(buf, len);
	}
	printf("%lu corpus files, %lu generated inputs: no crash\n", files, count);
	return 0;
}
