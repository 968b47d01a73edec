// SPDX-License-Identifier: GPL-2.0-only
/*
 * UART throughput without KVM: guest→host bytes through THR exactly as
 * Linux's console does it (LSR poll, THR write) into a pipe drained by a
 * thread, and host→guest bytes through the main loop and the RX FIFO (RBR
 * reads while LSR.DR). Each is printed next to its reference measured in the
 * same run: one write(2) (resp. read(2)) per byte on the same kind of pipe,
 * the floor of any per-byte synchronous design. The VM exit itself (≈3 µs
 * here) is not included: this is the device's own cost.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "iovirt/console.h"
#include "iovirt/devices.h"
#include "iovirt/vm.h"

#define NBYTES (1u << 20)

static int nop_line(void *o, unsigned gsi, int level) { return 0; }
static int nop_routes(void *o, const struct irq_route *r, unsigned n) { return 0; }
static int nop_irqfd(void *o, unsigned gsi, int fd, bool a) { return 0; }
static int nop_msi(void *o, u64 a, u32 d) { return 0; }
static const struct irq_backend_ops nop_ops = { nop_line, nop_routes, nop_irqfd, nop_msi };

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *drain(void *arg)
{
	int fd = *(int *)arg;
	static u8 buf[65536];

	while (read(fd, buf, sizeof(buf)) > 0)
		;
	return NULL;
}

static void *feed(void *arg)
{
	int fd = *(int *)arg;
	static u8 buf[NBYTES];

	for (size_t off = 0; off < sizeof(buf);) {
		ssize_t n = write(fd, buf + off, sizeof(buf) - off);

		if (n <= 0)
			break;
		off += (size_t)n;
	}
	return NULL;
}

static void con_destroy(void *dev)
{
	console_destroy(dev);
}

static const struct vm_device_ops con_ops = { .name = "bench-console", .destroy = con_destroy };

int main(void)
{
	struct vm_config cfg = { .qtest = "stdio", .mem_size = 2 * SZ_1M };
	int out[2], in[2], ref[2];
	struct console *con;
	pthread_t th;
	struct vm vm;
	double t0, dev_tx, ref_tx, dev_rx, ref_rx;
	u8 v;

	if (pipe(out) || pipe(in) || vm_create(&vm, &cfg))
		return 1;
	irq_router_init(&vm.irq, &nop_ops, NULL);
	if (console_fd_create(&vm.loop, in[0], out[1], "bench", &con) ||
	    vm_add_device(&vm, &con_ops, con) || uart_create(&vm, 0x3f8, 4, con, NULL))
		return 1;
	if (evloop_start_thread(&vm.loop, &vm.loop_thread))
		return 1;
	vm.loop_running = true;
	v = 0xc7;	/* FIFO on, trigger 14 */
	bus_write(&vm.pio, 0x3fa, &v, 1);

	/* TX through the UART. */
	pthread_create(&th, NULL, drain, &out[0]);
	t0 = now_s();
	for (unsigned i = 0; i < NBYTES; i++) {
		do
			bus_read(&vm.pio, 0x3fd, &v, 1);
		while (!(v & 0x20));
		v = (u8)i;
		bus_write(&vm.pio, 0x3f8, &v, 1);
	}
	dev_tx = now_s() - t0;
	close(out[1]);
	pthread_join(th, NULL);

	/* TX reference: one write(2) per byte into a pipe. */
	if (pipe(ref))
		return 1;
	pthread_create(&th, NULL, drain, &ref[0]);
	t0 = now_s();
	for (unsigned i = 0; i < NBYTES; i++) {
		v = (u8)i;
		if (write(ref[1], &v, 1) != 1)
			return 1;
	}
	ref_tx = now_s() - t0;
	close(ref[1]);
	pthread_join(th, NULL);
	close(ref[0]);

	/* RX through the main loop and the FIFO. */
	pthread_create(&th, NULL, feed, &in[1]);
	t0 = now_s();
	for (unsigned got = 0; got < NBYTES;) {
		bus_read(&vm.pio, 0x3fd, &v, 1);
		if (!(v & 0x01))
			continue;
		bus_read(&vm.pio, 0x3f8, &v, 1);
		got++;
	}
	dev_rx = now_s() - t0;
	pthread_join(th, NULL);

	/* RX reference: one read(2) per byte from a pipe. */
	if (pipe(ref))
		return 1;
	pthread_create(&th, NULL, feed, &ref[1]);
	t0 = now_s();
	for (unsigned got = 0; got < NBYTES; got++)
		if (read(ref[0], &v, 1) != 1)
			return 1;
	ref_rx = now_s() - t0;
	pthread_join(th, NULL);

	printf("uart tx: %.2f MB/s, reference write(2) per byte %.2f MB/s, ratio %.2f\n",
	       NBYTES / dev_tx / 1e6, NBYTES / ref_tx / 1e6, ref_tx / dev_tx);
	printf("uart rx: %.2f MB/s, reference read(2) per byte %.2f MB/s, ratio %.2f\n",
	       NBYTES / dev_rx / 1e6, NBYTES / ref_rx / 1e6, ref_rx / dev_rx);
	vm_destroy(&vm);
	return 0;
}
