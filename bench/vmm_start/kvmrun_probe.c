// SPDX-License-Identifier: GPL-2.0-only
/*
 * LD_PRELOAD probe for bench/vmm-start. Loaded into a VMM (iovirt or QEMU
 * alike, so both are measured from outside their own code, the same way), it
 * records the first KVM_RUN (guest entry) and the first return from KVM_RUN
 * (the first exit: with the tiny guest, whose first instruction is a port
 * write, that is the guest's first instruction), each as wall time since the
 * exec (the driver puts CLOCK_MONOTONIC just before execve in
 * $VMM_START_T0_NS) and as CPU time of the whole process. It writes
 * "entry_wall entry_cpu exit_wall exit_cpu" (ns) to $VMM_START_PROBE_OUT at
 * each of the two points and exits the process at the first exit: start-up is
 * measured, tear-down is not.
 */
#include <dlfcn.h>
#include <linux/kvm.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

static uint64_t ns(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void probe_write(uint64_t ew, uint64_t ec, uint64_t xw, uint64_t xc)
{
	const char *out = getenv("VMM_START_PROBE_OUT");
	FILE *f = out ? fopen(out, "w") : NULL;

	if (!f)
		return;
	fprintf(f, "%llu %llu %llu %llu\n", (unsigned long long)ew, (unsigned long long)ec,
		(unsigned long long)xw, (unsigned long long)xc);
	fclose(f);
}

int ioctl(int fd, unsigned long req, ...)
{
	static int (*real_ioctl)(int, unsigned long, void *);
	static int entered;
	static uint64_t t0, entry_wall, entry_cpu;
	va_list ap;
	void *arg;
	int ret;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (!real_ioctl) {
		const char *s = getenv("VMM_START_T0_NS");

		real_ioctl = (int (*)(int, unsigned long, void *))dlsym(RTLD_NEXT, "ioctl");
		t0 = s ? strtoull(s, NULL, 10) : 0;
	}
	if (req == KVM_RUN && !__atomic_exchange_n(&entered, 1, __ATOMIC_SEQ_CST)) {
		entry_wall = ns(CLOCK_MONOTONIC) - t0;
		entry_cpu = ns(CLOCK_PROCESS_CPUTIME_ID);
		/* Written now too: a guest that never exits still leaves its entry time. */
		probe_write(entry_wall, entry_cpu, 0, 0);
	}
	ret = real_ioctl(fd, req, arg);
	if (req == KVM_RUN && ret == 0) {
		probe_write(entry_wall, entry_cpu, ns(CLOCK_MONOTONIC) - t0,
			    ns(CLOCK_PROCESS_CPUTIME_ID));
		_exit(0);
	}
	return ret;
}
