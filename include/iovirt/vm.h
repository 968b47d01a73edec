/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The VM object: the one piece of mutable state passed around. It owns the
 * KVM fds, guest memory, the two buses, the interrupt router, the vCPUs, the
 * main event loop and the list of devices (destroyed in reverse creation
 * order). In the device harness (qtest) it has no KVM and no vCPU.
 */
#ifndef IOVIRT_VM_H
#define IOVIRT_VM_H

#include <pthread.h>

#include "bus.h"
#include "config.h"
#include "evloop.h"
#include "gmem.h"
#include "irq.h"
#include "layout.h"
#include "types.h"
#include "vclock.h"

struct vcpu;
struct pci_host;

enum vm_stop {
	VM_STOP_NONE,
	VM_STOP_POWEROFF,	/* guest powered off: exit 0 */
	VM_STOP_RESET,		/* guest asked to reboot */
	VM_STOP_ERROR,		/* triple fault, internal error: exit nonzero */
};

struct vm_device_ops {
	const char *name;
	void (*destroy)(void *dev);
};

struct vm_device {
	const struct vm_device_ops *ops;
	void *dev;
};

/*
 * A device in a platform MMIO slot (virtio-mmio), for whoever tells the guest
 * about it: the ACPI tables (a _HID device with _CRS) and, for devices ACPI
 * does not describe, the kernel command line (virtio_mmio.device=SIZE@ADDR:IRQ).
 */
struct vm_platform_dev {
	const char *hid;	/* ACPI _HID, "LNRO0005" for virtio-mmio */
	const char *name;	/* "virtio-blk0" */
	u64 addr;
	u64 size;
	unsigned gsi;		/* IOAPIC pin; the device pulses it on each event (edge-safe)
				 * and holds it while its interrupt status is non-zero */
	bool in_acpi;		/* set by the ACPI builder when the DSDT describes it */
};

struct vm {
	const struct vm_config *cfg;
	int kvm_fd;		/* -1 in the device harness */
	int vm_fd;
	struct gmem gmem;
	u64 ram_below_4g;	/* bytes of RAM at 0 */
	u64 ram_above_4g;	/* bytes of RAM at 4 GiB */
	u64 mmio64_base;	/* 64-bit PCI window */
	struct bus pio;
	struct bus mmio;
	struct irq_router irq;
	struct pci_host *pci;
	struct vcpu **vcpus;
	unsigned nr_vcpus;
	struct evloop loop;	/* main I/O loop: console, timers, control */
	struct vclock clock;	/* device time: host monotonic, or virtual under qtest */
	pthread_t loop_thread;
	bool loop_running;

	pthread_mutex_t stop_lock; /* guards stop_reason */
	pthread_cond_t stop_cond;
	enum vm_stop stop_reason;

	struct vm_device devices[64];
	unsigned nr_devices;
	unsigned next_platform_slot;	/* virtio-mmio slots handed out */
	struct vm_platform_dev platform_devs[PLATFORM_MMIO_SLOTS];	/* [0, next_platform_slot) */
	u64 entry_rip;		/* set by the loader */
	u64 boot_params;
};

/* Create the VM (KVM fds unless cfg->qtest, memory, buses, irq router). */
int vm_create(struct vm *vm, const struct vm_config *cfg) __must_check;
void vm_destroy(struct vm *vm);

/* Register a device for destruction with the VM (reverse order). */
int vm_add_device(struct vm *vm, const struct vm_device_ops *ops, void *dev) __must_check;

/* Ask the VM to stop (any thread). The first reason wins. */
void vm_request_stop(struct vm *vm, enum vm_stop why);
enum vm_stop vm_wait_stop(struct vm *vm);

/* Queue-kick eventfd on PIO or MMIO: KVM_IOEVENTFD plus the bus's own copy. */
int vm_ioeventfd_add(struct vm *vm, bool pio, u64 addr, unsigned len, bool match, u64 data,
		     int fd) __must_check;
int vm_ioeventfd_del(struct vm *vm, bool pio, u64 addr, unsigned len, bool match, u64 data,
		     int fd);

/* Memory slots for KVM (called once memory is laid out). */
int vm_register_memory(struct vm *vm) __must_check;

/* vCPUs (vcpu.c). */
int vcpus_create(struct vm *vm) __must_check;
int vcpus_start(struct vm *vm) __must_check;
void vcpus_stop(struct vm *vm);
void vcpus_destroy(struct vm *vm);

/* KVM back-end for the interrupt router (irq_kvm.c). */
extern const struct irq_backend_ops irq_kvm_ops;

#endif
