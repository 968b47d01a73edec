/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Shared by the platform-device tests: a VM with no KVM (the device-harness
 * mode of vm_create) whose interrupt router records every line change, and
 * port I/O helpers that go through the PIO bus as a vCPU exit would.
 */
#ifndef IOVIRT_TEST_DEVTEST_H
#define IOVIRT_TEST_DEVTEST_H

#include <pthread.h>
#include <time.h>

#include "check.h"
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

static inline u64 now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * 1000 + (u64)ts.tv_nsec / 1000000;
}

static inline void sleep_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

#endif
