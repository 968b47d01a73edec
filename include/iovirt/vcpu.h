/* SPDX-License-Identifier: GPL-2.0-only */
/* A vCPU: its KVM fd, the shared kvm_run page and the thread that runs it. */
#ifndef IOVIRT_VCPU_H
#define IOVIRT_VCPU_H

#include <linux/kvm.h>
#include <pthread.h>

#include "types.h"

struct vm;

enum vcpu_state { VCPU_RUNNING, VCPU_STOPPING, VCPU_STOPPED };

struct vcpu {
	struct vm *vm;
	unsigned id;
	int fd;
	struct kvm_run *run;
	size_t run_size;
	pthread_t thread;
	bool started;
	volatile enum vcpu_state state;
	u64 exits;
};

#endif
