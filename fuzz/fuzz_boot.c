// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fuzz target for the kernel loader (src/arch/x86/boot.c): x86_load_kernel()
 * on a hostile kernel file — a bzImage (setup header, setup_sects, init_size,
 * cmdline_size, initrd_addr_max, the header-length byte at 0x201) or an ELF
 * vmlinux (header, program headers anywhere in the file, segments of any
 * offset, size and address). The input is
 *
 *	u8 flags	bit 0: an initrd too; bit 1: a long command line; bit 2:
 *			1 GiB of RAM above 4 GiB in the e820 map
 *	the rest	the kernel file
 *
 * The file is read from a memfd by the loader's own read_file, into a heap
 * buffer of exactly its size, so ASan sees any read past it. Guest RAM is
 * 32 MiB at 0 plus one 64 KiB region at 4 GiB filled with a canary that
 * nothing may write (everything the loader places goes below 4 GiB).
 *
 * Invariants: the loader returns 0 or a negative errno, never crashes;
 * on success the entry point lies inside what was loaded (a kernel segment,
 * or the bzImage's protected-mode code), no segment overlaps the boot data
 * below 1 MiB, the file's bytes are where the headers said, boot_params is
 * in place with the command line (NUL-terminated, within cmdline_size) and
 * the initrd (after the kernel, below initrd_addr_max and the end of RAM).
 */
#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz.h"
#include "iovirt/gmem.h"
#include "iovirt/layout.h"
#include "iovirt/log.h"
#include "iovirt/vm.h"
#include "iovirt/x86.h"

#define RAM		(32ull << 20)
#define HIGH		(4ull << 30)
#define HIGH_SIZE	0x10000ull
#define CANARY		0xa5
#define INITRD_LEN	5000

struct state {
	struct vm vm;
	struct vm_config cfg;
	int kfd;
	char kpath[64], ipath[64];
	u8 *high;
	u8 initrd[INITRD_LEN];
};

static struct state *st;

static void setup(void)
{
	int ifd;

	st = calloc(1, sizeof(*st));
	if (!st)
		abort();
	log_set_level(LOG_ERR);
	gmem_init(&st->vm.gmem);
	if (gmem_add_memfd(&st->vm.gmem, 0, RAM, false) ||
	    gmem_add_memfd(&st->vm.gmem, HIGH, HIGH_SIZE, false))
		abort();
	st->high = gmem_map_whole(&st->vm.gmem, HIGH, HIGH_SIZE);
	FUZZ_ASSERT(st->high);
	memset(st->high, CANARY, HIGH_SIZE);
	st->vm.cfg = &st->cfg;
	st->vm.kvm_fd = st->vm.vm_fd = -1;
	st->vm.ram_below_4g = RAM;
	/* One virtio-mmio device for the command line, as the machine would list it. */
	st->vm.next_platform_slot = 1;
	st->vm.platform_devs[0] = (struct vm_platform_dev){
		.hid = "LNRO0005", .name = "fz", .addr = PLATFORM_MMIO_BASE, .size = 0x1000, .gsi = 5
	};
	st->kfd = memfd_create("fuzz-kernel", MFD_CLOEXEC);
	ifd = memfd_create("fuzz-initrd", MFD_CLOEXEC);
	if (st->kfd < 0 || ifd < 0)
		abort();
	for (unsigned i = 0; i < INITRD_LEN; i++)
		st->initrd[i] = (u8)(i * 7 + 3);
	if (write(ifd, st->initrd, INITRD_LEN) != INITRD_LEN)
		abort();
	snprintf(st->kpath, sizeof(st->kpath), "/proc/self/fd/%d", st->kfd);
	snprintf(st->ipath, sizeof(st->ipath), "/proc/self/fd/%d", ifd);
	st->cfg.kernel = st->kpath;
}

static bool guest_eq(u64 gpa, const u8 *p, u64 len)
{
	const u8 *g = len ? gmem_map_whole(&st->vm.gmem, gpa, len) : NULL;

	return !len || (g && !memcmp(g, p, len));
}

/* Where the file says the kernel goes; true if its entry lies inside what was loaded. */
static bool check_elf(const u8 *buf, size_t len, u64 *end)
{
	Elf64_Ehdr eh;
	bool entry_in = false;

	FUZZ_ASSERT(len >= sizeof(eh));
	memcpy(&eh, buf, sizeof(eh));
	*end = 0;
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;

		FUZZ_ASSERT(eh.e_phoff + (i + 1) * sizeof(ph) <= len);
		memcpy(&ph, buf + eh.e_phoff + i * sizeof(ph), sizeof(ph));
		if (ph.p_type != PT_LOAD)
			continue;
		FUZZ_ASSERT(ph.p_offset + ph.p_filesz <= len && ph.p_filesz <= ph.p_memsz);
		FUZZ_ASSERT(ph.p_paddr + ph.p_memsz <= RAM);
		/* Below 1 MiB live boot_params, the command line, page tables, ACPI. */
		FUZZ_ASSERT(ph.p_paddr >= KERNEL_LOAD_ADDR);
		if (eh.e_entry >= ph.p_paddr && eh.e_entry - ph.p_paddr < ph.p_memsz)
			entry_in = true;
		*end = MAX(*end, ph.p_paddr + ph.p_memsz);
	}
	/* The file's bytes are in place, checked after all segments were written (they may
	 * overlap each other: then the later one wins, as it did for the loader). */
	for (unsigned i = eh.e_phnum; i-- > 0;) {
		Elf64_Phdr ph;
		bool later_overlap = false;

		memcpy(&ph, buf + eh.e_phoff + i * sizeof(ph), sizeof(ph));
		if (ph.p_type != PT_LOAD)
			continue;
		for (unsigned j = i + 1; j < eh.e_phnum; j++) {
			Elf64_Phdr o;

			memcpy(&o, buf + eh.e_phoff + j * sizeof(o), sizeof(o));
			if (o.p_type == PT_LOAD && o.p_paddr < ph.p_paddr + ph.p_filesz &&
			    ph.p_paddr < o.p_paddr + o.p_filesz)
				later_overlap = true;
		}
		if (!later_overlap)
			FUZZ_ASSERT(guest_eq(ph.p_paddr, buf + ph.p_offset, ph.p_filesz));
	}
	FUZZ_ASSERT(st->vm.entry_rip == eh.e_entry);
	return entry_in;
}

static void check_loaded(const u8 *buf, size_t len, bool initrd)
{
	struct boot_params bp;
	u64 kend;
	char cmdline[BOOT_CMDLINE_MAX];

	FUZZ_ASSERT(st->vm.boot_params == BOOT_PARAMS_ADDR);
	FUZZ_ASSERT(!gmem_read(&st->vm.gmem, BOOT_PARAMS_ADDR, &bp, sizeof(bp)));
	if (len >= 4 && !memcmp(buf, ELFMAG, SELFMAG)) {
		FUZZ_ASSERT(check_elf(buf, len, &kend));
	} else {
		const struct setup_header *h = (const void *)(buf + 0x1f1);
		u64 setup = ((h->setup_sects ? h->setup_sects : 4) + 1ull) * 512;

		FUZZ_ASSERT(setup < len);
		FUZZ_ASSERT(st->vm.entry_rip == KERNEL_LOAD_ADDR + 0x200);
		FUZZ_ASSERT(guest_eq(KERNEL_LOAD_ADDR, buf + setup, len - setup));
		kend = KERNEL_LOAD_ADDR + MAX(len - setup, (u64)h->init_size);
		FUZZ_ASSERT(kend <= RAM);
		FUZZ_ASSERT(bp.hdr.code32_start == KERNEL_LOAD_ADDR);
	}
	FUZZ_ASSERT(bp.hdr.cmd_line_ptr == BOOT_CMDLINE_ADDR);
	FUZZ_ASSERT(!gmem_read(&st->vm.gmem, BOOT_CMDLINE_ADDR, cmdline, sizeof(cmdline)));
	FUZZ_ASSERT(memchr(cmdline, 0, sizeof(cmdline)));
	FUZZ_ASSERT(!bp.hdr.cmdline_size || strlen(cmdline) <= bp.hdr.cmdline_size);
	FUZZ_ASSERT(bp.e820_entries > 0 && bp.e820_entries <= ARRAY_SIZE(bp.e820_table));
	if (initrd) {
		u64 a = bp.hdr.ramdisk_image | (u64)bp.ext_ramdisk_image << 32;
		u64 max = bp.hdr.initrd_addr_max ? bp.hdr.initrd_addr_max : 0x37ffffff;

		FUZZ_ASSERT(bp.hdr.ramdisk_size == INITRD_LEN && !bp.ext_ramdisk_size);
		FUZZ_ASSERT(a >= kend && a + INITRD_LEN <= RAM && a + INITRD_LEN - 1 <= max);
		FUZZ_ASSERT(guest_eq(a, st->initrd, INITRD_LEN));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *short_cmdline = "console=ttyS0";
	static char long_cmdline[3000];
	u8 flags;
	u8 *copy;
	int ret;

	if (!st)
		setup();
	if (!size)
		return 0;
	flags = data[0];
	data++;
	size--;
	if (!long_cmdline[0])
		memset(long_cmdline, 'x', sizeof(long_cmdline) - 1);
	st->cfg.initrd = flags & 1 ? st->ipath : NULL;
	st->cfg.cmdline = flags & 2 ? long_cmdline : short_cmdline;
	st->vm.ram_above_4g = flags & 4 ? 1ull << 30 : 0;
	if (ftruncate(st->kfd, 0) || (size && pwrite(st->kfd, data, size, 0) != (ssize_t)size))
		abort();
	st->vm.entry_rip = 0;
	st->vm.boot_params = 0;

	ret = x86_load_kernel(&st->vm);

	FUZZ_ASSERT(ret <= 0 && ret > -4096);
	/* Nothing is ever placed above 4 GiB. */
	for (u64 i = 0; i < HIGH_SIZE; i += 8)
		FUZZ_ASSERT(ldn_le(st->high + i, 8) == 0xa5a5a5a5a5a5a5a5ull);
	if (!ret) {
		/* Compare with the input itself (the loader freed its copy). */
		copy = malloc(size ? size : 1);
		if (!copy)
			abort();
		memcpy(copy, data, size);
		check_loaded(copy, size, flags & 1);
		free(copy);
	}
	return 0;
}
