// SPDX-License-Identifier: GPL-2.0-only
/*
 * The cost of the device harness itself, so that device benchmarks run
 * through it can subtract it: one MMIO register read (edu's ID register), one
 * port read, and one 4 KiB guest-memory read (hex and base64), each a full
 * protocol round trip over the unix socket. Measured on iovirt and on QEMU's
 * qtest in the same run; prints ns per operation and the ratio iovirt/QEMU
 * (below 1: iovirt's harness is cheaper).
 *
 * Usage: bench-harness [rounds]   ($IOVIRT_BIN, $QEMU_BIN as for the tests)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "iovirt/edu.h"
#include "qtest_client.h"
#include "qtest_pci.h"

enum op { OP_MMIO, OP_PIO, OP_READ4K_HEX, OP_READ4K_B64, OP_WRITE4K_B64, NR_OPS };

static const char *const op_names[NR_OPS] = {
	"MMIO readl (edu ID)", "PIO inb", "4 KiB read (hex)", "4 KiB read (base64)",
	"4 KiB write (base64)",
};

static const unsigned op_iters[NR_OPS] = { 20000, 20000, 4000, 4000, 4000 };

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* ns per operation: the median of `rounds` timed loops. */
static double measure(struct qtest_state *s, enum op op, uint64_t mmio, unsigned rounds)
{
	static uint8_t buf[4096];
	double r[16];
	unsigned n = op_iters[op];

	if (rounds > 16)
		rounds = 16;
	for (unsigned k = 0; k < rounds; k++) {
		uint64_t t0 = now_ns();

		for (unsigned i = 0; i < n; i++) {
			switch (op) {
			case OP_MMIO:
				if (qtest_readl(s, mmio) != EDU_ID_VALUE)
					qtest_fatal(s, "edu ID register misread");
				break;
			case OP_PIO:
				qtest_inb(s, 0x2f8);
				break;
			case OP_READ4K_HEX:
				qtest_memread(s, 0x200000, buf, sizeof(buf));
				break;
			case OP_READ4K_B64:
				qtest_bufread(s, 0x200000, buf, sizeof(buf));
				break;
			case OP_WRITE4K_B64:
				qtest_bufwrite(s, 0x200000, buf, sizeof(buf));
				break;
			default:
				break;
			}
		}
		r[k] = (double)(now_ns() - t0) / n;
	}
	qsort(r, rounds, sizeof(r[0]), cmp_double);
	return r[rounds / 2];
}

static bool run_target(enum qtest_target t, unsigned rounds, double out[NR_OPS])
{
	struct qtest_machine m = { .edu = true };
	struct qtest_state *s;
	struct qpci_bus bus;
	struct qpci_dev edu;
	char why[256];

	if (!qtest_target_available(t, why, sizeof(why))) {
		fprintf(stderr, "bench-harness: %s: %s\n", qtest_target_name(t), why);
		return false;
	}
	s = qtest_start(t, &m);
	qpci_init(&bus, s);
	if (!qpci_find(&bus, EDU_VENDOR_ID, EDU_DEVICE_ID, &edu))
		qtest_fatal(s, "no edu device");
	qpci_device_enable(&edu);
	/* Warm up both sides (page faults in guest RAM, socket buffers). */
	measure(s, OP_READ4K_B64, edu.bars[0].addr, 1);
	for (int op = 0; op < NR_OPS; op++)
		out[op] = measure(s, (enum op)op, edu.bars[0].addr, rounds);
	qtest_quit(s);
	return true;
}

int main(int argc, char **argv)
{
	unsigned rounds = argc > 1 ? (unsigned)atoi(argv[1]) : 5;
	double io[NR_OPS], qemu[NR_OPS];
	bool have_io, have_qemu;

	if (!rounds)
		rounds = 1;
	have_io = run_target(QTEST_IOVIRT, rounds, io);
	have_qemu = run_target(QTEST_QEMU, rounds, qemu);
	if (!have_io && !have_qemu)
		return 1;
	printf("qtest harness cost per operation (median of %u rounds; one protocol round trip each)\n",
	       rounds);
	printf("%-24s %14s %14s %10s\n", "operation", "iovirt ns/op", "qemu ns/op", "ratio");
	for (int op = 0; op < NR_OPS; op++) {
		char a[32] = "-", b[32] = "-", r[32] = "-";

		if (have_io)
			snprintf(a, sizeof(a), "%.0f", io[op]);
		if (have_qemu)
			snprintf(b, sizeof(b), "%.0f", qemu[op]);
		if (have_io && have_qemu)
			snprintf(r, sizeof(r), "%.2f", io[op] / qemu[op]);
		printf("%-24s %14s %14s %10s\n", op_names[op], a, b, r);
	}
	printf("ratio = iovirt / qemu (below 1: iovirt's harness is cheaper)\n");
	return 0;
}
