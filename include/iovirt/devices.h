/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The legacy PC platform devices: the 16550A UART, the i8042 keyboard
 * controller (no keyboard attached; it exists for Linux's probe and the
 * reset line) and the MC146818 CMOS RTC. Each creation function registers
 * the device on vm->pio and with vm_add_device() for destruction; the
 * machine (arch/x86/machine.c) decides ports, IRQs and order.
 */
#ifndef IOVIRT_DEVICES_H
#define IOVIRT_DEVICES_H

#include "types.h"

struct vm;
struct console;
struct uart;

/*
 * A 16550A at PIO [port, port+8), interrupt on IOAPIC pin `irq`. con may be
 * NULL: the UART then exists (the guest finds ttyS0) but its output goes
 * nowhere and it never receives. The UART attaches itself to con and
 * detaches on destruction; con must outlive it (create con first).
 */
int uart_create(struct vm *vm, u16 port, unsigned irq, struct console *con,
		struct uart **out) __must_check;

/* Counters, for tests and statistics. */
struct uart_stats {
	u64 tx_bytes;		/* bytes handed to the back-end */
	u64 rx_bytes;		/* bytes taken from the back-end */
	u64 overruns;		/* loopback bytes lost to a full RX FIFO (LSR.OE) */
	u64 tx_errors;		/* back-end write failures */
};
void uart_get_stats(struct uart *u, struct uart_stats *st);

/* The i8042 at 0x60/0x64: self-test, CTR, port tests, reset (0xFE). */
int i8042_create(struct vm *vm) __must_check;

/* The CMOS RTC at 0x70/0x71, IRQ_RTC: the host's UTC time at creation, then vm->clock. */
int rtc_create(struct vm *vm) __must_check;

/* The stdin/stdout console (registered with the VM for destruction). */
int console_stdio_create(struct vm *vm, struct console **out) __must_check;

#endif
