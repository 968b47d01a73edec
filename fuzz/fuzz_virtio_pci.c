// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fuzz target for the virtio-pci modern transport (src/virtio/virtio_pci.c,
 * virtio 1.2 §4.1) over the real device model and PCI host bridge: a hostile
 * driver's random sequence of common-config accesses of every size and
 * offset (fields split or straddled, read-only ones written, queue_select
 * past the end, queue_size not a power of two, ring addresses outside guest
 * memory, queue_enable after DRIVER_OK, MSI-X vectors that do not exist,
 * status transitions in any order, a reset at any point), the ISR, device
 * config, notifications at any offset, config-space traffic (memory decode
 * and bus mastering toggled, the BAR moved, MSI-X enabled, the
 * VIRTIO_PCI_CAP_PCI_CFG window, FLR) — mixed with Linux-like bring-ups,
 * chains on the rings, the device serving its queues and used entries read
 * back. The input is a list of steps: u8 op, then its operands.
 *
 * After every step, besides the device model's invariants (fz_virtio.h):
 * every queue's MSI-X vector exists or is NO_VECTOR; the kick ioeventfds are
 * bound exactly at the notify addresses of where BAR4 decodes now (none
 * left at an old address); the buses stay sane. Reading ISR returns nonzero
 * exactly when INTx was asserted, and deasserts it. Read fields say what the
 * model holds. After every reset, each common-config field reads its reset
 * value.
 */
#include <linux/virtio_pci.h>

#include "fz_virtio.h"

#define VP_BAR		4
#define VP_ISR		0x1000
#define VP_DEVCFG	0x2000
#define VP_NOTIFY	0x3000
#define NVEC		(FZ_NQ + 1)

struct in {
	const u8 *p;
	size_t n;
};

static u64 take(struct in *in, unsigned bytes)
{
	u64 v = 0;

	for (unsigned i = 0; i < bytes; i++) {
		v |= (u64)(in->n ? *in->p : 0) << (8 * i);
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
	struct pci_dev *pd;
	u8 devfn;
	u8 msix_cap, cfg_cap;
	u32 bars[PCI_NUM_BARS];	/* as firmware assigned them (restored after an FLR) */
};

static u64 bar4(struct world *w)
{
	return w->pd->bars[VP_BAR].mapped ? w->pd->bars[VP_BAR].addr : 0;
}

/* A BAR access; nothing when the BAR does not decode (a driver would not do it). */
static u64 bar_rd(struct world *w, u64 off, unsigned len)
{
	u64 v = 0, b = bar4(w);

	if (b)
		bus_read(&w->f.vm.mmio, b + off, &v, len);
	return v;
}

static void bar_wr(struct world *w, u64 off, unsigned len, u64 v)
{
	u64 b = bar4(w);

	if (b)
		bus_write(&w->f.vm.mmio, b + off, &v, len);
}

#define com_rd(w, reg, len) bar_rd(w, VIRTIO_PCI_COMMON_##reg, len)
#define com_wr(w, reg, len, v) bar_wr(w, VIRTIO_PCI_COMMON_##reg, len, v)

static const u8 fields[][2] = {
	{ VIRTIO_PCI_COMMON_DFSELECT, 4 }, { VIRTIO_PCI_COMMON_DF, 4 },
	{ VIRTIO_PCI_COMMON_GFSELECT, 4 }, { VIRTIO_PCI_COMMON_GF, 4 },
	{ VIRTIO_PCI_COMMON_MSIX, 2 },	   { VIRTIO_PCI_COMMON_NUMQ, 2 },
	{ VIRTIO_PCI_COMMON_STATUS, 1 },   { VIRTIO_PCI_COMMON_CFGGENERATION, 1 },
	{ VIRTIO_PCI_COMMON_Q_SELECT, 2 }, { VIRTIO_PCI_COMMON_Q_SIZE, 2 },
	{ VIRTIO_PCI_COMMON_Q_MSIX, 2 },   { VIRTIO_PCI_COMMON_Q_ENABLE, 2 },
	{ VIRTIO_PCI_COMMON_Q_NOFF, 2 },   { VIRTIO_PCI_COMMON_Q_DESCLO, 8 },
	{ VIRTIO_PCI_COMMON_Q_AVAILLO, 8 }, { VIRTIO_PCI_COMMON_Q_USEDLO, 8 },
	{ VIRTIO_PCI_COMMON_Q_NDATA, 2 },  { VIRTIO_PCI_COMMON_Q_RESET, 2 },
};

static const unsigned lens[] = { 1, 2, 4, 8, 3, 4, 2, 1 };

/*
 * A common-config access from r: bits 0-1 kind, 2-13 field index or offset,
 * 14-16 size selector, 17-18 value class. Kind 0: a whole field; 1: a piece
 * of one (the 32-bit halves of the addresses, a byte of a word); 2, 3: any
 * offset, in the structure or anywhere in its 4 KiB.
 */
static void pick_access(u32 r, u32 *off, unsigned *len)
{
	u32 x = (r >> 2) & 0xfff;
	unsigned f = x % ARRAY_SIZE(fields);

	switch (r & 3) {
	case 0:
		*off = fields[f][0];
		*len = fields[f][1];
		break;
	case 1:
		*len = lens[(r >> 14) & 7] % fields[f][1];
		*len = *len ? *len : 1;
		*off = fields[f][0] + (x / ARRAY_SIZE(fields)) % (fields[f][1] - *len + 1);
		break;
	case 2:
		*off = x % 0x40;
		*len = lens[(r >> 14) & 7];
		break;
	default:
		*off = x;
		*len = lens[(r >> 14) & 7];
		break;
	}
}

static u64 pick_val(u64 v, u32 sel)
{
	switch (sel & 3) {
	case 0:
		return v & 0xf;
	case 1:
		return v & 0xff;
	case 2:
		return (u32)v;
	default:
		return v;
	}
}

/* The field holding [off, off + len), or -1 if the access is not inside one. */
static int field_of(u32 off, unsigned len)
{
	for (unsigned i = 0; i < ARRAY_SIZE(fields); i++)
		if (off >= fields[i][0] && off + len <= (u32)fields[i][0] + fields[i][1])
			return (int)i;
	return -1;
}

static void check_common_read(struct world *w, u32 off, unsigned len, u64 v)
{
	struct virtio_dev *vd = &w->d.vd;
	int f = field_of(off, len);

	if (f < 0) {
		FUZZ_ASSERT(v == 0);
		return;
	}
	if (off != fields[f][0])
		return;
	switch (off) {
	case VIRTIO_PCI_COMMON_NUMQ:
		FUZZ_ASSERT(v == FZ_NQ);
		break;
	case VIRTIO_PCI_COMMON_STATUS:
		FUZZ_ASSERT(v == virtio_dev_read_status(vd));
		break;
	case VIRTIO_PCI_COMMON_MSIX:
	case VIRTIO_PCI_COMMON_Q_MSIX:
		if (len == 2)
			FUZZ_ASSERT(v < NVEC || v == VIRTIO_NO_VECTOR);
		break;
	case VIRTIO_PCI_COMMON_Q_SIZE:
		/* Queue past the end: 0. Otherwise what was written (any value) or the max. */
		break;
	case VIRTIO_PCI_COMMON_Q_ENABLE:
		if (len == 2)
			FUZZ_ASSERT(v <= 1);
		break;
	case VIRTIO_PCI_COMMON_Q_NDATA:
	case VIRTIO_PCI_COMMON_Q_RESET:
		FUZZ_ASSERT(v == 0);
		break;
	}
}

/* §4.1.4.3 / §2.4: every common-config field back at its reset value. */
static void check_reset(struct world *w)
{
	struct fzdev *d = &w->d;

	fz_check_reset(d);
	FUZZ_ASSERT(!w->pd->intx_level);
	if (!bar4(w))
		return;
	FUZZ_ASSERT(com_rd(w, STATUS, 1) == 0);
	FUZZ_ASSERT(com_rd(w, DFSELECT, 4) == 0 && com_rd(w, GFSELECT, 4) == 0);
	FUZZ_ASSERT(com_rd(w, DF, 4) == (u32)d->vd.host_features);
	FUZZ_ASSERT(com_rd(w, GF, 4) == 0);
	FUZZ_ASSERT(com_rd(w, MSIX, 2) == VIRTIO_NO_VECTOR);
	FUZZ_ASSERT(com_rd(w, Q_SELECT, 2) == 0);
	FUZZ_ASSERT(bar_rd(w, VP_ISR, 1) == 0);
	for (unsigned q = 0; q <= FZ_NQ; q++) {
		com_wr(w, Q_SELECT, 2, q);
		FUZZ_ASSERT(com_rd(w, Q_SIZE, 2) == (q < FZ_NQ ? FZ_QMAX : 0));
		FUZZ_ASSERT(com_rd(w, Q_ENABLE, 2) == 0);
		FUZZ_ASSERT(com_rd(w, Q_DESCLO, 8) == 0 && com_rd(w, Q_AVAILLO, 8) == 0 &&
			    com_rd(w, Q_USEDLO, 8) == 0);
		if (q < FZ_NQ) {
			FUZZ_ASSERT(com_rd(w, Q_MSIX, 2) == VIRTIO_NO_VECTOR);
			FUZZ_ASSERT(com_rd(w, Q_NOFF, 2) == q);
		}
	}
	com_wr(w, Q_SELECT, 2, 0);
}

static void do_reset(struct world *w)
{
	com_wr(w, STATUS, 1, 0);
	if (!bar4(w))
		return;
	fz_mq_forget(&w->d);
	check_reset(w);
}

/* The kick ioeventfds sit exactly on the notify registers of where BAR4 decodes now. */
static void check_ioeventfds(struct world *w)
{
	struct bus *b = &w->f.vm.mmio;
	u64 base = bar4(w);
	unsigned ours = 0;

	pthread_rwlock_rdlock(&b->lock);
	for (unsigned i = 0; i < b->nr_ioev; i++) {
		const struct bus_ioeventfd *e = &b->ioevs[i];

		for (unsigned q = 0; q < FZ_NQ; q++) {
			if (e->fd != w->d.vd.queues[q].kick_fd)
				continue;
			FUZZ_ASSERT(base && e->addr == base + VP_NOTIFY + 4 * q);
			ours++;
		}
	}
	pthread_rwlock_unlock(&b->lock);
	FUZZ_ASSERT(ours == (base ? FZ_NQ : 0));
}

static void check_world(struct world *w)
{
	fz_check_dev(&w->d);
	for (unsigned q = 0; q < FZ_NQ; q++) {
		u16 v = w->d.vd.queues[q].msix_vector;

		FUZZ_ASSERT(v < NVEC || v == VIRTIO_NO_VECTOR);
	}
	check_ioeventfds(w);
	FUZZ_ASSERT(bus_ranges_sane(&w->f.vm.mmio));
}

/* Linux's vp_modern probe order, with choices from the input. */
static void bring_up(struct world *w, struct in *in)
{
	struct fzdev *d = &w->d;
	u32 fsel = (u32)take(in, 4), qmask = (u32)take(in, 1), sizes = (u32)take(in, 2);
	u64 f;

	/* Linux's pci_restore_state after an FLR, then pci_enable_device and pci_set_master. */
	if (!(ecam_read(&w->f, w->devfn, PCI_BASE_ADDRESS_4, 4) & ~0xfu) &&
	    !ecam_read(&w->f, w->devfn, PCI_BASE_ADDRESS_5, 4))
		for (unsigned i = 0; i < PCI_NUM_BARS; i++)
			ecam_write(&w->f, w->devfn, PCI_BASE_ADDRESS_0 + 4 * i, 4, w->bars[i]);
	ecam_write(&w->f, w->devfn, PCI_COMMAND, 2,
		   PCI_COMMAND_MEMORY | (qmask & 0x20 ? 0 : PCI_COMMAND_MASTER));
	if (!bar4(w))
		return;
	if (qmask & 0x40) /* MSI-X on, vectors aimed at the LAPIC */
		ecam_write(&w->f, w->devfn, w->msix_cap + PCI_MSIX_FLAGS, 2, PCI_MSIX_FLAGS_ENABLE);
	do_reset(w);
	com_wr(w, STATUS, 1, VIRTIO_CONFIG_S_ACKNOWLEDGE);
	com_wr(w, STATUS, 1, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
	com_wr(w, DFSELECT, 4, 0);
	f = com_rd(w, DF, 4);
	com_wr(w, DFSELECT, 4, 1);
	f |= com_rd(w, DF, 4) << 32;
	FUZZ_ASSERT(f == d->vd.host_features);
	f &= ~((u64)(fsel & 0x0fffffff) << (fsel >> 28 & 7) * 4);
	if (fsel & 0x80000000u)
		f |= BIT64((fsel >> 16) & 63);
	com_wr(w, GFSELECT, 4, 0);
	com_wr(w, GF, 4, (u32)f);
	com_wr(w, GFSELECT, 4, 1);
	com_wr(w, GF, 4, f >> 32);
	com_wr(w, STATUS, 1, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER |
				     VIRTIO_CONFIG_S_FEATURES_OK);
	if (!(com_rd(w, STATUS, 1) & VIRTIO_CONFIG_S_FEATURES_OK)) {
		FUZZ_ASSERT(!d->vd.features);
		return;
	}
	FUZZ_ASSERT(d->vd.features == f);
	com_wr(w, MSIX, 2, 0);
	FUZZ_ASSERT(com_rd(w, MSIX, 2) == 0);
	for (unsigned q = 0; q < FZ_NQ; q++) {
		static const u16 sz[4] = { FZ_QMAX, 16, 1, 2 };
		struct virtq_config c;

		if (!(qmask & (1u << q)))
			continue;
		com_wr(w, Q_SELECT, 2, q);
		FUZZ_ASSERT(com_rd(w, Q_SIZE, 2) == FZ_QMAX && com_rd(w, Q_ENABLE, 2) == 0);
		if (!fz_mq_setup(d, q, sz[(sizes >> (2 * q)) & 3], f & BIT64(VIRTIO_F_RING_PACKED),
				 f & BIT64(VIRTIO_RING_F_EVENT_IDX), &c))
			continue;
		com_wr(w, Q_SIZE, 2, c.size);
		com_wr(w, Q_DESCLO, 4, (u32)c.desc_addr);
		com_wr(w, Q_DESCHI, 4, c.desc_addr >> 32);
		com_wr(w, Q_AVAILLO, 4, (u32)c.driver_addr);
		com_wr(w, Q_AVAILHI, 4, c.driver_addr >> 32);
		com_wr(w, Q_USEDLO, 4, (u32)c.device_addr);
		com_wr(w, Q_USEDHI, 4, c.device_addr >> 32);
		FUZZ_ASSERT(com_rd(w, Q_DESCLO, 8) == c.desc_addr);
		com_wr(w, Q_MSIX, 2, 1 + q);
		FUZZ_ASSERT(com_rd(w, Q_MSIX, 2) == 1 + q);
		com_wr(w, Q_ENABLE, 2, 1);
		FUZZ_ASSERT(com_rd(w, Q_ENABLE, 2) == 1);
	}
	if (qmask & 0x80)
		return; /* before DRIVER_OK: raw steps may change the queues */
	com_wr(w, STATUS, 1, com_rd(w, STATUS, 1) | VIRTIO_CONFIG_S_DRIVER_OK);
	FUZZ_ASSERT(com_rd(w, STATUS, 1) & VIRTIO_CONFIG_S_DRIVER_OK);
}

/* Config-space traffic: decode, mastering, MSI-X, the BAR, the PCI_CFG window, FLR. */
static void config_step(struct world *w, struct in *in)
{
	u32 op = (u32)take(in, 1), v = (u32)take(in, 4);
	u16 cap = w->cfg_cap;

	switch (op % 8) {
	case 0:
		ecam_write(&w->f, w->devfn, PCI_COMMAND, 2,
			   v & (PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER | PCI_COMMAND_INTX_DISABLE));
		break;
	case 1:
		ecam_write(&w->f, w->devfn, w->msix_cap + PCI_MSIX_FLAGS, 2,
			   v & (PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL));
		break;
	case 2: /* move BAR4 (64-bit): Linux's sizing, then a new address */
		ecam_write(&w->f, w->devfn, PCI_BASE_ADDRESS_4, 4, 0xffffffff);
		(void)ecam_read(&w->f, w->devfn, PCI_BASE_ADDRESS_4, 4);
		ecam_write(&w->f, w->devfn, PCI_BASE_ADDRESS_4, 4,
			   PCI_MMIO32_BASE + ((v & 0xff) << 14));
		ecam_write(&w->f, w->devfn, PCI_BASE_ADDRESS_5, 4, v & 0x100 ? 1 : 0);
		break;
	case 3: /* the window: bar, offset, length */
		ecam_write(&w->f, w->devfn, cap + VIRTIO_PCI_CAP_BAR, 1, v & 0x100 ? v : VP_BAR);
		ecam_write(&w->f, w->devfn, cap + VIRTIO_PCI_CAP_OFFSET, 4,
			   v & 0x200 ? v : (v >> 16) & 0x3fff);
		ecam_write(&w->f, w->devfn, cap + VIRTIO_PCI_CAP_LENGTH, 4, 1u << (v >> 30));
		break;
	case 4: /* ... and its data, any width and offset around it */
		if (v & 1)
			ecam_write(&w->f, w->devfn,
				   (u16)(cap + offsetof(struct virtio_pci_cfg_cap, pci_cfg_data) +
					 ((v >> 1) & 3) - 1),
				   lens[(v >> 3) & 7] > 4 ? 4 : lens[(v >> 3) & 7], v >> 8);
		else
			(void)ecam_read(&w->f, w->devfn,
					(u16)(cap + offsetof(struct virtio_pci_cfg_cap, pci_cfg_data) +
					      ((v >> 1) & 3) - 1),
					lens[(v >> 3) & 7] > 4 ? 4 : lens[(v >> 3) & 7]);
		break;
	case 5: /* an MSI-X table entry */
		if (msix_enabled(w->pd) || (v & 1)) {
			u32 t = ecam_read(&w->f, w->devfn, w->msix_cap + PCI_MSIX_TABLE, 4);
			u64 a = w->pd->bars[t & PCI_MSIX_TABLE_BIR].addr + (t & PCI_MSIX_TABLE_OFFSET) +
				16 * ((v >> 1) % NVEC) + (v & 0xc);
			u64 x = v & 0x10 ? v >> 8 : 0xfee00000u;

			if (w->pd->bars[t & PCI_MSIX_TABLE_BIR].mapped)
				bus_write(&w->f.vm.mmio, a, &x, 4);
		}
		break;
	case 6: /* function level reset (PCIe 6.0 §6.6.2) */
		if (w->pd->pcie_cap && (v & 0xf) == 0) {
			ecam_write(&w->f, w->devfn, w->pd->pcie_cap + PCI_EXP_DEVCTL, 2,
				   PCI_EXP_DEVCTL_BCR_FLR);
			fz_mq_forget(&w->d);
			fz_check_reset(&w->d);
			FUZZ_ASSERT(!w->pd->intx_level);
		}
		break;
	default: /* anything anywhere in config space */
		ecam_write(&w->f, w->devfn, (u16)(v & 0xfff), lens[(v >> 12) & 7] > 4 ? 4 : lens[(v >> 12) & 7],
			   (u32)take(in, 4));
		break;
	}
}

static void step(struct world *w, struct in *in)
{
	struct fzdev *d = &w->d;
	u32 op = (u32)take(in, 1), r, off;
	unsigned len, q;
	u64 x;
	u8 buf[32];
	bool level;

	switch (op % 16) {
	case 0:
	case 1:
	case 2: /* common config write */
		r = (u32)take(in, 3);
		x = pick_val(take(in, 8), r >> 17);
		pick_access(r, &off, &len);
		bar_wr(w, off, len, x);
		if (off == VIRTIO_PCI_COMMON_STATUS && len == 1 && !(u8)x && bar4(w)) {
			fz_mq_forget(d);
			check_reset(w);
		}
		break;
	case 3:
	case 4: /* common config read */
		r = (u32)take(in, 3);
		pick_access(r, &off, &len);
		if (bar4(w))
			check_common_read(w, off, len, bar_rd(w, off, len));
		break;
	case 5: /* ISR: read to clear (§4.1.4.5) */
		level = w->pd->intx_level;
		if (!bar4(w))
			break;
		x = bar_rd(w, VP_ISR, 1);
		FUZZ_ASSERT(!(x & ~3ull));
		FUZZ_ASSERT((x != 0) == level);
		FUZZ_ASSERT(!w->pd->intx_level);
		break;
	case 6: /* device config, and the rest of the ISR and device regions */
		r = (u32)take(in, 2);
		len = lens[(r >> 12) & 7];
		off = (r & 0x800 ? VP_ISR : VP_DEVCFG) + (r & 0x1f);
		x = take(in, 4);
		if (r & 0x8000) {
			bar_wr(w, off, len, x);
		} else if (off != VP_ISR) {
			x = bar_rd(w, off, len);
			if (off >= VP_DEVCFG && (off - VP_DEVCFG) + len > FZ_CONFIG)
				FUZZ_ASSERT(x == 0);
		}
		break;
	case 7: /* a notification anywhere in the notify region */
		r = (u32)take(in, 2);
		bar_wr(w, VP_NOTIFY + (r & 0xfff), lens[(r >> 12) & 7], r >> 8);
		break;
	case 8:
		bring_up(w, in);
		break;
	case 9:
	case 10: /* a chain, and the kick if the driver would */
		r = (u32)take(in, 1);
		q = r % FZ_NQ;
		len = 1 + (r >> 2) % 8;
		for (unsigned i = 0; i < 4 * len; i++)
			buf[i] = (u8)take(in, 1);
		if (fz_mq_add(d, q, r >> 5, buf, len) || (r & 0x80))
			bar_wr(w, VP_NOTIFY + 4 * q, 2, q);
		break;
	case 11:
	case 12: /* the I/O thread runs */
		fz_serve(d);
		break;
	case 13: /* the driver's interrupt handler: used entries */
		for (q = 0; q < FZ_NQ; q++)
			fz_mq_reap(d, q);
		break;
	case 14:
		r = (u32)take(in, 1);
		if (r & 1)
			do_reset(w);
		else if (r & 2)
			d->fail_activate = r & 4;
		else
			bar_wr(w, VP_DEVCFG, 1, r); /* the device signals a config change */
		break;
	default:
		config_step(w, in);
		break;
	}
}

static void find_caps(struct world *w)
{
	u8 pos = w->pd->cfg[PCI_CAPABILITY_LIST];

	for (int ttl = 48; pos && ttl--; pos = w->pd->cfg[pos + 1])
		if (w->pd->cfg[pos] == PCI_CAP_ID_VNDR &&
		    w->pd->cfg[pos + VIRTIO_PCI_CAP_CFG_TYPE] == VIRTIO_PCI_CAP_PCI_CFG)
			w->cfg_cap = pos;
	w->msix_cap = pci_find_cap(w->pd, PCI_CAP_ID_MSIX);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct world *w = calloc(1, sizeof(*w));
	struct in in = { data, size };

	log_set_level(LOG_ERR);
	if (!w || pci_fixture_init(&w->f) || fzdev_init(&w->d, &w->f) ||
	    virtio_pci_create(&w->f.vm, &w->d.vd)) {
		fprintf(stderr, "fuzz_virtio_pci: set-up failed\n");
		abort();
	}
	for (unsigned slot = 0; slot < 32 && !w->pd; slot++) {
		struct pci_dev *pd = pci_host_find(w->f.vm.pci, 0, PCI_DEVFN(slot, 0));

		if (pd && pd->opaque && pd->cfg[PCI_VENDOR_ID] == 0xf4 &&
		    ldn_le(&pd->cfg[PCI_DEVICE_ID], 2) == 0x1040 + VIRTIO_ID_RNG) {
			w->pd = pd;
			w->devfn = PCI_DEVFN(slot, 0);
		}
	}
	FUZZ_ASSERT(w->pd);
	find_caps(w);
	FUZZ_ASSERT(w->cfg_cap && w->msix_cap);
	for (unsigned i = 0; i < PCI_NUM_BARS; i++)
		w->bars[i] = ecam_read(&w->f, w->devfn, PCI_BASE_ADDRESS_0 + 4 * i, 4);
	/* Firmware enabled it: memory decoding and bus mastering. */
	ecam_write(&w->f, w->devfn, PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	FUZZ_ASSERT(bar4(w));
	check_reset(w);
	check_world(w);
	for (unsigned n = 0; in.n && n < 2048; n++) {
		step(w, &in);
		check_world(w);
	}
	pci_fixture_fini(&w->f); /* the transport resets the device */
	fz_check_reset(&w->d);
	fzdev_fini(&w->d);
	free(w);
	return 0;
}
