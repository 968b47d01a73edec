// SPDX-License-Identifier: GPL-2.0-only
/*
 * CPUID for the guest: what KVM supports on this host, filtered so that the
 * guest sees a hypervisor (leaf 1 ECX[31], KVM's signature at 0x40000000 with
 * kvmclock), x2APIC, and a topology of one socket with N cores whose APIC IDs
 * are the vCPU indices.
 */
#include <errno.h>
#include <linux/kvm.h>
#include <stdlib.h>
#include <sys/ioctl.h>

#include "iovirt/log.h"
#include "iovirt/x86.h"

struct kvm_cpuid2 *cpuid_get_supported(int kvm_fd)
{
	for (unsigned n = 128; n <= 4096; n *= 2) {
		struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + n * sizeof(c->entries[0]));

		if (!c)
			return NULL;
		c->nent = n;
		if (ioctl(kvm_fd, KVM_GET_SUPPORTED_CPUID, c) == 0)
			return c;
		free(c);
		if (errno != E2BIG) {
			pr_err("KVM_GET_SUPPORTED_CPUID: %s", strerror(errno));
			return NULL;
		}
	}
	return NULL;
}

/* Bits needed to hold n distinct values. */
static unsigned order_of(unsigned n)
{
	unsigned s = 0;

	while ((1u << s) < n)
		s++;
	return s;
}

void cpuid_filter(struct kvm_cpuid2 *c, unsigned id, unsigned n)
{
	unsigned core_bits = order_of(n);

	for (unsigned i = 0; i < c->nent; i++) {
		struct kvm_cpuid_entry2 *e = &c->entries[i];

		switch (e->function) {
		case 1:
			/* EBX[31:24] initial APIC ID, [23:16] logical processors per package. */
			e->ebx = (e->ebx & 0xffff) | (id << 24) | ((n & 0xff) << 16);
			e->ecx |= BIT(31);	/* hypervisor present */
			e->ecx |= BIT(21);	/* x2APIC: KVM emulates it in the kernel */
			if (n > 1)
				e->edx |= BIT(28);	/* HTT: the package has several CPUs */
			break;
		case 4:
			/* EAX[31:26]: cores per package - 1; no SMT sharing of caches. */
			e->eax = (e->eax & 0x3ff) | (((1u << core_bits) - 1) << 26);
			break;
		case 6:
			/* No APERF/MPERF or power management to offer. */
			e->ecx &= ~BIT(0);
			break;
		case 0xb:
		case 0x1f:
			/* x2APIC topology: level 0 SMT (1 thread), level 1 core (n). */
			if (e->index == 0) {
				e->eax = 0;
				e->ebx = 1;
				e->ecx = 0 | (1u << 8);
			} else if (e->index == 1) {
				e->eax = core_bits;
				e->ebx = n;
				e->ecx = 1 | (2u << 8);
			} else {
				e->eax = 0;
				e->ebx = 0;
				e->ecx = e->index;
			}
			e->edx = id;
			break;
		case 0x80000001:
			/* CmpLegacy on AMD: the core count comes from 0x80000008. */
			if (n > 1)
				e->ecx |= BIT(1);
			break;
		case 0x80000008:
			/* ECX[15:12] APIC ID size, [7:0] cores - 1 (AMD). */
			e->ecx = (e->ecx & ~0xf0ffu) | (core_bits << 12) | ((n - 1) & 0xff);
			break;
		default:
			break;
		}
	}
}
