/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Shared by the platform-device tests: a VM with no KVM (the device-harness
 * mode of vm_create) whose interrupt router records every line change, and
 * port I/O helpers that go through the PIO bus as a vCPU exit would.
 */
#ifndef IOVIRT_TEST_DEVTEST_H
#define IOVIRT_TEST_DEVTEST_H

#include <pthread.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "wait.h"
#include "iovirt/vm.h"

struct irq_rec {
	pthread_mutex_t lock;	/* guards everything below */
	int level[IRQ_NR_PINS];
	unsigned rises[IRQ_NR_PINS];
	unsigned falls[IRQ_NR_PINS];
	unsigned redundant;	/* set_line calls that did not change the level */
};

static int rec_set_line(void *o, unsigned gsi, int level)
{
	struct irq_rec *r = o;

	pthread_mutex_lock(&r->lock);
	if (gsi < IRQ_NR_PINS) {
		if (level && !r->level[gsi])
			r->rises[gsi]++;
		else if (!level && r->level[gsi])
			r->falls[gsi]++;
		else
			r->redundant++;
		r->level[gsi] = level;
	}
	pthread_mutex_unlock(&r->lock);
	return 0;
}

static int rec_set_routes(void *o, const struct irq_route *routes, unsigned nr)
{
	return 0;
}

static int rec_irqfd(void *o, unsigned gsi, int fd, bool assign)
{
	return 0;
}

static int rec_msi_send(void *o, u64 addr, u32 data)
{
	return 0;
}

static const struct irq_backend_ops rec_ops = {
	.set_line = rec_set_line,
	.set_routes = rec_set_routes,
	.irqfd = rec_irqfd,
	.msi_send = rec_msi_send,
};

static inline int rec_level(struct irq_rec *r, unsigned gsi)
{
	int l;

	pthread_mutex_lock(&r->lock);
	l = r->level[gsi];
	pthread_mutex_unlock(&r->lock);
	return l;
}

static inline unsigned rec_rises(struct irq_rec *r, unsigned gsi)
{
	unsigned n;

	pthread_mutex_lock(&r->lock);
	n = r->rises[gsi];
	pthread_mutex_unlock(&r->lock);
	return n;
}

/* A VM without KVM: buses, main loop, memory, and the recording router. */
static inline void devtest_vm(struct vm *vm, struct vm_config *cfg, struct irq_rec *rec)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->qtest = "stdio";
	cfg->mem_size = 64 * SZ_1M;
	memset(rec, 0, sizeof(*rec));
	pthread_mutex_init(&rec->lock, NULL);
	if (vm_create(vm, cfg)) {
		fprintf(stderr, "vm_create failed\n");
		exit(1);
	}
	irq_router_init(&vm->irq, &rec_ops, rec);
}

static inline void devtest_start_loop(struct vm *vm)
{
	if (evloop_start_thread(&vm->loop, &vm->loop_thread)) {
		fprintf(stderr, "cannot start the loop thread\n");
		exit(1);
	}
	vm->loop_running = true;
}

struct devtest_sync {
	int efd;
	unsigned seen;	/* rounds the loop has run our handler in */
};

static void devtest_sync_event(void *opaque, u32 events)
{
	struct devtest_sync *s = opaque;
	u64 v;

	if (read(s->efd, &v, sizeof(v)) < 0)
		return;
	/* The last access to *s: the waiter may free it once it sees the count. */
	__atomic_add_fetch(&s->seen, 1, __ATOMIC_SEQ_CST);
}

/*
 * Wait until the main loop (in its own thread) has dispatched everything that
 * was ready when this was called, and what that set off in turn (a kick
 * eventfd written by a handler): two rounds through the loop behind an eventfd
 * of our own. After it, "the loop did not do X" is a fact, not a guess about
 * how long it might take.
 */
static inline void devtest_loop_sync(struct vm *vm)
{
	struct devtest_sync s = { eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK), 0 };
	u64 one = 1;

	if (s.efd < 0 || evloop_add(&vm->loop, s.efd, EPOLLIN, devtest_sync_event, &s)) {
		fprintf(stderr, "cannot add the loop sync eventfd\n");
		exit(1);
	}
	for (unsigned round = 1; round <= 2; round++) {
		if (write(s.efd, &one, sizeof(one)) != sizeof(one))
			exit(1);
		CHECK(WAIT_UNTIL(__atomic_load_n(&s.seen, __ATOMIC_SEQ_CST) == round));
	}
	evloop_del(&vm->loop, s.efd);
	close(s.efd);
}

static inline u8 inb(struct vm *vm, u16 port)
{
	u8 v = 0;

	bus_read(&vm->pio, port, &v, 1);
	return v;
}

static inline void outb(struct vm *vm, u16 port, u8 v)
{
	bus_write(&vm->pio, port, &v, 1);
}

#endif
