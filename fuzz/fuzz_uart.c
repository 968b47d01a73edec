// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target for the 16550 UART: a stream of guest register accesses
 * (any offset, width and value) mixed with host input deliveries. Checks,
 * after every step, what must hold whatever the guest does: the IRQ line is
 * high exactly when IIR names a pending interrupt, the back-end never gets
 * more input than the room the UART announced, and nothing is transmitted
 * to the host while the UART is in loopback.
 *
 * Input: 3-byte records [op, arg, val].
 *   op & 3 == 0: write `val` (replicated to the width) at offset arg & 7
 *   op & 3 == 1: read at offset arg & 7
 *   op & 3 == 2: the host sends (val & 31) bytes
 *   op & 3 == 3: check the line against IIR (reads IIR)
 * The width is 1, 2 or 4 from (op >> 2) % 3.
 */
#include <linux/serial_reg.h>
#include <stdlib.h>

#include "iovirt/console.h"
#include "iovirt/devices.h"
#include "iovirt/vm.h"

#define FUZZ_PORT 0x3f8
#define FUZZ_IRQ 4

struct fuzz_con {
	struct console con;
	struct console_port port;
	bool attached;
	u64 written;
};

/* The harness's world, built once: a bus and a router are all a UART needs. */
static struct vm fuzz_vm;
static struct fuzz_con fuzz_con;
static int fuzz_level;

static int fc_write(struct console *c, const void *buf, size_t len)
{
	fuzz_con.written += len;
	return 0;
}

static void fc_rx_ready(struct console *c)
{
}

static int fc_attach(struct console *c, const struct console_port *p)
{
	if (fuzz_con.attached)
		abort();
	fuzz_con.port = *p;
	fuzz_con.attached = true;
	return 0;
}

static void fc_detach(struct console *c)
{
	fuzz_con.attached = false;
}

static void fc_destroy(struct console *c)
{
}

static const struct console_ops fc_ops = {
	.write = fc_write,
	.rx_ready = fc_rx_ready,
	.attach = fc_attach,
	.detach = fc_detach,
	.destroy = fc_destroy,
};

static int fz_set_line(void *o, unsigned gsi, int level)
{
	if (gsi != FUZZ_IRQ)
		abort();
	fuzz_level = level;
	return 0;
}

static int fz_set_routes(void *o, const struct irq_route *r, unsigned nr)
{
	return 0;
}

static int fz_irqfd(void *o, unsigned gsi, int fd, bool assign)
{
	return 0;
}

static int fz_msi(void *o, u64 addr, u32 data)
{
	return 0;
}

static const struct irq_backend_ops fz_irq_ops = { fz_set_line, fz_set_routes, fz_irqfd, fz_msi };

int LLVMFuzzerTestOneInput(const u8 *data, size_t size);

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	static bool ready;
	struct uart *u;
	u8 host[32];

	if (!ready) {
		if (bus_init(&fuzz_vm.pio, "pio"))
			abort();
		irq_router_init(&fuzz_vm.irq, &fz_irq_ops, NULL);
		fuzz_con.con.ops = &fc_ops;
		fuzz_con.con.name = "fuzz";
		ready = true;
	}
	fuzz_level = 0;
	fuzz_con.written = 0;
	fuzz_vm.nr_devices = 0;
	if (uart_create(&fuzz_vm, FUZZ_PORT, FUZZ_IRQ, &fuzz_con.con, &u))
		abort();
	for (size_t i = 0; i + 3 <= size; i += 3) {
		u8 op = data[i], off = data[i + 1] & 7, val = data[i + 2];
		unsigned len = (unsigned[]){ 1, 2, 4 }[(op >> 2) % 3];
		u32 v = val * 0x01010101u;

		switch (op & 3) {
		case 0: {
			u8 mcr = 0;
			u64 before = fuzz_con.written;

			bus_read(&fuzz_vm.pio, FUZZ_PORT + UART_MCR, &mcr, 1);
			bus_write(&fuzz_vm.pio, FUZZ_PORT + off, &v, len);
			/* A THR byte written in loopback must not reach the host. */
			if ((mcr & UART_MCR_LOOP) && off == UART_TX && len == 1 &&
			    fuzz_con.written != before)
				abort();
			break;
		}
		case 1:
			bus_read(&fuzz_vm.pio, FUZZ_PORT + off, &v, len);
			break;
		case 2: {
			size_t n = val & 31, room, took;

			for (size_t k = 0; k < n; k++)
				host[k] = (u8)(val + k);
			room = fuzz_con.port.rx_room(fuzz_con.port.opaque);
			took = fuzz_con.port.rx(fuzz_con.port.opaque, host, MIN(n, room));
			if (took > room || room > 16)
				abort();
			break;
		}
		default: {
			int level = fuzz_level;
			u8 iir = 0;

			bus_read(&fuzz_vm.pio, FUZZ_PORT + UART_IIR, &iir, 1);
			if (level != !(iir & UART_IIR_NO_INT))
				abort();
			break;
		}
		}
	}
	/* Tear down as the VM would. */
	while (fuzz_vm.nr_devices) {
		struct vm_device *d = &fuzz_vm.devices[--fuzz_vm.nr_devices];

		d->ops->destroy(d->dev);
	}
	if (fuzz_con.attached)
		abort();
	return 0;
}
