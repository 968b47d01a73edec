// SPDX-License-Identifier: GPL-2.0-only
/*
 * Corpus replay without libFuzzer: feed every file named on the command line
 * (or every file in a directory named there) to LLVMFuzzerTestOneInput once.
 * meson test runs it over fuzz/corpus/<target>/, so each committed crash is
 * a regression test in every build, with or without clang.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "iovirt/types.h"

int LLVMFuzzerTestOneInput(const u8 *data, size_t size);

static int replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	u8 *buf = NULL;
	long n;

	if (!f) {
		perror(path);
		return 1;
	}
	if (fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET)) {
		fclose(f);
		return 1;
	}
	buf = malloc((size_t)n + 1);
	if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		fclose(f);
		return 1;
	}
	fclose(f);
	LLVMFuzzerTestOneInput(buf, (size_t)n);
	free(buf);
	return 0;
}

int main(int argc, char **argv)
{
	unsigned files = 0;
	int ret = 0;

	for (int i = 1; i < argc; i++) {
		struct stat st;
		DIR *d;
		struct dirent *e;

		if (stat(argv[i], &st)) {
			perror(argv[i]);
			return 1;
		}
		if (!S_ISDIR(st.st_mode)) {
			ret |= replay_file(argv[i]);
			files++;
			continue;
		}
		d = opendir(argv[i]);
		if (!d)
			return 1;
		while ((e = readdir(d))) {
			char path[4096];

			if (e->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s", argv[i], e->d_name);
			ret |= replay_file(path);
			files++;
		}
		closedir(d);
	}
	fprintf(stderr, "replayed %u inputs\n", files);
	return files ? ret : 1;
}
