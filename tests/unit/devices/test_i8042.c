// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for src/devices/i8042.c, following Linux's i8042 driver
 * (drivers/input/serio/i8042.c): flush, controller self-test, CTR read/write,
 * MUX detection, the AUX loop/port/IRQ tests, a byte sent to the absent
 * keyboard, and reboot through 0xFE and through the output port; plus a
 * hostile stream of every command.
 */
#include "devtest.h"
#include "iovirt/devices.h"
#include "iovirt/layout.h"

#define DATA PIO_I8042_DATA
#define CMD PIO_I8042_CMD
#define STR_OBF 0x01
#define STR_IBF 0x02
#define STR_SYS 0x04
#define STR_KEYLOCK 0x10
#define STR_AUXDATA 0x20
#define STR_TIMEOUT 0x40
#define CTR_KBDINT 0x01
#define CTR_AUXINT 0x02
#define CTR_KBDDIS 0x10
#define CTR_AUXDIS 0x20
#define CTR_XLATE 0x40

/* i8042_flush(): read while OBF, at most 16 (I8042_BUFFER_SIZE). */
static int flush(struct vm *vm)
{
	int n = 0;

	while ((inb(vm, CMD) & STR_OBF) && n < 16) {
		inb(vm, DATA);
		n++;
	}
	return n;
}

/*
 * __i8042_command(): wait for !IBF, write the command, the parameter bytes,
 * then read the answers; -1 when OBF never comes (Linux: a 500 ms timeout).
 */
static int command(struct vm *vm, u8 *param, unsigned cmd)
{
	unsigned send = (cmd >> 12) & 0xf, recv = (cmd >> 8) & 0xf;

	CHECK(!(inb(vm, CMD) & STR_IBF));
	outb(vm, CMD, cmd & 0xff);
	for (unsigned i = 0; i < send; i++) {
		CHECK(!(inb(vm, CMD) & STR_IBF));
		outb(vm, DATA, param[i]);
	}
	for (unsigned i = 0; i < recv; i++) {
		u8 st = inb(vm, CMD);

		if (!(st & STR_OBF))
			return -1;
		if ((cmd & 0xff) == 0xd3 && !(st & STR_AUXDATA))
			return -2;
		param[i] = inb(vm, DATA);
	}
	return 0;
}

static void test_linux_probe(void)
{
	struct vm vm;
	struct vm_config cfg;
	struct irq_rec rec;
	u8 p, ctr;

	devtest_vm(&vm, &cfg, &rec);
	CHECK_EQ(i8042_create(&vm), 0);
	/* i8042_controller_check() */
	CHECK(flush(&vm) < 16);
	CHECK_EQ(inb(&vm, CMD), STR_SYS | STR_KEYLOCK);	/* not keylocked: no warning */
	/* i8042_controller_selftest() */
	CHECK_EQ(command(&vm, &p, 0x01aa), 0);
	CHECK_EQ(p, 0x55);
	/* i8042_controller_init(): two equal CTR reads, then a write back. */
	CHECK_EQ(command(&vm, &ctr, 0x0120), 0);
	CHECK_EQ(command(&vm, &p, 0x0120), 0);
	CHECK_EQ(p, ctr);
	CHECK(ctr & CTR_XLATE);
	ctr |= CTR_KBDDIS;
	ctr &= ~CTR_KBDINT;
	CHECK_EQ(command(&vm, &ctr, 0x1060), 0);
	CHECK_EQ(command(&vm, &p, 0x0120), 0);
	CHECK_EQ(p, ctr);
	/* i8042_check_mux(): the third loop byte comes back unchanged: no MUX. */
	p = 0xf0;
	CHECK_EQ(command(&vm, &p, 0x11d3), 0);
	CHECK_EQ(p, 0xf0);
	p = 0x56;
	CHECK_EQ(command(&vm, &p, 0x11d3), 0);
	CHECK_EQ(p, 0x56);
	p = 0xa4;
	CHECK_EQ(command(&vm, &p, 0x11d3), 0);
	CHECK_EQ(p, 0xa4);
	/* i8042_check_aux(): loop works, port tests pass, AUXDIS follows A7/A8. */
	p = 0x5a;
	CHECK_EQ(command(&vm, &p, 0x11d3), 0);
	CHECK_EQ(p, 0x5a);
	CHECK_EQ(command(&vm, &p, 0x01a9), 0);
	CHECK_EQ(p, 0x00);
	CHECK_EQ(command(&vm, &p, 0x01ab), 0);
	CHECK_EQ(p, 0x00);
	CHECK_EQ(command(&vm, NULL, 0x00a7), 0);
	CHECK_EQ(command(&vm, &p, 0x0120), 0);
	CHECK(p & CTR_AUXDIS);
	CHECK_EQ(command(&vm, NULL, 0x00a8), 0);
	CHECK_EQ(command(&vm, &p, 0x0120), 0);
	CHECK(!(p & CTR_AUXDIS));
	/* The AUX IRQ test: AUXINT on, loop 0xa5, IRQ 12 must fire. */
	ctr = p | CTR_AUXINT;
	CHECK_EQ(command(&vm, &ctr, 0x1060), 0);
	CHECK_EQ(rec_level(&rec, 12), 0);
	p = 0xa5;
	CHECK_EQ(command(&vm, &p, 0x10d3), 0);	/* sent without waiting for the answer */
	CHECK_EQ(rec_level(&rec, 12), 1);
	CHECK_EQ(rec_level(&rec, 1), 0);
	CHECK_EQ(inb(&vm, CMD) & (STR_OBF | STR_AUXDATA), STR_OBF | STR_AUXDATA);
	CHECK_EQ(inb(&vm, DATA), 0xa5);
	CHECK_EQ(rec_level(&rec, 12), 0);
	/* A mouse command gets "no device": 0xfe with TIMEOUT, on IRQ 12. */
	p = 0xf2;
	CHECK_EQ(command(&vm, &p, 0x10d4), 0);
	CHECK_EQ(inb(&vm, CMD) & (STR_OBF | STR_AUXDATA | STR_TIMEOUT),
		 STR_OBF | STR_AUXDATA | STR_TIMEOUT);
	CHECK_EQ(rec_level(&rec, 12), 1);
	CHECK_EQ(inb(&vm, DATA), 0xfe);
	/* i8042_enable_kbd_port() then a keyboard command: NAK on IRQ 1. */
	ctr = (ctr & ~CTR_KBDDIS) | CTR_KBDINT;
	CHECK_EQ(command(&vm, &ctr, 0x1060), 0);
	outb(&vm, DATA, 0xf2);	/* ATKBD_CMD_GETID */
	CHECK_EQ(inb(&vm, CMD) & (STR_OBF | STR_AUXDATA | STR_TIMEOUT), STR_OBF | STR_TIMEOUT);
	CHECK_EQ(rec_level(&rec, 1), 1);
	CHECK_EQ(inb(&vm, DATA), 0xfe);
	CHECK_EQ(rec_level(&rec, 1), 0);
	/* Two bytes queued: the line drops and rises again between them (edges). */
	{
		unsigned rises = rec_rises(&rec, 1);

		outb(&vm, CMD, 0x20);
		outb(&vm, CMD, 0xaa);
		CHECK_EQ(rec_rises(&rec, 1), rises + 1);
		CHECK_EQ(inb(&vm, DATA), ctr);
		CHECK_EQ(rec_rises(&rec, 1), rises + 2);
		CHECK_EQ(inb(&vm, DATA), 0x55);
		CHECK_EQ(rec_level(&rec, 1), 0);
	}
	/* An empty output buffer reads without harm. */
	inb(&vm, DATA);
	CHECK_EQ(vm.stop_reason, VM_STOP_NONE);
	/* Reboot: i8042 pulse of the reset line. */
	outb(&vm, CMD, 0xfe);
	CHECK_EQ(vm.stop_reason, VM_STOP_RESET);
	vm_destroy(&vm);
}

static void test_output_port_reset(void)
{
	struct vm vm;
	struct vm_config cfg;
	struct irq_rec rec;
	u8 p;

	devtest_vm(&vm, &cfg, &rec);
	CHECK_EQ(i8042_create(&vm), 0);
	CHECK_EQ(command(&vm, &p, 0x01d0), 0);
	CHECK_EQ(p & 0x03, 0x03);	/* reset line high, A20 on */
	p = 0x03;	/* writing it unchanged does nothing */
	CHECK_EQ(command(&vm, &p, 0x10d1), 0);
	outb(&vm, CMD, 0xff);	/* pulse nothing */
	CHECK_EQ(vm.stop_reason, VM_STOP_NONE);
	p = 0x02;	/* reset line low */
	CHECK_EQ(command(&vm, &p, 0x10d1), 0);
	CHECK_EQ(vm.stop_reason, VM_STOP_RESET);
	vm_destroy(&vm);
}

static void test_hostile(void)
{
	struct vm vm;
	struct vm_config cfg;
	struct irq_rec rec;
	u64 seed = 12345;

	devtest_vm(&vm, &cfg, &rec);
	CHECK_EQ(i8042_create(&vm), 0);
	/* Every command with a random parameter; bytes never pile up past the flush limit. */
	for (unsigned c = 0; c < 256; c++) {
		outb(&vm, CMD, (u8)c);
		outb(&vm, DATA, (u8)(c * 37));
		CHECK(flush(&vm) < 16);
	}
	/* Nobody reads: the queue stays bounded. */
	for (int i = 0; i < 100; i++)
		outb(&vm, CMD, 0x20);
	CHECK(flush(&vm) < 16);
	/* Random bytes and widths on both ports; 0x61 in between is not ours. */
	for (int i = 0; i < 20000; i++) {
		u32 v;

		seed ^= seed << 13;
		seed ^= seed >> 7;
		seed ^= seed << 17;
		v = (u32)(seed >> 16);
		if (seed & 1)
			bus_write(&vm.pio, (seed & 2) ? DATA : CMD, &v, (seed & 4) ? 1 : 2);
		else
			bus_read(&vm.pio, (seed & 2) ? DATA : CMD, &v, (seed & 4) ? 1 : 2);
	}
	CHECK(flush(&vm) < 16);
	{
		u8 v;

		CHECK(!bus_read(&vm.pio, 0x61, &v, 1));
	}
	vm_destroy(&vm);
}

int main(void)
{
	test_linux_probe();
	test_output_port_reset();
	test_hostile();
	return check_done();
}
