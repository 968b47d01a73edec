// SPDX-License-Identifier: GPL-2.0-only
/*
 * The PS/2 keyboard controller (Intel 8042 and compatibles) with nothing
 * plugged into either of its ports. It exists because a PC guest expects it:
 * Linux's i8042 driver probes it (self-test, the command byte, the AUX
 * loopback and port tests) and reboots through it (command 0xFE pulses the
 * CPU reset line).
 *
 * Ports: 0x60 data (read: output buffer; write: command parameter, or a byte
 * for the keyboard), 0x64 status (read) and command (write). Commands finish
 * at once, so IBF never reads 1. Bytes sent to a device are answered, as a
 * controller whose device never clocks does, with 0xFE and the status
 * TIMEOUT bit: Linux's libps2 takes 0xFE as a NAK and gives up on the device
 * quickly and quietly. Output bytes raise IRQ 1 (keyboard) or IRQ 12 (AUX)
 * when the command byte enables them, as a level that follows OBF.
 */
#include <errno.h>
#include <stdlib.h>

#include "iovirt/devices.h"
#include "iovirt/layout.h"
#include "iovirt/log.h"
#include "iovirt/vm.h"

/* Status register (read from 0x64). */
#define I8042_STR_OBF		0x01	/* output buffer full */
#define I8042_STR_IBF		0x02	/* input buffer full */
#define I8042_STR_SYSFLAG	0x04	/* self-test passed */
#define I8042_STR_CMDDAT	0x08	/* last write was to 0x64 */
#define I8042_STR_KEYLOCK	0x10	/* 1: keyboard not inhibited */
#define I8042_STR_AUXDATA	0x20	/* output byte comes from the AUX port */
#define I8042_STR_TIMEOUT	0x40
#define I8042_STR_PARITY	0x80

/* Controller command byte ("CTR", RAM byte 0). */
#define I8042_CTR_KBDINT	0x01
#define I8042_CTR_AUXINT	0x02
#define I8042_CTR_SYSFLAG	0x04
#define I8042_CTR_KBDDIS	0x10
#define I8042_CTR_AUXDIS	0x20
#define I8042_CTR_XLATE		0x40

/* Output port (commands 0xD0/0xD1). */
#define I8042_OUT_RESET		0x01	/* 0: CPU held in reset */
#define I8042_OUT_A20		0x02
#define I8042_OUT_KBD_OBF	0x10
#define I8042_OUT_AUX_OBF	0x20

/* Commands written to 0x64. */
#define I8042_CMD_READ_RAM	0x20	/* 0x20..0x3f: read RAM byte n (0x20: CTR) */
#define I8042_CMD_WRITE_RAM	0x60	/* 0x60..0x7f: write RAM byte n (0x60: CTR) */
#define I8042_CMD_AUX_DISABLE	0xa7
#define I8042_CMD_AUX_ENABLE	0xa8
#define I8042_CMD_AUX_TEST	0xa9
#define I8042_CMD_CTL_TEST	0xaa
#define I8042_CMD_KBD_TEST	0xab
#define I8042_CMD_KBD_DISABLE	0xad
#define I8042_CMD_KBD_ENABLE	0xae
#define I8042_CMD_READ_INPUT	0xc0
#define I8042_CMD_READ_OUTPUT	0xd0
#define I8042_CMD_WRITE_OUTPUT	0xd1
#define I8042_CMD_KBD_LOOP	0xd2
#define I8042_CMD_AUX_LOOP	0xd3
#define I8042_CMD_AUX_SEND	0xd4
#define I8042_CMD_A20_OFF	0xdd
#define I8042_CMD_A20_ON	0xdf
#define I8042_CMD_PULSE		0xf0	/* 0xf0..0xff: pulse output lines whose bit is 0 */

#define I8042_RET_CTL_TEST	0x55
#define I8042_RET_PORT_OK	0x00
#define PS2_RET_NAK		0xfe

#define I8042_IRQ_KBD		1
#define I8042_IRQ_AUX		12

/*
 * Linux's i8042_flush() reads at most 16 bytes and declares "no controller"
 * when the buffer never empties: keep our queue well below that.
 */
#define I8042_QUEUE_LEN		8

struct i8042_byte {
	u8 data;
	u8 str;		/* AUXDATA / TIMEOUT to show with it */
};

struct i8042 {
	struct vm *vm;
	/* Guards everything below; the device is only touched by vCPU threads. */
	pthread_mutex_t lock;
	u8 ram[32];		/* ram[0] is the command byte */
	u8 outport;
	u8 pending_cmd;		/* command waiting for its data byte, 0: none */
	bool last_was_cmd;
	struct i8042_byte queue[I8042_QUEUE_LEN];
	unsigned q_head, q_count;
	int level_kbd, level_aux;
	struct ratelimit rl;
	u64 dropped;		/* output bytes lost to a full queue (guest not reading) */
};

static void i8042_set_line(struct i8042 *k, unsigned irq, int *cur, int level)
{
	if (*cur == level)
		return;
	*cur = level;
	if (irq_line_set(&k->vm->irq, irq, level))
		dev_warn_rl(&k->rl, "i8042", "cannot set IRQ %u", irq);
}

/*
 * The interrupt lines follow OBF and the head byte's port. `pulse` drops a
 * line that stays high across a pop, so the next byte is a fresh edge (the
 * ISA pins are edge-triggered).
 */
static void i8042_update_irq(struct i8042 *k, bool pulse)
{
	int kbd = 0, aux = 0;

	if (k->q_count) {
		const struct i8042_byte *b = &k->queue[k->q_head];

		if (b->str & I8042_STR_AUXDATA)
			aux = !!(k->ram[0] & I8042_CTR_AUXINT);
		else
			kbd = !!(k->ram[0] & I8042_CTR_KBDINT);
	}
	if (pulse) {
		i8042_set_line(k, I8042_IRQ_KBD, &k->level_kbd, 0);
		i8042_set_line(k, I8042_IRQ_AUX, &k->level_aux, 0);
	}
	i8042_set_line(k, I8042_IRQ_KBD, &k->level_kbd, kbd);
	i8042_set_line(k, I8042_IRQ_AUX, &k->level_aux, aux);
}

static void i8042_queue(struct i8042 *k, u8 data, u8 str)
{
	if (k->q_count == I8042_QUEUE_LEN) {
		k->dropped++;
		return;
	}
	k->queue[(k->q_head + k->q_count) % I8042_QUEUE_LEN] = (struct i8042_byte){ data, str };
	k->q_count++;
}

static u8 i8042_status(const struct i8042 *k)
{
	u8 st = I8042_STR_KEYLOCK;

	if (k->ram[0] & I8042_CTR_SYSFLAG)
		st |= I8042_STR_SYSFLAG;
	if (k->last_was_cmd)
		st |= I8042_STR_CMDDAT;
	if (k->q_count)
		st |= I8042_STR_OBF | k->queue[k->q_head].str;
	return st;
}

static void i8042_reset_cpu(struct i8042 *k)
{
	pr_info("i8042: guest pulsed the reset line");
	vm_request_stop(k->vm, VM_STOP_RESET);
}

static void i8042_command(struct i8042 *k, u8 cmd)
{
	k->pending_cmd = 0;
	if (cmd >= I8042_CMD_READ_RAM && cmd < I8042_CMD_READ_RAM + 0x20) {
		i8042_queue(k, k->ram[cmd & 0x1f], 0);
		return;
	}
	if (cmd >= I8042_CMD_WRITE_RAM && cmd < I8042_CMD_WRITE_RAM + 0x20) {
		k->pending_cmd = cmd;
		return;
	}
	if (cmd >= I8042_CMD_PULSE) {
		if (!(cmd & I8042_OUT_RESET))
			i8042_reset_cpu(k);
		return;
	}
	switch (cmd) {
	case I8042_CMD_AUX_DISABLE:
		k->ram[0] |= I8042_CTR_AUXDIS;
		break;
	case I8042_CMD_AUX_ENABLE:
		k->ram[0] &= ~I8042_CTR_AUXDIS;
		break;
	case I8042_CMD_AUX_TEST:
	case I8042_CMD_KBD_TEST:
		/* The interface lines themselves are fine; nothing is attached. */
		i8042_queue(k, I8042_RET_PORT_OK, 0);
		break;
	case I8042_CMD_CTL_TEST:
		k->ram[0] |= I8042_CTR_SYSFLAG;
		i8042_queue(k, I8042_RET_CTL_TEST, 0);
		break;
	case I8042_CMD_KBD_DISABLE:
		k->ram[0] |= I8042_CTR_KBDDIS;
		break;
	case I8042_CMD_KBD_ENABLE:
		k->ram[0] &= ~I8042_CTR_KBDDIS;
		break;
	case I8042_CMD_READ_INPUT:
		i8042_queue(k, 0x80, 0);	/* bit 7: keyboard not inhibited */
		break;
	case I8042_CMD_READ_OUTPUT: {
		u8 v = k->outport & ~(I8042_OUT_KBD_OBF | I8042_OUT_AUX_OBF);

		if (k->q_count)
			v |= (k->queue[k->q_head].str & I8042_STR_AUXDATA) ? I8042_OUT_AUX_OBF :
									      I8042_OUT_KBD_OBF;
		i8042_queue(k, v, 0);
		break;
	}
	case I8042_CMD_WRITE_OUTPUT:
	case I8042_CMD_KBD_LOOP:
	case I8042_CMD_AUX_LOOP:
	case I8042_CMD_AUX_SEND:
		k->pending_cmd = cmd;
		break;
	case I8042_CMD_A20_OFF:
		k->outport &= ~I8042_OUT_A20;
		break;
	case I8042_CMD_A20_ON:
		k->outport |= I8042_OUT_A20;
		break;
	default:
		dev_warn_rl(&k->rl, "i8042", "unknown command %#x ignored", cmd);
		break;
	}
}

static void i8042_data(struct i8042 *k, u8 v)
{
	u8 cmd = k->pending_cmd;

	k->pending_cmd = 0;
	if (cmd >= I8042_CMD_WRITE_RAM && cmd < I8042_CMD_WRITE_RAM + 0x20) {
		k->ram[cmd & 0x1f] = v;
		return;
	}
	switch (cmd) {
	case I8042_CMD_WRITE_OUTPUT:
		k->outport = v;
		if (!(v & I8042_OUT_RESET))
			i8042_reset_cpu(k);
		break;
	case I8042_CMD_KBD_LOOP:
		i8042_queue(k, v, 0);
		break;
	case I8042_CMD_AUX_LOOP:
		i8042_queue(k, v, I8042_STR_AUXDATA);
		break;
	case I8042_CMD_AUX_SEND:
		/* No mouse: it never answers. */
		i8042_queue(k, PS2_RET_NAK, I8042_STR_AUXDATA | I8042_STR_TIMEOUT);
		break;
	default:
		/* A byte for the keyboard, which is not there. */
		i8042_queue(k, PS2_RET_NAK, I8042_STR_TIMEOUT);
		break;
	}
}

static void i8042_data_read(void *dev, u64 off, void *data, unsigned len)
{
	struct i8042 *k = dev;
	u8 v = 0;

	pthread_mutex_lock(&k->lock);
	if (k->q_count) {
		v = k->queue[k->q_head].data;
		k->q_head = (k->q_head + 1) % I8042_QUEUE_LEN;
		k->q_count--;
		i8042_update_irq(k, true);
	}
	pthread_mutex_unlock(&k->lock);
	memset(data, 0xff, len);
	*(u8 *)data = v;
}

static void i8042_data_write(void *dev, u64 off, const void *data, unsigned len)
{
	struct i8042 *k = dev;

	pthread_mutex_lock(&k->lock);
	k->last_was_cmd = false;
	i8042_data(k, *(const u8 *)data);
	i8042_update_irq(k, false);
	pthread_mutex_unlock(&k->lock);
}

static void i8042_cmd_read(void *dev, u64 off, void *data, unsigned len)
{
	struct i8042 *k = dev;
	u8 v;

	pthread_mutex_lock(&k->lock);
	v = i8042_status(k);
	pthread_mutex_unlock(&k->lock);
	memset(data, 0xff, len);
	*(u8 *)data = v;
}

static void i8042_cmd_write(void *dev, u64 off, const void *data, unsigned len)
{
	struct i8042 *k = dev;

	pthread_mutex_lock(&k->lock);
	k->last_was_cmd = true;
	i8042_command(k, *(const u8 *)data);
	i8042_update_irq(k, false);
	pthread_mutex_unlock(&k->lock);
}

static const struct bus_ops i8042_data_ops = { .read = i8042_data_read, .write = i8042_data_write };
static const struct bus_ops i8042_cmd_ops = { .read = i8042_cmd_read, .write = i8042_cmd_write };

static void i8042_destroy(void *dev)
{
	struct i8042 *k = dev;

	bus_remove(&k->vm->pio, PIO_I8042_DATA, k);
	bus_remove(&k->vm->pio, PIO_I8042_CMD, k);
	pthread_mutex_destroy(&k->lock);
	free(k);
}

static const struct vm_device_ops i8042_dev_ops = {
	.name = "i8042",
	.destroy = i8042_destroy,
};

int i8042_create(struct vm *vm)
{
	struct i8042 *k = calloc(1, sizeof(*k));
	int ret;

	if (!k)
		return -ENOMEM;
	k->vm = vm;
	k->rl = (struct ratelimit)RATELIMIT_INIT;
	pthread_mutex_init(&k->lock, NULL);
	/*
	 * As firmware leaves it: self-test passed, scan-code translation on,
	 * both ports enabled, their interrupts off until the OS asks.
	 */
	k->ram[0] = I8042_CTR_SYSFLAG | I8042_CTR_XLATE;
	k->outport = I8042_OUT_RESET | I8042_OUT_A20;

	/* Two single ports: 0x61 (PIT/speaker) between them belongs to KVM's PIT. */
	ret = bus_add(&vm->pio, PIO_I8042_DATA, 1, &i8042_data_ops, k, "i8042-data");
	if (ret)
		goto err_free;
	ret = bus_add(&vm->pio, PIO_I8042_CMD, 1, &i8042_cmd_ops, k, "i8042-cmd");
	if (ret)
		goto err_data;
	ret = vm_add_device(vm, &i8042_dev_ops, k);
	if (ret)
		goto err_cmd;
	return 0;

err_cmd:
	bus_remove(&vm->pio, PIO_I8042_CMD, k);
err_data:
	bus_remove(&vm->pio, PIO_I8042_DATA, k);
err_free:
	pthread_mutex_destroy(&k->lock);
	free(k);
	return ret;
}
