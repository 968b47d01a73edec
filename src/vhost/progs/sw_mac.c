// SPDX-License-Identifier: GPL-2.0-only
/*
 * The vswitch's MAC table: which port each unicast address was last seen
 * behind, forgotten when not seen for the ageing time. Every forwarding
 * worker looks up each frame's destination and learns each frame's source,
 * so lookups take no lock: the table is set-associative (a hash picks a
 * bucket of SW_MAC_WAYS entries, no probing beyond it) and an entry is two
 * atomic words. Writers — a new address, an address that moved to another
 * port, a port that went away — take the table mutex; an address already
 * known on the same port only has its time refreshed, at most once a second,
 * so a busy flow does not keep writing a shared cache line.
 */
#include "sw.h"

#define SW_MAC_REFRESH_NS 1000000000ull

static unsigned mac_bucket(u64 mac)
{
	/* Fibonacci hashing: the top bits of the product mix every byte of the address. */
	return (unsigned)((mac * 0x9e3779b97f4a7c15ull) >> 54) & (SW_MAC_BUCKETS - 1);
}

static u64 ent_key(u64 mac, int port)
{
	return mac << 16 | (u64)(port + 1);
}

void sw_mac_init(struct sw_mac_table *t, u64 age_ns)
{
	memset(t->ent, 0, sizeof(t->ent));
	pthread_mutex_init(&t->lock, NULL);
	t->age_ns = age_ns;
	atomic_init(&t->learned, 0);
	atomic_init(&t->moved, 0);
	atomic_init(&t->evicted, 0);
}

void sw_mac_destroy(struct sw_mac_table *t)
{
	pthread_mutex_destroy(&t->lock);
}

static bool ent_alive(const struct sw_mac_table *t, struct sw_mac_ent *e, u64 now)
{
	u64 seen = atomic_load_explicit(&e->seen, memory_order_relaxed);

	return now < seen || now - seen <= t->age_ns;
}

/* The entry holding mac in its bucket (alive or not), with its key; NULL when absent. */
static struct sw_mac_ent *ent_find(struct sw_mac_table *t, u64 mac, u64 *key)
{
	struct sw_mac_ent *b = t->ent[mac_bucket(mac)];

	for (unsigned i = 0; i < SW_MAC_WAYS; i++) {
		/* Acquire: pairs with the writer's release, so `seen` is at least as new. */
		u64 k = atomic_load_explicit(&b[i].key, memory_order_acquire);

		if (k && k >> 16 == mac) {
			*key = k;
			return &b[i];
		}
	}
	return NULL;
}

int sw_mac_lookup(struct sw_mac_table *t, const u8 mac[6], u64 now)
{
	struct sw_mac_ent *e;
	u64 key;

	e = ent_find(t, sw_mac48(mac), &key);
	if (!e || !ent_alive(t, e, now))
		return SW_PORT_NONE;
	return (int)(key & 0xffff) - 1;
}

void sw_mac_learn(struct sw_mac_table *t, const u8 mac[6], int port, u64 now)
{
	u64 m = sw_mac48(mac), key, want = ent_key(m, port);
	struct sw_mac_ent *e, *b, *victim = NULL;

	/* A group address is never a frame's source (IEEE 802.3 §3.2.3): nothing to learn. */
	if (mac[0] & 1)
		return;
	e = ent_find(t, m, &key);
	if (e && key == want) {
		if (now > atomic_load_explicit(&e->seen, memory_order_relaxed) + SW_MAC_REFRESH_NS)
			atomic_store_explicit(&e->seen, now, memory_order_relaxed);
		return;
	}

	pthread_mutex_lock(&t->lock);
	e = ent_find(t, m, &key);
	if (e) {
		/* Moved to another port (a guest migrated, or a loop): follow it. */
		if (key != want)
			atomic_fetch_add_explicit(&t->moved, 1, memory_order_relaxed);
		victim = e;
	} else {
		/* A free way, else an aged one, else the least recently seen. */
		b = t->ent[mac_bucket(m)];
		for (unsigned i = 0; i < SW_MAC_WAYS && !victim; i++)
			if (!atomic_load_explicit(&b[i].key, memory_order_relaxed))
				victim = &b[i];
		for (unsigned i = 0; i < SW_MAC_WAYS && !victim; i++)
			if (!ent_alive(t, &b[i], now))
				victim = &b[i];
		if (!victim) {
			victim = &b[0];
			for (unsigned i = 1; i < SW_MAC_WAYS; i++)
				if (atomic_load_explicit(&b[i].seen, memory_order_relaxed) <
				    atomic_load_explicit(&victim->seen, memory_order_relaxed))
					victim = &b[i];
			atomic_fetch_add_explicit(&t->evicted, 1, memory_order_relaxed);
		}
		atomic_fetch_add_explicit(&t->learned, 1, memory_order_relaxed);
	}
	/* Time first, key last (release): a reader that sees the key sees this time. */
	atomic_store_explicit(&victim->seen, now, memory_order_relaxed);
	atomic_store_explicit(&victim->key, want, memory_order_release);
	pthread_mutex_unlock(&t->lock);
}

void sw_mac_flush_port(struct sw_mac_table *t, int port)
{
	pthread_mutex_lock(&t->lock);
	for (unsigned b = 0; b < SW_MAC_BUCKETS; b++)
		for (unsigned i = 0; i < SW_MAC_WAYS; i++) {
			u64 k = atomic_load_explicit(&t->ent[b][i].key, memory_order_relaxed);

			if (k && (int)(k & 0xffff) - 1 == port)
				atomic_store_explicit(&t->ent[b][i].key, 0, memory_order_release);
		}
	pthread_mutex_unlock(&t->lock);
}

unsigned sw_mac_count(struct sw_mac_table *t, u64 now)
{
	unsigned n = 0;

	for (unsigned b = 0; b < SW_MAC_BUCKETS; b++)
		for (unsigned i = 0; i < SW_MAC_WAYS; i++)
			if (atomic_load_explicit(&t->ent[b][i].key, memory_order_acquire) &&
			    ent_alive(t, &t->ent[b][i], now))
				n++;
	return n;
}
