/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Waiting in tests for something another thread makes happen (an I/O thread
 * completing a request, the main loop reading a socket, the kernel delivering
 * a packet). A test never sleeps a fixed time and then asserts that the thing
 * happened: on a loaded machine any fixed time is too short. It waits for the
 * event itself, and the only bound is a hang detector (TEST_HANG_MS, far
 * beyond any load) that turns a device that never answers into a failure
 * instead of a test that never ends.
 *
 *	CHECK(WAIT_UNTIL(vdrv_status(v) & VIRTIO_CONFIG_S_NEEDS_RESET));
 *
 * The condition is re-evaluated with a backoff from a yield up to 1 ms
 * sleeps, so waiting costs little CPU and notices the event quickly.
 */
#ifndef IOVIRT_TEST_WAIT_H
#define IOVIRT_TEST_WAIT_H

#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#define TEST_HANG_MS 60000

struct test_wait {
	uint64_t deadline_ns;
	unsigned pause_us;
};

static inline uint64_t test_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static inline void test_wait_start(struct test_wait *w)
{
	w->deadline_ns = test_mono_ns() + TEST_HANG_MS * 1000000ull;
	w->pause_us = 0;
}

/* Pause a little before the next look; false once the hang bound has passed. */
static inline bool test_wait_more(struct test_wait *w)
{
	if (test_mono_ns() > w->deadline_ns)
		return false;
	if (w->pause_us < 8) {
		sched_yield();
		w->pause_us++;
	} else {
		usleep(w->pause_us);
		if (w->pause_us < 1000)
			w->pause_us *= 2;
	}
	return true;
}

/* Wait until cond holds; its value (false only after TEST_HANG_MS, with a message). */
#define WAIT_UNTIL(cond)                                                                           \
	__extension__({                                                                            \
		struct test_wait _w;                                                               \
		bool _ok;                                                                          \
		test_wait_start(&_w);                                                              \
		while (!(_ok = !!(cond)) && test_wait_more(&_w))                                   \
			;                                                                          \
		if (!_ok)                                                                          \
			fprintf(stderr, "%s:%d: still false after %d s: %s\n", __FILE__,          \
				__LINE__, TEST_HANG_MS / 1000, #cond);                             \
		_ok;                                                                               \
	})

#endif
