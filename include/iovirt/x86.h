/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * x86 machine pieces: the kernel loader (Linux boot protocol), the e820 map,
 * CPUID and initial vCPU state, and the machine assembly (which devices, in
 * which order).
 */
#ifndef IOVIRT_X86_H
#define IOVIRT_X86_H

#include <asm/bootparam.h>

#include "types.h"

struct vm;
struct vcpu;
struct kvm_cpuid2;

/* e820 (e820.c): fill the table for this VM's memory; returns the entry count. */
unsigned e820_build(u64 ram_below_4g, u64 ram_above_4g, struct boot_e820_entry *e,
		    unsigned max);

/*
 * Kernel loading (boot.c): bzImage (protocol ≥ 2.12, 64-bit entry) or ELF
 * vmlinux, initrd, command line, boot_params. Sets vm->entry_rip and
 * vm->boot_params. Errors are printed (one line) and returned.
 */
int x86_load_kernel(struct vm *vm) __must_check;
/* Parse a bzImage header from `buf` (for tests): 0 or -ENOEXEC/-EINVAL with a reason. */
int bzimage_check(const u8 *buf, size_t len, const char **why) __must_check;

/* Page tables and GDT for 64-bit entry (boot.c). */
int x86_setup_boot_pagetables(struct vm *vm) __must_check;

/* CPUID (cpuid.c): the filtered table for vCPU `id` of `n`. */
struct kvm_cpuid2 *cpuid_get_supported(int kvm_fd);
void cpuid_filter(struct kvm_cpuid2 *c, unsigned id, unsigned n);

/* Initial vCPU state (cpu.c): CPUID, MSRs, LAPIC LINTs, and for the BSP the 64-bit entry state. */
int x86_vcpu_init(struct vm *vm, struct vcpu *v, const struct kvm_cpuid2 *cpuid) __must_check;
void x86_vcpu_dump(struct vcpu *v);

/* The machine (machine.c): create every device in one explicit order. */
int machine_create(struct vm *vm) __must_check;

#endif
