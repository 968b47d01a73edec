// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for src/virtio/virtio_mmio.c (virtio 1.2 §4.2.2, version 2) with
 * two virtio-blk disks in platform slots, driven as Linux's virtio_mmio
 * driver does: magic, version, IDs, reset, negotiation through the 32-bit
 * feature windows, queues set up with 64-bit addresses in halves,
 * QueueNotify bound to an ioeventfd per queue (datamatch on the index), the
 * interrupt line following InterruptStatus until InterruptACK; slots and
 * IRQs handed out in order and listed in vm->platform_devs for ACPI and the
 * command line; hostile accesses (narrow or misaligned register accesses,
 * read-only registers, queue changes after QueueReady, QueueSel out of range,
 * shared-memory regions that do not exist).
 */
#include <linux/virtio_blk.h>
#include <linux/virtio_mmio.h>

#include "vdrv.h"
#include "iovirt/config.h"
#include "iovirt/x86.h"

#define RING 0x100000ull
#define HDR 0x300000ull
#define STATUS 0x300100ull
#define DATA 0x400000ull

static char path[] = "/tmp/iovirt-vmmio-XXXXXX";

struct mdrv {
	struct pci_fixture *f;
	u64 base;
	unsigned gsi;
	struct mock_vq vq;
};

static u32 rd(struct mdrv *m, u64 off)
{
	u64 v = 0;

	bus_read(&m->f->vm.mmio, m->base + off, &v, 4);
	return (u32)v;
}

static void wr(struct mdrv *m, u64 off, u32 v)
{
	bus_write(&m->f->vm.mmio, m->base + off, &v, 4);
}

/* vm_probe + virtio_dev_probe + vm_setup_vq, one queue. */
static void bring_up(struct mdrv *m, u64 want, unsigned flags)
{
	struct virtq_config c;
	u64 f;

	CHECK_EQ(rd(m, VIRTIO_MMIO_MAGIC_VALUE), 0x74726976);
	CHECK_EQ(rd(m, VIRTIO_MMIO_VERSION), 2);
	CHECK_EQ(rd(m, VIRTIO_MMIO_DEVICE_ID), VIRTIO_ID_BLOCK);
	wr(m, VIRTIO_MMIO_STATUS, 0);
	CHECK_EQ(rd(m, VIRTIO_MMIO_STATUS), 0);
	wr(m, VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE);
	wr(m, VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
	wr(m, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	f = (u64)rd(m, VIRTIO_MMIO_DEVICE_FEATURES) << 32;
	wr(m, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	f |= rd(m, VIRTIO_MMIO_DEVICE_FEATURES);
	CHECK(f & BIT64(VIRTIO_F_VERSION_1));
	f &= want;
	wr(m, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	wr(m, VIRTIO_MMIO_DRIVER_FEATURES, (u32)(f >> 32));
	wr(m, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	wr(m, VIRTIO_MMIO_DRIVER_FEATURES, (u32)f);
	wr(m, VIRTIO_MMIO_STATUS, 0xb);
	CHECK_EQ(rd(m, VIRTIO_MMIO_STATUS), 0xb);

	wr(m, VIRTIO_MMIO_QUEUE_SEL, 0);
	CHECK_EQ(rd(m, VIRTIO_MMIO_QUEUE_READY), 0);
	CHECK_EQ(rd(m, VIRTIO_MMIO_QUEUE_NUM_MAX), VIRTIO_QUEUE_SIZE);
	CHECK_EQ(mock_vq_init(&m->vq, &m->f->vm.gmem, RING, 64, flags), 0);
	mock_vq_config(&m->vq, &c);
	wr(m, VIRTIO_MMIO_QUEUE_NUM, 64);
	wr(m, VIRTIO_MMIO_QUEUE_DESC_LOW, (u32)c.desc_addr);
	wr(m, VIRTIO_MMIO_QUEUE_DESC_HIGH, (u32)(c.desc_addr >> 32));
	wr(m, VIRTIO_MMIO_QUEUE_AVAIL_LOW, (u32)c.driver_addr);
	wr(m, VIRTIO_MMIO_QUEUE_AVAIL_HIGH, (u32)(c.driver_addr >> 32));
	wr(m, VIRTIO_MMIO_QUEUE_USED_LOW, (u32)c.device_addr);
	wr(m, VIRTIO_MMIO_QUEUE_USED_HIGH, (u32)(c.device_addr >> 32));
	CHECK_EQ(rd(m, VIRTIO_MMIO_QUEUE_DESC_LOW), (u32)c.desc_addr);
	CHECK_EQ(rd(m, VIRTIO_MMIO_QUEUE_USED_LOW), (u32)c.device_addr);
	wr(m, VIRTIO_MMIO_QUEUE_READY, 1);
	CHECK_EQ(rd(m, VIRTIO_MMIO_QUEUE_READY), 1);
	/* Linux's vm_del_vq on a failed probe: 0 must read back 0; then ready again. */
	wr(m, VIRTIO_MMIO_QUEUE_READY, 0);
	CHECK_EQ(rd(m, VIRTIO_MMIO_QUEUE_READY), 0);
	wr(m, VIRTIO_MMIO_QUEUE_READY, 1);
	wr(m, VIRTIO_MMIO_STATUS, 0xf);
	CHECK_EQ(rd(m, VIRTIO_MMIO_STATUS), 0xf);
}

static u8 *host(struct mdrv *m, gpa_t gpa, u64 len)
{
	return gmem_map_whole(&m->f->vm.gmem, gpa, len);
}

/* A 4 KiB request; returns the status byte. */
static u8 request(struct mdrv *m, u32 type, u64 sector)
{
	struct virtio_blk_outhdr *h = (void *)host(m, HDR, 16);
	struct mock_buf b[3] = { { HDR, 16, false }, { DATA, 4096, type == VIRTIO_BLK_T_IN },
				 { STATUS, 1, true } };
	u32 len;
	int id;

	h->type = cpu_to_le32(type);
	h->sector = cpu_to_le64(sector);
	*host(m, STATUS, 1) = 0xee;
	id = mock_vq_add(&m->vq, b, 3, false);
	CHECK(id >= 0);
	if (mock_vq_kick_prepare(&m->vq))
		wr(m, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	{
		int got;

		if (!WAIT_UNTIL((got = mock_vq_get_used(&m->vq, &len)) != -EAGAIN)) {
			CHECK(!"request never completed");
			return 0xff;
		}
		CHECK_EQ(got, id);
		return *host(m, STATUS, 1);
	}
}

static void test_slots(struct pci_fixture *f)
{
	struct vm *vm = &f->vm;

	CHECK_EQ(vm->next_platform_slot, 2);
	CHECK_STREQ(vm->platform_devs[0].hid, "LNRO0005");
	CHECK_EQ(vm->platform_devs[0].addr, PLATFORM_MMIO_BASE);
	CHECK_EQ(vm->platform_devs[0].size, 0x1000);
	CHECK_EQ(vm->platform_devs[0].gsi, 5);
	CHECK_EQ(vm->platform_devs[1].addr, PLATFORM_MMIO_BASE + PLATFORM_MMIO_SLOT);
	CHECK_EQ(vm->platform_devs[1].gsi, 6);
	CHECK_STREQ(vm->platform_devs[1].name, "virtio-blk1");
	CHECK(!vm->platform_devs[0].in_acpi);
}

static void test_hostile(struct mdrv *m)
{
	u64 v = 0x1234;

	/* Narrow register reads give 0; narrow writes do nothing. */
	bus_read(&m->f->vm.mmio, m->base + VIRTIO_MMIO_MAGIC_VALUE, &v, 2);
	CHECK_EQ(v, 0);
	v = 1;
	bus_write(&m->f->vm.mmio, m->base + VIRTIO_MMIO_STATUS, &v, 1);
	CHECK_EQ(rd(m, VIRTIO_MMIO_STATUS), 0);
	bus_read(&m->f->vm.mmio, m->base + VIRTIO_MMIO_VERSION + 1, &v, 4);
	CHECK_EQ(v, 0);
	/* Read-only registers. */
	wr(m, VIRTIO_MMIO_MAGIC_VALUE, 0);
	wr(m, VIRTIO_MMIO_DEVICE_ID, 7);
	CHECK_EQ(rd(m, VIRTIO_MMIO_MAGIC_VALUE), 0x74726976);
	CHECK_EQ(rd(m, VIRTIO_MMIO_DEVICE_ID), VIRTIO_ID_BLOCK);
	/* A queue that does not exist. */
	wr(m, VIRTIO_MMIO_QUEUE_SEL, 3);
	CHECK_EQ(rd(m, VIRTIO_MMIO_QUEUE_NUM_MAX), 0);
	wr(m, VIRTIO_MMIO_QUEUE_READY, 1);
	CHECK_EQ(rd(m, VIRTIO_MMIO_QUEUE_READY), 0);
	wr(m, VIRTIO_MMIO_QUEUE_SEL, 0);
	/* No shared memory regions: length and base all ones (§4.2.2). */
	wr(m, VIRTIO_MMIO_SHM_SEL, 0);
	CHECK_EQ(rd(m, VIRTIO_MMIO_SHM_LEN_LOW), 0xffffffff);
	CHECK_EQ(rd(m, VIRTIO_MMIO_SHM_BASE_HIGH), 0xffffffff);
	/* Config space takes any width: capacity byte by byte. */
	bus_read(&m->f->vm.mmio, m->base + VIRTIO_MMIO_CONFIG + 1, &v, 1);
	CHECK_EQ(v, ((16u << 20) / 512) >> 8 & 0xff);
	/* Legacy-only registers are not there. */
	CHECK_EQ(rd(m, 0x40 /* QueuePFN */), 0);
}

/* The loader appends virtio_mmio.device=... for slots ACPI does not describe (or acpi=off). */
static void load_and_read_cmdline(struct pci_fixture *f, const char *user, char *out, size_t n)
{
	f->cfg.cmdline = user;
	CHECK_EQ(x86_load_kernel(&f->vm), 0);
	CHECK_EQ(gmem_read(&f->vm.gmem, BOOT_CMDLINE_ADDR, out, n), 0);
	out[n - 1] = 0;
}

static void test_cmdline(struct pci_fixture *f)
{
	static u8 img[0x4000];
	struct setup_header *h = (struct setup_header *)(img + 0x1f1);
	char kpath[] = "/tmp/iovirt-vmmio-kernel-XXXXXX";
	char got[256];
	int fd = mkstemp(kpath);

	h->setup_sects = 4;
	h->boot_flag = 0xaa55;
	h->header = 0x53726448;
	h->version = 0x020f;
	h->loadflags = LOADED_HIGH;
	h->xloadflags = XLF_KERNEL_64;
	h->cmdline_size = 2047;
	CHECK(fd >= 0);
	CHECK_EQ(write(fd, img, sizeof(img)), (ssize_t)sizeof(img));
	close(fd);
	f->cfg.kernel = kpath;
	f->vm.ram_below_4g = VDRV_MEM;

	load_and_read_cmdline(f, "console=hvc0", got, sizeof(got));
	CHECK_STREQ(got, "console=hvc0 virtio_mmio.device=4K@0xf0000000:5 "
			 "virtio_mmio.device=4K@0xf0001000:6");
	/* Described in the DSDT: not on the command line too (Linux would probe twice). */
	f->vm.platform_devs[0].in_acpi = f->vm.platform_devs[1].in_acpi = true;
	load_and_read_cmdline(f, "console=hvc0", got, sizeof(got));
	CHECK_STREQ(got, "console=hvc0");
	load_and_read_cmdline(f, "acpi=off", got, sizeof(got));
	CHECK_STREQ(got, "acpi=off virtio_mmio.device=4K@0xf0000000:5 "
			 "virtio_mmio.device=4K@0xf0001000:6");
	load_and_read_cmdline(f, "noacpi=offx", got, sizeof(got));
	CHECK_STREQ(got, "noacpi=offx");
	f->vm.platform_devs[0].in_acpi = f->vm.platform_devs[1].in_acpi = false;
	f->cfg.cmdline = NULL;
	unlink(kpath);
}

int main(void)
{
	struct pci_fixture f;
	struct disk_config dc = { 0 };
	struct mdrv m = { 0 }, m2 = { 0 };
	u8 *d;
	int fd = mkstemp(path);

	CHECK(fd >= 0);
	CHECK_EQ(ftruncate(fd, 16 << 20), 0);
	close(fd);
	vdrv_fixture(&f, 1);
	dc.path = path;
	dc.transport = TRANSPORT_MMIO;
	CHECK_EQ(virtio_blk_create(&f.vm, &dc, 0), 0);
	CHECK_EQ(virtio_blk_create(&f.vm, &dc, 1), 0);
	test_slots(&f);
	test_cmdline(&f);
	m.f = m2.f = &f;
	m.base = f.vm.platform_devs[0].addr;
	m.gsi = f.vm.platform_devs[0].gsi;
	m2.base = f.vm.platform_devs[1].addr;
	test_hostile(&m);

	bring_up(&m, ~0ull & ~BIT64(VIRTIO_F_RING_PACKED), MOCK_VQ_EVENT_IDX);
	/* Queue set-up is frozen once the queue is ready. */
	wr(&m, VIRTIO_MMIO_QUEUE_NUM, 8);
	wr(&m, VIRTIO_MMIO_QUEUE_DESC_LOW, 0);
	CHECK(rd(&m, VIRTIO_MMIO_QUEUE_DESC_LOW) != 0);

	d = host(&m, DATA, 4096);
	memset(d, 0x3c, 4096);
	CHECK_EQ(f.fi.line[m.gsi], 0);
	CHECK_EQ(request(&m, VIRTIO_BLK_T_OUT, 16), VIRTIO_BLK_S_OK);
	/* The used buffer raised the line; InterruptStatus says why; ACK lowers it. */
	CHECK(WAIT_UNTIL(__atomic_load_n(&f.fi.line[m.gsi], __ATOMIC_ACQUIRE)));
	CHECK_EQ(f.fi.line[m.gsi], 1);
	CHECK_EQ(rd(&m, VIRTIO_MMIO_INTERRUPT_STATUS), VIRTIO_MMIO_INT_VRING);
	wr(&m, VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_MMIO_INT_VRING);
	CHECK_EQ(rd(&m, VIRTIO_MMIO_INTERRUPT_STATUS), 0);
	CHECK_EQ(f.fi.line[m.gsi], 0);
	memset(d, 0, 4096);
	CHECK_EQ(request(&m, VIRTIO_BLK_T_IN, 16), VIRTIO_BLK_S_OK);
	CHECK_EQ(d[0], 0x3c);
	CHECK_EQ(d[4095], 0x3c);

	/* Reset the first disk; the second one, on its own window and queue, reads it back. */
	wr(&m, VIRTIO_MMIO_STATUS, 0);
	CHECK_EQ(rd(&m, VIRTIO_MMIO_STATUS), 0);
	CHECK_EQ(rd(&m, VIRTIO_MMIO_INTERRUPT_STATUS), 0);
	CHECK_EQ(rd(&m, VIRTIO_MMIO_QUEUE_READY), 0);
	mock_vq_destroy(&m.vq);
	bring_up(&m2, BIT64(VIRTIO_F_VERSION_1), 0);
	memset(d, 0, 4096);
	CHECK_EQ(request(&m2, VIRTIO_BLK_T_IN, 16), VIRTIO_BLK_S_OK);
	CHECK_EQ(d[100], 0x3c);

	/* A broken ring: NEEDS_RESET and a config interrupt. */
	mock_vq_split_raw(&m2.vq, 999);
	wr(&m2, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	CHECK(WAIT_UNTIL(rd(&m2, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET));
	/* The status bit comes first, the config interrupt right after it. */
	CHECK(WAIT_UNTIL(rd(&m2, VIRTIO_MMIO_INTERRUPT_STATUS) & VIRTIO_MMIO_INT_CONFIG));
	CHECK(rd(&m2, VIRTIO_MMIO_INTERRUPT_STATUS) & VIRTIO_MMIO_INT_CONFIG);
	CHECK_EQ(f.fi.line[f.vm.platform_devs[1].gsi], 1);
	wr(&m2, VIRTIO_MMIO_STATUS, 0);
	CHECK_EQ(rd(&m2, VIRTIO_MMIO_STATUS), 0);
	CHECK_EQ(f.fi.line[f.vm.platform_devs[1].gsi], 0);

	mock_vq_destroy(&m2.vq);
	pci_fixture_fini(&f);
	unlink(path);
	return check_done();
}
