// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for src/arch/x86/boot.c: bzimage_check() on hostile and old
 * kernel headers, and x86_load_kernel() on ELF vmlinux files — one that
 * loads, and the hostile ones fuzz_boot found accepted: program headers at a
 * misaligned offset (read in place: undefined behaviour), an entry point
 * outside every loaded segment, a segment below 1 MiB where boot_params, the
 * command line and the page tables go.
 */
#include <elf.h>
#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>

#include "check.h"
#include "iovirt/gmem.h"
#include "iovirt/layout.h"
#include "iovirt/vm.h"
#include "iovirt/x86.h"

static u8 img[0x4000];

static void make_valid(void)
{
	struct setup_header *h = (struct setup_header *)(img + 0x1f1);

	memset(img, 0, sizeof(img));
	h->setup_sects = 4;
	h->boot_flag = 0xaa55;
	h->header = 0x53726448;
	h->version = 0x020f;
	h->loadflags = LOADED_HIGH;
	h->xloadflags = XLF_KERNEL_64;
}

#define ELF_RAM (32ull << 20)

/* A vmlinux-like ELF: one PT_LOAD of 4 KiB at paddr, program headers at phoff. */
static size_t make_elf(u8 *buf, size_t cap, u64 phoff, u64 paddr, u64 entry)
{
	Elf64_Ehdr eh = { 0 };
	Elf64_Phdr ph = { 0 };
	size_t len = 0x3000;

	memset(buf, 0, cap);
	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_type = ET_EXEC;
	eh.e_machine = EM_X86_64;
	eh.e_entry = entry;
	eh.e_phoff = phoff;
	eh.e_ehsize = sizeof(eh);
	eh.e_phentsize = sizeof(ph);
	eh.e_phnum = 1;
	ph.p_type = PT_LOAD;
	ph.p_offset = 0x1000;
	ph.p_paddr = paddr;
	ph.p_filesz = 0x1000;
	ph.p_memsz = 0x2000;
	memcpy(buf, &eh, sizeof(eh));
	memcpy(buf + phoff, &ph, sizeof(ph));
	for (unsigned i = 0; i < 0x1000; i++)
		buf[0x1000 + i] = (u8)(i ^ 0x5a);
	return len;
}

static int load(struct vm *vm, int fd, const u8 *buf, size_t len)
{
	CHECK_EQ(ftruncate(fd, 0), 0);
	CHECK_EQ(pwrite(fd, buf, len, 0), (ssize_t)len);
	vm->entry_rip = 0;
	return x86_load_kernel(vm);
}

static void test_elf(void)
{
	static u8 buf[0x3000];
	struct vm_config cfg = { 0 };
	struct vm vm;
	char path[64];
	int fd = memfd_create("test-kernel", MFD_CLOEXEC);
	const u64 k = 0x1000000;
	u8 *g;

	CHECK(fd >= 0);
	memset(&vm, 0, sizeof(vm));
	gmem_init(&vm.gmem);
	CHECK_EQ(gmem_add_memfd(&vm.gmem, 0, ELF_RAM, false), 0);
	vm.cfg = &cfg;
	vm.ram_below_4g = ELF_RAM;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	cfg.kernel = path;

	CHECK_EQ(load(&vm, fd, buf, make_elf(buf, sizeof(buf), 64, k, k + 0x10)), 0);
	CHECK_EQ(vm.entry_rip, k + 0x10);
	g = gmem_map_whole(&vm.gmem, k, 0x1000);
	CHECK(g && g[0] == 0x5a && g[0xfff] == (0xfff ^ 0x5a) % 256);
	/* Program headers at an odd offset load the same (copied, not read in place). */
	CHECK_EQ(load(&vm, fd, buf, make_elf(buf, sizeof(buf), 67, k, k)), 0);
	CHECK_EQ(vm.entry_rip, k);
	/* The entry point must be inside what was loaded (memsz counts). */
	CHECK_EQ(load(&vm, fd, buf, make_elf(buf, sizeof(buf), 64, k, k + 0x1fff)), 0);
	CHECK_EQ(load(&vm, fd, buf, make_elf(buf, sizeof(buf), 64, k, k + 0x2000)), -ENOEXEC);
	CHECK_EQ(load(&vm, fd, buf, make_elf(buf, sizeof(buf), 64, k, 0x40000000)), -ENOEXEC);
	CHECK_EQ(load(&vm, fd, buf, make_elf(buf, sizeof(buf), 64, k, k - 1)), -ENOEXEC);
	/* Not over the boot data below 1 MiB (boot_params at 0x7000 would overwrite it). */
	CHECK_EQ(load(&vm, fd, buf, make_elf(buf, sizeof(buf), 64, 0x7000, 0x7000)), -ENOEXEC);
	CHECK_EQ(load(&vm, fd, buf, make_elf(buf, sizeof(buf), 64, 0xff000, 0xff000)), -ENOEXEC);
	CHECK_EQ(load(&vm, fd, buf, make_elf(buf, sizeof(buf), 64, 0x100000, 0x100000)), 0);
	/* Past the end of RAM. */
	CHECK_EQ(load(&vm, fd, buf, make_elf(buf, sizeof(buf), 64, ELF_RAM - 0x1000, ELF_RAM - 0x1000)),
		 -ENOMEM);
	close(fd);
	gmem_destroy(&vm.gmem);
}

int main(void)
{
	struct setup_header *h = (struct setup_header *)(img + 0x1f1);
	const char *why = NULL;

	make_valid();
	CHECK_EQ(bzimage_check(img, sizeof(img), &why), 0);
	CHECK_EQ(bzimage_check(img, 100, &why), -ENOEXEC);
	make_valid();
	h->header = 0;
	CHECK_EQ(bzimage_check(img, sizeof(img), &why), -ENOEXEC);
	CHECK(why && strstr(why, "HdrS"));
	make_valid();
	h->version = 0x0204;
	CHECK_EQ(bzimage_check(img, sizeof(img), &why), -ENOEXEC);
	CHECK(why && strstr(why, "2.12"));
	make_valid();
	h->xloadflags = 0;
	CHECK_EQ(bzimage_check(img, sizeof(img), &why), -ENOEXEC);
	CHECK(why && strstr(why, "64-bit"));
	make_valid();
	h->loadflags = 0;
	CHECK_EQ(bzimage_check(img, sizeof(img), &why), -ENOEXEC);
	make_valid();
	h->setup_sects = 255; /* setup larger than the file */
	CHECK_EQ(bzimage_check(img, sizeof(img), &why), -ENOEXEC);
	test_elf();
	return check_done();
}
