// SPDX-License-Identifier: GPL-2.0-only
/*
 * The KVM VM: /dev/kvm, the capabilities iovirt needs (each named when
 * missing), guest memory laid out around the 32-bit PCI hole, the in-kernel
 * irqchip, and the device list. In the device harness (cfg->qtest) there is
 * no KVM at all: memory, buses and the irq router exist, nothing runs.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/sysinfo.h>
#include <unistd.h>

#include "iovirt/layout.h"
#include "iovirt/log.h"
#include "iovirt/vm.h"

static const struct {
	int cap;
	const char *name;
} required_caps[] = {
	{ KVM_CAP_IRQCHIP, "KVM_CAP_IRQCHIP" },
	{ KVM_CAP_IRQ_ROUTING, "KVM_CAP_IRQ_ROUTING" },
	{ KVM_CAP_IRQFD, "KVM_CAP_IRQFD" },
	{ KVM_CAP_IOEVENTFD, "KVM_CAP_IOEVENTFD" },
	{ KVM_CAP_SIGNAL_MSI, "KVM_CAP_SIGNAL_MSI" },
	{ KVM_CAP_USER_MEMORY, "KVM_CAP_USER_MEMORY" },
	{ KVM_CAP_SET_TSS_ADDR, "KVM_CAP_SET_TSS_ADDR" },
	{ KVM_CAP_EXT_CPUID, "KVM_CAP_EXT_CPUID" },
	{ KVM_CAP_PIT2, "KVM_CAP_PIT2" },
	{ KVM_CAP_IMMEDIATE_EXIT, "KVM_CAP_IMMEDIATE_EXIT" },
	{ KVM_CAP_MP_STATE, "KVM_CAP_MP_STATE" },
};

static int kvm_open(struct vm *vm)
{
	int ret;

	vm->kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (vm->kvm_fd < 0) {
		ret = -errno;
		if (ret == -ENOENT)
			pr_err("/dev/kvm does not exist: KVM is not available on this host");
		else
			pr_err("cannot open /dev/kvm: %s", strerror(-ret));
		return ret;
	}
	ret = ioctl(vm->kvm_fd, KVM_GET_API_VERSION, 0);
	if (ret != KVM_API_VERSION) {
		pr_err("/dev/kvm has API version %d, need %d", ret, KVM_API_VERSION);
		return -ENOTSUP;
	}
	for (unsigned i = 0; i < ARRAY_SIZE(required_caps); i++) {
		if (ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, required_caps[i].cap) <= 0) {
			pr_err("KVM lacks a required capability: %s", required_caps[i].name);
			return -ENOTSUP;
		}
	}
	vm->vm_fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, 0);
	if (vm->vm_fd < 0) {
		ret = -errno;
		pr_err("KVM_CREATE_VM: %s", strerror(-ret));
		return ret;
	}
	/* Intel needs these three pages below 4 GiB; they sit in the PCI hole's top. */
	if (ioctl(vm->vm_fd, KVM_SET_TSS_ADDR, 0xfffbd000ul) < 0) {
		ret = -errno;
		pr_err("KVM_SET_TSS_ADDR: %s", strerror(-ret));
		return ret;
	}
	{
		u64 idmap = 0xfffbc000ull;

		if (ioctl(vm->vm_fd, KVM_SET_IDENTITY_MAP_ADDR, &idmap) < 0)
			pr_debug("KVM_SET_IDENTITY_MAP_ADDR: %s", strerror(errno));
	}
	if (ioctl(vm->vm_fd, KVM_CREATE_IRQCHIP, 0) < 0) {
		ret = -errno;
		pr_err("KVM_CREATE_IRQCHIP: %s", strerror(-ret));
		return ret;
	}
	{
		struct kvm_pit_config pit = { .flags = KVM_PIT_SPEAKER_DUMMY };

		if (ioctl(vm->vm_fd, KVM_CREATE_PIT2, &pit) < 0) {
			ret = -errno;
			pr_err("KVM_CREATE_PIT2: %s", strerror(-ret));
			return ret;
		}
	}
	return 0;
}

/* Lay out RAM around the 32-bit hole and create its memfd regions. */
static int vm_setup_memory(struct vm *vm)
{
	const struct vm_config *cfg = vm->cfg;
	struct sysinfo si;
	int ret;

	if (sysinfo(&si) == 0) {
		u64 host = (u64)si.totalram * si.mem_unit;

		if (cfg->mem_size > host) {
			pr_err("--memory %llu MiB is more than this host has (%llu MiB)",
			       (unsigned long long)(cfg->mem_size >> 20),
			       (unsigned long long)(host >> 20));
			return -ENOMEM;
		}
	}
	vm->ram_below_4g = MIN(cfg->mem_size, MEM_32BIT_GAP_START);
	vm->ram_above_4g = cfg->mem_size - vm->ram_below_4g;
	ret = gmem_add_memfd(&vm->gmem, 0, vm->ram_below_4g, cfg->hugepages);
	if (!ret && vm->ram_above_4g)
		ret = gmem_add_memfd(&vm->gmem, HIGH_RAM_START, vm->ram_above_4g, cfg->hugepages);
	if (ret) {
		pr_err("cannot allocate %llu MiB of guest memory%s: %s",
		       (unsigned long long)(cfg->mem_size >> 20),
		       cfg->hugepages ? " in hugepages" : "", strerror(-ret));
		return ret;
	}
	vm->mmio64_base = ALIGN_UP(HIGH_RAM_START + vm->ram_above_4g, SZ_1G);
	return 0;
}

int vm_register_memory(struct vm *vm)
{
	for (unsigned i = 0; i < vm->gmem.nr; i++) {
		const struct gmem_region *r = &vm->gmem.r[i];
		struct kvm_userspace_memory_region m = {
			.slot = i,
			.guest_phys_addr = r->gpa,
			.memory_size = r->size,
			.userspace_addr = (u64)(uintptr_t)r->hva,
		};

		if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &m) < 0) {
			int ret = -errno;

			pr_err("KVM_SET_USER_MEMORY_REGION: %s", strerror(-ret));
			return ret;
		}
	}
	return 0;
}

int vm_create(struct vm *vm, const struct vm_config *cfg)
{
	int ret;

	memset(vm, 0, sizeof(*vm));
	vm->cfg = cfg;
	vm->kvm_fd = -1;
	vm->vm_fd = -1;
	gmem_init(&vm->gmem);
	vclock_init(&vm->clock, cfg->qtest != NULL);
	pthread_mutex_init(&vm->stop_lock, NULL);
	pthread_cond_init(&vm->stop_cond, NULL);
	ret = bus_init(&vm->pio, "pio");
	if (ret)
		return ret;
	ret = bus_init(&vm->mmio, "mmio");
	if (ret)
		return ret;
	ret = evloop_init(&vm->loop, "main-loop");
	if (ret)
		return ret;
	ret = vclock_attach(&vm->clock, &vm->loop);
	if (ret)
		return ret;
	if (!cfg->qtest) {
		ret = kvm_open(vm);
		if (ret)
			return ret;
		irq_router_init(&vm->irq, &irq_kvm_ops, vm);
	}
	ret = vm_setup_memory(vm);
	if (ret)
		return ret;
	if (!cfg->qtest) {
		ret = vm_register_memory(vm);
		if (ret)
			return ret;
		ret = irq_router_commit(&vm->irq);
		if (ret) {
			pr_err("KVM_SET_GSI_ROUTING: %s", strerror(-ret));
			return ret;
		}
	}
	return 0;
}

int vm_add_device(struct vm *vm, const struct vm_device_ops *ops, void *dev)
{
	if (vm->nr_devices == ARRAY_SIZE(vm->devices))
		return -ENOSPC;
	vm->devices[vm->nr_devices++] = (struct vm_device){ ops, dev };
	return 0;
}

void vm_request_stop(struct vm *vm, enum vm_stop why)
{
	pthread_mutex_lock(&vm->stop_lock);
	if (vm->stop_reason == VM_STOP_NONE) {
		vm->stop_reason = why;
		pthread_cond_broadcast(&vm->stop_cond);
	}
	pthread_mutex_unlock(&vm->stop_lock);
}

enum vm_stop vm_wait_stop(struct vm *vm)
{
	enum vm_stop why;

	pthread_mutex_lock(&vm->stop_lock);
	while (vm->stop_reason == VM_STOP_NONE)
		pthread_cond_wait(&vm->stop_cond, &vm->stop_lock);
	why = vm->stop_reason;
	pthread_mutex_unlock(&vm->stop_lock);
	return why;
}

static int kvm_ioeventfd(struct vm *vm, bool pio, u64 addr, unsigned len, bool match, u64 data,
			 int fd, bool assign)
{
	struct kvm_ioeventfd ioev = {
		.datamatch = data,
		.addr = addr,
		.len = len,
		.fd = fd,
		.flags = (pio ? KVM_IOEVENTFD_FLAG_PIO : 0) |
			 (match ? KVM_IOEVENTFD_FLAG_DATAMATCH : 0) |
			 (assign ? 0 : KVM_IOEVENTFD_FLAG_DEASSIGN),
	};

	if (vm->vm_fd < 0)
		return 0;
	return ioctl(vm->vm_fd, KVM_IOEVENTFD, &ioev) < 0 ? -errno : 0;
}

int vm_ioeventfd_add(struct vm *vm, bool pio, u64 addr, unsigned len, bool match, u64 data,
		     int fd)
{
	struct bus_ioeventfd ev = { addr, len, match, data, fd };
	int ret;

	ret = bus_add_ioeventfd(pio ? &vm->pio : &vm->mmio, &ev);
	if (ret)
		return ret;
	ret = kvm_ioeventfd(vm, pio, addr, len, match, data, fd, true);
	if (ret)
		bus_remove_ioeventfd(pio ? &vm->pio : &vm->mmio, addr, fd);
	return ret;
}

int vm_ioeventfd_del(struct vm *vm, bool pio, u64 addr, unsigned len, bool match, u64 data,
		     int fd)
{
	kvm_ioeventfd(vm, pio, addr, len, match, data, fd, false);
	return bus_remove_ioeventfd(pio ? &vm->pio : &vm->mmio, addr, fd);
}

void vm_destroy(struct vm *vm)
{
	if (vm->loop_running) {
		evloop_stop(&vm->loop);
		pthread_join(vm->loop_thread, NULL);
		vm->loop_running = false;
	}
	vcpus_destroy(vm);
	while (vm->nr_devices) {
		struct vm_device *d = &vm->devices[--vm->nr_devices];

		if (d->ops->destroy)
			d->ops->destroy(d->dev);
	}
	vclock_destroy(&vm->clock);
	evloop_destroy(&vm->loop);
	if (vm->vm_fd >= 0)
		close(vm->vm_fd);
	if (vm->kvm_fd >= 0)
		close(vm->kvm_fd);
	gmem_destroy(&vm->gmem);
	bus_destroy(&vm->pio);
	bus_destroy(&vm->mmio);
	irq_router_destroy(&vm->irq);
	vm->vm_fd = vm->kvm_fd = -1;
}
