/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Private to src/qtest/: the server object shared by the protocol engine
 * (server.c), its interrupt back-end (irq.c) and the transport (main.c).
 */
#ifndef IOVIRT_QTEST_INT_H
#define IOVIRT_QTEST_INT_H

#include <pthread.h>

#include "iovirt/evloop.h"
#include "iovirt/irq.h"
#include "iovirt/log.h"
#include "iovirt/qtest.h"

struct qtest_irqfd {
	struct qtest_server *s;
	unsigned gsi;
	int fd;
	bool active;
};

struct qtest_server {
	struct vm *vm;
	qtest_send_fn send;
	void *send_opaque;
	pthread_mutex_t out_lock;	/* guards send(): one whole line at a time */

	/* Line assembly: the server thread only. */
	char *in;
	size_t in_len, in_cap;
	bool in_discard;		/* dropping the rest of an overlong line */
	bool quit;			/* transport closed */

	/*
	 * The irqfds of MSI routes (what KVM would watch). Polled by the harness's
	 * loop and before every response; only the server thread runs it.
	 */
	struct evloop irq_loop;
	pthread_mutex_t irq_lock;	/* guards the fields below (set_line comes from any thread) */
	bool intercept_ioapic;
	bool intercept_msi;
	u8 level[IRQ_NR_PINS];		/* what devices drive */
	u8 reported[IRQ_NR_PINS];	/* what the client was told (QEMU reports changes only) */
	struct qtest_irqfd *irqfds[IRQ_MAX_GSI];
	struct ratelimit rl;

	struct qtest_stats stats;	/* atomics */
};

void qtest_send_raw(struct qtest_server *s, const char *buf, size_t len);
void qtest_sendf(struct qtest_server *s, const char *fmt, ...) __printf(2, 3);

int qtest_irq_init(struct qtest_server *s) __must_check;
void qtest_irq_destroy(struct qtest_server *s);
/* Deliver every MSI whose irqfd has been signalled. Server thread only. */
void qtest_irq_pump(struct qtest_server *s);
void qtest_irq_intercept(struct qtest_server *s);
void qtest_irq_intercept_msi(struct qtest_server *s);

#endif
