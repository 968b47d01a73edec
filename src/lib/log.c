// SPDX-License-Identifier: GPL-2.0-only
/*
 * Logging to stderr. Lines are written with one write(2) so that messages from
 * different threads never interleave mid-line.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "iovirt/log.h"

/* The only process-wide setting; written once at start-up, read everywhere. */
static enum log_level cur_level = LOG_WARN;

static const char *const level_names[] = { "error", "warn", "info", "debug" };

void log_set_level(enum log_level l)
{
	cur_level = l;
}

enum log_level log_get_level(void)
{
	return cur_level;
}

int log_parse_level(const char *s, enum log_level *out)
{
	for (unsigned i = 0; i < ARRAY_SIZE(level_names); i++) {
		if (!strcmp(s, level_names[i])) {
			*out = (enum log_level)i;
			return 0;
		}
	}
	return -EINVAL;
}

static __attribute__((format(printf, 2, 0))) void log_vmsg(enum log_level l, const char *fmt,
								   va_list ap)
{
	char buf[1024];
	int n;

	n = snprintf(buf, sizeof(buf), "iovirt: %s: ", level_names[l]);
	n += vsnprintf(buf + n, sizeof(buf) - (size_t)n, fmt, ap);
	if (n >= (int)sizeof(buf) - 1)
		n = sizeof(buf) - 2;
	buf[n++] = '\n';
	if (write(STDERR_FILENO, buf, (size_t)n) < 0)
		return;
}

void log_msg(enum log_level l, const char *fmt, ...)
{
	va_list ap;

	if (l > cur_level)
		return;
	va_start(ap, fmt);
	log_vmsg(l, fmt, ap);
	va_end(ap);
}

void die(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = snprintf(buf, sizeof(buf), "iovirt: ");
	n += vsnprintf(buf + n, sizeof(buf) - (size_t)n, fmt, ap);
	va_end(ap);
	if (n >= (int)sizeof(buf) - 1)
		n = sizeof(buf) - 2;
	buf[n++] = '\n';
	if (write(STDERR_FILENO, buf, (size_t)n) < 0)
		exit(1);
	exit(1);
}

u64 clock_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * 1000000000ull + (u64)ts.tv_nsec;
}

void dev_warn_rl(struct ratelimit *rl, const char *dev, const char *fmt, ...)
{
	char msg[768];
	u64 now = clock_ns();
	va_list ap;

	/* Counted without a lock: a lost increment only makes the statistic approximate. */
	rl->count++;
	if (now - rl->window_start_ns > 5000000000ull) {
		if (rl->suppressed)
			pr_warn("%s: %llu similar messages suppressed", dev,
				(unsigned long long)rl->suppressed);
		rl->window_start_ns = now;
		rl->printed = 0;
		rl->suppressed = 0;
	}
	if (rl->printed >= (rl->burst ? rl->burst : 10)) {
		rl->suppressed++;
		return;
	}
	rl->printed++;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	pr_warn("%s: %s", dev, msg);
}
