// SPDX-License-Identifier: GPL-2.0-only
/*
 * A National Semiconductor PC16550D ("16550A") UART, as Linux's 8250 driver
 * probes and drives it (register names from <linux/serial_reg.h>, behaviour
 * from the PC16550D datasheet, "Register Description" and Table IV,
 * "Interrupt Control Functions").
 *
 * Transmission takes no time: a byte written to THR goes to the console
 * back-end synchronously, so THR/TSR are empty again when the write
 * returns (a THRE interrupt follows each byte, as a 16550A's does once its
 * FIFO drains). While one byte is being handed over, THRE/TEMT read 0.
 *
 * Reception fills a 16-byte RX FIFO (1 byte with the FIFO disabled) from the
 * back-end, which never gives more than the room left: input waits in the
 * host, none is dropped. Received-data interrupts honour the FCR trigger
 * level; data below the trigger is reported as a character timeout (IIR
 * 0x0C). A real UART raises that after 4 idle character times; here the
 * back-end hands over everything the host has in one go, so data sitting
 * below the trigger after a delivery means the line has gone quiet — the very
 * condition the timer detects — and the timeout is reported at once.
 *
 * Loopback (MCR.LOOP) disconnects the line: THR bytes come back into the RX
 * FIFO (LSR.OE when it is full) and MSR reflects DTR/RTS/OUT1/OUT2. This is
 * how Linux's autoconfig finds the UART and sizes its FIFO.
 *
 * The interrupt output follows IIR: a level on the IOAPIC pin, recomputed
 * after every register access and every delivery.
 */
#include <errno.h>
#include <linux/serial_reg.h>
#include <stdio.h>
#include <stdlib.h>

#include "iovirt/console.h"
#include "iovirt/devices.h"
#include "iovirt/log.h"
#include "iovirt/vm.h"

#define UART_NR_REGS 8
#define UART_FIFO_SIZE 16
#define UART_IER_MASK 0x0f	/* IER[7:4] are always 0 on a 16550A */
#define UART_MCR_MASK 0x1f	/* MCR[7:5] are always 0 on a 16550A */
#define UART_IIR_FIFO_BITS 0xc0 /* IIR[7:6]: FIFOs enabled (16550A) */
#define UART_MSR_LINES (UART_MSR_DCD | UART_MSR_RI | UART_MSR_DSR | UART_MSR_CTS)
#define UART_MSR_DELTAS (UART_MSR_DDCD | UART_MSR_TERI | UART_MSR_DDSR | UART_MSR_DCTS)

struct uart {
	struct bus *pio;
	u16 port;
	struct irq_router *irq;
	unsigned gsi;
	struct console *con;	/* NULL: no back-end */
	char name[24];

	/*
	 * Serialises bytes to the back-end: taken before `lock` and held
	 * across the (possibly blocking) back-end write, so THR bytes reach
	 * the host in the order they were written while `lock` stays free for
	 * the RX path and other registers.
	 */
	pthread_mutex_t tx_lock;

	/* Guards everything below: registers, RX FIFO, interrupt state. */
	pthread_mutex_t lock;
	u8 rx_fifo[UART_FIFO_SIZE];
	unsigned rx_head, rx_count;
	u8 ier, lcr, mcr, scr, dll, dlm;
	u8 lsr_err;		/* sticky LSR error bits (OE), cleared by reading LSR */
	u8 msr_delta;		/* MSR[3:0], cleared by reading MSR */
	bool fifo_en;		/* FCR[0] */
	u8 rx_trig;		/* FCR[7:6] as a byte count: 1, 4, 8, 14 */
	bool thr_ipending;	/* THRE interrupt armed (Table IV: reset by IIR read or THR write) */
	bool tx_busy;		/* a THR byte is being handed to the back-end */
	int irq_level;
	struct uart_stats st;
	struct ratelimit rl;
};

static const u8 uart_trig_bytes[4] = { 1, 4, 8, 14 };

static unsigned uart_rx_cap(const struct uart *u)
{
	return u->fifo_en ? UART_FIFO_SIZE : 1;
}

static bool uart_loop(const struct uart *u)
{
	return u->mcr & UART_MCR_LOOP;
}

/* The RX FIFO may have room again (read, cleared, resized): let the back-end know. */
static void uart_rx_room_changed(struct uart *u)
{
	if (u->con && !uart_loop(u))
		console_rx_ready(u->con);
}

/* The modem status inputs: a connected line, or MCR looped back (datasheet, MCR bit 4). */
static u8 uart_msr_lines(u8 mcr)
{
	u8 v = 0;

	if (!(mcr & UART_MCR_LOOP))
		return UART_MSR_DCD | UART_MSR_DSR | UART_MSR_CTS;
	if (mcr & UART_MCR_RTS)
		v |= UART_MSR_CTS;
	if (mcr & UART_MCR_DTR)
		v |= UART_MSR_DSR;
	if (mcr & UART_MCR_OUT1)
		v |= UART_MSR_RI;
	if (mcr & UART_MCR_OUT2)
		v |= UART_MSR_DCD;
	return v;
}

static u8 uart_lsr(const struct uart *u)
{
	u8 v = u->lsr_err;

	if (u->rx_count)
		v |= UART_LSR_DR;
	if (!u->tx_busy)
		v |= UART_LSR_THRE | UART_LSR_TEMT;
	return v;
}

/* IIR[3:0] by priority (PC16550D Table IV). */
static u8 uart_iir_id(const struct uart *u)
{
	if ((u->ier & UART_IER_RLSI) && (u->lsr_err & UART_LSR_BRK_ERROR_BITS))
		return UART_IIR_RLSI;
	if ((u->ier & UART_IER_RDI) && u->rx_count) {
		if (!u->fifo_en)
			return UART_IIR_RDI;
		return u->rx_count >= u->rx_trig ? UART_IIR_RDI : UART_IIR_RX_TIMEOUT;
	}
	if ((u->ier & UART_IER_THRI) && u->thr_ipending)
		return UART_IIR_THRI;
	if ((u->ier & UART_IER_MSI) && u->msr_delta)
		return UART_IIR_MSI;
	return UART_IIR_NO_INT;
}

static void uart_update_irq(struct uart *u)
{
	int level = uart_iir_id(u) != UART_IIR_NO_INT;

	if (level == u->irq_level)
		return;
	u->irq_level = level;
	if (irq_line_set(u->irq, u->gsi, level))
		dev_warn_rl(&u->rl, u->name, "cannot set IRQ %u to %d", u->gsi, level);
}

static void uart_rx_clear(struct uart *u)
{
	u->rx_head = 0;
	u->rx_count = 0;
}

/* Put one received byte in the RX FIFO; a full FIFO is an overrun (byte lost). */
static void uart_rx_push(struct uart *u, u8 b)
{
	if (u->rx_count >= uart_rx_cap(u)) {
		u->lsr_err |= UART_LSR_OE;
		u->st.overruns++;
		return;
	}
	u->rx_fifo[(u->rx_head + u->rx_count) % UART_FIFO_SIZE] = b;
	u->rx_count++;
}

static u8 uart_rx_pop(struct uart *u)
{
	u8 b;

	if (!u->rx_count)
		return 0;	/* RBR keeps no stale byte worth modelling */
	b = u->rx_fifo[u->rx_head];
	u->rx_head = (u->rx_head + 1) % UART_FIFO_SIZE;
	u->rx_count--;
	return b;
}

/* Called with lock held. */
static u8 uart_read_reg(struct uart *u, unsigned off)
{
	u8 v;

	switch (off) {
	case UART_RX:
		if (u->lcr & UART_LCR_DLAB)
			return u->dll;
		v = uart_rx_pop(u);
		/*
		 * Ask for more once half the FIFO is free, not at every byte: the
		 * back-end then refills 8+ bytes per wake-up while the guest
		 * still reads the other half.
		 */
		if (u->rx_count <= uart_rx_cap(u) / 2)
			uart_rx_room_changed(u);
		return v;
	case UART_IER:
		return (u->lcr & UART_LCR_DLAB) ? u->dlm : u->ier;
	case UART_IIR:
		/* DLAB does not apply here: Linux's EFR probes rely on reading IIR. */
		v = uart_iir_id(u);
		/* Reading IIR while it names THRE is what acknowledges THRE. */
		if (v == UART_IIR_THRI)
			u->thr_ipending = false;
		return v | (u->fifo_en ? UART_IIR_FIFO_BITS : 0);
	case UART_LCR:
		return u->lcr;
	case UART_MCR:
		return u->mcr;
	case UART_LSR:
		v = uart_lsr(u);
		u->lsr_err = 0;
		return v;
	case UART_MSR:
		v = uart_msr_lines(u->mcr) | u->msr_delta;
		u->msr_delta = 0;
		return v;
	default: /* UART_SCR */
		return u->scr;
	}
}

static void uart_write_fcr(struct uart *u, u8 v)
{
	bool en = v & UART_FCR_ENABLE_FIFO;

	/* Whatever happens below can only make room (clear, or grow from 1 to 16). */
	uart_rx_room_changed(u);

	/* Changing FCR[0] clears both FIFOs; with FCR[0]=0 no other bit is programmed. */
	if (en != u->fifo_en) {
		uart_rx_clear(u);
		u->fifo_en = en;
	}
	if (!en)
		return;
	if (v & UART_FCR_CLEAR_RCVR)
		uart_rx_clear(u);
	/* UART_FCR_CLEAR_XMIT: the TX FIFO is always empty here. DMA mode (bit 3) has no effect. */
	u->rx_trig = uart_trig_bytes[(v & UART_FCR_TRIGGER_MASK) >> 6];
}

static void uart_write_mcr(struct uart *u, u8 v)
{
	u8 old = uart_msr_lines(u->mcr), now;
	bool was_loop = uart_loop(u);

	u->mcr = v & UART_MCR_MASK;
	now = uart_msr_lines(u->mcr);
	if ((old ^ now) & UART_MSR_CTS)
		u->msr_delta |= UART_MSR_DCTS;
	if ((old ^ now) & UART_MSR_DSR)
		u->msr_delta |= UART_MSR_DDSR;
	if ((old & UART_MSR_RI) && !(now & UART_MSR_RI))
		u->msr_delta |= UART_MSR_TERI;	/* trailing edge only */
	if ((old ^ now) & UART_MSR_DCD)
		u->msr_delta |= UART_MSR_DDCD;
	/* Leaving loopback reconnects the line: the host may send again. */
	if (was_loop && !uart_loop(u))
		uart_rx_room_changed(u);
}

/* Called with lock held; THR (off 0 without DLAB) is handled by uart_write_thr. */
static void uart_write_reg(struct uart *u, unsigned off, u8 v)
{
	switch (off) {
	case UART_TX: /* DLAB set */
		u->dll = v;
		break;
	case UART_IER:
		if (u->lcr & UART_LCR_DLAB) {
			u->dlm = v;
			break;
		}
		/*
		 * Enabling ETBEI while THR is empty raises THRE at once; Linux's
		 * startup checks that it is raised again after IER 0 → THRI.
		 */
		if ((v & UART_IER_THRI) && !(u->ier & UART_IER_THRI) && !u->tx_busy)
			u->thr_ipending = true;
		if (!(v & UART_IER_THRI))
			u->thr_ipending = false;
		u->ier = v & UART_IER_MASK;
		break;
	case UART_FCR:
		uart_write_fcr(u, v);
		break;
	case UART_LCR:
		u->lcr = v;
		break;
	case UART_MCR:
		uart_write_mcr(u, v);
		break;
	case UART_LSR:
	case UART_MSR:
		/* Read-only (writes are "for factory test" on the PC16550D): ignored. */
		break;
	default: /* UART_SCR */
		u->scr = v;
		break;
	}
}

static void uart_write_thr(struct uart *u, u8 v)
{
	int ret;

	pthread_mutex_lock(&u->tx_lock);
	pthread_mutex_lock(&u->lock);
	if (u->lcr & UART_LCR_DLAB) {
		u->dll = v;
		goto out;
	}
	u->thr_ipending = false;
	if (uart_loop(u)) {
		/* Loopback: TSR feeds RSR; the line stays idle. */
		uart_rx_push(u, v);
		u->thr_ipending = true;
		goto out;
	}
	if (!u->con) {
		/* No back-end: a UART with nothing on its line still transmits. */
		u->st.tx_bytes++;
		u->thr_ipending = true;
		goto out;
	}
	u->tx_busy = true;
	pthread_mutex_unlock(&u->lock);

	ret = console_write(u->con, &v, 1);

	pthread_mutex_lock(&u->lock);
	u->tx_busy = false;
	if (ret)
		u->st.tx_errors++;
	else
		u->st.tx_bytes++;
	/* THR and TSR are empty again: THRE interrupt (Table IV). */
	u->thr_ipending = true;
out:
	uart_update_irq(u);
	pthread_mutex_unlock(&u->lock);
	pthread_mutex_unlock(&u->tx_lock);
}

/*
 * An access wider than a byte is what an 8-bit ISA device sees: one byte
 * cycle per address (the bus guarantees [off, off+len) is inside our 8 ports).
 */
static void uart_bus_read(void *dev, u64 off, void *data, unsigned len)
{
	struct uart *u = dev;
	u8 *out = data;

	pthread_mutex_lock(&u->lock);
	for (unsigned i = 0; i < len; i++)
		out[i] = off + i < UART_NR_REGS ? uart_read_reg(u, off + i) : 0xff;
	uart_update_irq(u);
	pthread_mutex_unlock(&u->lock);
}

static void uart_bus_write(void *dev, u64 off, const void *data, unsigned len)
{
	struct uart *u = dev;
	const u8 *in = data;

	for (unsigned i = 0; i < len && off + i < UART_NR_REGS; i++) {
		if (off + i == UART_TX) {
			uart_write_thr(u, in[i]);
			continue;
		}
		pthread_mutex_lock(&u->lock);
		uart_write_reg(u, off + i, in[i]);
		uart_update_irq(u);
		pthread_mutex_unlock(&u->lock);
	}
}

static const struct bus_ops uart_bus_ops = {
	.read = uart_bus_read,
	.write = uart_bus_write,
};

/* Console port: called on the back-end's loop thread. */
static size_t uart_con_room(void *opaque)
{
	struct uart *u = opaque;
	size_t room;

	pthread_mutex_lock(&u->lock);
	room = uart_loop(u) ? 0 : uart_rx_cap(u) - u->rx_count;
	pthread_mutex_unlock(&u->lock);
	return room;
}

static size_t uart_con_rx(void *opaque, const u8 *buf, size_t len)
{
	struct uart *u = opaque;
	size_t n = 0;

	pthread_mutex_lock(&u->lock);
	if (!uart_loop(u)) {
		n = MIN(len, uart_rx_cap(u) - u->rx_count);
		for (size_t i = 0; i < n; i++)
			uart_rx_push(u, buf[i]);
		u->st.rx_bytes += n;
		uart_update_irq(u);
	}
	pthread_mutex_unlock(&u->lock);
	return n;
}

void uart_get_stats(struct uart *u, struct uart_stats *st)
{
	pthread_mutex_lock(&u->lock);
	*st = u->st;
	pthread_mutex_unlock(&u->lock);
}

static void uart_destroy(void *dev)
{
	struct uart *u = dev;

	bus_remove(u->pio, u->port, u);
	if (u->con)
		console_detach(u->con);
	pthread_mutex_destroy(&u->lock);
	pthread_mutex_destroy(&u->tx_lock);
	free(u);
}

static const struct vm_device_ops uart_dev_ops = {
	.name = "uart16550",
	.destroy = uart_destroy,
};

int uart_create(struct vm *vm, u16 port, unsigned irq, struct console *con, struct uart **out)
{
	struct uart *u = calloc(1, sizeof(*u));
	int ret;

	if (!u)
		return -ENOMEM;
	u->pio = &vm->pio;
	u->port = port;
	u->irq = &vm->irq;
	u->gsi = irq;
	snprintf(u->name, sizeof(u->name), "uart@%#x", port);
	u->rl = (struct ratelimit)RATELIMIT_INIT;
	pthread_mutex_init(&u->lock, NULL);
	pthread_mutex_init(&u->tx_lock, NULL);
	/* Power-on state (PC16550D Table II, "UART Reset Configuration"). */
	u->dll = 0x0c;		/* 9600 baud, as a PC BIOS leaves it */
	u->rx_trig = 1;

	ret = bus_add(&vm->pio, port, UART_NR_REGS, &uart_bus_ops, u, u->name);
	if (ret)
		goto err_free;
	if (con) {
		struct console_port cp = { uart_con_room, uart_con_rx, u };

		ret = console_attach(con, &cp);
		if (ret)
			goto err_bus;
		u->con = con;
	}
	ret = vm_add_device(vm, &uart_dev_ops, u);
	if (ret)
		goto err_con;
	if (out)
		*out = u;
	return 0;

err_con:
	if (u->con)
		console_detach(u->con);
err_bus:
	bus_remove(&vm->pio, port, u);
err_free:
	pthread_mutex_destroy(&u->lock);
	pthread_mutex_destroy(&u->tx_lock);
	free(u);
	return ret;
}
