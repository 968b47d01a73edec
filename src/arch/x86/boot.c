// SPDX-License-Identifier: GPL-2.0-only
/*
 * Direct kernel boot (Documentation/arch/x86/boot.rst): a bzImage's
 * protected-mode part, or an ELF vmlinux's PT_LOAD segments, go into guest
 * RAM; boot_params (the "zero page") carries the setup header, the e820 map,
 * the command line, the initrd and the RSDP address; the BSP enters the
 * 64-bit entry point with an identity map of the first 4 GiB.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "iovirt/layout.h"
#include "iovirt/log.h"
#include "iovirt/vm.h"
#include "iovirt/x86.h"

#define SETUP_HDR_OFF		0x1f1
#define HDRS_MAGIC		0x53726448	/* "HdrS" */
#define BOOT_PROTO_MIN		0x020c		/* 2.12: xloadflags, 64-bit entry */
#define LOADER_TYPE_UNDEFINED	0xff

/*
 * The kernel and initrd files are read straight into guest RAM, never
 * through a buffer of the VMM's own: a bounce copy would be as big as the
 * file (tens of MiB for an initramfs) and would count in the VMM's peak RSS
 * on top of the guest pages it fills.
 */
struct boot_file {
	const char *what;	/* "kernel" or "initrd", for messages */
	const char *path;
	int fd;
	u64 size;
};

static int file_open(struct boot_file *f, const char *what, const char *path)
{
	struct stat st;
	int ret;

	f->what = what;
	f->path = path;
	f->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (f->fd < 0) {
		ret = -errno;
		pr_err("cannot open %s '%s': %s", what, path, strerror(-ret));
		return ret;
	}
	if (fstat(f->fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		pr_err("%s '%s' is not a regular file", what, path);
		close(f->fd);
		return -EINVAL;
	}
	f->size = (u64)st.st_size;
	return 0;
}

/* Exactly len bytes from offset off (the caller checked that they exist). */
static int file_pread(const struct boot_file *f, void *buf, u64 len, u64 off)
{
	u64 got = 0;
	ssize_t n;

	while (got < len) {
		n = pread(f->fd, (u8 *)buf + got, MIN(len - got, (u64)SSIZE_MAX), (off_t)(off + got));
		if (n <= 0) {
			int ret = n < 0 ? -errno : -EIO;

			pr_err("cannot read %s '%s': %s", f->what, f->path, strerror(-ret));
			return ret;
		}
		got += (u64)n;
	}
	return 0;
}

/* File bytes [off, off+len) into guest memory at gpa, region by region. */
static int file_to_guest(struct vm *vm, const struct boot_file *f, u64 off, u64 len, gpa_t gpa)
{
	while (len) {
		u64 n = len;
		u8 *p = gmem_map(&vm->gmem, gpa, &n);
		int ret;

		if (!p)
			return -EFAULT;
		ret = file_pread(f, p, n, off);
		if (ret)
			return ret;
		gpa += n;
		off += n;
		len -= n;
	}
	return 0;
}

int bzimage_check(const u8 *buf, size_t len, const char **why)
{
	const struct setup_header *h;
	u32 setup_bytes;

	if (len < 0x1000) {
		*why = "too small to be a kernel image";
		return -ENOEXEC;
	}
	h = (const struct setup_header *)(buf + SETUP_HDR_OFF);
	if (le32_to_cpu(h->header) != HDRS_MAGIC || le16_to_cpu(h->boot_flag) != 0xaa55) {
		*why = "not a bzImage (no HdrS signature) and not an ELF vmlinux";
		return -ENOEXEC;
	}
	if (le16_to_cpu(h->version) < BOOT_PROTO_MIN) {
		*why = "boot protocol older than 2.12";
		return -ENOEXEC;
	}
	if (!(h->loadflags & LOADED_HIGH)) {
		*why = "zImage (not loaded high) is not supported";
		return -ENOEXEC;
	}
	if (!(le16_to_cpu(h->xloadflags) & XLF_KERNEL_64)) {
		*why = "kernel has no 64-bit entry point (XLF_KERNEL_64)";
		return -ENOEXEC;
	}
	setup_bytes = ((h->setup_sects ? h->setup_sects : 4) + 1u) * 512u;
	if (setup_bytes >= len) {
		*why = "setup sectors extend past the end of the file";
		return -ENOEXEC;
	}
	return 0;
}

/* Highest guest address usable for the kernel, initrd and boot data (below the hole). */
static u64 lowmem_top(struct vm *vm)
{
	return vm->ram_below_4g;
}

/* buf: the file's first bytes (the setup header is in them); len: the file's size. */
static int load_bzimage(struct vm *vm, struct boot_params *bp, const struct boot_file *f,
			const u8 *buf, size_t len, u64 *kernel_end)
{
	const struct setup_header *h = (const struct setup_header *)(buf + SETUP_HDR_OFF);
	u32 setup_bytes = ((h->setup_sects ? h->setup_sects : 4) + 1u) * 512u;
	u64 load = KERNEL_LOAD_ADDR, size = len - setup_bytes;
	u64 need = MAX(size, (u64)le32_to_cpu(h->init_size));
	size_t hdr_len;

	/* The kernel decompresses in place: it needs init_size bytes from the load address. */
	if (load + need > lowmem_top(vm)) {
		pr_err("--memory is too small for the kernel: it needs %llu MiB",
		       (unsigned long long)((load + need) >> 20) + 1);
		return -ENOMEM;
	}
	if (file_to_guest(vm, f, setup_bytes, size, load))
		return -EFAULT;
	/* Copy the setup header: from 0x1f1 to the end given by the byte at 0x201. */
	hdr_len = 0x202 + buf[0x201] - SETUP_HDR_OFF;
	if (hdr_len > sizeof(bp->hdr))
		hdr_len = sizeof(bp->hdr);
	memcpy(&bp->hdr, buf + SETUP_HDR_OFF, hdr_len);
	bp->hdr.type_of_loader = LOADER_TYPE_UNDEFINED;
	bp->hdr.loadflags |= CAN_USE_HEAP;
	bp->hdr.heap_end_ptr = 0xfe00;
	bp->hdr.code32_start = (u32)load;
	bp->hdr.vid_mode = 0xffff;
	/* The 64-bit entry is 0x200 past the protected-mode start (boot.rst). */
	vm->entry_rip = load + 0x200;
	*kernel_end = load + need;
	return 0;
}

/* buf: the file's first bytes, at least an ELF header; len: the file's size. */
static int load_elf(struct vm *vm, struct boot_params *bp, const struct boot_file *f,
		    const u8 *buf, size_t len, u64 *kernel_end)
{
	Elf64_Ehdr eh;
	Elf64_Phdr *phdrs;
	u64 end = 0;
	bool entry_loaded = false;
	int ret;

	if (len < sizeof(eh)) {
		pr_err("kernel '%s' is an ELF file but not a 64-bit x86 vmlinux", vm->cfg->kernel);
		return -ENOEXEC;
	}
	memcpy(&eh, buf, sizeof(eh));
	if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_machine != EM_X86_64 ||
	    eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phoff > len ||
	    (u64)eh.e_phnum * sizeof(Elf64_Phdr) > len - eh.e_phoff) {
		pr_err("kernel '%s' is an ELF file but not a 64-bit x86 vmlinux", vm->cfg->kernel);
		return -ENOEXEC;
	}
	/* The program headers, read from wherever e_phoff says into an array of our own. */
	phdrs = calloc(eh.e_phnum ? eh.e_phnum : 1, sizeof(*phdrs));
	if (!phdrs)
		return -ENOMEM;
	ret = file_pread(f, phdrs, (u64)eh.e_phnum * sizeof(*phdrs), eh.e_phoff);
	for (unsigned i = 0; !ret && i < eh.e_phnum; i++) {
		const Elf64_Phdr *ph = &phdrs[i];

		if (ph->p_type != PT_LOAD)
			continue;
		if (ph->p_offset > len || ph->p_filesz > len - ph->p_offset ||
		    ph->p_filesz > ph->p_memsz || !range_ok(ph->p_paddr, ph->p_memsz) ||
		    ph->p_paddr + ph->p_memsz > lowmem_top(vm)) {
			pr_err("kernel '%s': segment %u does not fit in guest memory",
			       vm->cfg->kernel, i);
			ret = -ENOMEM;
			break;
		}
		/* Below 1 MiB are boot_params, the command line, the page tables, ACPI and the
		 * reset vector, all written after the kernel: they would overwrite it. */
		if (ph->p_paddr < KERNEL_LOAD_ADDR) {
			pr_err("kernel '%s': segment %u at 0x%llx is below 1 MiB (boot data)",
			       vm->cfg->kernel, i, (unsigned long long)ph->p_paddr);
			ret = -ENOEXEC;
			break;
		}
		if (file_to_guest(vm, f, ph->p_offset, ph->p_filesz, ph->p_paddr)) {
			ret = -EFAULT;
			break;
		}
		end = MAX(end, ph->p_paddr + ph->p_memsz);
		if (eh.e_entry >= ph->p_paddr && eh.e_entry - ph->p_paddr < ph->p_memsz)
			entry_loaded = true;
	}
	free(phdrs);
	if (ret)
		return ret;
	if (!end) {
		pr_err("kernel '%s' has no loadable segment", vm->cfg->kernel);
		return -ENOEXEC;
	}
	/* vmlinux's ELF entry is the physical address of startup_64 (vmlinux.lds.S). */
	if (!entry_loaded) {
		pr_err("kernel '%s': entry point 0x%llx is not in a loaded segment", vm->cfg->kernel,
		       (unsigned long long)eh.e_entry);
		return -ENOEXEC;
	}
	vm->entry_rip = eh.e_entry;
	bp->hdr.type_of_loader = LOADER_TYPE_UNDEFINED;
	bp->hdr.boot_flag = 0xaa55;
	bp->hdr.header = HDRS_MAGIC;
	bp->hdr.kernel_alignment = 0x1000000;
	bp->hdr.initrd_addr_max = 0x7fffffff;
	*kernel_end = end;
	return 0;
}

static int load_initrd(struct vm *vm, struct boot_params *bp, u64 kernel_end)
{
	struct boot_file f;
	u64 max, addr, len;
	int ret;

	ret = file_open(&f, "initrd", vm->cfg->initrd);
	if (ret)
		return ret;
	len = f.size;
	max = bp->hdr.initrd_addr_max ? bp->hdr.initrd_addr_max : 0x37ffffff;
	max = MIN(max + 1, lowmem_top(vm));
	addr = max > len ? ALIGN_DOWN(max - len, SZ_4K) : 0;
	if (len == 0 || addr < ALIGN_UP(kernel_end, SZ_4K)) {
		pr_err("--memory is too small for the kernel and initrd '%s' (%llu MiB)",
		       vm->cfg->initrd, (unsigned long long)(len >> 20));
		close(f.fd);
		return -ENOMEM;
	}
	ret = file_to_guest(vm, &f, 0, len, addr);
	close(f.fd);
	if (ret)
		return ret;
	bp->hdr.ramdisk_image = (u32)addr;
	bp->hdr.ramdisk_size = (u32)len;
	bp->ext_ramdisk_image = (u32)(addr >> 32);
	bp->ext_ramdisk_size = (u32)((u64)len >> 32);
	return 0;
}

int x86_setup_boot_pagetables(struct vm *vm)
{
	/* GDT: null, null, 64-bit code (0x10), data (0x18) — the selectors Linux expects. */
	static const u64 gdt[4] = { 0, 0, 0x00af9b000000ffffull, 0x00cf93000000ffffull };
	u64 pml4[512] = { 0 }, pdpt[512] = { 0 }, pd[512];
	int ret;

	ret = gmem_write(&vm->gmem, BOOT_GDT_ADDR, gdt, sizeof(gdt));
	if (ret)
		return ret;
	/* Identity map of 0..4 GiB with 2 MiB pages: one PML4E, four PDPTEs, four PDs. */
	pml4[0] = BOOT_PDPT_ADDR | 0x3;
	for (unsigned i = 0; i < 4; i++) {
		pdpt[i] = (BOOT_PD_ADDR + i * SZ_4K) | 0x3;
		for (unsigned j = 0; j < 512; j++)
			pd[j] = ((u64)i * SZ_1G + (u64)j * SZ_2M) | 0x83;
		ret = gmem_write(&vm->gmem, BOOT_PD_ADDR + i * SZ_4K, pd, sizeof(pd));
		if (ret)
			return ret;
	}
	ret = gmem_write(&vm->gmem, BOOT_PML4_ADDR, pml4, sizeof(pml4));
	if (!ret)
		ret = gmem_write(&vm->gmem, BOOT_PDPT_ADDR, pdpt, sizeof(pdpt));
	return ret;
}

/* Does the command line hold this parameter as a whole word? */
static bool cmdline_has(const char *cmdline, const char *param)
{
	size_t n = strlen(param);

	for (const char *p = strstr(cmdline, param); p; p = strstr(p + 1, param))
		if ((p == cmdline || p[-1] == ' ') && (p[n] == ' ' || !p[n]))
			return true;
	return false;
}

/*
 * The guest's command line: --cmdline, then one virtio_mmio.device=SIZE@ADDR:IRQ
 * for each platform device the ACPI tables do not describe, or for all of them
 * when the guest is told to ignore ACPI (Linux's
 * CONFIG_VIRTIO_MMIO_CMDLINE_DEVICES). Never both ways: Linux would probe the
 * device twice. Returns a heap string.
 */
static char *cmdline_build(const struct vm *vm)
{
	const char *user = vm->cfg->cmdline ? vm->cfg->cmdline : "";
	bool acpi_off = cmdline_has(user, "acpi=off");
	size_t cap = strlen(user) + 1 + (size_t)vm->next_platform_slot * 64;
	char *s = malloc(cap);
	size_t n;

	if (!s)
		return NULL;
	n = (size_t)snprintf(s, cap, "%s", user);
	for (unsigned i = 0; i < vm->next_platform_slot; i++) {
		const struct vm_platform_dev *pd = &vm->platform_devs[i];

		if ((pd->in_acpi && !acpi_off) || !pd->hid || strcmp(pd->hid, "LNRO0005"))
			continue;
		n += (size_t)snprintf(s + n, cap - n, "%svirtio_mmio.device=%lluK@0x%llx:%u",
				      n ? " " : "", (unsigned long long)(pd->size >> 10),
				      (unsigned long long)pd->addr, pd->gsi);
	}
	return s;
}

/*
 * Linux on a hardware-reduced ACPI machine with no EFI reboots through "EFI"
 * (absent here), then by jumping to the BIOS reset vector F000:FFF0 in real
 * mode (machine_real_restart, reboot=bios), before it would try the 0xCF9
 * port, a triple fault or the ACPI reset register. There is no BIOS: the
 * reset vector holds this stub, which writes the FADT reset register, so the
 * guest's reboot becomes a VM reset. 0xFFFF0 is in the reserved BIOS area.
 */
#define RESET_VECTOR_ADDR	0x000ffff0ull
static const u8 reset_stub[] = {
	0xba, PIO_ACPI_RESET & 0xff, PIO_ACPI_RESET >> 8,	/* mov dx, PIO_ACPI_RESET */
	0xb0, ACPI_RESET_VALUE,					/* mov al, ACPI_RESET_VALUE */
	0xee,							/* out dx, al */
	0xf4,							/* 1: hlt */
	0xeb, 0xfd,						/* jmp 1b */
};

int x86_load_kernel(struct vm *vm)
{
	const struct vm_config *cfg = vm->cfg;
	struct boot_params *bp;
	struct boot_file f;
	const char *why = NULL;
	char *cmdline = NULL;
	u64 kernel_end = 0;
	size_t len, cmdlen;
	/* The headers: a bzImage's setup header, an ELF header (4 KiB is more than both). */
	u8 head[0x1000] = { 0 };
	int ret;

	ret = file_open(&f, "kernel", cfg->kernel);
	if (ret)
		return ret;
	if (f.size > SIZE_MAX) {
		close(f.fd);
		return -EFBIG;
	}
	len = (size_t)f.size;
	ret = file_pread(&f, head, MIN(f.size, sizeof(head)), 0);
	bp = ret ? NULL : calloc(1, sizeof(*bp));
	if (!bp) {
		close(f.fd);
		return ret ? ret : -ENOMEM;
	}
	if (len >= sizeof(Elf64_Ehdr) && !memcmp(head, ELFMAG, SELFMAG)) {
		ret = load_elf(vm, bp, &f, head, len, &kernel_end);
	} else if (bzimage_check(head, len, &why)) {
		pr_err("kernel '%s': %s", cfg->kernel, why);
		ret = -ENOEXEC;
	} else {
		ret = load_bzimage(vm, bp, &f, head, len, &kernel_end);
	}
	close(f.fd);
	if (ret)
		goto out;

	cmdline = cmdline_build(vm);
	if (!cmdline) {
		ret = -ENOMEM;
		goto out;
	}
	cmdlen = strlen(cmdline);
	if (bp->hdr.cmdline_size && cmdlen > bp->hdr.cmdline_size) {
		pr_err("the command line is %zu bytes, the kernel accepts at most %u", cmdlen,
		       bp->hdr.cmdline_size);
		ret = -E2BIG;
		goto out;
	}
	if (cmdlen >= BOOT_CMDLINE_MAX) {
		pr_err("the command line is too long (%zu bytes)", cmdlen);
		ret = -E2BIG;
		goto out;
	}
	ret = gmem_write(&vm->gmem, BOOT_CMDLINE_ADDR, cmdline, cmdlen + 1);
	if (ret)
		goto out;
	bp->hdr.cmd_line_ptr = (u32)BOOT_CMDLINE_ADDR;

	if (cfg->initrd) {
		ret = load_initrd(vm, bp, kernel_end);
		if (ret)
			goto out;
	}
	bp->e820_entries = (u8)e820_build(vm->ram_below_4g, vm->ram_above_4g, bp->e820_table,
					  ARRAY_SIZE(bp->e820_table));
	bp->acpi_rsdp_addr = ACPI_TABLES_ADDR;
	ret = gmem_write(&vm->gmem, BOOT_PARAMS_ADDR, bp, sizeof(*bp));
	if (ret)
		goto out;
	ret = gmem_write(&vm->gmem, RESET_VECTOR_ADDR, reset_stub, sizeof(reset_stub));
	if (ret)
		goto out;
	vm->boot_params = BOOT_PARAMS_ADDR;
	ret = x86_setup_boot_pagetables(vm);
out:
	free(cmdline);
	free(bp);
	return ret;
}
