// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fuzz target for the virtio-mmio transport (src/virtio/virtio_mmio.c,
 * virtio 1.2 §4.2.2) over the real device model: a hostile driver's random
 * sequence of register reads and writes of every size and offset — status
 * transitions in any order, feature words past 64 bits, QueueSel past the
 * last queue, QueueNum not a power of two, ring addresses outside guest
 * memory or across its hole, QueueReady toggled, InterruptACK of any bits,
 * config space of any width, a reset at any point — mixed with well-formed
 * bring-ups (Linux's vm_probe order), chains added to the rings (buffers in
 * and out of memory, direct or indirect, out of order), kicks through
 * QueueNotify (its ioeventfd), the device serving its queues, and used
 * entries read back. The input is a list of steps: u8 op, then its operands.
 *
 * After every step, besides the device model's invariants (fz_virtio.h):
 * the interrupt line is high exactly while InterruptStatus is nonzero; read
 * registers say what the model holds (magic, version, IDs, QueueNumMax 0 for
 * a missing queue, QueueReady, Status); an access that is not an aligned
 * 32-bit one to a register reads 0 and changes nothing. After every reset,
 * each register reads its reset value.
 */
#include <linux/virtio_mmio.h>

#include "fz_virtio.h"

struct in {
	const u8 *p;
	size_t n;
};

static u32 take(struct in *in, unsigned bytes)
{
	u32 v = 0;

	for (unsigned i = 0; i < bytes; i++) {
		v |= (u32)(in->n ? *in->p : 0) << (8 * i);
		if (in->n) {
			in->p++;
			in->n--;
		}
	}
	return v;
}

struct world {
	struct pci_fixture f;
	struct fzdev d;
	u64 base;
	unsigned gsi;
};

static u32 rd(struct world *w, u64 off)
{
	u64 v = 0;

	bus_read(&w->f.vm.mmio, w->base + off, &v, 4);
	return (u32)v;
}

static void wr(struct world *w, u64 off, u32 v)
{
	bus_write(&w->f.vm.mmio, w->base + off, &v, 4);
}

static const u16 regs[] = {
	VIRTIO_MMIO_MAGIC_VALUE,	VIRTIO_MMIO_VERSION,	     VIRTIO_MMIO_DEVICE_ID,
	VIRTIO_MMIO_VENDOR_ID,		VIRTIO_MMIO_DEVICE_FEATURES, VIRTIO_MMIO_DEVICE_FEATURES_SEL,
	VIRTIO_MMIO_DRIVER_FEATURES,	VIRTIO_MMIO_DRIVER_FEATURES_SEL, VIRTIO_MMIO_QUEUE_SEL,
	VIRTIO_MMIO_QUEUE_NUM_MAX,	VIRTIO_MMIO_QUEUE_NUM,	     VIRTIO_MMIO_QUEUE_READY,
	VIRTIO_MMIO_QUEUE_NOTIFY,	VIRTIO_MMIO_INTERRUPT_STATUS, VIRTIO_MMIO_INTERRUPT_ACK,
	VIRTIO_MMIO_STATUS,		VIRTIO_MMIO_QUEUE_DESC_LOW,  VIRTIO_MMIO_QUEUE_DESC_HIGH,
	VIRTIO_MMIO_QUEUE_AVAIL_LOW,	VIRTIO_MMIO_QUEUE_AVAIL_HIGH, VIRTIO_MMIO_QUEUE_USED_LOW,
	VIRTIO_MMIO_QUEUE_USED_HIGH,	VIRTIO_MMIO_SHM_SEL,	     VIRTIO_MMIO_SHM_LEN_LOW,
	VIRTIO_MMIO_SHM_LEN_HIGH,	VIRTIO_MMIO_SHM_BASE_LOW,    VIRTIO_MMIO_SHM_BASE_HIGH,
	VIRTIO_MMIO_CONFIG_GENERATION,
};

static const unsigned lens[] = { 4, 4, 4, 4, 1, 2, 8, 3 };

/*
 * An access: r bits 0-1 kind, 2-13 register index or offset, 14-16 size, 17-18
 * value class. Mostly a defined register, sometimes one byte off, sometimes
 * any byte of the window.
 */
static u64 pick_off(u32 r)
{
	u32 x = (r >> 2) & 0xfff;

	if ((r & 3) == 3)
		return x;
	return regs[x % ARRAY_SIZE(regs)] + ((r & 3) == 2 ? 1 + x % 3 : 0);
}

static unsigned pick_len(u32 r)
{
	return lens[(r >> 14) & 7];
}

/* A value: small ones (queue indexes, status bits) most of the time. */
static u32 pick_val(u32 v, u32 sel)
{
	switch (sel & 3) {
	case 0:
		return v & 0xf;
	case 1:
		return v & 0xff;
	default:
		return v;
	}
}

static void check_line(struct world *w)
{
	u32 is = rd(w, VIRTIO_MMIO_INTERRUPT_STATUS);

	FUZZ_ASSERT(!(is & ~(u32)(VIRTIO_MMIO_INT_VRING | VIRTIO_MMIO_INT_CONFIG)));
	FUZZ_ASSERT(w->f.fi.line[w->gsi] == (is != 0));
}

/* §4.2.2 / §2.4: every register back at its reset value. */
static void check_reset(struct world *w)
{
	struct fzdev *d = &w->d;

	fz_check_reset(d);
	FUZZ_ASSERT(rd(w, VIRTIO_MMIO_STATUS) == 0);
	FUZZ_ASSERT(rd(w, VIRTIO_MMIO_INTERRUPT_STATUS) == 0);
	FUZZ_ASSERT(w->f.fi.line[w->gsi] == 0);
	/* Selectors at 0: the low feature word, queue 0. */
	FUZZ_ASSERT(rd(w, VIRTIO_MMIO_DEVICE_FEATURES) == (u32)d->vd.host_features);
	FUZZ_ASSERT(rd(w, VIRTIO_MMIO_QUEUE_NUM_MAX) == FZ_QMAX);
	for (unsigned q = 0; q <= FZ_NQ; q++) {
		wr(w, VIRTIO_MMIO_QUEUE_SEL, q);
		FUZZ_ASSERT(rd(w, VIRTIO_MMIO_QUEUE_NUM_MAX) == (q < FZ_NQ ? FZ_QMAX : 0));
		FUZZ_ASSERT(rd(w, VIRTIO_MMIO_QUEUE_READY) == 0);
		FUZZ_ASSERT(rd(w, VIRTIO_MMIO_QUEUE_DESC_LOW) == 0);
		FUZZ_ASSERT(rd(w, VIRTIO_MMIO_QUEUE_DESC_HIGH) == 0);
		FUZZ_ASSERT(rd(w, VIRTIO_MMIO_QUEUE_AVAIL_LOW) == 0);
		FUZZ_ASSERT(rd(w, VIRTIO_MMIO_QUEUE_AVAIL_HIGH) == 0);
		FUZZ_ASSERT(rd(w, VIRTIO_MMIO_QUEUE_USED_LOW) == 0);
		FUZZ_ASSERT(rd(w, VIRTIO_MMIO_QUEUE_USED_HIGH) == 0);
	}
	wr(w, VIRTIO_MMIO_QUEUE_SEL, 0);
}

/* What a read of a register must return, given the model (when it is knowable). */
static void check_read(struct world *w, u64 off, unsigned len, u64 v)
{
	struct virtio_dev *vd = &w->d.vd;

	if (off >= VIRTIO_MMIO_CONFIG)
		return;
	if (len != 4 || off % 4) {
		FUZZ_ASSERT(v == 0);
		return;
	}
	switch (off) {
	case VIRTIO_MMIO_MAGIC_VALUE:
		FUZZ_ASSERT(v == 0x74726976);
		break;
	case VIRTIO_MMIO_VERSION:
		FUZZ_ASSERT(v == 2);
		break;
	case VIRTIO_MMIO_DEVICE_ID:
		FUZZ_ASSERT(v == VIRTIO_ID_RNG);
		break;
	case VIRTIO_MMIO_QUEUE_NUM_MAX:
		FUZZ_ASSERT(v == 0 || v == FZ_QMAX);
		break;
	case VIRTIO_MMIO_QUEUE_READY:
		FUZZ_ASSERT(v <= 1);
		break;
	case VIRTIO_MMIO_STATUS:
		FUZZ_ASSERT(v == virtio_dev_read_status(vd));
		break;
	case VIRTIO_MMIO_DEVICE_FEATURES:
		FUZZ_ASSERT(!(v & ~(u32)vd->host_features) ||
			    !(v & ~(u32)(vd->host_features >> 32)));
		break;
	}
}

/* Linux's vm_probe + virtio_dev_probe + vm_setup_vq, with choices from the input. */
static void bring_up(struct world *w, struct in *in)
{
	struct fzdev *d = &w->d;
	u32 fsel = take(in, 4), qmask = take(in, 1), sizes = take(in, 2);
	u64 f;

	wr(w, VIRTIO_MMIO_STATUS, 0);
	fz_mq_forget(d);
	check_reset(w);
	wr(w, VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE);
	wr(w, VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
	wr(w, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	f = (u64)rd(w, VIRTIO_MMIO_DEVICE_FEATURES) << 32;
	wr(w, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	f |= rd(w, VIRTIO_MMIO_DEVICE_FEATURES);
	FUZZ_ASSERT(f == d->vd.host_features);
	/* Mostly what was offered minus some bits; sometimes bits that were not. */
	f &= ~((u64)(fsel & 0x0fffffff) << (fsel >> 28 & 7) * 4);
	if (fsel & 0x80000000u)
		f |= BIT64((fsel >> 16) & 63);
	wr(w, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	wr(w, VIRTIO_MMIO_DRIVER_FEATURES, (u32)(f >> 32));
	wr(w, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	wr(w, VIRTIO_MMIO_DRIVER_FEATURES, (u32)f);
	wr(w, VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER |
					  VIRTIO_CONFIG_S_FEATURES_OK);
	if (!(rd(w, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_FEATURES_OK)) {
		FUZZ_ASSERT(!(d->vd.features));
		return; /* refused: a driver gives up here */
	}
	FUZZ_ASSERT(d->vd.features == f);
	for (unsigned q = 0; q < FZ_NQ; q++) {
		static const u16 sz[4] = { FZ_QMAX, 16, 1, 2 };
		struct virtq_config c;

		if (!(qmask & (1u << q)))
			continue;
		wr(w, VIRTIO_MMIO_QUEUE_SEL, q);
		FUZZ_ASSERT(rd(w, VIRTIO_MMIO_QUEUE_READY) == 0);
		FUZZ_ASSERT(rd(w, VIRTIO_MMIO_QUEUE_NUM_MAX) == FZ_QMAX);
		if (!fz_mq_setup(d, q, sz[(sizes >> (2 * q)) & 3],
				 f & BIT64(VIRTIO_F_RING_PACKED), f & BIT64(VIRTIO_RING_F_EVENT_IDX),
				 &c))
			continue;
		wr(w, VIRTIO_MMIO_QUEUE_NUM, c.size);
		wr(w, VIRTIO_MMIO_QUEUE_DESC_LOW, (u32)c.desc_addr);
		wr(w, VIRTIO_MMIO_QUEUE_DESC_HIGH, (u32)(c.desc_addr >> 32));
		wr(w, VIRTIO_MMIO_QUEUE_AVAIL_LOW, (u32)c.driver_addr);
		wr(w, VIRTIO_MMIO_QUEUE_AVAIL_HIGH, (u32)(c.driver_addr >> 32));
		wr(w, VIRTIO_MMIO_QUEUE_USED_LOW, (u32)c.device_addr);
		wr(w, VIRTIO_MMIO_QUEUE_USED_HIGH, (u32)(c.device_addr >> 32));
		FUZZ_ASSERT(rd(w, VIRTIO_MMIO_QUEUE_DESC_LOW) == (u32)c.desc_addr);
		FUZZ_ASSERT(rd(w, VIRTIO_MMIO_QUEUE_USED_LOW) == (u32)c.device_addr);
		wr(w, VIRTIO_MMIO_QUEUE_READY, 1);
		FUZZ_ASSERT(rd(w, VIRTIO_MMIO_QUEUE_READY) == 1);
	}
	if (qmask & 0x80)
		return; /* leave it before DRIVER_OK: raw steps may change the queues */
	wr(w, VIRTIO_MMIO_STATUS, rd(w, VIRTIO_MMIO_STATUS) | VIRTIO_CONFIG_S_DRIVER_OK);
	FUZZ_ASSERT(rd(w, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_DRIVER_OK);
}

static void step(struct world *w, struct in *in)
{
	struct fzdev *d = &w->d;
	u32 op = take(in, 1), r, v;
	unsigned len, q;
	u64 x = 0, off;
	u8 buf[32];

	switch (op % 16) {
	case 0:
	case 1:
	case 2: /* raw register write */
		r = take(in, 3);
		v = take(in, 4);
		off = pick_off(r);
		len = pick_len(r);
		x = pick_val(v, r >> 17);
		if (off == VIRTIO_MMIO_STATUS && len == 4 && !(u8)x) {
			bus_write(&w->f.vm.mmio, w->base + off, &x, len);
			fz_mq_forget(d);
			check_reset(w);
			break;
		}
		bus_write(&w->f.vm.mmio, w->base + off, &x, len);
		break;
	case 3:
	case 4: /* raw register read */
		r = take(in, 3);
		off = pick_off(r);
		len = pick_len(r);
		x = 0;
		bus_read(&w->f.vm.mmio, w->base + off, &x, len);
		check_read(w, off, len, x);
		break;
	case 5: /* device config, any width, in and past its 16 bytes */
		r = take(in, 2);
		len = lens[(r >> 8) & 7];
		off = VIRTIO_MMIO_CONFIG + (r & 0x1f);
		x = take(in, 4);
		if (r & 0x8000) {
			bus_write(&w->f.vm.mmio, w->base + off, &x, len);
		} else {
			x = 0;
			bus_read(&w->f.vm.mmio, w->base + off, &x, len);
			if ((r & 0x1f) + len > FZ_CONFIG)
				FUZZ_ASSERT(x == 0);
		}
		break;
	case 6:
		bring_up(w, in);
		break;
	case 7:
	case 8: /* a chain, and the kick if the driver would */
		r = take(in, 1);
		q = r % FZ_NQ;
		len = 1 + (r >> 2) % 8;
		for (unsigned i = 0; i < 4 * len; i++)
			buf[i] = (u8)take(in, 1);
		if (fz_mq_add(d, q, r >> 5, buf, len) || (r & 0x80))
			wr(w, VIRTIO_MMIO_QUEUE_NOTIFY, q);
		break;
	case 9:
	case 10: /* the I/O thread runs */
		fz_serve(d);
		break;
	case 11: /* the driver's interrupt handler: status, ack, used entries */
		r = take(in, 1);
		v = rd(w, VIRTIO_MMIO_INTERRUPT_STATUS);
		wr(w, VIRTIO_MMIO_INTERRUPT_ACK, r & 1 ? v : r);
		for (q = 0; q < FZ_NQ; q++)
			fz_mq_reap(d, q);
		break;
	case 12: /* reset */
		wr(w, VIRTIO_MMIO_STATUS, 0);
		fz_mq_forget(d);
		check_reset(w);
		break;
	case 13: /* the next activation fails (a device that cannot start) */
		d->fail_activate = take(in, 1) & 1;
		break;
	case 14: /* a kick of any value */
		wr(w, VIRTIO_MMIO_QUEUE_NOTIFY, take(in, 2));
		break;
	default: /* config byte 0: the device signals a config change */
		x = take(in, 1);
		bus_write(&w->f.vm.mmio, w->base + VIRTIO_MMIO_CONFIG, &x, 1);
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct world *w = calloc(1, sizeof(*w));
	struct in in = { data, size };

	log_set_level(LOG_ERR);
	if (!w || pci_fixture_init(&w->f) || fzdev_init(&w->d, &w->f) ||
	    virtio_mmio_create(&w->f.vm, &w->d.vd)) {
		fprintf(stderr, "fuzz_virtio_mmio: set-up failed\n");
		abort();
	}
	w->base = w->f.vm.platform_devs[0].addr;
	w->gsi = w->f.vm.platform_devs[0].gsi;
	check_reset(w);
	for (unsigned n = 0; in.n && n < 2048; n++) {
		step(w, &in);
		fz_check_dev(&w->d);
		check_line(w);
		if (!virtio_dev_read_status(&w->d.vd))
			fz_mq_forget(&w->d);
	}
	pci_fixture_fini(&w->f); /* the transport resets the device */
	fz_check_reset(&w->d);
	fzdev_fini(&w->d);
	free(w);
	return 0;
}
