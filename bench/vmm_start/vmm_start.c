// SPDX-License-Identifier: GPL-2.0-only
/*
 * bench/vmm-start: exec → first guest instruction, iovirt vs QEMU, on this
 * machine's own /dev/kvm, with a tiny guest whose first instruction writes an
 * I/O port. Each VMM runs N times, alternating; the probe (kvmrun_probe.so,
 * LD_PRELOAD) timestamps the first KVM_RUN and the first exit. Prints the
 * medians, the CPU milliseconds (Firecracker's published start-up budget is
 * 8 CPU-ms), and iovirt's ratio to QEMU.
 *
 * Usage: bench-vmm-start PROBE.so IOVIRT GUEST.bzimage [N] [QEMU]
 * QEMU cannot run real-mode firmware on a KVM without VMX/SVM (KVM-PVM): there
 * it reaches guest entry but never its first guest exit; the table then says
 * so and compares the entry times only.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct sample {
	double entry_ms, entry_cpu_ms, exit_ms, exit_cpu_ms;
	int exited;
};

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ull + (unsigned long long)ts.tv_nsec;
}

static int run_one(const char *const argv[], const char *probe, struct sample *s)
{
	char out[] = "/tmp/vmm-start-XXXXXX";
	int fd = mkstemp(out), status;
	unsigned long long ew = 0, ec = 0, xw = 0, xc = 0;
	pid_t pid;
	FILE *f;

	if (fd < 0)
		return -errno;
	close(fd);
	pid = fork();
	if (pid == 0) {
		char t0[32];
		int dn = open("/dev/null", 2);

		dup2(dn, 0);
		dup2(dn, 1);
		dup2(dn, 2);
		setenv("LD_PRELOAD", probe, 1);
		setenv("VMM_START_PROBE_OUT", out, 1);
		snprintf(t0, sizeof(t0), "%llu", now_ns());
		setenv("VMM_START_T0_NS", t0, 1);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	/* A VMM that never exits its guest (QEMU on KVM-PVM) is stopped after 3 s. */
	for (int i = 0; i < 300; i++) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			goto done;
		usleep(10000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
done:
	f = fopen(out, "r");
	if (f && fscanf(f, "%llu %llu %llu %llu", &ew, &ec, &xw, &xc) != 4)
		ew = 0;
	if (f)
		fclose(f);
	unlink(out);
	if (!ew)
		return -EIO;
	s->entry_ms = ew / 1e6;
	s->entry_cpu_ms = ec / 1e6;
	s->exit_ms = xw / 1e6;
	s->exit_cpu_ms = xc / 1e6;
	s->exited = xw != 0;
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(struct sample *s, int n, size_t off)
{
	double v[256];

	for (int i = 0; i < n; i++)
		v[i] = *(double *)((char *)&s[i] + off);
	qsort(v, (size_t)n, sizeof(double), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int main(int argc, char **argv)
{
	const char *probe, *iovirt, *guest, *qemu = "/usr/bin/qemu-system-x86_64";
	static struct sample si[256], sq[256];
	int n = 20, ni = 0, nq = 0, q_exited = 0;

	if (argc < 4) {
		fprintf(stderr, "usage: %s PROBE.so IOVIRT GUEST.bzimage [N] [QEMU]\n", argv[0]);
		return 2;
	}
	probe = argv[1];
	iovirt = argv[2];
	guest = argv[3];
	if (argc > 4)
		n = atoi(argv[4]);
	if (argc > 5)
		qemu = argv[5];
	if (n < 1 || n > 256)
		n = 20;
	if (access("/dev/kvm", R_OK | W_OK)) {
		printf("SKIPPED: /dev/kvm is not usable here\n");
		return 77;
	}
	for (int i = 0; i < n; i++) {
		const char *ia[] = { iovirt, "run", "--kernel", guest, "--console", "none",
			       NULL };
		const char *qa[] = { qemu, "-accel", "kvm", "-M", "microvm", "-nodefaults",
			       "-display", "none", "-no-user-config", "-kernel", guest,
			       NULL };

		if (run_one(ia, probe, &si[ni]) == 0)
			ni++;
		if (access(qemu, X_OK) == 0 && run_one(qa, probe, &sq[nq]) == 0) {
			q_exited += sq[nq].exited;
			nq++;
		}
	}
	if (!ni) {
		printf("iovirt never entered its guest\n");
		return 1;
	}
	printf("exec -> guest, median of %d runs each (ms)\n\n", n);
	printf("%-24s %10s %10s %12s %12s\n", "VMM", "entry", "entry CPU", "1st exit", "1st exit CPU");
	printf("%-24s %10.2f %10.2f %12.2f %12.2f\n", "iovirt", median(si, ni, offsetof(struct sample, entry_ms)),
	       median(si, ni, offsetof(struct sample, entry_cpu_ms)),
	       median(si, ni, offsetof(struct sample, exit_ms)),
	       median(si, ni, offsetof(struct sample, exit_cpu_ms)));
	if (nq) {
		if (q_exited == nq)
			printf("%-24s %10.2f %10.2f %12.2f %12.2f\n", "qemu -M microvm",
			       median(sq, nq, offsetof(struct sample, entry_ms)),
			       median(sq, nq, offsetof(struct sample, entry_cpu_ms)),
			       median(sq, nq, offsetof(struct sample, exit_ms)),
			       median(sq, nq, offsetof(struct sample, exit_cpu_ms)));
		else
			printf("%-24s %10.2f %10.2f %12s %12s\n", "qemu -M microvm",
			       median(sq, nq, offsetof(struct sample, entry_ms)),
			       median(sq, nq, offsetof(struct sample, entry_cpu_ms)), "never", "never");
		printf("\niovirt / qemu, guest entry, wall: %.2f   CPU: %.2f\n",
		       median(si, ni, offsetof(struct sample, entry_ms)) /
			       median(sq, nq, offsetof(struct sample, entry_ms)),
		       median(si, ni, offsetof(struct sample, entry_cpu_ms)) /
			       median(sq, nq, offsetof(struct sample, entry_cpu_ms)));
		printf("(QEMU enters the guest in its firmware, so its first exit is a firmware\n"
		       " access, not the tiny guest's port write: compare the entry columns.)\n");
	} else {
		printf("(QEMU not found: no reference)\n");
	}
	printf("Firecracker's start-up budget: 8 CPU-ms; iovirt to its guest's first instruction: "
	       "%.2f CPU-ms\n", median(si, ni, offsetof(struct sample, exit_cpu_ms)));
	return 0;
}
