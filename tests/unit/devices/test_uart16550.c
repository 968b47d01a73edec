// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for src/devices/uart16550.c, driven through the PIO bus the way
 * Linux's 8250 driver drives a UART: its autoconfig probe, its startup THRE
 * checks, interrupt-driven TX of 1 MiB through a socketpair back-end, RX
 * bursts larger than the FIFO with backpressure, IIR priorities, loopback,
 * DLAB, line-level transitions, and hostile accesses of every width.
 */
#include <errno.h>
#include <sched.h>
#include <linux/serial_reg.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "devtest.h"
#include "iovirt/console.h"
#include "iovirt/devices.h"
#include "iovirt/layout.h"

#define B PIO_COM1
#define IRQ IRQ_COM1

struct rig {
	struct vm vm;
	struct vm_config cfg;
	struct irq_rec rec;
	struct console *con;
	struct uart *u;
	int host;	/* our end of the socketpair: what the host terminal would be */
	int dev;	/* the back-end's end */
};

static void con_dev_destroy(void *dev)
{
	console_destroy(dev);
}

static const struct vm_device_ops con_dev_ops = { .name = "test-console", .destroy = con_dev_destroy };

static void rig_init(struct rig *r, bool with_con)
{
	int sv[2];

	devtest_vm(&r->vm, &r->cfg, &r->rec);
	r->con = NULL;
	r->host = r->dev = -1;
	if (with_con) {
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
			exit(1);
		r->host = sv[0];
		r->dev = sv[1];
		CHECK_EQ(console_fd_create(&r->vm.loop, r->dev, r->dev, "test-console", &r->con),
			 0);
		/* Registered before the UART so the VM destroys it after the UART. */
		CHECK_EQ(vm_add_device(&r->vm, &con_dev_ops, r->con), 0);
	}
	CHECK_EQ(uart_create(&r->vm, B, IRQ, r->con, &r->u), 0);
}

static void rig_fini(struct rig *r)
{
	vm_destroy(&r->vm);	/* stops the loop, destroys the UART, then the console */
	if (r->host >= 0)
		close(r->host);
	if (r->dev >= 0)
		close(r->dev);
}

/*
 * Linux's autoconfig() and autoconfig_16550a() (drivers/tty/serial/8250/
 * 8250_port.c), step by step, including the tests for chips we must not be
 * mistaken for. Returns the name of what Linux would decide.
 */
static const char *linux_autoconfig(struct vm *vm)
{
	u8 scratch, scratch2, scratch3, save_mcr, save_lcr, status1, status2, iersave;
	const char *type;
	int count;

	/* IER existence test. */
	scratch = inb(vm, B + UART_IER);
	outb(vm, B + UART_IER, 0);
	scratch2 = inb(vm, B + UART_IER) & 0x0f;
	outb(vm, B + UART_IER, 0x0f);
	scratch3 = inb(vm, B + UART_IER) & 0x0f;
	outb(vm, B + UART_IER, scratch);
	if (scratch2 != 0 || scratch3 != 0x0f)
		return "none (IER test)";

	save_mcr = inb(vm, B + UART_MCR);
	save_lcr = inb(vm, B + UART_LCR);
	/* Loopback test (done unless UPF_SKIP_TEST). */
	outb(vm, B + UART_MCR, UART_MCR_LOOP | 0x0a);
	status1 = inb(vm, B + UART_MSR) & 0xf0;
	outb(vm, B + UART_MCR, save_mcr);
	if (status1 != 0x90)
		return "none (LOOP test)";

	outb(vm, B + UART_LCR, UART_LCR_CONF_MODE_B);
	outb(vm, B + UART_EFR, 0);
	outb(vm, B + UART_LCR, 0);
	outb(vm, B + UART_FCR, UART_FCR_ENABLE_FIFO);
	scratch = inb(vm, B + UART_IIR) >> 6;
	if (scratch == 0)
		return "8250/16450";
	if (scratch == 1)
		return "unknown";
	if (scratch == 2)
		return "16550";

	/* autoconfig_16550a() */
	type = "16550A";
	outb(vm, B + UART_LCR, UART_LCR_CONF_MODE_A);
	if (inb(vm, B + UART_EFR) == 0)
		return "16650 family (EFR with DLAB)";
	outb(vm, B + UART_LCR, UART_LCR_CONF_MODE_B);
	if (inb(vm, B + UART_EFR) == 0)
		return "16650V2 family (EFR)";
	outb(vm, B + UART_LCR, 0);
	status1 = inb(vm, B + UART_MCR);
	outb(vm, B + UART_LCR, 0xe0);
	status2 = inb(vm, B + 0x02);
	if (!((status2 ^ status1) & UART_MCR_LOOP)) {
		outb(vm, B + UART_LCR, 0);
		outb(vm, B + UART_MCR, status1 ^ UART_MCR_LOOP);
		outb(vm, B + UART_LCR, 0xe0);
		status2 = inb(vm, B + 0x02);
		outb(vm, B + UART_LCR, 0);
		outb(vm, B + UART_MCR, status1);
		if ((status2 ^ status1) & UART_MCR_LOOP)
			return "NS16550A (SuperIO)";
	}
	outb(vm, B + UART_LCR, 0);
	outb(vm, B + UART_FCR, UART_FCR_ENABLE_FIFO | UART_FCR7_64BYTE);
	status1 = inb(vm, B + UART_IIR) >> 5;
	outb(vm, B + UART_FCR, UART_FCR_ENABLE_FIFO);
	outb(vm, B + UART_LCR, UART_LCR_CONF_MODE_A);
	outb(vm, B + UART_FCR, UART_FCR_ENABLE_FIFO | UART_FCR7_64BYTE);
	status2 = inb(vm, B + UART_IIR) >> 5;
	outb(vm, B + UART_FCR, UART_FCR_ENABLE_FIFO);
	outb(vm, B + UART_LCR, 0);
	if (status1 == 6 && status2 == 7)
		return "TI16750";
	iersave = inb(vm, B + UART_IER);
	outb(vm, B + UART_IER, iersave & ~0x40);
	if (!(inb(vm, B + UART_IER) & 0x40)) {
		outb(vm, B + UART_IER, iersave | 0x40);
		if (inb(vm, B + UART_IER) & 0x40)
			return "XScale";
	}
	outb(vm, B + UART_IER, iersave);

	/* size_fifo(): 256 bytes in loopback at divisor 1, count what comes back. */
	{
		u8 old_lcr = inb(vm, B + UART_LCR), old_fcr, old_mcr, dll, dlm;

		outb(vm, B + UART_LCR, 0);
		old_fcr = inb(vm, B + UART_FCR);
		old_mcr = inb(vm, B + UART_MCR);
		outb(vm, B + UART_FCR,
		     UART_FCR_ENABLE_FIFO | UART_FCR_CLEAR_RCVR | UART_FCR_CLEAR_XMIT);
		outb(vm, B + UART_MCR, UART_MCR_LOOP);
		outb(vm, B + UART_LCR, UART_LCR_CONF_MODE_A);
		dll = inb(vm, B + UART_DLL);
		dlm = inb(vm, B + UART_DLM);
		outb(vm, B + UART_DLL, 1);
		outb(vm, B + UART_DLM, 0);
		outb(vm, B + UART_LCR, UART_LCR_WLEN8);
		for (count = 0; count < 256; count++)
			outb(vm, B + UART_TX, (u8)count);
		for (count = 0; (inb(vm, B + UART_LSR) & UART_LSR_DR) && count < 256; count++)
			CHECK_EQ(inb(vm, B + UART_RX), count);
		outb(vm, B + UART_LCR, UART_LCR_CONF_MODE_A);
		outb(vm, B + UART_DLL, dll);
		outb(vm, B + UART_DLM, dlm);
		outb(vm, B + UART_FCR, old_fcr);
		outb(vm, B + UART_MCR, old_mcr);
		outb(vm, B + UART_LCR, old_lcr);
		CHECK_EQ(count, 16);
		if (count == 64)
			type = "U6_16550A";
	}
	outb(vm, B + UART_LCR, save_lcr);
	/* Reset the UART, as autoconfig ends. */
	outb(vm, B + UART_MCR, save_mcr);
	outb(vm, B + UART_FCR, UART_FCR_ENABLE_FIFO);
	outb(vm, B + UART_FCR, UART_FCR_ENABLE_FIFO | UART_FCR_CLEAR_RCVR | UART_FCR_CLEAR_XMIT);
	outb(vm, B + UART_FCR, 0);
	inb(vm, B + UART_RX);
	outb(vm, B + UART_IER, 0);
	return type;
}

static void test_reset_state(void)
{
	struct rig r;

	rig_init(&r, false);
	CHECK_EQ(inb(&r.vm, B + UART_IER), 0);
	CHECK_EQ(inb(&r.vm, B + UART_IIR), UART_IIR_NO_INT);
	CHECK_EQ(inb(&r.vm, B + UART_LCR), 0);
	CHECK_EQ(inb(&r.vm, B + UART_MCR), 0);
	CHECK_EQ(inb(&r.vm, B + UART_LSR), UART_LSR_THRE | UART_LSR_TEMT);
	CHECK_EQ(inb(&r.vm, B + UART_MSR), UART_MSR_DCD | UART_MSR_DSR | UART_MSR_CTS);
	outb(&r.vm, B + UART_SCR, 0x5a);
	CHECK_EQ(inb(&r.vm, B + UART_SCR), 0x5a);
	CHECK_EQ(rec_level(&r.rec, IRQ), 0);
	/* No back-end: output vanishes, counted, nothing breaks. */
	outb(&r.vm, B + UART_TX, 'x');
	{
		struct uart_stats st;

		uart_get_stats(r.u, &st);
		CHECK_EQ(st.tx_bytes, 1);
	}
	rig_fini(&r);
}

static void test_autoconfig(void)
{
	struct rig r;

	rig_init(&r, true);
	CHECK_STREQ(linux_autoconfig(&r.vm), "16550A");
	/* The probe's loopback traffic never reached the host. */
	{
		int n = -1;

		CHECK_EQ(ioctl(r.host, FIONREAD, &n), 0);
		CHECK_EQ(n, 0);
	}
	CHECK_EQ(inb(&r.vm, B + UART_MCR), 0);
	CHECK_EQ(inb(&r.vm, B + UART_IIR), UART_IIR_NO_INT);
	rig_fini(&r);
}

/* serial8250_do_startup(): the THRE re-assertion and TX-enable tests. */
static void test_startup_thre(void)
{
	struct rig r;
	u8 iir1, iir, lsr;

	rig_init(&r, true);
	outb(&r.vm, B + UART_FCR, UART_FCR_ENABLE_FIFO);
	inb(&r.vm, B + UART_LSR);
	inb(&r.vm, B + UART_RX);
	inb(&r.vm, B + UART_IIR);
	inb(&r.vm, B + UART_MSR);
	CHECK(inb(&r.vm, B + UART_LSR) != 0xff);

	CHECK(inb(&r.vm, B + UART_LSR) & UART_LSR_THRE);
	outb(&r.vm, B + UART_IER, UART_IER_THRI);
	CHECK_EQ(rec_level(&r.rec, IRQ), 1);
	iir1 = inb(&r.vm, B + UART_IIR);
	CHECK_EQ(rec_level(&r.rec, IRQ), 0);	/* reading IIR acknowledged THRE */
	outb(&r.vm, B + UART_IER, 0);
	outb(&r.vm, B + UART_IER, UART_IER_THRI);
	iir = inb(&r.vm, B + UART_IIR);
	outb(&r.vm, B + UART_IER, 0);
	CHECK_EQ(iir1, 0xc0 | UART_IIR_THRI);
	CHECK_EQ(iir, 0xc0 | UART_IIR_THRI);	/* re-asserted: no UART_BUG_THRE */

	outb(&r.vm, B + UART_LCR, UART_LCR_WLEN8);
	outb(&r.vm, B + UART_MCR, UART_MCR_OUT2 | UART_MCR_RTS | UART_MCR_DTR);
	outb(&r.vm, B + UART_IER, UART_IER_THRI);
	lsr = inb(&r.vm, B + UART_LSR);
	iir = inb(&r.vm, B + UART_IIR);
	outb(&r.vm, B + UART_IER, 0);
	CHECK(lsr & UART_LSR_TEMT);
	CHECK(!(iir & UART_IIR_NO_INT));	/* no UART_BUG_TXEN */
	/* A write with THRI already set does not re-arm it. */
	outb(&r.vm, B + UART_IER, UART_IER_THRI);
	CHECK_EQ(inb(&r.vm, B + UART_IIR), 0xc0 | UART_IIR_THRI);
	outb(&r.vm, B + UART_IER, UART_IER_THRI | UART_IER_RDI);
	CHECK_EQ(inb(&r.vm, B + UART_IIR), 0xc1);
	rig_fini(&r);
}

static void test_dlab(void)
{
	struct rig r;
	int n = -1;

	rig_init(&r, true);
	outb(&r.vm, B + UART_IER, UART_IER_RDI);
	outb(&r.vm, B + UART_LCR, UART_LCR_DLAB | UART_LCR_WLEN8);
	outb(&r.vm, B + UART_DLL, 0x34);
	outb(&r.vm, B + UART_DLM, 0x12);
	CHECK_EQ(inb(&r.vm, B + UART_DLL), 0x34);
	CHECK_EQ(inb(&r.vm, B + UART_DLM), 0x12);
	CHECK_EQ(inb(&r.vm, B + UART_LCR), UART_LCR_DLAB | UART_LCR_WLEN8);
	/* With DLAB, IIR and LSR still read as themselves. */
	CHECK_EQ(inb(&r.vm, B + UART_IIR), UART_IIR_NO_INT);
	CHECK_EQ(inb(&r.vm, B + UART_LSR), UART_LSR_THRE | UART_LSR_TEMT);
	outb(&r.vm, B + UART_LCR, UART_LCR_WLEN8);
	CHECK_EQ(inb(&r.vm, B + UART_IER), UART_IER_RDI);
	/* 16-bit divisor write, the way some drivers do it. */
	outb(&r.vm, B + UART_LCR, UART_LCR_DLAB);
	{
		u16 dl = 0x0301, got = 0;

		bus_write(&r.vm.pio, B, &dl, 2);
		bus_read(&r.vm.pio, B, &got, 2);
		CHECK_EQ(got, 0x0301);
	}
	outb(&r.vm, B + UART_LCR, 0);
	CHECK_EQ(ioctl(r.host, FIONREAD, &n), 0);
	CHECK_EQ(n, 0);	/* divisor writes are not transmitted */
	rig_fini(&r);
}

static void test_loopback_and_priorities(void)
{
	struct rig r;
	unsigned rises;
	int n = -1;

	rig_init(&r, true);
	outb(&r.vm, B + UART_FCR, UART_FCR_ENABLE_FIFO | UART_FCR_TRIGGER_8);
	outb(&r.vm, B + UART_MCR, UART_MCR_LOOP);
	/* Entering loopback dropped CTS/DSR/DCD: their deltas are flagged. */
	CHECK_EQ(inb(&r.vm, B + UART_MSR), UART_MSR_DCTS | UART_MSR_DDSR | UART_MSR_DDCD);
	CHECK_EQ(inb(&r.vm, B + UART_MSR), 0);
	outb(&r.vm, B + UART_MCR, UART_MCR_LOOP | UART_MCR_DTR | UART_MCR_OUT1);
	CHECK_EQ(inb(&r.vm, B + UART_MSR), UART_MSR_DSR | UART_MSR_RI | UART_MSR_DDSR);
	outb(&r.vm, B + UART_MCR, UART_MCR_LOOP);
	CHECK_EQ(inb(&r.vm, B + UART_MSR), UART_MSR_DDSR | UART_MSR_TERI);

	/* 17 bytes into a 16-byte FIFO: the 17th is an overrun. */
	for (int i = 0; i < 17; i++)
		outb(&r.vm, B + UART_TX, (u8)('a' + i));
	outb(&r.vm, B + UART_MCR, UART_MCR_LOOP | UART_MCR_RTS); /* a pending MSR delta too */
	rises = rec_rises(&r.rec, IRQ);
	outb(&r.vm, B + UART_IER, UART_IER_RLSI | UART_IER_RDI | UART_IER_THRI | UART_IER_MSI);
	CHECK_EQ(rec_level(&r.rec, IRQ), 1);
	CHECK_EQ(rec_rises(&r.rec, IRQ), rises + 1);
	/* Priority 1: line status (overrun). Reading LSR clears it. */
	CHECK_EQ(inb(&r.vm, B + UART_IIR), 0xc0 | UART_IIR_RLSI);
	CHECK_EQ(inb(&r.vm, B + UART_LSR),
		 UART_LSR_DR | UART_LSR_OE | UART_LSR_THRE | UART_LSR_TEMT);
	CHECK_EQ(inb(&r.vm, B + UART_LSR), UART_LSR_DR | UART_LSR_THRE | UART_LSR_TEMT);
	/* Priority 2: received data at or above the trigger (8)... */
	CHECK_EQ(inb(&r.vm, B + UART_IIR), 0xc0 | UART_IIR_RDI);
	for (int i = 0; i < 9; i++)
		CHECK_EQ(inb(&r.vm, B + UART_RX), 'a' + i);
	/* ...then a character timeout once it sits below the trigger. */
	CHECK_EQ(inb(&r.vm, B + UART_IIR), 0xc0 | UART_IIR_RX_TIMEOUT);
	for (int i = 9; i < 16; i++)
		CHECK_EQ(inb(&r.vm, B + UART_RX), 'a' + i);
	CHECK_EQ(inb(&r.vm, B + UART_LSR) & UART_LSR_DR, 0);
	CHECK_EQ(rec_level(&r.rec, IRQ), 1);
	/* Priority 3: THRE; the IIR read that reports it acknowledges it. */
	CHECK_EQ(inb(&r.vm, B + UART_IIR), 0xc0 | UART_IIR_THRI);
	/* Priority 4: modem status, cleared by reading MSR. */
	CHECK_EQ(inb(&r.vm, B + UART_IIR), 0xc0 | UART_IIR_MSI);
	CHECK_EQ(inb(&r.vm, B + UART_MSR), UART_MSR_CTS | UART_MSR_DCTS);
	CHECK_EQ(inb(&r.vm, B + UART_IIR), 0xc0 | UART_IIR_NO_INT);
	CHECK_EQ(rec_level(&r.rec, IRQ), 0);

	/* FIFO disabled (16450 mode): one holding register, no timeout ID. */
	outb(&r.vm, B + UART_FCR, 0);
	outb(&r.vm, B + UART_TX, 'x');
	outb(&r.vm, B + UART_TX, 'y');
	CHECK_EQ(inb(&r.vm, B + UART_IIR), UART_IIR_RLSI);
	CHECK_EQ(inb(&r.vm, B + UART_LSR) & UART_LSR_OE, UART_LSR_OE);
	CHECK_EQ(inb(&r.vm, B + UART_IIR), UART_IIR_RDI);
	CHECK_EQ(inb(&r.vm, B + UART_RX), 'x');
	/* Leaving loopback: the line is back (deltas reported once). */
	outb(&r.vm, B + UART_IER, 0);
	outb(&r.vm, B + UART_MCR, 0);
	CHECK_EQ(inb(&r.vm, B + UART_MSR) & 0xf0, UART_MSR_DCD | UART_MSR_DSR | UART_MSR_CTS);
	{
		struct uart_stats st;

		uart_get_stats(r.u, &st);
		CHECK_EQ(st.overruns, 2);
		CHECK_EQ(st.tx_bytes, 0);
	}
	CHECK_EQ(ioctl(r.host, FIONREAD, &n), 0);
	CHECK_EQ(n, 0);
	rig_fini(&r);
}

/* The host side of the TX test: read and check the pattern as it arrives. */
struct tx_reader {
	int fd;
	size_t want, got;
	size_t bad;
};

static u8 pattern(size_t i)
{
	return (u8)((i * 7) ^ (i >> 8) ^ (i >> 16));
}

static void *tx_reader_fn(void *arg)
{
	struct tx_reader *t = arg;
	u8 buf[8192];

	while (t->got < t->want) {
		ssize_t n = read(t->fd, buf, sizeof(buf));

		if (n <= 0)
			break;
		for (ssize_t i = 0; i < n; i++)
			if (buf[i] != pattern(t->got + (size_t)i))
				t->bad++;
		t->got += (size_t)n;
	}
	return NULL;
}

/*
 * Interrupt-driven TX as serial8250_tx_chars() does it: wait for the line,
 * read IIR, write up to 16 bytes per THRE, stop THRI when done.
 */
static void test_tx_1mib(void)
{
	const size_t total = 1 << 20;
	struct tx_reader t = { 0 };
	struct uart_stats st;
	pthread_t th;
	struct rig r;
	size_t sent = 0, spurious = 0;

	rig_init(&r, true);
	t.fd = r.host;
	t.want = total;
	CHECK_EQ(pthread_create(&th, NULL, tx_reader_fn, &t), 0);
	outb(&r.vm, B + UART_FCR, UART_FCR_ENABLE_FIFO | UART_FCR_TRIGGER_8);
	outb(&r.vm, B + UART_LCR, UART_LCR_WLEN8);
	outb(&r.vm, B + UART_MCR, UART_MCR_OUT2 | UART_MCR_RTS | UART_MCR_DTR);
	outb(&r.vm, B + UART_IER, UART_IER_RDI | UART_IER_RLSI | UART_IER_THRI);
	while (sent < total) {
		u8 iir;

		if (!rec_level(&r.rec, IRQ)) {
			CHECK(0);	/* THRI is on and data is waiting: the line must be up */
			break;
		}
		iir = inb(&r.vm, B + UART_IIR);
		if ((iir & UART_IIR_ID) != UART_IIR_THRI) {
			spurious++;
			continue;
		}
		CHECK(inb(&r.vm, B + UART_LSR) & UART_LSR_THRE);
		for (int i = 0; i < 16 && sent < total; i++, sent++)
			outb(&r.vm, B + UART_TX, pattern(sent));
	}
	outb(&r.vm, B + UART_IER, UART_IER_RDI | UART_IER_RLSI);
	CHECK_EQ(rec_level(&r.rec, IRQ), 0);
	if (sent < total)
		shutdown(r.dev, SHUT_WR);	/* failed early: let the reader see EOF */
	pthread_join(th, NULL);
	CHECK_EQ(t.got, total);
	CHECK_EQ(t.bad, 0);
	CHECK_EQ(spurious, 0);
	uart_get_stats(r.u, &st);
	CHECK_EQ(st.tx_bytes, total);
	CHECK_EQ(st.tx_errors, 0);
	rig_fini(&r);
}

static size_t host_pending(int fd)
{
	int n = -1;

	if (ioctl(fd, FIONREAD, &n))
		return (size_t)-1;
	return (size_t)n;
}

/* Bytes waiting in the back-end's end of the socketpair (unread by iovirt). */
static size_t dev_unread(struct rig *r)
{
	return host_pending(r->dev);
}

/* The main loop refills the FIFO in its own time: wait for the line (wait.h). */
static bool wait_level(struct rig *r, int level)
{
	return WAIT_UNTIL(rec_level(&r->rec, IRQ) == level);
}

/*
 * RX: the host sends far more than the FIFO holds. Nothing is read from the
 * host beyond the FIFO's room, and an interrupt-driven reader that drains
 * the FIFO as serial8250_rx_chars() does gets every byte, in order.
 */
static void test_rx_backpressure(bool fifo)
{
	const size_t total = 20000;
	u8 *out = malloc(total);
	size_t got = 0, written = 0;
	struct uart_stats st;
	struct rig r;
	unsigned cap = fifo ? 16 : 1;

	rig_init(&r, true);
	devtest_start_loop(&r.vm);
	for (size_t i = 0; i < total; i++)
		out[i] = pattern(i + 12345);
	outb(&r.vm, B + UART_FCR, fifo ? (UART_FCR_ENABLE_FIFO | UART_FCR_TRIGGER_14) : 0);
	outb(&r.vm, B + UART_MCR, UART_MCR_OUT2 | UART_MCR_RTS | UART_MCR_DTR);

	/* A first burst while the guest does not read: the FIFO fills, the rest waits. */
	CHECK_EQ(write(r.host, out, 1000), 1000);
	written = 1000;
	devtest_loop_sync(&r.vm);	/* the loop has taken what it will take */
	CHECK_EQ(dev_unread(&r), 1000 - cap);
	CHECK_EQ(inb(&r.vm, B + UART_LSR) & (UART_LSR_DR | UART_LSR_OE), UART_LSR_DR);
	CHECK_EQ(rec_level(&r.rec, IRQ), 0);	/* RDI not enabled yet */

	outb(&r.vm, B + UART_IER, UART_IER_RDI | UART_IER_RLSI);
	CHECK_EQ(rec_level(&r.rec, IRQ), 1);
	while (got < total) {
		u8 iir, lsr;

		if (written < total) {
			ssize_t n = write(r.host, out + written, MIN(total - written, 3000));

			if (n > 0)
				written += (size_t)n;
		}
		if (!wait_level(&r, 1)) {
			CHECK(0);
			break;
		}
		iir = inb(&r.vm, B + UART_IIR);
		CHECK((iir & UART_IIR_ID) == UART_IIR_RDI ||
		      (iir & UART_IIR_ID) == UART_IIR_RX_TIMEOUT);
		for (int n = 0; n < 256 && ((lsr = inb(&r.vm, B + UART_LSR)) & UART_LSR_DR); n++) {
			u8 c = inb(&r.vm, B + UART_RX);

			CHECK(!(lsr & UART_LSR_OE));
			if (c != out[got]) {
				CHECK_EQ(c, out[got]);
				got = total;
				break;
			}
			got++;
		}
	}
	CHECK_EQ(got, total);
	uart_get_stats(r.u, &st);
	CHECK_EQ(st.rx_bytes, total);
	CHECK_EQ(st.overruns, 0);
	CHECK_EQ(rec_level(&r.rec, IRQ), 0);
	free(out);
	rig_fini(&r);
}

/*
 * Room can also appear without an RBR read: enabling the FIFO (1 → 16
 * bytes) must wake the back-end, or input would stall forever.
 */
static void test_rx_fifo_enable_wakes(void)
{
	struct rig r;
	u8 buf[100];

	rig_init(&r, true);
	devtest_start_loop(&r.vm);
	memset(buf, 'z', sizeof(buf));
	CHECK_EQ(write(r.host, buf, sizeof(buf)), (ssize_t)sizeof(buf));
	devtest_loop_sync(&r.vm);
	CHECK_EQ(dev_unread(&r), 99);	/* 16450 mode: one holding register */
	/* Enabling the FIFO clears it (the guest's choice), then there is room for 16. */
	outb(&r.vm, B + UART_FCR, UART_FCR_ENABLE_FIFO);
	CHECK(WAIT_UNTIL(dev_unread(&r) <= 83));
	devtest_loop_sync(&r.vm);
	CHECK_EQ(dev_unread(&r), 83);
	/* Clearing the RX FIFO makes room too. */
	outb(&r.vm, B + UART_FCR, UART_FCR_ENABLE_FIFO | UART_FCR_CLEAR_RCVR);
	CHECK(WAIT_UNTIL(dev_unread(&r) <= 67));
	devtest_loop_sync(&r.vm);
	CHECK_EQ(dev_unread(&r), 67);
	rig_fini(&r);
}

/* Host input that arrived during loopback stays in the host until it ends. */
static void test_rx_loopback_holds_input(void)
{
	struct rig r;

	rig_init(&r, true);
	devtest_start_loop(&r.vm);
	outb(&r.vm, B + UART_FCR, UART_FCR_ENABLE_FIFO);
	outb(&r.vm, B + UART_MCR, UART_MCR_LOOP);
	CHECK_EQ(write(r.host, "hello", 5), 5);
	devtest_loop_sync(&r.vm);
	CHECK_EQ(dev_unread(&r), 5);
	CHECK_EQ(inb(&r.vm, B + UART_LSR) & UART_LSR_DR, 0);
	outb(&r.vm, B + UART_MCR, 0);
	CHECK(WAIT_UNTIL(inb(&r.vm, B + UART_LSR) & UART_LSR_DR));
	CHECK_EQ(inb(&r.vm, B + UART_RX), 'h');
	rig_fini(&r);
}

/* Every width at every offset, random values: no crash, invariants hold. */
static void test_hostile(void)
{
	struct rig r;
	u64 seed = 0x9e3779b97f4a7c15ull;

	rig_init(&r, true);
	for (int i = 0; i < 200000; i++) {
		unsigned off, len;
		int level;
		u32 v;
		u8 iir;

		seed ^= seed << 13;
		seed ^= seed >> 7;
		seed ^= seed << 17;
		len = (unsigned[]){ 1, 2, 4 }[seed % 3];
		off = (unsigned)(seed >> 8) % 8;
		v = (u32)(seed >> 32);
		if ((seed >> 20) & 1) {
			/* Keep the line mostly looped so the host socket does not fill. */
			if (off == UART_MCR || (len > 1 && off < UART_MCR && off + len > UART_MCR))
				v |= (u32)UART_MCR_LOOP << (8 * (UART_MCR - off));
			bus_write(&r.vm.pio, B + off, &v, len);
		} else {
			bus_read(&r.vm.pio, B + off, &v, len);
		}
		/* The line level is exactly "IIR has something pending". */
		level = rec_level(&r.rec, IRQ);
		iir = inb(&r.vm, B + UART_IIR);
		CHECK((iir & 0x30) == 0);
		CHECK_EQ(level, !(iir & UART_IIR_NO_INT));
		CHECK_EQ(inb(&r.vm, B + UART_MCR) & 0xe0, 0);
		if (host_pending(r.host) > 100000) {
			u8 buf[65536];

			if (read(r.host, buf, sizeof(buf)) < 0)
				CHECK(0);
		}
		if (check_failures)
			break;
	}
	/* Past the 8 ports is not the UART's: the bus says so. */
	{
		u32 v = 0;

		CHECK(!bus_read(&r.vm.pio, B + 6, &v, 4));
		CHECK(!bus_write(&r.vm.pio, B + 7, &v, 2));
	}
	rig_fini(&r);
}

int main(void)
{
	test_reset_state();
	test_autoconfig();
	test_startup_thre();
	test_dlab();
	test_loopback_and_priorities();
	test_tx_1mib();
	test_rx_backpressure(true);
	test_rx_backpressure(false);
	test_rx_fifo_enable_wakes();
	test_rx_loopback_holds_input();
	test_hostile();
	return check_done();
}
