// SPDX-License-Identifier: GPL-2.0-only
/*
 * Initial vCPU state. Every vCPU gets its CPUID, boot MSRs and the LAPIC's
 * LINT0/LINT1 set to ExtINT/NMI as a BIOS would leave them. The BSP starts in
 * 64-bit mode at the kernel's 64-bit entry (Linux boot protocol §"64-bit
 * boot protocol"): flat segments, paging with an identity map, RSI pointing at
 * boot_params. APs wait for INIT/SIPI in the in-kernel LAPIC.
 */
#include <errno.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>

#include "iovirt/layout.h"
#include "iovirt/log.h"
#include "iovirt/vcpu.h"
#include "iovirt/vm.h"
#include "iovirt/x86.h"

#define MSR_IA32_SYSENTER_CS	0x174
#define MSR_IA32_SYSENTER_ESP	0x175
#define MSR_IA32_SYSENTER_EIP	0x176
#define MSR_IA32_MISC_ENABLE	0x1a0
#define MSR_IA32_MISC_ENABLE_FAST_STRING 1
#define MSR_STAR		0xc0000081
#define MSR_LSTAR		0xc0000082
#define MSR_CSTAR		0xc0000083
#define MSR_SYSCALL_MASK	0xc0000084
#define MSR_KERNEL_GS_BASE	0xc0000102
#define MSR_IA32_TSC		0x10
#define MSR_MTRRdefType		0x2ff

#define X86_CR0_PE 0x1
#define X86_CR0_MP 0x2
#define X86_CR0_ET 0x10
#define X86_CR0_NE 0x20
#define X86_CR0_WP 0x10000
#define X86_CR0_AM 0x40000
#define X86_CR0_PG 0x80000000
#define X86_CR4_PAE 0x20
#define EFER_LME 0x100
#define EFER_LMA 0x400

#define APIC_LVT0 0x350
#define APIC_LVT1 0x360
#define APIC_MODE_EXTINT 0x7
#define APIC_MODE_NMI 0x4

static int vcpu_set_msrs(struct vcpu *v)
{
	static const struct {
		u32 index;
		u64 data;
	} boot_msrs[] = {
		{ MSR_IA32_SYSENTER_CS, 0 },
		{ MSR_IA32_SYSENTER_ESP, 0 },
		{ MSR_IA32_SYSENTER_EIP, 0 },
		{ MSR_STAR, 0 },
		{ MSR_CSTAR, 0 },
		{ MSR_KERNEL_GS_BASE, 0 },
		{ MSR_SYSCALL_MASK, 0 },
		{ MSR_LSTAR, 0 },
		{ MSR_IA32_TSC, 0 },
		{ MSR_IA32_MISC_ENABLE, MSR_IA32_MISC_ENABLE_FAST_STRING },
		/* MTRRs enabled, default type write-back: no firmware will program them. */
		{ MSR_MTRRdefType, (1u << 11) | 6 },
	};
	struct kvm_msrs *m;
	int ret;

	m = calloc(1, sizeof(*m) + ARRAY_SIZE(boot_msrs) * sizeof(m->entries[0]));
	if (!m)
		return -ENOMEM;
	m->nmsrs = ARRAY_SIZE(boot_msrs);
	for (unsigned i = 0; i < ARRAY_SIZE(boot_msrs); i++) {
		m->entries[i].index = boot_msrs[i].index;
		m->entries[i].data = boot_msrs[i].data;
	}
	ret = ioctl(v->fd, KVM_SET_MSRS, m);
	free(m);
	if (ret < 0)
		return -errno;
	if ((unsigned)ret != ARRAY_SIZE(boot_msrs))
		pr_debug("vcpu%u: KVM_SET_MSRS set %d of %zu", v->id, ret, ARRAY_SIZE(boot_msrs));
	return 0;
}

static int vcpu_set_lint(struct vcpu *v)
{
	struct kvm_lapic_state lapic;
	u32 lvt0, lvt1;

	if (ioctl(v->fd, KVM_GET_LAPIC, &lapic) < 0)
		return -errno;
	memcpy(&lvt0, &lapic.regs[APIC_LVT0], 4);
	memcpy(&lvt1, &lapic.regs[APIC_LVT1], 4);
	lvt0 = (lvt0 & ~0x700u) | (APIC_MODE_EXTINT << 8);
	lvt1 = (lvt1 & ~0x700u) | (APIC_MODE_NMI << 8);
	memcpy(&lapic.regs[APIC_LVT0], &lvt0, 4);
	memcpy(&lapic.regs[APIC_LVT1], &lvt1, 4);
	return ioctl(v->fd, KVM_SET_LAPIC, &lapic) < 0 ? -errno : 0;
}

static void seg_flat(struct kvm_segment *s, u16 sel, u8 type, bool code)
{
	*s = (struct kvm_segment){
		.base = 0,
		.limit = 0xffffffff,
		.selector = sel,
		.type = type,
		.present = 1,
		.dpl = 0,
		.db = code ? 0 : 1,
		.s = 1,
		.l = code ? 1 : 0,
		.g = 1,
	};
}

static int vcpu_set_boot_regs(struct vm *vm, struct vcpu *v)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs = { 0 };
	struct kvm_fpu fpu = { .fcw = 0x37f };

	if (ioctl(v->fd, KVM_GET_SREGS, &sregs) < 0)
		return -errno;
	/* GDT entries 2 and 3: the __BOOT_CS (0x10) and __BOOT_DS (0x18) Linux expects. */
	seg_flat(&sregs.cs, 0x10, 0xb, true);
	seg_flat(&sregs.ds, 0x18, 0x3, false);
	sregs.es = sregs.fs = sregs.gs = sregs.ss = sregs.ds;
	sregs.gdt.base = BOOT_GDT_ADDR;
	sregs.gdt.limit = 4 * 8 - 1;
	sregs.idt.base = BOOT_IDT_ADDR;
	sregs.idt.limit = 0;
	sregs.cr0 = X86_CR0_PE | X86_CR0_MP | X86_CR0_ET | X86_CR0_NE | X86_CR0_WP | X86_CR0_AM |
		    X86_CR0_PG;
	sregs.cr3 = BOOT_PML4_ADDR;
	sregs.cr4 = X86_CR4_PAE;
	sregs.efer = EFER_LME | EFER_LMA;
	if (ioctl(v->fd, KVM_SET_SREGS, &sregs) < 0)
		return -errno;

	regs.rflags = 0x2;
	regs.rip = vm->entry_rip;
	regs.rsi = vm->boot_params;
	regs.rsp = BOOT_STACK_TOP;
	regs.rbp = BOOT_STACK_TOP;
	if (ioctl(v->fd, KVM_SET_REGS, &regs) < 0)
		return -errno;
	fpu.mxcsr = 0x1f80;
	if (ioctl(v->fd, KVM_SET_FPU, &fpu) < 0)
		return -errno;
	return 0;
}

int x86_vcpu_init(struct vm *vm, struct vcpu *v, const struct kvm_cpuid2 *cpuid)
{
	size_t sz = sizeof(*cpuid) + cpuid->nent * sizeof(cpuid->entries[0]);
	struct kvm_cpuid2 *c = malloc(sz);
	int ret;

	if (!c)
		return -ENOMEM;
	memcpy(c, cpuid, sz);
	cpuid_filter(c, v->id, vm->cfg->ncpus);
	ret = ioctl(v->fd, KVM_SET_CPUID2, c) < 0 ? -errno : 0;
	free(c);
	if (ret) {
		pr_err("vcpu%u: KVM_SET_CPUID2: %s", v->id, strerror(-ret));
		return ret;
	}
	ret = vcpu_set_msrs(v);
	if (ret) {
		pr_err("vcpu%u: KVM_SET_MSRS: %s", v->id, strerror(-ret));
		return ret;
	}
	ret = vcpu_set_lint(v);
	if (ret) {
		pr_err("vcpu%u: LAPIC setup: %s", v->id, strerror(-ret));
		return ret;
	}
	if (v->id == 0) {
		ret = vcpu_set_boot_regs(vm, v);
		if (ret)
			pr_err("vcpu0: boot registers: %s", strerror(-ret));
	}
	return ret;
}

void x86_vcpu_dump(struct vcpu *v)
{
	struct kvm_regs r;
	struct kvm_sregs s;

	if (ioctl(v->fd, KVM_GET_REGS, &r) < 0 || ioctl(v->fd, KVM_GET_SREGS, &s) < 0) {
		pr_err("vcpu%u: cannot read registers: %s", v->id, strerror(errno));
		return;
	}
	fprintf(stderr,
		"vcpu%u registers:\n"
		" rip %016llx rsp %016llx rflags %016llx\n"
		" rax %016llx rbx %016llx rcx %016llx rdx %016llx\n"
		" rsi %016llx rdi %016llx rbp %016llx\n"
		" r8  %016llx r9  %016llx r10 %016llx r11 %016llx\n"
		" r12 %016llx r13 %016llx r14 %016llx r15 %016llx\n"
		" cr0 %016llx cr2 %016llx cr3 %016llx cr4 %016llx efer %016llx\n"
		" cs %04x base %016llx  ss %04x  gdt %016llx/%x  idt %016llx/%x\n",
		v->id, r.rip, r.rsp, r.rflags, r.rax, r.rbx, r.rcx, r.rdx, r.rsi, r.rdi, r.rbp,
		r.r8, r.r9, r.r10, r.r11, r.r12, r.r13, r.r14, r.r15, s.cr0, s.cr2, s.cr3, s.cr4,
		s.efer, s.cs.selector, s.cs.base, s.ss.selector, s.gdt.base, s.gdt.limit,
		s.idt.base, s.idt.limit);
}
