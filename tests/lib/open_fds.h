/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * How many fds this process has open (entries of /proc/self/fd, counting the
 * directory's own fd and . and ..: compare two counts, never one). Tests and
 * fuzz targets use it to show that a closed connection leaks no fd.
 */
#ifndef IOVIRT_TEST_OPEN_FDS_H
#define IOVIRT_TEST_OPEN_FDS_H

#include <dirent.h>
#include <stdlib.h>

static inline unsigned open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	unsigned n = 0;

	if (!d)
		abort(); /* /proc is required: a count of 0 would hide a leak */
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

#endif
