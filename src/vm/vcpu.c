// SPDX-License-Identifier: GPL-2.0-only
/*
 * vCPU threads. Each runs KVM_RUN and dispatches the exit: port and MMIO
 * accesses go to the buses, a guest shutdown or an error stops the VM. To stop
 * a vCPU from another thread we set immediate_exit and send SIGUSR1, so a
 * thread that is between two KVM_RUNs cannot miss the request.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "iovirt/log.h"
#include "iovirt/vcpu.h"
#include "iovirt/vm.h"
#include "iovirt/x86.h"

static void vcpu_kick_handler(int sig)
{
	(void)sig;
}

static int vcpu_create_one(struct vm *vm, unsigned id, const struct kvm_cpuid2 *cpuid)
{
	struct vcpu *v = calloc(1, sizeof(*v));
	int mmap_size, ret;

	if (!v)
		return -ENOMEM;
	v->vm = vm;
	v->id = id;
	vm->vcpus[id] = v;
	v->fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, id);
	if (v->fd < 0) {
		ret = -errno;
		pr_err("KVM_CREATE_VCPU %u: %s", id, strerror(-ret));
		return ret;
	}
	mmap_size = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (mmap_size <= 0)
		return -EINVAL;
	v->run_size = (size_t)mmap_size;
	v->run = mmap(NULL, v->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
	if (v->run == MAP_FAILED) {
		v->run = NULL;
		return -errno;
	}
	return x86_vcpu_init(vm, v, cpuid);
}

int vcpus_create(struct vm *vm)
{
	struct kvm_cpuid2 *cpuid;
	struct sigaction sa = { .sa_handler = vcpu_kick_handler };
	int ret = 0;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	vm->nr_vcpus = vm->cfg->ncpus;
	vm->vcpus = calloc(vm->nr_vcpus, sizeof(*vm->vcpus));
	if (!vm->vcpus)
		return -ENOMEM;
	cpuid = cpuid_get_supported(vm->kvm_fd);
	if (!cpuid)
		return -ENOTSUP;
	for (unsigned i = 0; i < vm->nr_vcpus && !ret; i++)
		ret = vcpu_create_one(vm, i, cpuid);
	free(cpuid);
	return ret;
}

static void vcpu_io(struct vcpu *v)
{
	struct kvm_run *run = v->run;
	u8 *data = (u8 *)run + run->io.data_offset;

	/* A string instruction (rep outsb) arrives as `count` accesses of `size`. */
	for (u32 i = 0; i < run->io.count; i++, data += run->io.size) {
		if (run->io.direction == KVM_EXIT_IO_OUT)
			bus_write(&v->vm->pio, run->io.port, data, run->io.size);
		else
			bus_read(&v->vm->pio, run->io.port, data, run->io.size);
	}
}

static void vcpu_mmio(struct vcpu *v)
{
	struct kvm_run *run = v->run;

	if (run->mmio.is_write)
		bus_write(&v->vm->mmio, run->mmio.phys_addr, run->mmio.data, run->mmio.len);
	else
		bus_read(&v->vm->mmio, run->mmio.phys_addr, run->mmio.data, run->mmio.len);
}

/* Handle one exit; returns the next state. */
static enum vcpu_state vcpu_handle_exit(struct vcpu *v)
{
	struct kvm_run *run = v->run;

	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		vcpu_io(v);
		return VCPU_RUNNING;
	case KVM_EXIT_MMIO:
		vcpu_mmio(v);
		return VCPU_RUNNING;
	case KVM_EXIT_INTR:
		return VCPU_RUNNING;
	case KVM_EXIT_HLT:
		pr_err("vcpu%u: halted with interrupts off", v->id);
		x86_vcpu_dump(v);
		vm_request_stop(v->vm, VM_STOP_ERROR);
		return VCPU_STOPPING;
	case KVM_EXIT_SHUTDOWN:
		pr_err("vcpu%u: triple fault (guest shutdown)", v->id);
		x86_vcpu_dump(v);
		vm_request_stop(v->vm, VM_STOP_ERROR);
		return VCPU_STOPPING;
	case KVM_EXIT_SYSTEM_EVENT:
		if (run->system_event.type == KVM_SYSTEM_EVENT_RESET) {
			vm_request_stop(v->vm, VM_STOP_RESET);
		} else if (run->system_event.type == KVM_SYSTEM_EVENT_SHUTDOWN) {
			vm_request_stop(v->vm, VM_STOP_POWEROFF);
		} else {
			pr_err("vcpu%u: system event %u", v->id, run->system_event.type);
			vm_request_stop(v->vm, VM_STOP_ERROR);
		}
		return VCPU_STOPPING;
	case KVM_EXIT_FAIL_ENTRY:
		pr_err("vcpu%u: KVM entry failed, hardware reason 0x%llx", v->id,
		       (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
		x86_vcpu_dump(v);
		vm_request_stop(v->vm, VM_STOP_ERROR);
		return VCPU_STOPPING;
	case KVM_EXIT_INTERNAL_ERROR:
		pr_err("vcpu%u: KVM internal error, suberror %u", v->id, run->internal.suberror);
		x86_vcpu_dump(v);
		vm_request_stop(v->vm, VM_STOP_ERROR);
		return VCPU_STOPPING;
	default:
		pr_err("vcpu%u: unexpected KVM exit %u", v->id, run->exit_reason);
		x86_vcpu_dump(v);
		vm_request_stop(v->vm, VM_STOP_ERROR);
		return VCPU_STOPPING;
	}
}

static void *vcpu_thread(void *arg)
{
	struct vcpu *v = arg;
	char name[16];
	sigset_t set;

	snprintf(name, sizeof(name), "vcpu%u", v->id);
	pthread_setname_np(pthread_self(), name);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);

	while (v->state == VCPU_RUNNING) {
		if (ioctl(v->fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			pr_err("vcpu%u: KVM_RUN: %s", v->id, strerror(errno));
			vm_request_stop(v->vm, VM_STOP_ERROR);
			break;
		}
		v->exits++;
		if (v->state != VCPU_RUNNING)
			break;
		if (vcpu_handle_exit(v) != VCPU_RUNNING)
			break;
	}
	v->state = VCPU_STOPPED;
	return NULL;
}

int vcpus_start(struct vm *vm)
{
	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu *v = vm->vcpus[i];
		int ret;

		v->state = VCPU_RUNNING;
		ret = pthread_create(&v->thread, NULL, vcpu_thread, v);
		if (ret)
			return -ret;
		v->started = true;
	}
	return 0;
}

void vcpus_stop(struct vm *vm)
{
	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu *v = vm->vcpus[i];

		if (!v || !v->started)
			continue;
		if (v->state == VCPU_RUNNING)
			v->state = VCPU_STOPPING;
		v->run->immediate_exit = 1;
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		pthread_kill(v->thread, SIGUSR1);
	}
	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu *v = vm->vcpus[i];

		if (!v || !v->started)
			continue;
		pthread_join(v->thread, NULL);
		v->started = false;
	}
}

void vcpus_destroy(struct vm *vm)
{
	if (!vm->vcpus)
		return;
	vcpus_stop(vm);
	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu *v = vm->vcpus[i];

		if (!v)
			continue;
		if (v->run)
			munmap(v->run, v->run_size);
		if (v->fd >= 0)
			close(v->fd);
		free(v);
	}
	free(vm->vcpus);
	vm->vcpus = NULL;
	vm->nr_vcpus = 0;
}
