// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for the vswitch's MAC table (src/vhost/progs/sw_mac.c):
 * learning and lookup, an address that moves to another port, ageing, group
 * addresses never learned, a port's addresses flushed, a table fuller than
 * its capacity (the newest addresses stay, the count stays bounded), and
 * lookups racing learners on other threads.
 */
#include <pthread.h>

#include "check.h"
#include "../../src/vhost/progs/sw.h"

#define SEC 1000000000ull

static struct sw_mac_table t;

static void mac_of(u32 n, u8 m[6])
{
	m[0] = 0x02; /* locally administered unicast */
	m[1] = 0x00;
	m[2] = (u8)(n >> 24);
	m[3] = (u8)(n >> 16);
	m[4] = (u8)(n >> 8);
	m[5] = (u8)n;
}

static void test_learn_lookup(void)
{
	u8 a[6], b[6];

	sw_mac_init(&t, 300 * SEC);
	mac_of(1, a);
	mac_of(2, b);
	CHECK_EQ(sw_mac_lookup(&t, a, SEC), SW_PORT_NONE);
	sw_mac_learn(&t, a, 3, SEC);
	sw_mac_learn(&t, b, 0, SEC);
	CHECK_EQ(sw_mac_lookup(&t, a, 2 * SEC), 3);
	CHECK_EQ(sw_mac_lookup(&t, b, 2 * SEC), 0);
	CHECK_EQ(sw_mac_count(&t, 2 * SEC), 2);
	/* Seen on another port: it moved. */
	sw_mac_learn(&t, a, 5, 3 * SEC);
	CHECK_EQ(sw_mac_lookup(&t, a, 3 * SEC), 5);
	CHECK_EQ(atomic_load(&t.moved), 1);
	CHECK_EQ(sw_mac_count(&t, 3 * SEC), 2);
	/* Port 31 (the largest) round-trips through the key encoding. */
	sw_mac_learn(&t, b, SW_MAX_PORTS - 1, 3 * SEC);
	CHECK_EQ(sw_mac_lookup(&t, b, 3 * SEC), SW_MAX_PORTS - 1);
	sw_mac_destroy(&t);
}

static void test_group_not_learned(void)
{
	u8 bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	u8 mcast[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 };

	sw_mac_init(&t, 300 * SEC);
	sw_mac_learn(&t, bcast, 1, SEC);
	sw_mac_learn(&t, mcast, 1, SEC);
	CHECK_EQ(sw_mac_lookup(&t, bcast, SEC), SW_PORT_NONE);
	CHECK_EQ(sw_mac_lookup(&t, mcast, SEC), SW_PORT_NONE);
	CHECK_EQ(sw_mac_count(&t, SEC), 0);
	sw_mac_destroy(&t);
}

static void test_ageing(void)
{
	u8 a[6], b[6];

	sw_mac_init(&t, 10 * SEC);
	mac_of(7, a);
	mac_of(8, b);
	sw_mac_learn(&t, a, 1, 100 * SEC);
	sw_mac_learn(&t, b, 2, 100 * SEC);
	CHECK_EQ(sw_mac_lookup(&t, a, 110 * SEC), 1);
	/* Refreshed by traffic at 105 s (more than a second later): alive at 114 s. */
	sw_mac_learn(&t, b, 2, 105 * SEC);
	CHECK_EQ(sw_mac_lookup(&t, a, 111 * SEC), SW_PORT_NONE);
	CHECK_EQ(sw_mac_lookup(&t, b, 114 * SEC), 2);
	CHECK_EQ(sw_mac_count(&t, 114 * SEC), 1);
	CHECK_EQ(sw_mac_lookup(&t, b, 116 * SEC), SW_PORT_NONE);
	/* An aged address comes back when seen again. */
	sw_mac_learn(&t, a, 3, 200 * SEC);
	CHECK_EQ(sw_mac_lookup(&t, a, 200 * SEC), 3);
	sw_mac_destroy(&t);
}

static void test_flush_port(void)
{
	u8 m[6];

	sw_mac_init(&t, 300 * SEC);
	for (u32 i = 0; i < 100; i++) {
		mac_of(i, m);
		sw_mac_learn(&t, m, (int)(i % 3), SEC);
	}
	CHECK_EQ(sw_mac_count(&t, SEC), 100);
	sw_mac_flush_port(&t, 1);
	CHECK_EQ(sw_mac_count(&t, SEC), 100 - 33);
	for (u32 i = 0; i < 100; i++) {
		mac_of(i, m);
		CHECK_EQ(sw_mac_lookup(&t, m, SEC), i % 3 == 1 ? SW_PORT_NONE : (int)(i % 3));
	}
	sw_mac_destroy(&t);
}

/* More addresses than ways: older ones are evicted, newer ones found, count bounded. */
static void test_overflow(void)
{
	const u32 n = 3 * SW_MAC_BUCKETS * SW_MAC_WAYS;
	unsigned found = 0;
	u8 m[6];

	sw_mac_init(&t, 300 * SEC);
	for (u32 i = 0; i < n; i++) {
		mac_of(i, m);
		sw_mac_learn(&t, m, 1, SEC + i);
	}
	CHECK(sw_mac_count(&t, 2 * SEC) <= SW_MAC_BUCKETS * SW_MAC_WAYS);
	CHECK(atomic_load(&t.evicted) >= n - SW_MAC_BUCKETS * SW_MAC_WAYS);
	/* The last one learned is always there (it evicted the oldest of its bucket). */
	mac_of(n - 1, m);
	CHECK_EQ(sw_mac_lookup(&t, m, 2 * SEC), 1);
	for (u32 i = n - 512; i < n; i++) {
		mac_of(i, m);
		found += sw_mac_lookup(&t, m, 2 * SEC) == 1;
	}
	/* The newest 512 spread over 1024 buckets of 4: nearly all survive. */
	CHECK(found > 500);
	sw_mac_destroy(&t);
}

static _Atomic bool stop;

static void *learner(void *arg)
{
	int port = (int)(uintptr_t)arg;
	u64 now = SEC;
	u8 m[6];

	while (!atomic_load(&stop)) {
		for (u32 i = 0; i < 64; i++) {
			mac_of(i, m);
			sw_mac_learn(&t, m, port, now);
		}
		now += SEC;
	}
	return NULL;
}

static void test_concurrent(void)
{
	pthread_t th[2];
	unsigned bad = 0;
	u8 m[6];

	sw_mac_init(&t, 1000000 * SEC);
	atomic_store(&stop, false);
	for (int i = 0; i < 2; i++)
		CHECK_EQ(pthread_create(&th[i], NULL, learner, (void *)(uintptr_t)(i + 4)), 0);
	for (u32 r = 0; r < 20000; r++) {
		int p;

		mac_of(r % 64, m);
		p = sw_mac_lookup(&t, m, 2 * SEC);
		/* Only ever a port some learner named, or unknown. */
		bad += p != SW_PORT_NONE && p != 4 && p != 5;
	}
	atomic_store(&stop, true);
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	CHECK_EQ(bad, 0);
	CHECK(sw_mac_count(&t, 2 * SEC) <= 64);
	sw_mac_destroy(&t);
}

int main(void)
{
	test_learn_lookup();
	test_group_not_learned();
	test_ageing();
	test_flush_port();
	test_overflow();
	test_concurrent();
	return check_done();
}
