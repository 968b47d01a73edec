// SPDX-License-Identifier: GPL-2.0-only
/*
 * The COM1 16550A's registers as the PC16550D datasheet defines them, the
 * same test against iovirt and QEMU: reset values, read/write and reserved
 * bits, the divisor latch, FIFO enable as IIR shows it, loopback (data and the
 * modem-status mirror with its delta bits), and interrupts on IOAPIC input 4
 * (THRE cleared by reading IIR, received data cleared by reading RBR).
 *
 * Usage: test_uart iovirt|qemu
 */
#include <linux/serial_reg.h>

#include "harness.h"

#define COM1 0x3f8
#define COM1_IRQ 4
#define STEP_NS 100000ull

static struct qtest_state *s;

static uint8_t in(unsigned reg)
{
	return qtest_inb(s, (uint16_t)(COM1 + reg));
}

static void out(unsigned reg, uint8_t v)
{
	qtest_outb(s, (uint16_t)(COM1 + reg), v);
}

/* Wait for LSR bits (transmission may take time on a target). */
static bool wait_lsr(uint8_t bits)
{
	return QTEST_WAIT_UNTIL(s, (in(UART_LSR) & bits) == bits, STEP_NS, 2000);
}

static void test_reset_values(void)
{
	CHECK_EQ(in(UART_IER), 0x00);
	CHECK_EQ(in(UART_IIR), UART_IIR_NO_INT);
	CHECK_EQ(in(UART_LCR), 0x00);
	{
		uint8_t mcr = in(UART_MCR);

		CHECK_SPEC(s, mcr == 0, "PC16550D reset (MCR all bits low after Master Reset)",
			   "MCR reads 0x%02x after reset", mcr);
		out(UART_MCR, 0);
	}
	CHECK_EQ(in(UART_LSR), UART_LSR_THRE | UART_LSR_TEMT);
	CHECK_EQ(in(UART_MSR) & 0x0f, 0); /* no deltas */
}

static void test_registers(void)
{
	/* Scratch: any value. */
	for (unsigned v = 0; v < 256; v += 0x55) {
		out(UART_SCR, (uint8_t)v);
		CHECK_EQ(in(UART_SCR), v);
	}
	/* LCR is fully read/write. */
	out(UART_LCR, 0x5b);
	CHECK_EQ(in(UART_LCR), 0x5b);
	out(UART_LCR, 0);
	/* IER[7:4] and MCR[7:5] are always 0. */
	out(UART_IER, 0xf0);
	CHECK_EQ(in(UART_IER), 0x00);
	out(UART_MCR, 0xe0);
	CHECK_EQ(in(UART_MCR), 0x00);
	/* The divisor latch behind DLAB; IER and RBR/THR come back after. */
	out(UART_LCR, UART_LCR_DLAB | UART_LCR_WLEN8);
	out(UART_DLL, 0x0c);
	out(UART_DLM, 0x01);
	CHECK_EQ(in(UART_DLL), 0x0c);
	CHECK_EQ(in(UART_DLM), 0x01);
	out(UART_LCR, UART_LCR_WLEN8);
	CHECK_EQ(in(UART_IER), 0x00);
	out(UART_LCR, UART_LCR_DLAB | UART_LCR_WLEN8);
	CHECK_EQ(in(UART_DLL), 0x0c);
	out(UART_DLL, 0x01);
	out(UART_DLM, 0x00);
	out(UART_LCR, UART_LCR_WLEN8);
	/* FIFO enable shows in IIR[7:6]. */
	out(UART_FCR, UART_FCR_ENABLE_FIFO);
	CHECK_EQ(in(UART_IIR) & 0xc0, 0xc0);
	out(UART_FCR, 0);
	CHECK_EQ(in(UART_IIR) & 0xc0, 0x00);
}

/*
 * Loopback with MCR's low bits `mcr`: the status bits must be `status`; the
 * delta bits `deltas` — the datasheet keeps modem-status interrupts working in
 * loopback, fed by MCR instead of the pins.
 */
static void loop_msr(uint8_t mcr, uint8_t status, uint8_t deltas)
{
	uint8_t msr;

	out(UART_MCR, UART_MCR_LOOP | mcr);
	msr = in(UART_MSR);
	CHECK_EQ(msr & 0xf0, status);
	CHECK_SPEC(s, (msr & 0x0f) == deltas,
		   "PC16550D MSR (delta bits track MCR in loopback)",
		   "MCR 0x%02x: MSR deltas 0x%x, want 0x%x", UART_MCR_LOOP | mcr, msr & 0x0f,
		   deltas);
}

static void test_loopback(void)
{
	/* MSR mirrors MCR in loopback: CTS=RTS, DSR=DTR, RI=OUT1, DCD=OUT2. */
	out(UART_MCR, UART_MCR_LOOP);
	in(UART_MSR); /* clear deltas */
	CHECK_EQ(in(UART_MSR), 0x00);
	loop_msr(0x0f, 0xf0, UART_MSR_DCTS | UART_MSR_DDSR | UART_MSR_DDCD);
	CHECK_EQ(in(UART_MSR), 0xf0);
	loop_msr(0x00, 0x00, UART_MSR_DCTS | UART_MSR_DDSR | UART_MSR_DDCD | UART_MSR_TERI);
	CHECK_EQ(in(UART_MSR), 0x00);
	loop_msr(UART_MCR_RTS, UART_MSR_CTS, UART_MSR_DCTS);
	loop_msr(UART_MCR_DTR, UART_MSR_DSR, UART_MSR_DDSR | UART_MSR_DCTS);

	/* A byte comes back; DR follows the receive buffer. */
	out(UART_MCR, UART_MCR_LOOP);
	out(UART_TX, 0x5a);
	CHECK(wait_lsr(UART_LSR_DR));
	CHECK_EQ(in(UART_RX), 0x5a);
	CHECK_EQ(in(UART_LSR) & UART_LSR_DR, 0);
	CHECK(wait_lsr(UART_LSR_THRE | UART_LSR_TEMT));

	/* With the FIFO on, 16 bytes come back in order. */
	out(UART_FCR, UART_FCR_ENABLE_FIFO | UART_FCR_CLEAR_RCVR | UART_FCR_CLEAR_XMIT);
	for (unsigned i = 0; i < 16; i++) {
		CHECK(wait_lsr(UART_LSR_THRE));
		out(UART_TX, (uint8_t)(0xa0 + i));
	}
	CHECK(wait_lsr(UART_LSR_TEMT));
	for (unsigned i = 0; i < 16; i++) {
		CHECK(in(UART_LSR) & UART_LSR_DR);
		CHECK_EQ(in(UART_RX), 0xa0 + i);
	}
	CHECK_EQ(in(UART_LSR) & UART_LSR_DR, 0);
	/* Clearing the receive FIFO drops what is in it. */
	out(UART_TX, 0x11);
	CHECK(wait_lsr(UART_LSR_DR | UART_LSR_TEMT));
	out(UART_FCR, UART_FCR_ENABLE_FIFO | UART_FCR_CLEAR_RCVR);
	CHECK_EQ(in(UART_LSR) & UART_LSR_DR, 0);
	out(UART_FCR, 0);
	out(UART_MCR, 0);
}

static void test_interrupts(void)
{
	qtest_irq_intercept_in(s, "ioapic");
	CHECK(!qtest_get_irq(s, COM1_IRQ));
	/* THR empty + THRI enabled: THRE interrupt (IIR 0x02). */
	out(UART_IER, UART_IER_THRI);
	CHECK(qtest_get_irq(s, COM1_IRQ));
	CHECK_EQ(in(UART_IIR), UART_IIR_THRI);
	/* Reading IIR with THRE as the source clears it (Table IV). */
	CHECK(!qtest_get_irq(s, COM1_IRQ));
	CHECK_EQ(in(UART_IIR), UART_IIR_NO_INT);
	/* Re-enabling THRI with THR still empty raises it again. */
	out(UART_IER, 0);
	out(UART_IER, UART_IER_THRI);
	CHECK(qtest_get_irq(s, COM1_IRQ));
	out(UART_IER, 0);
	CHECK(!qtest_get_irq(s, COM1_IRQ));

	/* Received data (loopback): IIR 0x04 until RBR is read. */
	out(UART_MCR, UART_MCR_LOOP);
	out(UART_IER, UART_IER_RDI);
	CHECK(!qtest_get_irq(s, COM1_IRQ));
	out(UART_TX, 0x42);
	CHECK(wait_lsr(UART_LSR_DR));
	CHECK(qtest_get_irq(s, COM1_IRQ));
	CHECK_EQ(in(UART_IIR) & 0x0f, UART_IIR_RDI);
	CHECK_EQ(in(UART_RX), 0x42);
	CHECK(!qtest_get_irq(s, COM1_IRQ));
	CHECK_EQ(in(UART_IIR), UART_IIR_NO_INT);
	out(UART_IER, 0);
	out(UART_MCR, 0);
	CHECK(!qtest_get_irq(s, COM1_IRQ));
}

int main(int argc, char **argv)
{
	enum qtest_target t = harness_target(argc, argv);
	struct qtest_machine m = { .uart = true };

	s = qtest_start(t, &m);
	test_reset_values();
	test_registers();
	test_loopback();
	test_interrupts();
	return harness_done(s);
}
