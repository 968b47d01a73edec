/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Logging. One line per message on stderr, prefixed with the level. Guest-caused
 * problems go through dev_warn_rl(): rate-limited, naming the device, counted —
 * a hostile guest must not be able to flood the host's log.
 */
#ifndef IOVIRT_LOG_H
#define IOVIRT_LOG_H

#include "types.h"

enum log_level { LOG_ERR, LOG_WARN, LOG_INFO, LOG_DEBUG };

void log_set_level(enum log_level l);
enum log_level log_get_level(void);
int log_parse_level(const char *s, enum log_level *out) __must_check;
void log_msg(enum log_level l, const char *fmt, ...) __printf(2, 3);

#define pr_err(...) log_msg(LOG_ERR, __VA_ARGS__)
#define pr_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define pr_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define pr_debug(...)                                                                              \
	do {                                                                                       \
		if (unlikely(log_get_level() >= LOG_DEBUG))                                        \
			log_msg(LOG_DEBUG, __VA_ARGS__);                                           \
	} while (0)

/* Fatal error before the guest starts: print "iovirt: <msg>" and exit(1). */
void die(const char *fmt, ...) __printf(1, 2) __noreturn;

/*
 * Rate limit for guest-caused warnings: at most `burst` lines per 5 s window;
 * `count` counts every event, printed or not.
 */
struct ratelimit {
	u64 window_start_ns;
	u32 printed;
	u32 burst;
	u64 suppressed;
	u64 count;
};

#define RATELIMIT_INIT { .burst = 10 }

void dev_warn_rl(struct ratelimit *rl, const char *dev, const char *fmt, ...) __printf(3, 4);

u64 clock_ns(void);

#endif
